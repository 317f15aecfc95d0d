//! Microsoft Entra ID (idp-behaviors.md §2): re-query by `userName` before every update,
//! then PATCH only what differs; groups as POST then PATCH Add; members removed by value
//! list (default dialect) or by filter (`aadOptscim062020`); DELETE on hard delete; the
//! manager and app roles in their own PATCHes.

use serde_json::{Value, json};

use super::{Behaviour, Groups, Member, NoGroups, NotFound, Step};
use crate::exec::cleanup::segment;
use crate::exec::pointer::resolve;
use crate::scenario::profile::QueryEncoding;
use crate::simulate::dialect::{
    ADSCIM_GROUP_URN, Drift, ENTERPRISE_URN, GROUP_URN, USER_URN, add_profile_extras, entra_role,
    entra_user_ops, guid, members_patch, patch,
};
use crate::simulate::directory::DirUser;
use crate::simulate::sync::{Lookup, Session};

/// What Entra does with a 404 to its lookup filter.
const QUARANTINE: &str =
    "Entra quarantines the job: 404 to its filter (it needs 200 with an empty ListResponse)";

/// Entra; `compliant` with the `aadOptscim062020` flag, else the default dialect.
pub(super) struct Entra {
    pub compliant: bool,
}

impl Behaviour for Entra {
    // §2.1: Entra's User-Agent was never reliably captured; the harness default stays.
    fn headers(&self) -> Vec<(&'static str, &'static str)> {
        vec![]
    }

