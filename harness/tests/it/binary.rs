//! Running the `scim-harness` binary from a test: one way, with a clean environment, for every
//! test module that drives the CLI.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the binary in `cwd` with a clean environment (no token, target, step summary or
/// config file from the caller's: a scim-harness.toml above the checkout is not read) plus
/// `envs`.
pub fn harness(args: &[&str], cwd: &Path, envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scim-harness"));
    cmd.args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("SCIM_HARNESS_TOKEN")
        .env_remove("SCIM_HARNESS_TARGET")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("SCIM_HARNESS_CONFIG")
        .env("SCIM_HARNESS_NO_CONFIG", "1");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run scim-harness")
}

/// The same, off the async runtime (a mock server in the test keeps answering meanwhile).
pub async fn harness_async(args: Vec<String>, cwd: PathBuf, envs: Vec<(String, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        harness(&args, &cwd, &envs)
    })
    .await
    .expect("the blocking task runs")
}

/// `subcommand args…` in the test's working directory, with the test token in `IT_SCIM_TOKEN`.
pub async fn subcommand(subcommand: &str, args: Vec<String>) -> Output {
    let mut all = vec![subcommand.to_string()];
    all.extend(args);
    harness_async(
        all,
        std::env::current_dir().expect("a working directory"),
        vec![("IT_SCIM_TOKEN".into(), crate::support::TOKEN.into())],
    )
    .await
}

/// Exit code, stdout and stderr, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
