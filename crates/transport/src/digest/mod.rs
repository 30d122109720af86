//! [`DigestAuth`]: HTTP Digest authentication (RFC 7616; MD5, SHA-256, SHA-512-256 and their
//! `-sess` variants; qop `auth`, `auth-int`, or none for RFC 2069 servers) as a wrapper
//! [`Transport`].
//!
//! What it is for: Atlas / Cloud Manager / Ops Manager API keys (public key as user name, private
//! key as password) in ONE round trip per request in steady state, and never more than two
//! (bar a nonce that goes stale between its challenge and its use), whatever the server's nonce
//! policy: RFC 7616 replay detection only, strictly sequential `nc` per nonce or per `opaque`
//! (Apache `AuthDigestNcCheck On`), short-lived nonces with `stale=true`, or single-use nonces.
//!
//! Design: a bounded pool of nonce *lanes* per origin ([`lanes`]). A lane is one challenge used
//! by at most one request in flight, so the `nc` values of a nonce reach the server in order
//! and a strict server never sees them overtake each other. A request takes an idle lane; if
//! none is idle it sends itself without `Authorization`, and the 401 it draws is the challenge
//! of a new lane; at the bound (default 64, [`DigestAuth::max_lanes`]) it waits for a lane. A
//! refused lane is replaced by the challenge that came with the refusal. The alternative, one
//! shared nonce until the first out-of-order refusal reveals a strict server, was not taken: a
//! refusal does not say *why* (a forgotten nonce and an out-of-order `nc` both get a plain
//! 401), so the detection is a guess, and until it is made every request of a burst can be
//! refused. Lanes cost a lenient server one extra challenge per lane, once, at warm-up: a pool
//! grows only to the concurrency actually used.
//!
//! What it must NOT do: loop on 401s (a refusal of a challenge drawn for this very request is
//! an [`ErrorKind::Auth`] error unless it says `stale=true`, and stale retries are bounded), hold
//! a lock across I/O, or let the password reach a `Debug`, an error or a log. The hash
//! computation is `digest_auth`'s; the challenge parser is ours (see [`challenge`]).

pub(crate) mod challenge;
pub(crate) mod lanes;

use async_trait::async_trait;
use bytes::Bytes;
use digest_auth::{AlgorithmType, AuthContext, Charset, HttpMethod, Qop, WwwAuthenticateHeader};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;

use self::challenge::{Challenge, parse_challenges};
use self::lanes::{Checkout, Lane, LanePools, Pool};
use crate::error::redact_uri;
use crate::{Error, ErrorKind, Transport, clone_request};

/// A [`Transport`] that answers HTTP Digest challenges for its inner transport.
///
/// Clones share the pools of nonce lanes. Options (call them before cloning):
/// [`max_lanes`](DigestAuth::max_lanes).
///
/// ```
/// use atlas_keys_transport::{DigestAuth, SecretString, Transport};
/// # fn wrap(inner: impl Transport) -> impl Transport {
/// DigestAuth::new(inner, "PUBLIC-KEY", SecretString::from("PRIVATE-KEY"))
/// # }
/// ```
#[derive(Clone)]
pub struct DigestAuth<T> {
    inner: T,
    username: String,
    password: SecretString,
    lanes: LanePools,
}

