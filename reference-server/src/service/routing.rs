//! Routing: a request path to the endpoint it names, and the discovery documents served
//! at the discovery endpoints.

use crate::defect::Policy;
use crate::discovery;
use crate::error::ScimError;
use crate::message::{Request, Response};
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
pub(super) fn discovery_document(
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
