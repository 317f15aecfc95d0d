//! Checks every response gets, whatever its scenario says: an error `detail` must not leak
//! the service's internals, and a `204 No Content` carries no content. Both are warnings:
//! no SCIM rule is broken, but a vendor's security review or a strict client will object.

use std::sync::OnceLock;

use regex::Regex;

use super::assert::{cut, describe_body};
use super::http::Response;
use crate::catalog::Severity;
use crate::run_report::{CheckOutcome, CheckResult};
use crate::scenario::diagnostic::SourceLocation;

/// The source of the error-detail check (also what defects name in the kill matrix).
pub const DETAIL_LEAK_SOURCE: &str = "harness: error detail leaks internals (CWE-209; OWASP ASVS 7.4.1: errors show no stack traces, queries or paths)";
/// The source of the 204 check.
pub const NO_CONTENT_SOURCE: &str =
    "harness: 204 No Content has no content (RFC 9110 §15.3.5; RFC 7644 §3.6)";

/// What gives internals away in an error message: stack frames of the common runtimes,
/// database errors, and server file paths.
fn leak_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"(?m)(\bat [\w$.<>]+\([\w$]+\.(?:java|kt|scala):\d+\)",
            r"|^\s+at [\w.<>`]+\(.*\) in .+:line \d+",
            r"|Traceback \(most recent call last\)|File .+, line \d+, in ",
            r"|\bat .+ \((?:/|[A-Z]:\\).+\.[cm]?[jt]s:\d+:\d+\)",
            r"|panicked at |\bgoroutine \d+ \[",
            r"|\b(?:java|javax|jakarta)\.[a-z]+\.[A-Za-z.]*(?:Exception|Error)\b",
            r"|\bSystem\.[A-Za-z.]*Exception\b|\bNullReferenceException\b",
            r"|SQLSTATE|\bORA-\d{5}\b|syntax error at or near|You have an error in your SQL syntax",
            r"|duplicate key value violates unique constraint|\bSQLITE_[A-Z]+\b|\bPG::[A-Z]\w+",
            r"|(?:^|[\s'\x22(])/(?:home|var/www|usr/src/app|opt/app|srv)/[\w.-]+/",
            r"|\b[A-Z]:\\(?:Users|inetpub|Program Files|src)\\)"
        ))
        .expect("the leak pattern compiles")
    })
}

/// The automatic checks for one response (none when nothing applies).
pub fn checks(resp: &Response, location: &SourceLocation) -> Vec<CheckResult> {
    let mut out = Vec::new();
    if resp.status >= 400
        && let Some(detail) = resp
            .json()
            .and_then(|b| b.get("detail").and_then(|d| d.as_str()).map(str::to_string))
    {
        let leak = leak_pattern()
            .find(&detail)
            .map(|m| m.as_str().trim().to_string());
        out.push(check(
            location,
            "the error detail does not expose the service's internals",
            leak.is_none(),
            "a message for the client: no stack trace, SQL or server file path",
            match leak {
                Some(found) => format!("the detail contains `{}`", cut(&found, 120)),
                None => "no internals found".into(),
            },
            DETAIL_LEAK_SOURCE,
            "a stack trace, a query or a file path in an error tells an attacker which framework, database and code run the service; security reviews of SCIM integrations flag it",
        ));
    }
    if resp.status == 204 {
        let content_type = resp.header("content-type");
        let ok = resp.body.is_empty() && content_type.is_none();
        out.push(check(
            location,
            "the 204 answer has no body and no Content-Type",
            ok,
            "no body and no Content-Type",
            if ok {
                "none".into()
            } else {
                format!(
                    "{}{}",
                    describe_body(resp),
                    content_type
                        .map(|c| format!(", Content-Type: {c}"))
                        .unwrap_or_default()
                )
            },
            NO_CONTENT_SOURCE,
            "HTTP forbids content in a 204; clients and proxies that trust that misread the connection's next answer",
        ));
    }
    out
}

fn check(
    location: &SourceLocation,
    description: &str,
    ok: bool,
    expected: &str,
    actual: String,
    source: &str,
    because: &str,
) -> CheckResult {
    CheckResult {
        description: description.into(),
        location: location.clone(),
        outcome: if ok {
            CheckOutcome::Passed
        } else {
            CheckOutcome::Failed
        },
        severity: Severity::Should,
        requirement: None,
        source: Some(source.into()),
        expected: expected.into(),
        actual,
        because: Some(because.into()),
        impact: None,
        violations: Vec::new(),
        expected_failure: None,
        repeat_of: None,
        graded: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(detail: &str) -> Response {
        Response {
            status: 400,
            headers: vec![("Content-Type".into(), "application/scim+json".into())],
            body: serde_json::to_vec(&serde_json::json!({"status": "400", "detail": detail}))
                .unwrap(),
            truncated: false,
        }
    }

    fn at() -> SourceLocation {
        SourceLocation {
            file: "t.yaml".into(),
            line: 3,
            column: 5,
        }
    }

    #[test]
    fn internals_in_error_details_are_flagged() {
        for leak in [
            "bad\n\tat com.acme.Users.create(Users.java:42)",
            "Traceback (most recent call last):\n  File \"/app/x.py\", line 3, in f",
            "ERROR: duplicate key value violates unique constraint \"users_pkey\"",
            "SQLSTATE[23000]: Integrity constraint violation",
            "System.InvalidOperationException: Sequence contains no elements",
            "   at Acme.Scim.UsersController.Post(User u) in C:\\src\\Users.cs:line 88",
            "thread 'main' panicked at src/main.rs:3:5",
            "Error: boom\n    at Object.<anonymous> (/usr/src/app/index.js:10:15)",
            "cannot open '/home/deploy/scim/config.yml'",
        ] {
            let c = &checks(&error(leak), &at())[0];
            assert_eq!(c.outcome, CheckOutcome::Failed, "{leak}");
            assert_eq!(c.severity, Severity::Should);
        }
    }

    #[test]
    fn ordinary_error_details_pass() {
        for fine in [
            "userName is required",
            "Attribute 'emails[type eq \"work\"].value' is invalid",
            "The filter 'userName eq' is incomplete at position 11",
            "User 2819c223-7f76-453a-919d-413861904646 not found",
            "the bearer token is not valid",
        ] {
            let c = &checks(&error(fine), &at())[0];
            assert_eq!(c.outcome, CheckOutcome::Passed, "{fine}: {}", c.actual);
        }
    }

    #[test]
    fn a_204_with_content_is_flagged_and_a_clean_one_passes() {
        let clean = Response {
            status: 204,
            headers: Vec::new(),
            body: Vec::new(),
            truncated: false,
        };
        assert_eq!(checks(&clean, &at())[0].outcome, CheckOutcome::Passed);
        let dirty = Response {
            headers: vec![("Content-Type".into(), "application/scim+json".into())],
            body: b"{}".to_vec(),
            ..clean
        };
        let c = &checks(&dirty, &at())[0];
        assert_eq!(c.outcome, CheckOutcome::Failed);
        assert!(
            c.actual.contains("Content-Type: application/scim+json"),
            "{}",
            c.actual
        );
        let ok = Response {
            status: 200,
            headers: Vec::new(),
            body: b"{}".to_vec(),
            truncated: false,
        };
        assert!(checks(&ok, &at()).is_empty());
    }
}
