//! `POST /Bulk` (RFC 7644 §3.7): a BulkRequest whose operations run one by one through
//! the same handlers as single requests, answered with a BulkResponse.
//!
//! `bulkId:x` references (in a `path` or anywhere in `data`, e.g. group `members` values
//! or the enterprise `manager`) are replaced by the id the POST with `bulkId` `x`
//! created. An operation waits until everything it references exists, so forward
//! references resolve regardless of order; operations still waiting when nothing else can
//! run (circular references) answer 409, as do references to a failed or unknown bulkId.
//! `failOnErrors` stops processing after that many errors. More than
//! [`MAX_BULK_OPERATIONS`] operations or more than [`MAX_PAYLOAD_BYTES`] bytes answer 413.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value, json};

use super::{ScimService, route};
use crate::discovery::{MAX_BULK_OPERATIONS, MAX_PAYLOAD_BYTES};
use crate::error::ScimError;
use crate::filter::get_ci;
use crate::message::{Request, RequestView, Response, SCIM_MEDIA_TYPE};
use crate::render::Links;
use crate::store::Store;

/// The `schemas` URN of a bulk request body.
pub const BULK_REQUEST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
/// The `schemas` URN of a bulk response body.
pub const BULK_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

const BULK_ID_PREFIX: &str = "bulkId:";

/// One parsed operation.
#[derive(Debug)]
struct BulkOp {
    method: String,
    path: String,
    bulk_id: Option<String>,
    data: Option<Value>,
    version: Option<String>,
    /// The bulkIds this operation references.
    refs: BTreeSet<String>,
}

