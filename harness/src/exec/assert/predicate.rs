//! The predicates of a check (`equals`, `matches`, `type`, `sorted`, …) applied to one value.

use std::cmp::Ordering;

use serde_json::Value;

use super::Verdict;
use super::describe::{show, show_opt};
use crate::exec::pointer::{is_unassigned, json_eq, json_matches, resolve};
use crate::exec::template::Vars;
use crate::scenario::expectation::{Expectation, JsonType, SortOrder};

/// Applies every predicate of `exp` to `value`; the first that fails decides expected/actual.
pub(super) fn predicates(
    exp: &Expectation,
    subject: &str,
    value: Option<&Value>,
    vars: &Vars,
) -> Verdict {
    if exp.if_present && is_unassigned(value) {
        return Verdict::new(
            true,
            format!("{subject} (checked only when present)"),
            "a value, if any".into(),
            "absent: not checked".into(),
        );
    }
    let ci = exp.case_insensitive;
    let ci_note = if ci { " (ignoring case)" } else { "" };
    let mut parts: Vec<String> = Vec::new();
    let mut failed: Option<(String, String)> = None;
    let shown = show_opt(value);
    let fail = |expected: String, actual: String, failed: &mut Option<(String, String)>| {
        if failed.is_none() {
            *failed = Some((expected, actual));
        }
    };
    let render = |v: &Value| {
        vars.render_value(v)
            .unwrap_or_else(|e| Value::String(format!("<{e}>")))
    };

    if let Some(present) = exp.present {
        if present {
            parts.push("is present".into());
            if is_unassigned(value) {
                fail("a value".into(), shown.clone(), &mut failed);
            }
        } else {
            parts.push("is absent".into());
            if !is_unassigned(value) {
                fail("absent (or null / [])".into(), shown.clone(), &mut failed);
            }
        }
    }
    if let Some(t) = exp.json_type {
        parts.push(format!("is {}", type_word(t)));
        if !value.is_some_and(|v| t.matches(v)) {
            let actual = value.map_or("absent".to_string(), |v| {
                format!("{} {}", JsonType::name_of(v), show(v))
            });
            fail(type_word(t).into(), actual, &mut failed);
        }
    }
    if let Some(want) = &exp.equals {
        let want = render(want);
        parts.push(format!("equals {}{ci_note}", show(&want)));
        if !value.is_some_and(|v| json_eq(v, &want, ci)) {
            fail(show(&want), shown.clone(), &mut failed);
        }
    }
    if let Some(want) = &exp.not_equals {
        let want = render(want);
        parts.push(format!("differs from {}{ci_note}", show(&want)));
        // An absent value differs from everything, but a check that passes on nothing
        // cannot fail on a server that drops the attribute: absent fails unless
        // `if_present` says absence is fine.
        if is_unassigned(value) || value.is_some_and(|v| json_eq(v, &want, ci)) {
            fail(
                format!("anything but {}", show(&want)),
                shown.clone(),
                &mut failed,
            );
        }
    }
    if let Some(want) = &exp.contains {
        let want = render(want);
        parts.push(format!("contains {}{ci_note}", show(&want)));
        if !value.is_some_and(|v| contains(v, &want, ci)) {
            fail(
                format!("to contain {}", show(&want)),
                shown.clone(),
                &mut failed,
            );
        }
    }
    if let Some(want) = &exp.not_contains {
        let want = render(want);
        parts.push(format!("does not contain {}{ci_note}", show(&want)));
        if is_unassigned(value) || value.is_some_and(|v| contains(v, &want, ci)) {
            fail(
                format!("not to contain {}", show(&want)),
                shown.clone(),
                &mut failed,
            );
        }
    }
    if let Some(pattern) = &exp.matches {
        parts.push(format!("matches /{pattern}/"));
        let re = regex::RegexBuilder::new(pattern)
            .case_insensitive(ci)
            .build();
        let ok = match (&re, value) {
            (Ok(re), Some(Value::String(s))) => re.is_match(s),
            _ => false,
        };
        if !ok {
            fail(
                format!("a string matching /{pattern}/"),
                shown.clone(),
                &mut failed,
            );
        }
    }
    let len = value.and_then(length);
    for (word, bound, cmp) in [
        ("has length", &exp.length, u64::eq as fn(&u64, &u64) -> bool),
        ("has length at most", &exp.max_length, u64::le),
        ("has length at least", &exp.min_length, u64::ge),
    ] {
        let Some(bound) = bound else { continue };
        let bound = render(bound);
        let Some(b) = bound.as_u64() else {
            parts.push(format!("{word} {}", show(&bound)));
            fail(
                format!("{word} {}", show(&bound)).replace("has ", ""),
                "the bound is not a whole number".into(),
                &mut failed,
            );
            continue;
        };
        parts.push(format!("{word} {b}"));
        if !len.is_some_and(|l| cmp(&l, &b)) {
            let actual = match len {
                Some(l) => format!("length {l}"),
                None => shown.clone(),
            };
            fail(
                format!("{word} {b}").replace("has ", ""),
                actual,
                &mut failed,
            );
        }
    }
    for (word, bound, want) in [
        (
            "is at least",
            &exp.at_least,
            [Ordering::Greater, Ordering::Equal],
        ),
        (
            "is at most",
            &exp.at_most,
            [Ordering::Less, Ordering::Equal],
        ),
    ] {
        let Some(bound) = bound else { continue };
        let bound = render(bound);
        parts.push(format!("{word} {}", show(&bound)));
        let ord = value.and_then(|v| compare(v, &bound, ci));
        if !ord.is_some_and(|o| want.contains(&o)) {
            fail(
                format!("{} {}", word.trim_start_matches("is "), show(&bound)),
                shown.clone(),
                &mut failed,
            );
        }
    }
    if let Some(options) = &exp.one_of {
        let options: Vec<Value> = options.iter().map(render).collect();
        let list = options.iter().map(show).collect::<Vec<_>>().join(", ");
        parts.push(format!("is one of {list}"));
        if !value.is_some_and(|v| options.iter().any(|o| json_eq(v, o, ci))) {
            fail(format!("one of {list}"), shown.clone(), &mut failed);
        }
    }
    if let Some(pattern) = &exp.all_match {
        let pattern = render(pattern);
        parts.push(format!("has every element matching {}", show(&pattern)));
        match value {
            Some(Value::Array(items)) => {
                if let Some((i, bad)) = items
                    .iter()
                    .enumerate()
                    .find(|(_, i)| !json_matches(i, &pattern, ci))
                {
                    fail(
                        format!("every element to match {}", show(&pattern)),
                        format!("element {i} is {}", show(bad)),
                        &mut failed,
                    );
                }
            }
            _ => fail("an array".into(), shown.clone(), &mut failed),
        }
    }
    if let Some(spec) = &exp.sorted {
        let order = match spec.order {
            SortOrder::Ascending => "ascending",
            SortOrder::Descending => "descending",
        };
        parts.push(format!("is sorted by {} {order}{ci_note}", spec.by));
        match value {
            Some(Value::Array(items)) => {
                if let Some((i, a, b)) = first_unsorted(items, &spec.by, spec.order, ci) {
                    fail(
                        format!("elements in {order} order of {}", spec.by),
                        format!("element {i} ({a}) comes before element {} ({b})", i + 1),
                        &mut failed,
                    );
                }
            }
            _ => fail("an array".into(), shown.clone(), &mut failed),
        }
    }
    let description = format!("{subject} {}", parts.join(" and "));
    match failed {
        Some((expected, actual)) => Verdict::new(false, description, expected, actual),
        None => Verdict::new(true, description, parts.join(" and "), shown),
    }
}

