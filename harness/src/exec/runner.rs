//! Runs one scenario's steps in order against the target: fill templates, send, register
//! created resources, capture values, evaluate checks. A step that fails stops the scenario;
//! the caller runs cleanup afterwards, whatever happened. A step's request is built in
//! `step_request`, checked by `guard` and compared with its snapshot in `behaviour_snapshot`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::assert::{CheckContext, evaluate};
use super::behaviour_snapshot::{snapshot_check, varies_with_other_data};
use super::cancel::Cancel;
use super::cleanup::Registry;
use super::engine::Engine;
use super::findings;
use super::guard::guard;
use super::http::{OutgoingRequest, Response};
use super::hygiene;
use super::pointer::resolve;
use super::step_request::build_request;
use super::template::Vars;
use super::transport::TransportError;
use crate::catalog::Severity;
use crate::run_report::{
    CheckOutcome, CheckResult, Exchange, RecordedRequest, ScenarioReport, ScenarioStatus,
    StepReport, StepStatus,
};
use crate::scenario::load::LoadedScenario;
use crate::scenario::model::Step;
use crate::scenario::profile::Profile;

/// A fresh report for a scenario that has not run yet.
pub fn empty_report(sc: &LoadedScenario) -> ScenarioReport {
    ScenarioReport {
        id: sc.id.clone(),
        name: sc.scenario.name.clone(),
        description: sc.scenario.description.clone(),
        file: sc.file.path.clone(),
        tags: sc.scenario.tags.clone(),
        profile: sc.profile.as_ref().map(|p| p.name.clone()),
        status: ScenarioStatus::Passed,
        duration_ms: 0,
        steps: Vec::new(),
        steps_not_run: sc
            .scenario
            .steps
            .iter()
            .map(|s| s.name.value.clone())
            .collect(),
        cleanup: Vec::new(),
        error: None,
    }
}

/// Runs the steps of `sc`, appending to `report` as it goes. Resources created are
/// registered in `registry`. On `cancel` the scenario stops before its next step; a request
/// in flight is abandoned unless it is a POST, which is awaited (within the request timeout)
/// so that a resource it creates is registered and can be cleaned up.
pub async fn run_steps(
    engine: &Engine,
    sc: &LoadedScenario,
    registry: &Registry,
    report: &mut ScenarioReport,
    cancel: &Cancel,
) {
    let mut vars = Vars::new(&engine.run_id);
    for (name, value) in &sc.scenario.vars {
        match vars.render_value(&value.value) {
            Ok(v) => vars.set(name, v),
            Err(e) => {
                report.status = ScenarioStatus::Errored;
                report.error = Some(format!("vars: {e}"));
                return;
            }
        }
    }
    let check_ctx = CheckContext {
        schemas: &engine.schemas,
        catalog: engine.catalog,
        strict: engine.strict,
        target: engine.target_schemas.as_deref(),
    };
    for (index, step) in sc.scenario.steps.iter().enumerate() {
        if let Some(reason) = cancel.reason() {
            report.status = ScenarioStatus::Errored;
            report.error = Some(format!("interrupted: {reason}"));
            return;
        }
        report.steps_not_run.remove(0);
        let step_reports = match &step.page_walk {
            Some(walk) => {
                let pages = super::paging::walk(
                    engine,
                    &check_ctx,
                    sc,
                    (index, step),
                    &walk.value,
                    registry,
                    &mut vars,
                    cancel,
                );
                run_alone(engine, pages).await
            }
            None => vec![
                run_step(
                    engine,
                    &check_ctx,
                    sc,
                    (index, step),
                    registry,
                    &mut vars,
                    cancel,
                    None,
                )
                .await,
            ],
        };
        let status = step_reports
            .iter()
            .map(|r| r.status)
            .find(|s| *s != StepStatus::Passed)
            .unwrap_or(StepStatus::Passed);
        report.steps.extend(step_reports);
        match status {
            StepStatus::Passed => {}
            StepStatus::Failed => {
                report.status = ScenarioStatus::Failed;
                return;
            }
            StepStatus::Errored => {
                report.status = ScenarioStatus::Errored;
                if let Some(error) = report.steps.last().and_then(|s| s.error.clone()) {
                    report.error = Some(error);
                }
                return;
            }
        }
    }
}

