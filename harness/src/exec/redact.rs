//! Redaction of secrets (the bearer token, passwords) wherever text leaves the process.
//!
//! A server can echo a secret in many spellings, and each output can re-encode it, so a
//! secret is matched character by character in any mix of the spellings a decoder would turn
//! back into it: the character itself, percent-encoding (either hex case, also double-encoded),
//! JSON escapes (`\u002B`, `\/`), HTML/XML character references (`&#43;`, `&#x2b;`, `&amp;`),
//! a backslash escape (Markdown), and `+` for a space. Its base64 forms (standard and URL-safe,
//! at any alignment inside a longer encoded string) are matched too, and JSON text is also
//! redacted after decoding, so a value that only spells the secret once parsed is caught.

use regex::Regex;
use serde_json::Value;

/// What replaces a secret.
pub const REDACTED: &str = "[REDACTED]";

/// Secrets shorter than this cannot be told apart from ordinary text; the command line
/// refuses such a token rather than sending it unredacted.
pub const MIN_SECRET_LEN: usize = 4;

/// The secrets of one run and their compiled patterns.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// One pattern per secret, for text.
    exact: Vec<Regex>,
    /// The same, case-insensitive, for header names (HTTP lower-cases them).
    folded: Vec<Regex>,
}

impl Redactor {
    /// A redactor for these secrets (shorter than [`MIN_SECRET_LEN`] ones are ignored).
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut out = Redactor::default();
        for secret in secrets {
            if secret.chars().count() < MIN_SECRET_LEN {
                continue;
            }
            let pattern = pattern_of(secret);
            let build = |case_insensitive: bool| {
                regex::RegexBuilder::new(&pattern)
                    .case_insensitive(case_insensitive)
                    .size_limit(64 << 20)
                    .dfa_size_limit(64 << 20)
                    .build()
                    // The pattern is built from escaped pieces; if it is ever too large,
                    // the literal secret is still matched.
                    .unwrap_or_else(|_| Regex::new(&regex::escape(secret)).expect("escaped"))
            };
            out.exact.push(build(false));
            out.folded.push(build(true));
        }
        out
    }

    /// True when there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty()
    }

    /// `text` with every spelling of every secret replaced by [`REDACTED`]; JSON text is
    /// also checked after decoding its escapes.
    pub fn redact(&self, text: &str) -> String {
        if self.is_empty() {
            return text.to_string();
        }
        let mut out = self.redact_raw(text);
        if out.contains('\\')
            && let Ok(mut value) = serde_json::from_str::<Value>(&out)
            && self.redact_value(&mut value)
        {
            out = serde_json::to_string(&value).unwrap_or_else(|_| REDACTED.to_string());
        }
        out
    }

    /// A header name with any secret replaced, whatever its letter case.
    pub fn redact_name(&self, name: &str) -> String {
        let mut out = name.to_string();
        for re in &self.folded {
            if re.is_match(&out) {
                out = re.replace_all(&out, REDACTED).into_owned();
            }
        }
        out
    }

    /// Redacts every string and key of a JSON value in place; true when anything changed.
    pub fn redact_value(&self, value: &mut Value) -> bool {
        match value {
            Value::String(s) => {
                let r = self.redact_raw(s);
                let changed = r != *s;
                *s = r;
                changed
            }
            Value::Array(items) => items
                .iter_mut()
                .fold(false, |acc, v| self.redact_value(v) | acc),
            Value::Object(map) => {
                let mut changed = false;
                let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
                for (k, mut v) in entries {
                    let key = self.redact_raw(&k);
                    changed |= key != k;
                    changed |= self.redact_value(&mut v);
                    map.insert(key, v);
                }
                changed
            }
            _ => false,
        }
    }

    fn redact_raw(&self, text: &str) -> String {
        let mut out = std::borrow::Cow::Borrowed(text);
        for re in &self.exact {
            if re.is_match(&out) {
                out = std::borrow::Cow::Owned(re.replace_all(&out, REDACTED).into_owned());
            }
        }
        out.into_owned()
    }
}

/// The regex matching every spelling of `secret`: the secret itself and its base64 forms,
/// each character in any encoding.
fn pattern_of(secret: &str) -> String {
    let mut forms = vec![secret.to_string()];
    forms.extend(base64_cores(secret.as_bytes()));
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms.dedup();
    forms
        .iter()
        .map(|f| f.chars().map(char_pattern).collect::<String>())
        .collect::<Vec<_>>()
        .join("|")
}

