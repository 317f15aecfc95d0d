//! End-to-end tests of `POST /Bulk`.

use super::*;
use crate::discovery::{MAX_BULK_OPERATIONS, MAX_PAYLOAD_BYTES};
use crate::service::bulk::{BULK_REQUEST_URN, BULK_RESPONSE_URN};

fn bulk(svc: &ScimService, ops: Value, extra: Value) -> Response {
    let mut body = json!({"schemas": [BULK_REQUEST_URN], "Operations": ops});
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    call(svc, "POST", "/Bulk", Some(body))
}

fn results(resp: &Response) -> Vec<Value> {
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let body = json_of(resp);
    assert_eq!(body["schemas"], json!([BULK_RESPONSE_URN]));
    assert!(body.get("failOnErrors").is_none());
    body["Operations"].as_array().unwrap().clone()
}

fn post_user(bulk_id: &str, name: &str) -> Value {
    json!({"method": "POST", "path": "/Users", "bulkId": bulk_id,
        "data": {"schemas": [USER_URN], "userName": name}})
}

fn find_user(svc: &ScimService, name: &str) -> Option<Value> {
    let list = json_of(&call(
        svc,
        "GET",
        &format!("/Users?filter=userName%20eq%20%22{name}%22"),
        None,
    ));
    list["Resources"].get(0).cloned()
}

