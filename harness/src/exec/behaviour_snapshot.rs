//! The behaviour-snapshot check of a step (`--snapshot`): its normalized response against
//! the stored one, and which responses are left out because other data shows in them.

use super::http::{HttpClient, OutgoingRequest, Response};
use super::template::Vars;
use crate::catalog::Severity;
use crate::run_report::{CheckOutcome, CheckResult, StepReport};
use crate::scenario::load::LoadedScenario;
use crate::scenario::model::Step;
use crate::validate::snapshot::{SnapshotResult, SnapshotStore, asks_for_order, normalize};

/// A list of users or groups that is not scoped to this run's data (no filter naming the
/// run id) holds whatever else is on the target, including other scenarios' data created at
/// the same time, so it cannot be pinned.
pub(super) fn varies_with_other_data(req: &OutgoingRequest, resp: &Response, run_id: &str) -> bool {
    let path = req.path.trim_end_matches('/').to_ascii_lowercase();
    let collection = path.ends_with("/users")
        || path.ends_with("/groups")
        || path.ends_with("/.search")
        || path.is_empty();
    let scoped = req
        .query
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("filter") && v.contains(run_id))
        || (req.method == "POST"
            && req
                .body
                .as_ref()
                .is_some_and(|b| String::from_utf8_lossy(b).contains(run_id)));
    collection
        && !scoped
        && resp
            .json()
            .is_some_and(|b| b.get("Resources").is_some() || b.get("totalResults").is_some())
}

/// Compares the step's normalized response with its stored snapshot (or records it).
#[expect(
    clippy::too_many_arguments,
    reason = "one call site; the values are all distinct"
)]
pub(super) fn snapshot_check(
    client: &HttpClient,
    store: &SnapshotStore,
    sc: &LoadedScenario,
    (index, step): (usize, &Step),
    outgoing: &OutgoingRequest,
    resp: &Response,
    vars: &Vars,
    report: &StepReport,
) -> CheckResult {
    let path = store.path_of(&sc.id, index, &step.name.value);
    let shown = path.display().to_string();
    // Redacted again as it leaves the process: normalizing decodes the body's escapes.
    let content = client.redact(&normalize(
        resp.status,
        resp.header("content-type").as_deref(),
        &resp.body,
        &vars.redactions(),
        asks_for_order(&outgoing.query, outgoing.body.as_deref()),
    ));
    let expression = format!("{} {}", outgoing.method, step.request.path.value);
    let (passed, actual) = match store.record(&path, &sc.file.path, &expression, &content) {
        Ok(SnapshotResult::Unchanged) => (true, "unchanged".to_string()),
        Ok(SnapshotResult::Written) => (true, "recorded".to_string()),
        Ok(SnapshotResult::Missing) => (
            false,
            format!(
                "no snapshot stored yet; review {shown}.new and accept it with --snapshot update"
            ),
        ),
        Ok(SnapshotResult::Changed(diff)) => (false, format!("the response changed:\n{diff}")),
        Err(e) => (false, format!("cannot read or write {shown}: {e}")),
    };
    CheckResult {
        description: format!("response matches snapshot {shown}"),
        location: report.location.clone(),
        outcome: if passed { CheckOutcome::Passed } else { CheckOutcome::Failed },
        severity: Severity::Must,
        requirement: None,
        source: Some(format!("behaviour snapshot {shown}")),
        expected: "the stored response (ids, timestamps, versions and locations redacted)".into(),
        actual,
        because: Some("--snapshot check fails on any change in behaviour, so releases are gated on reviewed diffs".into()),
        impact: None,
        violations: Vec::new(),
        expected_failure: None,
        repeat_of: None,
        graded: None,
    }
}
