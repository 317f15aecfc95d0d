//! Mock identity provider: syncs a [`Directory`] (users, groups, memberships) into a target
//! the way Okta (OIN or AIW apps), Microsoft Entra ID (default or `aadOptscim062020`
//! dialect) or Google Workspace (Keeper connector) would, applies the administrator's
//! [`Change`]s, reads everything back and reports where the target's final state differs
//! from what the IdP intends, together with what the real IdP would do next.
//!
//! Request shapes follow `idp-behaviors.md` facts tagged [DOC] or [OBS]; every step that had
//! to be reconstructed says "(reconstructed)" in its transcript line and in a comment at the
//! code that builds it ([`dialect`]).
//!
//! The simulation never modifies or deletes anything it did not create, with one exception
//! the real IdPs share: a user the pre-create lookup finds by `userName` is linked and
//! updated. Every resource it creates is listed in [`SimulationReport::created`] so the
//! caller can delete them afterwards.

pub(crate) mod dialect;
mod directory;
mod groups;
mod idp;
mod import;
mod input;
mod manager;
mod roles;
mod sync;
mod transcript;
mod users;
mod verify;

#[cfg(test)]
mod tests;

use serde::Serialize;

use crate::exec::http::HttpClient;
use crate::run_report::Exchange;

pub use directory::{
    Change, ChangesFile, DirGroup, DirUser, Directory, UserEdit, check_directory,
    generate_directory, parse_changes, parse_directory,
};
pub use input::{DirectoryInput, load_input};
pub use transcript::render_transcript;

/// The identity provider (and client mode) to imitate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Idp {
    /// Okta, OIN template app: PATCH for (de)activation and groups, GET+PUT for profiles.
    OktaOin,
    /// Okta, App Integration Wizard app: GET+PUT for everything, no PATCH.
    OktaAiw,
    /// Microsoft Entra ID, default (legacy) PATCH dialect.
    Entra,
    /// Microsoft Entra ID with the `aadOptscim062020` flag (SCIM-compliant PATCH).
    EntraCompliant,
    /// Google Workspace auto-provisioning through the Keeper connector (users only).
    Google,
}

impl Idp {
    /// Every IdP, in declaration order.
    pub const ALL: [Idp; 5] = [
        Idp::OktaOin,
        Idp::OktaAiw,
        Idp::Entra,
        Idp::EntraCompliant,
        Idp::Google,
    ];

    /// The `--idp` name, also the profile directory under `scenarios/idp/`.
    pub fn name(self) -> &'static str {
        match self {
            Idp::OktaOin => "okta-oin",
            Idp::OktaAiw => "okta-aiw",
            Idp::Entra => "entra",
            Idp::EntraCompliant => "entra-compliant",
            Idp::Google => "google",
        }
    }

    /// One sentence on what this client does.
    pub fn description(self) -> &'static str {
        match self {
            Idp::OktaOin => {
                "Okta OIN app: userName lookup, POST; GET+PUT for profile updates; path-less \
                 PATCH replace for (de)activation; groups as POST then PATCH (name re-sent on \
                 every membership update); never DELETEs users"
            }
            Idp::OktaAiw => {
                "Okta App Integration Wizard app: userName lookup, POST; GET+PUT for every \
                 update, including (de)activation and groups; never PATCHes or DELETEs users"
            }
            Idp::Entra => {
                "Microsoft Entra ID (default dialect): +-encoded lookup, POST; re-query then \
                 PATCH of differing attributes with capitalised ops and \"True\"/\"False\" \
                 strings; groups as POST then PATCH Add; members removed by value list; \
                 DELETE on hard delete"
            }
            Idp::EntraCompliant => {
                "Microsoft Entra ID with aadOptscim062020: as the default dialect, but \
                 lowercase ops, real booleans, path-less replace with dotted keys and member \
                 removal by filter"
            }
            Idp::Google => {
                "Google Workspace (Keeper connector): userName lookup, POST with the SCIM 1.0 \
                 URN and Content-Type application/json; users only (no groups); suspend \
                 instead of delete; updates reconstructed"
            }
        }
    }

    /// True for both Okta modes.
    pub fn is_okta(self) -> bool {
        matches!(self, Idp::OktaOin | Idp::OktaAiw)
    }

    /// True for both Entra dialects.
    pub fn is_entra(self) -> bool {
        matches!(self, Idp::Entra | Idp::EntraCompliant)
    }
}

