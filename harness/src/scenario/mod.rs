//! Scenario files: the model, the loader and the linter. Data in: nothing here sends a request.

pub mod diagnostic;
pub mod expectation;
pub mod fingerprint;
pub mod lint;
pub mod load;
pub mod model;
pub mod page_walk;
pub mod partition;
pub mod placeholder;
pub mod profile;
pub mod yaml;
