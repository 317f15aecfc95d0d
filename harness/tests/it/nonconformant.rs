//! Broken servers are caught: each defect must make the right check fail, with the right
//! expected/actual and citation, and the faithful proxy must pass everything (so a failure
//! is the defect's doing, not the proxy's).

use scim_harness::catalog::Severity;
use scim_harness::run_report::{ScenarioStatus, Verdict};

use crate::support::{BrokenServer, Defect, failed_check, run_against, scenario};

struct Case {
    defect: Defect,
    scenario: &'static str,
    step: &'static str,
    req: &'static str,
    severity: Severity,
    expected: &'static str,
    actual: &'static str,
}

const CASES: &[Case] = &[
    Case {
        defect: Defect::CreateAnswers200,
        scenario: "core/user-lifecycle",
        step: "create",
        req: "P-3.3-01",
        severity: Severity::Must,
        expected: "201",
        actual: "200",
    },
    Case {
        defect: Defect::NoSchemasAttribute,
        scenario: "core/user-lifecycle",
        step: "create",
        req: "C-3-01",
        severity: Severity::Must,
        expected: "a valid `user`",
        actual: "schemas",
    },
    Case {
        defect: Defect::NotFoundAs200,
        scenario: "core/errors",
        step: "unknown id",
        req: "P-3.4.1-02",
        severity: Severity::Must,
        expected: "404",
        actual: "200",
    },
    Case {
        defect: Defect::WrongContentType,
        scenario: "core/errors",
        step: "unknown id",
        req: "P-8.1-01",
        severity: Severity::Should,
        expected: "a string matching /^application/scim\\+json/",
        actual: "\"application/json\"",
    },
    Case {
        defect: Defect::DuplicateAccepted,
        scenario: "core/errors",
        step: "same userName in another case",
        req: "C-4.1.1-02",
        severity: Severity::Must,
        expected: "409",
        actual: "201",
    },
    Case {
        defect: Defect::PatchIgnored,
        scenario: "core/user-lifecycle",
        step: "verify inactive",
        req: "P-3.5.2.3-02",
        severity: Severity::Must,
        expected: "false",
        actual: "true",
    },
    Case {
        defect: Defect::TokenNotChecked,
        scenario: "core/auth",
        step: "no credentials",
        req: "P-3.12-07",
        severity: Severity::Must,
        expected: "401",
        actual: "200",
    },
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faithful_proxy_passes_every_scenario() {
    let server = BrokenServer::start(Defect::None).await;
    let report = run_against(&server.url()).await;
    let bad: Vec<_> = report
        .scenarios
        .iter()
        .filter(|s| {
            !(s.status == ScenarioStatus::Passed
                || s.status == ScenarioStatus::Skipped
                    && s.error
                        .as_deref()
                        .is_some_and(|e| e.starts_with("skipped:")))
        })
        .map(|s| (&s.id, s.status, &s.error))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert_eq!(report.verdict, Verdict::Passed);
    assert_eq!(report.summary.warnings, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_defect_is_caught_by_the_right_check() {
    for case in CASES {
        let server = BrokenServer::start(case.defect).await;
        let report = run_against(&server.url()).await;
        let (step, check) = failed_check(&report, case.scenario, case.step, case.req);
        let what = format!("{:?}: {check:#?}", case.defect);
        assert_eq!(check.severity, case.severity, "{what}");
        assert!(check.expected.contains(case.expected), "{what}");
        assert!(check.actual.contains(case.actual), "{what}");
        // The failure names its rule and its place in the scenario file.
        assert!(
            check
                .location
                .file
                .ends_with(&format!("{}.yaml", case.scenario)),
            "{what}"
        );
        assert!(check.location.line > 1, "{what}");
        assert!(
            check
                .requirement
                .as_ref()
                .is_some_and(|r| !r.text.is_empty() && r.section.starts_with("RFC 764")),
            "{what}"
        );
        // And it says what was sent and what came back.
        assert!(step.exchange.response.is_some(), "{what}");
        if case.severity == Severity::Must {
            assert_eq!(
                scenario(&report, case.scenario).status,
                ScenarioStatus::Failed,
                "{what}"
            );
            assert_eq!(report.verdict, Verdict::Failed, "{what}");
        }
        // Whatever failed, nothing the run created is left behind.
        assert_eq!(report.summary.leaked_resources, 0, "{what}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn target_schema_check_uses_the_servers_own_declarations() {
    let server = BrokenServer::start(Defect::StringBooleansInResponses).await;
    let report = run_against(&server.url()).await;
    let (_, check) = failed_check(&report, "core/user-lifecycle", "read back", "C-2.3-01");
    assert!(check.description.contains("own /Schemas"), "{check:#?}");
    assert!(
        check
            .violations
            .iter()
            .any(|v| v.instance_path == "/active" && v.message.contains("declared boolean")),
        "{:#?}",
        check.violations
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_violation_lists_the_instance_path() {
    let server = BrokenServer::start(Defect::NoSchemasAttribute).await;
    let report = run_against(&server.url()).await;
    let (_, check) = failed_check(&report, "core/user-lifecycle", "create", "C-3-01");
    assert!(
        check
            .violations
            .iter()
            .any(|v| v.message.contains("schemas")),
        "{:#?}",
        check.violations
    );
}
