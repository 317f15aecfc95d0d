//! The checks of a step (`expect:`): one subject, its predicates, and the requirement or
//! source each check cites. Same rules as the rest of the scenario model (see `model`).

use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_saphyr::Spanned;

use crate::catalog::Severity;

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
