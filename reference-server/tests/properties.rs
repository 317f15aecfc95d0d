//! Property tests (run in `cargo test`, a few seconds): the filter parser, the PATCH path
//! parser and the whole server never panic, whatever they are sent, and every answer is a
//! well-formed HTTP status with a SCIM error body when it is an error.
//! `bench/fuzz.sh` runs the same properties with many more cases.

use std::sync::Arc;

use proptest::prelude::*;
use scim_reference_server::filter::Filter;
use scim_reference_server::path::PatchPath;
use scim_reference_server::{Request, ScimService, ServerOptions};

/// Cases per property: `PROPTEST_CASES` overrides it (the bench script raises it).
fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text built from the filter grammar's own tokens, so the parser gets deep, not just
/// rejected at the first character.
fn filter_like() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("userName".to_string()),
        Just("emails[type eq \"work\"]".to_string()),
        Just("name.givenName".to_string()),
        Just("urn:ietf:params:scim:schemas:core:2.0:User:userName".to_string()),
        Just(" eq ".to_string()),
        Just(" co ".to_string()),
        Just(" pr".to_string()),
        Just(" gt ".to_string()),
        Just(" and ".to_string()),
        Just(" or ".to_string()),
        Just("not ".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("\"".to_string()),
        Just("\\".to_string()),
        Just("\"x\"".to_string()),
        Just("12.5e3".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just(".".to_string()),
        Just(":".to_string()),
        "[ -~]{0,6}",
        "\\PC{0,3}",
    ];
    prop::collection::vec(token, 0..24).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn the_filter_parser_never_panics(input in filter_like()) {
        let _ = Filter::parse(&input);
        let _ = Filter::parse_value_filter(&input);
    }

    #[test]
    fn the_filter_parser_never_panics_on_any_text(input in "\\PC{0,64}") {
        let _ = Filter::parse(&input);
    }

    #[test]
    fn deeply_nested_filters_are_refused_not_overflowed(depth in 1usize..5000) {
        let input = format!("{}userName eq \"x\"{}", "(".repeat(depth), ")".repeat(depth));
        let _ = Filter::parse(&input);
        let not = format!("{}(userName pr)", "not ".repeat(depth));
        let _ = Filter::parse(&not);
    }

    #[test]
    fn the_patch_path_parser_never_panics(input in filter_like()) {
        let _ = PatchPath::parse(&input);
    }
}

fn service() -> ScimService {
    ScimService::new(ServerOptions {
        token: Some("prop-token-1234".into()),
        seed_users: 3,
        ..ServerOptions::default()
    })
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("GET".to_string()),
        Just("POST".to_string()),
        Just("PUT".to_string()),
        Just("PATCH".to_string()),
        Just("DELETE".to_string()),
        "[A-Za-z]{1,8}",
    ]
}

fn path() -> impl Strategy<Value = String> {
    let seg = prop_oneof![
        Just("Users".to_string()),
        Just("Groups".to_string()),
        Just(".search".to_string()),
        Just("Bulk".to_string()),
        Just("Me".to_string()),
        Just("Schemas".to_string()),
        Just("ResourceTypes".to_string()),
        Just("ServiceProviderConfig".to_string()),
        Just("..".to_string()),
        "[ -~]{0,12}",
    ];
    prop::collection::vec(seg, 0..5).prop_map(|s| format!("/{}", s.join("/")))
}

/// Bodies: random text, or JSON shaped like the messages the server parses.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let json_leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "\\PC{0,12}".prop_map(serde_json::Value::from),
        filter_like().prop_map(serde_json::Value::from),
    ];
    let json = json_leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("schemas".to_string()),
                        Just("Operations".to_string()),
                        Just("op".to_string()),
                        Just("path".to_string()),
                        Just("value".to_string()),
                        Just("userName".to_string()),
                        Just("members".to_string()),
                        Just("filter".to_string()),
                        Just("method".to_string()),
                        Just("data".to_string()),
                        Just("bulkId".to_string()),
                        "[a-zA-Z:.]{1,10}",
                    ],
                    inner
                ),
                0..5
            )
            .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    });
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        json.prop_map(|v| serde_json::to_vec(&v).unwrap()),
    ]
}

fn query() -> impl Strategy<Value = Vec<(String, String)>> {
    let key = prop_oneof![
        Just("filter".to_string()),
        Just("startIndex".to_string()),
        Just("count".to_string()),
        Just("sortBy".to_string()),
        Just("sortOrder".to_string()),
        Just("attributes".to_string()),
        Just("excludedAttributes".to_string()),
        "[a-z]{1,6}",
    ];
    let value = prop_oneof![filter_like(), "-?[0-9]{1,20}", "\\PC{0,8}"];
    prop::collection::vec((key, value), 0..4)
}

fn check_answer(status: u16, body: &[u8]) -> Result<(), TestCaseError> {
    prop_assert!((100..600).contains(&status), "status {}", status);
    if status >= 400 && !body.is_empty() {
        let v: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| TestCaseError::fail(format!("error body is not JSON: {e}")))?;
        prop_assert!(v.get("status").is_some(), "{}", v);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    /// Straight into the service: every method, path, query and body.
    #[test]
    fn the_service_answers_every_request(
        method in method(),
        path in path(),
        query in query(),
        body in body(),
        authorized in any::<bool>(),
    ) {
        let service = service();
        let mut req = Request::new(&method, &path);
        req.query = query;
        req.body = body;
        if authorized {
            req.headers.push(("Authorization".into(), "Bearer prop-token-1234".into()));
        }
        req.headers.push(("Content-Type".into(), "application/scim+json".into()));
        let resp = service.handle(&req, "http://localhost/scim/v2");
        check_answer(resp.status, &resp.body)?;
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// Through the axum router: raw request targets and headers too.
    #[test]
    fn the_router_answers_every_request(
        method in "(GET|POST|PUT|PATCH|DELETE|OPTIONS|[A-Z]{1,7})",
        target in "/(scim/v2)?(/[!-~]{0,12}){0,4}",
        headers in prop::collection::vec(("[a-z][a-z-]{0,12}", "[ -~]{0,40}"), 0..6),
        body in body(),
    ) {
        use tower::ServiceExt as _;
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let router = scim_reference_server::http::router(Arc::new(service()));
        let mut builder = axum::http::Request::builder().method(method.as_str()).uri(target.as_str());
        for (k, v) in &headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        builder = builder.header("authorization", "Bearer prop-token-1234");
        // A request axum's types refuse (bad method or header) never reaches the server.
        let Ok(request) = builder.body(axum::body::Body::from(body)) else {
            return Ok(());
        };
        let response = runtime.block_on(router.oneshot(request)).unwrap();
        let status = response.status().as_u16();
        let bytes = runtime
            .block_on(axum::body::to_bytes(response.into_body(), 16 << 20))
            .unwrap();
        check_answer(status, &bytes)?;
    }
}
