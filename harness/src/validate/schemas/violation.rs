//! What a [`Violation`] says: a short, value-masked reason and the requirement id the
//! failing constraint's schema description cites.

use jsonschema::ValidationError;
use serde_json::Value;

use super::pointer::{last_segment, parent_pointer, percent_decode, segments};
use super::{Entry, SchemaSet};

/// Maximum length of a [`Violation::message`], in characters.
pub(super) const MAX_MESSAGE_CHARS: usize = 200;

/// Room for the requirement note inside a message, in characters.
const MAX_NOTE_CHARS: usize = 110;

/// Longer `pattern`s are not quoted in messages.
const MAX_PATTERN_CHARS: usize = 40;

/// Between the reason and the requirement note in a message.
const SEPARATOR: &str = " — ";

/// One validation failure: where in the instance, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Violation {
    /// JSON Pointer into the validated instance, in the instance's own key casing where it
    /// could be recovered (canonical casing otherwise). Empty for the document root.
    pub instance_path: String,
    /// Short reason (at most ~200 characters). Instance values are masked, because SCIM bodies
    /// carry personal data; when the failing constraint's schema description starts with a
    /// requirement id, that description is appended (e.g. `… — P-3.12-03: …`).
    pub message: String,
}

impl SchemaSet {
    /// A short, value-masked message, plus the requirement the failing constraint cites.
    pub(super) fn message(&self, entry: &Entry, error: &ValidationError<'_>) -> String {
        let keyword = last_segment(error.schema_path().as_str());
        let parent = self.keyword_parent(error);
        let base = match keyword {
            "contains" => match parent.and_then(|p| p.pointer("/contains/const")) {
                Some(expected) => format!("does not contain {expected}"),
                None => "no item matches the `contains` schema".to_owned(),
            },
            "maxContains" => match parent.and_then(|p| p.get("maxContains")) {
                Some(limit) => format!("more than {limit} item(s) match the `contains` schema"),
                None => "too many items match the `contains` schema".to_owned(),
            },
            "minContains" => match parent.and_then(|p| p.get("minContains")) {
                Some(limit) => format!("fewer than {limit} item(s) match the `contains` schema"),
                None => "too few items match the `contains` schema".to_owned(),
            },
            "not" => match parent.and_then(|p| p.get("not")) {
                Some(forbidden) if forbidden.get("const").is_some() => {
                    format!("value must not be {}", forbidden["const"])
                }
                Some(forbidden) if forbidden.get("pattern").is_some() => {
                    format!("value must not match {}", forbidden["pattern"])
                }
                _ => "value matches a schema it must not match".to_owned(),
            },
            "pattern" => match parent
                .and_then(|p| p.get("pattern"))
                .and_then(Value::as_str)
            {
                Some(pattern) if pattern.len() <= MAX_PATTERN_CHARS => {
                    format!("value does not match {pattern:?}")
                }
                _ => "value does not match the required pattern".to_owned(),
            },
            _ => error.masked().to_string(),
        };
        match self.requirement_note(entry, error) {
            Some(note) => {
                // The requirement note gets at most MAX_NOTE_CHARS; the reason keeps the rest.
                let note = truncate_to(note.to_owned(), MAX_NOTE_CHARS);
                let room = MAX_MESSAGE_CHARS - SEPARATOR.chars().count() - note.chars().count();
                format!("{}{SEPARATOR}{note}", truncate_to(base, room))
            }
            None => truncate(base),
        }
    }

    /// The schema object holding the failing keyword.
    fn keyword_parent(&self, error: &ValidationError<'_>) -> Option<&Value> {
        let location = error.absolute_keyword_location()?;
        let (doc, fragment) = self.split_uri(location.as_str())?;
        let parent = parent_pointer(&fragment);
        self.inner.docs[doc].value.pointer(parent)
    }

    /// The description of the deepest schema, on the way to the failing keyword, that starts
    /// with a requirement id: first along the keyword's absolute location (whichever document
    /// it is in), then along the evaluation path inside the validated document up to the first
    /// `$ref` (so `"status": {"description": "P-3.12-03 …", "$ref": …}` still names its id).
    fn requirement_note(&self, entry: &Entry, error: &ValidationError<'_>) -> Option<&str> {
        let docs = &self.inner.docs;
        if let Some(location) = error.absolute_keyword_location()
            && let Some((doc, fragment)) = self.split_uri(location.as_str())
            && let Some(note) =
                deepest_requirement(&docs[doc].value, segments(parent_pointer(&fragment)))
        {
            return Some(note);
        }
        let evaluation = error.evaluation_path().as_str();
        let until_ref = segments(parent_pointer(evaluation)).take_while(|s| s != "$ref");
        deepest_requirement(&docs[entry.doc].value, until_ref)
    }

    /// Splits an absolute keyword location into (document index, decoded JSON Pointer).
    fn split_uri(&self, uri: &str) -> Option<(usize, String)> {
        let (base, fragment) = uri.split_once('#').unwrap_or((uri, ""));
        let doc = self.inner.docs.iter().position(|doc| doc.id == base)?;
        Some((doc, percent_decode(fragment)))
    }
}

/// Walks `path` from `root` and returns the deepest `description` that starts with a
/// requirement id (`P-3.12-03: …`, `C-2.4-01, …`).
fn deepest_requirement(root: &Value, path: impl Iterator<Item = String>) -> Option<&str> {
    let mut best = None;
    let mut cursor = root;
    for segment in path {
        let next = match cursor {
            Value::Object(map) => map.get(&segment),
            Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        let Some(next) = next else { break };
        cursor = next;
        if let Some(description) = cursor.get("description").and_then(Value::as_str)
            && starts_with_requirement_id(description)
        {
            best = Some(description);
        }
    }
    best
}

/// `P-<section>-NN` or `C-<section>-NN` at the start of `text`.
pub(super) fn starts_with_requirement_id(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("P-").or_else(|| text.strip_prefix("C-")) else {
        return false;
    };
    let Some((section, tail)) = rest.split_once('-') else {
        return false;
    };
    section.starts_with(|c: char| c.is_ascii_digit())
        && section.chars().all(|c| c.is_ascii_digit() || c == '.')
        && tail.len() >= 2
        && tail.as_bytes()[..2].iter().all(u8::is_ascii_digit)
}

/// Cuts `message` to [`MAX_MESSAGE_CHARS`] characters, marking the cut with `…`.
pub(super) fn truncate(message: String) -> String {
    truncate_to(message, MAX_MESSAGE_CHARS)
}

/// Cuts `text` to at most `max` (≥ 1) characters, marking a cut with `…`.
fn truncate_to(mut text: String, max: usize) -> String {
    if let Some((cut, _)) = text.char_indices().nth(max.max(1) - 1)
        && text[cut..].chars().nth(1).is_some()
    {
        text.truncate(cut);
        text.push('…');
    }
    text
}
