//! The server side of HTTP Digest authentication (RFC 7616, qop=auth, MD5 / SHA-256, -sess).
//!
//! Challenges offer MD5 only by default, as the service does (NOTES (j)); SHA-256 is
//! offered (and accepted) only when configured. Nonces expire (`stale=true` after their
//! TTL), and an opt-in strict nonce-count mode behaves like Apache's
//! `AuthDigestNcCheck On`: each request on a nonce must carry exactly the previous `nc`
//! plus one, else it is answered with a new challenge.
//!
//! Hand-written because the `digest_auth` crate only implements the client side: it can
//! answer a challenge but cannot mint nonces, detect replays or verify a response. Nonces
//! are stateless (HMAC-SHA-256 over a timestamp and random bytes with a per-process
//! secret), so forged nonces fail without a lookup; replays are caught by remembering the
//! `(cnonce, nc)` pairs seen per nonce. This module must NOT look up users or roles: the
//! caller passes the password in.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use md5::Md5;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::authorization_parser::DigestParams;

/// The realm MongoDB's public API uses.
pub(crate) const REALM: &str = "MMS Public API";

const NONCE_RAW_LEN: usize = 8 + 8 + 16;
const SHARDS: usize = 16;

/// A digest algorithm the emulator can offer in its challenges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// `MD5` (and `MD5-sess`), the one the service offers.
    Md5,
    /// `SHA-256` (and `SHA-256-sess`).
    Sha256,
}

impl DigestAlgorithm {
    /// The name in a challenge.
    pub fn as_str(self) -> &'static str {
        match self {
            DigestAlgorithm::Md5 => "MD5",
            DigestAlgorithm::Sha256 => "SHA-256",
        }
    }

    /// Parses a comma-separated list such as `md5,sha-256` (case-insensitive, no repeats
    /// needed, at least one).
    pub fn parse_list(s: &str) -> Result<Vec<DigestAlgorithm>, String> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim) {
            let alg = match part.to_ascii_lowercase().as_str() {
                "md5" => DigestAlgorithm::Md5,
                "sha-256" | "sha256" => DigestAlgorithm::Sha256,
                _ => {
                    return Err(format!(
                        "unknown digest algorithm `{part}` (use md5, sha-256)"
                    ));
                }
            };
            if !out.contains(&alg) {
                out.push(alg);
            }
        }
        if out.is_empty() {
            return Err("name at least one digest algorithm".to_owned());
        }
        Ok(out)
    }
}

impl std::str::FromStr for DigestAlgorithm {
    type Err = String;

    /// `md5` or `sha-256` (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match DigestAlgorithm::parse_list(s)?.as_slice() {
            [one] => Ok(*one),
            _ => Err(format!("expected one digest algorithm, got `{s}`")),
        }
    }
}

impl std::fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the verifier treats nonces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DigestConfig {
    /// Offered (and accepted) algorithms, in challenge order; never empty.
    pub(crate) algorithms: Vec<DigestAlgorithm>,
    /// After this, a nonce is stale.
    pub(crate) nonce_ttl: Duration,
    /// Apache's `AuthDigestNcCheck On`: `nc` must be exactly the previous one plus one.
    pub(crate) strict_nonce_count: bool,
}

impl Default for DigestConfig {
    fn default() -> Self {
        DigestConfig {
            algorithms: vec![DigestAlgorithm::Md5],
            nonce_ttl: Duration::from_secs(300),
            strict_nonce_count: false,
        }
    }
}

/// The hash functions we accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hash {
    Md5,
    Sha256,
}

impl Hash {
    fn algorithm(self) -> DigestAlgorithm {
        match self {
            Hash::Md5 => DigestAlgorithm::Md5,
            Hash::Sha256 => DigestAlgorithm::Sha256,
        }
    }
}

impl Hash {
    fn hex_len(self) -> usize {
        match self {
            Hash::Md5 => 32,
            Hash::Sha256 => 64,
        }
    }

