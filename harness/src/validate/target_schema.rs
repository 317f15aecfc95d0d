//! Schema-driven checks against a target's *own* declarations: layer 2 of the
//! requirements catalog §2, "a generated schema per target, produced at run time from that
//! target's /Schemas + /ResourceTypes".
//!
//! [`TargetSchemas::from_discovery`] reads the bodies of `GET /Schemas` and
//! `GET /ResourceTypes` (ListResponses or bare arrays), indexes the declarations and reports
//! what is wrong with the declarations themselves:
//!
//! * C-7-01: every Schema has a URI `id` and an `attributes` array; every attribute
//!   definition has `name`, a `type` from the RFC 7643 §2.3 list (`binary` included, errata
//!   5606), a boolean `multiValued`; `required`/`caseExact` are booleans; `mutability`,
//!   `returned`, `uniqueness` use the RFC vocabularies; `canonicalValues`/`referenceTypes`
//!   are arrays; only complex attributes carry `subAttributes`; names are unique
//!   case-insensitively within one level;
//! * C-2.1-01: attribute names are ATTRNAME (a leading `$` is accepted for `$ref`);
//! * C-2.3.8-01: no complex sub-attribute of a complex attribute, except inside the
//!   `urn:ietf:params:scim:schemas:core:2.0:Schema` meta-schema;
//! * C-6-01/C-6-02: each ResourceType has `name`, `endpoint` and `schema`; `schema` and every
//!   `schemaExtensions[].schema` is served by `/Schemas`; every extension entry has a
//!   boolean `required`.
//!
//! [`TargetSchemas::validate`] then checks one resource, as the server returned it, against
//! its type's base schema and extensions (custom ones included), plus the common attributes
//! of RFC 7643 §3.1 (`id`, `externalId`, `meta`, `schemas`), which servers rarely declare:
//! JSON types (C-2.3-01, C-2.3.5-01, C-2.3.6-01), arrays for multi-valued attributes, required
//! attributes and required extensions (C-6-03), `returned: never`/`writeOnly` values
//! (C-7-04), at most one `primary: true` (C-2.4-01), extension attributes inside their URN
//! object (C-3.3-01), every URN in `schemas` served by `/Schemas` (C-6-02) and declared
//! for the resource's type, once (C-3-02).
//! [`TargetSchemas::attributes`] and [`TargetSchemas::sample_value`] expose what the
//! declarations promise so scenarios can test that they tell the truth (C-7-02 … C-7-08).
//!
//! Attribute names and schema URNs match case-insensitively (RFC 7643 §2.1, RFC 7644
//! §3.10); `null` and `[]` count as absent (RFC 7643 §2.5). The content model is open:
//! attributes nobody declared are not violations, [`TargetSchemas::undeclared`] lists them.
//!
//! Limits: SHOULD-level hints (a complex attribute without `subAttributes`, a reference
//! without `referenceTypes`) are not reported; `canonicalValues`, `uniqueness`,
//! `caseExact` and `mutability` need more than one response and are left to the scenarios;
//! `returned: request` cannot be judged from a body alone (a value the client just wrote
//! may come back); integers above `u64::MAX` and integer tokens like `1.0` are told apart
//! only as far as `serde_json` keeps them apart (a float-parsed token is reported as having
//! a fraction or exponent); reference values are only checked to be strings.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

/// The meta-schema, the one schema allowed complex sub-attributes (RFC 7643 §2.3.8, §7).
const SCHEMA_META_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// Maximum length of a [`Finding::message`], in characters.
const MAX_MESSAGE_CHARS: usize = 200;

/// Values quoted in messages are cut to this many characters.
const MAX_VALUE_CHARS: usize = 40;

/// Names and URNs quoted in messages are cut to this many characters.
const MAX_NAME_CHARS: usize = 64;

/// Deepest attribute nesting read from a declaration (the meta-schema needs 3).
const MAX_DEPTH: usize = 8;

const MUTABILITY: [&str; 4] = ["readOnly", "readWrite", "immutable", "writeOnly"];
const RETURNED: [&str; 4] = ["always", "never", "default", "request"];
const UNIQUENESS: [&str; 3] = ["none", "server", "global"];

/// xsd:dateTime with both date and time; the time zone is optional (RFC 7643 §2.3.5).
/// Same pattern as `scimDateTime` in `schemas/scim/common.json`; the calendar is checked in
/// code.
static DATE_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|24:00:00(\.0+)?)(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?$",
    )
    .expect("dateTime pattern compiles")
});

/// The common attributes of RFC 7643 §3.1, used when the base schema does not declare them.
static COMMON: LazyLock<Vec<Attr>> = LazyLock::new(|| {
    vec![
        Attr::common("schemas", Kind::Reference, true, "always", Vec::new()),
        Attr::common("id", Kind::String, false, "always", Vec::new()),
        Attr::common("externalId", Kind::String, false, "default", Vec::new()),
        Attr::common(
            "meta",
            Kind::Complex,
            false,
            "default",
            vec![
                Attr::common("resourceType", Kind::String, false, "default", Vec::new()),
                Attr::common("created", Kind::DateTime, false, "default", Vec::new()),
                Attr::common("lastModified", Kind::DateTime, false, "default", Vec::new()),
                Attr::common("location", Kind::Reference, false, "default", Vec::new()),
                Attr::common("version", Kind::String, false, "default", Vec::new()),
            ],
        ),
    ]
});

/// A violation of the target's own schema declarations.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    /// JSON Pointer (RFC 6901) to the offending place: into the resource for
    /// [`TargetSchemas::validate`]; into the `/Schemas` or `/ResourceTypes` body for
    /// [`TargetSchemas::from_discovery`] (the message says which). `""` is the whole document.
    pub instance_path: String,
    /// What is wrong, naming the declaration and the requirement; at most 200 characters,
    /// quoted values cut to 40.
    pub message: String,
}

/// The target's declared schemas, indexed for validation. Send + Sync.
#[derive(Debug, Clone, Default)]
pub struct TargetSchemas {
    /// Every Schema served by `/Schemas` that has an `id`, in document order.
    schemas: Vec<SchemaDef>,
    /// Every ResourceType served by `/ResourceTypes` that has a name, in document order.
    types: Vec<ResourceTypeDef>,
}

/// One declared attribute (flattened path, e.g. "name.givenName" or
/// "urn:…:enterprise:2.0:User:employeeNumber").
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredAttribute {
    /// Dotted path: `name`, `name.givenName`; extension attributes are prefixed with their
    /// schema URN and `:` (`urn:…:enterprise:2.0:User:manager.value`).
    pub path: String,
    /// The declared `type`: `string`, `boolean`, `decimal`, `integer`, `dateTime`,
    /// `reference`, `complex` or `binary` (RFC spelling even when the target used another
    /// casing); an unrecognised type verbatim, `""` when none was declared.
    pub kind: String,
    /// `multiValued` (false when not declared).
    pub multi_valued: bool,
    /// `required` (default false).
    pub required: bool,
    /// `caseExact` (default false).
    pub case_exact: bool,
    /// `mutability` in RFC spelling (default `readWrite`).
    pub mutability: String,
    /// `returned` in RFC spelling (default `default`).
    pub returned: String,
    /// `uniqueness` in RFC spelling (default `none`).
    pub uniqueness: String,
    /// `canonicalValues` (strings; numbers and booleans as their JSON text).
    pub canonical_values: Vec<String>,
}

/// The SCIM data types (RFC 7643 §2.3), plus `Unknown` for a missing or invalid `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Reference,
    Complex,
    Binary,
    Unknown,
}

impl Kind {
    const ALL: [(Kind, &'static str); 8] = [
        (Kind::String, "string"),
        (Kind::Boolean, "boolean"),
        (Kind::Decimal, "decimal"),
        (Kind::Integer, "integer"),
        (Kind::DateTime, "dateTime"),
        (Kind::Reference, "reference"),
        (Kind::Complex, "complex"),
        (Kind::Binary, "binary"),
    ];

    /// The kind named by `s` (case-insensitively) and its RFC spelling.
    fn parse(s: &str) -> Option<(Kind, &'static str)> {
        Kind::ALL
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(s))
            .copied()
    }

    fn name(self) -> &'static str {
        Kind::ALL
            .iter()
            .find(|(kind, _)| *kind == self)
            .map_or("unknown", |(_, name)| name)
    }
}

/// One attribute definition, as read from `/Schemas`.
#[derive(Debug, Clone)]
struct Attr {
    name: String,
    kind: Kind,
    kind_name: String,
    multi_valued: bool,
    required: bool,
    case_exact: bool,
    mutability: String,
    returned: String,
    uniqueness: String,
    canonical_values: Vec<String>,
    sub: Vec<Attr>,
}

impl Attr {
    fn common(name: &str, kind: Kind, multi_valued: bool, returned: &str, sub: Vec<Attr>) -> Attr {
        Attr {
            name: name.to_owned(),
            kind,
            kind_name: kind.name().to_owned(),
            multi_valued,
            required: false,
            case_exact: false,
            mutability: "readOnly".to_owned(),
            returned: returned.to_owned(),
            uniqueness: "none".to_owned(),
            canonical_values: Vec::new(),
            sub,
        }
    }

    /// `returned: never` or `mutability: writeOnly`: the value must never be sent (C-7-04).
    fn never_returned(&self) -> bool {
        self.returned == "never" || self.mutability == "writeOnly"
    }

    /// A required attribute a default response must carry.
    fn required_in_default_response(&self) -> bool {
        self.required
            && matches!(self.returned.as_str(), "always" | "default")
            && !self.never_returned()
    }

    fn find<'a>(attrs: &'a [Attr], name: &str) -> Option<&'a Attr> {
        attrs.iter().find(|a| a.name.eq_ignore_ascii_case(name))
    }

    fn declared(&self, path: String) -> DeclaredAttribute {
        DeclaredAttribute {
            path,
            kind: self.kind_name.clone(),
            multi_valued: self.multi_valued,
            required: self.required,
            case_exact: self.case_exact,
            mutability: self.mutability.clone(),
            returned: self.returned.clone(),
            uniqueness: self.uniqueness.clone(),
            canonical_values: self.canonical_values.clone(),
        }
    }

    fn flatten(attrs: &[Attr], prefix: &str, out: &mut Vec<DeclaredAttribute>) {
        for a in attrs {
            let path = format!("{prefix}{}", a.name);
            out.push(a.declared(path.clone()));
            Attr::flatten(&a.sub, &format!("{path}."), out);
        }
    }
}

/// One Schema served by `/Schemas`.
#[derive(Debug, Clone)]
struct SchemaDef {
    id: String,
    attributes: Vec<Attr>,
}

/// One `schemaExtensions` entry of a ResourceType.
#[derive(Debug, Clone)]
struct Extension {
    schema: String,
    required: bool,
}

/// One ResourceType served by `/ResourceTypes`.
#[derive(Debug, Clone)]
struct ResourceTypeDef {
    name: String,
    schema: String,
    extensions: Vec<Extension>,
}

