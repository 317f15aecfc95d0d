//! The end-of-run text for a terminal: one block per failure, then warnings, errors,
//! leaked resources, a summary line and the verdict.
//!
//! The plain-text failure block is also the JUnit failure description.

use owo_colors::OwoColorize;

use crate::scenario::diagnostic::SourceLocation;

use super::sources::Sources;
use super::{
    BODY_LIMIT, by_step, compact_body, failures, plural, pretty_body, scenario_failures, seconds,
    truncate, verdict_sentence, verdict_title, warnings,
};
use crate::run_report::{
    BaselineStatus, CheckResult, RunReport, ScenarioReport, ScenarioStatus, StepReport, StepStatus,
    SuiteOutcome, Verdict,
};

/// Bodies in the console summary are cut at this many bytes.
const CONSOLE_BODY_LIMIT: usize = 600;
/// Width of the label column (`expected:`).
const LABEL_WIDTH: usize = 9;
/// Indent of the label column.
const INDENT: &str = "   ";

/// How much of an exchange a block shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Detail {
    /// Method, URL, status, content type and the first ~600 characters of compact bodies.
    Compact,
    /// Every header and up to 2 KB of pretty-printed bodies.
    Full,
}

/// The end-of-run summary for a terminal without the scenario sources: failure blocks show
/// `--> file:line:col` without the source line. `color` adds ANSI colors.
pub fn render_summary(report: &RunReport, color: bool) -> String {
    render_summary_with(report, color, &Sources::default())
}

