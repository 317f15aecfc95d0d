//! Evaluates one expectation of a scenario step against a response and returns a
//! [`CheckResult`]: what was checked, expected vs actual, the cited rule and its severity.

use serde_json::Value;

use super::http::Response;
use super::pointer::{is_unassigned, json_eq, json_matches, resolve};
use super::template::Vars;
use crate::catalog::Catalog;
use crate::report::model::{CheckOutcome, CheckResult, RequirementRef, SchemaViolation};
use crate::scenario::diagnostic::{SourceFile, SourceLocation};
use crate::scenario::model::{BodyShape, Expectation, JsonType, Severity, Step};
use crate::validate::SchemaSet;

/// What every check of a run shares.
pub struct CheckContext<'a> {
    /// Compiled JSON Schemas.
    pub schemas: &'a SchemaSet,
    /// The requirement catalog.
    pub catalog: &'a Catalog,
    /// `--strict`: SHOULD-level failures count as failures.
    pub strict: bool,
}

/// Evaluates `exp` (a check of `step`, written in `file`) against `resp`.
pub fn evaluate(
    ctx: &CheckContext<'_>,
    file: &SourceFile,
    step: &Step,
    exp: &Expectation,
    resp: &Response,
    vars: &Vars,
) -> CheckResult {
    let req_id = exp
        .req
        .as_ref()
        .or(step.req.as_ref())
        .map(|r| r.value.as_str());
    let requirement = req_id
        .and_then(|id| ctx.catalog.get(id))
        .map(|r| RequirementRef {
            id: r.id.clone(),
            keyword: r.keyword.clone(),
            section: r.section(),
            text: r.requirement.clone(),
        });
    let mut severity = exp
        .severity
        .or_else(|| {
            req_id
                .and_then(|id| ctx.catalog.get(id))
                .map(|r| r.severity())
        })
        .unwrap_or(Severity::Must);
    if ctx.strict && severity == Severity::Should {
        severity = Severity::Must;
    }
    let verdict = judge(ctx, exp, resp, vars);
    CheckResult {
        description: verdict.description,
        location: location(file, exp),
        outcome: if verdict.ok {
            CheckOutcome::Passed
        } else {
            CheckOutcome::Failed
        },
        severity,
        requirement,
        source: exp.source.clone().or_else(|| step.source.clone()),
        expected: verdict.expected,
        actual: verdict.actual,
        because: exp.because.clone(),
        impact: exp.impact.clone().or_else(|| step.impact.clone()),
        violations: verdict.violations,
    }
}

fn location(file: &SourceFile, exp: &Expectation) -> SourceLocation {
    let spans = [
        exp.status.as_ref().map(|s| &s.referenced),
        exp.header.as_ref().map(|s| &s.referenced),
        exp.pointer.as_ref().map(|s| &s.referenced),
        exp.schema.as_ref().map(|s| &s.referenced),
        exp.body.as_ref().map(|s| &s.referenced),
    ];
    let at = spans.into_iter().flatten().next();
    SourceLocation {
        file: file.path.clone(),
        line: at.map_or(1, |l| l.line().max(1)),
        column: at.map_or(1, |l| l.column().max(1)),
    }
}

struct Verdict {
    ok: bool,
    description: String,
    expected: String,
    actual: String,
    violations: Vec<SchemaViolation>,
}

impl Verdict {
    fn new(ok: bool, description: String, expected: String, actual: String) -> Self {
        Verdict {
            ok,
            description,
            expected,
            actual,
            violations: Vec::new(),
        }
    }
}

