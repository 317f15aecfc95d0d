//! `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9): which attributes a
//! response carries.
//!
//! Paths are resolved through the schema, so names, sub-attributes and extension URNs
//! match case-insensitively. `schemas` and `returned: always` attributes (`id`) are never
//! removed; `password` is never rendered in the first place.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::filter::AttrPath;
use crate::schema::{self, ResourceKind, Returned, Target};

/// A tree of canonical attribute keys (`name` → `name.givenName`, or extension URN →
/// attribute → sub-attribute). `whole` marks a selected subtree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct KeyTree {
    whole: bool,
    children: BTreeMap<String, KeyTree>,
}

impl KeyTree {
    fn add(&mut self, keys: &[String]) {
        match keys.split_first() {
            None => self.whole = true,
            Some((first, rest)) => self.children.entry(first.clone()).or_default().add(rest),
        }
    }
}

/// The requested shape of returned resources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projection {
    /// `attributes`: only these (plus always-returned ones); `None` = the default set.
    include: Option<KeyTree>,
    /// `excludedAttributes`: removed from the result.
    exclude: KeyTree,
}

impl Projection {
    /// The default set of attributes.
    pub fn all() -> Self {
        Projection::default()
    }

    /// Whether this is the default set: nothing asked for, nothing (known) excluded.
    pub fn is_all(&self) -> bool {
        self.include.is_none() && self.exclude.children.is_empty()
    }

    /// Builds a projection from the comma-separated query parameter values.
    /// Entries that name no known attribute are ignored.
    pub fn parse(kind: ResourceKind, attributes: Option<&str>, excluded: Option<&str>) -> Self {
        let tree = |list: &str| {
            let mut t = KeyTree::default();
            for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                if let Some(keys) = canonical_keys(kind, item) {
                    t.add(&keys);
                }
            }
            t
        };
        Projection {
            include: attributes.filter(|a| !a.trim().is_empty()).map(tree),
            exclude: excluded.map(tree).unwrap_or_default(),
        }
    }

    /// Whether the top-level key can appear in the result (lets rendering skip computing
    /// expensive attributes such as `members` or `groups`).
    pub fn wants(&self, key: &str) -> bool {
        if self.exclude.children.get(key).is_some_and(|t| t.whole) {
            return false;
        }
        match &self.include {
            None => true,
            Some(tree) => tree.children.contains_key(key),
        }
    }

    /// Shapes `resource` (a rendered resource of `kind`) in place.
    pub fn apply(&self, kind: ResourceKind, resource: &mut Map<String, Value>) {
        if let Some(include) = &self.include {
            let source = std::mem::take(resource);
            for (key, value) in source {
                if always_returned(kind, &key) {
                    resource.insert(key, value);
                } else if let Some(node) = include.children.get(&key)
                    && let Some(v) = select(value, node)
                {
                    resource.insert(key, v);
                }
            }
        }
        for (key, node) in &self.exclude.children {
            if always_returned(kind, key) {
                continue;
            }
            if node.whole {
                resource.remove(key);
            } else if let Some(v) = resource.get_mut(key) {
                exclude(v, node);
                if is_empty(v) {
                    resource.remove(key);
                }
            }
        }
    }
}

/// `schemas` and attributes whose `returned` is `always`.
fn always_returned(kind: ResourceKind, key: &str) -> bool {
    key == "schemas"
        || schema::core_attribute(kind, key).is_some_and(|d| d.returned == Returned::Always)
}

/// The canonical JSON keys an attribute path names, or `None` if it names nothing.
fn canonical_keys(kind: ResourceKind, item: &str) -> Option<Vec<String>> {
    let path = AttrPath::parse(item).ok()?;
    match schema::resolve(kind, path.urn.as_deref(), &path.name, path.sub.as_deref())? {
        Target::Extension(ext) => Some(vec![ext.id.to_owned()]),
        Target::Attr { ext, attr, sub } => {
            let mut keys = Vec::with_capacity(3);
            if let Some(ext) = ext {
                keys.push(ext.id.to_owned());
            }
            keys.push(attr.name.to_owned());
            if let Some(sub) = sub {
                keys.push(sub.name.to_owned());
            }
            Some(keys)
        }
    }
}