impl std::fmt::Display for Idp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One request the simulated IdP (or the verification) sent, or a note where it sent
/// nothing on purpose.
#[derive(Debug, Clone, Serialize)]
pub struct SimStep {
    /// `sync`, `change: deactivate alice@example.test`, or `verify`.
    pub phase: String,
    /// The request and response as recorded (secrets redacted); `None` for a note (e.g.
    /// "Google pushes no groups", "Okta never deletes users").
    pub exchange: Option<Exchange>,
    /// One line: what the IdP did and what came of it; "(reconstructed)" when the request
    /// shape is not in any public documentation or log.
    pub summary: String,
}

/// The outcome of one simulation.
#[derive(Debug, Clone, Serialize)]
pub struct SimulationReport {
    /// The IdP imitated.
    pub idp: Idp,
    /// Every request (and note), in order.
    pub steps: Vec<SimStep>,
    /// Every difference between the target's final state and the state the IdP intends,
    /// and every response the real IdP would treat as an error, each saying what the real
    /// IdP would do next. Empty when the target passed.
    pub problems: Vec<String>,
    /// Absolute URLs of the users and groups the simulation created (in creation order;
    /// delete them in reverse order). Users it deleted itself (Entra) and that are verified
    /// gone are not listed; pre-existing users it linked never are.
    pub created: Vec<String>,
}

impl SimulationReport {
    /// True when the target ended in the intended state and nothing failed.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }

    /// The recorded exchanges, without the notes.
    pub fn exchanges(&self) -> impl Iterator<Item = &Exchange> {
        self.steps.iter().filter_map(|s| s.exchange.as_ref())
    }
}

/// Behaviours of older IdP versions that a simulation can switch on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quirks {
    /// Entra's group POST lists the ADSCIM group URN in `schemas`
    /// (`http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group`), as it
    /// did before Microsoft's 2018-12-18 fix (application-provisioning-config-problem-scim-
    /// compatibility). Off by default: today's Entra does not send it.
    pub entra_adscim_group_urn: bool,
}

/// Runs the simulation: the initial sync of `directory` (users, then groups), each change
/// in order, then the verification of the target's final state. Never panics on a bad
/// target; transport failures and error responses become problems. A user that already
/// exists on the target is left untouched (the safe default; see [`simulate_with`]).
pub async fn simulate(
    client: &HttpClient,
    idp: Idp,
    directory: &Directory,
    changes: &[Change],
    run_id: &str,
) -> SimulationReport {
    let registry = crate::exec::cleanup::Registry::new();
    sync::run(
        client,
        idp,
        directory,
        changes,
        run_id,
        false,
        Quirks::default(),
        &registry,
        &crate::exec::cancel::Cancel::default(),
    )
    .await
}

/// [`simulate`], but a user that already exists on the target (not created by this run) is
/// linked and modified only when `link_existing` is set; otherwise it is left untouched and
/// reported. Every resource created is registered in `registry` as soon as the target
/// answers, so the caller can clean up even if the simulation is interrupted. The command
/// line uses this with `--link-existing` off by default.
pub async fn simulate_with(
    client: &HttpClient,
    idp: Idp,
    directory: &Directory,
    changes: &[Change],
    run_id: &str,
    link_existing: bool,
    registry: &crate::exec::cleanup::Registry,
) -> SimulationReport {
    simulate_with_quirks(
        client,
        idp,
        directory,
        changes,
        run_id,
        link_existing,
        Quirks::default(),
        registry,
    )
    .await
}

/// [`simulate_with`], with opt-in quirks of older IdP versions.
#[expect(
    clippy::too_many_arguments,
    reason = "the library entry mirrors the command line's options"
)]
pub async fn simulate_with_quirks(
    client: &HttpClient,
    idp: Idp,
    directory: &Directory,
    changes: &[Change],
    run_id: &str,
    link_existing: bool,
    quirks: Quirks,
    registry: &crate::exec::cleanup::Registry,
) -> SimulationReport {
    simulate_until(
        client,
        idp,
        directory,
        changes,
        run_id,
        (link_existing, quirks, registry),
        &crate::exec::cancel::Cancel::default(),
    )
    .await
}

/// [`simulate_with_quirks`] that stops when `cancel` fires: no request is started after
/// that, and a create in flight is awaited (within the request timeout) so that what it
/// creates is in `registry` for cleanup. The report then ends with the interruption as a
/// problem.
pub async fn simulate_until(
    client: &HttpClient,
    idp: Idp,
    directory: &Directory,
    changes: &[Change],
    run_id: &str,
    (link_existing, quirks, registry): (bool, Quirks, &crate::exec::cleanup::Registry),
    cancel: &crate::exec::cancel::Cancel,
) -> SimulationReport {
    sync::run(
        client,
        idp,
        directory,
        changes,
        run_id,
        link_existing,
        quirks,
        registry,
        cancel,
    )
    .await
}
