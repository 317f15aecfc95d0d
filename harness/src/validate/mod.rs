//! Validation of SCIM documents against the JSON Schemas shipped in `schemas/scim/`
//! (RFC 7643 / RFC 7644), with SCIM's case-insensitive attribute names, and behaviour
//! snapshots of a target's responses.

mod schemas;
pub mod snapshot;
pub mod target_schema;

pub use schemas::{SchemaError, SchemaSet, Violation};
