//! `report badge`: one SVG badge per suite verdict — "Okta (OIN apps) | ready",
//! "RFC 7643/7644 conformance | 3 violations" — for a vendor's README or docs, in the flat
//! style of shields.io badges. Text widths are estimated from Verdana's advance widths at
//! 11 px (what such badges use), so no font is needed to draw them; all text is XML-escaped.

use crate::run_report::{RunReport, SuiteOutcome, SuiteVerdict};

/// One badge: its file name and SVG text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    /// `badge-<suite id>.svg`.
    pub file_name: String,
    /// The left side: the suite's title.
    pub label: String,
    /// The right side: the verdict.
    pub message: String,
    /// The right side's colour (`#rrggbb`).
    pub color: &'static str,
    /// The SVG document.
    pub svg: String,
}

/// Green: conformant, ready.
pub const GREEN: &str = "#4c1";
/// Red: violations, blockers.
pub const RED: &str = "#e05d44";
/// Orange: could not run to the end.
pub const ORANGE: &str = "#fe7d37";
/// Grey: not run.
pub const GREY: &str = "#9f9f9f";

/// A badge for every suite of the report, in the report's order.
pub fn badges(report: &RunReport) -> Vec<Badge> {
    report.suites.iter().map(badge).collect()
}

/// The badge of one suite verdict.
pub fn badge(suite: &SuiteVerdict) -> Badge {
    let plural = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let (message, color) = match suite.outcome {
        SuiteOutcome::Conformant => ("conformant".to_string(), GREEN),
        SuiteOutcome::Ready => ("ready".to_string(), GREEN),
        SuiteOutcome::Violations => (plural(suite.findings, "violation", "violations"), RED),
        SuiteOutcome::Blockers => (plural(suite.findings, "blocker", "blockers"), RED),
        SuiteOutcome::Incomplete => ("incomplete".to_string(), ORANGE),
        SuiteOutcome::NotRun => ("not run".to_string(), GREY),
    };
    let label = suite.title.clone();
    Badge {
        file_name: format!("badge-{}.svg", file_stem(&suite.id)),
        svg: svg(&label, &message, color),
        label,
        message,
        color,
    }
}

/// A suite id as a file name: letters, digits, `-` and `_`; anything else becomes `-`.
fn file_stem(id: &str) -> String {
    let stem: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if stem.is_empty() {
        "suite".into()
    } else {
        stem
    }
}

/// A flat badge: a grey label and a coloured message, rounded, with a light gradient and a
/// text shadow, as shields.io draws them.
pub fn svg(label: &str, message: &str, color: &str) -> String {
    const PAD: f64 = 10.0;
    let lw = (text_width(label) + PAD).round();
    let mw = (text_width(message) + PAD).round();
    let total = lw + mw;
    // Text is drawn at 10× scale, as shields.io does, for sub-pixel placement.
    let lx = (lw / 2.0 * 10.0).round();
    let mx = ((lw + mw / 2.0) * 10.0).round();
    let ltl = ((lw - PAD) * 10.0).round();
    let mtl = ((mw - PAD) * 10.0).round();
    let (label, message, title) = (
        escape(label),
        escape(message),
        escape(&format!("{}: {}", label, message)),
    );
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" aria-label="{title}">
  <title>{title}</title>
  <linearGradient id="s" x2="0" y2="100%">
    <stop offset="0" stop-color="#bbb" stop-opacity=".1"/>
    <stop offset="1" stop-opacity=".1"/>
  </linearGradient>
  <clipPath id="r">
    <rect width="{total}" height="20" rx="3" fill="#fff"/>
  </clipPath>
  <g clip-path="url(#r)">
    <rect width="{lw}" height="20" fill="#555"/>
    <rect x="{lw}" width="{mw}" height="20" fill="{color}"/>
    <rect width="{total}" height="20" fill="url(#s)"/>
  </g>
  <g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" text-rendering="geometricPrecision" font-size="110">
    <text aria-hidden="true" x="{lx}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="{ltl}">{label}</text>
    <text x="{lx}" y="140" transform="scale(.1)" fill="#fff" textLength="{ltl}">{label}</text>
    <text aria-hidden="true" x="{mx}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="{mtl}">{message}</text>
    <text x="{mx}" y="140" transform="scale(.1)" fill="#fff" textLength="{mtl}">{message}</text>
  </g>
</svg>
"##
    )
}

