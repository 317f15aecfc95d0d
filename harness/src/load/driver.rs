//! Drives the sequence: a bounded [`pool`] of workers pulls user (then group, then
//! incremental) indexes from a counter, each sending that item's requests in the IdP's
//! order ([`super::sequence`]). Every
//! request goes through [`Ctx::exchange`]: the job-wide pause and the `--rate` token bucket,
//! the send, the counters, the IdP's reaction to 429/503, and the record of the first
//! failing exchanges.
//!
//! Per user only the id the target gave is kept (needed for memberships and cleanup) and
//! one byte of flags; everything else is counters.

use std::future::Future;
use std::num::NonZeroU32;
use std::ops::Range;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use super::plan::Plan;
use super::report::FailedExchange;
use super::stats::{Op, Outcome, Stats};
use super::throttle::{Decision, Throttle, parse_retry_after};
use super::wire::{LoadRequest, Reply, Wire};
use crate::exec::cancel::Cancel;

/// Largest request or response body kept in a failure record.
const RECORD_BODY: usize = 4096;

/// User flag: the incremental update was accepted.
pub const UPDATED: u8 = 1;
/// User flag: the deactivation was accepted.
pub const DEACTIVATED: u8 = 2;

/// Everything the workers share.
pub struct Ctx {
    /// What to send.
    pub plan: Plan,
    /// How to send it.
    pub wire: Wire,
    /// Counters.
    pub stats: Stats,
    /// The IdP's throttle behaviour.
    pub throttle: Throttle,
    limiter: Option<DefaultDirectRateLimiter>,
    /// Ctrl-C and `--deadline`.
    pub cancel: Cancel,
    /// `--duration`: no new work after this instant.
    pub stop_at: Option<Instant>,
    /// Ids of this shard's users, by local index (set once, by the create).
    pub user_ids: Vec<OnceLock<Box<str>>>,
    /// Flags of this shard's users.
    pub user_flags: Vec<AtomicU8>,
    /// Ids of this shard's groups.
    pub group_ids: Vec<OnceLock<Box<str>>>,
    /// Groups whose members were all pushed.
    pub group_done: Vec<AtomicU8>,
    /// Lookups that found something: never touched.
    pub preexisting: AtomicU64,
    /// Requests nothing answered because the target was unreachable.
    pub unreachable: AtomicU64,
    failures: Mutex<Vec<FailedExchange>>,
    keep_failures: usize,
    duration_hit: AtomicU8,
}

impl Ctx {
    /// A context for `plan`.
    pub fn new(
        plan: Plan,
        wire: Wire,
        throttle: Throttle,
        rate: Option<NonZeroU32>,
        cancel: Cancel,
        duration: Option<Duration>,
        keep_failures: usize,
    ) -> Self {
        let users = plan.users.len();
        let groups = if plan.pushes_groups() {
            plan.groups.len()
        } else {
            0
        };
        Ctx {
            limiter: rate.map(|r| RateLimiter::direct(Quota::per_second(r))),
            user_ids: (0..users).map(|_| OnceLock::new()).collect(),
            user_flags: (0..users).map(|_| AtomicU8::new(0)).collect(),
            group_ids: (0..groups).map(|_| OnceLock::new()).collect(),
            group_done: (0..groups).map(|_| AtomicU8::new(0)).collect(),
            preexisting: AtomicU64::new(0),
            unreachable: AtomicU64::new(0),
            failures: Mutex::new(Vec::new()),
            keep_failures,
            stop_at: duration.map(|d| Instant::now() + d),
            duration_hit: AtomicU8::new(0),
            plan,
            wire,
            stats: Stats::new(),
            throttle,
            cancel,
        }
    }

    /// Whether new sync work must not start (Ctrl-C, `--deadline`, `--duration`).
    pub fn halted(&self) -> bool {
        if self.cancel.reason().is_some() {
            return true;
        }
        if self.stop_at.is_some_and(|t| Instant::now() >= t) {
            self.duration_hit.store(1, Ordering::Relaxed);
            return true;
        }
        false
    }

    /// Whether `--duration` ended the sync early.
    pub fn duration_reached(&self) -> bool {
        self.duration_hit.load(Ordering::Relaxed) == 1
    }

