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
}

/// Probes `GET /ServiceProviderConfig`, then `GET /Users`. The target passes when either
/// answers with a JSON object (an error body counts: a 401 in SCIM's format is still SCIM).
/// Returns the number of requests sent.
pub async fn preflight(client: &HttpClient) -> (u32, Result<(), PreflightError>) {
    let mut sent = 0;
    let mut evidence = Vec::new();
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
            Ok(resp) if looks_like_scim(&resp) => return (sent, Ok(())),
            Ok(resp) => evidence.push(format!(
                "GET {} answered {}",
                exchange.request.url,
                describe(&resp)
            )),
        }
    }
    (
        sent,
        Err(PreflightError::NotScim(format!(
            "{}. Check the base URL: it must be the SCIM root that has /Users below it (often ending in /scim/v2)",
            evidence.join("; ")
        ))),
    )
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
    } else {
        format!("{} ({ct}) with a non-JSON body: {snippet}", resp.status)
    }
}
