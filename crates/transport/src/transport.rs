//! The [`Transport`] trait: one buffered HTTP exchange, `Request<Bytes>` in, `Response<Bytes>` out.
//!
//! What it is for: the single seam between the API crate and the network. Backends, auth
//! middleware, retries and test fakes all implement it, and they compose by wrapping one another.
//!
//! What it must NOT do: know an Atlas path or type, or stream bodies. Bodies are buffered so that
//! digest auth and retries can replay a request without the caller's help.

use std::future::Future;
use std::pin::Pin;
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

/// The boxed future every [`Transport::send`] returns (the shape `#[async_trait]` gives it).
type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<Response<Bytes>, Error>> + Send + 'a>>;

// `Arc<T>` and `Box<T>` forward by hand instead of through `#[async_trait]`: the macro would
// box a second future around the inner one on every request (one allocation and one more
// indirection per layer), and every stack holds its layers behind `Arc<dyn Transport>`.
impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn send<'life0, 'async_trait>(&'life0 self, request: Request<Bytes>) -> SendFuture<'async_trait>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        (**self).send(request)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send<'life0, 'async_trait>(&'life0 self, request: Request<Bytes>) -> SendFuture<'async_trait>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        (**self).send(request)
    }
}

/// Copies a buffered request (method, URI, version, headers, extensions and body) so that it
/// can be sent again. `http::Request` is not `Clone`; `Bytes` makes the body copy cheap.
pub fn clone_request(request: &Request<Bytes>) -> Request<Bytes> {
    let mut out = Request::new(request.body().clone());
    *out.method_mut() = request.method().clone();
    *out.uri_mut() = request.uri().clone();
    *out.version_mut() = request.version();
    *out.headers_mut() = request.headers().clone();
    *out.extensions_mut() = request.extensions().clone();
    out
}
