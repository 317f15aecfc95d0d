//! Finds scenario files, reads and parses them, and collects every diagnostic of every file
//! before anything is sent: a run starts only from a suite that loaded and linted clean.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::diagnostic::{Diagnostic, SourceFile};
use super::lint::{LintContext, lint};
use super::model::Scenario;
use super::profile::{Profile, parse_profile, profile_for};
use super::yaml::{self, YamlKind};

/// A parsed, linted scenario and the file it came from.
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    /// Stable id: the path below the scenario root without extension, e.g. `core/user-lifecycle`.
    pub id: String,
    /// The file's text and display path.
    pub file: SourceFile,
    /// The parsed scenario.
    pub scenario: Scenario,
    /// The IdP profile of its directory (`_profile.yaml`), if any.
    pub profile: Option<Arc<Profile>>,
}

/// Largest scenario, profile or directory file read (real ones are a few kilobytes).
pub const FILE_LIMIT: u64 = 1024 * 1024;

/// Every `*.yaml` / `*.yml` file below `root`, sorted, skipping names that start with `_` or `.`.
/// `root` may also be a single file. Symbolic links are followed, but a directory is entered
/// only once, so a link loop cannot hang discovery; what is not a directory or a regular file
/// (a FIFO, a device) is listed anyway, for [`read_capped`] to refuse with a clear error.
pub fn discover(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !std::fs::metadata(root)?.is_dir() {
        return Ok(vec![root.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        if !seen.insert(std::fs::canonicalize(&dir)?) {
            continue;
        }
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') || name.starts_with('_') {
                continue;
            }
            // A dangling link has no metadata: it is no directory, and reading it will say so.
            if std::fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
                dirs.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            ) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Reads a text file the harness is given: regular files only (a FIFO or a device would
/// block or never end), at most [`FILE_LIMIT`] bytes.
pub fn read_capped(path: &Path) -> Result<String, String> {
    use std::io::Read as _;
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read file: {e}"))?;
    if !meta.is_file() {
        return Err(
            "not a regular file (a directory, FIFO, socket or device); only regular files are read"
                .into(),
        );
    }
    if meta.len() > FILE_LIMIT {
        return Err(format!(
            "the file is {} bytes; files the harness reads are limited to {FILE_LIMIT} bytes",
            meta.len()
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read file: {e}"))?;
    let mut bytes = Vec::new();
    // Checked again while reading: the file may grow after its size was read.
    file.take(FILE_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read file: {e}"))?;
    if bytes.len() as u64 > FILE_LIMIT {
        return Err(format!(
            "the file is larger than {FILE_LIMIT} bytes, the limit for files the harness reads"
        ));
    }
    String::from_utf8(bytes).map_err(|e| format!("cannot read file: not UTF-8 text ({e})"))
}

/// One scenario file found under a root, read but not yet parsed.
struct Found {
    id: String,
    file: SourceFile,
    profile: Option<Arc<Profile>>,
}

/// Loads every scenario under each root. All files are parsed and linted; if any has a
/// problem, every diagnostic is returned and no scenario is.
pub fn load_suite(
    roots: &[PathBuf],
    ctx: &LintContext<'_>,
) -> Result<Vec<LoadedScenario>, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let mut found = Vec::new();
    for root in roots {
        let files = match discover(root) {
            Ok(files) => files,
            Err(e) => {
                diagnostics.push(
                    Diagnostic::file_level(
                        &root.display().to_string(),
                        format!("cannot read scenarios: {e}"),
                    )
                    .with_help("pass a directory of *.yaml scenario files or one file"),
                );
                continue;
            }
        };
        if files.is_empty() {
            diagnostics.push(no_scenario_files(&root.display().to_string()));
        }
        for path in files {
            let display = path.display().to_string();
            let text = match read_capped(&path) {
                Ok(t) => t,
                Err(e) => {
                    diagnostics.push(Diagnostic::file_level(&display, e));
                    continue;
                }
            };
            match profile_for(root, &path) {
                Ok(profile) => found.push(Found {
                    id: scenario_id(root, &path),
                    file: SourceFile {
                        path: display,
                        text: Arc::from(text),
                    },
                    profile: profile.map(Arc::new),
                }),
                Err(d) => diagnostics.push(*d),
            }
        }
    }
    parse_and_lint(found, diagnostics, ctx)
}

/// Loads the scenarios of an in-memory tree (the set built into the binary): `files` holds
/// `(path below the root with '/', text)`, `root` is the display path diagnostics name
/// (`<embedded>/scenarios`). Files are chosen, named and given their profile as
/// [`load_suite`] does on disk.
pub fn load_embedded(
    root: &str,
    files: &[(&str, &str)],
    ctx: &LintContext<'_>,
) -> Result<Vec<LoadedScenario>, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let mut found = Vec::new();
    for (rel, text) in files.iter().filter(|(rel, _)| is_scenario_path(rel)) {
        let id = rel
            .rsplit_once('.')
            .map_or(*rel, |(stem, _)| stem)
            .to_string();
        match embedded_profile(root, files, rel) {
            Ok(profile) => found.push(Found {
                id,
                file: SourceFile {
                    path: format!("{root}/{rel}"),
                    text: Arc::from(*text),
                },
                profile: profile.map(Arc::new),
            }),
            Err(d) => diagnostics.push(*d),
        }
    }
    if found.is_empty() && diagnostics.is_empty() {
        diagnostics.push(no_scenario_files(root).with_help(
            "this binary was built without a scenarios/ directory; pass --scenarios DIR",
        ));
    }
    parse_and_lint(found, diagnostics, ctx)
}

/// A scenario file of an in-memory tree: `*.yaml` / `*.yml`, no part of its path starting
/// with `_` or `.` (as [`discover`] skips them on disk).
fn is_scenario_path(rel: &str) -> bool {
    rel.split('/')
        .all(|part| !part.is_empty() && !part.starts_with(['_', '.']))
        && (rel.ends_with(".yaml") || rel.ends_with(".yml"))
}

/// The nearest `_profile.yaml` in the directory of `rel` or a parent, in an in-memory tree.
fn embedded_profile(
    root: &str,
    files: &[(&str, &str)],
    rel: &str,
) -> Result<Option<Profile>, Box<Diagnostic>> {
    let mut dir = rel.rsplit_once('/').map(|(d, _)| d);
    loop {
        let candidate = match dir {
            Some(d) => format!("{d}/_profile.yaml"),
            None => "_profile.yaml".to_string(),
        };
        if let Some((_, text)) = files.iter().find(|(p, _)| *p == candidate) {
            let file = SourceFile {
                path: format!("{root}/{candidate}"),
                text: Arc::from(*text),
            };
            return parse_profile(&file).map(Some);
        }
        match dir {
            Some(d) => dir = d.rsplit_once('/').map(|(parent, _)| parent),
            None => return Ok(None),
        }
    }
}

fn no_scenario_files(root: &str) -> Diagnostic {
    Diagnostic::file_level(root, "no scenario files found")
        .with_help("scenario files end in .yaml or .yml; names starting with `_` are skipped")
}

/// Parses and lints every file found; any diagnostic (also from finding them) fails the load.
fn parse_and_lint(
    found: Vec<Found>,
    mut diagnostics: Vec<Diagnostic>,
    ctx: &LintContext<'_>,
) -> Result<Vec<LoadedScenario>, Vec<Diagnostic>> {
    let mut loaded = Vec::new();
    for Found { id, file, profile } in found {
        match load_file(&file, ctx) {
            Ok(scenario) => {
                if profile.is_some() {
                    diagnostics.extend(lint_profile_steps(&file, &scenario));
                }
                loaded.push(LoadedScenario {
                    id,
                    file,
                    scenario,
                    profile,
                });
            }
            Err(found) => diagnostics.extend(found),
        }
    }
    let mut seen = std::collections::HashSet::new();
    for s in &loaded {
        if !seen.insert(s.scenario.name.to_ascii_lowercase()) {
            diagnostics.push(
                Diagnostic::at(
                    &s.file,
                    1,
                    1,
                    format!("duplicate scenario name `{}`", s.scenario.name),
                )
                .with_label("another file already uses this name")
                .with_help("scenario names identify tests in reports and must be unique"),
            );
        }
    }
    if diagnostics.is_empty() {
        Ok(loaded)
    } else {
        Err(diagnostics)
    }
}

/// Every step of an IdP replay says where its behaviour comes from and how sure we are.
fn lint_profile_steps(file: &SourceFile, scenario: &Scenario) -> Vec<Diagnostic> {
    scenario
        .steps
        .iter()
        .filter(|s| s.confidence.is_none() || s.source.is_none())
        .map(|s| {
            Diagnostic::spanned(file, &s.name, format!("IdP step `{}` does not say where its behaviour comes from", s.name.value))
                .with_label("needs `source:` and `confidence:`")
                .with_help("add `source: <doc, validator test or published log>` and `confidence: documented | validator | observed | reconstructed`")
        })
        .collect()
}

/// Parses and lints one file's text.
pub fn load_file(file: &SourceFile, ctx: &LintContext<'_>) -> Result<Scenario, Vec<Diagnostic>> {
    let scenario = parse(file).map_err(|d| vec![*d])?;
    let found = lint(file, &scenario, ctx);
    if found.is_empty() {
        Ok(scenario)
    } else {
        Err(found)
    }
}

fn scenario_id(root: &Path, path: &Path) -> String {
    let rel = if root.is_file() {
        Path::new(path.file_name().unwrap_or_default())
    } else {
        path.strip_prefix(root).unwrap_or(path)
    };
    rel.with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// What a scenario file holds, for the hints of its diagnostics.
pub const SCENARIO_YAML: YamlKind = YamlKind {
    schema: Some("schemas/scenario.schema.json"),
    shape: "scenario files are YAML 1.2; check indentation and quoting near this position",
};

/// Parses one file. Booleans are YAML 1.2 (`no` stays a string), duplicate keys are errors.
pub fn parse(file: &SourceFile) -> Result<Scenario, Box<Diagnostic>> {
    yaml::parse(file, &SCENARIO_YAML)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile {
            path: "s.yaml".into(),
            text: text.into(),
        }
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;
        use crate::catalog::Catalog;

        /// Lines of scenario-shaped YAML: keys, values, indentation, flow collections,
        /// anchors, tags and placeholders in any order.
        fn scenario_like() -> impl Strategy<Value = String> {
            let piece = prop_oneof![
                Just("name: x\n".to_string()),
                Just("steps:\n".to_string()),
                Just("  - name: s\n".to_string()),
                Just("    request: { method: GET, path: /Users }\n".to_string()),
                Just(
                    "    request:\n      method: POST\n      path: \"/Users/{{id}}\"\n".to_string()
                ),
                Just("    expect: [{ status: 200, req: P-3.4.2-01 }]\n".to_string()),
                Just("    expect:\n      - pointer: /id\n        equals: \"{{x}}\"\n".to_string()),
                Just("    capture: { id: /id }\n".to_string()),
                Just("vars: { a: &a [1, *a] }\n".to_string()),
                Just("requires: [sort, bulk]\n".to_string()),
                Just("  ".to_string()),
                Just("- ".to_string()),
                Just(": ".to_string()),
                Just("!!binary ".to_string()),
                Just("&x ".to_string()),
                Just("*x".to_string()),
                Just("{{".to_string()),
                Just("}}".to_string()),
                Just("\n".to_string()),
                "[ -~]{0,10}",
                "\\PC{0,4}",
            ];
            prop::collection::vec(piece, 0..30).prop_map(|p| p.concat())
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256),
                failure_persistence: None,
                ..ProptestConfig::default()
            })]

            /// The loader and linter answer every text with a scenario or diagnostics, never
            /// a panic, and every diagnostic points inside the file.
            #[test]
            fn the_scenario_loader_never_panics(text in scenario_like()) {
                let ctx = LintContext {
                    schema_names: vec!["user", "group"],
                    catalog: Catalog::embedded(),
                };
                let f = file(&text);
                if let Err(diagnostics) = load_file(&f, &ctx) {
                    prop_assert!(!diagnostics.is_empty());
                    let lines = text.lines().count().max(1) as u64 + 1;
                    for d in diagnostics {
                        prop_assert!(d.location.line <= lines, "{:?} in {:?}", d.location, text);
                    }
                }
            }
        }
    }

    #[test]
    fn parses_a_minimal_scenario_keeping_yaml12_strings() {
        let s = parse(&file(
            "name: n\nsteps:\n  - name: a\n    request:\n      method: POST\n      path: /Users\n      body: { country: NO, active: true }\n    expect:\n      - status: [200, 201]\n        req: P-3.3-01\n",
        ))
        .unwrap();
        let body = &s.steps[0].request.body.as_ref().unwrap().value;
        assert_eq!(body["country"], "NO");
        assert_eq!(body["active"], true);
        assert_eq!(
            s.steps[0].expect[0].status.as_ref().unwrap().value.0,
            vec![200, 201]
        );
    }

    #[test]
    fn unknown_field_gets_location_and_did_you_mean() {
        let d = parse(&file(
            "name: n\nsteps:\n  - name: a\n    request: { method: GET, path: /Users }\n    expcet: []\n",
        ))
        .unwrap_err();
        assert_eq!((d.location.line, d.location.column), (5, 5), "{d}");
        assert!(
            d.message.contains("unknown field `expcet`"),
            "{}",
            d.message
        );
        assert_eq!(
            d.help.as_deref(),
            Some("did you mean `expect`? (see schemas/scenario.schema.json)")
        );
    }

    #[test]
    fn bad_status_code_is_rejected_with_position() {
        let d = parse(&file(
            "name: n\nsteps:\n  - name: a\n    request: { method: GET, path: /Users }\n    expect:\n      - status: 999\n",
        ))
        .unwrap_err();
        assert_eq!((d.location.line, d.location.column), (6, 17), "{d}");
        assert!(
            d.message.contains("999 is not an HTTP status code"),
            "{}",
            d.message
        );
    }

    #[test]
    fn yaml_syntax_error_is_located() {
        let d = parse(&file("name: n\nsteps:\n  - name: [unclosed\n")).unwrap_err();
        assert!(d.location.line >= 3, "{d}");
    }

    fn ctx() -> LintContext<'static> {
        LintContext {
            schema_names: vec!["user", "group"],
            catalog: crate::catalog::Catalog::embedded(),
        }
    }

    #[test]
    fn an_in_memory_tree_loads_like_a_directory_with_embedded_paths_in_diagnostics() {
        let ok = "name: ok\nsteps:\n  - name: a\n    request: { method: GET, path: /Users }\n    expect: [{ status: 200, req: P-3.4.2-01 }]\n";
        let bad = "name: bad\nsteps:\n  - name: a\n    expcet: []\n";
        let files = [
            ("core/ok.yaml", ok),
            ("core/_skipped.yaml", bad),
            ("_drafts/x.yaml", bad),
            ("notes.md", bad),
        ];
        let loaded = load_embedded("<embedded>/scenarios", &files, &ctx()).unwrap();
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].id, "core/ok");
        assert_eq!(loaded[0].file.path, "<embedded>/scenarios/core/ok.yaml");
        assert!(loaded[0].profile.is_none());

        let files = [("core/ok.yaml", ok), ("core/bad.yaml", bad)];
        let diagnostics = load_embedded("<embedded>/scenarios", &files, &ctx()).unwrap_err();
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(
            diagnostics[0].location.to_string(),
            "<embedded>/scenarios/core/bad.yaml:4:5"
        );
        assert!(
            diagnostics[0]
                .render(false)
                .contains("--> <embedded>/scenarios/core/bad.yaml:4:5")
        );

        let diagnostics = load_embedded("<embedded>/scenarios", &[], &ctx()).unwrap_err();
        assert!(diagnostics[0].message.contains("no scenario files found"));
    }

    #[test]
    fn an_in_memory_tree_finds_the_nearest_profile() {
        let step = "name: s\nsteps:\n  - name: a\n    source: doc\n    confidence: documented\n    request: { method: GET, path: /Users }\n    expect: [{ status: 200, req: P-3.4.2-01 }]\n";
        let other = step.replace("name: s\n", "name: t\n");
        let files = [
            (
                "idp/entra/_profile.yaml",
                "name: entra\nquery_encoding: plus\n",
            ),
            ("idp/entra/users/s.yaml", step),
            ("idp/other/t.yaml", other.as_str()),
        ];
        let loaded = load_embedded("<embedded>/scenarios", &files, &ctx()).unwrap();
        let profile = |id: &str| {
            loaded
                .iter()
                .find(|s| s.id == id)
                .unwrap()
                .profile
                .as_ref()
                .map(|p| p.name.clone())
        };
        assert_eq!(profile("idp/entra/users/s").as_deref(), Some("entra"));
        assert_eq!(profile("idp/other/t"), None);

        let files = [
            ("x/_profile.yaml", "name: x\nbogus: 1\n"),
            ("x/s.yaml", step),
        ];
        let diagnostics = load_embedded("<embedded>/scenarios", &files, &ctx()).unwrap_err();
        assert_eq!(
            diagnostics[0].location.file,
            "<embedded>/scenarios/x/_profile.yaml"
        );
    }

    #[test]
    fn scenario_ids_are_relative_paths_without_extension() {
        assert_eq!(
            scenario_id(
                Path::new("scenarios"),
                Path::new("scenarios/core/users.yaml")
            ),
            "core/users"
        );
    }
}