    // §2.1 [OBS 2022 azure-docs#94189]: Entra's GETs carry no Accept.
    fn omit_headers(&self) -> Vec<&'static str> {
        vec!["Accept"]
    }

    fn query_encoding(&self) -> QueryEncoding {
        QueryEncoding::Plus
    }

    // §2.3 [DOC/OBS]: no paging parameters
    fn user_lookup_query(&self, user_name: &str) -> Vec<(String, String)> {
        vec![("filter".to_string(), format!("userName eq \"{user_name}\""))]
    }

    // §2.3 [DOC]: meta.resourceType, roles [], the enterprise URN always in schemas
    fn user_create_body(&self, u: &DirUser, _run_id: &str) -> Value {
        let mut schemas = vec![json!(USER_URN), json!(ENTERPRISE_URN)];
        // §2.3 [DOC]: mailNickname → externalId
        let external_id = u.external_id.clone().unwrap_or_else(|| {
            u.user_name
                .split('@')
                .next()
                .unwrap_or(&u.user_name)
                .to_string()
        });
        let mut body = json!({
            "externalId": external_id,
            "userName": u.user_name,
            "active": true,
            "emails": [{"primary": true, "type": "work", "value": u.email()}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": u.display_name(), "familyName": u.family_name, "givenName": u.given_name},
            "roles": u.roles.iter().map(|r| entra_role(r)).collect::<Vec<_>>(),
        });
        add_profile_extras(&mut body, &mut schemas, u);
        body["schemas"] = Value::Array(schemas);
        body
    }

    fn on_failure(&self) -> &'static str {
        "Entra logs the failure, puts the object in escrow and retries it in later cycles \
         (about every 40 minutes); enough failures quarantine the job"
    }

    fn on_drift(&self, what: Drift) -> &'static str {
        match what {
            Drift::Group => {
                "Entra reads groups with excludedAttributes=members, so it never notices: \
                 group-based access in the application silently differs from Entra"
            }
            Drift::Gone => "Entra's next cycle finds nothing for the user and POSTs it again",
            Drift::Active | Drift::Profile => {
                "Entra sees the difference at its next cycle (about every 40 minutes) and \
                 sends the same PATCH again, every cycle, without it ever taking effect"
            }
        }
    }

    fn user_lookup_404(&self) -> NotFound {
        NotFound::Fails(QUARANTINE)
    }

    fn create_without_id(&self) -> &'static str {
        "Entra needs the id for every later operation; it fails the object and retries next \
         cycle, when its lookup finds the user and it links it"
    }

    fn import(&self) -> Result<(&'static str, &'static str), &'static str> {
        Ok((
            "Entra's account discovery",
            "Entra never discovers the account: it stays unmanaged and unmatched to its Entra user",
        ))
    }

    fn manager_op(&self) -> Option<&'static str> {
        Some(if self.compliant { "add" } else { "Add" })
    }

    fn role_patch(
        &self,
        run_id: &str,
        user_name: &str,
        role: &str,
    ) -> Option<(Value, &'static str)> {
        if self.compliant {
            return Some((
                patch(vec![
                    json!({"op": "add", "path": "roles", "value": [entra_role(role)]}),
                ]),
                "a role object (reconstructed)",
            ));
        }
        let inner = json!({
            "id": guid(run_id, &format!("role:{user_name}:{role}")),
            "value": role,
            "displayName": role,
        });
        Some((
            patch(vec![
                json!({"op": "Add", "path": "roles", "value": [{"value": inner.to_string()}]}),
            ]),
            "the role as JSON in a string",
        ))
    }

    // §2.3 [DOC]: match found → link, then PATCH what differs.
    fn update_linked<'s>(
        &'s self,
        s: &'s mut Session<'_>,
        i: usize,
        resource: Value,
        what: String,
    ) -> Step<'s> {
        Box::pin(async move { self.patch_user(s, i, &resource, &what).await })
    }

    // §2.4 [DOC]: re-query by userName, then PATCH only what differs.
    fn update_user<'s>(&'s self, s: &'s mut Session<'_>, i: usize, what: String) -> Step<'s> {
        Box::pin(self.requery_patch(s, i, what))
    }

    // §2.5 [DOC/OBS]: re-query, then PATCH active ("False"/"True" in the default dialect).
    fn set_active<'s>(
        &'s self,
        s: &'s mut Session<'_>,
        i: usize,
        _id: String,
        _active: bool,
        what: String,
    ) -> Step<'s> {
        Box::pin(self.requery_patch(s, i, what))
    }

    fn delete_user<'s>(&'s self, s: &'s mut Session<'_>, i: usize) -> Step<'s> {
        Box::pin(async move {
            let name = s.users[i].dir.user_name.clone();
            let Some(id) = s.users[i].live_id().map(str::to_string) else {
                s.note(format!(
                    "{name} is not provisioned on the target: nothing sent"
                ));
                return;
            };
            // A deletion in Entra is a soft delete first (IsSoftDeleted -> active: the
            // disable PATCH); the DELETE follows on the hard delete, 30 days later.
            if s.users[i].dir.active {
                s.note(format!(
                    "deleting {name} in Entra is a soft delete first: Entra disables it"
                ));
                s.set_active(i, false).await;
            }
            s.note(
                "Entra sends DELETE when the user is hard-deleted (30 days after the soft \
                 delete, or on permanent delete) and Delete is enabled in the target object \
                 actions; the 30 days are skipped here",
            );
            let req = s.request("DELETE", format!("/Users/{}", segment(&id)), vec![], None);
            if s.write(req, &format!("delete {name}")).await {
                s.users[i].deleted = true;
                s.users[i].dir.active = false;
                for g in &mut s.groups {
                    g.pushed.retain(|&m| m != i);
                    g.members.retain(|&m| m != i);
                }
            }
        })
    }

    fn groups(&self) -> Result<&dyn Groups, NoGroups> {
        Ok(self)
    }
}

impl Groups for Entra {
    // §2.7 [DOC]
    fn lookup_query(&self, display_name: &str) -> Vec<(String, String)> {
        vec![
            ("excludedAttributes".into(), "members".into()),
            (
                "filter".to_string(),
                format!("displayName eq \"{display_name}\""),
            ),
        ]
    }

    // §2.7 [DOC]: no members, externalId = objectId, meta.resourceType; the ADSCIM URN only
    // when asked for (fixed on Entra's side on 2018-12-18).
    fn create_body(&self, display_name: &str, run_id: &str, adscim_urn: bool) -> Value {
        let schemas = if adscim_urn {
            json!([GROUP_URN, ADSCIM_GROUP_URN])
        } else {
            json!([GROUP_URN])
        };
        json!({
            "schemas": schemas,
            "externalId": guid(run_id, display_name),
            "displayName": display_name,
            "meta": {"resourceType": "Group"},
        })
    }

    fn group_lookup_404(&self) -> NotFound {
        NotFound::Fails(QUARANTINE)
    }

