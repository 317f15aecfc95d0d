//! End-to-end tests of sorting, `.search`, root queries, ETags, tenants, seeding and
//! concurrent use.

use super::*;
use crate::query::SEARCH_REQUEST_URN;
use std::sync::Arc;

fn user_names(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            r["userName"]
                .as_str()
                .or_else(|| r["displayName"].as_str())
                .unwrap_or("?")
                .to_owned()
        })
        .collect()
}

fn create(svc: &ScimService, body: Value) -> Value {
    let resp = call(svc, "POST", "/Users", Some(body));
    assert_eq!(resp.status, 201, "{}", String::from_utf8_lossy(&resp.body));
    json_of(&resp)
}

#[test]
fn sort_orders_case_insensitively_with_missing_values_last() {
    let svc = service();
    for (name, title) in [("carol", Some("b")), ("alice", None), ("Bob", Some("A"))] {
        let mut body = json!({"schemas": [USER_URN], "userName": name});
        if let Some(t) = title {
            body["title"] = json!(t);
        }
        create(&svc, body);
    }
    let get = |q: &str| json_of(&call(&svc, "GET", &format!("/Users?{q}"), None));
    assert_eq!(
        user_names(&get("sortBy=userName")),
        ["alice", "Bob", "carol"]
    );
    assert_eq!(
        user_names(&get("sortBy=USERNAME&sortOrder=descending")),
        ["carol", "Bob", "alice"]
    );
    assert_eq!(
        user_names(&get("sortBy=userName&sortOrder=Ascending")),
        ["alice", "Bob", "carol"]
    );
    // Without a value: last when ascending, first when descending.
    assert_eq!(user_names(&get("sortBy=title")), ["Bob", "carol", "alice"]);
    assert_eq!(
        user_names(&get("sortBy=title&sortOrder=descending")),
        ["alice", "carol", "Bob"]
    );
    // Sorting happens before paging.
    assert_eq!(
        user_names(&get("sortBy=userName&startIndex=2&count=1")),
        ["Bob"]
    );
    // Unknown attributes have no value: creation order stays.
    assert_eq!(
        user_names(&get("sortBy=noSuchThing")),
        ["carol", "alice", "Bob"]
    );
    assert_error(
        &call(&svc, "GET", "/Users?sortBy=userName&sortOrder=up", None),
        400,
        Some("invalidValue"),
    );
    assert_error(
        &call(&svc, "GET", "/Users?sortBy=a..b", None),
        400,
        Some("invalidValue"),
    );
}

#[test]
fn sort_by_sub_attribute_primary_value_and_meta() {
    let svc = service();
    create(
        &svc,
        json!({"schemas": [USER_URN], "userName": "u1", "name": {"familyName": "Zed"},
            "emails": [{"value": "a@x.test"}, {"value": "z@x.test", "primary": true}]}),
    );
    create(
        &svc,
        json!({"schemas": [USER_URN], "userName": "u2", "name": {"familyName": "adams"},
            "emails": [{"value": "m@x.test"}, {"value": "b@x.test"}]}),
    );
    let get = |q: &str| user_names(&json_of(&call(&svc, "GET", &format!("/Users?{q}"), None)));
    assert_eq!(get("sortBy=name.familyName"), ["u2", "u1"]);
    // u1 sorts by its primary email z@, u2 by its first email m@.
    assert_eq!(get("sortBy=emails.value"), ["u2", "u1"]);
    assert_eq!(get("sortBy=emails"), ["u2", "u1"]);
    // u1 changes last: its lastModified is strictly later than u2's creation or equal
    // (then creation order breaks the tie).
    let u1 = json_of(&call(
        &svc,
        "GET",
        "/Users?filter=userName%20eq%20%22u1%22",
        None,
    ));
    let id = u1["Resources"][0]["id"].as_str().unwrap().to_owned();
    call(
        &svc,
        "PATCH",
        &format!("/Users/{id}"),
        patch_body(json!([{"op": "add", "path": "title", "value": "t"}])),
    );
    assert_eq!(
        get("sortBy=meta.lastModified&sortOrder=descending"),
        ["u1", "u2"]
    );
    assert_eq!(
        get("sortBy=urn:ietf:params:scim:schemas:core:2.0:User:userName"),
        ["u1", "u2"]
    );
    let groups = json_of(&call(&svc, "GET", "/Groups?sortBy=displayName", None));
    assert_eq!(groups["totalResults"], 0);
}

