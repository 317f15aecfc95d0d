//! The scenario file format: serde + schemars types, one struct per YAML mapping.
//!
//! Rules (they keep error messages good): `deny_unknown_fields` everywhere, no
//! `untagged`, no `flatten`, externally tagged enums only. Fields that diagnostics point
//! at are [`Spanned`], so a lint or a runtime failure can name `file:line:column`.
//! Doc comments become the `description`s of `schemas/scenario.schema.json`, which editors
//! show as hover text.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_saphyr::Spanned;

use crate::catalog::Severity;

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

/// One check on a response. Exactly one subject (`status`, `header`, `pointer`, `schema`,
/// `body`) per check; predicates (`equals`, `contains`, …) apply to `header` and `pointer`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// Expected HTTP status: one code, or a list of acceptable codes.
    #[serde(default)]
    #[schemars(with = "Option<StatusSpec>")]
    pub status: Option<Spanned<StatusSpec>>,
    /// A response header (name is case-insensitive), checked with the predicates below.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub header: Option<Spanned<String>>,
    /// A JSON Pointer into the response body (`/Resources/0/userName`). SCIM attribute names
    /// are case-insensitive, so each key matches exactly first, then ignoring case.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub pointer: Option<Spanned<String>>,
    /// Name of a JSON Schema under `schemas/scim/` that the whole body must satisfy (e.g. `user`),
    /// or `target`: the target's own `/Schemas` declarations (custom attributes and extensions
    /// included; every resource of a list response is checked).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub schema: Option<Spanned<String>>,
    /// Body shape: `empty` (no bytes) or `json` (parses as JSON).
    #[serde(default)]
    #[schemars(with = "Option<BodyShape>")]
    pub body: Option<Spanned<BodyShape>>,

    /// The value equals this JSON value (placeholders allowed).
    #[serde(default)]
    pub equals: Option<Value>,
    /// The value is present and differs from this JSON value (use `if_present` when an
    /// absent value is fine).
    #[serde(default)]
    pub not_equals: Option<Value>,
    /// A string value contains this substring; an array holds an element matching this
    /// value (objects match when every given key matches).
    #[serde(default)]
    pub contains: Option<Value>,
    /// The value is present and does not contain this (use `if_present` when an absent
    /// value is fine).
    #[serde(default)]
    pub not_contains: Option<Value>,
    /// A string value matches this regular expression.
    #[serde(default)]
    pub matches: Option<String>,
    /// `true`: the value is present and not null; `false`: absent or null.
    #[serde(default)]
    pub present: Option<bool>,
    /// The JSON type of the value.
    #[serde(default)]
    #[serde(rename = "type")]
    pub json_type: Option<JsonType>,
    /// Exact length of an array or string: a number, or a placeholder holding one (`"{{n}}"`).
    #[serde(default)]
    #[schemars(with = "Option<NumberOrPlaceholder>")]
    pub length: Option<Value>,
    /// Maximum length of an array or string (number or placeholder).
    #[serde(default)]
    #[schemars(with = "Option<NumberOrPlaceholder>")]
    pub max_length: Option<Value>,
    /// Minimum length of an array or string (number or placeholder).
    #[serde(default)]
    #[schemars(with = "Option<NumberOrPlaceholder>")]
    pub min_length: Option<Value>,
    /// The value is at least this: numbers compare by value, strings (e.g. timestamps in
    /// the same format) lexicographically. Placeholders allowed.
    #[serde(default)]
    pub at_least: Option<Value>,
    /// The value is at most this (same rules as `at_least`).
    #[serde(default)]
    pub at_most: Option<Value>,
    /// The value equals one of these (e.g. acceptable `scimType`s).
    #[serde(default)]
    pub one_of: Option<Vec<Value>>,
    /// Every element of an array matches this value (objects: every given key matches).
    /// Vacuously true for an empty array.
    #[serde(default)]
    pub all_match: Option<Value>,
    /// An array's elements are ordered by a sub-value (RFC 7644 §3.4.2.3).
    #[serde(default)]
    pub sorted: Option<SortSpec>,
    /// Compare strings ignoring case (where the RFC says so, e.g. `caseExact: false` attributes).
    #[serde(default)]
    pub case_insensitive: bool,
    /// Check only when the response status is one of these (a request the server may either
    /// refuse or carry out: the check judges the carried-out case). Otherwise it passes as
    /// not applicable.
    #[serde(default)]
    #[schemars(with = "Option<StatusSpec>")]
    pub if_status: Option<StatusSpec>,
    /// Check only when the value is present (optional attributes such as `$ref`): an absent
    /// value, or no JSON body at all, passes.
    #[serde(default)]
    pub if_present: bool,

    /// Requirement id from the catalog (e.g. `P-3.12-03`); its keyword sets the severity.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub req: Option<Spanned<String>>,
    /// Source of the expectation when it is not an RFC requirement (IdP doc, validator test).
    #[serde(default)]
    pub source: Option<String>,
    /// Grades this check below its requirement's severity (or below MUST for a check that
    /// cites only a `source`), with the reason: where the RFC leaves room, or the harness
    /// cannot be sure. Shown in every report.
    #[serde(default)]
    pub soften: Option<Grade>,
    /// Grades this check above its requirement's severity, with the reason (e.g. a status
    /// table rule whose breach discloses data). Shown in every report.
    #[serde(default)]
    pub harden: Option<Grade>,
    /// Why this must hold, in the words a vendor understands.
    #[serde(default)]
    pub because: Option<String>,
    /// What a real identity provider does when this check fails.
    #[serde(default)]
    pub impact: Option<String>,
}

