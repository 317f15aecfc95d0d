//! Reading the target's `/Schemas` and `/ResourceTypes` bodies into the declaration model,
//! reporting what is wrong with the declarations themselves (C-7-01, C-2.1-01, C-2.3.8-01,
//! C-6-01, C-6-02).

use serde_json::{Map, Value};

use super::lexical::{is_attr_name, looks_like_uri};
use super::members::{find_ci, pointer};
use super::message::{describe, finding, q};
use super::model::{Attr, Extension, Kind, ResourceTypeDef, SchemaDef};
use super::{Finding, TargetSchemas};

/// The meta-schema, the one schema allowed complex sub-attributes (RFC 7643 §2.3.8, §7).
pub(super) const SCHEMA_META_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// Deepest attribute nesting read from a declaration (the meta-schema needs 3).
const MAX_DEPTH: usize = 8;

const MUTABILITY: [&str; 4] = ["readOnly", "readWrite", "immutable", "writeOnly"];
const RETURNED: [&str; 4] = ["always", "never", "default", "request"];
const UNIQUENESS: [&str; 3] = ["none", "server", "global"];

impl TargetSchemas {
    pub(super) fn parse_resource_type(
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

    pub(super) fn parse_extension(
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
pub(super) fn list_items<'a>(
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

pub(super) fn parse_schema(
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
