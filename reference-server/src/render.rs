//! Output representation of stored records: adds the common attributes (`schemas`, `id`,
//! `meta`) and what depends on the request or on other resources — `meta.location`, member
//! and manager `$ref`/`display`, the derived `User.groups` — then applies the requested
//! [`Projection`].

use serde_json::{Map, Value};

use crate::defect::{Defect, Policy};
use crate::projection::Projection;
use crate::schema::{ENTERPRISE_URN, ResourceKind};
use crate::store::{Record, Tables};
use crate::time::{format_millis, format_with_offset};
use crate::variant::{self, Variant};

/// Where resources live: the SCIM base URL without trailing slash.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Links<'a> {
    base_url: &'a str,
}

impl<'a> Links<'a> {
    pub fn new(base_url: &'a str) -> Self {
        Links {
            base_url: base_url.trim_end_matches('/'),
        }
    }

    /// `{base}/{Users|Groups}/{id}`.
    pub fn resource(&self, kind: ResourceKind, id: &str) -> String {
        format!("{}/{}/{id}", self.base_url, kind.endpoint())
    }

    /// `{base}/{Users|Groups}`.
    pub fn collection(&self, kind: ResourceKind) -> String {
        format!("{}/{}", self.base_url, kind.endpoint())
    }

    /// `{base}/{path}` for discovery documents.
    pub fn at(&self, path: &str) -> String {
        format!("{}/{path}", self.base_url)
    }
}

/// The resource as served: `schemas`, `id`, the stored attributes plus computed parts, and
/// `meta`, shaped by `projection`, then written the way the active variants write it
/// (values reordered, names recased).
pub(crate) fn render(
    tables: &Tables,
    kind: ResourceKind,
    rec: &Record,
    links: Links<'_>,
    projection: &Projection,
) -> Map<String, Value> {
    let mut out = render_canonical(tables, kind, rec, links, projection);
    let policy = tables.policy();
    if policy.varies(Variant::ReorderedValues) {
        variant::reorder_values(&mut out);
    }
    if policy.varies(Variant::RecasedAttributes) {
        variant::recase(&mut out);
    }
    out
}

/// [`render`] with canonical names and stored value order, for evaluating filters and
/// sort keys on derived attributes.
pub(crate) fn render_canonical(
    tables: &Tables,
    kind: ResourceKind,
    rec: &Record,
    links: Links<'_>,
    projection: &Projection,
) -> Map<String, Value> {
    let policy = tables.policy();
    let mut out = Map::new();
    if !policy.has(Defect::MissingSchemas) {
        let mut schemas = vec![Value::from(kind.schema().id)];
        for ext in kind.extensions() {
            if rec.data.contains_key(ext.id) {
                schemas.push(Value::from(ext.id));
            }
        }
        if policy.varies(Variant::VendorExtension) {
            schemas.push(Value::from(variant::vendor_urn(kind)));
        }
        out.insert("schemas".into(), Value::Array(schemas));
    }
    out.insert("id".into(), Value::from(rec.id()));
    let mut groups_done = kind != ResourceKind::User || !projection.wants("groups");
    for (key, value) in &rec.data {
        if !groups_done && key.starts_with("urn:") {
            insert_groups(tables, rec, links, &mut out);
            groups_done = true;
        }
        let rendered = match key.as_str() {
            "members" if kind == ResourceKind::Group => {
                if !projection.wants("members") {
                    continue;
                }
                render_members(tables, value, links)
            }
            ENTERPRISE_URN if kind == ResourceKind::User => render_enterprise(tables, value, links),
            _ => value.clone(),
        };
        out.insert(key.clone(), rendered);
    }
    if !groups_done {
        insert_groups(tables, rec, links, &mut out);
    }
    if policy.has(Defect::PasswordReturned)
        && let Some(password) = &rec.password
    {
        out.insert("password".into(), Value::from(password.as_str()));
    }
    if policy.varies(Variant::VendorExtension) {
        // Server-managed vendor data, kept outside the client's attributes.
        out.insert(
            variant::vendor_urn(kind).into(),
            variant::vendor_object(kind, rec.id()),
        );
    }
    if projection.wants("meta") {
        out.insert("meta".into(), render_meta(kind, rec, links, policy));
    }
    projection.apply(kind, &mut out);
    out
}

