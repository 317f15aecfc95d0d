//! `run`: the suite against a target (the embedded server when none is given), reports
//! written, the step summary appended, Ctrl-C and SIGTERM handled.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use scim_reference_server::ReferenceServer;

use crate::baseline::Baseline;
use crate::catalog::Catalog;
use crate::cli::RunArgs;
use crate::exec::cancel::Cancel;
use crate::exec::engine::EngineBuilder;
use crate::exec::redact::Redactor;
use crate::exec::retry::RetryPolicy;
use crate::exec::suite::{SuiteOptions, SuiteSet, run_suite};
use crate::exit::Exit;
use crate::report::{Sources, render_summary_with, step_summary, write_all};
use crate::run_report::{RunReport, ScenarioSelection, TargetInfo, TargetKind, Verdict};
use crate::scenario::fingerprint::scenario_set_digest;
use crate::validate::snapshot::SnapshotStore;

use super::progress::ConsoleProgress;
use super::scenarios::{ScenarioSet, choose, load_all, print_diagnostics, schemas};
use super::serve::server_options;
use super::target::{ca_cert_from, check_target_url, credentials_of, target_name, token_from};

pub(super) async fn run(args: RunArgs) -> Exit {
    let schemas = match schemas() {
        Ok(s) => Arc::new(s),
        Err(e) => return e,
    };
    let all = match load_all(&args.select, &schemas) {
        Ok(s) => s,
        Err(e) => return e,
    };
    // A baseline names scenarios of the whole suite, whatever this run selects.
    let baseline_scope = Baseline::scope(&all);
    let scenarios = match choose(&args.select, all) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let token = match token_from(&args.target) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let ca = match ca_cert_from(&args.target) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let baseline = match &args.baseline {
        None => Baseline::none(),
        Some(path) => match Baseline::load(path, &baseline_scope, Catalog::embedded()) {
            Ok(b) => b,
            Err(diagnostics) => {
                print_diagnostics(&diagnostics);
                return Exit::InvalidScenarios;
            }
        },
    };
    for (flag, value) in [
        ("--timeout", args.timeout),
        ("--deadline", args.deadline),
        ("--retry-max-wait", args.retry_max_wait),
        ("--retry-budget", args.retry_budget),
        ("--cleanup-timeout", args.cleanup_timeout),
    ] {
        if let Err(e) = seconds(flag, value) {
            return e;
        }
    }
    let suite_ids: Vec<String> = SuiteSet::of(&scenarios).ids().map(str::to_string).collect();
    if let Some(unknown) = args.gate.iter().find(|g| !suite_ids.contains(g)) {
        eprintln!(
            "error: --gate {unknown}: no such suite in this run; the selected suites are {}",
            suite_ids.join(", ")
        );
        return Exit::Usage;
    }
    // A shard is named by the whole selection it is part of (gates above are checked
    // against the whole selection too: a suite may have no scenario in this shard).
    let scenario_set = ScenarioSelection {
        count: scenarios.len() as u32,
        sha256: scenario_set_digest(&scenarios),
    };
    let scenarios = match args.partition {
        Some(p) => p.select(scenarios, |s| s.id.as_str()),
        None => scenarios,
    };

    if args.target.url.is_some()
        && (args.server.strict_server
            || !args.server.defects.is_empty()
            || !args.server.variants.is_empty()
            || args.server.seed_users > 0)
    {
        eprintln!(
            "error: --defect, --variant, --strict-server and --seed-users shape the embedded server; they do not apply with --target"
        );
        return Exit::Usage;
    }
    // No target: start the embedded reference server with a fresh random token.
    let mut _server = None;
    let (base_url, token, kind) = match &args.target.url {
        Some(url) => (
            url.trim_end_matches('/').to_string(),
            token,
            TargetKind::External,
        ),
        None => {
            let token = format!("harness-{}", uuid::Uuid::new_v4().simple());
            let options = server_options(&args.server, Some(token.clone()));
            match ReferenceServer::start(options).await {
                Ok(server) => {
                    let url = server.base_url();
                    _server = Some(server);
                    (url, Some(token), TargetKind::Embedded)
                }
                Err(e) => {
                    eprintln!("error: cannot start the embedded reference server: {e}");
                    return Exit::Internal;
                }
            }
        }
    };
    if let Err(e) = check_target_url(&base_url) {
        return e;
    }
    if let Err(e) = crate::report::ensure_writable(&args.report_dir) {
        eprintln!("error: reports cannot be written, so nothing was sent: {e}");
        return Exit::Internal;
    }
    let engine = EngineBuilder::new(&base_url, token)
        .request_timeout(Duration::from_secs_f64(args.timeout))
        .ca_cert(ca)
        .retry(RetryPolicy {
            max_retries: args.retries,
            max_wait: Duration::from_secs_f64(args.retry_max_wait),
            budget: Duration::from_secs_f64(args.retry_budget),
            ..RetryPolicy::default()
        })
        .schemas(schemas)
        .strict(args.strict)
        .baseline(baseline)
        .snapshots(args.snapshot.map(|mode| SnapshotStore {
            dir: args.snapshot_dir.join(target_name(&args, &base_url)),
            mode,
        }))
        .build();
    let engine = match engine {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Internal;
        }
    };
    let options = SuiteOptions {
        jobs: usize::from(args.jobs),
        deadline: Duration::from_secs_f64(args.deadline),
        target: TargetInfo {
            base_url: engine.client.redact(&base_url),
            kind,
        },
        forced_features: args.force_features.clone(),
        gates: (!args.gate.is_empty()).then(|| args.gate.clone()),
        credentials: credentials_of(&args.target),
        cleanup_budget: Duration::from_secs_f64(args.cleanup_timeout),
    };
    let target_label = match kind {
        TargetKind::Embedded => format!("embedded reference server at {base_url}"),
        TargetKind::External => engine.client.redact(&base_url),
    };
    let shard = args
        .partition
        .map(|p| format!(" (shard {p} of {} selected)", scenario_set.count))
        .unwrap_or_default();
    eprintln!(
        "scim-harness: {} scenario(s){shard} from {} against {target_label}",
        scenarios.len(),
        ScenarioSet::of(&args.select).label()
    );

    let redactor = engine.client.redactor();
    let cancel = Cancel::default();
    let signals = watch_signals(cancel.clone(), Vec::new);
    let sources = Sources::of(&scenarios);
    let progress = Arc::new(ConsoleProgress::new(scenarios.len(), !args.no_progress));
    let mut report = run_suite(engine, scenarios, &options, cancel, progress.clone()).await;
    signals.abort();
    progress.finish();
    report.scenario_set = scenario_set;
    report.partition = args.partition.map(|p| p.to_string());

    // Rendered in color; anstream strips it for pipes and files and honours `NO_COLOR`
    // and `CLICOLOR_FORCE`.
    let _ = std::io::Write::write_all(
        &mut anstream::stdout(),
        redactor
            .redact(&render_summary_with(&report, true, &sources))
            .as_bytes(),
    );
    match write_all(&report, &args.formats, &args.report_dir, &redactor) {
        Ok(paths) => {
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            out!("reports: {}", names.join(", "));
        }
        Err(e) => {
            eprintln!("error: cannot write reports: {e}");
            return Exit::Internal;
        }
    }
    if !args.no_step_summary {
        append_step_summary(&report, &redactor);
    }
    if let Some(p) = args.partition
        && report.scenarios.is_empty()
        && report.verdict == Verdict::NothingRan
    {
        // A small selection split many ways leaves some shards empty: that is no failure,
        // and its report still lets `report merge` see every shard.
        eprintln!("shard {p} holds none of the selected scenarios: nothing to run");
        return Exit::Passed;
    }
    Exit::from_verdict(report.verdict)
}

