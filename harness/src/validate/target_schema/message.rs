//! The text of a [`Finding`]: short, quoting names and values cut to a fixed length, never
//! echoing a long value.

use serde_json::Value;

use super::Finding;

/// Maximum length of a [`Finding::message`], in characters.
pub(super) const MAX_MESSAGE_CHARS: usize = 200;

/// Values quoted in messages are cut to this many characters.
const MAX_VALUE_CHARS: usize = 40;

/// Names and URNs quoted in messages are cut to this many characters.
const MAX_NAME_CHARS: usize = 64;

pub(super) fn finding(path: &str, message: String) -> Finding {
    Finding {
        instance_path: path.to_owned(),
        message: truncate(&message, MAX_MESSAGE_CHARS),
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// A name or URN quoted for a message.
pub(super) fn q(s: &str) -> String {
    format!("{:?}", truncate(s, MAX_NAME_CHARS))
}

/// A value quoted for a message.
pub(super) fn q_value(s: &str) -> String {
    format!("{:?}", truncate(s, MAX_VALUE_CHARS))
}

/// "the string \"true\"", "the number 1.5", "an object", … for messages.
pub(super) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {}", truncate(&n.to_string(), MAX_VALUE_CHARS)),
        Value::String(s) => format!("the string {}", q_value(s)),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}