/// The end-of-run summary for a terminal; each failure shows its scenario's source line
/// under `-->`, taken from `sources`. `color` adds ANSI colors.
pub fn render_summary_with(report: &RunReport, color: bool, sources: &Sources) -> String {
    let p = Paint(color);
    let mut sections: Vec<String> = Vec::new();

    if let Some(err) = &report.preflight_error {
        sections.push(format!(
            "{} {}\n{INDENT}{:<LABEL_WIDTH$} {}\n",
            p.red_bold("ERROR"),
            clean(&report.target.base_url),
            "error:",
            clean(err)
        ));
    }

    for (s, step, checks) in by_step(&failures(report)) {
        sections.push(failure_block(
            s,
            step,
            &checks,
            color,
            Detail::Compact,
            sources,
        ));
    }

    for s in &report.scenarios {
        if needs_error_block(s) {
            sections.push(error_block(s, color, Detail::Compact, sources));
        }
    }

    let warns = warnings(report);
    if !warns.is_empty() {
        let mut out = String::new();
        for (s, step, c) in warns {
            out.push_str(&warning_line(s, step, c, color));
            if let Some(key) = c.run_wide_key() {
                let more = super::run_wide_count(report, key).saturating_sub(1);
                if more > 0 {
                    out.push_str(&format!(
                        " (and {more} more {})",
                        if more == 1 { "answer" } else { "answers" }
                    ));
                }
            }
            out.push('\n');
        }
        sections.push(out);
    }

    let skipped: Vec<_> = report
        .scenarios
        .iter()
        .filter(|s| s.status == ScenarioStatus::Skipped)
        .collect();
    if !skipped.is_empty() {
        // Many scenarios skipped for one reason (an unreachable target skips them all) make
        // one line, not hundreds.
        let mut groups: Vec<(Option<&str>, Vec<&str>)> = Vec::new();
        for s in skipped {
            let reason = s.error.as_deref();
            match groups.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, ids)) => ids.push(&s.id),
                None => groups.push((reason, vec![&s.id])),
            }
        }
        let mut out = String::new();
        for (reason, ids) in groups {
            let lines: Vec<String> = if ids.len() >= SKIP_GROUP {
                let first: Vec<&str> = ids.iter().take(3).copied().collect();
                vec![format!(
                    "{} scenarios ({}, …)",
                    ids.len(),
                    clean(&first.join(", "))
                )]
            } else {
                ids.iter().map(|id| clean(id)).collect()
            };
            for line in lines {
                out.push_str(&format!("{} {line}", p.dim("SKIP ")));
                if let Some(reason) = reason {
                    out.push_str(&format!(" — {}", clean(reason)));
                }
                out.push('\n');
            }
        }
        sections.push(out);
    }

    let expected: Vec<_> = report
        .scenarios
        .iter()
        .flat_map(|s| {
            s.steps
                .iter()
                .flat_map(move |st| st.checks.iter().map(move |c| (s, st, c)))
        })
        .filter(|(_, _, c)| c.expected_failure.is_some())
        .collect();
    let now_passing: Vec<_> = report
        .baseline
        .iter()
        .filter(|b| b.status == BaselineStatus::NowPasses)
        .collect();
    if !expected.is_empty() || !now_passing.is_empty() {
        let mut out = String::new();
        for (s, st, c) in expected {
            out.push_str(&format!(
                "{} {} › {}: {} — {} — {}\n",
                p.dim("XFAIL"),
                clean(&s.id),
                clean(&st.name),
                clean(&c.description),
                clean(&c.citation()),
                clean(c.expected_failure.as_deref().unwrap_or_default())
            ));
        }
        for b in now_passing {
            let place = [
                Some(b.scenario.as_str()),
                b.step.as_deref(),
                b.req.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" › ");
            out.push_str(&format!(
                "{} {} now passes — remove it from the baseline ({})\n",
                p.green_bold("XPASS"),
                clean(&place),
                clean(&b.reason)
            ));
        }
        sections.push(out);
    }

    let leaks: Vec<_> = report
        .scenarios
        .iter()
        .flat_map(|s| s.cleanup.iter().filter(|c| !c.deleted).map(move |c| (s, c)))
        .collect();
    if !leaks.is_empty() {
        let mut out = format!(
            "{} could not be deleted; remove {} by hand:\n",
            plural(leaks.len() as u32, "resource", "resources"),
            if leaks.len() == 1 { "it" } else { "them" }
        );
        for (s, c) in leaks {
            let why = match (&c.error, c.status) {
                (Some(e), _) => clean(e),
                (None, Some(status)) => format!("DELETE answered {status}"),
                (None, None) => "not attempted".to_string(),
            };
            out.push_str(&format!(
                "{} {} — {} {}\n",
                p.yellow_bold("LEAK "),
                clean(&c.url),
                why,
                p.dim(&format!("({})", clean(&s.id)))
            ));
        }
        sections.push(out);
    }

    if let Some(note) = super::throttling_note(report) {
        sections.push(format!("{} {}\n", p.yellow_bold("NOTE "), note));
    }
    if !report.suites.is_empty() {
        sections.push(suite_table(report, color));
    }
    sections.push(format!(
        "{}\n{}  {}\n",
        summary_line(report),
        verdict_badge(report.verdict, color),
        // The sentence quotes the preflight error, which holds the target's bytes.
        clean(&verdict_sentence(report))
    ));
    sections.join("\n")
}

/// One line per suite: its verdict, findings and whether it gates the exit code; for an
/// IdP with blockers, what that IdP does next.
fn suite_table(report: &RunReport, color: bool) -> String {
    let p = Paint(color);
    let width = report
        .suites
        .iter()
        .map(|s| s.title.chars().count() + s.id.len() + 3)
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for s in &report.suites {
        let name = format!("{} ({})", s.title, s.id);
        let verdict = super::suite_outcome_text(s);
        let painted = match s.outcome {
            SuiteOutcome::Conformant | SuiteOutcome::Ready => p.green_bold(&verdict),
            SuiteOutcome::Violations | SuiteOutcome::Blockers => p.red_bold(&verdict),
            _ => p.yellow_bold(&verdict),
        };
        let mut line = format!("{} {:<width$}  {painted}", p.dim("SUITE"), clean(&name));
        if s.warnings > 0 {
            line.push_str(&format!(", {}", plural(s.warnings, "warning", "warnings")));
        }
        if !s.gating {
            line.push_str(&p.dim(" (not gating)"));
        }
        out.push_str(&line);
        out.push('\n');
        if let Some(next) = &s.next {
            // Under the verdict column: "SUITE " + the name column + two spaces.
            let pad = width + 8;
            out.push_str(&format!("{:pad$}{} {}\n", "", p.dim("next:"), clean(next)));
        }
    }
    out
}