/// `meta`: resource type, timestamps, location and version (when ETags are supported).
fn render_meta(kind: ResourceKind, rec: &Record, links: Links<'_>, policy: Policy) -> Value {
    let mut m = Map::new();
    m.insert("resourceType".into(), Value::from(kind.name()));
    let time = |ms: i64| {
        if policy.varies(Variant::LocalTimestamps) {
            format_with_offset(ms, variant::LOCAL_OFFSET_MINUTES)
        } else {
            format_millis(ms)
        }
    };
    m.insert("created".into(), Value::from(time(rec.created)));
    m.insert("lastModified".into(), Value::from(time(rec.modified)));
    m.insert(
        "location".into(),
        Value::from(links.resource(kind, rec.id())),
    );
    if !policy.varies(Variant::EtagUnsupported) {
        m.insert("version".into(), Value::from(policy.etag(rec.version)));
    }
    Value::Object(m)
}

/// The derived `groups` of a user: `{value, $ref, display, type: "direct"}`.
fn insert_groups(tables: &Tables, rec: &Record, links: Links<'_>, out: &mut Map<String, Value>) {
    let groups: Vec<Value> = tables
        .groups_of(rec.id())
        .into_iter()
        .map(|g| {
            let mut m = Map::new();
            m.insert("value".into(), Value::from(g.id()));
            if tables.policy().varies(Variant::SparseReferences) {
                return Value::Object(m);
            }
            m.insert(
                "$ref".into(),
                Value::from(links.resource(ResourceKind::Group, g.id())),
            );
            if let Some(name) = g.str_attr("displayName") {
                m.insert("display".into(), Value::from(name));
            }
            m.insert("type".into(), Value::from("direct"));
            Value::Object(m)
        })
        .collect();
    if !groups.is_empty() {
        out.insert("groups".into(), Value::Array(groups));
    }
}

/// The display name of a resource: `displayName`, else `userName`.
fn display_of(rec: &Record) -> Option<&str> {
    rec.str_attr("displayName")
        .or_else(|| rec.str_attr("userName"))
}

/// Members with `$ref`, `type` and `display` filled in from the store where they exist.
fn render_members(tables: &Tables, members: &Value, links: Links<'_>) -> Value {
    let Value::Array(items) = members else {
        return members.clone();
    };
    let rendered = items
        .iter()
        .map(|item| {
            let Value::Object(member) = item else {
                return item.clone();
            };
            let Some(id) = member.get("value").and_then(Value::as_str) else {
                return item.clone();
            };
            let Some((kind, target)) = tables.find_any(id) else {
                return item.clone();
            };
            let mut m = Map::new();
            m.insert("value".into(), Value::from(id));
            if tables.policy().varies(Variant::SparseReferences) {
                return Value::Object(m);
            }
            m.insert("$ref".into(), Value::from(links.resource(kind, id)));
            m.insert("type".into(), Value::from(kind.name()));
            let display = display_of(target)
                .map(Value::from)
                .or_else(|| member.get("display").cloned());
            if let Some(d) = display {
                m.insert("display".into(), d);
            }
            Value::Object(m)
        })
        .collect();
    Value::Array(rendered)
}

/// The enterprise extension with `manager.$ref`/`displayName` filled in when the manager exists.
fn render_enterprise(tables: &Tables, ext: &Value, links: Links<'_>) -> Value {
    let mut ext = ext.clone();
    let manager = ext.get_mut("manager").and_then(Value::as_object_mut);
    if let Some(manager) = manager
        && let Some(id) = manager
            .get("value")
            .and_then(Value::as_str)
            .map(str::to_owned)
        && let Some(user) = tables.get(ResourceKind::User, &id)
        && !tables.policy().varies(Variant::SparseReferences)
    {
        manager.insert(
            "$ref".into(),
            Value::from(links.resource(ResourceKind::User, &id)),
        );
        if let Some(d) = display_of(user) {
            manager.insert("displayName".into(), Value::from(d));
        }
    }
    ext
}
