//! Runs a whole suite: an overall deadline around one session (preflight, discovery, every
//! scenario `--jobs` at once, cleanup), the suites a run is judged by, and the assembled
//! [`RunReport`] with its summary and verdicts.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::cancel::Cancel;
use super::engine::Engine;
use super::session::{Session, Start};
use crate::run_report::{
    CheckOutcome, CheckResult, FORMAT_VERSION, RequirementVerdict, RunReport, ScenarioReport,
    ScenarioSelection, ScenarioStatus, StepReport, SuiteKind, SuiteOutcome, SuiteVerdict, Summary,
    TargetInfo, ToolInfo, Verdict,
};
use crate::scenario::load::LoadedScenario;
use crate::scenario::model::Feature;
use crate::scenario::profile::ProfileKind;

/// Live progress: called as scenarios start and finish (from several tasks at once).
pub trait Progress: Send + Sync {
    /// A scenario started.
    fn started(&self, _id: &str) {}
    /// A scenario finished, cleanup included.
    fn finished(&self, _report: &ScenarioReport) {}
}

/// Progress that shows nothing.
pub struct Silent;
impl Progress for Silent {}

/// How to run a suite.
#[derive(Debug, Clone)]
pub struct SuiteOptions {
    /// Scenarios run at once.
    pub jobs: usize,
    /// The whole run stops (and cleans up) after this long.
    pub deadline: Duration,
    /// What is being tested, for the report.
    pub target: TargetInfo,
    /// Features to run even when the target does not advertise them.
    pub forced_features: Vec<Feature>,
    /// Suites whose verdicts set the run's verdict (`rfc`, profile names); `None`: all.
    pub gates: Option<Vec<String>>,
    /// Where the bearer token came from, for messages (`the token from --token-env VAR`).
    pub credentials: String,
    /// How long one scenario's cleanup may take, and all cleanup once the run is stopped.
    pub cleanup_budget: Duration,
}

/// Runs every scenario and returns the report. Never panics on target behaviour.
pub async fn run_suite(
    engine: Engine,
    scenarios: Vec<LoadedScenario>,
    options: &SuiteOptions,
    cancel: Cancel,
    progress: Arc<dyn Progress>,
) -> RunReport {
    // The run's clock and request count include the preflight and discovery.
    let start = Start::now(&engine.client);
    let deadline = {
        let cancel = cancel.clone();
        let limit = options.deadline;
        tokio::spawn(async move {
            tokio::time::sleep(limit).await;
            cancel.cancel(&format!(
                "the run's deadline of {} s passed",
                limit.as_secs()
            ));
        })
    };
    let session = Session::open(engine, options, &cancel).await;
    let report = session.run_from(start, scenarios, &cancel, progress).await;
    deadline.abort();
    report
}

/// A failed control step (the canonical form that variants probe) is one finding however
/// many scenarios send it: the same control failing again under the same requirement is not
/// counted again.
#[derive(Default)]
struct ControlFindings {
    seen: std::collections::BTreeSet<(String, String)>,
}

impl ControlFindings {
    fn is_new(&mut self, step: &StepReport, check: &CheckResult) -> bool {
        if !step.control {
            return true;
        }
        let rule = check.citation();
        self.seen.insert((rule, check.description.clone()))
    }
}

/// A check the harness adds to every answer (a 204 with a Content-Type, a leaky error
/// detail) fails on every answer of that kind: one finding for the run, not one per step.
#[derive(Default)]
struct RunWide {
    seen: std::collections::BTreeSet<String>,
}

impl RunWide {
    fn is_new(&mut self, check: &CheckResult) -> bool {
        check
            .run_wide_key()
            .is_none_or(|key| self.seen.insert(key.to_string()))
    }
}

/// The suites of a run: the RFC suite and each IdP profile, in order of first appearance.
pub struct SuiteSet {
    suites: Vec<(String, SuiteKind, String)>,
}

impl SuiteSet {
    /// The suites the given scenarios belong to.
    pub fn of(scenarios: &[LoadedScenario]) -> Self {
        let mut suites: Vec<(String, SuiteKind, String)> = Vec::new();
        for sc in scenarios {
            let (id, kind, title) = match &sc.profile {
                None => (RFC_SUITE.to_string(), SuiteKind::Rfc, RFC_TITLE.to_string()),
                Some(p) => (
                    p.name.clone(),
                    match p.kind {
                        ProfileKind::Idp => SuiteKind::Idp,
                        ProfileKind::Validator => SuiteKind::Validator,
                    },
                    p.title.clone().unwrap_or_else(|| p.name.clone()),
                ),
            };
            if !suites.iter().any(|(i, _, _)| *i == id) {
                suites.push((id, kind, title));
            }
        }
        suites.sort_by_key(|(_, kind, _)| *kind != SuiteKind::Rfc);
        SuiteSet { suites }
    }

