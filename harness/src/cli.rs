//! Command-line interface (clap derive). Nothing below `app` sees these types: they are
//! turned into plain settings there.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use scim_reference_server::{Defect, Variant};

use crate::report::ReportFormat;
use crate::scenario::model::Feature;
use crate::scenario::partition::Partition;
use crate::simulate::Idp;
use crate::validate::snapshot::SnapshotMode;

/// SCIM 2.0 conformance suite and mock identity-provider harness.
///
/// With no target, `run` tests the embedded reference server, so a checkout works out of the box.
#[derive(Debug, Parser)]
#[command(name = "scim-harness", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the scenarios against a SCIM server (the embedded one when no --target is given).
    Run(Box<RunArgs>),
    /// Load and lint scenario files without sending anything (for editors and pre-commit).
    Check(ScenarioArgs),
    /// List the scenarios that would run.
    List(ScenarioArgs),
    /// Show which catalog requirements the scenarios check, and which they do not yet.
    Coverage(ScenarioArgs),
    /// Act as an IdP: sync a directory into the target the way that IdP would, apply
    /// changes, print the transcript, and verify the target ends as the IdP intends.
    Simulate(Box<SimulateArgs>),
    /// Start the embedded reference SCIM server and keep it running.
    Serve(ServeArgs),
    /// Replay an IdP's initial sync at scale: latency percentiles, the IdP's reaction to
    /// throttling, a verified sample of the end state, and cleanup of everything created.
    Load(Box<LoadArgs>),
    /// Work with reports written earlier (merge the load reports of several shards).
    Report(ReportArgs),
    /// Print a generated JSON Schema (the scenario format or the JSON report).
    Schema {
        /// Which schema.
        #[arg(value_enum)]
        which: SchemaKind,
    },
    /// Explain one catalog requirement: keyword, severity, RFC section and text, the test
    /// recipe, and the scenario checks that enforce it.
    Explain(ExplainArgs),
    /// Print a shell completion script (e.g. `scim-harness completions bash > /etc/bash_completion.d/scim-harness`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write a commented `scim-harness.toml` (every key, with its default) in the current
    /// directory.
    Init {
        /// Overwrite an existing scim-harness.toml.
        #[arg(long)]
        force: bool,
    },
    /// Print the man page (roff), or write one page per subcommand into a directory.
    Man {
        /// Write `scim-harness.1`, `scim-harness-run.1`, … into this directory instead.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

/// `explain` options.
#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// A requirement id from the catalog, e.g. `P-3.5.2-08` (`scim-harness coverage` lists them).
    #[arg(value_name = "ID")]
    pub id: String,
    /// The scenarios searched for checks citing it.
    #[command(flatten)]
    pub select: ScenarioArgs,
}

/// Generated schemas.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaKind {
    /// `schemas/scenario.schema.json`: the scenario file format.
    Scenario,
    /// `schemas/report.schema.json`: `report.json`.
    Report,
    /// `schemas/profile.schema.json`: an IdP profile (`_profile.yaml`).
    Profile,
}

/// Where scenarios come from and which to take.
#[derive(Debug, Clone, Args)]
pub struct ScenarioArgs {
    /// Scenario directories or files [default: ./scenarios if it exists, else the set built
    /// into the binary].
    #[arg(long = "scenarios", short = 's', value_name = "PATH")]
    pub scenarios: Vec<PathBuf>,
    /// Only scenarios with this tag (repeatable; any tag matches).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Only scenarios whose id or name contains this text (repeatable; any matches).
    #[arg(long = "filter", value_name = "TEXT")]
    pub filters: Vec<String>,
    /// Which suites to run, comma-separated: IdP profile names (`okta-oin`, `entra`, …), `rfc`
    /// for the RFC conformance scenarios, or `all`.
    #[arg(
        long = "idp",
        value_delimiter = ',',
        default_value = "all",
        value_name = "PROFILES"
    )]
    pub idp: Vec<String>,
    /// Which config file to read.
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// The config file (`scim-harness.toml`): flags and environment variables win over it.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArgs {
    /// Read this config file [default: the first scim-harness.toml in the working directory
    /// or above it].
    #[arg(long = "config", value_name = "FILE", env = "SCIM_HARNESS_CONFIG")]
    pub config: Option<PathBuf>,
    /// Read no config file (also over --config).
    #[arg(long = "no-config", env = "SCIM_HARNESS_NO_CONFIG", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_config: bool,
}

