//! Each legal variant: one specific request gets the varied (still correct) answer with the
//! variant, and the default one without it. `probe` matches exhaustively, so a new
//! [`Variant`] cannot be added without a probe.

use super::*;
use crate::variant::{self, Variant};

fn with(variant: Option<Variant>) -> ScimService {
    ScimService::new(ServerOptions {
        token: Some(TOKEN.into()),
        variants: variant.into_iter().collect(),
        ..ServerOptions::default()
    })
}

fn get(svc: &ScimService, path: &str) -> Response {
    call(svc, "GET", path, None)
}

/// Whether the variant's behaviour shows (`true`) or the default one (`false`).
fn probe(v: Variant, svc: &ScimService) -> bool {
    match v {
        Variant::RateLimited | Variant::Unavailable => {
            let (every, status) = if v == Variant::RateLimited {
                (variant::RATE_LIMIT_EVERY, 429)
            } else {
                (variant::UNAVAILABLE_EVERY, 503)
            };
            let answers: Vec<Response> = (0..every)
                .map(|_| get(svc, "/ServiceProviderConfig"))
                .collect();
            let refused: Vec<&Response> = answers.iter().filter(|r| r.status != 200).collect();
            match refused.as_slice() {
                [] => false,
                [one] => {
                    assert_error(one, status, None);
                    assert_eq!(one.header("retry-after"), Some("0"));
                    true
                }
                more => panic!("{} refused in {every}", more.len()),
            }
        }
        Variant::VendorExtension => {
            let u = create_user(svc, "vendor");
            let urn = variant::vendor_urn(ResourceKind::User);
            let has = u["schemas"].as_array().unwrap().contains(&json!(urn));
            assert_eq!(has, u[urn].is_object(), "{u}");
            let g = create_group(svc, "vendors", &[]);
            assert_eq!(g[variant::vendor_urn(ResourceKind::Group)].is_object(), has);
            // Projection drops it like any other returned=default attribute.
            let id = id_of(&u);
            let projected = json_of(&get(svc, &format!("/Users/{id}?attributes=userName")));
            assert!(projected.get(urn).is_none(), "{projected}");
            has
        }
        Variant::OpaqueIds => {
            let id = id_of(&create_user(svc, "opaque"));
            let group = id_of(&create_group(svc, "opaque", &[&id]));
            let opaque = id.bytes().all(|b| b.is_ascii_digit()) && group.starts_with("grp_");
            assert_eq!(get(svc, &format!("/Users/{id}")).status, 200);
            assert_eq!(get(svc, &format!("/Groups/{group}")).status, 200);
            opaque
        }
        Variant::PatchNoContent => {
            let id = id_of(&create_user(svc, "patched"));
            let resp = call(
                svc,
                "PATCH",
                &format!("/Users/{id}"),
                patch_body(json!([{"op": "replace", "path": "title", "value": "T"}])),
            );
            let asked = call(
                svc,
                "PATCH",
                &format!("/Users/{id}?attributes=title"),
                patch_body(json!([{"op": "replace", "path": "title", "value": "U"}])),
            );
            assert_eq!(asked.status, 200, "attributes asked for still get a body");
            assert_eq!(json_of(&get(svc, &format!("/Users/{id}")))["title"], "U");
            resp.status == 204 && resp.body.is_empty()
        }
        Variant::UnsortedLists => {
            let names: Vec<String> = (0..12).map(|i| format!("u{i:02}")).collect();
            for n in &names {
                create_user(svc, n);
            }
            let listed = user_names(&json_of(&get(svc, "/Users")));
            let sorted = user_names(&json_of(&get(svc, "/Users?sortBy=userName")));
            assert_eq!(sorted, names, "sortBy still sorts");
            let mut again = listed.clone();
            again.sort();
            assert_eq!(again, names, "same resources");
            assert_eq!(listed, user_names(&json_of(&get(svc, "/Users"))), "stable");
            listed != names
        }
        Variant::ReorderedValues => {
            let resp = call(
                svc,
                "POST",
                "/Users",
                Some(
                    json!({"schemas": [USER_URN], "userName": "multi", "emails": [
                        {"value": "a@x.test", "type": "work", "primary": true},
                        {"value": "b@x.test", "type": "home"}
                    ]}),
                ),
            );
            let first = json_of(&resp)["emails"][0]["value"].clone();
            // Filters and sort keys still see the stored values.
            let found = json_of(&get(
                svc,
                "/Users?filter=emails.value%20eq%20%22b@x.test%22",
            ));
            assert_eq!(found["totalResults"], 1);
            first == "b@x.test"
        }
        Variant::PageSizeCap => {
            for i in 0..8 {
                create_user(svc, &format!("p{i}"));
            }
            let page = json_of(&get(svc, "/Users?count=7"));
            assert_eq!(page["totalResults"], 8);
            let spc = json_of(&get(svc, "/ServiceProviderConfig"));
            let capped = page["itemsPerPage"] == json!(variant::PAGE_SIZE_CAP);
            assert_eq!(
                spc["filter"]["maxResults"] == variant::PAGE_SIZE_CAP,
                capped
            );
            capped
        }
        Variant::SortUnsupported => {
            let resp = get(svc, "/Users?sortBy=userName");
            let spc = json_of(&get(svc, "/ServiceProviderConfig"));
            if resp.status == 200 {
                assert_eq!(spc["sort"]["supported"], true);
                return false;
            }
            assert_error(&resp, 400, Some("invalidValue"));
            assert_eq!(spc["sort"]["supported"], false);
            true
        }
        Variant::EtagUnsupported => {
            let resp = call(
                svc,
                "POST",
                "/Users",
                Some(json!({"schemas": [USER_URN], "userName": "tagless"})),
            );
            let body = json_of(&resp);
            let spc = json_of(&get(svc, "/ServiceProviderConfig"));
            let off = resp.header("etag").is_none() && body["meta"].get("version").is_none();
            assert_eq!(spc["etag"]["supported"], !off);
            off
        }
        Variant::BulkUnsupported => {
            let resp = call(
                svc,
                "POST",
                "/Bulk",
                Some(json!({"schemas": [crate::BULK_REQUEST_URN], "Operations": []})),
            );
            let spc = json_of(&get(svc, "/ServiceProviderConfig"));
            if resp.status == 501 {
                assert_error(&resp, 501, None);
                assert_eq!(spc["bulk"]["supported"], false);
                true
            } else {
                assert_eq!(spc["bulk"]["supported"], true);
                false
            }
        }
        Variant::CharsetParameter => {
            let resp = get(svc, "/Users");
            resp.header("content-type") == Some("application/scim+json; charset=utf-8")
        }
        Variant::StrongEtags => {
            let resp = call(
                svc,
                "POST",
                "/Users",
                Some(json!({"schemas": [USER_URN], "userName": "strong"})),
            );
            let etag = resp.header("etag").unwrap().to_owned();
            assert_eq!(json_of(&resp)["meta"]["version"], etag.as_str());
            let id = id_of(&json_of(&resp));
            let req = Request::new("GET", &format!("/Users/{id}"))
                .with_bearer(TOKEN)
                .with_header("If-None-Match", &etag);
            assert_eq!(svc.handle(&req, BASE).status, 304);
            !etag.starts_with("W/")
        }
        Variant::ForeignData => {
            let users = json_of(&get(svc, "/Users"))["totalResults"].clone();
            let groups = json_of(&get(svc, "/Groups"))["totalResults"].clone();
            if users == 0 {
                assert_eq!(groups, 0);
                return false;
            }
            assert_eq!(users, crate::seed::FOREIGN_USERS);
            assert_eq!(groups, crate::seed::FOREIGN_GROUPS);
            true
        }
        Variant::RecasedAttributes => {
            let u = create_user(svc, "cased");
            let found = json_of(&get(svc, "/Users?filter=userName%20eq%20%22cased%22"));
            assert_eq!(found["totalResults"], 1, "filters still work");
            assert!(u.get("schemas").is_some() && u.get("id").is_some());
            u.get("UserName") == Some(&json!("cased"))
        }
        Variant::PrettyJson => {
            let resp = get(svc, "/ServiceProviderConfig");
            let text = String::from_utf8(resp.body.clone()).unwrap();
            json_of(&resp);
            text.contains('\n')
        }
        Variant::SparseReferences => {
            let uid = id_of(&create_user(svc, "member"));
            let g = create_group(svc, "sparse", &[&uid]);
            let member = g["members"][0].as_object().unwrap().clone();
            let user = json_of(&get(svc, &format!("/Users/{uid}")));
            assert_eq!(member["value"], uid.as_str());
            assert_eq!(user["groups"][0]["value"], g["id"]);
            let sparse = member.len() == 1 && user["groups"][0].as_object().unwrap().len() == 1;
            assert_eq!(sparse, member.get("$ref").is_none());
            sparse
        }
        Variant::LocalTimestamps => {
            let u = create_user(svc, "clock");
            let created = u["meta"]["created"].as_str().unwrap();
            assert_eq!(u["meta"]["lastModified"], created);
            // Filters still compare instants, whatever the notation.
            let found = json_of(&get(
                svc,
                "/Users?filter=meta.created%20gt%20%222000-01-01T00:00:00Z%22",
            ));
            assert_eq!(found["totalResults"], 1);
            created.ends_with("+02:00")
        }
        Variant::ExtraHeaders => {
            let resp = get(svc, "/Users");
            assert_eq!(resp.status, 200);
            resp.header("x-request-id").is_some() && resp.header("cache-control").is_some()
        }
    }
}

fn user_names(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_variant_shows_only_when_switched_on() {
    for v in Variant::ALL {
        assert!(probe(*v, &with(Some(*v))), "{v} does not show");
        assert!(!probe(*v, &with(None)), "{v} shows without being on");
    }
}
