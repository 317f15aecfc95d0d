//! Runs one command end to end: load and lint, start the embedded server when there is no
//! target, run, render, write reports, and pick the exit code. The only module that prints.

use std::path::Path;

use crate::catalog::Catalog;
use crate::cli::{Cli, Command, ExplainArgs, SchemaKind};
use crate::config;
use crate::contracts;
use crate::exit::Exit;
use crate::scenario::load::LoadedScenario;

/// `println!` that stops quietly when stdout is closed (`scim-harness list | head`).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod load;
mod progress;
mod report;
mod run;
mod scenarios;
mod serve;
mod simulate;
mod target;

use self::load::load_mode;
use self::report::report_command;
use self::run::run;
use self::scenarios::{check, coverage, list, load_all, schemas, selected};
use self::serve::serve;
use self::simulate::simulate;

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