impl<T> fmt::Debug for DigestAuth<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The inner transport is not required to be Debug here, and the password never is shown.
        f.debug_struct("DigestAuth")
            .field("username", &self.username)
            .field("password", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

impl<T: Transport> DigestAuth<T> {
    /// Wraps `inner`; `username` is the API key's public key, `password` its private key.
    pub fn new(inner: T, username: impl Into<String>, password: SecretString) -> Self {
        DigestAuth {
            inner,
            username: username.into(),
            password,
            lanes: LanePools::default(),
        }
    }

    /// The most nonce lanes per origin (default 64, at least 1): how many requests to one
    /// origin may be in flight at once, each on a challenge of its own; further requests wait
    /// for a lane. A pool only grows to the concurrency actually used, each new lane costing
    /// one extra round trip (its challenge) once. Replaces the pools, so call it before
    /// cloning or sending.
    ///
    /// ```
    /// use atlas_keys_transport::{DigestAuth, SecretString, Transport};
    /// # fn wrap(inner: impl Transport) -> impl Transport {
    /// DigestAuth::new(inner, "PUBLIC-KEY", SecretString::from("PRIVATE-KEY")).max_lanes(16)
    /// # }
    /// ```
    pub fn max_lanes(mut self, max: usize) -> Self {
        self.lanes = LanePools::new(max);
        self
    }

    /// The wrapped transport.
    pub fn inner(&self) -> &T {
        &self.inner
    }
}

/// `scheme://host:port`, lower-cased, with the scheme's default port made explicit.
fn origin_of(request: &Request<Bytes>) -> Result<String, Error> {
    let uri = request.uri();
    let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) else {
        return Err(Error::new(
            ErrorKind::Request,
            "digest auth needs an absolute request URI (scheme and host)",
            false,
        ));
    };
    let port = uri
        .port_u16()
        .unwrap_or(if scheme.eq_ignore_ascii_case("https") {
            443
        } else {
            80
        });
    Ok(format!(
        "{}://{}:{port}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    ))
}

/// A challenge we can answer, as `digest_auth`'s header.
#[derive(Debug, Clone)]
pub(crate) struct Prompt {
    pub(crate) header: WwwAuthenticateHeader,
}

/// Maps an `algorithm` value (case-insensitively); absent means MD5. Only RFC 7616's
/// algorithms are answered: the non-standard `SHA-512` some test servers offer is not.
fn algorithm(value: Option<&str>) -> Option<digest_auth::Algorithm> {
    let value = value.unwrap_or("MD5").to_ascii_uppercase();
    let (name, sess) = match value.strip_suffix("-SESS") {
        Some(name) => (name, true),
        None => (value.as_str(), false),
    };
    let kind = match name {
        "MD5" => AlgorithmType::MD5,
        "SHA-256" => AlgorithmType::SHA2_256,
        "SHA-512-256" => AlgorithmType::SHA2_512_256,
        _ => return None,
    };
    Some(digest_auth::Algorithm::new(kind, sess))
}

/// Converts a parsed Digest challenge into `digest_auth`'s header, or `None` if we cannot answer
/// it (no nonce, unknown algorithm, only unknown qop values).
fn to_header(challenge: &Challenge) -> Option<Prompt> {
    if !challenge.is_scheme("Digest") {
        return None;
    }
    let nonce = challenge.param("nonce")?.to_owned();
    let algorithm = algorithm(challenge.param("algorithm"))?;
    let qop = match challenge.param("qop") {
        None => None,
        Some(list) => {
            let offered: Vec<String> = list
                .split(',')
                .map(|q| q.trim().to_ascii_lowercase())
                .collect();
            // Prefer `auth`: `auth-int` would hash the body, which buys nothing over TLS.
            if offered.iter().any(|q| q == "auth") {
                Some(vec![Qop::AUTH])
            } else if offered.iter().any(|q| q == "auth-int") {
                Some(vec![Qop::AUTH_INT])
            } else {
                return None;
            }
        }
    };
    let flag = |name: &str| {
        challenge
            .param(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    };
    let header = WwwAuthenticateHeader {
        domain: challenge
            .param("domain")
            .filter(|d| !d.is_empty())
            .map(|d| d.split_whitespace().map(str::to_owned).collect()),
        realm: challenge.param("realm").unwrap_or_default().to_owned(),
        nonce,
        opaque: challenge.param("opaque").map(str::to_owned),
        stale: flag("stale"),
        algorithm,
        qop,
        userhash: flag("userhash"),
        charset: if challenge
            .param("charset")
            .is_some_and(|c| c.eq_ignore_ascii_case("utf-8"))
        {
            Charset::UTF8
        } else {
            Charset::ASCII
        },
        nc: 0,
    };
    Some(Prompt { header })
}

/// The Digest challenge to answer among all `WWW-Authenticate` headers: the strongest algorithm
/// we support (SHA-256 family first), the first offered among equals.
fn pick_challenge(headers: &HeaderMap) -> Option<Prompt> {
    let mut best: Option<Prompt> = None;
    for value in headers.get_all(header::WWW_AUTHENTICATE) {
        let Ok(text) = value.to_str() else { continue };
        for challenge in parse_challenges(text) {
            let Some(candidate) = to_header(&challenge) else {
                continue;
            };
            let rank = |p: &Prompt| match p.header.algorithm.algo {
                AlgorithmType::MD5 => 0,
                AlgorithmType::SHA2_256 | AlgorithmType::SHA2_512_256 => 1,
            };
            if best.as_ref().is_none_or(|b| rank(&candidate) > rank(b)) {
                best = Some(candidate);
            }
        }
    }
    best
}

/// 32 hex digits from the OS's secure RNG.
fn cnonce() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        Error::new(
            ErrorKind::Auth,
            "no secure random source for the digest cnonce",
            false,
        )
        .with_source(Box::<dyn std::error::Error + Send + Sync>::from(
            e.to_string(),
        ))
    })?;
    Ok(hex::encode(bytes))
}

