//! A digest-verifying handler, realm "MMS Public API", that counts requests, challenges and
//! authorized requests. It checks the response hash itself (md-5 / sha2), the exact `uri`
//! (path and query), nonce expiry (answering `stale=true`) and `nc` replay.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use atlas_keys_transport::parse_challenges;
use bytes::Bytes;
use http::{Request, Response, header};

use super::{Handler, Server, start};

pub const REALM: &str = "MMS Public API";

#[derive(Clone, Debug)]
pub struct DigestConfig {
    pub user: String,
    pub password: String,
    /// `MD5`, `MD5-sess`, `SHA-256` or `SHA-256-sess`.
    pub algorithm: &'static str,
    /// `Some("auth")`, or `None` for an RFC 2069 server.
    pub qop: Option<&'static str>,
    pub nonce_ttl: Duration,
}

impl Default for DigestConfig {
    fn default() -> Self {
        DigestConfig {
            user: "pubkey".into(),
            password: "s3cr3t-private-key".into(),
            algorithm: "MD5",
            qop: Some("auth"),
            nonce_ttl: Duration::from_secs(300),
        }
    }
}

struct NonceState {
    issued: Instant,
    seen_nc: HashSet<u32>,
}

#[derive(Default)]
pub struct DigestStats {
    pub requests: AtomicU64,
    pub challenges: AtomicU64,
    pub stale_challenges: AtomicU64,
    pub authorized: AtomicU64,
    pub rejected: AtomicU64,
    pub posts_received: AtomicU64,
    nonce_counter: AtomicU64,
    nonces: Mutex<HashMap<String, NonceState>>,
    /// How many times each authorized POST body arrived (any arrival, authorized or not).
    pub post_bodies: Mutex<HashMap<Vec<u8>, u32>>,
    pub user_agents: Mutex<HashSet<String>>,
}

impl DigestStats {
    pub fn get(&self, c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }
    pub fn challenges(&self) -> u64 {
        self.challenges.load(Ordering::Relaxed)
    }
    pub fn authorized(&self) -> u64 {
        self.authorized.load(Ordering::Relaxed)
    }
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
    pub fn reset(&self) {
        for c in [
            &self.requests,
            &self.challenges,
            &self.stale_challenges,
            &self.authorized,
            &self.rejected,
            &self.posts_received,
        ] {
            c.store(0, Ordering::Relaxed);
        }
        self.post_bodies.lock().unwrap().clear();
    }
    /// Forget every nonce, as a restarted server would.
    pub fn forget_nonces(&self) {
        self.nonces.lock().unwrap().clear();
    }
}

pub struct DigestServer {
    pub server: Server,
    pub stats: Arc<DigestStats>,
    pub config: DigestConfig,
}

pub async fn start_digest(config: DigestConfig, tls: bool) -> DigestServer {
    let stats = Arc::new(DigestStats::default());
    let s = stats.clone();
    let c = config.clone();
    let handler: Handler = Arc::new(move |req| handle(&c, &s, req));
    DigestServer {
        server: start(handler, tls).await,
        stats,
        config,
    }
}

fn h(algorithm: &str, data: &str) -> String {
    use sha2::Digest as _;
    if algorithm.to_ascii_uppercase().starts_with("SHA-256") {
        hex::encode(sha2::Sha256::digest(data.as_bytes()))
    } else {
        hex::encode(md5::Md5::digest(data.as_bytes()))
    }
}

fn challenge(config: &DigestConfig, stats: &DigestStats, stale: bool) -> Response<Bytes> {
    stats.challenges.fetch_add(1, Ordering::Relaxed);
    if stale {
        stats.stale_challenges.fetch_add(1, Ordering::Relaxed);
    }
    let n = stats.nonce_counter.fetch_add(1, Ordering::Relaxed);
    // Nonces with `+`, `/` and `=`, as real servers send base64 ones.
    let nonce = format!("{n:x}+Zm9v/YmFy=={}", n * 7919);
    stats.nonces.lock().unwrap().insert(
        nonce.clone(),
        NonceState {
            issued: Instant::now(),
            seen_nc: HashSet::new(),
        },
    );
    let qop = config
        .qop
        .map(|q| format!(", qop=\"{q}\""))
        .unwrap_or_default();
    let value = format!(
        "Digest realm=\"{REALM}\", domain=\"\", nonce=\"{nonce}\", algorithm={}{qop}, stale={stale}",
        config.algorithm
    );
    Response::builder()
        .status(401)
        // Two header lines: a Basic challenge first, to be skipped.
        .header(header::WWW_AUTHENTICATE, "Basic realm=\"MMS Public API\"")
        .header(header::WWW_AUTHENTICATE, value)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Bytes::from_static(
            b"{\"error\":401,\"reason\":\"Unauthorized\"}",
        ))
        .unwrap()
}

