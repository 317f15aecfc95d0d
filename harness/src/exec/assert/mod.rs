//! Evaluates one expectation of a scenario step against a response and returns a
//! [`CheckResult`]: what was checked, expected vs actual, the cited rule and its severity.
//! The predicates themselves are in [`predicate`], the wording of values and bodies in
//! [`describe`].

mod describe;
mod predicate;

use serde_json::Value;

use super::http::Response;
use super::pointer::resolve;
use super::template::Vars;
use crate::catalog::Catalog;
use crate::catalog::Severity;
use crate::run_report::{CheckOutcome, CheckResult, Grading, RequirementRef, SchemaViolation};
use crate::scenario::diagnostic::{SourceFile, SourceLocation};
use crate::scenario::expectation::{BodyShape, Expectation};
use crate::scenario::model::Step;
use crate::scenario::placeholder::{placeholders, placeholders_in_value};
use crate::validate::SchemaSet;
use crate::validate::target_schema::TargetSchemas;
pub(crate) use describe::cut;
use describe::path_or_root;
pub use describe::{describe_body, show};
use predicate::predicates;

/// What every check of a run shares.
pub struct CheckContext<'a> {
    /// Compiled JSON Schemas.
    pub schemas: &'a SchemaSet,
    /// The requirement catalog.
    pub catalog: &'a Catalog,
    /// `--strict`: SHOULD-level failures count as failures.
    pub strict: bool,
    /// The target's own `/Schemas` declarations, for `schema: target` checks.
    pub target: Option<&'a TargetSchemas>,
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
            severity_note: r.severity_reason.clone(),
        });
    let base = req_id
        .and_then(|id| ctx.catalog.get(id))
        .map_or(Severity::Must, |r| r.severity());
    let graded = exp
        .soften
        .as_ref()
        .or(exp.harden.as_ref())
        .map(|g| Grading {
            from: base,
            to: g.to,
            reason: g.reason.clone(),
        });
    let mut severity = graded.as_ref().map_or(base, |g| g.to);
    if ctx.strict && severity == Severity::Should {
        severity = Severity::Must;
    }
    let not_applicable = exp
        .if_status
        .as_ref()
        .filter(|codes| !codes.0.contains(&resp.status));
    let verdict = if let Some(codes) = not_applicable {
        Verdict::new(
            true,
            format!(
                "{} (checked only when the status is {codes})",
                describe_unjudged(exp)
            ),
            format!("status {codes}, then the check"),
            format!("status {}: not applicable", resp.status),
        )
    } else {
        match error_format_on_success(exp, req_id, resp) {
            Some(v) => v,
            None => match unavailable_input(exp, vars) {
                Some((name, why)) => Verdict {
                    outcome: CheckOutcome::NotEvaluated,
                    description: describe_unjudged(exp),
                    expected: String::new(),
                    actual: format!("not evaluated: it depends on `{{{{{name}}}}}`, and {why}"),
                    violations: Vec::new(),
                },
                None => judge(ctx, step, exp, resp, vars),
            },
        }
    };
    CheckResult {
        description: verdict.description,
        location: location(file, exp),
        outcome: verdict.outcome,
        severity,
        requirement,
        source: exp.source.clone().or_else(|| step.source.clone()),
        expected: verdict.expected,
        actual: verdict.actual,
        because: exp.because.clone(),
        impact: exp.impact.clone().or_else(|| step.impact.clone()),
        violations: verdict.violations,
        expected_failure: None,
        repeat_of: None,
        graded,
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
    outcome: CheckOutcome,
    description: String,
    expected: String,
    actual: String,
    violations: Vec<SchemaViolation>,
}

impl Verdict {
    fn new(ok: bool, description: String, expected: String, actual: String) -> Self {
        Verdict {
            outcome: if ok {
                CheckOutcome::Passed
            } else {
                CheckOutcome::Failed
            },
            description,
            expected,
            actual,
            violations: Vec::new(),
        }
    }
}

