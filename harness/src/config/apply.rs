//! Meets the config file with the command line. Per setting: a flag or an environment
//! variable wins, then the config file, then the built-in default; clap's `value_source`
//! tells which of them a parsed value came from.

use clap::ArgMatches;
use clap::parser::ValueSource;

use super::file::Config;
use crate::cli::{RunArgs, ScenarioArgs};

/// What applying a config changed beyond the settings themselves: notes for the console.
#[derive(Debug, Default, PartialEq)]
pub struct Applied {
    /// One line each, for stderr.
    pub notes: Vec<String>,
}

/// Whether the argument `id` was given on the command line or through its environment variable.
fn from_user(m: &ArgMatches, id: &str) -> bool {
    matches!(
        m.value_source(id),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    )
}

/// Sets `slot` from the config unless the user gave `id`.
fn set<T: Clone>(m: &ArgMatches, id: &str, slot: &mut T, value: &Option<T>) {
    if let Some(v) = value
        && !from_user(m, id)
    {
        *slot = v.clone();
    }
}

/// The scenario set and suites (`scenarios`, `suites`), for every command that loads scenarios.
pub fn apply_select(select: &mut ScenarioArgs, m: &ArgMatches, c: &Config) {
    set(m, "scenarios", &mut select.scenarios, &c.scenarios);
    set(m, "idp", &mut select.idp, &c.suites);
}

