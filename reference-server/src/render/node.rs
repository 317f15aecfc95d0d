//! A rendered resource as a tree that borrows what it can from the store: the stored
//! attributes are referenced, not copied, and only what a response computes (`meta`,
//! `$ref`s, display names) is owned. The tree is written straight to JSON ([`Serialize`])
//! when a response sends the resource as it is, and turned into a `serde_json` map
//! ([`Node::into_value`]) when it is shaped further (projections, variants) or read by a
//! filter or a sort key.
//!
//! An object keeps the keys of a `serde_json` map with `preserve_order`: in insertion
//! order, and a key inserted again keeps its place and takes the new value. So both
//! outputs of one tree are the same JSON, byte for byte.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::json::{WriteJson, write_array, write_str, write_str_parts};
use crate::time::{format_millis, millis_text};
use crate::variant::entity_tag;

/// One value of a rendered resource.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node<'a> {
    /// A stored value, borrowed.
    Stored(&'a Value),
    /// A string, borrowed or computed.
    Str(Cow<'a, str>),
    /// A computed value.
    Owned(Value),
    /// A UTC timestamp in milliseconds, written as `meta.created` is.
    Millis(i64),
    /// An entity tag of this version, weak unless `strong`: `W/"7"` or `"7"`.
    Version { version: u64, strong: bool },
    /// Constant strings, such as a resource's schema URNs.
    Strs(&'static [&'static str]),
    /// `{base}/{endpoint}/{id}`: a resource's URL.
    Url([&'a str; 3]),
    /// An object.
    Object(Object<'a>),
    /// An array.
    Array(Vec<Node<'a>>),
}

impl<'a> Node<'a> {
    /// A borrowed string.
    pub fn str(s: &'a str) -> Self {
        Node::Str(Cow::Borrowed(s))
    }

    /// A computed string.
    pub fn string(s: String) -> Self {
        Node::Str(Cow::Owned(s))
    }

    /// The same JSON as a `serde_json` value (stored values are copied).
    pub fn into_value(self) -> Value {
        match self {
            Node::Stored(v) => v.clone(),
            Node::Str(s) => Value::String(s.into_owned()),
            Node::Owned(v) => v,
            Node::Millis(ms) => Value::String(format_millis(ms)),
            Node::Version { version, strong } => Value::String(entity_tag(version, strong)),
            Node::Strs(items) => Value::from(items.to_vec()),
            Node::Url([base, endpoint, id]) => {
                Value::String([base, "/", endpoint, "/", id].concat())
            }
            Node::Object(o) => Value::Object(o.into_map()),
            Node::Array(items) => Value::Array(items.into_iter().map(Node::into_value).collect()),
        }
    }
}

/// The members of a rendered object, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Object<'a> {
    fields: Vec<Field<'a>>,
}

/// One member, or a run of stored members with the JSON they were once written as.
#[derive(Debug, Clone, PartialEq)]
enum Field<'a> {
    Member(Cow<'a, str>, Node<'a>),
    /// The members of `map`, whose JSON (`"k":v,…`) is `json`.
    Stored(&'a Map<String, Value>, &'a str),
}

impl<'a> Object<'a> {
    /// An empty object with room for `n` members.
    pub fn with_capacity(n: usize) -> Self {
        Object {
            fields: Vec::with_capacity(n),
        }
    }

    /// Sets `key`: a new key goes last, an existing one keeps its place.
    pub fn insert(&mut self, key: impl Into<Cow<'a, str>>, value: Node<'a>) {
        let key = key.into();
        for (at, field) in self.fields.iter_mut().enumerate() {
            match field {
                Field::Member(k, slot) if *k == key => {
                    *slot = value;
                    return;
                }
                Field::Stored(map, _) if map.contains_key(key.as_ref()) => {
                    // The run is opened into single members so the one named can change.
                    let members = map
                        .iter()
                        .map(|(k, v)| Field::Member(Cow::Borrowed(k.as_str()), Node::Stored(v)));
                    self.fields.splice(at..=at, members);
                    return self.insert(key, value);
                }
                _ => {}
            }
        }
        self.fields.push(Field::Member(key, value));
    }

    /// Adds `key` last, as [`Object::insert`] would when the key is not there yet: the
    /// caller knows it is not (a stored attribute name that no member before it can have).
    pub fn push_new(&mut self, key: &'a str, value: Node<'a>) {
        debug_assert!(!self.has(key), "{key} is already set");
        self.fields.push(Field::Member(Cow::Borrowed(key), value));
    }

    /// Adds the members of `map` last, written as `json` (see
    /// [`super::plain_members`]); none of them may be set yet.
    pub fn push_stored(&mut self, map: &'a Map<String, Value>, json: &'a str) {
        debug_assert!(
            map.keys().all(|k| !self.has(k)),
            "a stored member is already set"
        );
        self.fields.push(Field::Stored(map, json));
    }

    fn has(&self, key: &str) -> bool {
        self.fields.iter().any(|f| match f {
            Field::Member(k, _) => k == key,
            Field::Stored(map, _) => map.contains_key(key),
        })
    }

    /// The members as a `serde_json` map.
    pub fn into_map(self) -> Map<String, Value> {
        let mut map = Map::new();
        for field in self.fields {
            match field {
                Field::Member(key, value) => {
                    map.insert(key.into_owned(), value.into_value());
                }
                Field::Stored(stored, _) => {
                    for (key, value) in stored {
                        map.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        map
    }
}

impl WriteJson for Node<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Node::Stored(v) => v.write_json(out),
            Node::Str(s) => write_str(out, s),
            Node::Owned(v) => v.write_json(out),
            Node::Millis(ms) => match millis_text(*ms) {
                Some(text) => {
                    out.push(b'"');
                    out.extend_from_slice(&text);
                    out.push(b'"');
                }
                None => write_str(out, &format_millis(*ms)),
            },
            Node::Version { version, strong } => {
                // `"W/\"7\""`: the tag's quotes escaped, the digits need nothing.
                out.extend_from_slice(if *strong { b"\"\\\"" } else { b"\"W/\\\"" });
                version.write_json(out);
                out.extend_from_slice(b"\\\"\"");
            }
            Node::Strs(items) => write_array(out, items.iter().copied()),
            Node::Url([base, endpoint, id]) => {
                write_str_parts(out, &[base, "/", endpoint, "/", id]);
            }
            Node::Object(o) => o.write_json(out),
            Node::Array(items) => write_array(out, items),
        }
    }
}

impl WriteJson for Object<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        let mut first = true;
        for field in &self.fields {
            if matches!(field, Field::Stored(_, "")) {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            match field {
                Field::Member(key, value) => {
                    write_str(out, key);
                    out.push(b':');
                    value.write_json(out);
                }
                Field::Stored(_, json) => out.extend_from_slice(json.as_bytes()),
            }
        }
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sample(stored: &Value) -> Object<'_> {
        let mut meta = Object::with_capacity(2);
        meta.insert("resourceType", Node::str("User"));
        meta.insert("location", Node::string("http://h/Users/1".into()));
        let mut o = Object::with_capacity(4);
        o.insert("schemas", Node::Array(vec![Node::str("urn:x")]));
        o.insert("id", Node::str("1"));
        o.insert("name", Node::Stored(stored));
        o.insert("meta", Node::Object(meta));
        o
    }

    #[test]
    fn writes_the_same_json_as_the_map_it_turns_into() {
        let stored = json!({"givenName": "Ann \"Q\" <b>\u{2028}", "n": [1, 2.5, null, true]});
        let o = sample(&stored);
        let streamed = o.to_json_vec();
        let via_map = serde_json::to_vec(&Value::Object(o.into_map())).unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            String::from_utf8(via_map).unwrap()
        );
    }

    #[test]
    fn a_stored_run_writes_its_members_and_opens_when_one_is_set_again() {
        let stored = json!({"userName": "ann", "active": true});
        let Value::Object(map) = &stored else {
            unreachable!()
        };
        let json = r#""userName":"ann","active":true"#;
        let mut o = Object::with_capacity(3);
        o.push_new("id", Node::str("1"));
        o.push_stored(map, json);
        o.push_new("meta", Node::str("m"));
        let written = String::from_utf8(o.to_json_vec()).unwrap();
        assert_eq!(
            written,
            r#"{"id":"1","userName":"ann","active":true,"meta":"m"}"#
        );
        let parsed: Value = serde_json::from_str(&written).unwrap();
        assert_eq!(Value::Object(o.clone().into_map()), parsed);
        o.insert("active", Node::str("changed"));
        let written = String::from_utf8(o.to_json_vec()).unwrap();
        assert_eq!(
            written,
            r#"{"id":"1","userName":"ann","active":"changed","meta":"m"}"#
        );
        let empty = Map::new();
        let mut o = Object::with_capacity(2);
        o.push_stored(&empty, "");
        o.push_new("id", Node::str("1"));
        assert_eq!(o.to_json_vec(), br#"{"id":"1"}"#);
    }

    #[test]
    fn a_key_set_again_keeps_its_place_like_a_map() {
        let stored = json!("x");
        let mut o = sample(&stored);
        o.insert("id", Node::Owned(json!(7)));
        o.insert("extra", Node::str("last"));
        let streamed: Value = serde_json::from_slice(&o.to_json_vec()).unwrap();
        let keys: Vec<&str> = streamed
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["schemas", "id", "name", "meta", "extra"]);
        assert_eq!(streamed["id"], 7);
        assert_eq!(Value::Object(o.into_map()), streamed);
    }
}
