//! Small response builders shared by the server, the OAuth endpoints and the API routes.
//!
//! This module must NOT decide statuses or bodies; it only assembles `http::Response`s.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;

/// The response type of every handler.
pub(crate) type Resp = Response<Full<Bytes>>;

/// A response with a body and a content type.
pub(crate) fn with_body(status: StatusCode, content_type: &str, body: Vec<u8>) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

/// A response without a body.
pub(crate) fn empty(status: StatusCode) -> Resp {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = status;
    r
}

/// A JSON response (`application/json;charset=utf-8`, as the service labels it).
pub(crate) fn json(status: StatusCode, body: Vec<u8>) -> Resp {
    with_body(status, "application/json;charset=utf-8", body)
}
