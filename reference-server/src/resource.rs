//! Schema-driven normalisation of client-supplied resource bodies (POST, PUT, PATCH values).
//!
//! Attribute names are matched case-insensitively and rewritten to their canonical
//! spelling; values are type-checked (Entra's `"True"`/`"False"` strings become booleans,
//! a bare string for a complex attribute with a `value` sub-attribute becomes `{value}`);
//! `null`, `[]` and `{}` mean "absent"; readOnly and server-computed attributes (`id`,
//! `meta`, `groups`, every `$ref`, `manager.displayName`) are dropped; unknown attributes
//! are ignored; exact duplicates in multi-valued attributes are stored once; more than
//! one `primary: true` is refused.
//!
//! In strict mode ([`Policy::strict`]) the lenient conversions are refused instead, each
//! with a `detail` naming the quirk: string booleans, bare strings for complex values,
//! `{"value": ""}` as "no value", the SCIM 1.0 core URN and unknown schema URNs.

use serde_json::{Map, Value};

use crate::defect::{Defect, Policy, quirk};
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
    p: Policy,
) -> Result<Normalized, ScimError> {
    normalize_body(kind, body, p, true)
}

/// Normalises a body without checking `schemas` or required attributes: what a server
/// whose create handler trusts its input stores (used by the `search-creates` defect).
pub(crate) fn normalize_unvalidated(
    kind: ResourceKind,
    body: &Value,
    p: Policy,
) -> Result<Normalized, ScimError> {
    normalize_body(kind, body, p, false)
}

