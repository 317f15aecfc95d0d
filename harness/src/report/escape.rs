//! Control characters from the target, made visible: a server must not be able to move the
//! cursor, clear the screen or recolour the terminal of whoever reads the output or a report
//! (`cat report.md`), nor reorder text with bidirectional overrides.

/// True for the characters that are escaped: C0 and C1 controls other than newline and tab,
/// DEL, and the Unicode bidirectional overrides and isolates.
fn hostile(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with hostile characters written as `\u{1b}`.
pub fn controls(text: &str) -> String {
    if !text.chars().any(hostile) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if hostile(c) {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The same for JSON text: hostile characters (only ever inside strings there) become JSON
/// escapes (`\u001b`), so the document still decodes to the same data.
pub fn controls_json(text: &str) -> String {
    if !text.chars().any(hostile) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if hostile(c) {
                format!("\\u{:04x}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_overrides_are_made_visible() {
        let fake = "ok\u{1b}[2J\u{1b}[32mPASSED\u{9b}1m\u{7f}\u{202e}txt\r\n\tend";
        let out = controls(fake);
        assert_eq!(
            out,
            "ok\\u{1b}[2J\\u{1b}[32mPASSED\\u{9b}1m\\u{7f}\\u{202e}txt\\u{d}\n\tend"
        );
        assert!(!out.chars().any(hostile));
    }

    #[test]
    fn json_keeps_its_data() {
        let text = serde_json::json!({"k": "a\u{7f}\u{9b}b"}).to_string();
        let out = controls_json(&text);
        assert!(!out.chars().any(hostile), "{out}");
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back["k"], "a\u{7f}\u{9b}b");
    }
}
