//! GitHub Actions step summaries: when `GITHUB_STEP_SUMMARY` names a file, the Markdown
//! report is appended to it, so the run's verdict shows on the workflow's summary page.
//! GitHub refuses a step's summary over 1 MiB, counting what earlier commands of the same
//! step wrote, so the Markdown is cut to what is left of that limit.

use std::io::Write;
use std::path::Path;

use super::markdown::{SUMMARY_LIMIT, render_within};
use super::{ReportError, escape};
use crate::exec::redact::Redactor;
use crate::run_report::RunReport;

/// The environment variable GitHub Actions sets to the step's summary file.
pub const ENV: &str = "GITHUB_STEP_SUMMARY";

/// Appends the Markdown report to the summary file at `path` (created if missing), within
/// what is left of GitHub's 1 MiB, redacted and escaped like every report file; returns the
/// bytes appended.
pub fn append(report: &RunReport, path: &Path, redactor: &Redactor) -> Result<usize, ReportError> {
    let io_err = |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let existing = match std::fs::metadata(path) {
        Ok(m) => usize::try_from(m.len()).unwrap_or(usize::MAX),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
        Err(e) => return Err(io_err(e)),
    };
    // A blank line first, so the report never runs into an earlier command's text.
    let separator = if existing > 0 { "\n" } else { "" };
    let budget = SUMMARY_LIMIT
        .saturating_sub(existing)
        .saturating_sub(separator.len() + 1);
    // Redaction and escaping may lengthen the text: render for less until it fits.
    let mut within = budget;
    let mut markdown = String::new();
    for _ in 0..4 {
        markdown = escape::controls(&redactor.redact(&render_within(report, within)));
        if markdown.len() <= budget {
            break;
        }
        within = within.saturating_sub(markdown.len() - budget);
    }
    if markdown.len() > budget {
        let mut end = budget;
        while !markdown.is_char_boundary(end) {
            end -= 1;
        }
        markdown.truncate(end);
    }
    let mut text = String::from(separator);
    text.push_str(&markdown);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io_err)?;
    file.write_all(text.as_bytes()).map_err(io_err)?;
    Ok(text.len())
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    #[test]
    fn appends_after_what_the_step_wrote_before() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("summary.md");
        std::fs::write(&path, "### Build\nok\n").unwrap();
        let n = append(&fixture::report(), &path, &Redactor::default()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.len(), "### Build\nok\n".len() + n);
        assert!(
            text.starts_with("### Build\nok\n\n## scim-harness: FAILED\n"),
            "{text}"
        );
        assert!(text.ends_with("</details>\n"), "{text}");

        let fresh = tmp.path().join("new.md");
        append(&fixture::report(), &fresh, &Redactor::default()).unwrap();
        assert!(
            std::fs::read_to_string(&fresh)
                .unwrap()
                .starts_with("## scim-harness")
        );
    }

    #[test]
    fn the_whole_file_stays_within_the_limit() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("summary.md");
        let earlier = "x".repeat(SUMMARY_LIMIT - 3000);
        std::fs::write(&path, &earlier).unwrap();
        append(&fixture::report(), &path, &Redactor::default()).unwrap();
        let len = std::fs::metadata(&path).unwrap().len() as usize;
        assert!(len <= SUMMARY_LIMIT, "{len}");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text[earlier.len()..].contains("## scim-harness: FAILED"));
        assert!(
            text.contains(
                "cited requirements is left out to keep this summary within GitHub's size limit"
            ),
            "a cut says so: {}",
            &text[earlier.len()..]
        );
    }

    #[test]
    fn the_summary_is_redacted_and_escaped() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("summary.md");
        let mut report = fixture::report();
        report.scenarios[1].steps[0].checks[0].actual = "s3cr3t-token-x \u{1b}[2J".into();
        append(&report, &path, &Redactor::new(["s3cr3t-token-x"])).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("s3cr3t-token-x"), "{text}");
        assert!(text.contains("[REDACTED]"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
    }

    #[test]
    fn an_unwritable_path_is_an_error_naming_it() {
        let tmp = tempfile::tempdir().unwrap();
        let err = append(&fixture::report(), tmp.path(), &Redactor::default()).unwrap_err();
        assert!(
            err.to_string().contains(&tmp.path().display().to_string()),
            "{err}"
        );
    }
}
