//! The directory as the identity provider holds it (users, groups, memberships), the changes
//! an administrator makes after the first sync, their YAML files, and a generator for load
//! runs (`--users N`).
//!
//! ```yaml
//! # directory.yaml
//! users:
//!   - { userName: alice@example.test, givenName: Alice, familyName: Archer, title: Engineer }
//!   - { userName: bob@example.test, givenName: Bob, familyName: Baker, active: true }
//! groups:
//!   - { displayName: Engineering, members: [alice@example.test, bob@example.test] }
//! ```
//!
//! ```yaml
//! # changes.yaml
//! changes:
//!   - update: { user: alice@example.test, set: { givenName: Alicia } }
//!   - deactivate: { user: bob@example.test }
//!   - remove_member: { group: Engineering, user: bob@example.test }
//!   - rename_group: { group: Engineering, to: Platform }
//! ```

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::scenario::diagnostic::SourceFile;
use crate::scenario::yaml::{self, YamlKind};

/// A directory as the IdP holds it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "scim-harness simulate directory")]
pub struct Directory {
    /// The users assigned to the application, in the order the IdP provisions them.
    pub users: Vec<DirUser>,
    /// Groups pushed to the application, with their members.
    #[serde(default)]
    pub groups: Vec<DirGroup>,
}

/// One user as the IdP holds it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DirUser {
    /// The login (`userName` on the target; also the matching attribute of every IdP).
    pub user_name: String,
    /// First name (`name.givenName`).
    pub given_name: String,
    /// Last name (`name.familyName`).
    pub family_name: String,
    /// Work e-mail address; the `userName` when not given.
    #[serde(default)]
    pub email: Option<String>,
    /// Whether the user is active in the IdP. An inactive user is not provisioned by the
    /// initial sync (no IdP provisions a deactivated user); `reactivate` provisions it.
    #[serde(default = "default_true")]
    pub active: bool,
    /// The IdP's own id for the user, sent as `externalId` (Okta: its `00u…` user id, made
    /// up when absent; Entra: the mailNickname, the `userName`'s local part when absent).
    #[serde(default)]
    pub external_id: Option<String>,
    /// Department (the enterprise extension's `department`).
    #[serde(default)]
    pub department: Option<String>,
    /// Job title (`title`).
    #[serde(default)]
    pub title: Option<String>,
    /// The `userName` of this user's manager in the directory (the enterprise extension's
    /// `manager`; Entra writes it in a second round trip after the create).
    #[serde(default)]
    pub manager: Option<String>,
    /// App roles assigned to the user in the IdP (the `roles` attribute; Entra maps them with
    /// `AppRoleAssignmentsComplex`). Okta and Google do not map roles by default.
    #[serde(default)]
    pub roles: Vec<String>,
}

fn default_true() -> bool {
    true
}

impl DirUser {
    /// The work e-mail address: `email`, or the `userName` when none is given.
    pub fn email(&self) -> &str {
        self.email.as_deref().unwrap_or(&self.user_name)
    }

    /// `givenName familyName`, as the IdPs build `displayName` and `name.formatted`.
    pub fn display_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }
}

/// One group as the IdP holds it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DirGroup {
    /// The group name (`displayName`; Entra and Okta match groups on it).
    pub display_name: String,
    /// Members, by `userName`.
    #[serde(default)]
    pub members: Vec<String>,
}

/// Attribute edits of an [`Change::Update`]; only the given attributes change.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UserEdit {
    /// New first name.
    #[serde(default)]
    pub given_name: Option<String>,
    /// New last name.
    #[serde(default)]
    pub family_name: Option<String>,
    /// New work e-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// New job title.
    #[serde(default)]
    pub title: Option<String>,
    /// New department.
    #[serde(default)]
    pub department: Option<String>,
}

impl UserEdit {
    /// True when no attribute is set.
    pub fn is_empty(&self) -> bool {
        self == &UserEdit::default()
    }

    /// Applies the edit to a directory user.
    pub fn apply(&self, user: &mut DirUser) {
        if let Some(v) = &self.given_name {
            user.given_name.clone_from(v);
        }
        if let Some(v) = &self.family_name {
            user.family_name.clone_from(v);
        }
        if let Some(v) = &self.email {
            user.email = Some(v.clone());
        }
        if let Some(v) = &self.title {
            user.title = Some(v.clone());
        }
        if let Some(v) = &self.department {
            user.department = Some(v.clone());
        }
    }

    /// The attribute names set, for transcripts (`givenName, title`).
    pub fn names(&self) -> String {
        [
            ("givenName", self.given_name.is_some()),
            ("familyName", self.family_name.is_some()),
            ("email", self.email.is_some()),
            ("title", self.title.is_some()),
            ("department", self.department.is_some()),
        ]
        .iter()
        .filter(|(_, set)| *set)
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
    }
}

