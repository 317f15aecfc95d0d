//! Type-correct sample values for declared attributes (the C-7-02 truthfulness probes).
//! They are deterministic: the same attribute and seed always give the same value.

use base64::Engine as _;
use serde_json::Value;

use super::model::Kind;
use super::{DeclaredAttribute, TargetSchemas};

impl TargetSchemas {
    /// Build a type-correct sample value for a declared simple attribute (for truthfulness
    /// tests: "POST a User filling every advertised readWrite simple attribute with a
    /// type-correct value → GET returns them", C-7-02). Strings use `seed` to be unique;
    /// respect canonicalValues when declared; references are absolute http URLs like
    /// "https://example.test/{seed}"; dateTime "2026-01-02T03:04:05Z"; binary base64 of seed;
    /// returns None for complex/unknown types.
    ///
    /// Details: strings are `"{name}-{seed}"`, except a few RFC 7643 §4.1 attributes whose
    /// servers commonly check the format (`emails.value` → `{seed}@example.test`,
    /// `phoneNumbers.value`, `preferredLanguage`, `locale`, `timezone`, `addresses.country`)
    /// when their `uniqueness` is `none`; booleans are `true`; integers are derived from the
    /// seed (1 … 1 000 000); decimals are such an integer plus 0.25. A multi-valued simple
    /// attribute gets a one-element array.
    pub fn sample_value(attr: &DeclaredAttribute, seed: &str) -> Option<Value> {
        let (kind, _) = Kind::parse(&attr.kind)?;
        let local = attr.path.rsplit(':').next().unwrap_or(&attr.path);
        let leaf = local.rsplit('.').next().unwrap_or(local);
        let number = 1 + fnv1a(seed) % 1_000_000;
        let one = match kind {
            Kind::Complex | Kind::Unknown => return None,
            Kind::String | Kind::Reference if !attr.canonical_values.is_empty() => {
                Value::String(attr.canonical_values.first()?.clone())
            }
            Kind::String => Value::String(
                well_known_string(local, &attr.uniqueness, seed)
                    .unwrap_or_else(|| format!("{leaf}-{seed}")),
            ),
            Kind::Reference => Value::String(format!("https://example.test/{}", slug(seed))),
            Kind::Boolean => Value::Bool(true),
            Kind::Integer => Value::from(number),
            Kind::Decimal => Value::Number(serde_json::Number::from_f64(number as f64 + 0.25)?),
            Kind::DateTime => Value::String("2026-01-02T03:04:05Z".to_owned()),
            Kind::Binary => Value::String(base64_encode(seed.as_bytes())),
        };
        Some(if attr.multi_valued {
            Value::Array(vec![one])
        } else {
            one
        })
    }
}

pub(super) fn base64_encode(input: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(input)
}

/// FNV-1a, for seed-derived numbers that are stable across runs, platforms and Rust
/// releases. Kept by hand (four lines): std's `DefaultHasher` promises no stable output, and
/// the numbers already generated (and recorded in reports) must not change.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The seed reduced to characters safe in a URL path and an e-mail local part.
fn slug(seed: &str) -> String {
    let s: String = seed
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if s.is_empty() { "x".to_owned() } else { s }
}

/// Format-checked RFC 7643 §4.1 attributes get values servers accept.
fn well_known_string(local_path: &str, uniqueness: &str, seed: &str) -> Option<String> {
    let lower = local_path.to_ascii_lowercase();
    if lower == "emails.value" {
        return Some(format!("{}@example.test", slug(seed)));
    }
    if uniqueness != "none" {
        return None;
    }
    let value = match lower.as_str() {
        "phonenumbers.value" => "tel:+1-201-555-0123",
        "preferredlanguage" | "locale" => "en-US",
        "timezone" => "America/Los_Angeles",
        "addresses.country" => "US",
        _ => return None,
    };
    Some(value.to_owned())
}
