//! PATCH `path` values (RFC 7644 §3.5.2): `attr`, `attr.sub`, `attr[filter]`,
//! `attr[filter].sub`, each optionally URN-qualified, or a bare extension URN.
//!
//! The bracketed value filter is parsed by [`crate::filter`]. A malformed path is
//! `invalidPath`; a malformed filter inside the brackets is `invalidFilter`.

use crate::error::ScimError;
use crate::filter::{AttrPath, Filter, FilterError, is_attr_name};

/// A parsed PATCH path.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// The attribute; its `sub` is set for `attr.sub` paths (never together with a filter).
    pub attr: AttrPath,
    /// The value filter of `attr[filter]`.
    pub filter: Option<Filter>,
    /// The sub-attribute after a value filter (`attr[filter].sub`).
    pub filter_sub: Option<String>,
}

impl PatchPath {
    /// The sub-attribute the path ends in, whichever syntax named it.
    pub fn sub(&self) -> Option<&str> {
        self.attr.sub.as_deref().or(self.filter_sub.as_deref())
    }

    /// Parses a PATCH path.
    pub fn parse(input: &str) -> Result<PatchPath, ScimError> {
        let s = input.trim();
        let invalid = |why: &str| ScimError::invalid_path(format!("invalid path '{input}': {why}"));
        let Some(open) = s.find('[') else {
            if s.contains(']') {
                return Err(invalid("unexpected ']'"));
            }
            let attr = AttrPath::parse(s).map_err(|_| invalid("not an attribute path"))?;
            return Ok(PatchPath {
                attr,
                filter: None,
                filter_sub: None,
            });
        };
        let attr = AttrPath::parse(&s[..open]).map_err(|_| invalid("not an attribute path"))?;
        if attr.sub.is_some() {
            return Err(invalid(
                "a value filter must follow the attribute, not a sub-attribute",
            ));
        }
        let close = closing_bracket(s, open).ok_or_else(|| invalid("unclosed '['"))?;
        let inner = &s[open + 1..close];
        let rest = &s[close + 1..];
        let filter_sub = if rest.is_empty() {
            None
        } else {
            match rest.strip_prefix('.') {
                Some(sub) if is_attr_name(sub) => Some(sub.to_owned()),
                _ => return Err(invalid("expected '.subAttribute' or nothing after ']'")),
            }
        };
        let filter = Filter::parse_value_filter(inner).map_err(|e| {
            let offset = s[..=open].chars().count();
            let shifted = FilterError {
                column: e.column + offset,
                message: e.message,
            };
            ScimError::invalid_filter(format!("invalid filter in path '{input}': {shifted}"))
        })?;
        Ok(PatchPath {
            attr,
            filter: Some(filter),
            filter_sub,
        })
    }
}

/// Byte index of the `]` matching the `[` at `open`, skipping quoted strings.
fn closing_bracket(s: &str, open: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = open + 1;
    let mut in_string = false;
    while i < bytes.len() {
        match (in_string, bytes[i]) {
            (true, b'\\') => i += 1,
            (true, b'"') => in_string = false,
            (false, b'"') => in_string = true,
            (false, b']') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::scim_type;

    fn kind_of(path: &str) -> Option<&'static str> {
        PatchPath::parse(path).err().and_then(|e| e.scim_type)
    }

    #[test]
    fn plain_and_sub_attribute_paths() {
        let p = PatchPath::parse("name.givenName").unwrap();
        assert_eq!(p.attr.name, "name");
        assert_eq!(p.sub(), Some("givenName"));
        assert!(p.filter.is_none());
        let p = PatchPath::parse(" title ").unwrap();
        assert_eq!((p.attr.name.as_str(), p.sub()), ("title", None));
    }

    #[test]
    fn value_filter_paths() {
        let p = PatchPath::parse(r#"emails[type eq "work"].value"#).unwrap();
        assert_eq!(p.attr.name, "emails");
        assert_eq!(p.sub(), Some("value"));
        assert_eq!(p.filter.unwrap().to_string(), r#"type eq "work""#);
        let p = PatchPath::parse(r#"members[value eq "a]b"]"#).unwrap();
        assert_eq!(p.filter.unwrap().to_string(), r#"value eq "a]b""#);
        let p = PatchPath::parse(r#"emails[type eq "work" and value co "@x"]"#).unwrap();
        assert!(p.filter_sub.is_none());
    }

    #[test]
    fn urn_qualified_paths() {
        let p = PatchPath::parse(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        )
        .unwrap();
        assert_eq!(
            p.attr.urn.as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        );
        assert_eq!((p.attr.name.as_str(), p.sub()), ("manager", Some("value")));
        let p = PatchPath::parse(
            r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value"#,
        )
        .unwrap();
        assert_eq!(p.attr.name, "emails");
        let p =
            PatchPath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User").unwrap();
        assert_eq!(p.attr.name, "User");
    }

    #[test]
    fn malformed_paths_are_invalid_path() {
        for bad in [
            r#"emails[type eq"#,
            "na..me",
            "",
            "emails]",
            r#"emails[type eq "work"]value"#,
            r#"emails[type eq "work"].va lue"#,
            r#"name.givenName[type eq "x"]"#,
            r#"[type eq "x"]"#,
        ] {
            assert_eq!(kind_of(bad), Some(scim_type::INVALID_PATH), "{bad}");
        }
    }

    #[test]
    fn bad_filters_are_invalid_filter_with_columns() {
        let e = PatchPath::parse(r#"emails[type zz "work"]"#).unwrap_err();
        assert_eq!(e.scim_type, Some(scim_type::INVALID_FILTER));
        assert!(e.detail.contains("column 13"), "{}", e.detail);
        assert_eq!(kind_of("emails[]"), Some(scim_type::INVALID_FILTER));
        assert_eq!(
            kind_of(r#"emails[x[value eq "y"]]"#),
            Some(scim_type::INVALID_PATH)
        );
    }
}
