//! Load mode: replays an IdP's initial sync at scale — lookups by the matching attribute,
//! creates, group pushes and membership updates in the IdP's batch size and dialect, then an
//! incremental cycle — against a target, with latency percentiles, the IdP's reaction to
//! throttling, a verified sample of the end state, and cleanup of everything it created.
//!
//! Data flow: [`plan`] says what to send (computed from indexes, nothing stored per user),
//! [`sequence`] puts each item's requests in the IdP's order and dialect, [`driver`] sends
//! them through [`wire`] with bounded concurrency, [`throttle`] and an optional token
//! bucket, [`stats`] counts (HDR histograms, a per-second series), then
//! [`verify`] reads a sample back and [`cleanup`] deletes what was created. The result is
//! one [`report::LoadReport`], whose content [`sections`] words once for [`markdown`] and
//! [`html`] (with [`chart`]s) to render, and which [`report::merge`] merges across shards.

pub mod chart;
pub mod cleanup;
mod conn;
pub mod driver;
pub mod html;
pub mod markdown;
pub mod plan;
pub mod report;
pub mod sections;
pub mod sequence;
pub mod stats;
pub mod throttle;
pub mod verify;
pub mod wire;

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use driver::{Ctx, pool};
use plan::{Plan, Shard};
use report::{Created, LOAD_FORMAT_VERSION, LoadReport, Settings, ThrottleReport, Totals};
use sequence::{incremental_user, sync_group, sync_user};
use throttle::Throttle;
use wire::Wire;

use crate::exec::cancel::Cancel;
use crate::simulate::Idp;

/// Limits of the flags (usage errors outside them).
pub mod limits {
    /// `--users` at most.
    pub const MAX_USERS: usize = 10_000_000;
    /// `--concurrency` at most.
    pub const MAX_CONCURRENCY: usize = 1024;
    /// `--rate` at most (requests per second).
    pub const MAX_RATE: u32 = 1_000_000;
}

/// A load run's parameters (already validated).
#[derive(Debug, Clone)]
pub struct LoadSettings {
    /// The IdP replayed.
    pub idp: Idp,
    /// Users of the whole sync (all shards).
    pub users: usize,
    /// Groups of the whole sync.
    pub groups: usize,
    /// Members per group.
    pub members_per_group: usize,
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Requests per second at most.
    pub rate: Option<NonZeroU32>,
    /// No new work after this long (the run still verifies and cleans up).
    pub duration: Option<Duration>,
    /// This runner's part.
    pub shard: Shard,
    /// Fraction of users in the incremental cycle (0 to 1).
    pub incremental: f64,
    /// Users read back at the end.
    pub verify_sample: usize,
    /// Keep what was created.
    pub keep: bool,
    /// Members per membership request.
    pub batch_size: usize,
    /// Failing exchanges kept in full.
    pub keep_failures: usize,
    /// Longest wait for one throttled request.
    pub max_retry_wait: Duration,
    /// Only lookups (benchmarks).
    pub lookups_only: bool,
    /// Run-scoped name prefix.
    pub run_id: String,
}

/// A live view for the progress line.
pub trait LoadProgress: Send + Sync {
    /// A phase begins (`users`, `groups`, `incremental`, `verify`, `cleanup`).
    fn phase(&self, name: &str, expected_requests: u64);
    /// Called about four times a second with the counters.
    fn tick(&self, live: stats::Live);
}

/// No progress shown.
pub struct NoProgress;

impl LoadProgress for NoProgress {
    fn phase(&self, _: &str, _: u64) {}
    fn tick(&self, _: stats::Live) {}
}

