//! Filter evaluation over `serde_json::Value` resources, using the schema for case
//! exactness, data types and extension containers.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

use super::{AttrPath, CompareOp, Filter, FilterError, Matching};
use crate::schema::{self, AttrDef, AttrType, ResourceKind, Target};
use crate::time::parse_datetime;

impl Filter {
    pub(super) fn validate(&self, scope: Scope, strict: bool) -> Result<(), FilterError> {
        match self {
            Filter::Or(items) | Filter::And(items) => {
                items.iter().try_for_each(|f| f.validate(scope, strict))
            }
            Filter::Not(inner) => inner.validate(scope, strict),
            Filter::Present(_) => Ok(()),
            Filter::ValuePath { path, filter } => {
                let parent = scope.definition(path);
                filter.validate(Scope::Element(parent), strict)
            }
            Filter::Compare {
                path,
                op,
                value,
                column,
            } => {
                let def = scope.definition(path);
                let unordered = matches!(value, Value::Bool(_))
                    || def.is_some_and(|d| matches!(d.ty, AttrType::Boolean | AttrType::Binary));
                if op.is_ordering() && unordered {
                    return Err(FilterError {
                        message: format!(
                            "operator '{}' cannot compare boolean or binary values of '{path}'",
                            op.as_str()
                        ),
                        column: *column,
                    });
                }
                let boolean = def.is_some_and(|d| d.ty == AttrType::Boolean);
                if strict
                    && boolean
                    && let Value::String(s) = value
                {
                    return Err(FilterError {
                        message: crate::defect::quirk(
                            &format!("comparing the boolean '{path}' with the string {value}"),
                            &format!("use the JSON literal {}", s.to_ascii_lowercase()),
                            "Entra sends string booleans such as \"True\"",
                        ),
                        column: *column,
                    });
                }
                Ok(())
            }
        }
    }

    pub(super) fn eval(&self, obj: &Map<String, Value>, scope: Scope, m: Matching) -> bool {
        match self {
            Filter::Or(items) => items.iter().any(|f| f.eval(obj, scope, m)),
            Filter::And(items) => items.iter().all(|f| f.eval(obj, scope, m)),
            Filter::Not(inner) => !inner.eval(obj, scope, m),
            Filter::Present(path) => scope.values(obj, path).0.iter().any(|v| is_present(v)),
            Filter::Compare {
                path, op, value, ..
            } => {
                let (values, def) = scope.values(obj, path);
                compare_all(&values, *op, value, def, m)
            }
            Filter::ValuePath { path, filter } => {
                let (values, def) = scope.elements(obj, path);
                values.iter().any(|v| filter.element_matches(def, v, m))
            }
        }
    }

    /// A simple (non-object) value of a multi-valued attribute: `value` names the value itself.
    pub(super) fn element_matches(
        &self,
        parent: Option<&'static AttrDef>,
        element: &Value,
        m: Matching,
    ) -> bool {
        match element {
            Value::Object(map) => self.eval(map, Scope::Element(parent), m),
            other => {
                let mut wrapper = Map::new();
                wrapper.insert("value".into(), other.clone());
                self.eval(&wrapper, Scope::Element(parent), m)
            }
        }
    }
}

/// Where attribute paths are resolved: a resource, or one value of a multi-valued attribute.
#[derive(Debug, Clone, Copy)]
pub(super) enum Scope {
    Resource(ResourceKind),
    Element(Option<&'static AttrDef>),
}

impl Scope {
    /// The definition of the attribute (or sub-attribute) a path names.
    fn definition(self, path: &AttrPath) -> Option<&'static AttrDef> {
        self.definition_of(path, path.sub.as_deref())
    }

