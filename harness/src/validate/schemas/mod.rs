//! The SCIM JSON Schemas shipped in `schemas/scim/`, compiled once and applied with
//! SCIM's case-insensitive attribute names.
//!
//! JSON Schema matches property names exactly, while SCIM attribute names are
//! case-insensitive (RFC 7643 §2.1, RFC 7644 §3.10). Before validating, [`SchemaSet::validate`]
//! therefore rewrites the instance's object keys to the casing the schemas use. The rewrite
//! is driven by a key map built once per document from the schemas' `properties` (and the
//! names in `required`/`dependentRequired`/`dependentSchemas`), one map per nesting level,
//! following `$ref`, `allOf`/`anyOf`/`oneOf`, `if`/`then`/`else`, `not` and the array
//! keywords (`items`, `prefixItems`, `contains`). Keys already in canonical casing cost a
//! hash lookup and no copy; a copy is made only of the parts that need renaming.
//!
//! Layout: this file holds [`SchemaSet`] and the embedded documents; `keymap.rs` builds the
//! key map and rewrites instances with it, `pointer.rs` keeps instance paths in the
//! instance's own casing, `violation.rs` words each [`Violation`].

mod keymap;
mod pointer;
#[cfg(test)]
mod tests;
mod violation;

use std::{
    borrow::Cow,
    collections::{BTreeSet, HashSet},
    fmt,
    sync::Arc,
};

use jsonschema::{PatternCache, PatternOptions, Registry, Validator};
use serde_json::Value;

use keymap::{KeyMapBuilder, KeyNode};
use pointer::original_path;
pub use violation::Violation;
use violation::truncate;

/// Base URI of every shipped document (`$id` = base + file name). The `.invalid` TLD is
/// reserved, and validation runs offline, so nothing is ever fetched.
const BASE_URI: &str = "https://scim-harness.invalid/schemas/scim/";

/// The shared `$defs` document: registered for `$ref`s, not validated against directly.
const COMMON: &str = "common";

/// The shipped documents as (file stem, source). Embedded so the binary works from anywhere.
const EMBEDDED: &[(&str, &str)] = &[
    (COMMON, include_str!("../../../../schemas/scim/common.json")),
    ("user", include_str!("../../../../schemas/scim/user.json")),
    ("group", include_str!("../../../../schemas/scim/group.json")),
    (
        "enterprise-user",
        include_str!("../../../../schemas/scim/enterprise-user.json"),
    ),
    (
        "list-response",
        include_str!("../../../../schemas/scim/list-response.json"),
    ),
    ("error", include_str!("../../../../schemas/scim/error.json")),
    (
        "patch-op",
        include_str!("../../../../schemas/scim/patch-op.json"),
    ),
    (
        "service-provider-config",
        include_str!("../../../../schemas/scim/service-provider-config.json"),
    ),
    (
        "resource-type",
        include_str!("../../../../schemas/scim/resource-type.json"),
    ),
    (
        "schema",
        include_str!("../../../../schemas/scim/schema.json"),
    ),
];

/// The SCIM JSON Schemas, compiled once; cheap to share (Send + Sync).
///
/// Cloning is an `Arc` increment.
#[derive(Clone)]
pub struct SchemaSet {
    inner: Arc<Inner>,
}

struct Inner {
    /// Every shipped document, `common` included (for description look-ups).
    docs: Vec<Doc>,
    /// One compiled entry per validatable document, in [`EMBEDDED`] order.
    entries: Vec<Entry>,
    /// Arena of key-canonicalisation nodes shared by all entries.
    keys: Vec<KeyNode>,
}

struct Doc {
    stem: &'static str,
    id: String,
    value: Value,
}

struct Entry {
    name: &'static str,
    doc: usize,
    validator: Validator,
    /// Root key node, or `None` when the document names no properties.
    keys: Option<usize>,
}

/// Failure to load or compile the shipped schemas, or an unknown schema name.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// No shipped schema has this name.
    #[error("unknown SCIM schema `{0}` (known: {known})", known = known_names())]
    UnknownSchema(String),
    /// An embedded document is not valid JSON, or its `$id` is not the expected one.
    #[error("schema `{name}` is malformed: {message}")]
    Parse {
        /// File stem of the document.
        name: String,
        /// What is wrong with it.
        message: String,
    },
    /// The offline `$ref` registry could not be prepared.
    #[error("cannot register the SCIM schemas: {message}")]
    Registry {
        /// The registry's complaint.
        message: String,
    },
    /// A document failed to compile (invalid JSON Schema, unresolvable `$ref`, bad pattern).
    #[error("schema `{name}` does not compile: {message}")]
    Compile {
        /// File stem of the document.
        name: String,
        /// The compiler's complaint.
        message: String,
    },
}

fn known_names() -> String {
    EMBEDDED
        .iter()
        .map(|(stem, _)| *stem)
        .filter(|stem| *stem != COMMON)
        .collect::<Vec<_>>()
        .join(", ")
}