fn judge(ctx: &CheckContext<'_>, exp: &Expectation, resp: &Response, vars: &Vars) -> Verdict {
    if let Some(status) = &exp.status {
        let codes = &status.value;
        return Verdict::new(
            codes.0.contains(&resp.status),
            format!("status is {codes}"),
            codes.to_string(),
            resp.status.to_string(),
        );
    }
    if let Some(shape) = &exp.body {
        return match shape.value {
            BodyShape::Empty => Verdict::new(
                resp.body.is_empty(),
                "body is empty".into(),
                "no body".into(),
                describe_body(resp),
            ),
            BodyShape::Json => Verdict::new(
                resp.json().is_some(),
                "body is JSON".into(),
                "a JSON document".into(),
                describe_body(resp),
            ),
        };
    }
    if let Some(name) = &exp.schema {
        let description = format!("body satisfies the `{}` schema", name.value);
        let Some(body) = resp.json() else {
            return Verdict::new(
                false,
                description,
                format!("a `{}` JSON document", name.value),
                describe_body(resp),
            );
        };
        return match ctx.schemas.validate(&name.value, &body) {
            Ok(()) => Verdict::new(
                true,
                description,
                format!("a valid `{}`", name.value),
                "valid".into(),
            ),
            Err(violations) => {
                let actual = match violations.as_slice() {
                    [one] => format!("{}: {}", path_or_root(&one.instance_path), one.message),
                    many => format!("{} violations", many.len()),
                };
                let mut v = Verdict::new(
                    false,
                    description,
                    format!("a valid `{}`", name.value),
                    actual,
                );
                v.violations = violations
                    .into_iter()
                    .map(|x| SchemaViolation {
                        instance_path: x.instance_path,
                        message: x.message,
                    })
                    .collect();
                v
            }
        };
    }
    if let Some(name) = &exp.header {
        let subject = format!("header `{}`", name.value);
        let value = resp.header(&name.value).map(Value::String);
        return predicates(exp, &subject, value.as_ref(), vars);
    }
    if let Some(ptr) = &exp.pointer {
        let pointer = match vars.render_str(&ptr.value) {
            Ok(p) => p,
            Err(e) => {
                return Verdict::new(
                    false,
                    format!("`{}`", ptr.value),
                    "a resolvable pointer".into(),
                    e.to_string(),
                );
            }
        };
        let subject = format!("`{}`", if pointer.is_empty() { "body" } else { &pointer });
        let Some(body) = resp.json() else {
            return Verdict::new(false, subject, "a JSON body".into(), describe_body(resp));
        };
        return predicates(exp, &subject, resolve(&body, &pointer), vars);
    }
    Verdict::new(
        false,
        "check without subject".into(),
        String::new(),
        String::new(),
    )
}

