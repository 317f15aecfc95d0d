//! Timestamps: RFC 3339 formatting of `meta.created`/`lastModified` and chronological
//! parsing of `dateTime` values for filter comparisons.

use std::time::{SystemTime, UNIX_EPOCH};

use jiff::SignedDuration;
use jiff::civil::{Date, DateTime};

/// Milliseconds since the Unix epoch, now.
pub(crate) fn now_millis() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(_) => 0,
    }
}

/// `2024-05-01T12:34:56.789Z` for a millisecond timestamp.
pub(crate) fn format_millis(ms: i64) -> String {
    let t = utc(ms);
    if !(0..=9999).contains(&t.year()) {
        return format!("{t:.3}Z");
    }
    // Every served resource carries two of these: written digit by digit, without the
    // formatting machinery (a few per cent of a filtered lookup's CPU).
    let fields: [(i64, u32, Option<u8>); 7] = [
        (i64::from(t.year()), 4, None),
        (i64::from(t.month()), 2, Some(b'-')),
        (i64::from(t.day()), 2, Some(b'-')),
        (i64::from(t.hour()), 2, Some(b'T')),
        (i64::from(t.minute()), 2, Some(b':')),
        (i64::from(t.second()), 2, Some(b':')),
        (i64::from(t.subsec_nanosecond() / 1_000_000), 3, Some(b'.')),
    ];
    let mut out = String::with_capacity(24);
    for (value, width, separator) in fields {
        if let Some(separator) = separator {
            out.push(char::from(separator));
        }
        for place in (0..width).rev() {
            let digit = value / 10_i64.pow(place) % 10;
            out.push(char::from(b'0' + u8::try_from(digit).unwrap_or(0)));
        }
    }
    out.push('Z');
    out
}

/// `2024-05-01T14:34:56+02:00`: the same instant in whole seconds, as local time at a
/// fixed offset east of UTC (`offset_minutes`, may be negative).
pub(crate) fn format_with_offset(ms: i64, offset_minutes: i64) -> String {
    let local_ms = ms
        .div_euclid(1000)
        .saturating_mul(1000)
        .saturating_add(offset_minutes.saturating_mul(60_000));
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let off = offset_minutes.unsigned_abs();
    format!("{:.0}{sign}{:02}:{:02}", utc(local_ms), off / 60, off % 60)
}

/// The Unix epoch as a UTC wall-clock time.
const EPOCH: DateTime = DateTime::constant(1970, 1, 1, 0, 0, 0, 0);

/// The UTC wall-clock time `ms` milliseconds after the epoch, held to the years
/// -9999 … 9999.
fn utc(ms: i64) -> DateTime {
    EPOCH
        .checked_add(SignedDuration::from_millis(ms))
        .unwrap_or(if ms < 0 { DateTime::MIN } else { DateTime::MAX })
}

