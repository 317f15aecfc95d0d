//! Legal variants: behaviour that differs from this server's defaults but that the RFCs
//! allow, switched on so the harness can prove that it does not fail correct servers (the
//! "legal-variation matrix", twin of the kill matrix in [`crate::defect`]).
//!
//! Each [`Variant`] is switched on through [`crate::ServerOptions::variants`] and acts at the
//! place in the code where a real server would differ (the gateway in front of the service,
//! the id generator in `store`, the renderer, the paging code in `query`, the discovery
//! documents, the response writer), never as a rewrite of finished responses.
//! [`Variant::basis`] names the RFC latitude each one relies on; [`Variant::description`]
//! says which real servers behave that way.

use std::hash::{Hash, Hasher};

use serde_json::{Map, Value, json};

use crate::schema::{AttrDef, ResourceKind, SchemaDef};

/// One legal variation of correct behaviour. Names ([`Variant::name`]) are kebab-case and
/// stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Variant {
    /// Every Nth request answers 429 with `Retry-After`.
    RateLimited,
    /// Now and then a request answers 503 with `Retry-After`.
    Unavailable,
    /// A vendor extension on every User and Group, advertised in discovery.
    VendorExtension,
    /// Ids are numeric (Users) or prefixed (Groups), not UUIDs.
    OpaqueIds,
    /// PATCH answers 204 without a body.
    PatchNoContent,
    /// List results without `sortBy` come in an arbitrary (hash) order.
    UnsortedLists,
    /// Multi-valued attribute values are served in another order than written.
    ReorderedValues,
    /// Pages hold at most a few resources, whatever `count` asks for.
    PageSizeCap,
    /// Sorting is not supported (advertised, and `sortBy` refused).
    SortUnsupported,
    /// ETags are not supported (advertised; no `ETag`, no `meta.version`).
    EtagUnsupported,
    /// Bulk is not supported (advertised, and `/Bulk` refused).
    BulkUnsupported,
    /// `Content-Type: application/scim+json; charset=utf-8`.
    CharsetParameter,
    /// Strong ETags (`"7"`) instead of weak ones (`W/"7"`).
    StrongEtags,
    /// Users and groups that the client did not create are already on the server.
    ForeignData,
    /// Attribute names in responses in another case (`UserName`, `Emails`, ...).
    RecasedAttributes,
    /// Pretty-printed JSON with another key order.
    PrettyJson,
    /// Extra response headers (request ids, caching, rate-limit counters).
    ExtraHeaders,
    /// References carry only their `value`: no `$ref`, `display` or `type`.
    SparseReferences,
    /// Timestamps in local time with an offset and whole seconds.
    LocalTimestamps,
}

use Variant as V;

