//! The findings of a report as the page lists them: grouped by the requirement they break
//! (or the source they cite) and by suite, the same failure in many scenarios clustered
//! into one entry with the places it happened, and knock-on failures of a step
//! (`repeat_of`) listed under their root finding.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::report::text::natural_cmp;
use crate::run_report::RequirementRef;

/// One root finding: a failed check, and the scenario and step it failed in.
#[derive(Serialize)]
pub(super) struct FindingView<'a> {
    pub(super) anchor: String,
    pub(super) suite: &'a str,
    pub(super) scenario_id: &'a str,
    pub(super) scenario_name: &'a str,
    pub(super) step: &'a str,
    pub(super) check: &'a str,
    pub(super) citation: String,
    pub(super) expected: &'a str,
    pub(super) actual: &'a str,
    pub(super) impact: Option<&'a str>,
    /// Failed checks of the same step that are knock-ons of this one.
    pub(super) repeats: Vec<RepeatView<'a>>,
}

/// A knock-on failure of the same step, listed under its root finding.
#[derive(Serialize)]
pub(super) struct RepeatView<'a> {
    pub(super) anchor: String,
    pub(super) check: &'a str,
    pub(super) citation: String,
}

/// Findings sharing a requirement (or a suite).
#[derive(Serialize)]
pub(super) struct FindingGroup {
    pub(super) title: String,
    pub(super) detail: Option<String>,
    /// Findings of the group, in clusters of the same failure.
    pub(super) clusters: Vec<Cluster>,
    /// How many findings the group holds.
    pub(super) count: usize,
}

/// Findings that are the same failure (same check, citation, expected and actual value)
/// in different scenarios: shown once, with the list of places where it happened.
#[derive(Serialize)]
pub(super) struct Cluster {
    pub(super) check: String,
    pub(super) citation: String,
    pub(super) expected: String,
    pub(super) actual: String,
    /// The impact, when every finding of the cluster gives the same one.
    pub(super) impact: Option<String>,
    /// Indices into the findings list.
    pub(super) items: Vec<usize>,
}

fn group(
    title: String,
    detail: Option<String>,
    items: &[usize],
    findings: &[FindingView<'_>],
) -> FindingGroup {
    let mut clusters: Vec<Cluster> = Vec::new();
    for &i in items {
        let f = &findings[i];
        let same = |c: &&mut Cluster| {
            c.check == f.check
                && c.citation == f.citation
                && c.expected == f.expected
                && c.actual == f.actual
        };
        match clusters.iter_mut().find(|c| same(c)) {
            Some(c) => {
                if c.impact.as_deref() != f.impact {
                    c.impact = None;
                }
                c.items.push(i);
            }
            None => clusters.push(Cluster {
                check: f.check.to_string(),
                citation: f.citation.clone(),
                expected: f.expected.to_string(),
                actual: f.actual.to_string(),
                impact: f.impact.map(str::to_string),
                items: vec![i],
            }),
        }
    }
    FindingGroup {
        title,
        detail,
        clusters,
        count: items.len(),
    }
}

/// Findings under the requirement they break (by natural id order), then those citing only
/// a source (IdP documentation, a validator), by source.
pub(super) fn by_requirement(
    findings: &[FindingView<'_>],
    refs: &BTreeMap<&str, &RequirementRef>,
) -> Vec<FindingGroup> {
    let mut keyed: BTreeMap<(bool, String), Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        // The citation is `ID (KEYWORD, SECTION)` or the source.
        let id = f.citation.split(" (").next().unwrap_or_default();
        let key = if refs.contains_key(id) {
            (false, id.to_string())
        } else {
            (true, f.citation.clone())
        };
        keyed.entry(key).or_default().push(i);
    }
    let mut groups: Vec<((bool, String), Vec<usize>)> = keyed.into_iter().collect();
    groups.sort_by(|((sa, a), _), ((sb, b), _)| sa.cmp(sb).then_with(|| natural_cmp(a, b)));
    groups
        .into_iter()
        .map(|((source_only, key), items)| match refs.get(key.as_str()) {
            Some(r) if !source_only => group(
                format!("{} ({}, {})", r.id, r.keyword, r.section),
                Some(r.text.clone()),
                &items,
                findings,
            ),
            _ => group(
                if key.is_empty() {
                    "No requirement cited".into()
                } else {
                    key
                },
                None,
                &items,
                findings,
            ),
        })
        .collect()
}

pub(super) fn by_suite(findings: &[FindingView<'_>], suites: &[(&str, &str)]) -> Vec<FindingGroup> {
    let mut keyed: Vec<(&str, String, Vec<usize>)> = suites
        .iter()
        .map(|&(id, title)| (id, format!("{title} ({id})"), Vec::new()))
        .collect();
    for (i, f) in findings.iter().enumerate() {
        match keyed.iter_mut().find(|(id, _, _)| *id == f.suite) {
            Some((_, _, items)) => items.push(i),
            None => keyed.push((f.suite, f.suite.to_string(), vec![i])),
        }
    }
    keyed
        .into_iter()
        .filter(|(_, _, items)| !items.is_empty())
        .map(|(_, title, items)| group(title, None, &items, findings))
        .collect()
}
