//! Reading the harness's YAML files (scenarios, IdP profiles, baselines, simulate's
//! directory and changes): one parser configuration (YAML 1.2 booleans, duplicate keys
//! refused) and one mapping of its errors to a [`Diagnostic`] at `file:line:col` with a hint
//! for the kind of file.

use serde::de::DeserializeOwned;

use super::diagnostic::{Diagnostic, SourceFile, did_you_mean};

/// What kind of file is read, for the hints of its diagnostics.
#[derive(Debug, Clone, Copy)]
pub struct YamlKind {
    /// The JSON Schema that lists the file's fields (`schemas/scenario.schema.json`), if
    /// there is one.
    pub schema: Option<&'static str>,
    /// What a file of this kind holds: the hint when nothing more specific applies.
    pub shape: &'static str,
}

/// Parses `file` as a `T`. Booleans are YAML 1.2 (`no` stays a string); a duplicate key is
/// an error. An error becomes a diagnostic at its line and column (at the value, for a
/// value of the wrong type) with a "did you mean" for an unknown field.
pub fn parse<T: DeserializeOwned>(
    file: &SourceFile,
    kind: &YamlKind,
) -> Result<T, Box<Diagnostic>> {
    serde_saphyr::from_str_with_options::<T>(&file.text, options())
        .map_err(|e| Box::new(syntax_diagnostic(file, &e, kind)))
}

/// A second read of a file [`parse`] accepted, into a lenient mirror type whose fields are
/// `Spanned` (to locate problems found in the parsed data); `None` if even that fails.
pub fn reread<T: DeserializeOwned>(file: &SourceFile) -> Option<T> {
    serde_saphyr::from_str_with_options::<T>(&file.text, options()).ok()
}

/// YAML 1.2 booleans only; duplicate keys are refused (the crate's default).
fn options() -> serde_saphyr::Options {
    serde_saphyr::options! { strict_booleans: true }
}

fn syntax_diagnostic(file: &SourceFile, err: &serde_saphyr::Error, kind: &YamlKind) -> Diagnostic {
    let (line, column) = err
        .location()
        .map_or((1, 1), |l| (l.line().max(1), l.column().max(1)));
    let raw = err.render_with_options(serde_saphyr::render_options! {
        snippets: serde_saphyr::SnippetMode::Off,
    });
    let message = strip_location_suffix(&raw);
    let column = if (message.contains("invalid type")
        || message.contains("invalid value")
        || message.contains("unknown variant"))
        && !variant_is_the_key(file, line, column, &message)
    {
        value_column(file, line, column)
    } else {
        column
    };
    let d = Diagnostic::at(file, line, column, message.clone()).with_label("here");
    if let Some((unknown, expected)) = super::diagnostic::unknown_field(&message) {
        let d = d.with_label("not a field here");
        return match did_you_mean(&unknown, expected.iter().map(String::as_str)) {
            Some(m) => d.with_help(match kind.schema {
                Some(schema) => format!("did you mean `{m}`? (see {schema})"),
                None => format!("did you mean `{m}`?"),
            }),
            None => d.with_help(format!("fields allowed here: {}", expected.join(", "))),
        };
    }
    if message.contains("flow mapping") || message.contains("flow sequence") {
        return d.with_help(
            "a `{ … }` or `[ … ]` opened on this or an earlier line is not closed before this point",
        );
    }
    match kind.schema {
        Some(schema) if message.contains("missing field") => d.with_help(format!(
            "add the field; {schema} lists what each mapping needs"
        )),
        Some(schema) if message.contains("invalid type") || message.contains("unknown variant") => {
            d.with_help(format!("check the value's type against {schema}"))
        }
        _ => d.with_help(kind.shape),
    }
}

