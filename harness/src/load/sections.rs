//! What the load report's human formats say, decided once: [`document`] turns a
//! [`LoadReport`] into a title, a lead and titled sections of plain text — sentences, tables
//! of text cells with column alignment, lists, failing exchanges. [`super::markdown`] and
//! [`super::html`] only render these in their syntax (the page adds its charts), so the two
//! cannot drift apart in what they select or how they word it.

use std::fmt::Write as _;

use super::report::{FailedExchange, LoadReport, OpReport};

/// The whole report as plain text pieces.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// `Load: entra initial sync`.
    pub title: String,
    /// The verdict as recorded (`passed`, `failed`, `interrupted`, `unreachable`).
    pub verdict: String,
    /// The verdict in words (`target unreachable`).
    pub verdict_words: String,
    /// What was run and the headline figures, before any section.
    pub lead: Vec<Block>,
    /// The titled sections, in order.
    pub sections: Vec<Section>,
}

/// A titled part of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// `Throttling`, `End state`, …
    pub heading: &'static str,
    /// Its content, in order.
    pub blocks: Vec<Block>,
}

/// One piece of content.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph of one or more lines (sentences kept on lines of their own in Markdown).
    Text {
        /// The lines.
        lines: Vec<Vec<Span>>,
        /// How it is to be shown.
        tone: Tone,
    },
    /// A table of text cells.
    Table(Table),
    /// A bulleted list.
    List {
        /// One line per item.
        items: Vec<Vec<Span>>,
        /// How it is to be shown.
        tone: Tone,
    },
    /// Failing exchanges, each as a one-line summary and a full transcript.
    Exchanges(Vec<Exchange>),
}

/// Inline text.
#[derive(Debug, Clone, PartialEq)]
pub enum Span {
    /// Plain words.
    Text(String),
    /// A literal: a URL, a flag, a resource id.
    Code(String),
    /// Emphasised words.
    Strong(String),
}

/// How a block is shown where the format can (the page colours it; Markdown cannot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// As is.
    Plain,
    /// Secondary detail.
    Muted,
    /// Something that went wrong.
    Failed,
}

/// A table: columns and rows of already formatted cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The header and alignment of each column.
    pub columns: Vec<Column>,
    /// One cell per column in each row.
    pub rows: Vec<Vec<String>>,
}

/// A table column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Header text.
    pub name: &'static str,
    /// Alignment of its cells.
    pub align: Align,
}

/// Horizontal alignment of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Words.
    Left,
    /// Figures.
    Right,
}

/// A failing exchange.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    /// The operation (`user create`).
    pub operation: String,
    /// `POST https://…/Users`.
    pub request: String,
    /// `409`, `no answer: connection refused`.
    pub outcome: String,
    /// The request and answer in full (headers and bodies; secrets already redacted).
    pub transcript: String,
    /// What the real IdP would do.
    pub idp_would: String,
}

impl Span {
    /// The words, without markup.
    pub fn text(&self) -> &str {
        match self {
            Span::Text(s) | Span::Code(s) | Span::Strong(s) => s,
        }
    }
}

fn text(s: impl Into<String>) -> Span {
    Span::Text(s.into())
}

fn para(spans: Vec<Span>) -> Block {
    Block::Text {
        lines: vec![spans],
        tone: Tone::Plain,
    }
}

/// The report's content, in the order both formats show it.
pub fn document(r: &LoadReport) -> Document {
    Document {
        title: format!("Load: {} initial sync", r.idp),
        verdict: r.verdict.clone(),
        verdict_words: verdict_words(&r.verdict).to_string(),
        lead: lead(r),
        sections: vec![throttling(r), end_state(r), failures(r)]
            .into_iter()
            .filter(|s| !s.blocks.is_empty())
            .collect(),
    }
}

fn verdict_words(verdict: &str) -> &str {
    match verdict {
        "unreachable" => "target unreachable",
        other => other,
    }
}

