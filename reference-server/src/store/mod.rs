//! In-memory resource store of one tenant: one [`Table`] per resource type behind a single
//! `RwLock`.
//!
//! Each table keeps records by id (O(log n), in B-trees that never rehash under the lock), creation order (stable paging), a case-folded
//! index on the unique attribute (`userName`, Group `displayName`), an exact `externalId`
//! index and a case-folded User `displayName` index, so the `eq` filters IdPs send before
//! every create are index lookups. A reverse membership index (member id → group ids)
//! computes `User.groups` and cleans up groups when a member is deleted.
//!
//! Records hold only the client-owned attributes; `schemas`, `id` and `meta` are derived
//! from the record's fields when rendering ([`crate::render`]), which keeps 100 000 seeded
//! users well below 400 MiB. A record served once also keeps its attributes as written
//! JSON (a few hundred bytes) for the next response. Ids are shared `Arc<str>`s between the
//! table and its indexes.
//!
//! Defects that live in a real server's persistence layer (duplicate or case-sensitive
//! uniqueness, `lastModified`/ETag not bumped, DELETE not effective, `active: false`
//! dropped) are injected here, driven by the table's [`Policy`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, OnceLock, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde_json::{Map, Value};

use crate::defect::{Defect, Policy};
use crate::error::ScimError;
use crate::filter::fold;
use crate::resource::Normalized;
use crate::schema::ResourceKind;
use crate::time::now_millis;
use crate::variant::{Variant, opaque_id};

/// A resource id, shared between a record and the indexes that point at it.
pub(crate) type Id = Arc<str>;

/// The store: all tables behind one lock, so cross-type updates (memberships) are atomic.
#[derive(Debug, Default)]
pub(crate) struct Store {
    tables: RwLock<Tables>,
}

impl Store {
    /// A store holding `tables`.
    pub fn new(tables: Tables) -> Self {
        Store {
            tables: RwLock::new(tables),
        }
    }

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
    pub id: Id,
    /// The attributes, canonically named, without `schemas`, `id` and `meta`.
    pub data: Map<String, Value>,
    /// Write-only; never rendered.
    pub password: Option<String>,
    pub created: i64,
    pub modified: i64,
    /// Changes on every modification; rendered as the weak ETag `W/"n"`.
    pub version: u64,
    /// `data` already written as JSON members, once a response has sent them as they are
    /// (see `render`): records never change once stored, so it stays true to `data`. One
    /// contiguous string instead of a dozen scattered allocations.
    pub plain_json: OnceLock<Option<Box<str>>>,
}

impl Record {
    /// The resource id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// A top-level string attribute.
    pub fn str_attr(&self, name: &str) -> Option<&str> {
        self.data.get(name).and_then(Value::as_str)
    }

    /// The weak entity tag, also served as `meta.version` (the service uses
    /// [`crate::defect::Policy::etag`], which knows the `strong-etags` variant).
    #[cfg(test)]
    pub fn etag(&self) -> String {
        crate::variant::entity_tag(self.version, false)
    }
}

/// Attribute value → records holding it, in creation order.
type MultiIndex = BTreeMap<String, Vec<(u64, Id)>>;

fn index_add(index: &mut MultiIndex, key: String, seq: u64, id: &Id) {
    let ids = index.entry(key).or_default();
    let at = ids.partition_point(|(s, _)| *s < seq);
    ids.insert(at, (seq, Arc::clone(id)));
}

fn index_remove(index: &mut MultiIndex, key: &str, seq: u64) {
    if let Some(ids) = index.get_mut(key) {
        ids.retain(|(s, _)| *s != seq);
        if ids.is_empty() {
            index.remove(key);
        }
    }
}

/// All records of one resource type, with indexes.
#[derive(Debug, Default)]
pub(crate) struct Table {
    /// B-trees, not hash maps, for everything that grows with the data: a hash map doubles
    /// and rehashes everything at once, under the write lock, and at 100 000+ records that
    /// stalled every create behind it (p99 in the hundreds of ms); a B-tree grows a node at a
    /// time. Boxed records keep the nodes small.
    records: BTreeMap<Id, Box<Record>>,
    order: BTreeMap<u64, Id>,
    /// Case-folded unique attribute → id.
    unique: BTreeMap<String, Id>,
    /// `externalId` (case-exact).
    external_ids: MultiIndex,
    /// Case-folded `displayName` of Users (the Group one is the unique attribute).
    display_names: MultiIndex,
}

impl Table {
    /// Records in creation order.
    pub fn iter(&self) -> impl Iterator<Item = &Record> {
        self.order
            .values()
            .filter_map(|id| self.records.get(id).map(|r| &**r))
    }

    /// The number of records (tests).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Record by id.
    pub fn get(&self, id: &str) -> Option<&Record> {
        self.records.get(id).map(|r| &**r)
    }

    /// Record whose unique attribute folds to the same value.
    pub fn by_unique(&self, value: &str) -> Option<&Record> {
        self.unique
            .get(fold(value).as_ref())
            .and_then(|id| self.records.get(id))
            .map(|r| &**r)
    }