impl ScimService {
    pub(super) fn bulk(
        &self,
        store: &Store,
        req: &dyn RequestView,
        links: Links<'_>,
    ) -> Result<Response, ScimError> {
        if req.body().len() > MAX_PAYLOAD_BYTES {
            return Err(ScimError::new(
                413,
                None,
                format!(
                    "the bulk request is {} bytes; maxPayloadSize is {MAX_PAYLOAD_BYTES} bytes",
                    req.body().len()
                ),
            ));
        }
        let body = self.json_body(req)?;
        let Value::Object(obj) = &body else {
            return Err(ScimError::invalid_syntax(
                "the bulk request must be a JSON object",
            ));
        };
        let has_urn = matches!(get_ci(obj, "schemas"), Some(Value::Array(s))
            if s.iter().any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(BULK_REQUEST_URN))));
        if !has_urn {
            return Err(ScimError::invalid_syntax(format!(
                "the bulk request must carry \"schemas\": [\"{BULK_REQUEST_URN}\"]"
            )));
        }
        let Some(Value::Array(raw_ops)) = get_ci(obj, "Operations") else {
            return Err(ScimError::invalid_syntax(
                "the bulk request needs an 'Operations' array",
            ));
        };
        if raw_ops.len() > MAX_BULK_OPERATIONS {
            return Err(ScimError::new(
                413,
                None,
                format!(
                    "the bulk request has {} operations; maxOperations is {MAX_BULK_OPERATIONS}",
                    raw_ops.len()
                ),
            ));
        }
        let fail_on_errors = match get_ci(obj, "failOnErrors") {
            None | Some(Value::Null) => usize::MAX,
            Some(Value::Number(n)) => match n.as_u64() {
                Some(n) if n >= 1 => usize::try_from(n).unwrap_or(usize::MAX),
                _ => {
                    return Err(ScimError::invalid_value(
                        "'failOnErrors' must be a positive integer",
                    ));
                }
            },
            Some(_) => {
                return Err(ScimError::invalid_value(
                    "'failOnErrors' must be a positive integer",
                ));
            }
        };
        let ops = parse_operations(raw_ops)?;
        let results = self.run_operations(store, &ops, fail_on_errors, links);
        let body = json!({
            "schemas": [BULK_RESPONSE_URN],
            "Operations": results,
        });
        Ok(Response::with_json(200, &body))
    }

    /// Runs the operations (in request order, each as soon as its references resolve) and
    /// returns the results of those that ran, in request order.
    fn run_operations(
        &self,
        store: &Store,
        ops: &[BulkOp],
        fail_on_errors: usize,
        links: Links<'_>,
    ) -> Vec<Value> {
        let defined: BTreeSet<&str> = ops
            .iter()
            .filter(|op| op.method == "POST")
            .filter_map(|op| op.bulk_id.as_deref())
            .collect();
        let mut created: HashMap<String, String> = HashMap::new();
        let mut failed: BTreeSet<String> = BTreeSet::new();
        let mut results: Vec<Option<Value>> = ops.iter().map(|_| None).collect();
        let mut errors = 0;
        'rounds: loop {
            let mut progressed = false;
            for (i, op) in ops.iter().enumerate() {
                if results[i].is_some() {
                    continue;
                }
                let blocked = op
                    .refs
                    .iter()
                    .find(|r| failed.contains(r.as_str()) || !defined.contains(r.as_str()));
                let result = if let Some(r) = blocked {
                    let why = if defined.contains(r.as_str()) {
                        format!("the operation with bulkId '{r}' failed")
                    } else {
                        format!("no POST operation in this request has bulkId '{r}'")
                    };
                    conflict(op, links, &format!("cannot resolve 'bulkId:{r}': {why}"))
                } else if op.refs.iter().all(|r| created.contains_key(r)) {
                    self.execute(store, op, &created, links)
                } else {
                    continue;
                };
                progressed = true;
                let ok = is_success(&result);
                if let Some(bulk_id) = &op.bulk_id {
                    if ok && op.method == "POST" {
                        if let Some(id) = result.get("id").and_then(Value::as_str) {
                            created.insert(bulk_id.clone(), id.to_owned());
                        }
                    } else if !ok {
                        failed.insert(bulk_id.clone());
                    }
                }
                results[i] = Some(strip_id(result));
                if !ok {
                    errors += 1;
                    if errors >= fail_on_errors {
                        break 'rounds;
                    }
                }
            }
            if !progressed {
                break;
            }
        }
        // Whatever still waits is part of a reference cycle.
        if errors < fail_on_errors {
            for (i, op) in ops.iter().enumerate() {
                if results[i].is_none() {
                    let cycle: Vec<&str> = op.refs.iter().map(String::as_str).collect();
                    results[i] = Some(strip_id(conflict(
                        op,
                        links,
                        &format!(
                            "circular bulkId references ({}) cannot be resolved",
                            cycle.join(", ")
                        ),
                    )));
                    errors += 1;
                    if errors >= fail_on_errors {
                        break;
                    }
                }
            }
        }
        results.into_iter().flatten().collect()
    }

    /// Runs one operation through the single-request handlers.
    fn execute(
        &self,
        store: &Store,
        op: &BulkOp,
        created: &HashMap<String, String>,
        links: Links<'_>,
    ) -> Value {
        let path = substitute_str(&op.path, created);
        let mut req = Request::new(&op.method, &path);
        if let Some(data) = &op.data {
            let mut data = data.clone();
            substitute(&mut data, created);
            req = req.with_header("Content-Type", SCIM_MEDIA_TYPE);
            req.body = data.to_string().into_bytes();
        }
        if let Some(version) = &op.version {
            req = req.with_header("If-Match", version);
        }
        let routed = route(&path).and_then(|r| match (op.method.as_str(), r) {
            ("POST", super::Route::Collection(kind)) => Ok((r, links.collection(kind))),
            ("PUT" | "PATCH" | "DELETE", super::Route::Resource(kind, id)) => {
                Ok((r, links.resource(kind, id)))
            }
            _ => Err(ScimError::invalid_value(format!(
                "'{} {}' is not a bulk operation: POST takes a resource endpoint such as \
                 /Users, PUT/PATCH/DELETE a resource such as /Users/{{id}}",
                op.method, op.path
            ))),
        });
        let (resp, location) = match routed {
            Ok((r, location)) => (
                self.serve(store, r, &op.method, &req, links)
                    .unwrap_or_else(|e| self.error_response(&e)),
                location,
            ),
            Err(e) => (self.error_response(&e), String::new()),
        };
        let mut result = Map::new();
        result.insert("method".into(), Value::from(op.method.as_str()));
        if let Some(bulk_id) = &op.bulk_id {
            result.insert("bulkId".into(), Value::from(bulk_id.as_str()));
        }
        let body = resp.json();
        let success = (200..300).contains(&resp.status);
        if let Some(etag) = resp.header("etag") {
            result.insert("version".into(), Value::from(etag));
        }
        let location = resp
            .header("location")
            .map(str::to_owned)
            .or_else(|| {
                body.as_ref()
                    .and_then(|b| b.pointer("/meta/location"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or(location);
        if !(location.is_empty() || (op.method == "POST" && !success)) {
            result.insert("location".into(), Value::from(location));
        }
        result.insert("status".into(), Value::from(resp.status.to_string()));
        if !success {
            let error = body.unwrap_or_else(|| {
                ScimError::new(resp.status, None, String::from_utf8_lossy(&resp.body)).to_json()
            });
            result.insert("response".into(), error);
        } else if let Some(id) = body.as_ref().and_then(|b| b.get("id")).cloned() {
            // Kept until the bulkId is recorded, then stripped (`strip_id`).
            result.insert("id".into(), id);
        }
        Value::Object(result)
    }
}

/// Validates each operation; a missing or unknown `method`, a missing `path`, a POST
/// without `bulkId` or a repeated `bulkId` make the whole request invalid.
fn parse_operations(raw_ops: &[Value]) -> Result<Vec<BulkOp>, ScimError> {
    let mut ops = Vec::with_capacity(raw_ops.len());
    let mut seen = BTreeSet::new();
    for (i, raw) in raw_ops.iter().enumerate() {
        let Value::Object(op) = raw else {
            return Err(ScimError::invalid_syntax(format!(
                "bulk operation {i} is not an object"
            )));
        };
        let method = match get_ci(op, "method") {
            Some(Value::String(m)) => m.to_ascii_uppercase(),
            _ => {
                return Err(ScimError::invalid_syntax(format!(
                    "bulk operation {i} needs a 'method' (POST, PUT, PATCH or DELETE)"
                )));
            }
        };
        if !matches!(method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE") {
            return Err(ScimError::invalid_syntax(format!(
                "bulk operation {i}: method '{method}' is not POST, PUT, PATCH or DELETE"
            )));
        }
        let Some(Value::String(path)) = get_ci(op, "path") else {
            return Err(ScimError::invalid_syntax(format!(
                "bulk operation {i} needs a 'path'"
            )));
        };
        let bulk_id = match get_ci(op, "bulkId") {
            None | Some(Value::Null) => None,
            Some(Value::String(b)) if !b.is_empty() => Some(b.clone()),
            Some(_) => {
                return Err(ScimError::invalid_syntax(format!(
                    "bulk operation {i}: 'bulkId' must be a non-empty string"
                )));
            }
        };
        if method == "POST" && bulk_id.is_none() {
            return Err(ScimError::invalid_syntax(format!(
                "bulk operation {i}: a POST needs a 'bulkId'"
            )));
        }
        if let Some(b) = &bulk_id
            && !seen.insert(b.clone())
        {
            return Err(ScimError::invalid_syntax(format!(
                "bulk operation {i}: bulkId '{b}' is used twice"
            )));
        }
        let data = get_ci(op, "data").filter(|d| !d.is_null()).cloned();
        if method != "DELETE" && data.is_none() {
            return Err(ScimError::invalid_syntax(format!(
                "bulk operation {i}: {method} needs 'data'"
            )));
        }
        let version = get_ci(op, "version")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mut refs = BTreeSet::new();
        collect_refs_str(path, &mut refs);
        if let Some(d) = &data {
            collect_refs(d, &mut refs);
        }
        ops.push(BulkOp {
            method,
            path: path.clone(),
            bulk_id,
            data,
            version,
            refs,
        });
    }
    Ok(ops)
}

fn collect_refs_str(s: &str, out: &mut BTreeSet<String>) {
    for segment in s.split('/') {
        if let Some(r) = segment.strip_prefix(BULK_ID_PREFIX) {
            out.insert(r.to_owned());
        }
    }
}

fn collect_refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s) => {
            if let Some(r) = s.strip_prefix(BULK_ID_PREFIX) {
                out.insert(r.to_owned());
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_refs(i, out)),
        Value::Object(obj) => obj.values().for_each(|i| collect_refs(i, out)),
        _ => {}
    }
}

fn substitute_str(s: &str, created: &HashMap<String, String>) -> String {
    s.split('/')
        .map(|seg| {
            seg.strip_prefix(BULK_ID_PREFIX)
                .and_then(|r| created.get(r))
                .map_or(seg, String::as_str)
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn substitute(v: &mut Value, created: &HashMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(id) = s.strip_prefix(BULK_ID_PREFIX).and_then(|r| created.get(r)) {
                *s = id.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| substitute(i, created)),
        Value::Object(obj) => obj.values_mut().for_each(|i| substitute(i, created)),
        _ => {}
    }
}

/// A 409 result for an operation whose references cannot be resolved.
fn conflict(op: &BulkOp, links: Links<'_>, detail: &str) -> Value {
    let mut result = Map::new();
    result.insert("method".into(), Value::from(op.method.as_str()));
    if let Some(bulk_id) = &op.bulk_id {
        result.insert("bulkId".into(), Value::from(bulk_id.as_str()));
    }
    if op.method != "POST" {
        result.insert(
            "location".into(),
            Value::from(links.at(op.path.trim_start_matches('/'))),
        );
    }
    result.insert("status".into(), Value::from("409"));
    result.insert(
        "response".into(),
        ScimError::new(409, None, detail).to_json(),
    );
    Value::Object(result)
}

fn is_success(result: &Value) -> bool {
    result
        .get("status")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<u16>().ok())
        .is_some_and(|s| (200..300).contains(&s))
}

fn strip_id(mut result: Value) -> Value {
    if let Value::Object(obj) = &mut result {
        obj.remove("id");
    }
    result
}
