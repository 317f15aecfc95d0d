//! Runs one command end to end: load and lint, start the embedded server when there is no
//! target, run, render, write reports, and pick the exit code. The only module that prints.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anstyle::{AnsiColor, Effects, Style};
use indicatif::{ProgressBar, ProgressStyle};
use scim_reference_server::{Defect, ReferenceServer, ServerOptions, Variant};

use crate::baseline::Baseline;
use crate::catalog::Catalog;
use crate::cli::{
    Cli, Command, ExplainArgs, LoadArgs, ReportAction, ReportArgs, RunArgs, ScenarioArgs,
    SchemaKind, ServeArgs, ServerArgs, SimulateArgs, TargetArgs,
};
use crate::contracts;
use crate::exec::cancel::Cancel;
use crate::exec::engine::EngineBuilder;
use crate::exec::http::{ClientConfig, HttpClient};
use crate::exec::redact::{MIN_SECRET_LEN, Redactor};
use crate::exec::retry::RetryPolicy;
use crate::exec::suite::{Progress, SuiteOptions, SuiteSet, run_suite};
use crate::exit::Exit;
use crate::report::read::{ReportKind, locate, parse_run_report, read_any};
use crate::report::{Sources, escape, render_summary_with, step_summary, write_all};
use crate::run_report::{
    RunReport, ScenarioReport, ScenarioSelection, ScenarioStatus, TargetInfo, TargetKind, Verdict,
};
use crate::scenario::diagnostic::Diagnostic;
use crate::scenario::fingerprint::scenario_set_digest;
use crate::scenario::lint::LintContext;
use crate::scenario::load::{LoadedScenario, load_embedded, load_suite};
use crate::validate::SchemaSet;
use crate::validate::snapshot::SnapshotStore;
use crate::{config, embedded};

/// `println!` that stops quietly when stdout is closed (`scim-harness list | head`).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Runs a parsed command line; `matches` tell which values were given and which are
/// defaults a config file may set.
pub fn main(mut cli: Cli, matches: &clap::ArgMatches) -> Exit {
    if let Err(e) = configure(&mut cli, matches) {
        return e;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return Exit::Internal;
        }
    };
    match cli.command {
        Command::Run(args) => runtime.block_on(run(*args)),
        Command::Check(select) => check(&select),
        Command::List(select) => list(&select),
        Command::Coverage(select) => coverage(&select),
        Command::Serve(args) => runtime.block_on(serve(args)),
        Command::Simulate(args) => runtime.block_on(simulate(*args)),
        Command::Load(args) => runtime.block_on(load_mode(*args)),
        Command::Report(args) => report_command(args),
        Command::Schema { which } => {
            let text = match which {
                SchemaKind::Scenario => contracts::scenario_schema(),
                SchemaKind::Report => contracts::report_schema(),
                SchemaKind::Profile => contracts::profile_schema(),
            };
            let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
            Exit::Passed
        }
        Command::Explain(args) => explain(&args),
        Command::Completions { shell } => {
            let script = crate::manual::completions(shell);
            let _ = std::io::Write::write_all(&mut std::io::stdout(), &script);
            Exit::Passed
        }
        Command::Man { out_dir } => man(out_dir.as_deref()),
        Command::Init { force } => init(force),
    }
}

/// Reads the config file that applies (if any) into the command line, under the flags and
/// environment variables given; says which file was used. A bad file is a usage error.
fn configure(cli: &mut Cli, matches: &clap::ArgMatches) -> Result<(), Exit> {
    let Some((_, sub)) = matches.subcommand() else {
        return Ok(());
    };
    let select = match &mut cli.command {
        Command::Run(args) => &args.select,
        Command::Check(select) | Command::List(select) | Command::Coverage(select) => select,
        Command::Explain(args) => &args.select,
        _ => return Ok(()),
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let Some(path) = config::locate(
        select.config.config.as_deref(),
        select.config.no_config,
        &cwd,
    ) else {
        return Ok(());
    };
    let loaded = config::load(&path).map_err(|diagnostics| {
        for d in &diagnostics {
            anstream::eprintln!("{}\n", d.render(true));
        }
        eprintln!(
            "{} problem(s) in the config file {}; nothing was sent (--no-config ignores it).",
            diagnostics.len(),
            path.display()
        );
        Exit::Usage
    })?;
    eprintln!("config: {}", path.display());
    match &mut cli.command {
        Command::Run(args) => {
            for note in config::apply_run(args, sub, &loaded).notes {
                eprintln!("{note}");
            }
        }
        Command::Check(select) | Command::List(select) | Command::Coverage(select) => {
            config::apply_select(select, sub, &loaded);
        }
        Command::Explain(args) => config::apply_select(&mut args.select, sub, &loaded),
        _ => {}
    }
    Ok(())
}

/// `init [--force]`: a commented scim-harness.toml in the working directory.
fn init(force: bool) -> Exit {
    match config::write_template(Path::new("."), force) {
        Ok(path) => {
            out!(
                "wrote {}: every key is commented out; uncomment and edit what you need",
                path.display()
            );
            Exit::Passed
        }
        Err(e @ config::InitError::Exists(_)) => {
            eprintln!("error: {e}");
            Exit::Usage
        }
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Internal
        }
    }
}