impl TargetSchemas {
    /// Builds from the bodies of GET /Schemas and GET /ResourceTypes. Returns the problems
    /// found in the declarations themselves (e.g. a ResourceType naming a schema that
    /// /Schemas does not serve — C-6-02; an attribute with an invalid `type`; a complex
    /// attribute with complex sub-attributes outside the meta-schema — C-2.3.8-01; invalid
    /// attribute names — C-2.1-01), never panics on junk input.
    ///
    /// Each body may be a ListResponse, a bare array, or a single object. Declarations are
    /// kept as far as they are usable: an attribute with a bad `type` is kept untyped, a
    /// ResourceType whose schema is missing is kept for type detection.
    pub fn from_discovery(
        schemas: &Value,
        resource_types: &Value,
    ) -> (TargetSchemas, Vec<Finding>) {
        let mut findings = Vec::new();
        let mut target = TargetSchemas::default();
        for (ptr, item) in list_items(schemas, "/Schemas", "P-4-02", &mut findings) {
            if let Some(schema) = parse_schema(item, &ptr, &target.schemas, &mut findings) {
                target.schemas.push(schema);
            }
        }
        for (ptr, item) in list_items(resource_types, "/ResourceTypes", "P-4-04", &mut findings) {
            if let Some(rt) = target.parse_resource_type(item, &ptr, &mut findings) {
                target.types.push(rt);
            }
        }
        (target, findings)
    }

    /// Resource type names known (e.g. ["User", "Group"]).
    pub fn resource_types(&self) -> Vec<&str> {
        self.types.iter().map(|t| t.name.as_str()).collect()
    }

    /// The resource type of a resource: by `meta.resourceType`, else by its `schemas` URNs.
    pub fn resource_type_of(&self, resource: &Value) -> Option<&str> {
        self.type_of(resource.as_object()?).map(|t| t.name.as_str())
    }

    /// Validates one resource (as returned by the server) against its type's base schema and
    /// extensions: JSON type per attribute `type` (boolean must be true/false, integer without
    /// fraction, decimal number, dateTime matching xsd:dateTime with date AND time,
    /// reference/string/binary strings, binary valid base64, complex objects), multiValued =>
    /// array (single-valued => not array), `required: true` attributes present (skip required
    /// checks when `projected` is true, i.e. the response was shaped by `attributes=`),
    /// `returned: never` attributes absent, at most one `primary: true` per multi-valued
    /// attribute (C-2.4-01), extension attributes only inside their URN object (C-3.3-01) and
    /// the URN listed in `schemas` when the object is present, required extensions present
    /// (C-6-03). Attribute names match case-insensitively (RFC 7643 §2.1). Unknown attributes
    /// are NOT violations (open content model) — but return them via `undeclared`.
    ///
    /// Also reported: two keys of one object that differ only in case (the value is
    /// ambiguous), and a URN in `schemas` that `/Schemas` does not serve (C-6-02). A resource
    /// whose type cannot be determined yields one finding at `""`.
    pub fn validate(&self, resource: &Value, projected: bool) -> Vec<Finding> {
        let mut check = Checker {
            projected,
            out: Vec::new(),
        };
        let Some(obj) = resource.as_object() else {
            check.push(
                "",
                format!(
                    "the resource is {}, not a JSON object (RFC 7643 §3)",
                    describe(resource)
                ),
            );
            return check.out;
        };
        let Some(rt) = self.type_of(obj) else {
            check.push(
                "",
                "resource type unknown: neither meta.resourceType nor \"schemas\" names a type served by /ResourceTypes (C-6-02)".to_owned(),
            );
            return check.out;
        };
        check.duplicate_keys(obj, "");

        let listed = schema_urns(obj);
        if let Some((key, Value::Array(items))) = find_ci(obj, "schemas") {
            for (i, item) in items.iter().enumerate() {
                let Some(urn) = item.as_str() else { continue };
                let at = format!("{}/{i}", pointer("", key));
                // A type whose own schema /Schemas lacks is reported at discovery already.
                let declared = self.schema(&rt.schema).is_none()
                    || urn.eq_ignore_ascii_case(&rt.schema)
                    || rt
                        .extensions
                        .iter()
                        .any(|e| e.schema.eq_ignore_ascii_case(urn));
                if self.schema(urn).is_none() {
                    check.push(
                        &at,
                        format!(
                            "\"schemas\" lists {}, which /Schemas does not serve (C-6-02)",
                            q(urn)
                        ),
                    );
                } else if !declared {
                    check.push(
                        &at,
                        format!(
                            "\"schemas\" lists {}, which is neither the {} base schema nor one of its schemaExtensions in /ResourceTypes (C-3-02)",
                            q(urn),
                            rt.name
                        ),
                    );
                }
                if items[..i]
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|u| u.eq_ignore_ascii_case(urn))
                {
                    check.push(&at, format!("\"schemas\" lists {} twice (C-3-02)", q(urn)));
                }
            }
        }

        // Base schema, then the common attributes it does not declare itself.
        let base: &[Attr] = self.schema(&rt.schema).map_or(&[], |s| &s.attributes);
        check.attrs(base, obj, "", "", "RFC 7643 §2.2");
        let common: Vec<Attr> = COMMON
            .iter()
            .filter(|c| Attr::find(base, &c.name).is_none())
            .cloned()
            .collect();
        check.attrs(&common, obj, "", "", "RFC 7643 §3.1");

        // Extensions.
        for ext in &rt.extensions {
            let in_schemas = listed.iter().any(|u| u.eq_ignore_ascii_case(&ext.schema));
            let ext_attrs: &[Attr] = self.schema(&ext.schema).map_or(&[], |s| &s.attributes);
            match find_ci(obj, &ext.schema).filter(|(_, v)| !is_absent(v)) {
                Some((key, value)) => {
                    let ptr = pointer("", key);
                    if !in_schemas {
                        check.push(
                            &ptr,
                            format!(
                                "extension object {} is present but its URN is not listed in \"schemas\" (C-3.3-01)",
                                q(&ext.schema)
                            ),
                        );
                    }
                    match value.as_object() {
                        Some(inner) => {
                            check.duplicate_keys(inner, &ptr);
                            let note = if ext.required {
                                "C-6-03"
                            } else {
                                "RFC 7643 §2.2"
                            };
                            check.attrs(ext_attrs, inner, &ptr, "", note);
                        }
                        None => check.push(
                            &ptr,
                            format!(
                                "extension {} is {}, not an object (C-3.3-01)",
                                q(&ext.schema),
                                describe(value)
                            ),
                        ),
                    }
                }
                None if ext.required && !projected => {
                    if in_schemas {
                        // Listed without an object: only its required attributes are missing.
                        check.attrs(
                            ext_attrs,
                            &Map::new(),
                            &pointer("", &ext.schema),
                            "",
                            "C-6-03",
                        );
                    } else {
                        check.push(
                            &pointer("", &ext.schema),
                            format!("required extension {} is missing (C-6-03)", q(&ext.schema)),
                        );
                    }
                }
                None => {}
            }
        }

