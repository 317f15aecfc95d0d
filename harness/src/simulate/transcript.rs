//! The plain-text transcript of a simulation: one line per request (method, URL, status,
//! milliseconds, what it meant), request and response bodies indented and cut, notes where
//! the IdP sends nothing, then the verdict and every problem.

use std::fmt::Write as _;

use super::SimulationReport;

/// Longest body excerpt shown, in characters.
const BODY_CUT: usize = 300;

/// Renders the transcript as plain text (no colour).
pub fn render_transcript(report: &SimulationReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "mock IdP: {}", report.idp);
    let _ = writeln!(out, "  {}", report.idp.description());
    let mut phase: Option<&str> = None;
    for step in &report.steps {
        if phase != Some(step.phase.as_str()) {
            let _ = writeln!(out, "\n== {}", step.phase);
            phase = Some(step.phase.as_str());
        }
        let Some(x) = &step.exchange else {
            let _ = writeln!(out, "  note: {}", step.summary);
            continue;
        };
        let status = x
            .response
            .as_ref()
            .map_or("---".to_string(), |r| r.status.to_string());
        let _ = writeln!(
            out,
            "  {} {} -> {} ({:.0} ms)  {}",
            x.request.method, x.request.url, status, x.duration_ms, step.summary
        );
        if let Some(body) = &x.request.body {
            let _ = writeln!(out, "      > {}", cut(body));
        }
        if let Some(body) = x.response.as_ref().and_then(|r| r.body.as_ref()) {
            let _ = writeln!(out, "      < {}", cut(body));
        }
    }
    let requests = report.exchanges().count();
    let _ = writeln!(out);
    if report.passed() {
        let _ = writeln!(
            out,
            "verdict: PASS: the target holds what {} intends ({requests} requests)",
            report.idp
        );
    } else {
        let _ = writeln!(
            out,
            "verdict: FAIL: {} problem(s) ({requests} requests)",
            report.problems.len()
        );
        for p in &report.problems {
            let _ = writeln!(out, "  - {p}");
        }
    }
    out
}

/// One line: whitespace runs collapsed, cut at [`BODY_CUT`] characters.
fn cut(body: &str) -> String {
    let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > BODY_CUT {
        let head: String = flat.chars().take(BODY_CUT).collect();
        format!("{head}… ({} chars)", flat.chars().count())
    } else {
        flat
    }
}
