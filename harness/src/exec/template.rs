//! `{{name}}` placeholders over strings and JSON values.
//!
//! A string that is exactly one placeholder takes the variable's JSON value and keeps its
//! type (`"{{count}}"` → `3`); a placeholder inside a longer string is interpolated as text.
//! Built-ins: `{{run_id}}` (unique per run, so names never collide with existing data) and
//! `{{uuid}}` (a fresh random UUID at each use).

use std::collections::HashMap;

use serde_json::Value;

use crate::scenario::placeholder::{BUILTINS, split_placeholder, whole_placeholder};

/// Variables visible to a step.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    values: HashMap<String, Value>,
    /// Variables whose capture found nothing, with why (shown on checks that need them).
    missing: HashMap<String, String>,
    /// Every `{{uuid}}` handed out: ids that cannot name anyone's resource.
    generated: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

/// A placeholder names a variable that is not set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("variable `{0}` is not set")]
pub struct Unset(pub String);

impl Vars {
    /// Variables with only the run-scoped built-ins.
    pub fn new(run_id: &str) -> Self {
        let mut values = HashMap::new();
        values.insert("run_id".to_string(), Value::String(run_id.to_string()));
        Vars {
            values,
            missing: HashMap::new(),
            generated: Default::default(),
        }
    }

    /// Sets a variable.
    pub fn set(&mut self, name: &str, value: Value) {
        self.missing.remove(name);
        self.values.insert(name.to_string(), value);
    }

    /// Records that the capture of `name` found nothing, and why.
    pub fn mark_missing(&mut self, name: &str, why: String) {
        self.values.remove(name);
        self.missing.insert(name.to_string(), why);
    }

    /// The first variable used in `names` that is not set, with why (a failed capture, or
    /// simply never set), or `None` when every one is available.
    pub fn first_unavailable<'a>(
        &self,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Option<(String, String)> {
        names
            .into_iter()
            .find(|n| !BUILTINS.contains(n) && !self.values.contains_key(*n))
            .map(|n| {
                let why = self
                    .missing
                    .get(n)
                    .cloned()
                    .unwrap_or_else(|| "it is not set".to_string());
                (n.to_string(), why)
            })
    }

    /// Reads a variable.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// Whether `s` is a random id this scenario generated with `{{uuid}}`.
    pub fn is_generated_uuid(&self, s: &str) -> bool {
        self.generated
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(s)
    }

    /// Every string-valued variable as (value, `[name]`): what snapshots redact.
    /// When two variables hold the same value, the alphabetically first name is used, so the
    /// text is the same on every run.
    pub fn redactions(&self) -> std::collections::BTreeMap<String, String> {
        let mut names: Vec<(&String, &str)> = self
            .values
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k, s)))
            .collect();
        names.sort();
        let mut out = std::collections::BTreeMap::new();
        for (name, value) in names {
            out.entry(value.to_string())
                .or_insert_with(|| format!("[{name}]"));
        }
        out
    }

    fn lookup(&self, name: &str) -> Result<Value, Unset> {
        if name == "uuid" {
            let id = uuid::Uuid::new_v4().to_string();
            self.generated
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(id.clone());
            return Ok(Value::String(id));
        }
        self.values
            .get(name)
            .cloned()
            .ok_or_else(|| Unset(name.to_string()))
    }

    /// Fills placeholders in a string, as text.
    pub fn render_str(&self, s: &str) -> Result<String, Unset> {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some((before, name, after)) = split_placeholder(rest) {
            out.push_str(before);
            match self.lookup(name)? {
                Value::String(v) => out.push_str(&v),
                other => out.push_str(&other.to_string()),
            }
            rest = after;
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Fills placeholders in a request path: a placeholder that is a whole path segment
    /// (`/Users/{{id}}`) is percent-encoded as one, so a value from the target (an id) can
    /// neither add segments nor start a query; elsewhere (`{{location}}`, a query) it is
    /// filled in as text. A value that is or holds a dot segment (`..`, `..;`, `%2e%2e`) is
    /// refused: it would address another resource than the one named.
    pub fn render_path(&self, s: &str) -> Result<String, String> {
        use crate::exec::cleanup::{has_dot_segment, is_dot_segment, segment};
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some((before, name, after)) = split_placeholder(rest) {
            out.push_str(before);
            let text = match self.lookup(name).map_err(|e| e.to_string())? {
                Value::String(v) => v,
                other => other.to_string(),
            };
            let whole_segment =
                out.ends_with('/') && (after.is_empty() || after.starts_with(['/', '?', '#']));
            let dot = if whole_segment {
                is_dot_segment(&text)
            } else {
                has_dot_segment(&text)
            };
            if dot {
                return Err(format!(
                    "`{name}` is `{text}`, which holds a dot segment: it would address another resource than the one named"
                ));
            }
            if whole_segment {
                out.push_str(&segment(&text));
            } else {
                out.push_str(&text);
            }
            rest = after;
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Fills placeholders in a regular expression, escaping the values so they match literally.
    pub fn render_regex(&self, s: &str) -> Result<String, Unset> {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some((before, name, after)) = split_placeholder(rest) {
            out.push_str(before);
            let text = match self.lookup(name)? {
                Value::String(v) => v,
                other => other.to_string(),
            };
            out.push_str(&regex::escape(&text));
            rest = after;
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Fills placeholders in every string of a JSON value (keys included).
    pub fn render_value(&self, v: &Value) -> Result<Value, Unset> {
        Ok(match v {
            Value::String(s) => match whole_placeholder(s) {
                Some(name) => self.lookup(name)?,
                None => Value::String(self.render_str(s)?),
            },
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| self.render_value(i))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => {
                let mut out = serde_json::Map::with_capacity(map.len());
                for (k, v) in map {
                    out.insert(self.render_str(k)?, self.render_value(v)?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn vars() -> Vars {
        let mut v = Vars::new("r1");
        v.set("count", json!(3));
        v.set("name", json!("alice"));
        v
    }

    #[test]
    fn whole_placeholder_keeps_json_type() {
        let out = vars()
            .render_value(&json!({"n": "{{count}}", "s": "x-{{count}}", "ok": true}))
            .unwrap();
        assert_eq!(out, json!({"n": 3, "s": "x-3", "ok": true}));
    }

    #[test]
    fn strings_and_keys_are_interpolated() {
        let out = vars()
            .render_value(&json!({"{{name}}": ["{{ name }}@{{run_id}}.test"]}))
            .unwrap();
        assert_eq!(out, json!({"alice": ["alice@r1.test"]}));
    }

    #[test]
    fn regex_placeholders_are_escaped() {
        let mut v = vars();
        v.set("host", json!("a.b+c"));
        assert_eq!(
            v.render_regex("^https?://{{host}}/").unwrap(),
            "^https?://a\\.b\\+c/"
        );
    }

    #[test]
    fn unset_variable_is_an_error() {
        assert_eq!(
            vars().render_str("/Users/{{user_id}}"),
            Err(Unset("user_id".into()))
        );
    }

    #[test]
    fn uuid_is_fresh_at_each_use() {
        let v = vars();
        let a = v.render_str("{{uuid}}").unwrap();
        let b = v.render_str("{{uuid}}").unwrap();
        assert_eq!(a.len(), 36);
        assert_ne!(a, b);
    }
}
