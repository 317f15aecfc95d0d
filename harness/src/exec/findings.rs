//! From checks to findings: one defect, one finding. The checks of a step are evaluated
//! independently; this module makes their verdicts honest together.
//!
//! - A body that is not JSON is judged once, by its own check (an explicit `body: json`, or
//!   the error-format rule for an error status); the other checks that needed a JSON body are
//!   not evaluated, rather than failing under rules that were never tested.
//! - The failed checks of a step are folded under one root finding (the first of the highest
//!   severity): the rest are its repeats, listed under it and not counted on their own.

use super::assert::describe_body;
use super::http::Response;
use crate::catalog::Catalog;
use crate::run_report::{CheckOutcome, CheckResult, RequirementRef};
use crate::scenario::expectation::{BodyShape, Expectation};

/// The rule that every error answer carries a JSON body (RFC 7644 §3.12).
pub const ERROR_BODY_IS_JSON: &str = "P-3.12-01";

/// When the body is not JSON, keeps one failed check about that and marks the other checks
/// that needed JSON as not evaluated. `checks[i]` is the result of `expect[i]`; a check may
/// be inserted (the error-body rule, for an error status when no check judges the body).
pub fn judge_body_once(
    expect: &[Expectation],
    resp: &Response,
    checks: &mut Vec<CheckResult>,
    catalog: &Catalog,
) {
    if resp.json().is_some() {
        return;
    }
    let needs_json: Vec<usize> = expect
        .iter()
        .enumerate()
        .filter(|(i, e)| {
            (e.pointer.is_some() || e.schema.is_some())
                && checks
                    .get(*i)
                    .is_some_and(|c| c.outcome == CheckOutcome::Failed)
        })
        .map(|(i, _)| i)
        .collect();
    let Some(&first) = needs_json.first() else {
        return;
    };
    let explicit = expect
        .iter()
        .position(|e| e.body.as_ref().is_some_and(|b| b.value == BodyShape::Json));
    let cites_error_rule = needs_json.iter().copied().find(|&i| {
        checks[i]
            .requirement
            .as_ref()
            .is_some_and(|r| r.id == ERROR_BODY_IS_JSON)
    });
    let (root, inserted) = match (explicit, cites_error_rule) {
        (Some(b), _) => (b, false),
        (None, Some(i)) => (i, false),
        (None, None) if resp.status >= 400 => match error_body_check(&checks[first], resp, catalog)
        {
            Some(check) => {
                checks.insert(first, check);
                (first, true)
            }
            None => (first, false),
        },
        (None, None) => (first, false),
    };
    let root_line = checks[root].location.line;
    for i in needs_json {
        // Indices after an inserted check moved one place down.
        let i = if inserted && i >= first { i + 1 } else { i };
        if i == root {
            continue;
        }
        let c = &mut checks[i];
        c.outcome = CheckOutcome::NotEvaluated;
        c.actual = format!(
            "not evaluated: the body is not JSON ({}), which the check at line {root_line} reports once",
            describe_body(resp)
        );
    }
}

/// The error-format rule as a check of its own, located where the first JSON check is.
fn error_body_check(near: &CheckResult, resp: &Response, catalog: &Catalog) -> Option<CheckResult> {
    let r = catalog.get(ERROR_BODY_IS_JSON)?;
    Some(CheckResult {
        description: format!("the {} error answer carries a JSON body", resp.status),
        location: near.location.clone(),
        outcome: CheckOutcome::Failed,
        severity: r.severity(),
        requirement: Some(RequirementRef {
            id: r.id.clone(),
            keyword: r.keyword.clone(),
            section: r.section(),
            text: r.requirement.clone(),
            severity_note: r.severity_reason.clone(),
        }),
        source: None,
        expected: "a SCIM error in JSON (schemas, status, detail)".into(),
        actual: describe_body(resp),
        because: Some(
            "identity providers read `detail` and `status` from the body to report and retry errors".into(),
        ),
        impact: near.impact.clone(),
        violations: Vec::new(),
        expected_failure: None,
        repeat_of: None,
        graded: None,
    })
}

