//! `--report bundle`: one archive a vendor can attach to an IdP marketplace submission or a
//! customer's security review — `report-bundle.tar.gz` holding the HTML, JSON, JUnit and HAR
//! reports exactly as `run` writes them (redacted) and a `manifest.json` that names what was
//! tested and with what: tool version, SHA-256 of the scenario set and of the requirement
//! catalog, the target URL (never credentials: a URL with any is refused before the run),
//! the run's date, the per-suite verdicts, and each file with its size and SHA-256.
//!
//! The archive is reproducible: entries in a fixed order, each dated at the run's start,
//! owned by nobody in particular, mode 0644.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;

use super::{ReportError, ReportFormat};
use crate::digest::sha256_hex;
use crate::exec::redact::Redactor;
use crate::run_report::{RunReport, SuiteOutcome, Verdict};

/// The reports a bundle holds, in archive order (the manifest comes last).
pub const MEMBERS: [ReportFormat; 4] = [
    ReportFormat::Html,
    ReportFormat::Json,
    ReportFormat::Junit,
    ReportFormat::Har,
];

/// Version of `manifest.json`'s format.
pub const MANIFEST_VERSION: u32 = 1;

/// `manifest.json`.
#[derive(Debug, Serialize)]
struct Manifest<'a> {
    manifest_version: u32,
    tool: String,
    /// When the run started (RFC 3339, UTC).
    date: &'a str,
    target: &'a str,
    target_kind: crate::run_report::TargetKind,
    verdict: Verdict,
    scenario_set: Digested,
    catalog: Digested,
    partition: Option<&'a str>,
    suites: Vec<SuiteLine<'a>>,
    files: Vec<FileLine>,
}

/// What a digest covers: how many items, and the SHA-256.
#[derive(Debug, Serialize)]
struct Digested {
    count: u32,
    sha256: String,
}

#[derive(Debug, Serialize)]
struct SuiteLine<'a> {
    id: &'a str,
    title: &'a str,
    outcome: SuiteOutcome,
    findings: u32,
    warnings: u32,
    gating: bool,
}

#[derive(Debug, Serialize)]
struct FileLine {
    name: &'static str,
    bytes: u64,
    sha256: String,
}

