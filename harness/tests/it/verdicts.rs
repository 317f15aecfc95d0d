//! Verdicts a vendor can trust: legal behaviour (throttling, a server error that vanishes
//! when retried alone) gives no MUST failure; a refused token or a wrong base URL gets its
//! own verdict instead of conformance findings; IdP replays run whatever the server
//! advertises; each suite has its own verdict and `--gate` picks the ones that count.

use std::sync::Arc;

use scim_harness::catalog::Severity;
use scim_harness::exec::cancel::Cancel;
use scim_harness::exec::suite::{Silent, run_suite};
use scim_harness::run_report::{CheckOutcome, ScenarioStatus, SuiteKind, SuiteOutcome, Verdict};
use scim_reference_server::{ReferenceServer, ServerOptions};

use crate::support::{BrokenServer, Defect, TOKEN, engine, load_scenarios, options, run_against};

fn must_failures(report: &scim_harness::run_report::RunReport) -> Vec<String> {
    report
        .failures()
        .map(|(s, st, c)| {
            format!(
                "{} › {} › {} [{}]: {}",
                s.id,
                st.name,
                c.description,
                c.citation(),
                c.actual
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttling_server_passes_and_the_wait_is_reported() {
    let server = BrokenServer::start(Defect::Throttle429).await;
    let report = run_against(&server.url()).await;
    assert_eq!(must_failures(&report), Vec::<String>::new());
    let errors: Vec<String> = report
        .scenarios
        .iter()
        .filter(|s| s.status == ScenarioStatus::Errored || s.cleanup.iter().any(|c| !c.deleted))
        .map(|s| format!("{}: {:?} {:?}", s.id, s.error, s.cleanup))
        .collect();
    assert_eq!(errors, Vec::<String>::new());
    assert_eq!(report.verdict, Verdict::Passed, "{:?}", report.summary);
    assert!(report.throttling.throttled > 10, "{:?}", report.throttling);
    assert_eq!(report.throttling.throttled, report.throttling.retries);
    assert_eq!(report.throttling.gave_up, 0);
    let retried = report
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .find(|st| !st.exchange.retries.is_empty())
        .expect("a step that was retried records it");
    assert_eq!(retried.exchange.retries[0].status, 429);
    assert_eq!(
        retried.exchange.retries[0].retry_after.as_deref(),
        Some("0")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_that_goes_away_alone_is_a_flaky_warning_not_a_failure() {
    let server = BrokenServer::start(Defect::FirstPatch500).await;
    let report = run_against(&server.url()).await;
    assert_eq!(must_failures(&report), Vec::<String>::new());
    assert_eq!(report.verdict, Verdict::Passed);
    let step = report
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .find(|st| st.first_attempt.is_some())
        .expect("a retried PATCH keeps its first exchange");
    let first = step.first_attempt.as_ref().unwrap();
    assert_eq!(first.response.as_ref().unwrap().status, 500);
    let flaky = step
        .checks
        .iter()
        .find(|c| {
            c.description
                .contains("with and without other requests in flight")
        })
        .expect("a flaky warning");
    assert_eq!(flaky.outcome, CheckOutcome::Failed);
    assert_eq!(flaky.severity, Severity::Should);
    assert!(
        flaky.actual.starts_with("500 while other scenarios ran"),
        "{}",
        flaky.actual
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_is_its_own_verdict_with_no_findings() {
    let server = BrokenServer::start(Defect::None).await;
    let url = server.url();
    let wrong = scim_harness::exec::engine::EngineBuilder::new(&url, Some("not-the-token".into()))
        .build()
        .unwrap();
    let report = run_suite(
        wrong,
        load_scenarios(),
        &options(&url),
        Cancel::default(),
        Arc::new(Silent),
    )
    .await;
    assert_eq!(report.verdict, Verdict::CredentialsRefused);
    assert_eq!(report.summary.findings, 0);
    assert_eq!(report.summary.check_failures, 0);
    let why = report.preflight_error.as_deref().unwrap();
    assert!(
        why.starts_with("the target refused the test token: GET "),
        "{why}"
    );
    assert!(why.contains("answered 401"), "{why}");
    assert!(!why.contains("not-the-token"), "{why}");
    assert!(
        report
            .scenarios
            .iter()
            .all(|s| s.status == ScenarioStatus::Skipped)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_base_url_without_scim_below_it_suggests_the_likely_root() {
    let server = ReferenceServer::start(ServerOptions {
        token: Some(TOKEN.to_string()),
        base_path: "/scim/v2".into(),
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    let root = server.base_url().trim_end_matches("/scim/v2").to_string();
    let report = run_suite(
        engine(&root),
        load_scenarios(),
        &options(&root),
        Cancel::default(),
        Arc::new(Silent),
    )
    .await;
    server.shutdown().await;
    assert_eq!(report.verdict, Verdict::NotScim);
    let why = report.preflight_error.as_deref().unwrap();
    assert!(
        why.contains(&format!("did you mean --target {root}/scim/v2?")),
        "{why}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idp_replays_run_whatever_the_server_advertises() {
    let server = BrokenServer::start(Defect::FilterNotAdvertised).await;
    let report = run_against(&server.url()).await;
    let okta: Vec<_> = report
        .scenarios
        .iter()
        .filter(|s| s.profile.as_deref() == Some("okta-oin"))
        .collect();
    assert!(!okta.is_empty());
    assert!(
        okta.iter().all(|s| s.status != ScenarioStatus::Skipped),
        "{:?}",
        okta.iter()
            .map(|s| (&s.id, s.status, &s.error))
            .collect::<Vec<_>>()
    );
    let rfc_filter = report
        .scenarios
        .iter()
        .find(|s| s.id == "rfc/filter/operator-case")
        .unwrap();
    assert_eq!(rfc_filter.status, ScenarioStatus::Skipped);
    // The unadvertised feature still gets its probe, which a correct answer passes.
    let probe = report
        .scenarios
        .iter()
        .find(|s| s.id == "rfc/errors/unadvertised-filter")
        .unwrap();
    assert_eq!(probe.status, ScenarioStatus::Passed, "{:?}", probe.error);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unadvertised_filter_answered_wrong_is_a_must_finding() {
    let server = BrokenServer::start(Defect::FilterNotAdvertisedIgnored).await;
    let report = run_against(&server.url()).await;
    let probe = report
        .scenarios
        .iter()
        .find(|s| s.id == "rfc/errors/unadvertised-filter")
        .unwrap();
    assert_eq!(
        probe.status,
        ScenarioStatus::Failed,
        "{:?}",
        probe.steps_not_run
    );
    let finding = probe
        .steps
        .iter()
        .flat_map(|st| &st.checks)
        .find(|c| c.is_failure() && c.repeat_of.is_none())
        .unwrap();
    assert_eq!(finding.requirement.as_ref().unwrap().id, "C-5-04");
    assert_eq!(finding.severity, Severity::Must);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_suite_has_its_verdict_and_the_gate_picks_those_that_count() {
    // The strict server refuses Entra's non-RFC forms: RFC-conformant, an Entra blocker.
    let server = ReferenceServer::start(ServerOptions {
        token: Some(TOKEN.to_string()),
        strict: true,
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    let url = server.base_url();
    let scenarios = load_scenarios();
    let ungated = run_suite(
        engine(&url),
        scenarios.clone(),
        &options(&url),
        Cancel::default(),
        Arc::new(Silent),
    )
    .await;
    let mut rfc_only = options(&url);
    rfc_only.gates = Some(vec!["rfc".into()]);
    let gated = run_suite(
        engine(&url),
        scenarios,
        &rfc_only,
        Cancel::default(),
        Arc::new(Silent),
    )
    .await;
    server.shutdown().await;

    let suite = |r: &scim_harness::run_report::RunReport, id: &str| {
        r.suites.iter().find(|s| s.id == id).cloned().unwrap()
    };
    assert_eq!(ungated.suites[0].id, "rfc");
    assert_eq!(ungated.suites[0].kind, SuiteKind::Rfc);
    assert_eq!(suite(&ungated, "rfc").outcome, SuiteOutcome::Conformant);
    let entra = suite(&ungated, "entra");
    assert_eq!(entra.outcome, SuiteOutcome::Blockers);
    assert!(entra.findings > 0);
    assert!(
        entra.next.is_some(),
        "an IdP blocker says what the IdP does next"
    );
    assert_eq!(
        suite(&ungated, "entra-validator").kind,
        SuiteKind::Validator
    );
    assert_eq!(ungated.verdict, Verdict::Failed);

    assert!(suite(&gated, "rfc").gating);
    assert!(!suite(&gated, "entra").gating);
    assert_eq!(suite(&gated, "entra").outcome, SuiteOutcome::Blockers);
    assert_eq!(gated.verdict, Verdict::Passed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_runs_one_scenario_as_a_run_of_its_own_behind_the_same_gates() {
    use scim_harness::exec::session::Session;
    let server = BrokenServer::start(Defect::FilterNotAdvertised).await;
    let url = server.url();
    let session = Session::open(engine(&url), &options(&url), &Cancel::default()).await;
    let scenarios = load_scenarios();
    let by_id = |id: &str| scenarios.iter().find(|s| s.id == id).unwrap().clone();
    let gated = session.feature_gate(&by_id("rfc/filter/operator-case"));
    assert!(
        gated.as_deref().is_some_and(|why| why.contains("`filter`")),
        "{gated:?}"
    );
    assert_eq!(
        session.feature_gate(&by_id("rfc/errors/unadvertised-filter")),
        None
    );

    let report = session
        .run(
            vec![by_id("rfc/errors/unadvertised-filter")],
            &Cancel::default(),
            Arc::new(Silent),
        )
        .await;
    assert_eq!(report.verdict, Verdict::Passed, "{:#?}", report.scenarios);
    assert_eq!(report.scenarios.len(), 1);
    assert_eq!(
        (report.summary.passed, report.summary.leaked_resources),
        (1, 0)
    );
    assert_eq!(report.suites.len(), 1, "only the scenario's own suite");
    assert!(report.summary.requests > 0);
    assert!(!report.features["filter"].supported);

    // A gated scenario run anyway is skipped with the run's reason, and nothing ran.
    let skipped = session
        .run(
            vec![by_id("rfc/filter/operator-case")],
            &Cancel::default(),
            Arc::new(Silent),
        )
        .await;
    assert_eq!(skipped.verdict, Verdict::NothingRan);
    assert_eq!(skipped.scenarios[0].status, ScenarioStatus::Skipped);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_whose_preflight_failed_gates_nothing_and_fails_every_run() {
    use scim_harness::exec::engine::EngineBuilder;
    use scim_harness::exec::session::Session;
    let server = BrokenServer::start(Defect::None).await;
    let url = server.url();
    let wrong = EngineBuilder::new(&url, Some("not-the-token".into()))
        .build()
        .unwrap();
    let session = Session::open(wrong, &options(&url), &Cancel::default()).await;
    let scenarios = load_scenarios();
    // Not ignored: a scenario that cannot run against this target must fail, not hide.
    assert!(
        scenarios
            .iter()
            .all(|sc| session.feature_gate(sc).is_none())
    );
    let report = session
        .run(
            scenarios[..2].to_vec(),
            &Cancel::default(),
            Arc::new(Silent),
        )
        .await;
    assert_eq!(report.verdict, Verdict::CredentialsRefused);
    assert!(report.scenarios.iter().all(|s| {
        s.status == ScenarioStatus::Skipped
            && s.error
                .as_deref()
                .is_some_and(|e| e.starts_with("not run: the target refused the test token"))
    }));
    assert!(report.scenarios.iter().all(|s| s.steps.is_empty()));
}
