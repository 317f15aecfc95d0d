//! List queries (RFC 7644 §3.4.2, §3.4.3): `filter`, `sortBy`/`sortOrder`, `startIndex`,
//! `count`, `attributes`, `excludedAttributes`, from a GET query string or a
//! `SearchRequest` body, executed against the store and answered with a ListResponse.
//!
//! The pipeline is candidates (an index hit for `eq` on `id`, `externalId`, the unique
//! attribute or User `displayName`, else every record in creation order) → filter → sort
//! → page → render. A query at the service root covers Users and Groups together; an
//! attribute a type lacks is "no value" there (RFC 7644 §3.4.2.1).
//!
//! The paging, filtering, sorting and projection defect modes live here, where a real
//! server's list handler would have them.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::defect::{Defect, Policy, quirk};
use crate::discovery::{DEFAULT_PAGE_SIZE, LIST_RESPONSE_URN, MAX_RESULTS};
use crate::error::ScimError;
use crate::filter::{AttrPath, Filter, Matching, Syntax, fold, get_ci};
use crate::json::{WriteJson, write_array};
use crate::message::RequestView;
use crate::projection::Projection;
use crate::render::{Links, Rendered, render, render_canonical};
use crate::schema::{self, AttrType, ResourceKind, Target};
use crate::store::{Record, Tables};
use crate::time::parse_datetime;
use crate::variant::{self, Variant};

/// The `schemas` URN of a `POST .search` body.
pub const SEARCH_REQUEST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// Query parameters as the client sent them, from a query string or a SearchRequest.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct QueryInput {
    pub filter: Option<String>,
    pub start_index: Option<i64>,
    pub count: Option<i64>,
    pub attributes: Option<String>,
    pub excluded: Option<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
}

impl QueryInput {
    /// From the query string of a GET (unknown parameters are ignored).
    pub fn from_request(req: &dyn RequestView) -> Result<Self, ScimError> {
        let int = |name: &str| {
            req.query_param(name)
                .map(|s| parse_int(name, s))
                .transpose()
        };
        Ok(QueryInput {
            filter: req.query_param("filter").map(str::to_owned),
            start_index: int("startIndex")?,
            count: int("count")?,
            attributes: req.query_param("attributes").map(str::to_owned),
            excluded: req.query_param("excludedAttributes").map(str::to_owned),
            sort_by: req.query_param("sortBy").map(str::to_owned),
            sort_order: req.query_param("sortOrder").map(str::to_owned),
        })
    }

    /// From a `SearchRequest` body (RFC 7644 §3.4.3): `schemas` must name the
    /// SearchRequest URN; `attributes`/`excludedAttributes` are arrays of strings.
    pub fn from_search_request(body: &Value, p: Policy) -> Result<Self, ScimError> {
        let Value::Object(obj) = body else {
            return Err(ScimError::invalid_syntax(
                "the search body must be a JSON object",
            ));
        };
        let has_urn = matches!(get_ci(obj, "schemas"), Some(Value::Array(s))
            if s.iter().any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(SEARCH_REQUEST_URN))));
        if !has_urn {
            return Err(ScimError::invalid_syntax(format!(
                "the search body must carry \"schemas\": [\"{SEARCH_REQUEST_URN}\"]"
            )));
        }
        let string = |name: &str| -> Result<Option<String>, ScimError> {
            match get_ci(obj, name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(ScimError::invalid_value(format!(
                    "'{name}' must be a string"
                ))),
            }
        };
        let int = |name: &str| -> Result<Option<i64>, ScimError> {
            match get_ci(obj, name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => Ok(Some(n.as_i64().unwrap_or(if n.is_u64() {
                    i64::MAX
                } else {
                    0
                }))),
                Some(v @ Value::String(_)) if p.strict => Err(ScimError::invalid_value(quirk(
                    &format!("the string {v} for the integer '{name}'"),
                    "send a JSON number",
                    "some clients copy query-string values into the body",
                ))),
                Some(Value::String(s)) => parse_int(name, s).map(Some),
                Some(_) => Err(ScimError::invalid_value(format!(
                    "'{name}' must be an integer"
                ))),
            }
        };
        let list = |name: &str| -> Result<Option<String>, ScimError> {
            match get_ci(obj, name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Array(items)) => {
                    let mut names = Vec::with_capacity(items.len());
                    for item in items {
                        match item {
                            Value::String(s) => names.push(s.as_str()),
                            _ => {
                                return Err(ScimError::invalid_value(format!(
                                    "'{name}' must be an array of strings"
                                )));
                            }
                        }
                    }
                    Ok(Some(names.join(",")))
                }
                Some(v @ Value::String(_)) if p.strict => Err(ScimError::invalid_value(quirk(
                    &format!("the comma-separated string {v} for '{name}'"),
                    "send a JSON array of attribute names (RFC 7644 §3.4.3)",
                    "some clients copy the query-string form into the body",
                ))),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(ScimError::invalid_value(format!(
                    "'{name}' must be an array of strings"
                ))),
            }
        };
        Ok(QueryInput {
            filter: string("filter")?,
            start_index: int("startIndex")?,
            count: int("count")?,
            attributes: list("attributes")?,
            excluded: list("excludedAttributes")?,
            sort_by: string("sortBy")?,
            sort_order: string("sortOrder")?,
        })
    }
}