/// `run` options.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Scenario selection.
    #[command(flatten)]
    pub select: ScenarioArgs,
    /// The server under test.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Run one shard of the selection (for a CI matrix): `hash:K/N` takes the scenarios a
    /// stable hash of their id puts in shard K of N, `count:K/N` deals the selection, sorted
    /// by id, round-robin. Merge the shards' reports with `scim-harness report merge`.
    #[arg(long, value_name = "KIND:K/N")]
    pub partition: Option<Partition>,
    /// Scenarios run at once.
    #[arg(long, short = 'j', default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Timeout of one request, in seconds.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub timeout: f64,
    /// The whole run stops (cleaning up first) after this many seconds.
    #[arg(long, default_value_t = 600.0, value_name = "SECONDS")]
    pub deadline: f64,
    /// Longest a scenario's cleanup may take, and all cleanup after the run is stopped
    /// (Ctrl-C, SIGTERM, --deadline); what is left then is listed as not deleted.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    pub cleanup_timeout: f64,
    /// Treat SHOULD-level failures (warnings) as failures.
    #[arg(long)]
    pub strict: bool,
    /// Suites whose verdicts set the exit code: `rfc` and/or IdP profile names
    /// (comma-separated, e.g. `rfc,okta-oin`). Default: every selected suite. The other
    /// suites are still run and reported.
    #[arg(long, value_delimiter = ',', value_name = "SUITES")]
    pub gate: Vec<String>,
    /// Retries of a request the target throttles (429, or 503 with Retry-After); 0: none.
    #[arg(long, default_value_t = 5, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=100))]
    pub retries: u32,
    /// Longest wait for one throttled request, in seconds; a Retry-After asking for more
    /// is not waited for (the step is reported as throttled, not as a failure).
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub retry_max_wait: f64,
    /// Total waiting for throttled requests over the whole run, in seconds (within --deadline).
    #[arg(long, default_value_t = 300.0, value_name = "SECONDS")]
    pub retry_budget: f64,
    /// File of known failures of this target (YAML `expected_failures: [{scenario, step?, req?, reason}]`):
    /// they do not fail the run, and entries that now pass are reported.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Compare every response with its stored snapshot (`check`, fails on drift) or record
    /// them anew (`update`), under `<snapshot-dir>/<target-name>/`.
    #[arg(long, value_enum, value_name = "MODE")]
    pub snapshot: Option<SnapshotMode>,
    /// Directory of snapshots.
    #[arg(long, default_value = "snapshots", value_name = "DIR")]
    pub snapshot_dir: PathBuf,
    /// Name of the target in snapshot paths [default: `reference` for the embedded server,
    /// else host and port of --target].
    #[arg(long, value_name = "NAME")]
    pub target_name: Option<String>,
    /// Run scenarios needing this feature even if the target does not advertise it (repeatable).
    #[arg(long = "force-feature", value_enum, value_name = "FEATURE")]
    pub force_features: Vec<Feature>,
    /// Directory for report files.
    #[arg(long, default_value = "reports/latest", value_name = "DIR")]
    pub report_dir: PathBuf,
    /// Report formats to write (comma-separated); `har` (every exchange as an HTTP Archive)
    /// is written only when asked for.
    #[arg(long = "report", value_enum, value_delimiter = ',', default_values_t = ReportFormat::DEFAULT)]
    pub formats: Vec<ReportFormat>,
    /// Do not append the Markdown summary to the file named by `GITHUB_STEP_SUMMARY`
    /// (GitHub Actions sets it; by default the summary is appended there).
    #[arg(long)]
    pub no_step_summary: bool,
    /// Show no live progress.
    #[arg(long)]
    pub no_progress: bool,
    /// Behaviour of the embedded server when there is no --target (e.g. `--defect
    /// case-sensitive-username-filter` to watch the suite catch it, or `--variant opaque-ids`
    /// to watch it pass a legal variation).
    #[command(flatten)]
    pub server: ServerArgs,
}

