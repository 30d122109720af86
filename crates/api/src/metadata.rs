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

/// Reads the metadata of a response (before any envelope is unwrapped).
///
/// One pass over the headers, comparing names, rather than a hashed lookup per field: a
/// response has about five headers, and six lookups cost more than the rest of this function
/// (~1,000 instructions per call, measured with callgrind). As with `HeaderMap::get`, only
/// the first value of a repeated header counts. Unless `whole`, only the status, the
/// attempts and the deprecation headers are read: a caller that drops the metadata of a
/// success should not pay for copying its `Content-Type`.
pub(crate) fn metadata(response: &http::Response<Bytes>, whole: bool) -> ResponseMetadata {
    use http::header::{CONTENT_TYPE, RETRY_AFTER};
    // `None`: not seen; `Some(None)`: seen, not visible ASCII.
    let mut first: [Option<Option<&str>>; 6] = [None; 6];
    for (name, value) in response.headers() {
        let slot = if name == CONTENT_TYPE {
            0
        } else if name == RETRY_AFTER {
            1
        } else {
            // Header names are stored lowercase.
            match name.as_str() {
                "ratelimit-limit" => 2,
                "ratelimit-remaining" => 3,
                "deprecation" => 4,
                "sunset" => 5,
                _ => continue,
            }
        };
        if slot < 4 && !whole {
            continue;
        }
        first[slot].get_or_insert_with(|| value.to_str().ok().map(str::trim));
    }
    let [
        content_type,
        retry_after,
        limit,
        remaining,
        deprecation,
        sunset,
    ] = first.map(Option::flatten);
    let number = |text: Option<&str>| text.and_then(|v| v.parse::<u64>().ok());
    let (limit, remaining) = (number(limit), number(remaining));
    ResponseMetadata {
        status: response.status().as_u16(),
        rate_limit: (limit.is_some() || remaining.is_some())
            .then_some(RateLimit { limit, remaining }),
        retry_after: number(retry_after).map(Duration::from_secs),
        deprecation: deprecation.map(str::to_owned),
        sunset: sunset.map(str::to_owned),
        content_type: content_type.map(str::to_owned),
        attempts: atlas_keys_transport::Attempts::of(response),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_reads_each_header_once_the_first_value_counting() {
        let response = http::Response::builder()
            .status(429)
            .header("Content-Type", "application/json;charset=utf-8")
            .header("RateLimit-Limit", " 500 ")
            .header("ratelimit-remaining", "0")
            .header("ratelimit-remaining", "7")
            .header("Retry-After", "not a number")
            .header("Retry-After", "3")
            .header("Deprecation", "@1700000000")
            .header("Sunset", "Wed, 01 Jan 2027 00:00:00 GMT")
            .header("X-Other", "ignored")
            .body(Bytes::new())
            .unwrap();
        let m = metadata(&response, true);
        assert_eq!(m.status, 429);
        assert_eq!(
            m.content_type.as_deref(),
            Some("application/json;charset=utf-8")
        );
        assert_eq!(
            m.rate_limit,
            Some(RateLimit {
                limit: Some(500),
                remaining: Some(0)
            })
        );
        // The first `Retry-After` is not a number: none, as a single lookup would say.
        assert_eq!(m.retry_after, None);
        assert_eq!(m.deprecation.as_deref(), Some("@1700000000"));
        assert_eq!(m.sunset.as_deref(), Some("Wed, 01 Jan 2027 00:00:00 GMT"));
        assert_eq!(m.attempts, 1);
        assert!(m.is_deprecated());
    }

    #[test]
    fn without_whole_only_the_status_attempts_and_deprecation_are_read() {
        let mut response = http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .header("ratelimit-limit", "500")
            .header("retry-after", "3")
            .header("deprecation", "@1700000000")
            .header("sunset", "Wed, 01 Jan 2027 00:00:00 GMT")
            .body(Bytes::new())
            .unwrap();
        response
            .extensions_mut()
            .insert(atlas_keys_transport::Attempts(2));
        let m = metadata(&response, false);
        assert_eq!((m.status, m.attempts), (200, 2));
        assert_eq!(m.deprecation.as_deref(), Some("@1700000000"));
        assert_eq!(m.sunset.as_deref(), Some("Wed, 01 Jan 2027 00:00:00 GMT"));
        assert_eq!(
            (m.content_type, m.rate_limit, m.retry_after),
            (None, None, None)
        );
        assert_eq!(
            metadata(&response, true).rate_limit.and_then(|r| r.limit),
            Some(500)
        );
    }

    #[test]
    fn a_header_value_that_is_not_visible_ascii_reads_as_absent() {
        // A value that is not visible ASCII (obs-text) reads as absent.
        let opaque = http::HeaderValue::from_bytes(b"5\xff").unwrap();
        let response = http::Response::builder()
            .status(204)
            .header("ratelimit-limit", opaque.clone())
            .header("content-type", opaque)
            .body(Bytes::new())
            .unwrap();
        let m = metadata(&response, true);
        assert_eq!(m.rate_limit, None);
        assert_eq!(m.content_type, None);
        assert!(!m.is_deprecated());
    }
}
