//! Every tolerated IdP form, accepted by the lenient (default) server and refused by the
//! strict one with a 4xx whose `detail` names the quirk.

use super::*;
use crate::query::SEARCH_REQUEST_URN;

fn strict_service() -> ScimService {
    ScimService::new(ServerOptions {
        token: Some(TOKEN.into()),
        strict: true,
        ..ServerOptions::default()
    })
}

/// Runs `request` against a lenient and a strict server (each prepared by `setup`, which
/// returns the id the request targets). The lenient answer is returned; the strict one
/// must be `status`/`scim_type` with a detail mentioning `words` and `--strict`.
fn both(
    setup: impl Fn(&ScimService) -> String,
    request: impl Fn(&ScimService, &str) -> Response,
    status: u16,
    scim_type: Option<&str>,
    words: &[&str],
) -> (Response, String) {
    let strict = strict_service();
    let id = setup(&strict);
    let resp = request(&strict, &id);
    assert_error(&resp, status, scim_type);
    let detail = json_of(&resp)["detail"].as_str().unwrap().to_owned();
    for w in words.iter().chain(&["--strict"]) {
        assert!(detail.contains(w), "{detail:?} lacks {w:?}");
    }
    let lenient = service();
    let id = setup(&lenient);
    (request(&lenient, &id), id)
}

fn user(svc: &ScimService) -> String {
    id_of(&create_user(svc, "bjensen"))
}

fn patch_user(ops: Value) -> impl Fn(&ScimService, &str) -> Response {
    move |svc, id| {
        call(
            svc,
            "PATCH",
            &format!("/Users/{id}"),
            patch_body(ops.clone()),
        )
    }
}

fn ok(resp: &Response) -> Value {
    assert!(
        (200..300).contains(&resp.status),
        "{} {}",
        resp.status,
        String::from_utf8_lossy(&resp.body)
    );
    json_of(resp)
}

#[test]
fn capitalised_ops() {
    for op in ["Replace", "Add", "REPLACE"] {
        let (resp, _) = both(
            user,
            patch_user(json!([{"op": op, "path": "title", "value": "T"}])),
            400,
            Some("invalidSyntax"),
            &[
                &format!(
                    "op \"{op}\" is not an RFC 7644 operation; use \"{}\"",
                    op.to_lowercase()
                ),
                "Entra",
            ],
        );
        assert_eq!(ok(&resp)["title"], "T");
    }
    let (resp, _) = both(
        user,
        patch_user(json!([{"op": "Remove", "path": "title"}])),
        400,
        Some("invalidSyntax"),
        &["use \"remove\""],
    );
    ok(&resp);
}

#[test]
fn string_booleans_in_three_casings() {
    for (s, expected) in [("False", false), ("false", false), ("TRUE", true)] {
        let (resp, _) = both(
            user,
            patch_user(json!([{"op": "replace", "path": "active", "value": s}])),
            400,
            Some("invalidValue"),
            &[
                &format!("the string \"{s}\" for the boolean 'active'"),
                "Entra",
            ],
        );
        assert_eq!(ok(&resp)["active"], expected);
    }
    let (resp, _) = both(
        |_| String::new(),
        |svc, _| {
            call(
                svc,
                "POST",
                "/Users",
                Some(
                    json!({"schemas": [USER_URN], "userName": "b", "active": "False",
                    "emails": [{"value": "a@x", "primary": "true"}]}),
                ),
            )
        },
        400,
        Some("invalidValue"),
        &["boolean"],
    );
    let body = ok(&resp);
    assert_eq!(
        (
            body["active"].as_bool(),
            body["emails"][0]["primary"].as_bool()
        ),
        (Some(false), Some(true))
    );
}

