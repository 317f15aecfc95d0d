//! Report renderers: every format is a pure function of one [`RunReport`](crate::run_report::RunReport).
//!
//! [`render`] turns a report into one format, [`write_all`] writes several formats into a
//! directory atomically, and [`render_summary_with`] is the end-of-run text for a terminal
//! (with the scenario [`Sources`], failures show their source line).

mod console;
pub mod escape;
mod har;
mod html;
mod json;
mod junit;
mod markdown;
mod sources;
pub mod step_summary;

#[cfg(test)]
pub(crate) mod fixture;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

pub use console::{render_summary, render_summary_with};
pub use sources::Sources;

use crate::exec::redact::Redactor;
use crate::run_report::{CheckResult, RunReport, ScenarioReport, ScenarioStatus, StepReport};

/// A file format for the run report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    /// `report.json`: the full model, machine-readable.
    Json,
    /// `junit.xml`: one test case per scenario, for CI test views.
    Junit,
    /// `report.md`: GitHub-flavoured Markdown for PR comments and CI step summaries.
    Markdown,
    /// `report.html`: one self-contained page for people.
    Html,
    /// `report.har`: every HTTP exchange as an HTTP Archive 1.2, for browser devtools,
    /// Charles or Fiddler (not written unless asked for).
    Har,
}

impl ReportFormat {
    /// Every format, in the order they are written.
    pub const ALL: [ReportFormat; 5] = [
        ReportFormat::Json,
        ReportFormat::Junit,
        ReportFormat::Markdown,
        ReportFormat::Html,
        ReportFormat::Har,
    ];

    /// The formats `run` writes when `--report` is not given.
    pub const DEFAULT: [ReportFormat; 4] = [
        ReportFormat::Json,
        ReportFormat::Junit,
        ReportFormat::Markdown,
        ReportFormat::Html,
    ];

    /// The file this format is written to.
    pub fn file_name(self) -> &'static str {
        match self {
            ReportFormat::Json => "report.json",
            ReportFormat::Junit => "junit.xml",
            ReportFormat::Markdown => "report.md",
            ReportFormat::Html => "report.html",
            ReportFormat::Har => "report.har",
        }
    }
}

