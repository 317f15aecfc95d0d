//! The attribute definitions of the User, EnterpriseUser and Group schemas and the
//! common attributes (RFC 7643 §3.1, §4, §8.7.1, with the errata the prose supports).

use super::{AttrDef, AttrType, Mutability, Returned, SchemaDef};
use super::{ENTERPRISE_URN, GROUP_URN, USER_URN};

use AttrType as T;
use Mutability as M;

/// Sub-attributes of the usual `value`/`display`/`type`/`primary` multi-valued attributes.
const fn typed_multi(value: AttrDef, types: &'static [&'static str]) -> [AttrDef; 4] {
    [
        value,
        AttrDef::string(
            "display",
            "A human-readable name, primarily used for display purposes.",
        ),
        AttrDef::string("type", "A label indicating the attribute's function.").canonical(types),
        AttrDef::boolean(
            "primary",
            "Indicates the preferred value; at most one value is primary.",
        ),
    ]
}

const NAME_SUBS: &[AttrDef] = &[
    AttrDef::string("formatted", "The full name, formatted for display."),
    AttrDef::string("familyName", "The family name (last name)."),
    AttrDef::string("givenName", "The given name (first name)."),
    AttrDef::string("middleName", "The middle name(s)."),
    AttrDef::string("honorificPrefix", "The honorific prefix(es), e.g. 'Ms.'."),
    AttrDef::string("honorificSuffix", "The honorific suffix(es), e.g. 'III'."),
];
const EMAIL_SUBS: &[AttrDef] = &typed_multi(
    AttrDef::string("value", "Email address for the user."),
    &["work", "home", "other"],
);
const PHONE_SUBS: &[AttrDef] = &typed_multi(
    AttrDef::string("value", "Phone number of the user."),
    &["work", "home", "mobile", "fax", "pager", "other"],
);
const IM_SUBS: &[AttrDef] = &typed_multi(
    AttrDef::string("value", "Instant messaging address for the user."),
    &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
);
const PHOTO_SUBS: &[AttrDef] = &typed_multi(
    AttrDef::reference("value", &["external"], "URL of a photo of the user."),
    &["photo", "thumbnail"],
);
const ADDRESS_SUBS: &[AttrDef] = &[
    AttrDef::string(
        "formatted",
        "The full mailing address, formatted for display.",
    ),
    AttrDef::string("streetAddress", "The full street address component."),
    AttrDef::string("locality", "The city or locality component."),
    AttrDef::string("region", "The state or region component."),
    AttrDef::string("postalCode", "The zip code or postal code component."),
    AttrDef::string("country", "The country name component."),
    AttrDef::string("type", "A label indicating the attribute's function.")
        .canonical(&["work", "home", "other"]),
    AttrDef::boolean("primary", "Indicates the preferred mailing address."),
];
const USER_GROUP_SUBS: &[AttrDef] = &[
    AttrDef::string("value", "The identifier of the User's group.").read_only(),
    AttrDef::reference(
        "$ref",
        &["Group"],
        "The URI of the corresponding Group resource.",
    )
    .read_only(),
    AttrDef::string("display", "A human-readable name of the group.").read_only(),
    AttrDef::string("type", "How the membership was derived.")
        .canonical(&["direct", "indirect"])
        .read_only(),
];
const SIMPLE_MULTI_SUBS: &[AttrDef] = &[
    AttrDef::string("value", "The value."),
    AttrDef::string(
        "display",
        "A human-readable name, primarily used for display purposes.",
    ),
    AttrDef::string("type", "A label indicating the attribute's function."),
    AttrDef::boolean(
        "primary",
        "Indicates the preferred value; at most one value is primary.",
    ),
];
const CERT_SUBS: &[AttrDef] = &[
    AttrDef::new(
        "value",
        T::Binary,
        "The value of an X.509 certificate (base64).",
    )
    .case_exact(),
    AttrDef::string(
        "display",
        "A human-readable name, primarily used for display purposes.",
    ),
    AttrDef::string("type", "A label indicating the attribute's function."),
    AttrDef::boolean(
        "primary",
        "Indicates the preferred value; at most one value is primary.",
    ),
];

