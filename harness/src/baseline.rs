//! Known-failure baselines: a target's file of expected failures, each with a reason.
//! A failed check that matches an entry is an expected failure: it does not fail the run,
//! and its step does not stop the scenario. An entry whose checks now pass is reported, so
//! the baseline shrinks as the vendor fixes things.
//!
//! ```yaml
//! # acme-baseline.yaml
//! expected_failures:
//!   - scenario: core/user-lifecycle    # scenario id (see `scim-harness list`)
//!     step: create                     # optional: one step
//!     req: P-3.3-01                    # optional: one requirement
//!     reason: "ACME-123: create answers 200; fixed in 3.3"
//! ```

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::catalog::Catalog;
use crate::run_report::{BaselineOutcome, BaselineStatus, CheckOutcome, CheckResult};
use crate::scenario::diagnostic::{Diagnostic, SourceFile, did_you_mean};
use crate::scenario::load::LoadedScenario;
use crate::scenario::yaml::{self, YamlKind};

/// The baseline file.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BaselineFile {
    /// Checks expected to fail on this target.
    #[serde(default)]
    pub expected_failures: Vec<Entry>,
}

/// One expected failure.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Scenario id, e.g. `core/user-lifecycle`.
    #[schemars(with = "String")]
    pub scenario: Spanned<String>,
    /// Step name; all steps when absent.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub step: Option<Spanned<String>>,
    /// Requirement id; all checks of the step(s) when absent.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub req: Option<Spanned<String>>,
    /// Why this is expected (ticket, planned fix).
    pub reason: String,
}

/// A loaded baseline that records which entries matched during the run.
#[derive(Debug, Default)]
pub struct Baseline {
    entries: Vec<Entry>,
    /// Per entry: (matched a failed check, matched a passed check).
    seen: Mutex<Vec<(bool, bool)>>,
}

impl Baseline {
    /// An empty baseline.
    pub fn none() -> Self {
        Baseline::default()
    }

    /// What a baseline may name: each scenario's id and its step names.
    pub fn scope(scenarios: &[LoadedScenario]) -> Vec<(String, Vec<String>)> {
        scenarios
            .iter()
            .map(|s| {
                (
                    s.id.clone(),
                    s.scenario
                        .steps
                        .iter()
                        .map(|st| st.name.value.clone())
                        .collect(),
                )
            })
            .collect()
    }

    /// Reads a baseline file and checks every entry against the suite: `scenarios` holds each
    /// scenario id with its step names, and requirement ids must be in the catalog.
    pub fn load(
        path: &Path,
        scenarios: &[(String, Vec<String>)],
        catalog: &Catalog,
    ) -> Result<Self, Vec<Diagnostic>> {
        let scenario_ids: BTreeSet<String> = scenarios.iter().map(|(id, _)| id.clone()).collect();
        let display = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            vec![Diagnostic::file_level(
                &display,
                format!("cannot read baseline: {e}"),
            )]
        })?;
        let file = SourceFile {
            path: display,
            text: text.into(),
        };
        let parsed: BaselineFile = yaml::parse(&file, &BASELINE_YAML).map_err(|d| vec![*d])?;
        let unknown: Vec<Diagnostic> = parsed
            .expected_failures
            .iter()
            .filter(|e| !scenario_ids.contains(&e.scenario.value))
            .map(|e| {
                let hint = did_you_mean(&e.scenario.value, scenario_ids.iter().map(String::as_str));
                Diagnostic::spanned(
                    &file,
                    &e.scenario,
                    format!("unknown scenario `{}`", e.scenario.value),
                )
                .with_label("no loaded scenario has this id")
                .with_help(match hint {
                    Some(h) => format!("did you mean `{h}`?"),
                    None => "`scim-harness list` shows the scenario ids".to_string(),
                })
            })
            .collect();
        let mut unknown = unknown;
        for e in &parsed.expected_failures {
            let steps = scenarios
                .iter()
                .find(|(id, _)| *id == e.scenario.value)
                .map(|(_, steps)| steps.as_slice())
                .unwrap_or_default();
            if let Some(step) = &e.step
                && !steps.is_empty()
                && !steps.contains(&step.value)
            {
                let hint = did_you_mean(&step.value, steps.iter().map(String::as_str));
                unknown.push(
                    Diagnostic::spanned(
                        &file,
                        step,
                        format!(
                            "scenario `{}` has no step `{}`",
                            e.scenario.value, step.value
                        ),
                    )
                    .with_label("not a step of that scenario")
                    .with_help(match hint {
                        Some(h) => format!("did you mean `{h}`?"),
                        None => format!("its steps: {}", steps.join(", ")),
                    }),
                );
            }
            if let Some(req) = &e.req
                && catalog.get(&req.value).is_none()
            {
                let hint = did_you_mean(&req.value, catalog.ids());
                unknown.push(
                    Diagnostic::spanned(
                        &file,
                        req,
                        format!("unknown requirement id `{}`", req.value),
                    )
                    .with_label("not in the requirement catalog")
                    .with_help(hint.map_or_else(
                        || "`scim-harness coverage` lists every id".to_string(),
                        |h| format!("did you mean `{h}`?"),
                    )),
                );
            }
        }
        if !unknown.is_empty() {
            return Err(unknown);
        }
        let n = parsed.expected_failures.len();
        Ok(Baseline {
            entries: parsed.expected_failures,
            seen: Mutex::new(vec![(false, false); n]),
        })
    }

    /// Marks `check` as an expected failure when an entry matches it, and records matches.
    pub fn apply(&self, scenario: &str, step: &str, check: &mut CheckResult) {
        let req = check.requirement.as_ref().map(|r| r.id.as_str());
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        for (i, e) in self.entries.iter().enumerate() {
            let matches = e.scenario.value == scenario
                && e.step.as_ref().is_none_or(|s| s.value == step)
                && e.req.as_ref().is_none_or(|r| Some(r.value.as_str()) == req);
            if !matches {
                continue;
            }
            match check.outcome {
                CheckOutcome::Failed => {
                    seen[i].0 = true;
                    check
                        .expected_failure
                        .get_or_insert_with(|| e.reason.clone());
                }
                CheckOutcome::Passed => seen[i].1 = true,
                CheckOutcome::NotEvaluated => {}
            }
        }
    }

    /// How each entry fared in the run.
    pub fn outcomes(&self) -> Vec<BaselineOutcome> {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        self.entries
            .iter()
            .zip(seen.iter())
            .map(|(e, (failed, passed))| BaselineOutcome {
                scenario: e.scenario.value.clone(),
                step: e.step.as_ref().map(|s| s.value.clone()),
                req: e.req.as_ref().map(|r| r.value.clone()),
                reason: e.reason.clone(),
                status: match (failed, passed) {
                    (true, _) => BaselineStatus::StillFailing,
                    (false, true) => BaselineStatus::NowPasses,
                    (false, false) => BaselineStatus::NotReached,
                },
            })
            .collect()
    }
}

