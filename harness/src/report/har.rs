//! `report.har`: every HTTP exchange of the run as an HTTP Archive (HAR 1.2), for browser
//! devtools (Network panel → import), Charles and Fiddler.
//!
//! Rendered from the run model like every other format, so it holds what the model holds:
//! secrets are already redacted, bodies are cut at the record limit (the entry says so),
//! and the harness measures each exchange as a whole, so the time is in `timings.wait`.
//! One page per scenario; each entry names its scenario and step (`_scenario`, `_step`).
//! The model records the exchanges of scenario steps (and a flaky step's first attempt);
//! discovery reads and cleanup DELETEs are kept only as summaries, so they are not entries.

use serde_json::{Value, json};

use super::ReportError;
use crate::run_report::{Exchange, RecordedRequest, RecordedResponse, RunReport};

/// The run as HAR 1.2 JSON (pretty, with a trailing newline).
pub(super) fn render(report: &RunReport) -> Result<String, ReportError> {
    let mut pages = Vec::new();
    let mut entries = Vec::new();
    for (index, scenario) in report.scenarios.iter().enumerate() {
        let page_id = format!("page_{}", index + 1);
        let before = entries.len();
        for step in &scenario.steps {
            let attempts = step.first_attempt.iter().map(|e| (e, true));
            for (exchange, first) in attempts.chain([(&step.exchange, false)]) {
                let Some(started) = &exchange.started_at else {
                    continue; // nothing was sent
                };
                let mut e = entry(exchange, started, &page_id);
                e["_scenario"] = json!(scenario.id);
                e["_step"] = json!(step.name);
                let mut notes = vec![format!("{} › {}", scenario.id, step.name)];
                if first {
                    notes.push(
                        "first attempt: a server error, sent again with nothing else in flight"
                            .into(),
                    );
                }
                if !exchange.retries.is_empty() {
                    let waited: u64 = exchange.retries.iter().map(|r| r.waited_ms).sum();
                    notes.push(format!(
                        "sent after {} throttled answer(s) waited out ({waited} ms)",
                        exchange.retries.len()
                    ));
                }
                if let Some(why) = &exchange.throttled {
                    notes.push(format!("throttled, not retried: {why}"));
                }
                if exchange.response.is_none()
                    && let Some(err) = &step.error
                {
                    notes.push(format!("no response: {err}"));
                }
                e["comment"] = json!(notes.join("; "));
                entries.push(e);
            }
        }
        if entries.len() > before {
            let started = entries[before]["startedDateTime"].clone();
            pages.push(json!({
                "startedDateTime": started,
                "id": page_id,
                "title": format!("{} ({})", scenario.name, scenario.id),
                "pageTimings": { "onContentLoad": -1, "onLoad": -1 },
            }));
        }
    }
    let har = json!({
        "log": {
            "version": "1.2",
            "creator": { "name": report.tool.name, "version": report.tool.version },
            "pages": pages,
            "entries": entries,
            "comment": format!(
                "SCIM conformance run against {} started {}; secrets redacted",
                report.target.base_url, report.started_at
            ),
        }
    });
    let mut text = serde_json::to_string_pretty(&har)?;
    text.push('\n');
    Ok(text)
}

fn entry(exchange: &Exchange, started: &str, page_id: &str) -> Value {
    let time = exchange.duration_ms.max(0.0);
    json!({
        "pageref": page_id,
        "startedDateTime": started,
        "time": time,
        "request": request(&exchange.request),
        "response": response(exchange.response.as_ref()),
        "cache": {},
        "timings": { "blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": 0, "wait": time, "receive": 0 },
    })
}

