//! `report merge` of run reports: the shards of one `run --partition` selection become one
//! run report, judged as if the selection had run at once.
//!
//! The shards must be complete (every K of N, once), come from the same scenario selection
//! (same digest), the same target and the same tool version. The scenarios are put back in
//! file order (the order a whole run loads them from one scenario directory), and everything
//! derived from them — the summary, each requirement's verdict, each suite's verdict, the
//! overall verdict — is recomputed as a run computes it, so a control step or harness check
//! failing in two shards still counts once. Requests and throttling add up; the start is the
//! earliest shard's and the duration the longest shard's (shards run side by side).

use std::collections::BTreeSet;
use std::path::Path;

use crate::exec::suite::{SuiteSet, Tally, tally};
use crate::run_report::{
    BaselineOutcome, BaselineStatus, FORMAT_VERSION, RunReport, ScenarioReport, TargetKind, Verdict,
};
use crate::scenario::partition::Partition;

/// One shard's report and how messages name it (its path).
pub struct Shard {
    /// The report file, for messages.
    pub label: String,
    /// Its report.
    pub report: RunReport,
}

/// Merges the shards of one partitioned run. Errors say which shard is wrong and why.
pub fn merge(shards: Vec<Shard>) -> Result<RunReport, String> {
    let Some(first) = shards.first() else {
        return Err("nothing to merge: give the report directories of every shard".into());
    };
    check_partitions(&shards)?;
    for s in &shards[1..] {
        check_same_run(first, s)?;
    }

    let mut scenarios: Vec<ScenarioReport> = Vec::new();
    let mut seen = BTreeSet::new();
    for s in &shards {
        for sc in &s.report.scenarios {
            if !seen.insert(sc.id.clone()) {
                return Err(format!(
                    "scenario {} is in more than one shard ({} among them): these are not shards of one partition",
                    sc.id, s.label
                ));
            }
            scenarios.push(sc.clone());
        }
    }
    let expected = first.report.scenario_set.count as usize;
    if scenarios.len() != expected {
        return Err(format!(
            "the shards hold {} scenario(s) but their selection has {expected}: a shard's report is incomplete",
            scenarios.len()
        ));
    }
    scenarios.sort_by(|a, b| {
        Path::new(&a.file)
            .cmp(Path::new(&b.file))
            .then(a.id.cmp(&b.id))
    });

    let known: Vec<_> = shards
        .iter()
        .flat_map(|s| s.report.suites.iter().cloned())
        .collect();
    let gates: Vec<String> = known
        .iter()
        .filter(|v| v.gating)
        .map(|v| v.id.clone())
        .collect();
    let set = SuiteSet::of_reports(&scenarios, &known);
    let Tally {
        mut summary,
        requirements,
        suites,
        verdict: tallied,
    } = tally(&scenarios, &set, Some(&gates));
    summary.requests = shards.iter().map(|s| s.report.summary.requests).sum();
    let baseline = merge_baseline(&shards)?;
    summary.unexpected_passes = baseline
        .iter()
        .filter(|b| b.status == BaselineStatus::NowPasses)
        .count() as u32;

    // A shard that could not test the target (or was stopped) decides the whole run's verdict.
    let stopped = shards.iter().find(|s| {
        matches!(
            s.report.verdict,
            Verdict::Unreachable | Verdict::NotScim | Verdict::CredentialsRefused
        )
    });
    let (verdict, preflight_error) = match stopped {
        Some(s) => (
            s.report.verdict,
            Some(format!(
                "shard {}: {}",
                s.report.partition.as_deref().unwrap_or("?"),
                s.report
                    .preflight_error
                    .as_deref()
                    .unwrap_or("the target could not be tested")
            )),
        ),
        None if shards
            .iter()
            .any(|s| s.report.verdict == Verdict::Interrupted) =>
        {
            (Verdict::Interrupted, None)
        }
        None => (tallied, None),
    };

    let mut throttling = first.report.throttling.clone();
    for s in &shards[1..] {
        let t = &s.report.throttling;
        throttling.throttled += t.throttled;
        throttling.retries += t.retries;
        throttling.gave_up += t.gave_up;
        throttling.waited_ms += t.waited_ms;
    }
    let mut features = first.report.features.clone();
    for s in &shards[1..] {
        for (name, f) in &s.report.features {
            features.entry(name.clone()).or_insert_with(|| f.clone());
        }
    }
    Ok(RunReport {
        format_version: FORMAT_VERSION,
        tool: first.report.tool.clone(),
        target: first.report.target.clone(),
        scenario_set: first.report.scenario_set.clone(),
        partition: None,
        started_at: shards
            .iter()
            .map(|s| s.report.started_at.clone())
            .min()
            .unwrap_or_default(),
        duration_ms: shards
            .iter()
            .map(|s| s.report.duration_ms)
            .max()
            .unwrap_or_default(),
        verdict,
        suites,
        summary,
        throttling,
        preflight_error,
        scenarios,
        requirements,
        baseline,
        features,
    })
}

