//! The load report (`load.json`), and [`merge`] of the reports of several shards into one.
//!
//! Latency histograms are kept as their non-empty buckets (`[upper µs, count]`), so merged
//! percentiles are exact to the histogram's precision, not averages of percentiles.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use super::stats::histogram;

/// Version of the `load.json` format.
pub const LOAD_FORMAT_VERSION: u32 = 1;

/// A whole load run (or several merged).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LoadReport {
    /// [`LOAD_FORMAT_VERSION`].
    pub format_version: u32,
    /// `kind: load`, so `report merge` can tell this file from a conformance report.
    pub kind: String,
    /// The IdP replayed.
    pub idp: String,
    /// The target's base URL (secrets redacted).
    pub target: String,
    /// The shards this report covers (`["1/1"]` for an unsplit run).
    pub shards: Vec<String>,
    /// What was asked for.
    pub settings: Settings,
    /// `passed`, `failed`, `interrupted` or `unreachable`.
    pub verdict: String,
    /// Why the run stopped early, if it did (`--duration`, `--deadline`, Ctrl-C).
    pub stopped: Option<String>,
    /// Wall time of the sync (lookups to incremental cycle), ms.
    pub sync_ms: f64,
    /// Wall time of the whole run including verification and cleanup, ms.
    pub total_ms: f64,
    /// Sync requests, errors and throughput.
    pub totals: Totals,
    /// Per operation, in sequence order.
    pub operations: Vec<OpReport>,
    /// One point per second of the run.
    pub series: Vec<SecondPoint>,
    /// How the target throttled and what it cost.
    pub throttle: ThrottleReport,
    /// Resources created by this run.
    pub created: Created,
    /// End-state sample.
    pub verification: Verification,
    /// What cleanup did.
    pub cleanup: CleanupReport,
    /// The first failing exchanges in full (secrets redacted).
    pub failures: Vec<FailedExchange>,
}

/// The run's parameters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Settings {
    /// Users of the whole sync (all shards).
    pub users: usize,
    /// Groups of the whole sync.
    pub groups: usize,
    /// Members per group.
    pub members_per_group: usize,
    /// Requests in flight at most (per shard).
    pub concurrency: usize,
    /// `--rate` per shard, requests per second.
    pub rate: Option<u32>,
    /// Members per membership request.
    pub batch_size: usize,
    /// Fraction of users in the incremental cycle.
    pub incremental: f64,
    /// Only lookups were sent.
    pub lookups_only: bool,
}

/// Totals of the sync requests.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Totals {
    /// Requests sent (retries included; verification and cleanup excluded).
    pub requests: u64,
    /// Requests that failed (error status, no answer, unusable answer, given up).
    pub errors: u64,
    /// 429/503 answers.
    pub throttled: u64,
    /// Sync requests per second of sync wall time.
    pub rps: f64,
    /// Latency of all sync requests.
    pub latency: Latency,
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Latency {
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
    /// Slowest.
    pub max_ms: f64,
}

impl Latency {
    /// Percentiles of a µs histogram.
    pub fn of(h: &Histogram<u64>) -> Latency {
        if h.is_empty() {
            return Latency::default();
        }
        let ms = |us: u64| (us as f64 / 1000.0 * 1000.0).round() / 1000.0;
        Latency {
            p50_ms: ms(h.value_at_quantile(0.5)),
            p90_ms: ms(h.value_at_quantile(0.9)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
        }
    }

    /// The histogram's non-empty buckets as `[highest equivalent µs, count]`.
    pub fn buckets(h: &Histogram<u64>) -> Vec<[u64; 2]> {
        h.iter_recorded()
            .map(|v| {
                [
                    h.highest_equivalent(v.value_iterated_to()),
                    v.count_at_value(),
                ]
            })
            .collect()
    }

    /// A histogram from [`Latency::buckets`].
    pub fn histogram_of(buckets: &[[u64; 2]]) -> Histogram<u64> {
        let mut h = histogram();
        for [value, count] in buckets {
            let _ = h.record_n((*value).clamp(1, 600_000_000), *count);
        }
        h
    }
}

/// One operation's figures.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct OpReport {
    /// `user lookup`, `user create`, …
    pub name: String,
    /// Requests sent (retries included).
    pub count: u64,
    /// Failed requests.
    pub errors: u64,
    /// 429/503 answers.
    pub throttled: u64,
    /// Requests with no answer (refused, reset, timed out).
    pub transport_errors: u64,
    /// Answers by status code.
    pub by_status: BTreeMap<String, u64>,
    /// Requests per second of run time.
    pub rps: f64,
    /// Percentiles.
    pub latency: Latency,
    /// The latency histogram's buckets (`[µs, count]`), for merging.
    pub histogram: Vec<[u64; 2]>,
}

