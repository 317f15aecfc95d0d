//! Transport-neutral request and response values exchanged with [`crate::ScimService`].
//!
//! A caller (a test double, such as a wiremock responder) converts its own request type
//! into a [`Request`] whose path is relative to the SCIM base and already percent-decoded,
//! calls [`crate::ScimService::handle`], and writes the [`Response`] back. The service reads
//! requests through `RequestView`, which [`Request`] implements; the crate's HTTP adapter
//! implements it over the received request, so nothing is copied.

use std::borrow::Cow;

use serde_json::Value;

use crate::json::WriteJson;

/// The media type of every SCIM response body.
pub const SCIM_MEDIA_TYPE: &str = "application/scim+json";

/// What the service reads of a request: implemented by the owned [`Request`] and by the
/// HTTP adapter's view of a received request, which borrows instead of copying.
pub(crate) trait RequestView {
    /// HTTP method, e.g. `"GET"` (compared case-insensitively).
    fn method(&self) -> &str;
    /// Path relative to the base path, percent-decoded.
    fn path(&self) -> &str;
    /// First query parameter with that name (case-insensitive).
    fn query_param(&self, name: &str) -> Option<&str>;
    /// First header with that name (case-insensitive).
    fn header(&self, name: &str) -> Option<&str>;
    /// Raw request body.
    fn body(&self) -> &[u8];
}

impl RequestView for Request {
    fn method(&self) -> &str {
        &self.method
    }

    fn path(&self) -> &str {
        &self.path
    }

    fn query_param(&self, name: &str) -> Option<&str> {
        Request::query_param(self, name)
    }

    fn header(&self, name: &str) -> Option<&str> {
        Request::header(self, name)
    }

    fn body(&self) -> &[u8] {
        &self.body
    }
}

/// One SCIM request, independent of the HTTP library that received it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// HTTP method, e.g. `"GET"` (compared case-insensitively).
    pub method: String,
    /// Path relative to the base path, percent-decoded, e.g. `"/Users/abc"`.
    pub path: String,
    /// Decoded query pairs, in request order (`+` already turned into a space).
    pub query: Vec<(String, String)>,
    /// Header name/value pairs (names compared case-insensitively).
    pub headers: Vec<(String, String)>,
    /// Raw request body.
    pub body: Vec<u8>,
}

impl Request {
    /// A request without query, headers or body.
    pub fn new(method: &str, path: &str) -> Self {
        Request {
            method: method.to_owned(),
            path: path.to_owned(),
            ..Request::default()
        }
    }

    /// Builds a request from a raw request target (`/scim/v2/Users?filter=...`, still
    /// percent-encoded) by stripping `base_path` and decoding path and query.
    /// Returns `None` when the target lies outside `base_path`.
    pub fn from_target(method: &str, target: &str, base_path: &str) -> Option<Self> {
        let (path, query) = split_target(target, base_path)?;
        Some(Request {
            method: method.to_owned(),
            path: path.into_owned(),
            query: query
                .into_iter()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            ..Request::default()
        })
    }

    /// Adds a query pair.
    pub fn with_query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets a JSON body and `Content-Type: application/scim+json`.
    pub fn with_json(mut self, body: &Value) -> Self {
        self.body = body.to_string().into_bytes();
        self.with_header("Content-Type", SCIM_MEDIA_TYPE)
    }

    /// Sets `Authorization: Bearer <token>`.
    pub fn with_bearer(self, token: &str) -> Self {
        self.with_header("Authorization", &format!("Bearer {token}"))
    }

    /// First header with that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// First query parameter with that name (case-insensitive).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One SCIM response, independent of the HTTP library that sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Header name/value pairs.
    pub headers: Vec<(String, String)>,
    /// Response body (empty for 204).
    pub body: Vec<u8>,
}

impl Response {
    /// A response with a JSON body and `Content-Type: application/scim+json`.
    pub fn with_json(status: u16, body: &Value) -> Self {
        Response {
            status,
            headers: vec![("Content-Type".into(), SCIM_MEDIA_TYPE.into())],
            // Straight to bytes: `to_string` goes through `fmt::Display`, measurably slower
            // on every response.
            body: serde_json::to_vec(body).unwrap_or_default(),
        }
    }

    /// A response with a JSON body written by the crate's own writer (see [`WriteJson`]).
    pub(crate) fn scim_json(status: u16, body: &impl WriteJson) -> Self {
        Response::with_body(status, body.to_json_vec())
    }

    /// A response with a JSON body already written.
    pub(crate) fn with_body(status: u16, body: Vec<u8>) -> Self {
        Response {
            status,
            headers: vec![("Content-Type".into(), SCIM_MEDIA_TYPE.into())],
            body,
        }
    }

    /// A response without body.
    pub fn empty(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// First header with that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Decoded query pairs, in request order, borrowing what needed no decoding.
pub(crate) type QueryPairs<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

/// A raw request target split as [`Request::from_target`] reads it: the decoded path
/// below `base_path` and the decoded query pairs, borrowing what needs no decoding.
pub(crate) fn split_target<'t>(
    target: &'t str,
    base_path: &str,
) -> Option<(Cow<'t, str>, QueryPairs<'t>)> {
    let (raw_path, raw_query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let relative = strip_base_path(raw_path, base_path)?;
    Some((
        decode(relative, false),
        raw_query.map(query_pairs).unwrap_or_default(),
    ))
}

/// The part of `path` below `base_path` (`"/"` when equal), or `None` if outside it.
pub fn strip_base_path<'a>(path: &'a str, base_path: &str) -> Option<&'a str> {
    let base = base_path.trim_end_matches('/');
    if base.is_empty() {
        return Some(if path.is_empty() { "/" } else { path });
    }
    let rest = path.strip_prefix(base)?;
    if rest.is_empty() {
        Some("/")
    } else if rest.starts_with('/') {
        Some(rest)
    } else {
        None
    }
}