#[test]
fn member_removal_by_value_list() {
    let setup = |svc: &ScimService| {
        let u1 = id_of(&create_user(svc, "u1"));
        let u2 = id_of(&create_user(svc, "u2"));
        let g = id_of(&create_group(svc, "G", &[&u1, &u2]));
        format!("{g} {u1} {u2}")
    };
    let (resp, ids) = both(
        setup,
        |svc, ids| {
            let parts: Vec<&str> = ids.split(' ').collect();
            call(
                svc,
                "PATCH",
                &format!("/Groups/{}", parts[0]),
                patch_body(
                    json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": parts[1]}]}]),
                ),
            )
        },
        400,
        Some("invalidSyntax"),
        &["Remove"],
    );
    let members: Vec<String> = ok(&resp)["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(members, [ids.split(' ').nth(2).unwrap()]);
    // The lower-case form is refused by the strict server for the value list itself.
    let (resp, _) = both(
        setup,
        |svc, ids| {
            let parts: Vec<&str> = ids.split(' ').collect();
            call(
                svc,
                "PATCH",
                &format!("/Groups/{}", parts[0]),
                patch_body(
                    json!([{"op": "remove", "path": "members", "value": [{"value": parts[1]}]}]),
                ),
            )
        },
        400,
        Some("invalidValue"),
        &[
            "'remove' of 'members' with a 'value' list",
            "members[value eq",
        ],
    );
    assert_eq!(ok(&resp)["members"].as_array().unwrap().len(), 1);
}

#[test]
fn pathless_values_with_dotted_and_urn_keys() {
    let (resp, _) = both(
        user,
        patch_user(
            json!([{"op": "replace", "value": {"name.givenName": "G", "displayName": "D"}}]),
        ),
        400,
        Some("invalidPath"),
        &["'name.givenName'", "Microsoft SCIM Validator"],
    );
    let body = ok(&resp);
    assert_eq!(
        (
            body["name"]["givenName"].as_str(),
            body["displayName"].as_str()
        ),
        (Some("G"), Some("D"))
    );
    let (resp, _) = both(
        user,
        patch_user(json!([{"op": "replace", "value": {
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "R&D"}}])),
        400,
        Some("invalidPath"),
        &["enterprise:2.0:User:department"],
    );
    assert_eq!(ok(&resp)[ENTERPRISE_URN]["department"], "R&D");
    let (resp, _) = both(
        user,
        patch_user(json!([{"op": "add", "value": {ENTERPRISE_URN: {"manager.value": "m"}}}])),
        400,
        Some("invalidPath"),
        &["'manager.value'"],
    );
    assert_eq!(ok(&resp)[ENTERPRISE_URN]["manager"]["value"], "m");
    // The RFC form (plain names, the extension URN holding an object) passes in strict mode.
    let strict = strict_service();
    let id = user(&strict);
    let body = ok(&call(
        &strict,
        "PATCH",
        &format!("/Users/{id}"),
        patch_body(
            json!([{"op": "replace", "value": {"name": {"givenName": "G"},
            ENTERPRISE_URN: {"department": "D"}}}]),
        ),
    ));
    assert_eq!(body["name"]["givenName"], "G");
}

#[test]
fn filtered_replace_that_matches_nothing() {
    let (resp, _) = both(
        user,
        patch_user(
            json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "w@x.test"}]),
        ),
        400,
        Some("invalidSyntax"),
        &["Replace"],
    );
    assert_eq!(
        ok(&resp)["emails"],
        json!([{"value": "w@x.test", "type": "work"}])
    );
    let (resp, _) = both(
        user,
        patch_user(
            json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "w@x.test"}]),
        ),
        400,
        Some("noTarget"),
        &["Entra expects a filtered replace to create the value"],
    );
    assert_eq!(ok(&resp)["emails"][0]["type"], "work");
    // Not a canonical type: noTarget in both modes (RFC 7644 §3.5.2.3).
    let lenient = service();
    let id = user(&lenient);
    for path in ["emails[type eq \"none\"].value", "emails[value eq \"x@y\"]"] {
        assert_error(
            &patch_user(json!([{"op": "replace", "path": path, "value": "x"}]))(&lenient, &id),
            400,
            Some("noTarget"),
        );
    }
}

#[test]
fn bare_string_references() {
    let manager_path = format!("{ENTERPRISE_URN}:manager");
    let (resp, _) = both(
        user,
        patch_user(json!([{"op": "add", "path": manager_path, "value": "271"}])),
        400,
        Some("invalidValue"),
        &["the bare string \"271\"", "{\"value\": \"271\"}", "Entra"],
    );
    assert_eq!(ok(&resp)[ENTERPRISE_URN]["manager"]["value"], "271");
    let (resp, _) = both(
        |_| String::new(),
        |svc, _| {
            call(
                svc,
                "POST",
                "/Users",
                Some(
                    json!({"schemas": [USER_URN, ENTERPRISE_URN], "userName": "m",
                    ENTERPRISE_URN: {"manager": "boss"}}),
                ),
            )
        },
        400,
        Some("invalidValue"),
        &["bare string"],
    );
    assert_eq!(ok(&resp)[ENTERPRISE_URN]["manager"]["value"], "boss");
    let (resp, _) = both(
        |svc| id_of(&create_user(svc, "member")),
        |svc, id| {
            call(
                svc,
                "POST",
                "/Groups",
                Some(json!({"schemas": [GROUP_URN], "displayName": "G", "members": [id]})),
            )
        },
        400,
        Some("invalidValue"),
        &["'members'"],
    );
    assert_eq!(ok(&resp)["members"].as_array().unwrap().len(), 1);
}

