//! Report renderers: every format is a pure function of one [`RunReport`](crate::run_report::RunReport).
//!
//! [`render`] turns a report into one format, [`write_all`] writes several formats into a
//! directory atomically, and [`render_summary_with`] is the end-of-run text for a terminal
//! (with the scenario [`Sources`], failures show their source line).

pub mod badge;
mod block;
mod bundle;
mod console;
pub mod escape;
mod har;
mod html;
mod json;
mod junit;
mod markdown;
pub mod merge;
pub mod read;
mod select;
mod sources;
pub mod step_summary;
mod text;

#[cfg(test)]
pub(crate) mod fixture;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

pub use console::{render_summary, render_summary_with};
pub use sources::Sources;

use crate::exec::redact::Redactor;
use crate::run_report::RunReport;

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
    /// `report-bundle.tar.gz`: the HTML, JSON, JUnit and HAR reports and a manifest (tool
    /// version, scenario-set and catalog digests, target, date, suite verdicts, file
    /// digests) in one archive, for an IdP marketplace submission or a security review (not
    /// written unless asked for).
    Bundle,
}

impl ReportFormat {
    /// Every text format, in the order they are written (the bundle packs some of them).
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
            ReportFormat::Bundle => "report-bundle.tar.gz",
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
    /// The bundle is an archive, not text: [`write_all`] writes it.
    #[error("the bundle is an archive, not text; write it with write_all")]
    NotText,
    /// The bundle archive could not be built.
    #[error("cannot build the report bundle: {0}")]
    Archive(std::io::Error),
}

/// Render one format to a String (pure).
pub fn render(report: &RunReport, format: ReportFormat) -> Result<String, ReportError> {
    match format {
        ReportFormat::Json => json::render(report),
        ReportFormat::Junit => junit::render(report),
        ReportFormat::Markdown => Ok(markdown::render(report)),
        ReportFormat::Html => html::render(report),
        ReportFormat::Har => har::render(report),
        ReportFormat::Bundle => Err(ReportError::NotText),
    }
}

/// One format as the bytes of its file: text formats redacted as a whole (HTML and XML
/// escaping may spell a secret differently from the record it came from) and with no control
/// character from the target left raw; the bundle packs those same files.
fn render_file(
    report: &RunReport,
    format: ReportFormat,
    redactor: &Redactor,
) -> Result<Vec<u8>, ReportError> {
    if format == ReportFormat::Bundle {
        return bundle::render(report, redactor, |f| render_file(report, f, redactor));
    }
    let text = redactor.redact(&render(report, format)?);
    // No byte from the target may drive the terminal of whoever reads a report.
    let text = match format {
        ReportFormat::Json | ReportFormat::Har => escape::controls_json(&text),
        _ => escape::controls(&text),
    };
    Ok(text.into_bytes())
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
    let rendered = formats
        .iter()
        .map(|&f| render_file(report, f, redactor).map(|bytes| (f, bytes)))
        .collect::<Result<Vec<_>, _>>()?;
    fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::with_capacity(rendered.len());
    for (format, text) in rendered {
        let path = dir.join(format.file_name());
        write_atomically(&path, &text)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_report::ScenarioStatus;

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
}
