//! Safety: no secret reaches a report or snapshot even when the server echoes it; the
//! harness refuses to change resources a scenario did not create, whatever the scenario
//! file says; and cleanup is never steered to another server.

use std::sync::Arc;

use scim_harness::exec::cancel::Cancel;
use scim_harness::exec::suite::{Silent, run_suite};
use scim_harness::report::{ReportFormat, render};
use scim_harness::run_report::{ScenarioStatus, StepStatus};
use scim_harness::validate::snapshot::{SnapshotMode, SnapshotStore};
use serde_json::json;
use wiremock::matchers::{any, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{BrokenServer, Defect, TOKEN, engine, load_dir, options, run_with_snapshots};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_echoing_the_token_cannot_leak_it() {
    let server = BrokenServer::start(Defect::EchoToken).await;
    let dir = tempfile::tempdir().unwrap();
    let report = run_with_snapshots(
        &server.url(),
        SnapshotStore {
            dir: dir.path().to_path_buf(),
            mode: SnapshotMode::Update,
        },
    )
    .await;
    for format in ReportFormat::ALL {
        let text = render(&report, format).unwrap();
        assert!(!text.contains(TOKEN), "{format:?} report holds the token");
    }
    let console = scim_harness::report::render_summary(&report, false);
    assert!(!console.contains(TOKEN));
    let mut files = vec![dir.path().to_path_buf()];
    let mut seen = 0;
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            seen += 1;
            let text = std::fs::read_to_string(&p).unwrap();
            assert!(!text.contains(TOKEN), "{} holds the token", p.display());
        }
    }
    assert!(seen > 50, "snapshots were written ({seen})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_a_resource_the_scenario_did_not_create_is_refused() {
    let server = BrokenServer::start(Defect::None).await;
    let theirs = server
        .service
        .insert("User", json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "theirs@example.test"}))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("steal.yaml"),
        r#"name: delete someone else's user
steps:
  - name: find any user
    request: { method: GET, path: /Users, query: { count: 1 } }
    capture: { other: /Resources/0/id }
    expect: [{ status: 200, req: P-3.4.2-01 }]
  - name: delete it
    request: { method: DELETE, path: "/Users/{{other}}" }
    expect: [{ status: 204, req: P-3.6-01 }]
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("fixed.yaml"),
        "name: delete a fixed path through a variable\nvars:\n  fixed: /Users/THEIRS\nsteps:\n  - name: delete\n    request: { method: DELETE, path: \"{{fixed}}\" }\n    expect: [{ status: 204, req: P-3.6-01 }]\n"
            .replace("THEIRS", theirs["id"].as_str().unwrap()),
    )
    .unwrap();
    let scenarios = load_dir(dir.path()).unwrap();
    let url = server.url();
    let report = run_suite(
        engine(&url),
        scenarios,
        &options(&url),
        Cancel::default(),
        Arc::new(Silent),
    )
    .await;
    for sc in &report.scenarios {
        assert_eq!(
            sc.status,
            ScenarioStatus::Errored,
            "{}: {:?}",
            sc.id,
            sc.error
        );
        let step = sc.steps.last().unwrap();
        assert_eq!(step.status, StepStatus::Errored);
        assert!(
            step.error.as_deref().unwrap().contains("did not create"),
            "{:?}",
            step.error
        );
    }
    assert_eq!(
        server.service.resources("User").len(),
        1,
        "their user is still there"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_is_never_steered_to_another_server() {
    let victim = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&victim)
        .await;
    let target = MockServer::start().await;
    // Reads answer like SCIM; creates answer 201 with no id and a Location on the victim.
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]}"#,
            "application/scim+json",
        ))
        .mount(&target)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).insert_header(
            "Location",
            format!("{}/Users/victim", victim.uri()).as_str(),
        ))
        .mount(&target)
        .await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("create.yaml"),
        "name: create\nsteps:\n  - name: create\n    request: { method: POST, path: /Users, body: { userName: \"x-{{run_id}}\" } }\n    expect: [{ status: 201, req: P-3.3-01 }]\n",
    )
    .unwrap();
    let url = target.uri();
    let report = run_suite(
        engine(&url),
        load_dir(dir.path()).unwrap(),
        &options(&url),
        Cancel::default(),
        Arc::new(Silent),
    )
    .await;
    // Nothing was deleted on the victim (verified when it drops), and the unidentifiable
    // resource is reported as a leak rather than silently forgotten.
    assert_eq!(
        report.summary.leaked_resources, 1,
        "{:#?}",
        report.scenarios[0].cleanup
    );
}