/// Every way one character may be spelled once encoded for a URL, JSON, HTML/XML or Markdown.
fn char_pattern(c: char) -> String {
    let mut alts = vec![regex::escape(&c.to_string())];
    let mut utf8 = [0u8; 4];
    let percent: String = c
        .encode_utf8(&mut utf8)
        .bytes()
        .map(|b| format!("%(?:25)?{}", hex_any_case(&format!("{b:02x}"))))
        .collect();
    alts.push(percent);
    let mut units = [0u16; 2];
    let json: String = c
        .encode_utf16(&mut units)
        .iter()
        .map(|u| format!(r"\\u{}", hex_any_case(&format!("{u:04x}"))))
        .collect();
    alts.push(json);
    let code = c as u32;
    alts.push(format!("&#0*{code};"));
    alts.push(format!("&#[xX]0*{};", hex_any_case(&format!("{code:x}"))));
    if let Some(name) = match c {
        '&' => Some("amp"),
        '<' => Some("lt"),
        '>' => Some("gt"),
        '"' => Some("quot"),
        '\'' => Some("apos"),
        _ => None,
    } {
        alts.push(format!("&{name};"));
    }
    if c.is_ascii_punctuation() {
        alts.push(format!(r"\\{}", regex::escape(&c.to_string())));
    }
    if c == ' ' {
        alts.push(r"\+".into());
    }
    format!("(?:{})", alts.join("|"))
}

/// `[aA]`-style classes for the letters of a hex string.
fn hex_any_case(hex: &str) -> String {
    hex.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
            } else {
                c.to_string()
            }
        })
        .collect()
}

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The base64 characters that encode only bytes of `secret`, for each of the three
/// alignments it can have inside a longer encoded string (`user:token`, `Bearer token`), in
/// both alphabets: whatever surrounds it, its encoding contains one of these.
pub(crate) fn base64_cores(secret: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for offset in 0..3usize {
        let mut bytes = vec![0u8; offset];
        bytes.extend_from_slice(secret);
        let first = (8 * offset).div_ceil(6);
        let end = (8 * (offset + secret.len())) / 6;
        if end <= first {
            continue;
        }
        for alphabet in [STANDARD, URL_SAFE] {
            let encoded = base64(&bytes, alphabet);
            out.push(encoded[first..end].to_string());
        }
    }
    out
}

