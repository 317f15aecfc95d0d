//! `run --partition` and `report merge` of run reports: the shards of a selection are
//! disjoint, cover it, and merge into the verdicts of the same selection run at once —
//! checked on the embedded server with a defect, so there are failures to compare.

use std::path::Path;

use serde_json::Value;

use crate::binary::{harness, text};
use crate::support::scenarios_dir;

/// A quick selection spanning the RFC suite and several IdP suites.
const FILTER: &str = "user";
/// A defect several suites catch.
const DEFECT: &str = "deactivation-not-persisted";

fn run(cwd: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let scenarios = scenarios_dir().display().to_string();
    let mut args = vec![
        "run",
        "--scenarios",
        &scenarios,
        "--filter",
        FILTER,
        "--defect",
        DEFECT,
        "--no-progress",
        "--report",
        "json,junit,markdown,html",
    ];
    args.extend_from_slice(extra);
    let out = harness(&args, cwd, &[]);
    (out.status.code(), text(&out))
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `(id, status)` of every scenario, in report order.
fn outcomes(report: &Value) -> Vec<(String, String)> {
    report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_string(),
                s["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_merge_of_every_shard_judges_like_the_whole_run() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let (code, out) = run(cwd, &["--report-dir", "whole"]);
    assert_eq!(code, Some(1), "the defect is caught: {out}");
    let whole = read(&cwd.join("whole/report.json"));
    let mut whole_summary = whole["summary"].clone();
    whole_summary["requests"] = Value::Null;
    assert!(whole["summary"]["findings"].as_u64().unwrap() > 0);
    let failing_suites = whole["suites"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["findings"].as_u64().unwrap() > 0)
        .count();
    assert!(failing_suites >= 2, "{}", whole["suites"]);

    for kind in ["hash", "count"] {
        let mut dirs = Vec::new();
        let mut ids = Vec::new();
        for k in 1..=3 {
            let dir = format!("{kind}-{k}");
            let spec = format!("{kind}:{k}/3");
            let (code, out) = run(cwd, &["--partition", &spec, "--report-dir", &dir]);
            assert!(matches!(code, Some(0 | 1)), "{spec}: {out}");
            assert!(out.contains(&format!("(shard {spec} of ")), "{out}");
            let shard = read(&cwd.join(&dir).join("report.json"));
            assert_eq!(shard["partition"], spec.as_str());
            assert_eq!(shard["scenario_set"], whole["scenario_set"]);
            ids.extend(outcomes(&shard).into_iter().map(|(id, _)| id));
            dirs.push(dir);
        }
        // Disjoint, and together the selection.
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            ids.len(),
            "{kind}: a scenario ran in two shards"
        );
        let mut expected: Vec<String> = outcomes(&whole).into_iter().map(|(id, _)| id).collect();
        expected.sort();
        assert_eq!(sorted, expected, "{kind}: the shards cover the selection");

        // Given in any order, as directories or files.
        let out_dir = format!("merged-{kind}");
        let shard3 = format!("{}/report.json", dirs[2]);
        let summary_file = cwd.join(format!("summary-{kind}.md"));
        let out = harness(
            &[
                "report", "merge", &shard3, &dirs[0], &dirs[1], "--out", &out_dir,
            ],
            cwd,
            &[("GITHUB_STEP_SUMMARY", summary_file.to_str().unwrap())],
        );
        assert_eq!(
            out.status.code(),
            Some(1),
            "{kind}: exits as the whole run: {}",
            text(&out)
        );
        let merged = read(&cwd.join(&out_dir).join("report.json"));
        assert_eq!(outcomes(&merged), outcomes(&whole), "{kind}");
        assert_eq!(merged["suites"], whole["suites"], "{kind}");
        assert_eq!(merged["requirements"], whole["requirements"], "{kind}");
        assert_eq!(merged["verdict"], whole["verdict"], "{kind}");
        assert_eq!(merged["partition"], Value::Null);
        let mut summary = merged["summary"].clone();
        summary["requests"] = Value::Null;
        assert_eq!(summary, whole_summary, "{kind}");
        for file in ["junit.xml", "report.md", "report.html"] {
            assert!(cwd.join(&out_dir).join(file).is_file(), "{kind}: {file}");
        }
        let md = std::fs::read_to_string(cwd.join(&out_dir).join("report.md")).unwrap();
        let whole_md = std::fs::read_to_string(cwd.join("whole/report.md")).unwrap();
        let first_line = |s: &str| s.lines().next().unwrap_or_default().to_string();
        assert_eq!(first_line(&md), first_line(&whole_md));
        // The merge job's step summary is the merged run's.
        let summary = std::fs::read_to_string(&summary_file).unwrap();
        assert_eq!(first_line(&summary), first_line(&whole_md));

        // A missing shard is refused, naming it.
        let out = harness(
            &["report", "merge", &dirs[0], &dirs[2], "--out", "partial"],
            cwd,
            &[],
        );
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(
            text(&out).contains(&format!("{kind}:2/3")),
            "{}",
            text(&out)
        );
        assert!(!cwd.join("partial").exists());
    }

    // Reports of a whole run, or of a load run, are refused with a clear message.
    let out = harness(
        &["report", "merge", "whole", "hash-1", "--out", "bad"],
        cwd,
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("not of a shard"), "{}", text(&out));
    std::fs::create_dir(cwd.join("load")).unwrap();
    std::fs::write(cwd.join("load/load.json"), r#"{"kind": "load"}"#).unwrap();
    let out = harness(
        &["report", "merge", "hash-1", "load", "--out", "bad"],
        cwd,
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("cannot merge a run report (report.json)")
            && text(&out).contains("load report (load.json)"),
        "{}",
        text(&out)
    );
    // A shard of another selection is refused.
    let (_, out) = run(
        cwd,
        &[
            "--partition",
            "hash:1/3",
            "--filter",
            "group",
            "--report-dir",
            "other",
        ],
    );
    assert!(out.contains("shard hash:1/3"), "{out}");
    let out = harness(
        &[
            "report", "merge", "other", "hash-2", "hash-3", "--out", "bad",
        ],
        cwd,
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("different scenario selections"),
        "{}",
        text(&out)
    );
}

#[test]
fn invalid_partitions_are_usage_errors_and_nothing_runs() {
    let tmp = tempfile::tempdir().unwrap();
    for spec in [
        "0/3",
        "hash:0/3",
        "hash:4/3",
        "count:1/0",
        "junk",
        "slice:1/2",
    ] {
        let out = harness(
            &[
                "run",
                "--partition",
                spec,
                "--report-dir",
                "out",
                "--no-progress",
            ],
            tmp.path(),
            &[],
        );
        assert_eq!(out.status.code(), Some(2), "{spec}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--partition"), "{spec}: {err}");
        assert!(!tmp.path().join("out").exists(), "{spec}: nothing ran");
    }
}

#[test]
fn an_empty_shard_passes_and_still_writes_its_report() {
    let tmp = tempfile::tempdir().unwrap();
    let scenarios = scenarios_dir().display().to_string();
    // One scenario in two shards: `count` deals it to shard 1, and shard 2 holds nothing.
    let shard = |k: u32| {
        let spec = format!("count:{k}/2");
        let dir = format!("s{k}");
        let out = harness(
            &[
                "run",
                "--scenarios",
                &scenarios,
                "--filter",
                "core/user-lifecycle",
                "--no-progress",
                "--report",
                "json",
                "--partition",
                &spec,
                "--report-dir",
                &dir,
            ],
            tmp.path(),
            &[],
        );
        assert_eq!(out.status.code(), Some(0), "{spec}: {}", text(&out));
        let r = read(&tmp.path().join(&dir).join("report.json"));
        assert_eq!(r["partition"], spec.as_str());
        assert_eq!(r["scenario_set"]["count"], 1);
        (r, text(&out))
    };
    let (first, _) = shard(1);
    assert_eq!(first["scenarios"][0]["id"], "core/user-lifecycle");
    let (second, out) = shard(2);
    assert_eq!(second["scenarios"], serde_json::json!([]));
    assert!(
        out.contains("shard count:2/2 holds none of the selected scenarios"),
        "{out}"
    );
    // And the two merge into the one scenario's run.
    let out = harness(
        &["report", "merge", "s1", "s2", "--out", "merged"],
        tmp.path(),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let merged = read(&tmp.path().join("merged/report.json"));
    assert_eq!(outcomes(&merged), outcomes(&first));
    assert_eq!(merged["verdict"], "passed");
}
