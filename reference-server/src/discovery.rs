//! Discovery documents (RFC 7644 §4, RFC 7643 §5–7): `/ServiceProviderConfig`,
//! `/ResourceTypes` and `/Schemas`, generated from [`crate::schema`] so they describe
//! exactly what the server implements. All three are readable without authentication.

use serde_json::{Map, Value, json};

use crate::defect::Policy;
use crate::render::Links;
use crate::schema::{self, AttrDef, ResourceKind, SchemaDef};
use crate::variant::{self, Variant};

/// `filter.maxResults`: the most resources one list response carries.
pub const MAX_RESULTS: usize = 200;
/// Page size when the client sends no `count`.
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// Largest accepted request body, also advertised as `bulk.maxPayloadSize`.
pub const MAX_PAYLOAD_BYTES: usize = 1024 * 1024;
/// Most operations one bulk request may carry (`bulk.maxOperations`).
pub const MAX_BULK_OPERATIONS: usize = 1000;

/// The ListResponse message URN.
pub const LIST_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const SPC_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// `GET /ServiceProviderConfig`: what this server does, as shaped by the variants.
pub(crate) fn service_provider_config(links: Links<'_>, p: Policy) -> Value {
    let max_results = if p.varies(Variant::PageSizeCap) {
        variant::PAGE_SIZE_CAP
    } else {
        MAX_RESULTS
    };
    json!({
        "schemas": [SPC_URN],
        "documentationUri": "https://www.rfc-editor.org/rfc/rfc7644",
        "patch": {"supported": true},
        "bulk": {
            "supported": !p.varies(Variant::BulkUnsupported),
            "maxOperations": MAX_BULK_OPERATIONS,
            "maxPayloadSize": MAX_PAYLOAD_BYTES
        },
        "filter": {"supported": true, "maxResults": max_results},
        "changePassword": {"supported": false},
        "sort": {"supported": !p.varies(Variant::SortUnsupported)},
        "etag": {"supported": !p.varies(Variant::EtagUnsupported)},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication scheme using the OAuth Bearer Token Standard",
            "specUri": "https://www.rfc-editor.org/info/rfc6750",
            "primary": true
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": links.at("ServiceProviderConfig")
        }
    })
}

/// The extension schemas resources of `kind` may carry.
fn extensions(kind: ResourceKind, p: Policy) -> impl Iterator<Item = &'static SchemaDef> {
    let vendor = p
        .varies(Variant::VendorExtension)
        .then(|| variant::vendor_schema(kind));
    // The vendor's own extension comes first: the order of schemaExtensions is not defined.
    vendor.into_iter().chain(kind.extensions().iter().copied())
}

/// Every schema document served under `/Schemas`.
fn all_schemas(p: Policy) -> impl Iterator<Item = &'static SchemaDef> {
    let vendor = p
        .varies(Variant::VendorExtension)
        .then(|| ResourceKind::ALL.map(variant::vendor_schema))
        .into_iter()
        .flatten();
    schema::all_schemas().into_iter().chain(vendor)
}

/// One ResourceType document.
fn resource_type(kind: ResourceKind, links: Links<'_>, p: Policy) -> Value {
    let extensions: Vec<Value> = extensions(kind, p)
        .map(|ext| json!({"schema": ext.id, "required": false}))
        .collect();
    let mut doc = json!({
        "schemas": [RESOURCE_TYPE_URN],
        "id": kind.name(),
        "name": kind.name(),
        "endpoint": format!("/{}", kind.endpoint()),
        "description": kind.description(),
        "schema": kind.schema().id,
    });
    if !extensions.is_empty() {
        doc["schemaExtensions"] = Value::Array(extensions);
    }
    doc["meta"] = json!({
        "resourceType": "ResourceType",
        "location": links.at(&format!("ResourceTypes/{}", kind.name()))
    });
    doc
}

/// `GET /ResourceTypes`.
pub(crate) fn resource_types(links: Links<'_>, p: Policy) -> Value {
    list(
        ResourceKind::ALL
            .iter()
            .map(|k| resource_type(*k, links, p))
            .collect(),
    )
}

