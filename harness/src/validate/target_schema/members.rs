//! Reading a JSON object the SCIM way: names match case-insensitively, `null` and `[]`
//! are absent; and building JSON Pointers to what was read.

use serde_json::{Map, Value};

/// The strings in a resource's `schemas` array.
pub(super) fn schema_urns(obj: &Map<String, Value>) -> Vec<&str> {
    match find_ci(obj, "schemas") {
        Some((_, Value::Array(items))) => items.iter().filter_map(Value::as_str).collect(),
        Some((_, Value::String(s))) => vec![s.as_str()],
        _ => Vec::new(),
    }
}

/// Looks a member up by name, exactly first, then ASCII-case-insensitively.
pub(super) fn find_ci<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<(&'a str, &'a Value)> {
    obj.get_key_value(name)
        .or_else(|| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
        .map(|(k, v)| (k.as_str(), v))
}

pub(super) fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len()
        && s.as_bytes()
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// `null` and `[]` mean "absent" (RFC 7643 §2.5).
pub(super) fn is_absent(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// Appends one reference token to a JSON Pointer (RFC 6901 escaping).
pub(super) fn pointer(base: &str, token: &str) -> String {
    format!("{base}/{}", token.replace('~', "~0").replace('/', "~1"))
}