/// `explain ID`: an unknown id is a usage error with the closest known one.
fn explain(args: &ExplainArgs) -> Exit {
    let catalog = Catalog::embedded();
    if let Err(e) = crate::explain::explain(catalog, &[], &args.id) {
        eprintln!("error: {e}\n  (`scim-harness coverage` lists every id)");
        return Exit::Usage;
    }
    let schemas = match schemas() {
        Ok(s) => s,
        Err(e) => return e,
    };
    let all = match load_all(&args.select, &schemas) {
        Ok(all) => all,
        Err(e) => return e,
    };
    let chosen: Vec<LoadedScenario> = all
        .into_iter()
        .filter(|s| selected(&args.select, s))
        .collect();
    match crate::explain::explain(catalog, &chosen, &args.id) {
        Ok(e) => {
            let text = crate::explain::render(&e);
            let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
            Exit::Passed
        }
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Usage
        }
    }
}

/// `man`: the page on stdout, or every page into a directory.
fn man(out_dir: Option<&Path>) -> Exit {
    let result = match out_dir {
        None => crate::manual::man_page().map(|page| {
            let _ = std::io::Write::write_all(&mut std::io::stdout(), &page);
        }),
        Some(dir) => crate::manual::write_man_pages(dir).map(|paths| {
            for p in paths {
                out!("{}", p.display());
            }
        }),
    };
    match result {
        Ok(()) => Exit::Passed,
        Err(e) => {
            eprintln!("error: cannot write the man pages: {e}");
            Exit::Internal
        }
    }
}

/// Where the scenarios come from.
enum ScenarioSet {
    /// Directories or files on disk.
    Paths(Vec<PathBuf>),
    /// The set built into the binary.
    Embedded,
}

impl ScenarioSet {
    /// `--scenarios` (or the config's `scenarios`), else `./scenarios` when the working
    /// directory has one, else the set built into the binary.
    fn of(select: &ScenarioArgs) -> Self {
        if !select.scenarios.is_empty() {
            return ScenarioSet::Paths(select.scenarios.clone());
        }
        let local = PathBuf::from("scenarios");
        if local.is_dir() {
            return ScenarioSet::Paths(vec![local]);
        }
        ScenarioSet::Embedded
    }

    /// For the console header.
    fn label(&self) -> String {
        match self {
            ScenarioSet::Paths(paths) => paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            ScenarioSet::Embedded => format!("{} (built in)", embedded::SCENARIO_ROOT),
        }
    }
}

/// Loads, lints and selects scenarios; diagnostics are printed and mapped to an exit code.
fn load(select: &ScenarioArgs, schemas: &SchemaSet) -> Result<Vec<LoadedScenario>, Exit> {
    choose(select, load_all(select, schemas)?)
}

/// Every scenario under the roots, before --tag/--filter/--idp.
fn load_all(select: &ScenarioArgs, schemas: &SchemaSet) -> Result<Vec<LoadedScenario>, Exit> {
    let ctx = LintContext {
        schema_names: schemas.names(),
        catalog: Catalog::embedded(),
    };
    let loaded = match ScenarioSet::of(select) {
        ScenarioSet::Paths(roots) => load_suite(&roots, &ctx),
        ScenarioSet::Embedded => {
            load_embedded(embedded::SCENARIO_ROOT, embedded::scenario_files(), &ctx)
        }
    };
    loaded.map_err(|diagnostics| {
        print_diagnostics(&diagnostics);
        Exit::InvalidScenarios
    })
}

/// The scenarios the selection flags pick.
fn choose(select: &ScenarioArgs, all: Vec<LoadedScenario>) -> Result<Vec<LoadedScenario>, Exit> {
    let chosen: Vec<LoadedScenario> = all.into_iter().filter(|s| selected(select, s)).collect();
    if chosen.is_empty() {
        eprintln!("error: no scenario matches the --tag/--filter/--idp selection");
        return Err(Exit::Usage);
    }
    Ok(chosen)
}

