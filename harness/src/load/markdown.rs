//! `load.md`: the load report for a pull-request comment or a CI step summary — the
//! [`sections`](super::sections) in Markdown syntax.

use std::fmt::Write as _;

use super::report::LoadReport;
use super::sections::{Align, Block, Span, Table, document};

/// Renders the Markdown summary.
pub fn render(r: &LoadReport) -> String {
    let d = document(r);
    let mark = match d.verdict.as_str() {
        "passed" => "✅ ",
        "failed" => "❌ ",
        "interrupted" => "⏹ ",
        "unreachable" => "⛔ ",
        _ => "",
    };
    let mut out = format!("# {} — {mark}{}\n\n", d.title, d.verdict_words);
    blocks(&mut out, &d.lead);
    for s in &d.sections {
        let _ = write!(out, "## {}\n\n", s.heading);
        blocks(&mut out, &s.blocks);
    }
    out
}

/// Each block followed by a blank line.
fn blocks(out: &mut String, blocks: &[Block]) {
    for b in blocks {
        match b {
            Block::Text { lines, .. } => {
                for line in lines {
                    let _ = writeln!(out, "{}", spans(line));
                }
            }
            Block::Table(t) => table(out, t),
            Block::List { items, .. } => {
                for item in items {
                    let _ = writeln!(out, "- {}", spans(item));
                }
            }
            Block::Exchanges(exchanges) => {
                for e in exchanges {
                    let _ = writeln!(
                        out,
                        "- **{}** `{}` → {}. {}",
                        e.operation, e.request, e.outcome, e.idp_would
                    );
                }
            }
        }
        out.push('\n');
    }
}

fn spans(line: &[Span]) -> String {
    line.iter()
        .map(|s| match s {
            Span::Text(t) => t.clone(),
            Span::Code(t) => format!("`{t}`"),
            Span::Strong(t) => format!("**{t}**"),
        })
        .collect()
}

fn table(out: &mut String, t: &Table) {
    let row = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
    let _ = writeln!(
        out,
        "{}",
        row(t.columns.iter().map(|c| cell(c.name)).collect())
    );
    let rule: String = t
        .columns
        .iter()
        .map(|c| match c.align {
            Align::Left => "---|",
            Align::Right => "---:|",
        })
        .collect();
    let _ = writeln!(out, "|{rule}");
    for r in &t.rows {
        let _ = writeln!(out, "{}", row(r.iter().map(|c| cell(c)).collect()));
    }
}

/// A table cell stays on its line and in its column.
pub(super) fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::sections::tests::eventful;

    #[test]
    fn tables_keep_their_columns_and_lists_their_items() {
        let md = render(&eventful());
        assert!(
            md.starts_with("# Load: okta-oin initial sync — ❌ failed\n\n"),
            "{md}"
        );
        assert!(
            md.contains(
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n| user create | 12 |"
            ),
            "{md}"
        );
        assert!(
            md.contains("| User u\\|7 | title is <none> expected Engineer | re-send the PUT |"),
            "{md}"
        );
        assert!(md.contains("\n- LEAK `/Groups/g1 — 500`\n"), "{md}");
        assert!(
            md.contains("\n## First failures\n\n- **user create** `POST http://127.0.0.1:9/scim/Users` → no answer: connection refused. retry in the next cycle\n"),
            "{md}"
        );
        assert!(
            md.contains("**Stopped early:** --duration 5s reached\n"),
            "{md}"
        );
    }
}
