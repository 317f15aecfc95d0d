//! Unit tests of the store and its indexes.

use super::*;
use crate::error::scim_type;
use crate::resource::normalize_resource;
use crate::schema::{GROUP_URN, USER_URN};
use serde_json::json;

fn user(name: &str) -> Normalized {
    normalize_resource(
        ResourceKind::User,
        &json!({"schemas": [USER_URN], "userName": name}),
        Policy::default(),
    )
    .unwrap()
}

fn group(name: &str, members: &[&str]) -> Normalized {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    normalize_resource(
        ResourceKind::Group,
        &json!({"schemas": [GROUP_URN], "displayName": name, "members": members}),
        Policy::default(),
    )
    .unwrap()
}

fn attrs(n: Normalized) -> Map<String, Value> {
    n.attrs
}

#[test]
fn create_assigns_id_meta_and_order() {
    let mut t = Tables::default();
    let a = t.create(ResourceKind::User, user("a")).unwrap().to_string();
    let b = t.create(ResourceKind::User, user("b")).unwrap().to_string();
    assert_ne!(a, b);
    assert!(uuid::Uuid::parse_str(&a).is_ok());
    let rec = t.get(ResourceKind::User, &a).unwrap();
    // Only client attributes are stored; schemas, id and meta are derived when rendering.
    assert_eq!(Value::Object(rec.data.clone()), json!({"userName": "a"}));
    assert_eq!(rec.created, rec.modified);
    assert_eq!(rec.etag(), format!("W/\"{}\"", rec.version));
    assert_eq!(rec.id(), a);
    let ids: Vec<&str> = t.table(ResourceKind::User).iter().map(Record::id).collect();
    assert_eq!(ids, [a.as_str(), b.as_str()]);
    assert_eq!(t.table(ResourceKind::User).iter().count(), 2);
}

#[test]
fn user_name_is_unique_case_insensitively() {
    let mut t = Tables::default();
    let a = t
        .create(ResourceKind::User, user("Case.Run"))
        .unwrap()
        .to_string();
    let e = t.create(ResourceKind::User, user("case.run")).unwrap_err();
    assert_eq!((e.status, e.scim_type), (409, Some(scim_type::UNIQUENESS)));
    assert_eq!(
        t.table(ResourceKind::User)
            .by_unique("CASE.RUN")
            .unwrap()
            .id(),
        a
    );
    // Renaming to someone else's name conflicts; keeping one's own name does not.
    let b = t
        .create(ResourceKind::User, user("other"))
        .unwrap()
        .to_string();
    let e = t
        .replace(ResourceKind::User, &b, user("CASE.run"))
        .unwrap()
        .unwrap_err();
    assert_eq!(e.status, 409);
    t.replace(ResourceKind::User, &a, user("CASE.RUN"))
        .unwrap()
        .unwrap();
    assert_eq!(
        t.table(ResourceKind::User)
            .by_unique("case.run")
            .unwrap()
            .id(),
        a
    );
    // Deleting frees the name.
    assert!(t.delete(ResourceKind::User, &a));
    assert!(!t.delete(ResourceKind::User, &a));
    assert!(t.table(ResourceKind::User).by_unique("case.run").is_none());
    t.create(ResourceKind::User, user("case.run")).unwrap();
}

#[test]
fn group_display_name_is_unique() {
    let mut t = Tables::default();
    t.create(ResourceKind::Group, group("Admins", &[])).unwrap();
    let e = t
        .create(ResourceKind::Group, group("ADMINS", &[]))
        .unwrap_err();
    assert_eq!(e.scim_type, Some(scim_type::UNIQUENESS));
    // Users and groups have separate namespaces.
    t.create(ResourceKind::User, user("admins")).unwrap();
}

#[test]
fn external_id_index_is_case_exact() {
    let mut t = Tables::default();
    let mut n = user("a");
    n.attrs.insert("externalId".into(), json!("AbC"));
    let a = t.create(ResourceKind::User, n).unwrap().to_string();
    let users = t.table(ResourceKind::User);
    assert_eq!(users.by_external_id("AbC").len(), 1);
    assert_eq!(users.by_external_id("AbC")[0].id(), a);
    assert!(users.by_external_id("abc").is_empty());
    t.replace(ResourceKind::User, &a, user("a"))
        .unwrap()
        .unwrap();
    assert!(t.table(ResourceKind::User).by_external_id("AbC").is_empty());
}