    /// `H(p1:p2:…)` as lowercase hex.
    fn hex(self, parts: &[&[u8]]) -> String {
        fn run<D: Digest>(parts: &[&[u8]]) -> String {
            let mut d = D::new();
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    d.update(b":");
                }
                d.update(p);
            }
            hex::encode(d.finalize())
        }
        match self {
            Hash::Md5 => run::<Md5>(parts),
            Hash::Sha256 => run::<Sha256>(parts),
        }
    }
}

/// Why a digest response was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DigestFailure {
    /// Missing or malformed parameters, wrong realm, qop or uri.
    BadRequest(&'static str),
    /// Not a nonce this server minted.
    UnknownNonce,
    /// Wrong password or unknown user.
    BadCredentials,
    /// The `(cnonce, nc)` pair was already used with this nonce.
    Replay,
    /// The response was right but the nonce is too old: challenge again with stale=true.
    Stale,
    /// Strict nonce counting: `nc` was not the previous one plus one.
    NonceCount,
}

/// Mints and checks nonces, and remembers `(cnonce, nc)` pairs to refuse replays.
/// `Debug` leaves the HMAC secret out.
pub(crate) struct DigestVerifier {
    secret: [u8; 32],
    lifetime: Duration,
    algorithms: Vec<DigestAlgorithm>,
    strict_nonce_count: bool,
    hasher: RandomState,
    seen: Vec<Mutex<Shard>>,
}

/// What is remembered of one nonce: when it was issued, the `(hash of cnonce, nc)` pairs
/// used with it, and the last `nc` (for strict counting).
#[derive(Debug)]
struct NonceUses {
    issued: u64,
    pairs: HashSet<(u64, u32)>,
    last_nc: u32,
}

