//! Defect modes: realistic bugs that shipping SCIM servers have, injected on purpose so the
//! harness can prove that its scenarios catch them (the "kill matrix").
//!
//! Each [`Defect`] is switched on through [`crate::ServerOptions::defects`] and acts at the
//! place in the code where the real bug would live (the uniqueness check, the filter
//! evaluator, the PATCH engine, the paging code, the error renderer, ...), not as a rewrite
//! of finished responses. [`Defect::breaks`] names the requirement-catalog rows each one
//! violates; [`Defect::description`] says what real servers ship and what it breaks for
//! identity providers.
//!
//! [`Policy`] bundles the strict-mode switch with the active defects and legal variants
//! ([`crate::variant`]); every layer that can behave differently receives it.

use crate::variant::{Variant, VariantSet, entity_tag};

/// Declares the defects once: the enum, [`Defect::ALL`] and each one's name, description
/// and broken requirements come from this one table, so a new defect cannot be left out of
/// the kill matrix.
macro_rules! defects {
    ($($(#[doc = $doc:literal])* $variant:ident => ($name:literal, $description:literal, $breaks:expr),)*) => {
        /// One injectable server bug. Names ([`Defect::name`]) are kebab-case and stable.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Defect {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Defect {
            /// Every defect, in declaration order.
            pub const ALL: &'static [Defect] = &[$(Defect::$variant,)*];

            fn info(self) -> (&'static str, &'static str, &'static [&'static str]) {
                match self {
                    $(Defect::$variant => ($name, $description, $breaks),)*
                }
            }
        }
    };
}