fn normalize_body(
    kind: ResourceKind,
    body: &Value,
    p: Policy,
    validate: bool,
) -> Result<Normalized, ScimError> {
    let Value::Object(input) = body else {
        return Err(ScimError::invalid_syntax(
            "the request body must be a JSON object",
        ));
    };
    if validate {
        check_schemas(kind, input, p)?;
    }
    let mut attrs = Map::new();
    normalize_into(&COMMON_ATTRIBUTES, input, "", &mut attrs, p)?;
    normalize_into(kind.schema().attributes, input, "", &mut attrs, p)?;
    for (key, value) in input {
        let Some(ext) = schema::extension(kind, key) else {
            continue;
        };
        match value {
            Value::Null => {}
            Value::Object(obj) => {
                let mut out = Map::new();
                normalize_into(ext.attributes, obj, "", &mut out, p)?;
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
    let password = match lookup(input, "password", p) {
        _ if kind != ResourceKind::User => None,
        None | Some(Value::Null) => None,
        Some(Value::String(p)) => Some(p.clone()),
        Some(_) => return Err(ScimError::invalid_value("'password' must be a string")),
    };
    if validate {
        check_required(kind, &attrs)?;
    }
    Ok(Normalized { attrs, password })
}

/// Re-normalises stored attributes after PATCH operations: canonical names and order,
/// empty values dropped, types, duplicates, primaries and required attributes checked.
/// `data` may also hold `schemas`, `id` and `meta`; they are not part of the result.
pub(crate) fn renormalize(
    kind: ResourceKind,
    data: &Map<String, Value>,
    p: Policy,
) -> Result<Map<String, Value>, ScimError> {
    // Stored data is canonical already; only the values PATCH wrote need checking, and
    // those went through the same policy when they were written.
    let p = Policy { strict: false, ..p };
    let mut attrs = Map::new();
    normalize_into(&COMMON_ATTRIBUTES, data, "", &mut attrs, p)?;
    normalize_into(kind.schema().attributes, data, "", &mut attrs, p)?;
    for ext in kind.extensions() {
        if let Some(Value::Object(obj)) = data.get(ext.id) {
            let mut out = Map::new();
            normalize_into(ext.attributes, obj, "", &mut out, p)?;
            if !out.is_empty() {
                attrs.insert(ext.id.to_owned(), Value::Object(out));
            }
        }
    }
    check_required(kind, &attrs)?;
    Ok(attrs)
}

/// `schemas` must be an array of strings naming the core schema of `kind`; in strict mode
/// it may name nothing but the core schema and the type's extensions.
fn check_schemas(
    kind: ResourceKind,
    input: &Map<String, Value>,
    p: Policy,
) -> Result<(), ScimError> {
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
        if p.strict && s.eq_ignore_ascii_case(schema::SCIM1_CORE_URN) {
            return Err(ScimError::invalid_syntax(quirk(
                &format!("the SCIM 1.0 core schema '{s}' in 'schemas'"),
                &format!("list '{core}'"),
                "Google Workspace sends the SCIM 1.0 URN",
            )));
        }
        if p.strict && !schema::is_core_urn(kind, s) && schema::extension(kind, s).is_none() {
            return Err(ScimError::invalid_syntax(quirk(
                &format!(
                    "the schema '{s}', which no {} resource type declares,",
                    kind.name()
                ),
                "list only the core schema and the extensions /ResourceTypes names",
                "Entra adds a Microsoft-specific Group URN",
            )));
        }
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
    p: Policy,
) -> Result<(), ScimError> {
    for def in defs {
        if is_client_ignored(def) {
            continue;
        }
        let Some(raw) = lookup(input, def.name, p) else {
            continue;
        };
        let path = if prefix.is_empty() {
            def.name.to_owned()
        } else {
            format!("{prefix}.{}", def.name)
        };
        if let Some(mut v) = normalize_value(def, raw, &path, p)? {
            if def.name == "externalId"
                && p.has(Defect::ExternalIdLowercased)
                && let Value::String(s) = &v
            {
                v = Value::String(s.to_lowercase());
            }
            out.insert(def.name.to_owned(), v);
        }
    }
    Ok(())
}

/// An attribute of a request body by name: case-insensitively (RFC 7643 §2.1), or exactly
/// under the `case-sensitive-attribute-names` defect.
fn lookup<'v>(input: &'v Map<String, Value>, name: &str, p: Policy) -> Option<&'v Value> {
    if p.has(Defect::CaseSensitiveAttributeNames) {
        input.get(name)
    } else {
        get_ci(input, name)
    }
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
    p: Policy,
) -> Result<Option<Value>, ScimError> {
    if v.is_null() {
        return Ok(None);
    }
    if !def.multi_valued {
        return normalize_single(def, v, path, p);
    }
    let Value::Array(items) = v else {
        return Err(ScimError::invalid_value(format!(
            "'{path}' is multi-valued and must be a JSON array"
        )));
    };
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for item in items {
        if let Some(n) = normalize_single(def, item, path, p)?
            && !contains_equivalent(def, &out, &n)
        {
            out.push(n);
        }
    }
    if !p.has(Defect::PrimaryNotCleared) {
        check_single_primary(def, &out, path)?;
    }
    Ok((!out.is_empty()).then_some(Value::Array(out)))
}

/// Entra's `AppRoleAssignmentsComplex` PATCH sends each role as a JSON object serialised
/// into `value` (`{"value": "{\"id\":…,\"value\":\"25\",\"displayName\":\"Role1234\"}"}`).
/// Lenient mode reads the role out of the string (`value`, and `displayName` as `display`);
/// strict mode refuses it, naming the quirk.
fn role_in_a_string(
    def: &AttrDef,
    obj: &Map<String, Value>,
    path: &str,
    p: Policy,
) -> Result<Option<Map<String, Value>>, ScimError> {
    if !def.name.eq_ignore_ascii_case("roles") {
        return Ok(None);
    }
    let Some(Value::String(text)) = obj.get("value") else {
        return Ok(None);
    };
    let Ok(Value::Object(inner)) = serde_json::from_str::<Value>(text.trim()) else {
        return Ok(None);
    };
    if p.strict {
        return Err(ScimError::invalid_value(quirk(
            &format!("a role serialised as JSON inside the string value of '{path}'"),
            "send the role's sub-attributes as JSON, e.g. {\"value\": \"Admin\", \"display\": \"Admin\"}",
            "Entra's AppRoleAssignmentsComplex PATCH sends roles this way",
        )));
    }
    let mut out = obj.clone();
    match inner.get("value") {
        Some(v @ Value::String(_)) => out.insert("value".into(), v.clone()),
        _ => return Ok(None),
    };
    if let Some(d @ Value::String(_)) = inner.get("displayName").or_else(|| inner.get("display")) {
        out.entry("display").or_insert_with(|| d.clone());
    }
    Ok(Some(out))
}

/// Normalises one value of an attribute (an element when multi-valued).
pub(crate) fn normalize_single(
    def: &AttrDef,
    v: &Value,
    path: &str,
    p: Policy,
) -> Result<Option<Value>, ScimError> {
    let wrong = |what: &str| Err(ScimError::invalid_value(format!("'{path}' must be {what}")));
    match (def.ty, v) {
        (_, Value::Null) => Ok(None),
        (AttrType::Complex, Value::String(s)) if def.has_value_sub() => {
            if p.strict {
                return Err(ScimError::invalid_value(quirk(
                    &format!("the bare string {v} for the complex attribute '{path}'"),
                    &format!("send an object such as {{\"value\": {v}}}"),
                    "Entra sends the manager id as a bare string",
                )));
            }
            Ok((!s.is_empty()).then(|| {
                let mut m = Map::new();
                m.insert("value".into(), Value::String(s.clone()));
                Value::Object(m)
            }))
        }
        // Entra's documented manager update: `"value": [{"$ref": …, "value": …}]`, a
        // one-element list for a single-valued complex attribute.
        (AttrType::Complex, Value::Array(items)) if !def.multi_valued && items.len() == 1 => {
            if p.strict {
                return Err(ScimError::invalid_value(quirk(
                    &format!("a one-element list for the single-valued attribute '{path}'"),
                    "send the object itself",
                    "Entra's documented manager update wraps it in a list",
                )));
            }
            normalize_single(def, &items[0], path, p)
        }
        (AttrType::Complex, Value::Object(obj)) => {
            let unwrapped = role_in_a_string(def, obj, path, p)?;
            let obj = unwrapped.as_ref().unwrap_or(obj);
            let mut out = Map::new();
            normalize_into(def.sub_attributes, obj, path, &mut out, p)?;
            if is_member_attribute(def) {
                normalize_member(&mut out, path)?;
            }
            // `{"value": ""}` (Entra's way to clear a manager) is no value.
            let clears = out.len() == 1 && out.get("value").is_some_and(|v| v == "");
            if clears && p.strict {
                return Err(ScimError::invalid_value(quirk(
                    &format!("{{\"value\": \"\"}} as the value of '{path}'"),
                    "remove the attribute with a 'remove' operation or send null",
                    "Entra clears the manager this way",
                )));
            }
            Ok((!(out.is_empty() || clears)).then_some(Value::Object(out)))
        }
        (AttrType::Complex, _) => wrong("a JSON object"),
        (AttrType::Boolean, Value::Bool(_)) => Ok(Some(v.clone())),
        (AttrType::Boolean, Value::String(s))
            if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
        {
            if p.strict {
                return Err(ScimError::invalid_value(quirk(
                    &format!("the string {v} for the boolean '{path}'"),
                    &format!("send the JSON literal {}", s.to_ascii_lowercase()),
                    "Entra sends booleans as \"True\"/\"False\" strings",
                )));
            }
            if p.has(Defect::StringBooleansRejected) {
                return wrong("a boolean");
            }
            Ok(Some(Value::Bool(s.eq_ignore_ascii_case("true"))))
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

/// PUT rule for `immutable` attributes (RFC 7644 §3.5.1): a value that is set must be
/// sent again unchanged (400 `mutability` otherwise); an unset one may be given a first
/// value. Applies to every schema of `kind`, including sub-attributes of single-valued
/// complex attributes. (Group member sub-attributes are immutable too, but a PUT replaces
/// the member list as a whole.)
pub(crate) fn check_immutable(
    kind: ResourceKind,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
) -> Result<(), ScimError> {
    check_immutable_defs(kind.schema().attributes, old, new, "")?;
    for ext in kind.extensions() {
        let empty = Map::new();
        let part = |m: &'_ Map<String, Value>| -> Map<String, Value> {
            m.get(ext.id)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_else(|| empty.clone())
        };
        check_immutable_defs(ext.attributes, &part(old), &part(new), ext.id)?;
    }
    Ok(())
}

fn check_immutable_defs(
    defs: &[AttrDef],
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    prefix: &str,
) -> Result<(), ScimError> {
    for def in defs {
        let path = if prefix.is_empty() {
            def.name.to_owned()
        } else {
            format!("{prefix}:{}", def.name)
        };
        let (before, after) = (old.get(def.name), new.get(def.name));
        if def.mutability == Mutability::Immutable {
            if let Some(before) = before
                && after != Some(before)
            {
                return Err(ScimError::mutability(format!(
                    "'{path}' is immutable: a PUT must repeat its current value {before}"
                )));
            }
        } else if !def.multi_valued
            && def.ty == AttrType::Complex
            && let (Some(Value::Object(b)), Some(Value::Object(a))) = (before, after)
        {
            let subs: Vec<AttrDef> = def
                .sub_attributes
                .iter()
                .filter(|s| s.mutability == Mutability::Immutable)
                .copied()
                .collect();
            check_immutable_defs(&subs, b, a, &path)?;
        } else if !def.multi_valued
            && def.ty == AttrType::Complex
            && let Some(Value::Object(b)) = before
            && def
                .sub_attributes
                .iter()
                .any(|s| s.mutability == Mutability::Immutable && b.contains_key(s.name))
        {
            return Err(ScimError::mutability(format!(
                "'{path}' has immutable sub-attributes that a PUT must repeat"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::scim_type;
    use crate::schema::{ENTERPRISE_URN, GROUP_URN, USER_URN};
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn immutable_attributes_must_be_repeated_on_put() {
        const SUBS: &[AttrDef] = &[
            AttrDef::string("serial", "s").mutability(Mutability::Immutable),
            AttrDef::string("label", "l"),
        ];
        const DEFS: &[AttrDef] = &[
            AttrDef::string("badge", "b").mutability(Mutability::Immutable),
            AttrDef::complex("device", SUBS, "d"),
            AttrDef::string("title", "t"),
        ];
        let old =
            obj(json!({"badge": "B1", "device": {"serial": "S1", "label": "x"}, "title": "a"}));
        let same =
            obj(json!({"badge": "B1", "device": {"serial": "S1", "label": "y"}, "title": "b"}));
        assert!(check_immutable_defs(DEFS, &old, &same, "").is_ok());
        for new in [
            json!({"badge": "B2", "device": {"serial": "S1"}}),
            json!({"device": {"serial": "S1"}}),
            json!({"badge": "B1", "device": {"serial": "S2"}}),
            json!({"badge": "B1", "device": {"label": "y"}}),
            json!({"badge": "B1"}),
        ] {
            let e = check_immutable_defs(DEFS, &old, &obj(new.clone()), "").unwrap_err();
            assert_eq!(e.scim_type, Some(scim_type::MUTABILITY), "{new}");
        }
        // A first value for an unset immutable attribute is fine.
        let empty = obj(json!({"title": "a"}));
        assert!(check_immutable_defs(DEFS, &empty, &old, "").is_ok());
        // The real schemas have no top-level immutable attributes: members are replaced whole.
        let g_old = obj(json!({"displayName": "G", "members": [{"value": "a"}]}));
        let g_new = obj(json!({"displayName": "G", "members": [{"value": "b"}]}));
        assert!(check_immutable(ResourceKind::Group, &g_old, &g_new).is_ok());
    }

    fn user(body: Value) -> Result<Normalized, ScimError> {
        normalize_resource(ResourceKind::User, &body, Policy::default())
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
    }

    #[test]
    fn a_role_serialised_in_a_string_is_read_unless_strict() {
        let body = json!({
            "schemas": [USER_URN], "userName": "bob",
            "roles": [{"value": "{\"id\":\"06b07648\",\"value\":\"25\",\"displayName\":\"Role1234\"}"}],
        });
        let n = user(body.clone()).unwrap();
        assert_eq!(
            n.attrs["roles"],
            json!([{"value": "25", "display": "Role1234"}])
        );
        let e = normalize_resource(ResourceKind::User, &body, Policy::strict()).unwrap_err();
        assert!(e.detail.contains("AppRoleAssignmentsComplex"), "{e}");
        // A plain string value that is not a JSON object stays as it is.
        let plain = user(
            json!({"schemas": [USER_URN], "userName": "bob", "roles": [{"value": "{Admin}"}]}),
        )
        .unwrap();
        assert_eq!(plain.attrs["roles"], json!([{"value": "{Admin}"}]));
    }

    #[test]
    fn a_one_element_manager_list_is_unwrapped_unless_strict() {
        let body = json!({
            "schemas": [USER_URN], "userName": "bob",
            ENTERPRISE_URN: {"manager": [{"$ref": "../Users/m", "value": "m"}]},
        });
        let n = user(body.clone()).unwrap();
        assert_eq!(n.attrs[ENTERPRISE_URN], json!({"manager": {"value": "m"}}));
        let e = normalize_resource(ResourceKind::User, &body, Policy::strict()).unwrap_err();
        assert!(
            e.detail.contains("one-element list") && e.detail.contains("--strict"),
            "{e}"
        );
        // Two elements are not one value: refused either way.
        let two = json!({
            "schemas": [USER_URN], "userName": "bob",
            ENTERPRISE_URN: {"manager": [{"value": "m"}, {"value": "n"}]},
        });
        assert!(user(two).is_err());
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
            Policy::default(),
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
                Policy::default(),
            )
            .unwrap_err();
            assert_eq!(e.scim_type, Some(scim_type::INVALID_VALUE));
        }
        let e = normalize_resource(
            ResourceKind::Group,
            &json!({"schemas": [GROUP_URN]}),
            Policy::default(),
        )
        .unwrap_err();
        assert!(e.detail.contains("displayName"));
    }
}