impl std::fmt::Debug for DigestVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DigestVerifier")
            .field("lifetime", &self.lifetime)
            .field("algorithms", &self.algorithms)
            .field("strict_nonce_count", &self.strict_nonce_count)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct Shard {
    nonces: HashMap<[u8; 16], NonceUses>,
    last_prune: u64,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl DigestVerifier {
    /// A verifier with a fresh random secret.
    pub(crate) fn new(config: DigestConfig) -> Self {
        let mut secret = [0u8; 32];
        crate::ids::fill_random(&mut secret);
        let algorithms = if config.algorithms.is_empty() {
            vec![DigestAlgorithm::Md5]
        } else {
            config.algorithms
        };
        DigestVerifier {
            secret,
            lifetime: config.nonce_ttl,
            algorithms,
            strict_nonce_count: config.strict_nonce_count,
            hasher: RandomState::new(),
            seen: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
        }
    }

    fn mac(&self, data: &[u8]) -> [u8; 16] {
        let mut out = [0u8; 16];
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
        if let Ok(mut m) = <Hmac<Sha256> as Mac>::new_from_slice(&self.secret) {
            m.update(data);
            let full = m.finalize().into_bytes();
            out.copy_from_slice(&full[..16]);
        }
        out
    }

    /// A fresh nonce: base64url(timestamp ‖ random ‖ HMAC).
    pub(crate) fn mint_nonce(&self) -> String {
        let mut raw = [0u8; NONCE_RAW_LEN];
        raw[..8].copy_from_slice(&now_secs().to_be_bytes());
        crate::ids::fill_random(&mut raw[8..16]);
        let mac = self.mac(&raw[..16]);
        raw[16..].copy_from_slice(&mac);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// The `WWW-Authenticate` values for a 401, one per offered algorithm (MD5 only by
    /// default, as the service).
    pub(crate) fn challenges(&self, stale: bool) -> Vec<String> {
        let nonce = self.mint_nonce();
        self.algorithms
            .iter()
            .map(|alg| {
                format!(
                    "Digest realm=\"{REALM}\", domain=\"\", nonce=\"{nonce}\", algorithm={alg}, qop=\"auth\", stale={stale}"
                )
            })
            .collect()
    }

    /// Checks the nonce's MAC; returns its timestamp and id (the MAC) when genuine.
    fn open_nonce(&self, nonce: &str) -> Option<(u64, [u8; 16])> {
        if nonce.len() != 43 {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(nonce).ok()?;
        if raw.len() != NONCE_RAW_LEN {
            return None;
        }
        let expected = self.mac(&raw[..16]);
        if !bool::from(expected.ct_eq(&raw[16..])) {
            return None;
        }
        let mut ts = [0u8; 8];
        ts.copy_from_slice(&raw[..8]);
        Some((u64::from_be_bytes(ts), expected))
    }

    /// Verifies a digest response for `method` and the request target `target`
    /// (path and query exactly as received). `password` is the user's private key.
    pub(crate) fn verify(
        &self,
        p: &DigestParams<'_>,
        method: &str,
        target: &str,
        password: Option<&str>,
    ) -> Result<(), DigestFailure> {
        use DigestFailure::BadRequest;
        let username = p
            .username
            .as_deref()
            .ok_or(BadRequest("username is missing"))?;
        let realm = p.realm.as_deref().ok_or(BadRequest("realm is missing"))?;
        let nonce = p.nonce.as_deref().ok_or(BadRequest("nonce is missing"))?;
        let uri = p.uri.as_deref().ok_or(BadRequest("uri is missing"))?;
        let response = p
            .response
            .as_deref()
            .ok_or(BadRequest("response is missing"))?;
        let qop = p.qop.as_deref().ok_or(BadRequest("qop=auth is required"))?;
        let nc_text = p.nc.as_deref().ok_or(BadRequest("nc is missing"))?;
        let cnonce = p.cnonce.as_deref().ok_or(BadRequest("cnonce is missing"))?;
        if realm != REALM {
            return Err(BadRequest("wrong realm"));
        }
        if !qop.eq_ignore_ascii_case("auth") {
            return Err(BadRequest("only qop=auth is supported"));
        }
        if uri != target {
            return Err(BadRequest("uri does not match the request target"));
        }
        let nc = (nc_text.len() == 8)
            .then(|| u32::from_str_radix(nc_text, 16).ok())
            .flatten()
            .ok_or(BadRequest("nc must be 8 hex digits"))?;
        let (declared, sess) = match p.algorithm.as_deref().unwrap_or("MD5") {
            a if a.eq_ignore_ascii_case("MD5") => (Hash::Md5, false),
            a if a.eq_ignore_ascii_case("MD5-sess") => (Hash::Md5, true),
            a if a.eq_ignore_ascii_case("SHA-256") => (Hash::Sha256, false),
            a if a.eq_ignore_ascii_case("SHA-256-sess") => (Hash::Sha256, true),
            _ => return Err(BadRequest("unsupported algorithm")),
        };
        // Some clients merge our two challenges and echo SHA-256 while hashing with MD5
        // (or the reverse); the response length tells which hash was used, and either
        // way the client had to know the password.
        let hash = if response.len() == declared.hex_len() {
            declared
        } else if response.len() == 32 {
            Hash::Md5
        } else if response.len() == 64 {
            Hash::Sha256
        } else {
            return Err(DigestFailure::BadCredentials);
        };
        // Only what the challenges offered: the service offers MD5 alone, and a client
        // that answers with SHA-256 anyway would fail there.
        if !self.algorithms.contains(&declared.algorithm())
            || !self.algorithms.contains(&hash.algorithm())
        {
            return Err(BadRequest("algorithm was not offered"));
        }
        let (issued, nonce_id) = self.open_nonce(nonce).ok_or(DigestFailure::UnknownNonce)?;
        let password = password.ok_or(DigestFailure::BadCredentials)?;

        let mut ha1 = hash.hex(&[username.as_bytes(), REALM.as_bytes(), password.as_bytes()]);
        if sess {
            ha1 = hash.hex(&[ha1.as_bytes(), nonce.as_bytes(), cnonce.as_bytes()]);
        }
        let ha2 = hash.hex(&[method.as_bytes(), uri.as_bytes()]);
        let expected = hash.hex(&[
            ha1.as_bytes(),
            nonce.as_bytes(),
            nc_text.as_bytes(),
            cnonce.as_bytes(),
            qop.as_bytes(),
            ha2.as_bytes(),
        ]);
        let given = response.to_ascii_lowercase();
        if !bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
            return Err(DigestFailure::BadCredentials);
        }
        let now = now_secs();
        if now.saturating_sub(issued) > self.lifetime.as_secs() || issued > now + 60 {
            return Err(DigestFailure::Stale);
        }
        self.remember(nonce_id, issued, self.hasher.hash_one(cnonce), nc, now)
    }

    /// Records a use of `(cnonce, nc)`: a replay when seen before, and in strict mode a
    /// count error unless `nc` is the previous one plus one (the first being 1).
    fn remember(
        &self,
        id: [u8; 16],
        issued: u64,
        cnonce: u64,
        nc: u32,
        now: u64,
    ) -> Result<(), DigestFailure> {
        let shard_ix = usize::from(id[0]) % SHARDS;
        let Some(shard) = self.seen.get(shard_ix) else {
            return Err(DigestFailure::Replay);
        };
        let mut shard = shard
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let lifetime = self.lifetime.as_secs();
        if now.saturating_sub(shard.last_prune) > lifetime.max(1) {
            shard
                .nonces
                .retain(|_, uses| now.saturating_sub(uses.issued) <= lifetime);
            shard.last_prune = now;
        }
        let uses = shard.nonces.entry(id).or_insert_with(|| NonceUses {
            issued,
            pairs: HashSet::new(),
            last_nc: 0,
        });
        if self.strict_nonce_count && Some(nc) != uses.last_nc.checked_add(1) {
            return Err(DigestFailure::NonceCount);
        }
        if !uses.pairs.insert((cnonce, nc)) {
            return Err(DigestFailure::Replay);
        }
        uses.last_nc = uses.last_nc.max(nc);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn params<'a>(nonce: &'a str, nc: &'a str, response: String, alg: &'a str) -> DigestParams<'a> {
        DigestParams {
            username: Some(Cow::Borrowed("user")),
            realm: Some(Cow::Borrowed(REALM)),
            nonce: Some(Cow::Borrowed(nonce)),
            uri: Some(Cow::Borrowed("/x?y=1")),
            response: Some(Cow::Owned(response)),
            algorithm: Some(Cow::Borrowed(alg)),
            qop: Some(Cow::Borrowed("auth")),
            nc: Some(Cow::Borrowed(nc)),
            cnonce: Some(Cow::Borrowed("c")),
            opaque: None,
        }
    }

    fn answer(hash: Hash, nonce: &str, nc: &str) -> String {
        let ha1 = hash.hex(&[b"user", REALM.as_bytes(), b"pw"]);
        let ha2 = hash.hex(&[b"GET", b"/x?y=1"]);
        hash.hex(&[
            ha1.as_bytes(),
            nonce.as_bytes(),
            nc.as_bytes(),
            b"c",
            b"auth",
            ha2.as_bytes(),
        ])
    }

    fn verifier(algorithms: Vec<DigestAlgorithm>, ttl: u64, strict: bool) -> DigestVerifier {
        DigestVerifier::new(DigestConfig {
            algorithms,
            nonce_ttl: Duration::from_secs(ttl),
            strict_nonce_count: strict,
        })
    }

    #[test]
    fn accepts_then_refuses_replay() {
        let v = verifier(
            vec![DigestAlgorithm::Md5, DigestAlgorithm::Sha256],
            300,
            false,
        );
        let n = v.mint_nonce();
        let p = params(&n, "00000003", answer(Hash::Md5, &n, "00000003"), "MD5");
        assert_eq!(v.verify(&p, "GET", "/x?y=1", Some("pw")), Ok(()));
        assert_eq!(
            v.verify(&p, "GET", "/x?y=1", Some("pw")),
            Err(DigestFailure::Replay)
        );
        assert_eq!(
            v.verify(&p, "GET", "/x?y=2", Some("pw")),
            Err(DigestFailure::BadRequest(
                "uri does not match the request target"
            ))
        );
        let p = params(
            &n,
            "00000004",
            answer(Hash::Sha256, &n, "00000004"),
            "SHA-256",
        );
        assert_eq!(v.verify(&p, "GET", "/x?y=1", Some("pw")), Ok(()));
        let p = params(
            &n,
            "00000005",
            answer(Hash::Sha256, &n, "00000005"),
            "SHA-256",
        );
        assert_eq!(
            v.verify(&p, "GET", "/x?y=1", Some("bad")),
            Err(DigestFailure::BadCredentials)
        );
    }

    #[test]
    fn refuses_forged_nonce() {
        let v = verifier(vec![DigestAlgorithm::Md5], 300, false);
        let other = verifier(vec![DigestAlgorithm::Md5], 300, false).mint_nonce();
        let p = params(
            &other,
            "00000001",
            answer(Hash::Md5, &other, "00000001"),
            "MD5",
        );
        assert_eq!(
            v.verify(&p, "GET", "/x?y=1", Some("pw")),
            Err(DigestFailure::UnknownNonce)
        );
    }

    #[test]
    fn expired_nonce_is_stale() {
        let v = verifier(vec![DigestAlgorithm::Md5], 0, false);
        let mut raw = [0u8; NONCE_RAW_LEN];
        raw[..8].copy_from_slice(&(now_secs() - 10).to_be_bytes());
        let mac = v.mac(&raw[..16]);
        raw[16..].copy_from_slice(&mac);
        let n = URL_SAFE_NO_PAD.encode(raw);
        let p = params(&n, "00000001", answer(Hash::Md5, &n, "00000001"), "MD5");
        assert_eq!(
            v.verify(&p, "GET", "/x?y=1", Some("pw")),
            Err(DigestFailure::Stale)
        );
    }

    #[test]
    fn md5_only_by_default_and_sha256_only_when_offered() {
        let v = DigestVerifier::new(DigestConfig::default());
        let c = v.challenges(false);
        assert_eq!(c.len(), 1);
        assert!(c[0].contains("algorithm=MD5"), "{}", c[0]);
        let n = v.mint_nonce();
        let p = params(
            &n,
            "00000001",
            answer(Hash::Sha256, &n, "00000001"),
            "SHA-256",
        );
        assert_eq!(
            v.verify(&p, "GET", "/x?y=1", Some("pw")),
            Err(DigestFailure::BadRequest("algorithm was not offered"))
        );
        let both = verifier(
            DigestAlgorithm::parse_list("md5, SHA-256").unwrap(),
            300,
            false,
        );
        let c = both.challenges(true);
        assert!(c[0].contains("algorithm=MD5") && c[1].contains("algorithm=SHA-256"));
        assert!(c.iter().all(|c| c.contains("stale=true")));
        assert!(DigestAlgorithm::parse_list("sha-512").is_err());
    }

    #[test]
    fn strict_nonce_count_wants_exactly_the_next_nc() {
        let v = verifier(vec![DigestAlgorithm::Md5], 300, true);
        let n = v.mint_nonce();
        let try_nc = |nc: &str| {
            let p = params(&n, nc, answer(Hash::Md5, &n, nc), "MD5");
            v.verify(&p, "GET", "/x?y=1", Some("pw"))
        };
        // The first request on a nonce must carry 1; a skip or a step back is refused.
        assert_eq!(try_nc("00000002"), Err(DigestFailure::NonceCount));
        assert_eq!(try_nc("00000001"), Ok(()));
        assert_eq!(try_nc("00000003"), Err(DigestFailure::NonceCount));
        assert_eq!(try_nc("00000002"), Ok(()));
        assert_eq!(try_nc("00000002"), Err(DigestFailure::NonceCount));
        // Without strict counting, any unused nc is fine (RFC 7616 only forbids reuse).
        let lax = verifier(vec![DigestAlgorithm::Md5], 300, false);
        let n = lax.mint_nonce();
        let p = params(&n, "00000009", answer(Hash::Md5, &n, "00000009"), "MD5");
        assert_eq!(lax.verify(&p, "GET", "/x?y=1", Some("pw")), Ok(()));
    }
}
