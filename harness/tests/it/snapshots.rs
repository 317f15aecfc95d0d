//! Behaviour snapshots: recorded from one server, a second run against the same behaviour
//! passes (redaction makes ids, timestamps and run-scoped names stable, and what the RFC
//! leaves open is put in one order), and a server whose behaviour drifted fails with a diff.

use scim_harness::run_report::{CheckOutcome, Verdict};
use scim_harness::validate::snapshot::{SnapshotMode, SnapshotStore};

use scim_reference_server::{ReferenceServer, ServerOptions, Variant};

use crate::support::{BrokenServer, Defect, TOKEN, run_with_snapshots};

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

/// Update, then check against a server that answers unsorted lists in another order and
/// multi-valued attributes in another order (both legal): no drift; likewise for a server
/// that also issues opaque ids and strong ETags, against its own snapshots. The same server
/// with a real change (create answers 200) still drifts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legal_order_differences_do_not_drift() {
    let dir = tempfile::tempdir().unwrap();
    let store = |mode| SnapshotStore {
        dir: dir.path().join("target"),
        mode,
    };
    let server = |variants: Vec<Variant>, defects: Vec<scim_reference_server::Defect>| {
        ReferenceServer::start(ServerOptions {
            token: Some(TOKEN.to_string()),
            variants,
            defects,
            ..ServerOptions::default()
        })
    };
    let shuffling = vec![Variant::UnsortedLists, Variant::ReorderedValues];

    let plain = server(Vec::new(), Vec::new()).await.unwrap();
    let recorded = run_with_snapshots(&plain.base_url(), store(SnapshotMode::Update)).await;
    plain.shutdown().await;
    assert_eq!(recorded.verdict, Verdict::Passed);

    // Unsorted results in hash order (of fresh ids) and values in reverse order.
    let shuffled = server(shuffling.clone(), Vec::new()).await.unwrap();
    let checked = run_with_snapshots(&shuffled.base_url(), store(SnapshotMode::Check)).await;
    shuffled.shutdown().await;
    let drift: Vec<_> = checked
        .failures()
        .map(|(s, st, c)| format!("{} › {}: {}", s.id, st.name, c.actual))
        .collect();
    assert_eq!(checked.verdict, Verdict::Passed, "{drift:#?}");

    // Recorded and checked against one unusual server (also with opaque ids, which are not
    // UUID-shaped, and strong ETags quoted in error details): no drift either.
    let unusual = [
        shuffling.clone(),
        vec![Variant::OpaqueIds, Variant::StrongEtags],
    ]
    .concat();
    let first = server(unusual.clone(), Vec::new()).await.unwrap();
    let recorded = run_with_snapshots(&first.base_url(), store(SnapshotMode::Update)).await;
    first.shutdown().await;
    assert_eq!(recorded.verdict, Verdict::Passed);
    let second = server(unusual, Vec::new()).await.unwrap();
    let checked = run_with_snapshots(&second.base_url(), store(SnapshotMode::Check)).await;
    second.shutdown().await;
    let drift: Vec<_> = checked
        .failures()
        .map(|(s, st, c)| format!("{} › {}: {}", s.id, st.name, c.actual))
        .collect();
    assert_eq!(checked.verdict, Verdict::Passed, "{drift:#?}");

    // A real change on the same shuffling server still drifts.
    let changed = server(
        shuffling,
        vec![scim_reference_server::Defect::CreateReturns200],
    )
    .await
    .unwrap();
    let report = run_with_snapshots(&changed.base_url(), store(SnapshotMode::Check)).await;
    changed.shutdown().await;
    let drifted: Vec<&str> = report
        .scenarios
        .iter()
        .flat_map(|s| s.steps.iter().flat_map(|st| st.checks.iter()))
        .filter(|c| {
            c.outcome == CheckOutcome::Failed
                && c.description.starts_with("response matches snapshot")
        })
        .map(|c| c.actual.as_str())
        .collect();
    assert!(
        drifted
            .iter()
            .any(|d| d.contains("-status: 201") && d.contains("+status: 200")),
        "{drifted:#?}"
    );
}
