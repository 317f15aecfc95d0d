//! The embedded reference SCIM 2.0 service provider of scim-harness: an in-memory
//! RFC 7643/7644 server that is the known-good target of every scenario, and a sandbox
//! vendors run with `scim-harness serve`.
//!
//! # What it implements
//!
//! Users (with the Enterprise extension) and Groups: create, read, replace, modify (the
//! whole of RFC 7644 §3.5.2), delete; filters, sorting, paging, `attributes` /
//! `excludedAttributes`; `POST .search` on each endpoint and at the root; `POST /Bulk`
//! with `bulkId` references; weak ETags with `If-Match` / `If-None-Match`; discovery
//! documents generated from the same schema table the server runs on. Several bearer
//! tokens select isolated tenants ([`ServerOptions::tenants`]).
//!
//! # Lenient, strict, defective
//!
//! By default the server accepts the non-RFC forms identity providers send (Entra's
//! capitalised ops and string booleans, value-list member removal, dotted keys in
//! path-less PATCH values, a filtered `replace` that creates the value, bare-string
//! references, the SCIM 1.0 core URN, `application/json` bodies). With
//! [`ServerOptions::strict`] each of them is refused with a 4xx whose `detail` names the
//! quirk, so both behaviours can be shown. [`ServerOptions::defects`] injects realistic
//! bugs ([`Defect`]) so the harness can prove that its scenarios catch them, and
//! [`ServerOptions::variants`] switches on legal variations of correct behaviour
//! ([`Variant`]: rate limiting, vendor extensions, opaque ids, unsorted lists, ...) so it
//! can prove that they pass.
//!
//! # Data flow
//!
//! A request arrives either over HTTP — [`ReferenceServer`] runs axum with a single
//! handler ([`http`]) that turns the request into a transport-neutral [`Request`]
//! and derives the base URL from the `Host` header — or in-process, when a test (say a
//! wiremock responder that injects one defect) builds a [`Request`] itself.
//! [`ScimService::handle`] is synchronous and thread-safe: it routes the path, lets the
//! discovery endpoints through without a token, checks the bearer token for everything
//! else (the token also selects the tenant, each with its own store), and parses the JSON
//! body.
//!
//! Writes are normalised against the static schema table ([`schema`]) by `resource`:
//! attribute names are matched case-insensitively and canonicalised, values type-checked
//! (Entra's `"False"` strings become booleans unless strict), readOnly and unknown
//! attributes dropped. PATCH bodies go through [`path`] (which reuses the [`filter`]
//! parser for value filters) and `patch`, applied to a copy of the stored record so a
//! failing operation leaves nothing behind. `POST /Bulk` runs its operations through the
//! same handlers. The store (`store`) keeps one table per resource type behind a single
//! `RwLock` per tenant, with O(log n) lookups by id, case-folded unique-attribute and User
//! `displayName` indexes, an `externalId` index and a reverse membership index. Records
//! hold only client attributes plus their timestamps and version; `schemas`, `id` and
//! `meta` are derived when rendering.
//!
//! Reads take the read lock: list queries (GET, `POST .search`, root queries) pick
//! candidates from an index when the filter pins one, evaluate the [`filter`], sort, page,
//! and render each record (`render` adds `schemas`, `meta`, `$ref`s, member display names
//! and the derived `User.groups`), then apply [`projection`] (`attributes` /
//! `excludedAttributes`). A resource nothing reshapes is written straight to JSON from a
//! tree that borrows the stored values (`json` writes exactly what `serde_json` would), and
//! a record keeps its attributes as written JSON once served. Single-resource responses
//! carry the weak ETag `meta.version`. Every failure is a [`ScimError`], rendered as a SCIM
//! Error message whose `status` is a string; every JSON response is
//! `application/scim+json`. Discovery documents ([`discovery`]) are generated from the
//! same schema table and limits, so they describe exactly what the server does, and kept
//! once written.
//!
//! Where a defect mode changes behaviour, the [`Defect`] is checked at the place a real
//! server would have the bug (the uniqueness check in `store`, the paging code in `query`,
//! the PATCH engine in `patch`, the error renderer in `service`), driven by one `Policy`
//! value handed to each layer.

pub mod defect;
pub mod discovery;
pub mod error;
pub mod filter;
pub mod http;
mod json;
pub mod message;
pub mod options;
mod patch;
pub mod path;
pub mod projection;
mod query;
mod render;
mod resource;
pub mod schema;
mod seed;
pub mod service;
mod store;
mod time;
pub mod variant;

pub use defect::Defect;
pub use error::ScimError;
pub use http::ReferenceServer;
pub use message::{Request, Response};
pub use options::ServerOptions;
pub use patch::PATCH_OP_URN;
pub use query::SEARCH_REQUEST_URN;
pub use seed::seed_user_name;
pub use service::ScimService;
pub use service::bulk::{BULK_REQUEST_URN, BULK_RESPONSE_URN};
pub use variant::Variant;