/// A change made in the IdP after the initial sync. Changes are applied in order; users are
/// named by `userName`, groups by their current `displayName` (or the name they had in the
/// directory file).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    /// Edit profile attributes.
    Update {
        /// The user's `userName`.
        user: String,
        /// The attributes to change.
        set: UserEdit,
    },
    /// Deactivate (Okta: deactivate or unassign; Entra: disable or unassign; Google: suspend).
    Deactivate {
        /// The user's `userName`.
        user: String,
    },
    /// Reactivate a deactivated user, or provision one that was inactive at the initial sync.
    Reactivate {
        /// The user's `userName`.
        user: String,
    },
    /// Delete the user in the IdP: Entra sends DELETE, Okta deactivates (it never deletes),
    /// Google suspends.
    Delete {
        /// The user's `userName`.
        user: String,
    },
    /// Add a user to a pushed group.
    AddMember {
        /// The group's `displayName`.
        group: String,
        /// The user's `userName`.
        user: String,
    },
    /// Remove a user from a pushed group.
    RemoveMember {
        /// The group's `displayName`.
        group: String,
        /// The user's `userName`.
        user: String,
    },
    /// Assign an app role to the user (Entra: `AppRoleAssignmentsComplex`).
    AddRole {
        /// The user's `userName`.
        user: String,
        /// The role's value (and display name).
        role: String,
    },
    /// Rename a pushed group.
    RenameGroup {
        /// The group's current `displayName`.
        group: String,
        /// The new `displayName`.
        to: String,
    },
}

impl Change {
    /// A short label for transcripts: `deactivate alice@example.test`.
    pub fn label(&self) -> String {
        match self {
            Change::Update { user, set } => format!("update {user} ({})", set.names()),
            Change::Deactivate { user } => format!("deactivate {user}"),
            Change::Reactivate { user } => format!("reactivate {user}"),
            Change::Delete { user } => format!("delete {user}"),
            Change::AddMember { group, user } => format!("add {user} to {group}"),
            Change::RemoveMember { group, user } => format!("remove {user} from {group}"),
            Change::RenameGroup { group, to } => format!("rename group {group} to {to}"),
            Change::AddRole { user, role } => format!("give {user} the role {role}"),
        }
    }
}

/// The top level of a changes file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "scim-harness simulate changes")]
pub struct ChangesFile {
    /// The changes, in order.
    pub changes: Vec<Change>,
}

/// What a directory file holds, for the hints of its diagnostics.
pub(super) const DIRECTORY_YAML: YamlKind = YamlKind {
    schema: None,
    shape: "a directory has `users` (userName, givenName, familyName, email, active, externalId, \
            department, title, manager, roles) and `groups` (displayName, members); see \
            harness/tests/fixtures/simulate/directory.yaml",
};

/// What a changes file holds, for the hints of its diagnostics.
pub(super) const CHANGES_YAML: YamlKind = YamlKind {
    schema: None,
    shape: "each change is one of update {user, set}, deactivate {user}, reactivate {user}, \
            delete {user}, add_member {group, user}, remove_member {group, user}, rename_group \
            {group, to}, add_role {user, role}; see harness/tests/fixtures/simulate/changes.yaml",
};

/// Parses a directory file. Errors are rendered rustc-style: the message, `--> file:line:col`,
/// the offending line with a caret, and a hint.
pub fn parse_directory(text: &str, file_name: &str) -> Result<Directory, String> {
    parse_rendered(text, file_name, &DIRECTORY_YAML)
}

/// Parses a changes file (`changes: [...]`). Errors are rendered like [`parse_directory`]'s.
pub fn parse_changes(text: &str, file_name: &str) -> Result<Vec<Change>, String> {
    parse_rendered::<ChangesFile>(text, file_name, &CHANGES_YAML).map(|f| f.changes)
}

fn parse_rendered<T: serde::de::DeserializeOwned>(
    text: &str,
    file_name: &str,
    kind: &YamlKind,
) -> Result<T, String> {
    let file = SourceFile {
        path: file_name.to_string(),
        text: text.into(),
    };
    yaml::parse(&file, kind).map_err(|d| d.render(false))
}

/// What an input problem is about, so that a file reader can point at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Subject {
    /// The `userName` of the n-th user (0-based).
    UserName(usize),
    /// The `manager` of the n-th user.
    Manager(usize),
    /// The `displayName` of the n-th group.
    GroupName(usize),
    /// A member (group, member index) of a group.
    Member(usize, usize),
    /// The n-th change as a whole.
    Change(usize),
    /// The `user` of the n-th change.
    ChangeUser(usize),
    /// The `group` of the n-th change.
    ChangeGroup(usize),
}

/// Problems that make a directory or its changes unusable, each naming the offending entry:
/// duplicate `userName`s or group names, members or change targets that are not in the
/// directory, updates that set nothing. Empty when all is well.
pub fn check_directory(directory: &Directory, changes: &[Change]) -> Vec<String> {
    input_problems(directory, changes)
        .into_iter()
        .map(|(_, p)| p)
        .collect()
}