/// Sends one step and evaluates it; `keep` receives the response (for page walks).
#[expect(
    clippy::too_many_arguments,
    reason = "the step's context, threaded from run_steps"
)]
pub(super) async fn run_step(
    engine: &Engine,
    ctx: &CheckContext<'_>,
    sc: &LoadedScenario,
    (index, step): (usize, &Step),
    registry: &Registry,
    vars: &mut Vars,
    cancel: &Cancel,
    keep: Option<&mut Option<Response>>,
) -> StepReport {
    let mut report = StepReport {
        name: step.name.value.clone(),
        location: sc.file.location_of(&step.name),
        status: StepStatus::Passed,
        exchange: Exchange {
            request: RecordedRequest {
                method: step.request.method.as_str().to_string(),
                url: engine.client.url_of(&step.request.path.value, &[]),
                headers: Vec::new(),
                body: None,
            },
            response: None,
            started_at: None,
            duration_ms: 0.0,
            retries: Vec::new(),
            throttled: None,
        },
        checks: Vec::new(),
        captures: BTreeMap::new(),
        first_attempt: None,
        control: step.control,
        error: None,
        impact: step.impact.clone(),
        source: step.source.clone(),
        confidence: step.confidence,
    };
    let outgoing = match build_request(engine, sc.profile.as_deref(), step, vars)
        .and_then(|r| guard(engine, registry, vars, &r).map(|()| r))
    {
        Ok(r) => r,
        Err(e) => {
            report.status = StepStatus::Errored;
            report.error = Some(format!("request not sent: {e}"));
            return report;
        }
    };
    if let Some(ms) = step.wait_ms {
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_millis(ms.min(10_000))) => {}
            () = cancel.cancelled() => {
                report.status = StepStatus::Errored;
                report.error = Some(format!("interrupted: {}", cancel.reason().unwrap_or_default()));
                return report;
            }
        }
    }
    let Some((mut exchange, mut result)) = send_step(engine, &outgoing, cancel, false).await else {
        report.status = StepStatus::Errored;
        report.error = Some(format!(
            "interrupted: {}",
            cancel.reason().unwrap_or_default()
        ));
        return report;
    };
    // A server error may come from load (a database lock under concurrent scenarios): try
    // once more with nothing else in flight, and say so if that answer is different.
    let mut flaky = None;
    if let Ok(first) = &result
        && is_server_error(first.status)
    {
        let first_status = first.status;
        if let Some((again_exchange, again)) = send_step(engine, &outgoing, cancel, true).await {
            let first_exchange = std::mem::replace(&mut exchange, again_exchange);
            result = again;
            let retry_status = result.as_ref().ok().map(|r| r.status);
            if retry_status.is_some_and(|s| !is_server_error(s)) {
                flaky = Some((first_status, retry_status.unwrap_or_default()));
            }
            report.first_attempt = Some(first_exchange);
        }
    }
    let throttled = exchange.throttled.clone();
    report.exchange = exchange;
    let resp = match result {
        Ok(r) => r,
        Err(e) => {
            report.status = StepStatus::Errored;
            report.error = Some(match (&e, sc.profile.as_deref()) {
                (
                    TransportError::Timeout { .. },
                    Some(Profile {
                        name,
                        socket_timeout_ms: Some(limit),
                        ..
                    }),
                ) => format!(
                    "{e}: {name} gives up on a request after {} s with no answer, so for {name} this step is a blocker",
                    *limit as f64 / 1000.0
                ),
                _ => e.to_string(),
            });
            return report;
        }
    };
    if let Some(why) = throttled {
        // A throttled answer says nothing about conformance: the step could not be checked.
        report.status = StepStatus::Errored;
        report.error = Some(format!(
            "the target kept throttling this request ({why}); its checks were not evaluated"
        ));
        return report;
    }
    if let Some(slot) = keep {
        *slot = Some(resp.clone());
    }
    registry
        .observe(
            &engine.client,
            outgoing.method,
            &outgoing.path,
            &resp,
            &engine.run_id,
        )
        .await;

    let mut capture_errors = Vec::new();
    for (name, spec) in &step.capture {
        match capture(&resp, &spec.value) {
            Some(v) => {
                vars.set(name, v.clone());
                report.captures.insert(name.clone(), v);
            }
            None => {
                let why = format!(
                    "the capture `{name}` from `{}` ({}:{}) found nothing in the response",
                    spec.value,
                    sc.file.path,
                    spec.referenced.line()
                );
                vars.mark_missing(name, why.clone());
                capture_errors.push(why);
            }
        }
    }
    for exp in &step.expect {
        report
            .checks
            .push(evaluate(ctx, &sc.file, step, exp, &resp, vars));
    }
    findings::judge_body_once(&step.expect, &resp, &mut report.checks, ctx.catalog);
    for check in &mut report.checks {
        engine.baseline.apply(&sc.id, &step.name.value, check);
    }
    findings::fold_repeats(&mut report.checks);
    // Response hygiene is judged on its own, never folded under the step's finding.
    report
        .checks
        .extend(hygiene::checks(&resp, &report.location));
    if let Some((first, second)) = flaky {
        report.checks.push(flaky_check(&report, first, second));
    }
    if let Some(store) = &engine.snapshots
        && step.snapshot
        && !varies_with_other_data(&outgoing, &resp, &engine.run_id)
    {
        let mut check = snapshot_check(
            &engine.client,
            store,
            sc,
            (index, step),
            &outgoing,
            &resp,
            vars,
            &report,
        );
        engine.baseline.apply(&sc.id, &step.name.value, &mut check);
        report.checks.push(check);
    }
    let failed = report.checks.iter().any(|c| c.is_failure());
    if failed {
        report.status = StepStatus::Failed;
    } else if !capture_errors.is_empty() {
        report.status = StepStatus::Errored;
    }
    if !capture_errors.is_empty() {
        report.error = Some(capture_errors.join("; "));
    }
    report
}

