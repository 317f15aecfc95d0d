//! An IdP's own request timeout (`socket_timeout_ms` in its profile; Okta gives up after
//! 60 s): a step the target answers more slowly than that errors, and the error names the
//! IdP and says the step is a blocker for it, although the run's own timeout is longer.

use std::time::Duration;

use scim_harness::exec::cancel::Cancel;
use scim_harness::exec::cleanup::Registry;
use scim_harness::exec::runner::{empty_report, run_steps};
use scim_harness::run_report::{ScenarioStatus, StepStatus};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{engine, load_dir};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_slower_than_the_idps_timeout_is_a_blocker_for_that_idp() {
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"totalResults": 0, "Resources": []}))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&mock)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let idp = dir.path().join("slowidp");
    std::fs::create_dir_all(&idp).unwrap();
    std::fs::write(
        idp.join("_profile.yaml"),
        "name: slowidp\nsocket_timeout_ms: 200\n",
    )
    .unwrap();
    std::fs::write(
        idp.join("probe.yaml"),
        "name: probe\nsteps:\n  - name: list\n    source: test\n    confidence: documented\n    request: { method: GET, path: /Users }\n    expect: [{ status: 200, req: P-3.4.2-01 }]\n",
    )
    .unwrap();
    let loaded = load_dir(dir.path()).unwrap_or_else(|d| panic!("{d:#?}"));
    let engine = engine(&mock.uri());
    let mut report = empty_report(&loaded[0]);
    let started = std::time::Instant::now();
    run_steps(
        &engine,
        &loaded[0],
        &Registry::new(),
        &mut report,
        &Cancel::default(),
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the profile's limit, not the run's 20 s timeout, ended the request"
    );
    assert_eq!(report.status, ScenarioStatus::Errored);
    assert_eq!(report.steps[0].status, StepStatus::Errored);
    let error = report.steps[0].error.as_deref().unwrap();
    assert!(error.contains("within 200 ms"), "{error}");
    assert!(
        error.contains("slowidp gives up on a request after 0.2 s") && error.contains("blocker"),
        "{error}"
    );
}
