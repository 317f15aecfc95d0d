//! The scenario file format: serde + schemars types, one struct per YAML mapping.
//!
//! Rules (they keep error messages good): `deny_unknown_fields` everywhere, no
//! `untagged`, no `flatten`, externally tagged enums only. Fields that diagnostics point
//! at are [`Spanned`], so a lint or a runtime failure can name `file:line:column`.
//! Doc comments become the `description`s of `schemas/scenario.schema.json`, which editors
//! show as hover text. The checks of a step live in `expectation`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_saphyr::Spanned;

use super::expectation::Expectation;

/// One scenario file: an ordered conversation with the target, with expectations on every answer.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "scim-harness scenario")]
pub struct Scenario {
    /// Short human name, shown in progress lines and reports.
    pub name: String,
    /// What the scenario proves and why it matters, in a sentence or two.
    #[serde(default)]
    pub description: Option<String>,
    /// Free tags for selecting scenarios (`--tag users`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Protocol features the scenario needs; it is skipped, with the reason, when the
    /// target's discovery documents do not advertise one of them.
    #[serde(default)]
    pub requires: Vec<Feature>,
    /// Features the target must NOT advertise for this scenario to run (to check that an
    /// unsupported feature is refused properly, e.g. 501 for PATCH when `patch` is off).
    #[serde(default)]
    pub requires_unsupported: Vec<Feature>,
    /// Variables available to every step as `{{name}}`. Values may use built-ins such as
    /// `{{run_id}}`; a value that is exactly `{{x}}` keeps the JSON type of `x`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Value>")]
    pub vars: BTreeMap<String, Spanned<Value>>,
    /// The requests, in order. A step whose checks fail stops the scenario (cleanup still runs).
    #[schemars(length(min = 1))]
    pub steps: Vec<Step>,
}

/// One request to the target, what must be true of the answer, and what to remember from it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Short name of the step, unique within the scenario.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Default requirement id (from the catalog, e.g. `P-3.3-01`) for checks of this step that name none.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub req: Option<Spanned<String>>,
    /// Default source (IdP documentation, validator test) for checks of this step that name none.
    #[serde(default)]
    pub source: Option<String>,
    /// What a real identity provider does next when this step fails (shown in failure reports).
    #[serde(default)]
    pub impact: Option<String>,
    /// How sure we are that the IdP really sends this step (required in IdP profiles).
    #[serde(default)]
    pub confidence: Option<Confidence>,
    /// Include this step in behaviour snapshots (`--snapshot`). Unfiltered lists of users
    /// or groups are left out automatically: other scenarios' data makes them vary.
    #[serde(default = "yes")]
    pub snapshot: bool,
    /// This step sends the canonical form that the variant steps after it probe (another
    /// case, an escaped literal, a sub-attribute path). When it fails, its own rule is the
    /// finding and the variants are not evaluated, so a defect of the canonical form is not
    /// misreported under a variant's rule; the same control failing in several scenarios is
    /// counted as one finding.
    #[serde(default)]
    pub control: bool,
    /// Milliseconds to wait before sending (at most 10 000), e.g. so a timestamp can move.
    #[serde(default)]
    pub wait_ms: Option<u64>,
    /// The HTTP request to send.
    pub request: Request,
    /// Send the request page by page (`startIndex`/`count`) until `totalResults`, with a
    /// cap; `expect` applies to every page (see `page_walk.rs`).
    #[serde(default)]
    #[schemars(with = "Option<super::page_walk::PageWalk>")]
    pub page_walk: Option<Spanned<super::page_walk::PageWalk>>,
    /// Checks on the response, evaluated in order; all are evaluated even when one fails.
    #[serde(default)]
    pub expect: Vec<Expectation>,
    /// Values to remember for later steps: variable name → JSON Pointer into the response
    /// body (`/id`), or `header:Name` for a response header.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub capture: BTreeMap<String, Spanned<String>>,
}

fn yes() -> bool {
    true
}