fn selected(select: &ScenarioArgs, s: &LoadedScenario) -> bool {
    let tag_ok = select.tags.is_empty() || select.tags.iter().any(|t| s.scenario.tags.contains(t));
    let filter_ok = select.filters.is_empty()
        || select.filters.iter().any(|f| {
            let f = f.to_lowercase();
            s.id.to_lowercase().contains(&f) || s.scenario.name.to_lowercase().contains(&f)
        });
    let idp_ok = select.idp.iter().any(|p| {
        p == "all"
            || match &s.profile {
                Some(profile) => profile.name.eq_ignore_ascii_case(p),
                None => p == "rfc",
            }
    });
    tag_ok && filter_ok && idp_ok
}

/// Diagnostics in color; anstream strips it for pipes and files and honours `NO_COLOR` and
/// `CLICOLOR_FORCE`.
fn print_diagnostics(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        anstream::eprintln!("{}\n", d.render(true));
    }
    let files: std::collections::BTreeSet<&str> = diagnostics
        .iter()
        .map(|d| d.location.file.as_str())
        .collect();
    anstream::eprintln!(
        "{} problem(s) in {} file(s); nothing was sent to any server.",
        diagnostics.len(),
        files.len()
    );
}

fn schemas() -> Result<SchemaSet, Exit> {
    SchemaSet::embedded().map_err(|e| {
        eprintln!("error: the built-in SCIM JSON Schemas do not compile: {e}");
        Exit::Internal
    })
}

/// Loads and lints the selected scenarios, then hands them to `then`.
fn with_scenarios(select: &ScenarioArgs, then: impl FnOnce(Vec<LoadedScenario>) -> Exit) -> Exit {
    let loaded = schemas().and_then(|schemas| load(select, &schemas));
    match loaded {
        Ok(loaded) => then(loaded),
        Err(e) => e,
    }
}

fn check(select: &ScenarioArgs) -> Exit {
    with_scenarios(select, |loaded| {
        let steps: usize = loaded.iter().map(|s| s.scenario.steps.len()).sum();
        out!("{} scenario(s), {steps} step(s): all valid.", loaded.len());
        Exit::Passed
    })
}

fn list(select: &ScenarioArgs) -> Exit {
    with_scenarios(select, |loaded| {
        for s in loaded {
            out!(
                "{:<40} {} ({} steps) [{}]",
                s.id,
                s.scenario.name,
                s.scenario.steps.len(),
                s.scenario.tags.join(", ")
            );
        }
        Exit::Passed
    })
}

fn coverage(select: &ScenarioArgs) -> Exit {
    with_scenarios(select, |loaded| {
        let text =
            crate::coverage::render(&crate::coverage::coverage(Catalog::embedded(), &loaded));
        let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
        Exit::Passed
    })
}

async fn run(args: RunArgs) -> Exit {
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
fn append_step_summary(report: &RunReport, redactor: &Redactor) {
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
fn seconds(flag: &str, value: f64) -> Result<Duration, Exit> {
    if value.is_finite() && value > 0.0 && value <= 86_400.0 {
        Ok(Duration::from_secs_f64(value))
    } else {
        eprintln!("error: {flag} must be a number of seconds between 0 and 86400, got {value}");
        Err(Exit::Usage)
    }
}

/// The target must be http(s), with no credentials, query or fragment in it: a password in
/// the URL would be copied into every report and would replace the bearer token with Basic
/// auth; a query or fragment would be glued before every request path (`/scim/v2?k=v/Users`)
/// and copied into every report. A rejected URL is echoed without its credentials.
fn check_target_url(url: &str) -> Result<(), Exit> {
    let shown = escape::controls(&without_userinfo(url));
    let parsed = match reqwest::Url::parse(url) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("error: --target `{shown}` is not a valid URL: {e}");
            return Err(Exit::Usage);
        }
    };
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        eprintln!("error: --target must be an http:// or https:// URL with a host, got `{shown}`");
        return Err(Exit::Usage);
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        eprintln!(
            "error: --target must not carry credentials; pass the token with --token-env VAR instead"
        );
        return Err(Exit::Usage);
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        eprintln!(
            "error: --target must be the SCIM base URL without `?query` or `#fragment`: requests append paths such as /Users to it, so a query would send them to the wrong endpoint (and a credential in it would be copied into every report); pass the token with --token-env VAR"
        );
        return Err(Exit::Usage);
    }
    Ok(())
}

/// `url` with any `user:password@` replaced by `***@`, for messages.
fn without_userinfo(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let rest = match rest[..authority_end].rfind('@') {
        Some(at) => format!("***{}", &rest[at..]),
        None => rest.to_string(),
    };
    match scheme {
        Some(scheme) => format!("{scheme}://{rest}"),
        None => rest,
    }
}