/// Why a report could not be rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Creating the directory or writing a file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The HTML template failed to render (a bug in the template).
    #[error("cannot render the HTML report: {0:#}")]
    Template(#[from] minijinja::Error),
    /// JSON serialization failed.
    #[error("cannot serialize the report to JSON: {0}")]
    Serialization(#[from] serde_json::Error),
    /// JUnit XML serialization failed.
    #[error("cannot serialize the JUnit report: {0}")]
    Junit(#[from] quick_junit::SerializeError),
}

/// Render one format to a String (pure).
pub fn render(report: &RunReport, format: ReportFormat) -> Result<String, ReportError> {
    match format {
        ReportFormat::Json => json::render(report),
        ReportFormat::Junit => junit::render(report),
        ReportFormat::Markdown => Ok(markdown::render(report)),
        ReportFormat::Html => html::render(report),
        ReportFormat::Har => har::render(report),
    }
}

/// Write the chosen formats into `dir` (created if missing), atomically (each file is
/// written to a temporary file in `dir`, then renamed), returning the paths written.
///
/// Every format is rendered before the first file is written, so a rendering error leaves
/// the directory untouched.
pub fn write_all(
    report: &RunReport,
    formats: &[ReportFormat],
    dir: &Path,
    redactor: &Redactor,
) -> Result<Vec<PathBuf>, ReportError> {
    // Every file is redacted as a whole, after rendering: HTML and XML escaping may spell a
    // secret differently from the record it came from.
    let rendered = formats
        .iter()
        .map(|&f| {
            render(report, f).map(|text| {
                let text = redactor.redact(&text);
                // No byte from the target may drive the terminal of whoever reads a report.
                let text = match f {
                    ReportFormat::Json | ReportFormat::Har => escape::controls_json(&text),
                    _ => escape::controls(&text),
                };
                (f, text)
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::with_capacity(rendered.len());
    for (format, text) in rendered {
        let path = dir.join(format.file_name());
        write_atomically(&path, text.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// Checks, before anything is sent, that reports can be written into `dir` (created if
/// missing): a run should not end with "PASSED" and no report.
pub fn ensure_writable(dir: &Path) -> Result<(), ReportError> {
    fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let probe = dir.join(format!(".write-check.{}.tmp", std::process::id()));
    write_atomically(&probe, b"")?;
    fs::remove_file(&probe).map_err(|source| ReportError::Io {
        path: probe.clone(),
        source,
    })
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let name = path
        .file_name()
        .map_or_else(Default::default, |n| n.to_string_lossy());
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let io_err = |p: &Path| {
        let p = p.to_path_buf();
        move |source| ReportError::Io { path: p, source }
    };
    let result = (|| {
        let mut file = fs::File::create(&tmp).map_err(io_err(&tmp))?;
        file.write_all(bytes).map_err(io_err(&tmp))?;
        file.sync_all().map_err(io_err(&tmp))?;
        drop(file);
        fs::rename(&tmp, path).map_err(io_err(path))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

// ---------------------------------------------------------------------------------------
// Helpers shared by the text renderers.
// ---------------------------------------------------------------------------------------

/// Bodies in console, Markdown and JUnit output are cut at this many bytes.
pub(crate) const BODY_LIMIT: usize = 2048;

/// One failed check with its scenario and step.
pub(crate) type Finding<'a> = (&'a ScenarioReport, &'a StepReport, &'a CheckResult);

/// The checks that failed each scenario, in run order: MUST-level failures, or, for a
/// scenario marked failed without any (SHOULD-level checks promoted by `--strict`), its
/// SHOULD-level failures.
pub(crate) fn failures(report: &RunReport) -> Vec<Finding<'_>> {
    report
        .scenarios
        .iter()
        .flat_map(|s| {
            let must: Vec<Finding<'_>> = checks_of(s)
                .filter(|(_, _, c)| c.is_failure() && c.repeat_of.is_none())
                .collect();
            if must.is_empty() && s.status == ScenarioStatus::Failed {
                checks_of(s).filter(|(_, _, c)| c.is_warning()).collect()
            } else {
                must
            }
        })
        .collect()
}

/// Findings grouped by step (consecutive findings of the same step), in run order.
pub(crate) fn by_step<'a>(
    findings: &[Finding<'a>],
) -> Vec<(&'a ScenarioReport, &'a StepReport, Vec<&'a CheckResult>)> {
    let mut groups: Vec<(&ScenarioReport, &StepReport, Vec<&CheckResult>)> = Vec::new();
    for &(s, step, c) in findings {
        match groups.last_mut() {
            Some((_, last, checks)) if std::ptr::eq(*last, step) => checks.push(c),
            _ => groups.push((s, step, vec![c])),
        }
    }
    groups
}

/// SHOULD-level failures that did not fail their scenario, in run order.
pub(crate) fn warnings(report: &RunReport) -> Vec<Finding<'_>> {
    let mut run_wide = std::collections::BTreeSet::new();
    report
        .scenarios
        .iter()
        .filter(|s| {
            s.status != ScenarioStatus::Failed || checks_of(s).any(|(_, _, c)| c.is_failure())
        })
        .flat_map(|s| checks_of(s).filter(|(_, _, c)| c.is_warning() && c.repeat_of.is_none()))
        // A warning the harness raises on every answer of a kind is listed once.
        .filter(|(_, _, c)| c.run_wide_key().is_none_or(|k| run_wide.insert(k)))
        .collect()
}

/// How many steps of the run a run-wide warning (see [`crate::run_report::CheckResult::run_wide_key`])
/// was raised in.
pub(crate) fn run_wide_count(report: &RunReport, key: &str) -> usize {
    report
        .scenarios
        .iter()
        .flat_map(checks_of)
        .filter(|(_, _, c)| c.is_warning() && c.run_wide_key() == Some(key))
        .count()
}

/// The failed checks of a step folded under its root finding (any severity), in order.
pub(crate) fn repeats(step: &StepReport) -> Vec<&CheckResult> {
    step.checks
        .iter()
        .filter(|c| c.repeat_of.is_some() && c.outcome == crate::run_report::CheckOutcome::Failed)
        .collect()
}

/// The checks of a step that could not be judged.
pub(crate) fn not_evaluated(step: &StepReport) -> Vec<&CheckResult> {
    step.checks
        .iter()
        .filter(|c| c.outcome == crate::run_report::CheckOutcome::NotEvaluated)
        .collect()
}

/// The failures of one scenario (see [`failures`]).
pub(crate) fn scenario_failures(s: &ScenarioReport) -> Vec<(&StepReport, &CheckResult)> {
    let must: Vec<_> = checks_of(s)
        .filter(|(_, _, c)| c.is_failure() && c.repeat_of.is_none())
        .map(|(_, st, c)| (st, c))
        .collect();
    if must.is_empty() && s.status == ScenarioStatus::Failed {
        checks_of(s)
            .filter(|(_, _, c)| c.is_warning())
            .map(|(_, st, c)| (st, c))
            .collect()
    } else {
        must
    }
}

fn checks_of(s: &ScenarioReport) -> impl Iterator<Item = Finding<'_>> {
    s.steps
        .iter()
        .flat_map(move |st| st.checks.iter().map(move |c| (s, st, c)))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_and_all() {
        let names: Vec<_> = ReportFormat::ALL.iter().map(|f| f.file_name()).collect();
        assert_eq!(
            names,
            [
                "report.json",
                "junit.xml",
                "report.md",
                "report.html",
                "report.har"
            ]
        );
    }

    #[test]
    fn every_format_renders_the_fixture() {
        let report = fixture::report();
        for f in ReportFormat::ALL {
            let text = render(&report, f).unwrap();
            assert!(text.ends_with('\n'), "{f:?} output ends with a newline");
        }
    }

    /// Reports unlike the fixture: the templates have no undefined lookups on any path.
    #[test]
    fn every_format_renders_edge_cases() {
        use crate::catalog::Severity;
        use crate::run_report::{CheckOutcome, Verdict};

        let mut unreachable = fixture::report();
        unreachable.scenarios.clear();
        unreachable.requirements.clear();
        unreachable.summary = Default::default();
        unreachable.verdict = Verdict::Unreachable;
        unreachable.preflight_error = Some("connection refused (os error 111)".into());

        let mut odd = fixture::report();
        odd.verdict = Verdict::Interrupted;
        // A skipped scenario.
        odd.scenarios[0].status = ScenarioStatus::Skipped;
        odd.scenarios[0].steps.clear();
        odd.scenarios[0].error = Some("needs the `bulk` capability".into());
        // A failed MAY-level note, multi-line values, an empty root pointer, a cut body.
        let step = &mut odd.scenarios[1].steps[0];
        step.checks[1].outcome = CheckOutcome::Failed;
        step.checks[1].severity = Severity::May;
        step.checks[0].expected = "line one\nline two".into();
        step.checks[2].violations[0].instance_path = String::new();
        let resp = step.exchange.response.as_mut().unwrap();
        resp.truncated = true;
        resp.body = Some("x".repeat(5000));
        // A scenario failed only by SHOULD-level checks (`--strict`).
        let mut strict = odd.scenarios[1].clone();
        strict.id = "standalone".into();
        for c in &mut strict.steps[0].checks {
            if c.severity == Severity::Must {
                c.outcome = CheckOutcome::Passed;
            }
        }
        odd.scenarios.push(strict);

        for report in [&unreachable, &odd] {
            for f in ReportFormat::ALL {
                let text = render(report, f).unwrap_or_else(|e| panic!("{f:?}: {e}"));
                assert!(!text.is_empty());
            }
            render_summary(report, true);
        }

        let console = render_summary(&odd, false);
        assert!(
            console.contains("FAIL  standalone › create user"),
            "{console}"
        );
        assert!(
            console.contains("SKIP  core/service-provider-config — needs"),
            "{console}"
        );
        assert!(
            console.contains("… [4400 more bytes; 5000 in total]"),
            "{console}"
        );
        assert!(console.contains("[the body was cut at the harness's size limit]"));
        let md = render(&unreachable, ReportFormat::Markdown).unwrap();
        assert!(md.contains("connection refused (os error 111)"), "{md}");
    }

    /// A hostile body and a secret the target echoed under another spelling reach no file,
    /// and the JSON formats still decode to the same data.
    #[test]
    fn written_files_are_redacted_and_json_formats_stay_json() {
        let tmp = tempfile::tempdir().unwrap();
        let mut report = fixture::report();
        let body = "{\"note\":\"\u{9b}31m\u{202e}s3cr3t-token-x\"}";
        report.scenarios[1].steps[0]
            .exchange
            .response
            .as_mut()
            .unwrap()
            .body = Some(body.into());
        let redactor = Redactor::new(["s3cr3t-token-x"]);
        let paths = write_all(&report, &ReportFormat::ALL, tmp.path(), &redactor).unwrap();
        for path in &paths {
            let text = fs::read_to_string(path).unwrap();
            assert!(!text.contains("s3cr3t-token-x"), "{}", path.display());
            assert!(!text.contains('\u{9b}'), "{}", path.display());
        }
        let har: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(tmp.path().join("report.har")).unwrap())
                .expect("report.har is still JSON");
        let text = har["log"]["entries"][1]["response"]["content"]["text"]
            .as_str()
            .unwrap();
        assert_eq!(text, "{\"note\":\"\u{9b}31m\u{202e}[REDACTED]\"}");
    }

    #[test]
    fn write_all_writes_every_format_into_a_new_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("nested").join("reports");
        let report = fixture::report();
        let paths = write_all(&report, &ReportFormat::ALL, &dir, &Redactor::default()).unwrap();
        let names: Vec<_> = paths
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "report.json",
                "junit.xml",
                "report.md",
                "report.html",
                "report.har"
            ]
        );
        for (path, format) in paths.iter().zip(ReportFormat::ALL) {
            assert_eq!(path.parent().unwrap(), dir);
            let on_disk = fs::read_to_string(path).unwrap();
            assert_eq!(on_disk, render(&report, format).unwrap());
        }
        // No temporary files are left behind.
        let mut entries: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        entries.sort();
        assert_eq!(
            entries,
            [
                "junit.xml",
                "report.har",
                "report.html",
                "report.json",
                "report.md"
            ]
        );
    }

    #[test]
    fn write_all_replaces_existing_files_and_reports_io_errors_with_the_path() {
        let tmp = tempfile::tempdir().unwrap();
        let report = fixture::report();
        fs::write(tmp.path().join("report.json"), "old").unwrap();
        write_all(
            &report,
            &[ReportFormat::Json],
            tmp.path(),
            &Redactor::default(),
        )
        .unwrap();
        let json = fs::read_to_string(tmp.path().join("report.json")).unwrap();
        assert!(json.starts_with('{'));

        // A file where the directory should be.
        let blocker = tmp.path().join("blocker");
        fs::write(&blocker, "").unwrap();
        let err = write_all(
            &report,
            &[ReportFormat::Json],
            &blocker.join("sub"),
            &Redactor::default(),
        )
        .unwrap_err();
        assert!(matches!(err, ReportError::Io { .. }), "{err:?}");
        assert!(err.to_string().contains("blocker"), "{err}");
    }

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
