//! Behaviour snapshots: recorded from one server, a second run against the same behaviour
//! passes (redaction makes ids, timestamps and run-scoped names stable), and a server whose
//! behaviour drifted fails with a diff.

use scim_harness::report::model::{CheckOutcome, Verdict};
use scim_harness::validate::snapshot::{SnapshotMode, SnapshotStore};

use crate::support::{BrokenServer, Defect, run_with_snapshots};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_are_stable_and_catch_drift() {
    let dir = tempfile::tempdir().unwrap();
    let store = |mode| SnapshotStore {
        dir: dir.path().join("target"),
        mode,
    };
    let good = BrokenServer::start(Defect::None).await;
    let recorded = run_with_snapshots(&good.url(), store(SnapshotMode::Update)).await;
    assert_eq!(recorded.verdict, Verdict::Passed);

    // Same behaviour, fresh ids and run id: no drift.
    let again = BrokenServer::start(Defect::None).await;
    let checked = run_with_snapshots(&again.url(), store(SnapshotMode::Check)).await;
    let drift: Vec<_> = checked
        .failures()
        .map(|(s, st, c)| format!("{} › {}: {}", s.id, st.name, c.actual))
        .collect();
    assert_eq!(checked.verdict, Verdict::Passed, "{drift:#?}");

    // Drifted behaviour: the create now answers 200.
    let drifted = BrokenServer::start(Defect::CreateAnswers200).await;
    let report = run_with_snapshots(&drifted.url(), store(SnapshotMode::Check)).await;
    let create = report
        .scenarios
        .iter()
        .find(|s| s.id == "core/user-lifecycle")
        .and_then(|s| s.steps.iter().find(|st| st.name == "create"))
        .unwrap();
    let snap = create
        .checks
        .iter()
        .find(|c| c.description.starts_with("response matches snapshot"))
        .unwrap();
    assert_eq!(snap.outcome, CheckOutcome::Failed);
    assert!(
        snap.actual.contains("-status: 201") && snap.actual.contains("+status: 200"),
        "{}",
        snap.actual
    );
}
