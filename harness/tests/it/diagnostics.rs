//! Bad scenario files are rejected well: every fixture under `tests/fixtures/invalid/`
//! produces a diagnostic with `file:line:column`, the offending line and a hint, snapshotted.

use std::path::Path;

use scim_harness::catalog::Catalog;
use scim_harness::scenario::diagnostic::SourceFile;
use scim_harness::scenario::lint::LintContext;
use scim_harness::scenario::load::load_file;
use scim_harness::validate::SchemaSet;

#[test]
fn invalid_fixtures_render_located_diagnostics() {
    let schemas = SchemaSet::embedded().unwrap();
    let ctx = LintContext {
        schema_names: schemas.names(),
        catalog: Catalog::embedded(),
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 9, "fixtures missing: {files:?}");
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        // Display a short relative path so snapshots do not depend on the checkout's place.
        let rel = Path::new("tests/fixtures/invalid").join(path.file_name().unwrap());
        let file = SourceFile {
            path: rel.display().to_string(),
            text: std::fs::read_to_string(&path).unwrap().into(),
        };
        let diagnostics = load_file(&file, &ctx).expect_err(&format!("{name} must be rejected"));
        let text: Vec<String> = diagnostics.iter().map(|d| d.render(false)).collect();
        let text = text.join("\n\n");
        let needle = format!("{}:", rel.display());
        assert!(
            text.contains(&needle),
            "{name}: no file:line:col in\n{text}"
        );
        assert!(
            diagnostics.iter().all(|d| d.help.is_some()),
            "{name}: a diagnostic without a hint\n{text}"
        );
        insta::assert_snapshot!(format!("invalid__{name}"), text);
    }
}