fn lead(r: &LoadReport) -> Vec<Block> {
    let s = &r.settings;
    let mut blocks = vec![para(vec![
        text("Target "),
        Span::Code(r.target.clone()),
        text(format!(
            ", shard(s) {}: {} users, {} groups × {} members, concurrency {}{}, membership batch {}, incremental {:.0} %{}.",
            r.shards.join(", "),
            s.users,
            s.groups,
            s.members_per_group,
            s.concurrency,
            s.rate.map(|r| format!(", rate {r}/s")).unwrap_or_default(),
            s.batch_size,
            s.incremental * 100.0,
            if s.lookups_only { ", lookups only" } else { "" }
        )),
    ])];
    if let Some(stopped) = &r.stopped {
        blocks.push(para(vec![
            Span::Strong("Stopped early:".into()),
            text(format!(" {stopped}")),
        ]));
    }
    let t = &r.totals;
    blocks.push(para(vec![
        Span::Strong(format!("{} requests", t.requests)),
        text(format!(
            " in {:.1} s ({:.1} req/s), {} errors, {} throttled; p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms.",
            r.sync_ms / 1000.0,
            t.rps,
            t.errors,
            t.throttled,
            t.latency.p50_ms,
            t.latency.p99_ms,
            t.latency.max_ms
        )),
    ]));
    blocks.push(Block::Table(operations(&r.operations)));
    blocks
}

fn operations(ops: &[OpReport]) -> Table {
    let figure = |name| Column {
        name,
        align: Align::Right,
    };
    let mut columns = vec![Column {
        name: "operation",
        align: Align::Left,
    }];
    columns.extend(
        [
            "count",
            "errors",
            "throttled",
            "req/s",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "p99.9 ms",
            "max ms",
        ]
        .map(figure),
    );
    columns.push(Column {
        name: "statuses",
        align: Align::Left,
    });
    let rows = ops
        .iter()
        .map(|op| {
            let statuses: Vec<String> = op
                .by_status
                .iter()
                .map(|(k, v)| format!("{k}×{v}"))
                .chain(
                    (op.transport_errors > 0).then(|| format!("no answer×{}", op.transport_errors)),
                )
                .collect();
            let l = &op.latency;
            vec![
                op.name.clone(),
                op.count.to_string(),
                op.errors.to_string(),
                op.throttled.to_string(),
                format!("{:.1}", op.rps),
                format!("{:.3}", l.p50_ms),
                format!("{:.3}", l.p90_ms),
                format!("{:.3}", l.p99_ms),
                format!("{:.3}", l.p999_ms),
                format!("{:.3}", l.max_ms),
                statuses.join(" "),
            ]
        })
        .collect();
    Table { columns, rows }
}

fn throttling(r: &LoadReport) -> Section {
    let th = &r.throttle;
    let cost = if th.responses_429 + th.responses_503 == 0 {
        "The target never throttled.".to_string()
    } else {
        format!(
            "{} × 429 and {} × 503; {} retries, {} given up. Throttling stretched the sync by about {:.1} s ({:.1} s of individual waits, {:.1} s of job-wide pauses).",
            th.responses_429,
            th.responses_503,
            th.retries,
            th.gave_up,
            th.stretch_ms / 1000.0,
            th.waited_ms / 1000.0,
            th.paused_ms / 1000.0
        )
    };
    Section {
        heading: "Throttling",
        blocks: vec![
            para(vec![text(cost)]),
            Block::Text {
                lines: vec![vec![text(format!("IdP behaviour: {}", th.policy))]],
                tone: Tone::Muted,
            },
        ],
    }
}

