//! The IdP's requests for one item of the sync, in its order and dialect: a user's lookup
//! and create, a group's lookup, create and membership batches, and the incremental cycle's
//! update and deactivation. Each request goes through [`Ctx::exchange`].

use std::sync::Arc;
use std::sync::atomic::Ordering;

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::driver::{Ctx, DEACTIVATED, UPDATED};
use super::stats::Op;
use super::wire::LoadRequest;
use crate::simulate::Idp;
use crate::simulate::dialect::{
    entra_user_ops, member_values, okta_group_put_body, okta_put_body, patch,
};

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

/// Sends `body` to `path` with `method`: true when the target accepts it (2xx).
async fn accepted(ctx: &Ctx, op: Op, method: Method, path: &str, body: &Value) -> bool {
    ctx.exchange(op, &LoadRequest::with_body(method, path, body), is_2xx)
        .await
        .is_some()
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
                accepted(&ctx, Op::GroupMembers, Method::PATCH, &path, &ping).await
                    && accepted(&ctx, Op::GroupMembers, Method::PATCH, &path, &add).await
            }
            // §1.7 [OBS Rostr]: GET the group, PUT it with the full member list so far.
            Idp::OktaAiw => {
                let get = LoadRequest::get(path.clone(), vec![]);
                match ctx.exchange(Op::GroupMembers, &get, is_200).await {
                    Some(reply) => match serde_json::from_slice::<Value>(&reply.body) {
                        Ok(current) => {
                            let body = okta_group_put_body(&current, &name, &members[..sent]);
                            accepted(&ctx, Op::GroupMembers, Method::PUT, &path, &body).await
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
                accepted(&ctx, Op::GroupMembers, Method::PATCH, &path, &add).await
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
                ctx.set_flag(i, UPDATED);
            }
            if deactivate {
                let ok = if plan.idp == Idp::OktaOin {
                    let body = patch(vec![json!({"op": "replace", "value": {"active": false}})]);
                    accepted(&ctx, Op::UserDeactivate, Method::PATCH, &path, &body).await
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
            if accepted(&ctx, op, Method::PATCH, &path, &patch(ops)).await {
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
            if accepted(&ctx, Op::UserUpdate, Method::PUT, &path, &body).await {
                ctx.set_flag(i, UPDATED);
            }
            if deactivate {
                let body = patch(vec![
                    json!({"op": "replace", "path": "active", "value": false}),
                ]);
                if accepted(&ctx, Op::UserDeactivate, Method::PATCH, &path, &body).await {
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
    accepted(ctx, op, Method::PUT, path, &body).await
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
