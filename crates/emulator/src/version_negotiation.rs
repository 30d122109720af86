//! Atlas v2 resource-version negotiation from the `Accept` header, and the request
//! `Content-Type` check.
//!
//! A request naming a date is served by the latest resource version on or before it;
//! a date before the first version, a malformed versioned type, or no versioned type at
//! all is a 406. This module must NOT apply to `/api/atlas/v1.0` or `/api/public/v1.0`.

use atlas_keys_model::{ApiVersion, ErrorCode};
use http::StatusCode;

use crate::errors::ApiError;

const VND_PREFIX: &str = "application/vnd.atlas.";

/// Picks the version that serves a request with this `Accept` header.
pub(crate) fn negotiate(accept: Option<&str>) -> Result<ApiVersion, ApiError> {
    let not_acceptable = |detail: String| {
        ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            ErrorCode::InvalidVersionDate,
            detail,
        )
    };
    let Some(accept) = accept else {
        return Err(not_acceptable(
            "No Accept header: name a versioned media type such as application/vnd.atlas.2023-01-01+json."
                .to_owned(),
        ));
    };
    let mut best: Option<ApiVersion> = None;
    let mut rejected: Option<String> = None;
    for range in accept.split(',') {
        let essence = range.split(';').next().unwrap_or_default().trim();
        if !essence.to_ascii_lowercase().starts_with(VND_PREFIX) {
            continue;
        }
        match ApiVersion::from_media_type(essence)
            .ok()
            .and_then(ApiVersion::resolve)
        {
            Some(v) => best = best.max(Some(v)),
            None => rejected = rejected.or_else(|| Some(essence.to_owned())),
        }
    }
    match (best, rejected) {
        (Some(v), _) => Ok(v),
        (None, Some(bad)) => Err(not_acceptable(format!(
            "Invalid accept header or version date: `{bad}`. The first version of this resource is 2023-01-01."
        ))
        .param(bad)),
        (None, None) => Err(not_acceptable(format!(
            "The Accept header `{accept}` names no versioned media type; use application/vnd.atlas.2023-01-01+json."
        ))
        .param(accept.to_owned())),
    }
}

/// Checks a request body's `Content-Type`: JSON, or (on v2) a versioned Atlas type.
/// `None` with an empty body is fine (the handler then reports the missing body).
pub(crate) fn check_content_type(
    content_type: Option<&str>,
    body_is_empty: bool,
    versioned_allowed: bool,
) -> Result<(), ApiError> {
    let unsupported = |ct: &str| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::from("UNSUPPORTED_MEDIA_TYPE"),
            format!("Content type `{ct}` is not supported; send application/json."),
        )
        .param(ct.to_owned())
    };
    let Some(ct) = content_type else {
        return if body_is_empty {
            Ok(())
        } else {
            Err(unsupported("(none)"))
        };
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" {
        return Ok(());
    }
    if versioned_allowed
        && essence.starts_with(VND_PREFIX)
        && ApiVersion::from_media_type(&essence)
            .ok()
            .and_then(ApiVersion::resolve)
            .is_some()
    {
        return Ok(());
    }
    Err(unsupported(ct))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates() {
        let v = negotiate(Some("application/vnd.atlas.2024-10-23+json")).unwrap();
        assert_eq!(v.to_string(), "2023-01-01");
        assert!(negotiate(Some("application/vnd.atlas.2023-01-01+json; charset=utf-8")).is_ok());
        assert!(
            negotiate(Some(
                "application/json, application/vnd.atlas.2025-01-01+json"
            ))
            .is_ok()
        );
        assert_eq!(
            negotiate(Some("application/vnd.atlas.2022-12-31+json"))
                .unwrap_err()
                .status,
            StatusCode::NOT_ACCEPTABLE
        );
        assert!(negotiate(Some("application/vnd.atlas.2023-13-01+json")).is_err());
        assert!(negotiate(Some("application/json")).is_err());
        assert!(negotiate(Some("*/*")).is_err());
        assert!(negotiate(None).is_err());
    }

    #[test]
    fn content_types() {
        assert!(check_content_type(Some("application/json; charset=utf-8"), false, false).is_ok());
        assert!(
            check_content_type(Some("application/vnd.atlas.2023-01-01+json"), false, true).is_ok()
        );
        assert!(
            check_content_type(Some("application/vnd.atlas.2023-01-01+json"), false, false)
                .is_err()
        );
        assert!(check_content_type(Some("text/plain"), false, true).is_err());
        assert!(check_content_type(None, true, true).is_ok());
        assert!(check_content_type(None, false, true).is_err());
    }
}
