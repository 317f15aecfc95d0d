//! `report.html`: one self-contained page (inline CSS and JS, no network) rendered with
//! minijinja from `templates/report.html`, auto-escaped, with undefined values an error.
//!
//! The template gets a view model built here (verdict, per-scenario cards, failures,
//! warnings, requirements) so it needs no logic beyond loops and conditions.

use std::collections::BTreeMap;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Serde, Value};
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use super::ReportError;
use super::select::scenario_failures;
use super::text::summary_line;
use super::text::{natural_cmp, pretty_body, seconds, truncate, verdict_sentence, verdict_title};
use crate::catalog::Severity;
use crate::run_report::{
    CheckOutcome, CheckResult, CleanupRecord, RequirementRef, RunReport, ScenarioStatus,
    StepReport, StepStatus, Summary, TargetInfo, ToolInfo, Verdict,
};

const TEMPLATE: &str = include_str!("../../templates/report.html");

/// The report as one self-contained HTML page.
pub(super) fn render(report: &RunReport) -> Result<String, ReportError> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()?,
    );
    env.add_filter("clip", |text: String, limit: usize| truncate(&text, limit));
    env.add_template("report.html", TEMPLATE)?;
    let view = build(report);
    let mut html = env
        .get_template("report.html")?
        .render(Value::from(Serde(&view)))?;
    if !html.ends_with('\n') {
        html.push('\n');
    }
    Ok(html)
}

#[derive(Serialize)]
struct View<'a> {
    tool: &'a ToolInfo,
    target: &'a TargetInfo,
    started_at: &'a str,
    format_version: u32,
    summary: &'a Summary,
    total: u32,
    preflight_error: Option<&'a str>,
    verdict: Verdict,
    verdict_title: &'static str,
    verdict_class: &'static str,
    verdict_sentence: String,
    summary_line: String,
    duration: String,
    scenarios: Vec<ScenarioView<'a>>,
    failures: Vec<FindingView<'a>>,
    warnings: Vec<FindingView<'a>>,
    leaks: Vec<LeakView<'a>>,
    requirements: Vec<RequirementView<'a>>,
    filter_counts: FilterCounts,
    suites: Vec<SuiteView<'a>>,
    throttling_note: Option<String>,
}

#[derive(Serialize)]
struct SuiteView<'a> {
    id: &'a str,
    title: &'a str,
    text: String,
    findings: u32,
    warnings: u32,
    gating: bool,
    next: Option<&'a str>,
}

#[derive(Serialize)]
struct FilterCounts {
    all: usize,
    failed: usize,
    warnings: usize,
    passed: usize,
}

#[derive(Serialize)]
struct ScenarioView<'a> {
    anchor: String,
    id: &'a str,
    name: &'a str,
    description: Option<&'a str>,
    file: &'a str,
    tags: &'a [String],
    status: ScenarioStatus,
    /// Open by default (failed or errored).
    open: bool,
    has_warnings: bool,
    checks: usize,
    failures: usize,
    warnings: usize,
    duration: String,
    error: Option<&'a str>,
    steps: Vec<StepView<'a>>,
    steps_not_run: &'a [String],
    cleanup: &'a [CleanupRecord],
}

#[derive(Serialize)]
struct StepView<'a> {
    anchor: String,
    name: &'a str,
    location: String,
    status: StepStatus,
    method: &'a str,
    url: &'a str,
    request_headers: &'a [(String, String)],
    request_body: Option<String>,
    response: Option<ResponseView<'a>>,
    duration: String,
    checks: Vec<CheckView<'a>>,
    captures: Vec<(&'a str, String)>,
    error: Option<&'a str>,
    impact: Option<&'a str>,
    /// The exchange is shown open (failed or errored step).
    open: bool,
}

#[derive(Serialize)]
struct ResponseView<'a> {
    status: u16,
    /// `ok` (2xx), `redirect` (3xx) or `error`.
    class: &'static str,
    headers: &'a [(String, String)],
    body: Option<String>,
    truncated: bool,
}

#[derive(Serialize)]
struct CheckView<'a> {
    anchor: String,
    /// `pass`, `fail`, `warn` or `note`.
    mark: &'static str,
    symbol: &'static str,
    /// `file:line:col` of the expectation.
    at: String,
    citation: String,
    #[serde(flatten)]
    check: &'a CheckResult,
    /// The step's impact, when the check has none of its own.
    impact_shown: Option<&'a str>,
    /// `softened from MUST to SHOULD: …`, when the check is graded.
    graded_text: Option<String>,
    /// A failed check folded under its step's root finding.
    repeat: bool,
}

#[derive(Serialize)]
struct FindingView<'a> {
    anchor: String,
    scenario_id: &'a str,
    scenario_name: &'a str,
    step: &'a str,
    check: &'a str,
    citation: String,
    expected: &'a str,
    actual: &'a str,
}