/// How an IdP step is known (the tags of the IdP behaviour notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// The IdP vendor's documentation says so.
    Documented,
    /// Seen in the vendor's own validator or test suite.
    Validator,
    /// Seen in real traffic a third party logged and published.
    Observed,
    /// Reconstructed from indirect evidence; verify against a live tenant.
    Reconstructed,
}

/// HTTP methods a scenario may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// Read.
    Get,
    /// Create (or search with `/.search`).
    Post,
    /// Replace.
    Put,
    /// Modify.
    Patch,
    /// Delete.
    Delete,
}

impl Method {
    /// The method as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// True for methods that change state on the target.
    pub fn is_mutating(self) -> bool {
        !matches!(self, Method::Get)
    }
}

/// Whether `path` is the singleton `/ServiceProviderConfig`: a PUT or PATCH there may be
/// sent (to check that it is refused) with the document the server itself served, so even a
/// server that wrongly accepts it ends as it was.
pub fn is_configuration_endpoint(path: &str) -> bool {
    path.trim_end_matches('/')
        .eq_ignore_ascii_case("/ServiceProviderConfig")
}

/// The request of a step.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// HTTP method.
    pub method: Method,
    /// Path relative to the target's SCIM base URL, starting with `/` (e.g. `/Users/{{user_id}}`),
    /// or one placeholder holding an absolute URL below the base URL (e.g. a captured
    /// `Location`); URLs anywhere else are refused.
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// Query parameters, sent in this order and percent-encoded.
    #[serde(default)]
    pub query: Map<String, Value>,
    /// Extra request headers. `Authorization` is set from `auth`, not here.
    #[serde(default)]
    pub headers: Map<String, Value>,
    /// JSON body; `{{var}}` placeholders are filled in, keeping JSON types for whole-string placeholders.
    #[serde(default)]
    #[schemars(with = "Option<Value>")]
    pub body: Option<Spanned<Value>>,
    /// Exact body bytes to send instead of `body` (for malformed-input tests). Templated as text.
    #[serde(default)]
    pub raw_body: Option<String>,
    /// Which credentials to send. Default: the run's token.
    #[serde(default)]
    pub auth: Auth,
}

/// Credentials for a request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Auth {
    /// The run's configured bearer token (if any).
    #[default]
    Default,
    /// No `Authorization` header at all.
    None,
    /// This bearer token instead of the run's (e.g. a wrong one).
    Bearer(String),
}

/// A protocol feature a scenario needs. Scenarios that need a feature the target does not
/// advertise are skipped with the reason (`--force-feature` runs them anyway).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Deserialize,
    Serialize,
    JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Feature {
    /// `/ResourceTypes` lists User.
    Users,
    /// `/ResourceTypes` lists Group.
    Groups,
    /// User lists the enterprise extension in `schemaExtensions`.
    EnterpriseUser,
    /// ServiceProviderConfig `patch.supported`.
    Patch,
    /// ServiceProviderConfig `bulk.supported`.
    Bulk,
    /// ServiceProviderConfig `filter.supported`.
    Filter,
    /// ServiceProviderConfig `sort.supported`.
    Sort,
    /// ServiceProviderConfig `etag.supported`.
    Etag,
    /// ServiceProviderConfig `changePassword.supported`.
    ChangePassword,
    /// `POST /Users/.search` answers (probed: no flag exists).
    Search,
    /// `GET /Me` answers other than 501/404 (probed).
    Me,
}

impl Feature {
    /// Every feature.
    pub const ALL: [Feature; 11] = [
        Feature::Users,
        Feature::Groups,
        Feature::EnterpriseUser,
        Feature::Patch,
        Feature::Bulk,
        Feature::Filter,
        Feature::Sort,
        Feature::Etag,
        Feature::ChangePassword,
        Feature::Search,
        Feature::Me,
    ];

    /// The name used in scenario files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Feature::Users => "users",
            Feature::Groups => "groups",
            Feature::EnterpriseUser => "enterprise_user",
            Feature::Patch => "patch",
            Feature::Bulk => "bulk",
            Feature::Filter => "filter",
            Feature::Sort => "sort",
            Feature::Etag => "etag",
            Feature::ChangePassword => "change_password",
            Feature::Search => "search",
            Feature::Me => "me",
        }
    }
}
