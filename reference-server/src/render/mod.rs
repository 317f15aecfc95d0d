//! Output representation of stored records: adds the common attributes (`schemas`, `id`,
//! `meta`) and what depends on the request or on other resources — `meta.location`, member
//! and manager `$ref`/`display`, the derived `User.groups` — then applies the requested
//! [`Projection`].

mod node;

use serde_json::{Map, Value};

pub(crate) use node::{Node, Object};

use crate::defect::{Defect, Policy};
use crate::json::{WriteJson, write_str};
use crate::projection::Projection;
use crate::schema::{ENTERPRISE_URN, GROUP_URN, ResourceKind, USER_URN};
use crate::store::{Record, Tables};
use crate::time::format_with_offset;
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

    /// The base URL, without trailing slash.
    pub fn base(&self) -> &'a str {
        self.base_url
    }

    /// `{base}/{Users|Groups}/{id}`.
    pub fn resource(&self, kind: ResourceKind, id: &str) -> String {
        // Written on every rendered resource: pieces appended, no formatting machinery.
        let endpoint = kind.endpoint();
        let mut url = String::with_capacity(self.base_url.len() + endpoint.len() + id.len() + 2);
        for part in [self.base_url, "/", endpoint, "/", id] {
            url.push_str(part);
        }
        url
    }

    /// [`Links::resource`] as a rendered value, joined only when written.
    pub fn resource_node<'t>(&self, kind: ResourceKind, id: &'t str) -> Node<'t>
    where
        'a: 't,
    {
        Node::Url([self.base_url, kind.endpoint(), id])
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

/// A resource as a response sends it: the tree itself when nothing reshapes it (written
/// straight to JSON), else the map a projection or a variant has shaped.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Rendered<'a> {
    Tree(Object<'a>),
    Map(Map<String, Value>),
}

impl Rendered<'_> {
    /// The resource as a `serde_json` map.
    pub fn into_map(self) -> Map<String, Value> {
        match self {
            Rendered::Tree(tree) => tree.into_map(),
            Rendered::Map(map) => map,
        }
    }
}

impl WriteJson for Rendered<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Rendered::Tree(tree) => tree.write_json(out),
            Rendered::Map(map) => map.write_json(out),
        }
    }
}

/// The resource as served: `schemas`, `id`, the stored attributes plus computed parts, and
/// `meta`, shaped by `projection`, then written the way the active variants write it
/// (values reordered, names recased).
pub(crate) fn render<'t>(
    tables: &'t Tables,
    kind: ResourceKind,
    rec: &'t Record,
    links: Links<'t>,
    projection: &Projection,
) -> Rendered<'t> {
    let policy = tables.policy();
    let reshaped = !projection.is_all()
        || policy.varies(Variant::ReorderedValues)
        || policy.varies(Variant::RecasedAttributes);
    let tree = render_tree(tables, kind, rec, links, projection, !reshaped);
    if !reshaped {
        return Rendered::Tree(tree);
    }
    let mut out = tree.into_map();
    projection.apply(kind, &mut out);
    if policy.varies(Variant::ReorderedValues) {
        variant::reorder_values(&mut out);
    }
    if policy.varies(Variant::RecasedAttributes) {
        variant::recase(&mut out);
    }
    Rendered::Map(out)
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
    let mut out = render_tree(tables, kind, rec, links, projection, false).into_map();
    projection.apply(kind, &mut out);
    out
}

