//! The module layers, bottom up, and a test that keeps every `crate::` import pointing down.
//!
//! A module may use modules of a lower layer only: never one above it, never a sibling of
//! its own layer. A new top-level module must be given its layer here.

/// Top-level modules by layer, bottom up (see the drawing in `lib.rs`).
pub(crate) const LAYERS: &[&[&str]] = &[
    &["catalog", "digest", "embedded"],
    &["scenario"],
    &["validate"],
    &["run_report"],
    &["baseline"],
    &["exec"],
    &["simulate", "report", "coverage", "contracts", "exit"],
    &["load", "explain"],
    &["cli"],
    &["manual", "config"],
    &["app"],
];

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::LAYERS;

    fn layer_of(module: &str) -> Option<usize> {
        LAYERS.iter().position(|layer| layer.contains(&module))
    }

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).expect("harness/src is readable");
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The top-level modules a line names through `crate::`, also inside `use crate::{a, b}`.
    fn crate_paths(line: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let before = &rest[..at];
            rest = &rest[at + "crate::".len()..];
            // `scim_reference_server::…` or `other_crate::…` are other crates.
            if before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                out.extend(group[..end].split(',').filter_map(|item| {
                    let name = item.trim().split("::").next()?.trim();
                    (!name.is_empty()).then(|| name.to_string())
                }));
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        }
        out
    }

    #[test]
    fn crate_paths_are_read_from_uses_groups_and_inline_paths() {
        assert_eq!(crate_paths("use crate::exec::http::Response;"), ["exec"]);
        assert_eq!(
            crate_paths("use crate::{catalog::Severity, run_report};"),
            ["catalog", "run_report"]
        );
        assert_eq!(
            crate_paths("let x = crate::report::text::seconds(crate::load::X);"),
            ["report", "load"]
        );
        assert!(crate_paths("use scim_reference_server::Defect; // not_crate::x").is_empty());
    }

    /// Modules without a layer, and imports pointing up or sideways, in `(path, text)`
    /// sources relative to `src/`.
    fn violations(sources: &[(String, String)]) -> (Vec<String>, Vec<String>) {
        let mut unplaced = Vec::new();
        let mut upward = Vec::new();
        for (relative, text) in sources {
            let top = relative
                .split('/')
                .next()
                .unwrap_or_default()
                .trim_end_matches(".rs");
            // The crate root and the test-only modules that check the source itself.
            if ["lib", "main", "layers", "file_size"].contains(&top) {
                continue;
            }
            let Some(own) = layer_of(top) else {
                unplaced.push(top.to_string());
                continue;
            };
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                for target in crate_paths(code) {
                    if target == top {
                        continue;
                    }
                    match layer_of(&target) {
                        Some(layer) if layer < own => {}
                        Some(layer) => upward.push(format!(
                            "{relative}:{}: `{top}` (layer {own}) uses `{target}` (layer {layer})",
                            n + 1
                        )),
                        None => unplaced.push(target),
                    }
                }
            }
        }
        unplaced.sort();
        unplaced.dedup();
        (unplaced, upward)
    }

    #[test]
    fn every_crate_import_points_down_the_layers() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        files.sort();
        let sources: Vec<(String, String)> = files
            .iter()
            .map(|file| {
                let relative = file.strip_prefix(&src).expect("below src");
                let relative = relative.to_string_lossy().replace('\\', "/");
                (
                    relative,
                    std::fs::read_to_string(file).expect("source is readable"),
                )
            })
            .collect();
        assert!(sources.len() > 50, "found only {} files", sources.len());
        let (unplaced, upward) = violations(&sources);
        assert!(
            unplaced.is_empty(),
            "modules without a layer in layers.rs: {unplaced:?}"
        );
        assert!(
            upward.is_empty(),
            "imports pointing up or sideways (see harness/src/layers.rs):\n{}",
            upward.join("\n")
        );
    }

    #[test]
    fn upward_and_sideways_imports_and_unplaced_modules_are_found() {
        let sources = [
            (
                "exec/runner.rs",
                "use crate::scenario::model::Step;\nuse crate::report::text::seconds;",
            ),
            (
                "report/html.rs",
                "let n = crate::simulate::Idp::Okta; // crate::app is a comment",
            ),
            (
                "scenario/lint.rs",
                "use crate::{catalog::Severity, scenario::model};",
            ),
            ("newthing.rs", "use crate::catalog::Catalog;"),
        ]
        .map(|(p, t)| (p.to_string(), t.to_string()));
        let (unplaced, upward) = violations(&sources);
        assert_eq!(unplaced, ["newthing"]);
        assert_eq!(
            upward,
            [
                "exec/runner.rs:2: `exec` (layer 5) uses `report` (layer 6)",
                "report/html.rs:1: `report` (layer 6) uses `simulate` (layer 6)",
            ]
        );
    }
}