/// Scenarios skipped for the same reason are shown on one line from this many on.
const SKIP_GROUP: usize = 5;

/// `12 scenarios: 11 passed, … · 143 checks, 1 failure, 2 warnings · 97 requests · 0.84 s`.
pub(super) fn summary_line(report: &RunReport) -> String {
    let s = &report.summary;
    let total = s.passed + s.failed + s.errored + s.skipped;
    let repeats = if s.check_failures > s.findings {
        format!(" ({} failed checks with repeats)", s.check_failures)
    } else {
        String::new()
    };
    let mut checks = format!(
        "{}, {}{repeats}, {}",
        plural(s.checks, "check", "checks"),
        plural(s.findings, "finding", "findings"),
        plural(s.warnings, "warning", "warnings")
    );
    if s.not_evaluated > 0 {
        checks.push_str(&format!(", {} not evaluated", s.not_evaluated));
    }
    if s.notes > 0 {
        checks.push_str(&format!(", {}", plural(s.notes, "note", "notes")));
    }
    let mut line = format!(
        "{}: {} passed, {} failed, {} errored, {} skipped · {checks} · {} · {}",
        plural(total, "scenario", "scenarios"),
        s.passed,
        s.failed,
        s.errored,
        s.skipped,
        plural(s.requests, "request", "requests"),
        seconds(report.duration_ms)
    );
    if s.expected_failures > 0 {
        line.push_str(&format!(" · {} expected (baseline)", s.expected_failures));
    }
    if s.unexpected_passes > 0 {
        line.push_str(&format!(
            " · {} baseline entries now pass",
            s.unexpected_passes
        ));
    }
    if s.leaked_resources > 0 {
        line.push_str(&format!(
            " · {}",
            plural(s.leaked_resources, "leaked resource", "leaked resources")
        ));
    }
    line
}

fn verdict_badge(v: Verdict, color: bool) -> String {
    let p = Paint(color);
    let title = verdict_title(v);
    match v {
        Verdict::Passed => p.green_bold(title),
        Verdict::Failed => p.red_bold(title),
        _ => p.yellow_bold(title),
    }
}

/// True when a scenario needs an error block: it errored, or it failed without a failed
/// check to show for it.
pub(super) fn needs_error_block(s: &ScenarioReport) -> bool {
    s.status == ScenarioStatus::Errored
        || (s.status == ScenarioStatus::Failed && scenario_failures(s).is_empty())
}

/// The block for the failed checks of one step: each check with its location, citation,
/// reasons and violations, then the exchange once.
pub(super) fn failure_block(
    s: &ScenarioReport,
    step: &StepReport,
    checks: &[&CheckResult],
    color: bool,
    detail: Detail,
    sources: &Sources,
) -> String {
    let p = Paint(color);
    let mut b = Block::new(color);
    b.raw(&format!(
        "{} {} › {}",
        p.red_bold("FAIL "),
        clean(&s.id),
        clean(&step.name)
    ));
    for check in checks.iter().filter(|c| c.repeat_of.is_none()) {
        let label = format!("actual: {}", short(&check.actual, 60));
        location(&mut b, p, &check.location, sources, &label);
        b.field("check:", &check.description);
        b.field("expected:", &check.expected);
        b.field_painted("actual:", &check.actual, |t| p.red(t));
        citation(&mut b, check);
        if let Some(g) = &check.graded {
            b.field("graded:", &super::grading_text(g));
        }
        if !check.violations.is_empty() {
            let lines: Vec<String> = check
                .violations
                .iter()
                .map(|v| {
                    let path = if v.instance_path.is_empty() {
                        "(root)"
                    } else {
                        &v.instance_path
                    };
                    format!("{path}: {}", v.message)
                })
                .collect();
            b.field("schema:", &lines.join("\n"));
        }
        if let Some(because) = &check.because {
            b.field("why:", because);
        }
        if let Some(impact) = &check.impact {
            b.field("impact:", impact);
        }
    }
    if let Some(impact) = &step.impact
        && checks.iter().all(|c| c.impact.is_none())
    {
        b.field("impact:", impact);
    }
    let repeated = super::repeats(step);
    if !repeated.is_empty() {
        let lines: Vec<String> = repeated
            .iter()
            .map(|c| {
                let citation = c.citation();
                format!(
                    "{}{} — expected {}, got {}",
                    c.description,
                    if citation.is_empty() {
                        String::new()
                    } else {
                        format!(" [{citation}]")
                    },
                    one_line(&c.expected),
                    one_line(&c.actual)
                )
            })
            .collect();
        b.field(&format!("repeats ({}):", repeated.len()), &lines.join("\n"));
    }
    if step.control && !s.steps_not_run.is_empty() {
        b.field(
            "control:",
            &format!(
                "this step sends the canonical form; the variants after it were not evaluated ({})",
                s.steps_not_run.join(", ")
            ),
        );
    }
    let unjudged = super::not_evaluated(step);
    if !unjudged.is_empty() {
        let lines: Vec<String> = unjudged
            .iter()
            .map(|c| format!("{} — {}", c.description, one_line(&c.actual)))
            .collect();
        b.field("not evaluated:", &lines.join("\n"));
    }
    exchange(&mut b, step, detail);
    b.finish()
}

