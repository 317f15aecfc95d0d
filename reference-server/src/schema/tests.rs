//! Unit tests of the schema table and path resolution.

use super::*;

#[test]
fn kinds_parse_case_insensitively() {
    assert_eq!(ResourceKind::parse("user"), Some(ResourceKind::User));
    assert_eq!(ResourceKind::parse("GROUPS"), Some(ResourceKind::Group));
    assert_eq!(ResourceKind::parse("Bulk"), None);
}

#[test]
fn resolves_plain_and_qualified_paths() {
    let Some(Target::Attr {
        ext: None,
        attr,
        sub: Some(sub),
    }) = resolve(ResourceKind::User, None, "NAME", Some("familyname"))
    else {
        panic!("name.familyName not resolved");
    };
    assert_eq!((attr.name, sub.name), ("name", "familyName"));

    let Some(Target::Attr {
        ext: None, attr, ..
    }) = resolve(ResourceKind::User, Some(USER_URN), "username", None)
    else {
        panic!("qualified userName not resolved");
    };
    assert_eq!(attr.name, "userName");

    let Some(Target::Attr {
        ext: Some(ext),
        attr,
        sub: Some(sub),
    }) = resolve(
        ResourceKind::User,
        Some(ENTERPRISE_URN),
        "manager",
        Some("value"),
    )
    else {
        panic!("manager.value not resolved");
    };
    assert_eq!(
        (ext.id, attr.name, sub.name),
        (ENTERPRISE_URN, "manager", "value")
    );

    let (urn, name) = ENTERPRISE_URN.rsplit_once(':').unwrap();
    assert!(matches!(
        resolve(ResourceKind::User, Some(urn), name, None),
        Some(Target::Extension(_))
    ));
    assert!(matches!(
        resolve(ResourceKind::User, None, "department", None),
        Some(Target::Attr { ext: Some(_), .. })
    ));
}

#[test]
fn unknown_paths_do_not_resolve() {
    assert!(resolve(ResourceKind::User, None, "nope", None).is_none());
    assert!(resolve(ResourceKind::User, None, "name", Some("nope")).is_none());
    assert!(resolve(ResourceKind::Group, Some(USER_URN), "userName", None).is_none());
    assert!(resolve(ResourceKind::Group, None, "department", None).is_none());
}

#[test]
fn common_attributes_have_rfc_characteristics() {
    let id = core_attribute(ResourceKind::Group, "ID").unwrap();
    assert!(id.case_exact);
    assert_eq!(id.returned, Returned::Always);
    assert_eq!(id.mutability, Mutability::ReadOnly);
    let password = core_attribute(ResourceKind::User, "password").unwrap();
    assert_eq!(password.returned, Returned::Never);
    assert!(
        core_attribute(ResourceKind::User, "emails")
            .unwrap()
            .sub_attribute("primary")
            .is_some()
    );
}

#[test]
fn no_complex_sub_attributes() {
    for schema in all_schemas() {
        for attr in schema.attributes {
            assert!(
                attr.sub_attributes
                    .iter()
                    .all(|s| s.ty != AttrType::Complex)
            );
            assert_eq!(
                attr.ty == AttrType::Complex,
                !attr.sub_attributes.is_empty()
            );
        }
    }
}