#[test]
fn empty_value_clears_a_manager() {
    let setup = |svc: &ScimService| {
        let resp = call(
            svc,
            "POST",
            "/Users",
            Some(
                json!({"schemas": [USER_URN, ENTERPRISE_URN], "userName": "m",
                ENTERPRISE_URN: {"manager": {"value": "boss"}, "department": "D"}}),
            ),
        );
        id_of(&json_of(&resp))
    };
    let (resp, _) = both(
        setup,
        patch_user(
            json!([{"op": "replace", "path": format!("{ENTERPRISE_URN}:manager"), "value": {"value": ""}}]),
        ),
        400,
        Some("invalidValue"),
        &["{\"value\": \"\"}", "'remove'"],
    );
    assert_eq!(ok(&resp)[ENTERPRISE_URN], json!({"department": "D"}));
}

#[test]
fn foreign_schema_urns_in_bodies() {
    let (resp, _) = both(
        |_| String::new(),
        |svc, _| {
            call(
                svc,
                "POST",
                "/Users",
                Some(json!({"schemas": ["urn:scim:schemas:core:1.0", USER_URN], "userName": "g"})),
            )
        },
        400,
        Some("invalidSyntax"),
        &["SCIM 1.0", "Google"],
    );
    assert_eq!(ok(&resp)["schemas"], json!([USER_URN]));
    let ms = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
    let (resp, _) = both(
        |_| String::new(),
        |svc, _| {
            call(
                svc,
                "POST",
                "/Groups",
                Some(
                    json!({"schemas": [GROUP_URN, ms], "displayName": "G", "meta": {"resourceType": "Group"}}),
                ),
            )
        },
        400,
        Some("invalidSyntax"),
        &[ms],
    );
    assert_eq!(ok(&resp)["schemas"], json!([GROUP_URN]));
}

#[test]
fn application_json_bodies() {
    let post = |svc: &ScimService, _: &str| {
        let mut req = Request::new("POST", "/Users")
            .with_bearer(TOKEN)
            .with_header("Content-Type", "application/json; charset=utf-8");
        req.body = json!({"schemas": [USER_URN], "userName": "google"})
            .to_string()
            .into_bytes();
        svc.handle(&req, BASE)
    };
    let (resp, _) = both(
        |_| String::new(),
        post,
        415,
        None,
        &["application/scim+json", "Google"],
    );
    assert_eq!(resp.status, 201);
}

#[test]
fn read_only_echo_in_pathless_values() {
    let setup = |svc: &ScimService| id_of(&create_group(svc, "Old", &[]));
    let (resp, _) = both(
        setup,
        |svc, id| {
            call(
                svc,
                "PATCH",
                &format!("/Groups/{id}"),
                patch_body(json!([{"op": "replace", "value": {"id": id, "displayName": "New"}}])),
            )
        },
        400,
        Some("mutability"),
        &["readOnly attribute 'id'", "Okta"],
    );
    assert_eq!(ok(&resp)["displayName"], "New");
}

#[test]
fn string_booleans_in_filters() {
    let setup = |svc: &ScimService| {
        let id = user(svc);
        call(
            svc,
            "PATCH",
            &format!("/Users/{id}"),
            patch_body(json!([{"op": "replace", "path": "active", "value": true}])),
        );
        id
    };
    let (resp, _) = both(
        setup,
        |svc, _| call(svc, "GET", "/Users?filter=active%20eq%20%22True%22", None),
        400,
        Some("invalidFilter"),
        &["JSON literal true"],
    );
    assert_eq!(ok(&resp)["totalResults"], 1);
}

#[test]
fn search_request_lists_as_strings() {
    let (resp, _) = both(
        user,
        |svc, _| {
            call(
                svc,
                "POST",
                "/Users/.search",
                Some(json!({"schemas": [SEARCH_REQUEST_URN], "attributes": "userName"})),
            )
        },
        400,
        Some("invalidValue"),
        &[],
    );
    assert_eq!(ok(&resp)["totalResults"], 1);
}
