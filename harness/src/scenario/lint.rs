//! Semantic checks on a parsed scenario, before any request is sent: undefined variables,
//! captures used before they are set, unknown schema names and requirement ids, checks
//! without a subject or a citation, and mutating requests aimed at resources the scenario
//! did not create.

use std::collections::{BTreeMap, HashMap};

use serde_saphyr::Spanned;

use super::diagnostic::{Diagnostic, SourceFile, did_you_mean};
use super::expectation::Expectation;
use super::model::{Method, Scenario};
use super::placeholder::{BUILTINS, placeholders, placeholders_in_value};
use crate::catalog::Catalog;
use crate::catalog::Severity;

/// What the linter checks names against.
pub struct LintContext<'a> {
    /// Names of the JSON Schemas a check may name (`user`, `error`, …).
    pub schema_names: Vec<&'a str>,
    /// The requirement catalog.
    pub catalog: &'a Catalog,
}

/// Where a variable comes from.
#[derive(Clone, Copy)]
enum Origin {
    Builtin,
    Var,
    /// Captured by an earlier step (or this one, for its own checks).
    Capture,
}

/// Every problem found in one scenario (empty when it is clean).
pub fn lint(file: &SourceFile, scenario: &Scenario, ctx: &LintContext<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut lint = Linter {
        file,
        ctx,
        out: &mut out,
    };
    lint.scenario(scenario);
    out
}

struct Linter<'a, 'o> {
    file: &'a SourceFile,
    ctx: &'a LintContext<'a>,
    out: &'o mut Vec<Diagnostic>,
}