/// The bundle's bytes; `member` renders one report file as it would be written.
pub(super) fn render(
    report: &RunReport,
    redactor: &Redactor,
    member: impl Fn(ReportFormat) -> Result<Vec<u8>, ReportError>,
) -> Result<Vec<u8>, ReportError> {
    let mut files = Vec::new();
    for format in MEMBERS {
        files.push((format.file_name(), member(format)?));
    }
    let catalog = crate::catalog::Catalog::embedded();
    let manifest = Manifest {
        manifest_version: MANIFEST_VERSION,
        tool: format!("{} {}", report.tool.name, report.tool.version),
        date: &report.started_at,
        target: &report.target.base_url,
        target_kind: report.target.kind,
        verdict: report.verdict,
        scenario_set: Digested {
            count: report.scenario_set.count,
            sha256: report.scenario_set.sha256.clone(),
        },
        catalog: Digested {
            count: catalog.all().len() as u32,
            sha256: sha256_hex(crate::catalog::EMBEDDED_SOURCE.as_bytes()),
        },
        partition: report.partition.as_deref(),
        suites: report
            .suites
            .iter()
            .map(|s| SuiteLine {
                id: &s.id,
                title: &s.title,
                outcome: s.outcome,
                findings: s.findings,
                warnings: s.warnings,
                gating: s.gating,
            })
            .collect(),
        files: files
            .iter()
            .map(|(name, bytes)| FileLine {
                name,
                bytes: bytes.len() as u64,
                sha256: sha256_hex(bytes),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&manifest)?;
    text.push('\n');
    let text = super::escape::controls_json(&redactor.redact(&text));
    files.push(("manifest.json", text.into_bytes()));
    archive(&files, epoch_seconds(&report.started_at)).map_err(ReportError::Archive)
}

/// A gzip-compressed tar of `files`, every entry dated `mtime`.
fn archive(files: &[(&str, Vec<u8>)], mtime: u64) -> std::io::Result<Vec<u8>> {
    let mut tar = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    for (name, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(mtime);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, name, bytes.as_slice())?;
    }
    let mut gz = tar.into_inner()?;
    gz.flush()?;
    gz.finish()
}

/// Seconds since the epoch of an RFC 3339 time as the run writes it
/// (`2026-11-28T11:35:53.042Z`); 0 when it cannot be read (or is before the epoch).
fn epoch_seconds(rfc3339: &str) -> u64 {
    rfc3339
        .parse::<jiff::Timestamp>()
        .ok()
        .and_then(|t| u64::try_from(t.as_second()).ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::super::{fixture, write_all};
    use super::*;

    /// The entries of a bundle: name, mtime and content.
    pub(crate) fn unpack(bytes: &[u8]) -> Vec<(String, u64, Vec<u8>)> {
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
        archive
            .entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let name = e.path().unwrap().display().to_string();
                let mtime = e.header().mtime().unwrap();
                let mut content = Vec::new();
                e.read_to_end(&mut content).unwrap();
                (name, mtime, content)
            })
            .collect()
    }

    #[test]
    fn epoch_seconds_inverts_the_run_timestamp() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00.000Z"), 0);
        assert_eq!(epoch_seconds("2026-11-28T11:35:53.042Z"), 1_795_865_753);
        assert_eq!(epoch_seconds("2000-02-29T00:00:01Z"), 951_782_401);
        assert_eq!(epoch_seconds("garbage"), 0);
    }

    #[test]
    fn the_bundle_holds_the_reports_as_written_and_a_manifest_of_their_digests() {
        let tmp = tempfile::tempdir().unwrap();
        let mut report = fixture::report();
        report.scenario_set.count = 3;
        report.scenario_set.sha256 = "ab".repeat(32);
        let redactor = Redactor::default();
        let mut formats = MEMBERS.to_vec();
        formats.push(ReportFormat::Bundle);
        write_all(&report, &formats, tmp.path(), &redactor).unwrap();
        let bundle = std::fs::read(tmp.path().join("report-bundle.tar.gz")).unwrap();
        let entries = unpack(&bundle);
        let names: Vec<&str> = entries.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "report.html",
                "report.json",
                "junit.xml",
                "report.har",
                "manifest.json"
            ]
        );
        let started = epoch_seconds(&report.started_at);
        assert!(started > 0);
        for (name, mtime, content) in &entries[..4] {
            assert_eq!(*mtime, started, "{name}");
            let on_disk = std::fs::read(tmp.path().join(name)).unwrap();
            assert!(
                on_disk == *content,
                "{name} differs from the file run writes"
            );
        }
        let manifest: serde_json::Value = serde_json::from_slice(&entries[4].2).unwrap();
        assert_eq!(manifest["manifest_version"], 1);
        assert_eq!(
            manifest["tool"],
            format!("scim-harness {}", report.tool.version)
        );
        assert_eq!(manifest["date"], report.started_at.as_str());
        assert_eq!(manifest["target"], report.target.base_url.as_str());
        assert_eq!(manifest["scenario_set"]["sha256"], "ab".repeat(32));
        assert_eq!(
            manifest["catalog"]["sha256"],
            sha256_hex(crate::catalog::EMBEDDED_SOURCE.as_bytes())
        );
        assert_eq!(
            manifest["suites"].as_array().unwrap().len(),
            report.suites.len()
        );
        assert_eq!(manifest["suites"][0]["id"], report.suites[0].id.as_str());
        for (i, (name, _, content)) in entries[..4].iter().enumerate() {
            assert_eq!(manifest["files"][i]["name"], name.as_str());
            assert_eq!(manifest["files"][i]["sha256"], sha256_hex(content));
            assert_eq!(manifest["files"][i]["bytes"], content.len() as u64);
        }
        // The same report gives the same archive, byte for byte.
        let again = render(&report, &redactor, |f| {
            super::super::render_file(&report, f, &redactor)
        })
        .unwrap();
        assert!(again == bundle, "the bundle is reproducible");
    }

    #[test]
    fn a_secret_in_the_report_reaches_no_entry_of_the_bundle() {
        let mut report = fixture::report();
        let secret = "bundle-secret-token-9f2";
        report.scenarios[1].steps[0]
            .exchange
            .response
            .as_mut()
            .unwrap()
            .body = Some(format!("{{\"echo\":\"Bearer {secret}\"}}"));
        report.suites[0].title = format!("title {secret}");
        let redactor = Redactor::new([secret]);
        let bytes = super::super::render_file(&report, ReportFormat::Bundle, &redactor).unwrap();
        let entries = unpack(&bytes);
        assert_eq!(entries.len(), 5);
        for (name, _, content) in entries {
            let text = String::from_utf8_lossy(&content);
            assert!(!text.contains(secret), "{name} holds the secret");
        }
    }
}