/// The server under test and its credentials (`run` and `simulate`).
#[derive(Debug, Clone, Default, Args)]
pub struct TargetArgs {
    /// SCIM base URL of the server under test (e.g. http://127.0.0.1:8080/scim/v2).
    /// Without it, the embedded reference server is started on 127.0.0.1.
    #[arg(long = "target", value_name = "URL", env = "SCIM_HARNESS_TARGET")]
    pub url: Option<String>,
    /// Name of the environment variable holding the bearer token (preferred: keeps the
    /// token out of the process list and shell history).
    #[arg(long, value_name = "VAR", conflicts_with = "token")]
    pub token_env: Option<String>,
    /// Bearer token. Never printed or written to reports.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "SCIM_HARNESS_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// PEM file of CA certificates to trust besides the system's (a private CA of the
    /// target); `SSL_CERT_FILE` replaces the system's trust store instead.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
}

/// `simulate` options.
#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    /// The identity provider to act as.
    #[arg(long, value_enum)]
    pub idp: Idp,
    /// The directory to sync (YAML: `users:` and `groups:`; see
    /// harness/tests/fixtures/simulate/directory.yaml).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "users",
        conflicts_with = "users"
    )]
    pub directory: Option<PathBuf>,
    /// Generate a directory of N users (and N/10 groups) instead of reading one.
    #[arg(long, value_name = "N")]
    pub users: Option<usize>,
    /// Changes to apply after the sync (YAML `changes:` list: update, deactivate, reactivate,
    /// delete, add_member, remove_member, rename_group).
    #[arg(long, value_name = "FILE")]
    pub changes: Option<PathBuf>,
    /// The server under test.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Keep the users and groups the simulation created (default: delete them at the end).
    #[arg(long)]
    pub keep: bool,
    /// Let the simulation link and modify users that already exist on the target under a
    /// directory userName, as the real IdP would (off: it never touches data it did not create).
    #[arg(long)]
    pub link_existing: bool,
    /// Entra only: list the ADSCIM group URN in group POSTs, as Entra did before its
    /// 2018-12-18 fix (today's Entra does not send it).
    #[arg(long)]
    pub entra_adscim_group_urn: bool,
    /// Timeout of one request, in seconds.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub timeout: f64,
    /// Longest the cleanup at the end may take; what is left then is listed as not deleted.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    pub cleanup_timeout: f64,
}

/// `serve` options.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Bearer token clients must send (default: none required).
    #[arg(long, env = "SCIM_HARNESS_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Path prefix of the SCIM endpoints.
    #[arg(long, default_value = "/scim/v2")]
    pub base_path: String,
    /// Behaviour of the reference server (defects, legal variants, strict mode, tenants, seed data).
    #[command(flatten)]
    pub server: ServerArgs,
    /// List the defect modes with what each breaks, and exit.
    #[arg(long)]
    pub list_defects: bool,
    /// List the legal variants with the RFC latitude each relies on, and exit.
    #[arg(long)]
    pub list_variants: bool,
}

/// How the embedded reference server behaves (for `serve`, and for `run` without a target).
#[derive(Debug, Clone, Default, Args)]
pub struct ServerArgs {
    /// Inject one realistic defect (repeatable); `serve --list-defects` lists them.
    #[arg(long = "defect", value_name = "NAME", value_parser = parse_defect)]
    pub defects: Vec<Defect>,
    /// Switch on one legal variation of correct behaviour (repeatable: rate limiting, a
    /// vendor extension, opaque ids, …); `serve --list-variants` lists them.
    #[arg(long = "variant", value_name = "NAME", value_parser = parse_variant)]
    pub variants: Vec<Variant>,
    /// Refuse the non-RFC forms IdPs send (capitalised ops, string booleans, …) instead of
    /// accepting them, naming the quirk in each error.
    #[arg(long = "strict-server")]
    pub strict_server: bool,
    /// Another tenant's bearer token (repeatable): its data never mixes with the others'.
    #[arg(long = "tenant", value_name = "TOKEN")]
    pub tenants: Vec<String>,
    /// Users to create at start (`seed-user-000001@example.test`, …).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub seed_users: usize,
}

