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

use std::{
    borrow::Cow,
    collections::{BTreeSet, HashMap, HashSet},
    fmt,
    sync::Arc,
};

use jsonschema::{PatternCache, PatternOptions, Registry, ValidationError, Validator};
use serde_json::{Map, Value};

/// Base URI of every shipped document (`$id` = base + file name). The `.invalid` TLD is
/// reserved, and validation runs offline, so nothing is ever fetched.
const BASE_URI: &str = "https://scim-harness.invalid/schemas/scim/";

/// The shared `$defs` document: registered for `$ref`s, not validated against directly.
const COMMON: &str = "common";

/// Maximum length of a [`Violation::message`], in characters.
const MAX_MESSAGE_CHARS: usize = 200;

/// Room for the requirement note inside a message, in characters.
const MAX_NOTE_CHARS: usize = 110;

/// Longer `pattern`s are not quoted in messages.
const MAX_PATTERN_CHARS: usize = 40;

/// Between the reason and the requirement note in a message.
const SEPARATOR: &str = " — ";

/// The shipped documents as (file stem, source). Embedded so the binary works from anywhere.
const EMBEDDED: &[(&str, &str)] = &[
    (COMMON, include_str!("../../../schemas/scim/common.json")),
    ("user", include_str!("../../../schemas/scim/user.json")),
    ("group", include_str!("../../../schemas/scim/group.json")),
    (
        "enterprise-user",
        include_str!("../../../schemas/scim/enterprise-user.json"),
    ),
    (
        "list-response",
        include_str!("../../../schemas/scim/list-response.json"),
    ),
    ("error", include_str!("../../../schemas/scim/error.json")),
    (
        "patch-op",
        include_str!("../../../schemas/scim/patch-op.json"),
    ),
    (
        "service-provider-config",
        include_str!("../../../schemas/scim/service-provider-config.json"),
    ),
    (
        "resource-type",
        include_str!("../../../schemas/scim/resource-type.json"),
    ),
    ("schema", include_str!("../../../schemas/scim/schema.json")),
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

/// One validation failure: where in the instance, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Violation {
    /// JSON Pointer into the validated instance, in the instance's own key casing where it
    /// could be recovered (canonical casing otherwise). Empty for the document root.
    pub instance_path: String,
    /// Short reason (at most ~200 characters). Instance values are masked, because SCIM bodies
    /// carry personal data; when the failing constraint's schema description starts with a
    /// requirement id, that description is appended (e.g. `… — P-3.12-03: …`).
    pub message: String,
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

    /// Returns the canonically-keyed copy of `value`, or `None` when nothing needs renaming.
    fn canonicalise(
        &self,
        node: usize,
        value: &Value,
        at: Option<&Crumb<'_>>,
        violations: &mut Vec<Violation>,
    ) -> Option<Value> {
        match value {
            Value::Object(map) => {
                let node = &self.inner.keys[node];
                let mut out: Option<Map<String, Value>> = None;
                for (position, (key, child)) in map.iter().enumerate() {
                    let known = node.lookup(key);
                    let canonical = known.map_or(key.as_str(), |entry| &entry.name);
                    let crumb = Crumb {
                        parent: at,
                        segment: Segment::Key(key),
                    };
                    let new_child = known.and_then(|entry| entry.child).and_then(|child_node| {
                        self.canonicalise(child_node, child, Some(&crumb), violations)
                    });
                    if out.is_none() && (canonical != key || new_child.is_some()) {
                        out = Some(
                            map.iter()
                                .take(position)
                                .map(|(k, v)| (k.clone(), v.clone()))
                                .collect(),
                        );
                    }
                    let Some(out) = out.as_mut() else { continue };
                    let new_child = new_child.unwrap_or_else(|| child.clone());
                    if !out.contains_key(canonical) {
                        out.insert(canonical.to_owned(), new_child);
                        continue;
                    }
                    // Two spellings of one attribute: keep the exactly-cased one, else the first.
                    let dropped = if key == canonical {
                        out.insert(canonical.to_owned(), new_child);
                        map.keys()
                            .take(position)
                            .find(|k| k.as_str() != canonical && k.eq_ignore_ascii_case(canonical))
                            .map_or(canonical, String::as_str)
                    } else {
                        key.as_str()
                    };
                    let mut instance_path = pointer(at);
                    instance_path.push('/');
                    push_escaped(&mut instance_path, dropped);
                    violations.push(Violation {
                        instance_path,
                        message: truncate(format!(
                            "attribute \"{dropped}\" repeats \"{canonical}\" in another case; \
                             names are case-insensitive (C-2.1-02, RFC 7643 §2.1), so the value \
                             is ambiguous"
                        )),
                    });
                }
                out.map(Value::Object)
            }
            Value::Array(items) => {
                let mut out: Option<Vec<Value>> = None;
                for (index, item) in items.iter().enumerate() {
                    let crumb = Crumb {
                        parent: at,
                        segment: Segment::Index(index),
                    };
                    let new_item = self.canonicalise(node, item, Some(&crumb), violations);
                    if out.is_none() && new_item.is_some() {
                        out = Some(items[..index].to_vec());
                    }
                    if let Some(out) = out.as_mut() {
                        out.push(new_item.unwrap_or_else(|| item.clone()));
                    }
                }
                out.map(Value::Array)
            }
            _ => None,
        }
    }

    /// A short, value-masked message, plus the requirement the failing constraint cites.
    fn message(&self, entry: &Entry, error: &ValidationError<'_>) -> String {
        let keyword = last_segment(error.schema_path().as_str());
        let parent = self.keyword_parent(error);
        let base = match keyword {
            "contains" => match parent.and_then(|p| p.pointer("/contains/const")) {
                Some(expected) => format!("does not contain {expected}"),
                None => "no item matches the `contains` schema".to_owned(),
            },
            "maxContains" => match parent.and_then(|p| p.get("maxContains")) {
                Some(limit) => format!("more than {limit} item(s) match the `contains` schema"),
                None => "too many items match the `contains` schema".to_owned(),
            },
            "minContains" => match parent.and_then(|p| p.get("minContains")) {
                Some(limit) => format!("fewer than {limit} item(s) match the `contains` schema"),
                None => "too few items match the `contains` schema".to_owned(),
            },
            "not" => match parent.and_then(|p| p.get("not")) {
                Some(forbidden) if forbidden.get("const").is_some() => {
                    format!("value must not be {}", forbidden["const"])
                }
                Some(forbidden) if forbidden.get("pattern").is_some() => {
                    format!("value must not match {}", forbidden["pattern"])
                }
                _ => "value matches a schema it must not match".to_owned(),
            },
            "pattern" => match parent
                .and_then(|p| p.get("pattern"))
                .and_then(Value::as_str)
            {
                Some(pattern) if pattern.len() <= MAX_PATTERN_CHARS => {
                    format!("value does not match {pattern:?}")
                }
                _ => "value does not match the required pattern".to_owned(),
            },
            _ => error.masked().to_string(),
        };
        match self.requirement_note(entry, error) {
            Some(note) => {
                // The requirement note gets at most MAX_NOTE_CHARS; the reason keeps the rest.
                let note = truncate_to(note.to_owned(), MAX_NOTE_CHARS);
                let room = MAX_MESSAGE_CHARS - SEPARATOR.chars().count() - note.chars().count();
                format!("{}{SEPARATOR}{note}", truncate_to(base, room))
            }
            None => truncate(base),
        }
    }

    /// The schema object holding the failing keyword.
    fn keyword_parent(&self, error: &ValidationError<'_>) -> Option<&Value> {
        let location = error.absolute_keyword_location()?;
        let (doc, fragment) = self.split_uri(location.as_str())?;
        let parent = parent_pointer(&fragment);
        self.inner.docs[doc].value.pointer(parent)
    }

    /// The description of the deepest schema, on the way to the failing keyword, that starts
    /// with a requirement id: first along the keyword's absolute location (whichever document
    /// it is in), then along the evaluation path inside the validated document up to the first
    /// `$ref` (so `"status": {"description": "P-3.12-03 …", "$ref": …}` still names its id).
    fn requirement_note(&self, entry: &Entry, error: &ValidationError<'_>) -> Option<&str> {
        let docs = &self.inner.docs;
        if let Some(location) = error.absolute_keyword_location()
            && let Some((doc, fragment)) = self.split_uri(location.as_str())
            && let Some(note) =
                deepest_requirement(&docs[doc].value, segments(parent_pointer(&fragment)))
        {
            return Some(note);
        }
        let evaluation = error.evaluation_path().as_str();
        let until_ref = segments(parent_pointer(evaluation)).take_while(|s| s != "$ref");
        deepest_requirement(&docs[entry.doc].value, until_ref)
    }

    /// Splits an absolute keyword location into (document index, decoded JSON Pointer).
    fn split_uri(&self, uri: &str) -> Option<(usize, String)> {
        let (base, fragment) = uri.split_once('#').unwrap_or((uri, ""));
        let doc = self.inner.docs.iter().position(|doc| doc.id == base)?;
        Some((doc, percent_decode(fragment)))
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

// ---------------------------------------------------------------------------------------------
// Key canonicalisation map

/// The attribute names known at one nesting level, and the node for each one's value. An
/// array value uses the same node for each of its items.
struct KeyNode {
    /// Exact canonical name → index into `entries`.
    exact: HashMap<Box<str>, usize>,
    entries: Vec<KeyEntry>,
}

struct KeyEntry {
    name: Box<str>,
    child: Option<usize>,
}

impl KeyNode {
    /// The entry for `key`: an exact hit costs one hash lookup; a miss (unknown attribute or
    /// other casing) falls back to an ASCII case-insensitive scan of this level's few names.
    fn lookup(&self, key: &str) -> Option<&KeyEntry> {
        match self.exact.get(key) {
            Some(&index) => Some(&self.entries[index]),
            None => self
                .entries
                .iter()
                .find(|entry| entry.name.eq_ignore_ascii_case(key)),
        }
    }
}

/// A schema location: (document index, JSON Pointer into it).
type Loc = (usize, String);

struct KeyMapBuilder<'d> {
    docs: &'d [Doc],
    nodes: Vec<KeyNode>,
    memo: HashMap<Vec<Loc>, Option<usize>>,
}

impl<'d> KeyMapBuilder<'d> {
    fn new(docs: &'d [Doc]) -> Self {
        Self {
            docs,
            nodes: Vec::new(),
            memo: HashMap::new(),
        }
    }

    /// The node describing objects (and arrays of objects) validated by all of `locs`.
    /// Memoised on the location set, which also ends recursion through recursive schemas.
    fn node_for(&mut self, locs: BTreeSet<Loc>) -> Result<Option<usize>, String> {
        let memo_key: Vec<Loc> = locs.iter().cloned().collect();
        if let Some(&node) = self.memo.get(&memo_key) {
            return Ok(node);
        }
        let mut names: Vec<(String, BTreeSet<Loc>)> = Vec::new();
        for (doc, ptr) in self.closure(locs)? {
            let Some(Value::Object(schema)) = self.docs[doc].value.pointer(&ptr) else {
                continue;
            };
            let mut add = |name: &str, child: Option<Loc>| {
                let slot = match names
                    .iter()
                    .position(|(known, _)| known.eq_ignore_ascii_case(name))
                {
                    Some(slot) => slot,
                    None => {
                        names.push((name.to_owned(), BTreeSet::new()));
                        names.len() - 1
                    }
                };
                names[slot].1.extend(child);
            };
            if let Some(Value::Object(properties)) = schema.get("properties") {
                for key in properties.keys() {
                    let mut child = format!("{ptr}/properties/");
                    push_escaped(&mut child, key);
                    add(key, Some((doc, child)));
                }
            }
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                add(name, None);
            }
            if let Some(Value::Object(dependent)) = schema.get("dependentRequired") {
                for (key, required) in dependent {
                    add(key, None);
                    for name in required.as_array().into_iter().flatten() {
                        if let Some(name) = name.as_str() {
                            add(name, None);
                        }
                    }
                }
            }
            if let Some(Value::Object(dependent)) = schema.get("dependentSchemas") {
                for key in dependent.keys() {
                    add(key, None);
                }
            }
        }
        if names.is_empty() {
            self.memo.insert(memo_key, None);
            return Ok(None);
        }
        let id = self.nodes.len();
        self.nodes.push(KeyNode {
            exact: HashMap::new(),
            entries: Vec::new(),
        });
        self.memo.insert(memo_key, Some(id));
        let mut entries = Vec::with_capacity(names.len());
        for (name, child_locs) in names {
            let child = if child_locs.is_empty() {
                None
            } else {
                self.node_for(child_locs)?
            };
            entries.push(KeyEntry {
                name: name.into_boxed_str(),
                child,
            });
        }
        let node = &mut self.nodes[id];
        node.exact = entries
            .iter()
            .enumerate()
            .map(|(index, entry)| (entry.name.clone(), index))
            .collect();
        node.entries = entries;
        Ok(Some(id))
    }

    /// Every location that applies to the same instance position as `locs`: through `$ref`,
    /// the applicators, and the array keywords (items of an array share the node).
    fn closure(&self, locs: BTreeSet<Loc>) -> Result<BTreeSet<Loc>, String> {
        let mut seen = BTreeSet::new();
        let mut work: Vec<Loc> = locs.into_iter().collect();
        while let Some((doc, ptr)) = work.pop() {
            if seen.contains(&(doc, ptr.clone())) {
                continue;
            }
            let Some(schema) = self.docs[doc].value.pointer(&ptr) else {
                return Err(format!(
                    "dangling schema location {}#{ptr}",
                    self.docs[doc].id
                ));
            };
            if let Value::Object(schema) = schema {
                for keyword in ["allOf", "anyOf", "oneOf", "prefixItems"] {
                    let count = schema
                        .get(keyword)
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len);
                    work.extend((0..count).map(|i| (doc, format!("{ptr}/{keyword}/{i}"))));
                }
                for keyword in ["if", "then", "else", "not", "items", "contains"] {
                    if schema.get(keyword).is_some_and(Value::is_object) {
                        work.push((doc, format!("{ptr}/{keyword}")));
                    }
                }
                if let Some(Value::Object(dependent)) = schema.get("dependentSchemas") {
                    for key in dependent.keys() {
                        let mut child = format!("{ptr}/dependentSchemas/");
                        push_escaped(&mut child, key);
                        work.push((doc, child));
                    }
                }
                if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
                    work.push(self.resolve_ref(doc, reference)?);
                }
            }
            seen.insert((doc, ptr));
        }
        Ok(seen)
    }

    /// Resolves a `$ref` written in document `from` to a location in a shipped document.
    fn resolve_ref(&self, from: usize, reference: &str) -> Result<Loc, String> {
        let (target, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let doc = if target.is_empty() {
            from
        } else {
            let absolute = if target.contains("://") {
                target.to_owned()
            } else {
                let base = &self.docs[from].id;
                let dir = &base[..base.rfind('/').map_or(0, |slash| slash + 1)];
                format!("{dir}{target}")
            };
            self.docs
                .iter()
                .position(|doc| doc.id == absolute)
                .ok_or_else(|| format!("`$ref` {reference:?} names no shipped document"))?
        };
        let fragment = percent_decode(fragment);
        if !fragment.is_empty() && !fragment.starts_with('/') {
            return Err(format!(
                "`$ref` {reference:?}: only JSON Pointer fragments are supported"
            ));
        }
        Ok((doc, fragment))
    }
}