#[test]
fn updates_bump_version_and_last_modified_only_on_change() {
    let mut t = Tables::default();
    let a = t.create(ResourceKind::User, user("a")).unwrap().to_string();
    let before = t.get(ResourceKind::User, &a).unwrap().clone();
    t.replace(ResourceKind::User, &a, user("a"))
        .unwrap()
        .unwrap();
    assert_eq!(t.get(ResourceKind::User, &a).unwrap(), &before);
    t.replace(ResourceKind::User, &a, user("b"))
        .unwrap()
        .unwrap();
    let after = t.get(ResourceKind::User, &a).unwrap();
    assert!(after.version > before.version);
    assert!(after.modified > before.modified);
    assert_eq!(after.created, before.created);
    assert_eq!(after.seq, before.seq);
    assert_ne!(after.etag(), before.etag());
    assert!(t.replace(ResourceKind::User, "nope", user("x")).is_none());
}

#[test]
fn password_is_kept_apart_and_survives_put_without_one() {
    let mut t = Tables::default();
    let mut n = user("a");
    n.password = Some("s3cret".into());
    let a = t.create(ResourceKind::User, n).unwrap().to_string();
    t.replace(ResourceKind::User, &a, user("b"))
        .unwrap()
        .unwrap();
    let rec = t.get(ResourceKind::User, &a).unwrap();
    assert_eq!(rec.password.as_deref(), Some("s3cret"));
    assert!(!rec.data.contains_key("password"));
}

#[test]
fn failed_modify_changes_nothing() {
    let mut t = Tables::default();
    let a = t.create(ResourceKind::User, user("a")).unwrap().to_string();
    let before = t.get(ResourceKind::User, &a).unwrap().clone();
    let r = t.modify(ResourceKind::User, &a, |_| Err(ScimError::mutability("no")));
    assert!(r.unwrap().is_err());
    assert_eq!(t.get(ResourceKind::User, &a).unwrap(), &before);
    assert!(
        t.modify(ResourceKind::User, "nope", |r| Ok(r.data.clone()))
            .is_none()
    );
}

#[test]
fn memberships_are_indexed_and_cleaned_up() {
    let mut t = Tables::default();
    let u1 = t
        .create(ResourceKind::User, user("u1"))
        .unwrap()
        .to_string();
    let u2 = t
        .create(ResourceKind::User, user("u2"))
        .unwrap()
        .to_string();
    // A member that is no resource of this server is refused, not stored dangling.
    let ghost = t
        .create(ResourceKind::Group, group("g0", &[&u1, "ghost"]))
        .unwrap_err();
    assert_eq!((ghost.status, ghost.scim_type), (400, Some("invalidValue")));
    let g1 = t
        .create(ResourceKind::Group, group("g1", &[&u1, &u2]))
        .unwrap()
        .to_string();
    let g2 = t
        .create(ResourceKind::Group, group("g2", &[&u1, &g1]))
        .unwrap()
        .to_string();
    let of_u1: Vec<&str> = t.groups_of(&u1).into_iter().map(Record::id).collect();
    assert_eq!(of_u1, [g1.as_str(), g2.as_str()]);
    let members = &t.get(ResourceKind::Group, &g2).unwrap().data["members"];
    assert_eq!(
        members,
        &json!([{"value": u1, "type": "User"}, {"value": g1, "type": "Group"}])
    );

    let v_before = t.get(ResourceKind::Group, &g1).unwrap().version;
    assert!(t.delete(ResourceKind::User, &u1));
    assert!(t.groups_of(&u1).is_empty());
    let g1_rec = t.get(ResourceKind::Group, &g1).unwrap();
    assert!(g1_rec.version > v_before);
    assert_eq!(
        g1_rec.data["members"],
        json!([{"value": u2, "type": "User"}])
    );
    assert_eq!(
        t.get(ResourceKind::Group, &g2).unwrap().data["members"],
        json!([{"value": g1, "type": "Group"}])
    );

    // Replacing members re-indexes; deleting the group drops its memberships.
    t.replace(ResourceKind::Group, &g1, group("g1", &[]))
        .unwrap()
        .unwrap();
    assert!(t.groups_of(&u2).is_empty());
    assert!(t.delete(ResourceKind::Group, &g1));
    assert!(t.groups_of(&g1).is_empty());
    assert!(
        t.get(ResourceKind::Group, &g2)
            .unwrap()
            .data
            .get("members")
            .is_none()
    );
    let _ = attrs(user("x"));
}
