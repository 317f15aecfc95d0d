//! Wording shared by the renderers: verdict sentences, durations, plurals, bodies cut and
//! pretty-printed, requirement ids in natural order.

use crate::run_report::RunReport;

/// Bodies in console, Markdown and JUnit output are cut at this many bytes.
pub(crate) const BODY_LIMIT: usize = 2048;

/// The body as people read it: pretty-printed when it is JSON, else as is.
pub(crate) fn pretty_body(body: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(v @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => {
            serde_json::to_string_pretty(&v).unwrap_or_else(|_| body.to_string())
        }
        _ => body.to_string(),
    }
}

/// The body on as few lines as possible: compact when it is JSON, else as is.
pub(crate) fn compact_body(body: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(v @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => {
            serde_json::to_string(&v).unwrap_or_else(|_| body.to_string())
        }
        _ => body.to_string(),
    }
}

/// `text` cut to at most `limit` bytes (on a character boundary), with a note saying how
/// much was left out.
pub(crate) fn truncate(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}… [{} more bytes; {} in total]",
        &text[..end],
        text.len() - end,
        text.len()
    )
}

/// A duration for people: `843 ms` below a second, `12.00 s` above.
pub(crate) fn seconds(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{}.{:02} s", ms / 1000, (ms % 1000) / 10)
    }
}

/// `1 failure` / `2 failures`.
pub(crate) fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `softened from MUST to SHOULD: <reason>`.
pub(crate) fn grading_text(g: &crate::run_report::Grading) -> String {
    let word = |s: crate::catalog::Severity| match s {
        crate::catalog::Severity::Must => "MUST",
        crate::catalog::Severity::Should => "SHOULD",
        crate::catalog::Severity::May => "MAY",
    };
    let verb = if g.to > g.from {
        "softened"
    } else {
        "hardened"
    };
    format!(
        "{verb} from {} to {}: {}",
        word(g.from),
        word(g.to),
        g.reason
    )
}

/// A suite's verdict in words: `conformant`, `3 violations`, `ready`, `1 blocker`, …
pub(crate) fn suite_outcome_text(v: &crate::run_report::SuiteVerdict) -> String {
    use crate::run_report::SuiteOutcome as O;
    match v.outcome {
        O::Conformant => "conformant".into(),
        O::Violations => plural(v.findings, "violation", "violations"),
        O::Ready => "ready".into(),
        O::Blockers => plural(v.findings, "blocker", "blockers"),
        O::Incomplete => format!(
            "incomplete ({} could not finish)",
            plural(v.errored + v.failed, "scenario", "scenarios")
        ),
        O::NotRun => "not run".into(),
    }
}

/// What throttling cost the run, in a sentence, if the target throttled at all.
pub(crate) fn throttling_note(report: &RunReport) -> Option<String> {
    let t = &report.throttling;
    (t.throttled > 0).then(|| {
        let mut note = format!(
            "The target throttled {} (429, or 503 with Retry-After); waiting as asked added {} over {}.",
            plural(t.throttled, "answer", "answers"),
            seconds(t.waited_ms),
            plural(t.retries, "retry", "retries")
        );
        if t.gave_up > 0 {
            note.push_str(&format!(
                " {} stayed throttled past the retry limits and {} reported as not checked.",
                plural(t.gave_up, "request", "requests"),
                if t.gave_up == 1 { "is" } else { "are" }
            ));
        }
        note
    })
}

/// The verdict in capitals, for headings.
pub(crate) fn verdict_title(v: crate::run_report::Verdict) -> &'static str {
    match v {
        crate::run_report::Verdict::Passed => "PASSED",
        crate::run_report::Verdict::Failed => "FAILED",
        crate::run_report::Verdict::Unreachable => "UNREACHABLE",
        crate::run_report::Verdict::NotScim => "NOT SCIM",
        crate::run_report::Verdict::CredentialsRefused => "CREDENTIALS REFUSED",
        crate::run_report::Verdict::Interrupted => "INTERRUPTED",
        crate::run_report::Verdict::NothingRan => "NOTHING RAN",
    }
}

/// One sentence saying what the verdict means.
pub(crate) fn verdict_sentence(report: &RunReport) -> String {
    let s = &report.summary;
    match report.verdict {
        crate::run_report::Verdict::Passed if s.warnings > 0 => format!(
            "Every MUST-level check passed; {} did not.",
            plural(s.warnings, "SHOULD-level check", "SHOULD-level checks")
        ),
        crate::run_report::Verdict::Passed => "Every check passed.".to_string(),
        crate::run_report::Verdict::Failed => {
            let mut parts = Vec::new();
            if s.findings > 0 {
                let mut found = plural(s.findings, "MUST-level finding", "MUST-level findings");
                if s.check_failures > s.findings {
                    found.push_str(&format!(
                        " ({} failed checks with their repeats)",
                        s.check_failures
                    ));
                }
                parts.push(found);
            }
            if s.errored > 0 {
                parts.push(format!(
                    "{} could not run to the end",
                    plural(s.errored, "scenario", "scenarios")
                ));
            }
            if parts.is_empty() {
                "The run failed.".to_string()
            } else {
                format!("{}.", capitalize(&parts.join("; ")))
            }
        }
        crate::run_report::Verdict::Unreachable => format!(
            "The target could not be reached{}.",
            report
                .preflight_error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ),
        crate::run_report::Verdict::NotScim => format!(
            "The target answered, but not as a SCIM service provider{}.",
            report
                .preflight_error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ),
        crate::run_report::Verdict::CredentialsRefused => format!(
            "Nothing was tested, so there are no conformance findings: {}.",
            report
                .preflight_error
                .as_deref()
                .unwrap_or("the target refused the credentials")
        ),
        crate::run_report::Verdict::Interrupted => {
            format!("The run was stopped before the end; {}.", cleanup_sentence(report))
        }
        crate::run_report::Verdict::NothingRan => {
            "No scenario ran: every selected one was skipped (see why above), so nothing was checked."
                .to_string()
        }
    }
}

