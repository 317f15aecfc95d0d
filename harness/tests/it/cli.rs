//! The binary as a user meets it: exit codes, reports on disk, clear verdicts for bad
//! scenario files and unusable targets, and no secret in any output.

use std::path::Path;

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::binary::{harness, harness_async, text};
use crate::support::{BrokenServer, Defect, TOKEN, scenarios_dir};

fn read_reports(dir: &Path) -> String {
    let mut all = String::new();
    for name in ["report.json", "junit.xml", "report.md", "report.html"] {
        all.push_str(
            &std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")),
        );
    }
    all
}

#[test]
fn run_against_the_embedded_server_passes_and_writes_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let scenarios = scenarios_dir();
    let out = harness(
        &[
            "run",
            "--scenarios",
            scenarios.to_str().unwrap(),
            "--report-dir",
            "out",
        ],
        tmp.path(),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let reports = read_reports(&tmp.path().join("out"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("out/report.json")).unwrap())
            .unwrap();
    assert_eq!(json["verdict"], "passed");
    assert_eq!(json["target"]["kind"], "embedded");
    assert!(json["summary"]["checks"].as_u64().unwrap() > 50);
    // The embedded server's random token is never written anywhere.
    assert!(
        !reports.contains("Bearer harness-"),
        "token leaked into a report"
    );
    assert!(reports.contains("[REDACTED]"));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("passed"),
        "{}",
        text(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_scenarios_exit_3_and_send_nothing() {
    let mock = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&mock)
        .await;
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let out = harness_async(
        vec![
            "run".into(),
            "--target".into(),
            mock.uri(),
            "--scenarios".into(),
            fixtures.display().to_string(),
        ],
        std::env::temp_dir(),
        vec![],
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown-field.yaml:5:5"), "{stderr}");
    assert!(stderr.contains("nothing was sent"), "{stderr}");
    // `expect(0)` is verified when the mock server drops.
}

#[test]
fn colour_follows_the_terminal_conventions() {
    // Output is rendered in colour and anstream decides: a pipe gets plain text, and
    // CLICOLOR_FORCE brings the colour back unless NO_COLOR is set. (`harness` sets NO_COLOR;
    // an empty value unsets it, as the convention says.)
    let tmp = tempfile::tempdir().unwrap();
    let invalid = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let args = ["check", "--scenarios", invalid.to_str().unwrap()];
    let escapes = |envs: &[(&str, &str)]| {
        let out = harness(&args, tmp.path(), envs);
        assert_eq!(out.status.code(), Some(3), "{}", text(&out));
        String::from_utf8_lossy(&out.stderr).contains('\u{1b}')
    };
    assert!(!escapes(&[("NO_COLOR", "")]), "a pipe gets no colour");
    assert!(escapes(&[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")]));
    assert!(!escapes(&[("CLICOLOR_FORCE", "1")]), "NO_COLOR wins");
}

#[test]
fn unreachable_target_exits_4_with_a_clear_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let scenarios = scenarios_dir();
    // Port 1 on loopback: nothing listens there.
    let out = harness(
        &[
            "run",
            "--target",
            "http://127.0.0.1:1/scim/v2",
            "--scenarios",
            scenarios.to_str().unwrap(),
            "--report-dir",
            "out",
            "--timeout",
            "3",
        ],
        tmp.path(),
        &[],
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let all = text(&out);
    assert!(all.contains("unreachable"), "{all}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("out/report.json")).unwrap())
            .unwrap();
    assert_eq!(json["verdict"], "unreachable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_server_is_not_scim_and_exits_4() {
    let mock = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<!DOCTYPE html><html><body>Welcome</body></html>",
            "text/html",
        ))
        .mount(&mock)
        .await;
    let tmp = tempfile::tempdir().unwrap();
    let out = harness_async(
        vec![
            "run".into(),
            "--target".into(),
            mock.uri(),
            "--scenarios".into(),
            scenarios_dir().display().to_string(),
            "--report-dir".into(),
            "out".into(),
        ],
        tmp.path().to_path_buf(),
        vec![],
    )
    .await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        text(&out).contains("does not look like a SCIM service provider"),
        "{}",
        text(&out)
    );
}

#[test]
fn usage_error_exits_2() {
    let out = harness(&["run", "--no-such-flag"], &std::env::temp_dir(), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn variants_are_listed_with_their_rfc_basis_and_refused_with_a_target() {
    let out = harness(&["serve", "--list-variants"], &std::env::temp_dir(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let listing = String::from_utf8_lossy(&out.stdout);
    for v in scim_reference_server::Variant::ALL {
        let line = listing
            .lines()
            .find(|l| l.starts_with(v.name()))
            .unwrap_or_else(|| panic!("{} not listed:\n{listing}", v.name()));
        assert!(line.contains("RFC"), "{line}");
    }
    let out = harness(
        &[
            "run",
            "--target",
            "http://127.0.0.1:9/scim",
            "--variant",
            "opaque-ids",
        ],
        &std::env::temp_dir(),
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--variant"), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_failures_exit_1_and_never_leak_the_token() {
    let server = BrokenServer::start(Defect::CreateAnswers200).await;
    let tmp = tempfile::tempdir().unwrap();
    let out = harness_async(
        vec![
            "run".into(),
            "--target".into(),
            server.url(),
            "--token-env".into(),
            "IT_SCIM_TOKEN".into(),
            "--scenarios".into(),
            scenarios_dir().display().to_string(),
            "--report-dir".into(),
            "out".into(),
        ],
        tmp.path().to_path_buf(),
        vec![("IT_SCIM_TOKEN".into(), TOKEN.into())],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let all = format!("{}{}", text(&out), read_reports(&tmp.path().join("out")));
    assert!(
        !all.contains(TOKEN),
        "the token appears in output or reports"
    );
    // The console names the failing check, its rule, and where it is written.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("P-3.3-01"), "{stdout}");
    assert!(stdout.contains("user-lifecycle.yaml:"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_exits_7_with_the_token_source_and_no_findings() {
    let server = BrokenServer::start(Defect::None).await;
    let tmp = tempfile::tempdir().unwrap();
    let out = harness_async(
        vec![
            "run".into(),
            "--target".into(),
            server.url(),
            "--token-env".into(),
            "IT_WRONG_TOKEN".into(),
            "--scenarios".into(),
            scenarios_dir().display().to_string(),
            "--report-dir".into(),
            "out".into(),
            "--gate".into(),
            "rfc,okta-oin".into(),
        ],
        tmp.path().to_path_buf(),
        vec![("IT_WRONG_TOKEN".into(), "wrong-token-value".into())],
    )
    .await;
    assert_eq!(out.status.code(), Some(7), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("CREDENTIALS REFUSED"), "{stdout}");
    assert!(
        stdout.contains("the target refused the token from --token-env IT_WRONG_TOKEN"),
        "{stdout}"
    );
    assert!(!stdout.contains("FAIL "), "{stdout}");
    assert!(!text(&out).contains("wrong-token-value"));
}

#[test]
fn an_unknown_gate_is_a_usage_error_naming_the_suites() {
    let dir = scenarios_dir().display().to_string();
    let out = harness(
        &[
            "run",
            "--gate",
            "okta",
            "--idp",
            "rfc,okta-oin",
            "--scenarios",
            &dir,
        ],
        &std::env::temp_dir(),
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "--gate okta: no such suite in this run; the selected suites are rfc, okta-oin"
        ),
        "{stderr}"
    );
}

#[test]
fn check_reports_every_bad_file_with_location() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let out = harness(
        &["check", "--scenarios", fixtures.to_str().unwrap()],
        &std::env::temp_dir(),
        &[],
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for name in [
        "unknown-field.yaml:5:5",
        "undefined-variable.yaml:",
        "yaml-syntax.yaml:",
    ] {
        assert!(stderr.contains(name), "{name} missing in\n{stderr}");
    }
}

#[test]
fn check_accepts_the_shipped_scenarios() {
    let out = harness(
        &["check", "--scenarios", scenarios_dir().to_str().unwrap()],
        &std::env::temp_dir(),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_the_run_and_deletes_what_it_created() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let server = BrokenServer::start_with_signal(Defect::HangOnUserRead, Some(tx)).await;
    let tmp = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_scim-harness"))
        .args([
            "run",
            "--target",
            &server.url(),
            "--token-env",
            "IT_SCIM_TOKEN",
            "--report-dir",
            "out",
            "--no-progress",
        ])
        .arg("--scenarios")
        .arg(scenarios_dir())
        .current_dir(tmp.path())
        .env("IT_SCIM_TOKEN", TOKEN)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A scenario is stuck on a read after creating its user: press Ctrl-C.
    tokio::time::timeout(std::time::Duration::from_secs(60), rx.recv())
        .await
        .expect("a scenario reaches the hanging read")
        .unwrap();
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = tokio::task::spawn_blocking(move || {
        let _ = &mut child;
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("interrupted"),
        "{}",
        text(&out)
    );
    assert!(
        server.service.resources("User").is_empty(),
        "users left: {:#?}",
        server.service.resources("User")
    );
    assert!(server.service.resources("Group").is_empty());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("out/report.json")).unwrap())
            .unwrap();
    assert_eq!(json["verdict"], "interrupted");
}

#[test]
fn explain_names_the_requirement_and_its_checks_and_refuses_unknown_ids() {
    let tmp = tempfile::tempdir().unwrap();
    let scenarios = scenarios_dir();
    let scenarios = scenarios.to_str().unwrap();
    let out = harness(
        &["explain", "P-3.5.2-08", "--scenarios", scenarios],
        tmp.path(),
        &[],
    );
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    for part in [
        "P-3.5.2-08  MUST / MAY  RFC 7644 §3.5.2",
        "severity   MUST",
        "test       plain PATCH",
        "  core/user-lifecycle\n",
        "step `deactivate with PATCH`: status is 200 or 204 at MUST",
    ] {
        assert!(all.contains(part), "missing {part:?}:\n{all}");
    }

    let out = harness(&["explain", "P-3.5.2-8"], tmp.path(), &[]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(
        all.contains("error: unknown requirement id `P-3.5.2-8`; did you mean `P-3.5.2-08`?"),
        "{all}"
    );
}

#[test]
fn completions_and_man_page_are_printed() {
    let tmp = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = harness(&["completions", shell], tmp.path(), &[]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("explain"));
    }
    let out = harness(&["completions", "tcsh"], tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));

    let out = harness(&["man"], tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains(".TH scim-harness 1"));
    let out = harness(&["man", "--out-dir", "man1"], tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(tmp.path().join("man1/scim-harness-explain.1").is_file());
}

#[test]
fn a_failure_shows_its_scenario_line_under_the_location() {
    let tmp = tempfile::tempdir().unwrap();
    let scenarios = scenarios_dir();
    let file = scenarios.join("core/user-lifecycle.yaml");
    let out = harness(
        &[
            "run",
            "--defect",
            "create-returns-200",
            "--scenarios",
            file.to_str().unwrap(),
            "--report",
            "json",
            "--report-dir",
            "out",
            "--no-progress",
        ],
        tmp.path(),
        &[],
    );
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let block = stdout
        .split("FAIL  user-lifecycle › create\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no failure block:\n{all}"));
    let mut lines = block.lines();
    let arrow = lines.next().unwrap();
    assert!(arrow.trim_start().starts_with("--> "), "{block}");
    let (_, place) = arrow.rsplit_once("user-lifecycle.yaml:").unwrap();
    let line: usize = place.split(':').next().unwrap().parse().unwrap();
    assert_eq!(lines.next().unwrap().trim(), "|", "{block}");
    let source_line = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .nth(line - 1)
        .unwrap()
        .to_string();
    assert_eq!(
        lines.next().unwrap(),
        format!("{line} | {source_line}").trim_end(),
        "{block}"
    );
    let caret = lines.next().unwrap();
    assert!(caret.ends_with("^^^ actual: 200"), "{block}");
}

#[test]
fn the_markdown_summary_is_appended_to_the_github_step_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenarios_dir().join("core/user-lifecycle.yaml");
    let summary = tmp.path().join("step-summary.md");
    std::fs::write(&summary, "### Build\nok\n").unwrap();
    let summary_var = summary.to_str().unwrap();
    let args = [
        "run",
        "--scenarios",
        file.to_str().unwrap(),
        "--report",
        "json",
        "--report-dir",
        "out",
        "--no-progress",
    ];
    let out = harness(&args, tmp.path(), &[("GITHUB_STEP_SUMMARY", summary_var)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let written = std::fs::read_to_string(&summary).unwrap();
    assert!(
        written.starts_with("### Build\nok\n\n## scim-harness: PASSED\n"),
        "{written}"
    );
    assert!(written.contains("| Suite | Verdict |"), "{written}");
    // Only the formats asked for go to the report directory.
    assert!(!tmp.path().join("out/report.md").exists());

    let before = written.len();
    let mut off = args.to_vec();
    off.push("--no-step-summary");
    let out = harness(&off, tmp.path(), &[("GITHUB_STEP_SUMMARY", summary_var)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&summary).unwrap().len(), before);

    // A summary that cannot be written is a warning; the verdict stands.
    let dir_var = tmp.path().to_str().unwrap();
    let out = harness(&args, tmp.path(), &[("GITHUB_STEP_SUMMARY", dir_var)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("warning: cannot append the summary to $GITHUB_STEP_SUMMARY"),
        "{}",
        text(&out)
    );
}