/// Every key, for `run`.
pub fn apply_run(args: &mut RunArgs, m: &ArgMatches, c: &Config) -> Applied {
    let mut applied = Applied::default();
    apply_select(&mut args.select, m, c);

    let user_target = from_user(m, "url");
    let config_target = c.target.as_deref().map(|t| t.trim_end_matches('/'));
    if !user_target && let Some(t) = &c.target {
        args.target.url = Some(t.clone());
    }
    set(
        m,
        "ca_cert",
        &mut args.target.ca_cert,
        &c.ca_cert.clone().map(Some),
    );
    // The config's token variable belongs to the config's target: a target given on the
    // command line or in SCIM_HARNESS_TARGET never receives it.
    let user_token = from_user(m, "token_env") || from_user(m, "token");
    if let Some(var) = &c.token_env
        && !user_token
    {
        let other_target = user_target
            && config_target.is_some()
            && args.target.url.as_deref().map(|u| u.trim_end_matches('/')) != config_target;
        if other_target {
            applied.notes.push(format!(
                "note: token_env = \"{var}\" of {} is not used: the target given on the command line (or SCIM_HARNESS_TARGET) is not the config's",
                c.path.display()
            ));
        } else if args.target.url.is_some() {
            args.target.token_env = Some(var.clone());
        }
    }

    set(m, "gate", &mut args.gate, &c.gate);
    set(
        m,
        "baseline",
        &mut args.baseline,
        &c.baseline.clone().map(Some),
    );
    set(m, "strict", &mut args.strict, &c.strict);
    set(
        m,
        "force_features",
        &mut args.force_features,
        &c.force_features,
    );
    set(m, "jobs", &mut args.jobs, &c.jobs);
    set(m, "timeout", &mut args.timeout, &c.timeout);
    set(m, "deadline", &mut args.deadline, &c.deadline);
    set(
        m,
        "cleanup_timeout",
        &mut args.cleanup_timeout,
        &c.cleanup_timeout,
    );
    set(m, "retries", &mut args.retries, &c.retries);
    set(
        m,
        "retry_max_wait",
        &mut args.retry_max_wait,
        &c.retry_max_wait,
    );
    set(m, "retry_budget", &mut args.retry_budget, &c.retry_budget);
    set(m, "formats", &mut args.formats, &c.report_formats);
    set(m, "report_dir", &mut args.report_dir, &c.report_dir);
    set(
        m,
        "no_step_summary",
        &mut args.no_step_summary,
        &c.step_summary.map(|on| !on),
    );
    set(
        m,
        "snapshot",
        &mut args.snapshot,
        &c.snapshot_mode.map(Some),
    );
    set(m, "snapshot_dir", &mut args.snapshot_dir, &c.snapshot_dir);
    set(
        m,
        "target_name",
        &mut args.target_name,
        &c.target_name.clone().map(Some),
    );
    applied
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use clap::{CommandFactory, FromArgMatches};

    use super::*;
    use crate::cli::{Cli, Command};
    use crate::report::ReportFormat;
    use crate::scenario::model::Feature;
    use crate::validate::snapshot::SnapshotMode;

    fn config() -> Config {
        super::super::parse(
            Path::new("/cfg/scim-harness.toml"),
            r#"
target = "https://acme.example/scim/v2"
token_env = "ACME_SCIM_TOKEN"
ca_cert = "ca.pem"
scenarios = ["mine"]
suites = ["rfc"]
gate = ["rfc"]
baseline = "known.yaml"
strict = true
force_features = ["bulk"]
jobs = 2
timeout = 3
deadline = 4
cleanup_timeout = 5
retries = 6
retry_max_wait = 7
retry_budget = 8
[report]
formats = ["json"]
dir = "out"
step_summary = false
[snapshot]
mode = "check"
dir = "snaps"
target_name = "acme"
"#,
        )
        .unwrap()
    }

    /// `run` parsed from `args` (with `envs` set only for this parse), then the config applied.
    fn run_with(args: &[&str]) -> (RunArgs, Applied) {
        let mut all = vec!["scim-harness", "run"];
        all.extend(args);
        let matches = Cli::command().try_get_matches_from(all).unwrap();
        let cli = Cli::from_arg_matches(&matches).unwrap();
        let Command::Run(mut run) = cli.command else {
            panic!("not run")
        };
        let (_, sub) = matches.subcommand().unwrap();
        let applied = apply_run(&mut run, sub, &config());
        (*run, applied)
    }

    #[test]
    fn the_config_fills_every_setting_the_command_line_leaves_at_its_default() {
        let (run, applied) = run_with(&[]);
        assert_eq!(applied, Applied::default());
        let cfg = Path::new("/cfg");
        assert_eq!(
            run.target.url.as_deref(),
            Some("https://acme.example/scim/v2")
        );
        assert_eq!(run.target.token_env.as_deref(), Some("ACME_SCIM_TOKEN"));
        assert_eq!(run.target.ca_cert, Some(cfg.join("ca.pem")));
        assert_eq!(run.select.scenarios, vec![cfg.join("mine")]);
        assert_eq!(run.select.idp, vec!["rfc".to_string()]);
        assert_eq!(run.gate, vec!["rfc".to_string()]);
        assert_eq!(run.baseline, Some(cfg.join("known.yaml")));
        assert!(run.strict);
        assert_eq!(run.force_features, vec![Feature::Bulk]);
        assert_eq!(
            (run.jobs, run.timeout, run.deadline, run.cleanup_timeout),
            (2, 3.0, 4.0, 5.0)
        );
        assert_eq!(
            (run.retries, run.retry_max_wait, run.retry_budget),
            (6, 7.0, 8.0)
        );
        assert_eq!(run.formats, vec![ReportFormat::Json]);
        assert_eq!(run.report_dir, cfg.join("out"));
        assert!(run.no_step_summary);
        assert_eq!(run.snapshot, Some(SnapshotMode::Check));
        assert_eq!(run.snapshot_dir, cfg.join("snaps"));
        assert_eq!(run.target_name.as_deref(), Some("acme"));
    }

    #[test]
    fn flags_win_over_the_config() {
        let (run, applied) = run_with(&[
            "--scenarios",
            "cli-scenarios",
            "--idp",
            "entra",
            "--gate",
            "entra",
            "--jobs",
            "9",
            "--timeout",
            "11",
            "--report",
            "html",
            "--report-dir",
            "cli-out",
            "--snapshot",
            "update",
            "--snapshot-dir",
            "cli-snaps",
            "--baseline",
            "cli.yaml",
            "--retries",
            "0",
            "--target-name",
            "cli",
            "--ca-cert",
            "cli.pem",
            "--force-feature",
            "sort",
        ]);
        assert_eq!(applied, Applied::default());
        assert_eq!(run.select.scenarios, vec![PathBuf::from("cli-scenarios")]);
        assert_eq!(run.select.idp, vec!["entra".to_string()]);
        assert_eq!(run.gate, vec!["entra".to_string()]);
        assert_eq!((run.jobs, run.timeout, run.retries), (9, 11.0, 0));
        assert_eq!(run.formats, vec![ReportFormat::Html]);
        assert_eq!(run.report_dir, PathBuf::from("cli-out"));
        assert_eq!(run.snapshot, Some(SnapshotMode::Update));
        assert_eq!(run.snapshot_dir, PathBuf::from("cli-snaps"));
        assert_eq!(run.baseline, Some(PathBuf::from("cli.yaml")));
        assert_eq!(run.target_name.as_deref(), Some("cli"));
        assert_eq!(run.target.ca_cert, Some(PathBuf::from("cli.pem")));
        assert_eq!(run.force_features, vec![Feature::Sort]);
        // Settings the command line did not give still come from the config.
        assert_eq!(run.deadline, 4.0);
        assert_eq!(run.target.token_env.as_deref(), Some("ACME_SCIM_TOKEN"));
    }

    #[test]
    fn a_token_source_on_the_command_line_replaces_the_configs_variable() {
        let (run, _) = run_with(&["--token-env", "OTHER"]);
        assert_eq!(run.target.token_env.as_deref(), Some("OTHER"));
        let (run, _) = run_with(&["--token", "a-token-on-the-command-line"]);
        assert_eq!(run.target.token_env, None);
        assert_eq!(
            run.target.token.as_deref(),
            Some("a-token-on-the-command-line")
        );
    }

    #[test]
    fn the_configs_token_never_goes_to_another_target() {
        let (run, applied) = run_with(&["--target", "http://127.0.0.1:9/scim/v2"]);
        assert_eq!(
            run.target.url.as_deref(),
            Some("http://127.0.0.1:9/scim/v2")
        );
        assert_eq!(run.target.token_env, None);
        assert_eq!(applied.notes.len(), 1, "{applied:?}");
        assert!(applied.notes[0].contains("ACME_SCIM_TOKEN"), "{applied:?}");
        // The same target (give or take a trailing slash) keeps it.
        let (run, applied) = run_with(&["--target", "https://acme.example/scim/v2/"]);
        assert_eq!(run.target.token_env.as_deref(), Some("ACME_SCIM_TOKEN"));
        assert!(applied.notes.is_empty());
    }

    #[test]
    fn check_list_and_explain_take_the_scenarios_and_suites() {
        for args in [
            vec!["scim-harness", "list"],
            vec!["scim-harness", "check"],
            vec!["scim-harness", "coverage"],
            vec!["scim-harness", "explain", "P-3.3-01"],
        ] {
            let matches = Cli::command().try_get_matches_from(&args).unwrap();
            let cli = Cli::from_arg_matches(&matches).unwrap();
            let (_, sub) = matches.subcommand().unwrap();
            let mut select = match cli.command {
                Command::List(s) | Command::Check(s) | Command::Coverage(s) => s,
                Command::Explain(e) => e.select,
                _ => panic!("{args:?}"),
            };
            apply_select(&mut select, sub, &config());
            assert_eq!(
                select.scenarios,
                vec![Path::new("/cfg").join("mine")],
                "{args:?}"
            );
            assert_eq!(select.idp, vec!["rfc".to_string()], "{args:?}");
        }
    }
}