        // Extension attributes outside their URN object (C-3.3-01).
        for (key, value) in obj {
            if is_absent(value)
                || Attr::find(base, key).is_some()
                || Attr::find(&common, key).is_some()
                || rt
                    .extensions
                    .iter()
                    .any(|e| e.schema.eq_ignore_ascii_case(key))
            {
                continue;
            }
            for ext in &rt.extensions {
                let Some(schema) = self.schema(&ext.schema) else {
                    continue;
                };
                let qualified = starts_with_ci(key, &ext.schema)
                    && key.as_bytes().get(ext.schema.len()) == Some(&b':');
                if qualified || Attr::find(&schema.attributes, key).is_some() {
                    check.push(
                        &pointer("", key),
                        format!(
                            "{} is an attribute of extension {} and belongs inside that object (C-3.3-01)",
                            q(key),
                            q(&ext.schema)
                        ),
                    );
                    break;
                }
            }
        }
        check.out
    }

    /// Top-level or sub-attribute names present in the resource that no declaration covers
    /// (for INFO reporting).
    ///
    /// Names are dotted paths as in [`DeclaredAttribute::path`], spelled as the resource
    /// spells the undeclared part (`nickname2`, `name.nickName`,
    /// `urn:…:enterprise:2.0:User:badge`); an unknown URN-keyed object is listed by its key.
    /// The common attributes (`schemas`, `id`, `externalId`, `meta` and its sub-attributes)
    /// count as declared. Empty when the resource type cannot be determined.
    pub fn undeclared(&self, resource: &Value) -> Vec<String> {
        let mut out = Vec::new();
        let Some(obj) = resource.as_object() else {
            return out;
        };
        let Some(rt) = self.type_of(obj) else {
            return out;
        };
        let base: &[Attr] = self.schema(&rt.schema).map_or(&[], |s| &s.attributes);
        for (key, value) in obj {
            if is_absent(value) {
                continue;
            }
            if let Some(a) = Attr::find(base, key).or_else(|| Attr::find(&COMMON, key)) {
                undeclared_below(a, value, &a.name, &mut out);
            } else if let Some(ext) = rt
                .extensions
                .iter()
                .find(|e| e.schema.eq_ignore_ascii_case(key))
            {
                let ext_attrs: &[Attr] = self.schema(&ext.schema).map_or(&[], |s| &s.attributes);
                let Some(inner) = value.as_object() else {
                    continue;
                };
                for (k, v) in inner {
                    if is_absent(v) {
                        continue;
                    }
                    match Attr::find(ext_attrs, k) {
                        Some(a) => {
                            undeclared_below(a, v, &format!("{}:{}", ext.schema, a.name), &mut out);
                        }
                        None => push_unique(&mut out, format!("{}:{k}", ext.schema)),
                    }
                }
            } else {
                push_unique(&mut out, key.clone());
            }
        }
        out
    }

    /// All declared attributes of a resource type (base + extensions), flattened.
    ///
    /// Complex attributes come before their sub-attributes; base attributes first, then each
    /// extension in `schemaExtensions` order. The common attributes (`id`, `meta`, …) appear
    /// only if the target declares them. Empty for an unknown resource type (matched
    /// case-insensitively).
    pub fn attributes(&self, resource_type: &str) -> Vec<DeclaredAttribute> {
        let mut out = Vec::new();
        let Some(rt) = self
            .types
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(resource_type))
        else {
            return out;
        };
        if let Some(base) = self.schema(&rt.schema) {
            Attr::flatten(&base.attributes, "", &mut out);
        }
        for ext in &rt.extensions {
            if let Some(schema) = self.schema(&ext.schema) {
                Attr::flatten(&schema.attributes, &format!("{}:", schema.id), &mut out);
            }
        }
        out
    }

    /// Build a type-correct sample value for a declared simple attribute (for truthfulness
    /// tests: "POST a User filling every advertised readWrite simple attribute with a
    /// type-correct value → GET returns them", C-7-02). Strings use `seed` to be unique;
    /// respect canonicalValues when declared; references are absolute http URLs like
    /// "https://example.test/{seed}"; dateTime "2026-01-02T03:04:05Z"; binary base64 of seed;
    /// returns None for complex/unknown types.
    ///
    /// Details: strings are `"{name}-{seed}"`, except a few RFC 7643 §4.1 attributes whose
    /// servers commonly check the format (`emails.value` → `{seed}@example.test`,
    /// `phoneNumbers.value`, `preferredLanguage`, `locale`, `timezone`, `addresses.country`)
    /// when their `uniqueness` is `none`; booleans are `true`; integers are derived from the
    /// seed (1 … 1 000 000); decimals are such an integer plus 0.25. A multi-valued simple
    /// attribute gets a one-element array.
    pub fn sample_value(attr: &DeclaredAttribute, seed: &str) -> Option<Value> {
        let (kind, _) = Kind::parse(&attr.kind)?;
        let local = attr.path.rsplit(':').next().unwrap_or(&attr.path);
        let leaf = local.rsplit('.').next().unwrap_or(local);
        let number = 1 + fnv1a(seed) % 1_000_000;
        let one = match kind {
            Kind::Complex | Kind::Unknown => return None,
            Kind::String | Kind::Reference if !attr.canonical_values.is_empty() => {
                Value::String(attr.canonical_values.first()?.clone())
            }
            Kind::String => Value::String(
                well_known_string(local, &attr.uniqueness, seed)
                    .unwrap_or_else(|| format!("{leaf}-{seed}")),
            ),
            Kind::Reference => Value::String(format!("https://example.test/{}", slug(seed))),
            Kind::Boolean => Value::Bool(true),
            Kind::Integer => Value::from(number),
            Kind::Decimal => Value::Number(serde_json::Number::from_f64(number as f64 + 0.25)?),
            Kind::DateTime => Value::String("2026-01-02T03:04:05Z".to_owned()),
            Kind::Binary => Value::String(base64_encode(seed.as_bytes())),
        };
        Some(if attr.multi_valued {
            Value::Array(vec![one])
        } else {
            one
        })
    }

    /// The served schema with this id (case-insensitively).
    fn schema(&self, id: &str) -> Option<&SchemaDef> {
        self.schemas.iter().find(|s| s.id.eq_ignore_ascii_case(id))
    }

    fn type_of(&self, obj: &Map<String, Value>) -> Option<&ResourceTypeDef> {
        let by_meta = find_ci(obj, "meta")
            .and_then(|(_, m)| m.as_object())
            .and_then(|m| find_ci(m, "resourceType"))
            .and_then(|(_, v)| v.as_str())
            .and_then(|name| {
                self.types
                    .iter()
                    .find(|t| t.name.eq_ignore_ascii_case(name))
            });
        by_meta.or_else(|| {
            let urns = schema_urns(obj);
            self.types.iter().find(|t| {
                !t.schema.is_empty() && urns.iter().any(|u| u.eq_ignore_ascii_case(&t.schema))
            })
        })
    }

    fn parse_resource_type(
        &self,
        item: &Value,
        ptr: &str,
        findings: &mut Vec<Finding>,
    ) -> Option<ResourceTypeDef> {
        let Some(obj) = item.as_object() else {
            findings.push(finding(
                ptr,
                format!(
                    "/ResourceTypes entry is {}, not an object (C-6-01)",
                    describe(item)
                ),
            ));
            return None;
        };
        let name = match find_ci(obj, "name") {
            Some((_, Value::String(s))) if !s.is_empty() => s.clone(),
            other => {
                let at = other.map_or_else(|| ptr.to_owned(), |(k, _)| pointer(ptr, k));
                findings.push(finding(
                    &at,
                    "ResourceType has no non-empty string \"name\" (C-6-01)".to_owned(),
                ));
                // Still usable for type detection if it has an id.
                match find_ci(obj, "id") {
                    Some((_, Value::String(id))) if !id.is_empty() => id.clone(),
                    _ => return None,
                }
            }
        };
        if self
            .types
            .iter()
            .any(|t| t.name.eq_ignore_ascii_case(&name))
        {
            findings.push(finding(
                ptr,
                format!(
                    "ResourceType {} is served twice by /ResourceTypes",
                    q(&name)
                ),
            ));
            return None;
        }
        if !matches!(find_ci(obj, "endpoint"), Some((_, Value::String(_)))) {
            findings.push(finding(
                ptr,
                format!(
                    "ResourceType {} has no string \"endpoint\" (C-6-01)",
                    q(&name)
                ),
            ));
        }
        let schema = match find_ci(obj, "schema") {
            Some((key, Value::String(s))) => {
                if self.schema(s).is_none() {
                    findings.push(finding(
                        &pointer(ptr, key),
                        format!(
                            "ResourceType {}: schema {} is not served by /Schemas (C-6-02)",
                            q(&name),
                            q(s)
                        ),
                    ));
                }
                s.clone()
            }
            Some((key, other)) => {
                findings.push(finding(
                    &pointer(ptr, key),
                    format!(
                        "ResourceType {}: \"schema\" is {}, not a URI string (C-6-01)",
                        q(&name),
                        describe(other)
                    ),
                ));
                String::new()
            }
            None => {
                findings.push(finding(
                    ptr,
                    format!("ResourceType {} has no \"schema\" (C-6-01)", q(&name)),
                ));
                String::new()
            }
        };
        let mut extensions = Vec::new();
        match find_ci(obj, "schemaExtensions") {
            None | Some((_, Value::Null)) => {}
            Some((key, Value::Array(list))) => {
                for (i, entry) in list.iter().enumerate() {
                    let at = format!("{}/{i}", pointer(ptr, key));
                    if let Some(ext) =
                        self.parse_extension(entry, &at, &name, &extensions, findings)
                    {
                        extensions.push(ext);
                    }
                }
            }
            Some((key, other)) => findings.push(finding(
                &pointer(ptr, key),
                format!(
                    "ResourceType {}: \"schemaExtensions\" is {}, not an array (C-6-02)",
                    q(&name),
                    describe(other)
                ),
            )),
        }
        Some(ResourceTypeDef {
            name,
            schema,
            extensions,
        })
    }

    fn parse_extension(
        &self,
        entry: &Value,
        at: &str,
        rt_name: &str,
        seen: &[Extension],
        findings: &mut Vec<Finding>,
    ) -> Option<Extension> {
        let Some(obj) = entry.as_object() else {
            findings.push(finding(
                at,
                format!(
                    "ResourceType {}: schemaExtensions entry is {}, not an object (C-6-02)",
                    q(rt_name),
                    describe(entry)
                ),
            ));
            return None;
        };
        let Some((schema_key, Value::String(schema))) = find_ci(obj, "schema") else {
            findings.push(finding(
                at,
                format!(
                    "ResourceType {}: schemaExtensions entry has no string \"schema\" (C-6-02)",
                    q(rt_name)
                ),
            ));
            return None;
        };
        if self.schema(schema).is_none() {
            findings.push(finding(
                &pointer(at, schema_key),
                format!(
                    "ResourceType {}: extension {} is not served by /Schemas (C-6-02)",
                    q(rt_name),
                    q(schema)
                ),
            ));
        }
        let required = match find_ci(obj, "required") {
            Some((_, Value::Bool(b))) => *b,
            other => {
                let at = other.map_or_else(|| at.to_owned(), |(k, _)| pointer(at, k));
                findings.push(finding(
                    &at,
                    format!(
                        "ResourceType {}: extension {} has no boolean \"required\" (C-6-02)",
                        q(rt_name),
                        q(schema)
                    ),
                ));
                matches!(other, Some((_, Value::String(s))) if s.eq_ignore_ascii_case("true"))
            }
        };
        if seen.iter().any(|e| e.schema.eq_ignore_ascii_case(schema)) {
            return None;
        }
        Some(Extension {
            schema: schema.clone(),
            required,
        })
    }
}

/// Walks a resource against declarations and collects findings.
struct Checker {
    projected: bool,
    out: Vec<Finding>,
}

impl Checker {
    fn push(&mut self, path: &str, message: String) {
        self.out.push(finding(path, message));
    }

    /// Reports two keys of one object that name the same attribute.
    fn duplicate_keys(&mut self, obj: &Map<String, Value>, ptr: &str) {
        let mut seen: Vec<&str> = Vec::new();
        for key in obj.keys() {
            if let Some(first) = seen.iter().find(|k| k.eq_ignore_ascii_case(key)) {
                let message = format!(
                    "{} and {} name the same attribute (RFC 7643 §2.1)",
                    q(first),
                    q(key)
                );
                self.push(&pointer(ptr, key), message);
            } else {
                seen.push(key);
            }
        }
    }

    /// Checks the declared `attrs` in `obj`; `prefix` is the dotted path of the parent
    /// ("" or "name."), `note` the requirement cited for a missing required attribute.
    fn attrs(
        &mut self,
        attrs: &[Attr],
        obj: &Map<String, Value>,
        ptr: &str,
        prefix: &str,
        note: &str,
    ) {
        for a in attrs {
            let path = format!("{prefix}{}", a.name);
            match find_ci(obj, &a.name).filter(|(_, v)| !is_absent(v)) {
                Some((key, value)) => self.value(a, value, &pointer(ptr, key), &path),
                None if a.required_in_default_response() && !self.projected => {
                    self.push(
                        &pointer(ptr, &a.name),
                        format!("required attribute {} is missing ({note})", q(&path)),
                    );
                }
                None => {}
            }
        }
    }

    fn value(&mut self, a: &Attr, value: &Value, ptr: &str, path: &str) {
        if a.never_returned() {
            let why = if a.returned == "never" {
                "returned: never"
            } else {
                "writeOnly"
            };
            self.push(
                ptr,
                format!("{} is declared {why} but was returned (C-7-04)", q(path)),
            );
            return;
        }
        match (a.multi_valued, value) {
            (true, Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    self.single(a, item, &format!("{ptr}/{i}"), path);
                }
                self.primaries(items, ptr, path);
            }
            (true, other) => self.push(
                ptr,
                format!(
                    "{} is declared multi-valued but is {} (C-2.3-01)",
                    q(path),
                    describe(other)
                ),
            ),
            (false, Value::Array(_)) => {
                self.push(
                    ptr,
                    format!(
                        "{} is declared single-valued but is an array (C-2.3-01)",
                        q(path)
                    ),
                );
            }
            (false, other) => self.single(a, other, ptr, path),
        }
    }

    /// At most one value of a multi-valued attribute has `primary: true` (C-2.4-01).
    fn primaries(&mut self, items: &[Value], ptr: &str, path: &str) {
        let primaries: Vec<(usize, &str)> = items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let (key, v) = find_ci(item.as_object()?, "primary")?;
                (v == &Value::Bool(true)).then_some((i, key))
            })
            .collect();
        if let Some((i, key)) = primaries.get(1) {
            self.push(
                &pointer(&format!("{ptr}/{i}"), key),
                format!(
                    "{} has {} values with primary: true; at most one is allowed (C-2.4-01)",
                    q(path),
                    primaries.len()
                ),
            );
        }
    }

    /// Checks one (single) value against the attribute's type.
    fn single(&mut self, a: &Attr, value: &Value, ptr: &str, path: &str) {
        let ok = match (a.kind, value) {
            (Kind::Unknown, _) => true,
            (Kind::Complex, Value::Object(inner)) => {
                self.duplicate_keys(inner, ptr);
                self.attrs(&a.sub, inner, ptr, &format!("{path}."), "RFC 7643 §2.2");
                true
            }
            (Kind::String | Kind::Reference, Value::String(_))
            | (Kind::Boolean, Value::Bool(_)) => true,
            (Kind::Decimal, Value::Number(_)) => true,
            (Kind::Integer, Value::Number(n)) => {
                if !(n.is_i64() || n.is_u64()) {
                    self.push(
                        ptr,
                        format!(
                            "{} is declared integer but is {}, which has a fraction or exponent (C-2.3-01)",
                            q(path),
                            describe(value)
                        ),
                    );
                }
                true
            }
            (Kind::DateTime, Value::String(s)) => {
                if !is_date_time(s) {
                    self.push(
                        ptr,
                        format!(
                            "{} is declared dateTime but {} is not an xsd:dateTime with date and time (C-2.3.5-01)",
                            q(path),
                            q_value(s)
                        ),
                    );
                }
                true
            }
            (Kind::Binary, Value::String(s)) => {
                if !is_base64(s) {
                    self.push(
                        ptr,
                        format!(
                            "{} is declared binary but {} is not base64 (C-2.3.6-01)",
                            q(path),
                            q_value(s)
                        ),
                    );
                }
                true
            }
            _ => false,
        };
        if !ok {
            self.push(
                ptr,
                format!(
                    "{} is declared {} but is {} (C-2.3-01)",
                    q(path),
                    a.kind.name(),
                    describe(value)
                ),
            );
        }
    }
}