#[test]
fn search_endpoints_query_and_never_create() {
    let svc = service();
    for name in ["s-a", "s-b", "s-c", "other"] {
        create_user(&svc, name);
    }
    create_group(&svc, "s-group", &[]);
    let search = |path: &str, body: Value| call(&svc, "POST", path, Some(body));
    let resp = search(
        "/Users/.search",
        json!({"schemas": [SEARCH_REQUEST_URN], "filter": "userName sw \"s-\"",
            "startIndex": 2, "count": 1, "sortBy": "userName", "sortOrder": "descending",
            "attributes": ["userName"]}),
    );
    assert_eq!(resp.status, 200);
    let body = json_of(&resp);
    assert_eq!(
        body["schemas"],
        json!([crate::discovery::LIST_RESPONSE_URN])
    );
    assert_eq!(
        (body["totalResults"].as_u64(), body["startIndex"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(
        body["Resources"],
        json!([{"schemas": [USER_URN], "id": body["Resources"][0]["id"], "userName": "s-b"}])
    );
    // The same query as GET gives the same answer.
    let get = json_of(&call(
        &svc,
        "GET",
        "/Users?filter=userName%20sw%20%22s-%22&startIndex=2&count=1&sortBy=userName&sortOrder=descending&attributes=userName",
        None,
    ));
    assert_eq!(get, body);
    let body = json_of(&search(
        "/Groups/.search",
        json!({"schemas": [SEARCH_REQUEST_URN], "excludedAttributes": ["members"]}),
    ));
    assert_eq!(body["totalResults"], 1);
    // Wrong or missing SearchRequest URN, bad filters, bad shapes.
    for bad in [
        json!({"schemas": [crate::patch::PATCH_OP_URN], "filter": "userName pr"}),
        json!({"filter": "userName pr"}),
        json!([1]),
    ] {
        assert_error(&search("/Users/.search", bad), 400, Some("invalidSyntax"));
    }
    assert_error(
        &search(
            "/Users/.search",
            json!({"schemas": [SEARCH_REQUEST_URN], "filter": "userName zz \"a\""}),
        ),
        400,
        Some("invalidFilter"),
    );
    assert_error(
        &search(
            "/Users/.search",
            json!({"schemas": [SEARCH_REQUEST_URN], "attributes": [1]}),
        ),
        400,
        Some("invalidValue"),
    );
    // Lenient: a comma-separated string and numeric strings are accepted too.
    let body = json_of(&search(
        "/Users/.search",
        json!({"schemas": [SEARCH_REQUEST_URN], "attributes": "userName", "count": "1"}),
    ));
    assert_eq!(body["itemsPerPage"], 1);
    // Searching never creates.
    assert_eq!(svc.resources("User").len(), 4);
    assert_eq!(svc.resources("Group").len(), 1);
}

#[test]
fn root_queries_cover_users_and_groups() {
    let svc = service();
    let u = create_user(&svc, "Root-Thing");
    create_user(&svc, "someone-else");
    let g = create_group(&svc, "root-thing", &[]);
    let body = json_of(&call(
        &svc,
        "POST",
        "/.search",
        Some(json!({"schemas": [SEARCH_REQUEST_URN],
            "filter": "userName eq \"root-thing\" or displayName eq \"ROOT-THING\""})),
    ));
    assert_eq!(body["totalResults"], 2);
    let ids: Vec<&str> = body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id_of(&u), id_of(&g)]);
    assert_eq!(body["Resources"][1]["meta"]["resourceType"], "Group");
    // An attribute a type lacks is "no value": Groups neither match nor fail.
    let body = json_of(&call(
        &svc,
        "GET",
        "/?filter=userName%20eq%20%22Root-Thing%22",
        None,
    ));
    assert_eq!(body["totalResults"], 1);
    assert_eq!(body["Resources"][0]["id"], u["id"]);
    let all = json_of(&call(&svc, "GET", "/?sortBy=meta.created&count=10", None));
    assert_eq!(all["totalResults"], 3);
    let projected = json_of(&call(&svc, "GET", "/?attributes=displayName", None));
    assert_eq!(projected["Resources"][2]["displayName"], "root-thing");
    assert!(projected["Resources"][0].get("userName").is_none());
}

#[test]
fn etags_on_every_single_resource_response() {
    let svc = service();
    let resp = call(
        &svc,
        "POST",
        "/Users",
        Some(json!({"schemas": [USER_URN], "userName": "etag"})),
    );
    let created = json_of(&resp);
    let id = id_of(&created);
    let path = format!("/Users/{id}");
    let v1 = created["meta"]["version"].as_str().unwrap().to_owned();
    assert!(v1.starts_with("W/\"") && v1.ends_with('"'));
    assert_eq!(resp.header("etag"), Some(v1.as_str()));
    let got = call(&svc, "GET", &path, None);
    assert_eq!(got.header("ETag"), Some(v1.as_str()));

    // If-None-Match: 304 without body when current (also in a list, also `*`).
    for tag in [
        v1.clone(),
        format!("W/\"0\", {v1}"),
        "*".into(),
        v1.trim_start_matches("W/").into(),
    ] {
        let req = Request::new("GET", &path)
            .with_bearer(TOKEN)
            .with_header("If-None-Match", &tag);
        let resp = svc.handle(&req, BASE);
        assert_eq!((resp.status, resp.body.len()), (304, 0), "{tag}");
        assert_eq!(resp.header("etag"), Some(v1.as_str()));
    }
    let req = Request::new("GET", &path)
        .with_bearer(TOKEN)
        .with_header("If-None-Match", "W/\"999\"");
    assert_eq!(svc.handle(&req, BASE).status, 200);

    // PATCH and PUT change the version and answer with the new ETag.
    let resp = call(
        &svc,
        "PATCH",
        &path,
        patch_body(json!([{"op": "add", "path": "title", "value": "T"}])),
    );
    let v2 = json_of(&resp)["meta"]["version"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(v2, v1);
    assert_eq!(resp.header("etag"), Some(v2.as_str()));
    let mut put = json_of(&call(&svc, "GET", &path, None));
    put["title"] = json!("U");
    let resp = call(&svc, "PUT", &path, Some(put.clone()));
    let v3 = json_of(&resp)["meta"]["version"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(resp.header("etag"), Some(v3.as_str()));
    assert_ne!(v3, v2);

    // If-Match with a stale version: 412 and nothing changes, for PUT, PATCH and DELETE.
    let with_if_match = |method: &str, tag: &str, body: Option<Value>| {
        let mut req = Request::new(method, &path)
            .with_bearer(TOKEN)
            .with_header("If-Match", tag);
        if let Some(b) = body {
            req = req.with_json(&b);
        }
        svc.handle(&req, BASE)
    };
    let ops = json!({"schemas": [crate::patch::PATCH_OP_URN], "Operations": [{"op": "replace", "path": "title", "value": "stale"}]});
    assert_error(&with_if_match("PATCH", &v1, Some(ops.clone())), 412, None);
    assert_error(&with_if_match("PUT", &v2, Some(put.clone())), 412, None);
    assert_error(&with_if_match("DELETE", &v1, None), 412, None);
    let now = json_of(&call(&svc, "GET", &path, None));
    assert_eq!(
        (now["title"].as_str(), now["meta"]["version"].as_str()),
        (Some("U"), Some(v3.as_str()))
    );
    // The current version (weak or not) or `*` lets the request through.
    assert_eq!(with_if_match("PATCH", &v3, Some(ops)).status, 200);
    let v4 = json_of(&call(&svc, "GET", &path, None))["meta"]["version"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        with_if_match("PUT", v4.trim_start_matches("W/"), Some(put)).status,
        200
    );
    assert_eq!(with_if_match("DELETE", "*", None).status, 204);
}

#[test]
fn idempotent_add_leaves_meta_alone() {
    let svc = service();
    let u = id_of(&create_user(&svc, "member"));
    let g = id_of(&create_group(&svc, "G", &[&u]));
    let path = format!("/Groups/{g}");
    let before = json_of(&call(&svc, "GET", &path, None));
    let resp = call(
        &svc,
        "PATCH",
        &path,
        patch_body(json!([{"op": "add", "path": "members", "value": [{"value": u}]}])),
    );
    assert_eq!(resp.status, 200);
    let after = json_of(&resp);
    assert_eq!(after["members"].as_array().unwrap().len(), 1);
    assert_eq!(after["meta"], before["meta"]);
}

#[test]
fn tenants_are_isolated() {
    let svc = ScimService::new(ServerOptions {
        token: Some(TOKEN.into()),
        tenants: vec!["tenant-b".into(), "tenant-c".into()],
        ..ServerOptions::default()
    });
    let as_b = |method: &str, path: &str, body: Option<Value>| {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let mut req = Request::new(method, path).with_bearer("tenant-b");
        req.query = crate::message::parse_query(query);
        if let Some(b) = body {
            req = req.with_json(&b);
        }
        svc.handle(&req, BASE)
    };
    let a_user = create_user(&svc, "shared-name");
    let a_id = id_of(&a_user);
    // The same userName is free in tenant B; ids of tenant A are unknown there.
    let resp = as_b(
        "POST",
        "/Users",
        Some(json!({"schemas": [USER_URN], "userName": "SHARED-NAME"})),
    );
    assert_eq!(resp.status, 201);
    let b_id = id_of(&json_of(&resp));
    assert_error(&as_b("GET", &format!("/Users/{a_id}"), None), 404, None);
    assert_error(
        &call(&svc, "GET", &format!("/Users/{b_id}"), None),
        404,
        None,
    );
    assert_error(&as_b("DELETE", &format!("/Users/{a_id}"), None), 404, None);
    let list_b = json_of(&as_b("GET", "/Users", None));
    assert_eq!(list_b["totalResults"], 1);
    assert_eq!(list_b["Resources"][0]["id"], b_id.as_str());
    let found = json_of(&call(
        &svc,
        "GET",
        "/Users?filter=userName%20eq%20%22shared-name%22",
        None,
    ));
    assert_eq!(found["Resources"][0]["id"], a_id.as_str());
    // Uniqueness is per tenant, and memberships cannot reach across.
    assert_error(
        &as_b(
            "POST",
            "/Users",
            Some(json!({"schemas": [USER_URN], "userName": "shared-name"})),
        ),
        409,
        Some("uniqueness"),
    );
    let g = json_of(&as_b(
        "POST",
        "/Groups",
        Some(json!({"schemas": [GROUP_URN], "displayName": "g", "members": [{"value": a_id}]})),
    ));
    assert!(g["members"][0].get("$ref").is_none());
    assert!(
        json_of(&call(&svc, "GET", &format!("/Users/{a_id}"), None))
            .get("groups")
            .is_none()
    );
    // Tenant C is empty; an unknown token is refused.
    let req = Request::new("GET", "/Users").with_bearer("tenant-c");
    assert_eq!(json_of(&svc.handle(&req, BASE))["totalResults"], 0);
    let req = Request::new("GET", "/Users").with_bearer("tenant-d");
    assert_error(&svc.handle(&req, BASE), 401, None);
    // Test-support APIs see tenant 0.
    assert_eq!(svc.resources("User").len(), 1);
}

#[test]
fn seeded_users_are_served_and_indexed() {
    let svc = ScimService::new(ServerOptions {
        seed_users: 1500,
        ..ServerOptions::default()
    });
    let get = |q: &str| {
        let (path, query) = q.split_once('?').unwrap_or((q, ""));
        let mut req = Request::new("GET", path);
        req.query = crate::message::parse_query(query);
        json_of(&svc.handle(&req, BASE))
    };
    assert_eq!(get("/Users?count=0")["totalResults"], 1500);
    let one = get("/Users?filter=userName%20eq%20%22SEED-USER-001234%40example.test%22");
    assert_eq!(one["totalResults"], 1);
    let user = &one["Resources"][0];
    assert_eq!(user["userName"], crate::seed::seed_user_name(1234));
    assert_eq!(user["active"], true);
    assert_eq!(user["emails"][0]["primary"], true);
    assert_eq!(user["name"]["givenName"], "Seed");
    assert_eq!(
        get("/Users?filter=name.familyName%20eq%20%22user000042%22")["totalResults"],
        1
    );
}

#[test]
fn display_name_and_external_id_lookups_use_indexes() {
    let svc = service();
    for (i, (display, ext)) in [("Ann Lee", "X-1"), ("ann lee", "x-1"), ("Bo", "X-1")]
        .into_iter()
        .enumerate()
    {
        create(
            &svc,
            json!({"schemas": [USER_URN], "userName": format!("idx{i}"), "displayName": display, "externalId": ext}),
        );
    }
    let count = |f: &str| {
        json_of(&call(&svc, "GET", &format!("/Users?filter={f}"), None))["totalResults"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(count("displayName%20eq%20%22ANN%20LEE%22"), 2);
    assert_eq!(count("externalId%20eq%20%22X-1%22"), 2);
    assert_eq!(
        count("externalId%20eq%20%22x-1%22%20and%20displayName%20eq%20%22ann%20lee%22"),
        1
    );
    // Renaming moves the index entry.
    let id = json_of(&call(
        &svc,
        "GET",
        "/Users?filter=userName%20eq%20%22idx2%22",
        None,
    ))["Resources"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    call(
        &svc,
        "PATCH",
        &format!("/Users/{id}"),
        patch_body(json!([{"op": "replace", "path": "displayName", "value": "ann LEE"}])),
    );
    assert_eq!(count("displayName%20eq%20%22ann%20lee%22"), 3);
    assert_eq!(count("displayName%20eq%20%22Bo%22"), 0);
}

#[test]
fn concurrent_requests_keep_the_store_consistent() {
    let svc = Arc::new(service());
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let svc = Arc::clone(&svc);
            std::thread::spawn(move || {
                let mut created = 0;
                for i in 0..50 {
                    // Every thread races for the same shared names and creates its own.
                    for name in [format!("race-{i}"), format!("own-{t}-{i}")] {
                        let resp = call(
                            &svc,
                            "POST",
                            "/Users",
                            Some(json!({"schemas": [USER_URN], "userName": name})),
                        );
                        match resp.status {
                            201 => created += 1,
                            409 => {}
                            other => panic!("unexpected {other}"),
                        }
                    }
                    let found = json_of(&call(
                        &svc,
                        "GET",
                        &format!("/Users?filter=userName%20eq%20%22own-{t}-{i}%22"),
                        None,
                    ));
                    assert_eq!(found["totalResults"], 1);
                }
                created
            })
        })
        .collect();
    let created: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(created, 8 * 50 + 50);
    let all = svc.resources("User");
    assert_eq!(all.len(), created);
    let mut names: Vec<&str> = all
        .iter()
        .map(|u| u["userName"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), created);
}

#[test]
fn me_is_not_implemented() {
    let svc = service();
    assert_error(&call(&svc, "GET", "/Me", None), 501, None);
    assert_error(&call(&svc, "PATCH", "/Me", None), 501, None);
}