/// One second of the run.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SecondPoint {
    /// Seconds since the start.
    pub t: u64,
    /// Requests finished in that second (all operations).
    pub requests: u64,
    /// Of which failed.
    pub errors: u64,
    /// Of which throttled (429/503).
    pub throttled: u64,
    /// Median latency in that second, ms.
    pub p50_ms: f64,
    /// p99 in that second, ms.
    pub p99_ms: f64,
}

/// Throttling: what the target answered, what the IdP policy did, what it cost.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ThrottleReport {
    /// The IdP's behaviour on 429/503, in a sentence (with its source).
    pub policy: String,
    /// 429 answers.
    pub responses_429: u64,
    /// 503 answers.
    pub responses_503: u64,
    /// Requests sent again after a throttle answer.
    pub retries: u64,
    /// Requests given up after the IdP's retry limit.
    pub gave_up: u64,
    /// Sum of the waits of individual requests, ms.
    pub waited_ms: f64,
    /// Wall time during which all requests were paused (IdPs that pause the whole job), ms.
    pub paused_ms: f64,
    /// How much longer the sync took because of throttling (estimate), ms.
    pub stretch_ms: f64,
}

/// What the run created.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Created {
    /// Users created.
    pub users: u64,
    /// Groups created.
    pub groups: u64,
    /// Lookups that found an existing resource: left untouched.
    pub preexisting_untouched: u64,
}

/// The end-state sample.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Verification {
    /// Users read back.
    pub users_checked: u64,
    /// Groups read back.
    pub groups_checked: u64,
    /// Every difference from the state the IdP intends.
    pub mismatches: Vec<Mismatch>,
}

/// One end-state difference.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Mismatch {
    /// `User load-…-u000007@example.test`, `Group load-…-g00002`.
    pub resource: String,
    /// What differs.
    pub problem: String,
    /// What the real IdP would do about it.
    pub idp_would: String,
}

/// Cleanup.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CleanupReport {
    /// `--keep` was given: nothing deleted.
    pub kept: bool,
    /// Resources deleted (or already gone).
    pub deleted: u64,
    /// Resources that could not be deleted.
    pub failed: u64,
    /// The first of them, with the reason.
    pub leaks: Vec<String>,
}

/// A failing exchange, recorded in full with secrets redacted.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FailedExchange {
    /// The operation.
    pub operation: String,
    /// `POST https://…/Users`.
    pub request: String,
    /// Request headers (Authorization redacted).
    pub request_headers: Vec<(String, String)>,
    /// Request body, cut at 4 KiB.
    pub request_body: Option<String>,
    /// Status, if anything answered.
    pub status: Option<u16>,
    /// Response headers.
    pub response_headers: Vec<(String, String)>,
    /// Response body, cut at 4 KiB.
    pub response_body: Option<String>,
    /// Transport error or why the answer is unusable.
    pub error: Option<String>,
    /// What the real IdP would do.
    pub idp_would: String,
}

impl LoadReport {
    /// True when the sync and verification found nothing wrong and nothing leaked.
    pub fn passed(&self) -> bool {
        self.verdict == "passed"
    }

    /// The verdict from the figures (`interrupted`/`unreachable` are set by the caller).
    pub fn judge(&self) -> &'static str {
        if self.totals.errors > 0
            || !self.verification.mismatches.is_empty()
            || self.cleanup.failed > 0
        {
            "failed"
        } else {
            "passed"
        }
    }
}