impl Variant {
    /// Every variant, in declaration order.
    pub const ALL: &'static [Variant] = &[
        V::RateLimited,
        V::Unavailable,
        V::VendorExtension,
        V::OpaqueIds,
        V::PatchNoContent,
        V::UnsortedLists,
        V::ReorderedValues,
        V::PageSizeCap,
        V::SortUnsupported,
        V::EtagUnsupported,
        V::BulkUnsupported,
        V::CharsetParameter,
        V::StrongEtags,
        V::ForeignData,
        V::RecasedAttributes,
        V::PrettyJson,
        V::ExtraHeaders,
        V::SparseReferences,
        V::LocalTimestamps,
    ];

    /// The stable kebab-case name, e.g. `"rate-limited"`.
    pub fn name(self) -> &'static str {
        self.info().0
    }

    /// The variant with this name (exact, kebab-case), if any.
    pub fn from_name(name: &str) -> Option<Variant> {
        Variant::ALL.iter().copied().find(|v| v.name() == name)
    }

    /// One sentence: what the server does differently, and who does it.
    pub fn description(self) -> &'static str {
        self.info().1
    }

    /// The RFC latitude it relies on: section and the MAY/SHOULD or "server may" wording.
    pub fn basis(self) -> &'static str {
        self.info().2
    }

    fn info(self) -> (&'static str, &'static str, &'static str) {
        match self {
            V::RateLimited => (
                "rate-limited",
                "every 17th request answers 429 Too Many Requests with Retry-After (as every SaaS SCIM endpoint does under load) without doing anything.",
                "RFC 6585 §4: 429 says the client sent too many requests and MAY carry Retry-After; RFC 7644 §3.12 does not restrict the HTTP status codes a service provider answers with.",
            ),
            V::Unavailable => (
                "unavailable",
                "every 29th request answers 503 Service Unavailable with Retry-After (a rolling deploy or a failover) without doing anything.",
                "RFC 9110 §15.6.4: 503 means the server is temporarily unable to handle the request and MAY send Retry-After; RFC 7644 §3.12 lists 5xx answers as possible.",
            ),
            V::VendorExtension => (
                "vendor-extension",
                "every User and Group carries a read-only vendor extension (its URN in schemas, an extension object), advertised in /Schemas and as a schemaExtension in /ResourceTypes, as Salesforce, Workday and most HR systems do.",
                "RFC 7643 §3: schemas holds the core URN and the URNs of any extensions, and §3.3 lets a resource type carry schema extensions; RFC 7643 §6 schemaExtensions.",
            ),
            V::OpaqueIds => (
                "opaque-ids",
                "ids are database keys, numeric for Users (\"100042\") and prefixed for Groups (\"grp_100043\"), not UUIDs, as GitHub, Slack and many SQL-backed servers issue them.",
                "RFC 7643 §3.1: id is a string issued by the service provider, unique and stable; no format is required (\"a string\", not a UUID).",
            ),
            V::PatchNoContent => (
                "patch-no-content",
                "a successful PATCH answers 204 No Content without a body, as Entra's reference code and Slack do.",
                "RFC 7644 §3.5.2: the server either MUST return 200 with the entire resource or MAY return 204 No Content (unless attributes were requested).",
            ),
            V::UnsortedLists => (
                "unsorted-lists",
                "list results without sortBy come in hash order (the order of a hash-partitioned store) rather than creation order, stable for one resource set.",
                "RFC 7644 §3.4.2.3: sorting is only defined when sortBy is given; without it the order of results is the service provider's choice.",
            ),
            V::ReorderedValues => (
                "reordered-values",
                "multi-valued attributes (emails, phoneNumbers, members, groups, ...) are served in reverse order of writing, as document stores and set-backed tables do.",
                "RFC 7643 §2.4: the values of a multi-valued attribute are told apart by value, type and primary, not by position; RFC 7644 §3.5.2.1 does not say where an added value goes.",
            ),
            V::PageSizeCap => (
                "page-size-cap",
                "no page holds more than 3 resources, whatever count asks for (advertised as filter.maxResults = 3), as servers with a small fixed page size do.",
                "RFC 7644 §3.4.2.4: the service provider MUST NOT return more results than count but MAY return fewer; RFC 7643 §5 filter.maxResults.",
            ),
            V::SortUnsupported => (
                "sort-unsupported",
                "sorting is not implemented: /ServiceProviderConfig says sort.supported = false and sortBy is refused with 400 invalidValue.",
                "RFC 7644 §3.4.2.3: sorting is OPTIONAL, advertised through sort.supported (RFC 7643 §5).",
            ),
            V::EtagUnsupported => (
                "etag-unsupported",
                "ETags are not implemented: etag.supported = false, no ETag header and no meta.version.",
                "RFC 7644 §3.14: service providers MAY support versioning with ETags, advertised through etag.supported (RFC 7643 §5); meta.version is only set when they do (RFC 7643 §3.1).",
            ),
            V::BulkUnsupported => (
                "bulk-unsupported",
                "bulk is not implemented: bulk.supported = false and POST /Bulk answers 501 with a SCIM error.",
                "RFC 7644 §3.7: bulk is optional, advertised through bulk.supported (RFC 7643 §5); RFC 7644 §3.12 501 for an unsupported operation.",
            ),
            V::CharsetParameter => (
                "charset-parameter",
                "every JSON response is labelled application/scim+json; charset=utf-8, as ASP.NET and Spring add by default.",
                "RFC 7644 §8.1 names the media type; RFC 9110 §8.3.1 allows media-type parameters, and charset=utf-8 matches RFC 8259's required encoding.",
            ),
            V::StrongEtags => (
                "strong-etags",
                "ETags and meta.version are strong (\"7\") rather than weak (W/\"7\").",
                "RFC 7644 §3.14: the service provider chooses its entity tags (weak ETags are only an example); RFC 9110 §8.8.3 defines both strong and weak entity tags.",
            ),
            V::ForeignData => (
                "foreign-data",
                "25 users and 3 groups that the client did not create (other integrations' data) are on the server from the start, including groups with members.",
                "RFC 7644 §3.4.2: a query returns every resource matching it, not only the client's own; a service provider is shared by several clients.",
            ),
            V::RecasedAttributes => (
                "recased-attributes",
                "resource attribute names in responses are PascalCase (UserName, Emails, Value, meta's Created), as .NET serialisers emit them; only the schemas, id and meta keys and extension URNs keep their spelling.",
                "RFC 7643 §2.1: attribute names are case insensitive.",
            ),
            V::PrettyJson => (
                "pretty-json",
                "JSON bodies are pretty-printed with keys in reverse order (a different serialiser).",
                "RFC 8259 §4: the names of an object are unordered and insignificant whitespace is allowed around every token; RFC 7644 §3.1 sends plain JSON.",
            ),
            V::ExtraHeaders => (
                "extra-headers",
                "every response carries extra headers: X-Request-Id, Cache-Control: no-store, Vary, X-RateLimit-Limit/Remaining and a Server header, as API gateways add.",
                "RFC 9110 §5.1: recipients ignore header fields they do not understand; RFC 7644 specifies only the headers it needs.",
            ),
            V::SparseReferences => (
                "sparse-references",
                "group members, a user's groups and the enterprise manager carry only their value: no $ref, display, displayName or type, as servers that store bare ids answer.",
                "RFC 7643 §4.1.2, §4.2 and §4.3: value is the identifier; $ref, display and type are optional sub-attributes (none is required in §8.7.1).",
            ),
            V::LocalTimestamps => (
                "local-timestamps",
                "meta.created and meta.lastModified are local time with a +02:00 offset and whole seconds (2026-05-01T14:03:07+02:00), as servers on a local-time database clock write them.",
                "RFC 7643 §2.3.5: dateTime is an xsd:dateTime, which allows a time-zone offset and leaves fractional seconds optional.",
            ),
        }
    }
}