/// The target's name in snapshot paths: `--target-name`, `reference` for the embedded
/// server, else `host-port` of the URL.
fn target_name(args: &RunArgs, base_url: &str) -> String {
    if let Some(name) = &args.target_name {
        return crate::validate::snapshot::slug(name);
    }
    if args.target.url.is_none() {
        return "reference".to_string();
    }
    let host = base_url
        .split("://")
        .nth(1)
        .unwrap_or(base_url)
        .split('/')
        .next()
        .unwrap_or("target");
    crate::validate::snapshot::slug(host)
}

/// Where the run's token came from, in words for messages (never the token itself).
fn credentials_of(target: &crate::cli::TargetArgs) -> String {
    match (&target.url, &target.token_env, &target.token) {
        (None, _, _) => "the embedded server's token".into(),
        (Some(_), Some(var), _) => format!("the token from --token-env {var}"),
        (Some(_), None, Some(_)) => "the token from --token (or SCIM_HARNESS_TOKEN)".into(),
        (Some(_), None, None) => "a request without a token (pass one with --token-env VAR)".into(),
    }
}

/// First Ctrl-C, SIGTERM or SIGHUP (CI cancellation, `timeout`, a container stop): stop and
/// clean up. Second: leave at once, listing what `left` says may remain.
fn watch_signals(
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

/// A short unique prefix for this run's data (lowercase, so it is valid in any attribute).
fn run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_string()
}

/// Reads the token from `--token-env VAR`, or takes `--token` / `SCIM_HARNESS_TOKEN`.
fn token_from(target: &TargetArgs) -> Result<Option<String>, Exit> {
    let token = if let Some(var) = &target.token_env {
        match std::env::var(var) {
            Ok(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
            _ => {
                eprintln!(
                    "error: --token-env {var}: that environment variable is not set or empty"
                );
                return Err(Exit::Usage);
            }
        }
    } else {
        target.token.clone().filter(|t| !t.is_empty())
    };
    // A token this short cannot be told apart from ordinary text in what the target
    // echoes, so it could not be kept out of the reports.
    if let Some(t) = &token
        && t.chars().count() < MIN_SECRET_LEN
    {
        eprintln!(
            "error: the bearer token is shorter than {MIN_SECRET_LEN} characters; the harness refuses it because it could not be redacted reliably from reports"
        );
        return Err(Exit::Usage);
    }
    Ok(token)
}

/// The PEM bundle of `--ca-cert`, read and checked before anything is sent.
fn ca_cert_from(target: &TargetArgs) -> Result<Option<Vec<u8>>, Exit> {
    let Some(path) = &target.ca_cert else {
        return Ok(None);
    };
    let pem = std::fs::read(path).map_err(|e| {
        eprintln!("error: --ca-cert {}: {e}", path.display());
        Exit::Usage
    })?;
    if let Err(e) = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| e.to_string())
        .and_then(|c| {
            if c.is_empty() {
                Err("no PEM certificate in it".into())
            } else {
                Ok(())
            }
        })
    {
        eprintln!("error: --ca-cert {}: {e}", path.display());
        return Err(Exit::Usage);
    }
    Ok(Some(pem))
}

