//! The response writer: single-resource responses with their `ETag`, SCIM error bodies
//! (and the defects that spoil them), and the last touches every response gets.

use serde_json::Value;

use super::ScimService;
use crate::defect::Defect;
use crate::error::ScimError;
use crate::json::WriteJson;
use crate::message::{Response, SCIM_MEDIA_TYPE};
use crate::variant::{self, Variant};

impl ScimService {
    /// A single-resource JSON response with its `ETag`.
    pub(super) fn resource_response(
        &self,
        status: u16,
        body: &impl WriteJson,
        etag: String,
    ) -> Response {
        let mut resp = Response::scim_json(status, body);
        self.add_etag(&mut resp, etag);
        resp
    }

    pub(super) fn add_etag(&self, resp: &mut Response, etag: String) {
        if !self.has(Defect::NoEtagHeader) && !self.varies(Variant::EtagUnsupported) {
            resp.headers.push(("ETag".into(), etag));
        }
    }

    pub(super) fn ok(&self, body: &impl WriteJson) -> Response {
        Response::scim_json(200, body)
    }

    /// 405 with an `Allow` header.
    pub(super) fn not_allowed(&self, method: &str, allowed: &str) -> Response {
        let err = ScimError::new(
            405,
            None,
            format!("method {method} is not allowed here; allowed: {allowed}"),
        );
        let mut resp = self.error_response(&err);
        resp.headers.push(("Allow".into(), allowed.to_owned()));
        resp
    }

    /// The SCIM error body, plus `WWW-Authenticate` on 401.
    pub(super) fn error_response(&self, err: &ScimError) -> Response {
        let mut resp = if self.has(Defect::PlainTextErrors) {
            Response {
                status: err.status,
                headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
                body: format!("Error {}: {}", err.status, err.detail).into_bytes(),
            }
        } else {
            let mut body = err.to_json();
            if self.has(Defect::ErrorStatusAsNumber) {
                body["status"] = Value::from(err.status);
            }
            if self.has(Defect::StackTracesInErrors) {
                body["detail"] = Value::from(format!(
                    "{}\njava.lang.IllegalArgumentException: {}\n\tat com.acme.scim.UserController.handle(UserController.java:212)\n\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)",
                    err.detail, err.detail
                ));
            }
            Response::with_json(err.status, &body)
        };
        if err.status == 401 && !self.has(Defect::NoWwwAuthenticate) {
            resp.headers
                .push(("WWW-Authenticate".into(), "Bearer realm=\"scim\"".into()));
        }
        resp
    }

    /// Last touches the response writer gives every response (the `n`th one served).
    pub(super) fn finish(&self, mut resp: Response, n: u64) -> Response {
        if self.has(Defect::BodyOn204) && resp.status == 204 {
            resp.headers
                .push(("Content-Type".into(), SCIM_MEDIA_TYPE.into()));
            resp.body = b"{}".to_vec();
        }
        let label = if self.has(Defect::WrongContentType) {
            Some("application/json; charset=utf-8")
        } else if self.varies(Variant::CharsetParameter) {
            Some("application/scim+json; charset=utf-8")
        } else {
            None
        };
        let mut json = false;
        for (name, value) in &mut resp.headers {
            if name.eq_ignore_ascii_case("content-type") && value == SCIM_MEDIA_TYPE {
                json = true;
                if let Some(label) = label {
                    *value = label.into();
                }
            }
        }
        if json
            && self.varies(Variant::PrettyJson)
            && let Some(body) = variant::pretty(&resp.body)
        {
            resp.body = body;
        }
        if self.varies(Variant::ExtraHeaders) {
            resp.headers.extend(variant::extra_headers(n));
        }
        resp
    }
}
