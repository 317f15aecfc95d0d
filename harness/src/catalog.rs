//! The requirement catalog: every client-side testable RFC 7643/7644 requirement with its
//! stable id (`P-3.3-01`, `C-4.1.1-02`), RFC 2119 keyword, paraphrase and feature gate.
//!
//! Checks cite these ids; the keyword decides a failure's severity, and coverage is
//! counted against this list. The data ships inside the binary (`data/requirements.json`).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// How much a failed check matters. Derived from the requirement's RFC 2119 keyword.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// MUST / SHALL / REQUIRED: a failure fails the run.
    Must,
    /// SHOULD and the RFC's status tables: a failure is a warning (a failure under `--strict`).
    Should,
    /// MAY / OPTIONAL: the observed behaviour is recorded.
    May,
}

/// One catalog row.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
pub struct Requirement {
    /// Stable id: `P-` for RFC 7644, `C-` for RFC 7643, then the section, then a number.
    pub id: String,
    /// The RFC 2119 keyword(s), e.g. `MUST`, `SHOULD`, `T9` (RFC 7644 Table 9).
    pub keyword: String,
    /// How much a failed check of this requirement matters: a reviewed field, not parsed
    /// from `keyword` at run time (a test keeps the two in line unless `severity_reason`
    /// says why they differ).
    pub severity: Severity,
    /// Why `severity` differs from what the keyword says, when it does (e.g. a MUST that
    /// binds the client, whose server-side leniency is graded as a warning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity_reason: Option<String>,
    /// Test area (catalog section title).
    pub area: String,
    /// What the RFC requires, paraphrased.
    pub requirement: String,
    /// The black-box test recipe.
    pub test: String,
    /// When the requirement applies (`core`, `users`, `patch`, …).
    pub gate: String,
}

impl Requirement {
    /// Severity of a failure (the catalog's reviewed `severity` field).
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// The severity the keyword alone suggests: an upper-case MUST/SHALL/REQ anywhere fails
    /// (`T8 + MUST`, `MUST / MAY`), a leading MAY/OPTIONAL is recorded, everything else
    /// (SHOULD, the status tables T8/T9, derived rules, lower-case prose) warns.
    pub fn keyword_severity(&self) -> Severity {
        let tokens: Vec<&str> = self
            .keyword
            .split(['/', '+', ' ', '(', ')'])
            .map(|t| t.trim_end_matches('*'))
            .filter(|t| !t.is_empty())
            .collect();
        if tokens
            .iter()
            .any(|t| matches!(*t, "MUST" | "SHALL" | "REQ"))
        {
            Severity::Must
        } else if matches!(tokens.first(), Some(&"MAY" | &"OPTIONAL")) {
            Severity::May
        } else {
            Severity::Should
        }
    }

    /// The RFC section the id names, e.g. `RFC 7644 §3.3`.
    pub fn section(&self) -> String {
        section_of(&self.id)
    }
}

/// `P-3.4.2.2-07` → `RFC 7644 §3.4.2.2`.
pub fn section_of(id: &str) -> String {
    let mut parts = id.splitn(2, '-');
    let rfc = match parts.next() {
        Some("P") => "RFC 7644",
        Some("C") => "RFC 7643",
        _ => return id.to_string(),
    };
    let rest = parts.next().unwrap_or("");
    let section = rest.rsplit_once('-').map_or(rest, |(s, _)| s);
    format!("{rfc} §{section}")
}

/// The whole catalog, indexed by id.
#[derive(Debug)]
pub struct Catalog {
    items: Vec<Requirement>,
    by_id: HashMap<String, usize>,
}

#[derive(Deserialize)]
struct CatalogFile {
    requirements: Vec<Requirement>,
}

/// The text of the catalog shipped with the binary (`data/requirements.json`).
pub const EMBEDDED_SOURCE: &str = include_str!("../data/requirements.json");

impl Catalog {
    /// The catalog shipped with the binary, parsed once.
    pub fn embedded() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            let file: CatalogFile = serde_json::from_str(EMBEDDED_SOURCE)
                .expect("the embedded requirement catalog is valid JSON (checked by a unit test)");
            let by_id = file
                .requirements
                .iter()
                .enumerate()
                .map(|(i, r)| (r.id.clone(), i))
                .collect();
            Catalog {
                items: file.requirements,
                by_id,
            }
        })
    }

    /// Looks up one id.
    pub fn get(&self, id: &str) -> Option<&Requirement> {
        self.by_id.get(id).map(|&i| &self.items[i])
    }

    /// Every requirement, in catalog order.
    pub fn all(&self) -> &[Requirement] {
        &self.items
    }

    /// Every id, in catalog order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(|r| r.id.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_loads_with_unique_ids() {
        let c = Catalog::embedded();
        assert!(c.all().len() >= 190, "{}", c.all().len());
        assert_eq!(c.by_id.len(), c.all().len());
        assert_eq!(c.get("P-3.3-01").unwrap().keyword, "SHALL");
    }

    #[test]
    fn severity_follows_the_first_keyword() {
        let c = Catalog::embedded();
        let c_sev = |id: &str| c.get(id).unwrap().keyword_severity();
        assert_eq!(c_sev("P-3.3-05"), Severity::Must);
        assert_eq!(c_sev("P-3.8-03"), Severity::Should);
        assert_eq!(c_sev("P-3.3-07"), Severity::Should); // T9
        assert_eq!(c_sev("P-3.14-05"), Severity::May);
        assert_eq!(c_sev("P-3.4.1-01"), Severity::Must); // MUST*
        assert_eq!(c_sev("P-3.4.1-02"), Severity::Must); // T8 + MUST
        assert_eq!(c_sev("P-3.14-02"), Severity::Should); // SHOULD / must (lc)
        assert_eq!(c_sev("P-3.12-04"), Severity::May); // OPTIONAL
    }

    #[test]
    fn severity_follows_the_keyword_unless_a_reason_says_otherwise() {
        for r in Catalog::embedded().all() {
            if r.severity != r.keyword_severity() {
                assert!(
                    r.severity_reason.as_deref().is_some_and(|w| w.len() > 40),
                    "{} is graded {:?} but its keyword `{}` says {:?}: give severity_reason",
                    r.id,
                    r.severity,
                    r.keyword,
                    r.keyword_severity()
                );
            }
        }
        let client_rule = Catalog::embedded().get("P-3.5.2-01").unwrap();
        assert_eq!(client_rule.keyword_severity(), Severity::Must);
        assert_eq!(client_rule.severity(), Severity::Should);
    }

    #[test]
    fn section_names_the_rfc() {
        assert_eq!(section_of("P-3.4.2.2-07"), "RFC 7644 §3.4.2.2");
        assert_eq!(section_of("C-4.1.1-02"), "RFC 7643 §4.1.1");
        assert_eq!(section_of("P-2-01"), "RFC 7644 §2");
    }
}