/// Orders two values of the same kind: numbers by value, strings lexicographically.
fn compare(a: &Value, b: &Value, ci: bool) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) if ci => Some(x.to_lowercase().cmp(&y.to_lowercase())),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// The first adjacent pair out of order, as (index, key, next key). Missing keys sort last
/// when ascending and first when descending (RFC 7644 §3.4.2.3); two values that cannot be
/// compared (mixed types, objects) count as out of order.
fn first_unsorted(
    items: &[Value],
    by: &str,
    order: SortOrder,
    ci: bool,
) -> Option<(usize, String, String)> {
    let keys: Vec<Option<&Value>> = items
        .iter()
        .map(|i| resolve(i, by).filter(|v| !v.is_null()))
        .collect();
    for (i, pair) in keys.windows(2).enumerate() {
        let ok = match (pair[0], pair[1], order) {
            (Some(a), Some(b), SortOrder::Ascending) => {
                matches!(compare(a, b, ci), Some(Ordering::Less | Ordering::Equal))
            }
            (Some(a), Some(b), SortOrder::Descending) => {
                matches!(compare(a, b, ci), Some(Ordering::Greater | Ordering::Equal))
            }
            (None, Some(_), SortOrder::Ascending) => false,
            (Some(_), None, SortOrder::Descending) => false,
            _ => true,
        };
        if !ok {
            let text = |k: Option<&Value>| k.map_or_else(|| "no value".to_string(), show);
            return Some((i, text(pair[0]), text(pair[1])));
        }
    }
    None
}

fn contains(haystack: &Value, needle: &Value, ci: bool) -> bool {
    match (haystack, needle) {
        (Value::String(h), Value::String(n)) => {
            if ci {
                h.to_lowercase().contains(&n.to_lowercase())
            } else {
                h.contains(n.as_str())
            }
        }
        (Value::Array(items), _) => items.iter().any(|i| json_matches(i, needle, ci)),
        (Value::Object(_), Value::Object(_)) => json_matches(haystack, needle, ci),
        _ => false,
    }
}

fn length(v: &Value) -> Option<u64> {
    match v {
        Value::Array(items) => Some(items.len() as u64),
        Value::String(s) => Some(s.chars().count() as u64),
        Value::Object(map) => Some(map.len() as u64),
        _ => None,
    }
}

fn type_word(t: JsonType) -> &'static str {
    match t {
        JsonType::String => "a string",
        JsonType::Number => "a number",
        JsonType::Integer => "an integer",
        JsonType::Boolean => "a boolean",
        JsonType::Object => "an object",
        JsonType::Array => "an array",
        JsonType::Null => "null",
    }
}