impl Linter<'_, '_> {
    fn scenario(&mut self, s: &Scenario) {
        // Where each captured variable is first set.
        let mut captured_at: HashMap<&str, (usize, &Spanned<String>)> = HashMap::new();
        for (i, step) in s.steps.iter().enumerate() {
            for (name, spec) in &step.capture {
                captured_at.entry(name.as_str()).or_insert((i, spec));
            }
        }
        let mut known: BTreeMap<String, Origin> = BUILTINS
            .iter()
            .map(|b| (b.to_string(), Origin::Builtin))
            .collect();
        for (name, value) in &s.vars {
            for used in placeholders_in_value(&value.value) {
                if !BUILTINS.contains(&used) {
                    self.out.push(
                        Diagnostic::spanned(
                            self.file,
                            value,
                            format!(
                                "variable `{name}` uses `{{{{{used}}}}}`, which is not a built-in"
                            ),
                        )
                        .with_label("vars may only use built-ins")
                        .with_help(format!("built-ins are {}", BUILTINS.join(", "))),
                    );
                }
            }
            known.insert(name.clone(), Origin::Var);
        }

        let mut step_names: HashMap<String, &Spanned<String>> = HashMap::new();
        for (i, step) in s.steps.iter().enumerate() {
            if let Some(prev) = step_names.insert(step.name.value.to_ascii_lowercase(), &step.name)
            {
                self.out.push(
                    Diagnostic::spanned(
                        self.file,
                        &step.name,
                        format!("duplicate step name `{}`", step.name.value),
                    )
                    .with_label("already used")
                    .with_help(format!(
                        "the first use is on line {}; step names must be unique within a scenario",
                        prev.referenced.line()
                    )),
                );
            }
            let req = &step.request;
            // Variables usable by the request: everything set before this step.
            self.check_vars(
                &req.path,
                placeholders(&req.path.value),
                &known,
                &captured_at,
                i,
            );
            let mut request_vars: Vec<&str> = Vec::new();
            for v in req.query.values().chain(req.headers.values()) {
                request_vars.extend(placeholders_in_value(v));
            }
            if let Some(body) = &req.body {
                self.check_vars(
                    body,
                    placeholders_in_value(&body.value),
                    &known,
                    &captured_at,
                    i,
                );
            }
            if let Some(raw) = &req.raw_body {
                request_vars.extend(placeholders(raw));
            }
            self.check_vars(&req.path, request_vars, &known, &captured_at, i);

            if let Some(ms) = step.wait_ms
                && ms > 10_000
            {
                self.out.push(
                    Diagnostic::spanned(
                        self.file,
                        &step.name,
                        format!("`wait_ms: {ms}` is longer than 10 000"),
                    )
                    .with_label("waits are capped")
                    .with_help("a wait only needs to outlast a clock tick; use at most 10000 ms"),
                );
            }
            if let Some(walk) = &step.page_walk {
                self.out
                    .extend(super::page_walk::lint(self.file, step, walk));
                let used = walk
                    .value
                    .finds
                    .iter()
                    .flat_map(|f| placeholders(f))
                    .collect();
                self.check_vars(walk, used, &known, &captured_at, i);
            }
            let whole_placeholder = {
                let p = req.path.value.trim();
                p.starts_with("{{") && p.ends_with("}}") && placeholders(p).len() == 1
            };
            if !req.path.value.starts_with('/') && !whole_placeholder {
                self.out.push(
                    Diagnostic::spanned(self.file, &req.path, "request path must start with `/`")
                        .with_label("relative to the target's SCIM base URL")
                        .with_help(format!("write `/{}`", req.path.value)),
                );
            }
            if req.body.is_some() && req.raw_body.is_some() {
                self.out.push(
                    Diagnostic::spanned(
                        self.file,
                        &req.path,
                        "a request has both `body` and `raw_body`",
                    )
                    .with_help("keep one: `body` for JSON, `raw_body` for exact bytes"),
                );
            }
            if req.method.is_mutating()
                && req.method != Method::Post
                && !(req.method != Method::Delete
                    && super::model::is_configuration_endpoint(&req.path.value))
            {
                let targets_own = placeholders(&req.path.value).iter().any(|v| {
                    matches!(known.get(*v), Some(Origin::Capture))
                        || *v == "uuid"
                        || matches!(known.get(*v), Some(Origin::Var))
                });
                if !targets_own {
                    self.out.push(
                        Diagnostic::spanned(self.file, &req.path, format!("{} to a fixed path could change a resource this run did not create", req.method.as_str()))
                            .with_label("no variable in this path")
                            .with_help("target a resource the scenario created (`/Users/{{user_id}}` with `capture: { user_id: /id }`) or a random id (`{{uuid}}`)"),
                    );
                }
            }

            // Captures of this step are visible to its own expectations.
            let mut visible = known.clone();
            for name in step.capture.keys() {
                visible.insert(name.clone(), Origin::Capture);
            }
            for (name, spec) in &step.capture {
                let v = &spec.value;
                if !(v.starts_with('/') || v.is_empty() || v.starts_with("header:")) {
                    self.out.push(
                        Diagnostic::spanned(self.file, spec, format!("capture `{name}` is neither a JSON Pointer nor `header:Name`"))
                            .with_label("not a capture source")
                            .with_help("use a JSON Pointer such as `/id` or `/Resources/0/id`, or `header:Location`"),
                    );
                }
            }
            for exp in &step.expect {
                self.expectation(
                    exp,
                    step.req.as_ref(),
                    step.source.is_some(),
                    &visible,
                    &captured_at,
                    i,
                );
            }
            known = visible;
        }
    }