#[derive(Serialize)]
struct LeakView<'a> {
    scenario_id: &'a str,
    url: &'a str,
    why: String,
}

#[derive(Serialize)]
struct RequirementView<'a> {
    id: &'a str,
    severity: Severity,
    outcome: CheckOutcome,
    passed: u32,
    failed: u32,
    keyword: Option<&'a str>,
    section: Option<&'a str>,
    text: Option<&'a str>,
}

fn build(report: &RunReport) -> View<'_> {
    let s = &report.summary;
    let mut failures = Vec::new();
    let mut warnings = Vec::new();
    let mut scenarios = Vec::new();
    let mut refs: BTreeMap<&str, &RequirementRef> = BTreeMap::new();

    for (si, sc) in report.scenarios.iter().enumerate() {
        let failed: Vec<&CheckResult> = scenario_failures(sc).into_iter().map(|(_, c)| c).collect();
        let anchor = format!("s{}", si + 1);
        let mut steps = Vec::new();
        let (mut n_checks, mut n_fail, mut n_warn) = (0, 0, 0);
        for (ji, st) in sc.steps.iter().enumerate() {
            let step_anchor = format!("{anchor}-{}", ji + 1);
            let mut checks = Vec::new();
            for (ci, c) in st.checks.iter().enumerate() {
                if let Some(r) = &c.requirement {
                    refs.entry(r.id.as_str()).or_insert(r);
                }
                n_checks += 1;
                let is_fail = failed.iter().any(|f| std::ptr::eq(*f, c));
                let (mark, symbol) = if c.outcome == CheckOutcome::Passed {
                    ("pass", "✓")
                } else if c.outcome == CheckOutcome::NotEvaluated {
                    ("unjudged", "–")
                } else if is_fail {
                    ("fail", "✗")
                } else if c.repeat_of.is_some() {
                    ("repeat", "↳")
                } else if c.severity == Severity::Should {
                    ("warn", "!")
                } else {
                    ("note", "i")
                };
                let check_anchor = format!("{step_anchor}-{}", ci + 1);
                let finding = || FindingView {
                    anchor: check_anchor.clone(),
                    scenario_id: &sc.id,
                    scenario_name: &sc.name,
                    step: &st.name,
                    check: &c.description,
                    citation: c.citation(),
                    expected: &c.expected,
                    actual: &c.actual,
                };
                match mark {
                    "fail" => {
                        n_fail += 1;
                        failures.push(finding());
                    }
                    "warn" => {
                        n_warn += 1;
                        warnings.push(finding());
                    }
                    _ => {}
                }
                checks.push(CheckView {
                    anchor: check_anchor,
                    mark,
                    symbol,
                    at: c.location.to_string(),
                    citation: c.citation(),
                    check: c,
                    // The step's impact describes a failed step, not a warning.
                    impact_shown: c.impact.as_deref().or(if mark == "fail" {
                        st.impact.as_deref()
                    } else {
                        None
                    }),
                    graded_text: c.graded.as_ref().map(super::text::grading_text),
                    repeat: c.repeat_of.is_some(),
                });
            }
            steps.push(step_view(st, step_anchor, checks));
        }
        scenarios.push(ScenarioView {
            anchor,
            id: &sc.id,
            name: &sc.name,
            description: sc.description.as_deref(),
            file: &sc.file,
            tags: &sc.tags,
            status: sc.status,
            open: matches!(sc.status, ScenarioStatus::Failed | ScenarioStatus::Errored),
            has_warnings: n_warn > 0,
            checks: n_checks,
            failures: n_fail,
            warnings: n_warn,
            duration: seconds(sc.duration_ms),
            error: sc.error.as_deref(),
            steps,
            steps_not_run: &sc.steps_not_run,
            cleanup: &sc.cleanup,
        });
    }

    let leaks = report
        .scenarios
        .iter()
        .flat_map(|sc| {
            sc.cleanup
                .iter()
                .filter(|c| !c.deleted)
                .map(move |c| LeakView {
                    scenario_id: &sc.id,
                    url: &c.url,
                    why: match (&c.error, c.status) {
                        (Some(e), _) => e.clone(),
                        (None, Some(status)) => format!("DELETE answered {status}"),
                        (None, None) => "not attempted".into(),
                    },
                })
        })
        .collect();

    let mut requirements: Vec<RequirementView<'_>> = report
        .requirements
        .iter()
        .map(|(id, r)| {
            let info = refs.get(id.as_str());
            RequirementView {
                id,
                severity: r.severity,
                outcome: r.outcome,
                passed: r.passed,
                failed: r.failed,
                keyword: info.map(|i| i.keyword.as_str()),
                section: info.map(|i| i.section.as_str()),
                text: info.map(|i| i.text.as_str()),
            }
        })
        .collect();
    requirements.sort_by(|a, b| natural_cmp(a.id, b.id));

    let filter_counts = FilterCounts {
        all: scenarios.len(),
        failed: scenarios
            .iter()
            .filter(|v| matches!(v.status, ScenarioStatus::Failed | ScenarioStatus::Errored))
            .count(),
        warnings: scenarios.iter().filter(|v| v.has_warnings).count(),
        passed: scenarios
            .iter()
            .filter(|v| v.status == ScenarioStatus::Passed)
            .count(),
    };

    View {
        tool: &report.tool,
        target: &report.target,
        started_at: &report.started_at,
        format_version: report.format_version,
        summary: s,
        total: s.passed + s.failed + s.errored + s.skipped,
        preflight_error: report.preflight_error.as_deref(),
        verdict: report.verdict,
        verdict_title: verdict_title(report.verdict),
        verdict_class: match report.verdict {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            _ => "other",
        },
        verdict_sentence: verdict_sentence(report),
        summary_line: summary_line(report),
        duration: seconds(report.duration_ms),
        scenarios,
        failures,
        warnings,
        leaks,
        suites: report
            .suites
            .iter()
            .map(|v| SuiteView {
                id: &v.id,
                title: &v.title,
                text: super::text::suite_outcome_text(v),
                findings: v.findings,
                warnings: v.warnings,
                gating: v.gating,
                next: v.next.as_deref(),
            })
            .collect(),
        throttling_note: super::text::throttling_note(report),
        requirements,
        filter_counts,
    }
}