// ---------------------------------------------------------------------------------------------
// Instance paths

/// A zero-allocation breadcrumb of the instance position being canonicalised.
struct Crumb<'a> {
    parent: Option<&'a Crumb<'a>>,
    segment: Segment<'a>,
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// The JSON Pointer of a breadcrumb (original key casing).
fn pointer(at: Option<&Crumb<'_>>) -> String {
    let mut chain = Vec::new();
    let mut cursor = at;
    while let Some(crumb) = cursor {
        chain.push(&crumb.segment);
        cursor = crumb.parent;
    }
    let mut out = String::new();
    for segment in chain.into_iter().rev() {
        out.push('/');
        match segment {
            Segment::Key(key) => push_escaped(&mut out, key),
            Segment::Index(index) => out.push_str(&index.to_string()),
        }
    }
    out
}

/// Maps a pointer into the canonicalised copy back to the original instance's key casing.
/// Segments that cannot be followed are kept as they are (canonical casing).
fn original_path(original: &Value, canonical: &str) -> String {
    let mut out = String::with_capacity(canonical.len());
    let mut cursor = Some(original);
    for segment in segments(canonical) {
        out.push('/');
        let next = match cursor {
            Some(Value::Object(map)) => match map.get_key_value(segment.as_str()) {
                Some((key, value)) => Some((key.as_str(), value)),
                None => map
                    .iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(&segment))
                    .map(|(key, value)| (key.as_str(), value)),
            },
            Some(Value::Array(items)) => segment
                .parse::<usize>()
                .ok()
                .and_then(|index| items.get(index))
                .map(|value| (segment.as_str(), value)),
            _ => None,
        };
        match next {
            Some((key, value)) => {
                push_escaped(&mut out, key);
                cursor = Some(value);
            }
            None => {
                push_escaped(&mut out, &segment);
                cursor = None;
            }
        }
    }
    out
}

