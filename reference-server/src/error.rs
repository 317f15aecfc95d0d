//! SCIM error values and their wire form (RFC 7644 §3.12).
//!
//! Every failure inside the service is a [`ScimError`]; the service renders it as an
//! `urn:ietf:params:scim:api:messages:2.0:Error` body whose `status` is the HTTP code as a
//! JSON *string*, with an optional Table 9 `scimType` keyword.

use serde_json::{Map, Value};

/// The `schemas` URN of an error body.
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// `scimType` keywords from RFC 7644 Table 9.
pub mod scim_type {
    /// The filter syntax was invalid or the filter is not allowed here.
    pub const INVALID_FILTER: &str = "invalidFilter";
    /// The query would return more results than the server allows.
    pub const TOO_MANY: &str = "tooMany";
    /// A unique attribute value is already in use.
    pub const UNIQUENESS: &str = "uniqueness";
    /// The request tried to change a readOnly, immutable or required attribute.
    pub const MUTABILITY: &str = "mutability";
    /// The request body was not valid JSON or not a valid SCIM message.
    pub const INVALID_SYNTAX: &str = "invalidSyntax";
    /// A PATCH `path` was malformed or names an unknown attribute.
    pub const INVALID_PATH: &str = "invalidPath";
    /// A PATCH `path` or filter selected nothing.
    pub const NO_TARGET: &str = "noTarget";
    /// A required value was missing or a value had the wrong type.
    pub const INVALID_VALUE: &str = "invalidValue";
    /// The SCIM protocol version is not supported.
    pub const INVALID_VERS: &str = "invalidVers";
    /// The request carried information that must not be sent that way.
    pub const SENSITIVE: &str = "sensitive";
}

/// A SCIM protocol error: HTTP status, optional `scimType` keyword and a human-readable detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {}: {detail}", scim_type.unwrap_or("-"))]
pub struct ScimError {
    /// HTTP status code.
    pub status: u16,
    /// RFC 7644 Table 9 keyword, if one applies (see [`scim_type`]).
    pub scim_type: Option<&'static str>,
    /// Human-readable explanation.
    pub detail: String,
}

impl ScimError {
    /// An error with any status and keyword.
    pub fn new(status: u16, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    /// 400 with the given keyword.
    pub fn bad_request(scim_type: &'static str, detail: impl Into<String>) -> Self {
        Self::new(400, Some(scim_type), detail)
    }

    /// 400 `invalidSyntax`.
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::bad_request(scim_type::INVALID_SYNTAX, detail)
    }

    /// 400 `invalidValue`.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::bad_request(scim_type::INVALID_VALUE, detail)
    }

    /// 400 `invalidFilter`.
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::bad_request(scim_type::INVALID_FILTER, detail)
    }

    /// 400 `invalidPath`.
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::bad_request(scim_type::INVALID_PATH, detail)
    }

    /// 400 `noTarget`.
    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::bad_request(scim_type::NO_TARGET, detail)
    }

    /// 400 `mutability`.
    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::bad_request(scim_type::MUTABILITY, detail)
    }

    /// 409 `uniqueness`.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(409, Some(scim_type::UNIQUENESS), detail)
    }

    /// 404 without keyword.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, None, detail)
    }

    /// The error as a SCIM Error message body.
    pub fn to_json(&self) -> Value {
        let mut body = Map::new();
        body.insert("schemas".into(), Value::from(vec![ERROR_URN]));
        body.insert("status".into(), Value::from(self.status.to_string()));
        if let Some(kind) = self.scim_type {
            body.insert("scimType".into(), Value::from(kind));
        }
        body.insert("detail".into(), Value::from(self.detail.as_str()));
        Value::Object(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn body_has_string_status_and_keyword() {
        let err = ScimError::uniqueness("userName taken");
        assert_eq!(
            err.to_json(),
            json!({"schemas":[ERROR_URN],"status":"409","scimType":"uniqueness","detail":"userName taken"})
        );
    }

    #[test]
    fn body_omits_missing_keyword() {
        let body = ScimError::not_found("no such user").to_json();
        assert_eq!(body["status"], "404");
        assert!(body.get("scimType").is_none());
    }

    #[test]
    fn display_names_status_and_keyword() {
        assert_eq!(
            ScimError::invalid_filter("bad").to_string(),
            "400 invalidFilter: bad"
        );
        assert_eq!(ScimError::not_found("x").to_string(), "404 -: x");
    }
}
