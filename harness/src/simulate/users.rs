//! The user side of the sequence every IdP shares: the lookup before a create, the create,
//! linking a user that already exists, and handing updates, (de)activations and deletions
//! to the IdP's [`Behaviour`](super::idp::Behaviour).

use serde_json::Value;

use super::directory::UserEdit;
use super::idp::NotFound;
use super::sync::{Lookup, Session, created_id};
use crate::exec::cleanup::segment;
use crate::exec::http::Response;
use crate::exec::pointer::resolve;

impl Session<'_> {
    pub(super) async fn provision_user(&mut self, i: usize) {
        let name = self.users[i].dir.user_name.clone();
        if !self.users[i].dir.active {
            self.note(format!(
                "{name} is inactive in the directory: {} does not provision a deactivated user; \
                 nothing sent",
                self.idp
            ));
            return;
        }
        match self.lookup_user(i).await {
            Lookup::Missing => self.create_user(i).await,
            Lookup::Found(resource) => self.link_user(i, &resource).await,
            Lookup::Failed => {}
        }
    }

    /// The lookup by `userName` that precedes every create (and Entra's re-query before
    /// every update).
    pub(super) async fn lookup_user(&mut self, i: usize) -> Lookup {
        let name = self.users[i].dir.user_name.clone();
        let req = self.request(
            "GET",
            "/Users".into(),
            self.idp.user_lookup_query(&name),
            None,
        );
        let what = format!("look up {name} by userName");
        let Some(resp) = self.send(req, &what).await else {
            return Lookup::Failed;
        };
        match resp.status {
            200 => {}
            404 => match self.idp.behaviour().user_lookup_404() {
                NotFound::NoMatch(outcome) => {
                    self.outcome(outcome);
                    return Lookup::Missing;
                }
                NotFound::Fails(consequence) => {
                    self.fail(&what, &resp, consequence);
                    return Lookup::Failed;
                }
            },
            _ => {
                let consequence = self.idp.on_failure();
                self.fail(&what, &resp, consequence);
                return Lookup::Failed;
            }
        }
        let json = resp.json().unwrap_or(Value::Null);
        let Some(total) = resolve(&json, "/totalResults").and_then(Value::as_u64) else {
            self.outcome("not a ListResponse");
            let consequence = self.idp.on_failure();
            self.problem(format!(
                "{}: {what}: the answer is not a ListResponse with a numeric totalResults; {}",
                self.phase, consequence
            ));
            return Lookup::Failed;
        };
        let resources = resolve(&json, "/Resources")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let matching = resources.iter().find(|r| {
            resolve(r, "/userName")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(&name))
        });
        match matching {
            Some(r) => {
                let id = resolve(r, "/id").and_then(Value::as_str).unwrap_or("?");
                self.outcome(&format!("found id {id}"));
                Lookup::Found(r.clone())
            }
            None if total == 0 && resources.is_empty() => {
                self.outcome("not found");
                Lookup::Missing
            }
            None => {
                self.outcome("no user with that userName in the answer");
                self.problem(format!(
                    "{}: {what}: the filter answered {total} result(s), none with userName {name} \
                     (filter ignored?); a real IdP could link the wrong account, so the \
                     simulation skips {name}",
                    self.phase
                ));
                Lookup::Failed
            }
        }
    }

    async fn create_user(&mut self, i: usize) {
        let name = self.users[i].dir.user_name.clone();
        let body = self.idp.user_create_body(&self.users[i].dir, self.run_id);
        let req = self.request("POST", "/Users".into(), vec![], Some(&body));
        let what = format!("create {name}");
        let Some(resp) = self.send(req, &what).await else {
            return;
        };
        let id = created_id(&resp);
        if let (200..=299, Some(id)) = (resp.status, &id)
            && !self
                .created_is_ours("/Users", id, &resp, &name, &what)
                .await
        {
            return;
        }
        match (resp.status, id) {
            (200..=299, Some(id)) => {
                let note = if resp.status == 201 {
                    String::new()
                } else {
                    format!(" (answered {}, not 201)", resp.status)
                };
                self.outcome(&format!("created id {id}{note}"));
                let url = self.client.url_of(&format!("/Users/{}", segment(&id)), &[]);
                self.registry.register(&url);
                self.report.created.push(url);
                let u = &mut self.users[i];
                u.id = Some(id);
                u.created = true;
            }
            (200..=299, None) => {
                let consequence = self.idp.behaviour().create_without_id();
                self.fail(
                    &format!("{what} (no id in the response)"),
                    &resp,
                    consequence,
                );
            }
            (409, _) => {
                let consequence = format!(
                    "the lookup found no user named {name} but the create says it exists, so \
                     {} can neither create nor link it; {}",
                    self.idp,
                    self.idp.on_failure()
                );
                self.fail(&what, &resp, &consequence);
            }
            _ => {
                let consequence = self.idp.on_failure();
                self.fail(&what, &resp, consequence);
            }
        }
    }

    /// Whether the resource a create answered with is the one sent: it carries the
    /// `userName`/`displayName` sent (read back by id when the answer names nothing). The
    /// lookup before the create found no such resource, so that one is this run's. Any other
    /// answer — an "upsert" returning data that existed before — is reported, and the
    /// resource is neither linked nor deleted.
    pub(super) async fn created_is_ours(
        &mut self,
        collection: &str,
        id: &str,
        resp: &Response,
        sent_name: &str,
        what: &str,
    ) -> bool {
        let mut names = resp
            .json()
            .map(|b| crate::exec::cleanup::names_of(&b))
            .unwrap_or_default();
        if names.is_empty() {
            let read_back = format!("read back {collection}/{id}");
            let req = self.request("GET", format!("{collection}/{}", segment(id)), vec![], None);
            if let Some(found) = self.send(req, &read_back).await.and_then(|r| r.json()) {
                names = crate::exec::cleanup::names_of(&found);
            }
        }
        if names.iter().any(|n| n.eq_ignore_ascii_case(sent_name)) {
            return true;
        }
        let found = if names.is_empty() {
            "no name".to_string()
        } else {
            names.join(", ")
        };
        self.outcome(&format!(
            "answered with another resource (id {id}: {found})"
        ));
        self.problem(format!(
            "{}: {what} was answered with a resource that is not the one sent (id {id}, {found} \
             instead of {sent_name}); it may have existed before the run, so the simulation \
             neither links nor deletes it; {}",
            self.phase,
            self.idp.on_failure()
        ));
        false
    }

    /// A pre-existing user the lookup found: linked, then updated as the IdP updates.
    async fn link_user(&mut self, i: usize, resource: &Value) {
        let Some(id) = resolve(resource, "/id").and_then(Value::as_str) else {
            self.problem(format!(
                "{}: the user found for {} has no id; {}",
                self.phase,
                self.users[i].dir.user_name,
                self.idp.on_failure()
            ));
            return;
        };
        if !self.link_existing {
            self.problem(format!(
                "{}: {} already exists on the target (id {id}) and this simulation did not create \
                 it; {} would link it by userName and update it, but the simulation leaves data it \
                 did not create untouched (use run-scoped names, e.g. --users N, or pass \
                 --link-existing to allow it)",
                self.phase, self.users[i].dir.user_name, self.idp
            ));
            return;
        }
        self.users[i].id = Some(id.to_string());
        self.note(format!(
            "{} already exists on the target (id {id}): {} links it by userName instead of \
             creating it and then updates it; the simulation does the same, and will not delete \
             it at cleanup",
            self.users[i].dir.user_name, self.idp
        ));
        let what = format!("update linked {}", self.users[i].dir.user_name);
        let behaviour = self.idp.behaviour();
        behaviour
            .update_linked(self, i, resource.clone(), what)
            .await;
    }

    pub(super) async fn update_user(&mut self, i: usize, edit: &UserEdit) {
        edit.apply(&mut self.users[i].dir);
        let name = self.users[i].dir.user_name.clone();
        if self.users[i].live_id().is_none() {
            self.note(format!(
                "{name} is not provisioned on the target: {} keeps the change for when it is",
                self.idp
            ));
            return;
        }
        let what = format!("update {name} ({})", edit.names());
        let behaviour = self.idp.behaviour();
        behaviour.update_user(self, i, what).await;
    }

    pub(super) async fn set_active(&mut self, i: usize, active: bool) {
        let name = self.users[i].dir.user_name.clone();
        if self.users[i].deleted {
            self.note(format!("{name} was deleted on the target: nothing sent"));
            return;
        }
        if self.users[i].id.is_none() {
            self.users[i].dir.active = active;
            if active {
                self.note(format!(
                    "{name} was never provisioned: {} provisions it now",
                    self.idp
                ));
                self.provision_user(i).await;
            } else {
                self.note(format!(
                    "{name} is not provisioned on the target: nothing to deactivate"
                ));
            }
            return;
        }
        if self.users[i].dir.active == active {
            self.note(format!(
                "{name} is already {} in {}: nothing sent",
                if active { "active" } else { "inactive" },
                self.idp
            ));
            return;
        }
        self.users[i].dir.active = active;
        let id = self.users[i].id.clone().unwrap_or_default();
        let verb = if active { "reactivate" } else { "deactivate" };
        let what = format!("{verb} {name}");
        let behaviour = self.idp.behaviour();
        behaviour.set_active(self, i, id, active, what).await;
    }

    pub(super) async fn delete_user(&mut self, i: usize) {
        let behaviour = self.idp.behaviour();
        behaviour.delete_user(self, i).await;
    }

    /// The directory user named `name` (any case).
    pub(super) fn find_user(&self, name: &str) -> Option<usize> {
        self.users
            .iter()
            .position(|u| u.dir.user_name.eq_ignore_ascii_case(name))
    }
}