/// Estimated width in pixels of `text` in Verdana 11 px (its advance widths, rounded to
/// tenths; characters outside ASCII count as wide ones). `textLength` makes the renderer
/// fit the text to this width whatever font it has.
fn text_width(text: &str) -> f64 {
    text.chars()
        .map(|c| match c {
            'i' | 'l' | '|' | '\'' | '.' | ',' | ':' | ';' | '!' => 3.4,
            'f' | 'j' | 'r' | 't' | 'I' | '(' | ')' | '[' | ']' | '/' | '\\' | '-' => 4.8,
            ' ' => 3.9,
            'm' | 'w' | 'M' | 'W' | '%' | '@' => 10.0,
            c if c.is_ascii_digit() => 7.0,
            c if c.is_ascii_uppercase() => 7.6,
            c if c.is_ascii() => 6.6,
            _ => 8.5,
        })
        .sum()
}

/// XML text and attribute escaping.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Not allowed in XML 1.0 at all: drop it rather than write a broken file.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_report::SuiteKind;

    fn suite(id: &str, title: &str, outcome: SuiteOutcome, findings: u32) -> SuiteVerdict {
        SuiteVerdict {
            id: id.into(),
            kind: if id == "rfc" {
                SuiteKind::Rfc
            } else {
                SuiteKind::Idp
            },
            title: title.into(),
            outcome,
            findings,
            warnings: 0,
            passed: 3,
            failed: findings,
            errored: 0,
            skipped: 0,
            gating: true,
            next: None,
        }
    }

    #[test]
    fn messages_and_colours_follow_the_verdict() {
        let cases = [
            (SuiteOutcome::Conformant, 0, "conformant", GREEN),
            (SuiteOutcome::Ready, 0, "ready", GREEN),
            (SuiteOutcome::Violations, 3, "3 violations", RED),
            (SuiteOutcome::Violations, 1, "1 violation", RED),
            (SuiteOutcome::Blockers, 2, "2 blockers", RED),
            (SuiteOutcome::Incomplete, 0, "incomplete", ORANGE),
            (SuiteOutcome::NotRun, 0, "not run", GREY),
        ];
        for (outcome, findings, message, color) in cases {
            let b = badge(&suite("okta-oin", "Okta OIN", outcome, findings));
            assert_eq!((b.message.as_str(), b.color), (message, color));
            assert_eq!(b.file_name, "badge-okta-oin.svg");
            assert!(b.svg.contains(&format!("fill=\"{color}\"")));
        }
    }

    #[test]
    fn badge_snapshot() {
        let b = badge(&suite(
            "okta-oin",
            "Okta (OIN apps)",
            SuiteOutcome::Ready,
            0,
        ));
        insta::assert_snapshot!("badge_okta_ready", b.svg);
    }

    /// Every badge is well-formed XML whatever the title holds, and its text reads back as
    /// the label and message.
    #[test]
    fn badges_are_well_formed_xml_with_escaped_text() {
        use quick_xml::events::Event;

        let hostile = "<Acme & \"Co\"> 'IdP' ]]> \u{1b}[31m";
        let b = badge(&suite("x/../y", hostile, SuiteOutcome::Violations, 12));
        assert_eq!(b.file_name, "badge-x----y.svg");
        let mut reader = quick_xml::Reader::from_str(&b.svg);
        let mut texts = Vec::new();
        let mut text = String::new();
        let mut depth = 0i32;
        let mut root = None;
        let mut flush = |text: &mut String| {
            if !text.trim().is_empty() {
                texts.push(std::mem::take(text));
            }
            text.clear();
        };
        loop {
            match reader.read_event().expect("the badge is well-formed XML") {
                Event::Start(e) => {
                    flush(&mut text);
                    if depth == 0 {
                        root = Some(String::from_utf8_lossy(e.name().as_ref()).into_owned());
                        let attrs: Vec<_> = e.attributes().map(|a| a.unwrap()).collect();
                        assert!(attrs.iter().any(|a| a.key.as_ref() == b"aria-label"));
                    }
                    depth += 1;
                }
                Event::End(_) => {
                    flush(&mut text);
                    depth -= 1;
                }
                Event::Text(t) => text.push_str(&t.decode().unwrap()),
                Event::GeneralRef(r) => {
                    let name = r.decode().unwrap();
                    let c = quick_xml::escape::resolve_predefined_entity(&name)
                        .unwrap_or_else(|| panic!("unknown entity {name}"));
                    text.push_str(c);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(depth, 0, "every element is closed");
        assert_eq!(root.as_deref(), Some("svg"));
        let label = hostile.replace('\u{1b}', "\u{fffd}");
        assert_eq!(texts[0], format!("{label}: 12 violations"), "the title");
        assert!(texts.contains(&label) && texts.contains(&"12 violations".to_string()));
    }

    #[test]
    fn longer_text_makes_a_wider_badge() {
        let width = |svg: &str| -> f64 {
            let at = svg.find("width=\"").unwrap() + 7;
            svg[at..].split('"').next().unwrap().parse().unwrap()
        };
        let short = svg("RFC", "ok", GREEN);
        let long = svg("RFC 7643/7644 conformance", "12 violations", RED);
        assert!(width(&long) > width(&short) + 100.0);
    }
}