/// The first variable the check uses that is not available (a capture of an earlier
/// step or of this one found nothing), with why. Such a check is not evaluated: comparing
/// against a missing value would report a failure of the wrong rule.
fn unavailable_input(exp: &Expectation, vars: &Vars) -> Option<(String, String)> {
    let mut names: Vec<&str> = Vec::new();
    for s in [&exp.pointer, &exp.header].into_iter().flatten() {
        names.extend(placeholders(&s.value));
    }
    if let Some(m) = &exp.matches {
        names.extend(placeholders(m));
    }
    for v in [
        &exp.equals,
        &exp.not_equals,
        &exp.contains,
        &exp.not_contains,
        &exp.length,
        &exp.max_length,
        &exp.min_length,
        &exp.at_least,
        &exp.at_most,
        &exp.all_match,
    ]
    .into_iter()
    .flatten()
    {
        names.extend(placeholders_in_value(v));
    }
    for v in exp.one_of.iter().flatten() {
        names.extend(placeholders_in_value(v));
    }
    vars.first_unavailable(names)
}

/// The RFC 7644 §3.12 rules on an error's format (JSON body, Error message, `status`,
/// `scimType`): they judge error answers only.
const ERROR_FORMAT_RULES: &[&str] = &["P-3.12-01", "P-3.12-02", "P-3.12-03", "P-3.12-04"];

/// A check of an error's format on an answer that is no error (a server that accepted what
/// it should have refused) is not evaluated: the status check reports the acceptance, and
/// the error format was never put to the test.
fn error_format_on_success(
    exp: &Expectation,
    req_id: Option<&str>,
    resp: &Response,
) -> Option<Verdict> {
    // `status` and `body` checks are judged on any answer; the rest of an error-format
    // check (the Error schema, `/status`, `/scimType`, `/detail`) only on an error.
    let error_format = exp.schema.as_ref().is_some_and(|n| n.value == "error")
        || ((exp.pointer.is_some() || exp.header.is_some())
            && req_id.is_some_and(|id| ERROR_FORMAT_RULES.contains(&id)));
    (error_format && resp.status < 400).then(|| Verdict {
        outcome: CheckOutcome::NotEvaluated,
        description: describe_unjudged(exp),
        expected: String::new(),
        actual: format!(
            "not evaluated: the answer is {}, not an error, so the error's format does not apply (the status check judges the answer)",
            resp.status
        ),
        violations: Vec::new(),
    })
}

/// What a check would have checked, for one that is not evaluated.
fn describe_unjudged(exp: &Expectation) -> String {
    if let Some(s) = &exp.status {
        return format!("status is {}", s.value);
    }
    if let Some(h) = &exp.header {
        return format!("header `{}`", h.value);
    }
    if let Some(p) = &exp.pointer {
        return format!("`{}`", p.value);
    }
    if let Some(n) = &exp.schema {
        return format!("body satisfies the `{}` schema", n.value);
    }
    "body shape".into()
}

