//! End-to-end tests of `ScimService::handle`: status codes, headers and bodies.

use super::*;
use crate::error::ERROR_URN;
use crate::message::SCIM_MEDIA_TYPE;
use crate::schema::{ENTERPRISE_URN, GROUP_URN, USER_URN};
use serde_json::json;

const BASE: &str = "http://scim.test/scim/v2";
const TOKEN: &str = "s3cr3t-token";

fn service() -> ScimService {
    ScimService::new(ServerOptions {
        token: Some(TOKEN.into()),
        base_path: "/scim/v2".into(),
        ..ServerOptions::default()
    })
}

fn call(svc: &ScimService, method: &str, path: &str, body: Option<Value>) -> Response {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let mut req = Request::new(method, path).with_bearer(TOKEN);
    req.query = crate::message::parse_query(query);
    if let Some(body) = body {
        req = req.with_json(&body);
    }
    svc.handle(&req, BASE)
}

fn json_of(resp: &Response) -> Value {
    resp.json()
        .unwrap_or_else(|| panic!("not JSON: {:?}", String::from_utf8_lossy(&resp.body)))
}

fn assert_error(resp: &Response, status: u16, scim_type: Option<&str>) {
    assert_eq!(
        resp.status,
        status,
        "{}",
        String::from_utf8_lossy(&resp.body)
    );
    assert_eq!(resp.header("content-type"), Some(SCIM_MEDIA_TYPE));
    let body = json_of(resp);
    assert_eq!(body["schemas"], json!([ERROR_URN]));
    assert_eq!(body["status"], json!(status.to_string()));
    assert_eq!(body["scimType"].as_str(), scim_type, "{body}");
    assert!(body["detail"].is_string());
}

fn create_user(svc: &ScimService, user_name: &str) -> Value {
    let resp = call(
        svc,
        "POST",
        "/Users",
        Some(json!({"schemas": [USER_URN], "userName": user_name})),
    );
    assert_eq!(resp.status, 201, "{}", String::from_utf8_lossy(&resp.body));
    json_of(&resp)
}

