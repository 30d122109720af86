//! What a response said besides its body: [`ResponseMetadata`] (status, rate limits,
//! `Deprecation`/`Sunset`), [`RateLimit`], the [`Response`] pair that
//! `send_with_metadata()` returns, and the reader that fills them from headers.
//!
//! It sits at the bottom of the crate (errors quote [`RateLimit`]); it must NOT import
//! any other module of this crate, decide success or failure, or read a body.

use std::time::Duration;

use bytes::Bytes;

/// The `RateLimit-Limit` and `RateLimit-Remaining` headers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RateLimit {
    /// `RateLimit-Limit`: the bucket's capacity.
    pub limit: Option<u64>,
    /// `RateLimit-Remaining`: requests left in the bucket.
    pub remaining: Option<u64>,
}

/// What a response said besides its body.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseMetadata {
    /// The status: the HTTP status, or the one inside the envelope when `envelope=true`.
    pub status: u16,
    /// The rate-limit headers, when the server sent either.
    pub rate_limit: Option<RateLimit>,
    /// `Retry-After`, in seconds.
    pub retry_after: Option<Duration>,
    /// The `Deprecation` header: this API version is deprecated (since this date).
    pub deprecation: Option<String>,
    /// The `Sunset` header: the date this API version stops working.
    pub sunset: Option<String>,
    /// The response's `Content-Type`, which names the resource version served.
    pub content_type: Option<String>,
    /// How many attempts the retry layer made (1 when it did not retry).
    pub attempts: u32,
}

impl Default for ResponseMetadata {
    /// A plain 200 after one attempt, with no headers.
    fn default() -> Self {
        ResponseMetadata::with_status(200)
    }
}

impl ResponseMetadata {
    /// Metadata with only a status, for tests and mocks.
    pub fn with_status(status: u16) -> Self {
        ResponseMetadata {
            status,
            rate_limit: None,
            retry_after: None,
            deprecation: None,
            sunset: None,
            content_type: None,
            attempts: 1,
        }
    }

    /// True when the server said this API version is deprecated or has a sunset date.
    pub fn is_deprecated(&self) -> bool {
        self.deprecation.is_some() || self.sunset.is_some()
    }
}

/// A typed result and the [`ResponseMetadata`] of the response it came from.
///
/// Returned by `send_with_metadata()`; `send()` returns just the value.
///
/// ```
/// use atlas_keys::Response;
///
/// let r = Response::new(42);
/// assert_eq!(r.metadata.status, 200);
/// assert_eq!(r.into_value(), 42);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Response<T> {
    /// The decoded value.
    pub value: T,
    /// Status and headers.
    pub metadata: ResponseMetadata,
}

impl<T> Response<T> {
    /// A value with the metadata of a plain 200, for tests and mocks.
    pub fn new(value: T) -> Self {
        Response {
            value,
            metadata: ResponseMetadata::with_status(200),
        }
    }

    /// A value with the given metadata.
    pub fn with_metadata(value: T, metadata: ResponseMetadata) -> Self {
        Response { value, metadata }
    }

    /// The value, dropping the metadata.
    pub fn into_value(self) -> T {
        self.value
    }

    /// Applies `f` to the value, keeping the metadata.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            value: f(self.value),
            metadata: self.metadata,
        }
    }
}

/// Response headers [`metadata`] reads; `HeaderName` statics, because a lookup by `&str`
/// parses the name again on every call.
mod names {
    use http::HeaderName;
    pub(super) static RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
    pub(super) static RATELIMIT_REMAINING: HeaderName =
        HeaderName::from_static("ratelimit-remaining");
    pub(super) static DEPRECATION: HeaderName = HeaderName::from_static("deprecation");
    pub(super) static SUNSET: HeaderName = HeaderName::from_static("sunset");
}

/// Reads the metadata of a response (before any envelope is unwrapped).
pub(crate) fn metadata(response: &http::Response<Bytes>) -> ResponseMetadata {
    use http::header::{CONTENT_TYPE, RETRY_AFTER};
    let headers = response.headers();
    // Borrowed until a value is kept: this runs on every response.
    let str_of = |name: &http::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let text = |name: &http::HeaderName| str_of(name).map(str::to_owned);
    let number = |name: &http::HeaderName| str_of(name).and_then(|v| v.parse::<u64>().ok());
    let limit = number(&names::RATELIMIT_LIMIT);
    let remaining = number(&names::RATELIMIT_REMAINING);
    ResponseMetadata {
        status: response.status().as_u16(),
        rate_limit: (limit.is_some() || remaining.is_some())
            .then_some(RateLimit { limit, remaining }),
        retry_after: number(&RETRY_AFTER).map(Duration::from_secs),
        deprecation: text(&names::DEPRECATION),
        sunset: text(&names::SUNSET),
        content_type: text(&CONTENT_TYPE),
        attempts: atlas_keys_transport::Attempts::of(response),
    }
}
