//! Runs a whole suite: preflight, scenarios concurrently (`--jobs`), an overall deadline,
//! Ctrl-C, cleanup of every scenario however it ended, and the assembled [`RunReport`].

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::cancel::Cancel;
use super::cleanup::Registry;
use super::discovery::{Features, discover};
use super::preflight::{PreflightError, preflight};
use super::runner::{Engine, empty_report, run_steps};
use crate::run_report::{
    BaselineStatus, CheckOutcome, CheckResult, FORMAT_VERSION, RequirementVerdict, RunReport,
    ScenarioReport, ScenarioStatus, StepReport, StepStatus, SuiteKind, SuiteOutcome, SuiteVerdict,
    Summary, TargetInfo, ToolInfo, Verdict,
};
use crate::scenario::load::LoadedScenario;
use crate::scenario::model::Feature;
use crate::scenario::profile::{Profile, ProfileKind};

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
    mut engine: Engine,
    scenarios: Vec<LoadedScenario>,
    options: &SuiteOptions,
    cancel: Cancel,
    progress: Arc<dyn Progress>,
) -> RunReport {
    let started_at = SystemTime::now();
    let clock = Instant::now();
    let suites = SuiteSet::of(&scenarios);
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

    // The preflight's requests are counted by the client like every other request.
    let (_, checked) = tokio::select! {
        r = preflight(&engine.client) => r,
        () = cancel.cancelled() => (0, Ok(())),
    };
    let reports: Vec<ScenarioReport>;
    let mut verdict = None;
    let mut preflight_error = None;
    let mut features;
    if let Err(e) = checked {
        verdict = Some(match e {
            PreflightError::Unreachable(_) => Verdict::Unreachable,
            PreflightError::NotScim(_) => Verdict::NotScim,
            PreflightError::CredentialsRefused(_) => Verdict::CredentialsRefused,
        });
        preflight_error = Some(match &e {
            PreflightError::CredentialsRefused(what) => format!(
                "the target refused {}: {what}. Check the token (and its scopes), then run again",
                options.credentials
            ),
            other => other.to_string(),
        });
        features = Features::default();
        reports = scenarios
            .iter()
            .map(|sc| {
                let mut r = empty_report(sc);
                r.status = ScenarioStatus::Skipped;
                r.error = Some(format!(
                    "not run: {}",
                    preflight_error.as_deref().unwrap_or_default()
                ));
                r
            })
            .collect();
    } else {
        features = tokio::select! {
            (found, _) = discover(&engine.client) => found,
            () = cancel.cancelled() => Features::default(),
        };
        features.force(&options.forced_features);
        engine.target_schemas = features.schemas.clone();
        reports = run_all(
            &engine,
            scenarios,
            (options.jobs, options.cleanup_budget),
            &cancel,
            &features,
            progress,
        )
        .await;
    }
    deadline.abort();
    if verdict.is_none() && cancel.reason().is_some() {
        verdict = Some(Verdict::Interrupted);
    }
    let requests = engine.client.requests_sent();
    let mut report = assemble(
        reports,
        verdict,
        preflight_error,
        started_at,
        clock.elapsed(),
        options,
        requests,
        &suites,
    );
    report.throttling = engine.client.throttling().summary();
    report.features = features.report();
    report.baseline = engine.baseline.outcomes();
    report.summary.unexpected_passes = report
        .baseline
        .iter()
        .filter(|b| b.status == BaselineStatus::NowPasses)
        .count() as u32;
    report
}