/// Every shard is one of the same N, each K once, none missing.
fn check_partitions(shards: &[Shard]) -> Result<(), String> {
    let mut parts: Vec<Partition> = Vec::new();
    for s in shards {
        let Some(spec) = &s.report.partition else {
            return Err(format!(
                "{} is the report of a whole run, not of a shard: merge the reports of `run --partition KIND:K/N` runs",
                s.label
            ));
        };
        let p: Partition = spec.parse().map_err(|e| format!("{}: {e}", s.label))?;
        if let Some(other) = parts.first()
            && (other.kind != p.kind || other.total != p.total)
        {
            return Err(format!(
                "{} is shard {p}, but the first report is shard {other}: merge the shards of one partition",
                s.label
            ));
        }
        if parts.iter().any(|q| q.shard == p.shard) {
            return Err(format!("shard {p} is given twice (again as {})", s.label));
        }
        parts.push(p);
    }
    if let Some(p) = parts.first() {
        let missing: Vec<String> = (1..=p.total)
            .filter(|k| !parts.iter().any(|q| q.shard == *k))
            .map(|k| Partition { shard: k, ..*p }.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "shard(s) {} missing: a merge needs every shard, or it would judge part of the selection",
                missing.join(", ")
            ));
        }
    }
    Ok(())
}

/// Same tool version, scenario selection and target.
fn check_same_run(first: &Shard, other: &Shard) -> Result<(), String> {
    let (a, b) = (&first.report, &other.report);
    if a.tool.version != b.tool.version {
        return Err(format!(
            "{} was written by scim-harness {} and {} by {}: merge shards run by one version",
            first.label, a.tool.version, other.label, b.tool.version
        ));
    }
    if a.scenario_set != b.scenario_set {
        return Err(format!(
            "{} and {} ran different scenario selections ({} scenario(s), sha256 {}… and {} scenario(s), sha256 {}…): every shard must select the same scenario files with the same --scenarios/--tag/--filter/--idp",
            first.label,
            other.label,
            a.scenario_set.count,
            short(&a.scenario_set.sha256),
            b.scenario_set.count,
            short(&b.scenario_set.sha256)
        ));
    }
    // The embedded server listens on a new port every run: only its kind must match.
    let same_target = a.target.kind == b.target.kind
        && (a.target.kind == TargetKind::Embedded || a.target.base_url == b.target.base_url);
    if !same_target {
        return Err(format!(
            "{} tested {} and {} tested {}: merge shards of one target",
            first.label,
            describe(a),
            other.label,
            describe(b)
        ));
    }
    Ok(())
}

fn describe(r: &RunReport) -> String {
    match r.target.kind {
        TargetKind::Embedded => "the embedded reference server".into(),
        TargetKind::External => r.target.base_url.clone(),
    }
}

fn short(digest: &str) -> &str {
    digest.get(..12).unwrap_or(digest)
}

