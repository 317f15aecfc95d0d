//! The kill matrix: the whole suite against every defect mode of the reference server.
//! A defect counts as caught only when a failed check cites one of the requirements the
//! defect breaks (`Defect::breaks`), at MUST level — except for the few whose rule the RFC
//! itself makes a SHOULD (listed below with the reason, and reported when no longer
//! needed). Which requirements catch which defect is pinned as a snapshot, so a change of
//! the catching check shows in review. The clean server passes everything
//! (tests/scenarios.rs and the legal-variation matrix show that).

use std::collections::BTreeSet;
use std::sync::Arc;

use scim_harness::catalog::Catalog;
use scim_harness::catalog::Severity;
use scim_harness::exec::cancel::Cancel;
use scim_harness::exec::suite::{Silent, run_suite};
use scim_harness::run_report::{CheckOutcome, ScenarioStatus};
use scim_reference_server::{Defect, ReferenceServer, ServerOptions};

use crate::support::{TOKEN, engine, load_scenarios, options};

/// Defects whose only rule is SHOULD-level in the RFC, so a warning is the right verdict.
const CAUGHT_AS_WARNING: &[(&str, &str)] = &[
    (
        "items-per-page-is-count",
        "catalog A-11: itemsPerPage semantics are ambiguous, so the check warns",
    ),
    (
        "wrong-content-type",
        "P-8.1-01 is a SHOULD: application/json is tolerated with a warning",
    ),
    (
        "spc-requires-auth",
        "C-5-03 is a SHOULD: discovery may require credentials",
    ),
    (
        "stack-traces-in-errors",
        "no SCIM rule forbids a verbose detail: the leak is a security warning (CWE-209)",
    ),
    (
        "body-on-204",
        "HTTP, not SCIM, forbids content in a 204: a warning",
    ),
];

#[test]
fn every_defect_names_requirements_of_the_catalog() {
    let catalog = Catalog::embedded();
    let mut unknown = Vec::new();
    for d in Defect::ALL {
        assert!(!d.breaks().is_empty(), "{} breaks nothing", d.name());
        // Entries are catalog ids, `idp:<profile>` for IdP-compat defects, or
        // `source:<prefix>` for checks that cite a source rather than a requirement.
        for id in d.breaks() {
            let known = match (id.strip_prefix("idp:"), id.strip_prefix("source:")) {
                (Some(profile), _) => crate::support::scenarios_dir()
                    .join("idp")
                    .join(profile)
                    .join("_profile.yaml")
                    .is_file(),
                (_, Some(prefix)) => prefix.len() > 8,
                _ => catalog.get(id).is_some(),
            };
            if !known {
                unknown.push(format!("{} names {id}", d.name()));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "not in the catalog:\n{}",
        unknown.join("\n")
    );
    for (name, _) in CAUGHT_AS_WARNING {
        assert!(
            Defect::from_name(name).is_some(),
            "CAUGHT_AS_WARNING names `{name}`, which is no defect"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_defect_is_caught_by_a_check_of_a_requirement_it_breaks() {
    let scenarios = load_scenarios();
    let mut uncaught = Vec::new();
    let mut stale_allowances = Vec::new();
    let mut table = Vec::new();
    for defect in Defect::ALL {
        let server = ReferenceServer::start(ServerOptions {
            token: Some(TOKEN.to_string()),
            defects: vec![*defect],
            ..ServerOptions::default()
        })
        .await
        .unwrap();
        let url = server.base_url();
        let mut opts = options(&url);
        opts.jobs = 8;
        let report = run_suite(
            engine(&url),
            scenarios.clone(),
            &opts,
            Cancel::default(),
            Arc::new(Silent),
        )
        .await;
        server.shutdown().await;

        // (severity, requirement) of every failed check citing a requirement this defect breaks.
        let mut catching: BTreeSet<(Severity, String)> = BTreeSet::new();
        let mut elsewhere: BTreeSet<String> = BTreeSet::new();
        for s in &report.scenarios {
            for st in &s.steps {
                for c in &st.checks {
                    if c.outcome != CheckOutcome::Failed || c.severity == Severity::May {
                        continue;
                    }
                    // An IdP-compat defect is caught by a blocker in that IdP's replays.
                    let idp = s.profile.as_ref().map(|p| format!("idp:{p}"));
                    match &c.requirement {
                        Some(r) if defect.breaks().contains(&r.id.as_str()) => {
                            catching.insert((c.severity, r.id.clone()));
                        }
                        _ if idp.as_deref().is_some_and(|i| defect.breaks().contains(&i)) => {
                            catching.insert((c.severity, idp.clone().unwrap_or_default()));
                        }
                        // A check citing a source is caught through `source:<prefix>`.
                        _ if let Some(entry) = defect.breaks().iter().find(|b| {
                            b.strip_prefix("source:").is_some_and(|prefix| {
                                c.source.as_deref().is_some_and(|s| s.starts_with(prefix))
                            })
                        }) =>
                        {
                            catching.insert((c.severity, entry.to_string()));
                        }
                        _ => {
                            elsewhere.insert(format!(
                                "{} › {} › {} [{}]",
                                s.id,
                                st.name,
                                c.description,
                                c.citation()
                            ));
                        }
                    }
                }
            }
        }
        let errored: Vec<String> = report
            .scenarios
            .iter()
            .filter(|s| s.status == ScenarioStatus::Errored)
            .map(|s| format!("errored {}: {}", s.id, s.error.as_deref().unwrap_or("")))
            .collect();
        let at_must = catching.iter().any(|(sev, _)| *sev == Severity::Must);
        let allowed_as_warning = CAUGHT_AS_WARNING
            .iter()
            .any(|(name, _)| *name == defect.name());
        if !(at_must || (allowed_as_warning && !catching.is_empty())) {
            uncaught.push(format!(
                "{} (breaks {}): caught only by {:#?} {errored:#?}",
                defect.name(),
                defect.breaks().join(", "),
                elsewhere.iter().take(8).collect::<Vec<_>>()
            ));
        }
        if allowed_as_warning && at_must {
            stale_allowances.push(defect.name());
        }
        assert_eq!(
            report.summary.leaked_resources,
            0,
            "{}: cleanup left resources behind",
            defect.name()
        );
        let cited: Vec<String> = catching
            .iter()
            .map(|(sev, id)| format!("{id} ({})", format!("{sev:?}").to_uppercase()))
            .collect();
        table.push(format!(
            "{:<38} {}",
            defect.name(),
            if cited.is_empty() {
                "-".to_string()
            } else {
                cited.join(", ")
            }
        ));
    }
    assert!(
        uncaught.is_empty(),
        "defects not caught by a check of a requirement they break:\n{}\n\nmatrix:\n{}",
        uncaught.join("\n"),
        table.join("\n")
    );
    assert!(
        stale_allowances.is_empty(),
        "now caught at MUST level: remove from CAUGHT_AS_WARNING: {stale_allowances:?}"
    );
    // Which requirements catch which defect, at which severity: a change shows in review.
    insta::assert_snapshot!("kill_matrix", table.join("\n"));
}
