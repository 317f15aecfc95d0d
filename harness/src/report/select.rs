//! Which findings the renderers show: a run's failures and warnings, in run order, with
//! repeats folded under their root finding and run-wide warnings listed once.

use crate::run_report::{CheckResult, RunReport, ScenarioReport, ScenarioStatus, StepReport};

/// One failed check with its scenario and step.
pub(crate) type Finding<'a> = (&'a ScenarioReport, &'a StepReport, &'a CheckResult);

/// The checks that failed each scenario, in run order: MUST-level failures, or, for a
/// scenario marked failed without any (SHOULD-level checks promoted by `--strict`), its
/// SHOULD-level failures.
pub(crate) fn failures(report: &RunReport) -> Vec<Finding<'_>> {
    report
        .scenarios
        .iter()
        .flat_map(|s| {
            let must: Vec<Finding<'_>> = checks_of(s)
                .filter(|(_, _, c)| c.is_failure() && c.repeat_of.is_none())
                .collect();
            if must.is_empty() && s.status == ScenarioStatus::Failed {
                checks_of(s).filter(|(_, _, c)| c.is_warning()).collect()
            } else {
                must
            }
        })
        .collect()
}

/// Findings grouped by step (consecutive findings of the same step), in run order.
pub(crate) fn by_step<'a>(
    findings: &[Finding<'a>],
) -> Vec<(&'a ScenarioReport, &'a StepReport, Vec<&'a CheckResult>)> {
    let mut groups: Vec<(&ScenarioReport, &StepReport, Vec<&CheckResult>)> = Vec::new();
    for &(s, step, c) in findings {
        match groups.last_mut() {
            Some((_, last, checks)) if std::ptr::eq(*last, step) => checks.push(c),
            _ => groups.push((s, step, vec![c])),
        }
    }
    groups
}

/// SHOULD-level failures that did not fail their scenario, in run order.
pub(crate) fn warnings(report: &RunReport) -> Vec<Finding<'_>> {
    let mut run_wide = std::collections::BTreeSet::new();
    report
        .scenarios
        .iter()
        .filter(|s| {
            s.status != ScenarioStatus::Failed || checks_of(s).any(|(_, _, c)| c.is_failure())
        })
        .flat_map(|s| checks_of(s).filter(|(_, _, c)| c.is_warning() && c.repeat_of.is_none()))
        // A warning the harness raises on every answer of a kind is listed once.
        .filter(|(_, _, c)| c.run_wide_key().is_none_or(|k| run_wide.insert(k)))
        .collect()
}

/// How many steps of the run a run-wide warning (see [`crate::run_report::CheckResult::run_wide_key`])
/// was raised in.
pub(crate) fn run_wide_count(report: &RunReport, key: &str) -> usize {
    report
        .scenarios
        .iter()
        .flat_map(checks_of)
        .filter(|(_, _, c)| c.is_warning() && c.run_wide_key() == Some(key))
        .count()
}

/// The failed checks of a step folded under its root finding (any severity), in order.
pub(crate) fn repeats(step: &StepReport) -> Vec<&CheckResult> {
    step.checks
        .iter()
        .filter(|c| c.repeat_of.is_some() && c.outcome == crate::run_report::CheckOutcome::Failed)
        .collect()
}

/// The checks of a step that could not be judged.
pub(crate) fn not_evaluated(step: &StepReport) -> Vec<&CheckResult> {
    step.checks
        .iter()
        .filter(|c| c.outcome == crate::run_report::CheckOutcome::NotEvaluated)
        .collect()
}

/// The failures of one scenario (see [`failures`]).
pub(crate) fn scenario_failures(s: &ScenarioReport) -> Vec<(&StepReport, &CheckResult)> {
    let must: Vec<_> = checks_of(s)
        .filter(|(_, _, c)| c.is_failure() && c.repeat_of.is_none())
        .map(|(_, st, c)| (st, c))
        .collect();
    if must.is_empty() && s.status == ScenarioStatus::Failed {
        checks_of(s)
            .filter(|(_, _, c)| c.is_warning())
            .map(|(_, st, c)| (st, c))
            .collect()
    } else {
        must
    }
}

fn checks_of(s: &ScenarioReport) -> impl Iterator<Item = Finding<'_>> {
    s.steps
        .iter()
        .flat_map(move |st| st.checks.iter().map(move |c| (s, st, c)))
}

/// True when a scenario needs an error block: it errored, or it failed without a failed
/// check to show for it.
pub(crate) fn needs_error_block(s: &ScenarioReport) -> bool {
    s.status == ScenarioStatus::Errored
        || (s.status == ScenarioStatus::Failed && scenario_failures(s).is_empty())
}
