//! Drives the sequence: a bounded pool of workers pulls user (then group, then incremental)
//! indexes from a counter, each sending that item's requests in the IdP's order. Every
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
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::plan::Plan;
use super::report::FailedExchange;
use super::stats::{Op, Outcome, Stats};
use super::throttle::{Decision, Throttle, parse_retry_after};
use super::wire::{LoadRequest, Reply, Wire};
use crate::exec::cancel::Cancel;
use crate::simulate::Idp;
use crate::simulate::dialect::{
    entra_user_ops, member_values, okta_group_put_body, okta_put_body, patch,
};

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

    fn set_flag(&self, i: usize, flag: u8) {
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

/// The parts of a ListResponse the sequence needs.
#[derive(Deserialize)]
struct ListHead {
    #[serde(
        rename = "totalResults",
        alias = "totalresults",
        alias = "TotalResults"
    )]
    total_results: Option<u64>,
    #[serde(rename = "Resources", alias = "resources")]
    resources: Option<Vec<serde::de::IgnoredAny>>,
}

/// Number of matches in a ListResponse, `None` when the body is not one.
fn matches(body: &[u8]) -> Option<u64> {
    let head: ListHead = serde_json::from_slice(body).ok()?;
    match (head.total_results, head.resources) {
        (Some(t), _) => Some(t),
        (None, Some(r)) => Some(r.len() as u64),
        (None, None) => None,
    }
}

#[derive(Deserialize)]
struct Ident {
    id: Option<Value>,
}

/// The `id` of a resource body.
fn id_of(body: &[u8]) -> Option<Box<str>> {
    let ident: Ident = serde_json::from_slice(body).ok()?;
    match ident.id? {
        Value::String(s) if !s.is_empty() => Some(s.into_boxed_str()),
        _ => None,
    }
}

fn is_200(s: u16) -> bool {
    s == 200
}

fn is_created(s: u16) -> bool {
    s == 201 || s == 200
}

fn is_2xx(s: u16) -> bool {
    (200..300).contains(&s)
}

/// Sends an IdP's lookup by name: true when it answers a usable ListResponse with no match,
/// so the run may create under that name. A match is something this run did not create: it
/// is counted and never touched.
async fn name_is_free(ctx: &Ctx, op: Op, lookup: &LoadRequest) -> bool {
    let Some(reply) = ctx.exchange(op, lookup, is_200).await else {
        return false;
    };
    match matches(&reply.body) {
        None => {
            ctx.unusable(
                op,
                lookup,
                &reply,
                "the lookup's answer is not a SCIM ListResponse",
            );
            false
        }
        Some(0) => true,
        Some(_) => {
            ctx.preexisting.fetch_add(1, Ordering::Relaxed);
            false
        }
    }
}

/// Lookup of user `i`, then its create when the lookup finds nothing.
pub async fn sync_user(ctx: Arc<Ctx>, i: usize) {
    let plan = &ctx.plan;
    let name = plan.user_name(i);
    let lookup = LoadRequest::get("/Users", plan.idp.user_lookup_query(&name));
    if !name_is_free(&ctx, Op::UserLookup, &lookup).await {
        return;
    }
    if plan.lookups_only {
        return;
    }
    let body = plan.idp.user_create_body(&plan.user(i, true), &plan.run_id);
    let create = LoadRequest::with_body(Method::POST, "/Users", &body);
    let Some(reply) = ctx.exchange(Op::UserCreate, &create, is_created).await else {
        return;
    };
    match id_of(&reply.body) {
        Some(id) => {
            let _ = ctx.user_ids[i - plan.users.start].set(id);
        }
        None => ctx.unusable(
            Op::UserCreate,
            &create,
            &reply,
            "the create answer has no id: the user cannot be found again (not even to delete it)",
        ),
    }
}

