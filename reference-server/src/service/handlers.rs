//! The resource handlers: list and search, and GET, POST, PUT, PATCH and DELETE of one
//! resource, with the `If-Match`/`If-None-Match` preconditions and the JSON request body.

use serde_json::Value;

use super::ScimService;
use crate::defect::{Defect, quirk};
use crate::error::ScimError;
use crate::message::{RequestView, Response, SCIM_MEDIA_TYPE};
use crate::patch;
use crate::query::{self, ListParams, QueryInput};
use crate::render::{Links, render};
use crate::resource::{check_immutable, normalize_resource, normalize_unvalidated};
use crate::schema::ResourceKind;
use crate::store::{Record, Store};
use crate::variant::Variant;

impl ScimService {
    pub(super) fn list(
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
    pub(super) fn search(
        &self,
        store: &Store,
        kinds: &[ResourceKind],
        req: &dyn RequestView,
        links: Links<'_>,
    ) -> Result<Response, ScimError> {
        let body = self.json_body(req)?;
        let input = QueryInput::from_search_request(&body, self.policy)?;
        self.list(store, kinds, input, links)
    }

    pub(super) fn get(
        &self,
        store: &Store,
        kind: ResourceKind,
        id: &str,
        req: &dyn RequestView,
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
        Ok(self.resource_response(200, &body, etag))
    }

    pub(super) fn create(
        &self,
        store: &Store,
        kind: ResourceKind,
        req: &dyn RequestView,
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
        let mut resp = self.resource_response(status, &body, self.policy.etag(rec.version));
        if !self.has(Defect::NoLocationHeader) {
            resp.headers
                .push(("Location".into(), links.resource(kind, &id)));
        }
        Ok(resp)
    }

    /// The create handler of the `search-creates` defect: no `schemas` or required check.
    pub(super) fn create_unvalidated(
        &self,
        store: &Store,
        kind: ResourceKind,
        req: &dyn RequestView,
        links: Links<'_>,
    ) -> Result<Response, ScimError> {
        let body = self.json_body(req)?;
        let normalized = normalize_unvalidated(kind, &body, self.policy)?;
        let mut tables = store.write();
        let id = tables.create(kind, normalized)?;
        let rec = tables.get(kind, &id).ok_or_else(|| not_found(kind, &id))?;
        let body = render(&tables, kind, rec, links, &Default::default());
        let mut resp = self.resource_response(201, &body, self.policy.etag(rec.version));
        resp.headers
            .push(("Location".into(), links.resource(kind, &id)));
        Ok(resp)
    }

    pub(super) fn replace(
        &self,
        store: &Store,
        kind: ResourceKind,
        id: &str,
        req: &dyn RequestView,
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
                return Ok(self.resource_response(201, &body, self.policy.etag(rec.version)));
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
        Ok(self.resource_response(200, &body, self.policy.etag(rec.version)))
    }

    pub(super) fn patch(
        &self,
        store: &Store,
        kind: ResourceKind,
        id: &str,
        req: &dyn RequestView,
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
        Ok(self.resource_response(200, &body, self.policy.etag(rec.version)))
    }

    pub(super) fn delete(
        &self,
        store: &Store,
        kind: ResourceKind,
        id: &str,
        req: &dyn RequestView,
    ) -> Result<Response, ScimError> {
        let mut tables = store.write();
        let rec = tables.get(kind, id).ok_or_else(|| not_found(kind, id))?;
        self.check_if_match(req, rec)?;
        tables.delete(kind, id);
        Ok(Response::empty(204))
    }

    /// 412 when `If-Match` names no current version of `rec`.
    fn check_if_match(&self, req: &dyn RequestView, rec: &Record) -> Result<(), ScimError> {
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

    /// The JSON request body: `application/scim+json`, `application/json` (not in strict
    /// mode; any parameters), or no `Content-Type` at all.
    pub(super) fn json_body(&self, req: &dyn RequestView) -> Result<Value, ScimError> {
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
        if req.body().iter().all(u8::is_ascii_whitespace) {
            return Err(ScimError::invalid_syntax("the request body is empty"));
        }
        serde_json::from_slice(req.body()).map_err(|e| {
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

fn not_found(kind: ResourceKind, id: &str) -> ScimError {
    ScimError::not_found(format!("{} '{id}' not found", kind.name()))
}
