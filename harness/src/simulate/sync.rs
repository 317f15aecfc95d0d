//! The simulated IdP's work: the initial sync (users, then groups) and each change, sent the
//! way the chosen IdP sends it, with every request recorded and every failure turned into a
//! problem that says what the real IdP would do next.

use serde_json::{Value, json};

use super::dialect::{
    Drift, entra_user_ops, member_values, okta_group_put_body, okta_put_body, patch,
};
use super::directory::{Change, DirUser, Directory, UserEdit, check_directory};
use super::{Idp, SimStep, SimulationReport};
use crate::exec::cancel::Cancel;
use crate::exec::cleanup::{has_dot_segment, segment};
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
enum Lookup {
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
    if idp == Idp::Google {
        if !s.groups.is_empty() {
            s.note(format!(
                "Google pushes no groups (the Keeper connector provisions users only): the \
                 directory's {} group(s) are not sent and not verified",
                s.groups.len()
            ));
        }
    } else {
        for g in 0..s.groups.len() {
            s.push_group(g).await;
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
    fn fail(&mut self, what: &str, resp: &Response, consequence: &str) {
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

    // ---- users -----------------------------------------------------------------------

    async fn provision_user(&mut self, i: usize) {
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
    async fn lookup_user(&mut self, i: usize) -> Lookup {
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
            404 if self.idp.is_entra() => {
                self.fail(
                    &what,
                    &resp,
                    "Entra quarantines the job: 404 to its filter (it needs 200 with an empty \
                     ListResponse)",
                );
                return Lookup::Failed;
            }
            404 if self.idp.is_okta() => {
                self.outcome(
                    "404, which Okta's docs accept as \"no match\" (its SPEC test does not)",
                );
                return Lookup::Missing;
            }
            404 => {
                self.outcome("404, taken as \"no match\" (reconstructed)");
                return Lookup::Missing;
            }
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
                let consequence = match self.idp {
                    Idp::OktaOin | Idp::OktaAiw => {
                        "Okta fails the assignment with \"Create new user returned empty user\" \
                         and shows it as a task"
                    }
                    Idp::Entra | Idp::EntraCompliant => {
                        "Entra needs the id for every later operation; it fails the object and \
                         retries next cycle, when its lookup finds the user and it links it"
                    }
                    Idp::Google => self.idp.on_failure(),
                };
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
    async fn created_is_ours(
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
        match self.idp {
            // §1.3 [OBS Rostr]: a matched user got the filter GET then a PUT, no POST.
            Idp::OktaOin | Idp::OktaAiw => {
                let body = okta_put_body(resource, &self.users[i].dir);
                let req = self.request(
                    "PUT",
                    format!("/Users/{}", segment(id)),
                    vec![],
                    Some(&body),
                );
                self.write(req, &what).await;
            }
            // §2.3 [DOC]: match found → link, then PATCH what differs.
            Idp::Entra | Idp::EntraCompliant => {
                self.entra_patch_user(i, resource, &what).await;
            }
            Idp::Google => {
                self.google_put(i, &format!("{what} (reconstructed)")).await;
            }
        }
    }

    async fn update_user(&mut self, i: usize, edit: &UserEdit) {
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
        match self.idp {
            // §1.4 [DOC/OBS]: GET by id, then PUT of the whole resource (OIN and AIW alike).
            Idp::OktaOin | Idp::OktaAiw => self.okta_get_put(i, &what).await,
            // §2.4 [DOC]: re-query by userName, then PATCH only what differs.
            Idp::Entra | Idp::EntraCompliant => self.entra_requery_patch(i, &what).await,
            // Reconstructed: no public log shows a Google profile update.
            Idp::Google => self.google_put(i, &format!("{what} (reconstructed)")).await,
        }
    }

    async fn okta_get_put(&mut self, i: usize, what: &str) {
        let Some(id) = self.users[i].live_id().map(str::to_string) else {
            return;
        };
        let req = self.request("GET", format!("/Users/{}", segment(&id)), vec![], None);
        let get_what = format!("{what}: read the user");
        let Some(resp) = self.send(req, &get_what).await else {
            return;
        };
        let current = match (resp.status, resp.json()) {
            (200, Some(json)) => json,
            (404, _) => {
                self.fail(&get_what, &resp, self.idp.on_drift(Drift::Gone));
                return;
            }
            _ => {
                let consequence = self.idp.on_failure();
                self.fail(&get_what, &resp, consequence);
                return;
            }
        };
        let body = okta_put_body(&current, &self.users[i].dir);
        let req = self.request(
            "PUT",
            format!("/Users/{}", segment(&id)),
            vec![],
            Some(&body),
        );
        self.write(req, &format!("{what}: PUT the whole user"))
            .await;
    }

    /// Entra: re-query by userName, then PATCH what differs.
    async fn entra_requery_patch(&mut self, i: usize, what: &str) {
        let name = self.users[i].dir.user_name.clone();
        match self.lookup_user(i).await {
            Lookup::Found(resource) => {
                let found = resolve(&resource, "/id").and_then(Value::as_str);
                if found != self.users[i].live_id() {
                    self.problem(format!(
                        "{}: the re-query for {name} found id {} instead of {}; Entra would \
                         update the account it found",
                        self.phase,
                        found.unwrap_or("?"),
                        self.users[i].live_id().unwrap_or("?")
                    ));
                    return;
                }
                self.entra_patch_user(i, &resource, what).await;
            }
            Lookup::Missing => {
                self.problem(format!(
                    "{}: Entra's re-query by userName does not find {name}, which the target \
                     created; Entra would POST it again and get 409 in every cycle",
                    self.phase
                ));
            }
            Lookup::Failed => {}
        }
    }

    async fn entra_patch_user(&mut self, i: usize, target: &Value, what: &str) {
        let ops = entra_user_ops(self.idp == Idp::EntraCompliant, target, &self.users[i].dir);
        if ops.is_empty() {
            self.note(format!(
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
        let req = self.request(
            "PATCH",
            format!("/Users/{}", segment(id)),
            vec![],
            Some(&body),
        );
        self.write(
            req,
            &format!("{what}: PATCH the differing attributes{casing}"),
        )
        .await;
    }

    /// Google's full-profile PUT (reconstructed: the create body's attributes, with only the
    /// SCIM 2.0 URN, as the google/update-profile replay sends it).
    async fn google_put(&mut self, i: usize, what: &str) {
        let Some(id) = self.users[i].live_id().map(str::to_string) else {
            return;
        };
        let body = self.idp.google_update_body(&self.users[i].dir, self.run_id);
        let req = self.request(
            "PUT",
            format!("/Users/{}", segment(&id)),
            vec![],
            Some(&body),
        );
        self.write(req, what).await;
    }

    async fn set_active(&mut self, i: usize, active: bool) {
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
        match self.idp {
            // §1.5 [DOC okta-docs:scim20; OBS sentry#27199]: path-less replace, lowercase op.
            Idp::OktaOin => {
                let body = patch(vec![json!({"op": "replace", "value": {"active": active}})]);
                let req = self.request(
                    "PATCH",
                    format!("/Users/{}", segment(&id)),
                    vec![],
                    Some(&body),
                );
                let Some(resp) = self.send(req, &what).await else {
                    return;
                };
                if !(200..300).contains(&resp.status) {
                    self.fail(
                        &what,
                        &resp,
                        "Okta does not fall back to PUT: it creates a provisioning task in its \
                         admin console and the user keeps their status in the application",
                    );
                }
            }
            // §1.5 [OBS Rostr; coder#15828]: GET then PUT with active.
            Idp::OktaAiw => self.okta_get_put(i, &what).await,
            // §2.5 [DOC/OBS]: re-query, then PATCH active ("False"/"True" in the default dialect).
            Idp::Entra | Idp::EntraCompliant => self.entra_requery_patch(i, &what).await,
            // Reconstructed: suspend/unsuspend events are documented, the body is not.
            Idp::Google => {
                let body = patch(vec![
                    json!({"op": "replace", "path": "active", "value": active}),
                ]);
                let req = self.request(
                    "PATCH",
                    format!("/Users/{}", segment(&id)),
                    vec![],
                    Some(&body),
                );
                let verb = if active { "unsuspend" } else { "suspend" };
                self.write(req, &format!("{verb} {name} (reconstructed)"))
                    .await;
            }
        }
    }

    async fn delete_user(&mut self, i: usize) {
        let name = self.users[i].dir.user_name.clone();
        match self.idp {
            Idp::OktaOin | Idp::OktaAiw => {
                if self.users[i].id.is_some() && !self.users[i].dir.active {
                    self.note(format!(
                        "Okta never DELETEs users, and deleting an already-deactivated Okta user \
                         sends nothing: {name} stays on the target, inactive"
                    ));
                    return;
                }
                self.note(format!(
                    "Okta never DELETEs users: deleting {name} in Okta deactivates it first, which \
                     is all the application hears"
                ));
                self.set_active(i, false).await;
            }
            Idp::Google => {
                self.note(format!(
                    "Google's deprovisioning for this connector is a suspend, not a delete: \
                     {name} is suspended"
                ));
                self.set_active(i, false).await;
            }
            Idp::Entra | Idp::EntraCompliant => {
                let Some(id) = self.users[i].live_id().map(str::to_string) else {
                    self.note(format!(
                        "{name} is not provisioned on the target: nothing sent"
                    ));
                    return;
                };
                // A deletion in Entra is a soft delete first (IsSoftDeleted -> active: the
                // disable PATCH); the DELETE follows on the hard delete, 30 days later.
                if self.users[i].dir.active {
                    self.note(format!(
                        "deleting {name} in Entra is a soft delete first: Entra disables it"
                    ));
                    self.set_active(i, false).await;
                }
                self.note(
                    "Entra sends DELETE when the user is hard-deleted (30 days after the soft \
                     delete, or on permanent delete) and Delete is enabled in the target object \
                     actions; the 30 days are skipped here",
                );
                let req = self.request("DELETE", format!("/Users/{}", segment(&id)), vec![], None);
                if self.write(req, &format!("delete {name}")).await {
                    self.users[i].deleted = true;
                    self.users[i].dir.active = false;
                    for g in &mut self.groups {
                        g.pushed.retain(|&m| m != i);
                        g.members.retain(|&m| m != i);
                    }
                }
            }
        }
    }

    // ---- groups ----------------------------------------------------------------------

    fn member_pairs(&self, members: &[usize]) -> Vec<(String, String)> {
        members
            .iter()
            .filter_map(|&m| {
                let u = &self.users[m];
                u.live_id()
                    .map(|id| (id.to_string(), u.dir.user_name.clone()))
            })
            .collect()
    }

    async fn push_group(&mut self, g: usize) {
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
            404 if self.idp.is_okta() => {
                self.outcome("404, taken as \"no match\" (reconstructed)");
            }
            404 => {
                self.fail(
                    &what,
                    &resp,
                    "Entra quarantines the job: 404 to its filter (it needs 200 with an empty \
                     ListResponse)",
                );
                return;
            }
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
        match self.idp {
            Idp::OktaOin => {
                if !pairs.is_empty() {
                    self.okta_rename_ping(g).await;
                    let body = patch(vec![
                        json!({"op": "add", "path": "members", "value": member_values(&pairs, false)}),
                    ]);
                    self.group_patch(g, body, &format!("add {} member(s) to {name}", pairs.len()))
                        .await;
                }
            }
            // §1.7 [OBS Rostr]: POST, GET, PUT with the full member list (even when empty).
            Idp::OktaAiw => {
                self.okta_group_get_put(g, &format!("push members of {name}"))
                    .await;
            }
            // §2.7 [DOC]: POST without members, then PATCH Add (several per op).
            Idp::Entra | Idp::EntraCompliant => {
                if !pairs.is_empty() {
                    let body = patch(vec![
                        json!({"op": "Add", "path": "members", "value": member_values(&pairs, true)}),
                    ]);
                    self.group_patch(g, body, &format!("add {} member(s) to {name}", pairs.len()))
                        .await;
                }
            }
            Idp::Google => {}
        }
    }

    async fn group_patch(&mut self, g: usize, body: Value, what: &str) -> bool {
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

    /// Okta OIN re-sends the group name (path-less replace with id and displayName) before
    /// every membership update (§1.7 [DOC]).
    async fn okta_rename_ping(&mut self, g: usize) {
        let (Some(id), name) = (self.groups[g].id.clone(), self.groups[g].name.clone()) else {
            return;
        };
        let body = patch(vec![
            json!({"op": "replace", "value": {"id": id, "displayName": name}}),
        ]);
        self.group_patch(
            g,
            body,
            &format!("re-send the name of {name} (Okta does before every membership update)"),
        )
        .await;
    }

    /// Okta AIW: GET the group, then PUT it with Okta's name and full member list.
    async fn okta_group_get_put(&mut self, g: usize, what: &str) {
        let Some(id) = self.groups[g].id.clone() else {
            return;
        };
        let req = self.request("GET", format!("/Groups/{}", segment(&id)), vec![], None);
        let get_what = format!("{what}: read the group");
        let Some(resp) = self.send(req, &get_what).await else {
            return;
        };
        let current = match (resp.status, resp.json()) {
            (200, Some(json)) => json,
            _ => {
                let consequence = self.idp.on_failure();
                self.fail(&get_what, &resp, consequence);
                return;
            }
        };
        let pairs = self.member_pairs(&self.groups[g].pushed.clone());
        let body = okta_group_put_body(&current, &self.groups[g].name, &pairs);
        let req = self.request(
            "PUT",
            format!("/Groups/{}", segment(&id)),
            vec![],
            Some(&body),
        );
        self.write(
            req,
            &format!("{what}: PUT the group with all {} member(s)", pairs.len()),
        )
        .await;
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

    fn find_user(&self, name: &str) -> Option<usize> {
        self.users
            .iter()
            .position(|u| u.dir.user_name.eq_ignore_ascii_case(name))
    }

    /// The group for a membership or rename change, if the IdP pushed it.
    fn pushed_group(&mut self, name: &str) -> Option<usize> {
        if self.idp == Idp::Google {
            self.note("Google pushes no groups: nothing sent");
            return None;
        }
        let Some(g) = self.find_group(name) else {
            self.note(format!("no group {name} in the directory: nothing sent"));
            return None;
        };
        if self.groups[g].id.is_none() {
            self.note(format!("group {name} was not pushed: nothing sent"));
            return None;
        }
        Some(g)
    }

    async fn add_member(&mut self, group: &str, user: &str) {
        let Some(g) = self.pushed_group(group) else {
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
        match self.idp {
            // §1.7 [DOC; OBS SCIM-SDK#419]: name re-sent, then add with value and display.
            Idp::OktaOin => {
                self.okta_rename_ping(g).await;
                let body = patch(vec![
                    json!({"op": "add", "path": "members", "value": member_values(&pair, false)}),
                ]);
                self.group_patch(g, body, &what).await;
            }
            Idp::OktaAiw => self.okta_group_get_put(g, &what).await,
            // §2.7 [DOC]: capitalised Add in both dialects.
            Idp::Entra | Idp::EntraCompliant => {
                let body = patch(vec![
                    json!({"op": "Add", "path": "members", "value": member_values(&pair, true)}),
                ]);
                self.group_patch(g, body, &what).await;
            }
            Idp::Google => {}
        }
    }

    async fn remove_member(&mut self, group: &str, user: &str) {
        let Some(g) = self.pushed_group(group) else {
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
        let Some((id, _)) = pair.first().cloned() else {
            return;
        };
        let what = format!("remove {user} from {name}");
        let filter_op = json!({"op": "remove", "path": format!("members[value eq \"{id}\"]")});
        match self.idp {
            // §1.7 [DOC]: name re-sent, then remove by filter.
            Idp::OktaOin => {
                self.okta_rename_ping(g).await;
                self.group_patch(g, patch(vec![filter_op]), &what).await;
            }
            Idp::OktaAiw => self.okta_group_get_put(g, &what).await,
            // §2.7 [DOC; OBS SCIM-SDK#167]: the RFC-noncompliant value-list removal.
            Idp::Entra => {
                let body = patch(vec![
                    json!({"op": "Remove", "path": "members", "value": member_values(&pair, true)}),
                ]);
                self.group_patch(g, body, &format!("{what} (by value list)"))
                    .await;
            }
            // §2.7 [DOC]: with the flag, by filter.
            Idp::EntraCompliant => {
                self.group_patch(g, patch(vec![filter_op]), &format!("{what} (by filter)"))
                    .await;
            }
            Idp::Google => {}
        }
    }

    async fn rename_group(&mut self, group: &str, to: &str) {
        let Some(g) = self.pushed_group(group) else {
            return;
        };
        let old = std::mem::replace(&mut self.groups[g].name, to.to_string());
        let id = self.groups[g].id.clone().unwrap_or_default();
        let what = format!("rename group {old} to {to}");
        match self.idp {
            // §1.7 [DOC]: path-less replace carrying id and displayName.
            Idp::OktaOin => {
                let body = patch(vec![
                    json!({"op": "replace", "value": {"id": id, "displayName": to}}),
                ]);
                self.group_patch(g, body, &what).await;
            }
            // §1.0 [DOC]: AIW group rename is a PUT too.
            Idp::OktaAiw => self.okta_group_get_put(g, &what).await,
            // §2.7 [DOC]
            Idp::Entra => {
                let body = patch(vec![
                    json!({"op": "Replace", "path": "displayName", "value": to}),
                ]);
                self.group_patch(g, body, &what).await;
            }
            // §2.4 [DOC]: the flag folds attribute replaces into a path-less replace.
            Idp::EntraCompliant => {
                let body = patch(vec![json!({"op": "replace", "value": {"displayName": to}})]);
                self.group_patch(g, body, &what).await;
            }
            Idp::Google => {}
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
fn created_id(resp: &crate::exec::http::Response) -> Option<String> {
    resp.json().and_then(|j| {
        resolve(&j, "/id")
            .and_then(Value::as_str)
            .filter(|id| crate::exec::cleanup::safe_segment(id))
            .map(str::to_string)
    })
}
