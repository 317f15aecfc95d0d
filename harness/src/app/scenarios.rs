//! Which scenarios a command works on: the set (given, ./scenarios or built in), loaded,
//! linted and selected; `check`, `list` and `coverage`.

use std::path::PathBuf;

use crate::catalog::Catalog;
use crate::cli::ScenarioArgs;
use crate::embedded;
use crate::exit::Exit;
use crate::scenario::diagnostic::Diagnostic;
use crate::scenario::lint::LintContext;
use crate::scenario::load::{LoadedScenario, load_embedded, load_suite};
use crate::validate::SchemaSet;

/// Where the scenarios come from.
pub(super) enum ScenarioSet {
    /// Directories or files on disk.
    Paths(Vec<PathBuf>),
    /// The set built into the binary.
    Embedded,
}

impl ScenarioSet {
    /// `--scenarios` (or the config's `scenarios`), else `./scenarios` when the working
    /// directory has one, else the set built into the binary.
    pub(super) fn of(select: &ScenarioArgs) -> Self {
        if !select.scenarios.is_empty() {
            return ScenarioSet::Paths(select.scenarios.clone());
        }
        let local = PathBuf::from("scenarios");
        if local.is_dir() {
            return ScenarioSet::Paths(vec![local]);
        }
        ScenarioSet::Embedded
    }

    /// For the console header.
    pub(super) fn label(&self) -> String {
        match self {
            ScenarioSet::Paths(paths) => paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            ScenarioSet::Embedded => format!("{} (built in)", embedded::SCENARIO_ROOT),
        }
    }
}

/// Loads, lints and selects scenarios; diagnostics are printed and mapped to an exit code.
pub(super) fn load(
    select: &ScenarioArgs,
    schemas: &SchemaSet,
) -> Result<Vec<LoadedScenario>, Exit> {
    choose(select, load_all(select, schemas)?)
}

/// Every scenario under the roots, before --tag/--filter/--idp.
pub(super) fn load_all(
    select: &ScenarioArgs,
    schemas: &SchemaSet,
) -> Result<Vec<LoadedScenario>, Exit> {
    let ctx = LintContext {
        schema_names: schemas.names(),
        catalog: Catalog::embedded(),
    };
    let loaded = match ScenarioSet::of(select) {
        ScenarioSet::Paths(roots) => load_suite(&roots, &ctx),
        ScenarioSet::Embedded => {
            load_embedded(embedded::SCENARIO_ROOT, embedded::scenario_files(), &ctx)
        }
    };
    loaded.map_err(|diagnostics| {
        print_diagnostics(&diagnostics);
        Exit::InvalidScenarios
    })
}

/// The scenarios the selection flags pick.
pub(super) fn choose(
    select: &ScenarioArgs,
    all: Vec<LoadedScenario>,
) -> Result<Vec<LoadedScenario>, Exit> {
    let chosen: Vec<LoadedScenario> = all.into_iter().filter(|s| selected(select, s)).collect();
    if chosen.is_empty() {
        eprintln!("error: no scenario matches the --tag/--filter/--idp selection");
        return Err(Exit::Usage);
    }
    Ok(chosen)
}

pub(super) fn selected(select: &ScenarioArgs, s: &LoadedScenario) -> bool {
    let tag_ok = select.tags.is_empty() || select.tags.iter().any(|t| s.scenario.tags.contains(t));
    let filter_ok = select.filters.is_empty()
        || select.filters.iter().any(|f| {
            let f = f.to_lowercase();
            s.id.to_lowercase().contains(&f) || s.scenario.name.to_lowercase().contains(&f)
        });
    let idp_ok = select.idp.iter().any(|p| {
        p == "all"
            || match &s.profile {
                Some(profile) => profile.name.eq_ignore_ascii_case(p),
                None => p == "rfc",
            }
    });
    tag_ok && filter_ok && idp_ok
}

/// Diagnostics in color; anstream strips it for pipes and files and honours `NO_COLOR` and
/// `CLICOLOR_FORCE`.
pub(super) fn print_diagnostics(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        anstream::eprintln!("{}\n", d.render(true));
    }
    let files: std::collections::BTreeSet<&str> = diagnostics
        .iter()
        .map(|d| d.location.file.as_str())
        .collect();
    anstream::eprintln!(
        "{} problem(s) in {} file(s); nothing was sent to any server.",
        diagnostics.len(),
        files.len()
    );
}

pub(super) fn schemas() -> Result<SchemaSet, Exit> {
    SchemaSet::embedded().map_err(|e| {
        eprintln!("error: the built-in SCIM JSON Schemas do not compile: {e}");
        Exit::Internal
    })
}

/// Loads and lints the selected scenarios, then hands them to `then`.
pub(super) fn with_scenarios(
    select: &ScenarioArgs,
    then: impl FnOnce(Vec<LoadedScenario>) -> Exit,
) -> Exit {
    let loaded = schemas().and_then(|schemas| load(select, &schemas));
    match loaded {
        Ok(loaded) => then(loaded),
        Err(e) => e,
    }
}

pub(super) fn check(select: &ScenarioArgs) -> Exit {
    with_scenarios(select, |loaded| {
        let steps: usize = loaded.iter().map(|s| s.scenario.steps.len()).sum();
        out!("{} scenario(s), {steps} step(s): all valid.", loaded.len());
        Exit::Passed
    })
}

pub(super) fn list(select: &ScenarioArgs) -> Exit {
    with_scenarios(select, |loaded| {
        for s in loaded {
            out!(
                "{:<40} {} ({} steps) [{}]",
                s.id,
                s.scenario.name,
                s.scenario.steps.len(),
                s.scenario.tags.join(", ")
            );
        }
        Exit::Passed
    })
}

pub(super) fn coverage(select: &ScenarioArgs) -> Exit {
    with_scenarios(select, |loaded| {
        let text =
            crate::coverage::render(&crate::coverage::coverage(Catalog::embedded(), &loaded));
        let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
        Exit::Passed
    })
}
