//! Checking one resource against the target's declarations, and listing what it carries
//! that nobody declared.

use serde_json::{Map, Value};

use super::lexical::{is_base64, is_date_time};
use super::members::{find_ci, is_absent, pointer, schema_urns, starts_with_ci};
use super::message::{describe, finding, q, q_value};
use super::model::{Attr, COMMON, Kind};
use super::{Finding, TargetSchemas};

impl TargetSchemas {
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
    /// Names are dotted paths as in [`DeclaredAttribute::path`](super::DeclaredAttribute::path), spelled as the resource
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