/// `sortBy`/`sortOrder`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sort {
    pub path: AttrPath,
    pub descending: bool,
}

/// Validated list parameters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ListParams {
    /// The resource types queried (two at the service root).
    pub kinds: Vec<ResourceKind>,
    pub filter: Option<Filter>,
    /// The requested `startIndex` (at least 1; 0-based under a defect).
    pub start_index: usize,
    /// 0..=MAX_RESULTS.
    pub count: usize,
    pub sort: Option<Sort>,
    pub attributes: Option<String>,
    pub excluded: Option<String>,
    policy: Policy,
}

impl ListParams {
    /// From a GET query string on the endpoint of `kind` (tests).
    #[cfg(test)]
    pub fn from_request(kind: ResourceKind, req: &dyn RequestView) -> Result<Self, ScimError> {
        ListParams::new(&[kind], QueryInput::from_request(req)?, Policy::default())
    }

    /// Validates the input for a query over `kinds`.
    pub fn new(kinds: &[ResourceKind], input: QueryInput, p: Policy) -> Result<Self, ScimError> {
        let syntax = Syntax {
            lowercase_operators_only: p.has(Defect::FilterOperatorsCaseSensitive),
            strict: p.strict,
        };
        let filter = match input.filter.as_deref() {
            _ if p.has(Defect::FilterIgnored) => None,
            Some(f) if !f.trim().is_empty() => match Filter::parse_with(kinds, f, syntax) {
                Ok(filter) => Some(filter),
                Err(e) if p.has(Defect::InvalidFilter500) => {
                    return Err(ScimError::new(
                        500,
                        None,
                        format!("internal server error: unhandled FilterParseException: {e}"),
                    ));
                }
                Err(e) => return Err(e.into()),
            },
            _ => None,
        };
        let start_index = if p.has(Defect::ZeroBasedStartIndex) {
            input.start_index.unwrap_or(0).max(0)
        } else {
            input.start_index.unwrap_or(1).max(1)
        };
        let max_page = if p.varies(Variant::PageSizeCap) {
            variant::PAGE_SIZE_CAP
        } else {
            MAX_RESULTS
        };
        let count = match input.count {
            _ if p.has(Defect::CountIgnored) => DEFAULT_PAGE_SIZE as i64,
            Some(c) => c.clamp(0, max_page as i64),
            None => DEFAULT_PAGE_SIZE.min(max_page) as i64,
        };
        let descending = match input.sort_order.as_deref().map(str::trim) {
            None | Some("") => false,
            Some(o) if o.eq_ignore_ascii_case("ascending") => false,
            Some(o) if o.eq_ignore_ascii_case("descending") => true,
            Some(o) => {
                return Err(ScimError::invalid_value(format!(
                    "'sortOrder' must be \"ascending\" or \"descending\", got '{o}'"
                )));
            }
        };
        let sort = match input.sort_by.as_deref().map(str::trim) {
            _ if p.has(Defect::SortIgnored) => None,
            None | Some("") => None,
            Some(_) if p.varies(Variant::SortUnsupported) => {
                return Err(ScimError::invalid_value(
                    "sorting is not supported (sort.supported is false in /ServiceProviderConfig)",
                ));
            }
            Some(s) => Some(Sort {
                path: AttrPath::parse(s).map_err(|e| {
                    ScimError::invalid_value(format!("'sortBy' is not an attribute path: {e}"))
                })?,
                descending,
            }),
        };
        Ok(ListParams {
            kinds: kinds.to_vec(),
            filter,
            start_index: usize::try_from(start_index).unwrap_or(usize::MAX),
            count: usize::try_from(count).unwrap_or(0),
            sort,
            attributes: input.attributes,
            excluded: input.excluded,
            policy: p,
        })
    }

