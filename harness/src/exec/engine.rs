//! The engine every scenario of a run shares, and the one way to build it: an HTTP client
//! bound to the target, the compiled schemas, the catalog, the run id, the baseline and the
//! snapshot store. The target's own schema declarations are added by discovery when a run
//! opens its session ([`super::session::Session`]).

use std::sync::Arc;
use std::time::Duration;

use super::http::{ClientConfig, HttpClient};
use super::retry::RetryPolicy;
use crate::baseline::Baseline;
use crate::catalog::Catalog;
use crate::validate::snapshot::SnapshotStore;
use crate::validate::target_schema::TargetSchemas;
use crate::validate::{SchemaError, SchemaSet};

/// What every scenario of a run shares. Built with [`EngineBuilder`].
#[derive(Clone)]
pub struct Engine {
    /// Client bound to the target.
    pub(crate) client: HttpClient,
    /// Compiled JSON Schemas.
    pub(crate) schemas: Arc<SchemaSet>,
    /// The requirement catalog.
    pub(crate) catalog: &'static Catalog,
    /// `--strict`.
    pub(crate) strict: bool,
    /// Unique per run; scenarios use it to name their data.
    pub(crate) run_id: String,
    /// The target's expected failures (`--baseline`).
    pub(crate) baseline: Arc<Baseline>,
    /// Behaviour snapshots to check or update (`--snapshot`).
    pub(crate) snapshots: Option<SnapshotStore>,
    /// The target's own schema declarations, once discovery has read them.
    pub(crate) target_schemas: Option<Arc<TargetSchemas>>,
}

impl Engine {
    /// The client bound to the target (shared by every clone of the engine).
    pub fn client(&self) -> &HttpClient {
        &self.client
    }

    /// The run id scenarios name their data with.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }
}

/// Why an engine could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The HTTP client could not be built (a CA file that holds no certificate, …).
    #[error("{0}")]
    Client(String),
    /// The built-in JSON Schemas do not compile (a harness bug).
    #[error("the built-in SCIM JSON Schemas do not compile: {0}")]
    Schemas(#[from] SchemaError),
}

/// Settings of an [`Engine`], each with the default of `scim-harness run`.
pub struct EngineBuilder {
    client: ClientConfig,
    ca_pem: Option<Vec<u8>>,
    retry: RetryPolicy,
    schemas: Option<Arc<SchemaSet>>,
    strict: bool,
    run_id: Option<String>,
    baseline: Baseline,
    snapshots: Option<SnapshotStore>,
}

/// Default timeout of one request (`--timeout`).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest response body a scenario step keeps.
const BODY_LIMIT: usize = 4 << 20;

impl EngineBuilder {
    /// An engine for the SCIM service at `base_url` (a trailing `/` is dropped) that sends
    /// `token` as its bearer token; everything else as `scim-harness run` has it by default.
    pub fn new(base_url: &str, token: Option<String>) -> Self {
        EngineBuilder {
            client: ClientConfig {
                base_url: base_url.trim_end_matches('/').to_string(),
                token,
                secrets: Vec::new(),
                request_timeout: DEFAULT_REQUEST_TIMEOUT,
                body_limit: BODY_LIMIT,
            },
            ca_pem: None,
            retry: RetryPolicy::default(),
            schemas: None,
            strict: false,
            run_id: None,
            baseline: Baseline::none(),
            snapshots: None,
        }
    }

    /// Timeout of one request (`--timeout`).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.client.request_timeout = timeout;
        self
    }

    /// Also trust the CA certificates of this PEM bundle (`--ca-cert`).
    pub fn ca_cert(mut self, pem: Option<Vec<u8>>) -> Self {
        self.ca_pem = pem;
        self
    }

    /// How throttled answers are waited out (`--retries`, `--retry-max-wait`, …).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Schemas already compiled (to lint the scenarios); else the built-in ones are compiled.
    pub fn schemas(mut self, schemas: Arc<SchemaSet>) -> Self {
        self.schemas = Some(schemas);
        self
    }

    /// Fail on SHOULD-level findings too (`--strict`).
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// The run id scenarios name their data with; else a fresh random one.
    pub fn run_id(mut self, run_id: impl Into<String>) -> Self {
        self.run_id = Some(run_id.into());
        self
    }

    /// The target's expected failures (`--baseline`).
    pub fn baseline(mut self, baseline: Baseline) -> Self {
        self.baseline = baseline;
        self
    }

    /// Behaviour snapshots to check or update (`--snapshot`).
    pub fn snapshots(mut self, store: Option<SnapshotStore>) -> Self {
        self.snapshots = store;
        self
    }

    /// The engine, with its client bound to the target (nothing is sent yet).
    pub fn build(self) -> Result<Engine, EngineError> {
        let schemas = match self.schemas {
            Some(schemas) => schemas,
            None => Arc::new(SchemaSet::embedded()?),
        };
        let client = HttpClient::trusting(self.client, self.ca_pem.as_deref())
            .map_err(EngineError::Client)?
            .with_retry(self.retry);
        Ok(Engine {
            client,
            schemas,
            catalog: Catalog::embedded(),
            strict: self.strict,
            run_id: self.run_id.unwrap_or_else(new_run_id),
            baseline: Arc::new(self.baseline),
            snapshots: self.snapshots,
            target_schemas: None,
        })
    }
}

/// A short unique prefix for a run's data (lowercase, so it is valid in any attribute).
pub fn new_run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_those_of_a_plain_run() {
        let engine = EngineBuilder::new("http://127.0.0.1:9/scim/v2/", Some("tok-1234".into()))
            .build()
            .expect("builds");
        let config = engine.client().config();
        assert_eq!(config.base_url, "http://127.0.0.1:9/scim/v2");
        assert_eq!(config.token.as_deref(), Some("tok-1234"));
        assert_eq!(config.request_timeout, DEFAULT_REQUEST_TIMEOUT);
        assert!(!engine.strict);
        assert!(engine.snapshots.is_none() && engine.target_schemas.is_none());
        assert_eq!(engine.run_id().len(), 10);
        assert!(
            engine
                .run_id()
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }

    #[test]
    fn settings_reach_the_engine() {
        let engine = EngineBuilder::new("http://127.0.0.1:9", None)
            .request_timeout(Duration::from_millis(1500))
            .strict(true)
            .run_id("pinned0001")
            .build()
            .expect("builds");
        assert_eq!(
            engine.client().config().request_timeout,
            Duration::from_millis(1500)
        );
        assert!(engine.strict);
        assert_eq!(engine.run_id(), "pinned0001");
        assert_ne!(new_run_id(), new_run_id());
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused_with_the_reason() {
        let result = EngineBuilder::new("https://127.0.0.1:9", None)
            .ca_cert(Some(b"not a certificate".to_vec()))
            .build();
        match result {
            Err(e @ EngineError::Client(_)) => {
                assert!(e.to_string().contains("PEM certificate"), "{e}");
            }
            Err(other) => panic!("wrong error: {other}"),
            Ok(_) => panic!("a CA file without certificates was accepted"),
        }
    }
}