/// What a baseline holds, for the hints of its diagnostics.
const BASELINE_YAML: YamlKind = YamlKind {
    schema: None,
    shape: "a baseline is `expected_failures:` with items `{ scenario, step?, req?, reason }`",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Severity;
    use crate::run_report::RequirementRef;
    use crate::scenario::diagnostic::SourceLocation;

    fn check(req: &str, outcome: CheckOutcome) -> CheckResult {
        CheckResult {
            description: "status is 201".into(),
            location: SourceLocation {
                file: "x.yaml".into(),
                line: 1,
                column: 1,
            },
            outcome,
            severity: Severity::Must,
            requirement: Some(RequirementRef {
                id: req.into(),
                keyword: "SHALL".into(),
                section: "RFC 7644 §3.3".into(),
                text: String::new(),
                severity_note: None,
            }),
            source: None,
            expected: "201".into(),
            actual: "200".into(),
            because: None,
            impact: None,
            violations: Vec::new(),
            expected_failure: None,
            repeat_of: None,
            graded: None,
        }
    }

    fn baseline(text: &str) -> Result<Baseline, Vec<Diagnostic>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.yaml");
        std::fs::write(&path, text).unwrap();
        let scenarios = vec![
            (
                "core/user-lifecycle".to_string(),
                vec!["create".to_string(), "read back".to_string()],
            ),
            ("core/errors".to_string(), vec!["unknown id".to_string()]),
        ];
        Baseline::load(&path, &scenarios, Catalog::embedded())
    }

    #[test]
    fn matching_failure_becomes_expected_and_passing_entry_is_reported() {
        let b = baseline(
            "expected_failures:\n  - scenario: core/user-lifecycle\n    step: create\n    req: P-3.3-01\n    reason: ACME-1\n  - scenario: core/errors\n    reason: ACME-2\n",
        )
        .unwrap();
        let mut failed = check("P-3.3-01", CheckOutcome::Failed);
        b.apply("core/user-lifecycle", "create", &mut failed);
        assert_eq!(failed.expected_failure.as_deref(), Some("ACME-1"));
        assert!(!failed.is_failure());
        let mut other = check("P-3.3-02", CheckOutcome::Failed);
        b.apply("core/user-lifecycle", "create", &mut other);
        assert!(other.is_failure(), "a different requirement is not covered");
        let mut passed = check("P-3.4.1-02", CheckOutcome::Passed);
        b.apply("core/errors", "unknown id", &mut passed);
        let outcomes = b.outcomes();
        assert_eq!(outcomes[0].status, BaselineStatus::StillFailing);
        assert_eq!(outcomes[1].status, BaselineStatus::NowPasses);
    }

    #[test]
    fn unknown_scenario_is_a_located_error() {
        let err =
            baseline("expected_failures:\n  - scenario: core/user-lifecycel\n    reason: x\n")
                .unwrap_err();
        assert_eq!(err[0].location.line, 2);
        assert_eq!(
            err[0].help.as_deref(),
            Some("did you mean `core/user-lifecycle`?")
        );
    }

    #[test]
    fn step_and_requirement_typos_are_located() {
        let err = baseline("expected_failures:\n  - scenario: core/user-lifecycle\n    step: craete\n    req: P-3.3-01x\n    reason: x\n").unwrap_err();
        assert_eq!(err.len(), 2, "{err:#?}");
        assert_eq!(
            (err[0].location.line, err[0].help.as_deref()),
            (3, Some("did you mean `create`?"))
        );
        assert_eq!(err[1].location.line, 4);
    }

    #[test]
    fn unknown_field_is_rejected() {
        let err =
            baseline("expected_failures:\n  - scenario: core/errors\n    reasn: x\n").unwrap_err();
        assert!(err[0].message.contains("reasn"), "{}", err[0].message);
    }
}
