//! Each defect mode: one specific request gets the broken answer with the defect, and the
//! correct one without it. `probe` matches exhaustively, so a new [`Defect`] cannot be
//! added without a probe.

use super::*;
use crate::defect::Defect;
use crate::query::SEARCH_REQUEST_URN;

fn with(defect: Option<Defect>) -> ScimService {
    ScimService::new(ServerOptions {
        token: Some(TOKEN.into()),
        defects: defect.into_iter().collect(),
        ..ServerOptions::default()
    })
}

fn post(svc: &ScimService, body: Value) -> Response {
    call(svc, "POST", "/Users", Some(body))
}

fn user(name: &str) -> Value {
    json!({"schemas": [USER_URN], "userName": name})
}

/// Creates a user and returns its id (whatever status the defect answers with).
fn make(svc: &ScimService, body: Value) -> String {
    id_of(&json_of(&post(svc, body)))
}

fn get(svc: &ScimService, path: &str) -> Response {
    call(svc, "GET", path, None)
}

fn total(svc: &ScimService, query: &str) -> u64 {
    json_of(&get(svc, &format!("/Users?{query}")))["totalResults"]
        .as_u64()
        .unwrap()
}

fn first_name(svc: &ScimService, query: &str) -> String {
    json_of(&get(svc, &format!("/Users?{query}")))["Resources"][0]["userName"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn patch(svc: &ScimService, path: &str, ops: Value) -> Response {
    call(svc, "PATCH", path, patch_body(ops))
}

fn member_values(svc: &ScimService, gid: &str) -> Vec<String> {
    json_of(&get(svc, &format!("/Groups/{gid}")))["members"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| m["value"].as_str().unwrap().to_owned())
        .collect()
}

fn group_of_two(svc: &ScimService) -> (String, String, String) {
    let u1 = make(svc, user("u1"));
    let u2 = make(svc, user("u2"));
    let g = id_of(&create_group(svc, "G", &[&u1, &u2]));
    (g, u1, u2)
}

fn unauthenticated(svc: &ScimService, path: &str) -> Response {
    svc.handle(&Request::new("GET", path), BASE)
}

/// Sends the request that reveals `d` and says whether the answer is the broken one.
fn probe(d: Defect, svc: &ScimService) -> bool {
    use Defect as D;
    match d {
        D::CaseSensitiveUsernameFilter => {
            make(svc, user("Case.User"));
            total(svc, "filter=userName%20eq%20%22case.user%22") != 1
        }
        D::DuplicatesAccepted => {
            post(svc, user("dup"));
            post(svc, user("dup")).status != 409
        }
        D::CaseSensitiveUniqueness => {
            post(svc, user("Case.X"));
            post(svc, user("case.x")).status != 409
        }
        D::CreateReturns200 => post(svc, user("a")).status != 201,
        D::NoLocationHeader => post(svc, user("a")).header("location").is_none(),
        D::FilterIgnored => {
            make(svc, user("a"));
            make(svc, user("b"));
            total(svc, "filter=userName%20eq%20%22a%22") != 1
        }
        D::FilterOperatorsCaseSensitive => {
            make(svc, user("a"));
            let resp = get(svc, "/Users?filter=userName%20Eq%20%22a%22");
            resp.status != 200 || json_of(&resp)["totalResults"] != 1
        }
        D::EmptyFilterResult404 => {
            get(svc, "/Users?filter=userName%20eq%20%22nobody%22").status == 404
        }
        D::InvalidFilter500 => get(svc, "/Users?filter=userName%20eq").status != 400,
        D::ZeroBasedStartIndex => {
            for n in ["a", "b", "c"] {
                make(svc, user(n));
            }
            first_name(svc, "startIndex=1&count=1") != "a"
        }
        D::ItemsPerPageIsCount => {
            make(svc, user("a"));
            json_of(&get(svc, "/Users?count=10"))["itemsPerPage"] != 1
        }
        D::TotalResultsIsPageSize => {
            for n in ["a", "b", "c"] {
                make(svc, user(n));
            }
            total(svc, "count=1") != 3
        }
        D::CountIgnored => {
            for n in ["a", "b", "c"] {
                make(svc, user(n));
            }
            json_of(&get(svc, "/Users?count=1"))["Resources"]
                .as_array()
                .map(Vec::len)
                != Some(1)
        }
        D::ErrorStatusAsNumber => !json_of(&get(svc, "/Users/nope"))["status"].is_string(),
        D::PlainTextErrors => get(svc, "/Users/nope").json().is_none(),
        D::WrongContentType => get(svc, "/Users").header("content-type") != Some(SCIM_MEDIA_TYPE),
        D::TokenNotChecked => unauthenticated(svc, "/Users").status != 401,
        D::NoWwwAuthenticate => unauthenticated(svc, "/Users")
            .header("www-authenticate")
            .is_none(),
        D::PatchIgnored => {
            let id = make(svc, user("a"));
            let path = format!("/Users/{id}");
            patch(
                svc,
                &path,
                json!([{"op": "replace", "path": "title", "value": "T"}]),
            );
            json_of(&get(svc, &path))["title"] != "T"
        }
        D::DeactivationNotPersisted => {
            let id = make(
                svc,
                json!({"schemas": [USER_URN], "userName": "a", "active": true}),
            );
            let path = format!("/Users/{id}");
            patch(
                svc,
                &path,
                json!([{"op": "replace", "path": "active", "value": false}]),
            );
            json_of(&get(svc, &path))["active"] != false
        }
        D::CapitalisedOpRejected => {
            let id = make(svc, user("a"));
            let ops = json!([{"op": "Replace", "path": "title", "value": "T"}]);
            patch(svc, &format!("/Users/{id}"), ops).status != 200
        }
        D::StringBooleansRejected => {
            let id = make(svc, user("a"));
            let ops = json!([{"op": "Replace", "path": "active", "value": "False"}]);
            patch(svc, &format!("/Users/{id}"), ops).status != 200
        }
        D::MemberRemoveByFilterIgnored | D::MemberRemoveWipesAll => {
            let (g, u1, u2) = group_of_two(svc);
            let ops = json!([{"op": "remove", "path": format!("members[value eq \"{u1}\"]")}]);
            patch(svc, &format!("/Groups/{g}"), ops);
            member_values(svc, &g) != [u2]
        }
        D::AddMemberReplaces => {
            let u1 = make(svc, user("u1"));
            let u2 = make(svc, user("u2"));
            let g = id_of(&create_group(svc, "G", &[&u1]));
            let ops = json!([{"op": "add", "path": "members", "value": [{"value": u2}]}]);
            patch(svc, &format!("/Groups/{g}"), ops);
            member_values(svc, &g) != [u1, u2]
        }
        D::ExcludedAttributesIgnored => {
            let (g, _, _) = group_of_two(svc);
            json_of(&get(
                svc,
                &format!("/Groups/{g}?excludedAttributes=members"),
            ))
            .get("members")
            .is_some()
        }
        D::AttributesIgnored => {
            let id = make(svc, user("a"));
            json_of(&get(svc, &format!("/Users/{id}?attributes=userName")))
                .get("meta")
                .is_some()
        }
        D::PasswordReturned => {
            let body = json!({"schemas": [USER_URN], "userName": "a", "password": "s3cret"});
            json_of(&post(svc, body)).get("password").is_some()
        }
        D::IdChangesBetweenReads => {
            let id = make(svc, user("a"));
            let list = json_of(&get(svc, "/Users?filter=userName%20eq%20%22a%22"));
            list["Resources"][0]["id"] != id.as_str()
        }
        D::LastModifiedNotUpdated => {
            let id = make(svc, user("a"));
            let path = format!("/Users/{id}");
            let body = json_of(&patch(
                svc,
                &path,
                json!([{"op": "add", "path": "title", "value": "T"}]),
            ));
            body["meta"]["lastModified"] == body["meta"]["created"]
        }
        D::DeleteNotEffective => {
            let id = make(svc, user("a"));
            let path = format!("/Users/{id}");
            call(svc, "DELETE", &path, None);
            get(svc, &path).status != 404
        }
        D::PutCreates => {
            let resp = call(svc, "PUT", "/Users/not-there", Some(user("ghost")));
            resp.status != 404 || get(svc, "/Users/not-there").status != 404
        }
        D::ClientIdAdopted => {
            make(
                svc,
                json!({"schemas": [USER_URN], "userName": "a", "id": "client-1"}),
            ) == "client-1"
        }
        D::ExternalIdLowercased => {
            let id = make(
                svc,
                json!({"schemas": [USER_URN], "userName": "a", "externalId": "AbC-xY"}),
            );
            json_of(&get(svc, &format!("/Users/{id}")))["externalId"] != "AbC-xY"
        }
        D::MissingSchemas => {
            let id = make(svc, user("a"));
            json_of(&get(svc, &format!("/Users/{id}")))
                .get("schemas")
                .is_none()
        }
        D::SpcRequiresAuth => unauthenticated(svc, "/ServiceProviderConfig").status != 200,
        D::SortIgnored => {
            make(svc, user("b"));
            make(svc, user("a"));
            first_name(svc, "sortBy=userName") != "a"
        }
        D::EtagNotChanged => {
            let created = json_of(&post(svc, user("a")));
            let path = format!("/Users/{}", id_of(&created));
            let body = json_of(&patch(
                svc,
                &path,
                json!([{"op": "add", "path": "title", "value": "T"}]),
            ));
            body["meta"]["version"] == created["meta"]["version"]
        }
        D::IfMatchIgnored => {
            let created = json_of(&post(svc, user("a")));
            let path = format!("/Users/{}", id_of(&created));
            patch(
                svc,
                &path,
                json!([{"op": "add", "path": "title", "value": "T"}]),
            );
            let stale = created["meta"]["version"].as_str().unwrap();
            let req = Request::new("DELETE", &path)
                .with_bearer(TOKEN)
                .with_header("If-Match", stale);
            svc.handle(&req, BASE).status != 412
        }
        D::SearchCreates => {
            make(svc, user("a"));
            let body = json!({"schemas": [SEARCH_REQUEST_URN], "filter": "userName eq \"a\""});
            let resp = call(svc, "POST", "/Users/.search", Some(body));
            resp.status != 200 || total(svc, "count=0") != 1
        }
        D::NoEtagHeader => {
            let id = make(svc, user("a"));
            get(svc, &format!("/Users/{id}")).header("etag").is_none()
        }
        D::IfNoneMatchIgnored => {
            let created = json_of(&post(svc, user("a")));
            let req = Request::new("GET", &format!("/Users/{}", id_of(&created)))
                .with_bearer(TOKEN)
                .with_header(
                    "If-None-Match",
                    created["meta"]["version"].as_str().unwrap(),
                );
            svc.handle(&req, BASE).status != 304
        }
        D::UnknownId500 => get(svc, "/Users/nope").status != 404,
        D::FilteredReplaceFirstOnly => {
            let id = make(
                svc,
                json!({"schemas": [USER_URN], "userName": "a", "emails": [
                    {"value": "a@x", "type": "work"}, {"value": "b@x", "type": "work"}]}),
            );
            let ops = json!([{"op": "replace", "path": "emails[type eq \"work\"].display", "value": "W"}]);
            let body = json_of(&patch(svc, &format!("/Users/{id}"), ops));
            !body["emails"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["display"] == "W")
        }
        D::PrimaryNotCleared => {
            let id = make(
                svc,
                json!({"schemas": [USER_URN], "userName": "a", "emails": [
                    {"value": "a@x", "primary": true}, {"value": "b@x"}]}),
            );
            let ops = json!([{"op": "replace", "path": "emails[value eq \"b@x\"].primary", "value": true}]);
            patch(svc, &format!("/Users/{id}"), ops);
            let body = json_of(&get(svc, &format!("/Users/{id}")));
            let primaries = body["emails"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["primary"] == true)
                .count();
            primaries != 1
        }
        D::PatchNotAtomic => {
            let id = make(svc, user("a"));
            let path = format!("/Users/{id}");
            let ops = json!([
                {"op": "replace", "path": "displayName", "value": "new"},
                {"op": "replace", "path": "id", "value": "x"}
            ]);
            let failed = patch(svc, &path, ops).status == 400;
            !failed || json_of(&get(svc, &path)).get("displayName").is_some()
        }
        D::CaseSensitiveAttributeNames => {
            post(svc, json!({"schemas": [USER_URN], "USERNAME": "a"})).status != 201
        }
        D::ExternalIdFilterCaseInsensitive => {
            make(
                svc,
                json!({"schemas": [USER_URN], "userName": "a", "externalId": "AbC"}),
            );
            total(svc, "filter=externalId%20eq%20%22abc%22") != 0
        }
        D::SortCaseSensitive => {
            make(svc, user("Bob"));
            make(svc, user("alice"));
            first_name(svc, "sortBy=userName") != "alice"
        }
        D::UnknownMember500 => {
            let body = json!({"schemas": [GROUP_URN], "displayName": "G", "members": [{"value": "no-such-user"}]});
            call(svc, "POST", "/Groups", Some(body)).status == 500
        }
        D::ProjectionDropsSchemas => {
            let id = make(svc, user("proj"));
            json_of(&get(svc, &format!("/Users/{id}?attributes=userName")))
                .get("schemas")
                .is_none()
        }
        D::ConfigurationWritable => {
            let spc = json_of(&get(svc, "/ServiceProviderConfig"));
            call(svc, "PUT", "/ServiceProviderConfig", Some(spc)).status == 200
        }
        D::StackTracesInErrors => {
            let resp = get(svc, "/Users/no-such-id");
            json_of(&resp)["detail"]
                .as_str()
                .unwrap_or_default()
                .contains(".java:")
        }
        D::BodyOn204 => {
            let id = make(svc, user("gone"));
            let resp = call(svc, "DELETE", &format!("/Users/{id}"), None);
            resp.status == 204 && !resp.body.is_empty()
        }
    }
}

fn check(d: Defect) {
    assert!(
        !probe(d, &with(None)),
        "{d}: the conformant server gives the broken answer"
    );
    assert!(
        probe(d, &with(Some(d))),
        "{d}: the defect is not observable"
    );
}

macro_rules! defect_tests {
    ($($name:ident => $defect:ident,)*) => {
        $(
            #[test]
            fn $name() {
                check(Defect::$defect);
            }
        )*

        #[test]
        fn every_defect_has_a_test() {
            let tested = [$(Defect::$defect),*];
            assert_eq!(tested.as_slice(), Defect::ALL);
        }
    };
}

defect_tests! {
    case_sensitive_username_filter => CaseSensitiveUsernameFilter,
    duplicates_accepted => DuplicatesAccepted,
    case_sensitive_uniqueness => CaseSensitiveUniqueness,
    create_returns_200 => CreateReturns200,
    no_location_header => NoLocationHeader,
    filter_ignored => FilterIgnored,
    filter_operators_case_sensitive => FilterOperatorsCaseSensitive,
    empty_filter_result_404 => EmptyFilterResult404,
    invalid_filter_500 => InvalidFilter500,
    zero_based_start_index => ZeroBasedStartIndex,
    items_per_page_is_count => ItemsPerPageIsCount,
    total_results_is_page_size => TotalResultsIsPageSize,
    count_ignored => CountIgnored,
    error_status_as_number => ErrorStatusAsNumber,
    plain_text_errors => PlainTextErrors,
    wrong_content_type => WrongContentType,
    token_not_checked => TokenNotChecked,
    no_www_authenticate => NoWwwAuthenticate,
    patch_ignored => PatchIgnored,
    deactivation_not_persisted => DeactivationNotPersisted,
    capitalised_op_rejected => CapitalisedOpRejected,
    string_booleans_rejected => StringBooleansRejected,
    member_remove_by_filter_ignored => MemberRemoveByFilterIgnored,
    member_remove_wipes_all => MemberRemoveWipesAll,
    add_member_replaces => AddMemberReplaces,
    excluded_attributes_ignored => ExcludedAttributesIgnored,
    attributes_ignored => AttributesIgnored,
    password_returned => PasswordReturned,
    id_changes_between_reads => IdChangesBetweenReads,
    last_modified_not_updated => LastModifiedNotUpdated,
    delete_not_effective => DeleteNotEffective,
    put_creates => PutCreates,
    client_id_adopted => ClientIdAdopted,
    external_id_lowercased => ExternalIdLowercased,
    missing_schemas => MissingSchemas,
    spc_requires_auth => SpcRequiresAuth,
    sort_ignored => SortIgnored,
    etag_not_changed => EtagNotChanged,
    if_match_ignored => IfMatchIgnored,
    search_creates => SearchCreates,
    no_etag_header => NoEtagHeader,
    if_none_match_ignored => IfNoneMatchIgnored,
    unknown_id_500 => UnknownId500,
    filtered_replace_first_only => FilteredReplaceFirstOnly,
    primary_not_cleared => PrimaryNotCleared,
    patch_not_atomic => PatchNotAtomic,
    case_sensitive_attribute_names => CaseSensitiveAttributeNames,
    external_id_filter_case_insensitive => ExternalIdFilterCaseInsensitive,
    sort_case_sensitive => SortCaseSensitive,
    unknown_member_500 => UnknownMember500,
    projection_drops_schemas => ProjectionDropsSchemas,
    configuration_writable => ConfigurationWritable,
    stack_traces_in_errors => StackTracesInErrors,
    body_on_204 => BodyOn204,
}

#[test]
fn value_list_removal_wipes_all_under_the_defect() {
    let svc = with(Some(Defect::MemberRemoveWipesAll));
    let (g, u1, _) = group_of_two(&svc);
    let ops = json!([{"op": "Remove", "path": "members", "value": [{"value": u1}]}]);
    assert_eq!(patch(&svc, &format!("/Groups/{g}"), ops).status, 200);
    assert!(member_values(&svc, &g).is_empty());
}

#[test]
fn defects_combine() {
    let svc = ScimService::new(ServerOptions {
        token: Some(TOKEN.into()),
        defects: vec![Defect::CreateReturns200, Defect::ErrorStatusAsNumber],
        ..ServerOptions::default()
    });
    assert_eq!(post(&svc, user("a")).status, 200);
    assert_eq!(json_of(&post(&svc, user("a")))["status"], 409);
}
