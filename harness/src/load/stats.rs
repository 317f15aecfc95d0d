//! Counters and HDR histograms, and nothing per request: memory stays constant whatever
//! `--users` is (it grows only with the run's length, one small point per second).
//!
//! One lock guards everything. A record is a few counter bumps and a histogram increment,
//! far below the cost of the HTTP exchange around it, so the lock is never the bottleneck
//! of a 2-core machine.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use super::report::{Latency, OpReport, SecondPoint};

/// What a request was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    /// Pre-create lookup by the matching attribute.
    UserLookup,
    /// POST /Users.
    UserCreate,
    /// Group existence check before a push.
    GroupLookup,
    /// POST /Groups.
    GroupCreate,
    /// A membership update (PATCH, or GET+PUT for Okta AIW).
    GroupMembers,
    /// The read before an update (GET by id or Entra's re-query).
    UserRead,
    /// A profile update (PATCH or PUT).
    UserUpdate,
    /// A deactivation.
    UserDeactivate,
    /// Reads of the end state.
    Verify,
    /// Cleanup.
    Delete,
}

impl Op {
    /// Every operation, in sequence order.
    pub const ALL: [Op; 10] = [
        Op::UserLookup,
        Op::UserCreate,
        Op::GroupLookup,
        Op::GroupCreate,
        Op::GroupMembers,
        Op::UserRead,
        Op::UserUpdate,
        Op::UserDeactivate,
        Op::Verify,
        Op::Delete,
    ];

    /// Name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Op::UserLookup => "user lookup",
            Op::UserCreate => "user create",
            Op::GroupLookup => "group lookup",
            Op::GroupCreate => "group create",
            Op::GroupMembers => "group members",
            Op::UserRead => "user read",
            Op::UserUpdate => "user update",
            Op::UserDeactivate => "user deactivate",
            Op::Verify => "verify",
            Op::Delete => "delete",
        }
    }

    /// Whether the request belongs to the sync itself (not verification or cleanup), and
    /// so counts towards the sync's throughput.
    pub fn is_sync(self) -> bool {
        !matches!(self, Op::Verify | Op::Delete)
    }
}

/// Microseconds, 1 µs to 10 min, 3 significant digits.
pub(crate) fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("constant, valid bounds")
}

/// Per-operation totals.
struct OpStats {
    latency: Histogram<u64>,
    by_status: BTreeMap<u16, u64>,
    transport_errors: u64,
    throttled: u64,
    errors: u64,
}

impl OpStats {
    fn new() -> Self {
        OpStats {
            latency: histogram(),
            by_status: BTreeMap::new(),
            transport_errors: 0,
            throttled: 0,
            errors: 0,
        }
    }
}

/// The second being filled.
struct Current {
    second: u64,
    requests: u64,
    errors: u64,
    throttled: u64,
    latency: Histogram<u64>,
}

struct Inner {
    ops: BTreeMap<Op, OpStats>,
    all: Histogram<u64>,
    series: Vec<SecondPoint>,
    current: Current,
    requests: u64,
    errors: u64,
    throttled: u64,
    ok_responses: u64,
}

/// Shared counters of a run.
pub struct Stats {
    started: Instant,
    inner: Mutex<Inner>,
}

/// How a request ended, for the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A response the sequence expected.
    Ok(u16),
    /// An error response (counted by status).
    Error(u16),
    /// 429 or 503 (retried or given up per the IdP's policy).
    Throttled(u16),
    /// No response at all.
    Transport,
}

/// A live reading for the progress line.
#[derive(Debug, Clone, Copy, Default)]
pub struct Live {
    /// Requests so far.
    pub requests: u64,
    /// Errors so far.
    pub errors: u64,
    /// 429/503 answers so far.
    pub throttled: u64,
    /// p99 so far, in ms.
    pub p99_ms: f64,
    /// Seconds since the start.
    pub elapsed: f64,
}

impl Default for Stats {
    fn default() -> Self {
        Stats::new()
    }
}

