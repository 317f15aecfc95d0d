//! Deletes what the run created — groups first, then users — in bounded parallel batches
//! (at most `concurrency` DELETEs in flight), also after Ctrl-C, `--deadline` or
//! `--duration`. Only ids the target returned for this run's own creates are deleted:
//! resources a lookup found already there are never touched.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::driver::{Ctx, pool};
use super::report::CleanupReport;
use super::stats::Op;
use super::wire::LoadRequest;

/// Leaks listed in full at most.
const LEAKS_LISTED: usize = 20;

/// Deletes every group and user this run created.
pub async fn clean(ctx: &Arc<Ctx>, concurrency: usize) -> CleanupReport {
    let plan = &ctx.plan;
    let deleted = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let leaks = Arc::new(Mutex::new(Vec::new()));
    for kind in ["Groups", "Users"] {
        let range = if kind == "Groups" {
            plan.groups.start..plan.groups.start + ctx.group_ids.len()
        } else {
            plan.users.clone()
        };
        let (deleted, failed, leaks) = (
            Arc::clone(&deleted),
            Arc::clone(&failed),
            Arc::clone(&leaks),
        );
        pool(ctx, range, concurrency, false, move |ctx, i| {
            let (deleted, failed, leaks) = (
                Arc::clone(&deleted),
                Arc::clone(&failed),
                Arc::clone(&leaks),
            );
            async move {
                let id = if kind == "Groups" {
                    ctx.group_id(i)
                } else {
                    ctx.user_id(i)
                };
                let Some(id) = id.map(str::to_string) else {
                    return;
                };
                let req = LoadRequest::delete(format!("/{kind}/{id}"));
                // 404: already gone, which is what cleanup wants.
                match ctx
                    .exchange(Op::Delete, &req, |s| (200..300).contains(&s) || s == 404)
                    .await
                {
                    Some(_) => {
                        deleted.fetch_add(1, Ordering::Relaxed);
                    }
                    None => {
                        failed.fetch_add(1, Ordering::Relaxed);
                        let mut l = leaks
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        if l.len() < LEAKS_LISTED {
                            l.push(ctx.wire.exec().redact(&ctx.wire.url(&req)));
                        }
                    }
                }
            }
        })
        .await;
    }
    let leaks = std::mem::take(
        &mut *leaks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    CleanupReport {
        kept: false,
        deleted: deleted.load(Ordering::Relaxed),
        failed: failed.load(Ordering::Relaxed),
        leaks,
    }
}
