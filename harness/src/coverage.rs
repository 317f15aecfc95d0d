//! Requirement coverage: which catalog ids the loaded scenarios check, and which they do not.

use std::collections::BTreeMap;

use crate::catalog::{Catalog, Requirement};
use crate::scenario::load::LoadedScenario;

/// One catalog row and the scenarios whose checks cite it.
#[derive(Debug, Clone)]
pub struct CoverageRow<'a> {
    /// The requirement.
    pub requirement: &'a Requirement,
    /// Ids of scenarios citing it (sorted, unique).
    pub scenarios: Vec<String>,
}

/// Coverage of the whole catalog by a set of scenarios, in catalog order.
pub fn coverage<'a>(catalog: &'a Catalog, scenarios: &[LoadedScenario]) -> Vec<CoverageRow<'a>> {
    let mut cited: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for sc in scenarios {
        for step in &sc.scenario.steps {
            let ids = step
                .expect
                .iter()
                .filter_map(|e| e.req.as_ref().or(step.req.as_ref()))
                .map(|r| r.value.as_str());
            for id in ids {
                let list = cited.entry(id).or_default();
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
            let mut scenarios = cited.get(r.id.as_str()).cloned().unwrap_or_default();
            scenarios.sort();
            CoverageRow {
                requirement: r,
                scenarios,
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
        let mark = if row.scenarios.is_empty() {
            "  -"
        } else {
            "  ✓"
        };
        let by = if row.scenarios.is_empty() {
            why_not(&r.id)
        } else {
            row.scenarios.join(", ")
        };
        out.push_str(&format!(
            "{mark} {:<14} {:<12} {:<8} {by}\n",
            r.id, r.keyword, r.gate
        ));
    }
    let covered = rows.iter().filter(|r| !r.scenarios.is_empty()).count();
    out.push_str(&format!(
        "{covered} of {} catalog requirements covered ({} not: see the reasons above)\n",
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
                "name: n\nsteps:\n  - name: a\n    req: P-3.4.2-01\n    request: { method: GET, path: /Users }\n    expect:\n      - status: 200\n      - pointer: /x\n        present: true\n        req: P-3.4.2-02\n",
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
        assert!(by_id("P-3.3-01").scenarios.is_empty());
        let text = render(&rows);
        assert!(
            text.contains("2 of 201 catalog requirements covered"),
            "{text}"
        );
        assert!(
            text.contains("P-3.7.4-01") && text.contains("maxOperations"),
            "reasons are shown"
        );
        assert_eq!(why_not("P-3.3-01"), "not yet written");
    }
}
