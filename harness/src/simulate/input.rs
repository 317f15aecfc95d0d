//! Reading a simulation's input files: the directory and the changes are parsed with the
//! harness's one YAML reader, then checked ([`input_problems`]); every problem, a syntax
//! error or a meaning error (a duplicate `userName`, a member that is not a user, a change
//! naming no user of the directory), is a [`Diagnostic`] at `file:line:col` with a hint.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::directory::{
    CHANGES_YAML, Change, ChangesFile, DIRECTORY_YAML, Directory, Subject, input_problems,
};
use crate::scenario::diagnostic::{Diagnostic, SourceFile};
use crate::scenario::load::read_capped;
use crate::scenario::yaml;

/// Where the directory comes from.
#[derive(Debug)]
pub enum DirectoryInput<'a> {
    /// A directory file.
    File(&'a Path),
    /// A generated directory (`--users N`).
    Generated(Directory),
}

/// Reads and checks the directory and the changes file, if any. Nothing is sent before
/// this returns `Ok`; `Err` holds every problem found, each located in its file.
pub fn load_input(
    directory: DirectoryInput<'_>,
    changes: Option<&Path>,
) -> Result<(Directory, Vec<Change>), Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let (dir_file, directory) = match directory {
        DirectoryInput::Generated(d) => (None, Some(d)),
        DirectoryInput::File(path) => match read(path) {
            Ok(file) => {
                let parsed = yaml::parse::<Directory>(&file, &DIRECTORY_YAML)
                    .map_err(|d| diagnostics.push(*d))
                    .ok();
                (Some(file), parsed)
            }
            Err(d) => {
                diagnostics.push(*d);
                (None, None)
            }
        },
    };
    let (changes_file, parsed_changes) = match changes {
        None => (None, Some(Vec::new())),
        Some(path) => match read(path) {
            Ok(file) => {
                let parsed = yaml::parse::<ChangesFile>(&file, &CHANGES_YAML)
                    .map_err(|d| diagnostics.push(*d))
                    .ok()
                    .map(|f| f.changes);
                (Some(file), parsed)
            }
            Err(d) => {
                diagnostics.push(*d);
                (None, None)
            }
        },
    };
    let (Some(directory), Some(changes)) = (directory, parsed_changes) else {
        return Err(diagnostics);
    };
    let spans = Spans::of(dir_file.as_ref(), changes_file.as_ref());
    for (subject, problem) in input_problems(&directory, &changes) {
        diagnostics.push(locate(
            subject,
            problem,
            &spans,
            dir_file.as_ref(),
            changes_file.as_ref(),
        ));
    }
    if diagnostics.is_empty() {
        Ok((directory, changes))
    } else {
        Err(diagnostics)
    }
}

fn read(path: &Path) -> Result<SourceFile, Box<Diagnostic>> {
    let display = path.display().to_string();
    match read_capped(path) {
        Ok(text) => Ok(SourceFile {
            path: display,
            text: text.into(),
        }),
        Err(e) => Err(Box::new(Diagnostic::file_level(&display, e))),
    }
}

/// A problem as a diagnostic at the entry it is about, with a hint.
fn locate(
    subject: Subject,
    problem: String,
    spans: &Spans,
    dir_file: Option<&SourceFile>,
    changes_file: Option<&SourceFile>,
) -> Diagnostic {
    let (file, at, label, help) = match subject {
        Subject::UserName(i) => (
            dir_file,
            spans.users.get(i).map(|u| &u.user_name).map(pos),
            "this userName",
            "userName is unique (case-insensitively) and not empty: rename or remove this user",
        ),
        Subject::Manager(i) => (
            dir_file,
            spans.users.get(i).and_then(|u| u.manager.as_ref()).map(pos),
            "not a user of the directory",
            "a manager is named by the userName of a user listed under `users`",
        ),
        Subject::GroupName(g) => (
            dir_file,
            spans.groups.get(g).map(|g| &g.display_name).map(pos),
            "a second group of this name",
            "IdPs match groups on displayName: rename one group or merge their members",
        ),
        Subject::Member(g, m) => (
            dir_file,
            spans.groups.get(g).and_then(|g| g.members.get(m)).map(pos),
            "not a user of the directory",
            "members are named by the userName of a user listed under `users`",
        ),
        Subject::Change(i) => (
            changes_file,
            spans.changes.get(i).map(|c| &c.at).map(pos),
            "this change",
            "`set` takes givenName, familyName, email, title or department",
        ),
        Subject::ChangeUser(i) => (
            changes_file,
            spans.changes.get(i).and_then(|c| c.user.as_ref()).map(pos),
            "no such user",
            "name a userName listed under `users` in the directory",
        ),
        Subject::ChangeGroup(i) => (
            changes_file,
            spans.changes.get(i).and_then(|c| c.group.as_ref()).map(pos),
            "no such group",
            "name a group of the directory, by its displayName or the name an earlier \
             rename_group gave it",
        ),
    };
    let d = match (file, at) {
        (Some(file), Some((line, column))) => Diagnostic::at(file, line, column, problem),
        // The spans come from a second read of a file that already parsed, so this is not
        // expected; the problem is still reported, at the top of its file.
        (Some(file), None) => Diagnostic::at(file, 1, 1, problem),
        (None, _) => Diagnostic::file_level("the generated directory (--users)", problem),
    };
    d.with_label(label).with_help(help)
}

