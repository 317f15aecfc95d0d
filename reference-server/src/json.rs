//! Writing response bodies as compact JSON, byte for byte what `serde_json::to_vec` writes
//! (same escapes, same number forms, keys in map order), only faster on what responses are
//! made of: strings that need no escaping are found a block at a time and copied whole,
//! where `serde_json` looks at every byte on its own. A test holds the two writers equal.

use serde_json::{Map, Number, Value};

/// A value that writes itself as JSON.
pub(crate) trait WriteJson {
    /// Appends the JSON text of `self` to `out`.
    fn write_json(&self, out: &mut Vec<u8>);

    /// The JSON text of `self`.
    fn to_json_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1024);
        self.write_json(&mut out);
        out
    }
}

impl WriteJson for Value {
    fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Value::Null => out.extend_from_slice(b"null"),
            Value::Bool(true) => out.extend_from_slice(b"true"),
            Value::Bool(false) => out.extend_from_slice(b"false"),
            Value::Number(n) => write_number(out, n),
            Value::String(s) => write_str(out, s),
            Value::Array(items) => write_array(out, items),
            Value::Object(map) => map.write_json(out),
        }
    }
}

impl WriteJson for Map<String, Value> {
    fn write_json(&self, out: &mut Vec<u8>) {
        write_object(out, self.iter().map(|(k, v)| (k.as_str(), v)));
    }
}

impl WriteJson for str {
    fn write_json(&self, out: &mut Vec<u8>) {
        write_str(out, self);
    }
}

impl WriteJson for usize {
    fn write_json(&self, out: &mut Vec<u8>) {
        u64::try_from(*self).unwrap_or(u64::MAX).write_json(out);
    }
}

impl WriteJson for u64 {
    fn write_json(&self, out: &mut Vec<u8>) {
        let mut digits = [0; 20];
        let mut at = digits.len();
        let mut rest = *self;
        loop {
            at -= 1;
            digits[at] = b'0' + u8::try_from(rest % 10).unwrap_or(0);
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        out.extend_from_slice(&digits[at..]);
    }
}

impl<T: WriteJson + ?Sized> WriteJson for &T {
    fn write_json(&self, out: &mut Vec<u8>) {
        (**self).write_json(out);
    }
}

/// `[a,b,…]`.
pub(crate) fn write_array<T: WriteJson>(out: &mut Vec<u8>, items: impl IntoIterator<Item = T>) {
    out.push(b'[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item.write_json(out);
    }
    out.push(b']');
}

/// `{"k":v,…}` in the given order.
pub(crate) fn write_object<'k, T: WriteJson>(
    out: &mut Vec<u8>,
    members: impl IntoIterator<Item = (&'k str, T)>,
) {
    out.push(b'{');
    for (i, (key, value)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, key);
        out.push(b':');
        value.write_json(out);
    }
    out.push(b'}');
}

fn write_number(out: &mut Vec<u8>, n: &Number) {
    // Numbers are rare in resources; serde_json's own writer keeps their forms identical.
    let _ = serde_json::to_writer(&mut *out, n);
}

/// A JSON string: `"`, `\` and control characters escaped as `serde_json` escapes them.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    write_str_parts(out, &[s]);
}

/// One JSON string made of `parts` joined (written without joining them first).
pub(crate) fn write_str_parts(out: &mut Vec<u8>, parts: &[&str]) {
    out.reserve(parts.iter().map(|p| p.len()).sum::<usize>() + 2);
    out.push(b'"');
    for part in parts {
        let bytes = part.as_bytes();
        if is_clean(bytes) {
            out.extend_from_slice(bytes);
        } else {
            write_escaped(out, bytes);
        }
    }
    out.push(b'"');
}

/// Whether no byte needs escaping, eight bytes at a time (the last word overlapping the
/// one before it), since most strings in a response need none.
fn is_clean(bytes: &[u8]) -> bool {
    let word = |at: usize| {
        let mut w = [0; 8];
        w.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let n = bytes.len();
    if n < 8 {
        return !bytes.iter().any(|&b| needs_escape(b));
    }
    let mut at = 0;
    while at + 8 <= n {
        if has_special(word(at)) {
            return false;
        }
        at += 8;
    }
    at == n || !has_special(word(n - 8))
}

/// Whether any byte of `x` is below 0x20, `"` or `\`: the classic "has a zero byte" and
/// "has a byte less than n" tests on a 64-bit word. A borrow can only flag a byte above
/// one that really matches, so "any" is exact.
fn has_special(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let control = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    control | zero_byte(x ^ (ONES * u64::from(b'"'))) | zero_byte(x ^ (ONES * u64::from(b'\\')))
        != 0
}

fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !needs_escape(b) {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0C => out.extend_from_slice(b"\\f"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xF)],
            ]),
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    fn same_as_serde(v: &Value) {
        let ours = String::from_utf8(v.to_json_vec()).unwrap();
        let theirs = serde_json::to_string(v).unwrap();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn counts_are_written_as_serde_json_writes_them() {
        for n in [0, 1, 9, 10, 99, 100, 12_345, usize::MAX] {
            assert_eq!(n.to_json_vec(), serde_json::to_vec(&n).unwrap());
        }
        assert_eq!(
            u64::MAX.to_json_vec(),
            serde_json::to_vec(&u64::MAX).unwrap()
        );
    }

    #[test]
    fn every_escape_and_number_form_matches_serde_json() {
        let all_controls: String = (0u8..0x20).map(char::from).collect();
        same_as_serde(&json!({
            "controls": all_controls,
            "quotes": "a\"b\\c/d\u{7f}é\u{2028}\u{1F600}",
            "numbers": [0, -1, u64::MAX, i64::MIN, 1.5, -0.0, 1e300, 2.5e-8],
            "nested": {"": [null, true, false, [], {}], "k\"ey\n": "v"},
        }));
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            any::<String>().prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(any::<String>(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_value_is_written_as_serde_json_writes_it(v in value()) {
            same_as_serde(&v);
        }

        #[test]
        fn the_block_test_agrees_with_the_byte_test(bytes in prop::collection::vec(
            prop_oneof![Just(b'"'), Just(b'\\'), Just(0x1f_u8), Just(0x20_u8), Just(0x7f_u8), Just(0xff_u8), any::<u8>()],
            0..40,
        )) {
            prop_assert_eq!(is_clean(&bytes), !bytes.iter().any(|&b| needs_escape(b)));
        }
    }
}
