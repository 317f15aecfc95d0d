//! Verification: reads back every user and group the IdP provisioned and compares the
//! target's state with what the IdP intends (active flag, names, e-mail, title, department;
//! group name and exact member set). Reads are plain harness GETs, not IdP traffic.

use std::collections::BTreeSet;

use serde_json::Value;

use super::dialect::{Drift, ENTERPRISE_URN, work_email};
use super::sync::Session;
use crate::exec::http::OutgoingRequest;
use crate::exec::pointer::resolve;

impl Session<'_> {
    pub(super) async fn verify(&mut self) {
        for i in 0..self.users.len() {
            self.verify_user(i).await;
        }
        for g in 0..self.groups.len() {
            self.verify_group(g).await;
        }
    }

    async fn get(&mut self, path: String, what: &str) -> Option<(u16, Option<Value>)> {
        let req = OutgoingRequest::new("GET", path, self.client.default_bearer());
        let resp = self.send(req, what).await?;
        Some((resp.status, resp.json()))
    }

    async fn verify_user(&mut self, i: usize) {
        let Some(id) = self.users[i].id.clone() else {
            return;
        };
        let name = self.users[i].dir.user_name.clone();
        let path = format!("/Users/{}", crate::exec::cleanup::segment(&id));
        if self.users[i].deleted {
            let Some((status, _)) = self
                .get(path.clone(), &format!("read deleted {name}"))
                .await
            else {
                return;
            };
            if status == 404 {
                self.outcome("gone, as intended");
                let url = self.client.url_of(&path, &[]);
                self.report.created.retain(|u| u != &url);
            } else {
                self.outcome(&format!("still there ({status})"));
                self.problem(format!(
                    "verify: {name} still answers {status} after Entra's DELETE was accepted; \
                     Entra considers it deleted and never sends anything for it again, so the \
                     account stays in the application"
                ));
            }
            return;
        }
        let Some((status, json)) = self.get(path, &format!("read {name}")).await else {
            return;
        };
        let resource = match (status, json) {
            (200, Some(json)) => json,
            (404, _) => {
                self.outcome("gone");
                let consequence = self.idp.on_drift(Drift::Gone);
                self.problem(format!(
                    "verify: {name} (id {id}) is gone from the target although {} never deleted \
                     it; {consequence}",
                    self.idp
                ));
                return;
            }
            (status, _) => {
                self.outcome(&format!("unreadable ({status})"));
                self.problem(format!(
                    "verify: reading {name} (id {id}) answered {status}; the final state cannot \
                     be checked"
                ));
                return;
            }
        };
        let u = self.users[i].dir.clone();
        let mut mismatches: Vec<(String, Drift)> = Vec::new();
        match resolve(&resource, "/active") {
            Some(Value::Bool(b)) if *b == u.active => {}
            other => {
                let shown = other.map_or("absent".to_string(), Value::to_string);
                let what = if !u.active && other == Some(&Value::Bool(true)) {
                    format!("{name} is still active")
                } else {
                    format!("{name}: active is {shown}, intended {}", u.active)
                };
                mismatches.push((what, Drift::Active));
            }
        }
        let mut expect = |label: &str, actual: Option<&str>, intended: &str, ci: bool| {
            let same = actual.is_some_and(|a| {
                if ci {
                    a.eq_ignore_ascii_case(intended)
                } else {
                    a == intended
                }
            });
            if !same {
                let shown = actual.map_or("absent".to_string(), |a| format!("{a:?}"));
                mismatches.push((
                    format!("{name}: {label} is {shown}, intended {intended:?}"),
                    Drift::Profile,
                ));
            }
        };
        let s = |p: &str| resolve(&resource, p).and_then(Value::as_str);
        expect("name.givenName", s("/name/givenName"), &u.given_name, false);
        expect(
            "name.familyName",
            s("/name/familyName"),
            &u.family_name,
            false,
        );
        expect("the work e-mail", work_email(&resource), u.email(), true);
        if self.idp.maps_title_and_department() {
            if let Some(t) = &u.title {
                expect("title", s("/title"), t, false);
            }
            if let Some(d) = &u.department {
                expect(
                    "the enterprise department",
                    s(&format!("/{ENTERPRISE_URN}/department")),
                    d,
                    false,
                );
            }
        }
        if self.idp.behaviour().maps_manager_and_roles()
            && let Some(manager) = &u.manager
            && let Some(manager_id) = self.manager_id(manager)
        {
            expect(
                "the enterprise manager",
                s(&format!("/{ENTERPRISE_URN}/manager/value")),
                &manager_id,
                false,
            );
        }
        if self.idp.behaviour().maps_manager_and_roles() {
            let held: Vec<&str> = resolve(&resource, "/roles")
                .and_then(Value::as_array)
                .map(|rs| {
                    rs.iter()
                        .filter_map(|r| resolve(r, "/value").and_then(Value::as_str))
                        .collect()
                })
                .unwrap_or_default();
            for role in &u.roles {
                if !held.contains(&role.as_str()) {
                    mismatches.push((
                        format!("{name} lacks the role {role} (roles held: {held:?})"),
                        Drift::Profile,
                    ));
                }
            }
        }
        if mismatches.is_empty() {
            self.outcome("as intended");
        } else {
            self.outcome(&format!("{} difference(s)", mismatches.len()));
        }
        for (what, drift) in mismatches {
            let consequence = self.idp.on_drift(drift);
            self.problem(format!("verify: {what}; {consequence}"));
        }
    }

    async fn verify_group(&mut self, g: usize) {
        let Some(id) = self.groups[g].id.clone() else {
            return;
        };
        let name = self.groups[g].name.clone();
        let Some((status, json)) = self
            .get(
                format!("/Groups/{}", crate::exec::cleanup::segment(&id)),
                &format!("read group {name}"),
            )
            .await
        else {
            return;
        };
        let group = match (status, json) {
            (200, Some(json)) => json,
            (status, _) => {
                self.outcome(&format!("unreadable ({status})"));
                self.problem(format!(
                    "verify: reading group {name} (id {id}) answered {status}; {}",
                    self.idp.on_drift(Drift::Group)
                ));
                return;
            }
        };
        let consequence = self.idp.on_drift(Drift::Group);
        let mut problems = Vec::new();
        let actual_name = resolve(&group, "/displayName").and_then(Value::as_str);
        if actual_name != Some(name.as_str()) {
            problems.push(format!(
                "verify: group {name} is named {}; {consequence}",
                actual_name.map_or("(absent)".to_string(), |n| format!("{n:?}"))
            ));
        }
        let actual: BTreeSet<String> = resolve(&group, "/members")
            .and_then(Value::as_array)
            .map(|ms| {
                ms.iter()
                    .filter_map(|m| resolve(m, "/value").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let intended: BTreeSet<String> = self.groups[g]
            .pushed
            .iter()
            .filter_map(|&m| self.users[m].live_id().map(str::to_string))
            .collect();
        let label = |id: &str| {
            self.users
                .iter()
                .find(|u| u.id.as_deref() == Some(id))
                .map_or_else(|| format!("id {id}"), |u| u.dir.user_name.clone())
        };
        let missing: Vec<String> = intended.difference(&actual).map(|id| label(id)).collect();
        let extra: Vec<String> = actual.difference(&intended).map(|id| label(id)).collect();
        if !missing.is_empty() {
            problems.push(format!(
                "verify: group {name} lacks member(s) {}; {consequence}",
                missing.join(", ")
            ));
        }
        if !extra.is_empty() {
            problems.push(format!(
                "verify: group {name} has member(s) {} that {} removed or never added; \
                 {consequence}",
                extra.join(", "),
                self.idp
            ));
        }
        if problems.is_empty() {
            self.outcome(&format!("as intended ({} member(s))", intended.len()));
        } else {
            self.outcome(&format!("{} difference(s)", problems.len()));
        }
        for p in problems {
            self.problem(p);
        }
    }
}
