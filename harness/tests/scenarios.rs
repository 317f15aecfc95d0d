//! Every scenario under `scenarios/` as one test, run against the embedded reference server
//! (libtest-mimic, so it works under both `cargo test` and `cargo nextest run`).
//!
//! This keeps scenarios and the reference server honest with each other: a scenario that
//! the known-good server fails is a bug in one of them. Each test is a run of one scenario
//! through the library's own suite runner (the path `scim-harness run` takes): the same
//! feature gates (a scenario the server does not advertise is reported as ignored), the same
//! cleanup and verdict, and on failure the console's own failure text.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};
use scim_harness::exec::cancel::Cancel;
use scim_harness::exec::engine::EngineBuilder;
use scim_harness::exec::session::Session;
use scim_harness::exec::suite::{Silent, SuiteOptions};
use scim_harness::report::{Sources, render_summary_with};
use scim_harness::run_report::{TargetInfo, TargetKind, Verdict};
use scim_harness::scenario::lint::LintContext;
use scim_harness::scenario::load::{LoadedScenario, load_suite};
use scim_harness::validate::SchemaSet;
use scim_reference_server::{ReferenceServer, ServerOptions};

fn main() {
    let args = Arguments::from_args();
    let scenarios = load_scenarios();
    let runtime = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime"),
    );
    // Listing must not start a server (nextest lists every binary before running it).
    let session = if args.list {
        None
    } else {
        Some(Arc::new(runtime.block_on(open_session())))
    };
    let trials = scenarios
        .into_iter()
        .map(|sc| {
            let ignored = session.as_ref().and_then(|s| s.feature_gate(&sc)).is_some();
            let name = format!("scenarios::{}", sc.id.replace('/', "::"));
            let session = session.clone();
            let runtime = runtime.clone();
            Trial::test(name, move || {
                let session = session.expect("the session is open when tests run");
                runtime.block_on(run_one(&session, sc))
            })
            .with_ignored_flag(ignored)
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

fn load_scenarios() -> Vec<LoadedScenario> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios")
        .canonicalize()
        .expect("scenarios directory");
    let schemas = SchemaSet::embedded().expect("built-in schemas compile");
    let ctx = LintContext {
        schema_names: schemas.names(),
        catalog: scim_harness::catalog::Catalog::embedded(),
    };
    load_suite(&[root], &ctx).unwrap_or_else(|diagnostics| {
        for d in &diagnostics {
            eprintln!("{d}\n");
        }
        panic!("{} problem(s) in scenario files", diagnostics.len());
    })
}

/// Starts the reference server (it lives as long as the process) and checks and discovers
/// it once, as a run does before its first scenario.
async fn open_session() -> Session {
    let token = "scenario-test-token".to_string();
    let server = ReferenceServer::start(ServerOptions {
        token: Some(token.clone()),
        ..ServerOptions::default()
    })
    .await
    .expect("start the reference server");
    let base_url = server.base_url();
    std::mem::forget(server);
    let engine = EngineBuilder::new(&base_url, Some(token))
        .request_timeout(Duration::from_secs(30))
        .build()
        .expect("engine");
    let options = SuiteOptions {
        jobs: 1,
        deadline: Duration::from_secs(600),
        target: TargetInfo {
            base_url,
            kind: TargetKind::Embedded,
        },
        forced_features: Vec::new(),
        gates: None,
        credentials: "the embedded server's token".into(),
        cleanup_budget: Duration::from_secs(60),
    };
    Session::open(engine, &options, &Cancel::default()).await
}

/// One scenario as a run of its own: it fails unless the run passes and leaves nothing behind.
async fn run_one(session: &Session, sc: LoadedScenario) -> Result<(), Failed> {
    let sources = Sources::of(std::slice::from_ref(&sc));
    let name = sc.scenario.name.clone();
    let report = session
        .run(vec![sc], &Cancel::default(), Arc::new(Silent))
        .await;
    let leaked = report.summary.leaked_resources;
    if report.verdict == Verdict::Passed && leaked == 0 {
        return Ok(());
    }
    Err(Failed::from(format!(
        "scenario `{name}` against the reference server: {:?}, {leaked} resource(s) left behind\n{}",
        report.verdict,
        render_summary_with(&report, false, &sources)
    )))
}