/// The block for a scenario that could not run to the end.
pub(super) fn error_block(
    s: &ScenarioReport,
    color: bool,
    detail: Detail,
    sources: &Sources,
) -> String {
    let p = Paint(color);
    let mut b = Block::new(color);
    let step = s
        .steps
        .iter()
        .rev()
        .find(|st| st.status == StepStatus::Errored || st.error.is_some());
    match step {
        Some(step) => {
            b.raw(&format!(
                "{} {} › {}",
                p.red_bold("ERROR"),
                clean(&s.id),
                clean(&step.name)
            ));
            location(
                &mut b,
                p,
                &step.location,
                sources,
                "this step could not finish",
            );
            let error = step
                .error
                .as_deref()
                .or(s.error.as_deref())
                .unwrap_or("the step could not be completed");
            b.field_painted("error:", error, |t| p.red(t));
            if let Some(impact) = &step.impact {
                b.field("impact:", impact);
            }
            exchange(&mut b, step, detail);
        }
        None => {
            b.raw(&format!("{} {}", p.red_bold("ERROR"), clean(&s.id)));
            b.raw(&format!("  {} {}", p.dim("-->"), p.dim(&clean(&s.file))));
            b.field_painted(
                "error:",
                s.error
                    .as_deref()
                    .unwrap_or("the scenario could not run to the end"),
                |t| p.red(t),
            );
        }
    }
    b.finish()
}

/// Where a failure is written: the source line with a caret under the token when the
/// file's text is at hand (as hurl shows it), else `--> file:line:col`.
fn location(b: &mut Block, p: Paint, at: &SourceLocation, sources: &Sources, label: &str) {
    match sources.snippet(at, &clean(label)) {
        Some(snippet) => {
            for line in clean(&snippet).lines() {
                b.raw(&p.dim(line.trim_end()));
            }
        }
        None => b.raw(&format!(
            "  {} {}",
            p.dim("-->"),
            p.dim(&clean(&at.to_string()))
        )),
    }
}

/// One line for a SHOULD-level failure.
pub(super) fn warning_line(
    s: &ScenarioReport,
    step: &StepReport,
    c: &CheckResult,
    color: bool,
) -> String {
    let p = Paint(color);
    let mut line = format!(
        "{} {} › {}: {}",
        p.yellow_bold("WARN "),
        clean(&s.id),
        clean(&step.name),
        clean(&c.description)
    );
    let citation = c.citation();
    if !citation.is_empty() {
        line.push_str(&format!(" — {}", clean(&citation)));
    }
    line.push_str(&format!(
        " — expected {}, got {}",
        clean(&one_line(&c.expected)),
        clean(&one_line(&c.actual))
    ));
    if let Some(g) = &c.graded {
        line.push_str(&format!(" — {}", clean(&super::grading_text(g))));
    } else if let Some(note) = c
        .requirement
        .as_ref()
        .and_then(|r| r.severity_note.as_ref())
    {
        line.push_str(&format!(" — a warning: {}", clean(note)));
    }
    line
}

