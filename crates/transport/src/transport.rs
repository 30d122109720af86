//! The [`Transport`] trait: one buffered HTTP exchange, `Request<Bytes>` in, `Response<Bytes>` out.
//!
//! What it is for: the single seam between the API crate and the network. Backends, auth
//! middleware, retries and test fakes all implement it, and they compose by wrapping one another.
//!
//! What it must NOT do: know an Atlas path or type, or stream bodies. Bodies are buffered so that
//! digest auth and retries can replay a request without the caller's help.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use http::{Request, Response};

use crate::Error;

/// Sends one HTTP request and returns the whole response.
///
/// Implementations must be cheap to share (`Arc<dyn Transport>`) and safe to call concurrently.
/// A non-2xx status is *not* an error: it is returned as a response for the caller to interpret.
///
/// ```
/// use std::sync::Arc;
/// use atlas_keys_transport::Transport;
///
/// fn takes_any(_t: Arc<dyn Transport>) {}
/// ```
#[async_trait]
pub trait Transport: Send + Sync + std::fmt::Debug {
    /// Sends `request` and returns the response, or an [`Error`] when no response was received.
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Error>;
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for Arc<T> {
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
        (**self).send(request).await
    }
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for Box<T> {
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
        (**self).send(request).await
    }
}

/// Copies a buffered request (method, URI, version, headers, extensions and body) so that it
/// can be sent again. `http::Request` is not `Clone`; `Bytes` makes the body copy cheap.
///
/// The copy's header map has room for two more headers: auth middleware adds `Authorization`
/// to the copy, and a derived `Clone` would leave no room, so every send would reallocate.
pub fn clone_request(request: &Request<Bytes>) -> Request<Bytes> {
    let mut out = Request::new(request.body().clone());
    *out.method_mut() = request.method().clone();
    *out.uri_mut() = request.uri().clone();
    *out.version_mut() = request.version();
    let headers = out.headers_mut();
    headers.reserve(request.headers().len() + 2);
    for (name, value) in request.headers() {
        headers.append(name.clone(), value.clone());
    }
    *out.extensions_mut() = request.extensions().clone();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clone_request_copies_everything_and_leaves_room_for_auth() {
        let mut request = Request::post("https://h:8443/a/b?q=1")
            .header("accept", "application/json")
            .header("x-multi", "1")
            .header("x-multi", "2")
            .body(Bytes::from_static(b"{}"))
            .unwrap();
        request.extensions_mut().insert(7u8);
        let copy = clone_request(&request);
        assert_eq!(copy.method(), request.method());
        assert_eq!(copy.uri(), request.uri());
        assert_eq!(copy.version(), request.version());
        assert_eq!(copy.headers(), request.headers());
        let multi: Vec<_> = copy.headers().get_all("x-multi").iter().collect();
        assert_eq!(multi, ["1", "2"]);
        assert_eq!(copy.body(), request.body());
        assert_eq!(copy.extensions().get::<u8>(), Some(&7));
        assert!(copy.headers().capacity() >= request.headers().len() + 2);
    }
}