/// When an error about a value is reported at its key (`status: twohundred`), the column of
/// the value itself, so the caret points at what is wrong.
fn value_column(file: &SourceFile, line: u64, column: u64) -> u64 {
    let Some(text) = file.text.lines().nth(line.saturating_sub(1) as usize) else {
        return column;
    };
    let rest: String = text
        .chars()
        .skip(column.saturating_sub(1) as usize)
        .collect();
    let key_len = rest
        .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '$')))
        .unwrap_or(0);
    let after = &rest[key_len..];
    match after.strip_prefix(':') {
        Some(v) if key_len > 0 && !v.trim().is_empty() => {
            let spaces = v.len() - v.trim_start().len();
            column + (rest[..key_len].chars().count() + 1 + spaces) as u64
        }
        _ => column,
    }
}

/// True for an unknown variant that is the key at the position (`- suspend: {…}`, an
/// externally tagged enum): the caret stays on the key.
fn variant_is_the_key(file: &SourceFile, line: u64, column: u64, message: &str) -> bool {
    let Some(variant) = message
        .split("unknown variant `")
        .nth(1)
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name)
    else {
        return false;
    };
    file.text
        .lines()
        .nth(line.saturating_sub(1) as usize)
        .map(|text| {
            text.chars()
                .skip(column.saturating_sub(1) as usize)
                .collect::<String>()
        })
        .is_some_and(|rest| {
            rest.strip_prefix(variant)
                .is_some_and(|after| after.trim_start().starts_with(':'))
        })
}

/// serde-saphyr appends ` at line L column C` to plain messages; the diagnostic shows it already.
fn strip_location_suffix(raw: &str) -> String {
    let first = raw.lines().next().unwrap_or(raw).trim();
    match first.rfind(" at line ") {
        Some(i) => first[..i].to_string(),
        None => first.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;

    const KIND: YamlKind = YamlKind {
        schema: None,
        shape: "a thing has `size` and `kind`",
    };

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code, reason = "only parsed")]
    struct Thing {
        size: u32,
        #[serde(default)]
        kind: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code, reason = "only parsed")]
    enum Op {
        Grow { by: u32 },
    }

    fn file(text: &str) -> SourceFile {
        SourceFile {
            path: "t.yaml".into(),
            text: text.into(),
        }
    }

    #[test]
    fn a_value_of_the_wrong_type_is_pointed_at_with_the_kinds_hint() {
        let d = parse::<Thing>(&file("size: big\n"), &KIND).unwrap_err();
        assert_eq!((d.location.line, d.location.column), (1, 7), "{d}");
        assert_eq!(d.help.as_deref(), Some(KIND.shape));
    }

    #[test]
    fn an_unknown_field_gets_did_you_mean_without_a_schema() {
        let d = parse::<Thing>(&file("size: 1\nkidn: x\n"), &KIND).unwrap_err();
        assert_eq!((d.location.line, d.location.column), (2, 1), "{d}");
        assert_eq!(d.help.as_deref(), Some("did you mean `kind`?"));
        let with_schema = YamlKind {
            schema: Some("schemas/thing.json"),
            ..KIND
        };
        let d = parse::<Thing>(&file("size: 1\nkidn: x\n"), &with_schema).unwrap_err();
        assert_eq!(
            d.help.as_deref(),
            Some("did you mean `kind`? (see schemas/thing.json)")
        );
    }

    #[test]
    fn an_unknown_variant_used_as_a_key_keeps_the_caret_on_the_key() {
        let d = parse::<Vec<BTreeMap<String, u32>>>(&file("- a: 1\n"), &KIND);
        assert!(d.is_ok());
        let d =
            parse::<Vec<Op>>(&file("- grow: { by: 1 }\n- shrink: { by: 1 }\n"), &KIND).unwrap_err();
        assert_eq!((d.location.line, d.location.column), (2, 3), "{d}");
    }

    #[test]
    fn yaml_1_1_booleans_and_duplicate_keys_are_refused() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code, reason = "only parsed")]
        struct Flag {
            on: bool,
        }
        assert!(parse::<Flag>(&file("on: no\n"), &KIND).is_err());
        assert!(parse::<Flag>(&file("on: true\non: false\n"), &KIND).is_err());
        assert!(parse::<Flag>(&file("on: true\n"), &KIND).is_ok());
    }
}
