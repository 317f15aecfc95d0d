//! Reading reports written earlier, for `report merge` and `report badge`: where a shard's
//! report is in a directory, which kind of report a file holds (a run's `report.json` or a
//! load run's `load.json`), and the run report itself, refused with the file and position
//! when it is not one this version can read.

use std::path::{Path, PathBuf};

use crate::run_report::{FORMAT_VERSION, RunReport};

/// Which report a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// A conformance run's `report.json`.
    Run,
    /// A load run's `load.json`.
    Load,
}

impl ReportKind {
    /// How messages name it.
    pub fn name(self) -> &'static str {
        match self {
            ReportKind::Run => "run report (report.json)",
            ReportKind::Load => "load report (load.json)",
        }
    }
}

/// Why a report could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file or directory could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A directory holds neither report.
    #[error("{} holds no report.json or load.json (give a report directory or file)", dir.display())]
    NoReport {
        /// The directory.
        dir: PathBuf,
    },
    /// A directory holds both reports: which one is meant is not clear.
    #[error("{} holds both report.json and load.json; name the file to merge", dir.display())]
    Ambiguous {
        /// The directory.
        dir: PathBuf,
    },
    /// Not JSON, or not the shape of a report.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong, with a hint.
        message: String,
    },
    /// A JSON document that is no report of this tool.
    #[error("{}: not a scim-harness report (neither a run's report.json nor a load.json)", path.display())]
    UnknownKind {
        /// The file.
        path: PathBuf,
    },
    /// A run report of another format version.
    #[error(
        "{}: report format {found} cannot be read by this version (it reads format {FORMAT_VERSION}); merge reports written by the same scim-harness version",
        path.display()
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// The file's `format_version`.
        found: u64,
    },
}

/// The report file a path names: the path itself, or the `report.json` / `load.json` in a
/// directory.
pub fn locate(path: &Path) -> Result<PathBuf, ReadError> {
    let meta = std::fs::metadata(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return Ok(path.to_path_buf());
    }
    let run = path.join("report.json");
    let load = path.join("load.json");
    match (run.is_file(), load.is_file()) {
        (true, false) => Ok(run),
        (false, true) => Ok(load),
        (true, true) => Err(ReadError::Ambiguous {
            dir: path.to_path_buf(),
        }),
        (false, false) => Err(ReadError::NoReport {
            dir: path.to_path_buf(),
        }),
    }
}

/// Reads a report file as JSON and says which kind it is.
pub fn read_any(path: &Path) -> Result<(ReportKind, String), ReadError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| malformed(path, &e, "the file is not valid JSON"))?;
    let kind = if value.get("kind").and_then(|k| k.as_str()) == Some("load") {
        ReportKind::Load
    } else if value.get("scenarios").is_some() && value.get("suites").is_some() {
        ReportKind::Run
    } else {
        return Err(ReadError::UnknownKind {
            path: path.to_path_buf(),
        });
    };
    if kind == ReportKind::Run {
        let found = value
            .get("format_version")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        if found != u64::from(FORMAT_VERSION) {
            return Err(ReadError::Version {
                path: path.to_path_buf(),
                found,
            });
        }
    }
    Ok((kind, text))
}

/// Parses a run report's text (from [`read_any`]).
pub fn parse_run_report(path: &Path, text: &str) -> Result<RunReport, ReadError> {
    serde_json::from_str(text).map_err(|e| {
        malformed(
            path,
            &e,
            "the file does not match schemas/report.schema.json; was it edited?",
        )
    })
}

/// Reads a run report (a `report.json`, or a directory holding one).
pub fn read_run_report(path: &Path) -> Result<RunReport, ReadError> {
    let file = locate(path)?;
    match read_any(&file)? {
        (ReportKind::Run, text) => parse_run_report(&file, &text),
        (ReportKind::Load, _) => Err(ReadError::Malformed {
            path: file,
            line: 1,
            column: 1,
            message: "this is a load report; a run's report.json is needed here".into(),
        }),
    }
}

fn malformed(path: &Path, e: &serde_json::Error, hint: &str) -> ReadError {
    ReadError::Malformed {
        path: path.to_path_buf(),
        line: e.line().max(1),
        column: e.column().max(1),
        message: format!("{e} ({hint})"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    #[test]
    fn a_written_report_reads_back_as_the_same_report() {
        let dir = tempfile::tempdir().unwrap();
        let report = fixture::report();
        let text = serde_json::to_string_pretty(&report).unwrap();
        std::fs::write(dir.path().join("report.json"), &text).unwrap();
        let back = read_run_report(dir.path()).unwrap();
        assert_eq!(serde_json::to_string_pretty(&back).unwrap(), text);
    }

    #[test]
    fn bad_files_are_refused_with_their_position_and_kind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        std::fs::write(&path, "{\n  \"scenarios\": [,]\n}").unwrap();
        let err = read_run_report(&path).unwrap_err().to_string();
        assert!(err.contains("report.json:2:"), "{err}");

        std::fs::write(&path, "{\"hello\": 1}").unwrap();
        let err = read_run_report(&path).unwrap_err().to_string();
        assert!(err.contains("not a scim-harness report"), "{err}");

        std::fs::write(
            &path,
            "{\"format_version\": 1, \"scenarios\": [], \"suites\": []}",
        )
        .unwrap();
        let err = read_run_report(&path).unwrap_err().to_string();
        assert!(err.contains("report format 1 cannot be read"), "{err}");

        let version = FORMAT_VERSION;
        std::fs::write(
            &path,
            format!("{{\"format_version\": {version}, \"scenarios\": 3, \"suites\": []}}"),
        )
        .unwrap();
        let err = read_run_report(&path).unwrap_err().to_string();
        assert!(
            err.contains("report.json:1:") && err.contains("was it edited"),
            "{err}"
        );

        let empty = tempfile::tempdir().unwrap();
        let err = read_run_report(empty.path()).unwrap_err().to_string();
        assert!(err.contains("holds no report.json or load.json"), "{err}");

        std::fs::write(dir.path().join("load.json"), "{\"kind\": \"load\"}").unwrap();
        let err = locate(dir.path()).unwrap_err().to_string();
        assert!(err.contains("both report.json and load.json"), "{err}");
        let (kind, _) = read_any(&dir.path().join("load.json")).unwrap();
        assert_eq!(kind, ReportKind::Load);
    }
}
