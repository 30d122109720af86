//! Wall-clock helpers: Unix seconds and RFC 3339 timestamps (formatted by the `time`
//! crate, which replaced a hand-written civil-from-days formatter).
//!
//! This module must NOT sleep or schedule anything.

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time (whole seconds, UTC).
pub(crate) fn rfc3339(secs: u64) -> String {
    i64::try_from(secs)
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|t| t.format(&Rfc3339).ok())
        // Past year 9999 (or an unformattable instant) the epoch is as good as any answer:
        // the emulator only ever formats "now".
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

/// The current time as RFC 3339.
pub(crate) fn now_rfc3339() -> String {
    rfc3339(now_secs())
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
