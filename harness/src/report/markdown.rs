//! `report.md`: GitHub-flavoured Markdown for PR comments and CI step summaries: a verdict
//! heading, a summary table, a table of failures, then one `<details>` block per failure
//! with the exchange.

use std::fmt::Write as _;

use super::select::needs_error_block;
use super::select::{Finding, by_step, failures, warnings};
use super::text::{
    BODY_LIMIT, natural_cmp, pretty_body, seconds, truncate, verdict_sentence, verdict_title,
};
use crate::run_report::{
    CheckResult, RunReport, ScenarioReport, StepReport, StepStatus, TargetKind,
};

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

fn failure_details(
    md: &mut String,
    sc: &ScenarioReport,
    step: &StepReport,
    checks: &[&CheckResult],
) {
    let titles: Vec<&str> = checks.iter().map(|c| c.description.as_str()).collect();
    let _ = writeln!(
        md,
        "<details>\n<summary><b>{} › {}</b>: {}</summary>\n",
        html(&sc.id),
        html(&step.name),
        html(&truncate(&titles.join("; "), 300))
    );
    let _ = writeln!(
        md,
        "Scenario {} ({}), step at {}.\n",
        text(&sc.name),
        code(&sc.file),
        code(&step.location.to_string())
    );
    for c in checks {
        let _ = writeln!(md, "**Check failed: {}**\n", text(&c.description));
        let _ = writeln!(md, "- **Where:** {}", code(&c.location.to_string()));
        if let Some(r) = &c.requirement {
            let _ = writeln!(
                md,
                "- **Requirement:** {} ({}, {}): {}",
                text(&r.id),
                text(&r.keyword),
                text(&r.section),
                text(&r.text)
            );
        }
        if let Some(source) = &c.source {
            let _ = writeln!(md, "- **Source:** {}", text(source));
        }
        value_item(md, "Expected", &c.expected);
        value_item(md, "Actual", &c.actual);
        if let Some(because) = &c.because {
            let _ = writeln!(md, "- **Why:** {}", text(because));
        }
        if let Some(g) = &c.graded {
            let _ = writeln!(md, "- **Graded:** {}", text(&super::text::grading_text(g)));
        }
        if let Some(impact) = &c.impact {
            let _ = writeln!(md, "- **Impact:** {}", text(impact));
        }
        if !c.violations.is_empty() {
            let _ = writeln!(md, "- **Schema violations:**");
            for v in &c.violations {
                let path = if v.instance_path.is_empty() {
                    "(root)"
                } else {
                    &v.instance_path
                };
                let _ = writeln!(md, "  - {}: {}", code(path), text(&v.message));
            }
        }
        md.push('\n');
    }
    if let Some(impact) = &step.impact
        && checks.iter().all(|c| c.impact.is_none())
    {
        let _ = writeln!(md, "**Impact:** {}\n", text(impact));
    }
    let repeated = super::select::repeats(step);
    if !repeated.is_empty() {
        let _ = writeln!(
            md,
            "**Repeats of this finding ({}):** the same defect seen by other checks of the step.\n",
            repeated.len()
        );
        for c in repeated {
            let _ = writeln!(
                md,
                "- {} ({}): expected {}, got {}",
                text(&c.description),
                text(&c.citation()),
                code(&truncate(&c.expected, 200)),
                code(&truncate(&c.actual, 200))
            );
        }
        md.push('\n');
    }
    let unjudged = super::select::not_evaluated(step);
    if !unjudged.is_empty() {
        let _ = writeln!(md, "**Not evaluated ({}):**\n", unjudged.len());
        for c in unjudged {
            let _ = writeln!(md, "- {}: {}", text(&c.description), text(&c.actual));
        }
        md.push('\n');
    }
    exchange(md, step);
    md.push_str("</details>\n\n");
}