/// `GET /ResourceTypes/{id}` (case-insensitive id).
pub(crate) fn resource_type_by_id(id: &str, links: Links<'_>, p: Policy) -> Option<Value> {
    ResourceKind::ALL
        .into_iter()
        .find(|k| k.name().eq_ignore_ascii_case(id))
        .map(|k| resource_type(k, links, p))
}

/// `GET /Schemas`.
pub(crate) fn schemas(links: Links<'_>, p: Policy) -> Value {
    list(all_schemas(p).map(|s| schema_doc(s, links)).collect())
}

/// `GET /Schemas/{urn}` (case-insensitive URN).
pub(crate) fn schema_by_id(id: &str, links: Links<'_>, p: Policy) -> Option<Value> {
    all_schemas(p)
        .find(|s| s.id.eq_ignore_ascii_case(id))
        .map(|s| schema_doc(s, links))
}

fn schema_doc(schema: &SchemaDef, links: Links<'_>) -> Value {
    json!({
        "schemas": [SCHEMA_URN],
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": schema.attributes.iter().map(attribute_doc).collect::<Vec<_>>(),
        "meta": {
            "resourceType": "Schema",
            "location": links.at(&format!("Schemas/{}", schema.id))
        }
    })
}

fn attribute_doc(attr: &AttrDef) -> Value {
    let mut doc = Map::new();
    doc.insert("name".into(), Value::from(attr.name));
    doc.insert("type".into(), Value::from(attr.ty.as_str()));
    doc.insert("multiValued".into(), Value::from(attr.multi_valued));
    doc.insert("description".into(), Value::from(attr.description));
    doc.insert("required".into(), Value::from(attr.required));
    if !attr.canonical_values.is_empty() {
        doc.insert(
            "canonicalValues".into(),
            Value::from(attr.canonical_values.to_vec()),
        );
    }
    doc.insert("caseExact".into(), Value::from(attr.case_exact));
    doc.insert("mutability".into(), Value::from(attr.mutability.as_str()));
    doc.insert("returned".into(), Value::from(attr.returned.as_str()));
    doc.insert("uniqueness".into(), Value::from(attr.uniqueness.as_str()));
    if !attr.reference_types.is_empty() {
        doc.insert(
            "referenceTypes".into(),
            Value::from(attr.reference_types.to_vec()),
        );
    }
    if !attr.sub_attributes.is_empty() {
        let subs: Vec<Value> = attr.sub_attributes.iter().map(attribute_doc).collect();
        doc.insert("subAttributes".into(), Value::Array(subs));
    }
    Value::Object(doc)
}