async fn simulate(args: SimulateArgs) -> Exit {
    use crate::simulate as sim;
    let run = run_id();
    let directory = match (&args.directory, args.users) {
        (_, Some(n)) => sim::DirectoryInput::Generated(sim::generate_directory(n, &run)),
        (Some(path), None) => sim::DirectoryInput::File(path),
        (None, None) => return Exit::Usage,
    };
    let (directory, changes) = match sim::load_input(directory, args.changes.as_deref()) {
        Ok(input) => input,
        Err(diagnostics) => {
            print_diagnostics(&diagnostics);
            return Exit::InvalidScenarios;
        }
    };
    let token = match token_from(&args.target) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let ca = match ca_cert_from(&args.target) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let mut _server = None;
    let (base_url, token) = match &args.target.url {
        Some(url) => (url.trim_end_matches('/').to_string(), token),
        None => {
            let token = format!("harness-{}", uuid::Uuid::new_v4().simple());
            match ReferenceServer::start(server_options(
                &ServerArgs::default(),
                Some(token.clone()),
            ))
            .await
            {
                Ok(server) => {
                    let url = server.base_url();
                    _server = Some(server);
                    (url, Some(token))
                }
                Err(e) => {
                    eprintln!("error: cannot start the embedded reference server: {e}");
                    return Exit::Internal;
                }
            }
        }
    };
    let timeout = match seconds("--timeout", args.timeout) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let cleanup_budget = match seconds("--cleanup-timeout", args.cleanup_timeout) {
        Ok(t) => t,
        Err(e) => return e,
    };
    if let Err(e) = check_target_url(&base_url) {
        return e;
    }
    let client = match HttpClient::trusting(
        ClientConfig {
            base_url: base_url.clone(),
            token,
            secrets: Vec::new(),
            request_timeout: timeout,
            body_limit: 4 << 20,
        },
        ca.as_deref(),
    ) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Internal;
        }
    };
    if let (_, Err(e)) = crate::exec::preflight::preflight(&client).await {
        eprintln!(
            "error: {}",
            escape::controls(&client.redact(&e.to_string()))
        );
        return match e {
            crate::exec::preflight::PreflightError::CredentialsRefused(_) => {
                Exit::CredentialsRefused
            }
            _ => Exit::TargetUnavailable,
        };
    }
    eprintln!(
        "simulating {} against {}: {} user(s), {} group(s), {} change(s)",
        args.idp,
        client.redact(&base_url),
        directory.users.len(),
        directory.groups.len(),
        changes.len()
    );
    let registry = crate::exec::cleanup::Registry::new();
    let cancel = Cancel::default();
    let signals = watch_signals(cancel.clone(), {
        let registry = registry.clone();
        let client = client.clone();
        move || {
            registry
                .pending()
                .iter()
                .map(|u| client.redact(u))
                .collect()
        }
    });
    let report = sim::simulate_until(
        &client,
        args.idp,
        &directory,
        &changes,
        &run,
        (
            args.link_existing,
            sim::Quirks {
                entra_adscim_group_urn: args.entra_adscim_group_urn,
            },
            &registry,
        ),
        &cancel,
    )
    .await;
    let interrupted = cancel.reason();
    let _ = std::io::Write::write_all(
        &mut std::io::stdout(),
        escape::controls(&client.redact(&sim::render_transcript(&report))).as_bytes(),
    );
    if let Some(reason) = &interrupted {
        eprintln!("{reason}: deleting what the simulation created");
    }
    // Everything created was registered as the target answered, so an interrupted
    // simulation is cleaned up too (--keep only applies to a finished one). A second
    // signal during cleanup quits at once, listing what is left.
    if !args.keep || interrupted.is_some() {
        let until = cancel.cleanup_until(cleanup_budget);
        let records = registry.clean_until(&client, until).await;
        let left: Vec<_> = records.iter().filter(|r| !r.deleted).collect();
        out!(
            "cleanup: deleted {} of {} resource(s) the simulation created{}",
            records.len() - left.len(),
            records.len(),
            if left.is_empty() {
                String::new()
            } else {
                format!("; {} left", left.len())
            }
        );
        for r in left {
            out!(
                "LEAK  {} — {}",
                escape::controls(&r.url),
                escape::controls(
                    &client.redact(
                        &r.error
                            .clone()
                            .unwrap_or_else(|| format!("DELETE answered {:?}", r.status))
                    )
                )
            );
        }
    }
    signals.abort();
    if cancel.reason().is_some() {
        Exit::Interrupted
    } else if report.passed() {
        Exit::Passed
    } else {
        Exit::Failures
    }
}

/// The reference server's options from the command line.
fn server_options(server: &ServerArgs, token: Option<String>) -> ServerOptions {
    ServerOptions {
        token,
        strict: server.strict_server,
        tenants: server.tenants.clone(),
        seed_users: server.seed_users,
        defects: server.defects.clone(),
        variants: server.variants.clone(),
        ..ServerOptions::default()
    }
}

async fn serve(args: ServeArgs) -> Exit {
    if args.list_defects {
        for d in Defect::ALL {
            out!(
                "{:<36} {} [{}]",
                d.name(),
                d.description(),
                d.breaks().join(", ")
            );
        }
        return Exit::Passed;
    }
    if args.list_variants {
        for v in Variant::ALL {
            out!("{:<20} {} [{}]", v.name(), v.description(), v.basis());
        }
        return Exit::Passed;
    }
    let base_path = if args.base_path == "/" {
        String::new()
    } else {
        args.base_path.trim_end_matches('/').to_string()
    };
    let options = ServerOptions {
        base_path,
        port: args.port,
        ..server_options(&args.server, args.token.clone())
    };
    let server = match ReferenceServer::start(options).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return Exit::Internal;
        }
    };
    out!("SCIM reference server listening at {}", server.base_url());
    for d in &args.server.defects {
        out!("defect on: {} — {}", d.name(), d.description());
    }
    for v in &args.server.variants {
        out!("variant on: {} — {}", v.name(), v.description());
    }
    if args.server.strict_server {
        out!("strict: non-RFC forms (capitalised ops, string booleans, …) are refused");
    }
    if args.token.is_some() {
        out!("clients must send: Authorization: Bearer <the token you gave>");
    } else {
        out!("no token required (pass --token to require one)");
    }
    out!("Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    Exit::Passed
}

