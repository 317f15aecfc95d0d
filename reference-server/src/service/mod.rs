//! [`ScimService`]: the synchronous, thread-safe SCIM core. [`ScimService::handle`] checks
//! authentication (which also selects the tenant), routes the request, runs the handler
//! against that tenant's store, and renders a [`Response`] (errors included, always as
//! SCIM JSON).
//!
//! Single-resource responses carry the weak `ETag` (`meta.version`); `If-Match` guards
//! PUT, PATCH and DELETE (412 on mismatch, `*` matches), `If-None-Match` answers a GET
//! with 304. `POST /Bulk` lives in `bulk`. The defects of a real server's HTTP layer
//! (status codes, headers, error bodies, authentication, routing) are injected here.

pub mod bulk;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use crate::defect::{Defect, Policy, quirk};
use crate::discovery;
use crate::error::ScimError;
use crate::message::{Request, Response, SCIM_MEDIA_TYPE};
use crate::options::ServerOptions;
use crate::patch;
use crate::query::{self, ListParams, QueryInput};
use crate::render::{Links, render};
use crate::resource::{check_immutable, normalize_resource, normalize_unvalidated};
use crate::schema::ResourceKind;
use crate::seed;
use crate::store::{Record, Store, Tables};
use crate::variant::{self, Variant};

/// The SCIM service provider: options plus one in-memory store per tenant. `Send + Sync`;
/// share it behind an `Arc`.
#[derive(Debug)]
pub struct ScimService {
    options: ServerOptions,
    policy: Policy,
    /// Tenant 0 belongs to `options.token`, the others to `options.tenants`.
    tenants: Vec<Tenant>,
    /// Base URL for [`ScimService::insert`] / [`ScimService::resources`] output.
    default_base_url: OnceLock<String>,
    /// Requests served so far (the gateway's counter for the rate-limiting variants).
    requests: AtomicU64,
}

/// One isolated data set and the bearer token that selects it.
#[derive(Debug)]
struct Tenant {
    token: Option<String>,
    store: Store,
}

