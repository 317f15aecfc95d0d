//! Cleanup: every resource a scenario creates is registered the moment the target answers
//! the POST, and deleted when the scenario ends — passed, failed, timed out or interrupted.
//! Only registered URLs are ever deleted, so the harness never touches data it did not create.

use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::http::{HttpClient, OutgoingRequest, Response};
use crate::report::model::CleanupRecord;

/// Resources created by one scenario, in creation order. Shared with the scenario's task so
/// that cleanup still sees them after the task is cancelled.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    created: Arc<Mutex<Vec<String>>>,
    /// Every URL ever registered, deleted or not: what the scenario may still address.
    ever: Arc<Mutex<Vec<String>>>,
    /// Creates the target answered without saying where (no id, no Location): leaks.
    unidentified: Arc<Mutex<Vec<String>>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Records what a request did: a successful POST that created a resource registers it;
    /// a DELETE that removed one (or found it gone) unregisters it.
    /// `path` is the request path below the base URL (no query).
    pub fn observe(
        &self,
        client: &HttpClient,
        method: &str,
        path: &str,
        resp: &Response,
        run_id: &str,
    ) {
        let base = &client.config().base_url;
        match method {
            "POST" if (200..300).contains(&resp.status) => {
                let collection = path.trim_end_matches('/');
                if collection.eq_ignore_ascii_case("/Bulk") {
                    for url in bulk_created_urls(base, resp) {
                        self.register(&url);
                    }
                } else if collection.ends_with("/.search") {
                } else if let Some(url) = created_url(base, path, resp, run_id) {
                    self.register(&url);
                } else if resp.status == 201 {
                    self.unidentified
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(format!("{base}{collection}"));
                }
            }
            "DELETE" if (200..300).contains(&resp.status) || resp.status == 404 => {
                let url = format!("{base}{path}");
                self.lock().retain(|u| u != &url);
            }
            _ => {}
        }
    }

    /// Registers a resource created outside a scenario step (e.g. by the IdP simulation).
    pub fn register(&self, url: &str) {
        let mut created = self.lock();
        if !created.iter().any(|u| u == url) {
            created.push(url.to_string());
        }
        let mut ever = self.ever.lock().unwrap_or_else(|p| p.into_inner());
        if !ever.iter().any(|u| u == url) {
            ever.push(url.to_string());
        }
    }

    /// Whether this scenario created the resource at `url` (even if it is deleted since).
    pub fn created_here(&self, url: &str) -> bool {
        self.ever
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .any(|u| u == url)
    }

    /// URLs still registered.
    pub fn pending(&self) -> Vec<String> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        // A panic while holding this lock cannot leave the Vec inconsistent.
        self.created.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Deletes every registered resource, newest first (groups before the users in them).
    pub async fn clean(&self, client: &HttpClient) -> Vec<CleanupRecord> {
        let base = client.config().base_url.clone();
        let mut records: Vec<CleanupRecord> = self
            .unidentified
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|collection| CleanupRecord {
                url: client.redact(collection),
                status: None,
                deleted: false,
                error: Some(
                    "the target answered 201 without an id or a Location, so the created resource cannot be found to delete it"
                        .into(),
                ),
            })
            .collect();
        let urls: Vec<String> = self.pending().into_iter().rev().collect();
        for url in urls {
            let Some(path) = url.strip_prefix(&base) else {
                continue;
            };
            let (_, result) = client
                .send(&OutgoingRequest::new(
                    "DELETE",
                    path,
                    client.default_bearer(),
                ))
                .await;
            let record = match result {
                Ok(resp) => {
                    let deleted = (200..300).contains(&resp.status) || resp.status == 404;
                    if deleted {
                        self.lock().retain(|u| u != &url);
                    }
                    CleanupRecord {
                        url: client.redact(&url),
                        status: Some(resp.status),
                        deleted,
                        error: None,
                    }
                }
                Err(e) => CleanupRecord {
                    url: client.redact(&url),
                    status: None,
                    deleted: false,
                    error: Some(e.to_string()),
                },
            };
            records.push(record);
        }
        records
    }
}

/// The URL of a resource a POST created: the collection path plus the returned `id`, or the
/// `Location` header when it points below the base URL. `/.search` creates nothing, and
/// `/Bulk` is handled by [`bulk_created_urls`].
fn created_url(base: &str, path: &str, resp: &Response, run_id: &str) -> Option<String> {
    let collection = path.trim_end_matches('/');
    // A 200 could be an "upsert" answering with someone else's resource: only a resource
    // that carries this run's id is ours to delete then.
    if resp.status != 201 && !String::from_utf8_lossy(&resp.body).contains(run_id) {
        return None;
    }
    if let Some(Value::String(id)) = resp.json().as_ref().and_then(|b| b.get("id")).cloned()
        && safe_segment(&id)
    {
        return Some(format!("{base}{collection}/{id}"));
    }
    resp.header("location")
        .and_then(|loc| resource_below(base, collection, &loc))
}

