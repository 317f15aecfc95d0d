//! Shared test support: a wiremock server that forwards every request to an in-process
//! reference server and breaks exactly one thing on the way (a "defect"), plus helpers that
//! run the real scenario suite against a URL.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use scim_harness::baseline::Baseline;
use scim_harness::catalog::Catalog;
use scim_harness::exec::cancel::Cancel;
use scim_harness::exec::engine::{Engine, EngineBuilder};
use scim_harness::exec::suite::{Progress, Silent, SuiteOptions, run_suite};
use scim_harness::run_report::{
    CheckResult, RunReport, ScenarioReport, StepReport, TargetInfo, TargetKind,
};
use scim_harness::scenario::lint::LintContext;
use scim_harness::scenario::load::{LoadedScenario, load_suite};
use scim_harness::validate::SchemaSet;
use scim_reference_server::{Request as ScimRequest, ScimService, ServerOptions};
use tokio::sync::mpsc;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate, matchers::any};

/// The token every test target expects.
pub const TOKEN: &str = "it-secret-token-6c1f";

/// One realistic defect that real SCIM servers ship.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defect {
    /// Faithful proxy: breaks nothing.
    None,
    /// A successful create answers 200 instead of 201.
    CreateAnswers200,
    /// Resources come back without their `schemas` attribute.
    NoSchemasAttribute,
    /// A 404 is answered as 200 (same body).
    NotFoundAs200,
    /// Every response is labelled `application/json`.
    WrongContentType,
    /// A duplicate userName is accepted with 201 instead of 409.
    DuplicateAccepted,
    /// PATCH answers 200 with the unchanged resource and applies nothing.
    PatchIgnored,
    /// The bearer token is never checked.
    TokenNotChecked,
    /// GET of a single user never answers (to interrupt a run mid-scenario).
    HangOnUserRead,
    /// ServiceProviderConfig says `patch.supported: false` (PATCH still works).
    PatchNotAdvertised,
    /// Every response echoes the request's Authorization header (body field and header).
    EchoToken,
    /// ServiceProviderConfig says `bulk.supported: false`, yet /Bulk is processed.
    BulkNotAdvertised,
    /// Single resources come back with `active` as the string "true"/"false".
    StringBooleansInResponses,
    /// Legal: every third request is answered 429 with `Retry-After: 0` the first time it is sent.
    Throttle429,
    /// Every PATCH's first attempt answers 500 (a lock under load); a retry succeeds.
    FirstPatch500,
    /// ServiceProviderConfig says `filter.supported: false` (filters still work).
    FilterNotAdvertised,
    /// ServiceProviderConfig says `filter.supported: false`, and filters are silently ignored.
    FilterNotAdvertisedIgnored,
}

struct Proxy {
    /// Requests seen, for defects that act on some of them.
    seen: std::sync::atomic::AtomicU64,
    /// Requests (PATCH bodies, or whole requests) already answered with an error once.
    failed_once: Mutex<std::collections::HashSet<Vec<u8>>>,
    service: Arc<ScimService>,
    /// The mock server's own base URL (wiremock's request URLs say `http://localhost`).
    base: String,
    defect: Defect,
    hung: Mutex<Option<mpsc::UnboundedSender<()>>>,
}

