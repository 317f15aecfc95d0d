//! Runs a step with `page_walk:` (see [`crate::scenario::page_walk`]): one request per
//! page, each reported as its own step entry (`name (page k, startIndex=s)`) with the
//! step's checks, then the walk's own checks on the last page — the walk ended within its
//! cap, no page came back empty while `totalResults` promised more, and every id in
//! `finds` was listed.

use std::collections::BTreeSet;

use serde_json::Value;

use super::assert::CheckContext;
use super::cancel::Cancel;
use super::cleanup::Registry;
use super::engine::Engine;
use super::http::Response;
use super::runner::run_step;
use super::template::Vars;
use crate::catalog::Severity;
use crate::run_report::{CheckOutcome, CheckResult, StepReport, StepStatus};
use crate::scenario::load::LoadedScenario;
use crate::scenario::model::Step;
use crate::scenario::page_walk::{Advance, PageWalk};

/// What one page said about the walk.
#[derive(Debug, PartialEq)]
enum Page {
    /// `totalResults` and the ids listed.
    Listed { total: u64, ids: Vec<String> },
    /// Not a list response with a numeric `totalResults`.
    NotAList(String),
}

fn read_page(resp: Option<&Response>) -> Page {
    let Some(resp) = resp else {
        return Page::NotAList("no response".into());
    };
    let Some(body) = resp.json() else {
        return Page::NotAList(format!("HTTP {} without a JSON body", resp.status));
    };
    let Some(total) = body.get("totalResults").and_then(Value::as_u64) else {
        return Page::NotAList(format!(
            "HTTP {} whose totalResults is {}",
            resp.status,
            body.get("totalResults")
                .map_or("missing".to_string(), |v| format!(
                    "{v} (not a non-negative integer)"
                ))
        ));
    };
    let ids = body
        .get("Resources")
        .and_then(Value::as_array)
        .map(|rs| {
            rs.iter()
                .filter_map(|r| r.get("id").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Page::Listed { total, ids }
}

/// Where the walk goes after a page: the next `startIndex`, or why it stops.
#[derive(Debug, PartialEq)]
enum Next {
    Page(u64),
    Done,
    /// The page listed nothing although `totalResults` says resources remain.
    EmptyEarly {
        start: u64,
        total: u64,
    },
}

fn next(start: u64, step: u64, total: u64, listed: usize) -> Next {
    if listed == 0 {
        return if start <= total {
            Next::EmptyEarly { start, total }
        } else {
            Next::Done
        };
    }
    // `step` is what the page listed (a server may cap its page size below `count`, RFC
    // 7644 §3.4.2.4), or `count` for an IdP documented to advance by it.
    let following = start.saturating_add(step);
    if following > total {
        Next::Done
    } else {
        Next::Page(following)
    }
}

/// Walks the pages of `step`; returns one report per page sent.
#[expect(
    clippy::too_many_arguments,
    reason = "mirrors run_step, whose arguments it forwards"
)]
pub async fn walk(
    engine: &Engine,
    ctx: &CheckContext<'_>,
    sc: &LoadedScenario,
    (index, step): (usize, &Step),
    walk: &PageWalk,
    registry: &Registry,
    vars: &mut Vars,
    cancel: &Cancel,
) -> Vec<StepReport> {
    let mut reports: Vec<StepReport> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut start = walk.start_index.max(1);
    let mut verdict: Option<(String, String)> = None;
    let mut ended = false;
    for page in 1..=walk.max_pages.max(1) {
        if let (Some(reason), Some(last)) = (cancel.reason(), reports.last_mut()) {
            last.status = StepStatus::Errored;
            last.error = Some(format!("interrupted: {reason}"));
            return reports;
        }
        let mut page_step = step.clone();
        page_step.name.value = format!("{} (page {page}, startIndex={start})", step.name.value);
        page_step
            .request
            .query
            .insert("startIndex".into(), Value::from(start));
        page_step
            .request
            .query
            .insert("count".into(), Value::from(walk.count));
        let mut response = None;
        let report = run_step(
            engine,
            ctx,
            sc,
            (index, &page_step),
            registry,
            vars,
            cancel,
            Some(&mut response),
        )
        .await;
        let status = report.status;
        reports.push(report);
        if status != StepStatus::Passed {
            return reports;
        }
        match read_page(response.as_ref()) {
            Page::NotAList(why) => {
                verdict = Some((
                    "a list response with a numeric totalResults on every page".into(),
                    format!("page {page}: {why}"),
                ));
                ended = true;
                break;
            }
            Page::Listed { total, ids } => {
                let listed = ids.len();
                seen.extend(ids);
                match next(
                    start,
                    match walk.advance {
                        Advance::Listed => listed as u64,
                        Advance::Count => walk.count,
                    },
                    total,
                    listed,
                ) {
                    Next::Done => {
                        ended = true;
                        break;
                    }
                    Next::EmptyEarly { start, total } => {
                        verdict = Some((
                            format!(
                                "resources on the page at startIndex={start}, since totalResults is {total}"
                            ),
                            format!(
                                "page {page} listed none: the walk ends early and the rest is never seen"
                            ),
                        ));
                        ended = true;
                        break;
                    }
                    Next::Page(s) => start = s,
                }
            }
        }
    }
    let pages = format!("{} page(s), {} distinct ids", reports.len(), seen.len());
    let Some(last) = reports.last_mut() else {
        return reports;
    };
    let mut checks = Vec::new();
    if !ended {
        checks.push(walk_check(
            step,
            last,
            "the walk reaches totalResults within max_pages",
            format!("the end of the list within {} pages", walk.max_pages),
            format!(
                "still more after {} pages (next startIndex={start}); totalResults keeps the walk going",
                walk.max_pages
            ),
            false,
        ));
    } else if let Some((expected, actual)) = verdict {
        checks.push(walk_check(
            step,
            last,
            "every page of the walk is a list response",
            expected,
            actual,
            false,
        ));
    } else {
        checks.push(walk_check(
            step,
            last,
            "the walk reaches totalResults within max_pages",
            format!("the end of the list within {} pages", walk.max_pages),
            format!("ended after {pages}"),
            true,
        ));
    }
    if !walk.finds.is_empty() {
        let wanted: Vec<String> = walk
            .finds
            .iter()
            .map(|f| vars.render_str(f).unwrap_or_else(|_| f.clone()))
            .collect();
        let missing: Vec<&String> = wanted.iter().filter(|w| !seen.contains(*w)).collect();
        checks.push(walk_check(
            step,
            last,
            "the walk lists every resource the scenario created",
            format!("ids {} in some page's Resources", wanted.join(", ")),
            if missing.is_empty() {
                format!("all listed among {} ids", seen.len())
            } else {
                format!(
                    "not listed: {} ({} distinct ids seen)",
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    seen.len()
                )
            },
            missing.is_empty(),
        ));
    }
    for mut check in checks {
        engine.baseline.apply(&sc.id, &step.name.value, &mut check);
        last.checks.push(check);
    }
    if last.checks.iter().any(CheckResult::is_failure) {
        last.status = StepStatus::Failed;
    }
    reports
}

fn walk_check(
    step: &Step,
    last: &StepReport,
    description: &str,
    expected: String,
    actual: String,
    passed: bool,
) -> CheckResult {
    CheckResult {
        description: description.into(),
        location: last.location.clone(),
        outcome: if passed {
            CheckOutcome::Passed
        } else {
            CheckOutcome::Failed
        },
        severity: Severity::Must,
        requirement: None,
        source: step
            .source
            .clone()
            .or_else(|| Some("RFC 7644 §3.4.2.4 (pagination)".into())),
        expected,
        actual,
        because: Some(
            "an IdP that imports or discovers accounts reads every page until totalResults; what it never sees it treats as absent".into(),
        ),
        impact: step.impact.clone(),
        violations: Vec::new(),
        expected_failure: None,
        repeat_of: None,
        graded: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(body: &str) -> Response {
        Response {
            status: 200,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            truncated: false,
        }
    }

    #[test]
    fn pages_are_read_for_total_and_ids() {
        assert_eq!(
            read_page(Some(&resp(
                r#"{"totalResults":3,"Resources":[{"id":"a"},{"id":"b"}]}"#
            ))),
            Page::Listed {
                total: 3,
                ids: vec!["a".into(), "b".into()]
            }
        );
        assert!(matches!(
            read_page(Some(&resp(r#"{"totalResults":"3","Resources":[]}"#))),
            Page::NotAList(why) if why.contains("\"3\" (not a non-negative integer)")
        ));
        assert!(matches!(read_page(None), Page::NotAList(_)));
    }

    #[test]
    fn the_walk_advances_by_what_was_listed_and_stops_at_total() {
        // startIndex=1,101,201… with count=100 and full pages until past totalResults.
        assert_eq!(next(1, 100, 250, 100), Next::Page(101));
        assert_eq!(next(201, 50, 250, 50), Next::Done);
        assert_eq!(next(1, 100, 100, 100), Next::Done);
        // A short page does not end the walk: the server may cap its page size. Advancing
        // by what was listed reads on from there; by count (Okta) skips the rest.
        assert_eq!(next(1, 20, 250, 20), Next::Page(21));
        assert_eq!(next(1, 100, 250, 20), Next::Page(101));
        // An empty page before totalResults is a failure, after it the end.
        assert_eq!(
            next(101, 0, 250, 0),
            Next::EmptyEarly {
                start: 101,
                total: 250
            }
        );
        assert_eq!(next(1, 0, 0, 0), Next::Done);
    }
}
