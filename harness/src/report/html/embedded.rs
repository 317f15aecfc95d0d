//! Data embedded in the page as `<script type="application/json">`: JSON whose text cannot
//! end the script element, open a comment, or carry a byte that moves a reader's terminal.
//!
//! Everything the target sent can be in it, so every `<`, `>` and `&`, the JavaScript line
//! separators and every control or bidirectional character is written as a `\uXXXX` escape:
//! `JSON.parse` gives back exactly what was recorded, and no sequence of the text can be
//! read as markup (`</script>`, `<!--`) by the HTML parser.

use serde::Serialize;

/// `value` as JSON safe to place between `<script type="application/json">` and
/// `</script>`.
pub(super) fn script_json(value: &impl Serialize) -> Result<String, serde_json::Error> {
    let json = serde_json::to_string(value)?;
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        if needs_escape(c) {
            // Every such character is in the Basic Multilingual Plane: one escape.
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// Outside strings JSON has only ASCII punctuation, digits, letters and whitespace (space,
/// tab, newline, carriage return), so escaping these is only ever done inside strings.
fn needs_escape(c: char) -> bool {
    matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}')
        || (c.is_control() && !matches!(c, '\n' | '\t' | '\r' | ' '))
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The embedded document of a rendered page (for tests).
#[cfg(test)]
pub(super) fn extract(html: &str) -> Option<&str> {
    let open = "<script type=\"application/json\" id=\"deferred\">";
    let start = html.find(open)? + open.len();
    let len = html[start..].find("</script>")?;
    Some(&html[start..start + len])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_controls_become_escapes_and_the_data_survives() {
        let nasty = "</script><!-- <script>&amp;\u{2028}\u{2029}\u{1b}[2J\u{7f}\u{9b}\u{202e}\u{2066}\"\\ ok";
        let out = script_json(&serde_json::json!({ "k": nasty })).unwrap();
        for c in [
            '<', '>', '&', '\u{2028}', '\u{2029}', '\u{1b}', '\u{7f}', '\u{9b}', '\u{202e}',
            '\u{2066}',
        ] {
            assert!(!out.contains(c), "{c:?} in {out}");
        }
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back["k"], nasty);
    }
}