/// A routed endpoint.
#[derive(Debug, Clone, Copy)]
enum Route<'a> {
    Root,
    Search,
    ServiceProviderConfig,
    ResourceTypes(Option<&'a str>),
    Schemas(Option<&'a str>),
    Collection(ResourceKind),
    CollectionSearch(ResourceKind),
    Resource(ResourceKind, &'a str),
    Me,
    Bulk,
}

impl Route<'_> {
    /// Discovery endpoints are served without authentication.
    fn is_discovery(&self) -> bool {
        matches!(
            self,
            Route::ServiceProviderConfig | Route::ResourceTypes(_) | Route::Schemas(_)
        )
    }
}

impl ScimService {
    /// A service with empty stores (tenant 0 holds `options.seed_users` seeded users).
    pub fn new(options: ServerOptions) -> Self {
        let policy = Policy::new(options.strict, &options.defects, &options.variants);
        let mut first = Tables::new(policy);
        seed::seed_users(&mut first, options.seed_users);
        if policy.varies(Variant::ForeignData) {
            seed::seed_foreign(&mut first);
        }
        let mut tenants = vec![Tenant {
            token: options.token.clone(),
            store: Store::new(first),
        }];
        tenants.extend(options.tenants.iter().map(|token| Tenant {
            token: Some(token.clone()),
            store: Store::new(Tables::new(policy)),
        }));
        ScimService {
            options,
            policy,
            tenants,
            default_base_url: OnceLock::new(),
            requests: AtomicU64::new(0),
        }
    }

    /// The options the service was built with.
    pub fn options(&self) -> &ServerOptions {
        &self.options
    }

    /// Serves one request. `base_url` is the absolute URL of the SCIM base (e.g.
    /// `http://127.0.0.1:4000/scim/v2`), used for `meta.location`, `Location` and `$ref`.
    pub fn handle(&self, req: &Request, base_url: &str) -> Response {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        let resp = match self.throttle(n) {
            Some(resp) => resp,
            None => match self.dispatch(req, Links::new(base_url)) {
                Ok(resp) => resp,
                Err(err) => self.error_response(&err),
            },
        };
        self.finish(resp, n)
    }

    /// The gateway in front of the service: the `n`th request refused without being
    /// served (`rate-limited`: 429, `unavailable`: 503), both with `Retry-After`.
    fn throttle(&self, n: u64) -> Option<Response> {
        let (status, detail) = if self.varies(Variant::RateLimited)
            && n.is_multiple_of(variant::RATE_LIMIT_EVERY)
        {
            (
                429,
                "too many requests; retry after the time in Retry-After",
            )
        } else if self.varies(Variant::Unavailable) && n.is_multiple_of(variant::UNAVAILABLE_EVERY)
        {
            (
                503,
                "the service is briefly unavailable; retry after the time in Retry-After",
            )
        } else {
            return None;
        };
        let mut resp = self.error_response(&ScimError::new(status, None, detail));
        resp.headers.push(("Retry-After".into(), "0".into()));
        Some(resp)
    }

    /// Test support: stores a resource (`"User"` or `"Group"`) in tenant 0 as a POST would,
    /// bypassing authentication; `schemas` may be omitted. Returns the stored resource as
    /// served.
    pub fn insert(&self, resource_type: &str, resource: Value) -> Result<Value, ScimError> {
        let kind = ResourceKind::parse(resource_type).ok_or_else(|| {
            ScimError::not_found(format!("unknown resource type '{resource_type}'"))
        })?;
        let mut resource = resource;
        if let Value::Object(obj) = &mut resource
            && !obj.keys().any(|k| k.eq_ignore_ascii_case("schemas"))
        {
            obj.insert("schemas".into(), Value::from(vec![kind.schema().id]));
        }
        let normalized = normalize_resource(kind, &resource, self.policy)?;
        let mut tables = self.tenants[0].store.write();
        let id = tables.create(kind, normalized)?;
        let links = Links::new(self.default_base_url());
        tables
            .get(kind, &id)
            .map(|rec| Value::Object(render(&tables, kind, rec, links, &Default::default())))
            .ok_or_else(|| ScimError::not_found(format!("{} {id} vanished", kind.name())))
    }

    /// Test support: every stored resource of a type in tenant 0, as served by GET, in
    /// creation order.
    pub fn resources(&self, resource_type: &str) -> Vec<Value> {
        let Some(kind) = ResourceKind::parse(resource_type) else {
            return Vec::new();
        };
        let tables = self.tenants[0].store.read();
        query::all_rendered(&tables, kind, Links::new(self.default_base_url()))
    }

    /// Sets the base URL used by [`ScimService::insert`] and [`ScimService::resources`]
    /// (once; the HTTP server sets it after binding). Defaults to the base path.
    pub(crate) fn set_default_base_url(&self, url: String) {
        let _ = self.default_base_url.set(url);
    }

    fn default_base_url(&self) -> &str {
        self.default_base_url
            .get_or_init(|| self.options.normalized_base_path())
    }

    fn has(&self, d: Defect) -> bool {
        self.policy.has(d)
    }

    fn varies(&self, v: Variant) -> bool {
        self.policy.varies(v)
    }

    fn dispatch(&self, req: &Request, links: Links<'_>) -> Result<Response, ScimError> {
        let method = req.method.to_ascii_uppercase();
        let route = route(&req.path)?;
        if route.is_discovery() {
            if self.has(Defect::SpcRequiresAuth) {
                self.authorize(req)?;
            }
            if method != "GET" && !self.has(Defect::ConfigurationWritable) {
                return Ok(self.not_allowed(&method, "GET"));
            }
            return discovery_document(&route, req, links, self.policy);
        }
        let store = self.authorize(req)?;
        let mut resp = self.serve(store, route, &method, req, links)?;
        if self.has(Defect::ProjectionDropsSchemas)
            && req.query.iter().any(|(k, _)| {
                k.eq_ignore_ascii_case("attributes") || k.eq_ignore_ascii_case("excludedAttributes")
            })
            && let Ok(mut body) = serde_json::from_slice::<Value>(&resp.body)
        {
            let strip = |v: &mut Value| {
                if let Some(obj) = v.as_object_mut() {
                    obj.remove("schemas");
                    obj.remove("id");
                }
            };
            match body.get_mut("Resources").and_then(Value::as_array_mut) {
                Some(items) => items.iter_mut().for_each(strip),
                None => strip(&mut body),
            }
            resp.body = serde_json::to_vec(&body).unwrap_or_default();
        }
        Ok(resp)
    }

    /// Runs an authorised request against one tenant's store (also used per bulk operation).
    fn serve(
        &self,
        store: &Store,
        route: Route<'_>,
        method: &str,
        req: &Request,
        links: Links<'_>,
    ) -> Result<Response, ScimError> {
        match route {
            Route::Collection(kind) => match method {
                "GET" => self.list(store, &[kind], QueryInput::from_request(req)?, links),
                "POST" => self.create(store, kind, req, links),
                _ => Ok(self.not_allowed(method, "GET, POST")),
            },
            Route::CollectionSearch(kind) => match method {
                // The router matches `POST /Users/*` before `/.search`, and the create
                // handler trusts its input: the SearchRequest becomes an (empty) resource.
                "POST" if self.has(Defect::SearchCreates) => {
                    self.create_unvalidated(store, kind, req, links)
                }
                "POST" => self.search(store, &[kind], req, links),
                _ => Ok(self.not_allowed(method, "POST")),
            },
            Route::Resource(kind, id) => match method {
                "GET" => self.get(store, kind, id, req, links),
                "PUT" => self.replace(store, kind, id, req, links),
                "PATCH" => self.patch(store, kind, id, req, links),
                "DELETE" => self.delete(store, kind, id, req),
                _ => Ok(self.not_allowed(method, "GET, PUT, PATCH, DELETE")),
            },
            Route::Root => match method {
                "GET" => self.list(
                    store,
                    &ResourceKind::ALL,
                    QueryInput::from_request(req)?,
                    links,
                ),
                _ => Ok(self.not_allowed(method, "GET")),
            },
            Route::Search => match method {
                "POST" => self.search(store, &ResourceKind::ALL, req, links),
                _ => Ok(self.not_allowed(method, "POST")),
            },
            Route::Me => Err(ScimError::new(
                501,
                None,
                "/Me is not supported: requests are not tied to a User resource",
            )),
            Route::Bulk if self.varies(Variant::BulkUnsupported) => Err(ScimError::new(
                501,
                None,
                "bulk operations are not supported (see bulk.supported in /ServiceProviderConfig)",
            )),
            Route::Bulk => match method {
                "POST" => self.bulk(store, req, links),
                _ => Ok(self.not_allowed(method, "POST")),
            },
            Route::ServiceProviderConfig | Route::ResourceTypes(_) | Route::Schemas(_) => {
                discovery_document(&route, req, links, self.policy)
            }
        }
    }

    /// Bearer-token check (constant-time comparison); the token selects the tenant.
    fn authorize(&self, req: &Request) -> Result<&Store, ScimError> {
        let presented = req.header("authorization").and_then(|h| {
            let (scheme, token) = h.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
        let tenant = presented.and_then(|p| {
            self.tenants.iter().find(|t| {
                t.token
                    .as_deref()
                    .is_some_and(|expected| constant_time_eq(p.as_bytes(), expected.as_bytes()))
            })
        });
        if let Some(t) = tenant {
            return Ok(&t.store);
        }
        if self.tenants[0].token.is_none() || self.has(Defect::TokenNotChecked) {
            return Ok(&self.tenants[0].store);
        }
        Err(match presented {
            Some(_) => ScimError::new(401, None, "the bearer token is not valid"),
            None => ScimError::new(
                401,
                None,
                "authentication required: send 'Authorization: Bearer <token>'",
            ),
        })
    }

    fn list(
        &self,
        store: &Store,
        kinds: &[ResourceKind],
        input: QueryInput,
        links: Links<'_>,
    ) -> Result<Response, ScimError> {
        let params = ListParams::new(kinds, input, self.policy)?;
        let tables = store.read();
        Ok(self.ok(&query::run(&tables, &params, links)?))
    }

    /// `POST .search`: a query whose parameters come in a SearchRequest body; never creates.
    fn search(
        &self,
        store: &Store,
        kinds: &[ResourceKind],
        req: &Request,
        links: Links<'_>,
    ) -> Result<Response, ScimError> {
        let body = self.json_body(req)?;
        let input = QueryInput::from_search_request(&body, self.policy)?;
        self.list(store, kinds, input, links)
    }

    fn get(
        &self,
        store: &Store,
        kind: ResourceKind,
        id: &str,
        req: &Request,
        links: Links<'_>,
    ) -> Result<Response, ScimError> {
        let projection = query::projection(kind, req, self.policy);
        let tables = store.read();
        let Some(rec) = tables.get(kind, id) else {
            if self.has(Defect::UnknownId500) {
                return Err(ScimError::new(
                    500,
                    None,
                    "internal server error: NullReferenceException",
                ));
            }
            return Err(not_found(kind, id));
        };
        let etag = self.policy.etag(rec.version);
        if !self.has(Defect::IfNoneMatchIgnored)
            && req
                .header("if-none-match")
                .is_some_and(|h| etag_matches(h, &etag))
        {
            let mut resp = Response::empty(304);
            self.add_etag(&mut resp, etag);
            return Ok(resp);
        }
        let body = render(&tables, kind, rec, links, &projection);
        Ok(self.resource_response(200, &Value::Object(body), etag))
    }

    fn create(
        &self,
        store: &Store,
        kind: ResourceKind,
        req: &Request,
        links: Links<'_>,
    ) -> Result<Response, ScimError> {
        let body = self.json_body(req)?;
        let normalized = normalize_resource(kind, &body, self.policy)?;
        let client_id = body
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty() && self.has(Defect::ClientIdAdopted));
        let projection = query::projection(kind, req, self.policy);
        let mut tables = store.write();
        let id = tables.create_with_id(kind, normalized, client_id)?;
        let rec = tables.get(kind, &id).ok_or_else(|| not_found(kind, &id))?;
        let body = render(&tables, kind, rec, links, &projection);
        let status = if self.has(Defect::CreateReturns200) {
            200
        } else {
            201
        };
        let mut resp =
            self.resource_response(status, &Value::Object(body), self.policy.etag(rec.version));
        if !self.has(Defect::NoLocationHeader) {
            resp.headers
                .push(("Location".into(), links.resource(kind, &id)));
        }
        Ok(resp)
    }

    /// The create handler of the `search-creates` defect: no `schemas` or required check.
    fn create_unvalidated(
        &self,
        store: &Store,
        kind: ResourceKind,
        req: &Request,
        links: Links<'_>,
    ) -> Result<Response, ScimError> {
        let body = self.json_body(req)?;
        let normalized = normalize_unvalidated(kind, &body, self.policy)?;
        let mut tables = store.write();
        let id = tables.create(kind, normalized)?;
        let rec = tables.get(kind, &id).ok_or_else(|| not_found(kind, &id))?;
        let body = render(&tables, kind, rec, links, &Default::default());
        let mut resp =
            self.resource_response(201, &Value::Object(body), self.policy.etag(rec.version));
        resp.headers
            .push(("Location".into(), links.resource(kind, &id)));
        Ok(resp)
    }

    fn replace(
        &self,
        store: &Store,
        kind: ResourceKind,
        id: &str,
        req: &Request,
        links: Links<'_>,
    ) -> Result<Response, ScimError> {
        let body = self.json_body(req)?;
        let projection = query::projection(kind, req, self.policy);
        let mut tables = store.write();
        let Some(rec) = tables.get(kind, id) else {
            if self.has(Defect::PutCreates) {
                // An upsert: the id from the URL becomes the new resource's id.
                let normalized = normalize_resource(kind, &body, self.policy)?;
                let id = tables.create_with_id(kind, normalized, Some(id))?;
                let rec = tables.get(kind, &id).ok_or_else(|| not_found(kind, &id))?;
                let body = render(&tables, kind, rec, links, &projection);
                return Ok(self.resource_response(
                    201,
                    &Value::Object(body),
                    self.policy.etag(rec.version),
                ));
            }
            return Err(not_found(kind, id));
        };
        self.check_if_match(req, rec)?;
        let normalized = normalize_resource(kind, &body, self.policy)?;
        check_immutable(kind, &rec.data, &normalized.attrs)?;
        tables
            .replace(kind, id, normalized)
            .ok_or_else(|| not_found(kind, id))??;
        let rec = tables.get(kind, id).ok_or_else(|| not_found(kind, id))?;
        let body = render(&tables, kind, rec, links, &projection);
        Ok(self.resource_response(200, &Value::Object(body), self.policy.etag(rec.version)))
    }

    fn patch(
        &self,
        store: &Store,
        kind: ResourceKind,
        id: &str,
        req: &Request,
        links: Links<'_>,
    ) -> Result<Response, ScimError> {
        let body = self.json_body(req)?;
        let ops = patch::parse_request(&body, self.policy)?;
        let mut tables = store.write();
        let rec = tables.get(kind, id).ok_or_else(|| not_found(kind, id))?;
        self.check_if_match(req, rec)?;
        let p = self.policy;
        if p.has(Defect::PatchNotAtomic) {
            // Each operation is its own statement: what ran before a failure stays.
            let (partial, err) = patch::apply_partially(kind, rec.id(), &rec.data, &ops, p);
            if let Some(attrs) = partial {
                tables
                    .modify(kind, id, |_| Ok(attrs))
                    .ok_or_else(|| not_found(kind, id))??;
            }
            if let Some(err) = err {
                return Err(err);
            }
        } else if !p.has(Defect::PatchIgnored) {
            tables
                .modify(kind, id, |rec| {
                    patch::apply(kind, rec.id(), &rec.data, &ops, p)
                })
                .ok_or_else(|| not_found(kind, id))??;
        }
        let rec = tables.get(kind, id).ok_or_else(|| not_found(kind, id))?;
        let wants_body = (self.options.patch_returns_resource
            && !self.varies(Variant::PatchNoContent))
            || req.query_param("attributes").is_some()
            || req.query_param("excludedAttributes").is_some();
        if !wants_body {
            let mut resp = Response::empty(204);
            self.add_etag(&mut resp, self.policy.etag(rec.version));
            return Ok(resp);
        }
        let projection = query::projection(kind, req, p);
        let body = render(&tables, kind, rec, links, &projection);
        Ok(self.resource_response(200, &Value::Object(body), self.policy.etag(rec.version)))
    }

    fn delete(
        &self,
        store: &Store,
        kind: ResourceKind,
        id: &str,
        req: &Request,
    ) -> Result<Response, ScimError> {
        let mut tables = store.write();
        let rec = tables.get(kind, id).ok_or_else(|| not_found(kind, id))?;
        self.check_if_match(req, rec)?;
        tables.delete(kind, id);
        Ok(Response::empty(204))
    }

    /// 412 when `If-Match` names no current version of `rec`.
    fn check_if_match(&self, req: &Request, rec: &Record) -> Result<(), ScimError> {
        let Some(header) = req.header("if-match") else {
            return Ok(());
        };
        let current = self.policy.etag(rec.version);
        if self.has(Defect::IfMatchIgnored) || etag_matches(header, &current) {
            return Ok(());
        }
        Err(ScimError::new(
            412,
            None,
            format!(
                "the resource has changed: If-Match {} does not match the current version {current}",
                header.trim()
            ),
        ))
    }

    /// A single-resource JSON response with its `ETag`.
    fn resource_response(&self, status: u16, body: &Value, etag: String) -> Response {
        let mut resp = Response::with_json(status, body);
        self.add_etag(&mut resp, etag);
        resp
    }

    fn add_etag(&self, resp: &mut Response, etag: String) {
        if !self.has(Defect::NoEtagHeader) && !self.varies(Variant::EtagUnsupported) {
            resp.headers.push(("ETag".into(), etag));
        }
    }

    fn ok(&self, body: &Value) -> Response {
        Response::with_json(200, body)
    }

    /// 405 with an `Allow` header.
    fn not_allowed(&self, method: &str, allowed: &str) -> Response {
        let err = ScimError::new(
            405,
            None,
            format!("method {method} is not allowed here; allowed: {allowed}"),
        );
        let mut resp = self.error_response(&err);
        resp.headers.push(("Allow".into(), allowed.to_owned()));
        resp
    }

    /// The SCIM error body, plus `WWW-Authenticate` on 401.
    fn error_response(&self, err: &ScimError) -> Response {
        let mut resp = if self.has(Defect::PlainTextErrors) {
            Response {
                status: err.status,
                headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
                body: format!("Error {}: {}", err.status, err.detail).into_bytes(),
            }
        } else {
            let mut body = err.to_json();
            if self.has(Defect::ErrorStatusAsNumber) {
                body["status"] = Value::from(err.status);
            }
            if self.has(Defect::StackTracesInErrors) {
                body["detail"] = Value::from(format!(
                    "{}\njava.lang.IllegalArgumentException: {}\n\tat com.acme.scim.UserController.handle(UserController.java:212)\n\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)",
                    err.detail, err.detail
                ));
            }
            Response::with_json(err.status, &body)
        };
        if err.status == 401 && !self.has(Defect::NoWwwAuthenticate) {
            resp.headers
                .push(("WWW-Authenticate".into(), "Bearer realm=\"scim\"".into()));
        }
        resp
    }

    /// Last touches the response writer gives every response (the `n`th one served).
    fn finish(&self, mut resp: Response, n: u64) -> Response {
        if self.has(Defect::BodyOn204) && resp.status == 204 {
            resp.headers
                .push(("Content-Type".into(), SCIM_MEDIA_TYPE.into()));
            resp.body = b"{}".to_vec();
        }
        let label = if self.has(Defect::WrongContentType) {
            Some("application/json; charset=utf-8")
        } else if self.varies(Variant::CharsetParameter) {
            Some("application/scim+json; charset=utf-8")
        } else {
            None
        };
        let mut json = false;
        for (name, value) in &mut resp.headers {
            if name.eq_ignore_ascii_case("content-type") && value == SCIM_MEDIA_TYPE {
                json = true;
                if let Some(label) = label {
                    *value = label.into();
                }
            }
        }
        if json
            && self.varies(Variant::PrettyJson)
            && let Some(body) = variant::pretty(&resp.body)
        {
            resp.body = body;
        }
        if self.varies(Variant::ExtraHeaders) {
            resp.headers.extend(variant::extra_headers(n));
        }
        resp
    }

    /// The JSON request body: `application/scim+json`, `application/json` (not in strict
    /// mode; any parameters), or no `Content-Type` at all.
    fn json_body(&self, req: &Request) -> Result<Value, ScimError> {
        if let Some(content_type) = req.header("content-type") {
            let media = content_type.split(';').next().unwrap_or_default().trim();
            let json = media.eq_ignore_ascii_case("application/json");
            if json && self.policy.strict {
                return Err(ScimError::new(
                    415,
                    None,
                    quirk(
                        &format!("the Content-Type '{content_type}'"),
                        "send application/scim+json (RFC 7644 §8.1)",
                        "Google Workspace sends application/json",
                    ),
                ));
            }
            if !json && !media.eq_ignore_ascii_case(SCIM_MEDIA_TYPE) {
                return Err(ScimError::new(
                    415,
                    None,
                    format!(
                        "unsupported Content-Type '{content_type}'; send application/scim+json"
                    ),
                ));
            }
        }
        if req.body.iter().all(u8::is_ascii_whitespace) {
            return Err(ScimError::invalid_syntax("the request body is empty"));
        }
        serde_json::from_slice(&req.body).map_err(|e| {
            ScimError::invalid_syntax(format!("the request body is not valid JSON: {e}"))
        })
    }
}

/// Whether an `If-Match`/`If-None-Match` value names `current` (weak comparison; `*`
/// matches any current version).
fn etag_matches(header: &str, current: &str) -> bool {
    let opaque = |tag: &str| {
        let tag = tag.trim();
        tag.strip_prefix("W/").unwrap_or(tag).to_owned()
    };
    let current = opaque(current);
    header
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || opaque(tag) == current)
}

/// Maps a relative path to a route (endpoint names are matched case-insensitively).
fn route(path: &str) -> Result<Route<'_>, ScimError> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let is = |s: &str, name: &str| s.eq_ignore_ascii_case(name);
    if let Some(first) = segments.first()
        && let Some(kind) = ResourceKind::ALL
            .into_iter()
            .find(|k| is(first, k.endpoint()))
    {
        return match segments[1..] {
            [] => Ok(Route::Collection(kind)),
            [s] if is(s, ".search") => Ok(Route::CollectionSearch(kind)),
            [id] => Ok(Route::Resource(kind, id)),
            _ => Err(ScimError::not_found(format!("no endpoint at '{path}'"))),
        };
    }
    Ok(match segments.as_slice() {
        [] => Route::Root,
        [s] if is(s, ".search") => Route::Search,
        [s] if is(s, "ServiceProviderConfig") => Route::ServiceProviderConfig,
        [s] if is(s, "ResourceTypes") => Route::ResourceTypes(None),
        [s, id] if is(s, "ResourceTypes") => Route::ResourceTypes(Some(id)),
        [s] if is(s, "Schemas") => Route::Schemas(None),
        [s, id] if is(s, "Schemas") => Route::Schemas(Some(id)),
        [s, ..] if is(s, "Me") => Route::Me,
        [s] if is(s, "Bulk") => Route::Bulk,
        _ => return Err(ScimError::not_found(format!("no endpoint at '{path}'"))),
    })
}

