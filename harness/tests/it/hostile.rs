//! Hostile targets: servers that echo secrets in odd encodings, answer creates with data
//! that existed before the run, send endless headers or terminal escapes; and hostile input
//! on the command line. Every output of the binary is checked, not just the report model.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::binary::{harness, harness_async, text};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

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

/// A target that answers every create with a user and a group that existed before the run
/// (an "upsert" by some other key), reads like SCIM, and must never receive a DELETE.
async fn upserting_target() -> MockServer {
    use wiremock::matchers::{method, path_regex};
    let mock = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .named("DELETE of pre-existing data")
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path_regex("/Users$"))
        .respond_with(ResponseTemplate::new(201).set_body_raw(
            r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"seeded-1","userName":"seed-user-000001@example.test","active":true}"#,
            "application/scim+json",
        ))
        .mount(&mock)
        .await;
    Mock::given(method("POST"))
        .and(path_regex("/Groups$"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"seeded-g","displayName":"Seeded"}"#,
            "application/scim+json",
        ))
        .mount(&mock)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#,
            "application/scim+json",
        ))
        .mount(&mock)
        .await;
    mock
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_never_deletes_a_resource_a_create_answered_with_but_did_not_create() {
    use std::sync::Arc;

    use scim_harness::exec::cancel::Cancel;
    use scim_harness::exec::suite::{Silent, run_suite};

    use crate::support::{engine, load_dir, options};

    let mock = upserting_target().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("create.yaml"),
        r#"name: create then delete
steps:
  - name: create
    request: { method: POST, path: /Users, body: { userName: "x-{{run_id}}@example.test" } }
    capture: { id: /id }
    expect: [{ status: 201, req: P-3.3-01 }]
  - name: delete
    request: { method: DELETE, path: "/Users/{{id}}" }
    expect: [{ status: 204, req: P-3.6-01 }]
"#,
    )
    .unwrap();
    let url = mock.uri();
    let report = run_suite(
        engine(&url),
        load_dir(dir.path()).unwrap(),
        &options(&url),
        Cancel::default(),
        Arc::new(Silent),
    )
    .await;
    let sc = &report.scenarios[0];
    let delete = sc.steps.last().unwrap();
    assert!(
        delete
            .error
            .as_deref()
            .unwrap_or("")
            .contains("did not create"),
        "{sc:#?}"
    );
    // Reported, not deleted: DELETE expect(0) is verified when the mock drops.
    assert_eq!(sc.cleanup.len(), 1, "{:#?}", sc.cleanup);
    assert!(!sc.cleanup[0].deleted);
    assert!(
        sc.cleanup[0]
            .error
            .as_deref()
            .unwrap()
            .contains("may have existed before the run"),
        "{:#?}",
        sc.cleanup
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulate_never_deletes_a_seeded_user_a_create_answered_with() {
    use std::time::Duration;

    use scim_harness::exec::cleanup::Registry;
    use scim_harness::exec::http::{ClientConfig, HttpClient};
    use scim_harness::simulate::{Idp, generate_directory, simulate_with};

    let mock = upserting_target().await;
    let client = HttpClient::new(ClientConfig {
        base_url: mock.uri(),
        token: Some(crate::support::TOKEN.into()),
        secrets: vec![],
        request_timeout: Duration::from_secs(10),
        body_limit: 1 << 20,
    })
    .unwrap();
    for idp in [Idp::Entra, Idp::OktaOin] {
        let registry = Registry::new();
        let directory = generate_directory(3, "hostile1");
        let report =
            simulate_with(&client, idp, &directory, &[], "hostile1", false, &registry).await;
        assert!(
            registry.pending().is_empty(),
            "{idp}: {:?}",
            registry.pending()
        );
        assert!(report.created.is_empty(), "{idp}: {:?}", report.created);
        let transcript = scim_harness::simulate::render_transcript(&report);
        assert!(
            transcript.contains("may have existed before the run"),
            "{idp}:\n{transcript}"
        );
        assert!(!report.passed(), "{idp}");
        let records = registry.clean(&client).await;
        assert!(records.is_empty(), "{records:?}");
    }
}

/// A target that creates what it is sent (echoing it with a fresh id), reads like SCIM, and
/// answers creates and deletes after the given delays, telling `seen` about each request
/// (`"POST /Users"`, `"DELETE /Users/u1"`).
struct SlowEcho {
    post_delay: std::time::Duration,
    delete_delay: std::time::Duration,
    seen: tokio::sync::mpsc::UnboundedSender<String>,
    next: std::sync::atomic::AtomicU32,
}

impl wiremock::Respond for SlowEcho {
    fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
        let path = req.url.path().to_string();
        let _ = self.seen.send(format!("{} {path}", req.method));
        match req.method.as_str() {
            "POST" => {
                let mut body: serde_json::Value =
                    serde_json::from_slice(&req.body).unwrap_or_default();
                let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                body["id"] = format!("u{n}").into();
                ResponseTemplate::new(201)
                    .set_body_raw(body.to_string(), "application/scim+json")
                    .set_delay(self.post_delay)
            }
            "DELETE" => ResponseTemplate::new(204).set_delay(self.delete_delay),
            _ => ResponseTemplate::new(200).set_body_raw(
                r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#,
                "application/scim+json",
            ),
        }
    }
}