/// Folds the failed checks of one step under its root finding: the first failed check of
/// the highest severity. Checks the baseline expects to fail are left alone.
pub fn fold_repeats(checks: &mut [CheckResult]) {
    let open = |c: &CheckResult| c.outcome == CheckOutcome::Failed && c.expected_failure.is_none();
    let Some(root) = checks
        .iter()
        .enumerate()
        .filter(|(_, c)| open(c))
        .min_by_key(|(i, c)| (c.severity, *i))
        .map(|(i, _)| i)
    else {
        return;
    };
    for (i, c) in checks.iter_mut().enumerate() {
        if i != root && open(c) {
            c.repeat_of = Some(root);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Severity;
    use crate::exec::assert::{CheckContext, evaluate};
    use crate::exec::template::Vars;
    use crate::scenario::diagnostic::SourceFile;
    use crate::scenario::load::parse;
    use crate::validate::SchemaSet;

    fn run(checks: &str, status: u16, body: &[u8]) -> Vec<CheckResult> {
        let file = SourceFile {
            path: "t.yaml".into(),
            text: format!("name: t\nsteps:\n  - name: s\n    req: P-3.4.2-01\n    request: {{ method: GET, path: /Users }}\n    expect:\n{checks}").into(),
        };
        let scenario = parse(&file).unwrap_or_else(|d| panic!("{d}"));
        let schemas = SchemaSet::embedded().unwrap();
        let catalog = Catalog::embedded();
        let ctx = CheckContext {
            schemas: &schemas,
            catalog,
            strict: false,
            target: None,
        };
        let resp = Response {
            status,
            headers: vec![("Content-Type".into(), "text/html".into())],
            body: body.to_vec(),
            truncated: false,
        };
        let vars = Vars::new("r");
        let step = &scenario.steps[0];
        let mut out: Vec<CheckResult> = step
            .expect
            .iter()
            .map(|e| evaluate(&ctx, &file, step, e, &resp, &vars))
            .collect();
        judge_body_once(&step.expect, &resp, &mut out, catalog);
        fold_repeats(&mut out);
        out
    }

    fn outcomes(r: &[CheckResult]) -> Vec<CheckOutcome> {
        r.iter().map(|c| c.outcome).collect()
    }

    #[test]
    fn an_html_error_is_one_finding_under_the_error_body_rule() {
        let r = run(
            "      - status: 404\n      - { pointer: /userName, present: false }\n      - { pointer: /schemas, contains: x }\n",
            404,
            b"<html>Not Found</html>",
        );
        assert_eq!(
            outcomes(&r),
            vec![
                CheckOutcome::Passed,
                CheckOutcome::Failed,
                CheckOutcome::NotEvaluated,
                CheckOutcome::NotEvaluated
            ]
        );
        assert_eq!(r[1].requirement.as_ref().unwrap().id, ERROR_BODY_IS_JSON);
        assert!(r[2].actual.contains("line 8"), "{}", r[2].actual);
    }

    #[test]
    fn an_explicit_body_check_is_the_one_that_judges_the_shape() {
        let r = run(
            "      - body: json\n      - { pointer: /schemas, contains: x, req: P-3.12-02 }\n",
            401,
            b"",
        );
        assert_eq!(
            outcomes(&r),
            vec![CheckOutcome::Failed, CheckOutcome::NotEvaluated]
        );
    }

    #[test]
    fn a_success_without_json_keeps_its_first_json_check() {
        let r = run(
            "      - { pointer: /Resources, type: array }\n      - { pointer: /totalResults, equals: 1 }\n",
            200,
            b"ok",
        );
        assert_eq!(
            outcomes(&r),
            vec![CheckOutcome::Failed, CheckOutcome::NotEvaluated]
        );
    }

    #[test]
    fn repeats_fold_under_the_first_failure_of_the_highest_severity() {
        let r = run(
            "      - { status: 201, req: P-3.14-02 }\n      - { status: 201, req: P-3.3-01 }\n      - { status: 201, req: P-3.3-01 }\n      - status: 200\n",
            200,
            b"{}",
        );
        assert_eq!(r[0].severity, Severity::Should);
        assert_eq!(
            r.iter().map(|c| c.repeat_of).collect::<Vec<_>>(),
            vec![Some(1), None, Some(1), None]
        );
    }
}
