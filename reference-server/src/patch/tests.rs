//! Unit tests of the PATCH engine.

use super::*;
use crate::defect::Policy;
use crate::error::scim_type;
use crate::schema::{ENTERPRISE_URN, GROUP_URN, USER_URN};
use serde_json::json;

fn stored_user() -> Map<String, Value> {
    json!({
        "schemas": [USER_URN],
        "id": "u-1",
        "userName": "bjensen",
        "name": {"familyName": "Jensen", "givenName": "Barbara", "middleName": "Jane"},
        "title": "Guide",
        "active": true,
        "emails": [
            {"value": "work@x.test", "type": "work", "primary": true},
            {"value": "home@y.test", "type": "home"}
        ],
        "meta": {"resourceType": "User", "created": "2024-01-01T00:00:00.000Z"}
    })
    .as_object()
    .cloned()
    .unwrap()
}

fn stored_group() -> Map<String, Value> {
    json!({
        "schemas": [GROUP_URN],
        "id": "g-1",
        "displayName": "Admins",
        "members": [{"value": "u1", "type": "User"}, {"value": "u2", "type": "User"}]
    })
    .as_object()
    .cloned()
    .unwrap()
}

fn ops(operations: Value) -> Vec<Operation> {
    ops_with(Policy::default(), operations).unwrap()
}

fn ops_with(p: Policy, operations: Value) -> Result<Vec<Operation>, ScimError> {
    parse_request(
        &json!({"schemas": [PATCH_OP_URN], "Operations": operations}),
        p,
    )
}

fn patch_user(operations: Value) -> Result<Value, ScimError> {
    patch_user_with(Policy::default(), operations)
}

fn patch_group(operations: Value) -> Result<Value, ScimError> {
    patch_group_with(Policy::default(), operations)
}

fn patch_user_with(p: Policy, operations: Value) -> Result<Value, ScimError> {
    let ops = ops_with(p, operations)?;
    apply(ResourceKind::User, "u-1", &stored_user(), &ops, p).map(Value::Object)
}

fn patch_group_with(p: Policy, operations: Value) -> Result<Value, ScimError> {
    let ops = ops_with(p, operations)?;
    apply(ResourceKind::Group, "g-1", &stored_group(), &ops, p).map(Value::Object)
}

fn fails(result: Result<Value, ScimError>, kind: &str) {
    match result {
        Ok(v) => panic!("expected {kind}, got {v}"),
        Err(e) => assert_eq!(e.scim_type, Some(kind), "{e}"),
    }
}

fn members(v: &Value) -> Vec<&str> {
    v["members"]
        .as_array()
        .map(|m| m.iter().filter_map(|m| m["value"].as_str()).collect())
        .unwrap_or_default()
}

#[test]
fn envelope_is_validated() {
    for body in [
        json!([]),
        json!({"Operations": [{"op": "add", "path": "title", "value": "x"}]}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "Operations": [{"op": "add", "path": "title", "value": "x"}]}),
        json!({"schemas": [PATCH_OP_URN], "Operations": []}),
        json!({"schemas": [PATCH_OP_URN]}),
        json!({"schemas": [PATCH_OP_URN], "Operations": [{"op": "move", "path": "title"}]}),
        json!({"schemas": [PATCH_OP_URN], "Operations": [{"path": "title", "value": "x"}]}),
        json!({"schemas": [PATCH_OP_URN], "Operations": ["add"]}),
    ] {
        let e = parse_request(&body, Policy::default()).unwrap_err();
        assert_eq!(e.status, 400);
        assert_eq!(e.scim_type, Some(scim_type::INVALID_SYNTAX), "{body}");
    }
    let e = parse_request(
        &json!({"schemas": [PATCH_OP_URN], "Operations": [{"op": "add", "path": "title"}]}),
        Policy::default(),
    )
    .unwrap_err();
    assert_eq!(e.scim_type, Some(scim_type::INVALID_VALUE));
    let e = parse_request(
        &json!({"schemas": [PATCH_OP_URN], "Operations": [{"op": "add", "path": 5, "value": 1}]}),
        Policy::default(),
    )
    .unwrap_err();
    assert_eq!(e.scim_type, Some(scim_type::INVALID_PATH));
    // Op names and member names are case-insensitive.
    let parsed = parse_request(&json!({"SCHEMAS": [PATCH_OP_URN], "operations": [{"OP": "Replace", "Path": "title", "Value": "x"}]}), Policy::default())
        .unwrap();
    assert_eq!(parsed[0].op, OpKind::Replace);
}

