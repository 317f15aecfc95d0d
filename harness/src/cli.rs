//! Command-line interface (clap derive). Nothing below `app` sees these types: they are
//! turned into plain settings there.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use scim_reference_server::{Defect, Variant};

use crate::report::ReportFormat;
use crate::scenario::model::Feature;
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
    /// Print a generated JSON Schema (the scenario format or the JSON report).
    Schema {
        /// Which schema.
        #[arg(value_enum)]
        which: SchemaKind,
    },
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
    /// Scenario directories or files [default: ./scenarios].
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
    /// Scenarios run at once.
    #[arg(long, short = 'j', default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Timeout of one request, in seconds.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub timeout: f64,
    /// The whole run stops (cleaning up first) after this many seconds.
    #[arg(long, default_value_t = 600.0, value_name = "SECONDS")]
    pub deadline: f64,
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
    /// Report formats to write (comma-separated).
    #[arg(long = "report", value_enum, value_delimiter = ',', default_values_t = ReportFormat::ALL)]
    pub formats: Vec<ReportFormat>,
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
}
