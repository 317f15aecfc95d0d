//! SCIM filter expressions (RFC 7644 §3.4.2.2): a hand-written recursive-descent parser
//! producing a [`Filter`] tree, and a schema-aware evaluator over `serde_json::Value`.
//!
//! Grammar (errata-corrected, case-insensitive keywords):
//!
//! ```text
//! filter   = and *("or" and)
//! and      = unary *("and" unary)
//! unary    = "not" "(" filter ")" / primary   ; "not (" and "not(" both accepted
//! primary  = "(" filter ")" / attrPath "[" filter "]" / attrPath "pr" / attrPath compOp compValue
//! compOp   = eq / ne / co / sw / ew / gt / ge / lt / le
//! compValue= false / null / true / number / string   ; JSON literals
//! attrPath = [URI ":"] ATTRNAME ["." ATTRNAME]
//! ```
//!
//! `not` binds tighter than `and`, which binds tighter than `or`. Value filters
//! (`emails[type eq "work"]`) cannot nest. Errors carry a 1-based character column.

mod eval;
mod parse;
mod simple;

use std::fmt;

use serde_json::{Map, Value};

use crate::schema::{AttrDef, ResourceKind};

use eval::Scope;
pub use eval::{fold, get_ci};
use parse::Parser;

/// A syntactic attribute path: optional schema URN, attribute name, optional sub-attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    pub urn: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

impl AttrPath {
    /// Parses `[URN ":"] name ["." sub]`. URN-qualified paths split at the last `:`.
    pub fn parse(s: &str) -> Result<AttrPath, String> {
        let (urn, rest) = if s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) {
            match s.rsplit_once(':') {
                Some((urn, rest)) if urn.len() > 4 => (Some(urn.to_owned()), rest),
                _ => return Err(format!("invalid attribute path '{s}'")),
            }
        } else {
            (None, s)
        };
        let (name, sub) = match rest.split_once('.') {
            Some((name, sub)) => (name, Some(sub)),
            None => (rest, None),
        };
        if !is_attr_name(name) || sub.is_some_and(|s| !is_attr_name(s)) {
            return Err(format!("invalid attribute path '{s}'"));
        }
        Ok(AttrPath {
            urn,
            name: name.to_owned(),
            sub: sub.map(str::to_owned),
        })
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// `ATTRNAME = ALPHA *(nameChar)`, also accepting a leading `$` (for `$ref`).
pub fn is_attr_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '$'))
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    fn parse(word: &str) -> Option<Self> {
        const OPS: [(&str, CompareOp); 9] = [
            ("eq", CompareOp::Eq),
            ("ne", CompareOp::Ne),
            ("co", CompareOp::Co),
            ("sw", CompareOp::Sw),
            ("ew", CompareOp::Ew),
            ("gt", CompareOp::Gt),
            ("ge", CompareOp::Ge),
            ("lt", CompareOp::Lt),
            ("le", CompareOp::Le),
        ];
        OPS.iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
            .map(|(_, op)| *op)
    }

    fn is_ordering(self) -> bool {
        matches!(
            self,
            CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
        )
    }

    fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }
}

/// A parsed filter. `And`/`Or` are n-ary so long chains do not build deep trees.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Or(Vec<Filter>),
    And(Vec<Filter>),
    Not(Box<Filter>),
    /// `attrPath pr`.
    Present(AttrPath),
    /// `attrPath op value`; `column` locates the operator for later errors.
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: Value,
        column: usize,
    },
    /// `attrPath[filter]`: the inner filter applies to each value of the attribute.
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

/// How filters are parsed: the RFC grammar, or a server's variations of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Syntax {
    /// Operators and the `and`/`or`/`not` keywords match only in lower case (a defect mode).
    pub lowercase_operators_only: bool,
    /// Refuse non-RFC forms, such as a string literal compared with a boolean attribute.
    pub strict: bool,
}

/// How string values compare, where a server deviates from the schema's `caseExact`
/// (defect modes only; the default follows the schema).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Matching {
    /// `userName` compares case-sensitively.
    pub case_exact_user_name: bool,
    /// `externalId` compares case-insensitively.
    pub case_insensitive_external_id: bool,
}

/// A filter syntax (or semantic) error with its 1-based character column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at column {column}")]
pub struct FilterError {
    pub message: String,
    pub column: usize,
}

impl From<FilterError> for crate::ScimError {
    fn from(e: FilterError) -> Self {
        crate::ScimError::invalid_filter(format!("invalid filter: {e}"))
    }
}