/// Each baseline entry's outcome over all shards: failing in one shard is failing; passing
/// in the shard that ran it is passing; not reached only when no shard reached it.
fn merge_baseline(shards: &[Shard]) -> Result<Vec<BaselineOutcome>, String> {
    let Some(first) = shards.first() else {
        return Ok(Vec::new());
    };
    let key = |b: &BaselineOutcome| (b.scenario.clone(), b.step.clone(), b.req.clone());
    let mut out = first.report.baseline.clone();
    for s in &shards[1..] {
        let same = s.report.baseline.len() == out.len()
            && s.report
                .baseline
                .iter()
                .zip(&out)
                .all(|(a, b)| key(a) == key(b));
        if !same {
            return Err(format!(
                "{} and {} ran with different --baseline files",
                first.label, s.label
            ));
        }
        for (merged, b) in out.iter_mut().zip(&s.report.baseline) {
            merged.status = match (merged.status, b.status) {
                (BaselineStatus::StillFailing, _) | (_, BaselineStatus::StillFailing) => {
                    BaselineStatus::StillFailing
                }
                (BaselineStatus::NowPasses, _) | (_, BaselineStatus::NowPasses) => {
                    BaselineStatus::NowPasses
                }
                _ => BaselineStatus::NotReached,
            };
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;
    use crate::run_report::{ScenarioStatus, SuiteOutcome};

    /// The fixture's scenarios dealt into `n` shards by `count`, as `run --partition` would.
    fn shards_of(report: &RunReport, n: u32) -> Vec<Shard> {
        (1..=n)
            .map(|k| {
                let p = Partition {
                    kind: crate::scenario::partition::PartitionKind::Count,
                    shard: k,
                    total: n,
                };
                let scenarios = p.select(report.scenarios.clone(), |s| s.id.as_str());
                let set = SuiteSet::of_reports(&scenarios, &report.suites);
                let gates: Vec<String> = report
                    .suites
                    .iter()
                    .filter(|s| s.gating)
                    .map(|s| s.id.clone())
                    .collect();
                let t = tally(&scenarios, &set, Some(&gates));
                let mut r = report.clone();
                r.partition = Some(p.to_string());
                r.scenarios = scenarios;
                r.suites = t.suites;
                r.summary = t.summary;
                r.requirements = t.requirements;
                r.verdict = t.verdict;
                r.summary.requests = 10;
                r.duration_ms = 100 * u64::from(k);
                Shard {
                    label: format!("shard-{k}/report.json"),
                    report: r,
                }
            })
            .collect()
    }

    fn whole() -> RunReport {
        let mut r = fixture::report();
        r.scenario_set.count = r.scenarios.len() as u32;
        r
    }

    #[test]
    fn merging_every_shard_gives_the_whole_runs_verdicts() {
        let whole = whole();
        let set = SuiteSet::of_reports(&whole.scenarios, &whole.suites);
        let gates: Vec<String> = whole
            .suites
            .iter()
            .filter(|s| s.gating)
            .map(|s| s.id.clone())
            .collect();
        let expected = tally(&whole.scenarios, &set, Some(&gates));
        let merged = merge(shards_of(&whole, 3)).unwrap();
        assert_eq!(merged.partition, None);
        assert_eq!(merged.suites, expected.suites);
        assert_eq!(merged.requirements, expected.requirements);
        assert_eq!(merged.verdict, expected.verdict);
        assert_eq!(merged.summary.findings, expected.summary.findings);
        assert_eq!(merged.summary.requests, 30);
        assert_eq!(merged.duration_ms, 300, "the longest shard");
        let statuses = |r: &RunReport| -> Vec<(String, ScenarioStatus)> {
            let mut v: Vec<_> = r
                .scenarios
                .iter()
                .map(|s| (s.id.clone(), s.status))
                .collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        };
        assert_eq!(statuses(&merged), statuses(&whole));
        assert!(
            merged
                .suites
                .iter()
                .any(|s| s.outcome != SuiteOutcome::NotRun)
        );
    }

    #[test]
    fn incomplete_duplicated_or_foreign_shards_are_refused() {
        let whole = whole();
        let mut shards = shards_of(&whole, 3);
        shards.remove(1);
        let err = merge(shards).unwrap_err();
        assert!(
            err.contains("count:2/3") && err.contains("missing"),
            "{err}"
        );

        let mut shards = shards_of(&whole, 3);
        let again = shards_of(&whole, 3).remove(0);
        shards.push(again);
        let err = merge(shards).unwrap_err();
        assert!(err.contains("count:1/3 is given twice"), "{err}");

        let mut shards = shards_of(&whole, 2);
        shards[1].report.scenario_set.sha256 = "0123456789abcdef".into();
        let err = merge(shards).unwrap_err();
        assert!(err.contains("different scenario selections"), "{err}");

        let mut shards = shards_of(&whole, 2);
        for s in &mut shards {
            s.report.target.kind = TargetKind::External;
        }
        shards[1].report.target.base_url = "https://other.example/scim/v2".into();
        let err = merge(shards).unwrap_err();
        assert!(err.contains("merge shards of one target"), "{err}");

        let mut shards = shards_of(&whole, 2);
        shards[0].report.partition = None;
        let err = merge(shards).unwrap_err();
        assert!(err.contains("not of a shard"), "{err}");

        let mut shards = shards_of(&whole, 2);
        shards[1].report.partition = Some("hash:2/2".into());
        let err = merge(shards).unwrap_err();
        assert!(err.contains("one partition"), "{err}");
    }
}
