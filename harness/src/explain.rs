//! `scim-harness explain ID`: everything known about one catalog requirement — keyword,
//! reviewed severity (and why it differs from the keyword), RFC section and text, the test
//! recipe — and every check of the loaded scenarios that enforces it, at which severity.

use crate::catalog::Severity;
use crate::catalog::{Catalog, Requirement};
use crate::scenario::diagnostic::{SourceLocation, did_you_mean};
use crate::scenario::expectation::Expectation;
use crate::scenario::load::LoadedScenario;
use crate::scenario::model::Step;

/// One requirement and the checks citing it.
#[derive(Debug)]
pub struct Explanation<'a> {
    /// The catalog row.
    pub requirement: &'a Requirement,
    /// Every check citing it (directly or through its step's `req`), in scenario order.
    pub checks: Vec<CitingCheck>,
}

/// One check that cites the requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitingCheck {
    /// Scenario id.
    pub scenario: String,
    /// Step name.
    pub step: String,
    /// What the check looks at, e.g. `status is 200 or 204`.
    pub check: String,
    /// The severity a failure of this check has.
    pub severity: Severity,
    /// Why it is graded away from the requirement's severity (`soften` / `harden`).
    pub graded: Option<String>,
    /// What a real identity provider does when it fails, if the scenario says.
    pub impact: Option<String>,
    /// Where the check is written.
    pub location: SourceLocation,
}

/// An id that is not in the catalog, with the closest one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown requirement id `{id}`{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
pub struct UnknownRequirement {
    /// The id asked for.
    pub id: String,
    /// The closest catalog id, if one is close.
    pub suggestion: Option<String>,
}

/// Explains `id` (case-insensitive) against the scenarios.
pub fn explain<'a>(
    catalog: &'a Catalog,
    scenarios: &[LoadedScenario],
    id: &str,
) -> Result<Explanation<'a>, UnknownRequirement> {
    let requirement = catalog
        .get(id)
        .or_else(|| catalog.all().iter().find(|r| r.id.eq_ignore_ascii_case(id)))
        .ok_or_else(|| UnknownRequirement {
            id: id.to_string(),
            suggestion: did_you_mean(id, catalog.ids()).map(str::to_string),
        })?;
    let mut checks = Vec::new();
    for sc in scenarios {
        for step in &sc.scenario.steps {
            for exp in &step.expect {
                let cited = exp.req.as_ref().or(step.req.as_ref()).map(|r| &r.value);
                if cited != Some(&requirement.id) {
                    continue;
                }
                checks.push(citing(sc, step, exp, requirement.severity()));
            }
        }
    }
    Ok(Explanation {
        requirement,
        checks,
    })
}

fn citing(sc: &LoadedScenario, step: &Step, exp: &Expectation, base: Severity) -> CitingCheck {
    let grade = exp.soften.as_ref().or(exp.harden.as_ref());
    let spans = [
        exp.status.as_ref().map(|s| sc.file.location_of(s)),
        exp.header.as_ref().map(|s| sc.file.location_of(s)),
        exp.pointer.as_ref().map(|s| sc.file.location_of(s)),
        exp.schema.as_ref().map(|s| sc.file.location_of(s)),
        exp.body.as_ref().map(|s| sc.file.location_of(s)),
    ];
    CitingCheck {
        scenario: sc.id.clone(),
        step: step.name.value.clone(),
        check: describe(exp),
        severity: grade.map_or(base, |g| g.to),
        graded: grade.map(|g| {
            let verb = if g.to > base { "softened" } else { "hardened" };
            format!("{verb} from {}: {}", word(base), g.reason)
        }),
        impact: exp.impact.clone().or_else(|| step.impact.clone()),
        location: spans
            .into_iter()
            .flatten()
            .next()
            .unwrap_or_else(|| sc.file.location_of(&step.name)),
    }
}

/// What a check looks at, in a few words.
fn describe(exp: &Expectation) -> String {
    if let Some(s) = &exp.status {
        format!("status is {}", s.value)
    } else if let Some(h) = &exp.header {
        format!("header `{}`", h.value)
    } else if let Some(p) = &exp.pointer {
        format!("pointer `{}`", p.value)
    } else if let Some(n) = &exp.schema {
        format!("body satisfies the `{}` schema", n.value)
    } else {
        "body shape".into()
    }
}

fn word(s: Severity) -> &'static str {
    match s {
        Severity::Must => "MUST",
        Severity::Should => "SHOULD",
        Severity::May => "MAY",
    }
}

