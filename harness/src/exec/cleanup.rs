//! Cleanup: every resource a scenario creates is registered the moment the target answers
//! the POST, and deleted when the scenario ends — passed, failed, timed out or interrupted.
//! Only registered URLs are ever deleted, so the harness never touches data it did not create.

use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::http::{HttpClient, OutgoingRequest, Response};
use crate::run_report::CleanupRecord;

/// Resources created by one scenario, in creation order. Shared with the scenario's task so
/// that cleanup still sees them after the task is cancelled.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    created: Arc<Mutex<Vec<String>>>,
    /// Every URL ever registered, deleted or not: what the scenario may still address.
    ever: Arc<Mutex<Vec<String>>>,
    /// Creates the target answered without saying where (no id, no Location): leaks.
    unidentified: Arc<Mutex<Vec<String>>>,
    /// Creates answered with a resource this run cannot show it created (URL, names it
    /// carries): never deleted, reported.
    foreign: Arc<Mutex<Vec<(String, String)>>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Records what a request did: a successful POST that created a resource registers it;
    /// a DELETE that removed one (or found it gone) unregisters it.
    /// `path` is the request path below the base URL (no query).
    ///
    /// A create is only registered when the resource shows it is one this run created: its
    /// `userName`, `displayName` or `externalId` carries the run's id (read back by id when
    /// the answer names nothing). A create answered with any other
    /// resource — an "upsert" returning data that existed before the run — is reported and
    /// never deleted.
    pub async fn observe(
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
                        self.claim(client, &url, None, run_id).await;
                    }
                } else if collection.ends_with("/.search") {
                } else if let Some(url) = created_url(base, path, resp) {
                    self.claim(client, &url, resp.json(), run_id).await;
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

    /// Registers `url` when the resource there carries this run's id in a name (no data that
    /// existed before the run can); `body` is what the create answered, read back by id when
    /// it names nothing.
    async fn claim(&self, client: &HttpClient, url: &str, body: Option<Value>, run_id: &str) {
        let mut names = body.as_ref().map(names_of).unwrap_or_default();
        if names.is_empty()
            && let Some(path) = url.strip_prefix(&client.config().base_url)
        {
            let (_, read) = client
                .send(&OutgoingRequest::new("GET", path, client.default_bearer()))
                .await;
            if let Some(found) = read.ok().filter(|r| r.status == 200).and_then(|r| r.json()) {
                names = names_of(&found);
            }
        }
        let run_id = run_id.to_ascii_lowercase();
        let ours = names
            .iter()
            .any(|n| n.to_ascii_lowercase().contains(&run_id));
        if ours {
            self.register(url);
        } else {
            let shown = if names.is_empty() {
                "no name".to_string()
            } else {
                names.join(", ")
            };
            self.foreign
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((url.to_string(), shown));
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
        let far = tokio::time::Instant::now() + std::time::Duration::from_secs(86_400 * 365);
        self.clean_until(client, far).await
    }

    /// [`Registry::clean`], giving up at `until`: what is left then is reported as not
    /// deleted, so a slow or hanging target cannot hold the run forever.
    pub async fn clean_until(
        &self,
        client: &HttpClient,
        until: tokio::time::Instant,
    ) -> Vec<CleanupRecord> {
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
        records.extend(
            self.foreign
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .map(|(url, names)| CleanupRecord {
                    url: client.redact(url),
                    status: None,
                    deleted: false,
                    error: Some(client.redact(&format!(
                        "not deleted: the create was answered with a resource whose userName, displayName and externalId do not carry this run's id (it has: {names}), so it may have existed before the run"
                    ))),
                }),
        );
        let urls: Vec<String> = self.pending().into_iter().rev().collect();
        for url in urls {
            let Some(path) = url.strip_prefix(&base) else {
                continue;
            };
            let out_of_budget = |what: &str| CleanupRecord {
                url: client.redact(&url),
                status: None,
                deleted: false,
                error: Some(format!("not deleted: the cleanup budget ran out {what}")),
            };
            if tokio::time::Instant::now() >= until {
                records.push(out_of_budget("before its DELETE was sent"));
                continue;
            }
            let delete = OutgoingRequest::new("DELETE", path, client.default_bearer());
            // Shared use of the run's concurrency gate: a page walk elsewhere in the run,
            // which holds it alone, must not see its pages shift under a DELETE.
            let send = async {
                let _shared = client.concurrency_gate().read().await;
                client.send(&delete).await
            };
            let Ok((_, result)) = tokio::time::timeout_at(until, send).await else {
                records.push(out_of_budget("while its DELETE was in flight"));
                continue;
            };
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
fn created_url(base: &str, path: &str, resp: &Response) -> Option<String> {
    let collection = path.trim_end_matches('/');
    if let Some(Value::String(id)) = resp.json().as_ref().and_then(|b| b.get("id")).cloned()
        && safe_segment(&id)
    {
        return Some(format!("{base}{collection}/{}", segment(&id)));
    }
    resp.header("location")
        .and_then(|loc| resource_below(base, collection, &loc))
}

/// The names that identify a resource: its `userName`, `displayName` and `externalId`
/// (attribute names match case-insensitively).
pub fn names_of(body: &Value) -> Vec<String> {
    body.as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| {
                    ["userName", "displayName", "externalId"]
                        .iter()
                        .any(|n| n.eq_ignore_ascii_case(k))
                })
                .filter_map(|(_, v)| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// `loc` when it names one resource of `collection` below `base` (same origin and path, one
/// safe final segment), so cleanup can never be steered to another server or resource.
fn resource_below(base: &str, collection: &str, loc: &str) -> Option<String> {
    let rest = loc
        .strip_prefix(base)?
        .strip_prefix(collection)?
        .strip_prefix('/')?;
    (safe_segment(rest) && !rest.contains(';')).then(|| loc.to_string())
}

/// An id usable as one URL path segment: no separators, no dot segments, nothing odd.
pub fn safe_segment(id: &str) -> bool {
    !id.is_empty()
        && !is_dot_segment(id)
        && id.len() <= 512
        && !id.chars().any(|c| {
            matches!(c, '/' | '\\' | '?' | '#' | '%') || c.is_whitespace() || c.is_control()
        })
}

/// `id` percent-encoded as one path segment: only unreserved characters and `!$&'()*+,=:@`
/// stay as they are, so an id can neither add segments (`/`), start a query or fragment, nor
/// carry a `;` path parameter.
pub fn segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// True when one segment means "this directory" or "the parent" to some server: `.` or
/// `..`, also percent-encoded (`%2e%2E`) or with a path parameter (`..;x`, which Tomcat and
/// Jetty treat as `..`).
pub fn is_dot_segment(seg: &str) -> bool {
    let decoded = percent_decode(seg);
    let bare = decoded.split(';').next().unwrap_or("");
    bare == "." || bare == ".."
}

/// True when a path (query and fragment aside) has a dot segment anywhere.
pub fn has_dot_segment(path: &str) -> bool {
    path.split(['?', '#'])
        .next()
        .unwrap_or("")
        .split('/')
        .any(is_dot_segment)
}

/// `%XX` escapes decoded (twice, for `%252e`); anything else kept as it is.
fn percent_decode(s: &str) -> String {
    let once = |s: &str| -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%'
                && i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit()
            {
                let hex = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
                out.push(hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]));
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    once(&once(s))
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

    const ECHO: &str = r#"{"id":"u1","userName":"A-RUN1@example.test"}"#;

    #[tokio::test]
    async fn successful_post_registers_and_delete_unregisters() {
        let c = client();
        let r = Registry::new();
        r.observe(&c, "POST", "/Users", &resp(201, ECHO, None), "run1")
            .await;
        r.observe(&c, "POST", "/Users", &resp(409, ECHO, None), "run1")
            .await;
        r.observe(&c, "POST", "/Users/.search", &resp(200, ECHO, None), "run1")
            .await;
        r.observe(
            &c,
            "POST",
            "/Groups",
            &resp(
                201,
                r#"{"displayName":"g-run1"}"#,
                Some("http://127.0.0.1:9/scim/Groups/g1"),
            ),
            "run1",
        )
        .await;
        r.observe(
            &c,
            "POST",
            "/Groups",
            &resp(201, "", Some("http://evil.example/Groups/g2")),
            "run1",
        )
        .await;
        assert_eq!(
            r.pending(),
            vec![
                "http://127.0.0.1:9/scim/Users/u1",
                "http://127.0.0.1:9/scim/Groups/g1"
            ]
        );
        r.observe(&c, "DELETE", "/Users/u1", &resp(204, "", None), "run1")
            .await;
        assert_eq!(r.pending(), vec!["http://127.0.0.1:9/scim/Groups/g1"]);
    }

    #[tokio::test]
    async fn a_create_answered_with_another_resource_is_never_registered() {
        let c = client();
        let r = Registry::new();
        // 201 and 200 answers carrying someone else's user, a fixed (not run-scoped) name,
        // and an answer naming nothing that cannot be read back (closed port).
        for (status, body) in [
            (201, r#"{"id":"theirs","userName":"bjensen@example.test"}"#),
            (200, r#"{"id":"theirs","userName":"bjensen@example.test"}"#),
            (201, r#"{"id":"f","userName":"fixed@example.test"}"#),
            (201, r#"{"id":"bare"}"#),
        ] {
            r.observe(&c, "POST", "/Users", &resp(status, body, None), "run1")
                .await;
        }
        assert!(r.pending().is_empty(), "{:?}", r.pending());
        assert!(!r.created_here("http://127.0.0.1:9/scim/Users/theirs"));
        let records = r.clean(&c).await;
        assert_eq!(records.len(), 4);
        assert!(
            records
                .iter()
                .all(|rec| !rec.deleted && rec.status.is_none())
        );
        assert!(
            records[0]
                .error
                .as_deref()
                .unwrap()
                .contains("bjensen@example.test"),
            "{records:?}"
        );
    }

    #[tokio::test]
    async fn bulk_locations_are_registered_only_when_read_back_as_ours() {
        let c = client();
        let r = Registry::new();
        let body = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkResponse"],"Operations":[
            {"method":"POST","bulkId":"a","location":"http://127.0.0.1:9/scim/Users/u1","status":"201"},
            {"method":"POST","bulkId":"b","status":"400","response":{"status":"400"}},
            {"method":"PUT","location":"http://127.0.0.1:9/scim/Users/u9","status":"200"},
            {"method":"POST","bulkId":"c","location":"http://elsewhere.example/Users/u2","status":"201"}]}"#;
        r.observe(&c, "POST", "/Bulk", &resp(200, body, None), "run1")
            .await;
        // The one location below the base cannot be read back (nothing listens): not ours.
        assert!(r.pending().is_empty());
        let records = r.clean(&c).await;
        assert_eq!(records.len(), 1, "{records:?}");
        assert_eq!(records[0].url, "http://127.0.0.1:9/scim/Users/u1");
    }

    #[test]
    fn dot_segments_are_found_in_every_disguise_and_ids_are_encoded() {
        for seg in [
            ".",
            "..",
            "..;",
            "..;jsessionid=x",
            ".;x",
            "%2e%2E",
            "%2E.",
            "%252e%252e",
        ] {
            assert!(is_dot_segment(seg), "{seg}");
            assert!(!safe_segment(seg), "{seg}");
        }
        for seg in ["...", ".search", "a..b", "%2e%2ex"] {
            assert!(!is_dot_segment(seg), "{seg}");
        }
        assert!(has_dot_segment("/Users/..;/Groups"));
        assert!(!has_dot_segment("/Users/.search?x=/../"));
        assert_eq!(segment("a/b?c#d;e f%"), "a%2Fb%3Fc%23d%3Be%20f%25");
        assert_eq!(segment("2819c223-7f76"), "2819c223-7f76");
    }

    #[tokio::test]
    async fn unreachable_target_leaves_resources_listed_as_not_deleted() {
        let c = client();
        let r = Registry::new();
        r.observe(&c, "POST", "/Users", &resp(201, ECHO, None), "run1")
            .await;
        let records = r.clean(&c).await;
        assert_eq!(records.len(), 1);
        assert!(!records[0].deleted);
        assert!(records[0].error.is_some());
        assert_eq!(r.pending().len(), 1);
    }
}
