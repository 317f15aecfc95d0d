//! PATCH operations (RFC 7644 §3.5.2): `add`, `remove` and `replace`, with or without a
//! path, including value-filtered paths, plus the common Entra dialect (`"Replace"`,
//! string booleans, dotted and URN-qualified keys in path-less values, `remove` of
//! `members` with a `value` list, filtered `add` that creates the missing value).
//!
//! `apply` works on a copy of the stored resource and returns the new attributes only
//! when every operation succeeded, so a PATCH is atomic. The result is re-normalised by
//! `resource::renormalize` (canonical names, types, primaries, required values).
//!
//! In strict mode each IdP dialect form is refused with a `detail` naming it; the defect
//! modes of the PATCH engine (member removal, `add` replacing, first-match-only replace,
//! primaries not cleared, non-atomic application) are injected here as well.

mod values;

use serde_json::{Map, Value};

use values::{multi, single};

use crate::defect::{Defect, Policy, quirk};
use crate::error::ScimError;
use crate::filter::{AttrPath, Filter, get_ci};
use crate::path::PatchPath;
use crate::resource;
use crate::schema::{self, AttrDef, Mutability, ResourceKind, SchemaDef, Target};

/// The `schemas` URN of a PATCH request body.
pub const PATCH_OP_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A PATCH operation kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpKind {
    Add,
    Remove,
    Replace,
}

impl OpKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            OpKind::Add => "add",
            OpKind::Remove => "remove",
            OpKind::Replace => "replace",
        }
    }
}

/// One operation of a PatchOp message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Operation {
    pub op: OpKind,
    pub path: Option<String>,
    pub value: Option<Value>,
}

/// Validates a PatchOp message and extracts its operations.
pub(crate) fn parse_request(body: &Value, p: Policy) -> Result<Vec<Operation>, ScimError> {
    let Value::Object(obj) = body else {
        return Err(ScimError::invalid_syntax(
            "the PATCH body must be a JSON object",
        ));
    };
    let has_urn = matches!(get_ci(obj, "schemas"), Some(Value::Array(s))
        if s.iter().any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(PATCH_OP_URN))));
    if !has_urn {
        return Err(ScimError::invalid_syntax(format!(
            "the PATCH body must carry \"schemas\": [\"{PATCH_OP_URN}\"]"
        )));
    }
    let Some(Value::Array(ops)) = get_ci(obj, "Operations") else {
        return Err(ScimError::invalid_syntax(
            "the PATCH body needs an 'Operations' array",
        ));
    };
    if ops.is_empty() {
        return Err(ScimError::invalid_syntax("'Operations' must not be empty"));
    }
    ops.iter()
        .enumerate()
        .map(|(i, op)| parse_operation(i, op, p))
        .collect()
}

fn parse_operation(index: usize, op: &Value, p: Policy) -> Result<Operation, ScimError> {
    let Value::Object(op) = op else {
        return Err(ScimError::invalid_syntax(format!(
            "operation {index} is not an object"
        )));
    };
    let kind = match get_ci(op, "op").and_then(Value::as_str) {
        Some(s) if s.eq_ignore_ascii_case("add") => OpKind::Add,
        Some(s) if s.eq_ignore_ascii_case("remove") => OpKind::Remove,
        Some(s) if s.eq_ignore_ascii_case("replace") => OpKind::Replace,
        Some(s) => {
            return Err(ScimError::invalid_syntax(format!(
                "operation {index}: unknown op '{s}' (expected add, remove or replace)"
            )));
        }
        None => {
            return Err(ScimError::invalid_syntax(format!(
                "operation {index}: 'op' is missing or not a string"
            )));
        }
    };
    if let Some(Value::String(given)) = get_ci(op, "op")
        && given != kind.name()
    {
        if p.strict {
            return Err(ScimError::invalid_syntax(format!(
                "operation {index}: op \"{given}\" is not an RFC 7644 operation; use \"{}\" \
                 (Entra sends capitalised ops; start the server without --strict to accept it)",
                kind.name()
            )));
        }
        if p.has(Defect::CapitalisedOpRejected) {
            return Err(ScimError::invalid_syntax(format!(
                "operation {index}: unknown op '{given}'"
            )));
        }
    }
    let path = match get_ci(op, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) => Some(p.clone()),
        Some(_) => {
            return Err(ScimError::invalid_path(format!(
                "operation {index}: 'path' must be a string"
            )));
        }
    };
    let value = get_ci(op, "value").cloned();
    if kind != OpKind::Remove && value.is_none() {
        return Err(ScimError::invalid_value(format!(
            "operation {index}: '{}' requires a 'value'",
            kind.name()
        )));
    }
    Ok(Operation {
        op: kind,
        path,
        value,
    })
}

