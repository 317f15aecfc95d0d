//! The HTTP client side: base URL, bearer token, timeouts, SCIM media types, a cap on
//! response size (bodies are streamed, never buffered past the cap), and redaction of every
//! secret at the moment an exchange is recorded, so no report, log or snapshot can leak one.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::cancel::Cancel;
use super::headers::{self, RecordBudget};
pub use super::redact::REDACTED;
use super::redact::Redactor;
use super::retry::{Decision, RetryPolicy, ThrottleStats, is_throttled};
use super::transport::{TransportError, root_cause, tls_problem};
use crate::run_report::RetryRecord;
use crate::run_report::{Exchange, RecordedRequest, RecordedResponse};
use crate::scenario::profile::QueryEncoding;

/// The SCIM media type (RFC 7644 §8.1).
pub const SCIM_JSON: &str = "application/scim+json";
/// The harness's own User-Agent (IdP profiles replace it with the IdP's).
pub const USER_AGENT: &str = concat!("scim-harness/", env!("CARGO_PKG_VERSION"));

/// Settings for talking to one target.
#[derive(Clone)]
pub struct ClientConfig {
    /// SCIM base URL without a trailing slash.
    pub base_url: String,
    /// Bearer token sent by default (never recorded).
    pub token: Option<String>,
    /// Other values that must never appear in a record (e.g. basic-auth passwords).
    pub secrets: Vec<String>,
    /// Timeout of one request, from sending to the last body byte.
    pub request_timeout: Duration,
    /// Largest response body kept; the rest is not read.
    pub body_limit: usize,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| REDACTED))
            .field("request_timeout", &self.request_timeout)
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

/// A request ready to send. `path` is relative to the base URL; `query` pairs are
/// percent-encoded in order.
#[derive(Debug, Clone)]
pub struct OutgoingRequest {
    /// HTTP method.
    pub method: &'static str,
    /// Path below the base URL, starting with `/`.
    pub path: String,
    /// Query parameters, in order.
    pub query: Vec<(String, String)>,
    /// Headers beyond the defaults; a header given here replaces the default of the same name.
    pub headers: Vec<(String, String)>,
    /// Body bytes, if any.
    pub body: Option<Vec<u8>>,
    /// `Some(token)` to send `Authorization: Bearer token`; `None` for no header.
    pub bearer: Option<String>,
    /// Default headers (`Accept`, `Content-Type`) not to send, as an IdP profile omits them.
    pub omit_headers: Vec<String>,
    /// How query values are encoded.
    pub query_encoding: QueryEncoding,
    /// A shorter limit than the run's request timeout for this request (an IdP that gives
    /// up sooner, e.g. Okta after 60 s); the run's timeout still applies when shorter.
    pub timeout: Option<Duration>,
}

impl OutgoingRequest {
    /// A request with the run's token, default headers and percent-encoding.
    pub fn new(method: &'static str, path: impl Into<String>, bearer: Option<String>) -> Self {
        OutgoingRequest {
            method,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            bearer,
            omit_headers: Vec::new(),
            query_encoding: QueryEncoding::Percent,
            timeout: None,
        }
    }
}

/// A response as received (body possibly cut at the limit).
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// Body bytes, at most the limit.
    pub body: Vec<u8>,
    /// True when the body was longer than the limit.
    pub truncated: bool,
}

impl Response {
    /// The first header of that name (case-insensitive), all values joined by `, `.
    pub fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }

    /// The body parsed as JSON, if it is.
    pub fn json(&self) -> Option<serde_json::Value> {
        if self.body.is_empty() || self.truncated {
            return None;
        }
        serde_json::from_slice(&self.body).ok()
    }
}

/// A client bound to one target.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    config: ClientConfig,
    redactor: Arc<Redactor>,
    sent: Arc<AtomicU32>,
    retry: RetryPolicy,
    throttle: ThrottleStats,
    gate: Arc<tokio::sync::RwLock<()>>,
    recorded_headers: Arc<RecordBudget>,
}

impl HttpClient {
    /// Builds the client. Redirects are not followed: conformance checks see the raw 3xx.
    pub fn new(config: ClientConfig) -> Result<Self, String> {
        Self::trusting(config, None)
    }