/// Merges the reports of several shards of one sync (any order). Counters add up,
/// histograms merge bucket by bucket (exact percentiles), per-second series add up by
/// second since each shard's start (a per-second p99 is the worst shard's), and the wall
/// times are the longest shard's, as the shards run side by side.
pub fn merge(reports: &[LoadReport]) -> Result<LoadReport, String> {
    let Some(first) = reports.first() else {
        return Err("nothing to merge: give at least one load.json".into());
    };
    for r in reports {
        if r.kind != "load" {
            return Err(format!(
                "not a load report (kind `{}`); `report merge` merges load.json files",
                r.kind
            ));
        }
        if r.format_version != LOAD_FORMAT_VERSION {
            return Err(format!(
                "load.json format {} is not supported (expected {LOAD_FORMAT_VERSION})",
                r.format_version
            ));
        }
        if r.idp != first.idp {
            return Err(format!(
                "the reports replay different IdPs ({} and {}); merge shards of one sync",
                first.idp, r.idp
            ));
        }
    }
    let mut shards: Vec<String> = reports.iter().flat_map(|r| r.shards.clone()).collect();
    shards.sort();
    if let Some(dup) = shards.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("shard {} appears twice", dup[0]));
    }
    let mut out = LoadReport {
        format_version: LOAD_FORMAT_VERSION,
        kind: "load".into(),
        idp: first.idp.clone(),
        target: first.target.clone(),
        shards,
        settings: Settings {
            concurrency: reports.iter().map(|r| r.settings.concurrency).sum(),
            rate: reports.iter().map(|r| r.settings.rate).sum::<Option<u32>>(),
            ..first.settings.clone()
        },
        sync_ms: reports.iter().map(|r| r.sync_ms).fold(0.0, f64::max),
        total_ms: reports.iter().map(|r| r.total_ms).fold(0.0, f64::max),
        stopped: reports.iter().find_map(|r| r.stopped.clone()),
        throttle: ThrottleReport {
            policy: first.throttle.policy.clone(),
            ..ThrottleReport::default()
        },
        ..LoadReport::default()
    };
    let mut ops: Vec<(String, Histogram<u64>, OpReport)> = Vec::new();
    let mut all = histogram();
    let mut series: BTreeMap<u64, SecondPoint> = BTreeMap::new();
    for r in reports {
        out.totals.requests += r.totals.requests;
        out.totals.errors += r.totals.errors;
        out.totals.throttled += r.totals.throttled;
        for op in &r.operations {
            let h = Latency::histogram_of(&op.histogram);
            if !matches!(op.name.as_str(), "verify" | "delete") {
                let _ = all.add(&h);
            }
            match ops.iter_mut().find(|(n, _, _)| *n == op.name) {
                Some((_, acc, rep)) => {
                    let _ = acc.add(&h);
                    rep.count += op.count;
                    rep.errors += op.errors;
                    rep.throttled += op.throttled;
                    rep.transport_errors += op.transport_errors;
                    for (k, v) in &op.by_status {
                        *rep.by_status.entry(k.clone()).or_default() += v;
                    }
                }
                None => ops.push((op.name.clone(), h, op.clone())),
            }
        }
        for p in &r.series {
            let e = series.entry(p.t).or_insert_with(|| SecondPoint {
                t: p.t,
                ..SecondPoint::default()
            });
            e.requests += p.requests;
            e.errors += p.errors;
            e.throttled += p.throttled;
            e.p50_ms = e.p50_ms.max(p.p50_ms);
            e.p99_ms = e.p99_ms.max(p.p99_ms);
        }
        let t = &r.throttle;
        out.throttle.responses_429 += t.responses_429;
        out.throttle.responses_503 += t.responses_503;
        out.throttle.retries += t.retries;
        out.throttle.gave_up += t.gave_up;
        out.throttle.waited_ms += t.waited_ms;
        out.throttle.paused_ms = out.throttle.paused_ms.max(t.paused_ms);
        out.throttle.stretch_ms = out.throttle.stretch_ms.max(t.stretch_ms);
        out.created.users += r.created.users;
        out.created.groups += r.created.groups;
        out.created.preexisting_untouched += r.created.preexisting_untouched;
        out.verification.users_checked += r.verification.users_checked;
        out.verification.groups_checked += r.verification.groups_checked;
        out.verification
            .mismatches
            .extend(r.verification.mismatches.iter().cloned());
        out.cleanup.kept |= r.cleanup.kept;
        out.cleanup.deleted += r.cleanup.deleted;
        out.cleanup.failed += r.cleanup.failed;
        out.cleanup.leaks.extend(r.cleanup.leaks.iter().cloned());
        out.failures.extend(r.failures.iter().cloned());
    }
    let wall = (out.total_ms / 1000.0).max(1e-6);
    out.operations = ops
        .into_iter()
        .map(|(_, h, mut rep)| {
            rep.latency = Latency::of(&h);
            rep.histogram = Latency::buckets(&h);
            rep.rps = rep.count as f64 / wall;
            rep
        })
        .collect();
    out.totals.latency = Latency::of(&all);
    out.totals.rps = out.totals.requests as f64 / (out.sync_ms / 1000.0).max(1e-6);
    out.series = series.into_values().collect();
    let verdicts: Vec<&str> = reports.iter().map(|r| r.verdict.as_str()).collect();
    out.verdict = if verdicts.contains(&"unreachable") {
        "unreachable".into()
    } else if verdicts.contains(&"interrupted") {
        "interrupted".into()
    } else {
        out.judge().into()
    };
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn shard(k: usize, n: usize, latencies_ms: &[u64], errors: u64) -> LoadReport {
        let mut h = histogram();
        for ms in latencies_ms {
            h.record(ms * 1000).unwrap();
        }
        let op = OpReport {
            name: "user create".into(),
            count: latencies_ms.len() as u64,
            errors,
            by_status: BTreeMap::from([("201".to_string(), latencies_ms.len() as u64)]),
            latency: Latency::of(&h),
            histogram: Latency::buckets(&h),
            ..OpReport::default()
        };
        let mut r = LoadReport {
            format_version: LOAD_FORMAT_VERSION,
            kind: "load".into(),
            idp: "entra".into(),
            shards: vec![format!("{k}/{n}")],
            sync_ms: 1000.0 * k as f64,
            total_ms: 1500.0 * k as f64,
            totals: Totals {
                requests: latencies_ms.len() as u64,
                errors,
                ..Totals::default()
            },
            operations: vec![op],
            series: vec![SecondPoint {
                t: 0,
                requests: latencies_ms.len() as u64,
                ..SecondPoint::default()
            }],
            created: Created {
                users: latencies_ms.len() as u64,
                ..Created::default()
            },
            ..LoadReport::default()
        };
        r.verdict = r.judge().into();
        r
    }

    #[test]
    fn merged_percentiles_come_from_the_merged_histogram() {
        // Shard 1 is fast, shard 2 slow: the merged p50 is neither shard's p50.
        let a = shard(1, 2, &[1; 90], 0);
        let b = shard(2, 2, &[100; 10], 0);
        let m = merge(&[b, a]).unwrap();
        assert_eq!(m.shards, vec!["1/2", "2/2"]);
        assert_eq!(m.totals.requests, 100);
        assert_eq!(m.created.users, 100);
        assert_eq!(m.operations.len(), 1);
        let op = &m.operations[0];
        assert_eq!(op.count, 100);
        assert_eq!(op.by_status["201"], 100);
        assert!((op.latency.p50_ms - 1.0).abs() < 0.01, "{:?}", op.latency);
        assert!((op.latency.p99_ms - 100.0).abs() < 0.2, "{:?}", op.latency);
        assert_eq!(m.series[0].requests, 100);
        assert_eq!(m.sync_ms, 2000.0);
        assert_eq!(m.verdict, "passed");
    }

    #[test]
    fn merge_refuses_mixed_or_repeated_shards_and_keeps_failures() {
        let a = shard(1, 2, &[1], 0);
        assert!(
            merge(&[a.clone(), a.clone()])
                .unwrap_err()
                .contains("twice")
        );
        let mut other = shard(2, 2, &[1], 0);
        other.idp = "okta-oin".into();
        assert!(
            merge(&[a.clone(), other])
                .unwrap_err()
                .contains("different IdPs")
        );
        let mut conformance = shard(2, 2, &[1], 0);
        conformance.kind = String::new();
        assert!(
            merge(&[conformance])
                .unwrap_err()
                .contains("not a load report")
        );
        assert!(merge(&[]).is_err());
        let failed = shard(2, 2, &[1], 1);
        assert_eq!(merge(&[a, failed]).unwrap().verdict, "failed");
    }
}