impl std::fmt::Display for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of variants (a bit mask over [`Variant::ALL`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct VariantSet(u32);

const _: () = assert!(Variant::ALL.len() <= 32);

impl VariantSet {
    /// The set holding `variants`.
    pub fn of(variants: &[Variant]) -> Self {
        VariantSet(variants.iter().fold(0, |m, v| m | 1 << (*v as u32)))
    }

    /// Whether `v` is in the set.
    pub fn has(self, v: Variant) -> bool {
        self.0 & (1 << (v as u32)) != 0
    }
}

/// `rate-limited`: one request in this many is refused with 429.
pub(crate) const RATE_LIMIT_EVERY: u64 = 17;
/// `unavailable`: one request in this many is refused with 503.
pub(crate) const UNAVAILABLE_EVERY: u64 = 29;
/// `page-size-cap`: the largest page.
pub(crate) const PAGE_SIZE_CAP: usize = 3;
/// `local-timestamps`: the server's offset from UTC.
pub(crate) const LOCAL_OFFSET_MINUTES: i64 = 120;
/// `opaque-ids`: the first id issued.
const FIRST_OPAQUE_ID: u64 = 100_000;

/// `opaque-ids`: the id of the `n`th resource created.
pub(crate) fn opaque_id(kind: ResourceKind, n: u64) -> String {
    let n = FIRST_OPAQUE_ID + n;
    match kind {
        ResourceKind::User => n.to_string(),
        ResourceKind::Group => format!("grp_{n}"),
    }
}

/// The entity tag of `version`: weak by default, strong with `strong-etags`.
pub(crate) fn entity_tag(version: u64, strong: bool) -> String {
    use std::fmt::Write as _;
    let mut tag = String::with_capacity(24);
    if !strong {
        tag.push_str("W/");
    }
    // Writing into a String cannot fail.
    let _ = write!(tag, "\"{version}\"");
    tag
}

/// `unsorted-lists`: the position of a resource in hash order.
pub(crate) fn hash_rank(id: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

/// `recased-attributes`: `userName` → `UserName`, recursively through complex and
/// multi-valued attributes (extension URNs keep their spelling, their content is recased).
pub(crate) fn recase(resource: &mut Map<String, Value>) {
    let source = std::mem::take(resource);
    for (key, mut value) in source {
        let keep = matches!(key.as_str(), "schemas" | "id" | "meta") || key.starts_with("urn:");
        recase_value(&mut value);
        let key = if keep { key } else { pascal(&key) };
        resource.insert(key, value);
    }
}

fn recase_value(value: &mut Value) {
    match value {
        Value::Object(obj) => {
            let source = std::mem::take(obj);
            for (key, mut v) in source {
                recase_value(&mut v);
                obj.insert(pascal(&key), v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(recase_value),
        _ => {}
    }
}

fn pascal(key: &str) -> String {
    if key.starts_with('$') {
        return key.to_owned();
    }
    let mut chars = key.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// `reordered-values`: every multi-valued attribute (top-level or in an extension) in
/// reverse order; `schemas` keeps its order.
pub(crate) fn reorder_values(resource: &mut Map<String, Value>) {
    for (key, value) in resource.iter_mut() {
        match value {
            Value::Array(items) if key != "schemas" => items.reverse(),
            Value::Object(ext) if key.starts_with("urn:") => {
                for v in ext.values_mut() {
                    if let Value::Array(items) = v {
                        items.reverse();
                    }
                }
            }
            _ => {}
        }
    }
}

/// `pretty-json`: the body pretty-printed with every object's keys in reverse order.
pub(crate) fn pretty(body: &[u8]) -> Option<Vec<u8>> {
    fn reverse(v: Value) -> Value {
        match v {
            Value::Object(obj) => {
                let mut pairs: Vec<(String, Value)> = obj.into_iter().collect();
                pairs.reverse();
                Value::Object(pairs.into_iter().map(|(k, v)| (k, reverse(v))).collect())
            }
            Value::Array(items) => Value::Array(items.into_iter().map(reverse).collect()),
            other => other,
        }
    }
    let value: Value = serde_json::from_slice(body).ok()?;
    serde_json::to_vec_pretty(&reverse(value)).ok()
}

/// `extra-headers`: what an API gateway adds to every response; `n` numbers the request.
pub(crate) fn extra_headers(n: u64) -> Vec<(String, String)> {
    vec![
        ("X-Request-Id".into(), format!("req-{n:08x}")),
        ("Cache-Control".into(), "no-store".into()),
        ("Vary".into(), "Authorization, Accept-Encoding".into()),
        ("X-RateLimit-Limit".into(), "1000".into()),
        (
            "X-RateLimit-Remaining".into(),
            (1000 - n % 1000).to_string(),
        ),
        ("Server".into(), "acme-gateway/4.2".into()),
        (
            "Strict-Transport-Security".into(),
            "max-age=31536000".into(),
        ),
    ]
}

/// The vendor extension URN of `kind` (`vendor-extension`).
pub fn vendor_urn(kind: ResourceKind) -> &'static str {
    vendor_schema(kind).id
}

/// The vendor extension schema of `kind` (`vendor-extension`).
pub(crate) fn vendor_schema(kind: ResourceKind) -> &'static SchemaDef {
    match kind {
        ResourceKind::User => &VENDOR_USER_SCHEMA,
        ResourceKind::Group => &VENDOR_GROUP_SCHEMA,
    }
}

/// The extension object every resource of `kind` carries (`vendor-extension`).
pub(crate) fn vendor_object(kind: ResourceKind, id: &str) -> Value {
    json!({
        "tenant": "acme-eu-1",
        "objectKey": format!("{}:{id}", kind.name().to_ascii_lowercase()),
    })
}

const VENDOR_ATTRIBUTES: &[AttrDef] = &[
    AttrDef::string("tenant", "The data region that holds the resource.").read_only(),
    AttrDef::string("objectKey", "The vendor's internal key of the resource.")
        .case_exact()
        .read_only(),
];

static VENDOR_USER_SCHEMA: SchemaDef = SchemaDef {
    id: "urn:example:params:scim:schemas:extension:acme:2.0:User",
    name: "AcmeUser",
    description: "Acme vendor data on users",
    attributes: VENDOR_ATTRIBUTES,
};

static VENDOR_GROUP_SCHEMA: SchemaDef = SchemaDef {
    id: "urn:example:params:scim:schemas:extension:acme:2.0:Group",
    name: "AcmeGroup",
    description: "Acme vendor data on groups",
    attributes: VENDOR_ATTRIBUTES,
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_kebab_case_and_round_trip() {
        let mut seen = HashSet::new();
        for v in Variant::ALL {
            let name = v.name();
            assert!(seen.insert(name), "duplicate name {name}");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{name}"
            );
            assert_eq!(Variant::from_name(name), Some(*v));
            assert_eq!(v.to_string(), name);
        }
        assert_eq!(Variant::from_name("Rate-Limited"), None);
        assert!(Variant::ALL.len() >= 12);
    }

    #[test]
    fn every_variant_is_described_with_an_rfc_basis() {
        for v in Variant::ALL {
            let text = v.description();
            assert!(text.len() > 40 && text.ends_with('.'), "{v}: {text}");
            let basis = v.basis();
            assert!(basis.contains("RFC") && basis.contains('§'), "{v}: {basis}");
        }
    }

    #[test]
    fn all_lists_every_variant_in_order() {
        for (i, v) in Variant::ALL.iter().enumerate() {
            assert_eq!(*v as usize, i, "{v}");
        }
        let set = VariantSet::of(&[Variant::OpaqueIds, Variant::ExtraHeaders]);
        assert!(set.has(Variant::OpaqueIds) && set.has(Variant::ExtraHeaders));
        assert!(!set.has(Variant::RateLimited));
    }

    #[test]
    fn ids_tags_and_rewrites() {
        assert_eq!(opaque_id(ResourceKind::User, 42), "100042");
        assert_eq!(opaque_id(ResourceKind::Group, 43), "grp_100043");
        assert_eq!(entity_tag(7, false), "W/\"7\"");
        assert_eq!(entity_tag(7, true), "\"7\"");
        let mut r = json!({
            "schemas": ["a", "b"], "id": "x", "userName": "u",
            "emails": [{"value": "1", "$ref": "r"}, {"value": "2"}],
            "urn:x:ext": {"costCenter": "c"}
        });
        let obj = r.as_object_mut().unwrap();
        reorder_values(obj);
        recase(obj);
        assert_eq!(
            r,
            json!({
                "schemas": ["a", "b"], "id": "x", "UserName": "u",
                "Emails": [{"Value": "2"}, {"Value": "1", "$ref": "r"}],
                "urn:x:ext": {"CostCenter": "c"}
            })
        );
        let p = String::from_utf8(pretty(br#"{"a":1,"b":{"c":2,"d":3}}"#).unwrap()).unwrap();
        assert!(p.find("\"b\"").unwrap() < p.find("\"a\"").unwrap(), "{p}");
        assert!(p.contains('\n'));
        assert!(pretty(b"not json").is_none());
    }
}