/// The layout of a served resource, before the projection removes what was not asked for
/// (it only leaves out `members`, `groups` and `meta` when they are not wanted at all).
/// `written`: the tree goes straight to JSON, so the record's attributes are taken (and
/// kept) as written JSON when they can be.
fn render_tree<'t>(
    tables: &'t Tables,
    kind: ResourceKind,
    rec: &'t Record,
    links: Links<'t>,
    projection: &Projection,
    written: bool,
) -> Object<'t> {
    let policy = tables.policy();
    let mut out = Object::with_capacity(rec.data.len() + 4);
    if !policy.has(Defect::MissingSchemas) {
        out.push_new("schemas", schema_urns(kind, &rec.data, policy));
    }
    out.push_new("id", Node::str(rec.id()));
    let groups = if kind == ResourceKind::User && projection.wants("groups") {
        tables.groups_of(rec.id())
    } else {
        Vec::new()
    };
    let plain = if written {
        rec.plain_json
            .get_or_init(|| plain_members(kind, &rec.data))
            .as_deref()
    } else {
        None
    };
    match plain {
        // Nothing to place among the stored members: they go as written once.
        Some(json) if groups.is_empty() => out.push_stored(&rec.data, json),
        _ => {
            let mut groups = Some(groups);
            for (key, value) in &rec.data {
                if key.starts_with("urn:")
                    && let Some(groups) = groups.take()
                {
                    insert_groups(tables, groups, links, &mut out);
                }
                let rendered = match key.as_str() {
                    "members" if kind == ResourceKind::Group => {
                        if !projection.wants("members") {
                            continue;
                        }
                        render_members(tables, value, links)
                    }
                    ENTERPRISE_URN if kind == ResourceKind::User => {
                        Node::Owned(render_enterprise(tables, value, links))
                    }
                    _ => Node::Stored(value),
                };
                // Stored names are distinct; only the members set before them can repeat one.
                match key.as_str() {
                    "schemas" | "id" | "groups" => out.insert(key.as_str(), rendered),
                    _ => out.push_new(key, rendered),
                }
            }
            if let Some(groups) = groups {
                insert_groups(tables, groups, links, &mut out);
            }
        }
    }
    if policy.has(Defect::PasswordReturned)
        && let Some(password) = &rec.password
    {
        out.insert("password", Node::str(password));
    }
    if policy.varies(Variant::VendorExtension) {
        // Server-managed vendor data, kept outside the client's attributes.
        out.insert(
            variant::vendor_urn(kind),
            Node::Owned(variant::vendor_object(kind, rec.id())),
        );
    }
    if projection.wants("meta") {
        out.insert("meta", render_meta(kind, rec, links, policy));
    }
    out
}

/// `schemas`: the core schema, the extensions the resource holds, and the vendor's when
/// that variant is on; the usual lists are constants.
fn schema_urns(kind: ResourceKind, data: &Map<String, Value>, policy: Policy) -> Node<'static> {
    const GROUP: &[&str] = &[GROUP_URN];
    const USER: &[&str] = &[USER_URN];
    const USER_ENTERPRISE: &[&str] = &[USER_URN, ENTERPRISE_URN];
    if !policy.varies(Variant::VendorExtension) {
        match (kind, kind.extensions()) {
            (ResourceKind::Group, []) => return Node::Strs(GROUP),
            (ResourceKind::User, [ext]) if ext.id == ENTERPRISE_URN => {
                // A resource has a handful of attributes: comparing names beats hashing a URN.
                let enterprise = data.keys().any(|k| k == ENTERPRISE_URN);
                return Node::Strs(if enterprise { USER_ENTERPRISE } else { USER });
            }
            _ => {}
        }
    }
    Node::Array(
        schema_list(kind, data, policy)
            .into_iter()
            .map(Node::str)
            .collect(),
    )
}

/// The `schemas` list, as [`schema_urns`] writes it.
fn schema_list(kind: ResourceKind, data: &Map<String, Value>, policy: Policy) -> Vec<&'static str> {
    let mut schemas = vec![kind.schema().id];
    for ext in kind.extensions() {
        if data.contains_key(ext.id) {
            schemas.push(ext.id);
        }
    }
    if policy.varies(Variant::VendorExtension) {
        schemas.push(variant::vendor_urn(kind));
    }
    schemas
}

/// `meta`: resource type, timestamps, location and version (when ETags are supported).
fn render_meta<'t>(
    kind: ResourceKind,
    rec: &'t Record,
    links: Links<'t>,
    policy: Policy,
) -> Node<'t> {
    let mut m = Object::with_capacity(5);
    m.push_new("resourceType", Node::str(kind.name()));
    let time = |ms: i64| {
        if policy.varies(Variant::LocalTimestamps) {
            Node::string(format_with_offset(ms, variant::LOCAL_OFFSET_MINUTES))
        } else {
            Node::Millis(ms)
        }
    };
    m.push_new("created", time(rec.created));
    m.push_new("lastModified", time(rec.modified));
    m.push_new("location", links.resource_node(kind, rec.id()));
    if !policy.varies(Variant::EtagUnsupported) {
        let strong = policy.varies(Variant::StrongEtags);
        m.push_new(
            "version",
            Node::Version {
                version: rec.version,
                strong,
            },
        );
    }
    Node::Object(m)
}