    fn check_vars<T>(
        &mut self,
        at: &Spanned<T>,
        used: Vec<&str>,
        known: &BTreeMap<String, Origin>,
        captured_at: &HashMap<&str, (usize, &Spanned<String>)>,
        step: usize,
    ) {
        for name in used {
            if known.contains_key(name) {
                continue;
            }
            let d = match captured_at.get(name) {
                Some((later, spec)) if *later >= step => Diagnostic::spanned(
                    self.file,
                    at,
                    format!("variable `{name}` is used before it is captured"),
                )
                .with_label("not set yet at this step")
                .with_help(format!(
                    "`{name}` is captured on line {}, {}; move the capture earlier",
                    spec.referenced.line(),
                    if *later == step {
                        "by this same step, after its request is sent"
                    } else {
                        "by a later step"
                    }
                )),
                _ => {
                    let hint = did_you_mean(name, known.keys().map(String::as_str));
                    Diagnostic::spanned(self.file, at, format!("undefined variable `{name}`"))
                        .with_label("not defined by `vars:`, a built-in, or an earlier `capture:`")
                        .with_help(match hint {
                            Some(h) => format!("did you mean `{h}`?"),
                            None => format!(
                                "define it under `vars:` or capture it in an earlier step; built-ins are {}",
                                BUILTINS.join(", ")
                            ),
                        })
                }
            };
            self.out.push(d);
        }
    }

    fn expectation(
        &mut self,
        e: &Expectation,
        step_req: Option<&Spanned<String>>,
        step_has_source: bool,
        known: &BTreeMap<String, Origin>,
        captured_at: &HashMap<&str, (usize, &Spanned<String>)>,
        step: usize,
    ) {
        let subjects = e.subjects();
        let predicates = e.predicates();
        let anchor = self.anchor(e, step_req);
        let Some((line, column)) = anchor else {
            return;
        };
        match subjects.as_slice() {
            [] => {
                self.out.push(
                    Diagnostic::at(self.file, line, column, "a check needs a subject")
                        .with_label("no status, header, pointer, schema or body")
                        .with_help("start the check with `status:`, `header:`, `pointer:`, `schema:` or `body:`"),
                );
                return;
            }
            [_] => {}
            many => {
                self.out.push(
                    Diagnostic::at(
                        self.file,
                        line,
                        column,
                        format!("a check has several subjects: {}", many.join(", ")),
                    )
                    .with_label("one subject per check")
                    .with_help("split it into one `- …` item per subject"),
                );
                return;
            }
        }
        let subject = subjects[0];
        if matches!(subject, "header" | "pointer") && predicates.is_empty() {
            self.out.push(
                Diagnostic::at(
                    self.file,
                    line,
                    column,
                    format!("a `{subject}` check has nothing to compare"),
                )
                .with_label("no predicate")
                .with_help(
                    "add `equals:`, `contains:`, `present:`, `type:`, `matches:` or a length",
                ),
            );
        }
        if matches!(subject, "status" | "schema" | "body") && !predicates.is_empty() {
            self.out.push(
                Diagnostic::at(
                    self.file,
                    line,
                    column,
                    format!(
                        "`{}` does not apply to a `{subject}` check",
                        predicates.join("`, `")
                    ),
                )
                .with_label("predicates apply to `header:` and `pointer:` checks")
                .with_help("move the predicate to its own `pointer:` or `header:` check"),
            );
        }
        if let Some(p) = &e.pointer
            && !(p.value.is_empty() || p.value.starts_with('/'))
        {
            self.out.push(
                Diagnostic::spanned(self.file, p, format!("`{}` is not a JSON Pointer", p.value))
                    .with_label("must start with `/`")
                    .with_help(format!("write `/{}`; nested keys are separated by `/`, array items by index (`/Resources/0/id`)", p.value.replace('.', "/"))),
            );
        }
        if let Some(s) = &e.schema
            && s.value != super::expectation::TARGET_SCHEMA
            && !self.ctx.schema_names.contains(&s.value.as_str())
        {
            let hint = did_you_mean(&s.value, self.ctx.schema_names.iter().copied());
            self.out.push(
                Diagnostic::spanned(self.file, s, format!("unknown schema `{}`", s.value))
                    .with_label("no such file in schemas/scim/")
                    .with_help(match hint {
                        Some(h) => format!("did you mean `{h}`?"),
                        None => format!("known schemas: {}", self.ctx.schema_names.join(", ")),
                    }),
            );
        }
        if let Some(re) = &e.matches
            && let Err(err) = regex::Regex::new(re)
        {
            self.out.push(
                Diagnostic::at(
                    self.file,
                    line,
                    column,
                    "invalid regular expression in `matches`",
                )
                .with_help(
                    err.to_string()
                        .lines()
                        .last()
                        .unwrap_or("")
                        .trim()
                        .to_string(),
                ),
            );
        }
        let req = e.req.as_ref().or(step_req);
        self.grade(e, req, line, column);
        if let Some(r) = req {
            self.requirement(r);
        } else if e.source.is_none() && !step_has_source {
            self.out.push(
                Diagnostic::at(self.file, line, column, "check cites no requirement or source")
                    .with_label("every check says which rule it enforces")
                    .with_help("add `req: <catalog id>` (e.g. `req: P-3.3-01`) or `source: <IdP doc or validator test>`, on the check or on its step"),
            );
        }
        let mut used = Vec::new();
        for v in [
            &e.equals,
            &e.not_equals,
            &e.contains,
            &e.not_contains,
            &e.length,
            &e.max_length,
            &e.min_length,
            &e.at_least,
            &e.at_most,
            &e.all_match,
        ]
        .into_iter()
        .flatten()
        .chain(e.one_of.iter().flatten())
        {
            used.extend(placeholders_in_value(v));
        }
        for (name, bound) in [
            ("length", &e.length),
            ("max_length", &e.max_length),
            ("min_length", &e.min_length),
        ] {
            let ok = match bound {
                None | Some(serde_json::Value::Number(_)) => {
                    bound.as_ref().is_none_or(|b| b.as_u64().is_some())
                }
                Some(serde_json::Value::String(s)) => {
                    placeholders(s).len() == 1
                        && s.trim().starts_with("{{")
                        && s.trim().ends_with("}}")
                }
                Some(_) => false,
            };
            if !ok {
                self.out.push(
                    Diagnostic::at(self.file, line, column, format!("`{name}` must be a whole number or one `{{{{placeholder}}}}`"))
                        .with_label("not a length")
                        .with_help(format!("write e.g. `{name}: 2` or `{name}: \"{{{{n}}}}\"` with `n` captured earlier")),
                );
            }
        }
        if let Some(sort) = &e.sorted
            && !sort.by.starts_with('/')
        {
            self.out.push(
                Diagnostic::at(
                    self.file,
                    line,
                    column,
                    format!("`sorted.by` is not a JSON Pointer: `{}`", sort.by),
                )
                .with_label("must start with `/`")
                .with_help(format!("write `by: /{}`", sort.by.replace('.', "/"))),
            );
        }
        if let Some(p) = &e.pointer {
            used.extend(placeholders(&p.value));
        }
        if !used.is_empty() {
            let at = e
                .pointer
                .as_ref()
                .or(e.header.as_ref())
                .or(e.req.as_ref())
                .or(step_req);
            if let Some(at) = at {
                self.check_vars(at, used, known, captured_at, step);
            }
        }
    }