/// A one-line summary of a failed check: `create user: status is 201 — expected 201, got 200`.
pub(super) fn one_line_summary(step: &StepReport, c: &CheckResult) -> String {
    let mut line = format!(
        "{}: {} — expected {}, got {}",
        step.name,
        c.description,
        one_line(&c.expected),
        one_line(&c.actual)
    );
    let citation = c.citation();
    if !citation.is_empty() {
        line.push_str(&format!(" [{citation}]"));
    }
    line
}

/// `text` on one line, cut at 200 bytes.
/// `text` on one line, at most `chars` characters (`…` marks a cut).
fn short(text: &str, chars: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(chars) {
        Some((end, _)) => format!("{}…", &flat[..end]),
        None => flat,
    }
}

pub(super) fn one_line(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    truncate(&flat, 200)
}

fn citation(b: &mut Block, check: &CheckResult) {
    if let Some(r) = &check.requirement {
        b.field(
            "rule:",
            &format!("{} ({}, {}) {}", r.id, r.keyword, r.section, r.text),
        );
        if let Some(source) = &check.source {
            b.field("source:", source);
        }
    } else if let Some(source) = &check.source {
        b.field("source:", source);
    }
}

fn exchange(b: &mut Block, step: &StepReport, detail: Detail) {
    let req = &step.exchange.request;
    let mut sent = format!("{} {}", req.method, req.url);
    if detail == Detail::Full {
        for (k, v) in &req.headers {
            sent.push_str(&format!("\n{k}: {v}"));
        }
    }
    if let Some(body) = req.body.as_deref().filter(|b| !b.is_empty()) {
        sent.push('\n');
        if detail == Detail::Full {
            sent.push('\n');
        }
        sent.push_str(&body_excerpt(body, detail));
    }
    b.field("sent:", &sent);

    let got = match &step.exchange.response {
        Some(resp) => {
            let mut got = resp.status.to_string();
            match detail {
                Detail::Compact => {
                    if let Some((_, ct)) = resp
                        .headers
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                    {
                        got.push_str(&format!(" content-type: {ct}"));
                    }
                }
                Detail::Full => {
                    for (k, v) in &resp.headers {
                        got.push_str(&format!("\n{k}: {v}"));
                    }
                }
            }
            if let Some(body) = resp.body.as_deref().filter(|b| !b.is_empty()) {
                got.push('\n');
                if detail == Detail::Full {
                    got.push('\n');
                }
                got.push_str(&body_excerpt(body, detail));
                if resp.truncated {
                    got.push_str("\n[the body was cut at the harness's size limit]");
                }
            }
            got
        }
        None => "no response".to_string(),
    };
    b.field("got:", &got);
}

fn body_excerpt(body: &str, detail: Detail) -> String {
    match detail {
        Detail::Compact => truncate(&compact_body(body), CONSOLE_BODY_LIMIT),
        Detail::Full => truncate(&pretty_body(body), BODY_LIMIT),
    }
}

/// Replaces control characters (other than newline and tab) so that a server cannot send
/// escape sequences to the terminal.
fn clean(text: &str) -> String {
    super::escape::controls(text)
}

/// Lines of a block with an aligned label column.
struct Block {
    out: String,
    color: bool,
}

impl Block {
    fn new(color: bool) -> Self {
        Block {
            out: String::new(),
            color,
        }
    }

    fn raw(&mut self, line: &str) {
        self.out.push_str(line);
        self.out.push('\n');
    }

    fn field(&mut self, label: &str, value: &str) {
        self.field_painted(label, value, |t| t.to_string());
    }