impl Expectation {
    /// The names of the subjects set on this check (exactly one is valid).
    pub fn subjects(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.status.is_some() {
            out.push("status");
        }
        if self.header.is_some() {
            out.push("header");
        }
        if self.pointer.is_some() {
            out.push("pointer");
        }
        if self.schema.is_some() {
            out.push("schema");
        }
        if self.body.is_some() {
            out.push("body");
        }
        out
    }

    /// The names of the predicates set on this check.
    pub fn predicates(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        let flags = [
            ("equals", self.equals.is_some()),
            ("not_equals", self.not_equals.is_some()),
            ("contains", self.contains.is_some()),
            ("not_contains", self.not_contains.is_some()),
            ("matches", self.matches.is_some()),
            ("present", self.present.is_some()),
            ("type", self.json_type.is_some()),
            ("length", self.length.is_some()),
            ("max_length", self.max_length.is_some()),
            ("min_length", self.min_length.is_some()),
            ("at_least", self.at_least.is_some()),
            ("at_most", self.at_most.is_some()),
            ("one_of", self.one_of.is_some()),
            ("all_match", self.all_match.is_some()),
            ("sorted", self.sorted.is_some()),
        ];
        for (name, set) in flags {
            if set {
                out.push(name);
            }
        }
        out
    }
}

/// A severity other than the requirement's, and why.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Grade {
    /// The severity the check has instead.
    pub to: Severity,
    /// Why, in words a vendor understands.
    pub reason: String,
}

/// A number, or a string that is one `{{placeholder}}` holding a number.
#[derive(JsonSchema)]
#[schemars(untagged)]
#[expect(dead_code, reason = "schema-only type: documents the accepted forms")]
enum NumberOrPlaceholder {
    Number(u64),
    Placeholder(String),
}

/// How an array must be ordered.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SortSpec {
    /// JSON Pointer into each element giving the sort key (e.g. `/userName`, `/name/familyName`).
    pub by: String,
    /// `ascending` (default) or `descending`. Elements without a value go last when
    /// ascending and first when descending.
    #[serde(default)]
    pub order: SortOrder,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// Smallest first.
    #[default]
    Ascending,
    /// Largest first.
    Descending,
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

/// Acceptable HTTP status codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusSpec(pub Vec<u16>);

impl JsonSchema for StatusSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "StatusSpec".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "One HTTP status code, or a list of acceptable codes.",
            "oneOf": [
                { "type": "integer", "minimum": 100, "maximum": 599 },
                { "type": "array", "items": { "type": "integer", "minimum": 100, "maximum": 599 }, "minItems": 1 }
            ]
        })
    }
}

impl<'de> Deserialize<'de> for StatusSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StatusVisitor;

        fn code<E: de::Error>(v: u64) -> Result<u16, E> {
            if (100..=599).contains(&v) {
                Ok(v as u16)
            } else {
                Err(E::custom(format!(
                    "{v} is not an HTTP status code (100-599)"
                )))
            }
        }

        impl<'de> Visitor<'de> for StatusVisitor {
            type Value = StatusSpec;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an HTTP status code or a list of codes")
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StatusSpec, E> {
                Ok(StatusSpec(vec![code(v)?]))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<StatusSpec, E> {
                self.visit_u64(u64::try_from(v).map_err(|_| E::custom("negative status code"))?)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StatusSpec, A::Error> {
                let mut codes = Vec::new();
                while let Some(v) = seq.next_element::<u64>()? {
                    codes.push(code(v)?);
                }
                if codes.is_empty() {
                    return Err(de::Error::custom("the list of status codes is empty"));
                }
                Ok(StatusSpec(codes))
            }
        }

        deserializer.deserialize_any(StatusVisitor)
    }
}

impl fmt::Display for StatusSpec {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let codes: Vec<String> = self.0.iter().map(u16::to_string).collect();
        f.write_str(&codes.join(" or "))
    }
}

/// Expected body shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BodyShape {
    /// No body bytes at all (e.g. 204 No Content).
    Empty,
    /// A body that parses as JSON.
    Json,
}

/// JSON value types, for `type:` checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JsonType {
    /// A JSON string.
    String,
    /// A JSON number.
    Number,
    /// A JSON number without fraction.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// A JSON object.
    Object,
    /// A JSON array.
    Array,
    /// `null`.
    Null,
}

impl JsonType {
    /// Whether `value` is of this type.
    pub fn matches(self, value: &Value) -> bool {
        match self {
            JsonType::String => value.is_string(),
            JsonType::Number => value.is_number(),
            JsonType::Integer => value.is_i64() || value.is_u64(),
            JsonType::Boolean => value.is_boolean(),
            JsonType::Object => value.is_object(),
            JsonType::Array => value.is_array(),
            JsonType::Null => value.is_null(),
        }
    }

    /// The type of a JSON value, as a word.
    pub fn name_of(value: &Value) -> &'static str {
        match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_f64() => "number",
            Value::Number(_) => "integer",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }
}

/// The `schema:` name that means "what the target itself declares in /Schemas".
pub const TARGET_SCHEMA: &str = "target";
