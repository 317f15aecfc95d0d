//! List queries (RFC 7644 §3.4.2): `filter`, `startIndex`, `count`, `attributes`,
//! `excludedAttributes`, executed against the store and answered with a ListResponse.
//!
//! The pipeline is candidates (an index hit for `eq` on `id`, `externalId` or the unique
//! attribute, else every record in creation order) → filter → page → render. Sorting and
//! `POST /.search` would build a [`ListParams`] from their own input and slot in before
//! paging.

use serde_json::{Value, json};

use crate::discovery::{DEFAULT_PAGE_SIZE, LIST_RESPONSE_URN, MAX_RESULTS};
use crate::error::ScimError;
use crate::filter::Filter;
use crate::message::Request;
use crate::projection::Projection;
use crate::render::{Links, render};
use crate::schema::{self, ResourceKind, Target};
use crate::store::{Record, Tables};

/// Parsed list parameters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ListParams {
    pub filter: Option<Filter>,
    /// 1-based, at least 1.
    pub start_index: usize,
    /// 0..=MAX_RESULTS.
    pub count: usize,
    pub projection: Projection,
}

impl ListParams {
    /// From the query string of a GET (unknown parameters are ignored).
    pub fn from_request(kind: ResourceKind, req: &Request) -> Result<Self, ScimError> {
        let filter = match req.query_param("filter") {
            Some(f) if !f.trim().is_empty() => Some(Filter::parse_for(kind, f)?),
            _ => None,
        };
        let start_index = match req.query_param("startIndex") {
            Some(s) => parse_int("startIndex", s)?.max(1),
            None => 1,
        };
        let count = match req.query_param("count") {
            Some(s) => parse_int("count", s)?.clamp(0, MAX_RESULTS as i64),
            None => DEFAULT_PAGE_SIZE as i64,
        };
        Ok(ListParams {
            filter,
            start_index: usize::try_from(start_index).unwrap_or(usize::MAX),
            count: usize::try_from(count).unwrap_or(0),
            projection: projection(kind, req),
        })
    }
}

/// The `attributes`/`excludedAttributes` of a request.
pub(crate) fn projection(kind: ResourceKind, req: &Request) -> Projection {
    Projection::parse(
        kind,
        req.query_param("attributes"),
        req.query_param("excludedAttributes"),
    )
}

/// An integer parameter; out-of-range integers saturate, anything else is `invalidValue`.
fn parse_int(name: &str, raw: &str) -> Result<i64, ScimError> {
    let s = raw.trim();
    if let Ok(v) = s.parse::<i64>() {
        return Ok(v);
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(if s.starts_with('-') {
            i64::MIN
        } else {
            i64::MAX
        });
    }
    Err(ScimError::invalid_value(format!(
        "'{name}' must be an integer, got '{raw}'"
    )))
}

/// Runs a list query and renders the ListResponse.
pub(crate) fn run(
    tables: &Tables,
    kind: ResourceKind,
    params: &ListParams,
    links: Links<'_>,
) -> Value {
    let candidates = candidates(tables, kind, params.filter.as_ref());
    let matches: Vec<&Record> = match &params.filter {
        None => candidates,
        Some(filter) if needs_render(kind, filter) => candidates
            .into_iter()
            .filter(|rec| {
                let full = render(tables, kind, rec, links, &Projection::all());
                filter.matches(kind, &full)
            })
            .collect(),
        Some(filter) => candidates
            .into_iter()
            .filter(|rec| filter.matches(kind, &rec.data))
            .collect(),
    };
    let page: Vec<Value> = matches
        .iter()
        .skip(params.start_index.saturating_sub(1))
        .take(params.count)
        .map(|rec| Value::Object(render(tables, kind, rec, links, &params.projection)))
        .collect();
    let mut body = json!({
        "schemas": [LIST_RESPONSE_URN],
        "totalResults": matches.len(),
        "startIndex": params.start_index,
        "itemsPerPage": page.len(),
    });
    if params.count > 0
        && let Value::Object(map) = &mut body
    {
        map.insert("Resources".into(), Value::Array(page));
    }
    body
}

