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

use atlas_keys_model::{AccessListAddress, ApiKeyId, ErrorCode, PublicKey};
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
    /// The access-list entry that admitted a key (the narrowest one containing `ip`);
    /// `None` when the key's list is empty or the caller is a service account.
    pub(crate) admitted_by: Option<AccessListAddress>,
}

/// Why a key may not be used from an address, decided after authentication.
enum Fence {
    /// The list has entries and none contains the address.
    NotListed,
    /// The list is empty and the organization requires one.
    OrgRequiresList,
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
            let (key_id, password, fence) = {
                let st = app.store.read();
                // A username that is not a valid public key names no key.
                match PublicKey::new(username)
                    .ok()
                    .and_then(|p| st.key_by_public(&p))
                {
                    Some(k) => {
                        let fence = if k.access_list.is_empty() {
                            let required =
                                st.org(&k.org_id).is_some_and(|o| o.requires_access_list());
                            if required {
                                Err(Fence::OrgRequiresList)
                            } else {
                                Ok(None)
                            }
                        } else {
                            k.access_list
                                .iter()
                                .filter(|e| e.address.contains(ip))
                                .max_by_key(|e| e.address.prefix_len())
                                .map(|e| Some(e.address))
                                .ok_or(Fence::NotListed)
                        };
                        (Some(k.id), Some(k.private_key.clone()), fence)
                    }
                    None => (None, None, Err(Fence::NotListed)),
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
                    tracing::debug!(public_key = %crate::log_safe::Escaped(username), why, "digest refused");
                    return Err(unauthorized(&format!(
                        "Digest authentication failed: {why}."
                    )));
                }
                Err(other) => {
                    tracing::debug!(public_key = %crate::log_safe::Escaped(username), reason = ?other, "digest refused");
                    return Err(unauthorized("You are not authorized for this resource."));
                }
            }
            let Some(key_id) = key_id else {
                return Err(unauthorized("You are not authorized for this resource."));
            };
            app.stats.bump(Counter::Authorized);
            // Access lists are enforced only now, after the credentials proved right: a
            // wrong password is a 401 from any address (NOTES (j)).
            let admitted_by = match fence {
                Ok(entry) => entry,
                Err(Fence::NotListed) => {
                    return Err(AuthError::Other(
                        ApiError::new(
                            StatusCode::FORBIDDEN,
                            ErrorCode::IpAddressNotOnAccessList,
                            format!("IP address {ip} is not allowed to access this resource."),
                        )
                        .param(ip.to_string()),
                    ));
                }
                Err(Fence::OrgRequiresList) => {
                    return Err(AuthError::Other(
                        ApiError::new(
                            StatusCode::FORBIDDEN,
                            ErrorCode::OrgRequiresAccessList,
                            "This organization requires access through an access list of ip ranges.",
                        )
                        .param(ip.to_string()),
                    ));
                }
            };
            Ok(Caller {
                principal: Principal::Key(key_id),
                ip,
                admitted_by,
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
                        admitted_by: None,
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
