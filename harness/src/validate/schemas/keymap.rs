//! The key canonicalisation map: for each nesting level of each shipped document, the
//! attribute names its schemas know (in their casing), and the rewrite of an instance's keys
//! to that casing.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};

use super::pointer::{Crumb, Segment, percent_decode, pointer, push_escaped};
use super::violation::truncate;
use super::{Doc, SchemaSet, Violation};

impl SchemaSet {
    /// Returns the canonically-keyed copy of `value`, or `None` when nothing needs renaming.
    pub(super) fn canonicalise(
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
}

/// The attribute names known at one nesting level, and the node for each one's value. An
/// array value uses the same node for each of its items.
pub(super) struct KeyNode {
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
pub(super) type Loc = (usize, String);

pub(super) struct KeyMapBuilder<'d> {
    docs: &'d [Doc],
    pub(super) nodes: Vec<KeyNode>,
    memo: HashMap<Vec<Loc>, Option<usize>>,
}

impl<'d> KeyMapBuilder<'d> {
    pub(super) fn new(docs: &'d [Doc]) -> Self {
        Self {
            docs,
            nodes: Vec::new(),
            memo: HashMap::new(),
        }
    }

    /// The node describing objects (and arrays of objects) validated by all of `locs`.
    /// Memoised on the location set, which also ends recursion through recursive schemas.
    pub(super) fn node_for(&mut self, locs: BTreeSet<Loc>) -> Result<Option<usize>, String> {
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