/// `load` options.
#[derive(Debug, Clone, Args)]
pub struct LoadArgs {
    /// The identity provider whose initial sync is replayed (sequence, dialect, batch size,
    /// reaction to throttling).
    #[arg(long, value_enum)]
    pub idp: Idp,
    /// Users in the whole sync (all shards together).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=crate::load::limits::MAX_USERS as u64))]
    pub users: u64,
    /// Groups in the whole sync [default: one per 100 users, at least one].
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=1_000_000))]
    pub groups: Option<u64>,
    /// Members of each group, drawn from this shard's users [default: 10, or every user
    /// when the shard has fewer].
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=100_000))]
    pub members_per_group: Option<u64>,
    /// Requests in flight at most.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=crate::load::limits::MAX_CONCURRENCY as u64))]
    pub concurrency: u64,
    /// Requests per second at most (`200/s`, `200`, or `12000/min`).
    #[arg(long, value_name = "N/s", value_parser = parse_rate)]
    pub rate: Option<u32>,
    /// Stop starting new work after this long (`90s`, `10m`, `1h`); verification and
    /// cleanup still run.
    #[arg(long, value_name = "TIME", value_parser = parse_duration)]
    pub duration: Option<std::time::Duration>,
    /// Stop everything after this many seconds (cleaning up first); exits 5.
    #[arg(long, default_value_t = 3600.0, value_name = "SECONDS")]
    pub deadline: f64,
    /// This runner's part of a sync split over several: K/N takes the K-th of N disjoint
    /// user and group ranges (merge the reports with `scim-harness report merge`).
    #[arg(long, default_value = "1/1", value_name = "K/N")]
    pub shard: crate::load::plan::Shard,
    /// Fraction of users updated in the incremental cycle after the sync (half of them are
    /// also deactivated); 0 skips it.
    #[arg(long, default_value_t = 0.1, value_name = "FRACTION")]
    pub incremental: f64,
    /// Users read back at the end to verify the state (plus up to 10 groups).
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub verify_sample: usize,
    /// Members per membership request [default: the IdP's: Entra 10, Okta 100].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub batch_size: Option<u64>,
    /// Failing exchanges recorded in full (secrets redacted).
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub record_failures: usize,
    /// Longest wait for one throttled request, in seconds (caps Retry-After).
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    pub max_retry_wait: f64,
    /// Send only the pre-create lookups (a read-only workload, for benchmarks).
    #[arg(long)]
    pub lookups_only: bool,
    /// Keep the users and groups created (default: delete them at the end).
    #[arg(long)]
    pub keep: bool,
    /// Timeout of one request, in seconds.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub timeout: f64,
    /// Directory for load.json, load.md and load.html.
    #[arg(long, default_value = "reports/load", value_name = "DIR")]
    pub report_dir: PathBuf,
    /// Show no live progress.
    #[arg(long)]
    pub no_progress: bool,
    /// Threads sending the load (the embedded server, if any, keeps its own).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64), hide = true)]
    pub client_threads: u16,
    /// HTTP path of the requests (`exec` records every exchange, to measure its cost).
    #[arg(long, value_enum, default_value = "direct", hide = true)]
    pub transport: crate::load::wire::Transport,
    /// The server under test.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Behaviour of the embedded server when there is no --target.
    #[command(flatten)]
    pub server: ServerArgs,
}

/// `report` subcommands.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: ReportAction,
}

/// What `report` does.
#[derive(Debug, Clone, Subcommand)]
pub enum ReportAction {
    /// Merge the reports of several shards into one: the run reports (`report.json`) of
    /// `run --partition` shards, or the `load.json` files of `load --shard` shards.
    Merge {
        /// The shards' report directories, or their report.json / load.json files.
        #[arg(required = true, value_name = "DIR|FILE")]
        files: Vec<PathBuf>,
        /// Directory for the merged reports [default: reports/merged for run reports,
        /// reports/load-merged for load reports].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Formats of a merged run report (comma-separated; as `run --report`).
        #[arg(long = "report", value_enum, value_delimiter = ',', default_values_t = ReportFormat::DEFAULT)]
        formats: Vec<ReportFormat>,
        /// Do not append the merged run's Markdown summary to the file named by
        /// `GITHUB_STEP_SUMMARY` (by default it is appended there, as `run` does).
        #[arg(long)]
        no_step_summary: bool,
    },
    /// Write one SVG badge per suite verdict ("Okta (OIN apps): ready") from a report.json,
    /// for a README or docs page.
    Badge {
        /// The run report.
        #[arg(
            long,
            default_value = "reports/latest/report.json",
            value_name = "FILE"
        )]
        report: PathBuf,
        /// Directory for the badges [default: `badges/` beside the report].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// `200/s`, `200`, `12000/min`: requests per second, 1 to a million.
