//! [`BearerAuth`]: adds a static `Authorization: Bearer <token>` to every request.
//!
//! What it is for: an access token obtained elsewhere. What it must NOT do: refresh the token
//! (that is [`ServiceAccountAuth`](crate::ServiceAccountAuth)'s job), show it in `Debug`, or send
//! it over plain `http://` to a non-loopback host without [`BearerAuth::allow_insecure_http`].

use std::fmt;

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderValue, Request, Response, header};
use secrecy::{ExposeSecret, SecretString};

use crate::secure::PlainHttpGate;
use crate::{Error, ErrorKind, Transport};

/// A [`Transport`] that authorizes every request with a fixed bearer token.
///
/// ```
/// use atlas_keys_transport::{BearerAuth, SecretString, Transport};
/// # fn wrap(inner: impl Transport) -> impl Transport {
/// BearerAuth::new(inner, SecretString::from("eyJ..."))
/// # }
/// ```
#[derive(Clone)]
pub struct BearerAuth<T> {
    inner: T,
    /// `Bearer <token>`, built once (marked sensitive), or why it cannot be: an invalid token
    /// fails each request with an Auth error rather than the constructor, whose signature
    /// predates this cache.
    authorization: Result<HeaderValue, InvalidToken>,
    plain_http: PlainHttpGate,
}

/// The token cannot be a header value; the token itself is not kept here.
#[derive(Clone, Copy, Debug)]
struct InvalidToken;

impl<T> fmt::Debug for BearerAuth<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerAuth")
            .field("token", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

impl<T: Transport> BearerAuth<T> {
    /// Wraps `inner` with `token`.
    pub fn new(inner: T, token: SecretString) -> Self {
        BearerAuth {
            inner,
            authorization: bearer_value(&token).map_err(|_| InvalidToken),
            plain_http: PlainHttpGate::new(false),
        }
    }

    /// Whether the token may be sent over plain `http://` to a host that is not loopback
    /// (default false: such a request fails with an
    /// [`ErrorKind::InsecureHttp`](crate::ErrorKind::InsecureHttp) error before any I/O).
    /// Loopback (`localhost`, 127.0.0.0/8, `::1`) is always allowed.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.plain_http = PlainHttpGate::new(allow);
        self
    }
}

/// `Bearer <token>` as a sensitive header value (hyper and reqwest then keep it out of their
/// own debug output).
pub(crate) fn bearer_value(token: &SecretString) -> Result<HeaderValue, Error> {
    let mut value =
        HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).map_err(|_| {
            Error::new(
                ErrorKind::Auth,
                "bearer token is not a valid header value",
                false,
            )
        })?;
    value.set_sensitive(true);
    Ok(value)
}

#[async_trait]
impl<T: Transport> Transport for BearerAuth<T> {
    async fn send(&self, mut request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
        let Ok(authorization) = &self.authorization else {
            return Err(Error::new(
                ErrorKind::Auth,
                "bearer token is not a valid header value",
                false,
            ));
        };
        self.plain_http.check(request.uri(), "bearer token")?;
        request
            .headers_mut()
            .insert(header::AUTHORIZATION, authorization.clone());
        self.inner.send(request).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Records the `Authorization` it was sent and answers 200.
    #[derive(Debug, Default)]
    struct Echo(Mutex<Vec<Option<HeaderValue>>>);

    #[async_trait]
    impl Transport for Echo {
        async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
            let seen = request.headers().get(header::AUTHORIZATION).cloned();
            self.0.lock().map(|mut v| v.push(seen)).ok();
            Ok(Response::new(Bytes::new()))
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    }

    #[test]
    fn every_request_carries_the_sensitive_bearer_header() {
        let echo = Arc::new(Echo::default());
        let auth = BearerAuth::new(Arc::clone(&echo), SecretString::from("tok-1"));
        runtime().block_on(async {
            for _ in 0..2 {
                auth.send(Request::new(Bytes::new())).await.expect("200");
            }
        });
        let seen = echo.0.lock().expect("not poisoned").clone();
        assert_eq!(seen.len(), 2);
        for value in seen {
            let value = value.expect("an Authorization header");
            assert_eq!(value, "Bearer tok-1");
            assert!(value.is_sensitive());
        }
        assert!(!format!("{auth:?}").contains("tok-1"));
    }

    #[test]
    fn an_invalid_token_fails_each_request_before_the_wire() {
        let echo = Arc::new(Echo::default());
        let auth = BearerAuth::new(Arc::clone(&echo), SecretString::from("bad\ntoken"));
        let err = runtime()
            .block_on(auth.send(Request::new(Bytes::new())))
            .expect_err("an invalid token");
        assert_eq!(err.kind(), ErrorKind::Auth);
        assert!(!err.to_string().contains("bad"), "{err}");
        assert!(echo.0.lock().expect("not poisoned").is_empty());
    }
}