/// The 1-based line and column of a spanned value.
fn pos<T>(spanned: &Spanned<T>) -> (u64, u64) {
    (spanned.referenced.line(), spanned.referenced.column())
}

/// Where each entry of the input files is, read again with spans.
#[derive(Debug, Default)]
struct Spans {
    users: Vec<UserSpans>,
    groups: Vec<GroupSpans>,
    changes: Vec<ChangeSpans>,
}

impl Spans {
    fn of(dir_file: Option<&SourceFile>, changes_file: Option<&SourceFile>) -> Self {
        let dir: DirectorySpans = dir_file.and_then(yaml::reread).unwrap_or_default();
        let changes: ChangesSpans = changes_file.and_then(yaml::reread).unwrap_or_default();
        Spans {
            users: dir.users,
            groups: dir.groups,
            changes: changes
                .changes
                .into_iter()
                .map(|c| {
                    let at = Spanned::new((), c.referenced, c.defined);
                    let args = c.value.into_values().next().unwrap_or_default();
                    ChangeSpans {
                        at,
                        user: args.user,
                        group: args.group,
                    }
                })
                .collect(),
        }
    }
}

/// The spanned fields of a directory file (every other field is ignored here).
#[derive(Debug, Default, Deserialize)]
struct DirectorySpans {
    #[serde(default)]
    users: Vec<UserSpans>,
    #[serde(default)]
    groups: Vec<GroupSpans>,
}

#[derive(Debug, Deserialize)]
struct UserSpans {
    #[serde(rename = "userName")]
    user_name: Spanned<String>,
    #[serde(default)]
    manager: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
struct GroupSpans {
    #[serde(rename = "displayName")]
    display_name: Spanned<String>,
    #[serde(default)]
    members: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
struct ChangesSpans {
    #[serde(default)]
    changes: Vec<Spanned<BTreeMap<String, ChangeArgs>>>,
}

#[derive(Debug, Default, Deserialize)]
struct ChangeArgs {
    #[serde(default)]
    user: Option<Spanned<String>>,
    #[serde(default)]
    group: Option<Spanned<String>>,
}

#[derive(Debug)]
struct ChangeSpans {
    at: Spanned<()>,
    user: Option<Spanned<String>>,
    group: Option<Spanned<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::generate_directory;

    #[test]
    fn problems_of_a_changes_file_are_located_even_with_a_generated_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let changes = tmp.path().join("c.yaml");
        std::fs::write(
            &changes,
            "changes:\n  - rename_group: { group: Nope, to: Core }\n  - add_member: { group: Core, user: ghost@example.test }\n",
        )
        .unwrap();
        let directory = DirectoryInput::Generated(generate_directory(3, "r"));
        let diagnostics = load_input(directory, Some(&changes)).unwrap_err();
        let at: Vec<(u64, u64)> = diagnostics
            .iter()
            .map(|d| (d.location.line, d.location.column))
            .collect();
        // The rename names no group (at its `group`), ghost is no user (at `user`), and
        // Core never came to exist (at the second change's `group`).
        assert_eq!(at, vec![(2, 28), (3, 38), (3, 26)], "{diagnostics:#?}");
        assert!(diagnostics.iter().all(|d| d.help.is_some()));
        assert!(
            diagnostics
                .iter()
                .all(|d| d.location.file.ends_with("c.yaml"))
        );
    }

    #[test]
    fn an_unreadable_file_is_a_file_level_diagnostic() {
        let tmp = tempfile::tempdir().unwrap();
        let missing = tmp.path().join("nope.yaml");
        let diagnostics = load_input(DirectoryInput::File(&missing), None).unwrap_err();
        assert_eq!(diagnostics.len(), 1);
        assert!(diagnostics[0].location.file.ends_with("nope.yaml"));
    }
}
