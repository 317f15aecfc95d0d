//! The config file and the installed binary as a user meets them: `scim-harness.toml` found
//! upward and overridden by flags, bad files refused at `file:line:col`, `init`, and the
//! scenario set built into the binary run from an empty directory.

use std::path::Path;
use std::process::Output;

use scim_harness::catalog::Catalog;
use scim_harness::embedded;
use scim_harness::scenario::lint::LintContext;
use scim_harness::scenario::load::{LoadedScenario, load_embedded, load_suite};
use scim_harness::validate::SchemaSet;

use crate::binary::{harness, text};
use crate::support::scenarios_dir;

/// The binary with config files enabled (the shared helper disables them).
fn with_config(args: &[&str], cwd: &Path) -> Output {
    harness(args, cwd, &[("SCIM_HARNESS_NO_CONFIG", "0")])
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_config_found_upward_sets_the_run_and_flags_override_it() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("suite")).unwrap();
    std::fs::copy(
        scenarios_dir().join("core/user-lifecycle.yaml"),
        root.join("suite/user-lifecycle.yaml"),
    )
    .unwrap();
    std::fs::write(
        root.join("scim-harness.toml"),
        "scenarios = [\"suite\"]\njobs = 2\n\n[report]\nformats = [\"json\"]\ndir = \"out\"\nstep_summary = false\n",
    )
    .unwrap();
    let cwd = root.join("a/b");
    std::fs::create_dir_all(&cwd).unwrap();

    let out = with_config(&["run", "--no-progress"], &cwd);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        err.contains(&format!(
            "config: {}",
            root.join("scim-harness.toml").display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "1 scenario(s) from {} against",
            root.join("suite").display()
        )),
        "{err}"
    );
    // Paths in the file are relative to the file's directory, not the working directory.
    assert!(root.join("out/report.json").is_file(), "{}", text(&out));
    assert!(!root.join("out/junit.xml").exists());
    assert!(!cwd.join("out").exists());

    // A flag wins over the file; what the flags leave alone still comes from the file.
    let out = with_config(&["run", "--no-progress", "--report-dir", "cli-out"], &cwd);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(cwd.join("cli-out/report.json").is_file(), "{}", text(&out));
    assert!(!cwd.join("cli-out/junit.xml").exists());

    // --no-config: the built-in defaults (the embedded set, reports/latest).
    let out = with_config(&["list", "--no-config", "--filter", "user lifecycle"], &cwd);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!stderr(&out).contains("config:"), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("core/user-lifecycle"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_bad_config_is_refused_at_its_place_with_a_hint_and_never_shows_a_token() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("ci.toml");
    std::fs::write(&file, "jobs = 2\n[report]\nformat = [\"json\"]\n").unwrap();
    let out = with_config(&["list", "--config", "ci.toml"], tmp.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(err.contains("ci.toml:3:1"), "{err}");
    assert!(err.contains("unknown key `format`"), "{err}");
    assert!(err.contains("did you mean `formats`?"), "{err}");

    std::fs::write(
        &file,
        "target = \"https://scim.example.test/scim/v2\"\ntoken = \"tok-0123456789-secret\"\n",
    )
    .unwrap();
    let out = with_config(&["run", "--config", "ci.toml"], tmp.path());
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("ci.toml:2:1"), "{all}");
    assert!(
        all.contains("a bearer token must not be written in the config file"),
        "{all}"
    );
    assert!(all.contains("token_env"), "{all}");
    assert!(!all.contains("tok-0123456789"), "{all}");

    // A --config that does not exist is an error too, not silently no config.
    let out = with_config(&["list", "--config", "missing.toml"], tmp.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(stderr(&out).contains("missing.toml"), "{}", text(&out));
}

#[test]
fn init_writes_a_commented_config_that_loads_and_refuses_to_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let out = with_config(&["init"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let path = tmp.path().join("scim-harness.toml");
    let written = std::fs::read_to_string(&path).unwrap();
    for key in [
        "# target = ",
        "# token_env = ",
        "# [report]",
        "# formats = ",
        "# [snapshot]",
    ] {
        assert!(written.contains(key), "{key} missing:\n{written}");
    }

    let out = with_config(&["list", "--filter", "user lifecycle"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(stderr(&out).contains("config: "), "{}", text(&out));

    std::fs::write(&path, "jobs = 3\n").unwrap();
    let out = with_config(&["init"], tmp.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("already exists; pass --force"),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "jobs = 3\n");

    let out = with_config(&["init", "--force"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
}

#[test]
fn the_built_in_scenarios_run_from_an_empty_directory_and_snapshots_go_to_the_working_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let out = harness(
        &[
            "run",
            "--filter",
            "user lifecycle",
            "--report",
            "json",
            "--report-dir",
            "out",
            "--snapshot",
            "update",
            "--no-progress",
        ],
        tmp.path(),
        &[],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        err.contains("1 scenario(s) from <embedded>/scenarios (built in) against"),
        "{err}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("out/report.json")).unwrap())
            .unwrap();
    assert_eq!(report["verdict"], "passed");
    // Snapshots are written below the working directory, never next to the built-in files.
    let snaps = tmp.path().join("snapshots/reference/core/user-lifecycle");
    let written: Vec<_> = std::fs::read_dir(&snaps)
        .unwrap_or_else(|e| panic!("{}: {e}\n{}", snaps.display(), text(&out)))
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!written.is_empty());
    let snap = std::fs::read_to_string(&written[0]).unwrap();
    assert!(
        snap.contains("<embedded>/scenarios/core/user-lifecycle.yaml"),
        "{snap}"
    );
    let entries: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut entries = entries;
    entries.sort();
    assert_eq!(entries, ["out", "snapshots"]);

    // A ./scenarios directory in the working directory is used instead of the built-in set.
    std::fs::create_dir_all(tmp.path().join("scenarios")).unwrap();
    std::fs::copy(
        scenarios_dir().join("core/user-lifecycle.yaml"),
        tmp.path().join("scenarios/mine.yaml"),
    )
    .unwrap();
    let out = harness(&["list"], tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let listed = String::from_utf8_lossy(&out.stdout);
    assert_eq!(listed.lines().count(), 1, "{listed}");
    assert!(listed.starts_with("mine "), "{listed}");
}

#[test]
fn the_built_in_set_loads_as_the_checkouts_directory_does() {
    let schemas = SchemaSet::embedded().unwrap();
    let ctx = LintContext {
        schema_names: schemas.names(),
        catalog: Catalog::embedded(),
    };
    let on_disk = load_suite(&[scenarios_dir()], &ctx).unwrap();
    let built_in =
        load_embedded(embedded::SCENARIO_ROOT, embedded::scenario_files(), &ctx).unwrap();
    let summary = |all: &[LoadedScenario]| -> Vec<(String, String, usize, Option<String>)> {
        let mut v: Vec<_> = all
            .iter()
            .map(|s| {
                (
                    s.id.clone(),
                    s.scenario.name.clone(),
                    s.scenario.steps.len(),
                    s.profile.as_ref().map(|p| p.name.clone()),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert!(on_disk.len() > 100);
    assert_eq!(summary(&built_in), summary(&on_disk));
    assert!(
        built_in
            .iter()
            .all(|s| s.file.path.starts_with("<embedded>/scenarios/"))
    );
}
