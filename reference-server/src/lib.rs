//! The embedded reference SCIM 2.0 service provider of scim-harness: an in-memory
//! RFC 7643/7644 server that is the known-good target of every scenario.
//!
//! # Data flow
//!
//! A request arrives either over HTTP — [`ReferenceServer`] runs axum, whose single
//! fallback handler ([`http`]) turns the request into a transport-neutral [`Request`]
//! and derives the base URL from the `Host` header — or in-process, when a test (say a
//! wiremock responder that injects one defect) builds a [`Request`] itself.
//! [`ScimService::handle`] is synchronous and thread-safe: it routes the path, lets the
//! discovery endpoints through without a token, checks the bearer token for everything
//! else, and parses the JSON body.
//!
//! Writes are normalised against the static schema table ([`schema`]) by `resource`:
//! attribute names are matched case-insensitively and canonicalised, values type-checked
//! (Entra's `"False"` strings become booleans), readOnly and unknown attributes dropped.
//! PATCH bodies go through [`path`] (which reuses the [`filter`] parser for value
//! filters) and `patch`, applied to a copy of the stored record so a failing operation
//! leaves nothing behind. The store (`store`) keeps one table per resource type behind a
//! single `RwLock`, with O(1) lookups by id, case-folded unique-attribute indexes,
//! an `externalId` index and a reverse membership index.
//!
//! Reads take the read lock: list queries pick candidates from an index when the filter
//! pins one, evaluate the [`filter`] against stored JSON, page, and render each record
//! (`render` adds `meta.location`, `$ref`s, member display names and the derived
//! `User.groups`), then apply [`projection`] (`attributes` / `excludedAttributes`).
//! Every failure is a [`ScimError`], rendered as a SCIM Error message whose `status` is a
//! string; every JSON response is `application/scim+json`. Discovery documents
//! ([`discovery`]) are generated from the same schema table, so they describe exactly
//! what the server does.

pub mod discovery;
pub mod error;
pub mod filter;
pub mod http;
pub mod message;
pub mod options;
mod patch;
pub mod path;
pub mod projection;
mod query;
mod render;
mod resource;
pub mod schema;
pub mod service;
mod store;
mod time;

pub use error::ScimError;
pub use http::ReferenceServer;
pub use message::{Request, Response};
pub use options::ServerOptions;
pub use patch::PATCH_OP_URN;
pub use service::ScimService;
