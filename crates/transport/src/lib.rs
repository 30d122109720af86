//! An async HTTP [`Transport`] for the MongoDB Atlas / Cloud Manager / Ops Manager admin API
//! clients, with its middleware:
//!
//! - backends: [`HyperTransport`] (feature `hyper`, default) and [`ReqwestTransport`] (feature
//!   `reqwest`), HTTP/1.1 over rustls with the ring provider, pooled, with timeouts;
//! - auth wrappers that are themselves transports: [`DigestAuth`] (HTTP Digest, one round trip
//!   in steady state), [`BearerAuth`] and [`ServiceAccountAuth`] (OAuth 2.0 client credentials);
//! - [`Retry`] with a [`RetryPolicy`] that never re-sends a POST or PATCH which may have reached
//!   the server;
//! - [`Deadline`], one overall time limit per call over every attempt and challenge;
//! - defences against a hostile server: every response body is capped (16 MiB by default), a
//!   bearer token or client secret never goes over plain `http://` to a non-loopback host
//!   without an opt-in, token answers are validated before use, and server text put in an
//!   error is escaped ([`sanitize`]);
//! - test fakes behind the `test-util` feature.
//!
//! This crate moves bytes and proves identity. It must NOT know an Atlas path or an Atlas type
//! (its only paths are the OAuth token endpoints), nor expose a hyper, reqwest or rustls type.
//!
//! ```no_run
//! # #[cfg(feature = "hyper")]
//! # async fn f() -> Result<(), atlas_keys_transport::Error> {
//! use atlas_keys_transport::{
//!     DEFAULT_DEADLINE, Deadline, DigestAuth, HyperTransport, Retry, RetryPolicy, SecretString,
//!     Transport,
//! };
//!
//! let wire = HyperTransport::builder().user_agent("atlas-keys/0.1.0").build()?;
//! let authed = DigestAuth::new(wire, "public-key", SecretString::from("private-key"));
//! let transport = Deadline::new(Retry::new(authed, RetryPolicy::default()), DEFAULT_DEADLINE);
//! let request = http::Request::get("https://cloud.mongodb.com/api/atlas/v2")
//!     .body(bytes::Bytes::new())
//!     .expect("static request");
//! let response = transport.send(request).await?;
//! println!("{}", response.status());
//! # Ok(()) }
//! ```
#![deny(missing_docs, missing_debug_implementations)]

#[cfg(any(feature = "hyper", feature = "reqwest"))]
mod backend;
mod bearer;
mod deadline;
mod digest;
mod error;
pub mod pace;
mod retry;
pub mod sanitize;
mod secure;
mod service_account;
#[cfg(any(feature = "hyper", feature = "reqwest"))]
mod tls;
#[cfg(any(feature = "hyper", feature = "reqwest"))]
mod trace;
mod transport;

#[cfg(feature = "test-util")]
pub mod test_util;

#[cfg(any(feature = "hyper", feature = "reqwest"))]
pub use backend::DEFAULT_MAX_RESPONSE_BODY;
#[cfg(feature = "hyper")]
pub use backend::hyper::{HyperTransport, HyperTransportBuilder};
#[cfg(any(feature = "hyper", feature = "reqwest"))]
pub use backend::proxy::Proxy;
#[cfg(feature = "reqwest")]
pub use backend::reqwest::{ReqwestTransport, ReqwestTransportBuilder};
pub use bearer::BearerAuth;
pub use deadline::{CallDeadline, DEFAULT_DEADLINE, Deadline};
pub use digest::DigestAuth;
pub use digest::challenge::{Challenge, parse_challenges};
pub use error::{BoxError, CertificateProblem, Error, ErrorKind, OAuthError, redact_uri};
pub use retry::{Attempt, Attempts, Retry, RetryPolicy};
pub use service_account::token_store::{
    CachedToken, MemoryTokenStore, TokenStore, token_store_key,
};
pub use service_account::{ServiceAccountAuth, ServiceAccountAuthBuilder};
pub use transport::{Transport, clone_request};

/// Re-exported so callers can build secrets without naming the `secrecy` crate.
pub use secrecy::{self, ExposeSecret, SecretString};
