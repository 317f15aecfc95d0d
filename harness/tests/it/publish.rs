//! What a vendor publishes: `--report bundle` (one archive of the reports and a manifest,
//! with nothing secret in it) and `report badge` (an SVG per suite verdict).

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use crate::binary::{harness, harness_async, text};
use crate::support::{BrokenServer, Defect, TOKEN, scenarios_dir};

/// Name and content of every entry of a `.tar.gz`.
fn unpack(path: &Path) -> Vec<(String, Vec<u8>)> {
    let file = std::fs::File::open(path).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = e.path().unwrap().display().to_string();
            let mut content = Vec::new();
            e.read_to_end(&mut content).unwrap();
            (name, content)
        })
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    scim_harness::digest::sha256_hex(bytes)
}

/// A server that echoes the bearer token in every answer: the bundle holds none of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bundle_of_a_run_with_a_token_holds_the_reports_a_manifest_and_no_secret() {
    let server = BrokenServer::start(Defect::EchoToken).await;
    let tmp = tempfile::tempdir().unwrap();
    let out = harness_async(
        vec![
            "run".into(),
            "--target".into(),
            server.url(),
            "--token-env".into(),
            "IT_SCIM_TOKEN".into(),
            "--scenarios".into(),
            scenarios_dir().display().to_string(),
            "--filter".into(),
            "lifecycle".into(),
            "--report".into(),
            "json,bundle".into(),
            "--report-dir".into(),
            "out".into(),
            "--no-progress".into(),
        ],
        tmp.path().to_path_buf(),
        vec![("IT_SCIM_TOKEN".into(), TOKEN.into())],
    )
    .await;
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    let dir = tmp.path().join("out");
    let entries = unpack(&dir.join("report-bundle.tar.gz"));
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
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
    for (name, content) in &entries {
        let text = String::from_utf8_lossy(content);
        assert!(!text.contains(TOKEN), "{name} holds the token");
        assert!(!content.is_empty(), "{name} is empty");
    }
    // The bundled JSON report is the one `run` wrote beside it.
    let on_disk = std::fs::read(dir.join("report.json")).unwrap();
    assert!(
        entries[1].1 == on_disk,
        "report.json differs from the run's"
    );
    let report: Value = serde_json::from_slice(&on_disk).unwrap();

    let manifest: Value = serde_json::from_slice(&entries[4].1).unwrap();
    assert_eq!(
        manifest["tool"],
        format!("scim-harness {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(manifest["target"], server.url().trim_end_matches('/'));
    assert_eq!(manifest["date"], report["started_at"]);
    assert_eq!(manifest["verdict"], report["verdict"]);
    assert_eq!(
        manifest["scenario_set"]["count"],
        report["scenario_set"]["count"]
    );
    assert_eq!(
        manifest["scenario_set"]["sha256"],
        report["scenario_set"]["sha256"]
    );
    // The scenario-set digest is the documented one: over the selected files, by id.
    let mut selected: Vec<(String, String)> = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_string(),
                s["file"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    selected.sort();
    let mut input = Vec::new();
    for (id, file) in &selected {
        let content =
            std::fs::read(tmp.path().join(file)).unwrap_or_else(|_| std::fs::read(file).unwrap());
        input.extend_from_slice(format!("{id}\n{}\n", content.len()).as_bytes());
        input.extend_from_slice(&content);
    }
    assert_eq!(manifest["scenario_set"]["sha256"], sha256_hex(&input));
    assert_eq!(
        manifest["catalog"]["sha256"],
        sha256_hex(scim_harness::catalog::EMBEDDED_SOURCE.as_bytes())
    );
    let suites: Vec<&str> = manifest["suites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["outcome"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = report["suites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(suites, expected);
    for (i, (name, content)) in entries[..4].iter().enumerate() {
        assert_eq!(manifest["files"][i]["name"], name.as_str());
        assert_eq!(manifest["files"][i]["sha256"], sha256_hex(content));
    }
}

#[test]
fn badges_are_written_per_suite_from_a_report() {
    let tmp = tempfile::tempdir().unwrap();
    let scenarios = scenarios_dir().display().to_string();
    let out = harness(
        &[
            "run",
            "--scenarios",
            &scenarios,
            "--filter",
            "user",
            "--defect",
            "deactivation-not-persisted",
            "--report",
            "json",
            "--no-progress",
        ],
        tmp.path(),
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let out = harness(&["report", "badge"], tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("reports/latest/report.json")).unwrap(),
    )
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    for suite in report["suites"].as_array().unwrap() {
        let id = suite["id"].as_str().unwrap();
        let path = tmp
            .path()
            .join(format!("reports/latest/badges/badge-{id}.svg"));
        let svg = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{svg}"
        );
        let findings = suite["findings"].as_u64().unwrap();
        let message = match suite["outcome"].as_str().unwrap() {
            "blockers" if findings == 1 => "1 blocker".to_string(),
            "blockers" => format!("{findings} blockers"),
            "violations" if findings == 1 => "1 violation".to_string(),
            "violations" => format!("{findings} violations"),
            "not_run" => "not run".to_string(),
            other => other.to_string(),
        };
        assert!(svg.contains(&format!(">{message}</text>")), "{id}: {svg}");
        assert!(stdout.contains(&message), "{stdout}");
    }
    // --out elsewhere; a file that is no run report is a usage error.
    let out = harness(
        &[
            "report",
            "badge",
            "--report",
            "reports/latest",
            "--out",
            "b",
        ],
        tmp.path(),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(tmp.path().join("b/badge-rfc.svg").is_file());
    std::fs::write(tmp.path().join("x.json"), "{}").unwrap();
    let out = harness(&["report", "badge", "--report", "x.json"], tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("not a scim-harness report"),
        "{}",
        text(&out)
    );
}