impl Stats {
    /// Empty counters; the clock starts now.
    pub fn new() -> Self {
        Stats {
            started: Instant::now(),
            inner: Mutex::new(Inner {
                ops: BTreeMap::new(),
                all: histogram(),
                series: Vec::new(),
                current: Current {
                    second: 0,
                    requests: 0,
                    errors: 0,
                    throttled: 0,
                    latency: histogram(),
                },
                requests: 0,
                errors: 0,
                throttled: 0,
                ok_responses: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Counters stay meaningful after a panic elsewhere.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Time since the run started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Records one request.
    pub fn record(&self, op: Op, outcome: Outcome, latency: Duration) {
        let us = (latency.as_micros() as u64).clamp(1, 600_000_000);
        let second = self.started.elapsed().as_secs();
        let mut g = self.lock();
        let inner = &mut *g;
        if second != inner.current.second {
            roll(inner, second);
        }
        let stats = inner.ops.entry(op).or_insert_with(OpStats::new);
        let _ = stats.latency.record(us);
        inner.requests += 1;
        inner.current.requests += 1;
        let _ = inner.current.latency.record(us);
        if op.is_sync() {
            let _ = inner.all.record(us);
        }
        match outcome {
            Outcome::Ok(status) => {
                *stats.by_status.entry(status).or_default() += 1;
                inner.ok_responses += 1;
            }
            Outcome::Error(status) => {
                *stats.by_status.entry(status).or_default() += 1;
                stats.errors += 1;
                inner.errors += 1;
                inner.current.errors += 1;
                inner.ok_responses += 1;
            }
            Outcome::Throttled(status) => {
                *stats.by_status.entry(status).or_default() += 1;
                stats.throttled += 1;
                inner.throttled += 1;
                inner.current.throttled += 1;
                inner.ok_responses += 1;
            }
            Outcome::Transport => {
                stats.transport_errors += 1;
                stats.errors += 1;
                inner.errors += 1;
                inner.current.errors += 1;
            }
        }
    }

    /// Counts a throttled request that was given up on as an error of its operation.
    pub fn gave_up(&self, op: Op) {
        let mut g = self.lock();
        g.errors += 1;
        g.ops.entry(op).or_insert_with(OpStats::new).errors += 1;
    }

    /// Counts a response the sequence cannot use (2xx without an id, …) as an error.
    pub fn unusable(&self, op: Op) {
        self.gave_up(op);
    }

    /// Progress reading.
    pub fn live(&self) -> Live {
        let g = self.lock();
        Live {
            requests: g.requests,
            errors: g.errors,
            throttled: g.throttled,
            p99_ms: g.all.value_at_quantile(0.99) as f64 / 1000.0,
            elapsed: self.started.elapsed().as_secs_f64(),
        }
    }

    /// Whether any request got an HTTP answer.
    pub fn any_response(&self) -> bool {
        self.lock().ok_responses > 0
    }

    /// Per-operation summaries (operations never used are left out) and the per-second
    /// series, closing the current second. `sync_seconds` is the sync's wall time, for rates.
    pub fn finish(&self) -> (Vec<OpReport>, Vec<SecondPoint>) {
        let mut g = self.lock();
        let inner = &mut *g;
        let now = self.started.elapsed().as_secs() + 1;
        roll(inner, now);
        let elapsed = self.started.elapsed().as_secs_f64().max(1e-6);
        let ops = Op::ALL
            .iter()
            .filter_map(|op| inner.ops.get(op).map(|s| (op, s)))
            .map(|(op, s)| OpReport {
                name: op.name().to_string(),
                count: s.latency.len(),
                errors: s.errors,
                throttled: s.throttled,
                transport_errors: s.transport_errors,
                by_status: s
                    .by_status
                    .iter()
                    .map(|(k, v)| (k.to_string(), *v))
                    .collect(),
                rps: s.latency.len() as f64 / elapsed,
                latency: Latency::of(&s.latency),
                histogram: Latency::buckets(&s.latency),
            })
            .collect();
        (ops, inner.series.clone())
    }
}

/// Closes the current second (empty seconds in between are written as zero points).
fn roll(inner: &mut Inner, to: u64) {
    let c = &mut inner.current;
    if c.requests > 0 || !inner.series.is_empty() {
        let latency = Latency::of(&c.latency);
        inner.series.push(SecondPoint {
            t: c.second,
            requests: c.requests,
            errors: c.errors,
            throttled: c.throttled,
            p50_ms: latency.p50_ms,
            p99_ms: latency.p99_ms,
        });
        for t in (c.second + 1)..to {
            inner.series.push(SecondPoint {
                t,
                ..SecondPoint::default()
            });
        }
    }
    c.second = to;
    c.requests = 0;
    c.errors = 0;
    c.throttled = 0;
    c.latency.reset();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_errors_by_status_and_skips_unused_operations() {
        let s = Stats::new();
        s.record(Op::UserCreate, Outcome::Ok(201), Duration::from_millis(2));
        s.record(
            Op::UserCreate,
            Outcome::Error(409),
            Duration::from_millis(4),
        );
        s.record(
            Op::UserCreate,
            Outcome::Throttled(429),
            Duration::from_millis(1),
        );
        s.record(Op::UserLookup, Outcome::Transport, Duration::from_millis(1));
        let live = s.live();
        assert_eq!((live.requests, live.errors, live.throttled), (4, 2, 1));
        let (ops, series) = s.finish();
        let names: Vec<&str> = ops.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, vec!["user lookup", "user create"]);
        let create = &ops[1];
        assert_eq!(create.count, 3);
        assert_eq!(create.errors, 1);
        assert_eq!(create.by_status.get("409"), Some(&1));
        assert!(create.latency.max_ms >= 3.9, "{:?}", create.latency);
        assert_eq!(ops[0].transport_errors, 1);
        assert_eq!(series.iter().map(|p| p.requests).sum::<u64>(), 4);
    }

    #[test]
    fn memory_does_not_grow_with_requests() {
        let buckets_after = |requests: u64| {
            let s = Stats::new();
            for i in 0..requests {
                s.record(
                    Op::UserLookup,
                    Outcome::Ok(200),
                    Duration::from_micros(100 + i % 5000),
                );
            }
            let (ops, series) = s.finish();
            assert_eq!(ops[0].count, requests);
            assert!(series.len() <= 3, "{}", series.len());
            ops[0].histogram.len()
        };
        // Ten times the requests, the same latencies: the same buckets, nothing per request.
        assert_eq!(buckets_after(5_000), buckets_after(50_000));
    }
}
