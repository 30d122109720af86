//! A digest-verifying handler, realm "MMS Public API", that counts requests, challenges and
//! authorized requests. It checks the response hash itself (md-5 / sha2), the exact `uri`
//! (path and query), the `opaque` echoed exactly, nonce expiry (answering `stale=true`), and
//! `nc` according to a [`NoncePolicy`]: replay only (RFC 7616), strictly sequential per nonce
//! or per opaque (Apache `AuthDigestNcCheck On`), or single-use nonces. With qop `auth-int` it
//! checks the body hash (of the empty body for a bodiless request).
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

/// How the server judges a nonce's `nc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoncePolicy {
    /// RFC 7616 replay detection only: any `nc` not seen before on that nonce.
    Lenient,
    /// Each request on a nonce must carry exactly the previous `nc` plus one.
    StrictPerNonce,
    /// Apache's way: one nonce shared by every client (until it expires), a new `opaque` per
    /// challenge, and `nc` strictly sequential per opaque.
    StrictPerOpaque,
    /// Every nonce is good for one request; each 401 carries a new one.
    SingleUse,
}

#[derive(Clone, Debug)]
pub struct DigestConfig {
    pub user: String,
    pub password: String,
    /// `MD5`, `MD5-sess`, `SHA-256` or `SHA-256-sess`.
    pub algorithm: &'static str,
    /// `Some("auth")`, `Some("auth-int")`, or `None` for an RFC 2069 server.
    pub qop: Option<&'static str>,
    pub nonce_ttl: Duration,
    pub policy: NoncePolicy,
}

impl Default for DigestConfig {
    fn default() -> Self {
        DigestConfig {
            user: "pubkey".into(),
            password: "s3cr3t-private-key".into(),
            algorithm: "MD5",
            qop: Some("auth"),
            nonce_ttl: Duration::from_secs(300),
            policy: NoncePolicy::Lenient,
        }
    }
}

struct NonceState {
    issued: Instant,
    seen_nc: HashSet<u32>,
    /// The last `nc` accepted (strict policies).
    last_nc: u32,
    /// The opaque sent with this nonce (all policies but StrictPerOpaque, where a nonce is
    /// shared by many opaques).
    opaque: String,
}

#[derive(Default)]
pub struct DigestStats {
    pub requests: AtomicU64,
    pub challenges: AtomicU64,
    pub stale_challenges: AtomicU64,
    pub authorized: AtomicU64,
    pub rejected: AtomicU64,
    pub posts_received: AtomicU64,
    /// 401s refused for an `nc` out of order or reused (strict policies, replay).
    pub nc_refusals: AtomicU64,
    nonce_counter: AtomicU64,
    nonces: Mutex<HashMap<String, NonceState>>,
    /// StrictPerOpaque: the last `nc` accepted per opaque.
    opaques: Mutex<HashMap<String, u32>>,
    /// StrictPerOpaque: the nonce every challenge carries until it expires.
    shared_nonce: Mutex<Option<String>>,
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
            &self.nc_refusals,
        ] {
            c.store(0, Ordering::Relaxed);
        }
        self.post_bodies.lock().unwrap().clear();
    }
    /// Forget every nonce, as a restarted server would.
    pub fn forget_nonces(&self) {
        self.nonces.lock().unwrap().clear();
        self.opaques.lock().unwrap().clear();
        *self.shared_nonce.lock().unwrap() = None;
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
    h_bytes(algorithm, data.as_bytes())
}

fn h_bytes(algorithm: &str, data: &[u8]) -> String {
    use sha2::Digest as _;
    if algorithm.to_ascii_uppercase().starts_with("SHA-256") {
        hex::encode(sha2::Sha256::digest(data))
    } else {
        hex::encode(md5::Md5::digest(data))
    }
}