/// The derived `groups` of a user (`groups`, from [`Tables::groups_of`]): `{value, $ref,
/// display, type: "direct"}`.
fn insert_groups<'t>(
    tables: &'t Tables,
    groups: Vec<&'t Record>,
    links: Links<'t>,
    out: &mut Object<'t>,
) {
    let groups: Vec<Node<'t>> = groups
        .into_iter()
        .map(|g| {
            let mut m = Object::with_capacity(4);
            m.push_new("value", Node::str(g.id()));
            if tables.policy().varies(Variant::SparseReferences) {
                return Node::Object(m);
            }
            m.push_new("$ref", links.resource_node(ResourceKind::Group, g.id()));
            if let Some(name) = g.str_attr("displayName") {
                m.push_new("display", Node::str(name));
            }
            m.push_new("type", Node::str("direct"));
            Node::Object(m)
        })
        .collect();
    if !groups.is_empty() {
        out.insert("groups", Node::Array(groups));
    }
}

/// The stored attributes of a resource written as JSON members (`"k":v,…`), when a
/// response can send them exactly as stored: none is rendered differently (a Group's
/// `members`, an enterprise `manager`) and none has a name the server sets itself
/// (`schemas`, `id`, `groups`, `password`, `meta`, the vendor extension), which would take
/// that member's place. Kept with the record ([`Record::plain_json`]) once written.
pub(crate) fn plain_members(kind: ResourceKind, data: &Map<String, Value>) -> Option<Box<str>> {
    let reserved = ["schemas", "id", "groups", "password", "meta"];
    if reserved
        .into_iter()
        .chain([variant::vendor_urn(kind)])
        .any(|k| data.contains_key(k))
    {
        return None;
    }
    let rendered_differently = match kind {
        ResourceKind::Group => data.contains_key("members"),
        ResourceKind::User => data
            .get(ENTERPRISE_URN)
            .is_some_and(|ext| ext.get("manager").is_some()),
    };
    if rendered_differently {
        return None;
    }
    let mut out = Vec::with_capacity(256);
    for (i, (key, value)) in data.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(&mut out, key);
        out.push(b':');
        value.write_json(&mut out);
    }
    String::from_utf8(out).ok().map(String::into_boxed_str)
}

/// The display name of a resource: `displayName`, else `userName`.
fn display_of(rec: &Record) -> Option<&str> {
    rec.str_attr("displayName")
        .or_else(|| rec.str_attr("userName"))
}

