//! Embeds the scenario set (`../scenarios`) in the binary, so an installed `scim-harness`
//! (`cargo install --path harness`) runs the full suite from any directory.
//!
//! It writes `$OUT_DIR/embedded_scenarios.rs`: one `(relative path, include_str!(file))` entry
//! per YAML file. Cargo reruns this script only when something below `scenarios/` changes
//! (a file added, removed or edited); the `include_str!`s make the crate itself rebuild when a
//! file's text changes. The SCIM JSON Schemas, the requirements catalog and the HTML template
//! are embedded with `include_str!` where they are used.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").ok_or("no CARGO_MANIFEST_DIR")?);
    let root = manifest.join("../scenarios");
    println!("cargo::rerun-if-changed={}", root.display());
    println!("cargo::rerun-if-changed=build.rs");
    let mut files = Vec::new();
    if root.is_dir() {
        collect(&root, &root, &mut files)?;
    } else {
        println!(
            "cargo::warning=no scenarios/ directory beside the harness crate: the binary embeds no scenarios"
        );
    }
    files.sort();
    let mut out = String::from(
        "/// Every scenario and profile file of `scenarios/` at build time: path relative to\n\
         /// `scenarios/` (with `/`), and text.\n\
         pub static SCENARIO_FILES: &[(&str, &str)] = &[\n",
    );
    for (rel, abs) in &files {
        writeln!(out, "    ({rel:?}, include_str!({abs:?})),")?;
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("no OUT_DIR")?)
        .join("embedded_scenarios.rs");
    // Written only when it changed, so an unchanged set does not recompile the crate.
    if std::fs::read_to_string(&dest).ok().as_deref() != Some(out.as_str()) {
        std::fs::write(&dest, out)?;
    }
    Ok(())
}

/// Every `*.yaml` / `*.yml` below `dir`, skipping hidden names; symbolic links are not followed.
fn collect(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(String, String)>,
) -> Result<(), Box<dyn std::error::Error>> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect(root, &path, out)?;
        } else if kind.is_file() && (name.ends_with(".yaml") || name.ends_with(".yml")) {
            let rel = path
                .strip_prefix(root)?
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let abs = path.canonicalize()?.to_string_lossy().into_owned();
            out.push((rel, abs));
        }
    }
    Ok(())
}
