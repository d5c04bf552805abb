//! UTC times as providers write them (RFC 3339, `2026-12-02T06:10:26.907244Z`)
//! and as milliseconds since the epoch, both ways. Only what answers carry:
//! a `Z` or `±hh:mm` offset, any number of fraction digits.

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// Milliseconds since 1970 of an ISO 8601 time (`2026-12-02T10:00:00.5Z`,
/// `+01:00` offsets), or `None` when it is not one.
pub fn parse_ms(s: &str) -> Option<f64> {
    let b = s.trim().as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let d = b.get(r)?;
        d.iter().all(u8::is_ascii_digit).then(|| {
            d.iter()
                .fold(0i64, |acc, &c| acc * 10 + i64::from(c - b'0'))
        })
    };
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || !matches!(b.get(10), Some(b'T' | b't' | b' '))
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
    {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut frac = 0.0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        // Milliseconds: the first three digits.
        frac = (0..3).fold(0.0, |acc, k| {
            let d = b
                .get(start + k)
                .filter(|_| start + k < i)
                .map_or(0, |c| c - b'0');
            acc * 10.0 + f64::from(d)
        });
    }
    let offset_min = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if b.len() == i + 6 && b[i + 3] == b':' => {
            let m = num(i + 1..i + 3)? * 60 + num(i + 4..i + 6)?;
            if sign == b'+' {
                m
            } else {
                -m
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_min * 60;
    Some(secs as f64 * 1000.0 + frac)
}

/// The RFC 3339 UTC time of `ms` since the epoch, to the millisecond
/// (`2026-12-02T06:10:26.907Z`).
pub fn format_ms(ms: f64) -> String {
    let ms = if ms.is_finite() { ms.floor() as i64 } else { 0 };
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s, milli) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_known_times() {
        assert_eq!(parse_ms("1970-01-01T00:00:00Z"), Some(0.0));
        // `date -d 2023-09-08T16:19:34Z +%s` = 1694189974.
        assert_eq!(
            parse_ms("2023-09-08T16:19:34.907244Z"),
            Some(1_694_189_974_907.0)
        );
        assert_eq!(
            parse_ms("2023-09-08T18:19:34+02:00"),
            Some(1_694_189_974_000.0)
        );
        assert_eq!(format_ms(1_694_189_974_907.0), "2023-09-08T16:19:34.907Z");
        assert_eq!(format_ms(951_782_400_000.0), "2000-02-29T00:00:00.000Z");
        for ms in [
            0.0,
            951_782_400_000.0,
            1_796_191_826_123.0,
            4_102_444_799_999.0,
        ] {
            assert_eq!(parse_ms(&format_ms(ms)), Some(ms));
        }
    }

    #[test]
    fn refuses_what_is_not_a_time() {
        for bad in [
            "",
            "2023-09-08",
            "2023-09-08T16:19:34",
            "2023-13-08T16:19:34Z",
            "2023-09-08T16:19:34.Z",
            "2023-09-08T16:19:34Zjunk",
            "2023-09-08T16:19:34+0200",
            "２０２３-09-08T16:19:34Z",
            "<script>alert(1)</script>",
        ] {
            assert_eq!(parse_ms(bad), None, "{bad}");
        }
    }
}