/// Keeps only the parts of `value` that `node` selects (applied per element of arrays).
fn select(value: Value, node: &KeyTree) -> Option<Value> {
    if node.whole {
        return Some(value);
    }
    match value {
        Value::Object(obj) => {
            let mut out = Map::new();
            for (key, v) in obj {
                if let Some(child) = node.children.get(&key)
                    && let Some(v) = select(v, child)
                {
                    out.insert(key, v);
                }
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        Value::Array(items) => {
            let out: Vec<Value> = items.into_iter().filter_map(|v| select(v, node)).collect();
            (!out.is_empty()).then_some(Value::Array(out))
        }
        _ => None,
    }
}

/// Removes the parts of `value` that `node` selects (applied per element of arrays).
fn exclude(value: &mut Value, node: &KeyTree) {
    match value {
        Value::Object(obj) => {
            for (key, child) in &node.children {
                if child.whole {
                    obj.remove(key);
                } else if let Some(v) = obj.get_mut(key) {
                    exclude(v, child);
                    if is_empty(v) {
                        obj.remove(key);
                    }
                }
            }
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                exclude(item, node);
            }
            items.retain(|v| !is_empty(v));
        }
        _ => {}
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Object(o) => o.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Null => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ENTERPRISE_URN, USER_URN};
    use serde_json::json;

    fn user() -> Map<String, Value> {
        json!({
            "schemas": [USER_URN, ENTERPRISE_URN],
            "id": "u1",
            "userName": "bjensen",
            "name": {"familyName": "Jensen", "givenName": "Barbara"},
            "emails": [{"value": "a@x", "type": "work"}, {"value": "b@x", "type": "home"}],
            ENTERPRISE_URN: {"employeeNumber": "7", "department": "D"},
            "meta": {"resourceType": "User", "location": "http://h/Users/u1"}
        })
        .as_object()
        .cloned()
        .unwrap()
    }

    fn shaped(attributes: Option<&str>, excluded: Option<&str>) -> Value {
        let mut u = user();
        Projection::parse(ResourceKind::User, attributes, excluded)
            .apply(ResourceKind::User, &mut u);
        Value::Object(u)
    }

    #[test]
    fn default_keeps_everything() {
        assert_eq!(shaped(None, None), Value::Object(user()));
        assert_eq!(shaped(Some(""), Some("")), Value::Object(user()));
    }

    #[test]
    fn attributes_keep_always_returned_and_requested() {
        assert_eq!(
            shaped(Some("userName"), None),
            json!({"schemas": [USER_URN, ENTERPRISE_URN], "id": "u1", "userName": "bjensen"})
        );
        assert_eq!(
            shaped(Some("USERNAME, NAME.FAMILYNAME"), None),
            json!({"schemas": [USER_URN, ENTERPRISE_URN], "id": "u1", "userName": "bjensen", "name": {"familyName": "Jensen"}})
        );
        assert_eq!(
            shaped(Some("emails.type"), None)["emails"],
            json!([{"type": "work"}, {"type": "home"}])
        );
        assert_eq!(
            shaped(Some("name,name.givenName"), None)["name"],
            user()["name"]
        );
        assert_eq!(
            shaped(Some("meta.location"), None)["meta"],
            json!({"location": "http://h/Users/u1"})
        );
    }

    #[test]
    fn extension_paths() {
        let v = shaped(
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"),
            None,
        );
        assert_eq!(v[ENTERPRISE_URN], json!({"employeeNumber": "7"}));
        assert!(v.get("userName").is_none());
        let v = shaped(Some(ENTERPRISE_URN), None);
        assert_eq!(v[ENTERPRISE_URN], user()[ENTERPRISE_URN]);
        let v = shaped(
            None,
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:department"),
        );
        assert_eq!(v[ENTERPRISE_URN], json!({"employeeNumber": "7"}));
        let v = shaped(None, Some("department,employeeNumber"));
        assert!(v.get(ENTERPRISE_URN).is_none());
    }

    #[test]
    fn excluded_attributes() {
        let v = shaped(None, Some("name,emails,id,schemas"));
        assert!(v.get("name").is_none() && v.get("emails").is_none());
        assert_eq!(
            (v["id"].as_str(), v["userName"].as_str()),
            (Some("u1"), Some("bjensen"))
        );
        assert!(v.get("schemas").is_some());
        let v = shaped(None, Some("emails.type,name.familyName,bogus,a..b"));
        assert_eq!(v["emails"], json!([{"value": "a@x"}, {"value": "b@x"}]));
        assert_eq!(v["name"], json!({"givenName": "Barbara"}));
    }

    #[test]
    fn wants_reports_top_level_keys() {
        let p = Projection::parse(ResourceKind::Group, None, Some("members"));
        assert!(!p.wants("members"));
        assert!(p.wants("displayName"));
        let p = Projection::parse(ResourceKind::Group, Some("members.value"), None);
        assert!(p.wants("members"));
        assert!(!p.wants("displayName"));
        let p = Projection::parse(ResourceKind::Group, None, Some("members.display"));
        assert!(p.wants("members"));
    }
}
