//! Routing: a request path to the endpoint it names, and the discovery documents served
//! at the discovery endpoints.

use std::sync::{PoisonError, RwLock};

use crate::defect::Policy;
use crate::discovery;
use crate::error::ScimError;
use crate::json::WriteJson;
use crate::message::{RequestView, Response};
use crate::render::Links;
use crate::schema::ResourceKind;

/// A routed endpoint.
#[derive(Debug, Clone, Copy)]
pub(super) enum Route<'a> {
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
    pub(super) fn is_discovery(&self) -> bool {
        matches!(
            self,
            Route::ServiceProviderConfig | Route::ResourceTypes(_) | Route::Schemas(_)
        )
    }
}

/// Maps a relative path to a route (endpoint names are matched case-insensitively).
pub(super) fn route(path: &str) -> Result<Route<'_>, ScimError> {
    // No route goes deeper than three segments but `/Me/…`, which any depth reaches: the
    // first three tell every path apart, without collecting them.
    let mut parts = path.split('/').filter(|s| !s.is_empty());
    let mut buffer = [""; 3];
    let mut len = 0;
    for part in parts.by_ref().take(3) {
        buffer[len] = part;
        len += 1;
    }
    let too_long = parts.next().is_some();
    let segments: &[&str] = if too_long {
        &buffer[..]
    } else {
        &buffer[..len]
    };
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
    Ok(match segments {
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

/// Discovery documents already written. A document only depends on the policy (fixed for
/// the service), the base URL and the path, so each is built once and then copied; a
/// bounded number of them, since the base URL comes from the client's `Host` header.
#[derive(Debug, Default)]
pub(super) struct DocumentCache {
    documents: RwLock<Vec<CachedDocument>>,
}

#[derive(Debug)]
struct CachedDocument {
    base_url: String,
    path: String,
    body: Vec<u8>,
}

impl DocumentCache {
    /// More base URLs or paths than this are answered without being kept.
    const CAPACITY: usize = 64;

    fn get(&self, base_url: &str, path: &str) -> Option<Vec<u8>> {
        let documents = self
            .documents
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        documents
            .iter()
            .find(|d| d.base_url == base_url && d.path == path)
            .map(|d| d.body.clone())
    }

    fn keep(&self, base_url: &str, path: &str, body: &[u8]) {
        let mut documents = self
            .documents
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if documents.len() < Self::CAPACITY
            && !documents
                .iter()
                .any(|d| d.base_url == base_url && d.path == path)
        {
            documents.push(CachedDocument {
                base_url: base_url.to_owned(),
                path: path.to_owned(),
                body: body.to_vec(),
            });
        }
    }
}

/// A discovery document. RFC 7644 §4: paging and sorting parameters are ignored, a
/// `filter` is answered with 403.
pub(super) fn discovery_document(
    route: &Route<'_>,
    req: &dyn RequestView,
    links: Links<'_>,
    p: Policy,
    cache: &DocumentCache,
) -> Result<Response, ScimError> {
    if req.query_param("filter").is_some() {
        return Err(ScimError::new(
            403,
            None,
            "filtering is not supported on discovery endpoints",
        ));
    }
    if let Some(body) = cache.get(links.base(), req.path()) {
        return Ok(Response::with_body(200, body));
    }
    let doc = match route {
        Route::ServiceProviderConfig => Some(discovery::service_provider_config(links, p)),
        Route::ResourceTypes(None) => Some(discovery::resource_types(links, p)),
        Route::ResourceTypes(Some(id)) => discovery::resource_type_by_id(id, links, p),
        Route::Schemas(None) => Some(discovery::schemas(links, p)),
        Route::Schemas(Some(id)) => discovery::schema_by_id(id, links, p),
        _ => None,
    };
    let doc = doc.ok_or_else(|| {
        ScimError::not_found(format!("no discovery document at '{}'", req.path()))
    })?;
    let body = doc.to_json_vec();
    cache.keep(links.base(), req.path(), &body);
    Ok(Response::with_body(200, body))
}