/// How many times one request answers a `stale=true` refusal of a challenge it drew itself
/// (a nonce that expired between its 401 and its use). Bounded so that a server whose nonces
/// are always stale cannot keep a request looping.
const MAX_STALE_RETRIES: u32 = 2;

/// A challenge drawn by sending the request without `Authorization`, or the response that came
/// instead of a challenge we can answer.
enum Drawn {
    Lane(Lane),
    Response(Response<Bytes>),
}

impl<T: Transport> DigestAuth<T> {
    /// A copy of `request` carrying an `Authorization` for `lane`'s next `nc`, or `None` if the
    /// lane's nonce count is exhausted.
    fn authorize(
        &self,
        request: &Request<Bytes>,
        lane: &mut Lane,
    ) -> Result<Option<Request<Bytes>>, Error> {
        let Some(nc) = lane.next_nc() else {
            return Ok(None);
        };
        // The digest covers the exact request target: path and query.
        let uri = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
        let value = self.digest_auth_response(request, &lane.prompt.header, nc, uri)?;
        let mut value = HeaderValue::from_str(&value).map_err(|_| {
            Error::new(
                ErrorKind::Auth,
                "digest user name is not a valid header value",
                false,
            )
        })?;
        value.set_sensitive(true);
        let mut out = clone_request(request);
        out.headers_mut().insert(header::AUTHORIZATION, value);
        Ok(Some(out))
    }

    /// The `Authorization` value computed by `digest_auth`.
    fn digest_auth_response(
        &self,
        request: &Request<Bytes>,
        header: &WwwAuthenticateHeader,
        nc: u32,
        uri: &str,
    ) -> Result<String, Error> {
        let mut prompt = header.clone();
        // `respond` increments `nc` before using it. `next_nc` starts at 1, so the subtraction
        // never saturates; saturating keeps it panic-free all the same.
        prompt.nc = nc.saturating_sub(1);
        // Always the body, empty or not: `digest_auth` falls back to qop=auth when it has no
        // body, which RFC 7616 forbids when the server offered only auth-int (the hash of an
        // empty body is what a bodiless request must send).
        let mut context = AuthContext::new_with_method(
            self.username.as_str(),
            self.password.expose_secret(),
            uri,
            Some(request.body().as_ref()),
            HttpMethod::from(request.method().as_str()),
        );
        context.set_custom_cnonce(cnonce()?);
        let answer = prompt.respond(&context).map_err(|e| {
            Error::new(ErrorKind::Auth, "cannot answer the digest challenge", false).with_source(
                Box::<dyn std::error::Error + Send + Sync>::from(e.to_string()),
            )
        })?;
        Ok(answer.to_header_string())
    }

