//! Requirement coverage: which catalog ids the loaded scenarios check, and which they do not.

use std::collections::BTreeMap;

use crate::catalog::Severity;
use crate::catalog::{Catalog, Requirement};
use crate::scenario::load::LoadedScenario;

/// One catalog row and the scenarios whose checks cite it.
#[derive(Debug, Clone)]
pub struct CoverageRow<'a> {
    /// The requirement.
    pub requirement: &'a Requirement,
    /// Ids of scenarios with a check that can fail at the requirement's severity (sorted,
    /// unique): only these cover it.
    pub scenarios: Vec<String>,
    /// Ids of scenarios that cite it only in checks softened below its severity: a MUST
    /// checked only as a warning is not covered.
    pub softened_only: Vec<String>,
}

/// Coverage of the whole catalog by a set of scenarios, in catalog order.
pub fn coverage<'a>(catalog: &'a Catalog, scenarios: &[LoadedScenario]) -> Vec<CoverageRow<'a>> {
    let mut full: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut soft: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for sc in scenarios {
        for step in &sc.scenario.steps {
            for e in &step.expect {
                let Some(id) = e
                    .req
                    .as_ref()
                    .or(step.req.as_ref())
                    .map(|r| r.value.as_str())
                else {
                    continue;
                };
                let base = catalog.get(id).map_or(Severity::Must, |r| r.severity());
                let at = e.soften.as_ref().map_or(base, |g| g.to);
                let list = if at <= base {
                    full.entry(id).or_default()
                } else {
                    soft.entry(id).or_default()
                };
                if !list.contains(&sc.id) {
                    list.push(sc.id.clone());
                }
            }
        }
    }
    catalog
        .all()
        .iter()
        .map(|r| {
            let mut scenarios = full.get(r.id.as_str()).cloned().unwrap_or_default();
            scenarios.sort();
            let mut softened_only = if scenarios.is_empty() {
                soft.get(r.id.as_str()).cloned().unwrap_or_default()
            } else {
                Vec::new()
            };
            softened_only.sort();
            CoverageRow {
                requirement: r,
                scenarios,
                softened_only,
            }
        })
        .collect()
}

/// Why a requirement is not covered: the reason recorded in `data/uncovered.json`, or
/// "not yet written".
pub fn why_not(id: &str) -> String {
    static NOTES: std::sync::OnceLock<BTreeMap<String, String>> = std::sync::OnceLock::new();
    let notes = NOTES.get_or_init(|| {
        #[derive(serde::Deserialize)]
        struct File {
            uncovered: BTreeMap<String, String>,
        }
        serde_json::from_str::<File>(include_str!("../data/uncovered.json"))
            .map(|f| f.uncovered)
            .unwrap_or_default()
    });
    notes
        .get(id)
        .cloned()
        .unwrap_or_else(|| "not yet written".to_string())
}

/// The coverage table as text: one line per requirement, then a total.
pub fn render(rows: &[CoverageRow<'_>]) -> String {
    let mut out = String::new();
    for row in rows {
        let r = row.requirement;
        let (mark, by) = if !row.scenarios.is_empty() {
            ("  ✓", row.scenarios.join(", "))
        } else if !row.softened_only.is_empty() {
            (
                "  ~",
                format!(
                    "checked only below its severity (softened) by {}",
                    row.softened_only.join(", ")
                ),
            )
        } else {
            ("  -", why_not(&r.id))
        };
        out.push_str(&format!(
            "{mark} {:<14} {:<12} {:<8} {by}\n",
            r.id, r.keyword, r.gate
        ));
    }
    let covered = rows.iter().filter(|r| !r.scenarios.is_empty()).count();
    out.push_str(&format!(
        "{covered} of {} catalog requirements covered by a check that can fail at their severity ({} not: see the reasons above)\n",
        rows.len(),
        rows.len() - covered
    ));
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::scenario::diagnostic::SourceFile;
    use crate::scenario::load::parse;

    #[test]
    fn cited_ids_are_covered_by_their_scenario() {
        let file = SourceFile {
            path: "s.yaml".into(),
            text: Arc::from(
                "name: n\nsteps:\n  - name: a\n    req: P-3.4.2-01\n    request: { method: GET, path: /Users }\n    expect:\n      - status: 200\n      - pointer: /x\n        present: true\n        req: P-3.4.2-02\n      - pointer: /y\n        present: true\n        req: P-3.3-01\n        soften: { to: should, reason: \"the harness cannot tell\" }\n",
            ),
        };
        let scenario = parse(&file).unwrap();
        let loaded = vec![LoadedScenario {
            id: "core/x".into(),
            file,
            scenario,
            profile: None,
        }];
        let rows = coverage(Catalog::embedded(), &loaded);
        let by_id = |id: &str| rows.iter().find(|r| r.requirement.id == id).unwrap();
        assert_eq!(by_id("P-3.4.2-01").scenarios, vec!["core/x"]);
        assert_eq!(by_id("P-3.4.2-02").scenarios, vec!["core/x"]);
        // A MUST checked only as a warning is not covered.
        assert!(by_id("P-3.3-01").scenarios.is_empty());
        assert_eq!(by_id("P-3.3-01").softened_only, vec!["core/x"]);
        let text = render(&rows);
        assert!(
            text.contains("2 of 201 catalog requirements covered by a check that can fail"),
            "{text}"
        );
        assert!(
            text.contains("~ P-3.3-01")
                && text.contains("checked only below its severity (softened) by core/x"),
            "{text}"
        );
        assert!(
            text.contains("P-3.7.4-01") && text.contains("maxOperations"),
            "reasons are shown"
        );
        assert_eq!(why_not("P-3.3-01"), "not yet written");
    }
}
