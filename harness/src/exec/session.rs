//! A session: a target checked once (preflight) and read once (discovery), and the runs
//! of scenarios against it. A run starts each scenario (`--jobs` at once), gates it on what
//! the target advertises, cleans up after it however it ended, and assembles the run report.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::cancel::Cancel;
use super::cleanup::Registry;
use super::discovery::{Features, discover};
use super::engine::Engine;
use super::http::HttpClient;
use super::preflight::{PreflightError, preflight};
use super::runner::{empty_report, run_steps};
use super::suite::{Progress, SuiteOptions, SuiteSet, assemble};
use crate::run_report::ScenarioSelection;
use crate::run_report::{
    BaselineStatus, RunReport, ScenarioReport, ScenarioStatus, StepStatus, Verdict,
};
use crate::scenario::fingerprint::scenario_set_digest;
use crate::scenario::load::LoadedScenario;
use crate::scenario::profile::Profile;

/// A target checked once (preflight) and read once (discovery): what the scenarios of a run
/// share. [`run_suite`](super::suite::run_suite) opens one per run; a front end that runs
/// scenarios one at a time (the `scenarios` test binary) opens one and calls
/// [`Session::run`] for each.
pub struct Session {
    engine: Engine,
    features: Features,
    options: SuiteOptions,
    /// The verdict and the reason when the preflight failed: then nothing runs.
    unusable: Option<(Verdict, String)>,
}

impl Session {
    /// Checks that the target answers like SCIM, then reads what it advertises (and its own
    /// schemas, for `schema: target` checks). A failed preflight does not fail here: every
    /// run of the session reports it, with its scenarios not run.
    pub async fn open(mut engine: Engine, options: &SuiteOptions, cancel: &Cancel) -> Session {
        // The preflight's requests are counted by the client like every other request.
        let (_, checked) = tokio::select! {
            r = preflight(&engine.client) => r,
            () = cancel.cancelled() => (0, Ok(())),
        };
        let mut unusable = None;
        let mut features = Features::default();
        match checked {
            Err(e) => {
                let verdict = match e {
                    PreflightError::Unreachable(_) => Verdict::Unreachable,
                    PreflightError::NotScim(_) => Verdict::NotScim,
                    PreflightError::CredentialsRefused(_) => Verdict::CredentialsRefused,
                };
                let why = match &e {
                    PreflightError::CredentialsRefused(what) => format!(
                        "the target refused {}: {what}. Check the token (and its scopes), then run again",
                        options.credentials
                    ),
                    other => other.to_string(),
                };
                unusable = Some((verdict, why));
            }
            Ok(()) => {
                features = tokio::select! {
                    (found, _) = discover(&engine.client) => found,
                    () = cancel.cancelled() => Features::default(),
                };
                features.force(&options.forced_features);
                engine.target_schemas = features.schemas.clone();
            }
        }
        Session {
            engine,
            features,
            options: options.clone(),
            unusable,
        }
    }

    /// Why what the target advertises skips `sc`, if it does. `None` after a failed
    /// preflight: then nothing runs, and each run's report says why.
    pub fn feature_gate(&self, sc: &LoadedScenario) -> Option<String> {
        match self.unusable {
            Some(_) => None,
            None => self.features.gate(sc).0,
        }
    }

    /// Runs `scenarios` (`jobs` at once), cleans up after each, and assembles their report:
    /// the same verdicts and texts as a whole run. Its request count is what the session's
    /// client sent meanwhile, including for runs of the same session in parallel.
    pub async fn run(
        &self,
        scenarios: Vec<LoadedScenario>,
        cancel: &Cancel,
        progress: Arc<dyn Progress>,
    ) -> RunReport {
        self.run_from(Start::now(&self.engine.client), scenarios, cancel, progress)
            .await
    }