/// Applies `ops` in order to a copy of `data` (the stored attributes of the resource with
/// this `id`) and returns the new normalised attributes (without `schemas`, `id`, `meta`).
pub(crate) fn apply(
    kind: ResourceKind,
    id: &str,
    data: &Map<String, Value>,
    ops: &[Operation],
    p: Policy,
) -> Result<Map<String, Value>, ScimError> {
    match apply_partially(kind, id, data, ops, p) {
        (Some(attrs), None) => Ok(attrs),
        (_, Some(err)) => Err(err),
        (None, None) => Err(ScimError::invalid_value("no operations")),
    }
}

/// Like [`apply`], but on failure also returns the attributes as they were after the
/// operations before the failing one (what a non-atomic server would have committed;
/// computed only under the `patch-not-atomic` defect).
pub(crate) fn apply_partially(
    kind: ResourceKind,
    id: &str,
    data: &Map<String, Value>,
    ops: &[Operation],
    p: Policy,
) -> (Option<Map<String, Value>>, Option<ScimError>) {
    let mut work = data.clone();
    // The id lets a path-less value echo it harmlessly (Okta); renormalising drops it.
    work.insert("id".into(), Value::from(id));
    let patcher = Patcher { kind, p };
    for (i, op) in ops.iter().enumerate() {
        // Only a non-atomic server needs what the earlier operations left.
        let before = (i > 0 && p.has(Defect::PatchNotAtomic)).then(|| work.clone());
        if let Err(e) = patcher.apply_op(&mut work, op) {
            let partial = before.and_then(|b| resource::renormalize(kind, &b, p).ok());
            return (partial, Some(e));
        }
    }
    match resource::renormalize(kind, &work, p) {
        Ok(attrs) => (Some(attrs), None),
        Err(e) => (None, Some(e)),
    }
}

struct Patcher {
    kind: ResourceKind,
    p: Policy,
}

/// Where one operation lands after path resolution.
struct Spot<'a> {
    op: OpKind,
    ext: Option<&'static SchemaDef>,
    attr: &'static AttrDef,
    sub: Option<&'static AttrDef>,
    filter: Option<&'a Filter>,
    value: Option<&'a Value>,
    /// The operation had no `path` (its value object named the attributes).
    pathless: bool,
    p: Policy,
}

impl Patcher {
    fn apply_op(&self, data: &mut Map<String, Value>, op: &Operation) -> Result<(), ScimError> {
        let Some(raw_path) = &op.path else {
            return match (op.op, &op.value) {
                (OpKind::Remove, _) => Err(ScimError::no_target("'remove' requires a 'path'")),
                (_, Some(value)) => self.apply_pathless(data, op.op, value),
                (_, None) => Err(ScimError::invalid_value("a 'value' is required")),
            };
        };
        let path = PatchPath::parse(raw_path)?;
        let target = schema::resolve(
            self.kind,
            path.attr.urn.as_deref(),
            &path.attr.name,
            path.sub(),
        )
        .ok_or_else(|| ScimError::invalid_path(format!("unknown attribute path '{raw_path}'")))?;
        match target {
            Target::Extension(ext) if path.filter.is_none() => {
                self.apply_extension(data, op.op, ext, op.value.as_ref())
            }
            Target::Extension(_) => Err(ScimError::invalid_path(format!(
                "'{raw_path}': an extension schema cannot take a value filter"
            ))),
            Target::Attr { ext, attr, sub } => self.apply_spot(
                data,
                &Spot {
                    op: op.op,
                    ext,
                    attr,
                    sub,
                    filter: path.filter.as_ref(),
                    value: op.value.as_ref(),
                    pathless: false,
                    p: self.p,
                },
            ),
        }
    }