    /// The suites of scenario results whose suites' verdicts `known` lists (the shards of
    /// one run): ordered as [`SuiteSet::of`] orders them, the RFC suite first, then by the
    /// first scenario of each.
    pub fn of_reports(scenarios: &[ScenarioReport], known: &[SuiteVerdict]) -> Self {
        let mut suites: Vec<(String, SuiteKind, String)> = Vec::new();
        for sc in scenarios {
            let id = sc.profile.as_deref().unwrap_or(RFC_SUITE);
            if suites.iter().any(|(i, _, _)| i == id) {
                continue;
            }
            let (kind, title) = match known.iter().find(|v| v.id == id) {
                Some(v) => (v.kind, v.title.clone()),
                None if id == RFC_SUITE => (SuiteKind::Rfc, RFC_TITLE.to_string()),
                None => (SuiteKind::Idp, id.to_string()),
            };
            suites.push((id.to_string(), kind, title));
        }
        suites.sort_by_key(|(_, kind, _)| *kind != SuiteKind::Rfc);
        SuiteSet { suites }
    }

    /// The suite ids, in order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.suites.iter().map(|(id, _, _)| id.as_str())
    }
}

/// The id of the RFC conformance suite (for `--gate`).
pub const RFC_SUITE: &str = "rfc";

/// The title of the RFC conformance suite.
const RFC_TITLE: &str = "RFC 7643/7644 conformance";

/// Each suite's verdict from its scenarios' results.
fn suite_verdicts(
    scenarios: &[ScenarioReport],
    set: &SuiteSet,
    gates: Option<&[String]>,
) -> Vec<SuiteVerdict> {
    set.suites
        .iter()
        .map(|(id, kind, title)| {
            let mut v = SuiteVerdict {
                id: id.clone(),
                kind: *kind,
                title: title.clone(),
                outcome: SuiteOutcome::NotRun,
                findings: 0,
                warnings: 0,
                passed: 0,
                failed: 0,
                errored: 0,
                skipped: 0,
                gating: gates.is_none_or(|g| g.iter().any(|x| x == id)),
                next: None,
            };
            let members = scenarios
                .iter()
                .filter(|s| s.profile.as_deref().unwrap_or(RFC_SUITE) == id);
            let mut control_findings = ControlFindings::default();
            let mut run_wide = RunWide::default();
            for s in members {
                match s.status {
                    ScenarioStatus::Passed => v.passed += 1,
                    ScenarioStatus::Failed => v.failed += 1,
                    ScenarioStatus::Errored => v.errored += 1,
                    ScenarioStatus::Skipped => v.skipped += 1,
                }
                for step in &s.steps {
                    for c in step.checks.iter().filter(|c| c.repeat_of.is_none()) {
                        if c.is_failure() && control_findings.is_new(step, c) {
                            v.findings += 1;
                            if v.next.is_none() {
                                v.next = c.impact.clone().or_else(|| step.impact.clone());
                            }
                        } else if c.is_warning() && run_wide.is_new(c) {
                            v.warnings += 1;
                        }
                    }
                }
            }
            let idp = *kind != SuiteKind::Rfc;
            v.outcome = if v.findings > 0 {
                if idp {
                    SuiteOutcome::Blockers
                } else {
                    SuiteOutcome::Violations
                }
            } else if v.errored > 0 || v.failed > 0 {
                SuiteOutcome::Incomplete
            } else if v.passed == 0 {
                SuiteOutcome::NotRun
            } else if idp {
                SuiteOutcome::Ready
            } else {
                SuiteOutcome::Conformant
            };
            if !idp {
                v.next = None;
            }
            v
        })
        .collect()
}

/// What a run's scenario results add up to: the counts, each requirement's verdict, each
/// suite's verdict and the overall verdict. Recomputed the same way for a run and for the
/// merge of its shards (`report merge`), so both judge alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Counts (`requests` and `unexpected_passes` are left at 0: the client and the
    /// baseline know them).
    pub summary: Summary,
    /// Per requirement id.
    pub requirements: BTreeMap<String, RequirementVerdict>,
    /// One verdict per suite of `set`.
    pub suites: Vec<SuiteVerdict>,
    /// Failed, nothing ran, or passed, from the gating suites.
    pub verdict: Verdict,
}

