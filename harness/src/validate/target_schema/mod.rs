//! Schema-driven checks against a target's *own* declarations: layer 2 of the
//! requirements catalog §2, "a generated schema per target, produced at run time from that
//! target's /Schemas + /ResourceTypes".
//!
//! [`TargetSchemas::from_discovery`] reads the bodies of `GET /Schemas` and
//! `GET /ResourceTypes` (ListResponses or bare arrays), indexes the declarations and reports
//! what is wrong with the declarations themselves:
//!
//! * C-7-01: every Schema has a URI `id` and an `attributes` array; every attribute
//!   definition has `name`, a `type` from the RFC 7643 §2.3 list (`binary` included, errata
//!   5606), a boolean `multiValued`; `required`/`caseExact` are booleans; `mutability`,
//!   `returned`, `uniqueness` use the RFC vocabularies; `canonicalValues`/`referenceTypes`
//!   are arrays; only complex attributes carry `subAttributes`; names are unique
//!   case-insensitively within one level;
//! * C-2.1-01: attribute names are ATTRNAME (a leading `$` is accepted for `$ref`);
//! * C-2.3.8-01: no complex sub-attribute of a complex attribute, except inside the
//!   `urn:ietf:params:scim:schemas:core:2.0:Schema` meta-schema;
//! * C-6-01/C-6-02: each ResourceType has `name`, `endpoint` and `schema`; `schema` and every
//!   `schemaExtensions[].schema` is served by `/Schemas`; every extension entry has a
//!   boolean `required`.
//!
//! [`TargetSchemas::validate`] then checks one resource, as the server returned it, against
//! its type's base schema and extensions (custom ones included), plus the common attributes
//! of RFC 7643 §3.1 (`id`, `externalId`, `meta`, `schemas`), which servers rarely declare:
//! JSON types (C-2.3-01, C-2.3.5-01, C-2.3.6-01), arrays for multi-valued attributes, required
//! attributes and required extensions (C-6-03), `returned: never`/`writeOnly` values
//! (C-7-04), at most one `primary: true` (C-2.4-01), extension attributes inside their URN
//! object (C-3.3-01), every URN in `schemas` served by `/Schemas` (C-6-02) and declared
//! for the resource's type, once (C-3-02).
//! [`TargetSchemas::attributes`] and [`TargetSchemas::sample_value`] expose what the
//! declarations promise so scenarios can test that they tell the truth (C-7-02 … C-7-08).
//!
//! Attribute names and schema URNs match case-insensitively (RFC 7643 §2.1, RFC 7644
//! §3.10); `null` and `[]` count as absent (RFC 7643 §2.5). The content model is open:
//! attributes nobody declared are not violations, [`TargetSchemas::undeclared`] lists them.
//!
//! Limits: SHOULD-level hints (a complex attribute without `subAttributes`, a reference
//! without `referenceTypes`) are not reported; `canonicalValues`, `uniqueness`,
//! `caseExact` and `mutability` need more than one response and are left to the scenarios;
//! `returned: request` cannot be judged from a body alone (a value the client just wrote
//! may come back); integers above `u64::MAX` and integer tokens like `1.0` are told apart
//! only as far as `serde_json` keeps them apart (a float-parsed token is reported as having
//! a fraction or exponent); reference values are only checked to be strings.
//!
//! Layout: `declaration.rs` reads `/Schemas` and `/ResourceTypes` (`attribute.rs` one
//! schema's attribute definitions) into the model of `model.rs`; `check.rs` checks resources
//! against it; `sample.rs` generates sample values; `lexical.rs` (value shapes), `members.rs`
//! (case-insensitive member access, JSON Pointers) and `message.rs` (finding text) serve them.

mod attribute;
mod check;
mod declaration;
mod lexical;
mod members;
mod message;
mod model;
mod sample;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use declaration::{list_items, parse_schema};
use members::{find_ci, schema_urns};
use model::{Attr, ResourceTypeDef, SchemaDef};

/// A violation of the target's own schema declarations.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    /// JSON Pointer (RFC 6901) to the offending place: into the resource for
    /// [`TargetSchemas::validate`]; into the `/Schemas` or `/ResourceTypes` body for
    /// [`TargetSchemas::from_discovery`] (the message says which). `""` is the whole document.
    pub instance_path: String,
    /// What is wrong, naming the declaration and the requirement; at most 200 characters,
    /// quoted values cut to 40.
    pub message: String,
}

/// The target's declared schemas, indexed for validation. Send + Sync.
#[derive(Debug, Clone, Default)]
pub struct TargetSchemas {
    /// Every Schema served by `/Schemas` that has an `id`, in document order.
    schemas: Vec<SchemaDef>,
    /// Every ResourceType served by `/ResourceTypes` that has a name, in document order.
    types: Vec<ResourceTypeDef>,
}

