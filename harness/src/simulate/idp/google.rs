//! Google Workspace through the Keeper connector (idp-behaviors.md §3): users only, no
//! groups and no import; a suspend instead of a delete. Only the create is observed; the
//! update and suspend requests are reconstructed.

use serde_json::{Value, json};

use super::{Behaviour, Groups, NoGroups, NotFound, Step};
use crate::exec::cleanup::segment;
use crate::simulate::dialect::{Drift, SCIM1_URN, USER_URN, patch};
use crate::simulate::directory::DirUser;
use crate::simulate::sync::Session;

/// Google Workspace.
pub(super) struct Google;

impl Behaviour for Google {
    // §3 [OBS 2024 pond/scimitar#142]
    fn headers(&self) -> Vec<(&'static str, &'static str)> {
        vec![("User-Agent", "Google-Auto-Provisioning")]
    }

    fn body_headers(&self) -> Vec<(&'static str, &'static str)> {
        vec![("Content-Type", "application/json")]
    }

    // §3 [OBS 2024 snipe-it#12642]: startIndex=1, no count
    fn user_lookup_query(&self, user_name: &str) -> Vec<(String, String)> {
        vec![
            ("filter".to_string(), format!("userName eq \"{user_name}\"")),
            ("startIndex".into(), "1".into()),
        ]
    }

    // §3 [OBS 2023 snipe-it#12642]: the SCIM 1.0 URN next to the 2.0 one. The body was cut
    // off after `active`; title and department are not sent (unknown mapping), nor is an
    // externalId (not in the observed body).
    fn user_create_body(&self, u: &DirUser, _run_id: &str) -> Value {
        json!({
            "schemas": [SCIM1_URN, USER_URN],
            "userName": u.user_name,
            "emails": [{"primary": true, "value": u.email(), "type": "work"}],
            "displayName": u.display_name(),
            "name": {"givenName": u.given_name, "familyName": u.family_name},
            "active": u.active,
        })
    }

    // Google's mapping is unknown, so the simulation neither sends nor verifies them.
    fn maps_title_and_department(&self) -> bool {
        false
    }

    fn on_failure(&self) -> &'static str {
        "Google records a \"Failures\" event in the Admin audit log and tries again at the \
         next sync, every few hours"
    }

    fn on_drift(&self, _what: Drift) -> &'static str {
        "Google would send the change again at its next sync, every few hours (reconstructed: \
         Google's re-read behaviour is not documented)"
    }

    fn user_lookup_404(&self) -> NotFound {
        NotFound::NoMatch("404, taken as \"no match\" (reconstructed)")
    }

    fn create_without_id(&self) -> &'static str {
        self.on_failure()
    }

    fn groups(&self) -> Result<&dyn Groups, NoGroups> {
        Err(NoGroups {
            at_sync: "Google pushes no groups (the Keeper connector provisions users only)",
            at_change: "Google pushes no groups: nothing sent",
        })
    }

    fn import(&self) -> Result<(&'static str, &'static str), &'static str> {
        Err("Google's connector documents no import of the application's accounts: nothing sent")
    }

    fn update_linked<'s>(
        &'s self,
        s: &'s mut Session<'_>,
        i: usize,
        _resource: Value,
        what: String,
    ) -> Step<'s> {
        Box::pin(put(s, i, format!("{what} (reconstructed)")))
    }

    // Reconstructed: no public log shows a Google profile update.
    fn update_user<'s>(&'s self, s: &'s mut Session<'_>, i: usize, what: String) -> Step<'s> {
        Box::pin(put(s, i, format!("{what} (reconstructed)")))
    }

    // Reconstructed: suspend/unsuspend events are documented, the body is not.
    fn set_active<'s>(
        &'s self,
        s: &'s mut Session<'_>,
        i: usize,
        id: String,
        active: bool,
        _what: String,
    ) -> Step<'s> {
        Box::pin(async move {
            let name = s.users[i].dir.user_name.clone();
            let body = patch(vec![
                json!({"op": "replace", "path": "active", "value": active}),
            ]);
            let req = s.request(
                "PATCH",
                format!("/Users/{}", segment(&id)),
                vec![],
                Some(&body),
            );
            let verb = if active { "unsuspend" } else { "suspend" };
            s.write(req, &format!("{verb} {name} (reconstructed)"))
                .await;
        })
    }

    fn delete_user<'s>(&'s self, s: &'s mut Session<'_>, i: usize) -> Step<'s> {
        Box::pin(async move {
            let name = s.users[i].dir.user_name.clone();
            s.note(format!(
                "Google's deprovisioning for this connector is a suspend, not a delete: \
                 {name} is suspended"
            ));
            s.set_active(i, false).await;
        })
    }
}

/// Google's full-profile PUT (reconstructed: the create body's attributes, with only the
/// SCIM 2.0 URN, as the google/update-profile replay sends it).
async fn put(s: &mut Session<'_>, i: usize, what: String) {
    let Some(id) = s.users[i].live_id().map(str::to_string) else {
        return;
    };
    let body = s.idp.google_update_body(&s.users[i].dir, s.run_id);
    let req = s.request(
        "PUT",
        format!("/Users/{}", segment(&id)),
        vec![],
        Some(&body),
    );
    s.write(req, &what).await;
}