/// Live progress on stderr: a bar on terminals, one line per finished scenario everywhere.
struct ConsoleProgress {
    bar: Option<ProgressBar>,
}

impl ConsoleProgress {
    fn new(total: usize, show: bool) -> Self {
        let bar = (show && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) = ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} {msg}")
            {
                bar.set_style(style);
            }
            bar
        });
        ConsoleProgress { bar }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn line(&self, r: &ScenarioReport) -> String {
        let (mark, word) = match r.status {
            ScenarioStatus::Passed => ("✓", "PASS"),
            ScenarioStatus::Failed => ("✗", "FAIL"),
            ScenarioStatus::Errored => ("!", "ERROR"),
            ScenarioStatus::Skipped => ("-", "SKIP"),
        };
        let warnings = r
            .steps
            .iter()
            .flat_map(|s| &s.checks)
            .filter(|c| c.is_warning())
            .count();
        let extra = if warnings > 0 {
            format!(", {warnings} warning(s)")
        } else {
            String::new()
        };
        let text = format!("{mark} {word:<5} {} ({} ms{extra})", r.id, r.duration_ms);
        // Always in color: the line is printed through anstream, which strips it where it
        // does not belong.
        let style = match r.status {
            ScenarioStatus::Passed => AnsiColor::Green.on_default(),
            ScenarioStatus::Failed | ScenarioStatus::Errored => AnsiColor::Red.on_default(),
            ScenarioStatus::Skipped => Style::new().effects(Effects::DIMMED),
        };
        format!("{style}{text}{style:#}")
    }
}

impl Progress for ConsoleProgress {
    fn started(&self, id: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(id.to_string());
        }
    }

    fn finished(&self, report: &ScenarioReport) {
        let line = self.line(report);
        match &self.bar {
            Some(bar) => {
                bar.suspend(|| anstream::eprintln!("{line}"));
                bar.inc(1);
            }
            None => anstream::eprintln!("{line}"),
        }
    }
}

