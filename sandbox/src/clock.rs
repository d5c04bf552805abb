//! Time: a monotonic clock counting milliseconds since the sandbox started, and the
//! ISO-8601 timestamps the providers put on the wire.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Milliseconds since start, plus the wall-clock time at start for timestamps.
#[derive(Clone, Debug)]
pub struct Clock {
    started: Instant,
    started_unix_ms: u64,
}

impl Clock {
    /// A clock starting now.
    pub fn start() -> Self {
        let started_unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        Clock {
            started: Instant::now(),
            started_unix_ms,
        }
    }

    /// Milliseconds since the sandbox started.
    pub fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// The monotonic instant of a time in sandbox milliseconds.
    pub fn instant_at(&self, ms: u64) -> Instant {
        self.started + Duration::from_millis(ms)
    }

    /// Unix milliseconds of a time in sandbox milliseconds.
    pub fn unix_ms(&self, ms: u64) -> u64 {
        self.started_unix_ms + ms
    }

    /// ISO-8601 UTC timestamp (`2026-04-21T12:00:00.000Z`) of a time in sandbox milliseconds.
    pub fn iso(&self, ms: u64) -> String {
        iso8601(self.unix_ms(ms))
    }
}

/// Formats Unix milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn iso8601(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let millis = unix_ms % 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a (year, month, day) civil date (Howard Hinnant's algorithm).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(iso8601(1_776_772_800_000), "2026-04-21T12:00:00.000Z");
    }
}
