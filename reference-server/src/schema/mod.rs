//! The resource schemas the server implements (RFC 7643 §4, §8.7.1), as static data.
//!
//! This table is the single source of truth: input normalisation, filters, PATCH paths,
//! projection and the `/Schemas` discovery documents all read it, so discovery describes
//! exactly what the server does.

/// A resource type served by the reference server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// `urn:ietf:params:scim:schemas:core:2.0:User` at `/Users`.
    User,
    /// `urn:ietf:params:scim:schemas:core:2.0:Group` at `/Groups`.
    Group,
}

impl ResourceKind {
    /// Every kind, in discovery order.
    pub const ALL: [ResourceKind; 2] = [ResourceKind::User, ResourceKind::Group];

    /// `"User"` or `"Group"` (the `meta.resourceType` value and ResourceType id).
    pub fn name(self) -> &'static str {
        match self {
            ResourceKind::User => "User",
            ResourceKind::Group => "Group",
        }
    }

    /// `"Users"` or `"Groups"` (the endpoint segment).
    pub fn endpoint(self) -> &'static str {
        match self {
            ResourceKind::User => "Users",
            ResourceKind::Group => "Groups",
        }
    }

    /// Parses `"User"`/`"Group"` (or the endpoint names), case-insensitively.
    pub fn parse(s: &str) -> Option<Self> {
        ResourceKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s) || k.endpoint().eq_ignore_ascii_case(s))
    }

    /// The core schema of this type.
    pub fn schema(self) -> &'static SchemaDef {
        match self {
            ResourceKind::User => &USER_SCHEMA,
            ResourceKind::Group => &GROUP_SCHEMA,
        }
    }

    /// The schema extensions this type accepts (none required).
    pub fn extensions(self) -> &'static [&'static SchemaDef] {
        const USER_EXTENSIONS: &[&SchemaDef] = &[&ENTERPRISE_USER_SCHEMA];
        match self {
            ResourceKind::User => USER_EXTENSIONS,
            ResourceKind::Group => &[],
        }
    }

    /// Human-readable description for `/ResourceTypes`.
    pub fn description(self) -> &'static str {
        match self {
            ResourceKind::User => "User Account",
            ResourceKind::Group => "Group",
        }
    }

    /// The top-level attribute that must be unique (case-insensitively), if any.
    pub fn unique_attribute(self) -> &'static str {
        match self {
            ResourceKind::User => "userName",
            ResourceKind::Group => "displayName",
        }
    }
}

/// SCIM attribute data types (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

impl AttrType {
    /// The schema keyword, e.g. `"dateTime"`.
    pub fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Decimal => "decimal",
            AttrType::Integer => "integer",
            AttrType::DateTime => "dateTime",
            AttrType::Binary => "binary",
            AttrType::Reference => "reference",
            AttrType::Complex => "complex",
        }
    }
}

/// `mutability` characteristic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

impl Mutability {
    /// The schema keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
            Mutability::WriteOnly => "writeOnly",
        }
    }
}

/// `returned` characteristic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

impl Returned {
    /// The schema keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Returned::Always => "always",
            Returned::Never => "never",
            Returned::Default => "default",
            Returned::Request => "request",
        }
    }
}

/// `uniqueness` characteristic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

impl Uniqueness {
    /// The schema keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Uniqueness::None => "none",
            Uniqueness::Server => "server",
            Uniqueness::Global => "global",
        }
    }
}

/// One attribute definition (RFC 7643 §7).
#[derive(Debug, Clone, Copy)]
pub struct AttrDef {
    pub name: &'static str,
    pub ty: AttrType,
    pub multi_valued: bool,
    pub description: &'static str,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub canonical_values: &'static [&'static str],
    pub reference_types: &'static [&'static str],
    pub sub_attributes: &'static [AttrDef],
}

