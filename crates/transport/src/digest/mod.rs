//! [`DigestAuth`]: HTTP Digest authentication (RFC 7616; MD5, SHA-256, SHA-512-256 and their
//! `-sess` variants; qop `auth`, `auth-int`, or none for RFC 2069 servers) as a wrapper
//! [`Transport`].
//!
//! What it is for: Atlas / Cloud Manager / Ops Manager API keys (public key as user name, private
//! key as password) in ONE round trip per request in steady state: the challenge is cached per
//! origin, `nc` counts up atomically, and only an origin's first request (or a request whose
//! cached nonce the server rejects) is sent twice.
//!
//! What it must NOT do: loop on 401s (a 401 after a fresh challenge is an [`ErrorKind::Auth`]
//! error), hold a lock across I/O, or let the password reach a `Debug`, an error or a log.
//! The hash computation is `digest_auth`'s; the challenge parser is ours (see [`challenge`]).

pub(crate) mod cache;
pub(crate) mod challenge;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use digest_auth::{AlgorithmType, AuthContext, Charset, HttpMethod, Qop, WwwAuthenticateHeader};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use secrecy::{ExposeSecret, SecretString};

use self::cache::{CachedChallenge, ChallengeCache, Lookup};
use self::challenge::{Challenge, parse_challenges};
use crate::error::redact_uri;
use crate::{Error, ErrorKind, Transport, clone_request};

/// A [`Transport`] that answers HTTP Digest challenges for its inner transport.
///
/// Clones share the challenge cache.
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
    cache: ChallengeCache,
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
            cache: ChallengeCache::default(),
        }
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

impl<T: Transport> DigestAuth<T> {
    /// A copy of `request` carrying an `Authorization` for `challenge`, or `None` if the
    /// challenge's nonce count is exhausted.
    fn authorize(
        &self,
        request: &Request<Bytes>,
        challenge: &CachedChallenge,
    ) -> Result<Option<Request<Bytes>>, Error> {
        let Some(nc) = challenge.next_nc() else {
            return Ok(None);
        };
        // The digest covers the exact request target: path and query.
        let uri = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
        let value = self.digest_auth_response(request, &challenge.prompt.header, nc, uri)?;
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
        let body = (!request.body().is_empty()).then(|| request.body().as_ref());
        let mut context = AuthContext::new_with_method(
            self.username.as_str(),
            self.password.expose_secret(),
            uri,
            body,
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

    /// Sends with `challenge`; on a 401, takes the challenge from that 401 and resends once.
    async fn send_authorized(
        &self,
        origin: &str,
        request: Request<Bytes>,
        challenge: Arc<CachedChallenge>,
    ) -> Result<Response<Bytes>, Error> {
        let Some(authorized) = self.authorize(&request, &challenge)? else {
            self.cache.forget(origin, &challenge);
            return self.send_unauthorized(origin, request).await;
        };
        let response = self.inner.send(authorized).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        // The cached nonce was refused (stale, expired, or the server forgot it): one fresh
        // challenge, from this very 401, and one resend.
        let Some(fresh) = pick_challenge(response.headers()) else {
            return Ok(response);
        };
        tracing::debug!(
            stale = fresh.header.stale,
            "digest nonce refused; answering the new challenge"
        );
        self.resend_with_fresh(origin, &request, fresh).await
    }

    /// Sends without `Authorization` to draw a challenge, then resends once answering it.
    async fn send_unauthorized(
        &self,
        origin: &str,
        request: Request<Bytes>,
    ) -> Result<Response<Bytes>, Error> {
        let mut first = clone_request(&request);
        first.headers_mut().remove(header::AUTHORIZATION);
        let response = self.inner.send(first).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            self.cache.mark_open(origin);
            return Ok(response);
        }
        let Some(fresh) = pick_challenge(response.headers()) else {
            return Ok(response);
        };
        self.resend_with_fresh(origin, &request, fresh).await
    }

    async fn resend_with_fresh(
        &self,
        origin: &str,
        request: &Request<Bytes>,
        fresh: Prompt,
    ) -> Result<Response<Bytes>, Error> {
        let fresh = Arc::new(CachedChallenge::new(fresh));
        self.cache.install(origin, fresh.clone());
        let Some(authorized) = self.authorize(request, &fresh)? else {
            return Err(Error::new(
                ErrorKind::Auth,
                "digest nonce count exhausted",
                false,
            ));
        };
        let response = self.inner.send(authorized).await?;
        if response.status() == StatusCode::UNAUTHORIZED {
            // Never loop: credentials answered to a challenge we just received were refused.
            // The server refused the request before acting on it, so its outcome is known:
            // nothing happened. A create with a wrong key must not read as "may have been
            // applied".
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
        Ok(response)
    }
}

#[async_trait]
impl<T: Transport> Transport for DigestAuth<T> {
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
        let origin = origin_of(&request)?;
        loop {
            match self.cache.lookup(&origin) {
                Lookup::Cached(challenge) => {
                    return self.send_authorized(&origin, request, challenge).await;
                }
                Lookup::Open => return self.send_unauthorized(&origin, request).await,
                Lookup::Prime(guard) => {
                    let result = self.send_unauthorized(&origin, request).await;
                    drop(guard);
                    return result;
                }
                Lookup::Wait(mut rx) => {
                    // Resolves when the priming request finishes, however it finishes.
                    let _ = rx.changed().await;
                }
            }
        }
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

    #[test]
    fn cnonce_is_32_hex_digits() {
        let c = cnonce().unwrap();
        assert_eq!(c.len(), 32);
        assert!(c.chars().all(|ch| ch.is_ascii_hexdigit()));
        assert_ne!(c, cnonce().unwrap());
    }
}