fn judge(
    ctx: &CheckContext<'_>,
    step: &Step,
    exp: &Expectation,
    resp: &Response,
    vars: &Vars,
) -> Verdict {
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
    if exp
        .schema
        .as_ref()
        .is_some_and(|n| n.value == crate::scenario::expectation::TARGET_SCHEMA)
    {
        return judge_target_schema(ctx.target, step, resp);
    }
    if let Some(name) = &exp.schema {
        let description = format!("body satisfies the `{}` schema", name.value);
        let Some(body) = resp.json() else {
            return Verdict::new(
                false,
                description,
                format!("a JSON document valid against `{}`", name.value),
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
        if exp.if_present && resp.body.is_empty() {
            return Verdict::new(
                true,
                format!("{subject} (checked only when present)"),
                "a value, if any".into(),
                "no body: not checked".into(),
            );
        }
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

/// Validates a resource (or every resource of a list) against the target's own declarations.
fn judge_target_schema(target: Option<&TargetSchemas>, step: &Step, resp: &Response) -> Verdict {
    let description = "body satisfies the target's own /Schemas declarations".to_string();
    let expected = "types, multiplicity, required and returned as /Schemas declares".to_string();
    let Some(target) = target else {
        return Verdict::new(
            false,
            description,
            expected,
            "the target's /Schemas or /ResourceTypes could not be read".into(),
        );
    };
    let Some(body) = resp.json() else {
        return Verdict::new(false, description, expected, describe_body(resp));
    };
    let projected = step.request.query.keys().any(|k| {
        k.eq_ignore_ascii_case("attributes") || k.eq_ignore_ascii_case("excludedAttributes")
    });
    let mut findings = Vec::new();
    match body.get("Resources").and_then(Value::as_array) {
        Some(items) => {
            for (i, item) in items.iter().enumerate() {
                findings.extend(target.validate(item, projected).into_iter().map(|mut f| {
                    f.instance_path = format!("/Resources/{i}{}", f.instance_path);
                    f
                }));
            }
        }
        None => findings = target.validate(&body, projected),
    }
    if findings.is_empty() {
        return Verdict::new(true, description, expected, "valid".into());
    }
    let actual = match findings.as_slice() {
        [one] => format!("{}: {}", path_or_root(&one.instance_path), one.message),
        many => format!("{} violations", many.len()),
    };
    let mut v = Verdict::new(false, description, expected, actual);
    v.violations = findings
        .into_iter()
        .map(|f| SchemaViolation {
            instance_path: f.instance_path,
            message: f.message,
        })
        .collect();
    v
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scenario::load::parse;

    /// Evaluates the checks of a one-step scenario against a JSON body.
    fn run(checks: &str, body: Value) -> Vec<CheckResult> {
        let file = SourceFile {
            path: "t.yaml".into(),
            text: format!("name: t\nsteps:\n  - name: s\n    req: P-3.4.2-01\n    request: {{ method: GET, path: /Users }}\n    expect:\n{checks}").into(),
        };
        let scenario = parse(&file).unwrap_or_else(|d| panic!("{d}"));
        let schemas = SchemaSet::embedded().unwrap();
        let ctx = CheckContext {
            schemas: &schemas,
            catalog: Catalog::embedded(),
            strict: false,
            target: None,
        };
        let resp = Response {
            status: 200,
            headers: vec![("Content-Type".into(), "application/scim+json".into())],
            body: serde_json::to_vec(&body).unwrap(),
            truncated: false,
        };
        let mut vars = Vars::new("r");
        vars.set("n", json!(2));
        let step = &scenario.steps[0];
        step.expect
            .iter()
            .map(|e| evaluate(&ctx, &file, step, e, &resp, &vars))
            .collect()
    }

    fn outcomes(results: &[CheckResult]) -> Vec<bool> {
        results
            .iter()
            .map(|r| r.outcome == CheckOutcome::Passed)
            .collect()
    }

    #[test]
    fn lengths_accept_numbers_and_placeholders() {
        let r = run(
            "      - { pointer: /Resources, length: 2 }\n      - { pointer: /Resources, length: \"{{n}}\" }\n      - { pointer: /Resources, max_length: 1 }\n      - { pointer: /Resources, min_length: 3 }\n",
            json!({"Resources": [1, 2]}),
        );
        assert_eq!(outcomes(&r), vec![true, true, false, false]);
        assert_eq!(r[2].actual, "length 2");
    }

    #[test]
    fn bounds_one_of_and_all_match() {
        let r = run(
            "      - { pointer: /totalResults, at_least: 3 }\n      - { pointer: /totalResults, at_most: 2 }\n      - { pointer: /scimType, one_of: [uniqueness, invalidValue] }\n      - { pointer: /Resources, all_match: { active: true } }\n      - { pointer: /t, at_least: \"2026-01-01T00:00:00Z\" }\n",
            json!({"totalResults": 3, "scimType": "invalidValue", "Resources": [{"active": true}, {"active": false, "id": "x"}], "t": "2026-05-01T00:00:00Z"}),
        );
        assert_eq!(outcomes(&r), vec![true, false, true, false, true]);
        assert!(r[3].actual.contains("element 1"), "{}", r[3].actual);
    }

    #[test]
    fn sorted_follows_rfc_ordering_of_missing_values() {
        let asc = "      - pointer: /Resources\n        sorted: { by: /userName }\n        case_insensitive: true\n";
        let desc =
            "      - pointer: /Resources\n        sorted: { by: /userName, order: descending }\n";
        let ok = json!({"Resources": [{"userName": "alice"}, {"userName": "Bob"}, {"userName": "carol"}, {}]});
        assert_eq!(outcomes(&run(asc, ok)), vec![true]);
        let case_sensitive_order =
            json!({"Resources": [{"userName": "Bob"}, {"userName": "alice"}]});
        let r = run(asc, case_sensitive_order);
        assert_eq!(outcomes(&r), vec![false]);
        assert!(r[0].actual.contains("element 0"), "{}", r[0].actual);
        assert_eq!(
            outcomes(&run(
                desc,
                json!({"Resources": [{}, {"userName": "b"}, {"userName": "a"}]})
            )),
            vec![true]
        );
        assert_eq!(
            outcomes(&run(desc, json!({"Resources": [{"userName": "b"}, {}]}))),
            vec![false]
        );
    }

    #[test]
    fn if_present_skips_absent_values_only() {
        let r = run(
            "      - { pointer: /meta/location, matches: \"^http\", if_present: true }\n      - { pointer: /id, equals: x, if_present: true }\n",
            json!({"id": "y"}),
        );
        assert_eq!(outcomes(&r), vec![true, false]);
        assert_eq!(r[0].actual, "absent: not checked");
    }

    #[test]
    fn negative_predicates_fail_on_absent_values_unless_if_present() {
        let r = run(
            "      - { pointer: /groups, not_contains: { value: g1 } }\n      - { pointer: /groups, not_contains: { value: g1 }, if_present: true }\n      - { pointer: /id, not_equals: old }\n      - { pointer: /id, not_equals: old, if_present: true }\n      - { pointer: /name, not_equals: x }\n",
            json!({"name": "y"}),
        );
        assert_eq!(outcomes(&r), vec![false, true, false, true, true]);
        assert_eq!(r[0].actual, "absent");
    }

    #[test]
    fn error_format_checks_do_not_judge_a_success() {
        let r = run(
            "      - { schema: error, req: P-3.12-02 }\n      - { pointer: /status, equals: \"400\", req: P-3.12-03 }\n      - { pointer: /id, present: true }\n",
            json!({"id": "1"}),
        );
        assert_eq!(r[0].outcome, CheckOutcome::NotEvaluated);
        assert_eq!(r[1].outcome, CheckOutcome::NotEvaluated);
        assert!(
            r[0].actual.contains("the answer is 200, not an error"),
            "{}",
            r[0].actual
        );
        assert_eq!(r[2].outcome, CheckOutcome::Passed);
    }

    #[test]
    fn checks_on_a_missing_capture_are_not_evaluated() {
        let file = SourceFile {
            path: "t.yaml".into(),
            text: "name: t\nsteps:\n  - name: s\n    req: P-3.3-03\n    request: { method: GET, path: /Users }\n    expect:\n      - { pointer: /meta/location, equals: \"{{location}}\" }\n".into(),
        };
        let scenario = parse(&file).unwrap_or_else(|d| panic!("{d}"));
        let schemas = SchemaSet::embedded().unwrap();
        let ctx = CheckContext {
            schemas: &schemas,
            catalog: Catalog::embedded(),
            strict: false,
            target: None,
        };
        let resp = Response {
            status: 201,
            headers: Vec::new(),
            body: br#"{"meta":{"location":"http://x/Users/1"}}"#.to_vec(),
            truncated: false,
        };
        let mut vars = Vars::new("r");
        vars.mark_missing(
            "location",
            "the capture `location` (t.yaml:9) found nothing".into(),
        );
        let step = &scenario.steps[0];
        let c = evaluate(&ctx, &file, step, &step.expect[0], &resp, &vars);
        assert_eq!(c.outcome, CheckOutcome::NotEvaluated);
        assert!(c.actual.contains("{{location}}"), "{}", c.actual);
        assert!(c.actual.contains("t.yaml:9"), "{}", c.actual);
        assert!(!c.is_failure());
    }

    #[test]
    fn status_and_pointer_checks_report_expected_and_actual() {
        let r = run(
            "      - status: 201\n      - { pointer: /active, equals: false }\n      - { pointer: /password, present: false }\n      - { pointer: /userName, equals: ALICE, case_insensitive: true }\n",
            json!({"active": true, "userName": "alice"}),
        );
        assert_eq!(outcomes(&r), vec![false, false, true, true]);
        assert_eq!(
            (r[0].expected.as_str(), r[0].actual.as_str()),
            ("201", "200")
        );
        assert_eq!(
            (r[1].expected.as_str(), r[1].actual.as_str()),
            ("false", "true")
        );
        assert_eq!(r[1].location.line, 8);
    }
}
