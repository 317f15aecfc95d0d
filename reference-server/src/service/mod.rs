//! [`ScimService`]: the synchronous, thread-safe SCIM core. [`ScimService::handle`] checks
//! authentication and media type, routes the request, runs the handler against the store,
//! and renders a [`Response`] (errors included, always as SCIM JSON).

use std::sync::OnceLock;

use serde_json::Value;

use crate::discovery;
use crate::error::ScimError;
use crate::message::{Request, Response};
use crate::options::ServerOptions;
use crate::patch;
use crate::query::{self, ListParams};
use crate::render::{Links, render};
use crate::resource::normalize_resource;
use crate::schema::ResourceKind;
use crate::store::Store;

/// The SCIM service provider: options plus an in-memory store. `Send + Sync`; share it
/// behind an `Arc`.
#[derive(Debug)]
pub struct ScimService {
    options: ServerOptions,
    store: Store,
    /// Base URL for [`ScimService::insert`] / [`ScimService::resources`] output.
    default_base_url: OnceLock<String>,
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
    CollectionSearch,
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
    /// A service with an empty store.
    pub fn new(options: ServerOptions) -> Self {
        ScimService {
            options,
            store: Store::default(),
            default_base_url: OnceLock::new(),
        }
    }

    /// The options the service was built with.
    pub fn options(&self) -> &ServerOptions {
        &self.options
    }

    /// Serves one request. `base_url` is the absolute URL of the SCIM base (e.g.
    /// `http://127.0.0.1:4000/scim/v2`), used for `meta.location`, `Location` and `$ref`.
    pub fn handle(&self, req: &Request, base_url: &str) -> Response {
        match self.dispatch(req, Links::new(base_url)) {
            Ok(resp) => resp,
            Err(err) => error_response(&err),
        }
    }

