//! The guard in front of every request: the harness changes only what the scenario itself
//! created (or a random id it generated), by plain paths below the target's base URL.

use serde_json::Value;

use super::cleanup::Registry;
use super::engine::Engine;
use super::http::OutgoingRequest;
use super::template::Vars;
use crate::scenario::model::is_configuration_endpoint;

/// Refuses a request that could change data this scenario did not create: a PUT, PATCH or
/// DELETE (or such a bulk operation) must address a resource the scenario created, or a
/// random id it generated with `{{uuid}}`, by a plain path (no query, fragment or dot
/// segments that could steer it to another resource). Every path stays below the base URL.
pub(super) fn guard(
    engine: &Engine,
    registry: &Registry,
    vars: &Vars,
    req: &OutgoingRequest,
) -> Result<(), String> {
    if !req.path.starts_with('/') {
        return Err(format!("path `{}` does not start with `/`", req.path));
    }
    if matches!(req.method, "PUT" | "PATCH" | "DELETE") {
        check_plain_path(&req.path)?;
    }
    let base = &engine.client.config().base_url;
    let ours = |path: &str| {
        registry.created_here(&format!("{base}{path}"))
            || path
                .rsplit('/')
                .next()
                .is_some_and(|last| vars.is_generated_uuid(last))
    };
    let refuse = |method: &str, path: &str| {
        format!(
            "{method} {base}{path}: this scenario did not create that resource, and the harness only changes what it created"
        )
    };
    match req.method {
        // The server's own configuration document, sent back to check the write is refused.
        "PUT" | "PATCH" if is_configuration_endpoint(&req.path) => Ok(()),
        "PUT" | "PATCH" | "DELETE" if !ours(&req.path) => Err(refuse(req.method, &req.path)),
        "POST" if req.path.trim_end_matches('/').eq_ignore_ascii_case("/Bulk") => {
            let body: Value = req
                .body
                .as_ref()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or_default();
            let ops = body
                .get("Operations")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for op in ops {
                let method = op
                    .get("method")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_ascii_uppercase();
                let path = op.get("path").and_then(Value::as_str).unwrap_or("");
                if matches!(method.as_str(), "PUT" | "PATCH" | "DELETE")
                    && !path.contains("bulkId:")
                {
                    check_plain_path(path)?;
                    if !ours(path) {
                        return Err(format!("bulk {}", refuse(&method, path)));
                    }
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn check_plain_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err(format!("path `{path}` does not start with `/`"));
    }
    if path.contains('?') || path.contains('#') {
        return Err(format!(
            "path `{path}` holds a query or fragment; use `query:`"
        ));
    }
    if super::cleanup::has_dot_segment(path) {
        return Err(format!("path `{path}` has dot segments"));
    }
    Ok(())
}
