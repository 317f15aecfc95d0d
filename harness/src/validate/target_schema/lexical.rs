//! The lexical shape of values: attribute names, URIs, xsd:dateTime and base64.

use std::sync::LazyLock;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use regex::Regex;

/// xsd:dateTime with both date and time; the time zone is optional (RFC 7643 §2.3.5).
/// Same pattern as `scimDateTime` in `schemas/scim/common.json`; whether the day exists is
/// asked of jiff.
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
    let (Ok(month), Ok(day)) = (month.as_str().parse::<i8>(), day.as_str().parse::<i8>()) else {
        return false;
    };
    // Years may have any number of digits, but the Gregorian calendar repeats every 400
    // years, so the year modulo 400 stands in for it.
    let year_mod_400 = year.as_str().bytes().fold(0u16, |acc, digit| {
        (acc * 10 + u16::from(digit - b'0')) % 400
    });
    // xsd 1.1 numbers years astronomically, as jiff does: 0000 is 1 BCE, -0001 is 2 BCE.
    let year = if s.starts_with('-') {
        (400 - year_mod_400) % 400
    } else {
        year_mod_400
    };
    i16::try_from(year).is_ok_and(|year| jiff::civil::Date::new(year, month, day).is_ok())
}

/// Base64 input with padding: the `=`s must complete the last group of four.
const PADDED: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

/// Base64 input without padding.
const UNPADDED: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// Base64 (RFC 4648 §4, standard alphabet): padded, or unpadded with a possible length;
/// no white space, no URL-safe alphabet. Bits left over in the last character are not
/// checked (a lenient reading: a value a decoder accepts is not reported).
pub(super) fn is_base64(s: &str) -> bool {
    let engine = if s.ends_with('=') { &PADDED } else { &UNPADDED };
    engine.decode(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `is_date_time` accepts and refuses, pinned so the calendar check can change hands
    /// without changing behaviour.
    #[test]
    fn date_time_table() {
        let accepted = [
            "2011-08-01T18:29:49Z",
            "2011-08-01T18:29:49",
            "2011-08-01T18:29:49.123456789+14:00",
            "2011-08-01T18:29:49-13:59",
            "2011-08-01T18:29:49+00:00",
            "2011-12-31T23:59:59.5Z",
            "2011-01-31T00:00:00Z",
            "2011-04-30T00:00:00Z",
            "2024-02-29T00:00:00Z",
            "2000-02-29T00:00:00Z",
            "2011-08-01T24:00:00Z",
            "2011-08-01T24:00:00.000",
            // Years: any number of digits, year 0 is a leap year, negative years count back
            // from it (xsd 1.1: 0000 is 1 BCE), and -0000 is let through.
            "0000-02-29T00:00:00Z",
            "-0000-01-01T00:00:00Z",
            "-0001-02-28T00:00:00Z",
            "-0004-02-29T00:00:00Z",
            "-0400-02-29T00:00:00Z",
            "12011-08-01T00:00:00Z",
            "10000-02-29T00:00:00Z",
            "99999999999999999999-12-31T00:00:00Z",
        ];
        let refused = [
            "",
            "now",
            "2011-08-01",
            "18:29:49",
            "2011-08-01 18:29:49Z",
            "2011-08-01t18:29:49Z",
            "2011-08-01T18:29:49z",
            "2011-08-01T18:29Z",
            "2011-08-01T18:29:49.",
            "2011-08-01T18:29:49.Z",
            "2011-8-01T18:29:49Z",
            "+2011-08-01T18:29:49Z",
            "00001-01-01T00:00:00Z",
            " 2011-08-01T18:29:49Z",
            "2011-08-01T18:29:49Z\n",
            "２011-08-01T18:29:49Z",
            "2011-08-01T18:29:49+0100",
            "2011-08-01T18:29:49+14:01",
            "2011-08-01T18:29:49+15:00",
            "2011-08-01T18:29:49+01",
            "2011-08-01T24:00:01Z",
            "2011-08-01T24:00:00.5Z",
            "2011-08-01T25:00:00Z",
            "2011-08-01T23:60:00Z",
            "2011-08-01T23:59:60Z",
            "2011-13-01T00:00:00Z",
            "2011-00-01T00:00:00Z",
            "2011-01-00T00:00:00Z",
            "2011-01-32T00:00:00Z",
            "2011-02-29T00:00:00Z",
            "2011-02-30T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2100-02-29T00:00:00Z",
            "2011-04-31T00:00:00Z",
            "2011-06-31T00:00:00Z",
            "2011-09-31T00:00:00Z",
            "2011-11-31T00:00:00Z",
            "-0001-02-29T00:00:00Z",
            "-0100-02-29T00:00:00Z",
            "10100-02-29T00:00:00Z",
        ];
        for s in accepted {
            assert!(is_date_time(s), "should accept {s:?}");
        }
        for s in refused {
            assert!(!is_date_time(s), "should refuse {s:?}");
        }
    }

    /// What `is_base64` accepts and refuses: the standard alphabet, padded to a multiple of
    /// four or unpadded; bits left over in the last character are not checked.
    #[test]
    fn base64_table() {
        let accepted = [
            "",
            "TQ==",
            "TWE=",
            "TWFu",
            "TWE",
            "TQ",
            "TR",
            "TR==",
            "TWF=",
            "TWFuTWE=",
            "MIIDQzCCAqyg+/8=",
            "////",
            "++++",
        ];
        let refused = [
            "T", "=", "==", "TQ=", "TQ===", "TWFu=", "TWFu====", "TWFuT", "TWFuT===", "TW-u",
            "TW_u", "TW u", "TWFu\n", "TQ==TQ==", "=TWFu", "TW=u", "é",
        ];
        for s in accepted {
            assert!(is_base64(s), "should accept {s:?}");
        }
        for s in refused {
            assert!(!is_base64(s), "should refuse {s:?}");
        }
    }
}
