//! What each IdP does differently, one file per IdP: [`okta`] (OIN and AIW apps), [`entra`]
//! (default and `aadOptscim062020` dialects) and [`google`]. [`super::sync`] holds the
//! sequence every IdP shares (look up, create, change, verify) and asks the [`Behaviour`]
//! of the chosen IdP at each point where they part ways. Each file also answers the request
//! shapes (headers, lookup queries, create bodies) and the consequences the [`Idp`] methods
//! in [`super::dialect`] report; the body builders the IdPs share stay there.

mod entra;
mod google;
mod okta;

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

use super::Idp;
use super::dialect::Drift;
use super::directory::DirUser;
use super::sync::Session;
use crate::scenario::profile::QueryEncoding;

/// A step of the simulation that an IdP sends its own way.
pub(super) type Step<'s> = Pin<Box<dyn Future<Output = ()> + Send + 's>>;

/// A target id and `userName` of a group member.
pub(super) type Member = (String, String);

/// How an IdP takes a 404 to its lookup filter.
#[derive(Debug, Clone, Copy)]
pub(super) enum NotFound {
    /// As "no match", with this outcome on the transcript line.
    NoMatch(&'static str),
    /// As a failure, with what the IdP does next.
    Fails(&'static str),
}

/// Why an IdP pushes no groups: the notes for the sync and for a group change.
#[derive(Debug, Clone, Copy)]
pub(super) struct NoGroups {
    /// Said once at the sync, before "the directory's N group(s) are not sent".
    pub at_sync: &'static str,
    /// Said for each group change.
    pub at_change: &'static str,
}

/// One IdP's side of the simulation: the facts that differ, and the request sequences
/// that differ. Every sequence records its requests and problems on the [`Session`].
pub(super) trait Behaviour: Sync {
    // ---- request shapes (see dialect.rs) ------------------------------------------------

    /// Headers on every request (profile `headers`).
    fn headers(&self) -> Vec<(&'static str, &'static str)>;

    /// Headers on requests with a body (profile `body_headers`).
    fn body_headers(&self) -> Vec<(&'static str, &'static str)> {
        vec![("Content-Type", "application/scim+json; charset=utf-8")]
    }

    /// Harness default headers this IdP does not send (profile `omit_headers`).
    fn omit_headers(&self) -> Vec<&'static str> {
        vec![]
    }

    /// How query values are encoded (profile `query_encoding`).
    fn query_encoding(&self) -> QueryEncoding {
        QueryEncoding::Percent
    }

    /// The pre-create lookup's query for a `userName`.
    fn user_lookup_query(&self, user_name: &str) -> Vec<(String, String)>;

    /// The POST /Users body.
    fn user_create_body(&self, u: &DirUser, run_id: &str) -> Value;

    /// Whether title and department reach the target.
    fn maps_title_and_department(&self) -> bool {
        true
    }

    /// What the real IdP does after an error response or no response to a write or read.
    fn on_failure(&self) -> &'static str;

    /// What the real IdP does when the final state differs from what it sent (it got a 2xx).
    fn on_drift(&self, what: Drift) -> &'static str;

    // ---- the sequence -------------------------------------------------------------------

    /// How a 404 to the pre-create `userName` lookup is taken.
    fn user_lookup_404(&self) -> NotFound;

    /// What the IdP does after a create answered 2xx without an id.
    fn create_without_id(&self) -> &'static str;

    /// How the IdP pushes groups, or why it pushes none.
    fn groups(&self) -> Result<&dyn Groups, NoGroups>;

    /// The import of the application's accounts: who walks the list, and what happens to
    /// an account it does not list; or, when the IdP documents no import, a note saying so.
    fn import(&self) -> Result<(&'static str, &'static str), &'static str>;

    /// The PatchOp op name of the manager's second round trip; `None` when the default
    /// attribute mapping has no manager (see `manager.rs`).
    fn manager_op(&self) -> Option<&'static str> {
        None
    }

    /// The PATCH that gives the provisioned `user_name` the app role `role`, and how the
    /// transcript describes it; `None` when the default attribute mapping has no roles
    /// (see `roles.rs`).
    fn role_patch(
        &self,
        _run_id: &str,
        _user_name: &str,
        _role: &str,
    ) -> Option<(Value, &'static str)> {
        None
    }

    /// Whether the manager and app roles reach the target (and are verified).
    fn maps_manager_and_roles(&self) -> bool {
        self.manager_op().is_some()
    }

    /// Updates a pre-existing user the lookup found (`resource`) and the simulation linked.
    fn update_linked<'s>(
        &'s self,
        s: &'s mut Session<'_>,
        i: usize,
        resource: Value,
        what: String,
    ) -> Step<'s>;

    /// Sends a profile change of a provisioned user.
    fn update_user<'s>(&'s self, s: &'s mut Session<'_>, i: usize, what: String) -> Step<'s>;

    /// Sends a (de)activation of the provisioned user `id`; `what` names it.
    fn set_active<'s>(
        &'s self,
        s: &'s mut Session<'_>,
        i: usize,
        id: String,
        active: bool,
        what: String,
    ) -> Step<'s>;

    /// Deprovisions a user deleted in the IdP.
    fn delete_user<'s>(&'s self, s: &'s mut Session<'_>, i: usize) -> Step<'s>;
}

/// How an IdP that pushes groups sends them.
pub(super) trait Groups: Sync {
    /// The group existence check before a push.
    fn lookup_query(&self, display_name: &str) -> Vec<(String, String)>;

    /// The POST /Groups body; `adscim_urn` asks for Entra's pre-2018 ADSCIM URN.
    fn create_body(&self, display_name: &str, run_id: &str, adscim_urn: bool) -> Value;

    /// How a 404 to the group `displayName` lookup is taken.
    fn group_lookup_404(&self) -> NotFound;

    /// Pushes the initial members of group `g`, just created, named `name`.
    fn push_members<'s>(
        &'s self,
        s: &'s mut Session<'_>,
        g: usize,
        members: Vec<Member>,
        name: String,
    ) -> Step<'s>;

    /// Adds `member` to the pushed group `g`.
    fn add_member<'s>(
        &'s self,
        s: &'s mut Session<'_>,
        g: usize,
        member: Vec<Member>,
        what: String,
    ) -> Step<'s>;

    /// Removes `member` (its target id first) from the pushed group `g`.
    fn remove_member<'s>(
        &'s self,
        s: &'s mut Session<'_>,
        g: usize,
        member: Vec<Member>,
        what: String,
    ) -> Step<'s>;

    /// Renames the pushed group `g` (target id `id`) to `to`.
    fn rename_group<'s>(
        &'s self,
        s: &'s mut Session<'_>,
        g: usize,
        id: String,
        to: String,
        what: String,
    ) -> Step<'s>;
}

impl Idp {
    /// This IdP's behaviour.
    pub(super) fn behaviour(self) -> &'static dyn Behaviour {
        match self {
            Idp::OktaOin => &okta::Okta { aiw: false },
            Idp::OktaAiw => &okta::Okta { aiw: true },
            Idp::Entra => &entra::Entra { compliant: false },
            Idp::EntraCompliant => &entra::Entra { compliant: true },
            Idp::Google => &google::Google,
        }
    }
}
