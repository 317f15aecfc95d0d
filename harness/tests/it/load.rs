//! Load mode from the command line, with small numbers: a sync against the reference server
//! that verifies and leaves the target as it found it, a target that throttles (429 +
//! Retry-After), one that is unreachable or answers non-SCIM, out-of-range flags, cleanup
//! after a --deadline, the report outputs (insta, timings redacted), and `report merge` of
//! two shards.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use scim_harness::load::report::LoadReport;
use scim_reference_server::{Request as ScimRequest, ScimService, ServerOptions};
use serde_json::json;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate, matchers::any};

use crate::binary::{subcommand, text};
use crate::support::TOKEN;

async fn load(args: Vec<String>) -> Output {
    subcommand("load", args).await
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn target(url: &str, dir: &Path) -> Vec<String> {
    args(&[
        "--target",
        url,
        "--token-env",
        "IT_SCIM_TOKEN",
        "--no-progress",
        "--report-dir",
        &dir.display().to_string(),
    ])
}

fn read_report(dir: &Path) -> LoadReport {
    let text = std::fs::read_to_string(dir.join("load.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A wiremock target in front of an in-process reference server: it answers the first
/// `throttle` user creates with 429 + `Retry-After: 1`, and delays every user create by
/// `delay`.
struct Front {
    service: Arc<ScimService>,
    base: String,
    creates: AtomicU64,
    throttle: u64,
    delay: Duration,
}

impl Respond for Front {
    fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
        let path = req.url.path().to_string();
        let method = req.method.as_str().to_string();
        if method == "POST" && path == "/Users" {
            let n = self.creates.fetch_add(1, Ordering::SeqCst);
            if n < self.throttle {
                return ResponseTemplate::new(429)
                    .append_header("Retry-After", "1")
                    .set_body_raw(r#"{"detail":"slow down"}"#, "application/scim+json");
            }
        }
        let scim = ScimRequest {
            method: method.clone(),
            path: path.clone(),
            query: req
                .url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            headers: req
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: req.body.clone(),
        };
        let resp = self.service.handle(&scim, &self.base);
        let mut template = ResponseTemplate::new(resp.status);
        if method == "POST" && path == "/Users" && !self.delay.is_zero() {
            template = template.set_delay(self.delay);
        }
        for (k, v) in &resp.headers {
            if !k.eq_ignore_ascii_case("content-type") && !k.eq_ignore_ascii_case("content-length")
            {
                template = template.append_header(k.as_str(), v.as_str());
            }
        }
        if resp.body.is_empty() {
            template
        } else {
            template.set_body_raw(resp.body, "application/scim+json")
        }
    }
}

struct Target {
    mock: MockServer,
    service: Arc<ScimService>,
}

impl Target {
    async fn start(throttle: u64, delay: Duration) -> Target {
        let mock = MockServer::start().await;
        let service = Arc::new(ScimService::new(ServerOptions {
            token: Some(TOKEN.into()),
            ..ServerOptions::default()
        }));
        Mock::given(any())
            .respond_with(Front {
                service: Arc::clone(&service),
                base: mock.uri(),
                creates: AtomicU64::new(0),
                throttle,
                delay,
            })
            .mount(&mock)
            .await;
        Target { mock, service }
    }

    fn url(&self) -> String {
        self.mock.uri()
    }

    /// `userName`s and group names stored on the target.
    fn contents(&self) -> (Vec<String>, Vec<String>) {
        let names = |kind: &str, attr: &str| -> Vec<String> {
            self.service
                .resources(kind)
                .iter()
                .filter_map(|r| r[attr].as_str().map(str::to_string))
                .collect()
        };
        (names("User", "userName"), names("Group", "displayName"))
    }
}

fn redacted_json(report: &LoadReport) -> serde_json::Value {
    let mut v = serde_json::to_value(report).unwrap();
    v["target"] = json!("[target]");
    for key in ["sync_ms", "total_ms"] {
        v[key] = json!("[time]");
    }
    v["totals"]["rps"] = json!("[time]");
    v["totals"]["latency"] = json!("[time]");
    v["series"] = json!("[time]");
    for op in v["operations"].as_array_mut().unwrap() {
        for key in ["rps", "latency", "histogram"] {
            op[key] = json!("[time]");
        }
    }
    v
}

fn timing_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"(?s)<svg.*?</svg>", "[chart]"),
        (r#"http://[^`\s<"]+"#, "[target]"),
        (r"\b\d+\.\d+\b", "[t]"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra_sync_verifies_cleans_up_and_never_touches_existing_data() {
    let t = Target::start(0, Duration::ZERO).await;
    // Already on the target, and named like nothing the run generates: never touched.
    t.service
        .insert(
            "User",
            json!({"userName": "existing@example.test", "active": true}),
        )
        .unwrap();
    t.service
        .insert("Group", json!({"displayName": "Existing group"}))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut a = args(&[
        "--idp",
        "entra",
        "--users",
        "50",
        "--groups",
        "5",
        "--members-per-group",
        "10",
        "--concurrency",
        "4",
        "--incremental",
        "0.2",
    ]);
    a.extend(target(&t.url(), dir.path()));
    let out = load(a).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let r = read_report(dir.path());
    assert_eq!(r.verdict, "passed");
    assert_eq!((r.created.users, r.created.groups), (50, 5));
    assert_eq!(r.verification.users_checked, 50);
    assert_eq!(r.verification.groups_checked, 5);
    assert!(r.verification.mismatches.is_empty(), "{:?}", r.verification);
    assert_eq!((r.cleanup.deleted, r.cleanup.failed), (55, 0));
    // Entra's batches of 10: one PATCH per group of 10 members.
    let members = r
        .operations
        .iter()
        .find(|o| o.name == "group members")
        .unwrap();
    assert_eq!(members.count, 5);
    assert_eq!(
        t.contents(),
        (
            vec!["existing@example.test".to_string()],
            vec!["Existing group".to_string()]
        )
    );
    insta::assert_json_snapshot!("load_entra_json", redacted_json(&r));
    let md = std::fs::read_to_string(dir.path().join("load.md")).unwrap();
    insta::with_settings!({ filters => timing_filters() }, {
        insta::assert_snapshot!("load_entra_markdown", md);
    });
    let html = std::fs::read_to_string(dir.path().join("load.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 2, "two inline charts");
    insta::with_settings!({ filters => timing_filters() }, {
        insta::assert_snapshot!("load_entra_html", html);
    });
    assert!(!html.contains(TOKEN) && !md.contains(TOKEN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn okta_waits_out_429_retry_after_and_reports_the_stretch() {
    let t = Target::start(3, Duration::ZERO).await;
    let dir = tempfile::tempdir().unwrap();
    let mut a = args(&[
        "--idp",
        "okta-oin",
        "--users",
        "10",
        "--groups",
        "1",
        "--members-per-group",
        "5",
        "--concurrency",
        "2",
        "--max-retry-wait",
        "0.2",
    ]);
    a.extend(target(&t.url(), dir.path()));
    let out = load(a).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let r = read_report(dir.path());
    assert_eq!(r.throttle.responses_429, 3);
    assert_eq!(r.throttle.retries, 3);
    assert_eq!(r.throttle.gave_up, 0);
    // Retry-After: 1 honoured three times, each wait capped by --max-retry-wait 0.2.
    assert!(
        (600.0..3000.0).contains(&r.throttle.waited_ms),
        "{:?}",
        r.throttle
    );
    assert!(r.throttle.stretch_ms > 0.0, "{:?}", r.throttle);
    assert!(r.throttle.policy.contains("Okta"), "{}", r.throttle.policy);
    assert_eq!(r.totals.throttled, 3);
    assert_eq!(
        r.totals.errors, 0,
        "a throttled request that then succeeds is no error"
    );
    assert_eq!(r.created.users, 10);
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("3 × 429"), "{md}");
    assert_eq!(t.contents(), (vec![], vec![]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra_gives_up_on_endless_throttling_records_the_exchange_and_fails() {
    let t = Target::start(u64::MAX, Duration::ZERO).await;
    let dir = tempfile::tempdir().unwrap();
    let mut a = args(&[
        "--idp",
        "entra",
        "--users",
        "1",
        "--groups",
        "0",
        "--members-per-group",
        "0",
        "--max-retry-wait",
        "0.01",
    ]);
    a.extend(target(&t.url(), dir.path()));
    let out = load(a).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let r = read_report(dir.path());
    assert_eq!(r.throttle.gave_up, 1);
    assert_eq!(
        r.throttle.responses_429, 6,
        "the first try and five retries"
    );
    assert!(
        r.throttle.paused_ms > 0.0,
        "Entra pauses the job: {:?}",
        r.throttle
    );
    let f = &r.failures[0];
    assert_eq!(f.operation, "user create");
    assert_eq!(f.status, Some(429));
    assert!(f.request.starts_with("POST "), "{}", f.request);
    assert!(
        f.request_headers
            .contains(&("authorization".into(), "Bearer [REDACTED]".into())),
        "{:?}",
        f.request_headers
    );
    assert!(f.idp_would.contains("escrow"), "{}", f.idp_would);
    let json = std::fs::read_to_string(dir.path().join("load.json")).unwrap();
    assert!(!json.contains(TOKEN));
    assert_eq!(t.contents(), (vec![], vec![]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_non_scim_and_refusing_targets_exit_4_or_7() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = args(&["--idp", "entra", "--users", "5", "--timeout", "2"]);
    a.extend(target("http://127.0.0.1:9", dir.path()));
    let out = load(a).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unreachable"),
        "{}",
        text(&out)
    );

    // A token the target refuses: nothing can be measured (exit 7, as for `run`).
    let t = Target::start(0, Duration::ZERO).await;
    let out = tokio::task::spawn_blocking({
        let (url, dir) = (t.url(), dir.path().display().to_string());
        move || {
            Command::new(env!("CARGO_BIN_EXE_scim-harness"))
                .args(["load", "--idp", "entra", "--users", "5", "--no-progress"])
                .args([
                    "--target",
                    &url,
                    "--token-env",
                    "IT_WRONG_TOKEN",
                    "--report-dir",
                    &dir,
                ])
                .env("IT_WRONG_TOKEN", "not-the-token")
                .env_remove("SCIM_HARNESS_TARGET")
                .env_remove("SCIM_HARNESS_TOKEN")
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", text(&out));
    assert_eq!(t.contents(), (vec![], vec![]));

    let html = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>login</html>", "text/html"))
        .mount(&html)
        .await;
    let mut a = args(&["--idp", "okta-oin", "--users", "5"]);
    a.extend(target(&html.uri(), dir.path()));
    let out = load(a).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not look like a SCIM"),
        "{}",
        text(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_range_flags_are_usage_errors_and_send_nothing() {
    let t = Target::start(0, Duration::ZERO).await;
    let dir = tempfile::tempdir().unwrap();
    for bad in [
        vec!["--users", "0"],
        vec!["--users", "20000000"],
        vec!["--concurrency", "0"],
        vec!["--concurrency", "2000"],
        vec!["--rate", "0/s"],
        vec!["--rate", "lots"],
        vec!["--users", "10", "--members-per-group", "11"],
        vec!["--incremental", "1.5"],
        vec!["--shard", "0/2"],
        vec!["--users", "2", "--shard", "1/3"],
    ] {
        let mut a = args(&["--idp", "entra"]);
        a.extend(args(&bad));
        a.extend(target(&t.url(), dir.path()));
        let out = load(a).await;
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", text(&out));
    }
    assert!(t.mock.received_requests().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_stops_the_sync_and_cleanup_leaves_the_target_empty() {
    // Every create takes 50 ms: 2 000 users cannot finish in the two-second deadline.
    let t = Target::start(0, Duration::from_millis(50)).await;
    let dir = tempfile::tempdir().unwrap();
    let mut a = args(&[
        "--idp",
        "entra",
        "--users",
        "2000",
        "--concurrency",
        "4",
        "--deadline",
        "2",
    ]);
    a.extend(target(&t.url(), dir.path()));
    let out = load(a).await;
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let r = read_report(dir.path());
    assert_eq!(r.verdict, "interrupted");
    assert!(
        r.stopped.as_deref().unwrap_or("").contains("--deadline"),
        "{:?}",
        r.stopped
    );
    assert!(
        r.created.users > 0 && r.created.users < 2000,
        "{}",
        r.created.users
    );
    assert_eq!(r.cleanup.deleted, r.created.users);
    assert_eq!(r.cleanup.failed, 0);
    assert_eq!(t.contents(), (vec![], vec![]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_shards_cover_the_sync_and_merge_into_one_report() {
    let t = Target::start(0, Duration::ZERO).await;
    let root = tempfile::tempdir().unwrap();
    let mut dirs = Vec::new();
    for shard in ["1/2", "2/2"] {
        let dir = root.path().join(shard.replace('/', "-of-"));
        let mut a = args(&[
            "--idp",
            "okta-aiw",
            "--users",
            "30",
            "--groups",
            "4",
            "--members-per-group",
            "5",
            "--shard",
            shard,
        ]);
        a.extend(target(&t.url(), &dir));
        let out = load(a).await;
        assert_eq!(out.status.code(), Some(0), "{shard}: {}", text(&out));
        dirs.push(dir);
    }
    let merged_dir = root.path().join("merged");
    let out = tokio::task::spawn_blocking({
        let (a, b, m) = (
            dirs[0].join("load.json"),
            dirs[1].join("load.json"),
            merged_dir.clone(),
        );
        move || {
            Command::new(env!("CARGO_BIN_EXE_scim-harness"))
                .args(["report", "merge"])
                .arg(&b)
                .arg(&a)
                .arg("--out")
                .arg(&m)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let parts: Vec<LoadReport> = dirs.iter().map(|d| read_report(d)).collect();
    let merged = read_report(&merged_dir);
    assert_eq!(merged.shards, vec!["1/2", "2/2"]);
    assert_eq!(merged.created.users, 30);
    assert_eq!(parts[0].created.users + parts[1].created.users, 30);
    assert_eq!(merged.created.groups, 4);
    assert_eq!(
        merged.totals.requests,
        parts[0].totals.requests + parts[1].totals.requests
    );
    for op in &merged.operations {
        let sum: u64 = parts
            .iter()
            .flat_map(|p| &p.operations)
            .filter(|o| o.name == op.name)
            .map(|o| o.count)
            .sum();
        assert_eq!(op.count, sum, "{}", op.name);
    }
    assert_eq!(merged.verdict, "passed");
    assert!(merged_dir.join("load.html").is_file() && merged_dir.join("load.md").is_file());
    assert_eq!(t.contents(), (vec![], vec![]));

    // Merging a shard twice is refused.
    let out = Command::new(env!("CARGO_BIN_EXE_scim-harness"))
        .args(["report", "merge"])
        .arg(dirs[0].join("load.json"))
        .arg(dirs[0].join("load.json"))
        .arg("--out")
        .arg(root.path().join("twice"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_the_sync_and_cleanup_leaves_the_target_empty() {
    use std::io::{BufRead, BufReader};
    let t = Target::start(0, Duration::from_millis(50)).await;
    let dir = tempfile::tempdir().unwrap();
    let mut a = args(&["--idp", "okta-oin", "--users", "2000", "--concurrency", "4"]);
    a.extend(target(&t.url(), dir.path()));
    let (code, stderr) = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_scim-harness"))
            .arg("load")
            .args(&a)
            .env("IT_SCIM_TOKEN", TOKEN)
            .env_remove("SCIM_HARNESS_TARGET")
            .env_remove("SCIM_HARNESS_TOKEN")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut seen = String::new();
        // The users phase has begun: creates are in flight.
        for line in lines.by_ref() {
            let line = line.unwrap();
            seen.push_str(&line);
            seen.push('\n');
            if line.contains("users…") {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(300));
        let status = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        for line in lines {
            seen.push_str(&line.unwrap());
            seen.push('\n');
        }
        (child.wait().unwrap().code(), seen)
    })
    .await
    .unwrap();
    assert_eq!(code, Some(5), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let r = read_report(dir.path());
    assert_eq!(r.verdict, "interrupted");
    assert!(r.created.users < 2000, "{}", r.created.users);
    assert_eq!((r.cleanup.deleted, r.cleanup.failed), (r.created.users, 0));
    assert_eq!(t.contents(), (vec![], vec![]));
}
