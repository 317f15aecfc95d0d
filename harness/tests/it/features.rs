//! Feature gates: scenarios needing a feature the target does not advertise are skipped
//! with the reason, and `--force-feature` runs them anyway.

use scim_harness::run_report::{ScenarioStatus, Verdict};
use scim_harness::scenario::model::Feature;

use crate::support::{BrokenServer, Defect, run_against, run_forcing, scenario};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unadvertised_feature_skips_its_scenarios_with_the_reason() {
    let server = BrokenServer::start(Defect::PatchNotAdvertised).await;
    let report = run_against(&server.url()).await;
    let lifecycle = scenario(&report, "core/user-lifecycle");
    assert_eq!(lifecycle.status, ScenarioStatus::Skipped);
    let why = lifecycle.error.as_deref().unwrap();
    assert!(
        why.contains("`patch` (ServiceProviderConfig patch.supported = false)"),
        "{why}"
    );
    assert!(why.contains("--force-feature patch"), "{why}");
    assert!(
        lifecycle.steps.is_empty(),
        "a skipped scenario sends nothing"
    );
    // Scenarios that do not need PATCH still run, and discovery warns that PATCH is off.
    assert_eq!(
        scenario(&report, "core/errors").status,
        ScenarioStatus::Passed
    );
    assert_eq!(
        report.summary.warnings, 1,
        "P-3.5-02 warns: {:#?}",
        report.summary
    );
    assert_eq!(report.verdict, Verdict::Passed);
    assert!(!report.features["patch"].supported);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_feature_runs_the_scenarios_anyway() {
    let server = BrokenServer::start(Defect::PatchNotAdvertised).await;
    let report = run_forcing(&server.url(), vec![Feature::Patch]).await;
    assert_eq!(
        scenario(&report, "core/user-lifecycle").status,
        ScenarioStatus::Passed
    );
    assert!(report.features["patch"].forced);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feature_advertised_off_but_processed_is_caught() {
    // bulk.supported = false, yet the server processes /Bulk: P-3.12-06 fails.
    let server = BrokenServer::start(Defect::BulkNotAdvertised).await;
    let report = run_against(&server.url()).await;
    let (_, check) = crate::support::failed_check(
        &report,
        "rfc/errors/unsupported-operations",
        "bulk on a server without bulk",
        "P-3.12-06",
    );
    assert_eq!(
        (check.expected.as_str(), check.actual.as_str()),
        ("501", "200")
    );
    // On a server advertising bulk, the scenario is skipped with the reason.
    let clean = BrokenServer::start(Defect::None).await;
    let report = run_against(&clean.url()).await;
    let sc = scenario(&report, "rfc/errors/unsupported-operations");
    assert_eq!(sc.status, ScenarioStatus::Skipped);
    assert!(
        sc.error.as_deref().unwrap().contains("advertises it"),
        "{:?}",
        sc.error
    );
}