/// Runs the sync, verification and cleanup. `target` is the redacted base URL for the
/// report. Never panics on a bad target; the verdict says what happened.
pub async fn run(
    settings: &LoadSettings,
    wire: Wire,
    target: String,
    cancel: Cancel,
    progress: Arc<dyn LoadProgress>,
) -> LoadReport {
    let s = settings;
    let plan = Plan {
        idp: s.idp,
        run_id: s.run_id.clone(),
        users: s.shard.range(s.users),
        groups: s.shard.range(s.groups),
        members_per_group: s.members_per_group,
        batch: s.batch_size,
        incremental_every: if s.incremental <= 0.0 {
            0
        } else {
            (1.0 / s.incremental).round().max(1.0) as usize
        },
        lookups_only: s.lookups_only,
    };
    let ctx = Arc::new(Ctx::new(
        plan.clone(),
        wire,
        Throttle::new(s.idp, s.max_retry_wait),
        s.rate,
        cancel.clone(),
        s.duration,
        s.keep_failures,
    ));
    let ticker = {
        let (ctx, progress) = (Arc::clone(&ctx), Arc::clone(&progress));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                progress.tick(ctx.stats.live());
            }
        })
    };

    progress.phase("users", plan.expected_requests());
    pool(&ctx, plan.users.clone(), s.concurrency, true, sync_user).await;
    if plan.pushes_groups() && !ctx.halted() {
        progress.phase("groups", plan.expected_requests());
        pool(&ctx, plan.groups.clone(), s.concurrency, true, sync_group).await;
    }
    if !plan.lookups_only && !ctx.halted() {
        progress.phase("incremental", plan.expected_requests());
        pool(
            &ctx,
            0..plan.incremental_count(),
            s.concurrency,
            true,
            incremental_user,
        )
        .await;
    }
    let sync_elapsed = ctx.stats.elapsed();
    let interrupted = cancel.reason();

    let verification = if interrupted.is_none() && !plan.lookups_only {
        progress.phase("verify", 0);
        verify::verify(&ctx, s.verify_sample, s.concurrency).await
    } else {
        report::Verification::default()
    };
    let cleanup = if s.keep {
        report::CleanupReport {
            kept: true,
            ..report::CleanupReport::default()
        }
    } else {
        progress.phase("cleanup", 0);
        cleanup::clean(&ctx, s.concurrency.min(64)).await
    };
    ticker.abort();
    progress.tick(ctx.stats.live());

    let (operations, series) = ctx.stats.finish();
    let sync_ms = sync_elapsed.as_secs_f64() * 1000.0;
    let totals = totals(&operations, sync_ms);
    let t = ctx.throttle.totals();
    let stretch = match ctx.throttle.policy() {
        throttle::Policy::PauseAll => t.paused,
        // Waits of concurrent requests overlap: spread over the workers.
        _ => t.waited / u32::try_from(s.concurrency.max(1)).unwrap_or(u32::MAX),
    };
    let ms = |d: Duration| (d.as_secs_f64() * 1_000_000.0).round() / 1000.0;
    let users_created = ctx.user_ids.iter().filter(|c| c.get().is_some()).count() as u64;
    let groups_created = ctx.group_ids.iter().filter(|c| c.get().is_some()).count() as u64;
    let mut report = LoadReport {
        format_version: LOAD_FORMAT_VERSION,
        kind: "load".into(),
        idp: s.idp.name().into(),
        target,
        shards: vec![s.shard.to_string()],
        settings: Settings {
            users: s.users,
            groups: if plan.pushes_groups() || s.lookups_only {
                s.groups
            } else {
                0
            },
            members_per_group: s.members_per_group,
            concurrency: s.concurrency,
            rate: s.rate.map(NonZeroU32::get),
            batch_size: s.batch_size,
            incremental: s.incremental,
            lookups_only: s.lookups_only,
        },
        verdict: String::new(),
        stopped: interrupted.clone().or_else(|| {
            ctx.duration_reached()
                .then(|| "--duration reached: the sync stopped before it finished".to_string())
        }),
        sync_ms: (sync_ms * 1000.0).round() / 1000.0,
        total_ms: ms(ctx.stats.elapsed()),
        totals,
        operations,
        series,
        throttle: ThrottleReport {
            policy: ctx.throttle.policy().describe().into(),
            responses_429: t.r429,
            responses_503: t.r503,
            retries: t.retries,
            gave_up: t.gave_up,
            waited_ms: ms(t.waited),
            paused_ms: ms(t.paused),
            stretch_ms: ms(stretch),
        },
        created: Created {
            users: users_created,
            groups: groups_created,
            preexisting_untouched: ctx.preexisting.load(std::sync::atomic::Ordering::Relaxed),
        },
        verification,
        cleanup,
        failures: ctx.failures(),
    };
    report.verdict = if interrupted.is_some() {
        "interrupted".into()
    } else if !ctx.stats.any_response()
        && ctx.unreachable.load(std::sync::atomic::Ordering::Relaxed) > 0
    {
        "unreachable".into()
    } else {
        report.judge().into()
    };
    report
}

/// [`run`] on a runtime of its own with `threads` worker threads (1: a current-thread
/// runtime), so the client's scheduling does not compete with an embedded server's, and a
/// single-threaded client needs no cross-thread wake-ups. Errors only if the runtime or its
/// thread cannot start.
pub async fn run_on_own_runtime(
    settings: LoadSettings,
    wire: Wire,
    target: String,
    cancel: Cancel,
    progress: Arc<dyn LoadProgress>,
    threads: usize,
) -> Result<LoadReport, String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let runtime = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    }
    .map_err(|e| format!("cannot start the load runtime: {e}"))?;
    std::thread::Builder::new()
        .name("load".into())
        .spawn(move || {
            let report = runtime.block_on(run(&settings, wire, target, cancel, progress));
            let _ = tx.send(report);
        })
        .map_err(|e| format!("cannot start the load thread: {e}"))?;
    rx.await
        .map_err(|_| "the load thread stopped without a report".to_string())
}

/// Sync totals from the per-operation figures.
fn totals(ops: &[report::OpReport], sync_ms: f64) -> Totals {
    let sync: Vec<&report::OpReport> = ops
        .iter()
        .filter(|o| !matches!(o.name.as_str(), "verify" | "delete"))
        .collect();
    let mut h = stats::histogram();
    for o in &sync {
        let _ = h.add(report::Latency::histogram_of(&o.histogram));
    }
    let requests = sync.iter().map(|o| o.count).sum::<u64>();
    Totals {
        requests,
        errors: sync.iter().map(|o| o.errors).sum(),
        throttled: sync.iter().map(|o| o.throttled).sum(),
        rps: ((requests as f64 / (sync_ms / 1000.0).max(1e-6)) * 10.0).round() / 10.0,
        latency: report::Latency::of(&h),
    }
}

/// Writes `load.json`, `load.md` and `load.html` into `dir`, each redacted by `redactor` as
/// it leaves the process; returns their paths.
pub fn write_reports(
    report: &LoadReport,
    dir: &Path,
    redactor: &crate::exec::redact::Redactor,
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let json = serde_json::to_string_pretty(report).map_err(std::io::Error::other)?;
    let files = [
        ("load.json", json + "\n"),
        ("load.md", markdown::render(report)),
        ("load.html", html::render(report)),
    ];
    let mut paths = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, redactor.redact(&text))?;
        paths.push(path);
    }
    Ok(paths)
}