    /// Path-less add/replace: every key of the value object is a target. Keys may be plain
    /// names, dotted paths, URN-qualified paths or a schema URN holding an object.
    fn apply_pathless(
        &self,
        data: &mut Map<String, Value>,
        op: OpKind,
        value: &Value,
    ) -> Result<(), ScimError> {
        let Value::Object(obj) = value else {
            return Err(ScimError::invalid_value(format!(
                "a path-less '{}' needs an object 'value'",
                op.name()
            )));
        };
        for (key, v) in obj {
            if key.eq_ignore_ascii_case("schemas") {
                continue;
            }
            if let Some(ext) = schema::extension(self.kind, key) {
                self.apply_extension(data, op, ext, Some(v))?;
                continue;
            }
            if schema::is_core_urn(self.kind, key) {
                if self.p.strict {
                    return Err(ScimError::invalid_path(quirk(
                        &format!("the schema URN key '{key}' in a path-less value"),
                        "name the core attributes directly",
                        "some IdPs wrap core attributes in their schema URN",
                    )));
                }
                self.apply_pathless(data, op, v)?;
                continue;
            }
            // Unknown attributes are ignored, as they are on POST and PUT.
            let Ok(path) = AttrPath::parse(key) else {
                continue;
            };
            if self.p.strict && (path.sub.is_some() || path.urn.is_some()) {
                return Err(ScimError::invalid_path(quirk(
                    &format!("the attribute path '{key}' as a key of a path-less value"),
                    "send one operation with a 'path' per attribute, or nest the value \
                     ({\"name\": {\"givenName\": ...}} or the extension URN holding an object)",
                    "Entra's aadOptscim062020 mode and the Microsoft SCIM Validator send dotted and URN-qualified keys",
                )));
            }
            let resolved = schema::resolve(
                self.kind,
                path.urn.as_deref(),
                &path.name,
                path.sub.as_deref(),
            );
            match resolved {
                Some(Target::Attr { ext, attr, sub }) => self.apply_spot(
                    data,
                    &Spot {
                        op,
                        ext,
                        attr,
                        sub,
                        filter: None,
                        value: Some(v),
                        pathless: true,
                        p: self.p,
                    },
                )?,
                Some(Target::Extension(ext)) => self.apply_extension(data, op, ext, Some(v))?,
                None => {}
            }
        }
        Ok(())
    }

    /// An operation on a whole extension object.
    fn apply_extension(
        &self,
        data: &mut Map<String, Value>,
        op: OpKind,
        ext: &'static SchemaDef,
        value: Option<&Value>,
    ) -> Result<(), ScimError> {
        match (op, value) {
            (OpKind::Remove, _) => {
                data.remove(ext.id);
                Ok(())
            }
            (_, None | Some(Value::Null)) => Ok(()),
            (_, Some(Value::Object(obj))) => {
                for (key, v) in obj {
                    let Ok(path) = AttrPath::parse(key) else {
                        continue;
                    };
                    if self.p.strict && path.sub.is_some() {
                        return Err(ScimError::invalid_path(quirk(
                            &format!("the attribute path '{key}' as a key inside '{}'", ext.id),
                            "nest the sub-attribute in an object",
                            "Entra sends dotted keys",
                        )));
                    }
                    let Some(attr) = ext.attribute(&path.name) else {
                        continue;
                    };
                    let sub = match &path.sub {
                        Some(s) => match attr.sub_attribute(s) {
                            Some(sub) => Some(sub),
                            None => continue,
                        },
                        None => None,
                    };
                    self.apply_spot(
                        data,
                        &Spot {
                            op,
                            ext: Some(ext),
                            attr,
                            sub,
                            filter: None,
                            value: Some(v),
                            pathless: true,
                            p: self.p,
                        },
                    )?;
                }
                Ok(())
            }
            (_, Some(_)) => Err(ScimError::invalid_value(format!(
                "the value for '{}' must be an object",
                ext.id
            ))),
        }
    }