    /// The projection for resources of `kind`.
    pub fn projection(&self, kind: ResourceKind) -> Projection {
        projection_of(
            kind,
            self.attributes.as_deref(),
            self.excluded.as_deref(),
            self.policy,
        )
    }
}

/// The `attributes`/`excludedAttributes` of a request.
pub(crate) fn projection(kind: ResourceKind, req: &dyn RequestView, p: Policy) -> Projection {
    projection_of(
        kind,
        req.query_param("attributes"),
        req.query_param("excludedAttributes"),
        p,
    )
}

fn projection_of(
    kind: ResourceKind,
    attributes: Option<&str>,
    excluded: Option<&str>,
    p: Policy,
) -> Projection {
    Projection::parse(
        kind,
        attributes.filter(|_| !p.has(Defect::AttributesIgnored)),
        excluded.filter(|_| !p.has(Defect::ExcludedAttributesIgnored)),
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

/// A ListResponse (RFC 7644 §3.4.2), written straight to JSON.
#[derive(Debug)]
pub(crate) struct ListResponse<'t> {
    total: usize,
    start_index: usize,
    items_per_page: usize,
    /// `None` leaves `Resources` out (a `count=0` query).
    resources: Option<Vec<Rendered<'t>>>,
}

impl WriteJson for ListResponse<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        // The names and the URN are constants that need no escaping.
        for (text, n) in [
            ("{\"schemas\":[\"", None),
            (LIST_RESPONSE_URN, None),
            ("\"],\"totalResults\":", Some(self.total)),
            (",\"startIndex\":", Some(self.start_index)),
            (",\"itemsPerPage\":", Some(self.items_per_page)),
        ] {
            out.extend_from_slice(text.as_bytes());
            if let Some(n) = n {
                n.write_json(out);
            }
        }
        if let Some(resources) = &self.resources {
            out.extend_from_slice(b",\"Resources\":");
            write_array(out, resources);
        }
        out.push(b'}');
    }
}

/// Runs a list query and renders the ListResponse.
pub(crate) fn run<'t>(
    tables: &'t Tables,
    params: &ListParams,
    links: Links<'t>,
) -> Result<ListResponse<'t>, ScimError> {
    let p = params.policy;
    let matching = Matching {
        case_exact_user_name: p.has(Defect::CaseSensitiveUsernameFilter),
        case_insensitive_external_id: p.has(Defect::ExternalIdFilterCaseInsensitive),
    };
    let mut matches: Vec<(ResourceKind, &Record)> = Vec::new();
    for &kind in &params.kinds {
        let (candidates, answered) = candidates(tables, kind, params.filter.as_ref(), p);
        match &params.filter {
            None => matches.extend(candidates.into_iter().map(|r| (kind, r))),
            Some(_) if answered => matches.extend(candidates.into_iter().map(|r| (kind, r))),
            Some(filter) if needs_render(kind, filter) => {
                matches.extend(candidates.into_iter().filter_map(|rec| {
                    let full = render_canonical(tables, kind, rec, links, &Projection::all());
                    filter
                        .matches_with(kind, &full, matching)
                        .then_some((kind, rec))
                }));
            }
            Some(filter) => matches.extend(
                candidates
                    .into_iter()
                    .filter(|rec| filter.matches_with(kind, &rec.data, matching))
                    .map(|r| (kind, r)),
            ),
        }
    }
    if params.filter.is_some() && matches.is_empty() && p.has(Defect::EmptyFilterResult404) {
        return Err(ScimError::not_found("no resources match the filter"));
    }
    if let Some(sort) = &params.sort {
        sort_matches(tables, &mut matches, sort, links, p);
    } else if p.varies(Variant::UnsortedLists) {
        // A hash-partitioned store answers in hash order, not creation order.
        matches.sort_by_key(|(_, rec)| variant::hash_rank(rec.id()));
    }
    let skip = if p.has(Defect::ZeroBasedStartIndex) {
        params.start_index
    } else {
        params.start_index.saturating_sub(1)
    };
    // One projection per resource type queried (the others stay the default set).
    let projections = ResourceKind::ALL.map(|k| {
        if params.kinds.contains(&k) {
            (k, params.projection(k))
        } else {
            (k, Projection::all())
        }
    });
    let page: Vec<Rendered<'t>> = matches
        .iter()
        .skip(skip)
        .take(params.count)
        .map(|(kind, rec)| {
            let all = Projection::all();
            let projection = projections
                .iter()
                .find(|(k, _)| k == kind)
                .map_or(&all, |(_, pr)| pr);
            let item = render(tables, *kind, rec, links, projection);
            if p.has(Defect::IdChangesBetweenReads) {
                // The list DTO maps the database row number, not the resource id.
                let mut item = item.into_map();
                item.insert("id".into(), Value::from(rec.seq.to_string()));
                return Rendered::Map(item);
            }
            item
        })
        .collect();
    let total = if p.has(Defect::TotalResultsIsPageSize) {
        page.len()
    } else {
        matches.len()
    };
    let items_per_page = if p.has(Defect::ItemsPerPageIsCount) {
        params.count
    } else {
        page.len()
    };
    let with_resources = params.count > 0 || p.has(Defect::CountIgnored);
    Ok(ListResponse {
        total,
        start_index: params.start_index,
        items_per_page,
        resources: with_resources.then_some(page),
    })
}

