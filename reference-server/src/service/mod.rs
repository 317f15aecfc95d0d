//! [`ScimService`]: the synchronous, thread-safe SCIM core. [`ScimService::handle`] checks
//! authentication (which also selects the tenant), routes the request, runs the handler
//! against that tenant's store, and renders a [`Response`] (errors included, always as
//! SCIM JSON).
//!
//! Single-resource responses carry the weak `ETag` (`meta.version`); `If-Match` guards
//! PUT, PATCH and DELETE (412 on mismatch, `*` matches), `If-None-Match` answers a GET
//! with 304. The defects of a real server's HTTP layer (status codes, headers, error
//! bodies, authentication, routing) are injected here and in the files beside it:
//! `routing` (paths to endpoints, discovery documents), `handlers` (the resource
//! endpoints), `response` (the response writer) and `bulk` (`POST /Bulk`).

pub mod bulk;
mod handlers;
mod response;
mod routing;

use std::borrow::Cow;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use routing::{DocumentCache, Route, discovery_document, route};

use crate::defect::{Defect, Policy};
use crate::error::ScimError;
use crate::message::{Request, RequestView, Response};
use crate::options::ServerOptions;
use crate::query::{self, QueryInput};
use crate::render::{Links, render};
use crate::resource::normalize_resource;
use crate::schema::ResourceKind;
use crate::seed;
use crate::store::{Store, Tables};
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
    /// Requests served so far (the gateway's counter for the rate-limiting variants; only
    /// counted when such a variant is on).
    requests: AtomicU64,
    /// The discovery documents served so far.
    documents: DocumentCache,
}

/// One isolated data set and the bearer token that selects it.
#[derive(Debug)]
struct Tenant {
    token: Option<String>,
    store: Store,
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
            documents: DocumentCache::default(),
        }
    }

    /// The options the service was built with.
    pub fn options(&self) -> &ServerOptions {
        &self.options
    }

    /// Serves one request. `base_url` is the absolute URL of the SCIM base (e.g.
    /// `http://127.0.0.1:4000/scim/v2`), used for `meta.location`, `Location` and `$ref`.
    pub fn handle(&self, req: &Request, base_url: &str) -> Response {
        self.handle_view(req, base_url)
    }

    /// [`ScimService::handle`] for any view of a request (the HTTP adapter borrows the
    /// received request instead of copying it into a [`Request`]).
    pub(crate) fn handle_view(&self, req: &dyn RequestView, base_url: &str) -> Response {
        // A counter shared by every worker thread is only touched when a variant reads it.
        let counted = [
            Variant::RateLimited,
            Variant::Unavailable,
            Variant::ExtraHeaders,
        ]
        .into_iter()
        .any(|v| self.varies(v));
        let n = if counted {
            self.requests.fetch_add(1, Ordering::Relaxed) + 1
        } else {
            0
        };
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
            .map(|rec| {
                Value::Object(render(&tables, kind, rec, links, &Default::default()).into_map())
            })
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

    fn dispatch(&self, req: &dyn RequestView, links: Links<'_>) -> Result<Response, ScimError> {
        let method = if req.method().bytes().any(|b| b.is_ascii_lowercase()) {
            Cow::Owned(req.method().to_ascii_uppercase())
        } else {
            Cow::Borrowed(req.method())
        };
        let method = method.as_ref();
        let route = route(req.path())?;
        if route.is_discovery() {
            if self.has(Defect::SpcRequiresAuth) {
                self.authorize(req)?;
            }
            if method != "GET" && !self.has(Defect::ConfigurationWritable) {
                return Ok(self.not_allowed(method, "GET"));
            }
            return discovery_document(&route, req, links, self.policy, &self.documents);
        }
        let store = self.authorize(req)?;
        let mut resp = self.serve(store, route, method, req, links)?;
        if self.has(Defect::ProjectionDropsSchemas)
            && (req.query_param("attributes").is_some()
                || req.query_param("excludedAttributes").is_some())
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
        req: &dyn RequestView,
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
                discovery_document(&route, req, links, self.policy, &self.documents)
            }
        }
    }

    /// Bearer-token check (constant-time comparison); the token selects the tenant.
    fn authorize(&self, req: &dyn RequestView) -> Result<&Store, ScimError> {
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
