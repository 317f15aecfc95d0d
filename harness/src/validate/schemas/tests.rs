use serde_json::{Value, json};

use super::pointer::percent_decode;
use super::violation::{MAX_MESSAGE_CHARS, starts_with_requirement_id};
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