impl Filter {
    /// Parses a complete filter expression.
    pub fn parse(input: &str) -> Result<Filter, FilterError> {
        Parser::new(input, false, Syntax::default())?.parse_all()
    }

    /// Parses the inside of a value filter (`type eq "work"` in `emails[type eq "work"]`),
    /// where nested brackets are not allowed.
    pub fn parse_value_filter(input: &str) -> Result<Filter, FilterError> {
        Parser::new(input, true, Syntax::default())?.parse_all()
    }

    /// Parses and checks against the schema of `kind` (ordering operators on boolean or
    /// binary attributes are rejected, RFC 7644 §3.4.2.2).
    pub fn parse_for(kind: ResourceKind, input: &str) -> Result<Filter, FilterError> {
        Filter::parse_with(&[kind], input, Syntax::default())
    }

    /// Parses with the given syntax rules and checks against the schema of every kind in
    /// `kinds` (several for queries at the service root).
    pub fn parse_with(
        kinds: &[ResourceKind],
        input: &str,
        syntax: Syntax,
    ) -> Result<Filter, FilterError> {
        let filter = match simple::simple_eq(input) {
            Some(filter) => filter,
            None => Parser::new(input, false, syntax)?.parse_all()?,
        };
        for kind in kinds {
            filter.validate(Scope::Resource(*kind), syntax.strict)?;
        }
        Ok(filter)
    }

    /// Whether a resource of `kind` matches.
    pub fn matches(&self, kind: ResourceKind, resource: &Map<String, Value>) -> bool {
        self.matches_with(kind, resource, Matching::default())
    }

    /// Whether a resource of `kind` matches, comparing strings as `m` says.
    pub fn matches_with(
        &self,
        kind: ResourceKind,
        resource: &Map<String, Value>,
        m: Matching,
    ) -> bool {
        self.eval(resource, Scope::Resource(kind), m)
    }

    /// Whether one value of a multi-valued attribute matches a value filter.
    pub fn matches_element(&self, parent: Option<&'static AttrDef>, element: &Value) -> bool {
        self.element_matches(parent, element, Matching::default())
    }

    /// If this filter requires `path eq "string"` at top level (alone or as one conjunct),
    /// that pair, for index lookups.
    pub fn eq_hint(&self) -> Option<(&AttrPath, &str)> {
        match self {
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value: Value::String(s),
                ..
            } if path.sub.is_none() => Some((path, s)),
            Filter::And(items) => items.iter().find_map(Filter::eq_hint),
            _ => None,
        }
    }

    /// Calls `f(attribute, sub-attribute)` for every attribute path the filter mentions
    /// (value-filter inner paths are reported as sub-attributes of the outer attribute).
    pub fn visit_paths(&self, f: &mut dyn FnMut(&AttrPath, Option<&str>)) {
        match self {
            Filter::Or(items) | Filter::And(items) => {
                items.iter().for_each(|i| i.visit_paths(f));
            }
            Filter::Not(inner) => inner.visit_paths(f),
            Filter::Present(path) | Filter::Compare { path, .. } => f(path, path.sub.as_deref()),
            Filter::ValuePath { path, filter } => {
                filter.visit_paths(&mut |inner: &AttrPath, _| f(path, Some(&inner.name)));
            }
        }
    }

    /// The attribute/value pairs of a pure `eq` conjunction (`type eq "work" and primary eq
    /// true`), used to build a new value when a filtered PATCH `add` matches nothing.
    pub fn eq_conjunction(&self) -> Option<Vec<(&str, &Value)>> {
        match self {
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value,
                ..
            } if path.urn.is_none() && path.sub.is_none() && !value.is_null() => {
                Some(vec![(path.name.as_str(), value)])
            }
            Filter::And(items) => {
                let mut out = Vec::new();
                for item in items {
                    out.extend(item.eq_conjunction()?);
                }
                Some(out)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, items: &[Filter], sep: &str| {
            f.write_str("(")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    write!(f, " {sep} ")?;
                }
                write!(f, "{item}")?;
            }
            f.write_str(")")
        };
        match self {
            Filter::Or(items) => join(f, items, "or"),
            Filter::And(items) => join(f, items, "and"),
            Filter::Not(inner) => write!(f, "not ({inner})"),
            Filter::Present(path) => write!(f, "{path} pr"),
            Filter::Compare {
                path, op, value, ..
            } => write!(f, "{path} {} {value}", op.as_str()),
            Filter::ValuePath { path, filter } => write!(f, "{path}[{filter}]"),
        }
    }
}

#[cfg(test)]
mod tests;
