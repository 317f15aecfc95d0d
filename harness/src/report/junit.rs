//! `junit.xml`: one test suite per top-level scenario directory, one test case per scenario,
//! for CI test views (GitHub, GitLab, Jenkins, Azure DevOps).

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::ReportError;
use super::block::{Detail, error_block, failure_block, one_line, one_line_summary};
use super::select::{by_step, scenario_failures};
use super::sources::Sources;
use crate::run_report::{RunReport, ScenarioReport, ScenarioStatus};

/// The report as JUnit XML.
pub(super) fn render(report: &RunReport) -> Result<String, ReportError> {
    let mut junit = Report::new("scim-harness");
    junit.set_time(millis(report.duration_ms));

    let mut suites: Vec<TestSuite> = Vec::new();
    // One test suite per verdict suite: the RFC conformance suite, each IdP profile.
    for s in &report.scenarios {
        let name = s.profile.as_deref().unwrap_or("rfc");
        let idx = match suites.iter().position(|t| t.name.as_str() == name) {
            Some(i) => i,
            None => {
                let mut suite = TestSuite::new(name);
                suite
                    .extra
                    .insert("timestamp".into(), report.started_at.as_str().into());
                suite.add_properties([
                    Property::new("target", report.target.base_url.as_str()),
                    Property::new("target_kind", target_kind(report)),
                    Property::new(
                        "tool",
                        format!("{} {}", report.tool.name, report.tool.version),
                    ),
                ]);
                if let Some(v) = report.suites.iter().find(|v| v.id == name) {
                    suite.add_properties([
                        Property::new("title", v.title.as_str()),
                        Property::new("verdict", super::text::suite_outcome_text(v)),
                        Property::new("gating", v.gating.to_string()),
                    ]);
                }
                suites.push(suite);
                suites.len() - 1
            }
        };
        suites[idx].add_test_case(test_case(s));
    }
    for suite in &mut suites {
        let total: Duration = suite.test_cases.iter().filter_map(|t| t.time).sum();
        suite.set_time(total);
    }
    if let Some(err) = &report.preflight_error {
        // No scenario ran: one errored case says why, so CI shows the run as broken.
        let mut suite = TestSuite::new("preflight");
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status
            .set_message(err.as_str())
            .set_type(verdict_type(report));
        let mut case = TestCase::new(format!("reach {}", report.target.base_url), status);
        case.set_classname("preflight");
        suite.add_test_case(case);
        suites.insert(0, suite);
    }
    junit.add_test_suites(suites);

    Ok(junit.to_string()?)
}

fn target_kind(report: &RunReport) -> &'static str {
    match report.target.kind {
        crate::run_report::TargetKind::Embedded => "embedded",
        crate::run_report::TargetKind::External => "external",
    }
}

fn verdict_type(report: &RunReport) -> &'static str {
    match report.verdict {
        crate::run_report::Verdict::NotScim => "not_scim",
        crate::run_report::Verdict::CredentialsRefused => "credentials_refused",
        crate::run_report::Verdict::Unreachable => "unreachable",
        crate::run_report::Verdict::Interrupted => "interrupted",
        crate::run_report::Verdict::Passed => "passed",
        crate::run_report::Verdict::Failed => "failed",
        crate::run_report::Verdict::NothingRan => "nothing_ran",
    }
}

fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