/// A complete (unpaged) ListResponse.
pub(crate) fn list(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE_URN],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://h/scim/v2";

    #[test]
    fn spc_advertises_real_capabilities() {
        let spc = service_provider_config(Links::new(BASE), Policy::default());
        assert_eq!(spc["filter"], json!({"supported": true, "maxResults": 200}));
        for feature in ["patch", "bulk", "sort", "etag"] {
            assert_eq!(spc[feature]["supported"], true, "{feature}");
        }
        assert_eq!(spc["changePassword"]["supported"], false);
        assert_eq!(
            spc["bulk"],
            json!({"supported": true, "maxOperations": 1000, "maxPayloadSize": 1_048_576})
        );
        assert_eq!(spc["authenticationSchemes"][0]["type"], "oauthbearertoken");
        assert_eq!(
            spc["meta"]["location"],
            "http://h/scim/v2/ServiceProviderConfig"
        );
    }

    #[test]
    fn resource_types_reference_served_schemas() {
        let list = resource_types(Links::new(BASE), Policy::default());
        assert_eq!(list["totalResults"], 2);
        let ids: Vec<&str> = schema::all_schemas().iter().map(|s| s.id).collect();
        for rt in list["Resources"].as_array().unwrap() {
            assert!(ids.contains(&rt["schema"].as_str().unwrap()));
            for ext in rt["schemaExtensions"].as_array().into_iter().flatten() {
                assert!(ids.contains(&ext["schema"].as_str().unwrap()));
                assert_eq!(ext["required"], false);
            }
        }
        let user = resource_type_by_id("user", Links::new(BASE), Policy::default()).unwrap();
        assert_eq!(user["endpoint"], "/Users");
        assert_eq!(
            user["meta"]["location"],
            "http://h/scim/v2/ResourceTypes/User"
        );
        assert!(resource_type_by_id("Nope", Links::new(BASE), Policy::default()).is_none());
    }

    #[test]
    fn schemas_describe_attributes() {
        let list = schemas(Links::new(BASE), Policy::default());
        assert_eq!(list["totalResults"], 3);
        let user = schema_by_id(
            &schema::USER_URN.to_lowercase(),
            Links::new(BASE),
            Policy::default(),
        )
        .unwrap();
        let attrs = user["attributes"].as_array().unwrap();
        let user_name = attrs.iter().find(|a| a["name"] == "userName").unwrap();
        assert_eq!(user_name["required"], true);
        assert_eq!(user_name["uniqueness"], "server");
        assert_eq!(user_name["caseExact"], false);
        let password = attrs.iter().find(|a| a["name"] == "password").unwrap();
        assert_eq!(
            (
                password["mutability"].as_str(),
                password["returned"].as_str()
            ),
            (Some("writeOnly"), Some("never"))
        );
        let groups = attrs.iter().find(|a| a["name"] == "groups").unwrap();
        assert_eq!(groups["mutability"], "readOnly");
        assert_eq!(groups["subAttributes"].as_array().unwrap().len(), 4);
        assert!(
            schema_by_id(
                "urn:ietf:params:scim:api:messages:2.0:ListResponse",
                Links::new(BASE),
                Policy::default()
            )
            .is_none()
        );
        let group = schema_by_id(schema::GROUP_URN, Links::new(BASE), Policy::default()).unwrap();
        assert_eq!(group["attributes"][0]["required"], true);
    }

    #[test]
    fn every_attribute_uses_rfc_vocabulary() {
        fn check(attr: &Value) {
            let name = attr["name"].as_str().unwrap();
            assert!(crate::filter::is_attr_name(name), "{name}");
            assert!(
                [
                    "string",
                    "boolean",
                    "decimal",
                    "integer",
                    "dateTime",
                    "binary",
                    "reference",
                    "complex"
                ]
                .contains(&attr["type"].as_str().unwrap())
            );
            assert!(
                ["readOnly", "readWrite", "immutable", "writeOnly"]
                    .contains(&attr["mutability"].as_str().unwrap())
            );
            assert!(
                ["always", "never", "default", "request"]
                    .contains(&attr["returned"].as_str().unwrap())
            );
            assert!(["none", "server", "global"].contains(&attr["uniqueness"].as_str().unwrap()));
            for sub in attr["subAttributes"].as_array().into_iter().flatten() {
                assert_ne!(sub["type"], "complex");
                check(sub);
            }
        }
        let vendor = Policy::new(false, &[], &[Variant::VendorExtension]);
        for s in schemas(Links::new(BASE), vendor)["Resources"]
            .as_array()
            .unwrap()
        {
            s["attributes"].as_array().unwrap().iter().for_each(check);
        }
    }

    #[test]
    fn variants_shape_what_is_advertised() {
        let off = Policy::new(
            false,
            &[],
            &[
                Variant::SortUnsupported,
                Variant::EtagUnsupported,
                Variant::BulkUnsupported,
                Variant::PageSizeCap,
            ],
        );
        let spc = service_provider_config(Links::new(BASE), off);
        for feature in ["bulk", "sort", "etag"] {
            assert_eq!(spc[feature]["supported"], false, "{feature}");
        }
        assert_eq!(spc["filter"]["maxResults"], variant::PAGE_SIZE_CAP);

        let vendor = Policy::new(false, &[], &[Variant::VendorExtension]);
        let list = schemas(Links::new(BASE), vendor);
        assert_eq!(list["totalResults"], 5);
        for kind in ResourceKind::ALL {
            let urn = variant::vendor_urn(kind);
            assert!(schema_by_id(urn, Links::new(BASE), vendor).is_some());
            let rt = resource_type_by_id(kind.name(), Links::new(BASE), vendor).unwrap();
            let exts: Vec<&str> = rt["schemaExtensions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["schema"].as_str().unwrap())
                .collect();
            assert!(exts.contains(&urn), "{exts:?}");
        }
    }
}
