//! `report.html`: one self-contained page (inline CSS and JS, no network) rendered with
//! minijinja from `templates/report.html` (with `report.css` and `report.js` inlined as they
//! are),
//! auto-escaped, with undefined values an error.
//!
//! The page opens with the per-suite verdicts, then the findings grouped by requirement and
//! by suite (repeats folded under their root finding), then the scenarios grouped by suite.
//! Failed and errored scenarios are in the page; the steps of the others (most of a run,
//! and most of its bytes) are embedded as one JSON document ([`embedded`]) and drawn when
//! their card is opened, so the page stays light at a thousand scenarios.
//!
//! The template gets a view model built here so it needs no logic beyond loops and
//! conditions.

mod embedded;
mod findings;

use std::collections::BTreeMap;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Serde, Value};
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use super::ReportError;
use findings::{FindingGroup, FindingView, RepeatView, by_requirement, by_suite};

use super::select::scenario_failures;
use super::text::{
    grading_text, natural_cmp, pretty_body, seconds, suite_outcome_text, summary_line,
    throttling_note, truncate, verdict_sentence, verdict_title,
};
use crate::catalog::Severity;
use crate::run_report::{
    CheckOutcome, CheckResult, CleanupRecord, RequirementRef, RunReport, ScenarioReport,
    ScenarioStatus, StepReport, StepStatus, SuiteOutcome, Summary, TargetInfo, ToolInfo, Verdict,
};

const TEMPLATE: &str = include_str!("../../templates/report.html");
const STYLE: &str = include_str!("../../templates/report.css");
const SCRIPT: &str = include_str!("../../templates/report.js");

/// The suite of scenarios without an IdP profile.
const RFC_SUITE: &str = "rfc";

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
    let deferred = embedded::script_json(&view.deferred)?;
    // The style sheet and script are ours and static: inserted as they are, not templated.
    let mut html = env
        .get_template("report.html")?
        .render(minijinja::context! {
            style => Value::from_safe_string(STYLE.to_string()),
            script => Value::from_safe_string(SCRIPT.to_string()),
            deferred_json => Value::from_safe_string(deferred),
            ..Value::from(Serde(&view))
        })?;
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
    /// Scenario cards by suite, in the order of `suites`.
    scenario_groups: Vec<ScenarioGroup<'a>>,
    /// Root findings (MUST-level failures, repeats folded in), in run order.
    failures: Vec<FindingView<'a>>,
    /// Indices into `failures`, by requirement (or source).
    failures_by_requirement: Vec<FindingGroup>,
    /// Indices into `failures`, by suite.
    failures_by_suite: Vec<FindingGroup>,
    /// SHOULD-level findings, in run order.
    warnings: Vec<FindingView<'a>>,
    /// Indices into `warnings`, by requirement (or source).
    warnings_by_requirement: Vec<FindingGroup>,
    leaks: Vec<LeakView<'a>>,
    requirements: Vec<RequirementView<'a>>,
    filter_counts: FilterCounts,
    suites: Vec<SuiteView<'a>>,
    throttling_note: Option<String>,
    /// The steps of scenarios whose cards are drawn on demand, by card anchor.
    #[serde(skip)]
    deferred: BTreeMap<String, DeferredCard<'a>>,
}

#[derive(Serialize)]
struct SuiteView<'a> {
    id: &'a str,
    title: &'a str,
    text: String,
    /// `good`, `bad` or `other`: the colour of the verdict.
    class: &'static str,
    findings: u32,
    warnings: u32,
    scenarios: u32,
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
struct ScenarioGroup<'a> {
    suite: &'a str,
    title: &'a str,
    scenarios: Vec<ScenarioView<'a>>,
}