/// A discovery document. RFC 7644 §4: paging and sorting parameters are ignored, a
/// `filter` is answered with 403.
fn discovery_document(
    route: &Route<'_>,
    req: &Request,
    links: Links<'_>,
    p: Policy,
) -> Result<Response, ScimError> {
    if req.query_param("filter").is_some() {
        return Err(ScimError::new(
            403,
            None,
            "filtering is not supported on discovery endpoints",
        ));
    }
    let doc = match route {
        Route::ServiceProviderConfig => Some(discovery::service_provider_config(links, p)),
        Route::ResourceTypes(None) => Some(discovery::resource_types(links, p)),
        Route::ResourceTypes(Some(id)) => discovery::resource_type_by_id(id, links, p),
        Route::Schemas(None) => Some(discovery::schemas(links, p)),
        Route::Schemas(Some(id)) => discovery::schema_by_id(id, links, p),
        _ => None,
    };
    doc.map(|d| Response::with_json(200, &d))
        .ok_or_else(|| ScimError::not_found(format!("no discovery document at '{}'", req.path)))
}

fn not_found(kind: ResourceKind, id: &str) -> ScimError {
    ScimError::not_found(format!("{} '{id}' not found", kind.name()))
}

/// Compares secrets without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= x ^ y;
    }
    diff == 0
}

#[cfg(test)]
mod tests;