/// Adds up scenario results (in run order: a control step failing again, or a harness check
/// failing on every answer, counts once, where it first failed).
pub fn tally(scenarios: &[ScenarioReport], set: &SuiteSet, gates: Option<&[String]>) -> Tally {
    let mut summary = Summary::default();
    let mut requirements: BTreeMap<String, RequirementVerdict> = BTreeMap::new();
    let mut control_findings = ControlFindings::default();
    let mut run_wide = RunWide::default();
    for s in scenarios {
        match s.status {
            ScenarioStatus::Passed => summary.passed += 1,
            ScenarioStatus::Failed => summary.failed += 1,
            ScenarioStatus::Errored => summary.errored += 1,
            ScenarioStatus::Skipped => summary.skipped += 1,
        }
        summary.leaked_resources += s.cleanup.iter().filter(|c| !c.deleted).count() as u32;
        for (step, check) in s
            .steps
            .iter()
            .flat_map(|st| st.checks.iter().map(move |c| (st, c)))
        {
            summary.checks += 1;
            if check.outcome == CheckOutcome::NotEvaluated {
                summary.not_evaluated += 1;
            }
            if check.expected_failure.is_some() {
                summary.expected_failures += 1;
            } else if check.is_failure() {
                summary.check_failures += 1;
                if check.repeat_of.is_none() && control_findings.is_new(step, check) {
                    summary.findings += 1;
                }
            } else if check.is_warning() {
                if check.repeat_of.is_none() && run_wide.is_new(check) {
                    summary.warnings += 1;
                }
            } else if check.outcome == CheckOutcome::Failed {
                summary.notes += 1;
            }
            if let Some(r) = &check.requirement {
                let entry = requirements
                    .entry(r.id.clone())
                    .or_insert(RequirementVerdict {
                        outcome: CheckOutcome::Passed,
                        severity: check.severity,
                        passed: 0,
                        failed: 0,
                        not_evaluated: 0,
                    });
                match check.outcome {
                    CheckOutcome::Passed => entry.passed += 1,
                    CheckOutcome::Failed => {
                        entry.failed += 1;
                        entry.outcome = CheckOutcome::Failed;
                    }
                    CheckOutcome::NotEvaluated => entry.not_evaluated += 1,
                }
            }
        }
    }
    let suites = suite_verdicts(scenarios, set, gates);
    let gating: Vec<&SuiteVerdict> = suites.iter().filter(|s| s.gating).collect();
    let verdict = if gating.iter().any(|s| {
        matches!(
            s.outcome,
            SuiteOutcome::Violations | SuiteOutcome::Blockers | SuiteOutcome::Incomplete
        )
    }) {
        Verdict::Failed
    } else if gating.iter().all(|s| s.outcome == SuiteOutcome::NotRun) {
        Verdict::NothingRan
    } else {
        Verdict::Passed
    };
    Tally {
        summary,
        requirements,
        suites,
        verdict,
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site; the values are all distinct"
)]
pub(super) fn assemble(
    scenarios: Vec<ScenarioReport>,
    verdict: Option<Verdict>,
    preflight_error: Option<String>,
    started_at: SystemTime,
    elapsed: Duration,
    options: &SuiteOptions,
    requests: u32,
    set: &SuiteSet,
) -> RunReport {
    let Tally {
        mut summary,
        requirements,
        suites,
        verdict: tallied,
    } = tally(&scenarios, set, options.gates.as_deref());
    summary.requests = requests;
    RunReport {
        format_version: FORMAT_VERSION,
        tool: ToolInfo {
            name: "scim-harness".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        target: options.target.clone(),
        scenario_set: ScenarioSelection::default(),
        partition: None,
        started_at: rfc3339(started_at),
        duration_ms: elapsed.as_millis() as u64,
        verdict: verdict.unwrap_or(tallied),
        suites,
        summary,
        throttling: Default::default(),
        preflight_error,
        scenarios,
        requirements,
        features: BTreeMap::new(),
        baseline: Vec::new(),
    }
}

/// Formats a time as RFC 3339 UTC with milliseconds (cut, not rounded). A time before the
/// epoch reads as the epoch.
pub fn rfc3339(t: SystemTime) -> String {
    let since_epoch = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let at = jiff::SignedDuration::try_from(since_epoch)
        .ok()
        .and_then(|d| jiff::Timestamp::from_duration(d).ok())
        .unwrap_or(jiff::Timestamp::MAX);
    format!("{at:.3}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_known_instants() {
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_865_753_042);
        assert_eq!(rfc3339(t), "2026-11-28T11:35:53.042Z");
        // Sub-millisecond digits are cut, not rounded; a time before the epoch reads as the epoch.
        let t = SystemTime::UNIX_EPOCH + Duration::from_micros(1_795_865_753_042_999);
        assert_eq!(rfc3339(t), "2026-11-28T11:35:53.042Z");
        let before = SystemTime::UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(rfc3339(before), "1970-01-01T00:00:00.000Z");
    }
}