#[derive(Serialize)]
struct ScenarioView<'a> {
    anchor: String,
    id: &'a str,
    suite: &'a str,
    name: &'a str,
    description: Option<&'a str>,
    file: &'a str,
    tags: &'a [String],
    status: ScenarioStatus,
    /// Open by default (failed or errored).
    open: bool,
    /// The steps are in the embedded JSON, drawn when the card is opened.
    deferred: bool,
    has_warnings: bool,
    checks: usize,
    failures: usize,
    warnings: usize,
    duration: String,
    error: Option<&'a str>,
    /// Empty when `deferred`.
    steps: Vec<StepView<'a>>,
    steps_not_run: &'a [String],
    cleanup: &'a [CleanupRecord],
}

/// What the page's script needs to draw a deferred card (the same shapes as in the page).
#[derive(Serialize)]
struct DeferredCard<'a> {
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
    /// Pretty-printed in the page; as recorded in the embedded JSON (the script
    /// pretty-prints it), which keeps the JSON small.
    request_body: Option<String>,
    response: Option<ResponseView<'a>>,
    duration: String,
    checks: Vec<CheckView<'a>>,
    captures: Vec<(&'a str, String)>,
    error: Option<&'a str>,
    impact: Option<&'a str>,
    source: Option<&'a str>,
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
    /// `pass`, `fail`, `warn`, `note`, `repeat` or `unjudged`.
    mark: &'static str,
    description: &'a str,
    citation: String,
    /// What a reader needs about a check that did not pass (empty for a pass).
    facts: Vec<Fact>,
}

/// One labelled line of a check's details.
#[derive(Serialize)]
struct Fact {
    label: &'static str,
    value: String,
    /// `pre` (a value, kept as written), `actual` (the observed value) or `text`.
    kind: &'static str,
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

fn suite_of(sc: &ScenarioReport) -> &str {
    sc.profile.as_deref().unwrap_or(RFC_SUITE)
}

fn mark_of(c: &CheckResult, is_root_finding: bool) -> &'static str {
    if c.outcome == CheckOutcome::Passed {
        "pass"
    } else if c.outcome == CheckOutcome::NotEvaluated {
        "unjudged"
    } else if is_root_finding {
        "fail"
    } else if c.repeat_of.is_some() {
        "repeat"
    } else if c.severity == Severity::Should {
        "warn"
    } else {
        "note"
    }
}

