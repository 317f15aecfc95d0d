//! The `scim-harness` binary: parse the command line, run, exit with a documented code.

use clap::{CommandFactory, FromArgMatches};

/// mimalloc instead of the system allocator: the embedded server and the load client
/// allocate per request (JSON values, headers), and glibc's malloc was a sixth of the
/// server's CPU time on filtered lookups (`bench/load-vs-wrk.sh`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // The matches are kept: they tell which values the user gave and which are defaults,
    // so a config file can fill in the defaults only.
    let matches = scim_harness::cli::Cli::command().get_matches();
    let cli = match scim_harness::cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    scim_harness::app::main(cli, &matches).into()
}