defects! {
    /// `userName` compared case-sensitively in filters.
    CaseSensitiveUsernameFilter => (
        "case-sensitive-username-filter",
        "userName filters compare case-sensitively (an exact database lookup), so an IdP that looks a user up with different casing finds nothing and creates a duplicate.",
        &["P-3.4.2.2-17"]
    ),
    /// A second POST with the same `userName` is accepted.
    DuplicatesAccepted => (
        "duplicates-accepted",
        "a second POST with an existing userName is stored instead of answering 409, so retried creates leave duplicate accounts the IdP cannot tell apart.",
        &["P-3.3-05"]
    ),
    /// `userName` uniqueness compared case-sensitively.
    CaseSensitiveUniqueness => (
        "case-sensitive-uniqueness",
        "userName uniqueness is checked case-sensitively, so \"Case.X\" and \"case.x\" become two accounts for one person.",
        &["C-4.1.1-02"]
    ),
    /// POST answers 200 instead of 201.
    CreateReturns200 => (
        "create-returns-200",
        "a successful POST answers 200 instead of 201, which strict clients treat as a failed create.",
        &["P-3.3-01"]
    ),
    /// POST answers without a `Location` header.
    NoLocationHeader => (
        "no-location-header",
        "a successful POST answers without a Location header, so clients that follow it cannot find the new resource.",
        &["P-3.3-03"]
    ),
    /// The `filter` parameter is ignored.
    FilterIgnored => (
        "filter-ignored",
        "the filter parameter is ignored and every resource is returned, so an IdP's pre-create lookup \"finds\" an unrelated user and links to it.",
        &["P-3.4.2.2-01"]
    ),
    /// Filter operators and keywords only match in lower case.
    FilterOperatorsCaseSensitive => (
        "filter-operators-case-sensitive",
        "the filter parser only knows lower-case operators, so \"userName Eq ...\" is refused as an invalid filter.",
        &["P-3.4.2.2-02"]
    ),
    /// A filtered list without matches answers 404.
    EmptyFilterResult404 => (
        "empty-filter-result-404",
        "a filter without matches answers 404 instead of an empty ListResponse, which puts an Entra provisioning job into quarantine.",
        &["P-3.4.2-04"]
    ),
    /// A malformed filter crashes the handler (500).
    InvalidFilter500 => (
        "invalid-filter-500",
        "a malformed filter throws inside the handler and answers 500 instead of 400 invalidFilter, so IdPs retry a request that can never succeed.",
        &["P-3.4.2.2-03"]
    ),
    /// `startIndex` is treated as a 0-based offset.
    ZeroBasedStartIndex => (
        "zero-based-start-index",
        "startIndex is used as a 0-based offset, so every page skips one resource and an IdP import misses users.",
        &["P-3.4.2.4-04", "P-3.4.2.4-01"]
    ),
    /// `itemsPerPage` echoes the requested `count`.
    ItemsPerPageIsCount => (
        "items-per-page-is-count",
        "itemsPerPage echoes the requested count instead of the number of resources returned, so paging clients expect resources that are not there.",
        &["P-3.4.2.4-06"]
    ),
    /// `totalResults` is the size of the page.
    TotalResultsIsPageSize => (
        "total-results-is-page-size",
        "totalResults is the size of the page rather than of the whole result, so an importing IdP stops after the first page.",
        &["P-3.4.2.4-05"]
    ),
    /// The `count` parameter is ignored.
    CountIgnored => (
        "count-ignored",
        "the count parameter is ignored and a full page is returned, so clients get more than they asked for and paging breaks.",
        &["P-3.4.2.4-03"]
    ),
    /// Error bodies carry `status` as a JSON number.
    ErrorStatusAsNumber => (
        "error-status-as-number",
        "error bodies carry status as a JSON number instead of a string, which Okta's reviewers and strict SCIM clients reject.",
        &["P-3.12-03"]
    ),
    /// Errors are plain text, not SCIM JSON.
    PlainTextErrors => (
        "plain-text-errors",
        "errors are answered as plain text by the web framework instead of a SCIM Error message, so IdPs cannot read the reason.",
        &["P-3.12-01"]
    ),
    /// JSON responses are labelled `application/json`.
    WrongContentType => (
        "wrong-content-type",
        "JSON responses are labelled application/json (the framework default) instead of application/scim+json.",
        &["P-8.1-01"]
    ),
    /// The bearer token is not checked.
    TokenNotChecked => (
        "token-not-checked",
        "the bearer token is never checked, so anyone who can reach the endpoint can read and change identities.",
        &["P-3.12-07"]
    ),
    /// 401 responses lack `WWW-Authenticate`.
    NoWwwAuthenticate => (
        "no-www-authenticate",
        "401 responses lack a WWW-Authenticate header, so clients cannot tell which authentication scheme to use.",
        &["P-2-01"]
    ),
    /// PATCH answers 200 but changes nothing.
    PatchIgnored => (
        "patch-ignored",
        "PATCH answers 200 with the unchanged resource without applying the operations, so IdP updates silently never land.",
        &["P-3.5.2.3-02"]
    ),
    /// `active: false` is silently dropped on writes.
    DeactivationNotPersisted => (
        "deactivation-not-persisted",
        "active=false is silently dropped when writing (a truthiness check), so deprovisioned users keep access.",
        &["P-3.5.2.3-02", "P-3.1-01"]
    ),
    /// Entra's capitalised `"Replace"`/`"Add"`/`"Remove"` ops are rejected.
    CapitalisedOpRejected => (
        "capitalised-op-rejected",
        "PATCH ops are matched case-sensitively, so Entra's default \"Replace\"/\"Add\"/\"Remove\" are refused and every Entra update fails.",
        &["idp:entra"]
    ),
    /// Entra's string booleans (`"False"`) are rejected.
    StringBooleansRejected => (
        "string-booleans-rejected",
        "boolean attributes refuse Entra's string forms (\"False\", \"false\"), so Entra cannot deactivate users.",
        &["idp:entra"]
    ),
    /// `remove members[value eq "…"]` removes nothing.
    MemberRemoveByFilterIgnored => (
        "member-remove-by-filter-ignored",
        "remove with a members[value eq \"...\"] filter answers success but removes nobody, so users keep group-based access.",
        &["P-3.5.2.2-04"]
    ),
    /// Removing one member removes every member.
    MemberRemoveWipesAll => (
        "member-remove-wipes-all",
        "removing one member (by filter or by Entra's value list) removes every member of the group (AzureAD/SCIMReferenceCode#10).",
        &["P-3.5.2.2-04"]
    ),
    /// `add` on a multi-valued attribute replaces the existing values.
    AddMemberReplaces => (
        "add-member-replaces",
        "add on a multi-valued attribute (members, emails) replaces the existing values instead of appending, so adding one member drops the others.",
        &["P-3.5.2.1-04"]
    ),
    /// The `excludedAttributes` parameter is ignored.
    ExcludedAttributesIgnored => (
        "excluded-attributes-ignored",
        "excludedAttributes is ignored, so Entra's excludedAttributes=members group reads return every member of large groups.",
        &["P-3.9-03", "P-3.9-06"]
    ),
    /// The `attributes` parameter is ignored.
    AttributesIgnored => (
        "attributes-ignored",
        "the attributes parameter is ignored and the full resource is always returned.",
        &["P-3.9-01"]
    ),
    /// The password is returned in responses.
    PasswordReturned => (
        "password-returned",
        "the stored password is serialised back in responses, leaking credentials to every reader.",
        &["C-4.1.1-03"]
    ),
    /// List responses show a different `id` than single-resource reads.
    IdChangesBetweenReads => (
        "id-changes-between-reads",
        "list responses expose the database row number as id while single reads use the real id, so an id found by filter cannot be used to update the user.",
        &["C-3.1-03"]
    ),
    /// `meta.lastModified` never moves after creation.
    LastModifiedNotUpdated => (
        "last-modified-not-updated",
        "meta.lastModified keeps the creation time after updates, so change detection and incremental sync miss changes.",
        &["C-3.1-07"]
    ),
    /// DELETE answers 204 but the resource stays.
    DeleteNotEffective => (
        "delete-not-effective",
        "DELETE answers 204 but the resource is still served afterwards, so deleted users keep existing.",
        &["P-3.6-02"]
    ),
    /// PUT to an unknown id creates the resource.
    PutCreates => (
        "put-creates",
        "PUT to an unknown id creates the resource (an upsert), so a stale IdP id resurrects deleted users.",
        &["P-3.5.1-01"]
    ),
    /// A client-supplied `id` on POST is adopted.
    ClientIdAdopted => (
        "client-id-adopted",
        "a client-supplied id on POST is stored as the resource id, so clients can choose or collide ids.",
        &["C-3.1-04"]
    ),
    /// `externalId` is stored lower-cased.
    ExternalIdLowercased => (
        "external-id-lowercased",
        "externalId is lower-cased on write, so the IdP's matching on its own identifier fails.",
        &["C-3.1-05"]
    ),
    /// Resources are served without `schemas`.
    MissingSchemas => (
        "missing-schemas",
        "resources are serialised without their schemas attribute, so clients cannot tell core from extension data.",
        &["C-3-01"]
    ),
    /// Discovery endpoints require the bearer token.
    SpcRequiresAuth => (
        "spc-requires-auth",
        "discovery endpoints (/ServiceProviderConfig, /Schemas, /ResourceTypes) demand the bearer token, so an unauthenticated capability probe fails.",
        &["C-5-03"]
    ),
    /// `sortBy` is ignored although `sort.supported` is true.
    SortIgnored => (
        "sort-ignored",
        "sortBy is ignored although /ServiceProviderConfig advertises sort support, so results come back in storage order.",
        &["P-3.4.2.3-01"]
    ),
    /// The ETag does not change when the resource changes.
    EtagNotChanged => (
        "etag-not-changed",
        "meta.version and the ETag stay the same after an update, so caches and optimistic locking never see the change.",
        &["P-3.14-04", "P-3.14-06"]
    ),
    /// `If-Match` is not checked.
    IfMatchIgnored => (
        "if-match-ignored",
        "If-Match is not checked, so an update based on a stale version overwrites a newer one instead of answering 412.",
        &["P-3.14-06"]
    ),
    /// `POST /Users/.search` is routed to an unvalidating create.
    SearchCreates => (
        "search-creates",
        "POST /Users/.search falls through to the create route, so every IdP search stores an empty resource and answers 201 instead of a ListResponse.",
        &["P-3.4.3-01"]
    ),
    /// No `ETag` header although `etag.supported` is true.
    NoEtagHeader => (
        "no-etag-header",
        "no ETag header is sent although etag.supported is true, so clients cannot use conditional requests.",
        &["P-3.14-01"]
    ),
    /// `If-None-Match` with the current ETag still answers 200 with a body.
    IfNoneMatchIgnored => (
        "if-none-match-ignored",
        "If-None-Match with the current ETag still answers 200 with the full body instead of 304.",
        &["P-3.14-03"]
    ),
    /// GET of an unknown id answers 500.
    UnknownId500 => (
        "unknown-id-500",
        "GET of an unknown id dereferences a missing row and answers 500 instead of 404, so IdPs cannot tell deleted from broken.",
        &["P-3.4.1-02"]
    ),
    /// A filtered `replace` changes only the first matching value.
    FilteredReplaceFirstOnly => (
        "filtered-replace-first-only",
        "a replace with a value filter changes only the first matching value instead of every match.",
        &["P-3.5.2.3-05"]
    ),
    /// Setting `primary: true` on one value leaves the old primary in place.
    PrimaryNotCleared => (
        "primary-not-cleared",
        "setting primary=true on one value leaves the previous primary in place, so the resource ends up with two primaries.",
        &["P-3.5.2-06", "C-2.4-01"]
    ),
    /// A failing PATCH keeps the operations before the failure.
    PatchNotAtomic => (
        "patch-not-atomic",
        "PATCH operations are applied one by one, so a failing operation leaves the earlier ones applied.",
        &["P-3.5.2-07"]
    ),
    /// Attribute names in request bodies are matched case-sensitively.
    CaseSensitiveAttributeNames => (
        "case-sensitive-attribute-names",
        "attribute names in request bodies are matched case-sensitively, so \"USERNAME\" or \"Name\" are ignored.",
        &["C-2.1-02"]
    ),
    /// `externalId` (caseExact) is compared case-insensitively in filters.
    ExternalIdFilterCaseInsensitive => (
        "external-id-filter-case-insensitive",
        "externalId (caseExact) is compared case-insensitively in filters (a case-insensitive collation), so distinct IdP identifiers collide.",
        &["P-3.4.2.2-18"]
    ),
    /// `sortBy` orders case-sensitively on caseExact=false attributes.
    SortCaseSensitive => (
        "sort-case-sensitive",
        "sortBy orders by raw code points, so \"Bob\" sorts before \"alice\" on a caseExact=false attribute.",
        &["P-3.4.2.3-03"]
    ),
    /// A group member with an unknown id crashes the handler (500).
    UnknownMember500 => (
        "unknown-member-500",
        "a member id that is no user or group hits an unchecked lookup and answers 500, so an IdP pushing a membership for a user not yet provisioned retries forever instead of fixing the order.",
        &["C-4.2-02"]
    ),
    /// Projected responses (`attributes=`/`excludedAttributes=`) lose `schemas` and `id`.
    ProjectionDropsSchemas => (
        "projection-drops-schemas",
        "the projection keeps only the attributes named, dropping `schemas` and `id`, so a client asking for `attributes=userName` cannot tell what it got or address it again.",
        &["C-3-01", "P-3.9-01"]
    ),
    /// Writes to /ServiceProviderConfig, /Schemas and /ResourceTypes answer 200.
    ConfigurationWritable => (
        "configuration-writable",
        "discovery endpoints answer any method with the document, so a POST or PUT to /ServiceProviderConfig looks accepted and clients believe they changed the server's configuration.",
        &["source:RFC 7644 §4"]
    ),
    /// Error `detail` carries a stack trace.
    StackTracesInErrors => (
        "stack-traces-in-errors",
        "error details carry the exception and stack trace, telling anyone who sends a bad request which framework, classes and file paths run the service.",
        &["source:harness: error detail"]
    ),
    /// A 204 answer carries a body and a JSON Content-Type.
    BodyOn204 => (
        "body-on-204",
        "DELETE answers 204 with a JSON body and Content-Type, which HTTP forbids; strict clients and proxies drop the connection or misread the next response.",
        &["source:harness: 204 No Content"]
    ),
}

