//! App roles: with `AppRoleAssignmentsComplex`, Entra's POST carries role objects, but a role
//! added later arrives in a PATCH as a JSON object serialised into the string `value`
//! (entra-attributes, "Provisioning a role to a SCIM app": `{"op":"Add","path":"roles",
//! "value":[{"value":"{\"id\":…,\"value\":…,\"displayName\":…}"}]}`, no type). Microsoft
//! says `aadOptscim062020` sends PATCH and POST in the same format, so the flag-on dialect
//! adds a plain role object (reconstructed). Okta and Google do not map roles by default.

use super::sync::Session;

impl Session<'_> {
    pub(super) async fn add_role(&mut self, i: usize, role: &str) {
        let name = self.users[i].dir.user_name.clone();
        let Some((body, how)) = self.idp.behaviour().role_patch(self.run_id, &name, role) else {
            self.note(format!(
                "{}'s default attribute mapping has no roles: {name}'s role {role} is not sent",
                self.idp
            ));
            return;
        };
        if self.users[i].dir.roles.iter().any(|r| r == role) {
            self.note(format!("{name} already has the role {role}: nothing sent"));
            return;
        }
        self.users[i].dir.roles.push(role.to_string());
        let Some(id) = self.users[i].live_id().map(str::to_string) else {
            self.note(format!(
                "{name} is not provisioned: the role is sent with its create"
            ));
            return;
        };
        let req = self.request(
            "PATCH",
            format!("/Users/{}", crate::exec::cleanup::segment(&id)),
            vec![],
            Some(&body),
        );
        self.write(req, &format!("give {name} the role {role}: {how}"))
            .await;
    }
}