async fn slow_echo(
    post_delay_ms: u64,
    delete_delay_ms: u64,
) -> (MockServer, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let (seen, rx) = tokio::sync::mpsc::unbounded_channel();
    let mock = MockServer::start().await;
    Mock::given(any())
        .respond_with(SlowEcho {
            post_delay: std::time::Duration::from_millis(post_delay_ms),
            delete_delay: std::time::Duration::from_millis(delete_delay_ms),
            seen,
            next: 1.into(),
        })
        .mount(&mock)
        .await;
    (mock, rx)
}

/// Waits (bounded) until the target has seen exactly `prefix`, or, when it ends in `/` or
/// a space, a request starting with it.
async fn until_seen(rx: &mut tokio::sync::mpsc::UnboundedReceiver<String>, prefix: &str) -> String {
    let wait = async {
        while let Some(r) = rx.recv().await {
            if r == prefix || (prefix.ends_with(['/', ' ']) && r.starts_with(prefix)) {
                return r;
            }
        }
        panic!("the target closed before {prefix}")
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), wait)
        .await
        .unwrap_or_else(|_| panic!("no {prefix} within 60 s"))
}

fn spawn_harness(args: &[&str], cwd: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_scim-harness"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("IT_SCIM_TOKEN", crate::support::TOKEN)
        .env_remove("SCIM_HARNESS_TOKEN")
        .env_remove("SCIM_HARNESS_TARGET")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

fn signal(child: &std::process::Child, sig: &str) {
    let status = Command::new("kill")
        .args([&format!("-{sig}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

async fn wait_output(child: std::process::Child) -> Output {
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_and_sighup_stop_the_run_and_clean_up_like_ctrl_c() {
    for sig in ["TERM", "HUP"] {
        let (mock, mut seen) = slow_echo(0, 0).await;
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            tmp.path().join("slow.yaml"),
            "name: create then wait\nsteps:\n  - name: create\n    request: { method: POST, path: /Users, body: { userName: \"s-{{run_id}}@example.test\" } }\n    expect: [{ status: 201, req: P-3.3-01 }]\n  - name: wait\n    wait_ms: 10000\n    request: { method: GET, path: /Users }\n    expect: [{ status: 200, req: P-3.4.2-01 }]\n",
        )
        .unwrap();
        let child = spawn_harness(
            &[
                "run",
                "--target",
                &mock.uri(),
                "--token-env",
                "IT_SCIM_TOKEN",
                "--scenarios",
                "slow.yaml",
                "--report-dir",
                "out",
                "--no-progress",
            ],
            tmp.path(),
        );
        // A create in flight when the signal lands is awaited, so no pause is needed.
        until_seen(&mut seen, "POST /Users").await;
        signal(&child, sig);
        let out = wait_output(child).await;
        assert_eq!(out.status.code(), Some(5), "SIG{sig}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("interrupted by SIG{sig}")),
            "{}",
            text(&out)
        );
        let deletes: Vec<String> = std::iter::from_fn(|| seen.try_recv().ok())
            .filter(|r| r.starts_with("DELETE"))
            .collect();
        assert_eq!(deletes.len(), 1, "SIG{sig}: {deletes:?} {}", text(&out));
        assert!(deletes[0].starts_with("DELETE /Users/u"), "{deletes:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("cleaned up 1 of 1 created resource."),
            "SIG{sig}: {}",
            text(&out)
        );
        assert!(tmp.path().join("out/report.json").is_file());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_simulation_awaits_its_create_and_deletes_it() {
    // The create takes a while: Ctrl-C lands while it is in flight.
    let (mock, mut seen) = slow_echo(1500, 0).await;
    let tmp = tempfile::tempdir().unwrap();
    let child = spawn_harness(
        &[
            "simulate",
            "--idp",
            "entra",
            "--users",
            "5",
            "--target",
            &mock.uri(),
            "--token-env",
            "IT_SCIM_TOKEN",
        ],
        tmp.path(),
    );
    until_seen(&mut seen, "POST /Users").await;
    signal(&child, "INT");
    let out = wait_output(child).await;
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let posts_and_deletes: Vec<String> = std::iter::from_fn(|| seen.try_recv().ok())
        .filter(|r| r.starts_with("DELETE") || r.starts_with("POST"))
        .collect();
    // Nothing was started after the signal, and the one create was awaited and deleted.
    assert_eq!(
        posts_and_deletes,
        vec!["DELETE /Users/u1"],
        "{}",
        text(&out)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("cleanup: deleted 1 of 1 resource(s) the simulation created\n"),
        "{}",
        text(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_ctrl_c_during_simulate_cleanup_quits_and_lists_what_is_left() {
    // Ctrl-C during the first (slow) create; deletes hang: the second Ctrl-C must not
    // wait for them.
    let (mock, mut seen) = slow_echo(1000, 60_000).await;
    let tmp = tempfile::tempdir().unwrap();
    let child = spawn_harness(
        &[
            "simulate",
            "--idp",
            "entra",
            "--users",
            "2",
            "--target",
            &mock.uri(),
            "--token-env",
            "IT_SCIM_TOKEN",
        ],
        tmp.path(),
    );
    until_seen(&mut seen, "POST /Users").await;
    signal(&child, "INT");
    until_seen(&mut seen, "DELETE /").await;
    signal(&child, "INT");
    let out = wait_output(child).await;
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("quit without cleanup"), "{}", text(&out));
    assert!(stderr.contains("LEFT  http://127.0.0.1:"), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_after_the_deadline_is_bounded_and_the_verdict_says_what_is_left() {
    use std::sync::Arc;
    use std::time::Duration;

    use scim_harness::exec::cancel::Cancel;
    use scim_harness::exec::suite::{Silent, run_suite};
    use scim_harness::run_report::Verdict;

    use crate::support::{engine, load_dir, options};

    // Deletes never answer within the request timeout (20 s in the test engine).
    let (mock, _seen) = slow_echo(0, 120_000).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("slow.yaml"),
        "name: create then wait\nsteps:\n  - name: create\n    request: { method: POST, path: /Users, body: { userName: \"d-{{run_id}}@example.test\" } }\n    expect: [{ status: 201, req: P-3.3-01 }]\n  - name: wait\n    wait_ms: 10000\n    request: { method: GET, path: /Users }\n    expect: [{ status: 200, req: P-3.4.2-01 }]\n",
    )
    .unwrap();
    let url = mock.uri();
    let mut opts = options(&url);
    opts.deadline = Duration::from_millis(500);
    opts.cleanup_budget = Duration::from_millis(500);
    let report = tokio::time::timeout(
        Duration::from_secs(15),
        run_suite(
            engine(&url),
            load_dir(dir.path()).unwrap(),
            &opts,
            Cancel::default(),
            Arc::new(Silent),
        ),
    )
    .await
    .expect("cleanup is bounded by its budget, not by the DELETE");
    assert_eq!(report.verdict, Verdict::Interrupted);
    let cleanup = &report.scenarios[0].cleanup;
    assert_eq!(cleanup.len(), 1, "{cleanup:#?}");
    assert!(!cleanup[0].deleted);
    assert!(
        cleanup[0]
            .error
            .as_deref()
            .unwrap()
            .contains("cleanup budget ran out"),
        "{cleanup:#?}"
    );
    let console = scim_harness::report::render_summary(&report, false);
    assert!(
        console.contains(&format!(
            "cleaned up 0 of 1 created resource; 1 left: {url}/Users/u"
        )),
        "{console}"
    );
    assert!(!console.contains("were cleaned up"), "{console}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_response_headers_are_capped_per_response_and_say_what_was_cut() {
    let mock = MockServer::start().await;
    let mut template = ResponseTemplate::new(200).set_body_raw(
        r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"x","userName":"u"}"#,
        "application/scim+json",
    );
    // 90 headers of 4 KB each, as a hostile target sent.
    for i in 0..90 {
        template = template.insert_header(format!("x-pad-{i}").as_str(), "a".repeat(4096).as_str());
    }
    Mock::given(any()).respond_with(template).mount(&mock).await;
    let tmp = tempfile::tempdir().unwrap();
    let scenarios = tmp.path().join("scenarios");
    std::fs::create_dir(&scenarios).unwrap();
    write_echo_scenario(&scenarios);
    let out = harness_async(
        [
            "run",
            "--target",
            &mock.uri(),
            "--scenarios",
            scenarios.to_str().unwrap(),
            "--report-dir",
            "out",
            "--report",
            "json",
        ]
        .map(String::from)
        .to_vec(),
        tmp.path().to_path_buf(),
        vec![],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let json = std::fs::read_to_string(tmp.path().join("out/report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let headers = report["scenarios"][0]["steps"][0]["exchange"]["response"]["headers"]
        .as_array()
        .unwrap()
        .clone();
    let bytes: usize = headers
        .iter()
        .map(|h| h[0].as_str().unwrap().len() + h[1].as_str().unwrap().len())
        .sum();
    assert!(bytes < 40 * 1024, "{bytes} header bytes recorded");
    let cut = headers.last().unwrap();
    assert_eq!(cut[0], "[cut]", "{cut}");
    assert!(cut[1].as_str().unwrap().contains("not kept"), "{cut}");
    // Every request's headers were capped: the whole report stays small.
    assert!(
        json.len() < 1024 * 1024,
        "report.json is {} bytes",
        json.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminal_escapes_from_the_target_reach_no_output() {
    let payload = "\u{1b}[2J\u{1b}[H\u{1b}[32mPASSED\u{1b}[0m \u{9b}31m";
    let mock = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(format!("<html>{payload}</html>"), "text/html"),
        )
        .mount(&mock)
        .await;
    let tmp = tempfile::tempdir().unwrap();
    let scenarios = tmp.path().join("scenarios");
    std::fs::create_dir(&scenarios).unwrap();
    write_echo_scenario(&scenarios);
    let run = harness_async(
        [
            "run",
            "--target",
            &mock.uri(),
            "--scenarios",
            scenarios.to_str().unwrap(),
            "--report-dir",
            "out",
        ]
        .map(String::from)
        .to_vec(),
        tmp.path().to_path_buf(),
        vec![],
    )
    .await;
    assert_eq!(run.status.code(), Some(4), "{}", text(&run));
    let simulate = harness_async(
        [
            "simulate",
            "--idp",
            "entra",
            "--users",
            "1",
            "--target",
            &mock.uri(),
        ]
        .map(String::from)
        .to_vec(),
        tmp.path().to_path_buf(),
        vec![],
    )
    .await;
    assert_eq!(simulate.status.code(), Some(4), "{}", text(&simulate));
    let mut outputs = files_below(&tmp.path().join("out"));
    for (name, out) in [("run", &run), ("simulate", &simulate)] {
        outputs.push((format!("{name} stdout").into(), out.stdout.clone()));
        outputs.push((format!("{name} stderr").into(), out.stderr.clone()));
    }
    for (path, bytes) in outputs {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{9b}'),
            "{} holds a raw escape:\n{text}",
            path.display()
        );
    }
    assert!(
        String::from_utf8_lossy(&run.stdout).contains("\\u{1b}[2J"),
        "{}",
        text(&run)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulate_transcript_escapes_the_targets_bytes() {
    // Lookups answer a non-JSON body holding an escape sequence; the transcript shows it.
    let mock = MockServer::start().await;
    Mock::given(wiremock::matchers::path("/ServiceProviderConfig"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{}", "application/scim+json"))
        .mount(&mock)
        .await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(500).set_body_raw("\u{1b}[2J\u{1b}[32mPASSED", "text/plain"),
        )
        .mount(&mock)
        .await;
    let tmp = tempfile::tempdir().unwrap();
    let out = harness_async(
        [
            "simulate",
            "--idp",
            "entra",
            "--users",
            "1",
            "--target",
            &mock.uri(),
        ]
        .map(String::from)
        .to_vec(),
        tmp.path().to_path_buf(),
        vec![],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains('\u{1b}'), "{stdout}");
    assert!(stdout.contains("\\u{1b}[2J"), "{stdout}");
}

#[test]
fn bad_target_urls_are_refused_saying_why_and_without_their_password() {
    let tmp = tempfile::tempdir().unwrap();
    for (url, says) in [
        (
            "http://127.0.0.1:8080/scim/v2?tenant=abc",
            "without `?query` or `#fragment`",
        ),
        (
            "http://127.0.0.1:8080/scim/v2#frag",
            "without `?query` or `#fragment`",
        ),
        ("http://127.0.0.1:99999/scim/v2", "invalid port number"),
        (
            "ftp://user:hunter2pw@127.0.0.1/scim",
            "must be an http:// or https:// URL",
        ),
        ("ftp://user:hunter2pw@[bad/scim", "not a valid URL"),
    ] {
        let out = harness(
            &["run", "--target", url, "--report-dir", "out"],
            tmp.path(),
            &[],
        );
        assert_eq!(out.status.code(), Some(2), "{url}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{url}: {}", text(&out));
        assert!(!stderr.contains("hunter2pw"), "{url}: {}", text(&out));
        assert!(!stderr.contains("not an http"), "{url}: {}", text(&out));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_report_dir_is_found_before_the_first_request() {
    let mock = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&mock)
        .await;
    let tmp = tempfile::tempdir().unwrap();
    // A file where the directory should be: nothing can be written below it.
    std::fs::write(tmp.path().join("blocked"), "").unwrap();
    let out = harness_async(
        [
            "run",
            "--target",
            &mock.uri(),
            "--report-dir",
            "blocked/out",
        ]
        .map(String::from)
        .to_vec(),
        tmp.path().to_path_buf(),
        vec![],
    )
    .await;
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    let all = text(&out);
    assert!(
        all.contains("reports cannot be written, so nothing was sent"),
        "{all}"
    );
    assert!(!all.contains("PASSED"), "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_is_counted_once() {
    use std::sync::Arc;

    use scim_harness::exec::cancel::Cancel;
    use scim_harness::exec::suite::{Silent, run_suite};

    use crate::support::{BrokenServer, Defect, engine, load_dir, options};

    let server = BrokenServer::start(Defect::None).await;
    let dir = tempfile::tempdir().unwrap();
    write_echo_scenario(dir.path());
    let url = server.url();
    let report = run_suite(
        engine(&url),
        load_dir(dir.path()).unwrap(),
        &options(&url),
        Cancel::default(),
        Arc::new(Silent),
    )
    .await;
    let received = server.mock.received_requests().await.unwrap().len();
    assert_eq!(report.summary.requests as usize, received);
}

/// A TLS server on loopback with a certificate for 127.0.0.1 signed by the test CA
/// (`tests/fixtures/tls/ca.pem`); it answers every request with a small SCIM JSON object.
async fn tls_target() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls");
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("server.pem"))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap();
    let config = tokio_rustls::rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let body = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"some-id","userName":"u"}"#;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    format!("https://127.0.0.1:{port}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_is_named_and_ca_cert_trusts_it() {
    let url = tls_target().await;
    let tmp = tempfile::tempdir().unwrap();
    let scenarios = tmp.path().join("scenarios");
    std::fs::create_dir(&scenarios).unwrap();
    write_echo_scenario(&scenarios);
    let args = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "run",
            "--target",
            &url,
            "--scenarios",
            scenarios.to_str().unwrap(),
            "--report-dir",
            "out",
        ]
        .map(String::from)
        .to_vec();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let untrusted = harness_async(args(&[]), tmp.path().to_path_buf(), vec![]).await;
    assert_eq!(untrusted.status.code(), Some(4), "{}", text(&untrusted));
    let all = text(&untrusted);
    assert!(all.contains("the certificate is not trusted"), "{all}");
    assert!(all.contains("--ca-cert"), "{all}");
    assert!(
        !all.contains("OtherError") && !all.contains("InvalidCertificate"),
        "{all}"
    );
    assert!(!all.contains("did not answer"), "{all}");

    let ca = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls/ca.pem");
    let trusted = harness_async(
        args(&["--ca-cert", ca.to_str().unwrap()]),
        tmp.path().to_path_buf(),
        vec![],
    )
    .await;
    // It answers SCIM now, so the run gets as far as the scenario's failing check.
    assert_eq!(trusted.status.code(), Some(1), "{}", text(&trusted));
    assert!(
        !text(&trusted).contains("not trusted"),
        "{}",
        text(&trusted)
    );

    let bad = harness_async(
        args(&["--ca-cert", "no-such-file.pem"]),
        tmp.path().to_path_buf(),
        vec![],
    )
    .await;
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
}

#[cfg(unix)]
#[test]
fn scenario_discovery_survives_link_loops_fifos_and_huge_files() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("scenarios");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(
        root.join("ok.yaml"),
        "name: fine\nsteps:\n  - name: read\n    request: { method: GET, path: /Users }\n    expect: [{ status: 200, req: P-3.4.2-01 }]\n",
    )
    .unwrap();
    // A loop: sub/again -> .. (the root).
    std::os::unix::fs::symlink("..", root.join("sub/again")).unwrap();
    // A FIFO named like a scenario: opening it would block forever.
    let fifo = root.join("pipe.yaml");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // A file far over the size cap (sparse, so it costs no disk).
    let big = std::fs::File::create(root.join("big.yaml")).unwrap();
    big.set_len(100 * 1024 * 1024).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let cwd = tmp.path().to_path_buf();
    std::thread::spawn(move || {
        let out = harness(&["check", "--scenarios", "scenarios"], &cwd, &[]);
        let _ = tx.send(out);
    });
    let out = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("check finishes instead of hanging");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pipe.yaml") && stderr.contains("not a regular file"),
        "{stderr}"
    );
    assert!(
        stderr.contains("big.yaml") && stderr.contains("limited to 1048576 bytes"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("ok.yaml").count(),
        0,
        "the loop did not load it twice: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_from_the_target_are_path_segments_and_dot_segments_are_refused() {
    use std::sync::Arc;

    use scim_harness::exec::cancel::Cancel;
    use scim_harness::exec::suite::{Silent, run_suite};
    use wiremock::matchers::method;

    use crate::support::{engine, load_dir, options};

    let mock = MockServer::start().await;
    // The first read hands out an id with a query and a path parameter in it; the second a
    // Tomcat-style parent segment.
    Mock::given(method("GET"))
        .and(wiremock::matchers::path("/Users"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"Resources":[{"id":"a/b?c;d"},{"id":"..;"}],"totalResults":2}"#,
            "application/scim+json",
        ))
        .mount(&mock)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw("{}", "application/scim+json"))
        .mount(&mock)
        .await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ids.yaml"),
        r#"name: follow ids
steps:
  - name: list
    request: { method: GET, path: /Users }
    capture: { odd: /Resources/0/id, parent: /Resources/1/id }
    expect: [{ status: 200, req: P-3.4.2-01 }]
  - name: read the odd one
    request: { method: GET, path: "/Users/{{odd}}" }
    expect: [{ status: 200, req: P-3.4.1-01 }]
  - name: read the parent
    request: { method: GET, path: "/Users/{{parent}}/x" }
    expect: [{ status: 200, req: P-3.4.1-01 }]
"#,
    )
    .unwrap();
    let url = mock.uri();
    let report = run_suite(
        engine(&url),
        load_dir(dir.path()).unwrap(),
        &options(&url),
        Cancel::default(),
        Arc::new(Silent),
    )
    .await;
    let sc = &report.scenarios[0];
    let paths: Vec<String> = mock
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let query = r.url.query().map(|q| format!("?{q}")).unwrap_or_default();
            format!("{}{query}", r.url.path())
        })
        .collect();
    assert!(
        paths.contains(&"/Users/a%2Fb%3Fc%3Bd".to_string()),
        "{paths:?}"
    );
    assert!(!paths.iter().any(|p| p.contains("..")), "{paths:?}");
    let last = sc.steps.last().unwrap();
    assert!(
        last.error.as_deref().unwrap_or("").contains("dot segment"),
        "{sc:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulate_never_follows_a_dot_segment_id_from_a_lookup() {
    use std::time::Duration;

    use scim_harness::exec::cleanup::Registry;
    use scim_harness::exec::http::{ClientConfig, HttpClient};
    use scim_harness::simulate::{Idp, parse_directory, simulate_with};
    use wiremock::matchers::{method, path};

    let mock = MockServer::start().await;
    // The lookup "finds" the user under the id `..;`, which Tomcat reads as the parent.
    Mock::given(method("GET"))
        .and(path("/Users"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"Resources":[{"id":"..;","userName":"alice@example.test","active":true}]}"#,
            "application/scim+json",
        ))
        .mount(&mock)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw("{}", "application/scim+json"))
        .mount(&mock)
        .await;
    let client = HttpClient::new(ClientConfig {
        base_url: mock.uri(),
        token: Some(crate::support::TOKEN.into()),
        secrets: vec![],
        request_timeout: Duration::from_secs(10),
        body_limit: 1 << 20,
    })
    .unwrap();
    let directory = parse_directory(
        "users:\n  - { userName: alice@example.test, givenName: Alice, familyName: Archer }\n",
        "d.yaml",
    )
    .unwrap();
    let report = simulate_with(
        &client,
        Idp::OktaOin,
        &directory,
        &[],
        "dots1",
        true,
        &Registry::new(),
    )
    .await;
    let transcript = scim_harness::simulate::render_transcript(&report);
    let paths: Vec<String> = mock
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    assert!(
        paths.iter().all(|p| !p.contains("..")),
        "{paths:?}\n{transcript}"
    );
    assert!(transcript.contains("dot segment"), "{transcript}");
}