#[test]
fn add_and_replace_single_values() {
    let v = patch_user(json!([{"op": "add", "path": "nickName", "value": "Babs"}])).unwrap();
    assert_eq!(v["nickName"], "Babs");
    let v = patch_user(json!([{"op": "add", "path": "title", "value": "Boss"}])).unwrap();
    assert_eq!(v["title"], "Boss");
    let v = patch_user(json!([{"op": "replace", "path": "TITLE", "value": "X"}])).unwrap();
    assert_eq!(v["title"], "X");
    let v = patch_user(json!([{"op": "replace", "path": "active", "value": false}])).unwrap();
    assert_eq!(v["active"], false);
    fails(
        patch_user(json!([{"op": "replace", "path": "active", "value": "maybe"}])),
        scim_type::INVALID_VALUE,
    );
    fails(
        patch_user(json!([{"op": "replace", "path": "userName", "value": ""}])),
        scim_type::INVALID_VALUE,
    );
}

#[test]
fn operations_run_in_order() {
    let v = patch_user(json!([
        {"op": "add", "path": "title", "value": "A"},
        {"op": "replace", "path": "title", "value": "B"}
    ]))
    .unwrap();
    assert_eq!(v["title"], "B");
    let v = patch_user(json!([
        {"op": "add", "path": "emails", "value": [{"value": "x@z.test"}]},
        {"op": "remove", "path": "emails[value eq \"x@z.test\"]"}
    ]))
    .unwrap();
    assert_eq!(v["emails"].as_array().unwrap().len(), 2);
}

#[test]
fn complex_attributes_merge() {
    let v = patch_user(json!([{"op": "replace", "path": "name", "value": {"givenName": "N"}}]))
        .unwrap();
    assert_eq!(
        v["name"],
        json!({"familyName": "Jensen", "givenName": "N", "middleName": "Jane"})
    );
    let v = patch_user(json!([{"op": "add", "path": "name", "value": {"honorificPrefix": "Dr"}}]))
        .unwrap();
    assert_eq!(v["name"]["honorificPrefix"], "Dr");
    assert_eq!(v["name"]["familyName"], "Jensen");
    let v = patch_user(json!([{"op": "replace", "path": "name.givenName", "value": "G"}])).unwrap();
    assert_eq!(v["name"]["givenName"], "G");
    let v = patch_user(json!([{"op": "remove", "path": "name.middleName"}])).unwrap();
    assert_eq!(
        v["name"],
        json!({"familyName": "Jensen", "givenName": "Barbara"})
    );
}

#[test]
fn pathless_add_and_replace() {
    let v = patch_user(
        json!([{"op": "add", "value": {"nickName": "Babs", "emails": [{"value": "new@x.test"}]}}]),
    )
    .unwrap();
    assert_eq!(v["nickName"], "Babs");
    assert_eq!(v["emails"].as_array().unwrap().len(), 3);
    let v = patch_user(json!([{"op": "replace", "value": {"displayName": "D", "NICKNAME": "N"}}]))
        .unwrap();
    assert_eq!(
        (v["displayName"].as_str(), v["nickName"].as_str()),
        (Some("D"), Some("N"))
    );
    assert_eq!(v["userName"], "bjensen");
    // Okta deactivation.
    let v = patch_user(json!([{"op": "replace", "value": {"active": false}}])).unwrap();
    assert_eq!(v["active"], false);
}