fn error_details(md: &mut String, sc: &ScenarioReport) {
    let step = sc
        .steps
        .iter()
        .rev()
        .find(|st| st.status == StepStatus::Errored || st.error.is_some());
    let error = step
        .and_then(|st| st.error.as_deref())
        .or(sc.error.as_deref())
        .unwrap_or("the scenario could not run to the end");
    let title = match step {
        Some(st) => format!("{} › {}", sc.id, st.name),
        None => sc.id.clone(),
    };
    let _ = writeln!(
        md,
        "<details>\n<summary><b>{}</b>: {}</summary>\n",
        html(&title),
        html(&truncate(error, CELL_LIMIT))
    );
    let _ = writeln!(
        md,
        "- **Scenario:** {} ({})",
        text(&sc.name),
        code(&sc.file)
    );
    if let Some(st) = step {
        let _ = writeln!(md, "- **Where:** {}", code(&st.location.to_string()));
    }
    value_item(md, "Error", error);
    if let Some(impact) = step.and_then(|st| st.impact.as_ref()) {
        let _ = writeln!(md, "- **Impact:** {}", text(impact));
    }
    md.push('\n');
    if let Some(st) = step {
        exchange(md, st);
    }
    md.push_str("</details>\n\n");
}

/// `- **Label:** value`, as inline code, or as a code block when the value has several lines.
fn value_item(md: &mut String, label: &str, value: &str) {
    if value.contains('\n') {
        let _ = writeln!(md, "- **{label}:**\n");
        for line in fenced(&truncate(value, BODY_LIMIT), "text").lines() {
            if line.is_empty() {
                md.push('\n');
            } else {
                let _ = writeln!(md, "  {line}");
            }
        }
    } else {
        let _ = writeln!(md, "- **{label}:** {}", code(&truncate(value, BODY_LIMIT)));
    }
}

fn exchange(md: &mut String, step: &StepReport) {
    let req = &step.exchange.request;
    let mut sent = format!("{} {}\n", req.method, req.url);
    for (k, v) in &req.headers {
        let _ = writeln!(sent, "{k}: {v}");
    }
    if let Some(body) = req.body.as_deref().filter(|b| !b.is_empty()) {
        let _ = write!(sent, "\n{}\n", truncate(&pretty_body(body), BODY_LIMIT));
    }
    let _ = writeln!(md, "**Request**\n\n{}\n", fenced(&sent, "http"));
    match &step.exchange.response {
        Some(resp) => {
            let mut got = format!("HTTP {}\n", resp.status);
            for (k, v) in &resp.headers {
                let _ = writeln!(got, "{k}: {v}");
            }
            if let Some(body) = resp.body.as_deref().filter(|b| !b.is_empty()) {
                let _ = write!(got, "\n{}\n", truncate(&pretty_body(body), BODY_LIMIT));
            }
            let _ = writeln!(
                md,
                "**Response** ({:.1} ms)\n\n{}\n",
                step.exchange.duration_ms,
                fenced(&got, "http")
            );
            if resp.truncated {
                md.push_str("_The body was cut at the harness's size limit._\n\n");
            }
        }
        None => {
            let _ = writeln!(
                md,
                "**Response:** none after {:.1} ms\n",
                step.exchange.duration_ms
            );
        }
    }
}

/// A fenced code block whose fence is longer than any backtick run in `content`.
fn fenced(content: &str, lang: &str) -> String {
    let longest = longest_backtick_run(content);
    let fence = "`".repeat(longest.max(2) + 1);
    let content = content.trim_end_matches('\n');
    format!("{fence}{lang}\n{content}\n{fence}")
}

/// Inline code that survives backticks, `|` and `<` in `s` (one line only).
fn code(s: &str) -> String {
    let flat = s.replace(['\n', '\r'], " ");
    if flat.is_empty() {
        return "(empty)".into();
    }
    let fence = "`".repeat(longest_backtick_run(&flat) + 1);
    // GFM splits table cells on `|` even inside code spans; the escape is honoured there.
    let flat = flat.replace('|', "\\|");
    let pad = if flat.starts_with('`') || flat.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{flat}{pad}{fence}")
}

fn longest_backtick_run(s: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// Plain text in Markdown: Markdown punctuation and HTML are escaped, lines are joined.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\r' => {}
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

/// A table cell: escaped text, cut to a bounded length, `(none)` when empty.
fn cell(s: &str) -> String {
    if s.is_empty() {
        return "".into();
    }
    text(&truncate(s.trim(), CELL_LIMIT))
}

/// Text inside raw HTML (`<summary>`).
fn html(s: &str) -> String {
    let flat = s.replace(['\n', '\r'], " ");
    let mut out = String::with_capacity(flat.len());
    for c in flat.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
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