    fn apply_spot(&self, data: &mut Map<String, Value>, spot: &Spot<'_>) -> Result<(), ScimError> {
        let name = match spot.sub {
            Some(sub) => format!("{}.{}", spot.attr.name, sub.name),
            None => spot.attr.name.to_owned(),
        };
        let leaf = spot.sub.unwrap_or(spot.attr);
        if spot.attr.mutability == Mutability::ReadOnly || leaf.mutability == Mutability::ReadOnly {
            if spot.pathless && self.is_harmless_echo(data, spot) {
                if self.p.strict {
                    return Err(ScimError::mutability(quirk(
                        &format!("the readOnly attribute '{name}' in a path-less value"),
                        "leave readOnly attributes out of PATCH values",
                        "Okta sends the Group id along with displayName",
                    )));
                }
                return Ok(());
            }
            return Err(ScimError::mutability(format!("'{name}' is readOnly")));
        }
        if spot.attr.name == "password" {
            return Err(ScimError::mutability(
                "password changes are not supported (changePassword.supported is false)",
            ));
        }
        if spot.op == OpKind::Remove
            && spot.attr.required
            && spot.sub.is_none()
            && spot.filter.is_none()
        {
            return Err(ScimError::mutability(format!(
                "'{name}' is required and cannot be removed"
            )));
        }
        if spot.op != OpKind::Add && leaf.mutability == Mutability::Immutable && spot.sub.is_some()
        {
            return Err(ScimError::mutability(format!("'{name}' is immutable")));
        }
        if spot.filter.is_some() && !spot.attr.multi_valued {
            return Err(ScimError::invalid_path(format!(
                "'{}' is single-valued and cannot take a value filter",
                spot.attr.name
            )));
        }

        // Take the attribute out of its container, compute its new value, put it back.
        let container = match spot.ext {
            None => &mut *data,
            Some(ext) => {
                let slot = data
                    .entry(ext.id.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !slot.is_object() {
                    *slot = Value::Object(Map::new());
                }
                match slot.as_object_mut() {
                    Some(m) => m,
                    None => return Ok(()),
                }
            }
        };
        let current = container.remove(spot.attr.name);
        let updated = if spot.attr.multi_valued {
            multi(spot, current, &name)?
        } else {
            single(spot, current, &name)?
        };
        if let Some(v) = updated {
            container.insert(spot.attr.name.to_owned(), v);
        }
        if let Some(ext) = spot.ext
            && data
                .get(ext.id)
                .and_then(Value::as_object)
                .is_some_and(Map::is_empty)
        {
            data.remove(ext.id);
        }
        Ok(())
    }

    /// A readOnly attribute in a path-less value that changes nothing (Okta sends the
    /// Group `id` along with `displayName`): empty, equal to the stored value, or `meta`.
    fn is_harmless_echo(&self, data: &Map<String, Value>, spot: &Spot<'_>) -> bool {
        let Some(value) = spot.value else {
            return true;
        };
        let empty = match value {
            Value::Null => true,
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => false,
        };
        empty
            || spot.attr.name == "meta"
            || (spot.sub.is_none() && spot.ext.is_none() && data.get(spot.attr.name) == Some(value))
    }
}

#[cfg(test)]
mod tests;
