//! Okta (idp-behaviors.md §1). The OIN template app PATCHes (de)activation and groups and
//! re-sends a group's name before every membership update; the App Integration Wizard app
//! GETs and PUTs everything. Both GET+PUT profile updates and never DELETE users.

use serde_json::{Value, json};

use super::{Behaviour, Groups, Member, NoGroups, NotFound, Step};
use crate::exec::cleanup::segment;
use crate::simulate::dialect::{
    Drift, GROUP_URN, USER_URN, add_profile_extras, members_patch, okta_group_put_body, okta_id,
    okta_put_body, patch,
};
use crate::simulate::directory::DirUser;
use crate::simulate::sync::Session;

/// Okta; `aiw` for an App Integration Wizard app, else an OIN template app.
pub(super) struct Okta {
    pub aiw: bool,
}

impl Behaviour for Okta {
    // §1.1 [DOC/OBS 2018 PR #1956]
    fn headers(&self) -> Vec<(&'static str, &'static str)> {
        vec![
            ("User-Agent", "Okta SCIM Client 1.0.0"),
            ("Accept", "application/scim+json"),
            ("Accept-Charset", "utf-8"),
        ]
    }

    // §1.3 [DOC okta-docs:scim20; OBS Rostr]
    fn user_lookup_query(&self, user_name: &str) -> Vec<(String, String)> {
        vec![
            ("filter".to_string(), format!("userName eq \"{user_name}\"")),
            ("startIndex".into(), "1".into()),
            ("count".into(), "100".into()),
        ]
    }

    // §1.3 [DOC okta-docs:scim20; OBS Rostr: enterprise attributes under the URN]
    fn user_create_body(&self, u: &DirUser, run_id: &str) -> Value {
        let mut schemas = vec![json!(USER_URN)];
        // §1.3 [DOC]: externalId is the Okta user id (00u…)
        let external_id = u
            .external_id
            .clone()
            .unwrap_or_else(|| okta_id("00u", run_id, &u.user_name));
        let mut body = json!({
            "userName": u.user_name,
            "name": {"givenName": u.given_name, "familyName": u.family_name},
            "emails": [{"primary": true, "value": u.email(), "type": "work"}],
            "displayName": u.display_name(),
            "locale": "en-US",
            "externalId": external_id,
            "groups": [],
            "password": okta_id("", run_id, &format!("pw:{}", u.user_name))[..8].to_lowercase(),
            "active": true,
        });
        add_profile_extras(&mut body, &mut schemas, u);
        body["schemas"] = Value::Array(schemas);
        body
    }