    /// The first failing exchanges, in the order they failed.
    pub fn failures(&self) -> Vec<FailedExchange> {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The id of global user `i`, if this run created it.
    pub fn user_id(&self, i: usize) -> Option<&str> {
        self.user_ids
            .get(i - self.plan.users.start)
            .and_then(|c| c.get())
            .map(|b| &**b)
    }

    /// The flags of global user `i`.
    pub fn user_flags(&self, i: usize) -> u8 {
        self.user_flags[i - self.plan.users.start].load(Ordering::Relaxed)
    }

    pub(super) fn set_flag(&self, i: usize, flag: u8) {
        self.user_flags[i - self.plan.users.start].fetch_or(flag, Ordering::Relaxed);
    }

    /// The id of global group `g`, if this run created it.
    pub fn group_id(&self, g: usize) -> Option<&str> {
        self.group_ids
            .get(g - self.plan.groups.start)
            .and_then(|c| c.get())
            .map(|b| &**b)
    }

    /// Waits `d`, or less if the run is cancelled (only for sync requests).
    async fn sleep(&self, d: Duration, cancellable: bool) {
        if d.is_zero() {
            return;
        }
        if cancellable {
            tokio::select! {
                () = tokio::time::sleep(d) => {}
                () = self.cancel.cancelled() => {}
            }
        } else {
            tokio::time::sleep(d).await;
        }
    }

    /// Sends `req` for `op` until it gets an answer `ok` accepts, the IdP gives up on
    /// throttling, or it fails. Returns the accepted answer.
    pub async fn exchange(&self, op: Op, req: &LoadRequest, ok: fn(u16) -> bool) -> Option<Reply> {
        let cancellable = op.is_sync();
        let mut attempt = 1;
        loop {
            if cancellable && self.cancel.reason().is_some() {
                return None;
            }
            self.sleep(self.throttle.pause_left(), cancellable).await;
            if let Some(limiter) = &self.limiter {
                if cancellable {
                    tokio::select! {
                        () = limiter.until_ready() => {}
                        () = self.cancel.cancelled() => return None,
                    }
                } else {
                    limiter.until_ready().await;
                }
            }
            let started = Instant::now();
            let result = self.wire.send(req).await;
            let latency = started.elapsed();
            let reply = match result {
                Err(e) => {
                    self.stats.record(op, Outcome::Transport, latency);
                    if e.unreachable {
                        self.unreachable.fetch_add(1, Ordering::Relaxed);
                    }
                    self.record(op, req, None, Some(e.detail), self.plan.idp.on_failure());
                    return None;
                }
                Ok(r) => r,
            };
            let status = reply.status;
            if status == 429 || status == 503 {
                self.stats.record(op, Outcome::Throttled(status), latency);
                let retry_after = reply.header("retry-after").and_then(parse_retry_after);
                match self.throttle.on_throttled(status, retry_after, attempt) {
                    Decision::Retry(wait) => {
                        attempt += 1;
                        if self.throttle.policy() != super::throttle::Policy::PauseAll {
                            self.sleep(wait, cancellable).await;
                        }
                        continue;
                    }
                    Decision::GiveUp => {
                        self.stats.gave_up(op);
                        self.record(
                            op,
                            req,
                            Some(&reply),
                            Some(format!(
                                "still throttled after {} retries; given up",
                                super::throttle::MAX_RETRIES
                            )),
                            self.plan.idp.on_failure(),
                        );
                        return None;
                    }
                }
            }
            if ok(status) {
                self.stats.record(op, Outcome::Ok(status), latency);
                return Some(reply);
            }
            self.stats.record(op, Outcome::Error(status), latency);
            self.record(op, req, Some(&reply), None, self.plan.idp.on_failure());
            return None;
        }
    }

    /// An accepted answer the sequence cannot use: counted as an error and recorded.
    pub fn unusable(&self, op: Op, req: &LoadRequest, reply: &Reply, why: &str) {
        self.stats.unusable(op);
        self.record(
            op,
            req,
            Some(reply),
            Some(why.to_string()),
            self.plan.idp.on_failure(),
        );
    }

    fn record(
        &self,
        op: Op,
        req: &LoadRequest,
        reply: Option<&Reply>,
        error: Option<String>,
        idp_would: &str,
    ) {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if failures.len() >= self.keep_failures {
            return;
        }
        let redact = |s: &str| self.wire.exec().redact(s);
        let cut = |b: &[u8]| {
            let text = String::from_utf8_lossy(&b[..b.len().min(RECORD_BODY)]).into_owned();
            let text = redact(&text);
            if b.len() > RECORD_BODY {
                format!("{text}… ({} bytes in all)", b.len())
            } else {
                text
            }
        };
        failures.push(FailedExchange {
            operation: op.name().to_string(),
            request: format!("{} {}", req.method, redact(&self.wire.url(req))),
            request_headers: self.wire.recorded_headers(req),
            request_body: req.body.as_deref().map(cut),
            status: reply.map(|r| r.status),
            response_headers: reply
                .map(|r| {
                    r.headers
                        .iter()
                        .map(|(k, v)| {
                            (
                                k.as_str().to_string(),
                                redact(&String::from_utf8_lossy(v.as_bytes())),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            response_body: reply.filter(|r| !r.body.is_empty()).map(|r| cut(&r.body)),
            error: error.map(|e| redact(&e)),
            idp_would: idp_would.to_string(),
        });
    }
}

/// Runs `work(ctx, i)` for every `i` in `items` with at most `concurrency` at once. With
/// `stop_on_halt`, no new item starts once the run is halted (items in flight finish, so
/// a create whose answer arrives is always registered).
pub async fn pool<F, Fut>(
    ctx: &Arc<Ctx>,
    items: Range<usize>,
    concurrency: usize,
    stop_on_halt: bool,
    work: F,
) where
    F: Fn(Arc<Ctx>, usize) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let next = Arc::new(AtomicUsize::new(items.start));
    let end = items.end;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..concurrency.clamp(1, items.len().max(1)) {
        let (ctx, next, work) = (Arc::clone(ctx), Arc::clone(&next), work.clone());
        set.spawn(async move {
            loop {
                if stop_on_halt && ctx.halted() {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= end {
                    break;
                }
                work(Arc::clone(&ctx), i).await;
            }
        });
    }
    while set.join_next().await.is_some() {}
}