impl Respond for Proxy {
    fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
        let mut headers: Vec<(String, String)> = req
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        if self.defect == Defect::TokenNotChecked {
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
            headers.push(("authorization".into(), format!("Bearer {TOKEN}")));
        }
        let path = req.url.path().to_string();
        let method = req.method.as_str().to_string();
        let scim_req = ScimRequest {
            method: method.clone(),
            path: path.clone(),
            query: req
                .url
                .query_pairs()
                .filter(|(k, _)| {
                    !(self.defect == Defect::FilterNotAdvertisedIgnored
                        && k.eq_ignore_ascii_case("filter"))
                })
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            headers,
            body: req.body.clone(),
        };
        let base = self.base.clone();
        let n = self.seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if self.defect == Defect::Throttle429
            && n % 3 == 2
            && self
                .failed_once
                .lock()
                .unwrap()
                .insert(format!("{method} {} {:?}", req.url, req.body).into_bytes())
        {
            return ResponseTemplate::new(429)
                .append_header("Retry-After", "0")
                .set_body_raw(
                    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"429","detail":"slow down"}"#,
                    "application/scim+json",
                );
        }
        if self.defect == Defect::FirstPatch500
            && method == "PATCH"
            && self.failed_once.lock().unwrap().insert(req.body.clone())
        {
            return ResponseTemplate::new(500).set_body_raw(
                r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500","detail":"deadlock detected"}"#,
                "application/scim+json",
            );
        }

        if self.defect == Defect::HangOnUserRead && method == "GET" && path.starts_with("/Users/") {
            if let Some(tx) = self.hung.lock().unwrap().as_ref() {
                let _ = tx.send(());
            }
            return ResponseTemplate::new(200).set_delay(Duration::from_secs(120));
        }
        let mut resp = if self.defect == Defect::PatchIgnored && method == "PATCH" {
            let get = ScimRequest {
                method: "GET".into(),
                body: Vec::new(),
                ..scim_req
            };
            self.service.handle(&get, &base)
        } else {
            self.service.handle(&scim_req, &base)
        };
        let mut status = resp.status;
        let mut content_type = resp
            .header("content-type")
            .unwrap_or("application/scim+json")
            .to_string();
        match self.defect {
            Defect::CreateAnswers200 if method == "POST" && status == 201 => status = 200,
            Defect::NotFoundAs200 if status == 404 => status = 200,
            Defect::WrongContentType => content_type = "application/json".into(),
            Defect::NoSchemasAttribute => {
                if let Some(mut body) = resp.json() {
                    if let Some(obj) = body.as_object_mut()
                        && obj.get("meta").is_some()
                    {
                        obj.remove("schemas");
                    }
                    resp.body = serde_json::to_vec(&body).unwrap();
                }
            }
            Defect::StringBooleansInResponses if path.starts_with("/Users/") => {
                if let Some(mut body) = resp.json()
                    && let Some(active) = body.get("active").and_then(serde_json::Value::as_bool)
                {
                    body["active"] = serde_json::Value::String(active.to_string());
                    resp.body = serde_json::to_vec(&body).unwrap();
                }
            }
            Defect::BulkNotAdvertised if path == "/ServiceProviderConfig" => {
                if let Some(mut body) = resp.json() {
                    body["bulk"]["supported"] = serde_json::Value::Bool(false);
                    resp.body = serde_json::to_vec(&body).unwrap();
                }
            }
            Defect::FilterNotAdvertised | Defect::FilterNotAdvertisedIgnored
                if path == "/ServiceProviderConfig" =>
            {
                if let Some(mut body) = resp.json() {
                    body["filter"]["supported"] = serde_json::Value::Bool(false);
                    resp.body = serde_json::to_vec(&body).unwrap();
                }
            }
            Defect::PatchNotAdvertised if path == "/ServiceProviderConfig" => {
                if let Some(mut body) = resp.json() {
                    body["patch"]["supported"] = serde_json::Value::Bool(false);
                    resp.body = serde_json::to_vec(&body).unwrap();
                }
            }
            Defect::DuplicateAccepted if method == "POST" && status == 409 => {
                // Really store the duplicate (under a suffixed name the store accepts), so
                // cleanup has a real resource to find.
                let mut body: serde_json::Value =
                    serde_json::from_slice(&req.body).unwrap_or_default();
                if let Some(name) = body.get("userName").and_then(|v| v.as_str()) {
                    body["userName"] =
                        serde_json::Value::String(format!("{name}.dup{}", uuid_ish()));
                }
                if let Ok(stored) = self.service.insert("User", body) {
                    status = 201;
                    resp.body = serde_json::to_vec(&stored).unwrap();
                }
            }
            _ => {}
        }
        if self.defect == Defect::EchoToken {
            let auth = req
                .headers
                .get("authorization")
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_default();
            if let Some(mut body) = resp.json()
                && let Some(obj) = body.as_object_mut()
            {
                obj.insert("echo".into(), serde_json::Value::String(auth.clone()));
                resp.body = serde_json::to_vec(&body).unwrap();
            }
            resp.headers.push(("x-echo".into(), auth));
        }
        let mut template = ResponseTemplate::new(status);
        for (k, v) in &resp.headers {
            if !k.eq_ignore_ascii_case("content-type") && !k.eq_ignore_ascii_case("content-length")
            {
                template = template.append_header(k.as_str(), v.as_str());
            }
        }
        if resp.body.is_empty() {
            template
        } else {
            template.set_body_raw(resp.body, &content_type)
        }
    }
}

fn uuid_ish() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    N.fetch_add(1, Ordering::Relaxed)
}

/// A mock target with one defect, backed by its own reference service.
pub struct BrokenServer {
    pub mock: MockServer,
    pub service: Arc<ScimService>,
}

impl BrokenServer {
    pub async fn start(defect: Defect) -> Self {
        Self::start_with_signal(defect, None).await
    }

    pub async fn start_with_signal(
        defect: Defect,
        hung: Option<mpsc::UnboundedSender<()>>,
    ) -> Self {
        let service = Arc::new(ScimService::new(ServerOptions {
            token: Some(TOKEN.to_string()),
            ..ServerOptions::default()
        }));
        let mock = MockServer::start().await;
        Mock::given(any())
            .respond_with(Proxy {
                seen: Default::default(),
                failed_once: Default::default(),
                service: service.clone(),
                base: mock.uri(),
                defect,
                hung: Mutex::new(hung),
            })
            .mount(&mock)
            .await;
        BrokenServer { mock, service }
    }

