//! The manager, a reference attribute: Entra writes it in a second round trip after the
//! create (entra-tutorial; MicrosoftDocs/azure-docs#45885), as a bare string id —
//! `{"op":"Add","path":"urn:…:enterprise:2.0:User:manager","value":"<id>"}` in the default
//! dialect (SCIM-SDK `MsAzurePatchComplexValueRebuilder`), the same with a lowercase `add`
//! under `aadOptscim062020` (SCIM-SDK#686). Okta and Google do not map it by default.
//! See `scenarios/idp/entra/manager*.yaml` for the other forms Entra has sent.

use serde_json::json;

use super::dialect::{ENTERPRISE_URN, patch};
use super::sync::Session;

impl Session<'_> {
    pub(super) async fn write_manager(&mut self, i: usize) {
        let Some(manager) = self.users[i].dir.manager.clone() else {
            return;
        };
        let name = self.users[i].dir.user_name.clone();
        let Some(op) = self.idp.behaviour().manager_op() else {
            self.note(format!(
                "{}'s default attribute mapping has no manager: {name}'s manager is not sent",
                self.idp
            ));
            return;
        };
        let (Some(id), Some(manager_id)) = (
            self.users[i].live_id().map(str::to_string),
            self.manager_id(&manager),
        ) else {
            self.note(format!(
                "{name} or its manager {manager} is not provisioned: the manager is not sent"
            ));
            return;
        };
        let body = patch(vec![json!({
            "op": op,
            "path": format!("{ENTERPRISE_URN}:manager"),
            "value": manager_id,
        })]);
        let req = self.request(
            "PATCH",
            format!("/Users/{}", crate::exec::cleanup::segment(&id)),
            vec![],
            Some(&body),
        );
        self.write(
            req,
            &format!("set {name}'s manager to {manager} (second round trip, bare id)"),
        )
        .await;
    }

    /// The target's id of the directory user `user_name`, once provisioned.
    pub(super) fn manager_id(&self, user_name: &str) -> Option<String> {
        self.users
            .iter()
            .find(|u| u.dir.user_name.eq_ignore_ascii_case(user_name))
            .and_then(|u| u.live_id())
            .map(str::to_string)
    }
}