enum Verdict {
    Ok,
    Stale,
    Bad,
}

fn verify(config: &DigestConfig, stats: &DigestStats, req: &Request<Bytes>) -> Verdict {
    let Some(value) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Verdict::Bad;
    };
    let parsed = parse_challenges(value);
    let Some(auth) = parsed.first().filter(|c| c.is_scheme("Digest")) else {
        return Verdict::Bad;
    };
    let p = |n: &str| auth.param(n).unwrap_or_default().to_string();
    let target = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/");
    if p("username") != config.user || p("realm") != REALM || p("uri") != target {
        return Verdict::Bad;
    }
    if !p("algorithm").is_empty() && !p("algorithm").eq_ignore_ascii_case(config.algorithm) {
        return Verdict::Bad;
    }
    let nonce = p("nonce");
    let (nc, cnonce, qop) = (p("nc"), p("cnonce"), p("qop"));
    {
        let mut nonces = stats.nonces.lock().unwrap();
        let Some(state) = nonces.get_mut(&nonce) else {
            // Unknown nonce (e.g. the server restarted): a fresh challenge, not stale.
            return Verdict::Bad;
        };
        if state.issued.elapsed() > config.nonce_ttl {
            return Verdict::Stale;
        }
        if config.qop.is_some() {
            let Ok(n) = u32::from_str_radix(&nc, 16) else {
                return Verdict::Bad;
            };
            if nc.len() != 8 || cnonce.is_empty() || qop != "auth" || !state.seen_nc.insert(n) {
                return Verdict::Bad;
            }
        }
    }
    let mut ha1 = h(
        config.algorithm,
        &format!("{}:{REALM}:{}", config.user, config.password),
    );
    if config.algorithm.to_ascii_lowercase().ends_with("-sess") {
        ha1 = h(config.algorithm, &format!("{ha1}:{nonce}:{cnonce}"));
    }
    let ha2 = h(config.algorithm, &format!("{}:{target}", req.method()));
    let expected = if config.qop.is_some() {
        h(
            config.algorithm,
            &format!("{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}"),
        )
    } else {
        h(config.algorithm, &format!("{ha1}:{nonce}:{ha2}"))
    };
    if p("response") == expected {
        Verdict::Ok
    } else {
        Verdict::Bad
    }
}

fn handle(config: &DigestConfig, stats: &DigestStats, req: Request<Bytes>) -> Response<Bytes> {
    stats.requests.fetch_add(1, Ordering::Relaxed);
    if let Some(ua) = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
    {
        stats.user_agents.lock().unwrap().insert(ua.to_string());
    }
    if req.method() == http::Method::POST {
        stats.posts_received.fetch_add(1, Ordering::Relaxed);
        *stats
            .post_bodies
            .lock()
            .unwrap()
            .entry(req.body().to_vec())
            .or_default() += 1;
    }
    if !req.headers().contains_key(header::AUTHORIZATION) {
        return challenge(config, stats, false);
    }
    match verify(config, stats, &req) {
        Verdict::Ok => {
            stats.authorized.fetch_add(1, Ordering::Relaxed);
            let body = format!(
                "{{\"path\":\"{}\",\"len\":{}}}",
                req.uri().path(),
                req.body().len()
            );
            Response::builder()
                .status(200)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Bytes::from(body))
                .unwrap()
        }
        Verdict::Stale => challenge(config, stats, true),
        Verdict::Bad => {
            stats.rejected.fetch_add(1, Ordering::Relaxed);
            challenge(config, stats, false)
        }
    }
}