fn step_view<'a>(st: &'a StepReport, anchor: String, checks: Vec<CheckView<'a>>) -> StepView<'a> {
    let ex = &st.exchange;
    StepView {
        anchor,
        name: &st.name,
        location: st.location.to_string(),
        status: st.status,
        method: &ex.request.method,
        url: &ex.request.url,
        request_headers: &ex.request.headers,
        request_body: ex.request.body.as_deref().map(pretty_body),
        response: ex.response.as_ref().map(|r| ResponseView {
            status: r.status,
            class: match r.status {
                200..=299 => "ok",
                300..=399 => "redirect",
                _ => "error",
            },
            headers: &r.headers,
            body: r.body.as_deref().map(pretty_body),
            truncated: r.truncated,
        }),
        duration: if ex.duration_ms < 1000.0 {
            format!("{:.1} ms", ex.duration_ms)
        } else {
            format!("{:.2} s", ex.duration_ms / 1000.0)
        },
        checks,
        captures: st
            .captures
            .iter()
            .map(|(k, v)| (k.as_str(), v.to_string()))
            .collect(),
        error: st.error.as_deref(),
        impact: st.impact.as_deref(),
        open: st.status != StepStatus::Passed,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    #[test]
    fn html_snapshot() {
        let html = render(&fixture::report()).unwrap();
        insta::assert_snapshot!("html", html);
    }

    #[test]
    fn html_is_self_contained() {
        let html = render(&fixture::report()).unwrap();
        for needle in ["http://cdn", "https://", "<link", "@import", "src=\"http"] {
            assert!(!html.contains(needle), "{needle}");
        }
        assert_eq!(html.matches("<script").count(), 1);
        assert_eq!(html.matches("<style").count(), 1);
    }

    #[test]
    fn untrusted_text_is_escaped_everywhere() {
        let mut report = fixture::report();
        report.scenarios[1].name = "users <img src=x onerror=alert(1)>".into();
        report.scenarios[1].steps[0].name = "create \"user\" <b>".into();
        let resp = report.scenarios[1].steps[0]
            .exchange
            .response
            .as_mut()
            .unwrap();
        resp.body = Some("</pre><script>alert(1)</script>".into());
        resp.headers
            .push(("x-evil".into(), "\"><svg onload=alert(2)>".into()));
        report.scenarios[1].steps[0].checks[0].actual = "<iframe src=javascript:alert(3)>".into();
        let html = render(&report).unwrap();
        for raw in [
            "<img src=x",
            "</pre><script>",
            "<script>alert",
            "<svg onload",
            "<iframe",
            "\"user\" <b>",
        ] {
            assert!(!html.contains(raw), "{raw} appears unescaped");
        }
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(html.contains("&lt;&#x2f;pre&gt;&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
        assert_eq!(html.matches("<script").count(), 1, "only our own script");
    }

    #[test]
    fn failed_and_errored_cards_are_open_and_passed_ones_closed() {
        let html = render(&fixture::report()).unwrap();
        let opens: Vec<bool> = html
            .lines()
            .filter(|l| l.trim_start().starts_with("<details class=\"scenario"))
            .map(|l| l.contains(" open"))
            .collect();
        assert_eq!(opens, [false, true, true]);
    }
}