    fn field_painted(&mut self, label: &str, value: &str, paint: impl Fn(&str) -> String) {
        let value = clean(value);
        let mut lines = value.lines();
        let first = lines.next().unwrap_or("");
        let label = if self.color {
            label.bold().to_string()
        } else {
            label.to_string()
        };
        let pad = LABEL_WIDTH.saturating_sub(label_len(&label));
        self.out.push_str(&format!(
            "{INDENT}{label}{:pad$} {}\n",
            "",
            paint(first).trim_end()
        ));
        for line in lines {
            if line.trim().is_empty() {
                self.out.push('\n');
            } else {
                self.out.push_str(&format!(
                    "{INDENT}{:LABEL_WIDTH$} {}\n",
                    "",
                    paint(line).trim_end()
                ));
            }
        }
    }

    fn finish(self) -> String {
        self.out
    }
}

/// Visible length of a label (ANSI sequences excluded).
fn label_len(label: &str) -> usize {
    let mut len = 0;
    let mut in_escape = false;
    for c in label.chars() {
        match (in_escape, c) {
            (false, '\u{1b}') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => len += 1,
        }
    }
    len
}

/// Applies colors only when enabled.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn red(self, t: &str) -> String {
        if self.0 {
            t.red().to_string()
        } else {
            t.to_string()
        }
    }
    fn red_bold(self, t: &str) -> String {
        if self.0 {
            t.red().bold().to_string()
        } else {
            t.to_string()
        }
    }
    fn yellow_bold(self, t: &str) -> String {
        if self.0 {
            t.yellow().bold().to_string()
        } else {
            t.to_string()
        }
    }
    fn green_bold(self, t: &str) -> String {
        if self.0 {
            t.green().bold().to_string()
        } else {
            t.to_string()
        }
    }
    fn dim(self, t: &str) -> String {
        if self.0 {
            t.dimmed().to_string()
        } else {
            t.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;
    use crate::run_report::Verdict;

    #[test]
    fn scenarios_skipped_for_one_reason_make_one_line() {
        let mut report = fixture::report();
        let template = report.scenarios[0].clone();
        report.scenarios = (0..245)
            .map(|i| {
                let mut s = template.clone();
                s.id = format!("core/s{i:03}");
                s.status = ScenarioStatus::Skipped;
                s.steps.clear();
                s.cleanup.clear();
                s.error = Some("not run: target unreachable: connection refused".into());
                s
            })
            .collect();
        let text = render_summary(&report, false);
        let skips: Vec<&str> = text.lines().filter(|l| l.starts_with("SKIP")).collect();
        assert_eq!(
            skips,
            vec![
                "SKIP  245 scenarios (core/s000, core/s001, core/s002, …) — not run: target unreachable: connection refused"
            ],
            "{text}"
        );
    }

    #[test]
    fn the_verdict_sentence_escapes_the_targets_bytes() {
        let mut report = fixture::report();
        report.verdict = Verdict::NotScim;
        report.preflight_error =
            Some("answered 200 (text/html) with a non-JSON body: \u{1b}[2J\u{1b}[32mPASSED".into());
        let text = render_summary(&report, false);
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(text.contains("\\u{1b}[2J"), "{text}");
    }

    #[test]
    fn console_snapshot() {
        let text = render_summary_with(&fixture::report(), false, &fixture::sources());
        insta::assert_snapshot!("console", text);
    }

    #[test]
    fn failures_show_their_source_line_and_fall_back_to_the_location() {
        let report = fixture::report();
        let with = render_summary_with(&report, false, &fixture::sources());
        assert!(
            with.contains("31 |     - status: 201\n   |               ^^^ actual: 200\n"),
            "{with}"
        );
        assert!(
            with.contains("20 |   - name: add member\n   |     ^^^^ this step could not finish\n"),
            "{with}"
        );
        let without = render_summary(&report, false);
        assert!(
            without.contains("  --> scenarios/core/user-lifecycle.yaml:31:15\n   check:"),
            "{without}"
        );
        assert!(!without.contains("31 |"), "{without}");
        assert_eq!(short("a  b\nc", 10), "a b c");
        assert_eq!(short("abcdef", 3), "abc…");
    }

    #[test]
    fn no_color_means_no_escape_sequences_and_color_adds_them() {
        let report = fixture::report();
        assert!(!render_summary(&report, false).contains('\u{1b}'));
        let colored = render_summary(&report, true);
        assert!(colored.contains("\u{1b}[31"), "red FAIL");
        assert!(colored.contains("\u{1b}[33"), "yellow WARN");
    }

    #[test]
    fn server_control_characters_do_not_reach_the_terminal() {
        let mut report = fixture::report();
        let resp = report.scenarios[1].steps[0]
            .exchange
            .response
            .as_mut()
            .unwrap();
        resp.body = Some("\u{1b}]0;pwned\u{7}\u{1b}[2J{}".into());
        let text = render_summary(&report, false);
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(text.contains("\\u{1b}]0;pwned"), "{text}");
    }

    #[test]
    fn passed_run_is_two_lines() {
        let mut report = fixture::report();
        report.scenarios.truncate(1);
        report.verdict = Verdict::Passed;
        report.summary = crate::run_report::Summary {
            passed: 1,
            checks: 2,
            requests: 1,
            ..Default::default()
        };
        report.duration_ms = 41;
        report.suites.truncate(1);
        report.suites[0].outcome = crate::run_report::SuiteOutcome::Conformant;
        report.suites[0].findings = 0;
        report.suites[0].warnings = 0;
        report.throttling = Default::default();
        assert_eq!(
            render_summary(&report, false),
            "SUITE RFC 7643/7644 conformance (rfc)  conformant\n\n\
             1 scenario: 1 passed, 0 failed, 0 errored, 0 skipped · 2 checks, 0 findings, \
             0 warnings · 1 request · 41 ms\nPASSED  Every check passed.\n"
        );
    }

    #[test]
    fn a_warning_raised_on_every_answer_of_a_kind_is_listed_once() {
        let mut report = fixture::report();
        let hygiene = |at: u64| {
            let resp = crate::exec::http::Response {
                status: 204,
                headers: vec![("Content-Type".into(), "application/scim+json".into())],
                body: Vec::new(),
                truncated: false,
            };
            let mut c = crate::exec::hygiene::checks(&resp, &report.scenarios[0].steps[0].location)
                .remove(0);
            c.location.line = at;
            c
        };
        let (a, b) = (hygiene(7), hygiene(9));
        report.scenarios[0].steps[0].checks.push(a);
        report.scenarios[0].steps[0].checks.push(b);
        let text = render_summary(&report, false);
        assert_eq!(
            text.matches("the 204 answer has no body").count(),
            1,
            "{text}"
        );
        assert!(text.contains("(and 1 more answer)"), "{text}");
    }

    #[test]
    fn the_suite_table_shows_each_verdict_what_the_idp_does_next_and_the_gates() {
        let mut report = fixture::report();
        report.suites[1].outcome = crate::run_report::SuiteOutcome::Blockers;
        report.suites[1].findings = 2;
        report.suites[1].next = Some("Okta marks the user's push as failed.".into());
        let text = render_summary(&report, false);
        assert!(
            text.contains("SUITE RFC 7643/7644 conformance (rfc)  1 violation\n"),
            "{text}"
        );
        assert!(
            text.contains("SUITE Okta (OIN apps) (okta-oin)       2 blockers (not gating)\n"),
            "{text}"
        );
        assert!(
            text.contains("next: Okta marks the user's push as failed."),
            "{text}"
        );
        assert!(
            text.contains("The target throttled 3 answers (429, or 503 with Retry-After); waiting as asked added 1.50 s over 3 retries."),
            "{text}"
        );
    }

    #[test]
    fn unreachable_target_shows_the_preflight_error() {
        let mut report = fixture::report();
        report.scenarios.clear();
        report.summary = Default::default();
        report.verdict = Verdict::Unreachable;
        report.preflight_error = Some("connection refused (os error 111)".into());
        let text = render_summary(&report, false);
        assert!(
            text.starts_with("ERROR http://127.0.0.1:4321\n   error:    connection refused"),
            "{text}"
        );
        assert!(
            text.contains("UNREACHABLE  The target could not be reached: connection refused"),
            "{text}"
        );
    }
}