/// The unescaped segments of a JSON Pointer.
fn segments(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .split('/')
        .skip(1)
        .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
}

fn push_escaped(out: &mut String, segment: &str) {
    for c in segment.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

fn parent_pointer(pointer: &str) -> &str {
    pointer.rfind('/').map_or("", |slash| &pointer[..slash])
}

fn last_segment(pointer: &str) -> &str {
    pointer
        .rfind('/')
        .map_or(pointer, |slash| &pointer[slash + 1..])
}

/// Decodes `%XX` escapes in a URI fragment (invalid escapes are kept verbatim).
fn percent_decode(fragment: &str) -> String {
    if !fragment.contains('%') {
        return fragment.to_owned();
    }
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Messages

/// Walks `path` from `root` and returns the deepest `description` that starts with a
/// requirement id (`P-3.12-03: …`, `C-2.4-01, …`).
fn deepest_requirement(root: &Value, path: impl Iterator<Item = String>) -> Option<&str> {
    let mut best = None;
    let mut cursor = root;
    for segment in path {
        let next = match cursor {
            Value::Object(map) => map.get(&segment),
            Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        let Some(next) = next else { break };
        cursor = next;
        if let Some(description) = cursor.get("description").and_then(Value::as_str)
            && starts_with_requirement_id(description)
        {
            best = Some(description);
        }
    }
    best
}

/// `P-<section>-NN` or `C-<section>-NN` at the start of `text`.
fn starts_with_requirement_id(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("P-").or_else(|| text.strip_prefix("C-")) else {
        return false;
    };
    let Some((section, tail)) = rest.split_once('-') else {
        return false;
    };
    section.starts_with(|c: char| c.is_ascii_digit())
        && section.chars().all(|c| c.is_ascii_digit() || c == '.')
        && tail.len() >= 2
        && tail.as_bytes()[..2].iter().all(u8::is_ascii_digit)
}

/// Cuts `message` to [`MAX_MESSAGE_CHARS`] characters, marking the cut with `…`.
fn truncate(message: String) -> String {
    truncate_to(message, MAX_MESSAGE_CHARS)
}

/// Cuts `text` to at most `max` (≥ 1) characters, marking a cut with `…`.
fn truncate_to(mut text: String, max: usize) -> String {
    if let Some((cut, _)) = text.char_indices().nth(max.max(1) - 1)
        && text[cut..].chars().nth(1).is_some()
    {
        text.truncate(cut);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
    const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
    const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

    fn set() -> SchemaSet {
        SchemaSet::embedded().expect("the shipped schemas compile")
    }

    #[track_caller]
    fn assert_valid(set: &SchemaSet, name: &str, instance: &Value) {
        if let Err(violations) = set.validate(name, instance) {
            panic!("expected a valid {name}, got {violations:#?}");
        }
    }

    #[track_caller]
    fn violations(set: &SchemaSet, name: &str, instance: &Value) -> Vec<Violation> {
        match set.validate(name, instance) {
            Ok(()) => panic!("expected {name} violations for {instance:#}"),
            Err(violations) => violations,
        }
    }

    #[track_caller]
    fn assert_fails_at(set: &SchemaSet, name: &str, instance: &Value, path: &str) -> Violation {
        let found = violations(set, name, instance);
        found
            .iter()
            .find(|v| v.instance_path == path)
            .cloned()
            .unwrap_or_else(|| panic!("no violation at {path:?}; got {found:#?}"))
    }

    // --- RFC examples (RFC 7643 §8, RFC 7644 §3), written out for these tests -------------

    /// RFC 7643 §8.1 minimal user.
    fn minimal_user() -> Value {
        json!({
            "schemas": [USER],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "userName": "bjensen@example.com",
            "meta": {
                "resourceType": "User",
                "created": "2010-01-23T04:56:22Z",
                "lastModified": "2011-05-13T04:42:34Z",
                "version": "W/\"3694e05e9dff590\"",
                "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"
            }
        })
    }

    /// RFC 7643 §8.2 full user (without the example's `password`: this is a response schema)
    /// extended with the §8.3 enterprise extension.
    fn enterprise_user() -> Value {
        json!({
            "schemas": [USER, ENTERPRISE],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "701984",
            "userName": "bjensen@example.com",
            "name": {
                "formatted": "Ms. Barbara J Jensen, III",
                "familyName": "Jensen",
                "givenName": "Barbara",
                "middleName": "Jane",
                "honorificPrefix": "Ms.",
                "honorificSuffix": "III"
            },
            "displayName": "Babs Jensen",
            "nickName": "Babs",
            "profileUrl": "https://login.example.com/bjensen",
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "addresses": [
                {
                    "type": "work",
                    "streetAddress": "100 Universal City Plaza",
                    "locality": "Hollywood",
                    "region": "CA",
                    "postalCode": "91608",
                    "country": "USA",
                    "formatted": "100 Universal City Plaza\nHollywood, CA 91608 USA",
                    "primary": true
                },
                {
                    "type": "home",
                    "streetAddress": "456 Hollywood Blvd",
                    "locality": "Hollywood",
                    "region": "CA",
                    "postalCode": "91608",
                    "country": "USA",
                    "formatted": "456 Hollywood Blvd\nHollywood, CA 91608 USA"
                }
            ],
            "phoneNumbers": [
                {"value": "555-555-5555", "type": "work"},
                {"value": "555-555-4444", "type": "mobile"}
            ],
            "ims": [{"value": "someaimhandle", "type": "aim"}],
            "photos": [
                {"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"},
                {"value": "https://photos.example.com/profilephoto/72930000000Ccne/T", "type": "thumbnail"}
            ],
            "userType": "Employee",
            "title": "Tour Guide",
            "preferredLanguage": "en-US",
            "locale": "en-US",
            "timezone": "America/Los_Angeles",
            "active": true,
            "groups": [
                {
                    "value": "e9e30dba-f08f-4109-8486-d5c6a331660a",
                    "$ref": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a",
                    "display": "Tour Guides"
                },
                {
                    "value": "fc348aa8-3835-40eb-a20b-c726e15c55b5",
                    "$ref": "https://example.com/v2/Groups/fc348aa8-3835-40eb-a20b-c726e15c55b5",
                    "display": "Employees"
                }
            ],
            "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQA="}],
            ENTERPRISE: {
                "employeeNumber": "701984",
                "costCenter": "4130",
                "organization": "Universal Studios",
                "division": "Theme Park",
                "department": "Tour Operations",
                "manager": {
                    "value": "26118915-6090-4610-87e4-49d8ca9f808d",
                    "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d",
                    "displayName": "John Smith"
                }
            },
            "meta": {
                "resourceType": "User",
                "created": "2010-01-23T04:56:22Z",
                "lastModified": "2011-05-13T04:42:34Z",
                "version": "W/\"3694e05e9dff591\"",
                "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"
            }
        })
    }

    /// RFC 7643 §8.4 group.
    fn group() -> Value {
        json!({
            "schemas": [GROUP],
            "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
            "displayName": "Tour Guides",
            "members": [
                {
                    "value": "2819c223-7f76-453a-919d-413861904646",
                    "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
                    "display": "Babs Jensen"
                },
                {
                    "value": "902c246b-6245-4190-8e05-00816be7344a",
                    "$ref": "https://example.com/v2/Users/902c246b-6245-4190-8e05-00816be7344a",
                    "display": "Mandy Pepperidge"
                }
            ],
            "meta": {
                "resourceType": "Group",
                "created": "2010-01-23T04:56:22Z",
                "lastModified": "2011-05-13T04:42:34Z",
                "version": "W/\"3694e05e9dff592\"",
                "location": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a"
            }
        })
    }

    /// RFC 7643 §8.5 service provider configuration.
    fn service_provider_config() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "documentationUri": "http://example.com/help/scim.html",
            "patch": {"supported": true},
            "bulk": {"supported": true, "maxOperations": 1000, "maxPayloadSize": 1_048_576},
            "filter": {"supported": true, "maxResults": 200},
            "changePassword": {"supported": true},
            "sort": {"supported": true},
            "etag": {"supported": true},
            "authenticationSchemes": [
                {
                    "name": "OAuth Bearer Token",
                    "description": "Authentication scheme using the OAuth Bearer Token Standard",
                    "specUri": "http://www.rfc-editor.org/info/rfc6750",
                    "documentationUri": "http://example.com/help/oauth.html",
                    "type": "oauthbearertoken",
                    "primary": true
                },
                {
                    "name": "HTTP Basic",
                    "description": "Authentication scheme using the HTTP Basic Standard",
                    "specUri": "http://www.rfc-editor.org/info/rfc2617",
                    "documentationUri": "http://example.com/help/httpBasic.html",
                    "type": "httpbasic"
                }
            ],
            "meta": {
                "location": "https://example.com/v2/ServiceProviderConfig",
                "resourceType": "ServiceProviderConfig",
                "created": "2010-01-23T04:56:22Z",
                "lastModified": "2011-05-13T04:42:34Z",
                "version": "W/\"3694e05e9dff594\""
            }
        })
    }

    /// RFC 7643 §8.6 resource types.
    fn resource_types() -> [Value; 2] {
        [
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
                "id": "User",
                "name": "User",
                "endpoint": "/Users",
                "description": "User Account",
                "schema": USER,
                "schemaExtensions": [{"schema": ENTERPRISE, "required": true}],
                "meta": {
                    "location": "https://example.com/v2/ResourceTypes/User",
                    "resourceType": "ResourceType"
                }
            }),
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
                "id": "Group",
                "name": "Group",
                "endpoint": "/Groups",
                "description": "Group",
                "schema": GROUP,
                "meta": {
                    "location": "https://example.com/v2/ResourceTypes/Group",
                    "resourceType": "ResourceType"
                }
            }),
        ]
    }

    /// RFC 7643 §8.7.1 User schema, abridged (no `schemas`, as in the RFC, requirements A-21).
    fn user_schema() -> Value {
        json!({
            "id": USER,
            "name": "User",
            "description": "User Account",
            "attributes": [
                {
                    "name": "userName",
                    "type": "string",
                    "multiValued": false,
                    "description": "Unique identifier for the User.",
                    "required": true,
                    "caseExact": false,
                    "mutability": "readWrite",
                    "returned": "default",
                    "uniqueness": "server"
                },
                {
                    "name": "name",
                    "type": "complex",
                    "multiValued": false,
                    "description": "The components of the user's real name.",
                    "required": false,
                    "subAttributes": [
                        {
                            "name": "familyName",
                            "type": "string",
                            "multiValued": false,
                            "required": false,
                            "caseExact": false,
                            "mutability": "readWrite",
                            "returned": "default",
                            "uniqueness": "none"
                        }
                    ],
                    "mutability": "readWrite",
                    "returned": "default",
                    "uniqueness": "none"
                },
                {
                    "name": "groups",
                    "type": "complex",
                    "multiValued": true,
                    "required": false,
                    "subAttributes": [
                        {
                            "name": "$ref",
                            "type": "reference",
                            "referenceTypes": ["User", "Group"],
                            "multiValued": false,
                            "required": false,
                            "caseExact": false,
                            "mutability": "readOnly",
                            "returned": "default",
                            "uniqueness": "none"
                        }
                    ],
                    "mutability": "readOnly",
                    "returned": "default"
                },
                {
                    "name": "x509Certificates",
                    "type": "complex",
                    "multiValued": true,
                    "subAttributes": [
                        {"name": "value", "type": "binary", "multiValued": false}
                    ]
                }
            ],
            "meta": {
                "resourceType": "Schema",
                "location": "/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"
            }
        })
    }

    /// RFC 7644 §3.4.2 list response (items as in the RFC, without `schemas`), plus one
    /// full User so URN dispatch is exercised.
    fn list_response() -> Value {
        json!({
            "schemas": [LIST],
            "totalResults": 3,
            "itemsPerPage": 3,
            "startIndex": 1,
            "Resources": [
                {"id": "2819c223-7f76-453a-919d-413861904646", "userName": "bjensen"},
                {"id": "c75ad752-64ae-4823-840d-ffa80929976c", "userName": "jsmith"},
                minimal_user()
            ]
        })
    }

    /// RFC 7644 §3.12 error examples.
    fn errors() -> [Value; 2] {
        [
            json!({
                "schemas": [ERROR],
                "detail": "Resource 2819c223-7f76-453a-919d-413861904646 not found",
                "status": "404"
            }),
            json!({
                "schemas": [ERROR],
                "scimType": "mutability",
                "detail": "Attribute 'id' is readOnly",
                "status": "400"
            }),
        ]
    }

    /// RFC 7644 §3.5.2.1-§3.5.2.3 operations, combined in one request.
    fn patch_op() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {
                    "op": "add",
                    "path": "members",
                    "value": [{
                        "display": "Babs Jensen",
                        "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
                        "value": "2819c223-7f76-453a-919d-413861904646"
                    }]
                },
                {"op": "remove", "path": "members[value eq \"2819c223-7f76-...413861904646\"]"},
                {"op": "replace", "value": {"emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}], "nickName": "Babs"}},
                {"op": "replace", "path": "active", "value": false},
                {"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": 701_984}
            ]
        })
    }

    // --- Loading ---------------------------------------------------------------------------

    #[test]
    fn every_schema_compiles_and_is_listed() {
        let set = set();
        let names = set.names();
        assert_eq!(
            names,
            [
                "user",
                "group",
                "enterprise-user",
                "list-response",
                "error",
                "patch-op",
                "service-provider-config",
                "resource-type",
                "schema"
            ]
        );
        for name in names {
            assert!(set.contains(name));
            set.require(name).expect("listed names are accepted");
        }
        assert!(!set.contains("common"));
        assert!(!set.contains("User"));
        assert!(matches!(set.require("nope"), Err(SchemaError::UnknownSchema(n)) if n == "nope"));
    }

    #[test]
    fn every_document_is_a_valid_2020_12_schema_with_id_title_description() {
        for (stem, source) in EMBEDDED {
            let doc: Value = serde_json::from_str(source).expect("valid JSON");
            assert!(
                jsonschema::meta::is_valid(&doc),
                "{stem} fails the meta-schema"
            );
            assert_eq!(
                doc["$schema"],
                "https://json-schema.org/draft/2020-12/schema"
            );
            assert_eq!(doc["$id"], format!("{BASE_URI}{stem}.json"));
            assert!(doc["title"].is_string(), "{stem} has no title");
            let description = doc["description"].as_str().unwrap_or_default();
            assert!(
                description.contains("RFC 7"),
                "{stem}: description names no RFC section"
            );
            assert!(
                !source.contains("\"additionalProperties\": false"),
                "{stem} is closed"
            );
        }
    }

    #[test]
    fn schema_set_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<SchemaSet>();
        let set = set();
        let copy = set.clone();
        assert!(Arc::ptr_eq(&set.inner, &copy.inner));
        assert!(format!("{set:?}").contains("list-response"));
    }

    #[test]
    fn unknown_name_is_a_violation_not_a_panic() {
        let found = violations(&set(), "users", &json!({}));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].instance_path, "");
        assert!(found[0].message.contains("unknown SCIM schema `users`"));
    }

    // --- Valid documents -------------------------------------------------------------------

    #[test]
    fn rfc_examples_pass() {
        let set = set();
        assert_valid(&set, "user", &minimal_user());
        assert_valid(&set, "user", &enterprise_user());
        assert_valid(&set, "enterprise-user", &enterprise_user()[ENTERPRISE]);
        assert_valid(&set, "group", &group());
        assert_valid(&set, "service-provider-config", &service_provider_config());
        for resource_type in resource_types() {
            assert_valid(&set, "resource-type", &resource_type);
        }
        assert_valid(&set, "schema", &user_schema());
        assert_valid(&set, "list-response", &list_response());
        for error in errors() {
            assert_valid(&set, "error", &error);
        }
        assert_valid(&set, "patch-op", &patch_op());
    }

    #[test]
    fn discovery_list_responses_pass() {
        let set = set();
        let [user_type, group_type] = resource_types();
        let list = json!({
            "schemas": [LIST],
            "totalResults": 2,
            "Resources": [user_type, group_type]
        });
        assert_valid(&set, "list-response", &list);
        let schemas = json!({"schemas": [LIST], "totalResults": 1, "Resources": [user_schema()]});
        assert_valid(&set, "list-response", &schemas);
    }

    #[test]
    fn open_content_model_and_null_as_unassigned() {
        let set = set();
        let mut user = minimal_user();
        user["x-vendor"] = json!({"anything": [1, 2]});
        user["urn:example:ext:1.0:Custom"] = json!({"k": "v"});
        user["nickName"] = Value::Null;
        user["emails"] = Value::Null;
        user["active"] = Value::Null;
        user["password"] = Value::Null;
        user["phoneNumbers"] = json!([]);
        assert_valid(&set, "user", &user);
        let list = json!({
            "schemas": [LIST],
            "totalResults": 5,
            "nextCursor": "VZUTiyhEQJ94IR",
            "Resources": []
        });
        assert_valid(&set, "list-response", &list);
        let empty = json!({"schemas": [LIST], "totalResults": 0});
        assert_valid(&set, "list-response", &empty);
    }

    #[test]
    fn date_time_pattern_follows_xsd() {
        let set = set();
        for ok in [
            "2010-01-23T04:56:22Z",
            "2010-01-23T04:56:22",
            "2010-01-23T04:56:22.123456+05:30",
            "-0044-03-15T12:00:00-01:00",
            "2010-01-23T24:00:00Z",
        ] {
            let mut user = minimal_user();
            user["meta"]["created"] = json!(ok);
            assert_valid(&set, "user", &user);
        }
        for bad in [
            "2010-01-23",
            "2010-01-23 04:56:22Z",
            "2010-13-23T04:56:22Z",
            "10-01-23T04:56:22Z",
            "2010-01-23T04:56Z",
        ] {
            let mut user = minimal_user();
            user["meta"]["created"] = json!(bad);
            let v = assert_fails_at(&set, "user", &user, "/meta/created");
            assert!(v.message.contains("C-2.3.5-01"), "{v:?}");
        }
    }

    // --- Targeted failures -----------------------------------------------------------------

    #[test]
    fn error_status_as_number_fails_at_status() {
        let mut error = errors()[0].clone();
        error["status"] = json!(404);
        let v = assert_fails_at(&set(), "error", &error, "/status");
        assert!(v.message.contains("P-3.12-03"), "{v:?}");
        assert!(v.message.contains("\"string\""), "{v:?}");
    }

    #[test]
    fn error_status_pattern_and_scim_type_vocabulary() {
        let set = set();
        let mut error = errors()[1].clone();
        error["status"] = json!("40");
        assert_fails_at(&set, "error", &error, "/status");
        let mut error = errors()[1].clone();
        error["scimType"] = json!("readOnly");
        let v = assert_fails_at(&set, "error", &error, "/scimType");
        assert!(v.message.contains("P-3.12-04"), "{v:?}");
        let error = json!({"schemas": [ERROR], "detail": "no status"});
        let v = assert_fails_at(&set, "error", &error, "");
        assert!(
            v.message.contains("\"status\" is a required property"),
            "{v:?}"
        );
    }

    #[test]
    fn list_response_without_total_results_fails() {
        let mut list = list_response();
        list.as_object_mut().expect("object").remove("totalResults");
        let v = assert_fails_at(&set(), "list-response", &list, "");
        assert!(v.message.contains("totalResults"), "{v:?}");
        assert!(v.message.contains("P-3.4.2-02"), "{v:?}");
    }

    #[test]
    fn list_response_paging_fields_are_checked() {
        let set = set();
        let mut list = list_response();
        list["startIndex"] = json!(0);
        list["itemsPerPage"] = json!(-1);
        list["totalResults"] = json!("3");
        let found = violations(&set, "list-response", &list);
        for path in ["/startIndex", "/itemsPerPage", "/totalResults"] {
            assert!(
                found.iter().any(|v| v.instance_path == path),
                "{path}: {found:#?}"
            );
        }
        let page = json!({"schemas": [LIST], "totalResults": 3, "itemsPerPage": 2});
        let v = assert_fails_at(&set, "list-response", &page, "");
        assert!(v.message.contains("Resources"), "{v:?}");
    }

    #[test]
    fn list_items_are_dispatched_by_schema_urn() {
        let set = set();
        let mut list = list_response();
        list["Resources"][2]["active"] = json!("true");
        list["Resources"]
            .as_array_mut()
            .expect("array")
            .push(json!({
                "schemas": [GROUP], "id": "g1"
            }));
        let found = violations(&set, "list-response", &list);
        assert!(
            found
                .iter()
                .any(|v| v.instance_path == "/Resources/2/active"),
            "{found:#?}"
        );
        assert!(
            found
                .iter()
                .any(|v| v.instance_path == "/Resources/3" && v.message.contains("displayName")),
            "{found:#?}"
        );
        // Items without a known URN are left open.
        assert!(
            !found
                .iter()
                .any(|v| v.instance_path.starts_with("/Resources/0"))
        );
    }

    #[test]
    fn user_without_id_fails() {
        let mut user = minimal_user();
        user.as_object_mut().expect("object").remove("id");
        let v = assert_fails_at(&set(), "user", &user, "");
        assert!(v.message.contains("\"id\" is a required property"), "{v:?}");
        assert!(v.message.contains("C-3.1-01"), "{v:?}");
    }

    #[test]
    fn user_name_must_be_a_non_empty_string() {
        let set = set();
        let mut user = minimal_user();
        user["userName"] = json!("");
        let v = assert_fails_at(&set, "user", &user, "/userName");
        assert!(v.message.contains("C-4.1.1-01"), "{v:?}");
        user.as_object_mut().expect("object").remove("userName");
        assert_fails_at(&set, "user", &user, "");
        user["userName"] = json!(42);
        assert_fails_at(&set, "user", &user, "/userName");
    }

    #[test]
    fn active_as_string_fails() {
        let mut user = minimal_user();
        user["active"] = json!("true");
        let v = assert_fails_at(&set(), "user", &user, "/active");
        assert!(v.message.contains("C-2.3-01"), "{v:?}");
        // Values are masked: personal data never reaches a report through a message.
        assert!(!v.message.contains("\"true\" is"), "{v:?}");
    }

    #[test]
    fn primary_as_string_fails() {
        let mut user = enterprise_user();
        user["emails"][1]["primary"] = json!("True");
        assert_fails_at(&set(), "user", &user, "/emails/1/primary");
    }

    #[test]
    fn two_primary_emails_fail() {
        let mut user = enterprise_user();
        user["emails"][1]["primary"] = json!(true);
        let v = assert_fails_at(&set(), "user", &user, "/emails");
        assert!(v.message.contains("C-2.4-01"), "{v:?}");
        assert!(v.message.contains("more than 1"), "{v:?}");
    }

    #[test]
    fn password_in_a_response_fails() {
        let mut user = minimal_user();
        user["password"] = json!("t1meMa$heen");
        let v = assert_fails_at(&set(), "user", &user, "/password");
        assert!(v.message.contains("C-4.1.1-03"), "{v:?}");
        assert!(
            !v.message.contains("t1meMa$heen"),
            "the secret leaked: {v:?}"
        );
    }

    #[test]
    fn password_in_other_casing_fails_too() {
        let mut user = minimal_user();
        user["PASSWORD"] = json!("t1meMa$heen");
        assert_fails_at(&set(), "user", &user, "/PASSWORD");
    }

    #[test]
    fn missing_schemas_fails() {
        let set = set();
        for (name, mut doc) in [
            ("user", minimal_user()),
            ("group", group()),
            ("error", errors()[0].clone()),
            ("list-response", list_response()),
            ("service-provider-config", service_provider_config()),
            ("resource-type", resource_types()[0].clone()),
            ("patch-op", patch_op()),
        ] {
            doc.as_object_mut().expect("object").remove("schemas");
            let v = assert_fails_at(&set, name, &doc, "");
            assert!(
                v.message.contains("\"schemas\" is a required property"),
                "{name}: {v:?}"
            );
        }
    }

    #[test]
    fn wrong_schemas_urn_fails() {
        let set = set();
        let mut user = minimal_user();
        user["schemas"] = json!([GROUP]);
        let v = assert_fails_at(&set, "user", &user, "/schemas");
        assert!(v.message.contains(USER), "{v:?}");
        assert!(v.message.contains("C-3-01"), "{v:?}");
        user["schemas"] = json!([]);
        assert_fails_at(&set, "user", &user, "/schemas");
        user["schemas"] = json!(USER);
        assert_fails_at(&set, "user", &user, "/schemas");
    }

    #[test]
    fn extension_object_requires_its_urn_in_schemas() {
        let set = set();
        let mut user = enterprise_user();
        user["schemas"] = json!([USER]);
        let v = assert_fails_at(&set, "user", &user, "/schemas");
        assert!(v.message.contains("C-3.3-01"), "{v:?}");
        let mut user = enterprise_user();
        user[ENTERPRISE]["manager"] = json!("26118915");
        let path = format!("/{ENTERPRISE}/manager");
        assert_fails_at(&set, "user", &user, &path);
    }

    #[test]
    fn group_rules() {
        let set = set();
        let mut g = group();
        g.as_object_mut().expect("object").remove("displayName");
        let v = assert_fails_at(&set, "group", &g, "");
        assert!(v.message.contains("C-4.2-01"), "{v:?}");
        let mut g = group();
        g["members"] = json!({"value": "x"});
        assert_fails_at(&set, "group", &g, "/members");
        let mut g = group();
        g["id"] = json!("bulkId:qwerty");
        let v = assert_fails_at(&set, "group", &g, "/id");
        assert!(
            v.message.starts_with("value must not match \"bulkId\""),
            "{v:?}"
        );
        assert!(v.message.contains("C-3.1-10"), "{v:?}");
    }

    #[test]
    fn binary_and_reference_formats() {
        let set = set();
        let mut user = enterprise_user();
        user["x509Certificates"][0]["value"] = json!("not base64!");
        let v = assert_fails_at(&set, "user", &user, "/x509Certificates/0/value");
        assert!(v.message.contains("C-2.3.6-01"), "{v:?}");
        let mut user = enterprise_user();
        user["groups"][0]["$ref"] = json!("not a uri");
        assert_fails_at(&set, "user", &user, "/groups/0/$ref");
    }

    #[test]
    fn service_provider_config_rules() {
        let set = set();
        let mut spc = service_provider_config();
        spc.as_object_mut().expect("object").remove("etag");
        let v = assert_fails_at(&set, "service-provider-config", &spc, "");
        assert!(v.message.contains("C-5-01"), "{v:?}");
        let mut spc = service_provider_config();
        spc["patch"]["supported"] = json!("true");
        assert_fails_at(&set, "service-provider-config", &spc, "/patch/supported");
        let mut spc = service_provider_config();
        spc["bulk"] = json!({"supported": false});
        assert_fails_at(&set, "service-provider-config", &spc, "/bulk");
        let mut spc = service_provider_config();
        spc["filter"]["maxResults"] = json!(2.5);
        assert_fails_at(&set, "service-provider-config", &spc, "/filter/maxResults");
        let mut spc = service_provider_config();
        spc["authenticationSchemes"][1]
            .as_object_mut()
            .expect("object")
            .remove("type");
        let v = assert_fails_at(
            &set,
            "service-provider-config",
            &spc,
            "/authenticationSchemes/1",
        );
        assert!(v.message.contains("C-5-02"), "{v:?}");
        let mut spc = service_provider_config();
        spc["authenticationSchemes"][0]["type"] = json!("bearer-ish");
        assert_valid(&set, "service-provider-config", &spc);
    }

    #[test]
    fn resource_type_rules() {
        let set = set();
        let mut rt = resource_types()[0].clone();
        rt.as_object_mut().expect("object").remove("endpoint");
        let v = assert_fails_at(&set, "resource-type", &rt, "");
        assert!(v.message.contains("C-6-01"), "{v:?}");
        let mut rt = resource_types()[0].clone();
        rt["schemaExtensions"][0]["required"] = json!("true");
        assert_fails_at(&set, "resource-type", &rt, "/schemaExtensions/0/required");
        let mut rt = resource_types()[1].clone();
        rt["endpoint"] = json!("Groups");
        assert_valid(&set, "resource-type", &rt);
    }

    #[test]
    fn schema_attribute_definitions_are_checked_recursively() {
        let set = set();
        let mut schema = user_schema();
        schema["attributes"][1]["subAttributes"][0]["type"] = json!("text");
        let v = assert_fails_at(
            &set,
            "schema",
            &schema,
            "/attributes/1/subAttributes/0/type",
        );
        assert!(v.message.contains("C-7-01"), "{v:?}");
        let mut schema = user_schema();
        schema["attributes"][0]["multiValued"] = json!("false");
        assert_fails_at(&set, "schema", &schema, "/attributes/0/multiValued");
        let mut schema = user_schema();
        schema["attributes"][0]["mutability"] = json!("readwrite");
        assert_fails_at(&set, "schema", &schema, "/attributes/0/mutability");
        let mut schema = user_schema();
        schema["attributes"][0]["name"] = json!("user name");
        let v = assert_fails_at(&set, "schema", &schema, "/attributes/0/name");
        assert!(v.message.contains("C-2.1-01"), "{v:?}");
        let mut schema = user_schema();
        schema["attributes"][0]["subAttributes"] =
            json!([{"name": "x", "type": "string", "multiValued": false}]);
        assert_fails_at(&set, "schema", &schema, "/attributes/0/subAttributes");
        let mut schema = user_schema();
        schema["attributes"][0]["referenceTypes"] = json!("User");
        assert_fails_at(&set, "schema", &schema, "/attributes/0/referenceTypes");
        let mut schema = user_schema();
        schema.as_object_mut().expect("object").remove("attributes");
        assert_fails_at(&set, "schema", &schema, "");
        let mut schema = user_schema();
        schema["schemas"] = json!([USER]);
        assert_fails_at(&set, "schema", &schema, "/schemas");
    }

    #[test]
    fn complex_sub_attributes_only_in_the_meta_schema() {
        let set = set();
        let nested = json!({
            "name": "subAttributes",
            "type": "complex",
            "multiValued": true,
            "subAttributes": [
                {"name": "name", "type": "string", "multiValued": false},
                {"name": "subAttributes", "type": "complex", "multiValued": true,
                 "subAttributes": [{"name": "name", "type": "string", "multiValued": false}]}
            ]
        });
        let mut resource_schema = user_schema();
        resource_schema["attributes"] = json!([nested.clone()]);
        let v = assert_fails_at(
            &set,
            "schema",
            &resource_schema,
            "/attributes/0/subAttributes/1/type",
        );
        assert!(v.message.contains("C-2.3.8-01"), "{v:?}");
        let meta_schema = json!({
            "id": "urn:ietf:params:scim:schemas:core:2.0:Schema",
            "name": "Schema",
            "attributes": [{
                "name": "attributes", "type": "complex", "multiValued": true,
                "subAttributes": [nested]
            }]
        });
        assert_valid(&set, "schema", &meta_schema);
    }

    #[test]
    fn patch_op_rules() {
        let set = set();
        let mut patch = patch_op();
        patch["Operations"] = json!([]);
        assert_fails_at(&set, "patch-op", &patch, "/Operations");
        let mut patch = patch_op();
        patch["Operations"][0]["op"] = json!("Replace");
        assert_fails_at(&set, "patch-op", &patch, "/Operations/0/op");
        let mut patch = patch_op();
        patch["Operations"][1]
            .as_object_mut()
            .expect("object")
            .remove("path");
        let v = assert_fails_at(&set, "patch-op", &patch, "/Operations/1");
        assert!(v.message.contains("P-3.5.2.2-01"), "{v:?}");
        let mut patch = patch_op();
        patch["Operations"][3]
            .as_object_mut()
            .expect("object")
            .remove("value");
        assert_fails_at(&set, "patch-op", &patch, "/Operations/3");
        let mut patch = patch_op();
        patch["Operations"][2]["value"] = json!("Babs");
        assert_fails_at(&set, "patch-op", &patch, "/Operations/2/value");
        let mut patch = patch_op();
        patch["Operations"][1]["value"] = Value::Null;
        patch["Operations"][3]["value"] = Value::Null;
        assert_valid(&set, "patch-op", &patch);
    }

    #[test]
    fn every_violation_is_reported_not_just_the_first() {
        let mut user = minimal_user();
        let object = user.as_object_mut().expect("object");
        object.remove("id");
        object.insert("active".into(), json!("yes"));
        object.insert("password".into(), json!("secret"));
        object.insert(
            "emails".into(),
            json!([{"primary": true}, {"primary": true}]),
        );
        let found = violations(&set(), "user", &user);
        for path in ["", "/active", "/password", "/emails"] {
            assert!(
                found.iter().any(|v| v.instance_path == path),
                "{path}: {found:#?}"
            );
        }
    }

    // --- Case-insensitive attribute names --------------------------------------------------

    #[test]
    fn user_name_in_other_casing_passes() {
        let set = set();
        let mut user = minimal_user();
        let object = user.as_object_mut().expect("object");
        let user_name = object.remove("userName").expect("userName");
        object.insert("UserName".into(), user_name);
        assert_valid(&set, "user", &user);
        let shouting = json!({
            "SCHEMAS": [USER],
            "ID": "abc",
            "USERNAME": "bjensen",
            "Name": {"GivenName": "Barbara"},
            "Emails": [{"Value": "b@example.com", "PRIMARY": true}],
            "Meta": {"Created": "2010-01-23T04:56:22Z"},
            "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {"EmployeeNumber": "7"}
        });
        // The enterprise object is found case-insensitively, so the URN-in-`schemas` rule
        // applies to it.
        let v = assert_fails_at(&set, "user", &shouting, "/SCHEMAS");
        assert!(v.message.contains("C-3.3-01"), "{v:?}");
        let mut shouting = shouting;
        shouting["SCHEMAS"] = json!([USER, ENTERPRISE]);
        assert_valid(&set, "user", &shouting);
        let list = json!({"SCHEMAS": [LIST], "TotalResults": 1, "resources": [shouting]});
        assert_valid(&set, "list-response", &list);
    }

    #[test]
    fn violations_keep_the_original_key_casing() {
        let set = set();
        let user = json!({
            "Schemas": [USER],
            "Id": "abc",
            "UserName": "bjensen",
            "Emails": [{"Value": "b@example.com", "Primary": "true"}],
            "Meta": {"Created": "yesterday"}
        });
        let found = violations(&set, "user", &user);
        for path in ["/Emails/0/Primary", "/Meta/Created"] {
            assert!(
                found.iter().any(|v| v.instance_path == path),
                "{path}: {found:#?}"
            );
        }
        let list = json!({"schemas": [LIST], "totalresults": 1, "RESOURCES": [{"schemas": [USER], "ID": "x", "Active": 1, "userName": "u"}]});
        let v = assert_fails_at(&set, "list-response", &list, "/RESOURCES/0/Active");
        assert!(v.message.contains("C-2.3-01"), "{v:?}");
    }

    #[test]
    fn duplicate_names_differing_in_case_are_ambiguous() {
        let mut user = minimal_user();
        user["USERNAME"] = json!("other");
        let v = assert_fails_at(&set(), "user", &user, "/USERNAME");
        assert!(v.message.contains("case-insensitive"), "{v:?}");
    }

    #[test]
    fn canonical_instances_are_not_copied() {
        let set = set();
        let entry = set.entry("user").expect("user");
        let root = entry.keys.expect("user names attributes");
        let mut violations = Vec::new();
        assert!(
            set.canonicalise(root, &enterprise_user(), None, &mut violations)
                .is_none()
        );
        let mut user = enterprise_user();
        user["emails"][1]["Primary"] = json!(false);
        let copy = set
            .canonicalise(root, &user, None, &mut violations)
            .expect("a renamed key forces a copy");
        assert_eq!(copy["emails"][1]["primary"], json!(false));
        assert_eq!(copy["emails"][0], user["emails"][0]);
        assert!(violations.is_empty());
    }

    #[test]
    fn recursive_schema_key_map_terminates_and_canonicalises_deeply() {
        let set = set();
        let mut schema = user_schema();
        schema["attributes"][1]["SubAttributes"] = schema["attributes"][1]["subAttributes"].take();
        schema["attributes"][1]
            .as_object_mut()
            .expect("object")
            .remove("subAttributes");
        schema["attributes"][1]["SubAttributes"][0]["MultiValued"] = json!("no");
        schema["attributes"][1]["SubAttributes"][0]
            .as_object_mut()
            .expect("object")
            .remove("multiValued");
        assert_fails_at(
            &set,
            "schema",
            &schema,
            "/attributes/1/SubAttributes/0/MultiValued",
        );
    }

    // --- Helpers ---------------------------------------------------------------------------

    #[test]
    fn messages_are_truncated() {
        let long = "x".repeat(500);
        let cut = truncate(long);
        assert_eq!(cut.chars().count(), MAX_MESSAGE_CHARS);
        assert!(cut.ends_with('…'));
        let exact = "é".repeat(MAX_MESSAGE_CHARS);
        assert_eq!(truncate(exact.clone()), exact);
        let mut user = minimal_user();
        user["schemas"] = json!(["x".repeat(400)]);
        for v in violations(&set(), "user", &user) {
            assert!(v.message.chars().count() <= MAX_MESSAGE_CHARS, "{v:?}");
        }
    }

    #[test]
    fn requirement_ids_are_recognised() {
        assert!(starts_with_requirement_id("P-3.12-03: status is a string"));
        assert!(starts_with_requirement_id("P-3.4.2.4-06: itemsPerPage"));
        assert!(starts_with_requirement_id("C-2.4-01: at most one"));
        assert!(starts_with_requirement_id("C-5-01: flags"));
        assert!(!starts_with_requirement_id("RFC 7644 §3.12"));
        assert!(!starts_with_requirement_id("P-x-01"));
        assert!(!starts_with_requirement_id("C-5-1"));
    }

    #[test]
    fn pointers_round_trip_escapes() {
        let doc = json!({"a/b": {"c~d": [0, {"E": 1}]}});
        assert_eq!(original_path(&doc, "/a~1b/c~0d/1/e"), "/a~1b/c~0d/1/E");
        assert_eq!(original_path(&doc, "/missing/x"), "/missing/x");
        assert_eq!(percent_decode("/properties/%24ref"), "/properties/$ref");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
