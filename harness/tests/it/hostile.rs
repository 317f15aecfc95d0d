//! Hostile targets: servers that echo secrets in odd encodings, answer creates with data
//! that existed before the run, send endless headers or terminal escapes; and hostile input
//! on the command line. Every output of the binary is checked, not just the report model.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Runs the binary in `cwd` with a clean environment plus `envs`.
pub fn harness(args: &[&str], cwd: &Path, envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scim-harness"));
    cmd.args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("SCIM_HARNESS_TOKEN")
        .env_remove("SCIM_HARNESS_TARGET");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run scim-harness")
}

/// The same, off the async runtime (the mock server keeps answering meanwhile).
pub async fn harness_async(args: Vec<String>, cwd: PathBuf, envs: Vec<(String, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        harness(&args, &cwd, &envs)
    })
    .await
    .unwrap()
}

pub fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every file below `dir`, as bytes, with its path.
fn files_below(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(p) = todo.pop() {
        if p.is_dir() {
            todo.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            let bytes = std::fs::read(&p).unwrap();
            out.push((p, bytes));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// A scenario file with one GET whose body check fails, so the echoed value is shown in the
/// console and in every report.
fn write_echo_scenario(dir: &Path) {
    std::fs::write(
        dir.join("echo.yaml"),
        "name: echo\nsteps:\n  - name: read\n    request: { method: GET, path: /Users/some-id }\n    expect:\n      - { status: 200, req: P-3.4.1-01 }\n      - { pointer: /echo, equals: \"something else\", req: P-3.4.1-01 }\n",
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_echoed_through_unicode_escapes_reaches_no_output() {
    // .NET's serializer writes `+` as `\u002B`; once parsed, the value is the raw token.
    let token = "dGVzdC+0b2tlbi1zZWNyZXQ+K";
    let escaped = token.replace('+', "\\u002B");
    let mock = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(format!("x-echo-{}", token.to_ascii_lowercase()).as_str(), "1")
                .set_body_raw(
                    format!(
                        r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"some-id","userName":"u","echo":"{escaped}","lower":"{}"}}"#,
                        token.replace('+', "%2b")
                    ),
                    "application/scim+json",
                ),
        )
        .mount(&mock)
        .await;
    let tmp = tempfile::tempdir().unwrap();
    let scenarios = tmp.path().join("scenarios");
    std::fs::create_dir(&scenarios).unwrap();
    write_echo_scenario(&scenarios);
    let out = harness_async(
        [
            "run",
            "--target",
            &mock.uri(),
            "--token-env",
            "HOSTILE_TOKEN",
            "--scenarios",
            scenarios.to_str().unwrap(),
            "--report-dir",
            "out",
            "--snapshot",
            "update",
            "--snapshot-dir",
            "snaps",
        ]
        .map(String::from)
        .to_vec(),
        tmp.path().to_path_buf(),
        vec![("HOSTILE_TOKEN".into(), token.into())],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let mut artefacts = files_below(&tmp.path().join("out"));
    artefacts.extend(files_below(&tmp.path().join("snaps")));
    assert!(artefacts.len() >= 5, "reports and a snapshot were written");
    artefacts.push(("stdout".into(), out.stdout.clone()));
    artefacts.push(("stderr".into(), out.stderr.clone()));
    for (path, bytes) in &artefacts {
        for needle in [token, &token.to_ascii_lowercase()] {
            assert!(
                !contains(bytes, needle),
                "{} holds the token:\n{}",
                path.display(),
                String::from_utf8_lossy(bytes)
            );
        }
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("[REDACTED]"), "{}", text(&out));
}

#[test]
fn a_token_shorter_than_four_characters_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = harness(
        &[
            "run",
            "--target",
            "http://127.0.0.1:1/scim/v2",
            "--token",
            "ab1",
        ],
        tmp.path(),
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("shorter than 4 characters"),
        "{}",
        text(&out)
    );
}
