//! The simulated IdP's work: the initial sync (users, then groups) and each change, sent the
//! way the chosen IdP sends it, with every request recorded and every failure turned into a
//! problem that says what the real IdP would do next.
//!
//! This file holds the sequence and the session's state and transport; the shared user and
//! group steps are in `users.rs` and `groups.rs`, and everything one IdP does differently is
//! in its file under `idp/`.

use serde_json::Value;

use super::directory::{Change, DirUser, Directory, check_directory};
use super::{Idp, SimStep, SimulationReport};
use crate::exec::cancel::Cancel;
use crate::exec::cleanup::has_dot_segment;
use crate::exec::http::{HttpClient, OutgoingRequest, Response};
use crate::exec::pointer::resolve;

/// What the IdP knows about one directory user.
#[derive(Debug, Clone)]
pub(super) struct UserState {
    /// The user as the IdP holds it now (after the changes so far).
    pub dir: DirUser,
    /// The target's id, once created or linked.
    pub id: Option<String>,
    /// True when the simulation created it (false: a pre-existing user linked by userName).
    pub created: bool,
    /// True once a DELETE was accepted (Entra).
    pub deleted: bool,
}

impl UserState {
    /// The target id of a user that is provisioned and not deleted.
    pub fn live_id(&self) -> Option<&str> {
        if self.deleted {
            None
        } else {
            self.id.as_deref()
        }
    }
}

/// What the IdP knows about one directory group.
#[derive(Debug, Clone)]
pub(super) struct GroupState {
    /// The name in the directory file.
    pub original: String,
    /// The current name (after renames).
    pub name: String,
    /// Members in the directory, by user index (including users never provisioned).
    pub members: Vec<usize>,
    /// Members the IdP pushed, by user index: the membership it intends on the target.
    pub pushed: Vec<usize>,
    /// The target's id, once created.
    pub id: Option<String>,
}

/// One simulation run in progress.
pub(super) struct Session<'a> {
    pub client: &'a HttpClient,
    pub idp: Idp,
    pub run_id: &'a str,
    pub phase: String,
    pub report: SimulationReport,
    pub users: Vec<UserState>,
    pub groups: Vec<GroupState>,
    /// Whether a pre-existing user the lookup finds may be linked and modified, as the real
    /// IdP would; off, the simulation leaves data it did not create untouched.
    pub link_existing: bool,
    /// Opt-in quirks of older IdP versions.
    pub quirks: super::Quirks,
    /// Everything created, registered the moment the target answers, so an interrupted
    /// simulation can still be cleaned up.
    pub registry: crate::exec::cleanup::Registry,
    /// Ctrl-C and termination signals: no request is started once set, and a create in
    /// flight is awaited (within the request timeout) so what it creates is registered.
    pub cancel: Cancel,
}

/// How the user lookup came out.
pub(super) enum Lookup {
    Missing,
    Found(Value),
    Failed,
}

/// Runs sync, changes and verification.
#[expect(
    clippy::too_many_arguments,
    reason = "the simulation's inputs, passed through from the library entries"
)]
pub(super) async fn run(
    client: &HttpClient,
    idp: Idp,
    directory: &Directory,
    changes: &[Change],
    run_id: &str,
    link_existing: bool,
    quirks: super::Quirks,
    registry: &crate::exec::cleanup::Registry,
    cancel: &Cancel,
) -> SimulationReport {
    let mut s = Session::new(client, idp, directory, run_id);
    s.link_existing = link_existing;
    s.quirks = quirks;
    s.registry = registry.clone();
    s.cancel = cancel.clone();
    for p in check_directory(directory, changes) {
        s.problem(format!("input: {p} (skipped)"));
    }
    s.phase = "sync".into();
    for i in 0..s.users.len() {
        s.provision_user(i).await;
    }
    if let Some(reason) = cancel.reason() {
        s.problem(format!("interrupted during the sync: {reason}"));
        return s.report;
    }
    for i in 0..s.users.len() {
        s.write_manager(i).await;
    }
    match idp.behaviour().groups() {
        Ok(_) => {
            for g in 0..s.groups.len() {
                s.push_group(g).await;
            }
        }
        Err(no) => {
            if !s.groups.is_empty() {
                s.note(format!(
                    "{}: the directory's {} group(s) are not sent and not verified",
                    no.at_sync,
                    s.groups.len()
                ));
            }
        }
    }
    for change in changes {
        s.phase = format!("change: {}", change.label());
        s.apply(change).await;
    }
    if let Some(reason) = cancel.reason() {
        s.problem(format!("interrupted before the verification: {reason}"));
        return s.report;
    }
    s.phase = "import".into();
    s.import().await;
    s.phase = "verify".into();
    s.verify().await;
    s.report
}