    /// A check graded away from its requirement's severity says to what and why, and the
    /// grade really moves it: `soften` goes below the requirement (MUST for a source-only
    /// check), `harden` above, never both.
    fn grade(&mut self, e: &Expectation, req: Option<&Spanned<String>>, line: u64, column: u64) {
        let base = req
            .and_then(|r| self.ctx.catalog.get(&r.value))
            .map_or(Severity::Must, |r| r.severity());
        let cited = req.map_or("its source".to_string(), |r| r.value.clone());
        let mut problem = |message: String, label: &str, help: &str| {
            self.out.push(
                Diagnostic::at(self.file, line, column, message)
                    .with_label(label)
                    .with_help(help),
            );
        };
        if e.soften.is_some() && e.harden.is_some() {
            problem(
                "check both softens and hardens its requirement".into(),
                "`soften` and `harden` together",
                "keep the one that says what the check's severity is",
            );
            return;
        }
        for (word, grade, moves) in [
            (
                "soften",
                &e.soften,
                (|to, base| to > base) as fn(Severity, Severity) -> bool,
            ),
            ("harden", &e.harden, |to, base| to < base),
        ] {
            let Some(g) = grade else { continue };
            if g.reason.trim().is_empty() {
                problem(
                    format!("`{word}` without a reason"),
                    "empty reason",
                    "say why the RFC allows the other behaviour (shown in every report)",
                );
            }
            if !moves(g.to, base) {
                problem(
                    format!(
                        "`{word}: {{to: {}}}` does not {word} {cited}, which is already {}",
                        severity_word(g.to).to_lowercase(),
                        severity_word(base)
                    ),
                    "grade equal to or on the wrong side of the requirement's",
                    "remove the grade, or cite the requirement the check really enforces",
                );
            }
        }
    }