    /// The definition of `path` with its sub-attribute replaced by `sub`.
    fn definition_of(self, path: &AttrPath, sub: Option<&str>) -> Option<&'static AttrDef> {
        match self {
            Scope::Resource(kind) => {
                match schema::resolve(kind, path.urn.as_deref(), &path.name, sub)? {
                    Target::Attr { attr, sub, .. } => Some(sub.unwrap_or(attr)),
                    Target::Extension(_) => None,
                }
            }
            Scope::Element(parent) => {
                let def = parent?.sub_attribute(&path.name)?;
                match sub {
                    Some(sub) => def.sub_attribute(sub),
                    None => Some(def),
                }
            }
        }
    }

    /// The values of the attribute itself (arrays not flattened into sub-attributes).
    fn elements<'v>(
        self,
        obj: &'v Map<String, Value>,
        path: &AttrPath,
    ) -> (Vec<&'v Value>, Option<&'static AttrDef>) {
        let def = self.definition_of(path, None);
        let container = match self.container(obj, path) {
            Some(c) => c,
            None => return (Vec::new(), def),
        };
        let mut out = Vec::new();
        if let Some(v) = get_ci(container, &path.name) {
            flatten(v, &mut out);
        }
        (out, def)
    }

    /// Every value a path denotes, flattened across multi-valued attributes.
    fn values<'v>(
        self,
        obj: &'v Map<String, Value>,
        path: &AttrPath,
    ) -> (Vec<&'v Value>, Option<&'static AttrDef>) {
        let def = self.definition(path);
        let (top, _) = self.elements(obj, path);
        let Some(sub) = &path.sub else {
            return (top, def);
        };
        let mut out = Vec::new();
        for v in top {
            if let Some(inner) = v.as_object().and_then(|o| get_ci(o, sub)) {
                flatten(inner, &mut out);
            }
        }
        (out, def)
    }

    /// The object holding the path's attribute (the extension object for extension paths).
    fn container<'v>(
        self,
        obj: &'v Map<String, Value>,
        path: &AttrPath,
    ) -> Option<&'v Map<String, Value>> {
        let Scope::Resource(kind) = self else {
            return Some(obj);
        };
        match schema::resolve(kind, path.urn.as_deref(), &path.name, path.sub.as_deref()) {
            Some(Target::Attr { ext: Some(ext), .. }) => get_ci(obj, ext.id)?.as_object(),
            Some(_) => Some(obj),
            // Unknown URN-qualified attributes have no value; unknown plain names are looked
            // up generically so non-schema keys such as `schemas` still filter.
            None if path.urn.is_some() => None,
            None => Some(obj),
        }
    }
}

/// Case-insensitive key lookup (exact match first).
pub fn get_ci<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn flatten<'v>(v: &'v Value, out: &mut Vec<&'v Value>) {
    match v {
        Value::Array(items) => out.extend(items.iter().filter(|i| !i.is_null())),
        Value::Null => {}
        other => out.push(other),
    }
}

/// `pr` semantics: not null, not an empty string, array or object.
fn is_present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => o.values().any(is_present),
        _ => true,
    }
}

fn compare_all(
    values: &[&Value],
    op: CompareOp,
    literal: &Value,
    def: Option<&AttrDef>,
    m: Matching,
) -> bool {
    if literal.is_null() {
        let present = values.iter().any(|v| is_present(v));
        return match op {
            CompareOp::Eq => !present,
            CompareOp::Ne => present,
            _ => false,
        };
    }
    match op {
        CompareOp::Ne => !values
            .iter()
            .any(|v| compare_one(v, CompareOp::Eq, literal, def, m)),
        _ => values.iter().any(|v| compare_one(v, op, literal, def, m)),
    }
}

fn compare_one(
    value: &Value,
    op: CompareOp,
    literal: &Value,
    def: Option<&AttrDef>,
    m: Matching,
) -> bool {
    // A complex value compared directly stands for its `value` sub-attribute.
    let value = match value {
        Value::Object(o) => match get_ci(o, "value") {
            Some(v) => v,
            None => return false,
        },
        other => other,
    };
    let ty = def.map(|d| d.ty);
    match (value, literal) {
        (Value::Bool(a), _) => match coerce_bool(literal) {
            Some(b) => op == CompareOp::Eq && *a == b,
            None => false,
        },
        (Value::String(a), Value::String(b)) => {
            if ty == Some(AttrType::DateTime)
                && let (Some(x), Some(y)) = (parse_datetime(a), parse_datetime(b))
            {
                return ordered(op, x.cmp(&y));
            }
            let exact = match def {
                Some(d) if m.case_exact_user_name && d.name == "userName" => true,
                Some(d) if m.case_insensitive_external_id && d.name == "externalId" => false,
                Some(d) => d.case_exact,
                None => false,
            };
            compare_strings(op, a, b, exact)
        }
        (Value::Number(a), Value::Number(b)) => match compare_numbers(a, b) {
            Some(ord) => ordered(op, ord),
            None => false,
        },
        _ => false,
    }
}

/// Booleans, also from Entra's string forms (`"True"`, `"false"`).
fn coerce_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn ordered(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn compare_strings(op: CompareOp, a: &str, b: &str, case_exact: bool) -> bool {
    let (a, b) = if case_exact {
        (Cow::Borrowed(a), Cow::Borrowed(b))
    } else {
        (fold(a), fold(b))
    };
    match op {
        CompareOp::Co => a.contains(b.as_ref()),
        CompareOp::Sw => a.starts_with(b.as_ref()),
        CompareOp::Ew => a.ends_with(b.as_ref()),
        _ => ordered(op, a.cmp(&b)),
    }
}

/// The case folding used by filters, uniqueness and indexes alike.
pub fn fold(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        // The common case, byte by byte: ASCII lower-cases the same either way.
        return if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        };
    }
    if s.chars().any(|c| c.is_uppercase()) {
        Cow::Owned(s.to_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}
