//! In-memory resource store: one [`Table`] per resource type behind a single `RwLock`.
//!
//! Each table keeps records by id (O(1)), creation order (stable paging), a case-folded
//! index on the unique attribute (`userName`, Group `displayName`) and an `externalId`
//! index, so the `eq` filters IdPs send before every create are index lookups. A reverse
//! membership index (member id → group ids) computes `User.groups` and cleans up groups
//! when a member is deleted. Records hold everything but the request-dependent parts
//! (`meta.location`, `$ref`s, computed `groups`), which [`crate::render`] adds.
//!
//! Growth points: ETags compare [`Record::version`]; tenants would each own a `Tables`;
//! bulk would run several operations under one write guard.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::filter::fold;
use crate::resource::{Normalized, sync_schemas};
use crate::schema::ResourceKind;
use crate::time::{format_millis, now_millis};

/// The store: all tables behind one lock, so cross-type updates (memberships) are atomic.
#[derive(Debug, Default)]
pub(crate) struct Store {
    tables: RwLock<Tables>,
}

impl Store {
    /// Shared access (poisoning is ignored: no operation leaves tables half-updated).
    pub fn read(&self) -> RwLockReadGuard<'_, Tables> {
        self.tables.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Exclusive access.
    pub fn write(&self) -> RwLockWriteGuard<'_, Tables> {
        self.tables.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One stored resource.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Record {
    /// Creation sequence number (list order).
    pub seq: u64,
    /// `schemas`, `id`, attributes, and `meta` without `location`.
    pub data: Map<String, Value>,
    /// Write-only; never rendered.
    pub password: Option<String>,
    pub created: i64,
    pub modified: i64,
    /// Incremented on every change; rendered as the weak ETag `W/"n"`.
    pub version: u64,
}

impl Record {
    /// The resource id.
    pub fn id(&self) -> &str {
        self.data
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// A top-level string attribute.
    pub fn str_attr(&self, name: &str) -> Option<&str> {
        self.data.get(name).and_then(Value::as_str)
    }
}

/// All records of one resource type, with indexes.
#[derive(Debug, Default)]
pub(crate) struct Table {
    records: HashMap<String, Record>,
    order: BTreeMap<u64, String>,
    /// Case-folded unique attribute → id.
    unique: HashMap<String, String>,
    /// `externalId` (case-exact) → seq → id.
    external_ids: HashMap<String, BTreeMap<u64, String>>,
}

impl Table {
    /// Records in creation order.
    pub fn iter(&self) -> impl Iterator<Item = &Record> {
        self.order.values().filter_map(|id| self.records.get(id))
    }

    /// Record by id.
    pub fn get(&self, id: &str) -> Option<&Record> {
        self.records.get(id)
    }

    /// Record whose unique attribute folds to the same value.
    pub fn by_unique(&self, value: &str) -> Option<&Record> {
        self.unique
            .get(fold(value).as_ref())
            .and_then(|id| self.records.get(id))
    }

    /// Records with this exact `externalId`, in creation order.
    pub fn by_external_id(&self, value: &str) -> Vec<&Record> {
        self.external_ids
            .get(value)
            .map(|ids| ids.values().filter_map(|id| self.records.get(id)).collect())
            .unwrap_or_default()
    }

    fn index(&mut self, kind: ResourceKind, rec: &Record) {
        let id = rec.id().to_owned();
        if let Some(u) = rec.str_attr(kind.unique_attribute()) {
            self.unique.insert(fold(u).into_owned(), id.clone());
        }
        if let Some(ext) = rec.str_attr("externalId") {
            self.external_ids
                .entry(ext.to_owned())
                .or_default()
                .insert(rec.seq, id.clone());
        }
        self.order.insert(rec.seq, id);
    }

    fn unindex(&mut self, kind: ResourceKind, rec: &Record) {
        if let Some(u) = rec.str_attr(kind.unique_attribute()) {
            let key = fold(u);
            if self.unique.get(key.as_ref()).map(String::as_str) == Some(rec.id()) {
                self.unique.remove(key.as_ref());
            }
        }
        if let Some(ext) = rec.str_attr("externalId")
            && let Some(ids) = self.external_ids.get_mut(ext)
        {
            ids.remove(&rec.seq);
            if ids.is_empty() {
                self.external_ids.remove(ext);
            }
        }
        self.order.remove(&rec.seq);
    }
}

/// Every table plus the cross-type membership index.
#[derive(Debug, Default)]
pub(crate) struct Tables {
    users: Table,
    groups: Table,
    /// Member id → ids of the groups that list it.
    member_of: HashMap<String, HashSet<String>>,
    next_seq: u64,
    next_version: u64,
}

impl Tables {
    /// The table of a resource type.
    pub fn table(&self, kind: ResourceKind) -> &Table {
        match kind {
            ResourceKind::User => &self.users,
            ResourceKind::Group => &self.groups,
        }
    }