fn parse_rate(text: &str) -> Result<u32, String> {
    let t = text.trim();
    let (n, per) = match t.split_once('/') {
        Some((n, unit)) => (n, unit.trim()),
        None => (t, "s"),
    };
    let n: f64 = n
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a rate like 200/s"))?;
    let per_second = match per {
        "s" | "sec" | "second" => n,
        "m" | "min" | "minute" => n / 60.0,
        _ => return Err(format!("unknown rate unit `{per}`; use /s or /min")),
    };
    let max = crate::load::limits::MAX_RATE;
    if !(per_second.is_finite() && per_second >= 1.0 && per_second <= f64::from(max)) {
        return Err(format!(
            "the rate must be between 1/s and {max}/s, got {text}"
        ));
    }
    Ok(per_second.round() as u32)
}

/// `90`, `90s`, `10m`, `1h`: between 1 second and a week.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let t = text.trim();
    let (n, unit) = t.split_at(t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len()));
    let n: f64 = n
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 90s, 10m or 1h"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("unknown duration unit `{unit}`; use s, m or h")),
    };
    if !(secs.is_finite() && (1.0..=604_800.0).contains(&secs)) {
        return Err(format!(
            "the duration must be between 1s and 7 days, got {text}"
        ));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

fn parse_defect(name: &str) -> Result<Defect, String> {
    Defect::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Defect::ALL.iter().map(|d| d.name()).collect();
        format!(
            "unknown defect `{name}`; known defects: {}",
            names.join(", ")
        )
    })
}

fn parse_variant(name: &str) -> Result<Variant, String> {
    Variant::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Variant::ALL.iter().map(|v| v.name()).collect();
        format!(
            "unknown variant `{name}`; known variants: {}",
            names.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn report_formats_parse_as_a_list() {
        let cli = Cli::try_parse_from(["scim-harness", "run", "--report", "json,junit"]).unwrap();
        let Command::Run(args) = cli.command else {
            panic!("not run")
        };
        assert_eq!(args.formats, vec![ReportFormat::Json, ReportFormat::Junit]);
    }

    #[test]
    fn variants_parse_by_name_and_unknown_ones_are_listed() {
        let cli = Cli::try_parse_from([
            "scim-harness",
            "serve",
            "--variant",
            "opaque-ids",
            "--variant",
            "unsorted-lists",
        ])
        .unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("not serve")
        };
        assert_eq!(
            args.server.variants,
            vec![Variant::OpaqueIds, Variant::UnsortedLists]
        );
        let err = Cli::try_parse_from(["scim-harness", "run", "--variant", "sideways"])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown variant `sideways`") && err.contains("rate-limited"),
            "{err}"
        );
    }

    #[test]
    fn load_rates_and_durations_parse_and_out_of_range_values_are_refused() {
        assert_eq!(parse_rate("200/s"), Ok(200));
        assert_eq!(parse_rate("12000/min"), Ok(200));
        assert_eq!(parse_rate("50"), Ok(50));
        for bad in ["0/s", "-5", "fast", "2000000/s", "5/h"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_duration("10m"),
            Ok(std::time::Duration::from_secs(600))
        );
        assert_eq!(parse_duration("90"), Ok(std::time::Duration::from_secs(90)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("3 weeks").is_err());
        for args in [
            vec!["scim-harness", "load", "--idp", "entra", "--users", "0"],
            vec![
                "scim-harness",
                "load",
                "--idp",
                "entra",
                "--concurrency",
                "0",
            ],
            vec![
                "scim-harness",
                "load",
                "--idp",
                "entra",
                "--concurrency",
                "5000",
            ],
            vec!["scim-harness", "load", "--idp", "entra", "--rate", "0/s"],
            vec!["scim-harness", "load", "--idp", "entra", "--shard", "3/2"],
        ] {
            let err = Cli::try_parse_from(&args).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}");
        }
        let cli = Cli::try_parse_from([
            "scim-harness",
            "load",
            "--idp",
            "okta-oin",
            "--users",
            "50",
            "--rate",
            "200/s",
            "--shard",
            "2/3",
        ])
        .unwrap();
        let Command::Load(args) = cli.command else {
            panic!("not load")
        };
        assert_eq!(
            (args.users, args.rate, args.shard.k, args.shard.n),
            (50, Some(200), 2, 3)
        );
    }
}
