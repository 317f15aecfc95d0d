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
    match millis_text(ms) {
        Some(text) => String::from_utf8_lossy(&text).into_owned(),
        None => format!("{:.3}Z", utc(ms)),
    }
}

/// [`format_millis`] as bytes, for the years 0000 to 9999 (`None` outside them). Every
/// served resource carries two of these: the calendar date straight from the day number,
/// written digit by digit, without the date library or the formatting machinery.
pub(crate) fn millis_text(ms: i64) -> Option<[u8; 24]> {
    /// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z.
    const FIRST: i64 = -62_167_219_200_000;
    const LAST: i64 = 253_402_300_799_999;
    if !(FIRST..=LAST).contains(&ms) {
        return None;
    }
    let (year, month, day) = civil_from_days(ms.div_euclid(86_400_000));
    // Small numbers from here on: 32-bit arithmetic divides faster.
    let small = |v: i64| u32::try_from(v).unwrap_or(0);
    let (year, month, day) = (small(year), small(month), small(day));
    let in_day = small(ms.rem_euclid(86_400_000));
    let mut text = *b"0000-00-00T00:00:00.000Z";
    for (value, end, width) in [
        (year, 4, 4),
        (month, 7, 2),
        (day, 10, 2),
        (in_day / 3_600_000, 13, 2),
        (in_day / 60_000 % 60, 16, 2),
        (in_day / 1000 % 60, 19, 2),
        (in_day % 1000, 23, 3),
    ] {
        let mut rest = value;
        for place in text[end - width..end].iter_mut().rev() {
            *place = b'0' + u8::try_from(rest % 10).unwrap_or(0);
            rest /= 10;
        }
    }
    Some(text)
}

/// The proleptic Gregorian (year, month, day) of a day number counted from 1970-01-01
/// (the well-known "days from civil" inverse: 400-year eras of 146 097 days, years that
/// start on 1 March so the leap day comes last).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
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
        // From year 0 to 9999-12-31, at an odd step so every field takes many values.
        let last = 253_402_300_799_999_i64;
        let mut ms = -62_167_219_200_000_i64;
        while ms <= last {
            assert_eq!(format_millis(ms), format!("{:.3}Z", utc(ms)), "{ms}");
            ms += 7_919_876_543;
        }
        assert_eq!(format_millis(last), "9999-12-31T23:59:59.999Z");
        assert_eq!(format_millis(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(
            format_millis(-62_167_219_200_000),
            "0000-01-01T00:00:00.000Z"
        );
        assert_eq!(
            format_millis(-11_670_998_400_000),
            "1600-02-29T00:00:00.000Z"
        );
        assert_eq!(format_millis(4_107_542_400_000), "2100-03-01T00:00:00.000Z");
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