fn challenge(config: &DigestConfig, stats: &DigestStats, stale: bool) -> Response<Bytes> {
    stats.challenges.fetch_add(1, Ordering::Relaxed);
    if stale {
        stats.stale_challenges.fetch_add(1, Ordering::Relaxed);
    }
    let n = stats.nonce_counter.fetch_add(1, Ordering::Relaxed);
    // Nonces with `+`, `/` and `=`, as real servers send base64 ones.
    let minted = format!("{n:x}+Zm9v/YmFy=={}", n * 7919);
    // An opaque that must be echoed exactly: base64 characters, a space and an escaped quote.
    let opaque = format!("op {n}/+=\"q\"");
    let nonce = if config.policy == NoncePolicy::StrictPerOpaque {
        stats.opaques.lock().unwrap().insert(opaque.clone(), 0);
        let mut shared = stats.shared_nonce.lock().unwrap();
        let nonces = stats.nonces.lock().unwrap();
        let live = shared.as_ref().filter(|nonce| {
            nonces
                .get(*nonce)
                .is_some_and(|state| state.issued.elapsed() <= config.nonce_ttl)
        });
        match live {
            Some(nonce) => nonce.clone(),
            None => {
                drop(nonces);
                *shared = Some(minted.clone());
                minted
            }
        }
    } else {
        minted
    };
    stats
        .nonces
        .lock()
        .unwrap()
        .entry(nonce.clone())
        .or_insert_with(|| NonceState {
            issued: Instant::now(),
            seen_nc: HashSet::new(),
            last_nc: 0,
            opaque: opaque.clone(),
        });
    let qop = config
        .qop
        .map(|q| format!(", qop=\"{q}\""))
        .unwrap_or_default();
    let escaped_opaque = opaque.replace('\\', "\\\\").replace('"', "\\\"");
    let value = format!(
        "Digest realm=\"{REALM}\", domain=\"\", nonce=\"{nonce}\", opaque=\"{escaped_opaque}\", algorithm={}{qop}, stale={stale}",
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
    let opaque = p("opaque");
    let (nc, cnonce, qop) = (p("nc"), p("cnonce"), p("qop"));
    {
        let mut nonces = stats.nonces.lock().unwrap();
        let Some(state) = nonces.get_mut(&nonce) else {
            // Unknown nonce (e.g. the server restarted): a fresh challenge, not stale.
            return Verdict::Bad;
        };
        if config.policy != NoncePolicy::StrictPerOpaque && opaque != state.opaque {
            return Verdict::Bad;
        }
        if state.issued.elapsed() > config.nonce_ttl {
            return Verdict::Stale;
        }
        if let Some(offered) = config.qop {
            let Ok(n) = u32::from_str_radix(&nc, 16) else {
                return Verdict::Bad;
            };
            if nc.len() != 8 || cnonce.is_empty() || qop != offered {
                return Verdict::Bad;
            }
            let in_order = match config.policy {
                NoncePolicy::Lenient => state.seen_nc.insert(n),
                NoncePolicy::StrictPerNonce => {
                    let ok = n == state.last_nc + 1;
                    if ok {
                        state.last_nc = n;
                    }
                    ok
                }
                NoncePolicy::StrictPerOpaque => {
                    let mut opaques = stats.opaques.lock().unwrap();
                    match opaques.get_mut(&opaque) {
                        Some(last) if n == *last + 1 => {
                            *last = n;
                            true
                        }
                        // An opaque we never issued is no client of ours.
                        None => return Verdict::Bad,
                        Some(_) => false,
                    }
                }
                NoncePolicy::SingleUse => {
                    let first = state.last_nc == 0;
                    state.last_nc = state.last_nc.max(n);
                    first
                }
            };
            if !in_order {
                stats.nc_refusals.fetch_add(1, Ordering::Relaxed);
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
    let ha2 = if qop == "auth-int" {
        let body_hash = h_bytes(config.algorithm, req.body());
        h(
            config.algorithm,
            &format!("{}:{target}:{body_hash}", req.method()),
        )
    } else {
        h(config.algorithm, &format!("{}:{target}", req.method()))
    };
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
            // An authenticated caller refused by the application, as Atlas refuses reading
            // another key's access list: a 401 with no challenge.
            if req.uri().path().ends_with("/denied") {
                return Response::builder()
                    .status(401)
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Bytes::from_static(
                        br#"{"error":401,"errorCode":"API_KEY_ACCESS_LIST_ACCESS_DENIED"}"#,
                    ))
                    .unwrap();
            }
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