/// Appends the Markdown summary to the file `GITHUB_STEP_SUMMARY` names, when it is set.
pub(super) fn append_step_summary(report: &RunReport, redactor: &Redactor) {
    if let Some(path) = std::env::var_os(step_summary::ENV).filter(|p| !p.is_empty()) {
        // A summary that cannot be written does not change the verdict: say so and go on.
        if let Err(e) = step_summary::append(report, Path::new(&path), redactor) {
            eprintln!(
                "warning: cannot append the summary to ${}: {e}",
                step_summary::ENV
            );
        }
    }
}

/// A duration flag: finite, positive, at most a day.
pub(super) fn seconds(flag: &str, value: f64) -> Result<Duration, Exit> {
    if value.is_finite() && value > 0.0 && value <= 86_400.0 {
        Ok(Duration::from_secs_f64(value))
    } else {
        eprintln!("error: {flag} must be a number of seconds between 0 and 86400, got {value}");
        Err(Exit::Usage)
    }
}

/// First Ctrl-C, SIGTERM or SIGHUP (CI cancellation, `timeout`, a container stop): stop and
/// clean up. Second: leave at once, listing what `left` says may remain.
pub(super) fn watch_signals(
    cancel: Cancel,
    left: impl Fn() -> Vec<String> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    // Registered now, not when a task first runs: a signal that arrives early must still
    // clean up rather than kill the process. Each signal feeds one channel.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<&'static str>();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        for (kind, name) in [
            (SignalKind::interrupt(), "Ctrl-C"),
            (SignalKind::terminate(), "SIGTERM"),
            (SignalKind::hangup(), "SIGHUP"),
        ] {
            match signal(kind) {
                Ok(mut stream) => {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        while stream.recv().await.is_some() && tx.send(name).is_ok() {}
                    });
                }
                Err(e) => eprintln!(
                    "warning: cannot watch for {name} ({e}); a run stopped that way will not clean up"
                ),
            }
        }
    }
    #[cfg(not(unix))]
    {
        let tx = tx.clone();
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() && tx.send("Ctrl-C").is_ok() {}
        });
    }
    drop(tx);
    tokio::spawn(async move {
        let Some(first) = rx.recv().await else {
            return;
        };
        eprintln!(
            "\ninterrupted by {first}: stopping and deleting the resources this run created (Ctrl-C again to quit now)"
        );
        cancel.cancel(&format!("interrupted by {first}"));
        if rx.recv().await.is_some() {
            eprintln!(
                "quit without cleanup: resources created by this run may remain on the target"
            );
            for url in left() {
                eprintln!("LEFT  {url}");
            }
            std::process::exit(Exit::Interrupted as i32);
        }
    })
}
