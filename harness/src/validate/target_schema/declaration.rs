//! Reading the target's `/Schemas` and `/ResourceTypes` bodies into the declaration model,
//! reporting what is wrong with the declarations themselves (C-7-01, C-2.1-01, C-2.3.8-01,
//! C-6-01, C-6-02).

use serde_json::Value;

use super::attribute::{DeclContext, parse_attrs};
use super::lexical::looks_like_uri;
use super::members::{find_ci, pointer};
use super::message::{describe, finding, q};
use super::model::{Extension, ResourceTypeDef, SchemaDef};
use super::{Finding, TargetSchemas};

/// The meta-schema, the one schema allowed complex sub-attributes (RFC 7643 §2.3.8, §7).
pub(super) const SCHEMA_META_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

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
