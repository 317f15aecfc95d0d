//! Page walks (`page_walk:`): a step lists a collection page by page until `totalResults`,
//! with a cap. Against the reference server the walk finds what the scenario created on a
//! later page; a server whose `totalResults` is the page size ends the walk early and the
//! `finds` check names the resources never seen; a cap too small fails naming the cap.

use scim_harness::exec::cancel::Cancel;
use scim_harness::exec::cleanup::Registry;
use scim_harness::exec::runner::{empty_report, run_steps};
use scim_harness::run_report::{CheckOutcome, ScenarioStatus};
use scim_reference_server::{Defect, ReferenceServer, ServerOptions};

use crate::support::{TOKEN, engine, load_dir};

/// Three users created, then a walk with pages of 2 over this run's users only.
fn scenario(max_pages: u64) -> String {
    let create = |n: u32| {
        format!(
            "  - name: create {n}\n    request:\n      method: POST\n      path: /Users\n      body: {{ schemas: [\"urn:ietf:params:scim:schemas:core:2.0:User\"], userName: \"walk{n}.{{{{run_id}}}}@example.test\" }}\n    capture: {{ id{n}: /id }}\n    expect: [{{ status: 201, req: P-3.3-01 }}]\n"
        )
    };
    format!(
        "name: walk\nsteps:\n{}{}{}  - name: walk\n    request: {{ method: GET, path: /Users, query: {{ filter: 'userName co \"{{{{run_id}}}}\"' }} }}\n    page_walk: {{ count: 2, max_pages: {max_pages}, finds: [\"{{{{id1}}}}\", \"{{{{id2}}}}\", \"{{{{id3}}}}\"] }}\n    expect: [{{ status: 200, req: P-3.4.2-01 }}]\n",
        create(1),
        create(2),
        create(3)
    )
}

async fn run(defects: Vec<Defect>, max_pages: u64) -> scim_harness::run_report::ScenarioReport {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("walk.yaml"), scenario(max_pages)).unwrap();
    let loaded = load_dir(dir.path()).unwrap_or_else(|d| panic!("{d:#?}"));
    let server = ReferenceServer::start(ServerOptions {
        token: Some(TOKEN.to_string()),
        defects,
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    let engine = engine(&server.base_url());
    let registry = Registry::new();
    let mut report = empty_report(&loaded[0]);
    run_steps(
        &engine,
        &loaded[0],
        &registry,
        &mut report,
        &Cancel::default(),
    )
    .await;
    registry.clean(engine.client()).await;
    server.shutdown().await;
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walk_reads_every_page_and_finds_what_the_scenario_created() {
    let report = run(Vec::new(), 10).await;
    assert_eq!(report.status, ScenarioStatus::Passed, "{report:#?}");
    let pages: Vec<&str> = report
        .steps
        .iter()
        .filter(|s| s.name.starts_with("walk "))
        .map(|s| s.exchange.request.url.as_str())
        .collect();
    assert_eq!(pages.len(), 2, "{pages:#?}");
    assert!(pages[0].ends_with("&startIndex=1&count=2"), "{}", pages[0]);
    assert!(pages[1].ends_with("&startIndex=3&count=2"), "{}", pages[1]);
    let last = report.steps.last().unwrap();
    assert!(
        last.checks
            .iter()
            .any(|c| c.description.contains("lists every resource")
                && c.outcome == CheckOutcome::Passed),
        "{last:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_whose_total_is_the_page_size_fails_the_walk() {
    let report = run(vec![Defect::TotalResultsIsPageSize], 10).await;
    assert_eq!(report.status, ScenarioStatus::Failed);
    let last = report.steps.last().unwrap();
    let finds = last
        .checks
        .iter()
        .find(|c| c.description.contains("lists every resource"))
        .unwrap();
    assert_eq!(finds.outcome, CheckOutcome::Failed);
    assert!(finds.actual.starts_with("not listed: "), "{}", finds.actual);
    assert!(last.location.file.ends_with("walk.yaml"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cap_ends_a_walk_and_says_so() {
    let report = run(Vec::new(), 1).await;
    assert_eq!(report.status, ScenarioStatus::Failed);
    let last = report.steps.last().unwrap();
    let cap = last
        .checks
        .iter()
        .find(|c| c.description.contains("within max_pages"))
        .unwrap();
    assert_eq!(cap.outcome, CheckOutcome::Failed);
    assert!(
        cap.actual.contains("still more after 1 pages"),
        "{}",
        cap.actual
    );
}
