//! Resource versions of the Atlas Administration API v2 (dated media types).
//!
//! A request asks for a version date in `Accept`; the server serves the latest version
//! of the resource on or before that date. Media types are not URLs, so this module may
//! know them; it must NOT know any URL path, and must not know about other resources.

use crate::ValidationError;

const VERSION_RULE: &str = "must be a calendar date YYYY-MM-DD";
const MEDIA_PREFIX: &str = "application/vnd.atlas.";
const MEDIA_SUFFIX: &str = "+json";

/// A v2 resource version, e.g. `2023-01-01`. Ordered by date.
///
/// ```
/// use atlas_keys_model::ApiVersion;
///
/// let asked = ApiVersion::parse("2024-10-23")?;
/// assert_eq!(ApiVersion::resolve(asked), Some(ApiVersion::V2023_01_01));
/// assert_eq!(ApiVersion::V2023_01_01.media_type(), "application/vnd.atlas.2023-01-01+json");
/// assert_eq!(
///     ApiVersion::from_media_type("application/vnd.atlas.2023-01-01+json;charset=utf-8")?,
///     ApiVersion::V2023_01_01,
/// );
/// # Ok::<(), atlas_keys_model::ValidationError>(())
/// ```
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct ApiVersion {
    // Field order matters: the derived Ord compares year, then month, then day.
    year: u16,
    month: u8,
    day: u8,
}

impl ApiVersion {
    /// The only version of the Programmatic API Keys resource.
    pub const V2023_01_01: ApiVersion = ApiVersion {
        year: 2023,
        month: 1,
        day: 1,
    };

    /// Every version of this resource, oldest first.
    pub const KNOWN: &'static [ApiVersion] = &[ApiVersion::V2023_01_01];

    /// Parses `YYYY-MM-DD`, which must be a real calendar date.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        Self::parse_date(s).ok_or_else(|| ValidationError::new("apiVersion", VERSION_RULE, s))
    }

    fn parse_date(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        let shape_ok = b.len() == 10
            && b.get(4) == Some(&b'-')
            && b.get(7) == Some(&b'-')
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape_ok {
            return None;
        }
        let year: u16 = s.get(0..4)?.parse().ok()?;
        let month: u8 = s.get(5..7)?.parse().ok()?;
        let day: u8 = s.get(8..10)?.parse().ok()?;
        let max_day = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if year.is_multiple_of(4)
                && (!year.is_multiple_of(100) || year.is_multiple_of(400)) =>
            {
                29
            }
            2 => 28,
            _ => return None,
        };
        if day == 0 || day > max_day {
            return None;
        }
        Some(Self { year, month, day })
    }

    /// The latest known version on or before `requested`; `None` if before the first.
    pub fn resolve(requested: ApiVersion) -> Option<ApiVersion> {
        Self::KNOWN
            .iter()
            .copied()
            .filter(|v| *v <= requested)
            .max()
    }

    /// The media type for `Accept` and `Content-Type`: `application/vnd.atlas.<date>+json`.
    pub fn media_type(&self) -> String {
        format!("{MEDIA_PREFIX}{self}{MEDIA_SUFFIX}")
    }

    /// Parses `application/vnd.atlas.YYYY-MM-DD+json`, ignoring parameters such as
    /// `;charset=utf-8` and the case of the type, as media types are case-insensitive.
    pub fn from_media_type(media_type: &str) -> Result<ApiVersion, ValidationError> {
        let err = || {
            ValidationError::new(
                "mediaType",
                "must be application/vnd.atlas.YYYY-MM-DD+json",
                media_type,
            )
        };
        let essence = media_type.split(';').next().unwrap_or_default().trim();
        let lower = essence.to_ascii_lowercase();
        let date = lower
            .strip_prefix(MEDIA_PREFIX)
            .and_then(|rest| rest.strip_suffix(MEDIA_SUFFIX))
            .ok_or_else(err)?;
        Self::parse_date(date).ok_or_else(err)
    }
}

impl std::fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl std::str::FromStr for ApiVersion {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for ApiVersion {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<ApiVersion> for String {
    fn from(v: ApiVersion) -> String {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordering_is_chronological() {
        let a = ApiVersion::parse("2023-12-31").unwrap();
        let b = ApiVersion::parse("2024-01-01").unwrap();
        assert!(a < b);
        assert!(
            ApiVersion::parse("2023-02-01").unwrap() > ApiVersion::parse("2023-01-31").unwrap()
        );
    }

    #[test]
    fn non_ascii_input_is_rejected_without_panicking() {
        assert!(ApiVersion::parse("2023-01-0é").is_err());
        assert!(ApiVersion::parse("éééé-01-01").is_err());
    }
}