/// `cleaned up 7 of 9 created resources; 2 left: URL, URL` — what cleanup really did.
pub(crate) fn cleanup_sentence(report: &RunReport) -> String {
    let records: Vec<_> = report.scenarios.iter().flat_map(|s| &s.cleanup).collect();
    let left: Vec<&str> = records
        .iter()
        .filter(|c| !c.deleted)
        .map(|c| c.url.as_str())
        .collect();
    let mut out = format!(
        "cleaned up {} of {} created {}",
        records.len() - left.len(),
        records.len(),
        if records.len() == 1 {
            "resource"
        } else {
            "resources"
        }
    );
    if !left.is_empty() {
        let shown: Vec<&str> = left.iter().take(5).copied().collect();
        out.push_str(&format!("; {} left: {}", left.len(), shown.join(", ")));
        if left.len() > shown.len() {
            out.push_str(", …");
        }
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Orders requirement ids the way people read them: `P-3.3-01` before `P-3.14-02`.
pub(crate) fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn chunks(s: &str) -> Vec<(u64, &str)> {
        let mut out = Vec::new();
        let mut rest = s;
        while !rest.is_empty() {
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            if digits > 0 {
                out.push((rest[..digits].parse().unwrap_or(u64::MAX), ""));
                rest = &rest[digits..];
            } else {
                let text = rest
                    .find(|c: char| c.is_ascii_digit())
                    .unwrap_or(rest.len());
                out.push((0, &rest[..text]));
                rest = &rest[text..];
            }
        }
        out
    }
    chunks(a).cmp(&chunks(b)).then_with(|| a.cmp(b))
}

/// `12 scenarios: 11 passed, … · 143 checks, 1 failure, 2 warnings · 97 requests · 0.84 s`.
pub(crate) fn summary_line(report: &RunReport) -> String {
    let s = &report.summary;
    let total = s.passed + s.failed + s.errored + s.skipped;
    let repeats = if s.check_failures > s.findings {
        format!(" ({} failed checks with repeats)", s.check_failures)
    } else {
        String::new()
    };
    let mut checks = format!(
        "{}, {}{repeats}, {}",
        plural(s.checks, "check", "checks"),
        plural(s.findings, "finding", "findings"),
        plural(s.warnings, "warning", "warnings")
    );
    if s.not_evaluated > 0 {
        checks.push_str(&format!(", {} not evaluated", s.not_evaluated));
    }
    if s.notes > 0 {
        checks.push_str(&format!(", {}", plural(s.notes, "note", "notes")));
    }
    let mut line = format!(
        "{}: {} passed, {} failed, {} errored, {} skipped · {checks} · {} · {}",
        plural(total, "scenario", "scenarios"),
        s.passed,
        s.failed,
        s.errored,
        s.skipped,
        plural(s.requests, "request", "requests"),
        seconds(report.duration_ms)
    );
    if s.expected_failures > 0 {
        line.push_str(&format!(" · {} expected (baseline)", s.expected_failures));
    }
    if s.unexpected_passes > 0 {
        line.push_str(&format!(
            " · {} baseline entries now pass",
            s.unexpected_passes
        ));
    }
    if s.leaked_resources > 0 {
        line.push_str(&format!(
            " · {}",
            plural(s.leaked_resources, "leaked resource", "leaked resources")
        ));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_cuts_on_a_char_boundary_and_says_how_much() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("aéb", 2), "a… [3 more bytes; 4 in total]");
    }

    #[test]
    fn seconds_and_suites() {
        assert_eq!(seconds(843), "843 ms");
        assert_eq!(seconds(0), "0 ms");
        assert_eq!(seconds(12_005), "12.00 s");
    }

    #[test]
    fn requirement_ids_sort_naturally() {
        let mut ids = [
            "P-3.14-02",
            "P-3.3-01",
            "S-2-01",
            "P-10-01",
            "P-3.3-10",
            "P-3.3-02",
        ];
        ids.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            ids,
            [
                "P-3.3-01",
                "P-3.3-02",
                "P-3.3-10",
                "P-3.14-02",
                "P-10-01",
                "S-2-01"
            ]
        );
    }
}
