//! `report.md`: GitHub-flavoured Markdown for PR comments and CI step summaries: a verdict
//! heading, a summary table, a table of failures, then one `<details>` block per failure
//! with the exchange (`details`); `inline` escapes what goes into the text.

mod details;
mod inline;

use std::fmt::Write as _;

use details::{error_details, failure_details};
use inline::{cell, code, fenced, html, text};

use super::select::needs_error_block;
use super::select::{Finding, by_step, failures, warnings};
use super::text::{natural_cmp, seconds, verdict_sentence, verdict_title};
use crate::run_report::{RunReport, TargetKind};

/// At most this many failures get a `<details>` block (PR comments are limited to 64 KB).
const MAX_DETAILS: usize = 30;
/// Table cells are cut at this many bytes.
const CELL_LIMIT: usize = 160;

/// GitHub refuses a step summary over 1 MiB; `report.md` stays within it too.
pub const SUMMARY_LIMIT: usize = 1 << 20;

/// How much of a big run the Markdown shows.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Rows of each table and list (failures, warnings, skipped, leaks).
    rows: usize,
    /// `<details>` blocks of failing steps, with their exchanges.
    details: usize,
    /// `<details>` blocks of errored scenarios, with their exchanges.
    errors: usize,
    /// Whether the per-requirement table is shown.
    requirements: bool,
}

/// Tried in order until the Markdown fits; the first is the whole report.
const TIERS: [Limits; 4] = [
    Limits {
        rows: usize::MAX,
        details: MAX_DETAILS,
        errors: usize::MAX,
        requirements: true,
    },
    Limits {
        rows: 1000,
        details: 10,
        errors: 10,
        requirements: true,
    },
    Limits {
        rows: 100,
        details: 3,
        errors: 3,
        requirements: false,
    },
    Limits {
        rows: 20,
        details: 0,
        errors: 0,
        requirements: false,
    },
];

/// The report as GitHub-flavoured Markdown, within [`SUMMARY_LIMIT`].
pub(super) fn render(report: &RunReport) -> String {
    render_within(report, SUMMARY_LIMIT)
}

/// The report as GitHub-flavoured Markdown of at most `max_bytes` bytes: when the whole
/// report is bigger, tables, lists and details are cut (each cut says how much was left out
/// and where to find it), and as a last resort the text itself is cut with a note.
pub fn render_within(report: &RunReport, max_bytes: usize) -> String {
    let mut md = String::new();
    for limits in TIERS {
        md = render_with(report, limits);
        if md.len() <= max_bytes {
            return md;
        }
    }
    let note = format!(
        "\n\n_The summary was cut at {max_bytes} bytes to stay within the size limit; `report.json` and `report.html` hold the whole run._\n"
    );
    let mut end = max_bytes.saturating_sub(note.len());
    while !md.is_char_boundary(end) {
        end -= 1;
    }
    md.truncate(end);
    if note.len() <= max_bytes {
        md.push_str(&note);
    }
    md
}

/// `_N more … left out …_` after a cut table or list.
fn left_out(md: &mut String, n: usize, what: &str) {
    let _ = writeln!(
        md,
        "\n_{n} more {what} left out to keep this summary within GitHub's size limit; `report.json` and `report.html` list them all._"
    );
}

