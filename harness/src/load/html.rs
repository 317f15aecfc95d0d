//! `load.html`: one self-contained page — the [`sections`](super::sections) in HTML, with
//! latency and throughput over time as inline SVG charts after the lead, and the first
//! failing exchanges in full (secrets already redacted).

use std::fmt::Write as _;

use plotters::style::RGBColor;

use super::chart::{Line, line_chart};
use super::report::{LoadReport, SecondPoint};
use super::sections::{Align, Block, Span, Table, Tone, document};

const BLUE: RGBColor = RGBColor(31, 119, 180);
const ORANGE: RGBColor = RGBColor(255, 127, 14);
const RED: RGBColor = RGBColor(214, 39, 40);
const PURPLE: RGBColor = RGBColor(148, 103, 189);

/// Renders the page.
pub fn render(r: &LoadReport) -> String {
    let d = document(r);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Load: {idp}</title>\n<style>\
body{{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse}}\
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}td:first-child,th:first-child{{text-align:left}}\
.passed{{color:#1a7f37}}.failed,.unreachable{{color:#cf222e}}.interrupted{{color:#9a6700}}.muted{{color:#666}}\
pre{{background:#f6f8fa;padding:8px;white-space:pre-wrap;word-break:break-all}}\
</style></head><body>\n",
        idp = esc(&r.idp)
    );
    let _ = writeln!(
        out,
        "<h1>{} — <span class=\"{}\">{}</span></h1>",
        esc(&d.title),
        esc(&d.verdict),
        esc(&d.verdict_words)
    );
    blocks(&mut out, &d.lead);
    out.push_str("<h2>Over time</h2>\n");
    charts(&mut out, &r.series);
    for s in &d.sections {
        let _ = writeln!(out, "<h2>{}</h2>", esc(s.heading));
        blocks(&mut out, &s.blocks);
    }
    out.push_str("</body></html>\n");
    out
}

/// Latency and throughput per second of the run.
fn charts(out: &mut String, series: &[SecondPoint]) {
    let at = |f: fn(&SecondPoint) -> f64| -> Vec<(f64, f64)> {
        series.iter().map(|p| (p.t as f64, f(p))).collect()
    };
    let latency = line_chart(
        "Latency per second",
        "ms",
        &[
            Line {
                label: "p50",
                color: BLUE,
                points: at(|p| p.p50_ms),
            },
            Line {
                label: "p99",
                color: ORANGE,
                points: at(|p| p.p99_ms),
            },
        ],
    );
    let throughput = line_chart(
        "Throughput per second",
        "requests",
        &[
            Line {
                label: "requests",
                color: BLUE,
                points: at(|p| p.requests as f64),
            },
            Line {
                label: "errors",
                color: RED,
                points: at(|p| p.errors as f64),
            },
            Line {
                label: "throttled",
                color: PURPLE,
                points: at(|p| p.throttled as f64),
            },
        ],
    );
    for chart in [latency, throughput] {
        out.push_str(&chart);
        out.push('\n');
    }
}

fn blocks(out: &mut String, blocks: &[Block]) {
    for b in blocks {
        match b {
            Block::Text { lines, tone } => {
                let text: Vec<String> = lines.iter().map(|l| spans(l)).collect();
                let _ = writeln!(out, "<p{}>{}</p>", class(*tone), text.join(" "));
            }
            Block::Table(t) => table(out, t),
            Block::List { items, tone } => {
                let _ = writeln!(out, "<ul{}>", class(*tone));
                for item in items {
                    let _ = writeln!(out, "<li>{}</li>", spans(item));
                }
                out.push_str("</ul>\n");
            }
            Block::Exchanges(exchanges) => {
                for e in exchanges {
                    let _ = writeln!(
                        out,
                        "<h3>{}</h3>\n<pre>{}</pre>\n<p>{}</p>",
                        esc(&e.operation),
                        esc(&e.transcript),
                        esc(&e.idp_would)
                    );
                }
            }
        }
    }
}

fn class(tone: Tone) -> &'static str {
    match tone {
        Tone::Plain => "",
        Tone::Muted => " class=\"muted\"",
        Tone::Failed => " class=\"failed\"",
    }
}

fn spans(line: &[Span]) -> String {
    line.iter()
        .map(|s| match s {
            Span::Text(t) => esc(t),
            Span::Code(t) => format!("<code>{}</code>", esc(t)),
            Span::Strong(t) => format!("<strong>{}</strong>", esc(t)),
        })
        .collect()
}

/// The page's style sets the first column left and the others right; a left-aligned column
/// past the first says so on its cells.
fn table(out: &mut String, t: &Table) {
    let styles: Vec<&str> = t
        .columns
        .iter()
        .enumerate()
        .map(|(k, c)| match c.align {
            Align::Left if k > 0 => " style=\"text-align:left\"",
            _ => "",
        })
        .collect();
    out.push_str("<table><tr>");
    for (c, style) in t.columns.iter().zip(&styles) {
        let _ = write!(out, "<th{style}>{}</th>", esc(c.name));
    }
    out.push_str("</tr>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for (cell, style) in row.iter().zip(&styles) {
            let _ = write!(out, "<td{style}>{}</td>", esc(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::sections::tests::eventful;

    #[test]
    fn escapes_text_aligns_word_columns_and_shows_exchanges_in_full() {
        let html = render(&eventful());
        assert!(
            html.contains(
                "<h1>Load: okta-oin initial sync — <span class=\"failed\">failed</span></h1>"
            ),
            "{html}"
        );
        assert!(
            html.contains("<code>http://127.0.0.1:9/scim?a=1&amp;b=&lt;2&gt;</code>"),
            "{html}"
        );
        assert!(
            html.contains("<td>User u|7</td><td style=\"text-align:left\">title is &lt;none&gt;\nexpected Engineer</td>"),
            "{html}"
        );
        assert!(
            html.contains("<td style=\"text-align:left\">201×8 429×3 no answer×1</td></tr>"),
            "{html}"
        );
        assert!(
            html.contains(
                "<ul class=\"failed\">\n<li>LEAK <code>/Groups/g1 — 500</code></li>\n</ul>"
            ),
            "{html}"
        );
        assert!(
            html.contains("<h3>user create</h3>\n<pre>POST http://127.0.0.1:9/scim/Users\nAuthorization: [redacted]\n"),
            "{html}"
        );
        assert!(
            html.contains("<p class=\"muted\">IdP behaviour: Okta waits for Retry-After</p>"),
            "{html}"
        );
        assert_eq!(
            html.matches("<svg").count() + html.matches("no data.").count(),
            2
        );
    }

    /// Every heading, sentence, cell and list item of the content is on the page and in
    /// the Markdown, each in its own escaping: the two formats say the same things.
    #[test]
    fn the_page_and_the_markdown_say_the_same_things() {
        let r = eventful();
        let d = document(&r);
        let (html, md) = (render(&r), crate::load::markdown::render(&r));
        // (text, is a table cell)
        let mut said: Vec<(String, bool)> =
            vec![(d.title.clone(), false), (d.verdict_words.clone(), false)];
        said.extend(d.sections.iter().map(|s| (s.heading.to_string(), false)));
        for b in d
            .lead
            .iter()
            .chain(d.sections.iter().flat_map(|s| &s.blocks))
        {
            match b {
                Block::Text { lines: l, .. } | Block::List { items: l, .. } => {
                    said.extend(l.iter().flatten().map(|s| (s.text().to_string(), false)));
                }
                Block::Table(t) => {
                    said.extend(t.columns.iter().map(|c| (c.name.to_string(), true)));
                    said.extend(t.rows.iter().flatten().map(|c| (c.clone(), true)));
                }
                Block::Exchanges(e) => {
                    said.extend(
                        e.iter()
                            .flat_map(|e| [&e.operation, &e.request, &e.idp_would])
                            .map(|t| (t.clone(), false)),
                    );
                }
            }
        }
        assert!(said.len() > 40, "{said:?}");
        for (text, is_cell) in &said {
            let in_md = if *is_cell {
                crate::load::markdown::cell(text)
            } else {
                text.clone()
            };
            assert!(md.contains(&in_md), "the Markdown lacks {in_md:?}:\n{md}");
            assert!(
                html.contains(&esc(text)),
                "the page lacks {:?}:\n{html}",
                esc(text)
            );
        }
    }
}