    /// [`HttpClient::new`], also trusting the CA certificates of a PEM bundle (`--ca-cert`).
    pub fn trusting(config: ClientConfig, ca_pem: Option<&[u8]>) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
            .timeout(config.request_timeout)
            .pool_max_idle_per_host(16);
        if let Some(pem) = ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| format!("the CA file is not PEM certificates: {e}"))?;
            if certs.is_empty() {
                return Err("the CA file holds no PEM certificate".into());
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let inner = builder
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let redactor = Arc::new(Redactor::new(
            config
                .token
                .iter()
                .chain(&config.secrets)
                .map(String::as_str),
        ));
        Ok(HttpClient {
            inner,
            config,
            redactor,
            sent: Arc::new(AtomicU32::new(0)),
            retry: RetryPolicy::default(),
            throttle: ThrottleStats::default(),
            gate: Arc::default(),
            recorded_headers: Arc::new(RecordBudget::default()),
        })
    }

    /// The same client with another throttling policy (`--retries`, `--retry-max-wait`,
    /// `--retry-budget`).
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The run's concurrency gate: scenario steps hold it shared while they send; a retry
    /// that must run with nothing else in flight holds it alone.
    pub fn concurrency_gate(&self) -> &tokio::sync::RwLock<()> {
        &self.gate
    }

    /// Throttling seen so far by this client and its clones.
    pub fn throttling(&self) -> &ThrottleStats {
        &self.throttle
    }

    /// Requests sent so far by this client and its clones.
    pub fn requests_sent(&self) -> u32 {
        self.sent.load(Ordering::Relaxed)
    }

    /// The target's settings.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The default bearer token (for `auth: default`).
    pub fn default_bearer(&self) -> Option<String> {
        self.config.token.clone()
    }

    /// The absolute URL of a request, with the query percent-encoded.
    pub fn url_of(&self, path: &str, query: &[(String, String)]) -> String {
        self.url_with(path, query, QueryEncoding::Percent)
    }

    /// The absolute URL of a request, with the query in the given encoding.
    pub fn url_with(
        &self,
        path: &str,
        query: &[(String, String)],
        encoding: QueryEncoding,
    ) -> String {
        let encode = |s: &str| match encoding {
            QueryEncoding::Percent => percent_encode(s),
            QueryEncoding::Plus => percent_encode(s).replace("%20", "+"),
        };
        let mut url = format!("{}{}", self.config.base_url, path);
        for (i, (k, v)) in query.iter().enumerate() {
            url.push(if i == 0 && !path.contains('?') {
                '?'
            } else {
                '&'
            });
            url.push_str(&encode(k));
            url.push('=');
            url.push_str(&encode(v));
        }
        url
    }

    /// Sends a request and records the exchange (redacted), waiting out throttling answers
    /// (429, 503 + `Retry-After`) within the retry policy. Never panics on a bad target.
    pub async fn send(
        &self,
        req: &OutgoingRequest,
    ) -> (Exchange, Result<Response, TransportError>) {
        self.send_with(req, None).await
    }

    /// [`HttpClient::send`], but a wait for a throttling target ends early when `cancel`
    /// fires: the throttled answer is then the result (nothing was created by it).
    pub async fn send_with(
        &self,
        req: &OutgoingRequest,
        cancel: Option<&Cancel>,
    ) -> (Exchange, Result<Response, TransportError>) {
        let mut retries = Vec::new();
        loop {
            let (mut exchange, result) = self.send_once(req).await;
            let throttled = result.as_ref().ok().and_then(|r| {
                let after = r.header("retry-after");
                is_throttled(r.status, after.as_deref()).then_some((r.status, after))
            });
            let Some((status, after)) = throttled else {
                exchange.retries = retries;
                return (exchange, result);
            };
            self.throttle.throttled();
            let decision = self.retry.decide(
                status,
                after.as_deref(),
                retries.len() as u32,
                self.throttle.spent(),
            );
            let wait = match decision {
                Decision::Wait(wait) => wait,
                Decision::GiveUp(why) => {
                    self.throttle.gave_up();
                    exchange.retries = retries;
                    exchange.throttled = Some(why);
                    return (exchange, result);
                }
            };
            let sleep = tokio::time::sleep(wait);
            match cancel {
                Some(cancel) => tokio::select! {
                    () = sleep => {}
                    () = cancel.cancelled() => {
                        exchange.retries = retries;
                        exchange.throttled = Some("interrupted while waiting out throttling".into());
                        return (exchange, result);
                    }
                },
                None => sleep.await,
            }
            self.throttle.retried(wait);
            retries.push(RetryRecord {
                status,
                retry_after: after.map(|a| self.redact(&a)),
                waited_ms: wait.as_millis() as u64,
            });
        }
    }

    async fn send_once(
        &self,
        req: &OutgoingRequest,
    ) -> (Exchange, Result<Response, TransportError>) {
        let url = self.url_with(&req.path, &req.query, req.query_encoding);
        // Defaults are plain headers, so a profile can replace or omit them and every
        // record shows exactly what was sent.
        let mut headers: Vec<(String, String)> = vec![
            ("User-Agent".into(), USER_AGENT.into()),
            ("Accept".into(), SCIM_JSON.into()),
        ];
        if req.body.is_some() {
            headers.push(("Content-Type".into(), SCIM_JSON.into()));
        }
        headers.retain(|(h, _)| !req.omit_headers.iter().any(|o| o.eq_ignore_ascii_case(h)));
        for (k, v) in &req.headers {
            headers.retain(|(h, _)| !h.eq_ignore_ascii_case(k));
            headers.push((k.clone(), v.clone()));
        }
        if let Some(token) = &req.bearer {
            headers.push(("Authorization".into(), format!("Bearer {token}")));
        }
        self.sent.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let started_at = crate::exec::suite::rfc3339(std::time::SystemTime::now());
        // Redacted on receipt: checks, captures, snapshots and simulations only ever see a
        // response in which an echoed secret is already replaced.
        let result = self
            .execute(req, &url, &headers)
            .await
            .map(|r| self.redact_response(r));
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        let exchange = Exchange {
            request: RecordedRequest {
                method: req.method.to_string(),
                url: self.redact(&url),
                headers: headers
                    .iter()
                    .map(|(k, v)| (self.redactor.redact_name(k), self.redact_header(k, v)))
                    .collect(),
                body: req.body.as_ref().map(|b| self.redact(&record_body(b))),
            },
            response: result.as_ref().ok().map(|r| RecordedResponse {
                status: r.status,
                headers: self.recorded_headers.record(
                    r.headers
                        .iter()
                        .map(|(k, v)| (k.clone(), self.redact_header(k, v)))
                        .collect(),
                    headers::PER_RUN,
                ),
                body: (!r.body.is_empty()).then(|| record_body(&r.body)),
                truncated: r.truncated || r.body.len() > RECORD_LIMIT,
            }),
            started_at: Some(started_at),
            duration_ms: (duration_ms * 1000.0).round() / 1000.0,
            retries: Vec::new(),
            throttled: None,
        };
        (exchange, result)
    }

    async fn execute(
        &self,
        req: &OutgoingRequest,
        url: &str,
        headers: &[(String, String)],
    ) -> Result<Response, TransportError> {
        let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|e| {
            TransportError::Other {
                url: self.redact(url),
                detail: e.to_string(),
            }
        })?;
        let limit = req.timeout.map_or(self.config.request_timeout, |t| {
            t.min(self.config.request_timeout)
        });
        let mut builder = self.inner.request(method, url).timeout(limit);
        for (k, v) in headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        let map_err = |e: reqwest::Error| self.transport_error(url, e, limit);
        let mut resp = builder.send().await.map_err(map_err)?;
        let status = resp.status().as_u16();
        let headers = headers::cap(
            resp.headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            headers::PER_RESPONSE,
        );
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = resp.chunk().await.map_err(map_err)? {
            let room = self.config.body_limit.saturating_sub(body.len());
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            status,
            headers,
            body,
            truncated,
        })
    }

    fn transport_error(&self, url: &str, e: reqwest::Error, limit: Duration) -> TransportError {
        let url = self.redact(url);
        if let Some(detail) = tls_problem(&e) {
            return TransportError::Tls { url, detail };
        }
        if e.is_timeout() {
            TransportError::Timeout {
                url,
                timeout_ms: limit.as_millis(),
            }
        } else if e.is_connect() {
            TransportError::Connect {
                url,
                detail: self.redact(&root_cause(&e)),
            }
        } else {
            TransportError::Other {
                url,
                detail: self.redact(&root_cause(&e)),
            }
        }
    }

    fn redact_header(&self, name: &str, value: &str) -> String {
        if name.eq_ignore_ascii_case("authorization")
            || name.eq_ignore_ascii_case("proxy-authorization")
        {
            match value.split_once(' ') {
                Some((scheme, _)) => format!("{scheme} {REDACTED}"),
                None => REDACTED.to_string(),
            }
        } else {
            self.redact(value)
        }
    }

    /// Replaces every configured secret in `text`, in every spelling a server or an output
    /// format may give it (see [`Redactor`]).
    pub fn redact(&self, text: &str) -> String {
        self.redactor.redact(text)
    }

    /// The run's redactor, for outputs written outside the client (reports, transcripts).
    pub fn redactor(&self) -> Arc<Redactor> {
        self.redactor.clone()
    }

    /// The response with every secret replaced in its headers and body (a body that holds a
    /// secret is re-encoded as lossy UTF-8 text; it is the server's echo of our own secret).
    fn redact_response(&self, mut r: Response) -> Response {
        for (k, v) in &mut r.headers {
            *k = self.redactor.redact_name(k);
            *v = self.redact(v);
        }
        let text = String::from_utf8_lossy(&r.body);
        let redacted = self.redact(&text);
        if redacted != text {
            r.body = redacted.into_bytes();
        }
        r
    }
}