async fn load_mode(args: LoadArgs) -> Exit {
    use crate::load::{LoadSettings, write_reports};
    let users = args.users as usize;
    let groups = match args.groups {
        Some(g) => g as usize,
        None => (users / 100).max(1),
    };
    let shard_users = args.shard.range(users).len();
    let members = args
        .members_per_group
        .map_or(shard_users.min(10), |m| m as usize);
    let usage = |msg: String| {
        eprintln!("error: {msg}");
        Exit::Usage
    };
    if shard_users == 0 {
        return usage(format!(
            "--shard {} of {users} user(s) holds no user; use fewer shards",
            args.shard
        ));
    }
    if members > shard_users {
        return usage(format!(
            "--members-per-group {members} is more than the {shard_users} user(s) of this shard"
        ));
    }
    if !(args.incremental.is_finite() && (0.0..=1.0).contains(&args.incremental)) {
        return usage(format!(
            "--incremental must be a fraction between 0 and 1, got {}",
            args.incremental
        ));
    }
    let mut durations = Vec::new();
    for (flag, value) in [
        ("--timeout", args.timeout),
        ("--deadline", args.deadline),
        ("--max-retry-wait", args.max_retry_wait),
    ] {
        match seconds(flag, value) {
            Ok(d) => durations.push(d),
            Err(e) => return e,
        }
    }
    let (timeout, deadline, max_retry_wait) = (durations[0], durations[1], durations[2]);
    let token = match token_from(&args.target) {
        Ok(t) => t,
        Err(e) => return e,
    };
    if args.target.url.is_some()
        && (args.server.strict_server
            || !args.server.defects.is_empty()
            || args.server.seed_users > 0)
    {
        return usage(
            "--defect, --strict-server and --seed-users shape the embedded server; they do not apply with --target"
                .into(),
        );
    }
    let mut _server = None;
    let (base_url, token) = match &args.target.url {
        Some(url) => (url.trim_end_matches('/').to_string(), token),
        None => {
            let token = format!("harness-{}", uuid::Uuid::new_v4().simple());
            if args.server.seed_users > 0 {
                eprintln!(
                    "seeding the embedded server with {} user(s)…",
                    args.server.seed_users
                );
            }
            match ReferenceServer::start(server_options(&args.server, Some(token.clone()))).await {
                Ok(server) => {
                    let url = server.base_url();
                    _server = Some(server);
                    (url, Some(token))
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
    let concurrency = args.concurrency as usize;
    let wire = match crate::load::wire::Wire::new(
        ClientConfig {
            base_url: base_url.clone(),
            token,
            secrets: Vec::new(),
            request_timeout: timeout,
            body_limit: 1 << 20,
        },
        args.idp,
        concurrency,
        args.transport,
    ) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Internal;
        }
    };
    // Every output is redacted once more as it leaves the process.
    let redactor = wire.exec().redactor();
    if let (_, Err(e)) = crate::exec::preflight::preflight(wire.exec()).await {
        eprintln!("error: {e}");
        return match e {
            crate::exec::preflight::PreflightError::CredentialsRefused(_) => {
                Exit::CredentialsRefused
            }
            _ => Exit::TargetUnavailable,
        };
    }
    let target = wire.exec().redact(&base_url);
    let settings = LoadSettings {
        idp: args.idp,
        users,
        groups,
        members_per_group: members,
        concurrency,
        rate: args.rate.and_then(std::num::NonZeroU32::new),
        duration: args.duration,
        shard: args.shard,
        incremental: args.incremental,
        verify_sample: args.verify_sample,
        keep: args.keep,
        batch_size: args
            .batch_size
            .map_or(args.idp.default_member_batch(), |b| b as usize),
        keep_failures: args.record_failures,
        max_retry_wait,
        lookups_only: args.lookups_only,
        run_id: run_id(),
    };
    eprintln!(
        "load: replaying {}'s initial sync of {} user(s) (shard {}: {}) and {} group(s) against {target}, concurrency {concurrency}{}",
        args.idp,
        users,
        args.shard,
        shard_users,
        groups,
        args.rate
            .map(|r| format!(", at most {r} req/s"))
            .unwrap_or_default()
    );
    let cancel = Cancel::default();
    let signals = watch_signals(cancel.clone(), Vec::new);
    let timer = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(deadline).await;
            eprintln!("\n--deadline reached: stopping and deleting what this run created");
            cancel.cancel(&format!(
                "--deadline of {} s reached",
                deadline.as_secs_f64()
            ));
        })
    };
    let progress = Arc::new(LoadBar::new(!args.no_progress));
    let report = match crate::load::run_on_own_runtime(
        settings,
        wire,
        target,
        cancel,
        progress.clone(),
        usize::from(args.client_threads),
    )
    .await
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Internal;
        }
    };
    timer.abort();
    signals.abort();
    progress.finish();
    let _ = std::io::Write::write_all(
        &mut std::io::stdout(),
        redactor
            .redact(&crate::load::markdown::render(&report))
            .as_bytes(),
    );
    match write_reports(&report, &args.report_dir, &redactor) {
        Ok(paths) => {
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            out!("reports: {}", names.join(", "));
        }
        Err(e) => {
            eprintln!(
                "error: cannot write reports to {}: {e}",
                args.report_dir.display()
            );
            return Exit::Internal;
        }
    }
    load_exit(&report.verdict)
}

/// The exit code of a load verdict.
fn load_exit(verdict: &str) -> Exit {
    match verdict {
        "passed" => Exit::Passed,
        "interrupted" => Exit::Interrupted,
        "unreachable" => Exit::TargetUnavailable,
        _ => Exit::Failures,
    }
}

fn report_command(args: ReportArgs) -> Exit {
    match args.action {
        ReportAction::Merge {
            files,
            out,
            formats,
            no_step_summary,
        } => merge_reports(&files, out, &formats, no_step_summary),
        ReportAction::Badge { report, out } => badges(&report, out),
    }
}

/// `report merge`: run reports or load reports, never both.
fn merge_reports(
    inputs: &[PathBuf],
    out: Option<PathBuf>,
    formats: &[crate::report::ReportFormat],
    no_step_summary: bool,
) -> Exit {
    let mut read = Vec::new();
    for path in inputs {
        match locate(path).and_then(|file| read_any(&file).map(|(k, t)| (file, k, t))) {
            Ok(r) => read.push(r),
            Err(e) => {
                eprintln!("error: {e}");
                return Exit::Usage;
            }
        }
    }
    let Some((first_path, kind, _)) = read.first() else {
        eprintln!("error: nothing to merge");
        return Exit::Usage;
    };
    if let Some((path, other, _)) = read.iter().find(|(_, k, _)| k != kind) {
        eprintln!(
            "error: cannot merge a {} ({}) with a {} ({}): merge the shards of one kind of run",
            kind.name(),
            first_path.display(),
            other.name(),
            path.display()
        );
        return Exit::Usage;
    }
    match kind {
        ReportKind::Load => merge_load_reports(&read, out),
        ReportKind::Run => merge_run_reports(&read, out, formats, no_step_summary),
    }
}

