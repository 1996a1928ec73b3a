//! Dates as Mastodon and ActivityPub write them, from and to epoch milliseconds.
//! (Proleptic Gregorian, UTC; the day arithmetic is Howard Hinnant's civil algorithm.)

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 } as i64;
    let doy = (153 * mp + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2026-11-28T00:00:00.000Z`, the form of every Mastodon timestamp.
pub fn iso8601(millis: i64) -> String {
    let days = millis.div_euclid(86_400_000);
    let in_day = millis.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let (h, m, s, ms) = (in_day / 3_600_000, in_day / 60_000 % 60, in_day / 1000 % 60, in_day % 1000);
    if !(0..=9999).contains(&year) {
        return format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{ms:03}Z");
    }
    // Written digit by digit: a page of statuses formats dozens of these, and the
    // formatting machinery of `format!` costs several times the arithmetic.
    let mut out = [0u8; 24];
    let mut put = |at: usize, value: i64, width: usize| {
        let mut value = value;
        for i in (0..width).rev() {
            out[at + i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, year, 4);
    put(5, month as i64, 2);
    put(8, day as i64, 2);
    put(11, h, 2);
    put(14, m, 2);
    put(17, s, 2);
    put(20, ms, 3);
    for (at, separator) in [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':'), (19, b'.'), (23, b'Z')] {
        out[at] = separator;
    }
    String::from_utf8(out.to_vec()).expect("ASCII digits and separators")
}

/// `2026-11-28T00:00:00Z`, the form ActivityPub servers expect in `published`.
pub fn iso8601_seconds(millis: i64) -> String {
    let mut text = iso8601(millis);
    text.replace_range(19..23, "");
    text
}

/// `2026-11-28`, for `last_status_at`.
pub fn date(millis: i64) -> String {
    iso8601(millis)[..10].to_string()
}

/// Parses an RFC 3339 timestamp (`Z` or `±hh:mm`, optional fraction) to epoch millis.
pub fn parse_iso8601(text: &str) -> Option<i64> {
    let text = text.trim();
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(5..7)? as u32, num(8..10)? as u32);
    let (h, m, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let mut rest = &text[19..];
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        let padded = format!("{:0<3}", &fraction[..digits.min(3)]);
        millis = padded.parse::<i64>().ok()?;
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" | "" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (oh, om) = rest[1..].split_once(':').unwrap_or((rest.get(1..3)?, rest.get(3..).unwrap_or("0")));
            sign * (oh.parse::<i64>().ok()? * 60 + om.parse::<i64>().ok()?)
        }
    };
    let days = days_from_civil(year, month, day);
    Some(((days * 24 + h) * 60 + m - offset) * 60_000 + s * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_writer_matches_format() {
        let reference = |millis: i64| {
            let days = millis.div_euclid(86_400_000);
            let in_day = millis.rem_euclid(86_400_000);
            let (year, month, day) = civil_from_days(days);
            let (h, m, s, ms) = (in_day / 3_600_000, in_day / 60_000 % 60, in_day / 1000 % 60, in_day % 1000);
            format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{ms:03}Z")
        };
        let mut millis = -62_167_219_200_000; // 0000-01-01
        while millis < 253_402_300_800_000 + 86_400_000 * 400 {
            assert_eq!(iso8601(millis), reference(millis), "{millis}");
            millis += 7_777_777_777_123;
        }
        for millis in [-1, 0, 1, 999, 86_399_999, 1_795_000_000_000, 253_402_300_799_999, 253_402_300_800_000] {
            assert_eq!(iso8601(millis), reference(millis), "{millis}");
        }
    }

    #[test]
    fn formats_and_parses() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        let t = parse_iso8601("2026-11-28T13:14:15.678Z").unwrap();
        assert_eq!(iso8601(t), "2026-11-28T13:14:15.678Z");
        assert_eq!(iso8601_seconds(t), "2026-11-28T13:14:15Z");
        assert_eq!(date(t), "2026-11-28");
        assert_eq!(parse_iso8601("2026-11-28T14:14:15.678+01:00"), Some(t));
        assert_eq!(parse_iso8601("2000-02-29T00:00:00Z").map(iso8601).unwrap(), "2000-02-29T00:00:00.000Z");
        assert_eq!(parse_iso8601("yesterday"), None);
    }
}