fn build(report: &RunReport) -> View<'_> {
    let s = &report.summary;
    let mut failures = Vec::new();
    let mut warnings = Vec::new();
    let mut cards = Vec::new();
    let mut deferred = BTreeMap::new();
    let mut refs: BTreeMap<&str, &RequirementRef> = BTreeMap::new();

    for (si, sc) in report.scenarios.iter().enumerate() {
        let roots: Vec<&CheckResult> = scenario_failures(sc).into_iter().map(|(_, c)| c).collect();
        let anchor = format!("s{}", si + 1);
        let suite = suite_of(sc);
        let in_page = matches!(sc.status, ScenarioStatus::Failed | ScenarioStatus::Errored);
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
                let mark = mark_of(c, roots.iter().any(|f| std::ptr::eq(*f, c)));
                let check_anchor = format!("{step_anchor}-{}", ci + 1);
                let finding = || FindingView {
                    anchor: check_anchor.clone(),
                    suite,
                    scenario_id: &sc.id,
                    scenario_name: &sc.name,
                    step: &st.name,
                    check: &c.description,
                    citation: c.citation(),
                    expected: &c.expected,
                    actual: &c.actual,
                    impact: c.impact.as_deref().or(st.impact.as_deref()),
                    repeats: st
                        .checks
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| {
                            r.repeat_of == Some(ci) && r.outcome != CheckOutcome::Passed
                        })
                        .map(|(ri, r)| RepeatView {
                            anchor: format!("{step_anchor}-{}", ri + 1),
                            check: &r.description,
                            citation: r.citation(),
                        })
                        .collect(),
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
                checks.push(check_view(c, st, mark));
            }
            steps.push(step_view(st, step_anchor, checks, in_page));
        }
        if !in_page {
            deferred.insert(
                anchor.clone(),
                DeferredCard {
                    steps: std::mem::take(&mut steps),
                    steps_not_run: &sc.steps_not_run,
                    cleanup: &sc.cleanup,
                },
            );
        }
        cards.push(ScenarioView {
            anchor,
            id: &sc.id,
            suite,
            name: &sc.name,
            description: sc.description.as_deref(),
            file: &sc.file,
            tags: &sc.tags,
            status: sc.status,
            open: in_page,
            deferred: !in_page,
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
        all: cards.len(),
        failed: cards
            .iter()
            .filter(|v| matches!(v.status, ScenarioStatus::Failed | ScenarioStatus::Errored))
            .count(),
        warnings: cards.iter().filter(|v| v.has_warnings).count(),
        passed: cards
            .iter()
            .filter(|v| v.status == ScenarioStatus::Passed)
            .count(),
    };

    let suites: Vec<SuiteView<'_>> = report
        .suites
        .iter()
        .map(|v| {
            use SuiteOutcome as O;
            SuiteView {
                id: &v.id,
                title: &v.title,
                text: suite_outcome_text(v),
                class: match v.outcome {
                    O::Conformant | O::Ready => "good",
                    O::Violations | O::Blockers => "bad",
                    O::Incomplete | O::NotRun => "other",
                },
                findings: v.findings,
                warnings: v.warnings,
                scenarios: v.passed + v.failed + v.errored + v.skipped,
                gating: v.gating,
                next: v.next.as_deref(),
            }
        })
        .collect();
    let suite_order: Vec<(&str, &str)> = suites.iter().map(|v| (v.id, v.title)).collect();

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
        scenario_groups: group_cards(cards, &suite_order),
        failures_by_requirement: by_requirement(&failures, &refs),
        failures_by_suite: by_suite(&failures, &suite_order),
        warnings_by_requirement: by_requirement(&warnings, &refs),
        failures,
        warnings,
        leaks,
        suites,
        throttling_note: throttling_note(report),
        requirements,
        filter_counts,
        deferred,
    }
}

/// Scenario cards under their suite, suites in verdict order (a suite without a verdict,
/// which a hand-made report may have, comes last under its id).
fn group_cards<'a>(
    cards: Vec<ScenarioView<'a>>,
    suites: &[(&'a str, &'a str)],
) -> Vec<ScenarioGroup<'a>> {
    let mut groups: Vec<ScenarioGroup<'a>> = suites
        .iter()
        .map(|&(suite, title)| ScenarioGroup {
            suite,
            title,
            scenarios: Vec::new(),
        })
        .collect();
    for card in cards {
        match groups.iter_mut().find(|g| g.suite == card.suite) {
            Some(g) => g.scenarios.push(card),
            None => groups.push(ScenarioGroup {
                suite: card.suite,
                title: card.suite,
                scenarios: vec![card],
            }),
        }
    }
    groups.retain(|g| !g.scenarios.is_empty());
    groups
}

fn check_view<'a>(c: &'a CheckResult, st: &'a StepReport, mark: &'static str) -> CheckView<'a> {
    let mut facts = Vec::new();
    let mut fact = |label, value: String, kind| facts.push(Fact { label, value, kind });
    match c.outcome {
        CheckOutcome::Passed => {}
        CheckOutcome::NotEvaluated => fact("Not evaluated", c.actual.clone(), "text"),
        CheckOutcome::Failed => {
            fact("Expected", c.expected.clone(), "pre");
            fact("Actual", c.actual.clone(), "actual");
            for v in &c.violations {
                let path = if v.instance_path.is_empty() {
                    "(root)"
                } else {
                    &v.instance_path
                };
                fact("Schema", format!("{path}: {}", v.message), "pre");
            }
            if let Some(r) = &c.requirement {
                fact(
                    "Requirement",
                    format!("{} {} {}: {}", r.id, r.keyword, r.section, r.text),
                    "text",
                );
            }
            // A check citing only a source shows it as its citation already.
            if let (Some(_), Some(s)) = (&c.requirement, &c.source) {
                fact("Source", s.clone(), "text");
            }
            if let Some(b) = &c.because {
                fact("Why", b.clone(), "text");
            }
            if let Some(g) = &c.graded {
                fact("Graded", grading_text(g), "text");
            }
            if c.repeat_of.is_some() {
                fact(
                    "Repeat",
                    "the same defect as an earlier failed check of this step; counted once".into(),
                    "text",
                );
            }
            // The step's impact describes a failed step, not a warning.
            let impact = c.impact.as_deref().or(if mark == "fail" {
                st.impact.as_deref()
            } else {
                None
            });
            if let Some(i) = impact {
                fact("Impact", i.to_string(), "text");
            }
            fact("Where", c.location.to_string(), "pre");
        }
    }
    CheckView {
        mark,
        description: &c.description,
        citation: c.citation(),
        facts,
    }
}