impl AttrDef {
    pub(crate) const fn new(name: &'static str, ty: AttrType, description: &'static str) -> Self {
        AttrDef {
            name,
            ty,
            multi_valued: false,
            description,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: &[],
            reference_types: &[],
            sub_attributes: &[],
        }
    }
    pub(crate) const fn string(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::String, description)
    }
    pub(crate) const fn boolean(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::Boolean, description)
    }
    pub(crate) const fn datetime(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::DateTime, description)
    }
    pub(crate) const fn reference(
        name: &'static str,
        types: &'static [&'static str],
        description: &'static str,
    ) -> Self {
        let mut a = Self::new(name, AttrType::Reference, description);
        a.reference_types = types;
        a.case_exact = true;
        a
    }
    pub(crate) const fn complex(
        name: &'static str,
        subs: &'static [AttrDef],
        description: &'static str,
    ) -> Self {
        let mut a = Self::new(name, AttrType::Complex, description);
        a.sub_attributes = subs;
        a
    }
    pub(crate) const fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    pub(crate) const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub(crate) const fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    pub(crate) const fn mutability(mut self, m: Mutability) -> Self {
        self.mutability = m;
        self
    }
    pub(crate) const fn returned(mut self, r: Returned) -> Self {
        self.returned = r;
        self
    }
    pub(crate) const fn unique(mut self) -> Self {
        self.uniqueness = Uniqueness::Server;
        self
    }
    pub(crate) const fn canonical(mut self, values: &'static [&'static str]) -> Self {
        self.canonical_values = values;
        self
    }
    pub(crate) const fn read_only(self) -> Self {
        self.mutability(Mutability::ReadOnly)
    }

    /// Sub-attribute by name, case-insensitively.
    pub fn sub_attribute(&self, name: &str) -> Option<&'static AttrDef> {
        find(self.sub_attributes, name)
    }

    /// Whether this is a complex attribute whose values carry a `value` sub-attribute.
    pub fn has_value_sub(&self) -> bool {
        self.sub_attributes.iter().any(|s| s.name == "value")
    }
}

/// A schema document (RFC 7643 §7).
#[derive(Debug)]
pub struct SchemaDef {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attributes: &'static [AttrDef],
}

impl SchemaDef {
    /// Attribute by name, case-insensitively.
    pub fn attribute(&self, name: &str) -> Option<&'static AttrDef> {
        find(self.attributes, name)
    }
}

fn find(defs: &'static [AttrDef], name: &str) -> Option<&'static AttrDef> {
    defs.iter().find(|d| d.name.eq_ignore_ascii_case(name))
}

/// Core User schema URN.
pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Core Group schema URN.
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Enterprise User extension URN.
pub const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// The SCIM 1.0 core schema URN some clients (Google) still list; read as the 2.0 core.
pub const SCIM1_CORE_URN: &str = "urn:scim:schemas:core:1.0";

mod tables;

pub use tables::{
    COMMON_ATTRIBUTES, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, all_schemas,
};

/// Where a resolved attribute lives.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// An attribute of the core schema or a common attribute (`ext` None), or of an
    /// extension (stored under the extension URN key).
    Attr {
        ext: Option<&'static SchemaDef>,
        attr: &'static AttrDef,
        sub: Option<&'static AttrDef>,
    },
    /// A whole extension object, e.g. the path `urn:…:enterprise:2.0:User`.
    Extension(&'static SchemaDef),
}

/// The extension schema with this URN, case-insensitively.
pub fn extension(kind: ResourceKind, urn: &str) -> Option<&'static SchemaDef> {
    kind.extensions()
        .iter()
        .copied()
        .find(|s| s.id.eq_ignore_ascii_case(urn))
}

/// Whether `urn` names the core schema of `kind` (or the SCIM 1.0 core schema).
pub fn is_core_urn(kind: ResourceKind, urn: &str) -> bool {
    kind.schema().id.eq_ignore_ascii_case(urn) || SCIM1_CORE_URN.eq_ignore_ascii_case(urn)
}

/// Resolves an attribute path (optional URN, name, optional sub-attribute) for `kind`.
/// Unqualified names are looked up in the core schema, then among the common attributes,
/// then in the extensions.
pub fn resolve(
    kind: ResourceKind,
    urn: Option<&str>,
    name: &str,
    sub: Option<&str>,
) -> Option<Target> {
    let (ext, attr) = match urn {
        Some(urn) => {
            if sub.is_none() {
                let whole = format!("{urn}:{name}");
                if let Some(schema) = extension(kind, &whole) {
                    return Some(Target::Extension(schema));
                }
            }
            if is_core_urn(kind, urn) {
                (None, core_attribute(kind, name)?)
            } else {
                let schema = extension(kind, urn)?;
                (Some(schema), schema.attribute(name)?)
            }
        }
        None => match core_attribute(kind, name) {
            Some(attr) => (None, attr),
            None => kind
                .extensions()
                .iter()
                .find_map(|s| s.attribute(name).map(|a| (Some(*s), a)))?,
        },
    };
    let sub = match sub {
        Some(s) => Some(attr.sub_attribute(s)?),
        None => None,
    };
    Some(Target::Attr { ext, attr, sub })
}

/// A core-schema or common attribute by name.
pub fn core_attribute(kind: ResourceKind, name: &str) -> Option<&'static AttrDef> {
    kind.schema()
        .attribute(name)
        .or_else(|| find(&COMMON_ATTRIBUTES, name))
}

#[cfg(test)]
mod tests;