/// Applies every predicate of `exp` to `value`; the first that fails decides expected/actual.
fn predicates(exp: &Expectation, subject: &str, value: Option<&Value>, vars: &Vars) -> Verdict {
    let ci = exp.case_insensitive;
    let ci_note = if ci { " (ignoring case)" } else { "" };
    let mut parts: Vec<String> = Vec::new();
    let mut failed: Option<(String, String)> = None;
    let shown = show_opt(value);
    let fail = |expected: String, actual: String, failed: &mut Option<(String, String)>| {
        if failed.is_none() {
            *failed = Some((expected, actual));
        }
    };
    let render = |v: &Value| {
        vars.render_value(v)
            .unwrap_or_else(|e| Value::String(format!("<{e}>")))
    };

    if let Some(present) = exp.present {
        if present {
            parts.push("is present".into());
            if is_unassigned(value) {
                fail("a value".into(), shown.clone(), &mut failed);
            }
        } else {
            parts.push("is absent".into());
            if !is_unassigned(value) {
                fail("absent (or null / [])".into(), shown.clone(), &mut failed);
            }
        }
    }
    if let Some(t) = exp.json_type {
        parts.push(format!("is {}", type_word(t)));
        if !value.is_some_and(|v| t.matches(v)) {
            let actual = value.map_or("absent".to_string(), |v| {
                format!("{} {}", JsonType::name_of(v), show(v))
            });
            fail(type_word(t).into(), actual, &mut failed);
        }
    }
    if let Some(want) = &exp.equals {
        let want = render(want);
        parts.push(format!("equals {}{ci_note}", show(&want)));
        if !value.is_some_and(|v| json_eq(v, &want, ci)) {
            fail(show(&want), shown.clone(), &mut failed);
        }
    }
    if let Some(want) = &exp.not_equals {
        let want = render(want);
        parts.push(format!("differs from {}{ci_note}", show(&want)));
        if value.is_some_and(|v| json_eq(v, &want, ci)) {
            fail(
                format!("anything but {}", show(&want)),
                shown.clone(),
                &mut failed,
            );
        }
    }
    if let Some(want) = &exp.contains {
        let want = render(want);
        parts.push(format!("contains {}{ci_note}", show(&want)));
        if !value.is_some_and(|v| contains(v, &want, ci)) {
            fail(
                format!("to contain {}", show(&want)),
                shown.clone(),
                &mut failed,
            );
        }
    }
    if let Some(want) = &exp.not_contains {
        let want = render(want);
        parts.push(format!("does not contain {}{ci_note}", show(&want)));
        if value.is_some_and(|v| contains(v, &want, ci)) {
            fail(
                format!("not to contain {}", show(&want)),
                shown.clone(),
                &mut failed,
            );
        }
    }
    if let Some(pattern) = &exp.matches {
        parts.push(format!("matches /{pattern}/"));
        let re = regex::RegexBuilder::new(pattern)
            .case_insensitive(ci)
            .build();
        let ok = match (&re, value) {
            (Ok(re), Some(Value::String(s))) => re.is_match(s),
            _ => false,
        };
        if !ok {
            fail(
                format!("a string matching /{pattern}/"),
                shown.clone(),
                &mut failed,
            );
        }
    }
    let len = value.and_then(length);
    for (word, bound, ok) in [
        (
            "has length",
            exp.length,
            len.zip(exp.length).is_some_and(|(l, b)| l == b),
        ),
        (
            "has length at most",
            exp.max_length,
            len.zip(exp.max_length).is_some_and(|(l, b)| l <= b),
        ),
        (
            "has length at least",
            exp.min_length,
            len.zip(exp.min_length).is_some_and(|(l, b)| l >= b),
        ),
    ] {
        if let Some(b) = bound {
            parts.push(format!("{word} {b}"));
            if !ok {
                let actual = match len {
                    Some(l) => format!("length {l}"),
                    None => shown.clone(),
                };
                fail(
                    format!("{word} {b}").replace("has ", ""),
                    actual,
                    &mut failed,
                );
            }
        }
    }
    let description = format!("{subject} {}", parts.join(" and "));
    match failed {
        Some((expected, actual)) => Verdict::new(false, description, expected, actual),
        None => Verdict::new(true, description, parts.join(" and "), shown),
    }
}

fn contains(haystack: &Value, needle: &Value, ci: bool) -> bool {
    match (haystack, needle) {
        (Value::String(h), Value::String(n)) => {
            if ci {
                h.to_lowercase().contains(&n.to_lowercase())
            } else {
                h.contains(n.as_str())
            }
        }
        (Value::Array(items), _) => items.iter().any(|i| json_matches(i, needle, ci)),
        (Value::Object(_), Value::Object(_)) => json_matches(haystack, needle, ci),
        _ => false,
    }
}

fn length(v: &Value) -> Option<u64> {
    match v {
        Value::Array(items) => Some(items.len() as u64),
        Value::String(s) => Some(s.chars().count() as u64),
        Value::Object(map) => Some(map.len() as u64),
        _ => None,
    }
}

fn type_word(t: JsonType) -> &'static str {
    match t {
        JsonType::String => "a string",
        JsonType::Number => "a number",
        JsonType::Integer => "an integer",
        JsonType::Boolean => "a boolean",
        JsonType::Object => "an object",
        JsonType::Array => "an array",
        JsonType::Null => "null",
    }
}

fn path_or_root(p: &str) -> &str {
    if p.is_empty() { "(root)" } else { p }
}

/// A JSON value as compact text, cut to 300 characters.
pub fn show(v: &Value) -> String {
    cut(&v.to_string(), 300)
}

fn show_opt(v: Option<&Value>) -> String {
    v.map_or_else(|| "absent".to_string(), show)
}

/// A body described for an `actual:` line.
pub fn describe_body(resp: &Response) -> String {
    if resp.body.is_empty() {
        return "no body".into();
    }
    let ct = resp
        .header("content-type")
        .unwrap_or_else(|| "no content-type".into());
    let text = String::from_utf8_lossy(&resp.body);
    let kind = if resp.json().is_some() {
        "JSON"
    } else {
        "non-JSON"
    };
    format!(
        "{kind} body ({ct}, {} bytes): {}",
        resp.body.len(),
        cut(text.trim(), 120)
    )
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push('…');
    out
}
