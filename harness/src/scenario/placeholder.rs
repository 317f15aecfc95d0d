//! The `{{name}}` placeholder syntax of scenario files: which names a string or a JSON value
//! mentions. The linter uses it to find unset variables before anything is sent; the engine
//! (`exec::template`) fills the placeholders in.

use serde_json::Value;

/// Names the engine defines itself: `{{run_id}}` (unique per run) and `{{uuid}}` (fresh at
/// each use).
pub const BUILTINS: &[&str] = &["run_id", "uuid"];

/// `Some(name)` when the whole string is one placeholder.
pub(crate) fn whole_placeholder(s: &str) -> Option<&str> {
    let inner = s.strip_prefix("{{")?.strip_suffix("}}")?;
    let name = inner.trim();
    is_name(name).then_some(name)
}

/// `(before, name, after)` around the first placeholder in `s`.
pub(crate) fn split_placeholder(s: &str) -> Option<(&str, &str, &str)> {
    let start = s.find("{{")?;
    let end = s[start + 2..].find("}}")? + start + 2;
    let name = s[start + 2..end].trim();
    Some((&s[..start], name, &s[end + 2..]))
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Every placeholder name in a string, in order.
pub fn placeholders(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some((_, name, after)) = split_placeholder(rest) {
        out.push(name);
        rest = after;
    }
    out
}

/// Every placeholder name in a JSON value (strings and keys), in document order.
pub fn placeholders_in_value(v: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    collect(v, &mut out);
    out
}

fn collect<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.extend(placeholders(s)),
        Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
        Value::Object(map) => {
            for (k, v) in map {
                out.extend(placeholders(k));
                collect(v, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn placeholders_are_listed_in_order() {
        assert_eq!(placeholders("/Groups/{{g}}/x/{{ u }}"), vec!["g", "u"]);
        assert_eq!(
            placeholders_in_value(&json!({"a": ["{{x}}"], "{{y}}": 1})),
            vec!["x", "y"]
        );
    }
}