#[test]
fn pathless_dotted_and_urn_keys() {
    let v = patch_user(json!([{"op": "Replace", "value": {
        "name.givenName": "Entra",
        "urn:ietf:params:scim:schemas:core:2.0:User:title": "CTO",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "R&D",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": "boss",
        "unknownThing": 1
    }}]))
    .unwrap();
    assert_eq!(v["name"]["givenName"], "Entra");
    assert_eq!(v["title"], "CTO");
    assert_eq!(
        v[ENTERPRISE_URN],
        json!({"department": "R&D", "manager": {"value": "boss"}})
    );
    let v = patch_user(json!([{"op": "add", "value": {
        ENTERPRISE_URN: {"employeeNumber": "42", "manager": {"value": "m"}}
    }}]))
    .unwrap();
    assert_eq!(
        v[ENTERPRISE_URN],
        json!({"employeeNumber": "42", "manager": {"value": "m"}})
    );
}

#[test]
fn pathless_read_only_echo_is_ignored_but_changes_fail() {
    // Okta renames a group with a path-less replace that also carries the id.
    let v =
        patch_group(json!([{"op": "replace", "value": {"id": "g-1", "displayName": "Renamed"}}]))
            .unwrap();
    assert_eq!(v["displayName"], "Renamed");
    fails(
        patch_group(json!([{"op": "replace", "value": {"id": "other"}}])),
        scim_type::MUTABILITY,
    );
    let v =
        patch_user(json!([{"op": "replace", "value": {"groups": [], "meta": {"created": "x"}}}]))
            .unwrap();
    assert!(v.get("groups").is_none());
}

#[test]
fn string_booleans() {
    for s in ["False", "false", "FALSE"] {
        let v = patch_user(json!([{"op": "Replace", "path": "active", "value": s}])).unwrap();
        assert_eq!(v["active"], false);
    }
    let v = patch_user(json!([{"op": "Add", "path": "active", "value": "True"}])).unwrap();
    assert_eq!(v["active"], true);
    let v = patch_user(
        json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": "True"}]),
    )
    .unwrap();
    assert_eq!(v["emails"][1]["primary"], true);
    assert_eq!(v["emails"][0]["primary"], false);
}

#[test]
fn multi_valued_add_appends_without_duplicates() {
    let v = patch_user(json!([{"op": "add", "path": "emails", "value": [{"value": "work@x.test", "type": "work", "primary": true}]}])).unwrap();
    assert_eq!(v["emails"], stored_user()["emails"]);
    let v = patch_group(json!([{"op": "add", "path": "members", "value": [{"value": "u3", "display": "x"}, {"value": "u1"}]}])).unwrap();
    assert_eq!(members(&v), ["u1", "u2", "u3"]);
    let v =
        patch_group(json!([{"op": "add", "path": "members", "value": {"value": "u4"}}])).unwrap();
    assert_eq!(members(&v), ["u1", "u2", "u4"]);
    let v = patch_user(
        json!([{"op": "add", "path": "emails", "value": {"value": "p@x.test", "primary": true}}]),
    )
    .unwrap();
    let emails = v["emails"].as_array().unwrap();
    assert_eq!(emails[0]["primary"], false);
    assert_eq!(emails[2]["primary"], true);
}

#[test]
fn multi_valued_replace_replaces_all() {
    let v = patch_user(
        json!([{"op": "replace", "path": "emails", "value": [{"value": "only@x.test"}]}]),
    )
    .unwrap();
    assert_eq!(v["emails"], json!([{"value": "only@x.test"}]));
    let v = patch_group(json!([{"op": "replace", "path": "members", "value": [{"value": "u9"}]}]))
        .unwrap();
    assert_eq!(members(&v), ["u9"]);
    let v = patch_group(json!([{"op": "replace", "path": "members", "value": []}])).unwrap();
    assert!(v.get("members").is_none());
    fails(
        patch_user(
            json!([{"op": "replace", "path": "emails", "value": [{"value": "a", "primary": true}, {"value": "b", "primary": true}]}]),
        ),
        scim_type::INVALID_VALUE,
    );
}