fn test_case(s: &ScenarioReport) -> TestCase {
    let failures = scenario_failures(s);
    let status = match s.status {
        ScenarioStatus::Passed => TestCaseStatus::success(),
        ScenarioStatus::Failed if !failures.is_empty() => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let (step, first) = failures[0];
            let mut message = one_line_summary(step, first);
            if failures.len() > 1 {
                let more = failures.len() - 1;
                message.push_str(&format!(
                    " (and {more} more failed {})",
                    if more == 1 { "check" } else { "checks" }
                ));
            }
            let findings: Vec<_> = failures.iter().map(|&(step, c)| (s, step, c)).collect();
            let description: Vec<String> = by_step(&findings)
                .into_iter()
                .map(|(s, step, checks)| {
                    failure_block(s, step, &checks, false, Detail::Full, &Sources::default())
                })
                .collect();
            status
                .set_message(message)
                .set_type(
                    first
                        .requirement
                        .as_ref()
                        .map_or("check failed", |r| r.id.as_str()),
                )
                .set_description(description.join("\n"));
            status
        }
        ScenarioStatus::Failed | ScenarioStatus::Errored => {
            let mut status = TestCaseStatus::non_success(if s.status == ScenarioStatus::Errored {
                NonSuccessKind::Error
            } else {
                NonSuccessKind::Failure
            });
            let message = s
                .error
                .clone()
                .or_else(|| s.steps.iter().rev().find_map(|st| st.error.clone()))
                .unwrap_or_else(|| "the scenario could not run to the end".into());
            status
                .set_message(message)
                .set_type("error")
                .set_description(error_block(s, false, Detail::Full, &Sources::default()));
            status
        }
        ScenarioStatus::Skipped => {
            let mut status = TestCaseStatus::skipped();
            if let Some(reason) = &s.error {
                status.set_message(reason.as_str());
            }
            status
        }
    };
    let mut case = TestCase::new(s.name.as_str(), status);
    case.set_classname(s.id.as_str())
        .set_time(millis(s.duration_ms))
        .set_assertions(s.steps.iter().map(|st| st.checks.len()).sum());
    let out = system_out(s);
    if !out.is_empty() {
        case.set_system_out_lossy(out);
    }
    case
}

/// Warnings, then a transcript of every step and the cleanup. The failing exchange is in
/// the failure description, so it is not repeated here.
fn system_out(s: &ScenarioReport) -> String {
    let mut out = String::new();
    let warnings: Vec<_> = s
        .steps
        .iter()
        .flat_map(|st| {
            st.checks
                .iter()
                .filter(|c| c.is_warning())
                .map(move |c| (st, c))
        })
        .collect();
    let promoted = s.status == ScenarioStatus::Failed
        && !s
            .steps
            .iter()
            .flat_map(|st| &st.checks)
            .any(|c| c.is_failure());
    if !warnings.is_empty() && !promoted {
        out.push_str("Warnings (SHOULD-level checks that failed; they do not fail the run):\n");
        for (st, c) in &warnings {
            out.push_str(&format!("  WARN  {}\n", one_line_summary(st, c)));
            out.push_str(&format!("        --> {}\n", c.location));
            if let Some(r) = &c.requirement {
                out.push_str(&format!("        {}\n", r.text));
            }
        }
        out.push('\n');
    }
    if s.steps.is_empty() && s.steps_not_run.is_empty() {
        return out;
    }
    out.push_str(&format!("Transcript of {} ({}):\n", s.id, s.file));
    for st in &s.steps {
        let req = &st.exchange.request;
        let answer = match &st.exchange.response {
            Some(r) => r.status.to_string(),
            None => "no response".to_string(),
        };
        out.push_str(&format!(
            "\n[{}] {} — {} {} → {} ({:.1} ms)\n",
            step_mark(st.status),
            st.name,
            req.method,
            req.url,
            answer,
            st.exchange.duration_ms
        ));
        for c in &st.checks {
            let mark = if c.is_failure() {
                "✗"
            } else if c.is_warning() {
                "!"
            } else if c.outcome == crate::run_report::CheckOutcome::Failed {
                "i"
            } else {
                "✓"
            };
            out.push_str(&format!("    {mark} {}", c.description));
            if c.outcome == crate::run_report::CheckOutcome::Failed {
                out.push_str(&format!(
                    " — expected {}, got {}",
                    one_line(&c.expected),
                    one_line(&c.actual)
                ));
            }
            out.push('\n');
        }
        if let Some(err) = &st.error {
            out.push_str(&format!("    error: {err}\n"));
        }
        if !st.captures.is_empty() {
            let caps: Vec<String> = st
                .captures
                .iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect();
            out.push_str(&format!("    captured: {}\n", caps.join(", ")));
        }
    }
    if !s.steps_not_run.is_empty() {
        out.push_str(&format!("\nNot run: {}\n", s.steps_not_run.join(", ")));
    }
    if !s.cleanup.is_empty() {
        out.push_str("\nCleanup:\n");
        for c in &s.cleanup {
            let outcome = match (&c.error, c.status, c.deleted) {
                (Some(e), _, _) => format!("NOT deleted: {e}"),
                (None, Some(st), true) => format!("deleted ({st})"),
                (None, Some(st), false) => format!("NOT deleted: DELETE answered {st}"),
                (None, None, deleted) => {
                    if deleted {
                        "deleted".into()
                    } else {
                        "NOT deleted".into()
                    }
                }
            };
            out.push_str(&format!("    DELETE {} — {outcome}\n", c.url));
        }
    }
    out
}

