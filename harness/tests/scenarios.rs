//! Every scenario under `scenarios/` as one test, run against the embedded reference server
//! (libtest-mimic, so it works under both `cargo test` and `cargo nextest run`).
//!
//! This keeps scenarios and the reference server honest with each other: a scenario that
//! the known-good server fails is a bug in one of them.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};
use scim_harness::baseline::Baseline;
use scim_harness::catalog::Catalog;
use scim_harness::exec::cancel::Cancel;
use scim_harness::exec::cleanup::Registry;
use scim_harness::exec::discovery::discover;
use scim_harness::exec::http::{ClientConfig, HttpClient};
use scim_harness::exec::runner::{Engine, empty_report, run_steps};
use scim_harness::report::{Sources, render_summary_with};
use scim_harness::run_report::{
    FORMAT_VERSION, RunReport, ScenarioReport, ScenarioStatus, Summary, TargetInfo, TargetKind,
    ToolInfo, Verdict,
};
use scim_harness::scenario::lint::LintContext;
use scim_harness::scenario::load::load_suite;
use scim_harness::validate::SchemaSet;
use scim_reference_server::{ReferenceServer, ServerOptions};

fn main() {
    let args = Arguments::from_args();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios")
        .canonicalize()
        .expect("scenarios directory");
    let schemas = Arc::new(SchemaSet::embedded().expect("built-in schemas compile"));
    let ctx = LintContext {
        schema_names: schemas.names(),
        catalog: Catalog::embedded(),
    };
    let scenarios = match load_suite(&[root], &ctx) {
        Ok(s) => s,
        Err(diagnostics) => {
            for d in &diagnostics {
                eprintln!("{d}\n");
            }
            panic!("{} problem(s) in scenario files", diagnostics.len());
        }
    };

    let runtime = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime"),
    );
    // Listing must not start a server (nextest lists every binary before running it).
    let engine = if args.list {
        None
    } else {
        let token = "scenario-test-token".to_string();
        let server = runtime
            .block_on(ReferenceServer::start(ServerOptions {
                token: Some(token.clone()),
                ..ServerOptions::default()
            }))
            .expect("start the reference server");
        let client = HttpClient::new(ClientConfig {
            base_url: server.base_url(),
            token: Some(token),
            secrets: Vec::new(),
            request_timeout: Duration::from_secs(30),
            body_limit: 4 << 20,
        })
        .expect("http client");
        // The server lives as long as the process.
        std::mem::forget(server);
        Some(Engine {
            client,
            schemas: schemas.clone(),
            catalog: Catalog::embedded(),
            strict: false,
            run_id: format!("t{}", &uuid_like()),
            baseline: Arc::new(Baseline::none()),
            snapshots: None,
            target_schemas: None,
        })
    };

    // Feature gates as in a real run: scenarios for features the reference server does not
    // advertise are reported as ignored.
    let features = engine
        .as_ref()
        .map(|e| runtime.block_on(discover(&e.client)).0);
    let engine = engine.map(|mut e| {
        e.target_schemas = features.as_ref().and_then(|f| f.schemas.clone());
        e
    });
    let trials = scenarios
        .into_iter()
        .map(|sc| {
            let skip = features.as_ref().and_then(|f| {
                // The same gate as a real run (IdP replays ignore what is advertised).
                f.gate(&sc).0
            });
            let engine = engine.clone();
            let runtime = runtime.clone();
            let name = format!("scenarios::{}", sc.id.replace('/', "::"));
            Trial::test(name, move || {
                let engine = engine.expect("engine exists when tests run");
                runtime.block_on(async {
                    let registry = Registry::new();
                    let mut report = empty_report(&sc);
                    run_steps(&engine, &sc, &registry, &mut report, &Cancel::default()).await;
                    report.cleanup = registry.clean(&engine.client).await;
                    let leaked = report.cleanup.iter().filter(|c| !c.deleted).count();
                    if report.status != ScenarioStatus::Passed || leaked > 0 {
                        let status = report.status;
                        let run = one_scenario_run(report);
                        return Err(Failed::from(format!(
                            "scenario `{}` is {status:?} against the reference server (leaked: {leaked})\n{}",
                            sc.scenario.name,
                            render_summary_with(&run, false, &Sources::of(std::slice::from_ref(&sc)))
                        )));
                    }
                    Ok(())
                })
            })
            .with_ignored_flag(skip.is_some())
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

/// Wraps one scenario's result in a run report, so the failure reads like the console's.
fn one_scenario_run(scenario: ScenarioReport) -> RunReport {
    let failed = scenario.status != ScenarioStatus::Passed;
    RunReport {
        format_version: FORMAT_VERSION,
        tool: ToolInfo {
            name: "scim-harness".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        target: TargetInfo {
            base_url: "embedded".into(),
            kind: TargetKind::Embedded,
        },
        started_at: String::new(),
        duration_ms: scenario.duration_ms,
        verdict: if failed {
            Verdict::Failed
        } else {
            Verdict::Passed
        },
        suites: Vec::new(),
        throttling: Default::default(),
        summary: Summary {
            failed: u32::from(failed),
            passed: u32::from(!failed),
            ..Summary::default()
        },
        preflight_error: None,
        scenarios: vec![scenario],
        requirements: Default::default(),
        features: Default::default(),
        baseline: Vec::new(),
    }
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{:x}{:x}", nanos & 0xffff_ffff, std::process::id())
}