/// Core User schema (RFC 7643 §4.1).
pub static USER_SCHEMA: SchemaDef = SchemaDef {
    id: USER_URN,
    name: "User",
    description: "User Account",
    attributes: &[
        AttrDef::string(
            "userName",
            "Unique identifier for the User, used to authenticate.",
        )
        .required()
        .unique(),
        AttrDef::complex("name", NAME_SUBS, "The components of the user's real name."),
        AttrDef::string("displayName", "The name of the User, suitable for display."),
        AttrDef::string("nickName", "The casual way to address the user."),
        AttrDef::reference(
            "profileUrl",
            &["external"],
            "A URL to the User's online profile.",
        ),
        AttrDef::string("title", "The user's title, such as 'Vice President'."),
        AttrDef::string(
            "userType",
            "The relationship between the organization and the user.",
        ),
        AttrDef::string(
            "preferredLanguage",
            "The User's preferred written or spoken language.",
        ),
        AttrDef::string("locale", "The User's default location for localization."),
        AttrDef::string(
            "timezone",
            "The User's time zone in IANA Time Zone database format.",
        ),
        AttrDef::boolean("active", "The User's administrative status."),
        AttrDef::string("password", "The User's cleartext password; never returned.")
            .mutability(M::WriteOnly)
            .returned(Returned::Never),
        AttrDef::complex("emails", EMAIL_SUBS, "Email addresses for the user.").multi(),
        AttrDef::complex("phoneNumbers", PHONE_SUBS, "Phone numbers for the User.").multi(),
        AttrDef::complex("ims", IM_SUBS, "Instant messaging addresses for the User.").multi(),
        AttrDef::complex("photos", PHOTO_SUBS, "URLs of photos of the User.").multi(),
        AttrDef::complex(
            "addresses",
            ADDRESS_SUBS,
            "A physical mailing address for this User.",
        )
        .multi(),
        AttrDef::complex(
            "groups",
            USER_GROUP_SUBS,
            "Groups the user belongs to (derived).",
        )
        .multi()
        .read_only(),
        AttrDef::complex(
            "entitlements",
            SIMPLE_MULTI_SUBS,
            "Entitlements of the User.",
        )
        .multi(),
        AttrDef::complex("roles", SIMPLE_MULTI_SUBS, "Roles of the User.").multi(),
        AttrDef::complex(
            "x509Certificates",
            CERT_SUBS,
            "X.509 certificates of the User.",
        )
        .multi(),
    ],
};

const MANAGER_SUBS: &[AttrDef] = &[
    AttrDef::string(
        "value",
        "The id of the SCIM resource representing the User's manager.",
    ),
    AttrDef::reference("$ref", &["User"], "The URI of the manager's User resource.").read_only(),
    AttrDef::string("displayName", "The displayName of the User's manager.").read_only(),
];

/// Enterprise User extension (RFC 7643 §4.3).
pub static ENTERPRISE_USER_SCHEMA: SchemaDef = SchemaDef {
    id: ENTERPRISE_URN,
    name: "EnterpriseUser",
    description: "Enterprise User",
    attributes: &[
        AttrDef::string(
            "employeeNumber",
            "Numeric or alphanumeric identifier of the employee.",
        ),
        AttrDef::string("costCenter", "Identifies the name of a cost center."),
        AttrDef::string("organization", "Identifies the name of an organization."),
        AttrDef::string("division", "Identifies the name of a division."),
        AttrDef::string("department", "Identifies the name of a department."),
        AttrDef::complex("manager", MANAGER_SUBS, "The User's manager."),
    ],
};

const MEMBER_SUBS: &[AttrDef] = &[
    AttrDef::string("value", "Identifier of the member of this Group.")
        .case_exact()
        .mutability(M::Immutable),
    AttrDef::reference(
        "$ref",
        &["User", "Group"],
        "The URI of the member resource.",
    )
    .mutability(M::Immutable),
    AttrDef::string("type", "The type of the member.")
        .canonical(&["User", "Group"])
        .mutability(M::Immutable),
    AttrDef::string("display", "A human-readable name of the member.").mutability(M::Immutable),
];

/// Core Group schema (RFC 7643 §4.2, with errata 5368 making displayName required).
pub static GROUP_SCHEMA: SchemaDef = SchemaDef {
    id: GROUP_URN,
    name: "Group",
    description: "Group",
    attributes: &[
        AttrDef::string("displayName", "A human-readable name for the Group.")
            .required()
            .unique(),
        AttrDef::complex("members", MEMBER_SUBS, "A list of members of the Group.").multi(),
    ],
};

const META_SUBS: &[AttrDef] = &[
    AttrDef::string(
        "resourceType",
        "The name of the resource type of the resource.",
    )
    .case_exact()
    .read_only(),
    AttrDef::datetime(
        "created",
        "When the resource was added to the service provider.",
    )
    .read_only(),
    AttrDef::datetime("lastModified", "When the resource was last updated.").read_only(),
    AttrDef::reference("location", &["uri"], "The URI of the resource.").read_only(),
    AttrDef::string("version", "The version (weak ETag) of the resource.")
        .case_exact()
        .read_only(),
];

/// Common attributes of every resource (RFC 7643 §3.1); not part of any schema document.
pub static COMMON_ATTRIBUTES: [AttrDef; 3] = [
    AttrDef::string("id", "Unique identifier assigned by the service provider.")
        .case_exact()
        .read_only()
        .returned(Returned::Always)
        .unique(),
    AttrDef::string(
        "externalId",
        "Identifier assigned by the provisioning client.",
    )
    .case_exact(),
    AttrDef::complex("meta", META_SUBS, "Resource metadata.").read_only(),
];

/// Every schema document served under `/Schemas`.
pub fn all_schemas() -> [&'static SchemaDef; 3] {
    [&USER_SCHEMA, &ENTERPRISE_USER_SCHEMA, &GROUP_SCHEMA]
}