    fn requirement(&mut self, r: &Spanned<String>) {
        if self.ctx.catalog.get(&r.value).is_some() {
            return;
        }
        let hint = did_you_mean(&r.value, self.ctx.catalog.ids());
        self.out.push(
            Diagnostic::spanned(self.file, r, format!("unknown requirement id `{}`", r.value))
                .with_label("not in the requirement catalog")
                .with_help(match hint {
                    Some(h) => format!("did you mean `{h}`? (`scim-harness coverage` lists every id)"),
                    None => "ids look like `P-3.3-01` (RFC 7644) or `C-4.1.1-02` (RFC 7643); use `source:` for non-RFC expectations".to_string(),
                }),
        );
    }

    /// A line/column for a check: its first spanned field.
    fn anchor(&self, e: &Expectation, step_req: Option<&Spanned<String>>) -> Option<(u64, u64)> {
        let loc = |s: &serde_saphyr::Location| (s.line(), s.column());
        e.status
            .as_ref()
            .map(|s| loc(&s.referenced))
            .or(e.header.as_ref().map(|s| loc(&s.referenced)))
            .or(e.pointer.as_ref().map(|s| loc(&s.referenced)))
            .or(e.schema.as_ref().map(|s| loc(&s.referenced)))
            .or(e.body.as_ref().map(|s| loc(&s.referenced)))
            .or(e.req.as_ref().map(|s| loc(&s.referenced)))
            .or(step_req.map(|s| loc(&s.referenced)))
            .or(Some((1, 1)))
    }
}