/// Records that may match: an index lookup when the filter pins an indexed attribute.
/// `true` with them when each is known to match already: a filter that is nothing but
/// `eq` on the unique attribute is answered by its case-folded index, which folds exactly
/// as the comparison does (unless a defect makes the comparison case-exact).
fn candidates<'t>(
    tables: &'t Tables,
    kind: ResourceKind,
    filter: Option<&Filter>,
    p: Policy,
) -> (Vec<&'t Record>, bool) {
    let table = tables.table(kind);
    let hint = filter.and_then(Filter::eq_hint).and_then(|(path, value)| {
        match schema::resolve(kind, path.urn.as_deref(), &path.name, None)? {
            Target::Attr {
                ext: None, attr, ..
            } => Some((attr.name, value)),
            _ => None,
        }
    });
    let records = match hint {
        Some(("id", id)) => table.get(id).into_iter().collect(),
        // A case-insensitive collation cannot use the case-exact index.
        Some(("externalId", value)) if !p.has(Defect::ExternalIdFilterCaseInsensitive) => {
            table.by_external_id(value)
        }
        Some((name, value)) if name == kind.unique_attribute() => {
            let answered = matches!(filter, Some(Filter::Compare { .. }))
                && !p.has(Defect::CaseSensitiveUsernameFilter);
            return (table.by_unique(value).into_iter().collect(), answered);
        }
        Some(("displayName", value)) if kind == ResourceKind::User => table.by_display_name(value),
        _ => table.iter().collect(),
    };
    (records, false)
}

/// Whether an attribute only exists in the rendered form: the common attributes
/// (`schemas`, `id`, `meta`), `User.groups`, and member/manager `$ref`/`display`.
fn is_derived(kind: ResourceKind, path: &AttrPath, sub: Option<&str>) -> bool {
    if path.urn.is_none() && path.name.eq_ignore_ascii_case("schemas") {
        return true;
    }
    let target = schema::resolve(kind, path.urn.as_deref(), &path.name, None);
    let Some(Target::Attr { attr, .. }) = target else {
        return false;
    };
    let sub = sub.unwrap_or_default();
    match attr.name {
        "groups" | "id" | "meta" => true,
        "members" | "manager" => ["$ref", "display", "displayName", "type"]
            .iter()
            .any(|s| s.eq_ignore_ascii_case(sub)),
        _ => false,
    }
}

/// Whether the filter reads parts that only exist in the rendered form.
fn needs_render(kind: ResourceKind, filter: &Filter) -> bool {
    let mut needed = false;
    filter.visit_paths(&mut |path, sub| needed |= is_derived(kind, path, sub));
    needed
}

/// A comparable sort value.
#[derive(Debug, Clone, PartialEq)]
enum SortKey {
    Bool(bool),
    Number(f64),
    Date(i128),
    Text(String),
}

impl SortKey {
    fn rank(&self) -> u8 {
        match self {
            SortKey::Bool(_) => 0,
            SortKey::Number(_) => 1,
            SortKey::Date(_) => 2,
            SortKey::Text(_) => 3,
        }
    }

