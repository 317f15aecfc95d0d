//! Sending one load request in the IdP's dialect (its headers, omitted defaults and query
//! encoding, from [`crate::simulate::dialect`]).
//!
//! Three transports. `direct`, the default, sends the header set built once per run and
//! records nothing, because a load run keeps no per-request record: over hyper connections
//! of its own for a plain-HTTP target (`conn.rs`), over reqwest for HTTPS. `reqwest` takes
//! reqwest for plain HTTP too, and `exec` goes through the conformance engine's
//! [`HttpClient`], which records and redacts every exchange; both stay selectable (hidden
//! `--transport`) so what each layer costs can be measured (`bench/load-vs-wrk.sh` prints
//! all three).

use std::time::Duration;

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::exec::http::{
    ClientConfig, HttpClient, OutgoingRequest, REDACTED, SCIM_JSON, USER_AGENT,
};
use crate::simulate::Idp;

/// Which HTTP path requests take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Transport {
    /// Plain HTTP: hyper connections of our own (`conn.rs`); HTTPS: reqwest. A prebuilt
    /// header set, nothing recorded (default).
    #[default]
    Direct,
    /// reqwest with a prebuilt header set, nothing recorded, also for plain HTTP (to measure
    /// what the own connections save).
    Reqwest,
    /// The conformance engine's recording, redacting client.
    Exec,
}

/// One request of the sequence.
#[derive(Debug, Clone)]
pub struct LoadRequest {
    /// HTTP method.
    pub method: Method,
    /// Path below the base URL.
    pub path: String,
    /// Query, encoded in the IdP's way.
    pub query: Vec<(String, String)>,
    /// JSON body.
    pub body: Option<Vec<u8>>,
}

impl LoadRequest {
    /// A bodiless request.
    pub fn get(path: impl Into<String>, query: Vec<(String, String)>) -> Self {
        LoadRequest {
            method: Method::GET,
            path: path.into(),
            query,
            body: None,
        }
    }

    /// A request with a JSON body.
    pub fn with_body(method: Method, path: impl Into<String>, body: &serde_json::Value) -> Self {
        LoadRequest {
            method,
            path: path.into(),
            query: Vec::new(),
            body: Some(serde_json::to_vec(body).unwrap_or_default()),
        }
    }

    /// DELETE.
    pub fn delete(path: impl Into<String>) -> Self {
        LoadRequest {
            method: Method::DELETE,
            path: path.into(),
            query: Vec::new(),
            body: None,
        }
    }
}

/// An answer.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body (at most the body limit).
    pub body: Vec<u8>,
}

impl Reply {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// No answer.
#[derive(Debug, Clone)]
pub struct WireError {
    /// Refused, unreachable or timed out (as opposed to a broken answer).
    pub unreachable: bool,
    /// What happened, secrets redacted.
    pub detail: String,
}

/// The run's connection to the target.
#[derive(Clone)]
pub struct Wire {
    client: reqwest::Client,
    exec: HttpClient,
    transport: Transport,
    idp: Idp,
    plain: HeaderMap,
    with_body: HeaderMap,
    body_limit: usize,
    /// The base URL parsed once: requests only replace path and query (no host parsing).
    base: reqwest::Url,
    plus: bool,
    /// Plain-HTTP targets: hyper connections without reqwest's pool (see `conn.rs`).
    raw: Option<std::sync::Arc<super::conn::Pool>>,
}

impl Wire {
    /// A connection pool sized for `concurrency` requests in flight.
    pub fn new(
        config: ClientConfig,
        idp: Idp,
        concurrency: usize,
        transport: Transport,
    ) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
            .timeout(config.request_timeout)
            .pool_max_idle_per_host(concurrency.max(1))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let body_limit = config.body_limit;
        let request_timeout = config.request_timeout;
        let bearer = config.token.clone();
        let base = reqwest::Url::parse(&config.base_url)
            .map_err(|e| format!("the target URL `{}` is invalid: {e}", config.base_url))?;
        // Throttling is the load mode's own business (the IdP's policy, in `throttle`): the
        // recording client must hand every 429/503 back instead of waiting it out.
        let exec = HttpClient::new(config)?.with_retry(crate::exec::retry::RetryPolicy {
            max_retries: 0,
            ..crate::exec::retry::RetryPolicy::default()
        });
        let mut plain = HeaderMap::new();
        let put = |map: &mut HeaderMap, k: &str, v: &str| {
            if let (Ok(k), Ok(v)) = (
                HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                map.insert(k, v);
            }
        };
        put(&mut plain, "user-agent", USER_AGENT);
        put(&mut plain, "accept", SCIM_JSON);
        for h in idp.omit_headers() {
            plain.remove(h.to_ascii_lowercase().as_str());
        }
        for (k, v) in idp.headers() {
            put(&mut plain, k, v);
        }
        if let Some(token) = &bearer
            && let Ok(mut v) = HeaderValue::from_str(&format!("Bearer {token}"))
        {
            v.set_sensitive(true);
            plain.insert(reqwest::header::AUTHORIZATION, v);
        }
        let mut with_body = plain.clone();
        put(&mut with_body, "content-type", SCIM_JSON);
        for (k, v) in idp.body_headers() {
            put(&mut with_body, k, v);
        }
        let raw = match (base.scheme(), base.host_str(), base.port_or_known_default()) {
            ("http", Some(host), Some(port)) if transport == Transport::Direct => {
                let authority = match base.port() {
                    Some(_) => format!("{host}:{port}"),
                    None => host.to_string(),
                };
                Some(std::sync::Arc::new(super::conn::Pool::new(
                    &authority,
                    request_timeout,
                    body_limit,
                )?))
            }
            _ => None,
        };
        Ok(Wire {
            raw,
            client,
            exec,
            transport,
            idp,
            plain,
            with_body,
            body_limit,
            base,
            plus: idp.query_encoding() == crate::scenario::profile::QueryEncoding::Plus,
        })
    }

