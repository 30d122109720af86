//! The service-account OAuth 2.0 endpoints: `POST /api/oauth/token` (client credentials,
//! Basic auth) and `POST /api/oauth/revoke`, with OAuth-style error bodies.
//!
//! Tokens are random; only their SHA-256 is stored (and persisted). As on the service
//! (NOTES (j)), the token endpoint allows 10 requests per minute per client and address
//! (when rate limiting is on) and a service account holds at most `max_live_tokens` (100)
//! live tokens. This module must NOT log tokens or client secrets, and must NOT serve the
//! Admin API.

use std::net::IpAddr;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, Method, StatusCode, header};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::app::App;
use crate::http_util::{Resp, json};
use crate::rate_limit::{Scope, TOKEN_ENDPOINT};
use crate::state::{Op, TokenRecord};
use crate::stats::Counter;

/// The stored form of a token: its SHA-256 as lowercase hex (the state file's format).
pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Resp {
    let body = serde_json::json!({ "error": error, "error_description": description });
    let mut r = json(status, serde_json::to_vec(&body).unwrap_or_default());
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            http::HeaderValue::from_static("Basic realm=\"oauth\""),
        );
    }
    r
}

/// Client credentials from Basic auth, or from the form as a fallback.
fn client_credentials(headers: &HeaderMap, form: &[(String, String)]) -> Option<(String, String)> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| {
            let (scheme, rest) = h.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then(|| rest.trim())
        })
        .and_then(|b64| STANDARD.decode(b64).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|s| s.split_once(':').map(|(a, b)| (a.to_owned(), b.to_owned())));
    basic.or_else(|| {
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        Some((get("client_id")?, get("client_secret")?))
    })
}

/// Checks the client id and secret (constant-time on the secret).
fn client_ok(app: &App, id: &str, secret: &str) -> bool {
    let st = app.store.read();
    st.service_account(id)
        .is_some_and(|a| bool::from(a.client_secret.as_bytes().ct_eq(secret.as_bytes())))
}

fn parse_form(headers: &HeaderMap, body: &[u8]) -> Result<Vec<(String, String)>, Box<Resp>> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = ct.split(';').next().unwrap_or_default().trim();
    if !body.is_empty() && !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(Box::new(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The body must be application/x-www-form-urlencoded.",
        )));
    }
    Ok(url::form_urlencoded::parse(body).into_owned().collect())
}

/// The token endpoint's 429, in the service's form: OAuth-style `error` fields beside
/// the `errorCode` and `parameters` the service also sends.
fn token_rate_limited(path: &str, retry_after: u64) -> Resp {
    let per = TOKEN_ENDPOINT.capacity;
    let body = serde_json::json!({
        "error": "rate_limited",
        "error_description": format!("Resource {path} is limited to {per} requests every 1 minutes."),
        "errorCode": "RATE_LIMITED",
        "parameters": [path, per, 1],
    });
    let mut r = json(
        StatusCode::TOO_MANY_REQUESTS,
        serde_json::to_vec(&body).unwrap_or_default(),
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, http::HeaderValue::from(retry_after));
    r
}

/// Serves `/api/oauth/token` and `/api/oauth/revoke`.
pub(crate) async fn handle(
    app: &App,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
    ip: IpAddr,
) -> Resp {
    if method != Method::POST {
        return oauth_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            "Use POST.",
        );
    }
    let form = match parse_form(headers, body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let Some((id, secret)) = client_credentials(headers, &form) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        );
    };
    // Failed attempts are throttled per client id and address (the documented token
    // limit), so secrets cannot be guessed at speed; keyed by a hash, so a long junk id
    // costs the limiter no more than a short one.
    let failures = token_hash(&format!("{id}|{ip}"));
    let seen = app.limiter.check(Scope::TokenFailure, &failures, false);
    if seen.remaining == 0 {
        app.stats.bump(Counter::RateLimited);
        let retry = u64::from(60 / seen.refill_per_minute.max(1)).max(1);
        return token_rate_limited(path, retry);
    }
    if !client_ok(app, &id, &secret) {
        app.limiter.check(Scope::TokenFailure, &failures, true);
        tracing::debug!(client_id = %crate::log_safe::Escaped(&id), "oauth client refused");
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        );
    }
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if path.ends_with("/revoke") {
        let Some(token) = field("token") else {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The token parameter is missing.",
            );
        };
        let hash = token_hash(token);
        let written = app
            .store
            .write(|tx| {
                // RFC 7009: revoking an unknown token (or another client's) is a no-op.
                if tx.state().token(&hash).is_some_and(|t| t.client_id == id) {
                    tx.apply(Op::DeleteToken { hash: hash.clone() });
                }
            })
            .await;
        return match written {
            Ok(()) => crate::http_util::empty(StatusCode::OK),
            Err(_) => oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "Could not persist.",
            ),
        };
    }
    match field("grant_type") {
        Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Only grant_type=client_credentials is supported.",
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is missing.",
            );
        }
    }
    // Counted only once the client proved its secret, so nobody else can drain its bucket.
    let decision = app.limiter.check(Scope::Token, &format!("{id}|{ip}"), true);
    if let Some(retry) = decision.retry_after {
        app.stats.bump(Counter::RateLimited);
        return token_rate_limited(path, retry);
    }
    let now = crate::clock::now_secs();
    let token = crate::ids::token();
    let ttl: Duration = app.token_ttl;
    let record = TokenRecord {
        hash: token_hash(&token),
        client_id: id.clone(),
        expires_at: now + ttl.as_secs(),
    };
    let max_live = app.max_live_tokens;
    let written = app
        .store
        .write(|tx| {
            // Counted under the write lock, so concurrent requests cannot overshoot.
            let live = tx
                .state()
                .tokens()
                .filter(|t| t.client_id == id && t.expires_at > now)
                .count();
            if live >= max_live {
                return false;
            }
            let expired: Vec<String> = tx
                .state()
                .tokens()
                .filter(|t| t.expires_at <= now)
                .take(64)
                .map(|t| t.hash.clone())
                .collect();
            for hash in expired {
                tx.apply(Op::DeleteToken { hash });
            }
            tx.apply(Op::PutToken(record));
            true
        })
        .await;
    match written {
        Ok(true) => {}
        Ok(false) => {
            return oauth_error(
                StatusCode::FORBIDDEN,
                "access_denied",
                "Access Token limit reached",
            );
        }
        Err(_) => {
            return oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "Could not persist.",
            );
        }
    }
    app.stats.bump(Counter::TokensIssued);
    tracing::debug!(client_id = %crate::log_safe::Escaped(&id), "issued an access token");
    let body = serde_json::json!({
        "access_token": token,
        "expires_in": ttl.as_secs(),
        "token_type": "Bearer",
    });
    let mut r = json(
        StatusCode::OK,
        serde_json::to_vec(&body).unwrap_or_default(),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_hash_is_the_sha256_hex_the_state_file_holds() {
        // SHA-256("abc") from FIPS 180-2, appendix B.1: tokens stored before the table
        // encoder must still be found.
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