impl Defect {
    /// The stable kebab-case name, e.g. `"case-sensitive-username-filter"`.
    pub fn name(self) -> &'static str {
        self.info().0
    }

    /// The defect with this name (exact, kebab-case), if any.
    pub fn from_name(name: &str) -> Option<Defect> {
        Defect::ALL.iter().copied().find(|d| d.name() == name)
    }

    /// One sentence: what real servers ship, and what it breaks for identity providers.
    pub fn description(self) -> &'static str {
        self.info().1
    }

    /// The requirement-catalog ids (`requirements.md`) this defect violates, or
    /// `idp:<profile>` for a defect that breaks no RFC rule but blocks that IdP's sync (its
    /// replays must catch it).
    pub fn breaks(self) -> &'static [&'static str] {
        self.info().2
    }
}

impl std::fmt::Display for Defect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of defects (a bit mask over [`Defect::ALL`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct DefectSet(u64);

const _: () = assert!(Defect::ALL.len() <= 64);

impl DefectSet {
    /// The set holding `defects`.
    pub fn of(defects: &[Defect]) -> Self {
        DefectSet(defects.iter().fold(0, |m, d| m | 1 << (*d as u32)))
    }

    /// Whether `d` is in the set.
    pub fn has(self, d: Defect) -> bool {
        self.0 & (1 << (d as u32)) != 0
    }
}

/// How the server behaves: strict (RFC forms only) or lenient, plus injected defects and
/// legal variants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Policy {
    /// Refuse the non-RFC forms identity providers send (see [`crate::ServerOptions::strict`]).
    pub strict: bool,
    pub defects: DefectSet,
    pub variants: VariantSet,
}

impl Policy {
    /// The policy of a server with these options.
    pub fn new(strict: bool, defects: &[Defect], variants: &[Variant]) -> Self {
        Policy {
            strict,
            defects: DefectSet::of(defects),
            variants: VariantSet::of(variants),
        }
    }

    /// Whether defect `d` is active.
    pub fn has(&self, d: Defect) -> bool {
        self.defects.has(d)
    }

    /// Whether legal variant `v` is active.
    pub fn varies(&self, v: Variant) -> bool {
        self.variants.has(v)
    }

    /// The entity tag of a resource version (weak unless `strong-etags`).
    pub fn etag(&self, version: u64) -> String {
        entity_tag(version, self.varies(Variant::StrongEtags))
    }

    /// A policy with one defect (tests).
    #[cfg(test)]
    pub fn with(d: Defect) -> Self {
        Policy::new(false, &[d], &[])
    }

    /// The strict policy (tests).
    #[cfg(test)]
    pub fn strict() -> Self {
        Policy::new(true, &[], &[])
    }
}

/// The 400 detail for a non-RFC form refused in strict mode: what was sent, the RFC form,
/// who sends it, and how to accept it.
pub(crate) fn quirk(what: &str, rfc_form: &str, who: &str) -> String {
    format!(
        "{what} is not an RFC 7644 form; {rfc_form} ({who}; start the server without --strict to accept it)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_kebab_case_and_round_trip() {
        let mut seen = HashSet::new();
        for d in Defect::ALL {
            let name = d.name();
            assert!(seen.insert(name), "duplicate name {name}");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{name}"
            );
            assert_eq!(Defect::from_name(name), Some(*d));
            assert_eq!(d.to_string(), name);
        }
        assert_eq!(Defect::from_name("Case-Sensitive-Username-Filter"), None);
        assert_eq!(Defect::from_name("nope"), None);
        assert!(Defect::ALL.len() >= 35);
    }

    #[test]
    fn every_defect_is_described_and_breaks_catalog_rows() {
        for d in Defect::ALL {
            let text = d.description();
            assert!(text.len() > 40 && text.ends_with('.'), "{d}: {text}");
            assert!(!d.breaks().is_empty(), "{d}");
            for id in d.breaks() {
                // Catalog ids; `idp:<profile>` for IdP-compat defects; `source:<prefix>`
                // for checks that cite a source (the kill matrix resolves each).
                let well_formed = id.starts_with("P-")
                    || id.starts_with("C-")
                    || id.starts_with("idp:")
                    || id.starts_with("source:");
                assert!(well_formed, "{d}: {id}");
            }
        }
        assert_eq!(
            Defect::CaseSensitiveUsernameFilter.breaks(),
            &["P-3.4.2.2-17"]
        );
    }

    #[test]
    fn all_lists_every_variant_in_order() {
        for (i, d) in Defect::ALL.iter().enumerate() {
            assert_eq!(*d as usize, i, "{d}");
        }
        let mut sorted = Defect::ALL.to_vec();
        sorted.sort();
        assert_eq!(sorted, Defect::ALL);
    }

    #[test]
    fn sets_and_policies() {
        let set = DefectSet::of(&[Defect::PatchIgnored, Defect::SortCaseSensitive]);
        assert!(set.has(Defect::PatchIgnored) && set.has(Defect::SortCaseSensitive));
        assert!(!set.has(Defect::FilterIgnored));
        assert!(!Policy::default().has(Defect::PatchIgnored));
        assert!(Policy::with(Defect::PatchIgnored).has(Defect::PatchIgnored));
        assert!(Policy::strict().strict);
    }
}
