//! The lexical shape of values: attribute names, URIs, xsd:dateTime and base64.

use std::sync::LazyLock;

use regex::Regex;

/// xsd:dateTime with both date and time; the time zone is optional (RFC 7643 §2.3.5).
/// Same pattern as `scimDateTime` in `schemas/scim/common.json`; the calendar is checked in
/// code.
static DATE_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|24:00:00(\.0+)?)(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?$",
    )
    .expect("dateTime pattern compiles")
});

/// ATTRNAME (RFC 7643 §2.1): a letter, then letters, digits, `$`, `-`, `_`; a leading `$`
/// is accepted for `$ref` (errata 8924). Same as `attrName` in `schemas/scim/common.json`.
pub(super) fn is_attr_name(name: &str) -> bool {
    let rest = name.strip_prefix('$').unwrap_or(name);
    let mut chars = rest.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '$' | '-' | '_'))
}

/// A scheme, a colon and something after it (RFC 3986 §3.1), no white space.
pub(super) fn looks_like_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !s.chars().any(char::is_whitespace)
}

/// xsd:dateTime with date and time, and a real calendar day (C-2.3.5-01).
pub(super) fn is_date_time(s: &str) -> bool {
    let Some(caps) = DATE_TIME.captures(s) else {
        return false;
    };
    let (Some(year), Some(month), Some(day)) = (caps.get(1), caps.get(2), caps.get(3)) else {
        return false;
    };
    let (Ok(month), Ok(day)) = (month.as_str().parse::<u32>(), day.as_str().parse::<u32>()) else {
        return false;
    };
    // Leap years need the year modulo 400 only; years may have any number of digits.
    let year_mod_400 = year.as_str().bytes().fold(0u32, |acc, digit| {
        (acc * 10 + u32::from(digit - b'0')) % 400
    });
    let negative = s.starts_with('-');
    // xsd 1.1: year 0 is 1 BCE and a leap year; -0001 is 2 BCE, so negative years shift.
    let y = if negative {
        (400 - year_mod_400) % 400
    } else {
        year_mod_400
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    day <= days
}

/// Base64 (RFC 4648 §4, standard alphabet): padded, or unpadded with a possible length;
/// no white space, no URL-safe alphabet.
pub(super) fn is_base64(s: &str) -> bool {
    let bytes = s.as_bytes();
    let body = bytes.iter().rposition(|&b| b != b'=').map_or(0, |p| p + 1);
    let padding = bytes.len() - body;
    if padding > 2
        || !bytes.get(..body).is_some_and(|b| {
            b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/'))
        })
    {
        return false;
    }
    if padding > 0 {
        bytes.len().is_multiple_of(4)
    } else {
        body % 4 != 1
    }
}