fn render_with(report: &RunReport, lim: Limits) -> String {
    let mut md = String::new();
    let s = &report.summary;
    let total = s.passed + s.failed + s.errored + s.skipped;

    let _ = writeln!(md, "## scim-harness: {}\n", verdict_title(report.verdict));
    let _ = writeln!(md, "{}\n", text(&verdict_sentence(report)));
    md.push_str(
        "| Target | Scenarios | Passed | Failed | Errored | Skipped | Checks | Findings | Warnings | Requests | Duration |\n",
    );
    md.push_str("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    let _ = writeln!(
        md,
        "| {} ({}) | {total} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
        cell(&report.target.base_url),
        match report.target.kind {
            TargetKind::Embedded => "embedded",
            TargetKind::External => "external",
        },
        s.passed,
        s.failed,
        s.errored,
        s.skipped,
        s.checks,
        s.findings,
        s.warnings,
        s.requests,
        seconds(report.duration_ms)
    );
    let _ = writeln!(
        md,
        "<sub>{} {} · started {} · report format {}</sub>\n",
        html(&report.tool.name),
        html(&report.tool.version),
        html(&report.started_at),
        report.format_version
    );

    if let Some(err) = &report.preflight_error {
        let _ = writeln!(md, "### Target problem\n\n{}\n", fenced(err, "text"));
    }

    if !report.suites.is_empty() {
        md.push_str("| Suite | Verdict | Findings | Warnings | Gates the exit code | What the IdP does next |\n|---|---|--:|--:|---|---|\n");
        for v in &report.suites {
            let _ = writeln!(
                md,
                "| {} (`{}`) | {} | {} | {} | {} | {} |",
                cell(&v.title),
                cell(&v.id),
                cell(&super::text::suite_outcome_text(v)),
                v.findings,
                v.warnings,
                if v.gating { "yes" } else { "no" },
                v.next.as_deref().map(cell).unwrap_or_default()
            );
        }
        md.push('\n');
    }
    if let Some(note) = super::text::throttling_note(report) {
        let _ = writeln!(md, "> {}\n", text(&note));
    }

    let fails = failures(report);
    if !fails.is_empty() {
        let _ = writeln!(md, "### Failures ({})\n", fails.len());
        findings_table(&mut md, &fails, lim.rows, "failures");
        md.push('\n');
        let groups = by_step(&fails);
        for (i, (sc, step, checks)) in groups.iter().enumerate() {
            if i == lim.details {
                let _ = writeln!(
                    md,
                    "_Details of {} more failing steps are in `report.html`._\n",
                    groups.len() - lim.details
                );
                break;
            }
            failure_details(&mut md, sc, step, checks);
        }
    }

    let errored: Vec<_> = report
        .scenarios
        .iter()
        .filter(|sc| needs_error_block(sc))
        .collect();
    if !errored.is_empty() {
        let _ = writeln!(md, "### Errors ({})\n", errored.len());
        md.push_str("Scenarios that could not run to the end.\n\n");
        for (i, sc) in errored.iter().enumerate() {
            if i == lim.errors {
                let _ = writeln!(
                    md,
                    "_Details of {} more errored scenarios are in `report.html`._\n",
                    errored.len() - i
                );
                break;
            }
            error_details(&mut md, sc);
        }
    }

    let warns = warnings(report);
    if !warns.is_empty() {
        let _ = writeln!(md, "### Warnings ({})\n", warns.len());
        md.push_str("SHOULD-level checks that failed. They do not fail the run.\n\n");
        findings_table(&mut md, &warns, lim.rows, "warnings");
        md.push('\n');
    }

    let skipped: Vec<_> = report
        .scenarios
        .iter()
        .filter(|sc| sc.status == crate::run_report::ScenarioStatus::Skipped)
        .collect();
    if !skipped.is_empty() {
        let _ = writeln!(md, "### Skipped ({})\n", skipped.len());
        for sc in skipped.iter().take(lim.rows) {
            let _ = write!(md, "- {} ({})", text(&sc.name), code(&sc.id));
            if let Some(reason) = &sc.error {
                let _ = write!(md, ": {}", text(reason));
            }
            md.push('\n');
        }
        if skipped.len() > lim.rows {
            left_out(&mut md, skipped.len() - lim.rows, "skipped scenarios");
        }
        md.push('\n');
    }

    let leaks: Vec<_> = report
        .scenarios
        .iter()
        .flat_map(|sc| {
            sc.cleanup
                .iter()
                .filter(|c| !c.deleted)
                .map(move |c| (sc, c))
        })
        .collect();
    if !leaks.is_empty() {
        let _ = writeln!(md, "### Leaked resources ({})\n", leaks.len());
        md.push_str("Created during the run and not deleted; remove them by hand.\n\n");
        for (sc, c) in leaks.iter().take(lim.rows) {
            let why = match (&c.error, c.status) {
                (Some(e), _) => text(e),
                (None, Some(status)) => format!("DELETE answered {status}"),
                (None, None) => "not attempted".into(),
            };
            let _ = writeln!(md, "- {}: {why} (scenario {})", code(&c.url), code(&sc.id));
        }
        if leaks.len() > lim.rows {
            left_out(&mut md, leaks.len() - lim.rows, "leaked resources");
        }
        md.push('\n');
    }

    if !report.requirements.is_empty() && !lim.requirements {
        let _ = writeln!(
            md,
            "_The table of {} cited requirements is left out to keep this summary within GitHub's size limit; see `report.json`._",
            report.requirements.len()
        );
    } else if !report.requirements.is_empty() {
        let failed = report
            .requirements
            .values()
            .filter(|r| r.outcome == crate::run_report::CheckOutcome::Failed)
            .count();
        let _ = writeln!(
            md,
            "<details>\n<summary>Requirements: {} cited, {failed} failed</summary>\n",
            report.requirements.len()
        );
        md.push_str("| Requirement | Level | Outcome | Passed | Failed |\n|---|---|---|--:|--:|\n");
        let mut rows: Vec<_> = report.requirements.iter().collect();
        rows.sort_by(|a, b| natural_cmp(a.0, b.0));
        for (id, r) in rows {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                cell(id),
                severity(r.severity),
                match r.outcome {
                    crate::run_report::CheckOutcome::Passed => "passed",
                    crate::run_report::CheckOutcome::Failed => "**failed**",
                    crate::run_report::CheckOutcome::NotEvaluated => "not evaluated",
                },
                r.passed,
                r.failed
            );
        }
        md.push_str("\n</details>\n");
    }

    while md.ends_with("\n\n") {
        md.pop();
    }
    md
}

