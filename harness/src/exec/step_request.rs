//! The request a step sends: its templates filled, the IdP profile's dialect applied, and
//! absolute URLs accepted only below the target's base URL.

use serde_json::Value;

use super::engine::Engine;
use super::http::OutgoingRequest;
use super::template::{Unset, Vars};
use crate::scenario::model::{Auth, Step};
use crate::scenario::profile::Profile;

pub(super) fn build_request(
    engine: &Engine,
    profile: Option<&Profile>,
    step: &Step,
    vars: &Vars,
) -> Result<OutgoingRequest, String> {
    let req = &step.request;
    let unset = |e: Unset| e.to_string();
    let text = |v: &Value| -> Result<String, String> {
        Ok(match vars.render_value(v).map_err(unset)? {
            Value::String(s) => s,
            other => other.to_string(),
        })
    };
    let pairs = |map: &serde_json::Map<String, Value>| {
        map.iter()
            .map(|(k, v)| Ok((k.clone(), text(v)?)))
            .collect::<Result<Vec<_>, String>>()
    };
    let query = pairs(&req.query)?;
    let headers = pairs(&req.headers)?;
    let body = match (&req.body, &req.raw_body) {
        (Some(b), _) => Some(
            serde_json::to_vec(&vars.render_value(&b.value).map_err(unset)?).unwrap_or_default(),
        ),
        (None, Some(raw)) => Some(vars.render_str(raw).map_err(unset)?.into_bytes()),
        (None, None) => None,
    };
    let bearer = match &req.auth {
        Auth::Default => engine.client.default_bearer(),
        Auth::None => None,
        Auth::Bearer(t) => Some(vars.render_str(t).map_err(unset)?),
    };
    let mut path = vars.render_path(&req.path.value)?;
    if path.starts_with("http://") || path.starts_with("https://") {
        // Only URLs below the target's base are followed: never another host.
        match path.strip_prefix(engine.client.config().base_url.as_str()) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => path = rest.to_string(),
            _ => {
                return Err(format!(
                    "`{path}` is outside the target's base URL; the harness only sends requests to the target"
                ));
            }
        }
    }
    let mut out = OutgoingRequest {
        query,
        body,
        ..OutgoingRequest::new(req.method.as_str(), path, bearer)
    };
    // The IdP profile's dialect first; the step's own headers win over it.
    if let Some(profile) = profile {
        out.query_encoding = profile.query_encoding;
        out.omit_headers = profile.omit_headers.clone();
        out.headers
            .extend(profile.headers.iter().map(|(k, v)| (k.clone(), v.clone())));
        let by_body = if out.body.is_some() {
            &profile.body_headers
        } else {
            &profile.bodyless_headers
        };
        for (k, v) in by_body {
            out.headers.retain(|(h, _)| !h.eq_ignore_ascii_case(k));
            out.headers.push((k.clone(), v.clone()));
        }
        out.timeout = profile
            .socket_timeout_ms
            .filter(|ms| *ms > 0)
            .map(std::time::Duration::from_millis);
    }
    for (k, v) in headers {
        out.headers.retain(|(h, _)| !h.eq_ignore_ascii_case(&k));
        out.headers.push((k, v));
    }
    Ok(out)
}