async fn run_all(
    engine: &Engine,
    scenarios: Vec<LoadedScenario>,
    (jobs, cleanup_budget): (usize, Duration),
    cancel: &Cancel,
    features: &Features,
    progress: Arc<dyn Progress>,
) -> Vec<ScenarioReport> {
    let permits = Arc::new(Semaphore::new(jobs.max(1)));
    let mut set = JoinSet::new();
    let count = scenarios.len();
    // Kept outside the tasks, so a task that panics still has its resources cleaned up and
    // its scenario reported.
    let mut slots: Vec<Option<(LoadedScenario, Registry)>> = (0..count).map(|_| None).collect();
    let mut task_index = std::collections::HashMap::new();
    // Scenarios that wait (e.g. for a clock tick) start first, so the wait overlaps the rest
    // of the run instead of adding to its end; reports keep the load order.
    let mut ordered: Vec<(usize, LoadedScenario)> = scenarios.into_iter().enumerate().collect();
    ordered.sort_by_key(|(_, sc)| {
        std::cmp::Reverse(
            sc.scenario
                .steps
                .iter()
                .filter_map(|s| s.wait_ms)
                .sum::<u64>(),
        )
    });
    for (index, sc) in ordered {
        let registry = Registry::new();
        slots[index] = Some((sc.clone(), registry.clone()));
        let engine = engine.clone();
        let cancel = cancel.clone();
        let permits = permits.clone();
        let progress = progress.clone();
        let registry_for_task = registry;
        let (skip, unadvertised) = features.gate(&sc);
        let handle = set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let mut report = empty_report(&sc);
            if let Some(reason) = cancel.reason() {
                report.status = ScenarioStatus::Skipped;
                report.error = Some(format!("not run: {reason}"));
                return (index, report);
            }
            if let Some(reason) = skip {
                report.status = ScenarioStatus::Skipped;
                report.error = Some(format!("skipped: {reason}"));
                progress.finished(&report);
                return (index, report);
            }
            progress.started(&sc.id);
            let clock = Instant::now();
            run_steps(&engine, &sc, &registry_for_task, &mut report, &cancel).await;
            if !unadvertised.is_empty() {
                note_unadvertised(&mut report, &unadvertised, sc.profile.as_deref());
            }
            // Cleanup runs whatever happened above, including after a cancel.
            report.cleanup = registry_for_task
                .clean_until(&engine.client, cancel.cleanup_until(cleanup_budget))
                .await;
            report.duration_ms = clock.elapsed().as_millis() as u64;
            progress.finished(&report);
            (index, report)
        });
        task_index.insert(handle.id(), index);
    }
    let mut out: Vec<Option<ScenarioReport>> = (0..count).map(|_| None).collect();
    while let Some(joined) = set.join_next_with_id().await {
        match joined {
            Ok((_, (index, report))) => out[index] = Some(report),
            Err(e) => {
                // A panic in a scenario task is a harness bug: report it, clean up, go on.
                let Some(&index) = task_index.get(&e.id()) else {
                    continue;
                };
                let Some((sc, registry)) = &slots[index] else {
                    continue;
                };
                let mut report = empty_report(sc);
                report.status = ScenarioStatus::Errored;
                report.error = Some(format!("internal error in the harness: {e}"));
                report.cleanup = registry
                    .clean_until(&engine.client, cancel.cleanup_until(cleanup_budget))
                    .await;
                out[index] = Some(report);
            }
        }
    }
    out.into_iter().flatten().collect()
}

/// Tells a vendor, on each failed step of an IdP replay, that the IdP sends this whatever
/// the server advertises.
fn note_unadvertised(report: &mut ScenarioReport, features: &[&str], profile: Option<&Profile>) {
    let idp = profile.map_or("This identity provider", |p| {
        p.title.as_deref().unwrap_or(&p.name)
    });
    let list = features
        .iter()
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let note = format!(
        "Your server does not advertise {list} in /ServiceProviderConfig, but {idp} sends this whether or not you advertise it: it never reads /ServiceProviderConfig."
    );
    for step in &mut report.steps {
        if step.status != StepStatus::Passed {
            step.impact = Some(match step.impact.take() {
                Some(impact) => format!("{impact} {note}"),
                None => note.clone(),
            });
        }
    }
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
                None => (
                    RFC_SUITE.to_string(),
                    SuiteKind::Rfc,
                    "RFC 7643/7644 conformance".to_string(),
                ),
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

    /// The suite ids, in order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.suites.iter().map(|(id, _, _)| id.as_str())
    }
}

/// The id of the RFC conformance suite (for `--gate`).
pub const RFC_SUITE: &str = "rfc";

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

#[expect(
    clippy::too_many_arguments,
    reason = "one call site; the values are all distinct"
)]
fn assemble(
    scenarios: Vec<ScenarioReport>,
    verdict: Option<Verdict>,
    preflight_error: Option<String>,
    started_at: SystemTime,
    elapsed: Duration,
    options: &SuiteOptions,
    requests: u32,
    set: &SuiteSet,
) -> RunReport {
    let mut summary = Summary {
        requests,
        ..Summary::default()
    };
    let mut requirements: BTreeMap<String, RequirementVerdict> = BTreeMap::new();
    let mut control_findings = ControlFindings::default();
    let mut run_wide = RunWide::default();
    for s in &scenarios {
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
    let suites = suite_verdicts(&scenarios, set, options.gates.as_deref());
    let gating: Vec<&SuiteVerdict> = suites.iter().filter(|s| s.gating).collect();
    let verdict = verdict.unwrap_or(
        if gating.iter().any(|s| {
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
        },
    );
    RunReport {
        format_version: FORMAT_VERSION,
        tool: ToolInfo {
            name: "scim-harness".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        target: options.target.clone(),
        started_at: rfc3339(started_at),
        duration_ms: elapsed.as_millis() as u64,
        verdict,
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