/// Splits a raw query string into decoded pairs (`+` means space).
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    query_pairs(raw)
        .into_iter()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// [`parse_query`], borrowing what needs no decoding.
pub(crate) fn query_pairs(raw: &str) -> QueryPairs<'_> {
    raw.split('&')
        .filter(|part| !part.is_empty())
        .map(|part| match part.split_once('=') {
            Some((k, v)) => (decode(k, true), decode(v, true)),
            None => (decode(part, true), Cow::Borrowed("")),
        })
        .collect()
}

/// Decodes `%XX` escapes (invalid escapes are kept verbatim; invalid UTF-8 is replaced).
pub fn percent_decode(input: &str, plus_as_space: bool) -> String {
    decode(input, plus_as_space).into_owned()
}

/// [`percent_decode`], borrowing the input when there is nothing to decode.
pub(crate) fn decode(input: &str, plus_as_space: bool) -> Cow<'_, str> {
    let bytes = input.as_bytes();
    let escaped = bytes.contains(&b'%') || (plus_as_space && bytes.contains(&b'+'));
    if !escaped {
        return Cow::Borrowed(input);
    }
    let hex = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    };
    let special = |b: &u8| *b == b'%' || (plus_as_space && *b == b'+');
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // The text up to the next escape is copied in one piece.
        let run = bytes[i..]
            .iter()
            .position(special)
            .unwrap_or(bytes.len() - i);
        out.extend_from_slice(&bytes[i..i + run]);
        i += run;
        match bytes.get(i) {
            Some(b'%') => {
                let byte = match (bytes.get(i + 1), bytes.get(i + 2)) {
                    (Some(&hi), Some(&lo)) => hex(hi).zip(hex(lo)).map(|(h, l)| h << 4 | l),
                    _ => None,
                };
                match byte {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            Some(_) => {
                out.push(b' ');
                i += 1;
            }
            None => {}
        }
    }
    Cow::Owned(match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b+c", true), "a b c");
        assert_eq!(percent_decode("a%20b+c", false), "a b+c");
        assert_eq!(percent_decode("%22x%22", true), "\"x\"");
        assert_eq!(percent_decode("100%", true), "100%");
        assert_eq!(percent_decode("%zz%4", true), "%zz%4");
        assert_eq!(
            percent_decode("%+1", true),
            "% 1",
            "only hex digits follow '%'"
        );
        assert_eq!(percent_decode("%C3%A9", true), "é");
        assert_eq!(percent_decode("%FF", true), "\u{FFFD}");
    }

    /// Byte by byte, as the decoder read before it copied runs whole.
    fn decode_bytewise(input: &str, plus_as_space: bool) -> String {
        let hex = |b: u8| char::from(b).to_digit(16);
        let bytes = input.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let escape = bytes
                .get(i + 1..i + 3)
                .and_then(|h| Some(hex(h[0])? * 16 + hex(h[1])?));
            match (bytes[i], escape) {
                (b'%', Some(b)) => {
                    out.push(u8::try_from(b).unwrap());
                    i += 3;
                    continue;
                }
                (b'+', _) if plus_as_space => out.push(b' '),
                (b, _) => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    proptest::proptest! {
        #[test]
        fn decoding_runs_whole_reads_as_decoding_byte_by_byte(
            input in "([a-z%+ ]|%[0-9a-fA-FgG+]{0,2}|%[cC][3]%[aA][9]|%[fF]{2}){0,12}",
            plus in proptest::bool::ANY,
        ) {
            proptest::prop_assert_eq!(percent_decode(&input, plus), decode_bytewise(&input, plus));
        }
    }

    #[test]
    fn query_pairs() {
        let q = parse_query("filter=userName+eq+%22a%40b%22&startIndex=1&&flag");
        assert_eq!(
            q,
            vec![
                ("filter".into(), "userName eq \"a@b\"".into()),
                ("startIndex".into(), "1".into()),
                ("flag".into(), String::new()),
            ]
        );
    }

    #[test]
    fn target_outside_base_path() {
        assert!(Request::from_target("GET", "/other/Users", "/scim/v2").is_none());
        assert!(Request::from_target("GET", "/scim/v2x/Users", "/scim/v2").is_none());
        let r = Request::from_target("GET", "/scim/v2/Users/a%2Fb?count=2", "/scim/v2").unwrap();
        assert_eq!(r.path, "/Users/a/b");
        assert_eq!(r.query_param("COUNT"), Some("2"));
        let root = Request::from_target("GET", "/scim/v2", "/scim/v2").unwrap();
        assert_eq!(root.path, "/");
        let plain = Request::from_target("GET", "/Users", "").unwrap();
        assert_eq!(plain.path, "/Users");
    }

    #[test]
    fn response_helpers() {
        let r = Response::with_json(201, &json!({"a": 1}));
        assert_eq!(r.header("content-type"), Some(SCIM_MEDIA_TYPE));
        assert_eq!(r.json(), Some(json!({"a": 1})));
        assert_eq!(Response::empty(204).json(), None);
    }

    #[test]
    fn request_builders() {
        let r = Request::new("POST", "/Users")
            .with_bearer("t")
            .with_json(&json!({}));
        assert_eq!(r.header("authorization"), Some("Bearer t"));
        assert_eq!(r.header("CONTENT-TYPE"), Some(SCIM_MEDIA_TYPE));
        assert_eq!(r.body, b"{}");
    }
}
