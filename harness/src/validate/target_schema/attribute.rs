//! Reading one Schema's attribute definitions (RFC 7643 §2.2, §7): names, types and the
//! characteristics, each checked against the RFC vocabulary (C-7-01, C-2.1-01, C-2.3.8-01).

use serde_json::{Map, Value};

use super::Finding;
use super::lexical::is_attr_name;
use super::members::{find_ci, pointer};
use super::message::{describe, finding, q};
use super::model::{Attr, Kind};

/// Deepest attribute nesting read from a declaration (the meta-schema needs 3).
const MAX_DEPTH: usize = 8;

const MUTABILITY: [&str; 4] = ["readOnly", "readWrite", "immutable", "writeOnly"];
const RETURNED: [&str; 4] = ["always", "never", "default", "request"];
const UNIQUENESS: [&str; 3] = ["none", "server", "global"];

/// Context for reading one Schema's attribute definitions.
pub(super) struct DeclContext<'f> {
    pub(super) schema: String,
    pub(super) meta_schema: bool,
    pub(super) findings: &'f mut Vec<Finding>,
}

impl DeclContext<'_> {
    fn push(&mut self, ptr: &str, path: &str, problem: &str) {
        let message = format!("{} in {}: {problem}", q(path), q(&self.schema));
        self.findings.push(finding(ptr, message));
    }
}

/// The attribute definitions of one nesting level; `parent` is the dotted path above them
/// ("" or "name."). A name declared twice (case-insensitively) is reported and the first kept.
pub(super) fn parse_attrs(
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