/// `loc` when it names one resource of `collection` below `base` (same origin and path, one
/// safe final segment), so cleanup can never be steered to another server or resource.
fn resource_below(base: &str, collection: &str, loc: &str) -> Option<String> {
    let rest = loc
        .strip_prefix(base)?
        .strip_prefix(collection)?
        .strip_prefix('/')?;
    safe_segment(rest).then(|| loc.to_string())
}

/// An id usable as one URL path segment: no separators, no dot segments, nothing odd.
pub fn safe_segment(id: &str) -> bool {
    !id.is_empty()
        && id != "."
        && id != ".."
        && id.len() <= 512
        && !id.chars().any(|c| {
            matches!(c, '/' | '\\' | '?' | '#' | '%') || c.is_whitespace() || c.is_control()
        })
}

/// Resources a bulk request created: the `location` of every POST operation whose status
/// is 2xx (RFC 7644 §3.7.3), when it points below the base URL.
fn bulk_created_urls(base: &str, resp: &Response) -> Vec<String> {
    let Some(body) = resp.json() else {
        return Vec::new();
    };
    let ops = body
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case("Operations")))
        .and_then(|(_, v)| v.as_array())
        .cloned()
        .unwrap_or_default();
    ops.iter()
        .filter(|op| {
            op.get("method")
                .and_then(Value::as_str)
                .is_some_and(|m| m.eq_ignore_ascii_case("POST"))
        })
        .filter(|op| match op.get("status") {
            Some(Value::String(s)) => s.starts_with('2'),
            Some(Value::Number(n)) => n.as_u64().is_some_and(|n| (200..300).contains(&n)),
            Some(Value::Object(o)) => o
                .get("code")
                .map(|c| c.to_string())
                .is_some_and(|c| c.trim_matches('"').starts_with('2')),
            _ => false,
        })
        .filter_map(|op| op.get("location").and_then(Value::as_str))
        .filter_map(|loc| {
            ["/Users", "/Groups"]
                .iter()
                .find_map(|c| resource_below(base, c, loc))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::exec::http::ClientConfig;

    fn client() -> HttpClient {
        HttpClient::new(ClientConfig {
            base_url: "http://127.0.0.1:9/scim".into(),
            token: None,
            secrets: vec![],
            request_timeout: Duration::from_millis(200),
            body_limit: 1 << 20,
        })
        .unwrap()
    }

    fn resp(status: u16, body: &str, location: Option<&str>) -> Response {
        Response {
            status,
            headers: location
                .map(|l| vec![("location".to_string(), l.to_string())])
                .unwrap_or_default(),
            body: body.as_bytes().to_vec(),
            truncated: false,
        }
    }

    #[test]
    fn successful_post_registers_and_delete_unregisters() {
        let c = client();
        let r = Registry::new();
        r.observe(
            &c,
            "POST",
            "/Users",
            &resp(201, r#"{"id":"u1"}"#, None),
            "run1",
        );
        r.observe(
            &c,
            "POST",
            "/Users",
            &resp(409, r#"{"id":"u2"}"#, None),
            "run1",
        );
        r.observe(
            &c,
            "POST",
            "/Users/.search",
            &resp(200, r#"{"id":"x"}"#, None),
            "run1",
        );
        r.observe(
            &c,
            "POST",
            "/Groups",
            &resp(201, "", Some("http://127.0.0.1:9/scim/Groups/g1")),
            "run1",
        );
        r.observe(
            &c,
            "POST",
            "/Groups",
            &resp(201, "", Some("http://evil.example/Groups/g2")),
            "run1",
        );
        assert_eq!(
            r.pending(),
            vec![
                "http://127.0.0.1:9/scim/Users/u1",
                "http://127.0.0.1:9/scim/Groups/g1"
            ]
        );
        r.observe(&c, "DELETE", "/Users/u1", &resp(204, "", None), "run1");
        assert_eq!(r.pending(), vec!["http://127.0.0.1:9/scim/Groups/g1"]);
    }

    #[test]
    fn bulk_posts_register_their_created_locations() {
        let c = client();
        let r = Registry::new();
        let body = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkResponse"],"Operations":[
            {"method":"POST","bulkId":"a","location":"http://127.0.0.1:9/scim/Users/u1","status":"201"},
            {"method":"POST","bulkId":"b","status":"400","response":{"status":"400"}},
            {"method":"PUT","location":"http://127.0.0.1:9/scim/Users/u9","status":"200"},
            {"method":"POST","bulkId":"c","location":"http://elsewhere.example/Users/u2","status":"201"}]}"#;
        r.observe(&c, "POST", "/Bulk", &resp(200, body, None), "run1");
        assert_eq!(r.pending(), vec!["http://127.0.0.1:9/scim/Users/u1"]);
    }

    #[tokio::test]
    async fn unreachable_target_leaves_resources_listed_as_not_deleted() {
        let c = client();
        let r = Registry::new();
        r.observe(
            &c,
            "POST",
            "/Users",
            &resp(201, r#"{"id":"u1"}"#, None),
            "run1",
        );
        let records = r.clean(&c).await;
        assert_eq!(records.len(), 1);
        assert!(!records[0].deleted);
        assert!(records[0].error.is_some());
        assert_eq!(r.pending().len(), 1);
    }
}