    /// Sends `request` without `Authorization` to draw a challenge. A 401 we can answer becomes
    /// a new lane; any other response (the origin does not challenge, or not with Digest) is
    /// the answer.
    async fn draw_challenge(&self, pool: &Pool, request: &Request<Bytes>) -> Result<Drawn, Error> {
        let mut first = clone_request(request);
        first.headers_mut().remove(header::AUTHORIZATION);
        let response = self.inner.send(first).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            pool.mark_answered_unchallenged();
            return Ok(Drawn::Response(response));
        }
        match pick_challenge(response.headers()) {
            Some(prompt) => {
                pool.mark_challenged();
                Ok(Drawn::Lane(Lane::new(prompt)))
            }
            None => Ok(Drawn::Response(response)),
        }
    }

    /// Sends `request` on `lane` (or on a lane made from a fresh challenge if `lane` is
    /// `None`), replacing a refused lane with the challenge of its refusal.
    ///
    /// A lane from the pool that is refused is replaced once (its nonce expired, the server
    /// forgot it, or it is single-use). A refusal of a challenge drawn for this very request
    /// means the credentials are wrong, unless it says `stale=true`, which is retried at most
    /// [`MAX_STALE_RETRIES`] times. A digest 401 comes before the server acts on the request,
    /// so resending any method, POST included, after one is safe.
    async fn send_on_lane(
        &self,
        pool: &Pool,
        request: Request<Bytes>,
        lane: Option<Lane>,
    ) -> Result<Response<Bytes>, Error> {
        // `fresh`: the lane's challenge was drawn for this request, so a refusal of it is
        // about the credentials, not about the nonce.
        let (mut lane, mut fresh) = match lane {
            Some(lane) => (lane, false),
            None => match self.draw_challenge(pool, &request).await? {
                Drawn::Lane(lane) => (lane, true),
                Drawn::Response(response) => return Ok(response),
            },
        };
        let mut stale_retries = 0;
        loop {
            let Some(authorized) = self.authorize(&request, &mut lane)? else {
                // The lane's nonce count ran out: it is dropped for a fresh challenge.
                match self.draw_challenge(pool, &request).await? {
                    Drawn::Lane(next) => {
                        (lane, fresh) = (next, true);
                        continue;
                    }
                    Drawn::Response(response) => return Ok(response),
                }
            };
            // On an error the lane is dropped: whether the server saw its `nc` is unknown,
            // and a strict server would refuse the next one if it did not.
            let response = self.inner.send(authorized).await?;
            if response.status() != StatusCode::UNAUTHORIZED {
                pool.give_back(lane);
                return Ok(response);
            }
            // A 401 without a Digest challenge is not ours to answer: the caller gets it. The
            // server took the credentials (it asked for no new ones) and refused for another
            // reason (Atlas's `API_KEY_ACCESS_LIST_ACCESS_DENIED`), so the lane's nonce stays
            // good; dropping it cost every such refusal a fresh challenge.
            let Some(prompt) = pick_challenge(response.headers()) else {
                pool.give_back(lane);
                return Ok(response);
            };
            let stale = prompt.header.stale;
            let next = Lane::new(prompt);
            if !fresh {
                tracing::debug!(stale, "digest nonce refused; answering the new challenge");
                (lane, fresh) = (next, true);
                continue;
            }
            if stale && stale_retries < MAX_STALE_RETRIES {
                tracing::debug!("fresh digest nonce already stale; answering the next one");
                stale_retries += 1;
                lane = next;
                continue;
            }
            // Never loop: credentials answered to a challenge we just received were refused.
            // The refusal's challenge is still good for the next request. The server refused
            // the request before acting on it, so its outcome is known: nothing happened. A
            // create with a wrong key must not read as "may have been applied".
            pool.give_back(next);
            return Err(Error::new(
                ErrorKind::Auth,
                format!(
                    "digest credentials refused by {} after a fresh challenge",
                    redact_uri(request.uri())
                ),
                false,
            )
            .with_status(StatusCode::UNAUTHORIZED));
        }
    }
}