/// Context for reading one Schema's attribute definitions.
struct DeclContext<'f> {
    schema: String,
    meta_schema: bool,
    findings: &'f mut Vec<Finding>,
}

impl DeclContext<'_> {
    fn push(&mut self, ptr: &str, path: &str, problem: &str) {
        let message = format!("{} in {}: {problem}", q(path), q(&self.schema));
        self.findings.push(finding(ptr, message));
    }
}

/// The entries of a discovery body, with their JSON Pointers.
fn list_items<'a>(
    body: &'a Value,
    endpoint: &str,
    row: &str,
    findings: &mut Vec<Finding>,
) -> Vec<(String, &'a Value)> {
    let enumerate = |prefix: String, items: &'a [Value]| -> Vec<(String, &'a Value)> {
        items
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("{prefix}/{i}"), v))
            .collect()
    };
    match body {
        Value::Array(items) => enumerate(String::new(), items),
        Value::Object(obj) => match find_ci(obj, "Resources") {
            Some((key, Value::Array(items))) => enumerate(pointer("", key), items),
            Some((_, Value::Null)) => Vec::new(),
            Some((key, other)) => {
                findings.push(finding(
                    &pointer("", key),
                    format!(
                        "GET {endpoint}: \"Resources\" is {}, not an array ({row})",
                        describe(other)
                    ),
                ));
                Vec::new()
            }
            None if ["attributes", "schema", "endpoint"]
                .iter()
                .any(|k| find_ci(obj, k).is_some()) =>
            {
                vec![(String::new(), body)]
            }
            None if find_ci(obj, "totalResults").is_some_and(|(_, v)| v.as_u64() == Some(0)) => {
                Vec::new()
            }
            None => {
                findings.push(finding(
                    "",
                    format!("GET {endpoint}: the body has no \"Resources\" array ({row})"),
                ));
                Vec::new()
            }
        },
        other => {
            findings.push(finding(
                "",
                format!(
                    "GET {endpoint}: the body is {}, not a ListResponse ({row})",
                    describe(other)
                ),
            ));
            Vec::new()
        }
    }
}

fn parse_schema(
    item: &Value,
    ptr: &str,
    known: &[SchemaDef],
    findings: &mut Vec<Finding>,
) -> Option<SchemaDef> {
    let Some(obj) = item.as_object() else {
        findings.push(finding(
            ptr,
            format!(
                "/Schemas entry is {}, not an object (C-7-01)",
                describe(item)
            ),
        ));
        return None;
    };
    let (id_key, id) = match find_ci(obj, "id") {
        Some((key, Value::String(s))) if !s.is_empty() => (key, s.clone()),
        Some((key, other)) => {
            findings.push(finding(
                &pointer(ptr, key),
                format!("Schema \"id\" is {}, not a URI (C-7-01)", describe(other)),
            ));
            return None;
        }
        None => {
            findings.push(finding(ptr, "Schema has no \"id\" (C-7-01)".to_owned()));
            return None;
        }
    };
    if !looks_like_uri(&id) {
        findings.push(finding(
            &pointer(ptr, id_key),
            format!("Schema id {} is not a URI (C-7-01)", q(&id)),
        ));
    }
    if known.iter().any(|s| s.id.eq_ignore_ascii_case(&id)) {
        findings.push(finding(
            &pointer(ptr, id_key),
            format!("Schema {} is served twice by /Schemas", q(&id)),
        ));
        return None;
    }
    let mut ctx = DeclContext {
        meta_schema: id.eq_ignore_ascii_case(SCHEMA_META_URN),
        schema: id.clone(),
        findings,
    };
    let attributes = match find_ci(obj, "attributes") {
        Some((key, Value::Array(list))) => parse_attrs(list, &pointer(ptr, key), "", 0, &mut ctx),
        None | Some((_, Value::Null)) => {
            ctx.findings.push(finding(
                ptr,
                format!("Schema {} has no \"attributes\" (C-7-01)", q(&id)),
            ));
            Vec::new()
        }
        Some((key, other)) => {
            ctx.findings.push(finding(
                &pointer(ptr, key),
                format!(
                    "Schema {}: \"attributes\" is {}, not an array (C-7-01)",
                    q(&id),
                    describe(other)
                ),
            ));
            Vec::new()
        }
    };
    Some(SchemaDef { id, attributes })
}

fn parse_attrs(
    list: &[Value],
    ptr: &str,
    parent: &str,
    depth: usize,
    ctx: &mut DeclContext<'_>,
) -> Vec<Attr> {
    let mut out: Vec<Attr> = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let at = format!("{ptr}/{i}");
        let Some(attr) = parse_attr(item, &at, parent, depth, ctx) else {
            continue;
        };
        if Attr::find(&out, &attr.name).is_some() {
            let path = format!("{parent}{}", attr.name);
            ctx.push(
                &at,
                &path,
                "declared twice (names are case-insensitive) (C-7-01)",
            );
            continue;
        }
        out.push(attr);
    }
    out
}

fn parse_attr(
    item: &Value,
    at: &str,
    parent: &str,
    depth: usize,
    ctx: &mut DeclContext<'_>,
) -> Option<Attr> {
    let Some(obj) = item.as_object() else {
        let problem = format!(
            "attribute definition is {}, not an object (C-7-01)",
            describe(item)
        );
        ctx.push(at, parent.trim_end_matches('.'), &problem);
        return None;
    };
    let (name_key, name) = match find_ci(obj, "name") {
        Some((key, Value::String(s))) => (key, s.clone()),
        other => {
            let ptr = other.map_or_else(|| at.to_owned(), |(k, _)| pointer(at, k));
            ctx.push(
                &ptr,
                parent.trim_end_matches('.'),
                "attribute definition has no string \"name\" (C-7-01)",
            );
            return None;
        }
    };
    let path = format!("{parent}{name}");
    if !is_attr_name(&name) {
        ctx.push(
            &pointer(at, name_key),
            &path,
            "the name is not an ATTRNAME (RFC 7643 §2.1) (C-2.1-01)",
        );
    }

    let (kind, kind_name) = match find_ci(obj, "type") {
        Some((key, Value::String(t))) => match Kind::parse(t) {
            Some((kind, canonical)) => {
                if t != canonical {
                    let problem = format!("type {} must be spelled {canonical:?} (C-7-01)", q(t));
                    ctx.push(&pointer(at, key), &path, &problem);
                }
                (kind, canonical.to_owned())
            }
            None => {
                let problem = format!(
                    "type {} is not one of string, boolean, decimal, integer, dateTime, reference, complex, binary (C-7-01)",
                    q(t)
                );
                ctx.push(&pointer(at, key), &path, &problem);
                (Kind::Unknown, t.clone())
            }
        },
        Some((key, other)) => {
            let problem = format!("\"type\" is {}, not a string (C-7-01)", describe(other));
            ctx.push(&pointer(at, key), &path, &problem);
            (Kind::Unknown, String::new())
        }
        None => {
            ctx.push(at, &path, "no \"type\" (C-7-01)");
            (Kind::Unknown, String::new())
        }
    };

    let multi_valued = bool_field(obj, "multiValued", true, at, &path, ctx).unwrap_or(false);
    let required = bool_field(obj, "required", false, at, &path, ctx).unwrap_or(false);
    let case_exact = bool_field(obj, "caseExact", false, at, &path, ctx).unwrap_or(false);
    let mutability = vocab_field(obj, "mutability", &MUTABILITY, at, &path, ctx);
    let returned = vocab_field(obj, "returned", &RETURNED, at, &path, ctx);
    let uniqueness = vocab_field(obj, "uniqueness", &UNIQUENESS, at, &path, ctx);

    let canonical_values = match find_ci(obj, "canonicalValues") {
        None | Some((_, Value::Null)) => Vec::new(),
        Some((_, Value::Array(values))) => values
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
                _ => None,
            })
            .collect(),
        Some((key, other)) => {
            let problem = format!(
                "\"canonicalValues\" is {}, not an array (C-7-01)",
                describe(other)
            );
            ctx.push(&pointer(at, key), &path, &problem);
            Vec::new()
        }
    };
    match find_ci(obj, "referenceTypes") {
        None | Some((_, Value::Null)) => {}
        Some((_, Value::Array(values))) if values.iter().all(Value::is_string) => {}
        Some((key, other)) => {
            let problem = format!(
                "\"referenceTypes\" is {}, not an array of strings (errata 5607) (C-7-01)",
                describe(other)
            );
            ctx.push(&pointer(at, key), &path, &problem);
        }
    }

    if depth > 0 && kind == Kind::Complex && !ctx.meta_schema {
        ctx.push(
            at,
            &path,
            "a complex sub-attribute of a complex attribute (RFC 7643 §2.3.8) (C-2.3.8-01)",
        );
    }
    let sub = match find_ci(obj, "subAttributes") {
        None | Some((_, Value::Null)) => Vec::new(),
        Some((key, Value::Array(list))) if kind == Kind::Complex => {
            if depth + 1 >= MAX_DEPTH {
                ctx.push(
                    &pointer(at, key),
                    &path,
                    "sub-attributes nested too deeply to read",
                );
                Vec::new()
            } else {
                parse_attrs(list, &pointer(at, key), &format!("{path}."), depth + 1, ctx)
            }
        }
        Some((key, Value::Array(list))) => {
            if !list.is_empty() && kind != Kind::Unknown {
                let problem = format!("type {} but declares subAttributes (C-7-01)", kind.name());
                ctx.push(&pointer(at, key), &path, &problem);
            }
            Vec::new()
        }
        Some((key, other)) => {
            let problem = format!(
                "\"subAttributes\" is {}, not an array (C-7-01)",
                describe(other)
            );
            ctx.push(&pointer(at, key), &path, &problem);
            Vec::new()
        }
    };

    Some(Attr {
        name,
        kind,
        kind_name,
        multi_valued,
        required,
        case_exact,
        mutability,
        returned,
        uniqueness,
        canonical_values,
        sub,
    })
}

/// A boolean characteristic; a string "true"/"false" is reported but understood.
fn bool_field(
    obj: &Map<String, Value>,
    field: &str,
    mandatory: bool,
    at: &str,
    path: &str,
    ctx: &mut DeclContext<'_>,
) -> Option<bool> {
    match find_ci(obj, field) {
        Some((_, Value::Bool(b))) => Some(*b),
        None | Some((_, Value::Null)) => {
            if mandatory {
                ctx.push(at, path, &format!("no boolean \"{field}\" (C-7-01)"));
            }
            None
        }
        Some((key, other)) => {
            let problem = format!("\"{field}\" is {}, not a boolean (C-7-01)", describe(other));
            ctx.push(&pointer(at, key), path, &problem);
            match other.as_str() {
                Some(s) if s.eq_ignore_ascii_case("true") => Some(true),
                Some(s) if s.eq_ignore_ascii_case("false") => Some(false),
                _ => None,
            }
        }
    }
}