/// Members with `$ref`, `type` and `display` filled in from the store where they exist.
fn render_members<'t>(tables: &'t Tables, members: &'t Value, links: Links<'t>) -> Node<'t> {
    let Value::Array(items) = members else {
        return Node::Stored(members);
    };
    let rendered = items
        .iter()
        .map(|item| {
            let Value::Object(member) = item else {
                return Node::Stored(item);
            };
            let Some(id) = member.get("value").and_then(Value::as_str) else {
                return Node::Stored(item);
            };
            let Some((kind, target)) = tables.find_any(id) else {
                return Node::Stored(item);
            };
            let mut m = Object::with_capacity(4);
            m.push_new("value", Node::str(id));
            if tables.policy().varies(Variant::SparseReferences) {
                return Node::Object(m);
            }
            m.push_new("$ref", links.resource_node(kind, id));
            m.push_new("type", Node::str(kind.name()));
            let display = display_of(target)
                .map(Node::str)
                .or_else(|| member.get("display").map(Node::Stored));
            if let Some(d) = display {
                m.push_new("display", d);
            }
            Node::Object(m)
        })
        .collect();
    Node::Array(rendered)
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::resource::normalize_resource;
    use crate::schema::{GROUP_URN, USER_URN};

    /// Users with a manager and groups, groups with user and group members, under `policy`.
    fn tables(policy: Policy) -> Tables {
        let mut t = Tables::new(policy);
        let add = |t: &mut Tables, kind, body: Value| {
            let n = normalize_resource(kind, &body, policy).unwrap();
            t.create(kind, n).unwrap().to_string()
        };
        let boss = add(
            &mut t,
            ResourceKind::User,
            json!({"schemas": [USER_URN], "userName": "boss", "displayName": "The \"Boss\""}),
        );
        let ann = add(
            &mut t,
            ResourceKind::User,
            json!({"schemas": [USER_URN, ENTERPRISE_URN], "userName": "ann\u{2028}<x>", "password": "pw",
                   "emails": [{"value": "a@x.test", "primary": true}],
                   ENTERPRISE_URN: {"employeeNumber": "7", "manager": {"value": boss}}}),
        );
        add(
            &mut t,
            ResourceKind::User,
            json!({"schemas": [USER_URN, ENTERPRISE_URN], "userName": "plain \"quoted\"", "active": false,
                   ENTERPRISE_URN: {"department": "R&D"}, "emails": [{"value": "p@x.test", "type": "work"}]}),
        );
        add(
            &mut t,
            ResourceKind::Group,
            json!({"schemas": [GROUP_URN], "displayName": "empty"}),
        );
        let inner = add(
            &mut t,
            ResourceKind::Group,
            json!({"schemas": [GROUP_URN], "displayName": "inner", "members": [{"value": ann}]}),
        );
        add(
            &mut t,
            ResourceKind::Group,
            json!({"schemas": [GROUP_URN], "displayName": "outer",
                   "members": [{"value": boss}, {"value": inner}]}),
        );
        t
    }

    #[test]
    fn a_resource_written_from_the_tree_is_the_resource_its_map_holds() {
        let policies = [
            Policy::default(),
            Policy::new(
                false,
                &[Defect::MissingSchemas, Defect::PasswordReturned],
                &[],
            ),
            Policy::new(
                false,
                &[],
                &[
                    Variant::VendorExtension,
                    Variant::SparseReferences,
                    Variant::LocalTimestamps,
                    Variant::EtagUnsupported,
                ],
            ),
            Policy::new(false, &[], &[Variant::StrongEtags]),
        ];
        for policy in policies {
            let t = tables(policy);
            let links = Links::new("http://h/scim/v2/");
            for kind in ResourceKind::ALL {
                for rec in t.table(kind).iter() {
                    let rendered = render(&t, kind, rec, links, &Projection::all());
                    assert!(matches!(rendered, Rendered::Tree(_)), "nothing reshapes it");
                    let streamed = String::from_utf8(rendered.to_json_vec()).unwrap();
                    let via_map =
                        serde_json::to_string(&Value::Object(rendered.into_map())).unwrap();
                    assert_eq!(streamed, via_map, "{policy:?}");
                    let canonical = render_canonical(&t, kind, rec, links, &Projection::all());
                    assert_eq!(serde_json::to_string(&canonical).unwrap(), streamed);
                    // Rendered again, from the members kept with the record: the same bytes.
                    let again = render(&t, kind, rec, links, &Projection::all()).to_json_vec();
                    assert_eq!(String::from_utf8(again).unwrap(), streamed);
                }
                // Members are kept as written unless one renders differently (a manager,
                // group members); a user in groups (boss) still renders through the loop.
                for rec in t.table(kind).iter() {
                    let kept = rec.plain_json.get().is_some_and(Option::is_some);
                    let name = rec.str_attr("userName").or(rec.str_attr("displayName"));
                    let expected = matches!(name, Some("boss" | "plain \"quoted\"" | "empty"));
                    assert_eq!(kept, expected, "{name:?} under {policy:?}");
                }
            }
        }
    }

    #[test]
    fn the_constant_schema_lists_are_the_computed_ones() {
        let with_ext = json!({ENTERPRISE_URN: {}});
        let Value::Object(with_ext) = with_ext else {
            unreachable!()
        };
        for policy in [
            Policy::default(),
            Policy::new(false, &[], &[Variant::VendorExtension]),
        ] {
            for kind in ResourceKind::ALL {
                for data in [Map::new(), with_ext.clone()] {
                    let listed = Value::from(schema_list(kind, &data, policy));
                    assert_eq!(schema_urns(kind, &data, policy).into_value(), listed);
                }
            }
        }
    }

    #[test]
    fn a_projection_or_a_reshaping_variant_renders_through_the_map() {
        let t = tables(Policy::default());
        let links = Links::new("http://h");
        let rec = t.table(ResourceKind::User).iter().next().unwrap();
        let only_name = Projection::parse(ResourceKind::User, Some("userName"), None);
        let Rendered::Map(m) = render(&t, ResourceKind::User, rec, links, &only_name) else {
            panic!("a projection reshapes the resource");
        };
        let keys: Vec<&str> = m.keys().map(String::as_str).collect();
        assert_eq!(keys, ["schemas", "id", "userName"]);
        assert!(
            rec.plain_json.get().is_none(),
            "only a resource written as it is keeps its JSON"
        );
        let recased = tables(Policy::new(false, &[], &[Variant::RecasedAttributes]));
        let rec = recased.table(ResourceKind::User).iter().next().unwrap();
        let rendered = render(&recased, ResourceKind::User, rec, links, &Projection::all());
        assert!(matches!(rendered, Rendered::Map(_)));
    }
}
