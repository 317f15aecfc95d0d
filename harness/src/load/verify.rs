//! Reads a sample of the end state back — users spread over the shard, and a few groups —
//! and says, for each difference from what the IdP intends, what the real IdP would do.

use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::driver::{Ctx, DEACTIVATED, UPDATED, pool};
use super::report::{Mismatch, Verification};
use super::stats::Op;
use super::wire::LoadRequest;
use crate::exec::pointer::resolve;
use crate::simulate::dialect::Drift;

/// Groups read back at most.
const GROUP_SAMPLE: usize = 10;

/// A resource read back: a user or a group, by index.
#[derive(Clone, Copy)]
enum Sample {
    User(usize),
    Group(usize),
}

/// Reads up to `sample` users and [`GROUP_SAMPLE`] groups this run created.
pub async fn verify(ctx: &Arc<Ctx>, sample: usize, concurrency: usize) -> Verification {
    let plan = &ctx.plan;
    let created: Vec<usize> = plan
        .users
        .clone()
        .filter(|&i| ctx.user_id(i).is_some())
        .collect();
    let users = spread(&created, sample);
    let done_groups: Vec<usize> = plan
        .groups
        .clone()
        .filter(|&g| {
            ctx.group_id(g).is_some()
                && ctx.group_done[g - plan.groups.start].load(std::sync::atomic::Ordering::Relaxed)
                    == 1
        })
        .collect();
    let groups = spread(&done_groups, GROUP_SAMPLE);
    let samples: Arc<Vec<Sample>> = Arc::new(
        users
            .iter()
            .map(|&i| Sample::User(i))
            .chain(groups.iter().map(|&g| Sample::Group(g)))
            .collect(),
    );
    let found = Arc::new(Mutex::new(Vec::new()));
    {
        let (samples, found) = (Arc::clone(&samples), Arc::clone(&found));
        pool(ctx, 0..samples.len(), concurrency, false, move |ctx, k| {
            let (samples, found) = (Arc::clone(&samples), Arc::clone(&found));
            async move {
                if let Some(m) = check(&ctx, samples[k]).await {
                    found
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(m);
                }
            }
        })
        .await;
    }
    let mut mismatches = std::mem::take(
        &mut *found
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    mismatches.sort_by(|a, b| a.resource.cmp(&b.resource));
    Verification {
        users_checked: users.len() as u64,
        groups_checked: groups.len() as u64,
        mismatches,
    }
}

/// At most `n` items, evenly spread (first and last included).
fn spread(items: &[usize], n: usize) -> Vec<usize> {
    if items.len() <= n {
        return items.to_vec();
    }
    if n == 0 {
        return Vec::new();
    }
    if n == 1 {
        return vec![items[0]];
    }
    (0..n)
        .map(|k| items[k * (items.len() - 1) / (n - 1)])
        .collect()
}

/// Reads one sampled resource back: a mismatch when it differs from what the IdP intends,
/// `None` when it matches or nothing usable answered (the exchange records that failure).
async fn check(ctx: &Ctx, sample: Sample) -> Option<Mismatch> {
    let plan = &ctx.plan;
    let (resource, path) = match sample {
        Sample::User(i) => (
            format!("User {}", plan.user_name(i)),
            format!("/Users/{}", ctx.user_id(i)?),
        ),
        Sample::Group(g) => (
            format!("Group {}", plan.group_name(g)),
            format!("/Groups/{}", ctx.group_id(g)?),
        ),
    };
    let req = LoadRequest::get(path.clone(), vec![]);
    let reply = ctx
        .exchange(Op::Verify, &req, |s| s == 200 || s == 404)
        .await?;
    let (d, problem) = match sample {
        Sample::User(i) => user_drift(ctx, i, &path, reply.status, &reply.body),
        Sample::Group(g) => group_drift(ctx, g, &path, reply.status, &reply.body),
    }?;
    Some(Mismatch {
        resource,
        problem,
        idp_would: plan.idp.on_drift(d).to_string(),
    })
}

/// How user `i`'s answer differs from what the IdP intends, if it does.
fn user_drift(
    ctx: &Ctx,
    i: usize,
    path: &str,
    status: u16,
    body: &[u8],
) -> Option<(Drift, String)> {
    let plan = &ctx.plan;
    let name = plan.user_name(i);
    if status == 404 {
        return Some((
            Drift::Gone,
            format!("GET {path} answers 404: the user the target created is gone"),
        ));
    }
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return Some((Drift::Gone, "the user's GET answer is not JSON".into()));
    };
    let flags = ctx.user_flags(i);
    let want_active = flags & DEACTIVATED == 0;
    let active = match resolve(&body, "/active") {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) => Some(s.eq_ignore_ascii_case("true")),
        _ => None,
    };
    if active != Some(want_active) {
        return Some((
            Drift::Active,
            format!(
                "active is {} but the IdP set it to {want_active}",
                active.map_or("absent".into(), |a| a.to_string())
            ),
        ));
    }
    let got_name = resolve(&body, "/userName").and_then(Value::as_str);
    if !got_name.is_some_and(|n| n.eq_ignore_ascii_case(&name)) {
        return Some((
            Drift::Profile,
            format!("userName is {got_name:?}, not {name}"),
        ));
    }
    if flags & UPDATED != 0 && plan.idp.maps_title_and_department() {
        let want = plan.updated_user(i, want_active).title.unwrap_or_default();
        let got = resolve(&body, "/title").and_then(Value::as_str);
        if got != Some(want.as_str()) {
            return Some((
                Drift::Profile,
                format!("title is {got:?} after the update to {want:?}"),
            ));
        }
    }
    None
}

/// How group `g`'s answer differs from what the IdP intends, if it does.
fn group_drift(
    ctx: &Ctx,
    g: usize,
    path: &str,
    status: u16,
    body: &[u8],
) -> Option<(Drift, String)> {
    let plan = &ctx.plan;
    if status == 404 {
        return Some((Drift::Gone, format!("GET {path} answers 404")));
    }
    let body: Value = serde_json::from_slice(body).unwrap_or_default();
    let mut got: Vec<String> = resolve(&body, "/members")
        .and_then(Value::as_array)
        .map(|ms| {
            ms.iter()
                .filter_map(|m| {
                    resolve(m, "/value")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    let mut want: Vec<String> = plan
        .members(g)
        .filter_map(|i| ctx.user_id(i).map(str::to_string))
        .collect();
    got.sort();
    want.sort();
    if got == want {
        return None;
    }
    let missing = want.iter().filter(|w| !got.contains(w)).count();
    let extra = got.iter().filter(|x| !want.contains(x)).count();
    Some((
        Drift::Group,
        format!(
            "{} member(s) where the IdP pushed {}: {missing} missing, {extra} unexpected",
            got.len(),
            want.len()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::spread;

    #[test]
    fn the_sample_spreads_over_the_whole_range() {
        let items: Vec<usize> = (0..100).collect();
        assert_eq!(spread(&items, 3), vec![0, 49, 99]);
        assert_eq!(spread(&items[..2], 5), vec![0, 1]);
        assert!(spread(&items, 0).is_empty());
        assert_eq!(spread(&items, 1), vec![0]);
    }
}