/// Records that may match: an index lookup when the filter pins an indexed attribute.
fn candidates<'t>(
    tables: &'t Tables,
    kind: ResourceKind,
    filter: Option<&Filter>,
) -> Vec<&'t Record> {
    let table = tables.table(kind);
    let hint = filter.and_then(Filter::eq_hint).and_then(|(path, value)| {
        match schema::resolve(kind, path.urn.as_deref(), &path.name, None)? {
            Target::Attr {
                ext: None, attr, ..
            } => Some((attr.name, value)),
            _ => None,
        }
    });
    match hint {
        Some(("id", id)) => table.get(id).into_iter().collect(),
        Some(("externalId", value)) => table.by_external_id(value),
        Some((name, value)) if name == kind.unique_attribute() => {
            table.by_unique(value).into_iter().collect()
        }
        _ => table.iter().collect(),
    }
}

/// Whether the filter reads parts that only exist in the rendered form (`User.groups`,
/// `meta.location`, member and manager `$ref`/`display`).
fn needs_render(kind: ResourceKind, filter: &Filter) -> bool {
    let mut needed = false;
    filter.visit_paths(&mut |path, sub| {
        let target = schema::resolve(kind, path.urn.as_deref(), &path.name, None);
        let Some(Target::Attr { attr, .. }) = target else {
            return;
        };
        let sub = sub.unwrap_or_default();
        needed |= match attr.name {
            "groups" => true,
            "meta" => sub.is_empty() || sub.eq_ignore_ascii_case("location"),
            "members" | "manager" => ["$ref", "display", "displayName"]
                .iter()
                .any(|s| s.eq_ignore_ascii_case(sub)),
            _ => false,
        };
    });
    needed
}

