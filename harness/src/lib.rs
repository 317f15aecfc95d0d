//! scim-harness: a SCIM 2.0 (RFC 7643/7644) conformance suite and mock identity-provider
//! harness. Data flows one way: scenario files in, one [`run_report::RunReport`] out.
//!
//! ```text
//! app · config · manual · cli  the command line and scim-harness.toml: settings, one command runs
//! load · explain           load mode (an IdP's initial sync at scale); requirement explanations
//! report · simulate · …    renderers of the run report; the IdP simulator; coverage; exit codes
//! exec                     the engine: sends each step, records exchanges, judges checks, cleans up
//! baseline                 known failures of one target
//! run_report               the data model every report format renders
//! validate                 JSON Schemas, the target's own /Schemas, response snapshots
//! scenario                 scenario files: model, loader, linter, placeholder syntax
//! catalog · digest · embedded  the RFC requirements (ids, keywords, severities); SHA-256
//!                          digests of what reports name by content; built-in scenario files
//! ```
//!
//! Each layer uses only those below it (`layers.rs` holds the table and the test that keeps
//! it so). Scenario files are loaded and linted before anything is sent; a malformed file gets
//! `file:line:column` and a hint. The engine runs each scenario against a target — the
//! embedded reference server when none is given — with secrets redacted on receipt, cites a
//! [`catalog`] requirement or an IdP source in every check, and deletes what it created.
#![warn(missing_docs)]

pub mod app;
pub mod baseline;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod contracts;
pub mod coverage;
pub mod digest;
pub mod embedded;
pub mod exec;
pub mod exit;
pub mod explain;
#[cfg(test)]
mod file_size;
#[cfg(test)]
mod layers;
pub mod load;
pub mod manual;
pub mod report;
pub mod run_report;
pub mod scenario;
pub mod simulate;
pub mod validate;
