//! Cleanup: after a run — passed, failed, or interrupted mid-scenario — the target holds
//! exactly what it held before, and data the harness did not create is untouched.

use std::sync::Arc;

use scim_harness::exec::cancel::Cancel;
use scim_harness::exec::suite::Silent;
use scim_harness::run_report::Verdict;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::support::{BrokenServer, Defect, run_against, run_with};

/// Seeds a user and a group that belong to "someone else" and returns them as stored.
fn seed(server: &BrokenServer) -> (Value, Value) {
    let user = server
        .service
        .insert(
            "User",
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "pre-existing@example.test", "active": true}),
        )
        .unwrap();
    let group = server
        .service
        .insert(
            "Group",
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Pre-existing group", "members": [{"value": user["id"]}]}),
        )
        .unwrap();
    (user, group)
}

fn assert_only_seed_left(server: &BrokenServer, user: &Value, group: &Value) {
    let users = server.service.resources("User");
    let groups = server.service.resources("Group");
    assert_eq!(users.len(), 1, "users left behind: {users:#?}");
    assert_eq!(groups.len(), 1, "groups left behind: {groups:#?}");
    // Untouched: same version, same content.
    assert_eq!(users[0]["id"], user["id"]);
    assert_eq!(
        users[0]["meta"]["lastModified"],
        user["meta"]["lastModified"]
    );
    assert_eq!(users[0]["userName"], user["userName"]);
    assert_eq!(
        groups[0]["meta"]["lastModified"],
        group["meta"]["lastModified"]
    );
    assert_eq!(groups[0]["members"], group["members"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passing_run_leaves_only_what_was_there() {
    let server = BrokenServer::start(Defect::None).await;
    let (user, group) = seed(&server);
    let report = run_against(&server.url()).await;
    assert_eq!(report.verdict, Verdict::Passed, "{:#?}", report.summary);
    assert_only_seed_left(&server, &user, &group);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_run_still_cleans_up() {
    // Creates answer 200, so every scenario that creates fails at its first step.
    let server = BrokenServer::start(Defect::CreateAnswers200).await;
    let (user, group) = seed(&server);
    let report = run_against(&server.url()).await;
    assert_eq!(report.verdict, Verdict::Failed);
    assert!(
        report.scenarios.iter().any(|s| !s.cleanup.is_empty()),
        "nothing was registered for cleanup"
    );
    assert_only_seed_left(&server, &user, &group);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn negative_test_that_unexpectedly_succeeds_is_cleaned_up() {
    // The duplicate create that should be refused is accepted: that resource goes too.
    let server = BrokenServer::start(Defect::DuplicateAccepted).await;
    let (user, group) = seed(&server);
    let report = run_against(&server.url()).await;
    assert_eq!(report.verdict, Verdict::Failed);
    assert_only_seed_left(&server, &user, &group);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_run_deletes_what_it_created() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let server = BrokenServer::start_with_signal(Defect::HangOnUserRead, Some(tx)).await;
    let (user, group) = seed(&server);
    let cancel = Cancel::default();
    let run = tokio::spawn({
        let cancel = cancel.clone();
        let url = server.url();
        async move { run_with(&url, cancel, Arc::new(Silent)).await }
    });
    // A scenario is now stuck on a read after creating resources: interrupt the run.
    rx.recv()
        .await
        .expect("a scenario reaches the hanging read");
    cancel.cancel("interrupted by the test");
    let report = run.await.unwrap();
    assert_eq!(report.verdict, Verdict::Interrupted);
    assert!(
        report.scenarios.iter().any(|s| s
            .error
            .as_deref()
            .is_some_and(|e| e.contains("interrupted by the test"))),
        "{:#?}",
        report
            .scenarios
            .iter()
            .map(|s| (&s.id, &s.error))
            .collect::<Vec<_>>()
    );
    assert_eq!(report.summary.leaked_resources, 0);
    assert_only_seed_left(&server, &user, &group);
}