    /// The request's URL built on the parsed base: the same text as [`Wire::url`], without
    /// re-parsing scheme and host on every request.
    fn fast_url(&self, req: &LoadRequest) -> reqwest::Url {
        let mut url = self.base.clone();
        let mut path = String::with_capacity(self.base.path().len() + req.path.len());
        path.push_str(self.base.path().trim_end_matches('/'));
        path.push_str(&req.path);
        url.set_path(&path);
        if req.query.is_empty() {
            url.set_query(None);
        } else {
            let mut q = String::with_capacity(96);
            for (i, (k, v)) in req.query.iter().enumerate() {
                if i > 0 {
                    q.push('&');
                }
                encode_into(&mut q, k, self.plus);
                q.push('=');
                encode_into(&mut q, v, self.plus);
            }
            url.set_query(Some(&q));
        }
        url
    }

    /// The recording client (for redaction and its settings).
    pub fn exec(&self) -> &HttpClient {
        &self.exec
    }

    /// The absolute URL of a request in the IdP's query encoding.
    pub fn url(&self, req: &LoadRequest) -> String {
        self.exec
            .url_with(&req.path, &req.query, self.idp.query_encoding())
    }

    /// The headers a request carries, the token redacted (for failure records).
    pub fn recorded_headers(&self, req: &LoadRequest) -> Vec<(String, String)> {
        let map = if req.body.is_some() {
            &self.with_body
        } else {
            &self.plain
        };
        map.iter()
            .map(|(k, v)| {
                let value = if k == reqwest::header::AUTHORIZATION {
                    format!("Bearer {REDACTED}")
                } else {
                    self.exec.redact(&String::from_utf8_lossy(v.as_bytes()))
                };
                (k.as_str().to_string(), value)
            })
            .collect()
    }

    /// Sends one request.
    pub async fn send(&self, req: &LoadRequest) -> Result<Reply, WireError> {
        match self.transport {
            Transport::Direct | Transport::Reqwest => self.send_direct(req).await,
            Transport::Exec => self.send_exec(req).await,
        }
    }

    async fn send_direct(&self, req: &LoadRequest) -> Result<Reply, WireError> {
        if let Some(pool) = &self.raw {
            return self.send_raw(pool, req).await;
        }
        let url = self.fast_url(req);
        let headers = if req.body.is_some() {
            &self.with_body
        } else {
            &self.plain
        };
        let mut builder = self
            .client
            .request(req.method.clone(), url.clone())
            .headers(headers.clone());
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        let fail = |e: reqwest::Error| WireError {
            unreachable: e.is_connect() || e.is_timeout(),
            detail: self
                .exec
                .redact(&format!("{} {url}: {}", req.method, root_cause(&e))),
        };
        let mut resp = builder.send().await.map_err(fail)?;
        let status = resp.status().as_u16();
        let headers = std::mem::take(resp.headers_mut());
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(fail)? {
            let room = self.body_limit.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if chunk.len() > room {
                break;
            }
        }
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// The request's path and query in origin form (`/scim/v2/Users?filter=…`).
    fn origin_form(&self, req: &LoadRequest) -> String {
        let base = self.base.path().trim_end_matches('/');
        let mut out = String::with_capacity(base.len() + req.path.len() + 96);
        out.push_str(base);
        out.push_str(&req.path);
        for (i, (k, v)) in req.query.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            encode_into(&mut out, k, self.plus);
            out.push('=');
            encode_into(&mut out, v, self.plus);
        }
        out
    }