/// Group `g`: lookup, create, then its members in the IdP's batches and dialect.
pub async fn sync_group(ctx: Arc<Ctx>, g: usize) {
    let plan = &ctx.plan;
    let idp = plan.idp;
    let name = plan.group_name(g);
    if let Some(query) = idp.group_lookup_query(&name) {
        let lookup = LoadRequest::get("/Groups", query);
        if !name_is_free(&ctx, Op::GroupLookup, &lookup).await {
            return;
        }
    }
    let create = LoadRequest::with_body(
        Method::POST,
        "/Groups",
        &idp.group_create_body(&name, &plan.run_id, false),
    );
    let Some(reply) = ctx.exchange(Op::GroupCreate, &create, is_created).await else {
        return;
    };
    let Some(id) = id_of(&reply.body) else {
        ctx.unusable(
            Op::GroupCreate,
            &create,
            &reply,
            "the create answer has no id: the group cannot be found again",
        );
        return;
    };
    let id = ctx.group_ids[g - plan.groups.start]
        .get_or_init(|| id)
        .to_string();
    let members: Vec<(String, String)> = plan
        .members(g)
        .filter_map(|i| {
            ctx.user_id(i)
                .map(|uid| (uid.to_string(), plan.user_name(i)))
        })
        .collect();
    let path = format!("/Groups/{id}");
    let mut all_ok = true;
    let mut sent = 0;
    for batch in members.chunks(plan.batch.max(1)) {
        if ctx.halted() {
            all_ok = false;
            break;
        }
        sent += batch.len();
        let ok = match idp {
            // §1.7 [DOC]: the name is re-sent (path-less replace) before every membership update.
            Idp::OktaOin => {
                let ping = patch(vec![
                    json!({"op": "replace", "value": {"id": id, "displayName": name}}),
                ]);
                let add = patch(vec![
                    json!({"op": "add", "path": "members", "value": member_values(batch, false)}),
                ]);
                ctx.exchange(
                    Op::GroupMembers,
                    &LoadRequest::with_body(Method::PATCH, path.clone(), &ping),
                    is_2xx,
                )
                .await
                .is_some()
                    && ctx
                        .exchange(
                            Op::GroupMembers,
                            &LoadRequest::with_body(Method::PATCH, path.clone(), &add),
                            is_2xx,
                        )
                        .await
                        .is_some()
            }
            // §1.7 [OBS Rostr]: GET the group, PUT it with the full member list so far.
            Idp::OktaAiw => {
                let get = LoadRequest::get(path.clone(), vec![]);
                match ctx.exchange(Op::GroupMembers, &get, is_200).await {
                    Some(reply) => match serde_json::from_slice::<Value>(&reply.body) {
                        Ok(current) => {
                            let body = okta_group_put_body(&current, &name, &members[..sent]);
                            ctx.exchange(
                                Op::GroupMembers,
                                &LoadRequest::with_body(Method::PUT, path.clone(), &body),
                                is_2xx,
                            )
                            .await
                            .is_some()
                        }
                        Err(_) => {
                            ctx.unusable(
                                Op::GroupMembers,
                                &get,
                                &reply,
                                "the group read is not JSON",
                            );
                            false
                        }
                    },
                    None => false,
                }
            }
            // §2.7 [DOC]: PATCH Add, several members per op.
            Idp::Entra | Idp::EntraCompliant => {
                let add = patch(vec![
                    json!({"op": "Add", "path": "members", "value": member_values(batch, true)}),
                ]);
                ctx.exchange(
                    Op::GroupMembers,
                    &LoadRequest::with_body(Method::PATCH, path.clone(), &add),
                    is_2xx,
                )
                .await
                .is_some()
            }
            Idp::Google => true,
        };
        all_ok &= ok;
    }
    if all_ok {
        ctx.group_done[g - plan.groups.start].store(1, Ordering::Relaxed);
    }
}