    fn table_mut(&mut self, kind: ResourceKind) -> &mut Table {
        match kind {
            ResourceKind::User => &mut self.users,
            ResourceKind::Group => &mut self.groups,
        }
    }

    /// A record by type and id.
    pub fn get(&self, kind: ResourceKind, id: &str) -> Option<&Record> {
        self.table(kind).get(id)
    }

    /// Any resource (User first) with this id, and its type.
    pub fn find_any(&self, id: &str) -> Option<(ResourceKind, &Record)> {
        ResourceKind::ALL
            .into_iter()
            .find_map(|k| self.get(k, id).map(|r| (k, r)))
    }

    /// Ids of the groups that list `member_id` as a member, in group creation order.
    pub fn groups_of(&self, member_id: &str) -> Vec<&Record> {
        let mut groups: Vec<&Record> = self
            .member_of
            .get(member_id)
            .into_iter()
            .flatten()
            .filter_map(|gid| self.groups.get(gid))
            .collect();
        groups.sort_by_key(|g| g.seq);
        groups
    }

    /// Creates a resource; returns its new id.
    pub fn create(&mut self, kind: ResourceKind, input: Normalized) -> Result<String, ScimError> {
        let mut attrs = input.attrs;
        self.finalize(kind, &mut attrs);
        self.check_unique(kind, &attrs, None)?;
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_millis();
        self.next_seq += 1;
        self.next_version += 1;
        let mut data = assemble(kind, &id, attrs);
        data.insert("meta".into(), meta(kind, now, now, self.next_version));
        let rec = Record {
            seq: self.next_seq,
            data,
            password: input.password,
            created: now,
            modified: now,
            version: self.next_version,
        };
        self.insert(kind, rec);
        Ok(id)
    }

    /// Replaces the attributes of an existing resource (PUT): `None` when it does not exist.
    /// A `None` password keeps the stored one.
    pub fn replace(
        &mut self,
        kind: ResourceKind,
        id: &str,
        input: Normalized,
    ) -> Option<Result<(), ScimError>> {
        let password = input.password;
        self.update(kind, id, |_| Ok(input.attrs), password)
    }

    /// Modifies an existing resource (PATCH): `f` maps the stored data to new attributes.
    /// `None` when it does not exist. Nothing changes unless `f` succeeds.
    pub fn modify(
        &mut self,
        kind: ResourceKind,
        id: &str,
        f: impl FnOnce(&Map<String, Value>) -> Result<Map<String, Value>, ScimError>,
    ) -> Option<Result<(), ScimError>> {
        self.update(kind, id, f, None)
    }

    fn update(
        &mut self,
        kind: ResourceKind,
        id: &str,
        f: impl FnOnce(&Map<String, Value>) -> Result<Map<String, Value>, ScimError>,
        password: Option<String>,
    ) -> Option<Result<(), ScimError>> {
        let attrs = f(&self.get(kind, id)?.data);
        Some(self.commit_update(kind, id, attrs, password))
    }

    fn commit_update(
        &mut self,
        kind: ResourceKind,
        id: &str,
        attrs: Result<Map<String, Value>, ScimError>,
        password: Option<String>,
    ) -> Result<(), ScimError> {
        let mut attrs = attrs?;
        self.finalize(kind, &mut attrs);
        self.check_unique(kind, &attrs, Some(id))?;
        let Some(old) = self.table_mut(kind).records.remove(id) else {
            return Err(ScimError::not_found(format!(
                "{} {id} not found",
                kind.name()
            )));
        };
        let mut data = assemble(kind, id, attrs);
        let unchanged = old
            .data
            .iter()
            .filter(|(k, _)| *k != "meta")
            .eq(data.iter())
            && password
                .as_ref()
                .is_none_or(|p| old.password.as_ref() == Some(p));
        if unchanged {
            self.table_mut(kind).records.insert(id.to_owned(), old);
            return Ok(());
        }
        self.next_version += 1;
        let modified = now_millis().max(old.modified + 1);
        data.insert(
            "meta".into(),
            meta(kind, old.created, modified, self.next_version),
        );
        let rec = Record {
            seq: old.seq,
            data,
            password: password.or_else(|| old.password.clone()),
            created: old.created,
            modified,
            version: self.next_version,
        };
        self.unlink(kind, &old);
        self.insert(kind, rec);
        Ok(())
    }