/// The explanation as text for a terminal.
pub fn render(e: &Explanation<'_>) -> String {
    let r = e.requirement;
    let mut out = format!("{}  {}  {}\n\n", r.id, r.keyword, r.section());
    out.push_str(&format!("  {}\n\n", r.requirement));
    out.push_str(&format!(
        "severity   {} (a failed check {})\n",
        word(r.severity()),
        match r.severity() {
            Severity::Must => "fails the run",
            Severity::Should => "is a warning; a failure under --strict",
            Severity::May => "is recorded",
        }
    ));
    if let Some(reason) = &r.severity_reason {
        out.push_str(&format!(
            "           graded away from its keyword ({}): {reason}\n",
            word(r.keyword_severity())
        ));
    }
    out.push_str(&format!("area       {}\n", r.area));
    out.push_str(&format!("applies    {}\n", r.gate));
    out.push_str(&format!("test       {}\n\n", r.test));
    if e.checks.is_empty() {
        out.push_str(&format!(
            "No scenario checks it: {}.\n",
            crate::coverage::why_not(&r.id)
        ));
        return out;
    }
    let scenarios: std::collections::BTreeSet<&str> =
        e.checks.iter().map(|c| c.scenario.as_str()).collect();
    out.push_str(&format!(
        "Checked by {} in {}:\n",
        plural(e.checks.len(), "check", "checks"),
        plural(scenarios.len(), "scenario", "scenarios")
    ));
    let mut last = None;
    for c in &e.checks {
        if last != Some(&c.scenario) {
            out.push_str(&format!("  {}\n", c.scenario));
            last = Some(&c.scenario);
        }
        out.push_str(&format!(
            "    step `{}`: {} at {}  ({})\n",
            c.step,
            c.check,
            word(c.severity),
            c.location
        ));
        if let Some(g) = &c.graded {
            out.push_str(&format!("      {g}\n"));
        }
        if let Some(i) = &c.impact {
            out.push_str(&format!("      if it fails: {i}\n"));
        }
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::scenario::diagnostic::SourceFile;
    use crate::scenario::load::parse;

    fn loaded(id: &str, text: &str) -> LoadedScenario {
        let file = SourceFile {
            path: format!("scenarios/{id}.yaml"),
            text: Arc::from(text),
        };
        LoadedScenario {
            id: id.into(),
            scenario: parse(&file).unwrap(),
            file,
            profile: None,
        }
    }

    #[test]
    fn explains_the_requirement_and_every_check_citing_it() {
        let sc = loaded(
            "core/patch",
            "name: n\nsteps:\n  - name: deactivate\n    req: P-3.5.2-08\n    impact: Entra retries.\n    request: { method: GET, path: /Users }\n    expect:\n      - status: [200, 204]\n      - pointer: /active\n        equals: false\n        req: P-3.5.2-08\n        soften: { to: should, reason: \"the RFC lets the server omit the body\" }\n      - pointer: /x\n        present: true\n        req: P-3.3-01\n",
        );
        let e = explain(Catalog::embedded(), &[sc], "p-3.5.2-08").unwrap();
        assert_eq!(e.requirement.id, "P-3.5.2-08");
        assert_eq!(e.checks.len(), 2, "{:?}", e.checks);
        assert_eq!(e.checks[0].check, "status is 200 or 204");
        assert_eq!(e.checks[0].severity, e.requirement.severity());
        assert_eq!(e.checks[0].location.line, 8);
        assert_eq!(e.checks[1].severity, Severity::Should);
        let text = render(&e);
        for part in [
            "P-3.5.2-08",
            "RFC 7644 §3.5.2",
            &e.requirement.keyword,
            &e.requirement.requirement,
            &e.requirement.test,
            "Checked by 2 checks in 1 scenario:",
            "  core/patch\n",
            "step `deactivate`: status is 200 or 204 at",
            "(scenarios/core/patch.yaml:8:17)",
            "softened from MUST: the RFC lets the server omit the body",
            "if it fails: Entra retries.",
        ] {
            assert!(text.contains(part), "missing {part:?} in\n{text}");
        }
    }

    #[test]
    fn a_reviewed_severity_says_why_and_an_unchecked_requirement_says_so() {
        let e = explain(Catalog::embedded(), &[], "P-3.5.2-01").unwrap();
        let reason = e.requirement.severity_reason.clone().unwrap();
        let text = render(&e);
        assert!(text.contains("severity   SHOULD"), "{text}");
        assert!(
            text.contains(&format!("graded away from its keyword (MUST): {reason}")),
            "{text}"
        );
        assert!(text.contains("No scenario checks it: "), "{text}");
    }

    #[test]
    fn an_unknown_id_suggests_the_closest() {
        let err = explain(Catalog::embedded(), &[], "P-3.5.2-8").unwrap_err();
        assert_eq!(err.suggestion.as_deref(), Some("P-3.5.2-08"));
        assert_eq!(
            err.to_string(),
            "unknown requirement id `P-3.5.2-8`; did you mean `P-3.5.2-08`?"
        );
        let err = explain(Catalog::embedded(), &[], "nonsense").unwrap_err();
        assert_eq!(err.suggestion, None);
    }
}
