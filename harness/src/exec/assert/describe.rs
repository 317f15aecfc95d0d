//! How values and bodies are written in a check's `expected:` and `actual:` lines.

use serde_json::Value;

use crate::exec::http::Response;

/// A JSON value as compact text, cut to 300 characters.
pub fn show(v: &Value) -> String {
    cut(&v.to_string(), 300)
}

pub(super) fn show_opt(v: Option<&Value>) -> String {
    v.map_or_else(|| "absent".to_string(), show)
}

/// A body described for an `actual:` line.
pub fn describe_body(resp: &Response) -> String {
    if resp.body.is_empty() {
        return "no body".into();
    }
    let ct = resp
        .header("content-type")
        .unwrap_or_else(|| "no content-type".into());
    let text = String::from_utf8_lossy(&resp.body);
    let kind = if resp.truncated {
        "truncated (longer than the harness reads, so not parsed)"
    } else if resp.json().is_some() {
        "JSON"
    } else {
        "non-JSON"
    };
    format!(
        "{kind} body ({ct}, {} bytes): {}",
        resp.body.len(),
        cut(text.trim(), 120)
    )
}

/// `s` cut to `max` characters, with `…` when something was cut.
pub(crate) fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push('…');
    out
}

/// A JSON pointer for display: `(root)` for the empty one.
pub(super) fn path_or_root(p: &str) -> &str {
    if p.is_empty() { "(root)" } else { p }
}
