//! End-to-end tests of groups, the enterprise extension, routing and test-support APIs.

use super::*;

#[test]
fn groups_members_and_derived_user_groups() {
    let svc = service();
    let mut u1 = create_user(&svc, "u1");
    let u2 = create_user(&svc, "u2");
    let (id1, id2) = (id_of(&u1), id_of(&u2));
    call(
        &svc,
        "PATCH",
        &format!("/Users/{id1}"),
        patch_body(json!([{"op": "add", "path": "displayName", "value": "User One"}])),
    );
    let group = create_group(&svc, "Admins", &[&id1, &id2]);
    let gid = id_of(&group);
    assert_eq!(
        group["members"][0],
        json!({"value": id1, "$ref": format!("{BASE}/Users/{id1}"), "type": "User", "display": "User One"})
    );
    assert_eq!(group["members"][1]["display"], "u2");
    assert_error(
        &call(
            &svc,
            "POST",
            "/Groups",
            Some(json!({"schemas": [GROUP_URN], "displayName": "admins"})),
        ),
        409,
        Some("uniqueness"),
    );

    u1 = json_of(&call(&svc, "GET", &format!("/Users/{id1}"), None));
    assert_eq!(
        u1["groups"],
        json!([{"value": gid, "$ref": format!("{BASE}/Groups/{gid}"), "display": "Admins", "type": "direct"}])
    );
    let filtered = json_of(&call(
        &svc,
        "GET",
        &format!("/Users?filter=groups.value%20eq%20%22{gid}%22"),
        None,
    ));
    assert_eq!(filtered["totalResults"], 2);

    let slim = json_of(&call(
        &svc,
        "GET",
        &format!("/Groups/{gid}?excludedAttributes=members"),
        None,
    ));
    assert!(slim.get("members").is_none() && slim["displayName"] == "Admins");
    let slim_list = json_of(&call(
        &svc,
        "GET",
        "/Groups?excludedAttributes=members",
        None,
    ));
    assert!(slim_list["Resources"][0].get("members").is_none());

    // Okta: remove one by filter, add another; Entra: remove by value list.
    let resp = call(
        &svc,
        "PATCH",
        &format!("/Groups/{gid}"),
        patch_body(json!([
            {"op": "remove", "path": format!("members[value eq \"{id1}\"]")},
            {"op": "Remove", "path": "members", "value": [{"value": id2}]},
        ])),
    );
    assert_eq!(resp.status, 200);
    assert!(json_of(&resp).get("members").is_none());
    assert!(
        json_of(&call(&svc, "GET", &format!("/Users/{id1}"), None))
            .get("groups")
            .is_none()
    );

    call(
        &svc,
        "PATCH",
        &format!("/Groups/{gid}"),
        patch_body(
            json!([{"op": "add", "path": "members", "value": [{"value": id1}, {"value": id2}]}]),
        ),
    );
    assert_eq!(
        call(&svc, "DELETE", &format!("/Users/{id1}"), None).status,
        204
    );
    let group = json_of(&call(&svc, "GET", &format!("/Groups/{gid}"), None));
    assert_eq!(group["members"].as_array().unwrap().len(), 1);
    assert_eq!(group["members"][0]["value"], id2.as_str());
}

#[test]
fn enterprise_manager_is_enriched() {
    let svc = service();
    let boss = create_user(&svc, "boss");
    let boss_id = id_of(&boss);
    let resp = call(
        &svc,
        "POST",
        "/Users",
        Some(json!({
            "schemas": [USER_URN, ENTERPRISE_URN], "userName": "worker",
            ENTERPRISE_URN: {"employeeNumber": "42", "manager": {"value": boss_id, "displayName": "Fake"}}
        })),
    );
    let body = json_of(&resp);
    assert_eq!(body["schemas"], json!([USER_URN, ENTERPRISE_URN]));
    assert_eq!(
        body[ENTERPRISE_URN]["manager"],
        json!({"value": boss_id, "$ref": format!("{BASE}/Users/{boss_id}"), "displayName": "boss"})
    );
    let only = json_of(&call(
        &svc,
        "GET",
        &format!(
            "/Users/{}?attributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            id_of(&body)
        ),
        None,
    ));
    assert_eq!(only[ENTERPRISE_URN], json!({"employeeNumber": "42"}));
    assert!(only.get("userName").is_none());
}

