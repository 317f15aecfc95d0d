//! `scim-harness init`: a commented `scim-harness.toml` listing every key with its default
//! (or an example where there is none), ready to uncomment.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The file `init` writes. Every key is commented out, so it changes nothing until edited.
pub const TEMPLATE: &str = r#"# scim-harness.toml: settings for `scim-harness run`; `check`, `list`, `coverage` and
# `explain` read `scenarios` and `suites` only. The harness uses the first scim-harness.toml
# found in the working directory or above it (`--config FILE` names another one,
# `--no-config` ignores it).
#
# Precedence, per setting: command-line flag, then environment variable, then this file,
# then the built-in default. Relative paths are relative to this file's directory.
# Every key is optional; uncomment what you need. The values shown are the defaults
# (or examples, where there is no default).

# SCIM base URL of the server under test (--target, SCIM_HARNESS_TARGET). Without one,
# the embedded reference server is tested.
# target = "https://scim.example.com/scim/v2"

# Name of the environment variable that holds the bearer token (--token-env). The token
# itself never goes in this file: a `token` key is refused. Used only with the target
# above: a --target given on the command line does not receive it.
# token_env = "SCIM_TOKEN"

# PEM file of CA certificates to trust besides the system's (--ca-cert).
# ca_cert = "certs/private-ca.pem"

# Scenario directories or files (--scenarios). Default: ./scenarios of the working
# directory if there is one, else the scenario set built into the binary.
# scenarios = ["scenarios"]

# Suites to run (--idp): IdP profile names (okta-oin, entra, ...), rfc, or all.
# suites = ["all"]

# Suites whose verdicts set the exit code (--gate). Default: every selected suite.
# gate = ["rfc", "okta-oin"]

# Known failures of this target (--baseline; YAML `expected_failures:`).
# baseline = "scim-baseline.yaml"

# Fail on SHOULD-level warnings too (--strict).
# strict = false

# Run scenarios needing these features even when the target does not advertise them
# (--force-feature): users, groups, enterprise_user, patch, bulk, filter, sort, etag,
# change_password, search, me.
# force_features = []

# Scenarios run at once (--jobs, 1 to 64).
# jobs = 4

# Seconds: one request (--timeout), the whole run (--deadline), the cleanup of a
# scenario and of a stopped run (--cleanup-timeout).
# timeout = 10
# deadline = 600
# cleanup_timeout = 60

# Throttled requests (429, or 503 with Retry-After): retries of one request (--retries),
# longest wait for one in seconds (--retry-max-wait), total wait in seconds (--retry-budget).
# retries = 5
# retry_max_wait = 30
# retry_budget = 300

# [report]
# Formats written (--report): json, junit, markdown, html, har.
# formats = ["json", "junit", "markdown", "html"]
# Directory of the report files (--report-dir).
# dir = "reports/latest"
# Append the Markdown summary to $GITHUB_STEP_SUMMARY when it is set (false: --no-step-summary).
# step_summary = true

# [snapshot]
# Compare every response with its stored snapshot ("check") or record them ("update")
# (--snapshot). Default: no snapshots.
# mode = "check"
# Directory of snapshots (--snapshot-dir).
# dir = "snapshots"
# Name of the target in snapshot paths (--target-name). Default: `reference` for the
# embedded server, else host and port of the target.
# target_name = "acme-staging"
"#;

/// Why `init` wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// The file is there and `--force` was not given.
    #[error("{} already exists; pass --force to overwrite it", .0.display())]
    Exists(PathBuf),
    /// It could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Writes [`TEMPLATE`] as `dir/scim-harness.toml`; an existing file is replaced only with
/// `force`.
pub fn write_template(dir: &Path, force: bool) -> Result<PathBuf, InitError> {
    let path = dir.join(super::FILE_NAME);
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        // create_new: nothing between a check and the write can slip a file in.
        options.create_new(true);
    }
    let mut file = options.open(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            InitError::Exists(path.clone())
        } else {
            InitError::Io {
                path: path.clone(),
                source: e,
            }
        }
    })?;
    file.write_all(TEMPLATE.as_bytes())
        .map_err(|e| InitError::Io {
            path: path.clone(),
            source: e,
        })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, FromArgMatches};

    use super::*;
    use crate::cli::{Cli, Command};
    use crate::config::parse;

    /// The template with every `# key = value` and `# [table]` line uncommented.
    fn uncommented() -> String {
        TEMPLATE
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest)
                    if rest.starts_with('[')
                        || rest.split_once(" = ").is_some_and(|(k, _)| {
                            k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                        }) =>
                {
                    rest.to_string()
                }
                _ => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_template_loads_as_it_is_and_sets_nothing() {
        let c = parse(Path::new("/p/scim-harness.toml"), TEMPLATE).unwrap();
        assert_eq!(
            c,
            crate::config::Config {
                path: "/p/scim-harness.toml".into(),
                ..Default::default()
            }
        );
    }

    #[test]
    fn every_key_of_the_template_is_valid_and_its_defaults_are_the_command_lines() {
        let text = uncommented();
        let c = parse(Path::new("/p/scim-harness.toml"), &text)
            .unwrap_or_else(|e| panic!("{}\n{text}", e[0]));
        // Every key is in the template.
        assert!(c.target.is_some() && c.token_env.is_some() && c.ca_cert.is_some());
        assert!(c.scenarios.is_some() && c.suites.is_some() && c.gate.is_some());
        assert!(c.baseline.is_some() && c.strict.is_some() && c.force_features.is_some());
        assert!(c.report_formats.is_some() && c.report_dir.is_some() && c.step_summary.is_some());
        assert!(c.snapshot_mode.is_some() && c.snapshot_dir.is_some() && c.target_name.is_some());
        // The values shown as defaults are the real defaults.
        let matches = Cli::command()
            .try_get_matches_from(["scim-harness", "run"])
            .unwrap();
        let Command::Run(run) = Cli::from_arg_matches(&matches).unwrap().command else {
            panic!("not run")
        };
        let p = Path::new("/p");
        assert_eq!(c.suites, Some(run.select.idp.clone()));
        assert_eq!(c.strict, Some(run.strict));
        assert_eq!(c.force_features, Some(run.force_features.clone()));
        assert_eq!(c.jobs, Some(run.jobs));
        assert_eq!(c.timeout, Some(run.timeout));
        assert_eq!(c.deadline, Some(run.deadline));
        assert_eq!(c.cleanup_timeout, Some(run.cleanup_timeout));
        assert_eq!(c.retries, Some(run.retries));
        assert_eq!(c.retry_max_wait, Some(run.retry_max_wait));
        assert_eq!(c.retry_budget, Some(run.retry_budget));
        assert_eq!(c.report_formats, Some(run.formats.clone()));
        assert_eq!(c.report_dir, Some(p.join(&run.report_dir)));
        assert_eq!(c.step_summary, Some(!run.no_step_summary));
        assert_eq!(c.snapshot_dir, Some(p.join(&run.snapshot_dir)));
    }

    #[test]
    fn init_refuses_to_overwrite_without_force() {
        let tmp = tempfile::tempdir().unwrap();
        let path = write_template(tmp.path(), false).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), TEMPLATE);
        std::fs::write(&path, "jobs = 2\n").unwrap();
        let err = write_template(tmp.path(), false).unwrap_err();
        assert!(matches!(err, InitError::Exists(_)), "{err}");
        assert!(err.to_string().contains("--force"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "jobs = 2\n");
        write_template(tmp.path(), true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), TEMPLATE);
    }
}