#[test]
fn remove_forms() {
    let v = patch_user(json!([{"op": "remove", "path": "title"}])).unwrap();
    assert!(v.get("title").is_none());
    let v = patch_user(json!([{"op": "remove", "path": "emails"}])).unwrap();
    assert!(v.get("emails").is_none());
    let v = patch_user(json!([{"op": "remove", "path": "emails[type eq \"work\"]"}])).unwrap();
    assert_eq!(
        v["emails"],
        json!([{"value": "home@y.test", "type": "home"}])
    );
    let v =
        patch_user(json!([{"op": "remove", "path": "emails[type eq \"work\"].primary"}])).unwrap();
    assert!(v["emails"][0].get("primary").is_none());
    let v = patch_user(json!([{"op": "remove", "path": "emails[value co \"test\"]"}])).unwrap();
    assert!(v.get("emails").is_none());
    let v = patch_group(json!([{"op": "remove", "path": "members[value eq \"u1\"]"}])).unwrap();
    assert_eq!(members(&v), ["u2"]);
    let v = patch_group(json!([{"op": "remove", "path": "members[value eq \"nobody\"]"}])).unwrap();
    assert_eq!(members(&v), ["u1", "u2"]);
    let v = patch_group(json!([{"op": "remove", "path": "members"}])).unwrap();
    assert!(v.get("members").is_none());
    fails(patch_user(json!([{"op": "remove"}])), scim_type::NO_TARGET);
}

#[test]
fn entra_remove_members_by_value_list() {
    let v = patch_group(json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}]}]))
        .unwrap();
    assert_eq!(members(&v), ["u2"]);
    let v = patch_group(json!([{"op": "remove", "path": "members", "value": [{"$ref": null, "value": "u2"}, {"value": "zz"}]}])).unwrap();
    assert_eq!(members(&v), ["u1"]);
}

#[test]
fn okta_membership_patch() {
    let v = patch_group(json!([
        {"op": "remove", "path": "members[value eq \"u1\"]"},
        {"op": "add", "path": "members", "value": [{"value": "u3", "display": "u3@x"}]}
    ]))
    .unwrap();
    assert_eq!(members(&v), ["u2", "u3"]);
}

#[test]
fn filtered_replace_and_sub_attribute() {
    let v = patch_user(
        json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "n@x.test"}]),
    )
    .unwrap();
    assert_eq!(
        v["emails"][0],
        json!({"value": "n@x.test", "type": "work", "primary": true})
    );
    assert_eq!(v["emails"][1]["value"], "home@y.test");
    let v = patch_user(json!([{"op": "replace", "path": "emails[type eq \"home\"]", "value": {"value": "h2@y.test", "type": "home"}}])).unwrap();
    assert_eq!(
        v["emails"][1],
        json!({"value": "h2@y.test", "type": "home"})
    );
    let mut two_work = stored_user();
    two_work["emails"] =
        json!([{"value": "a@x", "type": "work"}, {"value": "b@x", "type": "work"}]);
    let out = apply(
        ResourceKind::User,
        "u-1",
        &two_work,
        &ops(json!([{"op": "replace", "path": "emails[type eq \"work\"].display", "value": "W"}])),
        Policy::default(),
    )
    .unwrap();
    assert!(
        out["emails"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["display"] == "W")
    );
    fails(
        patch_user(
            json!([{"op": "replace", "path": "emails[type eq \"none\"].value", "value": "x"}]),
        ),
        scim_type::NO_TARGET,
    );
}