fn severity(s: crate::catalog::Severity) -> &'static str {
    match s {
        crate::catalog::Severity::Must => "MUST",
        crate::catalog::Severity::Should => "SHOULD",
        crate::catalog::Severity::May => "MAY",
    }
}

fn findings_table(md: &mut String, rows: &[Finding<'_>], max: usize, what: &str) {
    md.push_str("| Scenario | Step | Check | Requirement | Expected | Actual |\n");
    md.push_str("|---|---|---|---|---|---|\n");
    if rows.len() > max {
        // The note goes after the table: a line inside it would end the table.
        findings_table_rows(md, &rows[..max]);
        left_out(md, rows.len() - max, what);
    } else {
        findings_table_rows(md, rows);
    }
}

fn findings_table_rows(md: &mut String, rows: &[Finding<'_>]) {
    for (sc, step, c) in rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&sc.id),
            cell(&step.name),
            cell(&c.description),
            cell(&c.citation()),
            cell(&c.expected),
            cell(&c.actual)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    #[test]
    fn markdown_snapshot() {
        insta::assert_snapshot!("markdown", render(&fixture::report()));
    }

    /// A run far bigger than GitHub's step summary limit: 5000 failing, 500 errored and
    /// 500 skipped scenarios.
    fn huge_report() -> RunReport {
        let mut report = fixture::report();
        let (failed, errored) = (report.scenarios[1].clone(), report.scenarios[2].clone());
        let mut skipped = report.scenarios[0].clone();
        skipped.status = crate::run_report::ScenarioStatus::Skipped;
        skipped.steps.clear();
        skipped.error = Some("needs the `bulk` capability".into());
        for i in 0..5000 {
            let mut s = failed.clone();
            s.id = format!("generated/failing-{i:04}");
            report.scenarios.push(s);
            if i % 10 == 0 {
                let mut e = errored.clone();
                e.id = format!("generated/errored-{i:04}");
                report.scenarios.push(e);
                let mut k = skipped.clone();
                k.id = format!("generated/skipped-{i:04}");
                report.scenarios.push(k);
            }
        }
        report
    }

    #[test]
    fn a_huge_run_stays_within_the_summary_limit_and_says_what_was_left_out() {
        let report = huge_report();
        let whole = render_with(&report, TIERS[0]);
        assert!(whole.len() > SUMMARY_LIMIT, "{} bytes", whole.len());

        let md = render(&report);
        assert!(md.len() <= SUMMARY_LIMIT, "{} bytes", md.len());
        // The headline, the counts and the suite verdicts survive every cut.
        assert!(
            md.starts_with("## scim-harness: FAILED\n"),
            "{}",
            &md[..200]
        );
        assert!(md.contains("| Suite | Verdict |"));
        assert!(md.contains("### Failures (5001)"));
        // Each cut says how much it left out and where the rest is.
        let failure_rows = md
            .lines()
            .filter(|l| {
                l.starts_with("| generated/failing-") || l.starts_with("| core/user-lifecycle |")
            })
            .count();
        assert!(failure_rows >= 20, "{failure_rows} rows");
        assert!(
            md.contains(&format!(
                "_{} more failures left out to keep this summary within GitHub's size limit; `report.json` and `report.html` list them all._",
                5001 - failure_rows
            )),
            "no note for the failures table"
        );
        assert!(md.contains("more errored scenarios are in `report.html`._"));
        assert!(md.contains("more failing steps are in `report.html`._"));
        // A run that fits is rendered whole, the same as before.
        assert_eq!(
            render(&fixture::report()),
            render_with(&fixture::report(), TIERS[0])
        );
    }

    #[test]
    fn a_tiny_budget_cuts_the_text_itself_with_a_note() {
        let md = render_within(&huge_report(), 2000);
        assert!(md.len() <= 2000, "{} bytes", md.len());
        assert!(
            md.ends_with("_The summary was cut at 2000 bytes to stay within the size limit; `report.json` and `report.html` hold the whole run._\n"),
            "{md}"
        );
        assert!(render_within(&huge_report(), 10).len() <= 10);
    }

    #[test]
    fn table_cells_escape_pipes_newlines_and_html() {
        assert_eq!(cell("a|b\nc <img>"), "a\\|b<br>c &lt;img&gt;");
        assert_eq!(code("x | `y`"), "`` x \\| `y` ``");
    }

    #[test]
    fn fences_outgrow_backticks_in_bodies() {
        assert_eq!(fenced("a ```` b", "text"), "`````text\na ```` b\n`````");
    }

    #[test]
    fn hostile_values_do_not_break_the_failure_table() {
        let mut report = fixture::report();
        report.scenarios[1].steps[0].checks[0].actual = "200 | <script>\n**x**".into();
        let md = render(&report);
        let row = md
            .lines()
            .find(|l| l.starts_with("| core/user-lifecycle | create user | status is 201"))
            .unwrap();
        assert_eq!(row.matches(" | ").count(), 5, "{row}");
        assert!(
            row.contains("200 \\| &lt;script&gt;<br>\\*\\*x\\*\\*"),
            "{row}"
        );
    }
}