/// A severity as the RFC keyword people know.
fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Must => "MUST",
        Severity::Should => "SHOULD",
        Severity::May => "MAY",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load::parse;

    fn lint_text(text: &str) -> Vec<Diagnostic> {
        let file = SourceFile {
            path: "s.yaml".into(),
            text: text.into(),
        };
        let scenario = parse(&file).unwrap_or_else(|d| panic!("{d}"));
        let ctx = LintContext {
            schema_names: vec!["user", "error", "list-response"],
            catalog: Catalog::embedded(),
        };
        lint(&file, &scenario, &ctx)
    }

    const HEAD: &str = "name: n\nsteps:\n";

    #[test]
    fn clean_scenario_has_no_diagnostics() {
        let d = lint_text(&format!(
            "{HEAD}  - name: create\n    request: {{ method: POST, path: /Users, body: {{ userName: \"u{{{{run_id}}}}\" }} }}\n    expect:\n      - status: 201\n        req: P-3.3-01\n    capture: {{ id: /id }}\n  - name: get\n    request: {{ method: DELETE, path: \"/Users/{{{{id}}}}\" }}\n    expect:\n      - status: 204\n        req: P-3.6-01\n"
        ));
        assert!(d.is_empty(), "{d:#?}");
    }

    #[test]
    fn undefined_variable_gets_did_you_mean() {
        let d = lint_text(&format!(
            "{HEAD}  - name: a\n    request: {{ method: GET, path: \"/Users/{{{{usr_id}}}}\" }}\n    expect: [{{ status: 200, req: P-3.4.1-01 }}]\n    capture: {{ user_id: /id }}\n  - name: b\n    request: {{ method: GET, path: \"/Users/{{{{user_idd}}}}\" }}\n    expect: [{{ status: 200, req: P-3.4.1-01 }}]\n"
        ));
        assert_eq!(d.len(), 2, "{d:#?}");
        assert!(d[0].message.contains("undefined variable `usr_id`"));
        assert_eq!(d[1].help.as_deref(), Some("did you mean `user_id`?"));
        assert_eq!(d[1].location.line, 8);
    }

    #[test]
    fn capture_used_before_it_is_set() {
        let d = lint_text(&format!(
            "{HEAD}  - name: a\n    request: {{ method: GET, path: \"/Users/{{{{user_id}}}}\" }}\n    expect: [{{ status: 200, req: P-3.4.1-01 }}]\n  - name: b\n    request: {{ method: POST, path: /Users }}\n    expect: [{{ status: 201, req: P-3.3-01 }}]\n    capture: {{ user_id: /id }}\n"
        ));
        assert_eq!(d.len(), 1, "{d:#?}");
        assert!(
            d[0].message.contains("used before it is captured"),
            "{}",
            d[0].message
        );
        assert!(
            d[0].help.as_deref().unwrap().contains("line 9"),
            "{:?}",
            d[0].help
        );
    }

    #[test]
    fn unknown_schema_and_requirement_are_reported() {
        let d = lint_text(&format!(
            "{HEAD}  - name: a\n    request: {{ method: GET, path: /Users }}\n    expect:\n      - schema: list-respone\n        req: P-3.4.2-01\n      - status: 200\n        req: P-3.4.2-1\n"
        ));
        assert_eq!(d.len(), 2, "{d:#?}");
        assert_eq!(d[0].help.as_deref(), Some("did you mean `list-response`?"));
        assert!(d[1].message.contains("unknown requirement id `P-3.4.2-1`"));
    }

    #[test]
    fn checks_need_one_subject_a_predicate_and_a_citation() {
        let d = lint_text(&format!(
            "{HEAD}  - name: a\n    request: {{ method: GET, path: /Users }}\n    expect:\n      - equals: 1\n        req: P-3.4.2-01\n      - status: 200\n        pointer: /x\n        req: P-3.4.2-01\n      - pointer: /totalResults\n        req: P-3.4.2-01\n      - status: 200\n"
        ));
        let messages: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "a check needs a subject",
                "a check has several subjects: status, pointer",
                "a `pointer` check has nothing to compare",
                "check cites no requirement or source"
            ]
        );
    }

    #[test]
    fn grades_need_a_reason_and_must_move_the_severity() {
        let d = lint_text(&format!(
            "{HEAD}  - name: a\n    request: {{ method: GET, path: /Users }}\n    expect:\n      - status: 200\n        req: P-3.4.2-01\n        soften: {{ to: should, reason: \"\" }}\n      - status: 200\n        req: P-3.4.2-01\n        soften: {{ to: should, reason: reasons }}\n      - status: 200\n        req: P-3.4.2-01\n        harden: {{ to: should, reason: reasons }}\n      - status: 200\n        source: an IdP doc\n        soften: {{ to: must, reason: reasons }}\n"
        ));
        let messages: Vec<&str> = d.iter().map(|x| x.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "`soften` without a reason",
                "`harden: {to: should}` does not harden P-3.4.2-01, which is already MUST",
                "`soften: {to: must}` does not soften its source, which is already MUST",
            ]
        );
    }

    #[test]
    fn mutating_a_fixed_path_is_refused() {
        let d = lint_text(&format!(
            "{HEAD}  - name: a\n    request: {{ method: DELETE, path: /Users/2819c223 }}\n    expect: [{{ status: 204, req: P-3.6-01 }}]\n"
        ));
        assert_eq!(d.len(), 1, "{d:#?}");
        assert!(
            d[0].message.contains("DELETE to a fixed path"),
            "{}",
            d[0].message
        );
    }
}