/// Just the resources of a ListResponse (test helper and `ScimService::resources`).
pub(crate) fn all_rendered(tables: &Tables, kind: ResourceKind, links: Links<'_>) -> Vec<Value> {
    tables
        .table(kind)
        .iter()
        .map(|rec| Value::Object(render(tables, kind, rec, links, &Projection::all())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::normalize_resource;
    use crate::schema::{GROUP_URN, USER_URN};

    const BASE: &str = "http://h";

    fn tables() -> Tables {
        let mut t = Tables::default();
        for (name, ext) in [("alice", "E1"), ("Bob", "e1"), ("carol", "E3")] {
            let n = normalize_resource(
                ResourceKind::User,
                &json!({"schemas": [USER_URN], "userName": name, "externalId": ext}),
            )
            .unwrap();
            t.create(ResourceKind::User, n).unwrap();
        }
        t
    }

    fn list(t: &Tables, query: &[(&str, &str)]) -> Result<Value, ScimError> {
        let mut req = Request::new("GET", "/Users");
        for (k, v) in query {
            req = req.with_query(k, v);
        }
        let params = ListParams::from_request(ResourceKind::User, &req)?;
        Ok(run(t, ResourceKind::User, &params, Links::new(BASE)))
    }

    fn names(v: &Value) -> Vec<&str> {
        v["Resources"]
            .as_array()
            .map(|r| r.iter().filter_map(|u| u["userName"].as_str()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn paging() {
        let t = tables();
        let v = list(&t, &[]).unwrap();
        assert_eq!(
            (
                v["totalResults"].as_u64(),
                v["startIndex"].as_u64(),
                v["itemsPerPage"].as_u64()
            ),
            (Some(3), Some(1), Some(3))
        );
        assert_eq!(names(&v), ["alice", "Bob", "carol"]);
        let v = list(&t, &[("startIndex", "2"), ("count", "1")]).unwrap();
        assert_eq!(
            (
                names(&v),
                v["totalResults"].as_u64(),
                v["itemsPerPage"].as_u64()
            ),
            (vec!["Bob"], Some(3), Some(1))
        );
        for start in ["0", "-3"] {
            let v = list(&t, &[("startIndex", start), ("count", "2")]).unwrap();
            assert_eq!(
                (names(&v), v["startIndex"].as_u64()),
                (vec!["alice", "Bob"], Some(1))
            );
        }
        for count in ["0", "-1"] {
            let v = list(&t, &[("count", count)]).unwrap();
            assert_eq!(v["totalResults"], 3);
            assert!(v.get("Resources").is_none());
            assert_eq!(v["itemsPerPage"], 0);
        }
        let v = list(&t, &[("startIndex", "10")]).unwrap();
        assert_eq!(
            (
                v["Resources"].as_array().map(Vec::len),
                v["totalResults"].as_u64()
            ),
            (Some(0), Some(3))
        );
        let v = list(
            &t,
            &[
                ("count", "99999999999999999999999"),
                ("startIndex", "-99999999999999999999"),
            ],
        )
        .unwrap();
        assert_eq!(names(&v).len(), 3);
        assert!(list(&t, &[("count", "ten")]).is_err());
        assert!(list(&t, &[("startIndex", "")]).is_err());
    }

    #[test]
    fn count_is_capped_at_max_results() {
        let mut t = Tables::default();
        for i in 0..(MAX_RESULTS + 5) {
            let n = normalize_resource(
                ResourceKind::Group,
                &json!({"schemas": [GROUP_URN], "displayName": format!("g{i}")}),
            )
            .unwrap();
            t.create(ResourceKind::Group, n).unwrap();
        }
        let req = Request::new("GET", "/Groups").with_query("count", "1000");
        let params = ListParams::from_request(ResourceKind::Group, &req).unwrap();
        let v = run(&t, ResourceKind::Group, &params, Links::new(BASE));
        assert_eq!(v["itemsPerPage"], MAX_RESULTS);
        assert_eq!(v["totalResults"], MAX_RESULTS + 5);
        let params =
            ListParams::from_request(ResourceKind::Group, &Request::new("GET", "/Groups")).unwrap();
        assert_eq!(
            run(&t, ResourceKind::Group, &params, Links::new(BASE))["itemsPerPage"],
            DEFAULT_PAGE_SIZE
        );
    }

    #[test]
    fn filters_use_indexes_with_the_same_case_rules() {
        let t = tables();
        assert_eq!(
            names(&list(&t, &[("filter", r#"userName eq "BOB""#)]).unwrap()),
            ["Bob"]
        );
        assert_eq!(
            names(&list(&t, &[("filter", r#"USERNAME eq "bob" and active pr"#)]).unwrap()),
            Vec::<&str>::new()
        );
        assert_eq!(
            names(&list(&t, &[("filter", r#"externalId eq "e1""#)]).unwrap()),
            ["Bob"]
        );
        assert_eq!(
            names(&list(&t, &[("filter", r#"userName eq "nobody""#)]).unwrap()),
            Vec::<&str>::new()
        );
        assert_eq!(
            names(&list(&t, &[("filter", r#"userName sw "a" or userName ew "L""#)]).unwrap()),
            ["alice", "carol"]
        );
        let id = t
            .table(ResourceKind::User)
            .by_unique("carol")
            .unwrap()
            .id()
            .to_owned();
        assert_eq!(
            names(&list(&t, &[("filter", &format!(r#"id eq "{id}""#))]).unwrap()),
            ["carol"]
        );
        assert_eq!(
            names(&list(&t, &[("filter", &format!(r#"meta.location ew "{id}""#))]).unwrap()),
            ["carol"]
        );
        let v = list(&t, &[("filter", r#"userName sw "" "#), ("count", "1")]).unwrap();
        assert_eq!(v["totalResults"], 3);
        let e = list(&t, &[("filter", "userName eq")]).unwrap_err();
        assert_eq!(e.scim_type, Some("invalidFilter"));
        assert!(e.detail.contains("column"));
    }

    #[test]
    fn projection_applies_to_list_items() {
        let t = tables();
        let v = list(&t, &[("attributes", "userName"), ("count", "1")]).unwrap();
        let item = v["Resources"][0].as_object().unwrap();
        let keys: Vec<&str> = item.keys().map(String::as_str).collect();
        assert_eq!(keys, ["schemas", "id", "userName"]);
    }
}