    fn compare(&self, other: &SortKey) -> Ordering {
        match (self, other) {
            (SortKey::Bool(a), SortKey::Bool(b)) => a.cmp(b),
            (SortKey::Number(a), SortKey::Number(b)) => a.total_cmp(b),
            (SortKey::Date(a), SortKey::Date(b)) => a.cmp(b),
            (SortKey::Text(a), SortKey::Text(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// Orders `matches` by `sort` (stable; resources without a value last when ascending,
/// first when descending).
fn sort_matches(
    tables: &Tables,
    matches: &mut Vec<(ResourceKind, &Record)>,
    sort: &Sort,
    links: Links<'_>,
    p: Policy,
) {
    let mut keyed: Vec<(Option<SortKey>, (ResourceKind, &Record))> = matches
        .drain(..)
        .map(|(kind, rec)| {
            (
                sort_key(tables, kind, rec, &sort.path, links, p),
                (kind, rec),
            )
        })
        .collect();
    keyed.sort_by(|(a, _), (b, _)| match (a, b) {
        (Some(a), Some(b)) if sort.descending => b.compare(a),
        (Some(a), Some(b)) => a.compare(b),
        (Some(_), None) if sort.descending => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) if sort.descending => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    });
    matches.extend(keyed.into_iter().map(|(_, m)| m));
}

/// The value a resource sorts by: multi-valued attributes use the primary value, else the
/// first; complex values without a sub-attribute use their `value`.
fn sort_key(
    tables: &Tables,
    kind: ResourceKind,
    rec: &Record,
    path: &AttrPath,
    links: Links<'_>,
    p: Policy,
) -> Option<SortKey> {
    let Some(Target::Attr { ext, attr, sub }) =
        schema::resolve(kind, path.urn.as_deref(), &path.name, path.sub.as_deref())
    else {
        return None;
    };
    let rendered;
    let data: &Map<String, Value> = if is_derived(kind, path, path.sub.as_deref()) {
        rendered = render_canonical(tables, kind, rec, links, &Projection::all());
        &rendered
    } else {
        &rec.data
    };
    let container = match ext {
        Some(ext) => data.get(ext.id)?.as_object()?,
        None => data,
    };
    let mut value = container.get(attr.name)?;
    if let Value::Array(items) = value {
        value = items
            .iter()
            .find(|v| v.get("primary") == Some(&Value::Bool(true)))
            .or_else(|| items.first())?;
    }
    let def = match sub {
        Some(sub) => {
            value = value.get(sub.name)?;
            sub
        }
        None if value.is_object() => {
            value = value.get("value")?;
            attr.sub_attribute("value").unwrap_or(attr)
        }
        None => attr,
    };
    match value {
        Value::Bool(b) => Some(SortKey::Bool(*b)),
        Value::Number(n) => n.as_f64().map(SortKey::Number),
        Value::String(s) if def.ty == AttrType::DateTime => parse_datetime(s)
            .map(SortKey::Date)
            .or_else(|| Some(SortKey::Text(s.clone()))),
        Value::String(s) if def.case_exact || p.has(Defect::SortCaseSensitive) => {
            Some(SortKey::Text(s.clone()))
        }
        Value::String(s) => Some(SortKey::Text(fold(s).into_owned())),
        _ => None,
    }
}

/// Just the resources of a ListResponse (test helper and `ScimService::resources`).
pub(crate) fn all_rendered(tables: &Tables, kind: ResourceKind, links: Links<'_>) -> Vec<Value> {
    tables
        .table(kind)
        .iter()
        .map(|rec| Value::Object(render(tables, kind, rec, links, &Projection::all()).into_map()))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::message::Request;
    use crate::resource::normalize_resource;
    use crate::schema::{GROUP_URN, USER_URN};

    fn value(list: ListResponse<'_>) -> Value {
        serde_json::from_slice(&list.to_json_vec()).unwrap()
    }

    const BASE: &str = "http://h";

    fn tables() -> Tables {
        let mut t = Tables::default();
        for (name, ext) in [("alice", "E1"), ("Bob", "e1"), ("carol", "E3")] {
            let n = normalize_resource(
                ResourceKind::User,
                &json!({"schemas": [USER_URN], "userName": name, "externalId": ext}),
                Policy::default(),
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
        run(t, &params, Links::new(BASE)).map(value)
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
                Policy::default(),
            )
            .unwrap();
            t.create(ResourceKind::Group, n).unwrap();
        }
        let req = Request::new("GET", "/Groups").with_query("count", "1000");
        let params = ListParams::from_request(ResourceKind::Group, &req).unwrap();
        let v = value(run(&t, &params, Links::new(BASE)).unwrap());
        assert_eq!(v["itemsPerPage"], MAX_RESULTS);
        assert_eq!(v["totalResults"], MAX_RESULTS + 5);
        let params =
            ListParams::from_request(ResourceKind::Group, &Request::new("GET", "/Groups")).unwrap();
        assert_eq!(
            value(run(&t, &params, Links::new(BASE)).unwrap())["itemsPerPage"],
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
