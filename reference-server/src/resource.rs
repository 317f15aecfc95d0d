//! Schema-driven normalisation of client-supplied resource bodies (POST, PUT, PATCH values).
//!
//! Attribute names are matched case-insensitively and rewritten to their canonical
//! spelling; values are type-checked (Entra's `"True"`/`"False"` strings become booleans,
//! a bare string for a complex attribute with a `value` sub-attribute becomes `{value}`);
//! `null`, `[]` and `{}` mean "absent"; readOnly and server-computed attributes (`id`,
//! `meta`, `groups`, every `$ref`, `manager.displayName`) are dropped; unknown attributes
//! are ignored; exact duplicates in multi-valued attributes are stored once; more than
//! one `primary: true` is refused.

use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::filter::get_ci;
use crate::schema::{self, AttrDef, AttrType, COMMON_ATTRIBUTES, Mutability, ResourceKind};

/// A normalised resource body: stored attributes (without `schemas`, `id`, `meta`) and the
/// write-only password, kept apart so it can never be rendered.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Normalized {
    pub attrs: Map<String, Value>,
    pub password: Option<String>,
}

/// Normalises a POST/PUT body for `kind`.
pub(crate) fn normalize_resource(
    kind: ResourceKind,
    body: &Value,
) -> Result<Normalized, ScimError> {
    let Value::Object(input) = body else {
        return Err(ScimError::invalid_syntax(
            "the request body must be a JSON object",
        ));
    };
    check_schemas(kind, input)?;
    let mut attrs = Map::new();
    normalize_into(&COMMON_ATTRIBUTES, input, "", &mut attrs)?;
    normalize_into(kind.schema().attributes, input, "", &mut attrs)?;
    for (key, value) in input {
        let Some(ext) = schema::extension(kind, key) else {
            continue;
        };
        match value {
            Value::Null => {}
            Value::Object(obj) => {
                let mut out = Map::new();
                normalize_into(ext.attributes, obj, "", &mut out)?;
                if !out.is_empty() {
                    attrs.insert(ext.id.to_owned(), Value::Object(out));
                }
            }
            _ => {
                return Err(ScimError::invalid_value(format!(
                    "'{}' must be a JSON object",
                    ext.id
                )));
            }
        }
    }
    let password = match get_ci(input, "password") {
        _ if kind != ResourceKind::User => None,
        None | Some(Value::Null) => None,
        Some(Value::String(p)) => Some(p.clone()),
        Some(_) => return Err(ScimError::invalid_value("'password' must be a string")),
    };
    check_required(kind, &attrs)?;
    Ok(Normalized { attrs, password })
}

/// Re-normalises stored attributes after PATCH operations: canonical names and order,
/// empty values dropped, types, duplicates, primaries and required attributes checked.
/// `data` may also hold `schemas`, `id` and `meta`; they are not part of the result.
pub(crate) fn renormalize(
    kind: ResourceKind,
    data: &Map<String, Value>,
) -> Result<Map<String, Value>, ScimError> {
    let mut attrs = Map::new();
    normalize_into(&COMMON_ATTRIBUTES, data, "", &mut attrs)?;
    normalize_into(kind.schema().attributes, data, "", &mut attrs)?;
    for ext in kind.extensions() {
        if let Some(Value::Object(obj)) = data.get(ext.id) {
            let mut out = Map::new();
            normalize_into(ext.attributes, obj, "", &mut out)?;
            if !out.is_empty() {
                attrs.insert(ext.id.to_owned(), Value::Object(out));
            }
        }
    }
    check_required(kind, &attrs)?;
    Ok(attrs)
}

/// `schemas` must be an array of strings naming the core schema of `kind`.
fn check_schemas(kind: ResourceKind, input: &Map<String, Value>) -> Result<(), ScimError> {
    let core = kind.schema().id;
    let Some(Value::Array(schemas)) = get_ci(input, "schemas") else {
        return Err(ScimError::invalid_syntax(format!(
            "the request body must carry a 'schemas' array including '{core}'"
        )));
    };
    let mut has_core = false;
    for s in schemas {
        let Value::String(s) = s else {
            return Err(ScimError::invalid_syntax("'schemas' must hold strings"));
        };
        has_core |= schema::is_core_urn(kind, s);
    }
    if has_core {
        Ok(())
    } else {
        Err(ScimError::invalid_syntax(format!(
            "'schemas' must include '{core}'"
        )))
    }
}