/// Largest body kept in a recorded exchange (reports stay small whatever the target sends).
pub const RECORD_LIMIT: usize = 64 * 1024;

/// A body as text for the record, cut at [`RECORD_LIMIT`] on a character boundary.
fn record_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(RECORD_LIMIT)]);
    let mut text = text.into_owned();
    if body.len() > RECORD_LIMIT {
        text.push_str(&format!("… ({} bytes in all)", body.len()));
    }
    text
}

/// Percent-encodes everything but RFC 3986 unreserved characters (space → `%20`).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(token: Option<&str>) -> HttpClient {
        HttpClient::new(ClientConfig {
            base_url: "http://127.0.0.1:9".into(),
            token: token.map(str::to_string),
            secrets: vec!["hunter22".into()],
            request_timeout: Duration::from_millis(500),
            body_limit: 1024,
        })
        .unwrap()
    }

    #[test]
    fn query_is_percent_encoded_in_order() {
        let c = client(None);
        let url = c.url_of(
            "/Users",
            &[
                ("filter".into(), "userName eq \"a b\"".into()),
                ("count".into(), "2".into()),
            ],
        );
        assert_eq!(
            url,
            "http://127.0.0.1:9/Users?filter=userName%20eq%20%22a%20b%22&count=2"
        );
    }

    #[test]
    fn plus_encoding_writes_spaces_as_plus() {
        let c = client(None);
        let url = c.url_with(
            "/Users",
            &[("filter".into(), "userName eq \"a b\"".into())],
            QueryEncoding::Plus,
        );
        assert_eq!(url, "http://127.0.0.1:9/Users?filter=userName+eq+%22a+b%22");
    }

    #[test]
    fn escaped_and_encoded_echoes_are_redacted() {
        let c = client(Some("abc/DEF+ghi=jkl SECRET"));
        let echoed = r#"{"php":"abc\/DEF+ghi=jkl SECRET","url":"abc%2FDEF%2Bghi%3Djkl%20SECRET","form":"abc%2FDEF%2Bghi%3Djkl+SECRET"}"#;
        let out = c.redact(echoed);
        assert!(!out.contains("SECRET"), "{out}");
        let resp = c.redact_response(Response {
            status: 200,
            headers: vec![("x-echo".into(), "Bearer abc/DEF+ghi=jkl SECRET".into())],
            body: echoed.as_bytes().to_vec(),
            truncated: false,
        });
        assert!(!String::from_utf8_lossy(&resp.body).contains("SECRET"));
        assert!(!resp.headers[0].1.contains("SECRET"));
    }

    #[test]
    fn unicode_escaped_and_header_name_echoes_are_redacted() {
        // .NET escapes `+` as `\u002B`; parsing the JSON turns it back into the token.
        let c = client(Some("Ab12+cd/EF34=="));
        let resp = c.redact_response(Response {
            status: 200,
            headers: vec![("x-ab12+cd/ef34==".into(), "%2fEF34".into())],
            body: br#"{"echo":"Ab12\u002Bcd\u002fEF34\u003D\u003d","n":1}"#.to_vec(),
            truncated: false,
        });
        let parsed = resp.json().unwrap().to_string();
        assert!(!parsed.contains("Ab12+cd/EF34=="), "{parsed}");
        assert!(parsed.contains(REDACTED), "{parsed}");
        assert_eq!(resp.headers[0].0, "x-[REDACTED]");
    }

    #[test]
    fn recorded_bodies_are_capped() {
        let big = vec![b'a'; RECORD_LIMIT + 10];
        let text = record_body(&big);
        assert!(text.len() < RECORD_LIMIT + 40, "{}", text.len());
        assert!(text.ends_with(&format!("({} bytes in all)", RECORD_LIMIT + 10)));
    }

    #[test]
    fn secrets_are_redacted_everywhere() {
        let c = client(Some("s3cr3t-token"));
        assert_eq!(
            c.redact("echo s3cr3t-token and hunter22"),
            "echo [REDACTED] and [REDACTED]"
        );
        assert_eq!(
            c.redact_header("Authorization", "Bearer anything"),
            "Bearer [REDACTED]"
        );
        assert!(!format!("{:?}", c.config()).contains("s3cr3t"));
    }

    #[tokio::test]
    async fn refused_connection_is_a_transport_error_with_the_token_redacted() {
        // Port 9 (discard) on loopback is closed in test environments; connection is refused.
        let c = client(Some("s3cr3t-token"));
        let (exchange, result) = c
            .send(&OutgoingRequest {
                query: vec![("t".into(), "s3cr3t-token".into())],
                ..OutgoingRequest::new("GET", "/Users", c.default_bearer())
            })
            .await;
        let err = result.unwrap_err();
        assert!(err.is_unreachable(), "{err}");
        let recorded = serde_json::to_string(&exchange).unwrap();
        assert!(!recorded.contains("s3cr3t"), "{recorded}");
        assert!(recorded.contains("Bearer [REDACTED]"), "{recorded}");
    }
}