impl<'a> Session<'a> {
    fn new(client: &'a HttpClient, idp: Idp, directory: &Directory, run_id: &'a str) -> Self {
        let mut users: Vec<UserState> = Vec::new();
        for u in &directory.users {
            if users
                .iter()
                .any(|x| x.dir.user_name.eq_ignore_ascii_case(&u.user_name))
            {
                continue;
            }
            users.push(UserState {
                dir: u.clone(),
                id: None,
                created: false,
                deleted: false,
            });
        }
        let find = |name: &str| {
            users
                .iter()
                .position(|u| u.dir.user_name.eq_ignore_ascii_case(name))
        };
        let mut groups: Vec<GroupState> = Vec::new();
        for g in &directory.groups {
            if groups
                .iter()
                .any(|x| x.original.eq_ignore_ascii_case(&g.display_name))
            {
                continue;
            }
            let mut members = Vec::new();
            for m in &g.members {
                if let Some(i) = find(m)
                    && !members.contains(&i)
                {
                    members.push(i);
                }
            }
            groups.push(GroupState {
                original: g.display_name.clone(),
                name: g.display_name.clone(),
                members,
                pushed: Vec::new(),
                id: None,
            });
        }
        Session {
            client,
            idp,
            run_id,
            phase: String::new(),
            report: SimulationReport {
                idp,
                steps: Vec::new(),
                problems: Vec::new(),
                created: Vec::new(),
            },
            users,
            groups,
            link_existing: false,
            quirks: super::Quirks::default(),
            registry: crate::exec::cleanup::Registry::new(),
            cancel: Cancel::default(),
        }
    }

    // ---- recording -------------------------------------------------------------------

    pub(super) fn note(&mut self, text: impl Into<String>) {
        self.report.steps.push(SimStep {
            phase: self.phase.clone(),
            exchange: None,
            summary: text.into(),
        });
    }

    pub(super) fn problem(&mut self, text: impl Into<String>) {
        self.report.problems.push(text.into());
    }

    /// Appends the outcome to the last step's summary.
    pub(super) fn outcome(&mut self, text: &str) {
        if let Some(step) = self.report.steps.last_mut() {
            step.summary.push_str(": ");
            step.summary.push_str(text);
        }
    }