/// Unpadded base64 (the harness only needs to encode, to recognise a secret).
pub(crate) fn base64(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(alphabet[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn base64_matches_the_standard_encoding() {
        assert_eq!(base64(b"Man", STANDARD), "TWFu");
        assert_eq!(base64(b"Ma", STANDARD), "TWE");
        assert_eq!(base64(b"M", STANDARD), "TQ");
        assert_eq!(base64(&[0xfb, 0xff], URL_SAFE), "-_8");
    }

    #[test]
    fn short_secrets_are_ignored_and_the_rest_replaced() {
        let r = Redactor::new(["abc", "s3cr3t-token"]);
        assert_eq!(r.redact("abc s3cr3t-token"), "abc [REDACTED]");
        assert!(Redactor::new(["xyz"]).is_empty());
    }

    #[test]
    fn every_spelling_is_redacted() {
        let token = "ab+c/d=e f&g";
        let r = Redactor::new([token]);
        for echo in [
            r#"{"t":"ab\u002Bc\/d=e f&g"}"#,
            r#"{"t":"ab\u002bc\u002Fd\u003De\u0020f\u0026g"}"#,
            "ab%2bc%2fd%3de%20f%26g",
            "ab%2Bc/d%3De+f%26g",
            "ab%252Bc%252Fd=e f&g",
            "ab&#43;c&#x2F;d=e f&amp;g",
            r"ab\+c\/d\=e f\&g",
        ] {
            let out = r.redact(echo);
            assert!(out.contains(REDACTED), "{echo} → {out}");
            assert!(!out.contains("d=e"), "{echo} → {out}");
        }
        assert_eq!(r.redact_name("x-AB+C/D=E F&G"), "x-[REDACTED]");
    }

    #[test]
    fn base64_of_the_secret_is_redacted_at_any_alignment() {
        let token = "Zm9vYmFyLXNlY3JldA";
        let r = Redactor::new([token]);
        for prefix in ["", "u:", "us:", "Bearer "] {
            for alphabet in [STANDARD, URL_SAFE] {
                let echo = base64(format!("{prefix}{token}").as_bytes(), alphabet);
                let out = r.redact(&echo);
                assert!(out.contains(REDACTED), "{prefix} {echo} → {out}");
            }
        }
    }

    #[test]
    fn decoded_json_is_redacted_too() {
        // `\u0025` is `%`: only the decoded text spells the percent-encoded secret.
        let r = Redactor::new(["a/bcd"]);
        let out = r.redact(r#"{"k":"a\u00252Fbcd"}"#);
        assert!(out.contains(REDACTED), "{out}");
    }

    /// The echo encodings a server or an output format may apply, and their decoders.
    #[derive(Debug, Clone, Copy)]
    enum Echo {
        Raw,
        JsonEscapedAll,
        JsonSlash,
        PercentUpper,
        PercentLower,
        PercentKeepSlash,
        Form,
        Html,
        Base64InBasic,
        HeaderName,
    }

    const ECHOES: [Echo; 10] = [
        Echo::Raw,
        Echo::JsonEscapedAll,
        Echo::JsonSlash,
        Echo::PercentUpper,
        Echo::PercentLower,
        Echo::PercentKeepSlash,
        Echo::Form,
        Echo::Html,
        Echo::Base64InBasic,
        Echo::HeaderName,
    ];

    fn percent(s: &str, lower: bool, keep: &[u8]) -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || keep.contains(&b) {
                    (b as char).to_string()
                } else if lower {
                    format!("%{b:02x}")
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    fn encode(echo: Echo, token: &str) -> String {
        match echo {
            Echo::Raw => token.to_string(),
            Echo::JsonEscapedAll => token
                .chars()
                .map(|c| format!("\\u{:04X}", c as u32))
                .collect(),
            Echo::JsonSlash => {
                let json = serde_json::to_string(token).unwrap();
                json[1..json.len() - 1].replace('/', "\\/")
            }
            Echo::PercentUpper => percent(token, false, b""),
            Echo::PercentLower => percent(token, true, b""),
            Echo::PercentKeepSlash => percent(token, true, b"/-._~:@!$'()*,;="),
            Echo::Form => percent(token, false, b" ").replace(' ', "+"),
            Echo::Html => token
                .chars()
                .map(|c| match c {
                    '&' => "&amp;".to_string(),
                    '<' => "&lt;".to_string(),
                    '/' => "&#x2f;".to_string(),
                    '+' => "&#43;".to_string(),
                    c => c.to_string(),
                })
                .collect(),
            Echo::Base64InBasic => base64(format!("user:{token}").as_bytes(), STANDARD),
            Echo::HeaderName => format!("x-echo-{}", token.to_ascii_lowercase()),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// For random tokens and every echo encoding, nothing left after redaction spells
        /// the token: not the bytes, not their decoding.
        #[test]
        fn no_echo_of_a_random_token_survives(
            token in "[ -~]{4,40}",
            before in "[a-z ]{0,8}",
            after in "[a-z ]{0,8}",
        ) {
            // "[REDACTED]" itself is not a leak.
            prop_assume!(!REDACTED.to_ascii_lowercase().contains(&token.to_ascii_lowercase()));
            let r = Redactor::new([token.as_str()]);
            for echo in ECHOES {
                let encoded = encode(echo, &token);
                let text = format!("{before}{encoded}{after}");
                let out = match echo {
                    Echo::HeaderName => r.redact_name(&text),
                    Echo::JsonEscapedAll | Echo::JsonSlash => {
                        r.redact(&format!("{{\"echo\":\"{text}\"}}"))
                    }
                    _ => r.redact(&text),
                };
                prop_assert!(!out.contains(&token), "{:?}: {} → {}", echo, text, out);
                prop_assert!(!out.contains(&encoded), "{:?}: {} → {}", echo, text, out);
                if let Echo::HeaderName = echo {
                    prop_assert!(!out.contains(&token.to_ascii_lowercase()), "{}", out);
                }
                if let Ok(v) = serde_json::from_str::<Value>(&out) {
                    prop_assert!(!v.to_string().contains(&token));
                    prop_assert!(!v["echo"].as_str().unwrap_or("").contains(&token));
                }
            }
        }
    }
}