impl SchemaSet {
    /// Compile the schemas shipped in schemas/scim (embedded with include_str!, so the binary
    /// works from anywhere). `$ref`s resolve offline through a jsonschema Registry.
    pub fn embedded() -> Result<SchemaSet, SchemaError> {
        let docs = EMBEDDED
            .iter()
            .map(|&(stem, source)| parse_doc(stem, source))
            .collect::<Result<Vec<_>, _>>()?;

        let registry_error = |e: jsonschema::ReferencingError| SchemaError::Registry {
            message: e.to_string(),
        };
        let registry = Registry::new()
            .extend(docs.iter().map(|doc| (doc.id.as_str(), &doc.value)))
            .map_err(registry_error)?
            .prepare()
            .map_err(registry_error)?;

        let patterns = PatternCache::new();
        let mut keys = KeyMapBuilder::new(&docs);
        let mut entries = Vec::with_capacity(docs.len() - 1);
        for (index, doc) in docs.iter().enumerate() {
            if doc.stem == COMMON {
                continue;
            }
            let compile_error = |message: String| SchemaError::Compile {
                name: doc.stem.to_owned(),
                message,
            };
            let validator = jsonschema::draft202012::options()
                .offline()
                .with_registry(&registry)
                .should_validate_formats(true)
                // Our patterns are simple; the linear-time engine keeps hostile server strings
                // from causing catastrophic backtracking.
                .with_pattern_options(PatternOptions::regex())
                .with_pattern_cache(patterns.clone())
                .build(&doc.value)
                .map_err(|e| compile_error(e.to_string()))?;
            let root = keys
                .node_for(BTreeSet::from([(index, String::new())]))
                .map_err(compile_error)?;
            entries.push(Entry {
                name: doc.stem,
                doc: index,
                validator,
                keys: root,
            });
        }
        let keys = keys.nodes;
        drop(registry);
        Ok(SchemaSet {
            inner: Arc::new(Inner {
                docs,
                entries,
                keys,
            }),
        })
    }

    /// Names accepted by `validate`: the file stems without extension except `common`
    /// ("user", "group", "enterprise-user", "list-response", "error", "patch-op",
    /// "service-provider-config", "resource-type", "schema").
    pub fn names(&self) -> Vec<&str> {
        self.inner.entries.iter().map(|entry| entry.name).collect()
    }

    /// Whether `name` is one of [`SchemaSet::names`].
    pub fn contains(&self, name: &str) -> bool {
        self.entry(name).is_some()
    }

    /// `Ok` when `name` is a schema `validate` accepts, otherwise [`SchemaError::UnknownSchema`]
    /// (for checking names in scenario files before anything runs).
    pub fn require(&self, name: &str) -> Result<(), SchemaError> {
        match self.entry(name) {
            Some(_) => Ok(()),
            None => Err(SchemaError::UnknownSchema(name.to_owned())),
        }
    }

    /// Validate an instance. Attribute names are case-insensitive in SCIM (RFC 7643 §2.1)
    /// while JSON Schema is not: before validating, object keys are canonicalised to the
    /// casing the schema uses, so a server answering `UserName` is not failed for it. Two keys
    /// of one object that differ only in case are ambiguous and reported as a violation (the
    /// exactly-cased one, else the first, is validated). Returns every violation, each with
    /// its JSON Pointer instance path (original key casing where practical) and a short
    /// message. An unknown `name` yields a single violation at the root.
    pub fn validate(&self, name: &str, instance: &Value) -> Result<(), Vec<Violation>> {
        let Some(entry) = self.entry(name) else {
            return Err(vec![Violation {
                instance_path: String::new(),
                message: truncate(SchemaError::UnknownSchema(name.to_owned()).to_string()),
            }]);
        };
        let mut violations = Vec::new();
        let canonical = match entry
            .keys
            .and_then(|root| self.canonicalise(root, instance, None, &mut violations))
        {
            Some(owned) => Cow::Owned(owned),
            None => Cow::Borrowed(instance),
        };
        if violations.is_empty() && entry.validator.is_valid(&canonical) {
            return Ok(());
        }
        let renamed = matches!(canonical, Cow::Owned(_));
        let mut seen: HashSet<(String, String)> = violations
            .iter()
            .map(|v| (v.instance_path.clone(), v.message.clone()))
            .collect();
        for error in entry.validator.iter_errors(&canonical) {
            let path = error.instance_path().as_str();
            let instance_path = if renamed {
                original_path(instance, path)
            } else {
                path.to_owned()
            };
            let message = self.message(entry, &error);
            if seen.insert((instance_path.clone(), message.clone())) {
                violations.push(Violation {
                    instance_path,
                    message,
                });
            }
        }
        if violations.is_empty() {
            // `is_valid` and `iter_errors` disagree; never report success for a failed check.
            violations.push(Violation {
                instance_path: String::new(),
                message: format!("document does not match the `{name}` schema"),
            });
        }
        Err(violations)
    }

    fn entry(&self, name: &str) -> Option<&Entry> {
        self.inner.entries.iter().find(|entry| entry.name == name)
    }
}

impl fmt::Debug for SchemaSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SchemaSet")
            .field("names", &self.names())
            .finish_non_exhaustive()
    }
}

fn parse_doc(stem: &'static str, source: &str) -> Result<Doc, SchemaError> {
    let parse_error = |message: String| SchemaError::Parse {
        name: stem.to_owned(),
        message,
    };
    let value: Value = serde_json::from_str(source).map_err(|e| parse_error(e.to_string()))?;
    let expected = format!("{BASE_URI}{stem}.json");
    match value.get("$id").and_then(Value::as_str) {
        Some(id) if id == expected => Ok(Doc {
            stem,
            id: expected,
            value,
        }),
        other => Err(parse_error(format!(
            "`$id` is {other:?}, expected \"{expected}\""
        ))),
    }
}
