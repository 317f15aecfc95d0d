//! JSON Pointers: breadcrumbs of the instance position being canonicalised, pointers mapped
//! back to the instance's own key casing, and the escaping and decoding they need.

use serde_json::Value;

/// A zero-allocation breadcrumb of the instance position being canonicalised.
pub(super) struct Crumb<'a> {
    pub(super) parent: Option<&'a Crumb<'a>>,
    pub(super) segment: Segment<'a>,
}

pub(super) enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// The JSON Pointer of a breadcrumb (original key casing).
pub(super) fn pointer(at: Option<&Crumb<'_>>) -> String {
    let mut chain = Vec::new();
    let mut cursor = at;
    while let Some(crumb) = cursor {
        chain.push(&crumb.segment);
        cursor = crumb.parent;
    }
    let mut out = String::new();
    for segment in chain.into_iter().rev() {
        out.push('/');
        match segment {
            Segment::Key(key) => push_escaped(&mut out, key),
            Segment::Index(index) => out.push_str(&index.to_string()),
        }
    }
    out
}

/// Maps a pointer into the canonicalised copy back to the original instance's key casing.
/// Segments that cannot be followed are kept as they are (canonical casing).
pub(super) fn original_path(original: &Value, canonical: &str) -> String {
    let mut out = String::with_capacity(canonical.len());
    let mut cursor = Some(original);
    for segment in segments(canonical) {
        out.push('/');
        let next = match cursor {
            Some(Value::Object(map)) => match map.get_key_value(segment.as_str()) {
                Some((key, value)) => Some((key.as_str(), value)),
                None => map
                    .iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(&segment))
                    .map(|(key, value)| (key.as_str(), value)),
            },
            Some(Value::Array(items)) => segment
                .parse::<usize>()
                .ok()
                .and_then(|index| items.get(index))
                .map(|value| (segment.as_str(), value)),
            _ => None,
        };
        match next {
            Some((key, value)) => {
                push_escaped(&mut out, key);
                cursor = Some(value);
            }
            None => {
                push_escaped(&mut out, &segment);
                cursor = None;
            }
        }
    }
    out
}

/// The unescaped segments of a JSON Pointer.
pub(super) fn segments(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .split('/')
        .skip(1)
        .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
}

pub(super) fn push_escaped(out: &mut String, segment: &str) {
    for c in segment.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

pub(super) fn parent_pointer(pointer: &str) -> &str {
    pointer.rfind('/').map_or("", |slash| &pointer[..slash])
}

pub(super) fn last_segment(pointer: &str) -> &str {
    pointer
        .rfind('/')
        .map_or(pointer, |slash| &pointer[slash + 1..])
}

/// Decodes `%XX` escapes in a URI fragment (invalid escapes are kept verbatim).
pub(super) fn percent_decode(fragment: &str) -> String {
    if !fragment.contains('%') {
        return fragment.to_owned();
    }
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