/// The incremental cycle for the `k`-th touched user: a profile update (a new title), and
/// for every other one a deactivation, each in the IdP's way.
pub async fn incremental_user(ctx: Arc<Ctx>, k: usize) {
    let plan = &ctx.plan;
    let i = plan.users.start + k * plan.incremental_every;
    let Some(id) = ctx.user_id(i).map(str::to_string) else {
        return;
    };
    let deactivate = plan.is_deactivated(i);
    let path = format!("/Users/{id}");
    match plan.idp {
        // §1.4 [DOC/OBS]: GET by id, PUT of the whole user; §1.5: OIN deactivates with a
        // path-less PATCH replace, AIW with another GET+PUT.
        Idp::OktaOin | Idp::OktaAiw => {
            if okta_get_put(&ctx, &path, &plan.updated_user(i, true), Op::UserUpdate).await {
                ctx.set_flag(i, super::driver::UPDATED);
            }
            if deactivate {
                let ok = if plan.idp == Idp::OktaOin {
                    let body = patch(vec![json!({"op": "replace", "value": {"active": false}})]);
                    ctx.exchange(
                        Op::UserDeactivate,
                        &LoadRequest::with_body(Method::PATCH, path, &body),
                        is_2xx,
                    )
                    .await
                    .is_some()
                } else {
                    okta_get_put(
                        &ctx,
                        &path,
                        &plan.updated_user(i, false),
                        Op::UserDeactivate,
                    )
                    .await
                };
                if ok {
                    ctx.set_flag(i, DEACTIVATED);
                }
            }
        }
        // §2.4/§2.5 [DOC]: re-query by userName, then one PATCH of what differs.
        Idp::Entra | Idp::EntraCompliant => {
            let lookup = LoadRequest::get("/Users", plan.idp.user_lookup_query(&plan.user_name(i)));
            let Some(reply) = ctx.exchange(Op::UserRead, &lookup, is_200).await else {
                return;
            };
            let found = serde_json::from_slice::<Value>(&reply.body)
                .ok()
                .and_then(|v| v.get("Resources").and_then(|r| r.get(0)).cloned());
            let Some(current) = found else {
                ctx.unusable(Op::UserRead, &lookup, &reply, "Entra's re-query does not find the user this run created; Entra would POST it again");
                return;
            };
            let desired = plan.updated_user(i, !deactivate);
            let ops = entra_user_ops(plan.idp == Idp::EntraCompliant, &current, &desired);
            if ops.is_empty() {
                return;
            }
            let op = if deactivate {
                Op::UserDeactivate
            } else {
                Op::UserUpdate
            };
            if ctx
                .exchange(
                    op,
                    &LoadRequest::with_body(Method::PATCH, path, &patch(ops)),
                    is_2xx,
                )
                .await
                .is_some()
            {
                ctx.set_flag(
                    i,
                    if deactivate {
                        UPDATED | DEACTIVATED
                    } else {
                        UPDATED
                    },
                );
            }
        }
        // Reconstructed: a PUT of the create body's shape; suspension as PATCH active.
        Idp::Google => {
            let body = plan
                .idp
                .google_update_body(&plan.updated_user(i, true), &plan.run_id);
            if ctx
                .exchange(
                    Op::UserUpdate,
                    &LoadRequest::with_body(Method::PUT, path.clone(), &body),
                    is_2xx,
                )
                .await
                .is_some()
            {
                ctx.set_flag(i, UPDATED);
            }
            if deactivate {
                let body = patch(vec![
                    json!({"op": "replace", "path": "active", "value": false}),
                ]);
                if ctx
                    .exchange(
                        Op::UserDeactivate,
                        &LoadRequest::with_body(Method::PATCH, path, &body),
                        is_2xx,
                    )
                    .await
                    .is_some()
                {
                    ctx.set_flag(i, DEACTIVATED);
                }
            }
        }
    }
}

/// Okta: GET the user, PUT it back with Okta's values.
async fn okta_get_put(ctx: &Ctx, path: &str, desired: &crate::simulate::DirUser, op: Op) -> bool {
    let get = LoadRequest::get(path.to_string(), vec![]);
    let Some(reply) = ctx.exchange(Op::UserRead, &get, is_200).await else {
        return false;
    };
    let Ok(current) = serde_json::from_slice::<Value>(&reply.body) else {
        ctx.unusable(Op::UserRead, &get, &reply, "the user read is not JSON");
        return false;
    };
    let body = okta_put_body(&current, desired);
    ctx.exchange(
        op,
        &LoadRequest::with_body(Method::PUT, path.to_string(), &body),
        is_2xx,
    )
    .await
    .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_heads_and_ids_are_read_leniently() {
        assert_eq!(matches(br#"{"totalResults":0,"Resources":[]}"#), Some(0));
        assert_eq!(matches(br#"{"Resources":[{},{}]}"#), Some(2));
        assert_eq!(matches(b"<html>"), None);
        assert_eq!(matches(br#"{"detail":"x"}"#), None);
        assert_eq!(
            id_of(br#"{"id":"abc","userName":"x"}"#).as_deref(),
            Some("abc")
        );
        assert_eq!(id_of(br#"{"id":""}"#), None);
        assert_eq!(id_of(br#"{"userName":"x"}"#), None);
    }
}