#[test]
fn password_is_never_returned() {
    let svc = service();
    let resp = call(
        &svc,
        "POST",
        "/Users",
        Some(json!({"schemas": [USER_URN], "userName": "pw", "password": "hunter2"})),
    );
    let id = id_of(&json_of(&resp));
    for path in [
        format!("/Users/{id}"),
        format!("/Users/{id}?attributes=password"),
        "/Users".into(),
        "/Users?attributes=password".into(),
    ] {
        let text = String::from_utf8_lossy(&call(&svc, "GET", &path, None).body).into_owned();
        assert!(
            !text.contains("hunter2") && !text.contains("password"),
            "{path}: {text}"
        );
    }
    assert_error(
        &call(
            &svc,
            "PATCH",
            &format!("/Users/{id}"),
            patch_body(json!([{"op": "replace", "path": "password", "value": "x"}])),
        ),
        400,
        Some("mutability"),
    );
}

#[test]
fn routing_errors() {
    let svc = service();
    assert_error(&call(&svc, "GET", "/NoSuchEndpoint", None), 404, None);
    assert_error(&call(&svc, "GET", "/Users/a/b", None), 404, None);
    let resp = call(&svc, "DELETE", "/Users", None);
    assert_error(&resp, 405, None);
    assert_eq!(resp.header("allow"), Some("GET, POST"));
    assert_error(
        &call(&svc, "POST", "/ServiceProviderConfig", None),
        405,
        None,
    );
    assert_error(&call(&svc, "POST", "/Users/x", None), 405, None);
    assert_error(&call(&svc, "GET", "/Me", None), 501, None);
    assert_error(&call(&svc, "GET", "/Bulk", None), 405, None);
    assert_error(&call(&svc, "GET", "/Users/.search", None), 405, None);
    assert_error(&call(&svc, "PUT", "/", Some(json!({}))), 405, None);
    assert_error(
        &call(
            &svc,
            "GET",
            "/Schemas/urn:ietf:params:scim:api:messages:2.0:ListResponse",
            None,
        ),
        404,
        None,
    );
    assert_error(
        &call(
            &svc,
            "GET",
            "/ResourceTypes?filter=name%20eq%20%22User%22",
            None,
        ),
        403,
        None,
    );
    assert_eq!(call(&svc, "GET", "/users/", None).status, 200);
    let schemas = json_of(&call(
        &svc,
        "GET",
        "/Schemas?count=1&startIndex=2&sortBy=name",
        None,
    ));
    assert_eq!(schemas["totalResults"], 3);
}

#[test]
fn discovery_documents_use_the_base_url() {
    let svc = service();
    let spc = json_of(&call(&svc, "GET", "/ServiceProviderConfig", None));
    assert_eq!(
        spc["meta"]["location"],
        format!("{BASE}/ServiceProviderConfig")
    );
    let rt = json_of(&call(&svc, "GET", "/ResourceTypes/Group", None));
    assert_eq!(rt["schema"], GROUP_URN);
    // Documents are kept once written, per base URL: another host gets its own, and the
    // first host still gets the same bytes.
    let first = svc.handle(&Request::new("GET", "/ServiceProviderConfig"), BASE);
    let other = svc.handle(
        &Request::new("GET", "/ServiceProviderConfig"),
        "https://proxy.example/scim",
    );
    assert_eq!(
        json_of(&other)["meta"]["location"],
        "https://proxy.example/scim/ServiceProviderConfig"
    );
    let again = svc.handle(&Request::new("GET", "/ServiceProviderConfig"), BASE);
    assert_eq!(again.body, first.body);
    assert_eq!(json_of(&again), spc);
    let filtered = svc.handle(
        &Request::new("GET", "/ServiceProviderConfig").with_query("filter", "x eq 1"),
        BASE,
    );
    assert_eq!(filtered.status, 403, "a filter is refused, cached or not");
}