fn create_group(svc: &ScimService, name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    let resp = call(
        svc,
        "POST",
        "/Groups",
        Some(json!({"schemas": [GROUP_URN], "displayName": name, "members": members})),
    );
    assert_eq!(resp.status, 201, "{}", String::from_utf8_lossy(&resp.body));
    json_of(&resp)
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

fn patch_body(ops: Value) -> Option<Value> {
    Some(json!({"schemas": [crate::patch::PATCH_OP_URN], "Operations": ops}))
}

#[test]
fn authentication() {
    let svc = service();
    let resp = svc.handle(&Request::new("GET", "/Users"), BASE);
    assert_error(&resp, 401, None);
    assert_eq!(
        resp.header("www-authenticate"),
        Some("Bearer realm=\"scim\"")
    );
    let resp = svc.handle(&Request::new("GET", "/Users").with_bearer("garbage"), BASE);
    assert_error(&resp, 401, None);
    let resp = svc.handle(
        &Request::new("GET", "/Users").with_header("Authorization", "Basic czNjcjN0"),
        BASE,
    );
    assert_error(&resp, 401, None);
    let resp = svc.handle(
        &Request::new("GET", "/Users").with_header("authorization", &format!("bearer {TOKEN}")),
        BASE,
    );
    assert_eq!(resp.status, 200);
    for path in [
        "/ServiceProviderConfig",
        "/ResourceTypes",
        "/ResourceTypes/User",
        "/Schemas",
        "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
    ] {
        let resp = svc.handle(&Request::new("GET", path), BASE);
        assert_eq!(resp.status, 200, "{path}");
        assert_eq!(resp.header("Content-Type"), Some(SCIM_MEDIA_TYPE));
    }
    let open = ScimService::new(ServerOptions::default());
    assert_eq!(
        open.handle(&Request::new("GET", "/Users"), BASE).status,
        200
    );
}

#[test]
fn constant_time_comparison() {
    assert!(constant_time_eq(b"abc", b"abc"));
    assert!(!constant_time_eq(b"abc", b"abd"));
    assert!(!constant_time_eq(b"abc", b"abcd"));
    assert!(!constant_time_eq(b"", b"a"));
    assert!(constant_time_eq(b"", b""));
}

#[test]
fn create_user_returns_201_location_and_meta() {
    let svc = service();
    let resp = call(
        &svc,
        "POST",
        "/Users",
        Some(json!({
            "schemas": [USER_URN], "userName": "bjensen", "id": "client-chosen",
            "meta": {"created": "1999-01-01T00:00:00Z", "resourceType": "Bogus", "location": "http://evil/"},
            "externalId": "AbC-xY", "name": {"givenName": "Zoë 测试 𝄞"}, "password": "p@ss",
            "groups": [{"value": "g"}]
        })),
    );
    assert_eq!(resp.status, 201);
    assert_eq!(resp.header("content-type"), Some(SCIM_MEDIA_TYPE));
    let body = json_of(&resp);
    let id = id_of(&body);
    assert_ne!(id, "client-chosen");
    let location = format!("{BASE}/Users/{id}");
    assert_eq!(resp.header("location"), Some(location.as_str()));
    assert_eq!(body["meta"]["location"], location.as_str());
    assert_eq!(body["meta"]["resourceType"], "User");
    assert_eq!(body["meta"]["created"], body["meta"]["lastModified"]);
    assert!(body["meta"]["created"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["meta"]["created"].as_str().unwrap().len(), 24);
    assert!(
        body["meta"]["version"]
            .as_str()
            .unwrap()
            .starts_with("W/\"")
    );
    assert_eq!(body["externalId"], "AbC-xY");
    assert_eq!(body["name"]["givenName"], "Zoë 测试 𝄞");
    assert!(body.get("password").is_none() && body.get("groups").is_none());
    let got = call(&svc, "GET", &format!("/Users/{id}"), None);
    assert_eq!(got.status, 200);
    assert_eq!(json_of(&got), body);
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["schemas", "id", "externalId", "userName", "name", "meta"]
    );
}

#[test]
fn create_errors() {
    let svc = service();
    let mut req = Request::new("POST", "/Users")
        .with_bearer(TOKEN)
        .with_header("Content-Type", "application/scim+json");
    req.body = b"{not json".to_vec();
    assert_error(&svc.handle(&req, BASE), 400, Some("invalidSyntax"));
    req.body = Vec::new();
    assert_error(&svc.handle(&req, BASE), 400, Some("invalidSyntax"));
    assert_error(
        &call(&svc, "POST", "/Users", Some(json!({"userName": "x"}))),
        400,
        Some("invalidSyntax"),
    );
    assert_error(
        &call(&svc, "POST", "/Users", Some(json!({"schemas": [USER_URN]}))),
        400,
        Some("invalidValue"),
    );
    assert_error(
        &call(
            &svc,
            "POST",
            "/Users",
            Some(json!({"schemas": [USER_URN], "userName": ""})),
        ),
        400,
        Some("invalidValue"),
    );
    assert_error(
        &call(
            &svc,
            "POST",
            "/Users",
            Some(json!({"schemas": [USER_URN], "userName": "a", "active": "maybe"})),
        ),
        400,
        Some("invalidValue"),
    );
    assert_error(
        &call(
            &svc,
            "POST",
            "/Users",
            Some(json!({"schemas": [USER_URN], "userName": "a", "emails": [
            {"value": "a@x", "primary": true}, {"value": "b@x", "primary": true}]})),
        ),
        400,
        Some("invalidValue"),
    );
    assert_error(
        &call(
            &svc,
            "POST",
            "/Groups",
            Some(json!({"schemas": [GROUP_URN]})),
        ),
        400,
        Some("invalidValue"),
    );
    let mut req = Request::new("POST", "/Users")
        .with_bearer(TOKEN)
        .with_header("Content-Type", "text/plain");
    req.body =
        br#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"t"}"#.to_vec();
    assert_error(&svc.handle(&req, BASE), 415, None);
    assert!(svc.resources("User").is_empty());
}

#[test]
fn media_types_accepted() {
    let svc = service();
    for (i, ct) in [
        "application/scim+json",
        "application/scim+json; charset=utf-8",
        "application/json",
        "Application/JSON;charset=UTF-8",
    ]
    .iter()
    .enumerate()
    {
        let mut req = Request::new("POST", "/Users")
            .with_bearer(TOKEN)
            .with_header("Content-Type", ct);
        req.body = json!({"schemas": [USER_URN], "userName": format!("u{i}")})
            .to_string()
            .into_bytes();
        assert_eq!(svc.handle(&req, BASE).status, 201, "{ct}");
    }
    let mut req = Request::new("POST", "/Users").with_bearer(TOKEN);
    req.body = json!({"schemas": [USER_URN], "userName": "no-content-type"})
        .to_string()
        .into_bytes();
    assert_eq!(svc.handle(&req, BASE).status, 201);
}

#[test]
fn case_insensitive_names_and_scim1_urn() {
    let svc = service();
    let resp = call(
        &svc,
        "POST",
        "/Users",
        Some(json!({
            "schemas": ["urn:scim:schemas:core:1.0", USER_URN], "USERNAME": "Mixed.Case", "Name": {"GivenName": "g"}
        })),
    );
    assert_eq!(resp.status, 201);
    let body = json_of(&resp);
    assert_eq!(body["userName"], "Mixed.Case");
    assert_eq!(body["name"]["givenName"], "g");
    assert_eq!(body["schemas"], json!([USER_URN]));
    assert_error(
        &call(
            &svc,
            "POST",
            "/Users",
            Some(json!({"schemas": [USER_URN], "userName": "mixed.case"})),
        ),
        409,
        Some("uniqueness"),
    );
}

#[test]
fn get_and_list() {
    let svc = service();
    assert_error(&call(&svc, "GET", "/Users/does-not-exist", None), 404, None);
    for name in ["run-a", "run-b", "run-c", "other"] {
        create_user(&svc, name);
    }
    let list = json_of(&call(
        &svc,
        "GET",
        "/Users?filter=userName+sw+%22RUN-%22&count=2&startIndex=2&x-harness-unknown=1",
        None,
    ));
    assert_eq!(
        list["schemas"],
        json!([crate::discovery::LIST_RESPONSE_URN])
    );
    assert_eq!(
        (
            list["totalResults"].as_u64(),
            list["startIndex"].as_u64(),
            list["itemsPerPage"].as_u64()
        ),
        (Some(3), Some(2), Some(2))
    );
    let names: Vec<&str> = list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["run-b", "run-c"]);
    let none = json_of(&call(
        &svc,
        "GET",
        "/Users?filter=userName%20eq%20%22nobody%22",
        None,
    ));
    assert_eq!(
        (
            none["totalResults"].as_u64(),
            none["Resources"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );
    assert_error(
        &call(
            &svc,
            "GET",
            "/Users?filter=userName%20regex%20%22a%22",
            None,
        ),
        400,
        Some("invalidFilter"),
    );
    assert_error(
        &call(&svc, "GET", "/Users?filter=active%20gt%20true", None),
        400,
        Some("invalidFilter"),
    );
    let projected = json_of(&call(
        &svc,
        "GET",
        "/Users?attributes=userName&count=1",
        None,
    ));
    assert_eq!(projected["Resources"][0].as_object().unwrap().len(), 3);
}

#[test]
fn put_replaces_and_ignores_read_only() {
    let svc = service();
    let user = create_user(&svc, "put-me");
    let id = id_of(&user);
    let other = create_user(&svc, "taken");
    let mut echoed = user.clone();
    echoed["displayName"] = json!("Shown");
    echoed["meta"]["created"] = json!("1999-01-01T00:00:00Z");
    echoed["groups"] = json!([{"value": "bogus"}]);
    echoed["id"] = json!("ignored");
    let resp = call(&svc, "PUT", &format!("/Users/{id}"), Some(echoed));
    assert_eq!(resp.status, 200);
    let body = json_of(&resp);
    assert_eq!(body["id"], id.as_str());
    assert_eq!(body["displayName"], "Shown");
    assert_eq!(body["meta"]["created"], user["meta"]["created"]);
    assert_ne!(body["meta"]["version"], user["meta"]["version"]);
    assert!(body["meta"]["lastModified"].as_str() >= user["meta"]["lastModified"].as_str());
    assert!(body.get("groups").is_none());
    assert_eq!(
        json_of(&call(&svc, "GET", &format!("/Users/{id}"), None)),
        body
    );

    assert_error(
        &call(
            &svc,
            "PUT",
            &format!("/Users/{id}"),
            Some(json!({"schemas": [USER_URN]})),
        ),
        400,
        Some("invalidValue"),
    );
    assert_error(
        &call(
            &svc,
            "PUT",
            &format!("/Users/{id}"),
            Some(json!({"schemas": [USER_URN], "userName": "TAKEN"})),
        ),
        409,
        Some("uniqueness"),
    );
    assert_error(
        &call(
            &svc,
            "PUT",
            "/Users/no-such-id",
            Some(json!({"schemas": [USER_URN], "userName": "new"})),
        ),
        404,
        None,
    );
    assert_error(&call(&svc, "GET", "/Users/no-such-id", None), 404, None);
    let _ = other;
}

#[test]
fn patch_responses() {
    let svc = service();
    let id = id_of(&create_user(&svc, "patchy"));
    let resp = call(
        &svc,
        "PATCH",
        &format!("/Users/{id}"),
        patch_body(json!([{"op": "Replace", "path": "active", "value": "False"}])),
    );
    assert_eq!(resp.status, 200);
    let body = json_of(&resp);
    assert_eq!(body["active"], false);
    assert_eq!(
        json_of(&call(&svc, "GET", &format!("/Users/{id}"), None)),
        body
    );

    // A PATCH that changes nothing leaves meta alone.
    let again = json_of(&call(
        &svc,
        "PATCH",
        &format!("/Users/{id}"),
        patch_body(json!([{"op": "replace", "path": "active", "value": false}])),
    ));
    assert_eq!(again["meta"], body["meta"]);

    // Atomicity.
    let resp = call(
        &svc,
        "PATCH",
        &format!("/Users/{id}"),
        patch_body(json!([
            {"op": "replace", "path": "displayName", "value": "new"},
            {"op": "replace", "path": "id", "value": "x"}
        ])),
    );
    assert_error(&resp, 400, Some("mutability"));
    assert!(
        json_of(&call(&svc, "GET", &format!("/Users/{id}"), None))
            .get("displayName")
            .is_none()
    );

    assert_error(
        &call(
            &svc,
            "PATCH",
            &format!("/Users/{id}"),
            patch_body(json!([{"op": "add", "path": "groups", "value": [{"value": "g"}]}])),
        ),
        400,
        Some("mutability"),
    );
    assert_error(
        &call(
            &svc,
            "PATCH",
            &format!("/Users/{id}"),
            Some(json!({"Operations": []})),
        ),
        400,
        Some("invalidSyntax"),
    );
    assert_error(
        &call(
            &svc,
            "PATCH",
            "/Users/nope",
            patch_body(json!([{"op": "add", "path": "title", "value": "x"}])),
        ),
        404,
        None,
    );
    create_user(&svc, "someone");
    assert_error(
        &call(
            &svc,
            "PATCH",
            &format!("/Users/{id}"),
            patch_body(json!([{"op": "replace", "path": "userName", "value": "SOMEONE"}])),
        ),
        409,
        Some("uniqueness"),
    );

    let quiet = ScimService::new(ServerOptions {
        patch_returns_resource: false,
        ..ServerOptions::default()
    });
    let qid = id_of(&json_of(&quiet.handle(
        &Request::new("POST", "/Users").with_json(&json!({"schemas": [USER_URN], "userName": "q"})),
        BASE,
    )));
    let ops = json!({"schemas": [crate::patch::PATCH_OP_URN], "Operations": [{"op": "add", "path": "title", "value": "T"}]});
    let resp = quiet.handle(
        &Request::new("PATCH", &format!("/Users/{qid}")).with_json(&ops),
        BASE,
    );
    assert_eq!((resp.status, resp.body.len()), (204, 0));
    let resp = quiet.handle(
        &Request::new("PATCH", &format!("/Users/{qid}"))
            .with_query("attributes", "title")
            .with_json(&ops),
        BASE,
    );
    assert_eq!(resp.status, 200);
    assert_eq!(
        json_of(&resp),
        json!({"schemas": [USER_URN], "id": qid, "title": "T"})
    );
}

#[test]
fn delete_then_404_everywhere() {
    let svc = service();
    let id = id_of(&create_user(&svc, "doomed"));
    let resp = call(&svc, "DELETE", &format!("/Users/{id}"), None);
    assert_eq!((resp.status, resp.body.len()), (204, 0));
    let path = format!("/Users/{id}");
    assert_error(&call(&svc, "GET", &path, None), 404, None);
    assert_error(
        &call(
            &svc,
            "PUT",
            &path,
            Some(json!({"schemas": [USER_URN], "userName": "doomed"})),
        ),
        404,
        None,
    );
    assert_error(
        &call(
            &svc,
            "PATCH",
            &path,
            patch_body(json!([{"op": "add", "path": "title", "value": "x"}])),
        ),
        404,
        None,
    );
    assert_error(&call(&svc, "DELETE", &path, None), 404, None);
    let list = json_of(&call(
        &svc,
        "GET",
        "/Users?filter=userName%20eq%20%22doomed%22",
        None,
    ));
    assert_eq!(list["totalResults"], 0);
    create_user(&svc, "doomed");
}

mod bulk;
mod defects;
mod groups_and_routing;
mod protocol;
mod strict;
mod variants;