/// Normalises the attributes `defs` found (case-insensitively) in `input` into `out`,
/// in schema order. `prefix` is the parent path for error messages.
fn normalize_into(
    defs: &'static [AttrDef],
    input: &Map<String, Value>,
    prefix: &str,
    out: &mut Map<String, Value>,
) -> Result<(), ScimError> {
    for def in defs {
        if is_client_ignored(def) {
            continue;
        }
        let Some(raw) = get_ci(input, def.name) else {
            continue;
        };
        let path = if prefix.is_empty() {
            def.name.to_owned()
        } else {
            format!("{prefix}.{}", def.name)
        };
        if let Some(v) = normalize_value(def, raw, &path)? {
            out.insert(def.name.to_owned(), v);
        }
    }
    Ok(())
}

/// Attributes a client never sets: readOnly ones, server-computed `$ref`s, and the
/// write-only password (handled separately).
pub(crate) fn is_client_ignored(def: &AttrDef) -> bool {
    def.mutability == Mutability::ReadOnly || def.name == "$ref" || def.name == "password"
}

/// Normalises one attribute value (`None` = absent).
pub(crate) fn normalize_value(
    def: &AttrDef,
    v: &Value,
    path: &str,
) -> Result<Option<Value>, ScimError> {
    if v.is_null() {
        return Ok(None);
    }
    if !def.multi_valued {
        return normalize_single(def, v, path);
    }
    let Value::Array(items) = v else {
        return Err(ScimError::invalid_value(format!(
            "'{path}' is multi-valued and must be a JSON array"
        )));
    };
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for item in items {
        if let Some(n) = normalize_single(def, item, path)?
            && !contains_equivalent(def, &out, &n)
        {
            out.push(n);
        }
    }
    check_single_primary(def, &out, path)?;
    Ok((!out.is_empty()).then_some(Value::Array(out)))
}