    // §2.7 [DOC]: POST without members, then PATCH Add (several per op).
    fn push_members<'s>(
        &'s self,
        s: &'s mut Session<'_>,
        g: usize,
        members: Vec<Member>,
        name: String,
    ) -> Step<'s> {
        Box::pin(async move {
            if members.is_empty() {
                return;
            }
            let body = members_patch("Add", &members, true);
            let what = format!("add {} member(s) to {name}", members.len());
            s.group_patch(g, body, &what).await;
        })
    }

    // §2.7 [DOC]: capitalised Add in both dialects.
    fn add_member<'s>(
        &'s self,
        s: &'s mut Session<'_>,
        g: usize,
        member: Vec<Member>,
        what: String,
    ) -> Step<'s> {
        Box::pin(async move {
            let body = members_patch("Add", &member, true);
            s.group_patch(g, body, &what).await;
        })
    }

    fn remove_member<'s>(
        &'s self,
        s: &'s mut Session<'_>,
        g: usize,
        member: Vec<Member>,
        what: String,
    ) -> Step<'s> {
        Box::pin(async move {
            // §2.7 [DOC]: with the flag, by filter.
            if self.compliant {
                let Some((id, _)) = member.first() else {
                    return;
                };
                let filter_op =
                    json!({"op": "remove", "path": format!("members[value eq \"{id}\"]")});
                s.group_patch(g, patch(vec![filter_op]), &format!("{what} (by filter)"))
                    .await;
                return;
            }
            // §2.7 [DOC; OBS SCIM-SDK#167]: the RFC-noncompliant value-list removal.
            let body = members_patch("Remove", &member, true);
            s.group_patch(g, body, &format!("{what} (by value list)"))
                .await;
        })
    }

    fn rename_group<'s>(
        &'s self,
        s: &'s mut Session<'_>,
        g: usize,
        _id: String,
        to: String,
        what: String,
    ) -> Step<'s> {
        let op = if self.compliant {
            // §2.4 [DOC]: the flag folds attribute replaces into a path-less replace.
            json!({"op": "replace", "value": {"displayName": to}})
        } else {
            // §2.7 [DOC]
            json!({"op": "Replace", "path": "displayName", "value": to})
        };
        Box::pin(async move {
            s.group_patch(g, patch(vec![op]), &what).await;
        })
    }
}

impl Entra {
    /// Re-query by userName, then PATCH what differs.
    async fn requery_patch(&self, s: &mut Session<'_>, i: usize, what: String) {
        let name = s.users[i].dir.user_name.clone();
        match s.lookup_user(i).await {
            Lookup::Found(resource) => {
                let found = resolve(&resource, "/id").and_then(Value::as_str);
                if found != s.users[i].live_id() {
                    s.problem(format!(
                        "{}: the re-query for {name} found id {} instead of {}; Entra would \
                         update the account it found",
                        s.phase,
                        found.unwrap_or("?"),
                        s.users[i].live_id().unwrap_or("?")
                    ));
                    return;
                }
                self.patch_user(s, i, &resource, &what).await;
            }
            Lookup::Missing => {
                s.problem(format!(
                    "{}: Entra's re-query by userName does not find {name}, which the target \
                     created; Entra would POST it again and get 409 in every cycle",
                    s.phase
                ));
            }
            Lookup::Failed => {}
        }
    }

    /// PATCH of the attributes that differ between `target` and Entra's user.
    async fn patch_user(&self, s: &mut Session<'_>, i: usize, target: &Value, what: &str) {
        let ops = entra_user_ops(self.compliant, target, &s.users[i].dir);
        if ops.is_empty() {
            s.note(format!(
                "{what}: the target already holds Entra's values; no PATCH sent"
            ));
            return;
        }
        let Some(id) = resolve(target, "/id").and_then(Value::as_str) else {
            return;
        };
        // The "True" casing of a re-enable has not been captured (§2.5 [UNC]).
        let casing = if ops.iter().any(|o| o["value"] == json!("True")) {
            " (\"True\" casing reconstructed)"
        } else {
            ""
        };
        let body = patch(ops);
        let req = s.request(
            "PATCH",
            format!("/Users/{}", segment(id)),
            vec![],
            Some(&body),
        );
        s.write(
            req,
            &format!("{what}: PATCH the differing attributes{casing}"),
        )
        .await;
    }
}