    /// Test support: stores a resource (`"User"` or `"Group"`) as a POST would, bypassing
    /// authentication; `schemas` may be omitted. Returns the stored resource as served.
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
        let normalized = normalize_resource(kind, &resource)?;
        let mut tables = self.store.write();
        let id = tables.create(kind, normalized)?;
        let links = Links::new(self.default_base_url());
        tables
            .get(kind, &id)
            .map(|rec| Value::Object(render(&tables, kind, rec, links, &Default::default())))
            .ok_or_else(|| ScimError::not_found(format!("{} {id} vanished", kind.name())))
    }

    /// Test support: every stored resource of a type, as served by GET, in creation order.
    pub fn resources(&self, resource_type: &str) -> Vec<Value> {
        let Some(kind) = ResourceKind::parse(resource_type) else {
            return Vec::new();
        };
        let tables = self.store.read();
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

    fn dispatch(&self, req: &Request, links: Links<'_>) -> Result<Response, ScimError> {
        let method = req.method.to_ascii_uppercase();
        let route = route(&req.path)?;
        if route.is_discovery() {
            if method != "GET" {
                return Ok(not_allowed(&method, "GET"));
            }
            return discovery_document(&route, req, links);
        }
        self.authorize(req)?;
        match route {
            Route::Collection(kind) => match method.as_str() {
                "GET" => self.list(kind, req, links),
                "POST" => self.create(kind, req, links),
                _ => Ok(not_allowed(&method, "GET, POST")),
            },
            Route::Resource(kind, id) => match method.as_str() {
                "GET" => self.get(kind, id, req, links),
                "PUT" => self.replace(kind, id, req, links),
                "PATCH" => self.patch(kind, id, req, links),
                "DELETE" => self.delete(kind, id),
                _ => Ok(not_allowed(&method, "GET, PUT, PATCH, DELETE")),
            },
            Route::Root => Err(ScimError::new(
                501,
                None,
                "queries at the service root are not supported",
            )),
            Route::Search | Route::CollectionSearch => match method.as_str() {
                "POST" => Err(ScimError::new(501, None, "POST /.search is not supported")),
                _ => Ok(not_allowed(&method, "POST")),
            },
            Route::Me => Err(ScimError::new(501, None, "/Me is not supported")),
            Route::Bulk => Err(ScimError::new(
                501,
                None,
                "bulk operations are not supported",
            )),
            Route::ServiceProviderConfig | Route::ResourceTypes(_) | Route::Schemas(_) => {
                discovery_document(&route, req, links)
            }
        }
    }

    /// Bearer-token check (constant-time comparison).
    fn authorize(&self, req: &Request) -> Result<(), ScimError> {
        let Some(expected) = &self.options.token else {
            return Ok(());
        };
        let presented = req.header("authorization").and_then(|h| {
            let (scheme, token) = h.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
        match presented {
            Some(token) if constant_time_eq(token.as_bytes(), expected.as_bytes()) => Ok(()),
            Some(_) => Err(ScimError::new(401, None, "the bearer token is not valid")),
            None => Err(ScimError::new(
                401,
                None,
                "authentication required: send 'Authorization: Bearer <token>'",
            )),
        }
    }

    fn list(
        &self,
        kind: ResourceKind,
        req: &Request,
        links: Links<'_>,
    ) -> Result<Response, ScimError> {
        let params = ListParams::from_request(kind, req)?;
        let tables = self.store.read();
        Ok(ok(&query::run(&tables, kind, &params, links)))
    }

    fn get(
        &self,
        kind: ResourceKind,
        id: &str,
        req: &Request,
        links: Links<'_>,
    ) -> Result<Response, ScimError> {
        let projection = query::projection(kind, req);
        let tables = self.store.read();
        let rec = tables.get(kind, id).ok_or_else(|| not_found(kind, id))?;
        Ok(ok(&Value::Object(render(
            &tables,
            kind,
            rec,
            links,
            &projection,
        ))))
    }

    fn create(
        &self,
        kind: ResourceKind,
        req: &Request,
        links: Links<'_>,
    ) -> Result<Response, ScimError> {
        let body = json_body(req)?;
        let normalized = normalize_resource(kind, &body)?;
        let projection = query::projection(kind, req);
        let mut tables = self.store.write();
        let id = tables.create(kind, normalized)?;
        let rec = tables.get(kind, &id).ok_or_else(|| not_found(kind, &id))?;
        let body = render(&tables, kind, rec, links, &projection);
        let mut resp = Response::with_json(201, &Value::Object(body));
        resp.headers
            .push(("Location".into(), links.resource(kind, &id)));
        Ok(resp)
    }

    fn replace(
        &self,
        kind: ResourceKind,
        id: &str,
        req: &Request,
        links: Links<'_>,
    ) -> Result<Response, ScimError> {
        let body = json_body(req)?;
        let projection = query::projection(kind, req);
        let mut tables = self.store.write();
        if tables.get(kind, id).is_none() {
            return Err(not_found(kind, id));
        }
        let normalized = normalize_resource(kind, &body)?;
        tables
            .replace(kind, id, normalized)
            .ok_or_else(|| not_found(kind, id))??;
        let rec = tables.get(kind, id).ok_or_else(|| not_found(kind, id))?;
        Ok(ok(&Value::Object(render(
            &tables,
            kind,
            rec,
            links,
            &projection,
        ))))
    }

    fn patch(
        &self,
        kind: ResourceKind,
        id: &str,
        req: &Request,
        links: Links<'_>,
    ) -> Result<Response, ScimError> {
        let body = json_body(req)?;
        let ops = patch::parse_request(&body)?;
        let mut tables = self.store.write();
        tables
            .modify(kind, id, |data| patch::apply(kind, data, &ops))
            .ok_or_else(|| not_found(kind, id))??;
        let wants_body = self.options.patch_returns_resource
            || req.query_param("attributes").is_some()
            || req.query_param("excludedAttributes").is_some();
        if !wants_body {
            return Ok(Response::empty(204));
        }
        let projection = query::projection(kind, req);
        let rec = tables.get(kind, id).ok_or_else(|| not_found(kind, id))?;
        Ok(ok(&Value::Object(render(
            &tables,
            kind,
            rec,
            links,
            &projection,
        ))))
    }

    fn delete(&self, kind: ResourceKind, id: &str) -> Result<Response, ScimError> {
        if self.store.write().delete(kind, id) {
            Ok(Response::empty(204))
        } else {
            Err(not_found(kind, id))
        }
    }
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
            [s] if is(s, ".search") => Ok(Route::CollectionSearch),
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
) -> Result<Response, ScimError> {
    if req.query_param("filter").is_some() {
        return Err(ScimError::new(
            403,
            None,
            "filtering is not supported on discovery endpoints",
        ));
    }
    let doc = match route {
        Route::ServiceProviderConfig => Some(discovery::service_provider_config(links)),
        Route::ResourceTypes(None) => Some(discovery::resource_types(links)),
        Route::ResourceTypes(Some(id)) => discovery::resource_type_by_id(id, links),
        Route::Schemas(None) => Some(discovery::schemas(links)),
        Route::Schemas(Some(id)) => discovery::schema_by_id(id, links),
        _ => None,
    };
    doc.map(|d| ok(&d))
        .ok_or_else(|| ScimError::not_found(format!("no discovery document at '{}'", req.path)))
}

/// 405 with an `Allow` header.
fn not_allowed(method: &str, allowed: &str) -> Response {
    let err = ScimError::new(
        405,
        None,
        format!("method {method} is not allowed here; allowed: {allowed}"),
    );
    let mut resp = error_response(&err);
    resp.headers.push(("Allow".into(), allowed.to_owned()));
    resp
}

fn not_found(kind: ResourceKind, id: &str) -> ScimError {
    ScimError::not_found(format!("{} '{id}' not found", kind.name()))
}

fn ok(body: &Value) -> Response {
    Response::with_json(200, body)
}

/// The SCIM error body, plus `WWW-Authenticate` on 401.
fn error_response(err: &ScimError) -> Response {
    let mut resp = Response::with_json(err.status, &err.to_json());
    if err.status == 401 {
        resp.headers
            .push(("WWW-Authenticate".into(), "Bearer realm=\"scim\"".into()));
    }
    resp
}

/// The JSON request body: `application/scim+json` or `application/json` (any
/// parameters), or no `Content-Type` at all.
fn json_body(req: &Request) -> Result<Value, ScimError> {
    if let Some(content_type) = req.header("content-type") {
        let media = content_type.split(';').next().unwrap_or_default().trim();
        if !media.eq_ignore_ascii_case("application/scim+json")
            && !media.eq_ignore_ascii_case("application/json")
        {
            return Err(ScimError::new(
                415,
                None,
                format!("unsupported Content-Type '{content_type}'; send application/scim+json"),
            ));
        }
    }
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Err(ScimError::invalid_syntax("the request body is empty"));
    }
    serde_json::from_slice(&req.body)
        .map_err(|e| ScimError::invalid_syntax(format!("the request body is not valid JSON: {e}")))
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
