use super::declaration::SCHEMA_META_URN;
use super::lexical::{is_base64, is_date_time};
use super::message::MAX_MESSAGE_CHARS;
use super::sample::base64_encode;
use super::*;
use serde_json::json;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const ACME: &str = "urn:example:params:scim:schemas:extension:acme:2.0:User";
const ACME_GROUP: &str = "urn:example:params:scim:schemas:extension:acme:2.0:Group";

/// A realistic `GET /Schemas` ListResponse: RFC 7643 §4.1 User (abridged to the
/// attributes the tests need, characteristics as in §8.7.1), Enterprise User, Group
/// (with the errata 5368 `displayName`), a custom User extension and a required custom
/// Group extension.
const SCHEMAS: &str = r#"{
  "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
  "totalResults": 5, "itemsPerPage": 5, "startIndex": 1,
  "Resources": [
    {
      "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
      "id": "urn:ietf:params:scim:schemas:core:2.0:User",
      "name": "User", "description": "User Account",
      "attributes": [
        {"name": "userName", "type": "string", "multiValued": false, "required": true, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "server"},
        {"name": "name", "type": "complex", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none",
         "subAttributes": [
           {"name": "formatted", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
           {"name": "familyName", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
           {"name": "givenName", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
           {"name": "middleName", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
           {"name": "honorificPrefix", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
           {"name": "honorificSuffix", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"}
         ]},
        {"name": "displayName", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
        {"name": "nickName", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
        {"name": "profileUrl", "type": "reference", "referenceTypes": ["external"], "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
        {"name": "title", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
        {"name": "userType", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
        {"name": "preferredLanguage", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
        {"name": "locale", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
        {"name": "timezone", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
        {"name": "active", "type": "boolean", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default"},
        {"name": "password", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "writeOnly", "returned": "never", "uniqueness": "none"},
        {"name": "emails", "type": "complex", "multiValued": true, "required": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none",
         "subAttributes": [
           {"name": "value", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
           {"name": "display", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
           {"name": "type", "type": "string", "multiValued": false, "required": false, "caseExact": false, "canonicalValues": ["work", "home", "other"], "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
           {"name": "primary", "type": "boolean", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default"}
         ]},
        {"name": "phoneNumbers", "type": "complex", "multiValued": true, "required": false, "mutability": "readWrite", "returned": "default",
         "subAttributes": [
           {"name": "value", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
           {"name": "type", "type": "string", "multiValued": false, "required": false, "caseExact": false, "canonicalValues": ["work", "home", "mobile", "fax", "pager", "other"], "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
           {"name": "primary", "type": "boolean", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default"}
         ]},
        {"name": "addresses", "type": "complex", "multiValued": true, "required": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none",
         "subAttributes": [
           {"name": "formatted", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
           {"name": "streetAddress", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
           {"name": "locality", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
           {"name": "region", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
           {"name": "postalCode", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
           {"name": "country", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
           {"name": "type", "type": "string", "multiValued": false, "required": false, "caseExact": false, "canonicalValues": ["work", "home", "other"], "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
           {"name": "primary", "type": "boolean", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default"}
         ]},
        {"name": "groups", "type": "complex", "multiValued": true, "required": false, "mutability": "readOnly", "returned": "default",
         "subAttributes": [
           {"name": "value", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readOnly", "returned": "default", "uniqueness": "none"},
           {"name": "$ref", "type": "reference", "referenceTypes": ["User", "Group"], "multiValued": false, "required": false, "caseExact": false, "mutability": "readOnly", "returned": "default", "uniqueness": "none"},
           {"name": "display", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readOnly", "returned": "default", "uniqueness": "none"},
           {"name": "type", "type": "string", "multiValued": false, "required": false, "caseExact": false, "canonicalValues": ["direct", "indirect"], "mutability": "readOnly", "returned": "default", "uniqueness": "none"}
         ]},
        {"name": "x509Certificates", "type": "complex", "multiValued": true, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
         "subAttributes": [
           {"name": "value", "type": "binary", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
           {"name": "primary", "type": "boolean", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default"}
         ]}
      ],
      "meta": {"resourceType": "Schema", "location": "/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"}
    },
    {
      "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
      "id": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
      "name": "EnterpriseUser", "description": "Enterprise User",
      "attributes": [
        {"name": "employeeNumber", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
        {"name": "costCenter", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
        {"name": "organization", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
        {"name": "division", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
        {"name": "department", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
        {"name": "manager", "type": "complex", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default",
         "subAttributes": [
           {"name": "value", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
           {"name": "$ref", "type": "reference", "referenceTypes": ["User"], "multiValued": false, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
           {"name": "displayName", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "readOnly", "returned": "default", "uniqueness": "none"}
         ]}
      ]
    },
    {
      "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
      "id": "urn:ietf:params:scim:schemas:core:2.0:Group",
      "name": "Group", "description": "Group",
      "attributes": [
        {"name": "displayName", "type": "string", "multiValued": false, "required": true, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
        {"name": "members", "type": "complex", "multiValued": true, "required": false, "mutability": "readWrite", "returned": "default",
         "subAttributes": [
           {"name": "value", "type": "string", "multiValued": false, "required": false, "caseExact": false, "mutability": "immutable", "returned": "default", "uniqueness": "none"},
           {"name": "$ref", "type": "reference", "referenceTypes": ["User", "Group"], "multiValued": false, "required": false, "caseExact": false, "mutability": "immutable", "returned": "default", "uniqueness": "none"},
           {"name": "type", "type": "string", "multiValued": false, "required": false, "caseExact": false, "canonicalValues": ["User", "Group"], "mutability": "immutable", "returned": "default", "uniqueness": "none"}
         ]}
      ]
    },
    {
      "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
      "id": "urn:example:params:scim:schemas:extension:acme:2.0:User",
      "name": "AcmeUser", "description": "Acme badge data",
      "attributes": [
        {"name": "badgeNumber", "type": "integer", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default", "uniqueness": "server"},
        {"name": "clearance", "type": "string", "multiValued": false, "required": false, "caseExact": true, "canonicalValues": ["low", "high"], "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
        {"name": "hourlyRate", "type": "decimal", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default"},
        {"name": "badgeIssued", "type": "dateTime", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default"},
        {"name": "badgePhoto", "type": "binary", "multiValued": false, "required": false, "caseExact": true, "mutability": "readWrite", "returned": "request"},
        {"name": "homepage", "type": "reference", "referenceTypes": ["external"], "multiValued": false, "required": false, "caseExact": true, "mutability": "readWrite", "returned": "default"},
        {"name": "tags", "type": "string", "multiValued": true, "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"}
      ]
    },
    {
      "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
      "id": "urn:example:params:scim:schemas:extension:acme:2.0:Group",
      "name": "AcmeGroup", "description": "Acme cost accounting",
      "attributes": [
        {"name": "costCode", "type": "string", "multiValued": false, "required": true, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"}
      ]
    }
  ]
}"#;

const RESOURCE_TYPES: &str = r#"{
  "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
  "totalResults": 2, "itemsPerPage": 2, "startIndex": 1,
  "Resources": [
    {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
     "id": "User", "name": "User", "endpoint": "/Users", "description": "User Account",
     "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
     "schemaExtensions": [
       {"schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "required": false},
       {"schema": "urn:example:params:scim:schemas:extension:acme:2.0:User", "required": false}
     ],
     "meta": {"resourceType": "ResourceType", "location": "/v2/ResourceTypes/User"}},
    {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
     "id": "Group", "name": "Group", "endpoint": "/Groups", "description": "Group",
     "schema": "urn:ietf:params:scim:schemas:core:2.0:Group",
     "schemaExtensions": [
       {"schema": "urn:example:params:scim:schemas:extension:acme:2.0:Group", "required": true}
     ],
     "meta": {"resourceType": "ResourceType", "location": "/v2/ResourceTypes/Group"}}
  ]
}"#;

fn target() -> TargetSchemas {
    let schemas: Value = serde_json::from_str(SCHEMAS).expect("SCHEMAS parses");
    let types: Value = serde_json::from_str(RESOURCE_TYPES).expect("RESOURCE_TYPES parses");
    let (target, findings) = TargetSchemas::from_discovery(&schemas, &types);
    assert_eq!(findings, Vec::<Finding>::new());
    target
}

fn valid_user() -> Value {
    json!({
        "schemas": [USER, ENTERPRISE, ACME],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "bjensen",
        "meta": {
            "resourceType": "User",
            "created": "2011-08-01T18:29:49.793Z",
            "lastModified": "2011-08-01T18:29:49.793Z",
            "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
            "version": "W/\"f250dd84f0671c3\""
        },
        "userName": "bjensen",
        "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara"},
        "displayName": "Babs Jensen",
        "profileUrl": "https://login.example.com/bjensen",
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "phoneNumbers": [{"value": "555-555-5555", "type": "work"}],
        "addresses": [{"type": "work", "country": "US", "primary": true}],
        "groups": [{"value": "e9e30dba", "$ref": "https://example.com/v2/Groups/e9e30dba", "display": "Tour Guides"}],
        "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw"}],
        ENTERPRISE: {
            "employeeNumber": "701984",
            "costCenter": "4130",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
        },
        ACME: {
            "badgeNumber": 4711,
            "clearance": "high",
            "hourlyRate": 21.5,
            "badgeIssued": "2020-02-29T08:00:00+01:00",
            "homepage": "https://acme.example/bjensen",
            "tags": ["night-shift", "first-aid"]
        }
    })
}

fn valid_group() -> Value {
    json!({
        "schemas": [GROUP, ACME_GROUP],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": [{"value": "2819c223", "$ref": "https://example.com/v2/Users/2819c223", "type": "User"}],
        ACME_GROUP: {"costCode": "CC-17"},
        "meta": {"resourceType": "Group", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z"}
    })
}

fn paths(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.instance_path.as_str()).collect()
}

/// The single finding of `findings`, which must be at `path` and cite `row`.
fn only(findings: &[Finding], path: &str, row: &str) -> Finding {
    assert_eq!(paths(findings), [path], "{findings:#?}");
    let f = findings[0].clone();
    assert!(f.message.contains(row), "{f:?} should cite {row}");
    assert!(f.message.chars().count() <= MAX_MESSAGE_CHARS);
    f
}

#[test]
fn valid_resources_pass() {
    let t = target();
    assert_eq!(t.validate(&valid_user(), false), []);
    assert_eq!(t.validate(&valid_user(), true), []);
    assert_eq!(t.undeclared(&valid_user()), Vec::<String>::new());
    assert_eq!(t.validate(&valid_group(), false), []);
    assert_eq!(t.undeclared(&valid_group()), Vec::<String>::new());
}

#[test]
fn string_boolean_fails() {
    let mut user = valid_user();
    user["active"] = json!("true");
    let f = only(&target().validate(&user, false), "/active", "C-2.3-01");
    assert_eq!(
        f.message,
        r#""active" is declared boolean but is the string "true" (C-2.3-01)"#
    );
}

#[test]
fn attribute_names_match_case_insensitively() {
    let t = target();
    let mut user = valid_user();
    let obj = user.as_object_mut().unwrap();
    let active = obj.shift_remove("active").unwrap();
    obj.insert("Active".into(), json!("TRUE"));
    let name = obj.shift_remove("userName").unwrap();
    obj.insert("USERNAME".into(), name);
    let ent = obj.shift_remove(ENTERPRISE).unwrap();
    obj.insert(ENTERPRISE.to_uppercase(), ent);
    only(&t.validate(&user, false), "/Active", "C-2.3-01");

    user["Active"] = active;
    assert_eq!(t.validate(&user, false), []);
    user["username"] = json!("again");
    let f = only(&t.validate(&user, false), "/username", "RFC 7643 §2.1");
    assert!(f.message.contains("USERNAME"), "{f:?}");
}

#[test]
fn password_and_write_only_values_fail() {
    let t = target();
    let mut user = valid_user();
    user["password"] = json!("t1meMa$heen");
    let f = only(&t.validate(&user, false), "/password", "C-7-04");
    assert!(f.message.contains("returned: never"));
    // Even when asked for (`attributes=password`).
    only(&t.validate(&user, true), "/password", "C-7-04");
    // null means absent.
    user["password"] = Value::Null;
    assert_eq!(t.validate(&user, false), []);
}

#[test]
fn two_primaries_fail() {
    let mut user = valid_user();
    user["emails"][1]["primary"] = json!(true);
    let f = only(
        &target().validate(&user, false),
        "/emails/1/primary",
        "C-2.4-01",
    );
    assert!(f.message.contains("\"emails\" has 2 values"), "{f:?}");
    // One primary per attribute: a primary address and a primary email are fine.
    assert_eq!(target().validate(&valid_user(), false), []);
}

#[test]
fn extension_attribute_at_top_level_fails() {
    let t = target();
    let mut user = valid_user();
    user["employeeNumber"] = json!("701984");
    let f = only(&t.validate(&user, false), "/employeeNumber", "C-3.3-01");
    assert!(f.message.contains(ENTERPRISE), "{f:?}");
    assert_eq!(t.undeclared(&user), ["employeeNumber"]);

    // The fully qualified name as a top-level key is no better.
    let mut user = valid_user();
    user[format!("{ACME}:badgeNumber")] = json!(1);
    only(
        &t.validate(&user, false),
        &format!("/{ACME}:badgeNumber"),
        "C-3.3-01",
    );

    // The extension object without its URN in `schemas`.
    let mut user = valid_user();
    user["schemas"] = json!([USER, ACME]);
    only(
        &t.validate(&user, false),
        &format!("/{ENTERPRISE}"),
        "C-3.3-01",
    );

    // The extension value must be an object.
    let mut user = valid_user();
    user[ENTERPRISE] = json!("701984");
    only(
        &t.validate(&user, false),
        &format!("/{ENTERPRISE}"),
        "C-3.3-01",
    );
}

#[test]
fn custom_extension_types_are_checked() {
    let t = target();
    let at = format!("/{ACME}/badgeNumber");
    for (bad, row) in [
        (json!("4711"), "C-2.3-01"),
        (json!(47.5), "C-2.3-01"),
        (
            serde_json::from_str::<Value>("1e2").unwrap(),
            "fraction or exponent",
        ),
        (
            serde_json::from_str::<Value>("4711.0").unwrap(),
            "fraction or exponent",
        ),
    ] {
        let mut user = valid_user();
        user[ACME]["badgeNumber"] = bad;
        only(&t.validate(&user, false), &at, row);
    }
    let mut user = valid_user();
    user[ACME]["badgeNumber"] = json!("4711");
    let f = only(&t.validate(&user, false), &at, "C-2.3-01");
    assert_eq!(
        f.message,
        r#""badgeNumber" is declared integer but is the string "4711" (C-2.3-01)"#
    );

    let mut user = valid_user();
    user[ACME]["hourlyRate"] = json!(21);
    user[ACME]["tags"] = json!("night-shift");
    user[ACME]["clearance"] = json!(["high"]);
    user[ACME]["homepage"] = json!({"href": "https://acme.example"});
    let findings = t.validate(&user, false);
    assert_eq!(
        paths(&findings),
        [
            format!("/{ACME}/clearance"),
            format!("/{ACME}/homepage"),
            format!("/{ACME}/tags")
        ]
    );
    assert!(findings[0].message.contains("single-valued"));
    assert!(
        findings[1]
            .message
            .contains("declared reference but is an object")
    );
    assert!(findings[2].message.contains("multi-valued"));
}

#[test]
fn date_times_and_binaries_are_checked() {
    let t = target();
    for bad in [
        "2011-08-01",
        "2011-08-01 18:29:49Z",
        "2011-02-29T00:00:00Z",
        "2011-08-01T25:00:00Z",
        "now",
    ] {
        let mut user = valid_user();
        user["meta"]["created"] = json!(bad);
        only(&t.validate(&user, false), "/meta/created", "C-2.3.5-01");
    }
    for good in [
        "2011-08-01T18:29:49",
        "2000-02-29T00:00:00.5-05:00",
        "2011-08-01T24:00:00Z",
        "12011-08-01T00:00:00Z",
    ] {
        assert!(is_date_time(good), "{good}");
    }
    for bad in [
        "1900-02-29T00:00:00Z",
        "2011-04-31T00:00:00Z",
        "2011-08-01T18:29:49+15:00",
        "2011-08-01T18:29Z",
    ] {
        assert!(!is_date_time(bad), "{bad}");
    }
    let mut user = valid_user();
    user[ACME]["badgeIssued"] = json!(1_300_000_000);
    only(
        &t.validate(&user, false),
        &format!("/{ACME}/badgeIssued"),
        "C-2.3-01",
    );

    let mut user = valid_user();
    user["x509Certificates"][0]["value"] = json!("not base64!");
    only(
        &t.validate(&user, false),
        "/x509Certificates/0/value",
        "C-2.3.6-01",
    );
    for good in ["", "TQ==", "TWE=", "TWFu", "TWE", "MIIDQzCCAqyg+/8="] {
        assert!(is_base64(good), "{good}");
    }
    for bad in [
        "T", "TQ=", "TQ===", "TW-u", "TW_u", "TW u", "TQ==TQ==", "=TWFu",
    ] {
        assert!(!is_base64(bad), "{bad}");
    }
}

#[test]
fn required_attributes_unless_projected() {
    let t = target();
    let mut user = valid_user();
    user.as_object_mut().unwrap().shift_remove("userName");
    let f = only(&t.validate(&user, false), "/userName", "RFC 7643 §2.2");
    assert!(f.message.contains("required attribute \"userName\""));
    assert_eq!(t.validate(&user, true), []);
    // null and "" differ: null is absent, "" is a (bad, elsewhere-checked) value.
    user["userName"] = Value::Null;
    only(&t.validate(&user, false), "/userName", "RFC 7643 §2.2");
}

#[test]
fn required_extensions() {
    let t = target();
    let mut group = valid_group();
    group.as_object_mut().unwrap().shift_remove(ACME_GROUP);
    group["schemas"] = json!([GROUP]);
    only(
        &t.validate(&group, false),
        &format!("/{ACME_GROUP}"),
        "C-6-03",
    );
    assert_eq!(t.validate(&group, true), []);

    // Listed, but its required attribute is not there.
    group["schemas"] = json!([GROUP, ACME_GROUP]);
    only(
        &t.validate(&group, false),
        &format!("/{ACME_GROUP}/costCode"),
        "C-6-03",
    );
    group[ACME_GROUP] = json!({});
    only(
        &t.validate(&group, false),
        &format!("/{ACME_GROUP}/costCode"),
        "C-6-03",
    );
    assert_eq!(t.validate(&group, true), []);
}

#[test]
fn unserved_schema_urns_and_unknown_types() {
    let t = target();
    let mut user = valid_user();
    user["schemas"] = json!([USER, ENTERPRISE, ACME, "urn:example:nope"]);
    only(&t.validate(&user, false), "/schemas/3", "C-6-02");

    // Served, but not a schema of this resource type; or listed twice.
    user["schemas"] = json!([USER, ENTERPRISE, ACME, ACME_GROUP]);
    only(&t.validate(&user, false), "/schemas/3", "C-3-02");
    user["schemas"] = json!([USER, ENTERPRISE, ACME, GROUP]);
    only(&t.validate(&user, false), "/schemas/3", "C-3-02");
    user["schemas"] = json!([USER, ENTERPRISE, ACME, ACME.to_uppercase()]);
    only(&t.validate(&user, false), "/schemas/3", "C-3-02");

    let stranger = json!({"schemas": ["urn:example:Device"], "id": "1"});
    only(&t.validate(&stranger, false), "", "C-6-02");
    assert_eq!(t.undeclared(&stranger), Vec::<String>::new());
    only(&t.validate(&json!([1, 2]), false), "", "RFC 7643 §3");
}

#[test]
fn resource_type_detection() {
    let t = target();
    assert_eq!(t.resource_types(), ["User", "Group"]);
    assert_eq!(
        t.resource_type_of(&json!({"meta": {"resourceType": "Group"}})),
        Some("Group")
    );
    assert_eq!(
        t.resource_type_of(&json!({"META": {"RESOURCETYPE": "user"}})),
        Some("User")
    );
    assert_eq!(
        t.resource_type_of(&json!({"schemas": [ENTERPRISE, USER]})),
        Some("User")
    );
    assert_eq!(
        t.resource_type_of(&json!({"schemas": [GROUP.to_lowercase()]})),
        Some("Group")
    );
    // meta wins over schemas; an unknown meta type falls back to schemas.
    assert_eq!(
        t.resource_type_of(&json!({"schemas": [USER], "meta": {"resourceType": "Group"}})),
        Some("Group")
    );
    assert_eq!(
        t.resource_type_of(&json!({"schemas": [USER], "meta": {"resourceType": "Device"}})),
        Some("User")
    );
    assert_eq!(t.resource_type_of(&json!({"schemas": ["urn:x"]})), None);
    assert_eq!(t.resource_type_of(&json!("User")), None);
}

#[test]
fn declaration_problems_are_reported() {
    let schemas = json!([
        {"id": USER, "attributes": [
            {"name": "userName", "type": "string", "multiValued": false, "required": true},
            {"name": "active", "type": "bool", "multiValued": false},
            {"name": "nickName", "type": "String", "multiValued": false, "mutability": "readwrite", "returned": "sometimes"},
            {"name": "2fa", "type": "string", "multiValued": false},
            {"name": "title", "type": "string"},
            {"name": "name", "type": "complex", "multiValued": false, "subAttributes": [
                {"name": "parts", "type": "complex", "multiValued": true, "subAttributes": [
                    {"name": "value", "type": "string", "multiValued": false}
                ]}
            ]},
            {"name": "emails", "type": "complex", "multiValued": true, "subAttributes": [
                {"name": "$ref", "type": "reference", "multiValued": false, "referenceTypes": "external"}
            ]},
            {"name": "USERNAME", "type": "string", "multiValued": false},
            {"name": "locale", "type": "string", "multiValued": "false", "subAttributes": [{"name": "x"}]}
        ]},
        {"id": SCHEMA_META_URN, "attributes": [
            {"name": "attributes", "type": "complex", "multiValued": true, "subAttributes": [
                {"name": "subAttributes", "type": "complex", "multiValued": true, "subAttributes": [
                    {"name": "name", "type": "string", "multiValued": false}
                ]}
            ]}
        ]},
        {"id": "not a uri", "attributes": []},
        {"name": "no id"},
        {"id": GROUP}
    ]);
    let types = json!([
        {"name": "User", "endpoint": "/Users", "schema": USER,
         "schemaExtensions": [{"schema": ACME}]},
        {"name": "Group", "endpoint": "/Groups", "schema": "urn:example:missing"},
        {"name": "Device", "schema": GROUP}
    ]);
    let (t, findings) = TargetSchemas::from_discovery(&schemas, &types);
    let got: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| (f.instance_path.as_str(), f.message.as_str()))
        .collect();
    let expect: &[(&str, &str)] = &[
        ("/0/attributes/1/type", "C-7-01"),
        ("/0/attributes/2/type", "must be spelled \"string\""),
        (
            "/0/attributes/2/mutability",
            "must be spelled \"readWrite\"",
        ),
        (
            "/0/attributes/2/returned",
            "is not one of always, never, default, request",
        ),
        ("/0/attributes/3/name", "C-2.1-01"),
        ("/0/attributes/4", "no boolean \"multiValued\""),
        ("/0/attributes/5/subAttributes/0", "C-2.3.8-01"),
        (
            "/0/attributes/6/subAttributes/0/referenceTypes",
            "errata 5607",
        ),
        ("/0/attributes/7", "declared twice"),
        ("/0/attributes/8/multiValued", "not a boolean"),
        ("/0/attributes/8/subAttributes", "declares subAttributes"),
        ("/2/id", "is not a URI"),
        ("/3", "no \"id\""),
        ("/4", "has no \"attributes\""),
        (
            "/0/schemaExtensions/0/schema",
            "extension \"urn:example:params:scim:schemas:extension:acme:2.0:User\" is not served by /Schemas (C-6-02)",
        ),
        ("/0/schemaExtensions/0", "no boolean \"required\" (C-6-02)"),
        (
            "/1/schema",
            "schema \"urn:example:missing\" is not served by /Schemas (C-6-02)",
        ),
        ("/2", "no string \"endpoint\" (C-6-01)"),
    ];
    assert_eq!(got.len(), expect.len(), "{findings:#?}");
    for ((path, message), (want_path, want)) in got.iter().zip(expect) {
        assert_eq!(path, want_path, "{message}");
        assert!(
            message.contains(want),
            "{message:?} should contain {want:?}"
        );
    }
    // Still usable: the meta-schema is exempt from C-2.3.8-01, types are normalised and
    // the Group type (whose schema is missing) is still known.
    assert_eq!(t.resource_types(), ["User", "Group", "Device"]);
    let attrs = t.attributes("User");
    let nick = attrs.iter().find(|a| a.path == "nickName").unwrap();
    assert_eq!(
        (
            nick.kind.as_str(),
            nick.mutability.as_str(),
            nick.returned.as_str()
        ),
        ("string", "readWrite", "default")
    );
    let active = attrs.iter().find(|a| a.path == "active").unwrap();
    assert_eq!(active.kind, "bool");
    assert!(TargetSchemas::sample_value(active, "s").is_none());
    assert!(attrs.iter().any(|a| a.path == "name.parts.value"));
    assert_eq!(
        t.validate(
            &json!({"schemas": [GROUP], "meta": {"resourceType": "Group"}}),
            false
        ),
        []
    );
}

#[test]
fn attributes_are_flattened_with_extensions() {
    let t = target();
    let attrs = t.attributes("user");
    let names: Vec<&str> = attrs.iter().map(|a| a.path.as_str()).collect();
    for want in [
        "userName".to_owned(),
        "name.givenName".to_owned(),
        "emails.primary".to_owned(),
        "groups.$ref".to_owned(),
        format!("{ENTERPRISE}:employeeNumber"),
        format!("{ENTERPRISE}:manager"),
        format!("{ENTERPRISE}:manager.displayName"),
        format!("{ACME}:badgeNumber"),
    ] {
        assert!(
            names.contains(&want.as_str()),
            "{want} missing from {names:?}"
        );
    }
    assert!(
        names.iter().position(|n| *n == "name") < names.iter().position(|n| *n == "name.givenName")
    );
    let badge = attrs
        .iter()
        .find(|a| a.path.ends_with(":badgeNumber"))
        .unwrap();
    assert_eq!(
        badge,
        &DeclaredAttribute {
            path: format!("{ACME}:badgeNumber"),
            kind: "integer".into(),
            multi_valued: false,
            required: false,
            case_exact: false,
            mutability: "readWrite".into(),
            returned: "default".into(),
            uniqueness: "server".into(),
            canonical_values: vec![],
        }
    );
    let password = attrs.iter().find(|a| a.path == "password").unwrap();
    assert_eq!(
        (password.mutability.as_str(), password.returned.as_str()),
        ("writeOnly", "never")
    );
    let user_name = attrs.iter().find(|a| a.path == "userName").unwrap();
    assert!(user_name.required);
    assert_eq!(t.attributes("Group").len(), 6);
    assert_eq!(t.attributes("Device"), []);
}

#[test]
fn sample_values_are_type_correct() {
    let t = target();
    let attrs = t.attributes("User");
    let get = |path: &str| attrs.iter().find(|a| a.path == path).unwrap();
    let sample = |path: &str| TargetSchemas::sample_value(get(path), "run42");
    assert_eq!(sample("userName"), Some(json!("userName-run42")));
    assert_eq!(sample("emails.type"), Some(json!("work")));
    assert_eq!(sample("emails.value"), Some(json!("run42@example.test")));
    assert_eq!(sample("active"), Some(json!(true)));
    assert_eq!(
        sample("profileUrl"),
        Some(json!("https://example.test/run42"))
    );
    assert_eq!(sample("x509Certificates.value"), Some(json!("cnVuNDI=")));
    assert_eq!(sample(&format!("{ACME}:clearance")), Some(json!("low")));
    assert_eq!(
        sample(&format!("{ACME}:badgeIssued")),
        Some(json!("2026-01-02T03:04:05Z"))
    );
    assert!(sample(&format!("{ACME}:badgeNumber")).unwrap().is_u64());
    assert!(sample(&format!("{ACME}:hourlyRate")).unwrap().is_f64());
    assert_eq!(sample(&format!("{ACME}:tags")), Some(json!(["tags-run42"])));
    assert_eq!(sample("name"), None);
    assert_eq!(sample("emails"), None);
    assert_ne!(
        sample("nickName"),
        TargetSchemas::sample_value(get("nickName"), "run43")
    );
    assert_eq!(base64_encode(b"Man"), "TWFu");
    assert_eq!(base64_encode(b"Ma"), "TWE=");
    assert_eq!(base64_encode(b""), "");

    // A user built from every readWrite simple attribute validates clean (the C-7-02
    // request body), and nothing in it is undeclared.
    let mut user = json!({"schemas": [USER, ENTERPRISE, ACME], "meta": {"resourceType": "User"}});
    for a in attrs
        .iter()
        .filter(|a| a.mutability == "readWrite" && a.kind != "complex")
    {
        let value = TargetSchemas::sample_value(a, "run42").unwrap();
        let (container, local) = match a.path.rsplit_once(':') {
            Some((urn, local)) => (&mut user[urn], local),
            None => (&mut user, a.path.as_str()),
        };
        match local.split_once('.') {
            Some((parent, sub)) if get(&a.path.replace(&format!(".{sub}"), "")).multi_valued => {
                if container[parent].is_null() {
                    container[parent] = json!([{}]);
                }
                container[parent][0][sub] = value;
            }
            Some((parent, sub)) => container[parent][sub] = value,
            None => container[local] = value,
        }
    }
    assert_eq!(t.validate(&user, false), []);
    assert_eq!(t.undeclared(&user), Vec::<String>::new());
}

#[test]
fn undeclared_names_are_listed() {
    let t = target();
    let mut user = valid_user();
    user["nickname2"] = json!("x");
    user["name"]["nickName"] = json!("x");
    user["emails"][0]["verified"] = json!(true);
    user["emails"][1]["verified"] = json!(false);
    user["meta"]["etag"] = json!("x");
    user[ENTERPRISE]["badge"] = json!("x");
    user["urn:example:other"] = json!({"a": 1});
    user["ignoredNull"] = Value::Null;
    assert_eq!(t.validate(&user, false), []);
    assert_eq!(
        t.undeclared(&user),
        [
            "meta.etag".to_owned(),
            "name.nickName".to_owned(),
            "emails.verified".to_owned(),
            format!("{ENTERPRISE}:badge"),
            "nickname2".to_owned(),
            "urn:example:other".to_owned(),
        ]
    );
}

#[test]
fn bare_arrays_and_single_objects_are_accepted() {
    let schemas: Value = serde_json::from_str(SCHEMAS).unwrap();
    let types: Value = serde_json::from_str(RESOURCE_TYPES).unwrap();
    let (t, findings) = TargetSchemas::from_discovery(&schemas["Resources"], &types["Resources"]);
    assert_eq!(findings, []);
    assert_eq!(t.validate(&valid_user(), false), []);
    let (t, findings) =
        TargetSchemas::from_discovery(&schemas["Resources"], &types["Resources"][0]);
    assert_eq!(findings, []);
    assert_eq!(t.resource_types(), ["User"]);
}

#[test]
fn messages_are_short_and_do_not_echo_values() {
    let t = target();
    let long = "x".repeat(5000);
    let mut user = valid_user();
    user["active"] = json!(long);
    user["meta"]["created"] = json!(long);
    let findings = t.validate(&user, false);
    assert_eq!(findings.len(), 2);
    for f in &findings {
        assert!(f.message.chars().count() <= MAX_MESSAGE_CHARS, "{f:?}");
        assert!(!f.message.contains(&"x".repeat(41)), "{f:?}");
    }
    let (_, findings) = TargetSchemas::from_discovery(
        &json!([{"id": long, "attributes": [{"name": long}]}]),
        &json!([]),
    );
    assert!(!findings.is_empty());
    for f in &findings {
        assert!(f.message.chars().count() <= MAX_MESSAGE_CHARS, "{f:?}");
    }
}

#[test]
fn junk_never_panics() {
    let junk = [
        json!(null),
        json!(1),
        json!(-1.5),
        json!("Resources"),
        json!(true),
        json!([]),
        json!({}),
        json!([null, 1, "x", [], {}]),
        json!({"Resources": 5}),
        json!({"Resources": null}),
        json!({"Resources": [null, {"id": null}, {"id": 5, "attributes": 7}]}),
        json!({"Resources": [{"id": "urn:a", "attributes": [null, 1, {"name": null}, {"name": "a", "type": null, "multiValued": null, "subAttributes": {}}]}]}),
        json!([{"id": "urn:a", "attributes": [{"name": "a", "type": "complex", "subAttributes": [{"name": "b", "type": "complex", "subAttributes": [1, {"name": "c", "type": 3, "canonicalValues": 1, "mutability": 3, "required": "yes"}]}]}]}]),
        json!([{"name": "User", "schema": 5, "schemaExtensions": [1, {"schema": null}, {"schema": "urn:a", "required": "true"}]}, {"name": 1, "id": "x"}, {"id": 2}, 7]),
        json!([{"name": "User", "schema": "urn:a", "schemaExtensions": {"schema": "urn:a"}}]),
        json!({"schemas": "urn:a", "meta": {"resourceType": 5}, "a": {"b": [1, {"c": null}]}, "urn:a": 5}),
        json!({"schemas": [1, null, "urn:a"], "meta": "User", "urn:a": {"b": 1}, "a": [[], [null]], "urn:a:a": 1}),
    ];
    for schemas in &junk {
        for types in &junk {
            let (t, _) = TargetSchemas::from_discovery(schemas, types);
            for rt in t.resource_types() {
                for a in t.attributes(rt) {
                    let _ = TargetSchemas::sample_value(&a, "");
                }
            }
            for resource in &junk {
                let _ = t.validate(resource, false);
                let _ = t.validate(resource, true);
                let _ = t.undeclared(resource);
                let _ = t.resource_type_of(resource);
            }
        }
    }
    let junk_attr = DeclaredAttribute {
        path: String::new(),
        kind: "\u{0}".into(),
        multi_valued: true,
        required: true,
        case_exact: true,
        mutability: String::new(),
        returned: String::new(),
        uniqueness: String::new(),
        canonical_values: vec![],
    };
    assert_eq!(TargetSchemas::sample_value(&junk_attr, "é/ü"), None);
    let deep = (0..200).fold(json!({"name": "leaf", "type": "string", "multiValued": false}), |inner, i| {
        json!({"name": format!("n{i}"), "type": "complex", "multiValued": false, "subAttributes": [inner]})
    });
    let (_, findings) =
        TargetSchemas::from_discovery(&json!([{"id": "urn:a", "attributes": [deep]}]), &json!([]));
    assert!(findings.iter().any(|f| f.message.contains("too deeply")));
}

#[test]
fn target_schemas_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<TargetSchemas>();
    assert_send_sync::<Finding>();
    assert_send_sync::<DeclaredAttribute>();
}

/// Discovery documents and a created user, captured from a real server.
fn real_server(schemas: &str, types: &str) -> (TargetSchemas, Vec<Finding>) {
    let schemas: Value = serde_json::from_str(schemas).expect("fixture parses");
    let types: Value = serde_json::from_str(types).expect("fixture parses");
    TargetSchemas::from_discovery(&schemas, &types)
}

fn assert_user_and_group_clean(t: &TargetSchemas, user: &str, group: &str) {
    let user: Value = serde_json::from_str(user).expect("fixture parses");
    let group: Value = serde_json::from_str(group).expect("fixture parses");
    assert_eq!(t.resource_type_of(&user), Some("User"));
    assert_eq!(t.resource_type_of(&group), Some("Group"));
    for resource in [&user, &group] {
        assert_eq!(t.validate(resource, false), []);
        assert_eq!(t.undeclared(resource), Vec::<String>::new());
    }
    // The negative checks fire on real declarations too.
    let mut bad = user.clone();
    bad["active"] = json!("true");
    bad["password"] = json!("secret");
    bad["employeeNumber"] = json!("1");
    assert_eq!(
        paths(&t.validate(&bad, false)),
        ["/active", "/password", "/employeeNumber"]
    );
    let attrs = t.attributes("User");
    assert!(
        attrs
            .iter()
            .any(|a| a.path == format!("{ENTERPRISE}:manager.value"))
    );
    for a in &attrs {
        if a.kind != "complex" {
            assert!(TargetSchemas::sample_value(a, "seed").is_some(), "{a:?}");
        }
    }
}

#[test]
fn reference_server_declarations_are_clean() {
    let (t, findings) = real_server(
        include_str!("../../../tests/fixtures/discovery/reference/schemas.json"),
        include_str!("../../../tests/fixtures/discovery/reference/resource-types.json"),
    );
    assert_eq!(findings, []);
    assert_eq!(t.resource_types(), ["User", "Group"]);
    assert_user_and_group_clean(
        &t,
        include_str!("../../../tests/fixtures/discovery/reference/user.json"),
        include_str!("../../../tests/fixtures/discovery/reference/group.json"),
    );
}

#[test]
fn scim2_server_declarations_are_clean() {
    let (t, findings) = real_server(
        include_str!("../../../tests/fixtures/discovery/scim2-server/schemas.json"),
        include_str!("../../../tests/fixtures/discovery/scim2-server/resource-types.json"),
    );
    assert_eq!(findings, []);
    assert_eq!(t.resource_types(), ["User", "Group"]);
    assert_user_and_group_clean(
        &t,
        include_str!("../../../tests/fixtures/discovery/scim2-server/user.json"),
        include_str!("../../../tests/fixtures/discovery/scim2-server/group.json"),
    );
}