fn request(r: &RecordedRequest) -> Value {
    let query: Vec<Value> = reqwest::Url::parse(&r.url)
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| json!({ "name": k, "value": v }))
                .collect()
        })
        .unwrap_or_default();
    let mut out = json!({
        "method": r.method,
        "url": r.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers(&r.headers),
        "queryString": query,
        "headersSize": -1,
        "bodySize": r.body.as_ref().map_or(0, String::len),
    });
    if let Some(body) = &r.body {
        out["postData"] = json!({
            "mimeType": header(&r.headers, "content-type").unwrap_or_default(),
            "params": [],
            "text": body,
        });
    }
    out
}

/// A response; a request that got none (transport error, timeout) has status 0, as
/// browsers record a failed request.
fn response(r: Option<&RecordedResponse>) -> Value {
    let Some(r) = r else {
        return json!({
            "status": 0,
            "statusText": "",
            "httpVersion": "",
            "cookies": [],
            "headers": [],
            "content": { "size": 0, "mimeType": "" },
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "comment": "no response",
        });
    };
    let body = r.body.as_deref().unwrap_or("");
    let mut content = json!({
        "size": body.len(),
        "mimeType": header(&r.headers, "content-type").unwrap_or_default(),
    });
    if r.body.is_some() {
        content["text"] = json!(body);
    }
    if r.truncated {
        content["comment"] = json!("the body was cut at the harness's record limit");
    }
    json!({
        "status": r.status,
        "statusText": reqwest::StatusCode::from_u16(r.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or(""),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers(&r.headers),
        "content": content,
        "redirectURL": header(&r.headers, "location").unwrap_or_default(),
        "headersSize": -1,
        "bodySize": if r.truncated { -1 } else { body.len() as i64 },
    })
}

fn headers(list: &[(String, String)]) -> Vec<Value> {
    list.iter()
        .map(|(name, value)| json!({ "name": name, "value": value }))
        .collect()
}

fn header<'a>(list: &'a [(String, String)], name: &str) -> Option<&'a str> {
    list.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    #[test]
    fn har_snapshot() {
        insta::assert_snapshot!("har", render(&fixture::report()).unwrap());
    }

    #[test]
    fn every_sent_request_is_an_entry_with_its_timing_and_bodies() {
        let report = fixture::report();
        let har: Value = serde_json::from_str(&render(&report).unwrap()).unwrap();
        let entries = har["log"]["entries"].as_array().unwrap();
        let sent = report
            .scenarios
            .iter()
            .flat_map(|s| &s.steps)
            .filter(|st| st.exchange.started_at.is_some())
            .count();
        assert_eq!(entries.len(), sent);
        let create = entries
            .iter()
            .find(|e| e["request"]["method"] == "POST")
            .unwrap();
        assert_eq!(create["startedDateTime"], "2025-01-01T12:00:00.200Z");
        assert_eq!(create["time"], 12.5);
        assert_eq!(create["timings"]["wait"], 12.5);
        assert_eq!(
            create["request"]["postData"]["mimeType"],
            "application/scim+json"
        );
        assert!(
            create["request"]["postData"]["text"]
                .as_str()
                .unwrap()
                .contains("alice-3f9c")
        );
        assert_eq!(create["response"]["status"], 200);
        assert_eq!(create["response"]["statusText"], "OK");
        assert!(
            create["response"]["content"]["text"]
                .as_str()
                .unwrap()
                .contains("2819c223")
        );
        assert_eq!(create["_scenario"], "core/user-lifecycle");
        // The request that timed out is there, with no response.
        let patch = entries
            .iter()
            .find(|e| e["request"]["method"] == "PATCH")
            .unwrap();
        assert_eq!(patch["response"]["status"], 0);
        assert!(
            patch["comment"]
                .as_str()
                .unwrap()
                .contains("no response: request timed out"),
            "{patch}"
        );
        // Headers are kept as recorded (the token was redacted when recorded).
        let auth = create["request"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| {
                h["name"]
                    .as_str()
                    .unwrap()
                    .eq_ignore_ascii_case("authorization")
            })
            .unwrap();
        assert_eq!(auth["value"], "Bearer [REDACTED]");
    }
}
