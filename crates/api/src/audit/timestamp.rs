//! Dates in and out of the audit: the service's ISO 8601 / RFC 3339 text to Unix seconds,
//! and Unix seconds to RFC 3339 in UTC.
//!
//! The `time` crate does the calendar work. This module must NOT read the clock.

use time::OffsetDateTime;
use time::format_description::well_known::{Iso8601, Rfc3339};

/// Parses a service date (`2026-08-24T14:15:22Z`, `2026-08-24T14:15:22.123+02:00`, or any
/// ISO 8601 date-time with an offset) into Unix seconds. `None` when it does not parse.
///
/// ```
/// use atlas_keys::audit::parse_timestamp;
/// assert_eq!(parse_timestamp("1970-01-02T00:00:00Z"), Some(86_400));
/// assert_eq!(parse_timestamp("yesterday"), None);
/// ```
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let text = text.trim();
    OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(text, &Iso8601::DEFAULT))
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

/// Formats Unix seconds as RFC 3339 in UTC (`2026-08-24T14:15:22Z`). Out-of-range values
/// (beyond year 9999) give the seconds as text, so a report never fails to render.
///
/// ```
/// use atlas_keys::audit::format_timestamp;
/// assert_eq!(format_timestamp(86_400), "1970-01-02T00:00:00Z");
/// ```
pub fn format_timestamp(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_the_service_writes() {
        assert_eq!(parse_timestamp("2019-08-24T14:15:22Z"), Some(1_566_656_122));
        assert_eq!(
            parse_timestamp("2019-08-24T14:15:22.5Z"),
            Some(1_566_656_122)
        );
        assert_eq!(
            parse_timestamp("2019-08-24T16:15:22+02:00"),
            Some(1_566_656_122)
        );
        assert_eq!(
            parse_timestamp(" 2019-08-24T14:15:22Z\n"),
            Some(1_566_656_122)
        );
        // ISO 8601 basic format, which RFC 3339 does not allow.
        assert_eq!(parse_timestamp("20190824T141522Z"), Some(1_566_656_122));
    }

    #[test]
    fn refuses_what_has_no_offset_or_is_not_a_date() {
        assert_eq!(parse_timestamp(""), None);
        assert_eq!(parse_timestamp("2019-08-24"), None);
        assert_eq!(parse_timestamp("2019-08-24T14:15:22"), None);
        assert_eq!(parse_timestamp("2019-02-30T00:00:00Z"), None);
    }

    #[test]
    fn formats_utc_and_round_trips() {
        assert_eq!(format_timestamp(1_566_656_122), "2019-08-24T14:15:22Z");
        assert_eq!(
            parse_timestamp(&format_timestamp(1_566_656_122)),
            Some(1_566_656_122)
        );
        assert_eq!(format_timestamp(i64::MAX), i64::MAX.to_string());
    }
}
