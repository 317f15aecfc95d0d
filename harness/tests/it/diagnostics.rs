//! Bad input files are rejected well: every fixture under `tests/fixtures/invalid/`
//! produces a diagnostic with `file:line:column`, the offending line and a hint, snapshotted;
//! a malformed or self-contradicting directory, changes, baseline or profile file gets the
//! same, and the binary sends nothing.

use std::path::Path;

use scim_harness::catalog::Catalog;
use scim_harness::scenario::diagnostic::SourceFile;
use scim_harness::scenario::lint::LintContext;
use scim_harness::scenario::load::load_file;
use scim_harness::validate::SchemaSet;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::binary::{harness_async, text};
use crate::support::scenarios_dir;

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

/// Runs the binary against a mock target that must receive nothing, and checks that it
/// refused its input with exit 3, a diagnostic at `location` and a hint containing `hint`.
async fn refused_before_sending(args: Vec<String>, cwd: &Path, location: &str, hint: &str) {
    let mock = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&mock)
        .await;
    let mut all = args;
    all.extend(["--target".to_string(), format!("{}/scim/v2", mock.uri())]);
    let out = harness_async(all, cwd.to_path_buf(), vec![]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        stderr.contains(&format!(" --> {location}")),
        "{location}:\n{stderr}"
    );
    assert!(stderr.contains("help: "), "no hint:\n{stderr}");
    assert!(stderr.contains(hint), "hint `{hint}` missing:\n{stderr}");
    assert!(stderr.contains("nothing was sent"), "{stderr}");
    assert!(
        mock.received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn simulate_args(directory: &str, changes: Option<&str>) -> Vec<String> {
    let mut args = vec!["simulate", "--idp", "entra", "--directory", directory];
    if let Some(c) = changes {
        args.extend(["--changes", c]);
    }
    args.into_iter().map(String::from).collect()
}

const DIRECTORY: &str = "users:\n  - { userName: a@example.test, givenName: A, familyName: B }\n";

#[tokio::test]
async fn a_malformed_directory_file_is_located_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "dir.yaml",
        "users:\n  - { userName: a@example.test, givenName: A, familyNme: B }\n",
    );
    refused_before_sending(
        simulate_args("dir.yaml", None),
        tmp.path(),
        "dir.yaml:2:47",
        "did you mean `familyName`?",
    )
    .await;
}

#[tokio::test]
async fn a_directory_that_contradicts_itself_is_located_at_the_entry() {
    let tmp = tempfile::tempdir().unwrap();
    // A duplicate userName (in another case) and a member that is not a user: the file
    // parses, but its meaning is wrong; each problem points at the value concerned.
    write(
        tmp.path(),
        "dir.yaml",
        "users:\n  - { userName: a@example.test, givenName: A, familyName: B }\n  - { userName: A@Example.test, givenName: A, familyName: C }\ngroups:\n  - displayName: Eng\n    members: [a@example.test, nobody@example.test]\n",
    );
    refused_before_sending(
        simulate_args("dir.yaml", None),
        tmp.path(),
        "dir.yaml:3:17",
        "userName is unique",
    )
    .await;
    refused_before_sending(
        simulate_args("dir.yaml", None),
        tmp.path(),
        "dir.yaml:6:31",
        "members are named by the userName of a user listed under `users`",
    )
    .await;
}

#[tokio::test]
async fn a_malformed_changes_file_is_located_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "dir.yaml", DIRECTORY);
    write(
        tmp.path(),
        "changes.yaml",
        "changes:\n  - deactivate: { user: a@example.test }\n  - suspend: { user: a@example.test }\n",
    );
    refused_before_sending(
        simulate_args("dir.yaml", Some("changes.yaml")),
        tmp.path(),
        "changes.yaml:3:5",
        "each change is one of update",
    )
    .await;
    // A change naming no user of the directory: located at its `user`.
    write(
        tmp.path(),
        "changes.yaml",
        "changes:\n  - deactivate: { user: a@example.test }\n  - delete: { user: zed@example.test }\n",
    );
    refused_before_sending(
        simulate_args("dir.yaml", Some("changes.yaml")),
        tmp.path(),
        "changes.yaml:3:21",
        "name a userName listed under `users`",
    )
    .await;
}

#[tokio::test]
async fn a_malformed_baseline_is_located_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "baseline.yaml",
        "expected_failures:\n  - scenario: core/user-lifecycle\n    reasn: known\n",
    );
    let scenarios = scenarios_dir().display().to_string();
    refused_before_sending(
        [
            "run",
            "--scenarios",
            &scenarios,
            "--baseline",
            "baseline.yaml",
        ]
        .map(String::from)
        .to_vec(),
        tmp.path(),
        "baseline.yaml:3:5",
        "did you mean `reason`?",
    )
    .await;
}

#[tokio::test]
async fn a_malformed_profile_is_located_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("scenarios/acme");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        scenarios_dir().join("core/user-lifecycle.yaml"),
        dir.join("user-lifecycle.yaml"),
    )
    .unwrap();
    write(
        &dir,
        "_profile.yaml",
        "name: acme\ndescription: a test client\nquery_encodng: plus\n",
    );
    refused_before_sending(
        ["run", "--scenarios", "scenarios"]
            .map(String::from)
            .to_vec(),
        tmp.path(),
        "scenarios/acme/_profile.yaml:3:1",
        "did you mean `query_encoding`?",
    )
    .await;
}
