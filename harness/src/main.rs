//! The `scim-harness` binary: parse the command line, run, exit with a documented code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = scim_harness::cli::Cli::parse();
    scim_harness::app::main(cli).into()
}
