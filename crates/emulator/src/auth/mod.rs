//! Who is calling: digest-authenticated API keys and bearer-token service accounts,
//! plus the access-list check for keys.
//!
//! This module must NOT decide whether the caller may perform an operation (that is
//! `roles`) and must NOT log secrets (it logs public keys and client ids only).

pub mod authorization_parser;
pub(crate) mod digest;
pub(crate) mod oauth;
pub(crate) mod roles;

use std::net::IpAddr;

use atlas_keys_model::{ApiKeyId, ErrorCode, PublicKey};
use http::StatusCode;

use crate::app::App;
use crate::errors::ApiError;
use crate::stats::Counter;
use authorization_parser::{Credentials, parse_authorization};
use digest::DigestFailure;

/// An authenticated principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Principal {
    /// A programmatic API key, by id.
    Key(ApiKeyId),
    /// A service account, by client id.
    ServiceAccount(String),
}

/// The caller of one request.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) principal: Principal,
    pub(crate) ip: IpAddr,
}

/// A failed authentication.
#[derive(Debug)]
pub(crate) enum AuthError {
    /// 401 with a digest challenge (`stale` as given) and this error body.
    Challenge { stale: bool, error: ApiError },
    /// Another error (403 access list).
    Other(ApiError),
}

fn challenge(stale: bool, code: ErrorCode, detail: &str) -> AuthError {
    AuthError::Challenge {
        stale,
        error: ApiError::unauthorized(code, detail.to_owned()),
    }
}

/// Authenticates a request from its `Authorization` header.
pub(crate) fn authenticate(
    app: &App,
    authorization: Option<&str>,
    method: &str,
    target: &str,
    ip: IpAddr,
) -> Result<Caller, AuthError> {
    let unauthorized = |detail: &str| challenge(false, ErrorCode::UserUnauthorized, detail);
    let Some(header) = authorization else {
        return Err(unauthorized("You are not authorized for this resource."));
    };
    match parse_authorization(header) {
        Ok(Credentials::Digest(p)) => {
            let username = p.username.as_deref().unwrap_or_default();
            // Copy what we need and release the lock before hashing.
            let (key_id, password, allowed) = {
                let st = app.store.read();
                // A username that is not a valid public key names no key.
                match PublicKey::new(username)
                    .ok()
                    .and_then(|p| st.key_by_public(&p))
                {
                    Some(k) => {
                        let allowed = k.access_list.is_empty()
                            || k.access_list.iter().any(|e| e.address.contains(ip));
                        (Some(k.id), Some(k.private_key.clone()), allowed)
                    }
                    None => (None, None, false),
                }
            };
            match app.digest.verify(&p, method, target, password.as_deref()) {
                Ok(()) => {}
                Err(DigestFailure::Stale) => {
                    return Err(challenge(
                        true,
                        ErrorCode::UserUnauthorized,
                        "The nonce is stale.",
                    ));
                }
                Err(DigestFailure::BadRequest(why)) => {
                    tracing::debug!(public_key = %username, why, "digest refused");
                    return Err(unauthorized(&format!(
                        "Digest authentication failed: {why}."
                    )));
                }
                Err(other) => {
                    tracing::debug!(public_key = %username, reason = ?other, "digest refused");
                    return Err(unauthorized("You are not authorized for this resource."));
                }
            }
            let Some(key_id) = key_id else {
                return Err(unauthorized("You are not authorized for this resource."));
            };
            app.stats.bump(Counter::Authorized);
            if !allowed {
                return Err(AuthError::Other(
                    ApiError::new(
                        StatusCode::FORBIDDEN,
                        ErrorCode::IpAddressNotOnWhitelist,
                        format!("IP address {ip} is not allowed to access this resource."),
                    )
                    .param(ip.to_string()),
                ));
            }
            Ok(Caller {
                principal: Principal::Key(key_id),
                ip,
            })
        }
        Ok(Credentials::Bearer(token)) => {
            let hash = oauth::token_hash(token);
            let now = crate::clock::now_secs();
            let client_id = {
                let st = app.store.read();
                st.token(&hash)
                    .filter(|t| t.expires_at > now)
                    .filter(|t| st.service_account(&t.client_id).is_some())
                    .map(|t| t.client_id.clone())
            };
            match client_id {
                Some(client_id) => {
                    app.stats.bump(Counter::Authorized);
                    Ok(Caller {
                        principal: Principal::ServiceAccount(client_id),
                        ip,
                    })
                }
                None => Err(unauthorized(
                    "The access token is invalid, expired or revoked.",
                )),
            }
        }
        Ok(Credentials::Basic(_)) => Err(unauthorized(
            "Use HTTP Digest with an API key or a service-account bearer token.",
        )),
        Err(e) => Err(unauthorized(&format!(
            "Malformed Authorization header: {e}."
        ))),
    }
}
