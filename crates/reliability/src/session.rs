//! Signed raw requests against an emulator: a digest user, a fresh challenge per request, and
//! the `/__emulator/*` test endpoints.
//!
//! Built on [`crate::raw_http`] and [`crate::digest`], so a test can sign correctly and then
//! change exactly one thing. This module must NOT hide what it sends: every header it adds is
//! listed in [`RawSession::signed`].

use std::net::SocketAddr;

use crate::digest::{Challenge, Signer};
use crate::raw_http::{self, RawResponse};

/// The v2 media type the emulator requires in `Accept` (and `Content-Type` for bodies).
pub const V2_MEDIA_TYPE: &str = "application/vnd.atlas.2023-01-01+json";

/// A digest user (an API key's public and private key).
#[derive(Clone)]
pub struct DigestUser {
    /// The public key.
    pub public_key: String,
    /// The private key.
    pub private_key: String,
}

impl std::fmt::Debug for DigestUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DigestUser")
            .field("public_key", &self.public_key)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

/// An emulator address and the user to sign as.
#[derive(Debug, Clone)]
pub struct RawSession {
    /// The emulator's socket address.
    pub addr: SocketAddr,
    /// The user.
    pub user: DigestUser,
}

impl RawSession {
    /// A session for `user` at `addr`.
    pub fn new(addr: SocketAddr, user: DigestUser) -> RawSession {
        RawSession { addr, user }
    }

    /// Asks for a fresh challenge (an unauthenticated GET of `target`, which must be 401).
    pub async fn challenge(&self, target: &str) -> Challenge {
        let response =
            raw_http::send(self.addr, "GET", target, &[("Accept", V2_MEDIA_TYPE)], b"").await;
        assert_eq!(
            response.status, 401,
            "an unauthenticated request is challenged"
        );
        let header = response
            .headers_named("www-authenticate")
            .collect::<Vec<_>>()
            .join(", ");
        Challenge::parse(&header).unwrap_or_else(|| panic!("no digest challenge in {header:?}"))
    }

    /// The `Authorization` value for one request, signed by this session's user.
    pub fn authorization(
        &self,
        challenge: &Challenge,
        method: &str,
        uri: &str,
        nc: u32,
        cnonce: &str,
    ) -> String {
        Signer {
            username: &self.user.public_key,
            password: &self.user.private_key,
            challenge,
            method,
            uri,
            nc,
            cnonce,
        }
        .header()
    }

    /// Sends `method target` with a correct digest header on a fresh challenge, plus
    /// `Accept` and (with a body) `Content-Type` set to the v2 media type.
    pub async fn signed(&self, method: &str, target: &str, body: &[u8]) -> RawResponse {
        let challenge = self.challenge(target).await;
        let authorization =
            self.authorization(&challenge, method, target, 1, &crate::random_hex(16));
        self.send_with(method, target, &authorization, body).await
    }

    /// Sends `method target` with the given `Authorization` value, `Accept` and (with a body)
    /// `Content-Type`.
    pub async fn send_with(
        &self,
        method: &str,
        target: &str,
        authorization: &str,
        body: &[u8],
    ) -> RawResponse {
        let mut headers = vec![("Authorization", authorization), ("Accept", V2_MEDIA_TYPE)];
        if !body.is_empty() {
            headers.push(("Content-Type", V2_MEDIA_TYPE));
        }
        raw_http::send(self.addr, method, target, &headers, body).await
    }
}

/// `GET /__emulator/state/summary` as JSON (no auth, never faulted).
pub async fn state_summary(addr: SocketAddr) -> serde_json::Value {
    let response = raw_http::send(addr, "GET", "/__emulator/state/summary", &[], b"").await;
    assert_eq!(response.status, 200, "summary: {}", response.text());
    response.json()
}

/// `GET /__emulator/stats` as JSON (no auth, never faulted).
pub async fn stats(addr: SocketAddr) -> serde_json::Value {
    let response = raw_http::send(addr, "GET", "/__emulator/stats", &[], b"").await;
    assert_eq!(response.status, 200, "stats: {}", response.text());
    response.json()
}