/// A characteristic with an RFC vocabulary (the first entry is not the default: the
/// defaults are `readWrite`, `default`, `none`, RFC 7643 §2.2).
fn vocab_field(
    obj: &Map<String, Value>,
    field: &str,
    allowed: &[&'static str],
    at: &str,
    path: &str,
    ctx: &mut DeclContext<'_>,
) -> String {
    let default = match field {
        "mutability" => "readWrite",
        "returned" => "default",
        _ => "none",
    };
    match find_ci(obj, field) {
        None | Some((_, Value::Null)) => default.to_owned(),
        Some((key, Value::String(s))) => {
            if let Some(canonical) = allowed.iter().find(|a| a.eq_ignore_ascii_case(s)) {
                if s != canonical {
                    let problem =
                        format!("{field} {} must be spelled {canonical:?} (C-7-01)", q(s));
                    ctx.push(&pointer(at, key), path, &problem);
                }
                (*canonical).to_owned()
            } else {
                let problem = format!(
                    "{field} {} is not one of {} (C-7-01)",
                    q(s),
                    allowed.join(", ")
                );
                ctx.push(&pointer(at, key), path, &problem);
                default.to_owned()
            }
        }
        Some((key, other)) => {
            let problem = format!("\"{field}\" is {}, not a string (C-7-01)", describe(other));
            ctx.push(&pointer(at, key), path, &problem);
            default.to_owned()
        }
    }
}

/// Lists the undeclared sub-attributes below a declared attribute.
fn undeclared_below(a: &Attr, value: &Value, path: &str, out: &mut Vec<String>) {
    if a.kind != Kind::Complex {
        return;
    }
    let objects: Vec<&Map<String, Value>> = match value {
        Value::Object(obj) => vec![obj],
        Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    };
    for obj in objects {
        for (key, v) in obj {
            if is_absent(v) {
                continue;
            }
            match Attr::find(&a.sub, key) {
                Some(sub) => undeclared_below(sub, v, &format!("{path}.{}", sub.name), out),
                None => push_unique(out, format!("{path}.{key}")),
            }
        }
    }
}

fn push_unique(out: &mut Vec<String>, name: String) {
    if !out.contains(&name) {
        out.push(name);
    }
}

/// The strings in a resource's `schemas` array.
fn schema_urns(obj: &Map<String, Value>) -> Vec<&str> {
    match find_ci(obj, "schemas") {
        Some((_, Value::Array(items))) => items.iter().filter_map(Value::as_str).collect(),
        Some((_, Value::String(s))) => vec![s.as_str()],
        _ => Vec::new(),
    }
}

/// Looks a member up by name, exactly first, then ASCII-case-insensitively.
fn find_ci<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<(&'a str, &'a Value)> {
    obj.get_key_value(name)
        .or_else(|| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
        .map(|(k, v)| (k.as_str(), v))
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len()
        && s.as_bytes()
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// `null` and `[]` mean "absent" (RFC 7643 §2.5).
fn is_absent(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// Appends one reference token to a JSON Pointer (RFC 6901 escaping).
fn pointer(base: &str, token: &str) -> String {
    format!("{base}/{}", token.replace('~', "~0").replace('/', "~1"))
}

fn finding(path: &str, message: String) -> Finding {
    Finding {
        instance_path: path.to_owned(),
        message: truncate(&message, MAX_MESSAGE_CHARS),
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// A name or URN quoted for a message.
fn q(s: &str) -> String {
    format!("{:?}", truncate(s, MAX_NAME_CHARS))
}

/// A value quoted for a message.
fn q_value(s: &str) -> String {
    format!("{:?}", truncate(s, MAX_VALUE_CHARS))
}

/// "the string \"true\"", "the number 1.5", "an object", … for messages.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {}", truncate(&n.to_string(), MAX_VALUE_CHARS)),
        Value::String(s) => format!("the string {}", q_value(s)),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// ATTRNAME (RFC 7643 §2.1): a letter, then letters, digits, `$`, `-`, `_`; a leading `$`
/// is accepted for `$ref` (errata 8924). Same as `attrName` in `schemas/scim/common.json`.
fn is_attr_name(name: &str) -> bool {
    let rest = name.strip_prefix('$').unwrap_or(name);
    let mut chars = rest.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '$' | '-' | '_'))
}

/// A scheme, a colon and something after it (RFC 3986 §3.1), no white space.
fn looks_like_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !s.chars().any(char::is_whitespace)
}

/// xsd:dateTime with date and time, and a real calendar day (C-2.3.5-01).
fn is_date_time(s: &str) -> bool {
    let Some(caps) = DATE_TIME.captures(s) else {
        return false;
    };
    let (Some(year), Some(month), Some(day)) = (caps.get(1), caps.get(2), caps.get(3)) else {
        return false;
    };
    let (Ok(month), Ok(day)) = (month.as_str().parse::<u32>(), day.as_str().parse::<u32>()) else {
        return false;
    };
    // Leap years need the year modulo 400 only; years may have any number of digits.
    let year_mod_400 = year.as_str().bytes().fold(0u32, |acc, digit| {
        (acc * 10 + u32::from(digit - b'0')) % 400
    });
    let negative = s.starts_with('-');
    // xsd 1.1: year 0 is 1 BCE and a leap year; -0001 is 2 BCE, so negative years shift.
    let y = if negative {
        (400 - year_mod_400) % 400
    } else {
        year_mod_400
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    day <= days
}

/// Base64 (RFC 4648 §4, standard alphabet): padded, or unpadded with a possible length;
/// no white space, no URL-safe alphabet.
fn is_base64(s: &str) -> bool {
    let bytes = s.as_bytes();
    let body = bytes.iter().rposition(|&b| b != b'=').map_or(0, |p| p + 1);
    let padding = bytes.len() - body;
    if padding > 2
        || !bytes.get(..body).is_some_and(|b| {
            b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/'))
        })
    {
        return false;
    }
    if padding > 0 {
        bytes.len().is_multiple_of(4)
    } else {
        body % 4 != 1
    }
}

fn base64_encode(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// FNV-1a, for seed-derived numbers that are stable across runs and platforms.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The seed reduced to characters safe in a URL path and an e-mail local part.
fn slug(seed: &str) -> String {
    let s: String = seed
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if s.is_empty() { "x".to_owned() } else { s }
}

/// Format-checked RFC 7643 §4.1 attributes get values servers accept.
fn well_known_string(local_path: &str, uniqueness: &str, seed: &str) -> Option<String> {
    let lower = local_path.to_ascii_lowercase();
    if lower == "emails.value" {
        return Some(format!("{}@example.test", slug(seed)));
    }
    if uniqueness != "none" {
        return None;
    }
    let value = match lower.as_str() {
        "phonenumbers.value" => "tel:+1-201-555-0123",
        "preferredlanguage" | "locale" => "en-US",
        "timezone" => "America/Los_Angeles",
        "addresses.country" => "US",
        _ => return None,
    };
    Some(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
    const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    const ACME: &str = "urn:example:params:scim:schemas:extension:acme:2.0:User";
    const ACME_GROUP: &str = "urn:example:params:scim:schemas:extension:acme:2.0:Group";

    /// A realistic `GET /Schemas` ListResponse: RFC 7643 §4.1 User (abridged to the
    /// attributes the tests need, characteristics as in §8.7.1), Enterprise User, Group
    /// (with the errata 5368 `displayName`), a custom User extension and a required custom
    /// Group extension.
    const SCHEMAS: &str = r#"{
      "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
      "totalResults": 5, "itemsPerPage": 5, "startIndex": 1,
      "Resources": [
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
          "id": "urn:ietf:params:scim:schemas:core:2.0:User",
          "name": "User", "description": "User Account",
          "attributes": [
            {"name": "userName", "type": "string", "multiValued": false, "required": true, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "server"},
            {"name": "name", "type": "complex", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none",
             "subAttributes": [
               {"name": "formatted", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
               {"name": "familyName", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
               {"name": "givenName", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
               {"name": "middleName", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
               {"name": "honorificPrefix", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
               {"name": "honorificSuffix", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"}
             ]},
            {"name": "displayName", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
            {"name": "nickName", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
            {"name": "profileUrl", "type": "reference", "referenceTypes": ["external"], "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
            {"name": "title", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
            {"name": "userType", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
            {"name": "preferredLanguage", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
            {"name": "locale", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
            {"name": "timezone", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
            {"name": "active", "type": "boolean", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default"},
            {"name": "password", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "writeOnly", "returned": "never", "uniqueness": "none"},
            {"name": "emails", "type": "complex", "multiValued": true, "required": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none",
             "subAttributes": [
               {"name": "value", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
               {"name": "display", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
               {"name": "type", "type": "string", "multiValued": false, "required": false, "caseExact": false, "canonicalValues": ["work", "home", "other"], "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
               {"name": "primary", "type": "boolean", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default"}
             ]},
            {"name": "phoneNumbers", "type": "complex", "multiValued": true, "required": false, "mutability": "readWrite", "returned": "default",
             "subAttributes": [
               {"name": "value", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
               {"name": "type", "type": "string", "multiValued": false, "required": false, "caseExact": false, "canonicalValues": ["work", "home", "mobile", "fax", "pager", "other"], "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
               {"name": "primary", "type": "boolean", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default"}
             ]},
            {"name": "addresses", "type": "complex", "multiValued": true, "required": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none",
             "subAttributes": [
               {"name": "formatted", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
               {"name": "streetAddress", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
               {"name": "locality", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
               {"name": "region", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
               {"name": "postalCode", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
               {"name": "country", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
               {"name": "type", "type": "string", "multiValued": false, "required": false, "caseExact": false, "canonicalValues": ["work", "home", "other"], "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
               {"name": "primary", "type": "boolean", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default"}
             ]},
            {"name": "groups", "type": "complex", "multiValued": true, "required": false, "mutability": "readOnly", "returned": "default",
             "subAttributes": [
               {"name": "value", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readOnly", "returned": "default", "uniqueness": "none"},
               {"name": "$ref", "type": "reference", "referenceTypes": ["User", "Group"], "multiValued": false, "required": false, "caseExact": false, "mutability": "readOnly", "returned": "default", "uniqueness": "none"},
               {"name": "display", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readOnly", "returned": "default", "uniqueness": "none"},
               {"name": "type", "type": "string", "multiValued": false, "required": false, "caseExact": false, "canonicalValues": ["direct", "indirect"], "mutability": "readOnly", "returned": "default", "uniqueness": "none"}
             ]},
            {"name": "x509Certificates", "type": "complex", "multiValued": true, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
             "subAttributes": [
               {"name": "value", "type": "binary", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
               {"name": "primary", "type": "boolean", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default"}
             ]}
          ],
          "meta": {"resourceType": "Schema", "location": "/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"}
        },
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
          "id": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
          "name": "EnterpriseUser", "description": "Enterprise User",
          "attributes": [
            {"name": "employeeNumber", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
            {"name": "costCenter", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
            {"name": "organization", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
            {"name": "division", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
            {"name": "department", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
            {"name": "manager", "type": "complex", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default",
             "subAttributes": [
               {"name": "value", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
               {"name": "$ref", "type": "reference", "referenceTypes": ["User"], "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
               {"name": "displayName", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readOnly", "returned": "default", "uniqueness": "none"}
             ]}
          ]
        },
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
          "id": "urn:ietf:params:scim:schemas:core:2.0:Group",
          "name": "Group", "description": "Group",
          "attributes": [
            {"name": "displayName", "type": "string", "multiValued": false, "required": true, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
            {"name": "members", "type": "complex", "multiValued": true, "required": false, "mutability": "readWrite", "returned": "default",
             "subAttributes": [
               {"name": "value", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "immutable", "returned": "default", "uniqueness": "none"},
               {"name": "$ref", "type": "reference", "referenceTypes": ["User", "Group"], "multiValued": false, "required": false, "caseExact": false, "mutability": "immutable", "returned": "default", "uniqueness": "none"},
               {"name": "type", "type": "string", "multiValued": false, "required": false, "caseExact": false, "canonicalValues": ["User", "Group"], "mutability": "immutable", "returned": "default", "uniqueness": "none"}
             ]}
          ]
        },
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
          "id": "urn:example:params:scim:schemas:extension:acme:2.0:User",
          "name": "AcmeUser", "description": "Acme badge data",
          "attributes": [
            {"name": "badgeNumber", "type": "integer", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default", "uniqueness": "server"},
            {"name": "clearance", "type": "string", "multiValued": false, "required": false, "caseExact": true, "canonicalValues": ["low", "high"], "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
            {"name": "hourlyRate", "type": "decimal", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default"},
            {"name": "badgeIssued", "type": "dateTime", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default"},
            {"name": "badgePhoto", "type": "binary", "multiValued": false, "required": false, "caseExact": true, "mutability": "readWrite", "returned": "request"},
            {"name": "homepage", "type": "reference", "referenceTypes": ["external"], "multiValued": false, "required": false, "caseExact": true, "mutability": "readWrite", "returned": "default"},
            {"name": "tags", "type": "string", "multiValued": true, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"}
          ]
        },
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
          "id": "urn:example:params:scim:schemas:extension:acme:2.0:Group",
          "name": "AcmeGroup", "description": "Acme cost accounting",
          "attributes": [
            {"name": "costCode", "type": "string", "multiValued": false, "required": true, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"}
          ]
        }
      ]
    }"#;

    const RESOURCE_TYPES: &str = r#"{
      "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
      "totalResults": 2, "itemsPerPage": 2, "startIndex": 1,
      "Resources": [
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
         "id": "User", "name": "User", "endpoint": "/Users", "description": "User Account",
         "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
         "schemaExtensions": [
           {"schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "required": false},
           {"schema": "urn:example:params:scim:schemas:extension:acme:2.0:User", "required": false}
         ],
         "meta": {"resourceType": "ResourceType", "location": "/v2/ResourceTypes/User"}},
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
         "id": "Group", "name": "Group", "endpoint": "/Groups", "description": "Group",
         "schema": "urn:ietf:params:scim:schemas:core:2.0:Group",
         "schemaExtensions": [
           {"schema": "urn:example:params:scim:schemas:extension:acme:2.0:Group", "required": true}
         ],
         "meta": {"resourceType": "ResourceType", "location": "/v2/ResourceTypes/Group"}}
      ]
    }"#;

    fn target() -> TargetSchemas {
        let schemas: Value = serde_json::from_str(SCHEMAS).expect("SCHEMAS parses");
        let types: Value = serde_json::from_str(RESOURCE_TYPES).expect("RESOURCE_TYPES parses");
        let (target, findings) = TargetSchemas::from_discovery(&schemas, &types);
        assert_eq!(findings, Vec::<Finding>::new());
        target
    }

    fn valid_user() -> Value {
        json!({
            "schemas": [USER, ENTERPRISE, ACME],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "bjensen",
            "meta": {
                "resourceType": "User",
                "created": "2011-08-01T18:29:49.793Z",
                "lastModified": "2011-08-01T18:29:49.793Z",
                "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
                "version": "W/\"f250dd84f0671c3\""
            },
            "userName": "bjensen",
            "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara"},
            "displayName": "Babs Jensen",
            "profileUrl": "https://login.example.com/bjensen",
            "active": true,
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "phoneNumbers": [{"value": "555-555-5555", "type": "work"}],
            "addresses": [{"type": "work", "country": "US", "primary": true}],
            "groups": [{"value": "e9e30dba", "$ref": "https://example.com/v2/Groups/e9e30dba", "display": "Tour Guides"}],
            "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw"}],
            ENTERPRISE: {
                "employeeNumber": "701984",
                "costCenter": "4130",
                "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
            },
            ACME: {
                "badgeNumber": 4711,
                "clearance": "high",
                "hourlyRate": 21.5,
                "badgeIssued": "2020-02-29T08:00:00+01:00",
                "homepage": "https://acme.example/bjensen",
                "tags": ["night-shift", "first-aid"]
            }
        })
    }

    fn valid_group() -> Value {
        json!({
            "schemas": [GROUP, ACME_GROUP],
            "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
            "displayName": "Tour Guides",
            "members": [{"value": "2819c223", "$ref": "https://example.com/v2/Users/2819c223", "type": "User"}],
            ACME_GROUP: {"costCode": "CC-17"},
            "meta": {"resourceType": "Group", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z"}
        })
    }

    fn paths(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.instance_path.as_str()).collect()
    }

    /// The single finding of `findings`, which must be at `path` and cite `row`.
    fn only(findings: &[Finding], path: &str, row: &str) -> Finding {
        assert_eq!(paths(findings), [path], "{findings:#?}");
        let f = findings[0].clone();
        assert!(f.message.contains(row), "{f:?} should cite {row}");
        assert!(f.message.chars().count() <= MAX_MESSAGE_CHARS);
        f
    }

    #[test]
    fn valid_resources_pass() {
        let t = target();
        assert_eq!(t.validate(&valid_user(), false), []);
        assert_eq!(t.validate(&valid_user(), true), []);
        assert_eq!(t.undeclared(&valid_user()), Vec::<String>::new());
        assert_eq!(t.validate(&valid_group(), false), []);
        assert_eq!(t.undeclared(&valid_group()), Vec::<String>::new());
    }

    #[test]
    fn string_boolean_fails() {
        let mut user = valid_user();
        user["active"] = json!("true");
        let f = only(&target().validate(&user, false), "/active", "C-2.3-01");
        assert_eq!(
            f.message,
            r#""active" is declared boolean but is the string "true" (C-2.3-01)"#
        );
    }

    #[test]
    fn attribute_names_match_case_insensitively() {
        let t = target();
        let mut user = valid_user();
        let obj = user.as_object_mut().unwrap();
        let active = obj.shift_remove("active").unwrap();
        obj.insert("Active".into(), json!("TRUE"));
        let name = obj.shift_remove("userName").unwrap();
        obj.insert("USERNAME".into(), name);
        let ent = obj.shift_remove(ENTERPRISE).unwrap();
        obj.insert(ENTERPRISE.to_uppercase(), ent);
        only(&t.validate(&user, false), "/Active", "C-2.3-01");

        user["Active"] = active;
        assert_eq!(t.validate(&user, false), []);
        user["username"] = json!("again");
        let f = only(&t.validate(&user, false), "/username", "RFC 7643 §2.1");
        assert!(f.message.contains("USERNAME"), "{f:?}");
    }

    #[test]
    fn password_and_write_only_values_fail() {
        let t = target();
        let mut user = valid_user();
        user["password"] = json!("t1meMa$heen");
        let f = only(&t.validate(&user, false), "/password", "C-7-04");
        assert!(f.message.contains("returned: never"));
        // Even when asked for (`attributes=password`).
        only(&t.validate(&user, true), "/password", "C-7-04");
        // null means absent.
        user["password"] = Value::Null;
        assert_eq!(t.validate(&user, false), []);
    }

    #[test]
    fn two_primaries_fail() {
        let mut user = valid_user();
        user["emails"][1]["primary"] = json!(true);
        let f = only(
            &target().validate(&user, false),
            "/emails/1/primary",
            "C-2.4-01",
        );
        assert!(f.message.contains("\"emails\" has 2 values"), "{f:?}");
        // One primary per attribute: a primary address and a primary email are fine.
        assert_eq!(target().validate(&valid_user(), false), []);
    }

    #[test]
    fn extension_attribute_at_top_level_fails() {
        let t = target();
        let mut user = valid_user();
        user["employeeNumber"] = json!("701984");
        let f = only(&t.validate(&user, false), "/employeeNumber", "C-3.3-01");
        assert!(f.message.contains(ENTERPRISE), "{f:?}");
        assert_eq!(t.undeclared(&user), ["employeeNumber"]);

        // The fully qualified name as a top-level key is no better.
        let mut user = valid_user();
        user[format!("{ACME}:badgeNumber")] = json!(1);
        only(
            &t.validate(&user, false),
            &format!("/{ACME}:badgeNumber"),
            "C-3.3-01",
        );

        // The extension object without its URN in `schemas`.
        let mut user = valid_user();
        user["schemas"] = json!([USER, ACME]);
        only(
            &t.validate(&user, false),
            &format!("/{ENTERPRISE}"),
            "C-3.3-01",
        );

        // The extension value must be an object.
        let mut user = valid_user();
        user[ENTERPRISE] = json!("701984");
        only(
            &t.validate(&user, false),
            &format!("/{ENTERPRISE}"),
            "C-3.3-01",
        );
    }

    #[test]
    fn custom_extension_types_are_checked() {
        let t = target();
        let at = format!("/{ACME}/badgeNumber");
        for (bad, row) in [
            (json!("4711"), "C-2.3-01"),
            (json!(47.5), "C-2.3-01"),
            (
                serde_json::from_str::<Value>("1e2").unwrap(),
                "fraction or exponent",
            ),
            (
                serde_json::from_str::<Value>("4711.0").unwrap(),
                "fraction or exponent",
            ),
        ] {
            let mut user = valid_user();
            user[ACME]["badgeNumber"] = bad;
            only(&t.validate(&user, false), &at, row);
        }
        let mut user = valid_user();
        user[ACME]["badgeNumber"] = json!("4711");
        let f = only(&t.validate(&user, false), &at, "C-2.3-01");
        assert_eq!(
            f.message,
            r#""badgeNumber" is declared integer but is the string "4711" (C-2.3-01)"#
        );

        let mut user = valid_user();
        user[ACME]["hourlyRate"] = json!(21);
        user[ACME]["tags"] = json!("night-shift");
        user[ACME]["clearance"] = json!(["high"]);
        user[ACME]["homepage"] = json!({"href": "https://acme.example"});
        let findings = t.validate(&user, false);
        assert_eq!(
            paths(&findings),
            [
                format!("/{ACME}/clearance"),
                format!("/{ACME}/homepage"),
                format!("/{ACME}/tags")
            ]
        );
        assert!(findings[0].message.contains("single-valued"));
        assert!(
            findings[1]
                .message
                .contains("declared reference but is an object")
        );
        assert!(findings[2].message.contains("multi-valued"));
    }

    #[test]
    fn date_times_and_binaries_are_checked() {
        let t = target();
        for bad in [
            "2011-08-01",
            "2011-08-01 18:29:49Z",
            "2011-02-29T00:00:00Z",
            "2011-08-01T25:00:00Z",
            "now",
        ] {
            let mut user = valid_user();
            user["meta"]["created"] = json!(bad);
            only(&t.validate(&user, false), "/meta/created", "C-2.3.5-01");
        }
        for good in [
            "2011-08-01T18:29:49",
            "2000-02-29T00:00:00.5-05:00",
            "2011-08-01T24:00:00Z",
            "12011-08-01T00:00:00Z",
        ] {
            assert!(is_date_time(good), "{good}");
        }
        for bad in [
            "1900-02-29T00:00:00Z",
            "2011-04-31T00:00:00Z",
            "2011-08-01T18:29:49+15:00",
            "2011-08-01T18:29Z",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
        let mut user = valid_user();
        user[ACME]["badgeIssued"] = json!(1_300_000_000);
        only(
            &t.validate(&user, false),
            &format!("/{ACME}/badgeIssued"),
            "C-2.3-01",
        );

        let mut user = valid_user();
        user["x509Certificates"][0]["value"] = json!("not base64!");
        only(
            &t.validate(&user, false),
            "/x509Certificates/0/value",
            "C-2.3.6-01",
        );
        for good in ["", "TQ==", "TWE=", "TWFu", "TWE", "MIIDQzCCAqyg+/8="] {
            assert!(is_base64(good), "{good}");
        }
        for bad in [
            "T", "TQ=", "TQ===", "TW-u", "TW_u", "TW u", "TQ==TQ==", "=TWFu",
        ] {
            assert!(!is_base64(bad), "{bad}");
        }
    }

    #[test]
    fn required_attributes_unless_projected() {
        let t = target();
        let mut user = valid_user();
        user.as_object_mut().unwrap().shift_remove("userName");
        let f = only(&t.validate(&user, false), "/userName", "RFC 7643 §2.2");
        assert!(f.message.contains("required attribute \"userName\""));
        assert_eq!(t.validate(&user, true), []);
        // null and "" differ: null is absent, "" is a (bad, elsewhere-checked) value.
        user["userName"] = Value::Null;
        only(&t.validate(&user, false), "/userName", "RFC 7643 §2.2");
    }

    #[test]
    fn required_extensions() {
        let t = target();
        let mut group = valid_group();
        group.as_object_mut().unwrap().shift_remove(ACME_GROUP);
        group["schemas"] = json!([GROUP]);
        only(
            &t.validate(&group, false),
            &format!("/{ACME_GROUP}"),
            "C-6-03",
        );
        assert_eq!(t.validate(&group, true), []);

        // Listed, but its required attribute is not there.
        group["schemas"] = json!([GROUP, ACME_GROUP]);
        only(
            &t.validate(&group, false),
            &format!("/{ACME_GROUP}/costCode"),
            "C-6-03",
        );
        group[ACME_GROUP] = json!({});
        only(
            &t.validate(&group, false),
            &format!("/{ACME_GROUP}/costCode"),
            "C-6-03",
        );
        assert_eq!(t.validate(&group, true), []);
    }

    #[test]
    fn unserved_schema_urns_and_unknown_types() {
        let t = target();
        let mut user = valid_user();
        user["schemas"] = json!([USER, ENTERPRISE, ACME, "urn:example:nope"]);
        only(&t.validate(&user, false), "/schemas/3", "C-6-02");

        // Served, but not a schema of this resource type; or listed twice.
        user["schemas"] = json!([USER, ENTERPRISE, ACME, ACME_GROUP]);
        only(&t.validate(&user, false), "/schemas/3", "C-3-02");
        user["schemas"] = json!([USER, ENTERPRISE, ACME, GROUP]);
        only(&t.validate(&user, false), "/schemas/3", "C-3-02");
        user["schemas"] = json!([USER, ENTERPRISE, ACME, ACME.to_uppercase()]);
        only(&t.validate(&user, false), "/schemas/3", "C-3-02");

        let stranger = json!({"schemas": ["urn:example:Device"], "id": "1"});
        only(&t.validate(&stranger, false), "", "C-6-02");
        assert_eq!(t.undeclared(&stranger), Vec::<String>::new());
        only(&t.validate(&json!([1, 2]), false), "", "RFC 7643 §3");
    }

    #[test]
    fn resource_type_detection() {
        let t = target();
        assert_eq!(t.resource_types(), ["User", "Group"]);
        assert_eq!(
            t.resource_type_of(&json!({"meta": {"resourceType": "Group"}})),
            Some("Group")
        );
        assert_eq!(
            t.resource_type_of(&json!({"META": {"RESOURCETYPE": "user"}})),
            Some("User")
        );
        assert_eq!(
            t.resource_type_of(&json!({"schemas": [ENTERPRISE, USER]})),
            Some("User")
        );
        assert_eq!(
            t.resource_type_of(&json!({"schemas": [GROUP.to_lowercase()]})),
            Some("Group")
        );
        // meta wins over schemas; an unknown meta type falls back to schemas.
        assert_eq!(
            t.resource_type_of(&json!({"schemas": [USER], "meta": {"resourceType": "Group"}})),
            Some("Group")
        );
        assert_eq!(
            t.resource_type_of(&json!({"schemas": [USER], "meta": {"resourceType": "Device"}})),
            Some("User")
        );
        assert_eq!(t.resource_type_of(&json!({"schemas": ["urn:x"]})), None);
        assert_eq!(t.resource_type_of(&json!("User")), None);
    }

    #[test]
    fn declaration_problems_are_reported() {
        let schemas = json!([
            {"id": USER, "attributes": [
                {"name": "userName", "type": "string", "multiValued": false, "required": true},
                {"name": "active", "type": "bool", "multiValued": false},
                {"name": "nickName", "type": "String", "multiValued": false, "mutability": "readwrite", "returned": "sometimes"},
                {"name": "2fa", "type": "string", "multiValued": false},
                {"name": "title", "type": "string"},
                {"name": "name", "type": "complex", "multiValued": false, "subAttributes": [
                    {"name": "parts", "type": "complex", "multiValued": true, "subAttributes": [
                        {"name": "value", "type": "string", "multiValued": false}
                    ]}
                ]},
                {"name": "emails", "type": "complex", "multiValued": true, "subAttributes": [
                    {"name": "$ref", "type": "reference", "multiValued": false, "referenceTypes": "external"}
                ]},
                {"name": "USERNAME", "type": "string", "multiValued": false},
                {"name": "locale", "type": "string", "multiValued": "false", "subAttributes": [{"name": "x"}]}
            ]},
            {"id": SCHEMA_META_URN, "attributes": [
                {"name": "attributes", "type": "complex", "multiValued": true, "subAttributes": [
                    {"name": "subAttributes", "type": "complex", "multiValued": true, "subAttributes": [
                        {"name": "name", "type": "string", "multiValued": false}
                    ]}
                ]}
            ]},
            {"id": "not a uri", "attributes": []},
            {"name": "no id"},
            {"id": GROUP}
        ]);
        let types = json!([
            {"name": "User", "endpoint": "/Users", "schema": USER,
             "schemaExtensions": [{"schema": ACME}]},
            {"name": "Group", "endpoint": "/Groups", "schema": "urn:example:missing"},
            {"name": "Device", "schema": GROUP}
        ]);
        let (t, findings) = TargetSchemas::from_discovery(&schemas, &types);
        let got: Vec<(&str, &str)> = findings
            .iter()
            .map(|f| (f.instance_path.as_str(), f.message.as_str()))
            .collect();
        let expect: &[(&str, &str)] = &[
            ("/0/attributes/1/type", "C-7-01"),
            ("/0/attributes/2/type", "must be spelled \"string\""),
            (
                "/0/attributes/2/mutability",
                "must be spelled \"readWrite\"",
            ),
            (
                "/0/attributes/2/returned",
                "is not one of always, never, default, request",
            ),
            ("/0/attributes/3/name", "C-2.1-01"),
            ("/0/attributes/4", "no boolean \"multiValued\""),
            ("/0/attributes/5/subAttributes/0", "C-2.3.8-01"),
            (
                "/0/attributes/6/subAttributes/0/referenceTypes",
                "errata 5607",
            ),
            ("/0/attributes/7", "declared twice"),
            ("/0/attributes/8/multiValued", "not a boolean"),
            ("/0/attributes/8/subAttributes", "declares subAttributes"),
            ("/2/id", "is not a URI"),
            ("/3", "no \"id\""),
            ("/4", "has no \"attributes\""),
            (
                "/0/schemaExtensions/0/schema",
                "extension \"urn:example:params:scim:schemas:extension:acme:2.0:User\" is not served by /Schemas (C-6-02)",
            ),
            ("/0/schemaExtensions/0", "no boolean \"required\" (C-6-02)"),
            (
                "/1/schema",
                "schema \"urn:example:missing\" is not served by /Schemas (C-6-02)",
            ),
            ("/2", "no string \"endpoint\" (C-6-01)"),
        ];
        assert_eq!(got.len(), expect.len(), "{findings:#?}");
        for ((path, message), (want_path, want)) in got.iter().zip(expect) {
            assert_eq!(path, want_path, "{message}");
            assert!(
                message.contains(want),
                "{message:?} should contain {want:?}"
            );
        }
        // Still usable: the meta-schema is exempt from C-2.3.8-01, types are normalised and
        // the Group type (whose schema is missing) is still known.
        assert_eq!(t.resource_types(), ["User", "Group", "Device"]);
        let attrs = t.attributes("User");
        let nick = attrs.iter().find(|a| a.path == "nickName").unwrap();
        assert_eq!(
            (
                nick.kind.as_str(),
                nick.mutability.as_str(),
                nick.returned.as_str()
            ),
            ("string", "readWrite", "default")
        );
        let active = attrs.iter().find(|a| a.path == "active").unwrap();
        assert_eq!(active.kind, "bool");
        assert!(TargetSchemas::sample_value(active, "s").is_none());
        assert!(attrs.iter().any(|a| a.path == "name.parts.value"));
        assert_eq!(
            t.validate(
                &json!({"schemas": [GROUP], "meta": {"resourceType": "Group"}}),
                false
            ),
            []
        );
    }

    #[test]
    fn attributes_are_flattened_with_extensions() {
        let t = target();
        let attrs = t.attributes("user");
        let names: Vec<&str> = attrs.iter().map(|a| a.path.as_str()).collect();
        for want in [
            "userName".to_owned(),
            "name.givenName".to_owned(),
            "emails.primary".to_owned(),
            "groups.$ref".to_owned(),
            format!("{ENTERPRISE}:employeeNumber"),
            format!("{ENTERPRISE}:manager"),
            format!("{ENTERPRISE}:manager.displayName"),
            format!("{ACME}:badgeNumber"),
        ] {
            assert!(
                names.contains(&want.as_str()),
                "{want} missing from {names:?}"
            );
        }
        assert!(
            names.iter().position(|n| *n == "name")
                < names.iter().position(|n| *n == "name.givenName")
        );
        let badge = attrs
            .iter()
            .find(|a| a.path.ends_with(":badgeNumber"))
            .unwrap();
        assert_eq!(
            badge,
            &DeclaredAttribute {
                path: format!("{ACME}:badgeNumber"),
                kind: "integer".into(),
                multi_valued: false,
                required: false,
                case_exact: false,
                mutability: "readWrite".into(),
                returned: "default".into(),
                uniqueness: "server".into(),
                canonical_values: vec![],
            }
        );
        let password = attrs.iter().find(|a| a.path == "password").unwrap();
        assert_eq!(
            (password.mutability.as_str(), password.returned.as_str()),
            ("writeOnly", "never")
        );
        let user_name = attrs.iter().find(|a| a.path == "userName").unwrap();
        assert!(user_name.required);
        assert_eq!(t.attributes("Group").len(), 6);
        assert_eq!(t.attributes("Device"), []);
    }

    #[test]
    fn sample_values_are_type_correct() {
        let t = target();
        let attrs = t.attributes("User");
        let get = |path: &str| attrs.iter().find(|a| a.path == path).unwrap();
        let sample = |path: &str| TargetSchemas::sample_value(get(path), "run42");
        assert_eq!(sample("userName"), Some(json!("userName-run42")));
        assert_eq!(sample("emails.type"), Some(json!("work")));
        assert_eq!(sample("emails.value"), Some(json!("run42@example.test")));
        assert_eq!(sample("active"), Some(json!(true)));
        assert_eq!(
            sample("profileUrl"),
            Some(json!("https://example.test/run42"))
        );
        assert_eq!(sample("x509Certificates.value"), Some(json!("cnVuNDI=")));
        assert_eq!(sample(&format!("{ACME}:clearance")), Some(json!("low")));
        assert_eq!(
            sample(&format!("{ACME}:badgeIssued")),
            Some(json!("2026-01-02T03:04:05Z"))
        );
        assert!(sample(&format!("{ACME}:badgeNumber")).unwrap().is_u64());
        assert!(sample(&format!("{ACME}:hourlyRate")).unwrap().is_f64());
        assert_eq!(sample(&format!("{ACME}:tags")), Some(json!(["tags-run42"])));
        assert_eq!(sample("name"), None);
        assert_eq!(sample("emails"), None);
        assert_ne!(
            sample("nickName"),
            TargetSchemas::sample_value(get("nickName"), "run43")
        );
        assert_eq!(base64_encode(b"Man"), "TWFu");
        assert_eq!(base64_encode(b"Ma"), "TWE=");
        assert_eq!(base64_encode(b""), "");

        // A user built from every readWrite simple attribute validates clean (the C-7-02
        // request body), and nothing in it is undeclared.
        let mut user =
            json!({"schemas": [USER, ENTERPRISE, ACME], "meta": {"resourceType": "User"}});
        for a in attrs
            .iter()
            .filter(|a| a.mutability == "readWrite" && a.kind != "complex")
        {
            let value = TargetSchemas::sample_value(a, "run42").unwrap();
            let (container, local) = match a.path.rsplit_once(':') {
                Some((urn, local)) => (&mut user[urn], local),
                None => (&mut user, a.path.as_str()),
            };
            match local.split_once('.') {
                Some((parent, sub))
                    if get(&a.path.replace(&format!(".{sub}"), "")).multi_valued =>
                {
                    if container[parent].is_null() {
                        container[parent] = json!([{}]);
                    }
                    container[parent][0][sub] = value;
                }
                Some((parent, sub)) => container[parent][sub] = value,
                None => container[local] = value,
            }
        }
        assert_eq!(t.validate(&user, false), []);
        assert_eq!(t.undeclared(&user), Vec::<String>::new());
    }

    #[test]
    fn undeclared_names_are_listed() {
        let t = target();
        let mut user = valid_user();
        user["nickname2"] = json!("x");
        user["name"]["nickName"] = json!("x");
        user["emails"][0]["verified"] = json!(true);
        user["emails"][1]["verified"] = json!(false);
        user["meta"]["etag"] = json!("x");
        user[ENTERPRISE]["badge"] = json!("x");
        user["urn:example:other"] = json!({"a": 1});
        user["ignoredNull"] = Value::Null;
        assert_eq!(t.validate(&user, false), []);
        assert_eq!(
            t.undeclared(&user),
            [
                "meta.etag".to_owned(),
                "name.nickName".to_owned(),
                "emails.verified".to_owned(),
                format!("{ENTERPRISE}:badge"),
                "nickname2".to_owned(),
                "urn:example:other".to_owned(),
            ]
        );
    }

    #[test]
    fn bare_arrays_and_single_objects_are_accepted() {
        let schemas: Value = serde_json::from_str(SCHEMAS).unwrap();
        let types: Value = serde_json::from_str(RESOURCE_TYPES).unwrap();
        let (t, findings) =
            TargetSchemas::from_discovery(&schemas["Resources"], &types["Resources"]);
        assert_eq!(findings, []);
        assert_eq!(t.validate(&valid_user(), false), []);
        let (t, findings) =
            TargetSchemas::from_discovery(&schemas["Resources"], &types["Resources"][0]);
        assert_eq!(findings, []);
        assert_eq!(t.resource_types(), ["User"]);
    }

    #[test]
    fn messages_are_short_and_do_not_echo_values() {
        let t = target();
        let long = "x".repeat(5000);
        let mut user = valid_user();
        user["active"] = json!(long);
        user["meta"]["created"] = json!(long);
        let findings = t.validate(&user, false);
        assert_eq!(findings.len(), 2);
        for f in &findings {
            assert!(f.message.chars().count() <= MAX_MESSAGE_CHARS, "{f:?}");
            assert!(!f.message.contains(&"x".repeat(41)), "{f:?}");
        }
        let (_, findings) = TargetSchemas::from_discovery(
            &json!([{"id": long, "attributes": [{"name": long}]}]),
            &json!([]),
        );
        assert!(!findings.is_empty());
        for f in &findings {
            assert!(f.message.chars().count() <= MAX_MESSAGE_CHARS, "{f:?}");
        }
    }

    #[test]
    fn junk_never_panics() {
        let junk = [
            json!(null),
            json!(1),
            json!(-1.5),
            json!("Resources"),
            json!(true),
            json!([]),
            json!({}),
            json!([null, 1, "x", [], {}]),
            json!({"Resources": 5}),
            json!({"Resources": null}),
            json!({"Resources": [null, {"id": null}, {"id": 5, "attributes": 7}]}),
            json!({"Resources": [{"id": "urn:a", "attributes": [null, 1, {"name": null}, {"name": "a", "type": null, "multiValued": null, "subAttributes": {}}]}]}),
            json!([{"id": "urn:a", "attributes": [{"name": "a", "type": "complex", "subAttributes": [{"name": "b", "type": "complex", "subAttributes": [1, {"name": "c", "type": 3, "canonicalValues": 1, "mutability": 3, "required": "yes"}]}]}]}]),
            json!([{"name": "User", "schema": 5, "schemaExtensions": [1, {"schema": null}, {"schema": "urn:a", "required": "true"}]}, {"name": 1, "id": "x"}, {"id": 2}, 7]),
            json!([{"name": "User", "schema": "urn:a", "schemaExtensions": {"schema": "urn:a"}}]),
            json!({"schemas": "urn:a", "meta": {"resourceType": 5}, "a": {"b": [1, {"c": null}]}, "urn:a": 5}),
            json!({"schemas": [1, null, "urn:a"], "meta": "User", "urn:a": {"b": 1}, "a": [[], [null]], "urn:a:a": 1}),
        ];
        for schemas in &junk {
            for types in &junk {
                let (t, _) = TargetSchemas::from_discovery(schemas, types);
                for rt in t.resource_types() {
                    for a in t.attributes(rt) {
                        let _ = TargetSchemas::sample_value(&a, "");
                    }
                }
                for resource in &junk {
                    let _ = t.validate(resource, false);
                    let _ = t.validate(resource, true);
                    let _ = t.undeclared(resource);
                    let _ = t.resource_type_of(resource);
                }
            }
        }
        let junk_attr = DeclaredAttribute {
            path: String::new(),
            kind: "\u{0}".into(),
            multi_valued: true,
            required: true,
            case_exact: true,
            mutability: String::new(),
            returned: String::new(),
            uniqueness: String::new(),
            canonical_values: vec![],
        };
        assert_eq!(TargetSchemas::sample_value(&junk_attr, "é/ü"), None);
        let deep = (0..200).fold(json!({"name": "leaf", "type": "string", "multiValued": false}), |inner, i| {
            json!({"name": format!("n{i}"), "type": "complex", "multiValued": false, "subAttributes": [inner]})
        });
        let (_, findings) = TargetSchemas::from_discovery(
            &json!([{"id": "urn:a", "attributes": [deep]}]),
            &json!([]),
        );
        assert!(findings.iter().any(|f| f.message.contains("too deeply")));
    }

    #[test]
    fn target_schemas_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<TargetSchemas>();
        assert_send_sync::<Finding>();
        assert_send_sync::<DeclaredAttribute>();
    }

    /// Discovery documents and a created user, captured from a real server.
    fn real_server(schemas: &str, types: &str) -> (TargetSchemas, Vec<Finding>) {
        let schemas: Value = serde_json::from_str(schemas).expect("fixture parses");
        let types: Value = serde_json::from_str(types).expect("fixture parses");
        TargetSchemas::from_discovery(&schemas, &types)
    }

    fn assert_user_and_group_clean(t: &TargetSchemas, user: &str, group: &str) {
        let user: Value = serde_json::from_str(user).expect("fixture parses");
        let group: Value = serde_json::from_str(group).expect("fixture parses");
        assert_eq!(t.resource_type_of(&user), Some("User"));
        assert_eq!(t.resource_type_of(&group), Some("Group"));
        for resource in [&user, &group] {
            assert_eq!(t.validate(resource, false), []);
            assert_eq!(t.undeclared(resource), Vec::<String>::new());
        }
        // The negative checks fire on real declarations too.
        let mut bad = user.clone();
        bad["active"] = json!("true");
        bad["password"] = json!("secret");
        bad["employeeNumber"] = json!("1");
        assert_eq!(
            paths(&t.validate(&bad, false)),
            ["/active", "/password", "/employeeNumber"]
        );
        let attrs = t.attributes("User");
        assert!(
            attrs
                .iter()
                .any(|a| a.path == format!("{ENTERPRISE}:manager.value"))
        );
        for a in &attrs {
            if a.kind != "complex" {
                assert!(TargetSchemas::sample_value(a, "seed").is_some(), "{a:?}");
            }
        }
    }

    #[test]
    fn reference_server_declarations_are_clean() {
        let (t, findings) = real_server(
            include_str!("../../tests/fixtures/discovery/reference/schemas.json"),
            include_str!("../../tests/fixtures/discovery/reference/resource-types.json"),
        );
        assert_eq!(findings, []);
        assert_eq!(t.resource_types(), ["User", "Group"]);
        assert_user_and_group_clean(
            &t,
            include_str!("../../tests/fixtures/discovery/reference/user.json"),
            include_str!("../../tests/fixtures/discovery/reference/group.json"),
        );
    }

    #[test]
    fn scim2_server_declarations_are_clean() {
        let (t, findings) = real_server(
            include_str!("../../tests/fixtures/discovery/scim2-server/schemas.json"),
            include_str!("../../tests/fixtures/discovery/scim2-server/resource-types.json"),
        );
        assert_eq!(findings, []);
        assert_eq!(t.resource_types(), ["User", "Group"]);
        assert_user_and_group_clean(
            &t,
            include_str!("../../tests/fixtures/discovery/scim2-server/user.json"),
            include_str!("../../tests/fixtures/discovery/scim2-server/group.json"),
        );
    }
}