    fn on_failure(&self) -> &'static str {
        "Okta shows the failure as a task and alert in its admin console (Dashboard → Tasks) \
         and leaves the app out of sync until an admin retries it"
    }

    fn on_drift(&self, what: Drift) -> &'static str {
        match what {
            Drift::Active => {
                "Okta believes the write succeeded and never re-reads the user: the account \
                 keeps its old status (and access) in the application"
            }
            Drift::Profile => {
                "Okta believes the write succeeded and never re-reads the user (only imports \
                 do): the application keeps the stale value"
            }
            Drift::Group => {
                "Okta believes the push succeeded and does not re-read membership: group-based \
                 access in the application silently differs from Okta"
            }
            Drift::Gone => {
                "Okta still holds the link; its next update gets a 404 and shows as a task"
            }
        }
    }

    fn user_lookup_404(&self) -> NotFound {
        NotFound::NoMatch("404, which Okta's docs accept as \"no match\" (its SPEC test does not)")
    }

    fn create_without_id(&self) -> &'static str {
        "Okta fails the assignment with \"Create new user returned empty user\" and shows it \
         as a task"
    }

    fn import(&self) -> Result<(&'static str, &'static str), &'static str> {
        Ok((
            "Okta's import",
            "Okta reports the account as unmatched (an inactive one as not scanned) and cannot link it to its Okta user",
        ))
    }

    // §1.3 [OBS Rostr]: a matched user got the filter GET then a PUT, no POST.
    fn update_linked<'s>(
        &'s self,
        s: &'s mut Session<'_>,
        i: usize,
        resource: Value,
        what: String,
    ) -> Step<'s> {
        Box::pin(async move {
            let Some(id) = resource.get("id").and_then(Value::as_str) else {
                return;
            };
            let body = okta_put_body(&resource, &s.users[i].dir);
            let req = s.request(
                "PUT",
                format!("/Users/{}", segment(id)),
                vec![],
                Some(&body),
            );
            s.write(req, &what).await;
        })
    }

    // §1.4 [DOC/OBS]: GET by id, then PUT of the whole resource (OIN and AIW alike).
    fn update_user<'s>(&'s self, s: &'s mut Session<'_>, i: usize, what: String) -> Step<'s> {
        Box::pin(get_put(s, i, what))
    }

    fn set_active<'s>(
        &'s self,
        s: &'s mut Session<'_>,
        i: usize,
        id: String,
        active: bool,
        what: String,
    ) -> Step<'s> {
        // §1.5 [OBS Rostr; coder#15828]: GET then PUT with active.
        if self.aiw {
            return Box::pin(get_put(s, i, what));
        }
        // §1.5 [DOC okta-docs:scim20; OBS sentry#27199]: path-less replace, lowercase op.
        Box::pin(async move {
            let body = patch(vec![json!({"op": "replace", "value": {"active": active}})]);
            let req = s.request(
                "PATCH",
                format!("/Users/{}", segment(&id)),
                vec![],
                Some(&body),
            );
            let Some(resp) = s.send(req, &what).await else {
                return;
            };
            if !(200..300).contains(&resp.status) {
                s.fail(
                    &what,
                    &resp,
                    "Okta does not fall back to PUT: it creates a provisioning task in its \
                     admin console and the user keeps their status in the application",
                );
            }
        })
    }

    fn delete_user<'s>(&'s self, s: &'s mut Session<'_>, i: usize) -> Step<'s> {
        Box::pin(async move {
            let name = s.users[i].dir.user_name.clone();
            if s.users[i].id.is_some() && !s.users[i].dir.active {
                s.note(format!(
                    "Okta never DELETEs users, and deleting an already-deactivated Okta user \
                     sends nothing: {name} stays on the target, inactive"
                ));
                return;
            }
            s.note(format!(
                "Okta never DELETEs users: deleting {name} in Okta deactivates it first, which \
                 is all the application hears"
            ));
            s.set_active(i, false).await;
        })
    }

    fn groups(&self) -> Result<&dyn Groups, NoGroups> {
        Ok(self)
    }
}

impl Groups for Okta {
    // §1.7 [DOC okta-developer-docs PR #4605 (OIN), OBS Rostr (AIW)]
    fn lookup_query(&self, display_name: &str) -> Vec<(String, String)> {
        vec![(
            "filter".to_string(),
            format!("displayName eq \"{display_name}\""),
        )]
    }

    // §1.7 [DOC (OIN); OBS Rostr (AIW)]: members [] on the POST
    fn create_body(&self, display_name: &str, _run_id: &str, _adscim_urn: bool) -> Value {
        json!({
            "schemas": [GROUP_URN],
            "displayName": display_name,
            "members": [],
        })
    }

    fn group_lookup_404(&self) -> NotFound {
        NotFound::NoMatch("404, taken as \"no match\" (reconstructed)")
    }

