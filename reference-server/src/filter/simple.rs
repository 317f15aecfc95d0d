//! `attr eq "value"`: the filter every identity provider sends before each create, to find
//! an existing user or group (RFC 7644 §3.4.2.2), read without tokenising the whole
//! grammar. Anything else — other operators, escapes, more terms, `not` — is left to the
//! general parser; a property test holds the two to the same result on every input.

use serde_json::Value;

use super::parse::column;
use super::{AttrPath, CompareOp, Filter};

/// The filter when `input` is exactly `path eq "string"` (whitespace around the terms, no
/// escapes in the string), as the general parser reads it; `None` for anything else.
pub(super) fn simple_eq(input: &str) -> Option<Filter> {
    let bytes = input.as_bytes();
    let space = |at: usize| {
        bytes[at..]
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .map_or(bytes.len(), |n| at + n)
    };
    let start = space(0);
    let first = *bytes.get(start)?;
    if !(first.is_ascii_alphabetic() || first == b'$' || first == b'_') {
        return None;
    }
    let word_end = bytes[start..]
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b':' | b'.' | b'-' | b'_' | b'$')))
        .map_or(bytes.len(), |n| start + n);
    let word = &input[start..word_end];
    // `not (...)` is the general parser's.
    if word.eq_ignore_ascii_case("not") {
        return None;
    }
    let op_at = space(word_end);
    if op_at == word_end || bytes.get(op_at..op_at + 2) != Some(b"eq") {
        return None;
    }
    let quote = space(op_at + 2);
    if quote == op_at + 2 || bytes.get(quote) != Some(&b'"') {
        return None;
    }
    let text_start = quote + 1;
    let text_len = bytes[text_start..].iter().position(|&b| b == b'"')?;
    let text = &input[text_start..text_start + text_len];
    if text.bytes().any(|b| b < 0x20 || b == b'\\')
        || space(text_start + text_len + 1) != bytes.len()
    {
        return None;
    }
    Some(Filter::Compare {
        path: AttrPath::parse(word).ok()?,
        op: CompareOp::Eq,
        value: Value::String(text.to_owned()),
        column: column(input, op_at),
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::Syntax;
    use super::super::parse::Parser;
    use super::*;

    fn general(input: &str, syntax: Syntax) -> Option<Filter> {
        Parser::new(input, false, syntax)
            .and_then(Parser::parse_all)
            .ok()
    }

    #[test]
    fn the_lookups_identity_providers_send_take_the_short_way() {
        for input in [
            r#"userName eq "alice@example.com""#,
            r#"  externalId eq "00u1abcd"  "#,
            r#"displayName eq "Sales – EMEA""#,
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bob""#,
            "emails.value\teq\t\"a@b.c\"",
        ] {
            let short = simple_eq(input).unwrap_or_else(|| panic!("{input}"));
            assert_eq!(Some(short), general(input, Syntax::default()), "{input}");
        }
    }

    fn filter_text() -> impl Strategy<Value = String> {
        let space = prop_oneof![Just(""), Just(" "), Just("  "), Just("\t"), Just("\n")];
        let word = prop_oneof![
            Just("userName"),
            Just("USERNAME"),
            Just("not"),
            Just("NOT"),
            Just("and"),
            Just("emails.value"),
            Just("name.givenName.x"),
            Just("1abc"),
            Just("$ref"),
            Just("urn:ietf:params:scim:schemas:core:2.0:User:userName"),
            Just("é"),
            Just(""),
        ];
        // Weighted towards the short way's shape, so both outcomes are drawn often.
        let op = prop_oneof![
            6 => Just("eq"),
            1 => Just("EQ"),
            1 => Just("Eq"),
            1 => Just("ne"),
            1 => Just("eqx"),
            1 => Just("pr"),
            1 => Just("")
        ];
        let value = prop_oneof![
            4 => Just(r#""x""#),
            1 => Just(r#""""#),
            1 => Just(r#""a\"b""#),
            1 => Just("\"ü@ß\""),
            1 => Just("\"\t\""),
            1 => Just("5"),
            1 => Just("true"),
            1 => Just(r#""open"#),
            1 => Just(r#""a" "b""#),
        ];
        let tail = prop_oneof![
            6 => Just(""),
            1 => Just(" and active pr"),
            1 => Just(")"),
            1 => Just(" or x eq \"y\""),
            1 => Just("]")
        ];
        (
            space.clone(),
            word,
            space.clone(),
            op,
            space.clone(),
            value,
            space,
            tail,
        )
            .prop_map(|(s1, w, s2, o, s3, v, s4, t)| format!("{s1}{w}{s2}{o}{s3}{v}{s4}{t}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn the_short_way_reads_as_the_general_parser_or_not_at_all(input in filter_text()) {
            if let Some(short) = simple_eq(&input) {
                for syntax in [Syntax::default(), Syntax { lowercase_operators_only: true, strict: true }] {
                    prop_assert_eq!(Some(short.clone()), general(&input, syntax));
                }
            }
        }
    }
}