fn merge_run_reports(
    read: &[(PathBuf, ReportKind, String)],
    out: Option<PathBuf>,
    formats: &[crate::report::ReportFormat],
    no_step_summary: bool,
) -> Exit {
    let mut shards = Vec::new();
    for (path, _, text) in read {
        match parse_run_report(path, text) {
            Ok(report) => shards.push(crate::report::merge::Shard {
                label: path.display().to_string(),
                report,
            }),
            Err(e) => {
                eprintln!("error: {e}");
                return Exit::Usage;
            }
        }
    }
    let merged = match crate::report::merge::merge(shards) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let out = out.unwrap_or_else(|| PathBuf::from("reports/merged"));
    let redactor = Redactor::default();
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = std::io::Write::write_all(
        &mut std::io::stdout(),
        crate::report::render_summary(&merged, color).as_bytes(),
    );
    match write_all(&merged, formats, &out, &redactor) {
        Ok(paths) => {
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            out!("reports: {}", names.join(", "));
            if !no_step_summary {
                append_step_summary(&merged, &redactor);
            }
            Exit::from_verdict(merged.verdict)
        }
        Err(e) => {
            eprintln!("error: cannot write reports to {}: {e}", out.display());
            Exit::Internal
        }
    }
}

fn merge_load_reports(read: &[(PathBuf, ReportKind, String)], out: Option<PathBuf>) -> Exit {
    let mut reports = Vec::new();
    for (path, _, text) in read {
        match serde_json::from_str::<crate::load::report::LoadReport>(text) {
            Ok(r) => reports.push(r),
            Err(e) => {
                eprintln!("error: {}: not a load.json: {e}", path.display());
                return Exit::Usage;
            }
        }
    }
    let merged = match crate::load::report::merge(&reports) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let out = out.unwrap_or_else(|| PathBuf::from("reports/load-merged"));
    let _ = std::io::Write::write_all(
        &mut std::io::stdout(),
        crate::load::markdown::render(&merged).as_bytes(),
    );
    match crate::load::write_reports(&merged, &out, &Default::default()) {
        Ok(paths) => {
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            out!("reports: {}", names.join(", "));
            load_exit(&merged.verdict)
        }
        Err(e) => {
            eprintln!("error: cannot write reports to {}: {e}", out.display());
            Exit::Internal
        }
    }
}

/// `report badge`: one SVG per suite verdict, beside the report unless `--out` says where.
fn badges(report: &Path, out: Option<PathBuf>) -> Exit {
    let parsed = match crate::report::read::read_run_report(report) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    };
    let out = out.unwrap_or_else(|| {
        let dir = if report.is_dir() {
            report
        } else {
            report.parent().unwrap_or(Path::new("."))
        };
        dir.join("badges")
    });
    let badges = crate::report::badge::badges(&parsed);
    if badges.is_empty() {
        eprintln!("error: the report has no suite verdicts (nothing ran)");
        return Exit::Usage;
    }
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("error: cannot create {}: {e}", out.display());
        return Exit::Internal;
    }
    for b in badges {
        let path = out.join(&b.file_name);
        if let Err(e) = std::fs::write(&path, &b.svg) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return Exit::Internal;
        }
        out!("{}  {}: {}", path.display(), b.label, b.message);
    }
    Exit::Passed
}

/// Live load progress on stderr (terminals only): done/total, req/s, p99, errors, throttled.
struct LoadBar {
    bar: Option<ProgressBar>,
}

impl LoadBar {
    fn new(show: bool) -> Self {
        let bar = (show && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(0);
            if let Ok(style) =
                ProgressStyle::with_template("{prefix:>11} {bar:30.cyan/blue} {pos}/{len} {msg}")
            {
                bar.set_style(style);
            }
            bar
        });
        LoadBar { bar }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl crate::load::LoadProgress for LoadBar {
    fn phase(&self, name: &str, expected: u64) {
        match &self.bar {
            Some(bar) => {
                bar.set_prefix(name.to_string());
                if expected > 0 {
                    bar.set_length(expected);
                }
            }
            None => eprintln!("load: {name}…"),
        }
    }

    fn tick(&self, live: crate::load::stats::Live) {
        if let Some(bar) = &self.bar {
            bar.set_position(live.requests);
            bar.set_message(format!(
                "{:.0} req/s  p99 {:.1} ms  {} errors  {} throttled",
                live.requests as f64 / live.elapsed.max(1e-3),
                live.p99_ms,
                live.errors,
                live.throttled
            ));
        }
    }
}