fn end_state(r: &LoadReport) -> Section {
    let c = &r.created;
    let v = &r.verification;
    let read_back = if v.mismatches.is_empty() {
        format!(
            "Read back {} users and {} groups: all as the IdP intends.",
            v.users_checked, v.groups_checked
        )
    } else {
        format!(
            "Read back {} users and {} groups: {} mismatch(es).",
            v.users_checked,
            v.groups_checked,
            v.mismatches.len()
        )
    };
    let mut blocks = vec![Block::Text {
        lines: vec![
            vec![text(format!(
                "Created {} users and {} groups; {} lookup(s) found existing data, left untouched.",
                c.users, c.groups, c.preexisting_untouched
            ))],
            vec![text(read_back)],
        ],
        tone: Tone::Plain,
    }];
    if !v.mismatches.is_empty() {
        let left = |name| Column {
            name,
            align: Align::Left,
        };
        blocks.push(Block::Table(Table {
            columns: vec![
                left("resource"),
                left("problem"),
                left("what the IdP would do"),
            ],
            rows: v
                .mismatches
                .iter()
                .map(|m| vec![m.resource.clone(), m.problem.clone(), m.idp_would.clone()])
                .collect(),
        }));
    }
    let cl = &r.cleanup;
    if cl.kept {
        blocks.push(para(vec![
            text("Cleanup: skipped ("),
            Span::Code("--keep".into()),
            text("); the created resources remain."),
        ]));
    } else {
        blocks.push(para(vec![text(format!(
            "Cleanup: deleted {}, failed {}.",
            cl.deleted, cl.failed
        ))]));
        if !cl.leaks.is_empty() {
            blocks.push(Block::List {
                items: cl
                    .leaks
                    .iter()
                    .map(|leak| vec![text("LEAK "), Span::Code(leak.clone())])
                    .collect(),
                tone: Tone::Failed,
            });
        }
    }
    Section {
        heading: "End state",
        blocks,
    }
}

fn failures(r: &LoadReport) -> Section {
    let blocks = if r.failures.is_empty() {
        Vec::new()
    } else {
        vec![Block::Exchanges(r.failures.iter().map(exchange).collect())]
    };
    Section {
        heading: "First failures",
        blocks,
    }
}