/// Parses an xsd:dateTime / RFC 3339 value into nanoseconds since the epoch (UTC).
/// A missing offset is read as UTC. Returns `None` for anything else.
pub(crate) fn parse_datetime(s: &str) -> Option<i128> {
    let b = s.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(range)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    let sep = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let date = Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()?;
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // A leap second (`:60`) reads as the first second of the next minute.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    let mut nanos: i128 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        let mut scale = 100_000_000i128;
        for &digit in &b[start..i] {
            nanos += i128::from(digit - b'0') * scale;
            scale /= 10;
        }
    }
    let offset_secs: i64 = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let off = oh * 3600 + om * 60;
            if sign == b'-' { -off } else { off }
        }
        _ => return None,
    };
    let midnight = date.duration_since(EPOCH.date()).as_secs();
    let secs = midnight + hour * 3600 + minute * 60 + second - offset_secs;
    Some(i128::from(secs) * 1_000_000_000 + nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digit_by_digit_format_matches_jiff_across_the_years() {
        // From 1970 to 9999-12-31, at an odd step so every field takes many values.
        let last = 253_402_300_799_999_i64;
        let mut ms = 0;
        while ms <= last {
            assert_eq!(format_millis(ms), format!("{:.3}Z", utc(ms)), "{ms}");
            ms += 7_919_876_543;
        }
        assert_eq!(format_millis(last), "9999-12-31T23:59:59.999Z");
        assert_eq!(format_millis(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn formats_with_millis() {
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_millis(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(format_millis(1_714_566_896_789), "2024-05-01T12:34:56.789Z");
    }

    #[test]
    fn formats_local_time_at_an_offset() {
        let ms = 1_714_566_896_789;
        assert_eq!(format_with_offset(ms, 120), "2024-05-01T14:34:56+02:00");
        assert_eq!(format_with_offset(ms, -330), "2024-05-01T07:04:56-05:30");
        assert_eq!(format_with_offset(0, 60), "1970-01-01T01:00:00+01:00");
        // The same instant, to the second.
        let parsed = parse_datetime(&format_with_offset(ms, 120)).unwrap();
        assert_eq!(parsed, i128::from(ms / 1000) * 1_000_000_000);
    }

    #[test]
    fn parses_what_it_formats() {
        for ms in [0, 951_782_400_123, 1_714_566_896_789, -1] {
            let parsed = parse_datetime(&format_millis(ms)).unwrap();
            assert_eq!(parsed, i128::from(ms) * 1_000_000);
        }
    }

    #[test]
    fn parses_offsets_and_fractions() {
        let utc = parse_datetime("2024-05-01T12:00:00Z").unwrap();
        assert_eq!(parse_datetime("2024-05-01T14:00:00+02:00"), Some(utc));
        assert_eq!(parse_datetime("2024-05-01T12:00:00"), Some(utc));
        assert_eq!(
            parse_datetime("2024-05-01t12:00:00.5z"),
            Some(utc + 500_000_000)
        );
        assert!(parse_datetime("2024-05-01T12:00:00.123456789Z").is_some());
    }

    #[test]
    fn reads_the_calendar_and_leap_seconds() {
        let next_minute = parse_datetime("2016-12-31T23:59:00Z").unwrap() + 60_000_000_000;
        assert_eq!(parse_datetime("2016-12-31T23:59:60Z"), Some(next_minute));
        assert_eq!(
            parse_datetime("2000-02-29T00:00:00Z"),
            Some(951_782_400_000_000_000)
        );
        assert_eq!(parse_datetime("1969-12-31T23:59:59Z"), Some(-1_000_000_000));
        assert_eq!(
            parse_datetime("0000-02-29T00:00:00Z"),
            Some(-62_162_121_600_000_000_000)
        );
        assert_eq!(
            parse_datetime("9999-12-31T23:59:59Z"),
            Some(253_402_300_799_000_000_000)
        );
        for s in [
            "1900-02-29T00:00:00Z",
            "2023-04-31T00:00:00Z",
            "2024-05-01T12:00:00+24:00",
            "2024-05-01T12:00:00+01:60",
        ] {
            assert_eq!(parse_datetime(s), None, "{s}");
        }
        assert_eq!(
            parse_datetime("2024-05-01T12:00:00-23:59"),
            Some(parse_datetime("2024-05-02T11:59:00Z").unwrap())
        );
    }

    #[test]
    fn formats_far_from_the_epoch() {
        assert_eq!(format_millis(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(
            format_millis(253_402_300_799_999),
            "9999-12-31T23:59:59.999Z"
        );
        assert_eq!(format_with_offset(-1, 0), "1969-12-31T23:59:59+00:00");
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "2024-05-01",
            "2024-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T12:00:00.Z",
            "2024-05-01T12:00:00+0200",
            "2024-05-01T12:00:00Zjunk",
            "x024-05-01T12:00:00Z",
            "2024-05-01T12:00:00+é",
        ] {
            assert_eq!(parse_datetime(s), None, "{s}");
        }
    }
}
