//! Execution: templates, HTTP, checks, captures, cleanup, and running scenarios and suites.

pub mod assert;
mod behaviour_snapshot;
pub mod cancel;
pub mod cleanup;
pub mod discovery;
pub mod engine;
pub mod findings;
mod guard;
pub mod headers;
pub mod http;
pub mod hygiene;
pub mod paging;
pub mod pointer;
pub mod preflight;
pub mod redact;
pub mod retry;
pub mod runner;
pub mod session;
mod step_request;
pub mod suite;
pub mod template;
pub mod transport;