    /// Records with this exact `externalId`, in creation order.
    pub fn by_external_id(&self, value: &str) -> Vec<&Record> {
        self.lookup(&self.external_ids, value)
    }

    /// Users whose `displayName` folds to the same value, in creation order.
    pub fn by_display_name(&self, value: &str) -> Vec<&Record> {
        self.lookup(&self.display_names, fold(value).as_ref())
    }

    fn lookup(&self, index: &MultiIndex, key: &str) -> Vec<&Record> {
        index
            .get(key)
            .map(|ids| {
                ids.iter()
                    .filter_map(|(_, id)| self.records.get(id).map(|r| &**r))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn index(&mut self, kind: ResourceKind, rec: &Record) {
        if let Some(u) = rec.str_attr(kind.unique_attribute()) {
            self.unique
                .insert(fold(u).into_owned(), Arc::clone(&rec.id));
        }
        if let Some(ext) = rec.str_attr("externalId") {
            index_add(&mut self.external_ids, ext.to_owned(), rec.seq, &rec.id);
        }
        if kind == ResourceKind::User
            && let Some(name) = rec.str_attr("displayName")
        {
            index_add(
                &mut self.display_names,
                fold(name).into_owned(),
                rec.seq,
                &rec.id,
            );
        }
        self.order.insert(rec.seq, Arc::clone(&rec.id));
    }

    fn unindex(&mut self, kind: ResourceKind, rec: &Record) {
        if let Some(u) = rec.str_attr(kind.unique_attribute()) {
            let key = fold(u);
            if self.unique.get(key.as_ref()).map(AsRef::as_ref) == Some(rec.id()) {
                self.unique.remove(key.as_ref());
            }
        }
        if let Some(ext) = rec.str_attr("externalId") {
            index_remove(&mut self.external_ids, ext, rec.seq);
        }
        if kind == ResourceKind::User
            && let Some(name) = rec.str_attr("displayName")
        {
            index_remove(&mut self.display_names, fold(name).as_ref(), rec.seq);
        }
        self.order.remove(&rec.seq);
    }
}

/// Every table of one tenant plus the cross-type membership index.
#[derive(Debug, Default)]
pub(crate) struct Tables {
    users: Table,
    groups: Table,
    /// Member id → ids of the groups that list it.
    member_of: HashMap<String, HashSet<Id>>,
    next_seq: u64,
    next_version: u64,
    policy: Policy,
}

impl Tables {
    /// Empty tables behaving according to `policy`.
    pub fn new(policy: Policy) -> Self {
        Tables {
            policy,
            ..Tables::default()
        }
    }

    /// How these tables (and everything reading them) behave.
    pub fn policy(&self) -> Policy {
        self.policy
    }

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

    /// The groups that list `member_id` as a member, in group creation order.
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

    /// Creates a resource with a new random id; returns the id.
    pub fn create(&mut self, kind: ResourceKind, input: Normalized) -> Result<Id, ScimError> {
        self.create_with_id(kind, input, None)
    }

    /// Creates a resource, with the given id if any (PUT upserts and client-chosen ids,
    /// which only defect modes use); returns the id.
    pub fn create_with_id(
        &mut self,
        kind: ResourceKind,
        input: Normalized,
        id: Option<&str>,
    ) -> Result<Id, ScimError> {
        let mut attrs = input.attrs;
        self.finalize(kind, &mut attrs)?;
        self.check_unique(kind, &attrs, None)?;
        if self.policy.has(Defect::DeactivationNotPersisted)
            && attrs.get("active") == Some(&Value::Bool(false))
        {
            attrs.remove("active");
        }
        let id: Id = match id {
            Some(id) if self.find_any(id).is_some() => {
                return Err(ScimError::uniqueness(format!(
                    "id '{id}' is already in use"
                )));
            }
            Some(id) => Arc::from(id),
            // A database key rather than a UUID: the sequence number is unique per tenant.
            None if self.policy.varies(Variant::OpaqueIds) => {
                Arc::from(opaque_id(kind, self.next_seq + 1))
            }
            None => Arc::from(uuid::Uuid::new_v4().to_string()),
        };
        let now = now_millis();
        self.next_seq += 1;
        self.next_version += 1;
        let rec = Record {
            seq: self.next_seq,
            id: Arc::clone(&id),
            plain_json: OnceLock::new(),
            data: attrs,
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

    /// Modifies an existing resource (PATCH): `f` maps the stored attributes to new ones.
    /// `None` when it does not exist. Nothing changes unless `f` succeeds.
    pub fn modify(
        &mut self,
        kind: ResourceKind,
        id: &str,
        f: impl FnOnce(&Record) -> Result<Map<String, Value>, ScimError>,
    ) -> Option<Result<(), ScimError>> {
        self.update(kind, id, f, None)
    }

    fn update(
        &mut self,
        kind: ResourceKind,
        id: &str,
        f: impl FnOnce(&Record) -> Result<Map<String, Value>, ScimError>,
        password: Option<String>,
    ) -> Option<Result<(), ScimError>> {
        let attrs = f(self.get(kind, id)?);
        Some(attrs.and_then(|attrs| self.commit_update(kind, id, attrs, password)))
    }

    fn commit_update(
        &mut self,
        kind: ResourceKind,
        id: &str,
        mut attrs: Map<String, Value>,
        password: Option<String>,
    ) -> Result<(), ScimError> {
        self.finalize(kind, &mut attrs)?;
        self.check_unique(kind, &attrs, Some(id))?;
        let Some(old) = self.table_mut(kind).records.remove(id) else {
            return Err(ScimError::not_found(format!(
                "{} {id} not found",
                kind.name()
            )));
        };
        if self.policy.has(Defect::DeactivationNotPersisted)
            && attrs.get("active") == Some(&Value::Bool(false))
        {
            match old.data.get("active") {
                Some(v) => attrs.insert("active".into(), v.clone()),
                None => attrs.remove("active"),
            };
        }
        let unchanged = old.data == attrs
            && password
                .as_ref()
                .is_none_or(|p| old.password.as_ref() == Some(p));
        if unchanged {
            self.table_mut(kind)
                .records
                .insert(Arc::clone(&old.id), old);
            return Ok(());
        }
        let version = if self.policy.has(Defect::EtagNotChanged) {
            old.version
        } else {
            self.next_version += 1;
            self.next_version
        };
        let modified = if self.policy.has(Defect::LastModifiedNotUpdated) {
            old.modified
        } else {
            now_millis().max(old.modified + 1)
        };
        let rec = Record {
            seq: old.seq,
            id: Arc::clone(&old.id),
            plain_json: OnceLock::new(),
            data: attrs,
            password: password.or_else(|| old.password.clone()),
            created: old.created,
            modified,
            version,
        };
        self.unlink(kind, &old);
        self.insert(kind, rec);
        Ok(())
    }

    /// Deletes a resource; `false` when it does not exist. Groups listing it lose the member.
    pub fn delete(&mut self, kind: ResourceKind, id: &str) -> bool {
        if self.policy.has(Defect::DeleteNotEffective) {
            // The soft-delete flag is set on a copy and never written back.
            return self.get(kind, id).is_some();
        }
        let Some(old) = self.table_mut(kind).records.remove(id) else {
            return false;
        };
        self.unlink(kind, &old);
        let containing: Vec<Id> = self
            .member_of
            .remove(id)
            .map(|g| g.into_iter().collect())
            .unwrap_or_default();
        for gid in containing {
            // Best effort: the group changes only by losing this member.
            let _ = self.modify(ResourceKind::Group, &gid, |rec| {
                let mut attrs = rec.data.clone();
                if let Some(Value::Array(members)) = attrs.get_mut("members") {
                    members.retain(|m| m.get("value").and_then(Value::as_str) != Some(id));
                    if members.is_empty() {
                        attrs.remove("members");
                    }
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
                    .insert(Arc::clone(&rec.id));
            }
        }
        let table = self.table_mut(kind);
        table.index(kind, &rec);
        table.records.insert(Arc::clone(&rec.id), Box::new(rec));
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

    /// Fills in what the server derives (each member's `type`), and refuses a member that is
    /// no User or Group of this server: `members[].value` is the member's `id` (RFC 7643
    /// §4.2), so an unknown one is a client error (400 `invalidValue`), never a 500.
    fn finalize(
        &self,
        kind: ResourceKind,
        attrs: &mut Map<String, Value>,
    ) -> Result<(), ScimError> {
        if kind != ResourceKind::Group {
            return Ok(());
        }
        if let Some(Value::Array(members)) = attrs.get_mut("members") {
            for member in members.iter_mut().filter_map(Value::as_object_mut) {
                let value = member.get("value").and_then(Value::as_str).unwrap_or("");
                match self.find_any(value) {
                    Some((k, _)) => {
                        member.insert("type".into(), Value::from(k.name()));
                    }
                    None if self.policy.has(Defect::UnknownMember500) => {
                        return Err(ScimError::new(
                            500,
                            None,
                            format!("NullPointerException: no resource '{value}'"),
                        ));
                    }
                    None => {
                        return Err(ScimError::invalid_value(format!(
                            "member '{value}' is not a User or Group of this server"
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// 409 `uniqueness` when another resource holds the same unique value.
    fn check_unique(
        &self,
        kind: ResourceKind,
        attrs: &Map<String, Value>,
        this: Option<&str>,
    ) -> Result<(), ScimError> {
        if self.policy.has(Defect::DuplicatesAccepted) {
            return Ok(());
        }
        let attr = kind.unique_attribute();
        let Some(value) = attrs.get(attr).and_then(Value::as_str) else {
            return Ok(());
        };
        let exact_only = self.policy.has(Defect::CaseSensitiveUniqueness);
        match self.table(kind).by_unique(value) {
            Some(other) if exact_only && other.str_attr(attr) != Some(value) => Ok(()),
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

#[cfg(test)]
mod tests;
