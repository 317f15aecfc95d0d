//! The end-of-run text for a terminal: one block per failure, then warnings, errors,
//! leaked resources, a summary line and the verdict.
//!
//! Each failure is one plain-text block (`block.rs`), also the JUnit failure description.

use super::block::{
    Detail, INDENT, LABEL_WIDTH, Paint, clean, error_block, failure_block, warning_line,
};
use super::select::{by_step, failures, needs_error_block, warnings};
use super::sources::Sources;
use super::text::{plural, summary_line, verdict_sentence, verdict_title};
use crate::run_report::{BaselineStatus, RunReport, ScenarioStatus, SuiteOutcome, Verdict};

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
                let more = super::select::run_wide_count(report, key).saturating_sub(1);
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

    if let Some(note) = super::text::throttling_note(report) {
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
        let verdict = super::text::suite_outcome_text(s);
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

fn verdict_badge(v: Verdict, color: bool) -> String {
    let p = Paint(color);
    let title = verdict_title(v);
    match v {
        Verdict::Passed => p.green_bold(title),
        Verdict::Failed => p.red_bold(title),
        _ => p.yellow_bold(title),
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
    fn the_terminal_stream_strips_colors_down_to_the_plain_summary() {
        // The console always renders with colors; anstream strips them for pipes, files and
        // NO_COLOR. What it leaves must be exactly the plain rendering, padding included.
        let report = fixture::report();
        let colored = render_summary(&report, true);
        assert_ne!(colored, render_summary(&report, false));
        let stripped = anstream::adapter::strip_str(&colored).to_string();
        assert_eq!(stripped, render_summary(&report, false));
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