fn exchange(f: &FailedExchange) -> Exchange {
    let status = f.status.map_or("no answer".to_string(), |s| s.to_string());
    let outcome = match &f.error {
        Some(e) => format!("{status}: {e}"),
        None => status.clone(),
    };
    let mut transcript = format!("{}\n", f.request);
    for (k, v) in &f.request_headers {
        let _ = writeln!(transcript, "{k}: {v}");
    }
    if let Some(b) = &f.request_body {
        let _ = writeln!(transcript, "\n{b}");
    }
    let _ = writeln!(transcript, "\n→ {status}");
    for (k, v) in &f.response_headers {
        let _ = writeln!(transcript, "{k}: {v}");
    }
    for part in [&f.response_body, &f.error].into_iter().flatten() {
        let _ = writeln!(transcript, "\n{part}");
    }
    Exchange {
        operation: f.operation.clone(),
        request: f.request.clone(),
        outcome,
        transcript,
        idp_would: f.idp_would.clone(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::load::report::{
        CleanupReport, Created, Mismatch, OpReport, Settings, ThrottleReport, Totals, Verification,
    };

    /// A report with something in every part: throttling, a mismatch, a leak, a failure,
    /// answers that never came, and text that needs escaping in both formats.
    pub(crate) fn eventful() -> LoadReport {
        LoadReport {
            kind: "load".into(),
            idp: "okta-oin".into(),
            target: "http://127.0.0.1:9/scim?a=1&b=<2>".into(),
            shards: vec!["1/2".into()],
            settings: Settings {
                users: 10,
                groups: 1,
                members_per_group: 5,
                concurrency: 2,
                rate: Some(50),
                batch_size: 5,
                incremental: 0.5,
                lookups_only: false,
            },
            verdict: "failed".into(),
            stopped: Some("--duration 5s reached".into()),
            sync_ms: 2500.0,
            totals: Totals {
                requests: 23,
                errors: 2,
                throttled: 3,
                rps: 9.2,
                ..Totals::default()
            },
            operations: vec![OpReport {
                name: "user create".into(),
                count: 12,
                errors: 2,
                throttled: 3,
                transport_errors: 1,
                by_status: BTreeMap::from([("201".into(), 8), ("429".into(), 3)]),
                ..OpReport::default()
            }],
            throttle: ThrottleReport {
                policy: "Okta waits for Retry-After".into(),
                responses_429: 3,
                retries: 3,
                waited_ms: 1200.0,
                stretch_ms: 1100.0,
                ..ThrottleReport::default()
            },
            created: Created {
                users: 8,
                groups: 1,
                preexisting_untouched: 1,
            },
            verification: Verification {
                users_checked: 8,
                groups_checked: 1,
                mismatches: vec![Mismatch {
                    resource: "User u|7".into(),
                    problem: "title is <none>\nexpected Engineer".into(),
                    idp_would: "re-send the PUT".into(),
                }],
            },
            cleanup: CleanupReport {
                kept: false,
                deleted: 8,
                failed: 1,
                leaks: vec!["/Groups/g1 — 500".into()],
            },
            failures: vec![FailedExchange {
                operation: "user create".into(),
                request: "POST http://127.0.0.1:9/scim/Users".into(),
                request_headers: vec![("Authorization".into(), "[redacted]".into())],
                request_body: Some("{\"userName\":\"u1\"}".into()),
                status: None,
                error: Some("connection refused".into()),
                idp_would: "retry in the next cycle".into(),
                ..FailedExchange::default()
            }],
            ..LoadReport::default()
        }
    }

    fn section<'a>(d: &'a Document, heading: &str) -> &'a Section {
        d.sections
            .iter()
            .find(|s| s.heading == heading)
            .unwrap_or_else(|| panic!("no section {heading}: {d:#?}"))
    }

    #[test]
    fn a_quiet_run_has_no_failures_section_and_says_nothing_throttled() {
        let mut r = eventful();
        r.throttle = ThrottleReport::default();
        r.failures.clear();
        r.verification.mismatches.clear();
        r.cleanup = CleanupReport {
            kept: true,
            ..CleanupReport::default()
        };
        let d = document(&r);
        let headings: Vec<&str> = d.sections.iter().map(|s| s.heading).collect();
        assert_eq!(headings, ["Throttling", "End state"]);
        assert_eq!(
            section(&d, "Throttling").blocks[0],
            para(vec![text("The target never throttled.")])
        );
        let end = &section(&d, "End state").blocks;
        assert!(
            matches!(&end[0], Block::Text { lines, .. } if lines[1][0].text().ends_with("all as the IdP intends.")),
            "{end:?}"
        );
        assert!(
            !end.iter()
                .any(|b| matches!(b, Block::Table(_) | Block::List { .. })),
            "no mismatch table and no leaks: {end:?}"
        );
        assert!(
            matches!(&end[1], Block::Text { lines, .. } if lines[0][1] == Span::Code("--keep".into())),
            "{end:?}"
        );
    }

    #[test]
    fn an_eventful_run_lists_statuses_mismatches_leaks_and_failures() {
        let d = document(&eventful());
        assert_eq!(d.title, "Load: okta-oin initial sync");
        assert_eq!(
            (d.verdict.as_str(), d.verdict_words.as_str()),
            ("failed", "failed")
        );
        let Block::Table(ops) = &d.lead[3] else {
            panic!("{:?}", d.lead)
        };
        assert_eq!(ops.columns.len(), 11);
        assert_eq!(ops.columns[1].align, Align::Right);
        assert_eq!(ops.columns[10].align, Align::Left);
        assert_eq!(ops.rows[0][10], "201×8 429×3 no answer×1");
        assert_eq!(ops.rows[0].len(), ops.columns.len());
        let Block::Text { lines, .. } = &section(&d, "Throttling").blocks[0] else {
            panic!()
        };
        assert!(
            lines[0][0]
                .text()
                .contains("about 1.1 s (1.2 s of individual waits")
        );
        let end = &section(&d, "End state").blocks;
        assert!(
            end.iter()
                .any(|b| matches!(b, Block::Table(t) if t.rows[0][0] == "User u|7")),
            "{end:?}"
        );
        assert!(end.contains(&Block::List {
            items: vec![vec![text("LEAK "), Span::Code("/Groups/g1 — 500".into())]],
            tone: Tone::Failed,
        }));
        let Block::Exchanges(ex) = &section(&d, "First failures").blocks[0] else {
            panic!()
        };
        assert_eq!(ex[0].outcome, "no answer: connection refused");
        assert_eq!(
            ex[0].transcript,
            "POST http://127.0.0.1:9/scim/Users\nAuthorization: [redacted]\n\n{\"userName\":\"u1\"}\n\n→ no answer\n\nconnection refused\n"
        );
    }

    #[test]
    fn unreachable_is_said_in_words() {
        assert_eq!(verdict_words("unreachable"), "target unreachable");
        assert_eq!(verdict_words("passed"), "passed");
    }
}