    async fn send_raw(
        &self,
        pool: &super::conn::Pool,
        req: &LoadRequest,
    ) -> Result<Reply, WireError> {
        let target = self.origin_form(req);
        let headers = if req.body.is_some() {
            &self.with_body
        } else {
            &self.plain
        };
        match pool
            .send(req.method.clone(), &target, headers, req.body.as_deref())
            .await
        {
            Ok(r) => Ok(Reply {
                status: r.status,
                headers: r.headers,
                body: r.body,
            }),
            Err(e) => Err(WireError {
                unreachable: e.unreachable,
                detail: self
                    .exec
                    .redact(&format!("{} {target}: {}", req.method, e.detail)),
            }),
        }
    }

    async fn send_exec(&self, req: &LoadRequest) -> Result<Reply, WireError> {
        let method: &'static str = match req.method.as_str() {
            "GET" => "GET",
            "POST" => "POST",
            "PUT" => "PUT",
            "PATCH" => "PATCH",
            _ => "DELETE",
        };
        let mut out = OutgoingRequest::new(method, req.path.clone(), self.exec.default_bearer());
        out.query.clone_from(&req.query);
        out.query_encoding = self.idp.query_encoding();
        out.omit_headers = self
            .idp
            .omit_headers()
            .into_iter()
            .map(String::from)
            .collect();
        out.headers = self
            .idp
            .headers()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if let Some(body) = &req.body {
            out.body = Some(body.clone());
            out.headers.extend(
                self.idp
                    .body_headers()
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string())),
            );
        }
        let (_, result) = self.exec.send(&out).await;
        let resp = result.map_err(|e| WireError {
            unreachable: e.is_unreachable(),
            detail: e.to_string(),
        })?;
        let mut headers = HeaderMap::new();
        for (k, v) in &resp.headers {
            if let (Ok(k), Ok(v)) = (
                HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                headers.append(k, v);
            }
        }
        Ok(Reply {
            status: resp.status,
            headers,
            body: resp.body,
        })
    }
}

/// Percent-encodes all but RFC 3986 unreserved characters, a space as `+` when `plus`
/// (the same output as [`crate::exec::http::percent_encode`], without an allocation per byte).
fn encode_into(out: &mut String, s: &str, plus: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else if b == b' ' && plus {
            out.push('+');
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::profile::QueryEncoding;

    fn wire(idp: Idp) -> Wire {
        Wire::new(
            ClientConfig {
                base_url: "http://127.0.0.1:9/scim/v2".into(),
                token: Some("tok-secret-123".into()),
                secrets: vec![],
                request_timeout: Duration::from_secs(1),
                body_limit: 1024,
            },
            idp,
            4,
            Transport::Direct,
        )
        .unwrap()
    }

    #[test]
    fn entra_requests_carry_its_dialect_and_never_show_the_token() {
        let w = wire(Idp::Entra);
        let get = LoadRequest::get(
            "/Users",
            vec![("filter".into(), "userName eq \"a b\"".into())],
        );
        assert_eq!(
            w.url(&get),
            "http://127.0.0.1:9/scim/v2/Users?filter=userName+eq+%22a+b%22"
        );
        let headers = w.recorded_headers(&get);
        assert!(!headers.iter().any(|(k, _)| k == "accept"), "{headers:?}");
        assert!(headers.contains(&("authorization".into(), "Bearer [REDACTED]".into())));
        assert!(!format!("{headers:?}").contains("tok-secret"));
        let post = LoadRequest::with_body(Method::POST, "/Users", &serde_json::json!({}));
        let headers = w.recorded_headers(&post);
        assert!(headers.contains(&(
            "content-type".into(),
            "application/scim+json; charset=utf-8".into()
        )));
        assert_eq!(Idp::OktaOin.query_encoding(), QueryEncoding::Percent);
    }

    #[test]
    fn the_fast_url_is_the_recorded_url() {
        for idp in [Idp::Entra, Idp::OktaOin] {
            let w = wire(idp);
            for req in [
                LoadRequest::get(
                    "/Users",
                    idp.user_lookup_query("Zoë O'Brien+x@example.test"),
                ),
                LoadRequest::get("/Users/abc-123", vec![]),
            ] {
                assert_eq!(w.fast_url(&req).as_str(), w.url(&req), "{idp}");
            }
        }
    }

    #[test]
    fn okta_sends_its_user_agent() {
        let w = wire(Idp::OktaOin);
        let headers = w.recorded_headers(&LoadRequest::get("/Users", vec![]));
        assert!(headers.contains(&("user-agent".into(), "Okta SCIM Client 1.0.0".into())));
    }

    #[tokio::test]
    async fn a_closed_port_is_unreachable_and_redacted() {
        let w = wire(Idp::Google);
        let err = w
            .send(&LoadRequest::get(
                "/Users",
                vec![("t".into(), "tok-secret-123".into())],
            ))
            .await
            .unwrap_err();
        assert!(err.unreachable, "{err:?}");
        assert!(!err.detail.contains("tok-secret"), "{}", err.detail);
    }
}