    pub fn url(&self) -> String {
        self.mock.uri()
    }
}

pub fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios")
        .canonicalize()
        .unwrap()
}

pub fn load_scenarios() -> Vec<LoadedScenario> {
    let schemas = SchemaSet::embedded().unwrap();
    let ctx = LintContext {
        schema_names: schemas.names(),
        catalog: Catalog::embedded(),
    };
    load_suite(&[scenarios_dir()], &ctx).unwrap_or_else(|d| panic!("{d:#?}"))
}

/// The engine settings every test target gets: its token, a 20 s request timeout and a
/// run id of its own.
pub fn engine_builder(url: &str) -> EngineBuilder {
    EngineBuilder::new(url, Some(TOKEN.to_string()))
        .request_timeout(Duration::from_secs(20))
        .run_id(format!("it{:08}", uuid_ish()))
}

pub fn engine(url: &str) -> Engine {
    engine_builder(url).build().unwrap()
}

pub fn options(url: &str) -> SuiteOptions {
    SuiteOptions {
        jobs: 4,
        deadline: Duration::from_secs(120),
        target: TargetInfo {
            base_url: url.to_string(),
            kind: TargetKind::External,
        },
        forced_features: Vec::new(),
        gates: None,
        credentials: "the test token".into(),
        cleanup_budget: Duration::from_secs(60),
    }
}

/// Runs the real scenario suite against `url`.
pub async fn run_against(url: &str) -> RunReport {
    run_with(url, Cancel::default(), Arc::new(Silent)).await
}

pub async fn run_with(url: &str, cancel: Cancel, progress: Arc<dyn Progress>) -> RunReport {
    run_suite(
        engine(url),
        load_scenarios(),
        &options(url),
        cancel,
        progress,
    )
    .await
}

/// The report of one scenario by id.
pub fn scenario<'a>(report: &'a RunReport, id: &str) -> &'a ScenarioReport {
    report
        .scenarios
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no scenario {id}"))
}

/// The check of `step` in scenario `id` that cites `req` and failed.
pub fn failed_check<'a>(
    report: &'a RunReport,
    id: &str,
    step: &str,
    req: &str,
) -> (&'a StepReport, &'a CheckResult) {
    let sc = scenario(report, id);
    let st = sc.steps.iter().find(|s| s.name == step).unwrap_or_else(|| {
        panic!(
            "scenario {id} has no step `{step}` in its report: ran {:?}",
            sc.steps.iter().map(|s| &s.name).collect::<Vec<_>>()
        )
    });
    let check = st
        .checks
        .iter()
        .find(|c| {
            c.outcome == scim_harness::run_report::CheckOutcome::Failed
                && c.requirement.as_ref().is_some_and(|r| r.id == req)
        })
        .unwrap_or_else(|| panic!("no failed {req} check in {id} › {step}: {:#?}", st.checks));
    (st, check)
}

/// Runs the suite with `--force-feature` set.
pub async fn run_forcing(
    url: &str,
    forced: Vec<scim_harness::scenario::model::Feature>,
) -> RunReport {
    let mut opts = options(url);
    opts.forced_features = forced;
    run_suite(
        engine(url),
        load_scenarios(),
        &opts,
        Cancel::default(),
        Arc::new(Silent),
    )
    .await
}

/// Runs the suite with a baseline file's content.
pub async fn run_with_baseline(url: &str, baseline_yaml: &str) -> RunReport {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("baseline.yaml");
    std::fs::write(&path, baseline_yaml).unwrap();
    let scenarios = load_scenarios();
    let scope = Baseline::scope(&scenarios);
    let engine = engine_builder(url)
        .baseline(
            Baseline::load(&path, &scope, Catalog::embedded()).unwrap_or_else(|d| panic!("{d:#?}")),
        )
        .build()
        .unwrap();
    run_suite(
        engine,
        scenarios,
        &options(url),
        Cancel::default(),
        Arc::new(Silent),
    )
    .await
}

/// Runs the suite checking or updating snapshots in `store`.
pub async fn run_with_snapshots(
    url: &str,
    store: scim_harness::validate::snapshot::SnapshotStore,
) -> RunReport {
    let engine = engine_builder(url).snapshots(Some(store)).build().unwrap();
    run_suite(
        engine,
        load_scenarios(),
        &options(url),
        Cancel::default(),
        Arc::new(Silent),
    )
    .await
}

/// Loads the scenarios of one directory (for tests that bring their own files).
pub fn load_dir(
    dir: &std::path::Path,
) -> Result<Vec<LoadedScenario>, Vec<scim_harness::scenario::diagnostic::Diagnostic>> {
    let schemas = SchemaSet::embedded().unwrap();
    let ctx = LintContext {
        schema_names: schemas.names(),
        catalog: Catalog::embedded(),
    };
    load_suite(&[dir.to_path_buf()], &ctx)
}