#[test]
fn insert_and_resources_support_tests() {
    let svc = service();
    let user = svc.insert("User", json!({"userName": "fixture"})).unwrap();
    assert_eq!(
        user["meta"]["location"],
        format!("/scim/v2/Users/{}", id_of(&user))
    );
    assert_eq!(svc.resources("User"), vec![user.clone()]);
    assert!(svc.insert("User", json!({"userName": "FIXTURE"})).is_err());
    assert!(svc.insert("Widget", json!({})).is_err());
    assert!(svc.resources("Widget").is_empty());
    let group = svc.insert("groups", json!({"schemas": [GROUP_URN], "displayName": "G", "members": [{"value": id_of(&user)}]})).unwrap();
    assert_eq!(group["members"][0]["type"], "User");
    assert_eq!(svc.resources("user")[0]["groups"][0]["value"], group["id"]);
    let listed = json_of(&call(&svc, "GET", "/Users", None));
    assert_eq!(listed["totalResults"], 1);
}

#[test]
fn service_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<ScimService>();
}

/// Deterministic pseudo-random inputs built from grammar fragments: nothing may panic,
/// and every answer must be a well-formed SCIM response.
#[test]
fn odd_inputs_never_panic() {
    const FRAGMENTS: [&str; 32] = [
        "userName",
        "emails",
        "members",
        "name",
        ".",
        "familyName",
        "[",
        "]",
        "(",
        ")",
        "\"",
        "\"x\"",
        " eq ",
        " and ",
        " or ",
        "not",
        " pr",
        "true",
        "-1.5e3",
        "\\",
        "é",
        "value",
        "type",
        "$ref",
        "urn:ietf:params:scim:schemas:core:2.0:User:",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ":",
        " ",
        "gt",
        "null",
        "manager",
        "\"\\u00e9\"",
    ];
    let svc = service();
    let user = create_user(&svc, "fuzz");
    let path = format!("/Users/{}", id_of(&user));
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..1500 {
        let len = 1 + next() % 10;
        let text: String = (0..len)
            .map(|_| FRAGMENTS[(next() % FRAGMENTS.len() as u64) as usize])
            .collect();
        let _ = crate::filter::Filter::parse_for(ResourceKind::User, &text);
        let _ = crate::path::PatchPath::parse(&text);
        let _ = crate::filter::AttrPath::parse(&text);
        let mut req = Request::new("GET", "/Users").with_bearer(TOKEN);
        req.query = vec![
            ("filter".into(), text.clone()),
            ("attributes".into(), text.clone()),
        ];
        let resp = svc.handle(&req, BASE);
        assert!(matches!(resp.status, 200 | 400), "{text}: {}", resp.status);
        assert!(resp.json().is_some());
        let ops = [
            json!({"op": "add", "path": text, "value": "v"}),
            json!({"op": "replace", "value": {text.clone(): [1, {"value": "x"}]}}),
            json!({"op": "remove", "path": text, "value": [{"value": "x"}]}),
        ];
        for op in ops {
            let resp = call(&svc, "PATCH", &path, patch_body(json!([op])));
            assert!(
                matches!(resp.status, 200 | 400 | 409),
                "{text}: {}",
                resp.status
            );
        }
    }
    for body in [
        json!(null),
        json!(5),
        json!("s"),
        json!({"schemas": null}),
        json!({"schemas": [USER_URN], "userName": {"a": 1}}),
        json!({"schemas": [USER_URN], "userName": "n", "name": [1]}),
    ] {
        assert_eq!(
            call(&svc, "POST", "/Users", Some(body.clone())).status,
            400,
            "{body}"
        );
        assert_eq!(call(&svc, "PATCH", &path, Some(body)).status, 400);
    }
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let mut req = Request::new("POST", "/Users").with_bearer(TOKEN);
    req.body = deep.into_bytes();
    assert_eq!(svc.handle(&req, BASE).status, 400);
}