/// [`check_directory`]'s problems, each with what it is about.
pub(super) fn input_problems(directory: &Directory, changes: &[Change]) -> Vec<(Subject, String)> {
    let mut problems = Vec::new();
    let mut names = BTreeSet::new();
    for (i, u) in directory.users.iter().enumerate() {
        if u.user_name.trim().is_empty() {
            problems.push((
                Subject::UserName(i),
                "a user has an empty userName".to_string(),
            ));
        } else if !names.insert(u.user_name.to_lowercase()) {
            problems.push((
                Subject::UserName(i),
                format!(
                    "userName {} appears twice (userName is unique, case-insensitively)",
                    u.user_name
                ),
            ));
        }
    }
    for (i, u) in directory.users.iter().enumerate() {
        if let Some(m) = &u.manager
            && !names.contains(&m.to_lowercase())
        {
            problems.push((
                Subject::Manager(i),
                format!(
                    "user {}: manager {m} is not a user of the directory",
                    u.user_name
                ),
            ));
        }
    }
    let mut groups: Vec<String> = Vec::new();
    for (gi, g) in directory.groups.iter().enumerate() {
        if groups
            .iter()
            .any(|n| n.eq_ignore_ascii_case(&g.display_name))
        {
            problems.push((
                Subject::GroupName(gi),
                format!(
                    "group {} appears twice (IdPs match groups on displayName)",
                    g.display_name
                ),
            ));
        }
        groups.push(g.display_name.clone());
        for (mi, m) in g.members.iter().enumerate() {
            if !names.contains(&m.to_lowercase()) {
                problems.push((
                    Subject::Member(gi, mi),
                    format!(
                        "group {}: member {m} is not a user of the directory",
                        g.display_name
                    ),
                ));
            }
        }
    }
    for (i, c) in changes.iter().enumerate() {
        let n = i + 1;
        let (user, group) = match c {
            Change::Update { user, set } => {
                if set.is_empty() {
                    problems.push((
                        Subject::Change(i),
                        format!("change {n} ({}): `set` changes nothing", c.label()),
                    ));
                }
                (Some(user), None)
            }
            Change::Deactivate { user }
            | Change::Reactivate { user }
            | Change::Delete { user }
            | Change::AddRole { user, .. } => (Some(user), None),
            Change::AddMember { group, user } | Change::RemoveMember { group, user } => {
                (Some(user), Some(group))
            }
            Change::RenameGroup { group, to } => {
                let r = (None, Some(group));
                if let Some(slot) = groups.iter_mut().find(|g| g.eq_ignore_ascii_case(group)) {
                    *slot = to.clone();
                } else {
                    problems.push((
                        Subject::ChangeGroup(i),
                        format!(
                            "change {n} ({}): no group {group} in the directory",
                            c.label()
                        ),
                    ));
                    continue;
                }
                r
            }
        };
        if let Some(u) = user
            && !names.contains(&u.to_lowercase())
        {
            problems.push((
                Subject::ChangeUser(i),
                format!("change {n} ({}): no user {u} in the directory", c.label()),
            ));
        }
        if let Some(g) = group
            && !matches!(c, Change::RenameGroup { .. })
            && !groups.iter().any(|x| x.eq_ignore_ascii_case(g))
        {
            problems.push((
                Subject::ChangeGroup(i),
                format!(
                    "change {n} ({}): no group {g} in the directory (after earlier renames)",
                    c.label()
                ),
            ));
        }
    }
    problems
}

/// A directory of `users` generated users, `sim-{run_id}-{i:05}@example.test` (i from 1),
/// and about one group per ten users (`sim-{run_id}-group-{k:03}`, at least one when there
/// are users), each user in exactly one group.
pub fn generate_directory(users: usize, run_id: &str) -> Directory {
    const DEPARTMENTS: [&str; 4] = ["Engineering", "Sales", "Support", "Finance"];
    const TITLES: [&str; 3] = ["Engineer", "Manager", "Analyst"];
    let user_list: Vec<DirUser> = (1..=users)
        .map(|i| DirUser {
            user_name: format!("sim-{run_id}-{i:05}@example.test"),
            given_name: "Sim".to_string(),
            family_name: format!("User{i:05}"),
            email: None,
            active: true,
            external_id: None,
            department: Some(DEPARTMENTS[i % DEPARTMENTS.len()].to_string()),
            title: Some(TITLES[i % TITLES.len()].to_string()),
            manager: None,
            roles: Vec::new(),
        })
        .collect();
    let group_count = if users == 0 { 0 } else { (users / 10).max(1) };
    let groups = (0..group_count)
        .map(|k| DirGroup {
            display_name: format!("sim-{run_id}-group-{:03}", k + 1),
            members: user_list
                .iter()
                .enumerate()
                .filter(|(i, _)| i % group_count == k)
                .map(|(_, u)| u.user_name.clone())
                .collect(),
        })
        .collect();
    Directory {
        users: user_list,
        groups,
    }
}