#[test]
fn every_operation_is_reported_with_string_status() {
    let svc = service();
    let victim = id_of(&create_user(&svc, "victim"));
    let target = id_of(&create_user(&svc, "target"));
    let ops = json!([
        post_user("a", "bulk-a"),
        {"method": "PATCH", "path": format!("/Users/{target}"), "data": {
            "schemas": [crate::patch::PATCH_OP_URN],
            "Operations": [{"op": "add", "path": "title", "value": "T"}]}},
        {"method": "PUT", "path": format!("/Users/{target}"),
            "data": {"schemas": [USER_URN], "userName": "target", "nickName": "N"}},
        {"method": "DELETE", "path": format!("/Users/{victim}")},
    ]);
    let r = results(&bulk(&svc, ops, json!({})));
    assert_eq!(r.len(), 4);
    let statuses: Vec<&str> = r.iter().map(|x| x["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["201", "200", "200", "204"]);
    let methods: Vec<&str> = r.iter().map(|x| x["method"].as_str().unwrap()).collect();
    assert_eq!(methods, ["POST", "PATCH", "PUT", "DELETE"]);
    assert_eq!(r[0]["bulkId"], "a");
    let created = find_user(&svc, "bulk-a").unwrap();
    assert_eq!(r[0]["location"], created["meta"]["location"]);
    assert_eq!(r[0]["version"], created["meta"]["version"]);
    let target_now = json_of(&call(&svc, "GET", &format!("/Users/{target}"), None));
    assert_eq!(r[2]["version"], target_now["meta"]["version"]);
    assert_eq!(r[2]["location"], format!("{BASE}/Users/{target}"));
    assert_eq!(r[3]["location"], format!("{BASE}/Users/{victim}"));
    assert!(
        r.iter()
            .all(|x| x.get("response").is_none() && x.get("id").is_none())
    );
    assert_eq!(target_now["nickName"], "N");
    assert!(target_now.get("title").is_none());
    assert!(find_user(&svc, "victim").is_none());
}

#[test]
fn failures_carry_the_scim_error_and_processing_continues() {
    let svc = service();
    let ops = json!([
        {"method": "POST", "path": "/Users", "bulkId": "bad", "data": {"schemas": [USER_URN]}},
        post_user("good", "after-bad"),
        {"method": "DELETE", "path": "/Users/no-such-id"},
        {"method": "POST", "path": "/Users/x", "bulkId": "wrong-path", "data": {"schemas": [USER_URN], "userName": "w"}},
    ]);
    let r = results(&bulk(&svc, ops, json!({})));
    assert_eq!(r[0]["status"], "400");
    assert_eq!(r[0]["response"]["scimType"], "invalidValue");
    assert_eq!(r[0]["response"]["status"], "400");
    assert!(r[0].get("location").is_none());
    assert_eq!(r[1]["status"], "201");
    assert_eq!(r[2]["status"], "404");
    assert_eq!(
        r[2]["response"]["schemas"],
        json!([crate::error::ERROR_URN])
    );
    assert_eq!(r[3]["status"], "400");
    assert!(find_user(&svc, "after-bad").is_some());
}

#[test]
fn fail_on_errors_stops_processing() {
    let svc = service();
    let bad = |id: &str| json!({"method": "POST", "path": "/Users", "bulkId": id, "data": {"schemas": [USER_URN]}});
    let r = results(&bulk(
        &svc,
        json!([
            bad("b1"),
            post_user("g1", "never-1"),
            post_user("g2", "never-2")
        ]),
        json!({"failOnErrors": 1}),
    ));
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["status"], "400");
    assert!(find_user(&svc, "never-1").is_none());
    let r = results(&bulk(
        &svc,
        json!([
            bad("b1"),
            post_user("g1", "runs"),
            bad("b2"),
            post_user("g2", "never")
        ]),
        json!({"failOnErrors": 2}),
    ));
    assert_eq!(r.len(), 3);
    assert!(find_user(&svc, "runs").is_some() && find_user(&svc, "never").is_none());
    for bad_value in [json!(0), json!("1"), json!(-1)] {
        assert_error(
            &bulk(&svc, json!([]), json!({"failOnErrors": bad_value})),
            400,
            Some("invalidValue"),
        );
    }
}

#[test]
fn bulk_ids_resolve_in_any_order_including_extensions_and_paths() {
    let svc = service();
    // The group and the report come first and reference users created later.
    let ops = json!([
        {"method": "POST", "path": "/Groups", "bulkId": "grp", "data": {
            "schemas": [GROUP_URN], "displayName": "Team",
            "members": [{"value": "bulkId:boss", "type": "User"}, {"value": "bulkId:rep"}]}},
        {"method": "POST", "path": "/Users", "bulkId": "rep", "data": {
            "schemas": [USER_URN, ENTERPRISE_URN], "userName": "report",
            ENTERPRISE_URN: {"manager": {"value": "bulkId:boss"}}}},
        {"method": "PATCH", "path": "/Users/bulkId:boss", "data": {
            "schemas": [crate::patch::PATCH_OP_URN],
            "Operations": [{"op": "add", "path": "title", "value": "Boss"}]}},
        post_user("boss", "the-boss"),
    ]);
    let r = results(&bulk(&svc, ops, json!({})));
    let statuses: Vec<&str> = r.iter().map(|x| x["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["201", "201", "200", "201"]);
    let boss = find_user(&svc, "the-boss").unwrap();
    let report = find_user(&svc, "report").unwrap();
    assert_eq!(boss["title"], "Boss");
    assert_eq!(report[ENTERPRISE_URN]["manager"]["value"], boss["id"]);
    assert_eq!(report[ENTERPRISE_URN]["manager"]["displayName"], "the-boss");
    let group = &json_of(&call(&svc, "GET", "/Groups", None))["Resources"][0];
    let members: Vec<&str> = group["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        members,
        [boss["id"].as_str().unwrap(), report["id"].as_str().unwrap()]
    );
    assert_eq!(r[2]["location"], boss["meta"]["location"]);
}

#[test]
fn circular_failed_and_unknown_references_are_409() {
    let svc = service();
    let group = |id: &str, other: &str| {
        json!({"method": "POST", "path": "/Groups", "bulkId": id, "data": {
            "schemas": [GROUP_URN], "displayName": id, "members": [{"value": format!("bulkId:{other}")}]}})
    };
    let ops = json!([
        group("g1", "g2"),
        group("g2", "g1"),
        {"method": "POST", "path": "/Users", "bulkId": "broken", "data": {"schemas": [USER_URN]}},
        group("g3", "broken"),
        group("g4", "nowhere"),
        post_user("fine", "fine"),
    ]);
    let r = results(&bulk(&svc, ops, json!({})));
    let statuses: Vec<&str> = r.iter().map(|x| x["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["409", "409", "400", "409", "409", "201"]);
    assert!(
        r[0]["response"]["detail"]
            .as_str()
            .unwrap()
            .contains("circular")
    );
    assert!(
        r[3]["response"]["detail"]
            .as_str()
            .unwrap()
            .contains("failed")
    );
    assert!(
        r[4]["response"]["detail"]
            .as_str()
            .unwrap()
            .contains("nowhere")
    );
    assert_eq!(r[0]["response"]["status"], "409");
    assert!(svc.resources("Group").is_empty());
    assert!(find_user(&svc, "fine").is_some());
}

#[test]
fn limits_answer_413_naming_the_limit() {
    let svc = service();
    let ops: Vec<Value> = (0..=MAX_BULK_OPERATIONS)
        .map(|i| json!({"method": "DELETE", "path": format!("/Users/{i}")}))
        .collect();
    let resp = bulk(&svc, Value::Array(ops), json!({}));
    assert_error(&resp, 413, None);
    assert!(
        json_of(&resp)["detail"]
            .as_str()
            .unwrap()
            .contains("maxOperations is 1000")
    );
    let mut req = Request::new("POST", "/Bulk")
        .with_bearer(TOKEN)
        .with_header("Content-Type", SCIM_MEDIA_TYPE);
    req.body = vec![b' '; MAX_PAYLOAD_BYTES + 1];
    let resp = svc.handle(&req, BASE);
    assert_error(&resp, 413, None);
    assert!(
        json_of(&resp)["detail"]
            .as_str()
            .unwrap()
            .contains("maxPayloadSize is 1048576")
    );
}

#[test]
fn malformed_bulk_requests_are_invalid_syntax() {
    let svc = service();
    for body in [
        json!({"Operations": []}),
        json!({"schemas": [BULK_REQUEST_URN]}),
        json!({"schemas": [BULK_REQUEST_URN], "Operations": {}}),
        json!({"schemas": [BULK_REQUEST_URN], "Operations": [{"path": "/Users"}]}),
        json!({"schemas": [BULK_REQUEST_URN], "Operations": [{"method": "GET", "path": "/Users"}]}),
        json!({"schemas": [BULK_REQUEST_URN], "Operations": [{"method": "DELETE"}]}),
        json!({"schemas": [BULK_REQUEST_URN], "Operations": [
            {"method": "POST", "path": "/Users", "data": {"schemas": [USER_URN], "userName": "x"}}]}),
        json!({"schemas": [BULK_REQUEST_URN], "Operations": [post_user("dup", "a"), post_user("dup", "b")]}),
        json!({"schemas": [BULK_REQUEST_URN], "Operations": [{"method": "PUT", "path": "/Users/x"}]}),
        json!({"schemas": [BULK_REQUEST_URN], "Operations": ["x"]}),
    ] {
        let resp = call(&svc, "POST", "/Bulk", Some(body.clone()));
        assert_error(&resp, 400, Some("invalidSyntax"));
    }
    assert!(svc.resources("User").is_empty());
    let r = results(&bulk(&svc, json!([]), json!({})));
    assert!(r.is_empty());
}

#[test]
fn bulk_honours_version_as_if_match() {
    let svc = service();
    let user = create_user(&svc, "versioned");
    let id = id_of(&user);
    let stale = user["meta"]["version"].as_str().unwrap().to_owned();
    call(
        &svc,
        "PATCH",
        &format!("/Users/{id}"),
        patch_body(json!([{"op": "add", "path": "title", "value": "x"}])),
    );
    let r = results(&bulk(
        &svc,
        json!([{"method": "DELETE", "path": format!("/Users/{id}"), "version": stale}]),
        json!({}),
    ));
    assert_eq!(r[0]["status"], "412");
    assert!(find_user(&svc, "versioned").is_some());
}