fn step_mark(status: crate::run_report::StepStatus) -> &'static str {
    match status {
        crate::run_report::StepStatus::Passed => "pass",
        crate::run_report::StepStatus::Failed => "FAIL",
        crate::run_report::StepStatus::Errored => "ERROR",
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;
    use crate::run_report::{ScenarioStatus, Verdict};

    #[test]
    fn junit_snapshot() {
        let text = render(&fixture::report()).unwrap();
        insta::assert_snapshot!("junit", text);
    }

    #[test]
    fn junit_round_trips_through_quick_junit() {
        let text = render(&fixture::report()).unwrap();
        let parsed = Report::deserialize_from_str(&text).unwrap();
        assert_eq!(
            parsed.name.as_ref().map(|n| n.as_str()),
            Some("scim-harness")
        );
        assert_eq!(parsed.tests, 3);
        assert_eq!(parsed.failures, 1);
        assert_eq!(parsed.errors, 1);
        assert_eq!(parsed.skipped, 0);
        let suites: Vec<_> = parsed.test_suites.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(suites, ["rfc", "okta-oin"]);
        let cases: Vec<_> = parsed
            .test_suites
            .iter()
            .flat_map(|s| &s.test_cases)
            .collect();
        assert_eq!(cases.len(), 3);
        let failed = cases
            .iter()
            .find(|c| c.classname.as_ref().map(|c| c.as_str()) == Some("core/user-lifecycle"))
            .unwrap();
        match &failed.status {
            TestCaseStatus::NonSuccess {
                kind: NonSuccessKind::Failure,
                message,
                description,
                ..
            } => {
                let message = message.as_ref().unwrap().as_str();
                assert!(
                    message.starts_with("create user: status is 201 — expected 201, got 200"),
                    "{message}"
                );
                let description = description.as_ref().unwrap().as_str();
                assert!(description.contains("scenarios/core/user-lifecycle.yaml:31:15"));
                assert!(
                    description.contains("repeats (2): body matches schema"),
                    "{description}"
                );
            }
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn skipped_scenarios_and_hostile_text_stay_valid_xml() {
        let mut report = fixture::report();
        report.scenarios[0].status = ScenarioStatus::Skipped;
        report.scenarios[0].error = Some("needs --tag <bulk> & \"more\"".into());
        let resp = report.scenarios[1].steps[0]
            .exchange
            .response
            .as_mut()
            .unwrap();
        resp.body = Some("]]></failure><x>\u{1b}[31m\u{0}</x>".into());
        let text = render(&report).unwrap();
        assert!(!text.contains("<x>"));
        assert!(!text.contains('\u{1b}'));
        let parsed = Report::deserialize_from_str(&text).unwrap();
        assert_eq!(parsed.skipped, 1);
        assert_eq!(parsed.failures, 1);
    }

    #[test]
    fn preflight_error_is_one_errored_case() {
        let mut report = fixture::report();
        report.scenarios.clear();
        report.verdict = Verdict::NotScim;
        report.preflight_error = Some("GET /ServiceProviderConfig answered 404 text/html".into());
        let parsed = Report::deserialize_from_str(&render(&report).unwrap()).unwrap();
        assert_eq!(parsed.tests, 1);
        assert_eq!(parsed.errors, 1);
    }
}
