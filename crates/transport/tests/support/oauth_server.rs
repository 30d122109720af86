//! An OAuth 2.0 client-credentials token endpoint (`/api/oauth/token`, `/api/oauth/revoke`) and a
//! bearer-protected resource (any other path), counting token requests.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http::{Request, Response, header};

use super::{Handler, Server, start, text};

pub const CLIENT_ID: &str = "mdb_sa_id_0123456789";
pub const CLIENT_SECRET: &str = "mdb_sa_sk_TOPSECRET_value";

#[derive(Default)]
pub struct OAuthStats {
    pub token_requests: AtomicU64,
    pub revoke_requests: AtomicU64,
    pub resource_ok: AtomicU64,
    pub resource_unauthorized: AtomicU64,
    pub malformed_token_requests: AtomicU64,
    /// Seconds of life of the next tokens.
    pub expires_in: AtomicU64,
    /// Answer the token endpoint with 429 rate_limited.
    pub rate_limited: AtomicBool,
    /// Refuse every token at the resource (401), however fresh.
    pub refuse_all_tokens: AtomicBool,
    counter: AtomicU64,
    tokens: Mutex<HashMap<String, (Instant, Duration, bool)>>,
    pub issued: Mutex<Vec<String>>,
}

impl OAuthStats {
    pub fn token_requests(&self) -> u64 {
        self.token_requests.load(Ordering::Relaxed)
    }
    pub fn get_malformed(&self) -> u64 {
        self.malformed_token_requests.load(Ordering::Relaxed)
    }
    /// Revokes every token issued so far, server-side.
    pub fn revoke_all(&self) {
        for t in self.tokens.lock().unwrap().values_mut() {
            t.2 = true;
        }
    }
    pub fn revoked(&self, token: &str) -> bool {
        self.tokens.lock().unwrap().get(token).is_some_and(|t| t.2)
    }
}

pub struct OAuthServer {
    pub server: Server,
    pub stats: Arc<OAuthStats>,
}

pub async fn start_oauth(expires_in: u64, tls: bool) -> OAuthServer {
    let stats = Arc::new(OAuthStats::default());
    stats.expires_in.store(expires_in, Ordering::Relaxed);
    let s = stats.clone();
    let handler: Handler = Arc::new(move |req| handle(&s, req));
    OAuthServer {
        server: start(handler, tls).await,
        stats,
    }
}

fn json(status: u16, body: String) -> Response<Bytes> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Bytes::from(body))
        .unwrap()
}

fn basic_ok(req: &Request<Bytes>) -> bool {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(expected.as_str())
}

fn handle(stats: &OAuthStats, req: Request<Bytes>) -> Response<Bytes> {
    match req.uri().path() {
        "/api/oauth/token" => {
            stats.token_requests.fetch_add(1, Ordering::Relaxed);
            let form_ok = req.method() == http::Method::POST
                && req
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .map(|v| v.as_bytes())
                    == Some(b"application/x-www-form-urlencoded")
                && req.headers().get(header::ACCEPT).map(|v| v.as_bytes())
                    == Some(b"application/json")
                && req.body().as_ref() == b"grant_type=client_credentials";
            if !form_ok {
                stats
                    .malformed_token_requests
                    .fetch_add(1, Ordering::Relaxed);
                return json(400, r#"{"error":"invalid_request"}"#.into());
            }
            if stats.rate_limited.load(Ordering::Relaxed) {
                return json(
                    429,
                    r#"{"error_description": "Resource /api/oauth/token is limited to 10 requests every 1 minutes.", "error": "rate_limited"}"#.into(),
                );
            }
            if !basic_ok(&req) {
                return json(401, r#"{"error":"invalid_client","error_description":"Invalid client credentials"}"#.into());
            }
            let n = stats.counter.fetch_add(1, Ordering::Relaxed);
            let token = format!("eyTOKEN{n}x{}", 1_000_003 * (n + 17));
            let ttl = stats.expires_in.load(Ordering::Relaxed);
            stats.tokens.lock().unwrap().insert(
                token.clone(),
                (Instant::now(), Duration::from_secs(ttl), false),
            );
            stats.issued.lock().unwrap().push(token.clone());
            json(
                200,
                format!(r#"{{"access_token":"{token}","expires_in":{ttl},"token_type":"Bearer"}}"#),
            )
        }
        "/api/oauth/revoke" => {
            stats.revoke_requests.fetch_add(1, Ordering::Relaxed);
            if !basic_ok(&req) {
                return json(401, r#"{"error":"invalid_client"}"#.into());
            }
            let body = String::from_utf8_lossy(req.body()).to_string();
            let mut token = None;
            let mut hint_ok = false;
            for pair in body.split('&') {
                match pair.split_once('=') {
                    Some(("token", v)) => token = Some(v.to_string()),
                    Some(("token_type_hint", "access_token")) => hint_ok = true,
                    _ => {}
                }
            }
            match (token, hint_ok) {
                (Some(t), true) => {
                    if let Some(entry) = stats.tokens.lock().unwrap().get_mut(&t) {
                        entry.2 = true;
                    }
                    text(200, "")
                }
                _ => json(400, r#"{"error":"invalid_request"}"#.into()),
            }
        }
        _ => {
            let token = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::to_string);
            let refuse_all = stats.refuse_all_tokens.load(Ordering::Relaxed);
            let valid =
                !refuse_all
                    && token.is_some_and(|t| {
                        stats.tokens.lock().unwrap().get(&t).is_some_and(
                            |(issued, ttl, revoked)| !revoked && issued.elapsed() < *ttl,
                        )
                    });
            if valid {
                stats.resource_ok.fetch_add(1, Ordering::Relaxed);
                json(200, r#"{"ok":true}"#.into())
            } else {
                stats.resource_unauthorized.fetch_add(1, Ordering::Relaxed);
                json(401, r#"{"error":401,"reason":"Unauthorized"}"#.into())
            }
        }
    }
}
