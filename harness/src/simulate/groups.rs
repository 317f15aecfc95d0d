//! The group side of the sequence every IdP shares: the existence check, the create and
//! the membership the IdP intends, with the requests themselves sent the IdP's way
//! ([`Groups`](super::idp::Groups)).

use serde_json::Value;

use super::idp::{Groups, NotFound};
use super::sync::{Session, created_id};
use crate::exec::cleanup::segment;
use crate::exec::pointer::resolve;

impl Session<'_> {
    pub(super) fn member_pairs(&self, members: &[usize]) -> Vec<(String, String)> {
        members
            .iter()
            .filter_map(|&m| {
                let u = &self.users[m];
                u.live_id()
                    .map(|id| (id.to_string(), u.dir.user_name.clone()))
            })
            .collect()
    }

    pub(super) async fn push_group(&mut self, g: usize) {
        let Ok(groups) = self.idp.behaviour().groups() else {
            return;
        };
        let name = self.groups[g].name.clone();
        let Some(query) = self.idp.group_lookup_query(&name) else {
            return;
        };
        let what = format!("look up group {name} by displayName");
        let req = self.request("GET", "/Groups".into(), query, None);
        let Some(resp) = self.send(req, &what).await else {
            return;
        };
        match resp.status {
            200 => {
                let json = resp.json().unwrap_or(Value::Null);
                let total = resolve(&json, "/totalResults").and_then(Value::as_u64);
                match total {
                    Some(0) => self.outcome("not found"),
                    Some(_) => {
                        let id = resolve(&json, "/Resources/0/id")
                            .and_then(Value::as_str)
                            .unwrap_or("?")
                            .to_string();
                        self.outcome(&format!("found id {id}"));
                        self.problem(format!(
                            "{}: a group named {name} already exists on the target (id {id}); {} \
                             would link it and push its membership into it, but the simulation \
                             never changes what it did not create, so the group is skipped and \
                             not verified (delete it or rename the group in the directory)",
                            self.phase, self.idp
                        ));
                        return;
                    }
                    None => {
                        self.outcome("not a ListResponse");
                        self.problem(format!(
                            "{}: {what}: the answer is not a ListResponse with a numeric \
                             totalResults; {}",
                            self.phase,
                            self.idp.on_failure()
                        ));
                        return;
                    }
                }
            }
            404 => match groups.group_lookup_404() {
                NotFound::NoMatch(outcome) => self.outcome(outcome),
                NotFound::Fails(consequence) => {
                    self.fail(&what, &resp, consequence);
                    return;
                }
            },
            _ => {
                let consequence = self.idp.on_failure();
                self.fail(&what, &resp, consequence);
                return;
            }
        }
        let body =
            self.idp
                .group_create_body(&name, self.run_id, self.quirks.entra_adscim_group_urn);
        let req = self.request("POST", "/Groups".into(), vec![], Some(&body));
        let what = format!("create group {name}");
        let Some(resp) = self.send(req, &what).await else {
            return;
        };
        let id = created_id(&resp);
        if let (200..=299, Some(id)) = (resp.status, &id)
            && !self
                .created_is_ours("/Groups", id, &resp, &name, &what)
                .await
        {
            return;
        }
        match (resp.status, id) {
            (200..=299, Some(id)) => {
                self.outcome(&format!("created id {id}"));
                let url = self
                    .client
                    .url_of(&format!("/Groups/{}", segment(&id)), &[]);
                self.registry.register(&url);
                self.report.created.push(url);
                self.groups[g].id = Some(id);
            }
            _ => {
                let consequence = self.idp.on_failure();
                self.fail(&what, &resp, consequence);
                return;
            }
        }
        let members = self.groups[g].members.clone();
        let mut pushed = Vec::new();
        for m in members {
            if self.users[m].live_id().is_some() {
                pushed.push(m);
            } else {
                self.note(format!(
                    "{} is not provisioned, so {} does not push its membership in {name}",
                    self.users[m].dir.user_name, self.idp
                ));
            }
        }
        self.groups[g].pushed.clone_from(&pushed);
        let pairs = self.member_pairs(&pushed);
        groups.push_members(self, g, pairs, name).await;
    }

    /// PATCH of the pushed group `g`; true on a 2xx.
    pub(super) async fn group_patch(&mut self, g: usize, body: Value, what: &str) -> bool {
        let Some(id) = self.groups[g].id.clone() else {
            return false;
        };
        let req = self.request(
            "PATCH",
            format!("/Groups/{}", segment(&id)),
            vec![],
            Some(&body),
        );
        self.write(req, what).await
    }

    fn find_group(&self, name: &str) -> Option<usize> {
        self.groups
            .iter()
            .position(|g| g.name.eq_ignore_ascii_case(name))
            .or_else(|| {
                self.groups
                    .iter()
                    .position(|g| g.original.eq_ignore_ascii_case(name))
            })
    }

    /// The group for a membership or rename change, if the IdP pushed it, and how the IdP
    /// sends group changes.
    fn pushed_group(&mut self, name: &str) -> Option<(usize, &'static dyn Groups)> {
        let groups = match self.idp.behaviour().groups() {
            Ok(groups) => groups,
            Err(no) => {
                self.note(no.at_change);
                return None;
            }
        };
        let Some(g) = self.find_group(name) else {
            self.note(format!("no group {name} in the directory: nothing sent"));
            return None;
        };
        if self.groups[g].id.is_none() {
            self.note(format!("group {name} was not pushed: nothing sent"));
            return None;
        }
        Some((g, groups))
    }

    pub(super) async fn add_member(&mut self, group: &str, user: &str) {
        let Some((g, groups)) = self.pushed_group(group) else {
            return;
        };
        let Some(u) = self.find_user(user) else {
            self.note(format!("no user {user} in the directory: nothing sent"));
            return;
        };
        if !self.groups[g].members.contains(&u) {
            self.groups[g].members.push(u);
        }
        let name = self.groups[g].name.clone();
        if self.users[u].live_id().is_none() {
            self.note(format!(
                "{user} is not provisioned, so {} does not push its membership in {name}",
                self.idp
            ));
            return;
        }
        if self.groups[g].pushed.contains(&u) {
            self.note(format!(
                "{user} is already a member of {name}: nothing sent"
            ));
            return;
        }
        self.groups[g].pushed.push(u);
        let pair = self.member_pairs(&[u]);
        let what = format!("add {user} to {name}");
        groups.add_member(self, g, pair, what).await;
    }

    pub(super) async fn remove_member(&mut self, group: &str, user: &str) {
        let Some((g, groups)) = self.pushed_group(group) else {
            return;
        };
        let Some(u) = self.find_user(user) else {
            self.note(format!("no user {user} in the directory: nothing sent"));
            return;
        };
        self.groups[g].members.retain(|&m| m != u);
        let name = self.groups[g].name.clone();
        if !self.groups[g].pushed.contains(&u) {
            self.note(format!(
                "{user} is not a pushed member of {name}: nothing sent"
            ));
            return;
        }
        let pair = self.member_pairs(&[u]);
        self.groups[g].pushed.retain(|&m| m != u);
        if pair.is_empty() {
            return;
        }
        let what = format!("remove {user} from {name}");
        groups.remove_member(self, g, pair, what).await;
    }

    pub(super) async fn rename_group(&mut self, group: &str, to: &str) {
        let Some((g, groups)) = self.pushed_group(group) else {
            return;
        };
        let old = std::mem::replace(&mut self.groups[g].name, to.to_string());
        let id = self.groups[g].id.clone().unwrap_or_default();
        let what = format!("rename group {old} to {to}");
        groups.rename_group(self, g, id, to.to_string(), what).await;
    }
}