    /// Deletes a resource; `false` when it does not exist. Groups listing it lose the member.
    pub fn delete(&mut self, kind: ResourceKind, id: &str) -> bool {
        let Some(old) = self.table_mut(kind).records.remove(id) else {
            return false;
        };
        self.unlink(kind, &old);
        let containing: Vec<String> = self
            .member_of
            .remove(id)
            .map(|g| g.into_iter().collect())
            .unwrap_or_default();
        for gid in containing {
            // Best effort: the group changes only by losing this member.
            let _ = self.modify(ResourceKind::Group, &gid, |data| {
                let mut attrs = data.clone();
                if let Some(Value::Array(members)) = attrs.get_mut("members") {
                    members.retain(|m| m.get("value").and_then(Value::as_str) != Some(id));
                    if members.is_empty() {
                        attrs.remove("members");
                    }
                }
                for key in ["schemas", "id", "meta"] {
                    attrs.remove(key);
                }
                Ok(attrs)
            });
        }
        true
    }

    /// Indexes and stores a record (its id must be free).
    fn insert(&mut self, kind: ResourceKind, rec: Record) {
        if kind == ResourceKind::Group {
            for member in member_ids(&rec.data) {
                self.member_of
                    .entry(member.to_owned())
                    .or_default()
                    .insert(rec.id().to_owned());
            }
        }
        let table = self.table_mut(kind);
        table.index(kind, &rec);
        table.records.insert(rec.id().to_owned(), rec);
    }

    /// Removes a record's index entries (the record itself is already taken out).
    fn unlink(&mut self, kind: ResourceKind, rec: &Record) {
        self.table_mut(kind).unindex(kind, rec);
        if kind == ResourceKind::Group {
            for member in member_ids(&rec.data) {
                if let Some(groups) = self.member_of.get_mut(member) {
                    groups.remove(rec.id());
                    if groups.is_empty() {
                        self.member_of.remove(member);
                    }
                }
            }
        }
    }

    /// Fills in what the server derives: each member's `type` when the member exists.
    fn finalize(&self, kind: ResourceKind, attrs: &mut Map<String, Value>) {
        if kind != ResourceKind::Group {
            return;
        }
        if let Some(Value::Array(members)) = attrs.get_mut("members") {
            for member in members.iter_mut().filter_map(Value::as_object_mut) {
                let found = member
                    .get("value")
                    .and_then(Value::as_str)
                    .and_then(|id| self.find_any(id));
                if let Some((k, _)) = found {
                    member.insert("type".into(), Value::from(k.name()));
                }
            }
        }
    }

    /// 409 `uniqueness` when another resource holds the same unique value.
    fn check_unique(
        &self,
        kind: ResourceKind,
        attrs: &Map<String, Value>,
        this: Option<&str>,
    ) -> Result<(), ScimError> {
        let attr = kind.unique_attribute();
        let Some(value) = attrs.get(attr).and_then(Value::as_str) else {
            return Ok(());
        };
        match self.table(kind).by_unique(value) {
            Some(other) if Some(other.id()) != this => Err(ScimError::uniqueness(format!(
                "{attr} '{value}' is already in use by another {}",
                kind.name()
            ))),
            _ => Ok(()),
        }
    }
}

/// The ids listed in a group's `members`.
fn member_ids(data: &Map<String, Value>) -> impl Iterator<Item = &str> {
    data.get("members")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|m| m.get("value").and_then(Value::as_str))
}

/// `schemas`, `id`, the attributes, and `meta` (set for creation; updates replace it).
fn assemble(kind: ResourceKind, id: &str, attrs: Map<String, Value>) -> Map<String, Value> {
    let mut data = Map::new();
    data.insert("schemas".into(), Value::Null);
    data.insert("id".into(), Value::from(id));
    data.extend(attrs);
    sync_schemas(kind, &mut data);
    data
}

/// `meta` without `location` (added per request).
fn meta(kind: ResourceKind, created: i64, modified: i64, version: u64) -> Value {
    let mut m = Map::new();
    m.insert("resourceType".into(), Value::from(kind.name()));
    m.insert("created".into(), Value::from(format_millis(created)));
    m.insert("lastModified".into(), Value::from(format_millis(modified)));
    m.insert("version".into(), Value::from(format!("W/\"{version}\"")));
    Value::Object(m)
}

#[cfg(test)]
mod tests;