#[test]
fn filtered_add_creates_missing_value() {
    let v = patch_user(json!([{"op": "Add", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Main St"}])).unwrap();
    assert_eq!(
        v["addresses"],
        json!([{"streetAddress": "1 Main St", "type": "work"}])
    );
    let v = patch_user(
        json!([{"op": "add", "path": "emails[type eq \"work\"].display", "value": "W"}]),
    )
    .unwrap();
    assert_eq!(v["emails"][0]["display"], "W");
    fails(
        patch_user(
            json!([{"op": "add", "path": "phoneNumbers[value co \"5\"].type", "value": "work"}]),
        ),
        scim_type::NO_TARGET,
    );
}

#[test]
fn mutability_errors() {
    for op in [
        json!({"op": "replace", "path": "id", "value": "x"}),
        json!({"op": "replace", "path": "meta.created", "value": "2020-01-01T00:00:00Z"}),
        json!({"op": "add", "path": "groups", "value": [{"value": "g"}]}),
        json!({"op": "remove", "path": "userName"}),
        json!({"op": "remove", "path": "id"}),
        json!({"op": "replace", "path": "password", "value": "p"}),
        json!({"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName", "value": "Fake"}),
    ] {
        fails(patch_user(json!([op])), scim_type::MUTABILITY);
    }
    fails(
        patch_group(
            json!([{"op": "replace", "path": "members[value eq \"u1\"].value", "value": "u2"}]),
        ),
        scim_type::MUTABILITY,
    );
    fails(
        patch_group(json!([{"op": "remove", "path": "displayName"}])),
        scim_type::MUTABILITY,
    );
}

#[test]
fn path_errors() {
    fails(
        patch_user(json!([{"op": "add", "path": "emails[type eq", "value": "x"}])),
        scim_type::INVALID_PATH,
    );
    fails(
        patch_user(json!([{"op": "add", "path": "na..me", "value": "x"}])),
        scim_type::INVALID_PATH,
    );
    fails(
        patch_user(json!([{"op": "add", "path": "noSuchAttr", "value": "x"}])),
        scim_type::INVALID_PATH,
    );
    fails(
        patch_user(json!([{"op": "add", "path": "name.nope", "value": "x"}])),
        scim_type::INVALID_PATH,
    );
    fails(
        patch_user(json!([{"op": "add", "path": "title[value eq \"x\"]", "value": "x"}])),
        scim_type::INVALID_PATH,
    );
    fails(
        patch_user(json!([{"op": "add", "path": "emails[type zz \"work\"]", "value": "x"}])),
        scim_type::INVALID_FILTER,
    );
}

#[test]
fn extension_paths() {
    let v = patch_user(json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "7"}])).unwrap();
    assert_eq!(v[ENTERPRISE_URN]["employeeNumber"], "7");
    let v = patch_user(json!([{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "271"}])).unwrap();
    assert_eq!(v[ENTERPRISE_URN]["manager"], json!({"value": "271"}));
    let v = patch_user(json!([
        {"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": {"value": "m"}},
        {"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": ""}
    ]))
    .unwrap();
    assert!(v.get(ENTERPRISE_URN).is_none());
    let v = patch_user(json!([
        {"op": "add", "path": ENTERPRISE_URN, "value": {"department": "D"}},
        {"op": "remove", "path": ENTERPRISE_URN}
    ]))
    .unwrap();
    assert!(v.get(ENTERPRISE_URN).is_none());
    let v = patch_user(json!([{"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}])).unwrap();
    assert!(v.get(ENTERPRISE_URN).is_none());
}

#[test]
fn atomic_failure_leaves_input_untouched() {
    let original = stored_user();
    let result = apply(
        ResourceKind::User,
        "u-1",
        &original,
        &ops(json!([
            {"op": "replace", "path": "displayName", "value": "new"},
            {"op": "replace", "path": "id", "value": "x"}
        ])),
        Policy::default(),
    );
    assert!(result.is_err());
    assert_eq!(original, stored_user());
}

#[test]
fn primary_conflicts_within_one_add() {
    fails(
        patch_user(
            json!([{"op": "add", "path": "emails", "value": [{"value": "a@q", "primary": true}, {"value": "b@q", "primary": true}]}]),
        ),
        scim_type::INVALID_VALUE,
    );
}
