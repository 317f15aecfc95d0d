//! The declarations as read from `/Schemas` and `/ResourceTypes`: attribute definitions,
//! schemas and resource types, plus the RFC 7643 §3.1 common attributes.

use std::sync::LazyLock;

use super::DeclaredAttribute;

/// The common attributes of RFC 7643 §3.1, used when the base schema does not declare them.
pub(super) static COMMON: LazyLock<Vec<Attr>> = LazyLock::new(|| {
    vec![
        Attr::common("schemas", Kind::Reference, true, "always", Vec::new()),
        Attr::common("id", Kind::String, false, "always", Vec::new()),
        Attr::common("externalId", Kind::String, false, "default", Vec::new()),
        Attr::common(
            "meta",
            Kind::Complex,
            false,
            "default",
            vec![
                Attr::common("resourceType", Kind::String, false, "default", Vec::new()),
                Attr::common("created", Kind::DateTime, false, "default", Vec::new()),
                Attr::common("lastModified", Kind::DateTime, false, "default", Vec::new()),
                Attr::common("location", Kind::Reference, false, "default", Vec::new()),
                Attr::common("version", Kind::String, false, "default", Vec::new()),
            ],
        ),
    ]
});

/// The SCIM data types (RFC 7643 §2.3), plus `Unknown` for a missing or invalid `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Reference,
    Complex,
    Binary,
    Unknown,
}

impl Kind {
    const ALL: [(Kind, &'static str); 8] = [
        (Kind::String, "string"),
        (Kind::Boolean, "boolean"),
        (Kind::Decimal, "decimal"),
        (Kind::Integer, "integer"),
        (Kind::DateTime, "dateTime"),
        (Kind::Reference, "reference"),
        (Kind::Complex, "complex"),
        (Kind::Binary, "binary"),
    ];

    /// The kind named by `s` (case-insensitively) and its RFC spelling.
    pub(super) fn parse(s: &str) -> Option<(Kind, &'static str)> {
        Kind::ALL
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(s))
            .copied()
    }

    pub(super) fn name(self) -> &'static str {
        Kind::ALL
            .iter()
            .find(|(kind, _)| *kind == self)
            .map_or("unknown", |(_, name)| name)
    }
}

/// One attribute definition, as read from `/Schemas`.
#[derive(Debug, Clone)]
pub(super) struct Attr {
    pub(super) name: String,
    pub(super) kind: Kind,
    pub(super) kind_name: String,
    pub(super) multi_valued: bool,
    pub(super) required: bool,
    pub(super) case_exact: bool,
    pub(super) mutability: String,
    pub(super) returned: String,
    pub(super) uniqueness: String,
    pub(super) canonical_values: Vec<String>,
    pub(super) sub: Vec<Attr>,
}

impl Attr {
    pub(super) fn common(
        name: &str,
        kind: Kind,
        multi_valued: bool,
        returned: &str,
        sub: Vec<Attr>,
    ) -> Attr {
        Attr {
            name: name.to_owned(),
            kind,
            kind_name: kind.name().to_owned(),
            multi_valued,
            required: false,
            case_exact: false,
            mutability: "readOnly".to_owned(),
            returned: returned.to_owned(),
            uniqueness: "none".to_owned(),
            canonical_values: Vec::new(),
            sub,
        }
    }

    /// `returned: never` or `mutability: writeOnly`: the value must never be sent (C-7-04).
    pub(super) fn never_returned(&self) -> bool {
        self.returned == "never" || self.mutability == "writeOnly"
    }

    /// A required attribute a default response must carry.
    pub(super) fn required_in_default_response(&self) -> bool {
        self.required
            && matches!(self.returned.as_str(), "always" | "default")
            && !self.never_returned()
    }

    pub(super) fn find<'a>(attrs: &'a [Attr], name: &str) -> Option<&'a Attr> {
        attrs.iter().find(|a| a.name.eq_ignore_ascii_case(name))
    }

    pub(super) fn declared(&self, path: String) -> DeclaredAttribute {
        DeclaredAttribute {
            path,
            kind: self.kind_name.clone(),
            multi_valued: self.multi_valued,
            required: self.required,
            case_exact: self.case_exact,
            mutability: self.mutability.clone(),
            returned: self.returned.clone(),
            uniqueness: self.uniqueness.clone(),
            canonical_values: self.canonical_values.clone(),
        }
    }

    pub(super) fn flatten(attrs: &[Attr], prefix: &str, out: &mut Vec<DeclaredAttribute>) {
        for a in attrs {
            let path = format!("{prefix}{}", a.name);
            out.push(a.declared(path.clone()));
            Attr::flatten(&a.sub, &format!("{path}."), out);
        }
    }
}

/// One Schema served by `/Schemas`.
#[derive(Debug, Clone)]
pub(super) struct SchemaDef {
    pub(super) id: String,
    pub(super) attributes: Vec<Attr>,
}

/// One `schemaExtensions` entry of a ResourceType.
#[derive(Debug, Clone)]
pub(super) struct Extension {
    pub(super) schema: String,
    pub(super) required: bool,
}

/// One ResourceType served by `/ResourceTypes`.
#[derive(Debug, Clone)]
pub(super) struct ResourceTypeDef {
    pub(super) name: String,
    pub(super) schema: String,
    pub(super) extensions: Vec<Extension>,
}
