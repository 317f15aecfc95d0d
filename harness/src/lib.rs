//! scim-harness: a SCIM 2.0 (RFC 7643/7644) conformance suite and mock identity-provider
//! harness.
//!
//! Data flows one way. Scenario files (YAML, [`scenario`]) are loaded and linted before
//! anything is sent; a malformed file gets `file:line:column` and a hint. The engine
//! ([`exec`]) runs each scenario's steps in order against a target — the embedded reference
//! server when none is given — records every exchange with secrets redacted, evaluates the
//! checks (status, headers, JSON Pointer values, JSON Schemas from [`validate`]), each citing
//! a requirement of the [`catalog`] or an IdP source, and deletes every resource it created.
//! The result is one [`report::model::RunReport`], which every report format renders.
#![warn(missing_docs)]

pub mod app;
pub mod baseline;
pub mod catalog;
pub mod cli;
pub mod contracts;
pub mod coverage;
pub mod exec;
pub mod exit;
pub mod explain;
pub mod load;
pub mod manual;
pub mod report;
pub mod run_report;
pub mod scenario;
pub mod simulate;
pub mod validate;
