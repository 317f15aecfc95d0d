//! Known-failure baselines: an expected failure neither fails its scenario nor stops it,
//! and a baseline entry whose checks now pass is reported.

use scim_harness::run_report::{BaselineStatus, ScenarioStatus};

use crate::support::{BrokenServer, Defect, run_with_baseline, scenario};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expected_failures_do_not_fail_and_fixed_entries_are_reported() {
    let server = BrokenServer::start(Defect::CreateAnswers200).await;
    let report = run_with_baseline(
        &server.url(),
        "expected_failures:\n  - scenario: core/user-lifecycle\n    step: create\n    req: P-3.3-01\n    reason: ACME-123 create answers 200\n  - scenario: core/errors\n    step: unknown id\n    reason: ACME-7 fixed in 3.2\n",
    )
    .await;
    let lifecycle = scenario(&report, "core/user-lifecycle");
    let failed: Vec<_> = lifecycle
        .steps
        .iter()
        .flat_map(|s| {
            s.checks
                .iter()
                .filter(|c| c.is_failure())
                .map(move |c| (&s.name, &c.description, &c.actual))
        })
        .collect();
    assert_eq!(lifecycle.status, ScenarioStatus::Passed, "{failed:#?}");
    assert!(
        lifecycle.steps_not_run.is_empty(),
        "the scenario ran to the end"
    );
    let create = lifecycle.steps.iter().find(|s| s.name == "create").unwrap();
    let xfail = create
        .checks
        .iter()
        .find(|c| c.expected_failure.is_some())
        .unwrap();
    assert_eq!(
        xfail.expected_failure.as_deref(),
        Some("ACME-123 create answers 200")
    );
    assert_eq!(report.summary.expected_failures, 1);
    // Other scenarios that create still fail: the baseline is precise.
    assert_eq!(
        scenario(&report, "core/errors").status,
        ScenarioStatus::Failed
    );
    assert_eq!(report.baseline[0].status, BaselineStatus::StillFailing);
    assert_eq!(report.baseline[1].status, BaselineStatus::NowPasses);
    assert_eq!(report.summary.unexpected_passes, 1);
}