    fn push_members<'s>(
        &'s self,
        s: &'s mut Session<'_>,
        g: usize,
        members: Vec<Member>,
        name: String,
    ) -> Step<'s> {
        // §1.7 [OBS Rostr]: POST, GET, PUT with the full member list (even when empty).
        if self.aiw {
            return Box::pin(async move {
                group_get_put(s, g, &format!("push members of {name}")).await;
            });
        }
        Box::pin(async move {
            if members.is_empty() {
                return;
            }
            rename_ping(s, g).await;
            let body = members_patch("add", &members, false);
            let what = format!("add {} member(s) to {name}", members.len());
            s.group_patch(g, body, &what).await;
        })
    }

    fn add_member<'s>(
        &'s self,
        s: &'s mut Session<'_>,
        g: usize,
        member: Vec<Member>,
        what: String,
    ) -> Step<'s> {
        Box::pin(async move {
            if self.aiw {
                group_get_put(s, g, &what).await;
                return;
            }
            // §1.7 [DOC; OBS SCIM-SDK#419]: name re-sent, then add with value and display.
            rename_ping(s, g).await;
            let body = members_patch("add", &member, false);
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
            if self.aiw {
                group_get_put(s, g, &what).await;
                return;
            }
            let Some((id, _)) = member.first() else {
                return;
            };
            // §1.7 [DOC]: name re-sent, then remove by filter.
            rename_ping(s, g).await;
            let filter_op = json!({"op": "remove", "path": format!("members[value eq \"{id}\"]")});
            s.group_patch(g, patch(vec![filter_op]), &what).await;
        })
    }

    fn rename_group<'s>(
        &'s self,
        s: &'s mut Session<'_>,
        g: usize,
        id: String,
        to: String,
        what: String,
    ) -> Step<'s> {
        Box::pin(async move {
            // §1.0 [DOC]: AIW group rename is a PUT too.
            if self.aiw {
                group_get_put(s, g, &what).await;
                return;
            }
            // §1.7 [DOC]: path-less replace carrying id and displayName.
            let body = patch(vec![
                json!({"op": "replace", "value": {"id": id, "displayName": to}}),
            ]);
            s.group_patch(g, body, &what).await;
        })
    }
}

/// GET the user by id, then PUT the whole resource with Okta's values.
async fn get_put(s: &mut Session<'_>, i: usize, what: String) {
    let Some(id) = s.users[i].live_id().map(str::to_string) else {
        return;
    };
    let req = s.request("GET", format!("/Users/{}", segment(&id)), vec![], None);
    let get_what = format!("{what}: read the user");
    let Some(resp) = s.send(req, &get_what).await else {
        return;
    };
    let current = match (resp.status, resp.json()) {
        (200, Some(json)) => json,
        (404, _) => {
            s.fail(&get_what, &resp, s.idp.on_drift(Drift::Gone));
            return;
        }
        _ => {
            let consequence = s.idp.on_failure();
            s.fail(&get_what, &resp, consequence);
            return;
        }
    };
    let body = okta_put_body(&current, &s.users[i].dir);
    let req = s.request(
        "PUT",
        format!("/Users/{}", segment(&id)),
        vec![],
        Some(&body),
    );
    s.write(req, &format!("{what}: PUT the whole user")).await;
}

/// Okta OIN re-sends the group name (path-less replace with id and displayName) before
/// every membership update (§1.7 [DOC]).
async fn rename_ping(s: &mut Session<'_>, g: usize) {
    let (Some(id), name) = (s.groups[g].id.clone(), s.groups[g].name.clone()) else {
        return;
    };
    let body = patch(vec![
        json!({"op": "replace", "value": {"id": id, "displayName": name}}),
    ]);
    s.group_patch(
        g,
        body,
        &format!("re-send the name of {name} (Okta does before every membership update)"),
    )
    .await;
}

/// Okta AIW: GET the group, then PUT it with Okta's name and full member list.
async fn group_get_put(s: &mut Session<'_>, g: usize, what: &str) {
    let Some(id) = s.groups[g].id.clone() else {
        return;
    };
    let req = s.request("GET", format!("/Groups/{}", segment(&id)), vec![], None);
    let get_what = format!("{what}: read the group");
    let Some(resp) = s.send(req, &get_what).await else {
        return;
    };
    let current = match (resp.status, resp.json()) {
        (200, Some(json)) => json,
        _ => {
            let consequence = s.idp.on_failure();
            s.fail(&get_what, &resp, consequence);
            return;
        }
    };
    let pairs = s.member_pairs(&s.groups[g].pushed.clone());
    let body = okta_group_put_body(&current, &s.groups[g].name, &pairs);
    let req = s.request(
        "PUT",
        format!("/Groups/{}", segment(&id)),
        vec![],
        Some(&body),
    );
    s.write(
        req,
        &format!("{what}: PUT the group with all {} member(s)", pairs.len()),
    )
    .await;
}