    /// A request in the IdP's dialect: its headers, omitted defaults and query encoding.
    pub(super) fn request(
        &self,
        method: &'static str,
        path: String,
        query: Vec<(String, String)>,
        body: Option<&Value>,
    ) -> OutgoingRequest {
        let mut req = OutgoingRequest::new(method, path, self.client.default_bearer());
        req.query = query;
        req.query_encoding = self.idp.query_encoding();
        req.omit_headers = self
            .idp
            .omit_headers()
            .into_iter()
            .map(String::from)
            .collect();
        req.headers = self
            .idp
            .headers()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if let Some(body) = body {
            req.body = Some(serde_json::to_vec(body).unwrap_or_default());
            req.headers.extend(
                self.idp
                    .body_headers()
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string())),
            );
        }
        req
    }

    /// Sends and records; a transport failure becomes a problem and `None`.
    pub(super) async fn send(&mut self, req: OutgoingRequest, what: &str) -> Option<Response> {
        if self.cancel.reason().is_some() {
            return None;
        }
        if has_dot_segment(&req.path) {
            self.problem(format!(
                "{}: not sent: the path `{}` has a dot segment (an id from the target of `.` or \
                 `..` would address another resource)",
                self.context(what),
                req.path
            ));
            return None;
        }
        let send = self.client.send(&req);
        // A create is awaited (the request timeout bounds it) so that what it creates is
        // registered and cleaned up; anything else is abandoned at once.
        let (exchange, result) = if req.method == "POST" {
            send.await
        } else {
            tokio::select! {
                sent = send => sent,
                () = self.cancel.cancelled() => return None,
            }
        };
        self.report.steps.push(SimStep {
            phase: self.phase.clone(),
            exchange: Some(exchange),
            summary: what.to_string(),
        });
        match result {
            Ok(resp) => Some(resp),
            Err(e) => {
                self.outcome("no response");
                let consequence = self.idp.on_failure();
                self.problem(format!("{}: {e}; {consequence}", self.context(what)));
                None
            }
        }
    }

    /// `phase: what`, without repeating a change's label that `what` already starts with.
    fn context(&self, what: &str) -> String {
        match self.phase.strip_prefix("change: ") {
            Some(label) if what.starts_with(label) => format!("change: {what}"),
            _ => format!("{}: {what}", self.phase),
        }
    }

    /// Records an error response as a problem with the IdP's consequence.
    pub(super) fn fail(&mut self, what: &str, resp: &Response, consequence: &str) {
        self.outcome(&format!("failed ({})", resp.status));
        let detail = error_detail(resp);
        self.problem(format!(
            "{} answered {}{detail}; {consequence}",
            self.context(what),
            resp.status
        ));
    }

    /// Sends a write and checks for a 2xx; true on success.
    pub(super) async fn write(&mut self, req: OutgoingRequest, what: &str) -> bool {
        let Some(resp) = self.send(req, what).await else {
            return false;
        };
        if (200..300).contains(&resp.status) {
            true
        } else {
            let consequence = self.idp.on_failure();
            self.fail(what, &resp, consequence);
            false
        }
    }

    // ---- changes ---------------------------------------------------------------------

    async fn apply(&mut self, change: &Change) {
        let user_of = |s: &Self, name: &str| s.find_user(name);
        match change {
            Change::Update { user, set } => match user_of(self, user) {
                Some(i) => self.update_user(i, set).await,
                None => self.note(format!("no user {user} in the directory: nothing sent")),
            },
            Change::Deactivate { user } => match user_of(self, user) {
                Some(i) => self.set_active(i, false).await,
                None => self.note(format!("no user {user} in the directory: nothing sent")),
            },
            Change::Reactivate { user } => match user_of(self, user) {
                Some(i) => self.set_active(i, true).await,
                None => self.note(format!("no user {user} in the directory: nothing sent")),
            },
            Change::Delete { user } => match user_of(self, user) {
                Some(i) => self.delete_user(i).await,
                None => self.note(format!("no user {user} in the directory: nothing sent")),
            },
            Change::AddMember { group, user } => self.add_member(group, user).await,
            Change::RemoveMember { group, user } => self.remove_member(group, user).await,
            Change::RenameGroup { group, to } => self.rename_group(group, to).await,
            Change::AddRole { user, role } => match user_of(self, user) {
                Some(i) => self.add_role(i, role).await,
                None => self.note(format!("no user {user} in the directory: nothing sent")),
            },
        }
    }
}

/// ` (detail)` from a SCIM error body, or the start of any other body.
pub(super) fn error_detail(resp: &Response) -> String {
    if let Some(json) = resp.json()
        && let Some(d) = resolve(&json, "/detail").and_then(Value::as_str)
    {
        return format!(" ({d})");
    }
    let text = String::from_utf8_lossy(&resp.body);
    let text = text.trim();
    if text.is_empty() {
        String::new()
    } else {
        let cut: String = text.chars().take(120).collect();
        format!(" ({cut})")
    }
}

/// The `id` of the resource a create returned, if the body has one usable in a URL.
pub(super) fn created_id(resp: &Response) -> Option<String> {
    resp.json().and_then(|j| {
        resolve(&j, "/id")
            .and_then(Value::as_str)
            .filter(|id| crate::exec::cleanup::safe_segment(id))
            .map(str::to_string)
    })
}