/// 5xx other than 501 Not Implemented (a deliberate answer) and throttling 503s (waited
/// out by the client): what a server answers when something broke.
fn is_server_error(status: u16) -> bool {
    status >= 500 && status != 501
}

tokio::task_local! {
    /// Set while a task holds the run's concurrency gate alone (see [`run_alone`]).
    static HOLDS_GATE: bool;
}

fn holds_gate() -> bool {
    HOLDS_GATE.try_with(|held| *held).unwrap_or(false)
}

/// Runs `work` with no other request of the run in flight: what a page walk needs, since
/// resources created or deleted by other scenarios between two pages shift the pages.
pub(super) async fn run_alone<T>(engine: &Engine, work: impl std::future::Future<Output = T>) -> T {
    if holds_gate() {
        return work.await;
    }
    let _alone = engine.client.concurrency_gate().write().await;
    HOLDS_GATE.scope(true, work).await
}

/// Sends the step's request; `alone`: with no other request of the run in flight. A POST
/// is awaited even after a cancel (so a resource it creates is registered); other requests
/// are abandoned (`None`).
async fn send_step(
    engine: &Engine,
    outgoing: &OutgoingRequest,
    cancel: &Cancel,
    alone: bool,
) -> Option<(Exchange, Result<Response, TransportError>)> {
    let gate = engine.client.concurrency_gate();
    let send = async {
        if holds_gate() {
            // The caller already runs alone (a page walk): taking the gate again would wait
            // for itself.
            engine.client.send_with(outgoing, Some(cancel)).await
        } else if alone {
            let _alone = gate.write().await;
            engine.client.send_with(outgoing, Some(cancel)).await
        } else {
            let _shared = gate.read().await;
            engine.client.send_with(outgoing, Some(cancel)).await
        }
    };
    if outgoing.method == "POST" {
        Some(send.await)
    } else {
        tokio::select! {
            sent = send => Some(sent),
            () = cancel.cancelled() => None,
        }
    }
}

/// The warning for a step whose server error went away when retried alone.
fn flaky_check(report: &StepReport, first: u16, second: u16) -> CheckResult {
    CheckResult {
        description: "answers the same with and without other requests in flight".into(),
        location: report.location.clone(),
        outcome: CheckOutcome::Failed,
        severity: Severity::Should,
        requirement: None,
        source: Some(
            "harness: flaky under concurrency (RFC 7644 §3.12 reserves 500 for unexpected server errors)".into(),
        ),
        expected: format!("{second}, as when the request was sent alone"),
        actual: format!(
            "{first} while other scenarios ran; {second} when retried with nothing else in flight (both exchanges are recorded)"
        ),
        because: Some(
            "identity providers send requests concurrently; a server error under load fails their sync and they retry with back-off".into(),
        ),
        impact: Some(
            "Okta and Entra retry a 5xx later; a server that fails under concurrent load slows every initial sync and can leave users unprovisioned until the next cycle.".into(),
        ),
        violations: Vec::new(),
        expected_failure: None,
        repeat_of: None,
        graded: None,
    }
}

fn capture(resp: &Response, spec: &str) -> Option<Value> {
    if let Some(name) = spec.strip_prefix("header:") {
        return resp.header(name.trim()).map(Value::String);
    }
    let body = resp.json()?;
    resolve(&body, spec).filter(|v| !v.is_null()).cloned()
}
