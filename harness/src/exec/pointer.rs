//! JSON Pointer lookup and JSON comparison with SCIM's case rules: attribute names are
//! case-insensitive (RFC 7643 §2.1), so keys match exactly first and then ignoring case;
//! string values compare exactly unless the check says the attribute is not case-exact.

use serde_json::Value;

/// Resolves a JSON Pointer (`/Resources/0/userName`); `""` is the whole document.
pub fn resolve<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(root);
    }
    let mut cur = root;
    for raw in pointer.strip_prefix('/')?.split('/') {
        let token = raw.replace("~1", "/").replace("~0", "~");
        cur = match cur {
            Value::Object(map) => map.get(&token).or_else(|| {
                map.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&token))
                    .map(|(_, v)| v)
            })?,
            Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Deep equality: object keys ignore case, numbers compare by value, strings ignore case
/// when `ci` is set.
pub fn json_eq(a: &Value, b: &Value, ci: bool) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => {
            if ci {
                x.to_lowercase() == y.to_lowercase()
            } else {
                x == y
            }
        }
        (Value::Number(x), Value::Number(y)) => {
            match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(a), Some(b), _, _) => a == b,
                (_, _, Some(a), Some(b)) => a == b,
                _ => x.as_f64() == y.as_f64(),
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b, ci))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| lookup_ci(y, k).is_some_and(|w| json_eq(v, w, ci)))
        }
        _ => a == b,
    }
}

/// Whether `actual` matches the `pattern`: objects match when every key of the pattern
/// matches (extra keys in `actual` are fine); other values must be equal.
pub fn json_matches(actual: &Value, pattern: &Value, ci: bool) -> bool {
    match (actual, pattern) {
        (Value::Object(a), Value::Object(p)) => p
            .iter()
            .all(|(k, pv)| lookup_ci(a, k).is_some_and(|av| json_matches(av, pv, ci))),
        _ => json_eq(actual, pattern, ci),
    }
}

fn lookup_ci<'a>(map: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// True for SCIM's "no value": absent, `null`, or an empty array (RFC 7643 §2.5).
pub fn is_unassigned(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Array(items)) => items.is_empty(),
        Some(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keys_match_exactly_then_ignoring_case() {
        let doc = json!({"UserName": "a", "userName": "b", "Resources": [{"ID": "x"}]});
        assert_eq!(resolve(&doc, "/userName"), Some(&json!("b")));
        assert_eq!(resolve(&doc, "/USERNAME"), Some(&json!("a")));
        assert_eq!(resolve(&doc, "/resources/0/id"), Some(&json!("x")));
        assert_eq!(resolve(&doc, "/Resources/1"), None);
        assert_eq!(resolve(&doc, ""), Some(&doc));
    }

    #[test]
    fn urn_keys_and_escapes_resolve() {
        let doc = json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"a/b": 1}});
        assert_eq!(
            resolve(
                &doc,
                "/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/a~1b"
            ),
            Some(&json!(1))
        );
    }

    #[test]
    fn equality_follows_scim_case_rules() {
        assert!(json_eq(
            &json!({"Value": "A"}),
            &json!({"value": "A"}),
            false
        ));
        assert!(!json_eq(&json!("Alice"), &json!("alice"), false));
        assert!(json_eq(&json!("Alice"), &json!("alice"), true));
        assert!(json_eq(&json!(1), &json!(1.0), false));
        assert!(!json_eq(
            &json!(9_007_199_254_740_993_u64),
            &json!(9_007_199_254_740_992_u64),
            false
        ));
        assert!(!json_eq(&json!("1"), &json!(1), false));
    }

    #[test]
    fn pattern_matching_allows_extra_keys() {
        let member = json!({"value": "u1", "$ref": "http://x/Users/u1", "display": "A"});
        assert!(json_matches(&member, &json!({"value": "u1"}), false));
        assert!(!json_matches(&member, &json!({"value": "u2"}), false));
    }

    #[test]
    fn unassigned_means_absent_null_or_empty() {
        assert!(is_unassigned(None));
        assert!(is_unassigned(Some(&json!(null))));
        assert!(is_unassigned(Some(&json!([]))));
        assert!(!is_unassigned(Some(&json!(""))));
    }
}