#[async_trait]
impl<T: Transport> Transport for DigestAuth<T> {
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
        let origin = origin_of(&request)?;
        let pool = self.lanes.pool(&origin);
        if pool.is_open() {
            // An origin that has never challenged: no lane, no bound, no serialising. If it
            // starts to challenge now, this request answers on a lane of its own.
            return self.send_on_lane(&pool, request, None).await;
        }
        let Checkout { lane, permit } = pool.checkout().await;
        let result = self.send_on_lane(&pool, request, lane).await;
        // The lane went back to the pool inside; only now is the next waiter let in.
        drop(permit);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_sha256_over_md5_and_skips_basic() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(r#"Basic realm="x""#),
        );
        headers.append(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(r#"Digest realm="r", nonce="1", algorithm=MD5, qop="auth", Digest realm="r", nonce="2", algorithm=sha-256, qop=auth"#),
        );
        let h = pick_challenge(&headers).unwrap();
        assert_eq!(h.header.nonce, "2");
        assert_eq!(h.header.algorithm.algo, AlgorithmType::SHA2_256);
    }

    #[test]
    fn unknown_algorithm_or_qop_is_skipped() {
        let c = &parse_challenges(r#"Digest realm="r", nonce="1", algorithm=SHA-1"#)[0];
        assert!(to_header(c).is_none());
        let c = &parse_challenges(r#"Digest realm="r", nonce="1", qop="weird""#)[0];
        assert!(to_header(c).is_none());
        let c = &parse_challenges(r#"Digest realm="r", nonce="1", stale=TRUE"#)[0];
        let h = to_header(c).unwrap();
        assert!(h.header.stale);
        assert!(h.header.qop.is_none());
        // The non-standard SHA-512 (not SHA-512-256) is not answered.
        for algorithm in ["SHA-512", "SHA-512-sess"] {
            let c = &parse_challenges(&format!(
                r#"Digest realm="r", nonce="1", algorithm={algorithm}"#
            ))[0];
            assert!(to_header(c).is_none(), "{algorithm}");
        }
        let c = &parse_challenges(r#"Digest realm="r", nonce="1", algorithm=SHA-512-256-sess"#)[0];
        assert_eq!(
            to_header(c).unwrap().header.algorithm.algo,
            AlgorithmType::SHA2_512_256
        );
    }

    /// An inner transport for tests that never send.
    #[derive(Debug)]
    struct Unused;

    #[async_trait]
    impl Transport for Unused {
        async fn send(&self, _request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
            Err(Error::new(ErrorKind::Request, "not for sending", false))
        }
    }

    #[test]
    fn an_auth_int_only_challenge_gets_auth_int_for_a_bodiless_request_and_opaque_is_echoed() {
        use md5::Digest as _;
        let md5 = |s: &str| hex::encode(md5::Md5::digest(s.as_bytes()));
        let c = &parse_challenges(
            r#"Digest realm="r", nonce="n+/=", qop="auth-int", opaque="a \"b\" /+=""#,
        )[0];
        let mut lane = Lane::new(to_header(c).unwrap());
        let auth = DigestAuth::new(Unused, "u", SecretString::from("p"));
        let request = Request::get("http://h/x?y=1").body(Bytes::new()).unwrap();
        for nc in ["00000001", "00000002"] {
            let out = auth.authorize(&request, &mut lane).unwrap().unwrap();
            let value = out.headers()[header::AUTHORIZATION].to_str().unwrap();
            let answer = &parse_challenges(value)[0];
            let p = |name| answer.param(name).unwrap();
            assert_eq!(p("qop"), "auth-int", "{value}");
            assert_eq!(p("opaque"), r#"a "b" /+="#, "{value}");
            assert_eq!(p("nc"), nc);
            let ha2 = md5(&format!("GET:/x?y=1:{}", md5("")));
            let expected = md5(&format!(
                "{}:n+/=:{nc}:{}:auth-int:{ha2}",
                md5("u:r:p"),
                p("cnonce")
            ));
            assert_eq!(p("response"), expected);
        }
    }

    #[test]
    fn cnonce_is_32_hex_digits() {
        let c = cnonce().unwrap();
        assert_eq!(c.len(), 32);
        assert!(c.chars().all(|ch| ch.is_ascii_hexdigit()));
        assert_ne!(c, cnonce().unwrap());
    }
}
