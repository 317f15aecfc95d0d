//! The `scim-harness` binary: parse the command line, run, exit with a documented code.

use clap::{CommandFactory, FromArgMatches};

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