/// Normalises one value of an attribute (an element when multi-valued).
pub(crate) fn normalize_single(
    def: &AttrDef,
    v: &Value,
    path: &str,
) -> Result<Option<Value>, ScimError> {
    let wrong = |what: &str| Err(ScimError::invalid_value(format!("'{path}' must be {what}")));
    match (def.ty, v) {
        (_, Value::Null) => Ok(None),
        (AttrType::Complex, Value::String(s)) if def.has_value_sub() => {
            Ok((!s.is_empty()).then(|| {
                let mut m = Map::new();
                m.insert("value".into(), Value::String(s.clone()));
                Value::Object(m)
            }))
        }
        (AttrType::Complex, Value::Object(obj)) => {
            let mut out = Map::new();
            normalize_into(def.sub_attributes, obj, path, &mut out)?;
            if is_member_attribute(def) {
                normalize_member(&mut out, path)?;
            }
            // `{"value": ""}` (Entra's way to clear a manager) is no value.
            let blank =
                out.is_empty() || (out.len() == 1 && out.get("value").is_some_and(|v| v == ""));
            Ok((!blank).then_some(Value::Object(out)))
        }
        (AttrType::Complex, _) => wrong("a JSON object"),
        (AttrType::Boolean, Value::Bool(_)) => Ok(Some(v.clone())),
        (AttrType::Boolean, Value::String(s)) if s.eq_ignore_ascii_case("true") => {
            Ok(Some(Value::Bool(true)))
        }
        (AttrType::Boolean, Value::String(s)) if s.eq_ignore_ascii_case("false") => {
            Ok(Some(Value::Bool(false)))
        }
        (AttrType::Boolean, _) => wrong("a boolean"),
        (AttrType::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(Some(v.clone())),
        (AttrType::Integer, _) => wrong("an integer"),
        (AttrType::Decimal, Value::Number(_)) => Ok(Some(v.clone())),
        (AttrType::Decimal, _) => wrong("a number"),
        (_, Value::String(_)) => Ok(Some(v.clone())),
        _ => wrong("a string"),
    }
}

/// Whether `def` is the Group `members` attribute (identity by `value`).
fn is_member_attribute(def: &AttrDef) -> bool {
    def.name == "members"
}

/// A member needs a non-empty `value`; its `type` is canonicalised to `User`/`Group`.
fn normalize_member(member: &mut Map<String, Value>, path: &str) -> Result<(), ScimError> {
    match member.get("value") {
        Some(Value::String(s)) if !s.is_empty() => {}
        _ => {
            return Err(ScimError::invalid_value(format!(
                "each value of '{path}' needs a non-empty 'value'"
            )));
        }
    }
    if let Some(Value::String(t)) = member.get("type") {
        let canonical = ["User", "Group"]
            .into_iter()
            .find(|c| c.eq_ignore_ascii_case(t))
            .ok_or_else(|| {
                ScimError::invalid_value(format!("'{path}.type' must be \"User\" or \"Group\""))
            })?;
        member.insert("type".into(), Value::from(canonical));
    }
    Ok(())
}

/// Whether `values` already holds `candidate` (members: the same `value`).
pub(crate) fn contains_equivalent(def: &AttrDef, values: &[Value], candidate: &Value) -> bool {
    if is_member_attribute(def) {
        let id = candidate.get("value");
        values.iter().any(|v| v.get("value") == id)
    } else {
        values.contains(candidate)
    }
}

/// At most one `primary: true` per multi-valued attribute.
pub(crate) fn check_single_primary(
    def: &AttrDef,
    values: &[Value],
    path: &str,
) -> Result<(), ScimError> {
    let primaries = values
        .iter()
        .filter(|v| v.get("primary") == Some(&Value::Bool(true)))
        .count();
    if primaries > 1 && def.sub_attribute("primary").is_some() {
        return Err(ScimError::invalid_value(format!(
            "at most one value of '{path}' may have \"primary\": true"
        )));
    }
    Ok(())
}

/// Required attributes of the core schema must be present and non-blank.
pub(crate) fn check_required(
    kind: ResourceKind,
    attrs: &Map<String, Value>,
) -> Result<(), ScimError> {
    for def in kind.schema().attributes.iter().filter(|d| d.required) {
        let ok = match attrs.get(def.name) {
            Some(Value::String(s)) => !s.trim().is_empty(),
            Some(Value::Null) | None => false,
            Some(_) => true,
        };
        if !ok {
            return Err(ScimError::invalid_value(format!(
                "'{}' is required and must not be empty",
                def.name
            )));
        }
    }
    Ok(())
}

/// Rewrites `schemas` to the core URN plus the extensions that have data.
pub(crate) fn sync_schemas(kind: ResourceKind, data: &mut Map<String, Value>) {
    let mut schemas = vec![Value::from(kind.schema().id)];
    for ext in kind.extensions() {
        if data.contains_key(ext.id) {
            schemas.push(Value::from(ext.id));
        }
    }
    data.insert("schemas".into(), Value::Array(schemas));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::scim_type;
    use crate::schema::{ENTERPRISE_URN, GROUP_URN, USER_URN};
    use serde_json::json;

    fn user(body: Value) -> Result<Normalized, ScimError> {
        normalize_resource(ResourceKind::User, &body)
    }

    #[test]
    fn canonicalises_names_and_order() {
        let n = user(json!({
            "SCHEMAS": [USER_URN],
            "Title": "T",
            "USERNAME": "bob",
            "Name": {"GivenName": "Bob", "FAMILYNAME": "B"},
            "externalid": "X",
        }))
        .unwrap();
        assert_eq!(
            Value::Object(n.attrs),
            json!({"externalId": "X", "userName": "bob", "name": {"familyName": "B", "givenName": "Bob"}, "title": "T"})
        );
    }

    #[test]
    fn drops_read_only_unknown_and_empty_values() {
        let n = user(json!({
            "schemas": [USER_URN],
            "id": "client-id", "meta": {"created": "1999"}, "groups": [{"value": "g"}],
            "userName": "bob", "nickName": null, "emails": [], "name": {},
            "bogus": 1, "phoneNumbers": [null],
        }))
        .unwrap();
        assert_eq!(Value::Object(n.attrs), json!({"userName": "bob"}));
    }

    #[test]
    fn accepts_scim1_schema_and_extension() {
        let n = user(json!({
            "schemas": ["urn:scim:schemas:core:1.0", USER_URN.to_uppercase()],
            "userName": "bob",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {
                "Department": "D", "manager": "boss-id", "bogus": 1
            },
        }))
        .unwrap();
        assert_eq!(
            n.attrs[ENTERPRISE_URN],
            json!({"department": "D", "manager": {"value": "boss-id"}})
        );
        let mut data = n.attrs;
        sync_schemas(ResourceKind::User, &mut data);
        assert_eq!(data["schemas"], json!([USER_URN, ENTERPRISE_URN]));
    }

    #[test]
    fn manager_ref_and_display_are_computed_not_stored() {
        let n = user(json!({
            "schemas": [USER_URN], "userName": "bob",
            ENTERPRISE_URN: {"manager": {"value": "m", "$ref": "http://evil/", "displayName": "Fake"}},
        }))
        .unwrap();
        assert_eq!(n.attrs[ENTERPRISE_URN], json!({"manager": {"value": "m"}}));
    }

    #[test]
    fn schemas_are_required() {
        for body in [
            json!({"userName": "bob"}),
            json!({"schemas": "x", "userName": "bob"}),
            json!({"schemas": [GROUP_URN], "userName": "bob"}),
            json!({"schemas": [1], "userName": "bob"}),
            json!([1]),
        ] {
            let e = user(body).unwrap_err();
            assert_eq!(e.scim_type, Some(scim_type::INVALID_SYNTAX), "{e}");
        }
    }

    #[test]
    fn required_and_type_errors_are_invalid_value() {
        for body in [
            json!({"schemas": [USER_URN]}),
            json!({"schemas": [USER_URN], "userName": ""}),
            json!({"schemas": [USER_URN], "userName": "  "}),
            json!({"schemas": [USER_URN], "userName": 5}),
            json!({"schemas": [USER_URN], "userName": "b", "active": "maybe"}),
            json!({"schemas": [USER_URN], "userName": "b", "emails": "x"}),
            json!({"schemas": [USER_URN], "userName": "b", "emails": [5]}),
            json!({"schemas": [USER_URN], "userName": "b", "name": "x"}),
            json!({"schemas": [USER_URN], "userName": "b", "password": 5}),
            json!({"schemas": [USER_URN], "userName": "b", ENTERPRISE_URN: "x"}),
            json!({"schemas": [USER_URN], "userName": "b", "emails": [
                {"value": "a@x", "primary": true}, {"value": "b@x", "primary": "True"}]}),
        ] {
            let e = user(body.clone()).unwrap_err();
            assert_eq!(e.scim_type, Some(scim_type::INVALID_VALUE), "{body}: {e}");
        }
    }

    #[test]
    fn coerces_string_booleans_and_dedupes() {
        let n = user(json!({
            "schemas": [USER_URN], "userName": "b", "active": "False",
            "emails": [{"value": "a@x", "type": "work", "primary": "true"}, {"value": "a@x", "type": "work", "primary": true}],
            "password": "secret",
        }))
        .unwrap();
        assert_eq!(n.attrs["active"], json!(false));
        assert_eq!(
            n.attrs["emails"],
            json!([{"value": "a@x", "type": "work", "primary": true}])
        );
        assert_eq!(n.password.as_deref(), Some("secret"));
        assert!(!n.attrs.contains_key("password"));
    }

    #[test]
    fn group_members() {
        let n = normalize_resource(
            ResourceKind::Group,
            &json!({"schemas": [GROUP_URN], "displayName": "G", "members": [
                {"value": "u1", "type": "user", "$ref": null},
                {"value": "u1", "display": "dup"},
                "u2",
            ]}),
        )
        .unwrap();
        assert_eq!(
            n.attrs["members"],
            json!([{"value": "u1", "type": "User"}, {"value": "u2"}])
        );
        for members in [
            json!([{"display": "x"}]),
            json!([{"value": "u", "type": "Robot"}]),
        ] {
            let e = normalize_resource(
                ResourceKind::Group,
                &json!({"schemas": [GROUP_URN], "displayName": "G", "members": members}),
            )
            .unwrap_err();
            assert_eq!(e.scim_type, Some(scim_type::INVALID_VALUE));
        }
        let e =
            normalize_resource(ResourceKind::Group, &json!({"schemas": [GROUP_URN]})).unwrap_err();
        assert!(e.detail.contains("displayName"));
    }
}