    pub(super) async fn run_from(
        &self,
        start: Start,
        scenarios: Vec<LoadedScenario>,
        cancel: &Cancel,
        progress: Arc<dyn Progress>,
    ) -> RunReport {
        let suites = SuiteSet::of(&scenarios);
        let scenario_set = ScenarioSelection {
            count: scenarios.len() as u32,
            sha256: scenario_set_digest(&scenarios),
        };
        let reports = self.run_all(scenarios, cancel, progress).await;
        let (mut verdict, preflight_error) = match &self.unusable {
            Some((verdict, why)) => (Some(*verdict), Some(why.clone())),
            None => (None, None),
        };
        if verdict.is_none() && cancel.reason().is_some() {
            verdict = Some(Verdict::Interrupted);
        }
        let client = &self.engine.client;
        let mut report = assemble(
            reports,
            verdict,
            preflight_error,
            start.at,
            start.clock.elapsed(),
            &self.options,
            client.requests_sent().saturating_sub(start.requests),
            &suites,
        );
        report.scenario_set = scenario_set;
        report.throttling = client.throttling().summary();
        report.features = self.features.report();
        report.baseline = self.engine.baseline.outcomes();
        report.summary.unexpected_passes = report
            .baseline
            .iter()
            .filter(|b| b.status == BaselineStatus::NowPasses)
            .count() as u32;
        report
    }

    async fn run_all(
        &self,
        scenarios: Vec<LoadedScenario>,
        cancel: &Cancel,
        progress: Arc<dyn Progress>,
    ) -> Vec<ScenarioReport> {
        let engine = &self.engine;
        let cleanup_budget = self.options.cleanup_budget;
        let permits = Arc::new(Semaphore::new(self.options.jobs.max(1)));
        let mut set = JoinSet::new();
        let count = scenarios.len();
        // Kept outside the tasks, so a task that panics still has its resources cleaned up
        // and its scenario reported.
        let mut slots: Vec<Option<(LoadedScenario, Registry)>> = (0..count).map(|_| None).collect();
        let mut task_index = std::collections::HashMap::new();
        // Scenarios that wait (e.g. for a clock tick) start first, so the wait overlaps the
        // rest of the run instead of adding to its end; reports keep the load order.
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
            let one = One {
                engine: engine.clone(),
                unusable: self.unusable.as_ref().map(|(_, why)| why.clone()),
                gate: self.features.gate(&sc),
                cleanup_budget,
            };
            let cancel = cancel.clone();
            let permits = permits.clone();
            let progress = progress.clone();
            let handle = set.spawn(async move {
                let _permit = permits.acquire_owned().await;
                (
                    index,
                    one.run(&sc, &registry, &cancel, progress.as_ref()).await,
                )
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
}

/// When a run started: its report's clock and request count start here.
pub(super) struct Start {
    at: SystemTime,
    clock: Instant,
    requests: u32,
}

impl Start {
    pub(super) fn now(client: &HttpClient) -> Self {
        Start {
            at: SystemTime::now(),
            clock: Instant::now(),
            requests: client.requests_sent(),
        }
    }
}

/// What one scenario's task needs of its session.
struct One {
    engine: Engine,
    /// Why nothing runs (a failed preflight).
    unusable: Option<String>,
    /// Why the target's features skip it; the features it uses unadvertised.
    gate: (Option<String>, Vec<&'static str>),
    cleanup_budget: Duration,
}

impl One {
    /// One scenario start to finish: not run, skipped, or its steps and then its cleanup,
    /// whatever happened to the steps.
    async fn run(
        self,
        sc: &LoadedScenario,
        registry: &Registry,
        cancel: &Cancel,
        progress: &dyn Progress,
    ) -> ScenarioReport {
        let mut report = empty_report(sc);
        if let Some(reason) = self.unusable.or_else(|| cancel.reason()) {
            report.status = ScenarioStatus::Skipped;
            report.error = Some(format!("not run: {reason}"));
            return report;
        }
        let (skip, unadvertised) = self.gate;
        if let Some(reason) = skip {
            report.status = ScenarioStatus::Skipped;
            report.error = Some(format!("skipped: {reason}"));
            progress.finished(&report);
            return report;
        }
        progress.started(&sc.id);
        let clock = Instant::now();
        run_steps(&self.engine, sc, registry, &mut report, cancel).await;
        if !unadvertised.is_empty() {
            note_unadvertised(&mut report, &unadvertised, sc.profile.as_deref());
        }
        // Cleanup runs whatever happened above, including after a cancel.
        report.cleanup = registry
            .clean_until(
                &self.engine.client,
                cancel.cleanup_until(self.cleanup_budget),
            )
            .await;
        report.duration_ms = clock.elapsed().as_millis() as u64;
        progress.finished(&report);
        report
    }
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
