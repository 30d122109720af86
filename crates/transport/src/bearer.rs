//! [`BearerAuth`]: adds a static `Authorization: Bearer <token>` to every request.
//!
//! What it is for: an access token obtained elsewhere. What it must NOT do: refresh the token
//! (that is [`ServiceAccountAuth`](crate::ServiceAccountAuth)'s job) or show it in `Debug`.

use std::fmt;

use bytes::Bytes;
use http::{HeaderValue, Request, header};
use secrecy::{ExposeSecret, SecretString};

use crate::transport::SendFuture;
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
        }
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

// Written out rather than with `#[async_trait]`: adding a header needs no future of its own,
// so the inner transport's future is returned as it is (one allocation less per request).
impl<T: Transport> Transport for BearerAuth<T> {
    fn send<'life0, 'async_trait>(
        &'life0 self,
        mut request: Request<Bytes>,
    ) -> SendFuture<'async_trait>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        match &self.authorization {
            Ok(authorization) => {
                request
                    .headers_mut()
                    .insert(header::AUTHORIZATION, authorization.clone());
                self.inner.send(request)
            }
            Err(InvalidToken) => Box::pin(std::future::ready(Err(Error::new(
                ErrorKind::Auth,
                "bearer token is not a valid header value",
                false,
            )))),
        }
    }
}