fn step_view<'a>(
    st: &'a StepReport,
    anchor: String,
    checks: Vec<CheckView<'a>>,
    pretty: bool,
) -> StepView<'a> {
    let ex = &st.exchange;
    let body = |b: &str| {
        if pretty {
            pretty_body(b)
        } else {
            b.to_string()
        }
    };
    StepView {
        anchor,
        name: &st.name,
        location: st.location.to_string(),
        status: st.status,
        method: &ex.request.method,
        url: &ex.request.url,
        request_headers: &ex.request.headers,
        request_body: ex.request.body.as_deref().map(body),
        response: ex.response.as_ref().map(|r| ResponseView {
            status: r.status,
            class: match r.status {
                200..=299 => "ok",
                300..=399 => "redirect",
                _ => "error",
            },
            headers: &r.headers,
            body: r.body.as_deref().map(body),
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
        source: st.source.as_deref(),
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
        for needle in [
            "http://cdn",
            "https://",
            "<link",
            "@import",
            "src=\"http",
            "src=",
        ] {
            assert!(!html.contains(needle), "{needle}");
        }
        // Our script, and the data of the cards drawn on demand.
        assert_eq!(html.matches("<script>").count(), 1);
        assert_eq!(
            html.matches("<script type=\"application/json\" id=\"deferred\">")
                .count(),
            1
        );
        assert_eq!(html.matches("<script").count(), 2);
        assert_eq!(html.matches("<style").count(), 1);
    }

    /// The embedded JSON decodes to the passing scenario's steps, bodies as recorded.
    #[test]
    fn passing_scenarios_are_embedded_as_json_and_not_in_the_page() {
        let report = fixture::report();
        let html = render(&report).unwrap();
        let json = embedded::extract(&html).expect("one embedded document");
        let data: serde_json::Value = serde_json::from_str(json).unwrap();
        let cards = data.as_object().unwrap();
        assert_eq!(
            cards.keys().collect::<Vec<_>>(),
            ["s1"],
            "only the passed one"
        );
        let step = &data["s1"]["steps"][0];
        assert_eq!(step["name"], "get ServiceProviderConfig");
        assert_eq!(
            step["response"]["body"].as_str(),
            report.scenarios[0].steps[0]
                .exchange
                .response
                .as_ref()
                .unwrap()
                .body
                .as_deref()
        );
        assert_eq!(step["checks"][0]["mark"], "pass");
        // Its exchange is not in the page itself; the failed scenario's is.
        let page = html.replace(json, "");
        assert!(!page.contains("OAuth Bearer Token"));
        assert!(page.contains("alice-3f9c@example.com"));
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
        // The same in a passing scenario, whose steps go into the embedded JSON.
        let passing = &mut report.scenarios[0].steps[0];
        passing.name = "</script><script>alert(4)</script><!--".into();
        passing.exchange.response.as_mut().unwrap().body =
            Some("</SCRIPT ><img src=x onerror=alert(5)>\u{2028}\u{1b}[2J\u{202e}".into());
        let html = render(&report).unwrap();
        for raw in [
            "<img src=x",
            "</pre><script>",
            "<script>alert",
            "<svg onload",
            "<iframe",
            "\"user\" <b>",
            "</SCRIPT",
            "<!--",
            "\u{2028}",
            "\u{1b}",
            "\u{202e}",
        ] {
            assert!(!html.contains(raw), "{raw:?} appears unescaped");
        }
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(html.contains("&lt;&#x2f;pre&gt;&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
        assert_eq!(html.matches("<script").count(), 2, "only our own scripts");
        assert_eq!(html.to_lowercase().matches("</script").count(), 2);
        // The embedded data still decodes to what the target sent.
        let data: serde_json::Value =
            serde_json::from_str(embedded::extract(&html).unwrap()).unwrap();
        assert_eq!(
            data["s1"]["steps"][0]["response"]["body"],
            "</SCRIPT ><img src=x onerror=alert(5)>\u{2028}\u{1b}[2J\u{202e}"
        );
    }

    #[test]
    fn failed_and_errored_cards_are_open_and_exchanges_closed() {
        let html = render(&fixture::report()).unwrap();
        let opens: Vec<bool> = html
            .lines()
            .filter(|l| l.trim_start().starts_with("<details class=\"scenario"))
            .map(|l| l.contains(" open"))
            .collect();
        assert_eq!(opens, [false, true, true]);
        let exchanges: Vec<&str> = html
            .lines()
            .filter(|l| l.contains("<details class=\"exchange"))
            .collect();
        assert_eq!(
            exchanges.len(),
            3,
            "the failed and errored scenarios' steps"
        );
        assert!(
            exchanges.iter().all(|l| !l.contains(" open")),
            "{exchanges:?}"
        );
    }

    /// Findings are grouped by requirement and by suite; a repeat is folded under its root
    /// and is not a finding of its own.
    #[test]
    fn findings_are_grouped_and_repeats_folded() {
        let report = fixture::report();
        let view = build(&report);
        assert_eq!(view.failures.len(), 1);
        let root = &view.failures[0];
        assert_eq!(root.check, "status is 201");
        assert_eq!(
            root.repeats.iter().map(|r| r.check).collect::<Vec<_>>(),
            [
                "body matches schema urn:ietf:params:scim:schemas:core:2.0:User",
                "header ETag is present"
            ]
        );
        let titles = |g: &[FindingGroup]| g.iter().map(|g| g.title.clone()).collect::<Vec<_>>();
        assert_eq!(
            titles(&view.failures_by_requirement),
            ["P-3.3-01 (SHALL, RFC 7644 §3.3)"]
        );
        assert_eq!(
            titles(&view.failures_by_suite),
            ["RFC 7643/7644 conformance (rfc)"]
        );
        let suites: Vec<_> = view
            .scenario_groups
            .iter()
            .map(|g| (g.suite, g.scenarios.len()))
            .collect();
        assert_eq!(suites, [("rfc", 2), ("okta-oin", 1)]);
    }

    /// The page's weight per passing scenario stays small whatever the run size: the
    /// exchanges of passing scenarios are data, not markup.
    #[test]
    fn a_thousand_scenarios_stay_light() {
        let report = fixture::scaled(1000);
        let html = render(&report).unwrap();
        let json = embedded::extract(&html).unwrap();
        let markup = html.len() - json.len();
        let cards = html.matches("<details class=\"scenario").count();
        assert_eq!(cards, 1000);
        // Measured: 0.96 MB of markup and 1.9 MB of embedded data (2.9 MB in all) for
        // this fixture, whose exchanges are small. Were the passing exchanges markup again
        // (escaped, so larger than their 1.9 KB of JSON per scenario), the markup would be
        // over 2.8 KB per scenario: the bound leaves room for the cards to grow a little,
        // not for that.
        assert!(markup < 1_500 * 1000, "markup {markup} bytes");
        assert!(html.len() < 4_000 * 1000, "page {} bytes", html.len());
    }
}
