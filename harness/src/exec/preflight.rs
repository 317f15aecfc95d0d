//! Before any scenario runs: is the target reachable, and does it speak SCIM at all? A
//! refused connection or an HTML page gets one clear verdict instead of a hundred failures.

use super::http::{HttpClient, OutgoingRequest, Response};

/// Why the target cannot be tested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreflightError {
    /// Nothing answered.
    #[error("target unreachable: {0}")]
    Unreachable(String),
    /// Something answered, but not SCIM.
    #[error("target does not look like a SCIM service provider: {0}")]
    NotScim(String),
    /// The target refused the credentials (401/403 on an authenticated read): nothing can
    /// be tested, and no conformance finding would be true.
    #[error("{0}")]
    CredentialsRefused(String),
}

/// Paths below a wrong base URL where SCIM roots often live.
const LIKELY_ROOTS: &[&str] = &["/scim/v2", "/scim", "/v2", "/api/scim/v2", "/scim/v2.0"];

/// Probes `GET /ServiceProviderConfig`, then an authenticated `GET /Users?count=1`. The
/// target passes when either answers with a JSON object (an error body counts: a 404 in
/// SCIM's format is still SCIM) and the authenticated read is not refused with 401/403.
/// A base URL where nothing answers like SCIM gets a suggestion of the likely one.
/// Returns the number of requests sent.
pub async fn preflight(client: &HttpClient) -> (u32, Result<(), PreflightError>) {
    let mut sent = 0;
    let mut evidence = Vec::new();
    let mut scim = false;
    let mut statuses = Vec::new();
    for (path, query) in [
        ("/ServiceProviderConfig", vec![]),
        (
            "/Users",
            vec![
                ("startIndex".to_string(), "1".to_string()),
                ("count".to_string(), "1".to_string()),
            ],
        ),
    ] {
        let req = OutgoingRequest {
            query,
            ..OutgoingRequest::new("GET", path, client.default_bearer())
        };
        sent += 1;
        let (exchange, result) = client.send(&req).await;
        match result {
            Err(e) if e.is_unreachable() => {
                return (sent, Err(PreflightError::Unreachable(e.to_string())));
            }
            Err(e) => evidence.push(format!("GET {}: {e}", exchange.request.url)),
            Ok(resp) => {
                statuses.push(resp.status);
                if path == "/Users" && matches!(resp.status, 401 | 403) {
                    return (
                        sent,
                        Err(PreflightError::CredentialsRefused(format!(
                            "GET {} answered {}{}",
                            exchange.request.url,
                            resp.status,
                            detail_of(&resp)
                        ))),
                    );
                }
                // A SCIM error body is still SCIM, but a 404 on both means no SCIM root is
                // here: a SCIM server always has /ServiceProviderConfig and /Users.
                if looks_like_scim(&resp) && resp.status != 404 {
                    scim = true;
                } else if looks_like_scim(&resp) {
                    evidence.push(format!("GET {} answered 404", exchange.request.url));
                } else {
                    evidence.push(format!(
                        "GET {} answered {}",
                        exchange.request.url,
                        describe(&resp)
                    ));
                }
            }
        }
    }
    if scim {
        return (sent, Ok(()));
    }
    let mut hint = "Check the base URL: it must be the SCIM root that has /Users below it (often ending in /scim/v2)".to_string();
    if statuses.iter().all(|s| *s == 404) {
        let (more, found) = likely_root(client).await;
        sent += more;
        if let Some(root) = found {
            hint = format!(
                "Every endpoint answered 404 below this base URL, but {root}/ServiceProviderConfig answers like SCIM: did you mean --target {root}?"
            );
        }
    }
    (
        sent,
        Err(PreflightError::NotScim(format!(
            "{}. {hint}",
            evidence.join("; ")
        ))),
    )
}

/// The first likely SCIM root below the base URL that serves a JSON ServiceProviderConfig.
async fn likely_root(client: &HttpClient) -> (u32, Option<String>) {
    let mut sent = 0;
    for root in LIKELY_ROOTS {
        if client.config().base_url.ends_with(root) {
            continue;
        }
        sent += 1;
        let path = format!("{root}/ServiceProviderConfig");
        let (exchange, result) = client
            .send(&OutgoingRequest::new("GET", path, client.default_bearer()))
            .await;
        if let Ok(resp) = result
            && resp.status == 200
            && looks_like_scim(&resp)
        {
            let url = exchange.request.url;
            return (
                sent,
                Some(url.trim_end_matches("/ServiceProviderConfig").to_string()),
            );
        }
    }
    (sent, None)
}

/// `: <detail>` from a SCIM error body, if it has one.
fn detail_of(resp: &Response) -> String {
    resp.json()
        .and_then(|v| v.get("detail").and_then(|d| d.as_str()).map(str::to_string))
        .map(|d| format!(": {}", d.chars().take(200).collect::<String>()))
        .unwrap_or_default()
}

fn looks_like_scim(resp: &Response) -> bool {
    resp.json().is_some_and(|v| v.is_object())
}

fn describe(resp: &Response) -> String {
    let ct = resp
        .header("content-type")
        .unwrap_or_else(|| "no content-type".into());
    let body = String::from_utf8_lossy(&resp.body);
    let snippet: String = body.trim().chars().take(80).collect();
    if snippet.is_empty() {
        format!("{} ({ct}) with no body", resp.status)
    } else if resp.truncated {
        format!(
            "{} ({ct}) with a body longer than the harness reads ({} bytes kept), so it was not parsed: {snippet}",
            resp.status,
            resp.body.len()
        )
    } else {
        format!("{} ({ct}) with a non-JSON body: {snippet}", resp.status)
    }
}
