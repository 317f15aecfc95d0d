//! Exit codes: distinct, stable and documented in the README, so CI can tell a
//! non-conformant server from a broken scenario file or an unreachable target.

use crate::run_report::Verdict;

/// The process exit status of `scim-harness`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Every MUST-level check passed (warnings allowed).
    Passed = 0,
    /// At least one conformance check failed (or a scenario could not finish).
    Failures = 1,
    /// Bad command line (clap's own code).
    Usage = 2,
    /// Invalid scenario files: nothing was sent.
    InvalidScenarios = 3,
    /// Target unreachable, or not a SCIM server at all.
    TargetUnavailable = 4,
    /// Interrupted (Ctrl-C or `--deadline`); created resources were cleaned up.
    Interrupted = 5,
    /// The harness itself failed (e.g. could not write reports).
    Internal = 6,
    /// The target refused the credentials (401/403): nothing was tested.
    CredentialsRefused = 7,
}

impl Exit {
    /// The exit code for a run's verdict.
    pub fn from_verdict(v: Verdict) -> Exit {
        match v {
            Verdict::Passed => Exit::Passed,
            Verdict::Failed => Exit::Failures,
            Verdict::Unreachable | Verdict::NotScim => Exit::TargetUnavailable,
            Verdict::CredentialsRefused => Exit::CredentialsRefused,
            Verdict::Interrupted => Exit::Interrupted,
            // A gate that checks nothing must not pass.
            Verdict::NothingRan => Exit::Failures,
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e as u8)
    }
}