/// One declared attribute (flattened path, e.g. "name.givenName" or
/// "urn:…:enterprise:2.0:User:employeeNumber").
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredAttribute {
    /// Dotted path: `name`, `name.givenName`; extension attributes are prefixed with their
    /// schema URN and `:` (`urn:…:enterprise:2.0:User:manager.value`).
    pub path: String,
    /// The declared `type`: `string`, `boolean`, `decimal`, `integer`, `dateTime`,
    /// `reference`, `complex` or `binary` (RFC spelling even when the target used another
    /// casing); an unrecognised type verbatim, `""` when none was declared.
    pub kind: String,
    /// `multiValued` (false when not declared).
    pub multi_valued: bool,
    /// `required` (default false).
    pub required: bool,
    /// `caseExact` (default false).
    pub case_exact: bool,
    /// `mutability` in RFC spelling (default `readWrite`).
    pub mutability: String,
    /// `returned` in RFC spelling (default `default`).
    pub returned: String,
    /// `uniqueness` in RFC spelling (default `none`).
    pub uniqueness: String,
    /// `canonicalValues` (strings; numbers and booleans as their JSON text).
    pub canonical_values: Vec<String>,
}

impl TargetSchemas {
    /// Builds from the bodies of GET /Schemas and GET /ResourceTypes. Returns the problems
    /// found in the declarations themselves (e.g. a ResourceType naming a schema that
    /// /Schemas does not serve — C-6-02; an attribute with an invalid `type`; a complex
    /// attribute with complex sub-attributes outside the meta-schema — C-2.3.8-01; invalid
    /// attribute names — C-2.1-01), never panics on junk input.
    ///
    /// Each body may be a ListResponse, a bare array, or a single object. Declarations are
    /// kept as far as they are usable: an attribute with a bad `type` is kept untyped, a
    /// ResourceType whose schema is missing is kept for type detection.
    pub fn from_discovery(
        schemas: &Value,
        resource_types: &Value,
    ) -> (TargetSchemas, Vec<Finding>) {
        let mut findings = Vec::new();
        let mut target = TargetSchemas::default();
        for (ptr, item) in list_items(schemas, "/Schemas", "P-4-02", &mut findings) {
            if let Some(schema) = parse_schema(item, &ptr, &target.schemas, &mut findings) {
                target.schemas.push(schema);
            }
        }
        for (ptr, item) in list_items(resource_types, "/ResourceTypes", "P-4-04", &mut findings) {
            if let Some(rt) = target.parse_resource_type(item, &ptr, &mut findings) {
                target.types.push(rt);
            }
        }
        (target, findings)
    }

    /// Resource type names known (e.g. ["User", "Group"]).
    pub fn resource_types(&self) -> Vec<&str> {
        self.types.iter().map(|t| t.name.as_str()).collect()
    }

    /// The resource type of a resource: by `meta.resourceType`, else by its `schemas` URNs.
    pub fn resource_type_of(&self, resource: &Value) -> Option<&str> {
        self.type_of(resource.as_object()?).map(|t| t.name.as_str())
    }

    /// All declared attributes of a resource type (base + extensions), flattened.
    ///
    /// Complex attributes come before their sub-attributes; base attributes first, then each
    /// extension in `schemaExtensions` order. The common attributes (`id`, `meta`, …) appear
    /// only if the target declares them. Empty for an unknown resource type (matched
    /// case-insensitively).
    pub fn attributes(&self, resource_type: &str) -> Vec<DeclaredAttribute> {
        let mut out = Vec::new();
        let Some(rt) = self
            .types
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(resource_type))
        else {
            return out;
        };
        if let Some(base) = self.schema(&rt.schema) {
            Attr::flatten(&base.attributes, "", &mut out);
        }
        for ext in &rt.extensions {
            if let Some(schema) = self.schema(&ext.schema) {
                Attr::flatten(&schema.attributes, &format!("{}:", schema.id), &mut out);
            }
        }
        out
    }

    /// The served schema with this id (case-insensitively).
    fn schema(&self, id: &str) -> Option<&SchemaDef> {
        self.schemas.iter().find(|s| s.id.eq_ignore_ascii_case(id))
    }

    fn type_of(&self, obj: &Map<String, Value>) -> Option<&ResourceTypeDef> {
        let by_meta = find_ci(obj, "meta")
            .and_then(|(_, m)| m.as_object())
            .and_then(|m| find_ci(m, "resourceType"))
            .and_then(|(_, v)| v.as_str())
            .and_then(|name| {
                self.types
                    .iter()
                    .find(|t| t.name.eq_ignore_ascii_case(name))
            });
        by_meta.or_else(|| {
            let urns = schema_urns(obj);
            self.types.iter().find(|t| {
                !t.schema.is_empty() && urns.iter().any(|u| u.eq_ignore_ascii_case(&t.schema))
            })
        })
    }
}
