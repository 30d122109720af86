//! [`ServiceAccountAuth`]: OAuth 2.0 client credentials (Atlas service accounts) as a wrapper
//! [`Transport`]: fetches, caches, refreshes (single flight) and revokes bearer tokens.
//!
//! What it is for: `POST {base}/api/oauth/token` with HTTP Basic `client_id:client_secret` and
//! `grant_type=client_credentials`, then `Authorization: Bearer` on every request; one refresh
//! however many requests find the token expired; one refresh-and-retry on a 401.
//!
//! What it must NOT do: hold a `std` lock across `.await`, retry a 401 more than once, let the
//! client secret or a token reach `Debug`, an error or a log, send either over plain `http://`
//! to a non-loopback host without `allow_insecure_http`, or use (or cache) a token answer it has
//! not checked: the token must be a header-safe value of sane length, its lifetime is clamped
//! to the service's 3600 s, and a stored token that fails the same checks is discarded.
//!
//! Why not the `oauth2` crate: for this flow it adds nothing over a 30-line form POST, and it
//! gets in the way: its `RequestTokenError::ServerResponse` drops the HTTP status (we must tell
//! the endpoint's own 429 `rate_limited` from a 400 `invalid_client`), its Basic auth
//! URL-encodes the credentials (RFC 6749 §2.3.1) whereas Atlas documents plain
//! `base64(CLIENT_ID:CLIENT_SECRET)`, its token types are not `SecretString`, and it would add
//! chrono, rand 0.8 and serde_path_to_error to the tree.

pub(crate) mod token_store;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, Uri, header};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use self::token_store::{CachedToken, MemoryTokenStore, TokenStore, token_store_key};
use crate::bearer::bearer_value;
use crate::deadline::CallDeadline;
use crate::error::redact_uri;
use crate::sanitize::{escape_untrusted, escape_untrusted_max};
use crate::secure::{PlainHttpGate, check_secure};
use crate::{Error, ErrorKind, OAuthError, Transport, clone_request};

/// The public Atlas base URL, used when none is configured.
const DEFAULT_BASE_URL: &str = "https://cloud.mongodb.com";

/// A token in use, with the generation that tells refreshes apart.
struct Held {
    token: CachedToken,
    /// When we start refreshing: expiry minus the margin.
    refresh_at: SystemTime,
    generation: u64,
}

/// The service's token lifetime (Atlas issues one-hour tokens): a longer `expires_in` is
/// clamped to it, and a stored token said to live longer is trusted only this long.
pub(crate) const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// The longest access token accepted (Atlas's are JWTs of about 1 KiB). A longer one is a
/// poisoned answer: it would be sent on every request and stored on disk.
pub(crate) const MAX_TOKEN_LEN: usize = 8 * 1024;

struct State<T> {
    inner: T,
    client_id: String,
    client_secret: SecretString,
    /// [`token_store_key`] of the client id and secret.
    store_key: String,
    allow_insecure_http: bool,
    /// `allow_insecure_http` for the API requests, remembering the approved loopback host.
    plain_http: PlainHttpGate,
    token_url: Uri,
    revoke_url: Uri,
    margin: Option<Duration>,
    store: Arc<dyn TokenStore>,
    current: Mutex<Option<Arc<Held>>>,
    /// Single flight: only the holder fetches a token. A tokio mutex, since it is held across
    /// the token request; the `std` mutex above is never held across `.await`.
    refresh: tokio::sync::Mutex<()>,
    generation: AtomicU64,
}

/// A [`Transport`] that authorizes requests with an OAuth 2.0 service-account token.
///
/// Clones share the token.
///
/// ```
/// use atlas_keys_transport::{SecretString, ServiceAccountAuth, Transport};
/// # fn wrap(inner: impl Transport) -> Result<impl Transport, atlas_keys_transport::Error> {
/// let auth = ServiceAccountAuth::builder(inner, "mdb_sa_id_...", SecretString::from("mdb_sa_sk_..."))
///     .base_url("https://cloud.mongodb.com")
///     .build()?;
/// # Ok(auth) }
/// ```
pub struct ServiceAccountAuth<T> {
    state: Arc<State<T>>,
}

impl<T> Clone for ServiceAccountAuth<T> {
    fn clone(&self) -> Self {
        ServiceAccountAuth {
            state: self.state.clone(),
        }
    }
}

impl<T> fmt::Debug for ServiceAccountAuth<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountAuth")
            .field("client_id", &self.state.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("token_url", &redact_uri(&self.state.token_url))
            .field("store", &self.state.store)
            .finish_non_exhaustive()
    }
}

/// Builder of [`ServiceAccountAuth`].
pub struct ServiceAccountAuthBuilder<T> {
    inner: T,
    client_id: String,
    client_secret: SecretString,
    base_url: String,
    token_url: Option<String>,
    revoke_url: Option<String>,
    margin: Option<Duration>,
    store: Option<Arc<dyn TokenStore>>,
    allow_insecure_http: bool,
}

impl<T> fmt::Debug for ServiceAccountAuthBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountAuthBuilder")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> ServiceAccountAuthBuilder<T> {
    /// The service's base URL (default `https://cloud.mongodb.com`); the token endpoint is
    /// `{base}/api/oauth/token` and the revoke endpoint `{base}/api/oauth/revoke`.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Overrides the token endpoint's full URL.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// Overrides the revoke endpoint's full URL.
    pub fn revoke_url(mut self, url: impl Into<String>) -> Self {
        self.revoke_url = Some(url.into());
        self
    }

    /// Refresh this long before the token expires. Default: 10% of the token's lifetime, at
    /// most 60 s.
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = Some(margin);
        self
    }

    /// Where tokens are kept across instances or processes (default: a fresh [`MemoryTokenStore`]).
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Whether the client secret (to the token endpoint) and the bearer token (with every
    /// request) may be sent over plain `http://` to a host that is not loopback (default false:
    /// such a call fails with an [`ErrorKind::InsecureHttp`] error before any I/O). Loopback
    /// (`localhost`, 127.0.0.0/8, `::1`) is always allowed.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Builds the wrapper. Fails on an unparsable URL.
    pub fn build(self) -> Result<ServiceAccountAuth<T>, Error> {
        let base = self.base_url.trim_end_matches('/');
        let parse = |url: String| -> Result<Uri, Error> {
            let uri: Uri = url
                .parse()
                .map_err(|_| Error::builder("OAuth endpoint is not a valid absolute URL"))?;
            if uri.scheme().is_none() || uri.host().is_none() {
                return Err(Error::builder("OAuth endpoint is not a valid absolute URL"));
            }
            Ok(uri)
        };
        let token_url = parse(
            self.token_url
                .unwrap_or_else(|| format!("{base}/api/oauth/token")),
        )?;
        let revoke_url = parse(
            self.revoke_url
                .unwrap_or_else(|| format!("{base}/api/oauth/revoke")),
        )?;
        Ok(ServiceAccountAuth {
            state: Arc::new(State {
                inner: self.inner,
                store_key: token_store_key(&self.client_id, &self.client_secret),
                allow_insecure_http: self.allow_insecure_http,
                plain_http: PlainHttpGate::new(self.allow_insecure_http),
                client_id: self.client_id,
                client_secret: self.client_secret,
                token_url,
                revoke_url,
                margin: self.margin,
                store: self
                    .store
                    .unwrap_or_else(|| Arc::new(MemoryTokenStore::new())),
                current: Mutex::new(None),
                refresh: tokio::sync::Mutex::new(()),
                generation: AtomicU64::new(0),
            }),
        })
    }
}

/// The token endpoint's success body. `access_token` is moved into a `SecretString` at once.
/// `expires_in` is read as any JSON number so that a negative or fractional one gets a clear
/// error of its own rather than a generic "unreadable".
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<serde_json::Number>,
    token_type: Option<String>,
}

/// Whether `token` can be sent as `Authorization: Bearer <token>` and is of sane length:
/// 1 to [`MAX_TOKEN_LEN`] visible ASCII characters (RFC 6750's `b64token` is a subset).
pub(crate) fn token_is_usable(token: &str) -> bool {
    (1..=MAX_TOKEN_LEN).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_graphic())
}

/// The lifetime to use for an `expires_in`: absent means the service's hour; more than an hour
/// (up to any size, `1e300` included) is clamped to it; below one second, zero or negative is
/// refused (a token that expires at once would be fetched again on every call).
fn lifetime_of(expires_in: Option<&serde_json::Number>) -> Result<Duration, &'static str> {
    let Some(n) = expires_in else {
        return Ok(MAX_TOKEN_LIFETIME);
    };
    // Every JSON number has an f64 value (serde_json without arbitrary precision).
    let secs = n.as_f64().unwrap_or(-1.0);
    if secs < 0.0 {
        Err("expires_in is negative")
    } else if secs < 1.0 {
        Err("expires_in is less than one second")
    } else {
        Ok(Duration::from_secs_f64(
            secs.min(MAX_TOKEN_LIFETIME.as_secs_f64()),
        ))
    }
}

/// An OAuth error body (RFC 6749 §5.2).
#[derive(Deserialize)]
struct ErrorResponse {
    error: String,
    error_description: Option<String>,
}

impl<T: Transport> ServiceAccountAuth<T> {
    /// A builder for `client_id` and `client_secret` over `inner`.
    pub fn builder(
        inner: T,
        client_id: impl Into<String>,
        client_secret: SecretString,
    ) -> ServiceAccountAuthBuilder<T> {
        ServiceAccountAuthBuilder {
            inner,
            client_id: client_id.into(),
            client_secret,
            base_url: DEFAULT_BASE_URL.to_owned(),
            token_url: None,
            revoke_url: None,
            margin: None,
            store: None,
            allow_insecure_http: false,
        }
    }

    /// The wrapped transport.
    pub fn inner(&self) -> &T {
        &self.state.inner
    }

    /// A currently valid access token, fetching one if needed.
    pub async fn access_token(&self) -> Result<SecretString, Error> {
        Ok(self
            .state
            .token(None, None)
            .await?
            .token
            .access_token
            .clone())
    }

    /// Revokes the current token (`POST {base}/api/oauth/revoke`) and forgets it, here and in
    /// the token store. Does nothing if no token is held.
    pub async fn revoke(&self) -> Result<(), Error> {
        let state = &self.state;
        let held = {
            let mut current = state.lock_current();
            current.take()
        };
        let token = match held {
            Some(held) => Some(held.token.clone()),
            None => state.store.load(&state.store_key).await,
        };
        state.store.remove(&state.store_key).await;
        let Some(token) = token else { return Ok(()) };
        let body = format!(
            "token={}&token_type_hint=access_token",
            percent_encoding::utf8_percent_encode(
                token.access_token.expose_secret(),
                percent_encoding::NON_ALPHANUMERIC
            )
        );
        let response = state.post_form(&state.revoke_url, body, None).await?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(state.endpoint_error("token revocation", &state.revoke_url, &response))
        }
    }
}

impl<T: Transport> State<T> {
    fn lock_current(&self) -> std::sync::MutexGuard<'_, Option<Arc<Held>>> {
        // Updates are single assignments: a poisoned value is still consistent.
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn margin_for(&self, lifetime: Duration) -> Duration {
        self.margin
            .unwrap_or_else(|| (lifetime / 10).min(Duration::from_secs(60)))
    }

    fn usable(&self, now: SystemTime) -> Option<Arc<Held>> {
        let current = self.lock_current();
        current.as_ref().filter(|h| now < h.refresh_at).cloned()
    }

    fn hold(&self, mut token: CachedToken, now: SystemTime) -> Arc<Held> {
        // A stored token may claim any expiry: none is trusted beyond the service's hour.
        if let Some(latest) = now.checked_add(MAX_TOKEN_LIFETIME)
            && token.expires_at > latest
        {
            token.expires_at = latest;
        }
        let lifetime = token.expires_at.duration_since(now).unwrap_or_default();
        // checked: a nonsensical expiry must not panic.
        let refresh_at = token
            .expires_at
            .checked_sub(self.margin_for(lifetime).min(lifetime))
            .unwrap_or(token.expires_at);
        let held = Arc::new(Held {
            token,
            refresh_at,
            // Wrapping: 2^64 refreshes will not happen, and this must not panic if they did.
            generation: self
                .generation
                .fetch_add(1, Ordering::Relaxed)
                .wrapping_add(1),
        });
        *self.lock_current() = Some(held.clone());
        held
    }

    /// A usable token. `refused` is the generation a server just refused with a 401: a token of
    /// that generation (or the same token from the store) is not used again.
    async fn token(
        &self,
        refused: Option<u64>,
        deadline: Option<CallDeadline>,
    ) -> Result<Arc<Held>, Error> {
        if refused.is_none()
            && let Some(held) = self.usable(SystemTime::now())
        {
            return Ok(held);
        }
        let _flight = self.refresh.lock().await;
        let now = SystemTime::now();
        // Someone else may have refreshed while we waited for the lock.
        let refused_token = {
            let current = self.lock_current();
            if let Some(held) = current.as_ref()
                && now < held.refresh_at
                && Some(held.generation) != refused
            {
                return Ok(held.clone());
            }
            current
                .as_ref()
                .filter(|h| Some(h.generation) == refused)
                .map(|h| h.token.access_token.clone())
        };
        // Another process may have refreshed: try the store before the rate-limited endpoint.
        if let Some(stored) = self.store.load(&self.store_key).await {
            let same_as_refused = refused_token
                .as_ref()
                .is_some_and(|r| r.expose_secret() == stored.access_token.expose_secret());
            let lifetime = stored
                .expires_at
                .duration_since(now)
                .unwrap_or_default()
                .min(MAX_TOKEN_LIFETIME);
            if !token_is_usable(stored.access_token.expose_secret()) {
                // A damaged or tampered store must cost one token request, not every call.
                tracing::debug!("discarding an unusable token from the token store");
                self.store.remove(&self.store_key).await;
            } else if !same_as_refused && lifetime > self.margin_for(lifetime) {
                tracing::debug!("using a service-account token from the token store");
                return Ok(self.hold(stored, now));
            }
        }
        let fresh = self.fetch_token(deadline).await?;
        self.store.save(&self.store_key, &fresh).await;
        Ok(self.hold(fresh, SystemTime::now()))
    }

    fn basic_auth(&self) -> Result<HeaderValue, Error> {
        let credentials = format!("{}:{}", self.client_id, self.client_secret.expose_secret());
        let encoded = base64::engine::general_purpose::STANDARD.encode(credentials.as_bytes());
        let mut value = HeaderValue::from_str(&format!("Basic {encoded}")).map_err(|_| {
            Error::new(
                ErrorKind::Auth,
                "client id is not a valid header value",
                false,
            )
        })?;
        value.set_sensitive(true);
        Ok(value)
    }

    async fn post_form(
        &self,
        url: &Uri,
        body: String,
        deadline: Option<CallDeadline>,
    ) -> Result<Response<Bytes>, Error> {
        check_secure(url, self.allow_insecure_http, "client secret")?;
        let mut request = Request::new(Bytes::from(body));
        // The token request is part of the caller's call: it shares its deadline.
        if let Some(deadline) = deadline {
            request.extensions_mut().insert(deadline);
        }
        *request.method_mut() = Method::POST;
        *request.uri_mut() = url.clone();
        let headers = request.headers_mut();
        headers.insert(header::AUTHORIZATION, self.basic_auth()?);
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        self.inner.send(request).await.map_err(|e| {
            // The caller's own request was not sent: say so, whatever happened to this one. The
            // detail stays in `source()`, so `Display` remains one short line.
            Error::new(
                e.kind(),
                format!("OAuth endpoint {} unreachable", redact_uri(url)),
                false,
            )
            .with_source(e)
        })
    }

    /// The error for a non-2xx answer of a token or revoke endpoint, with the OAuth error code
    /// and description when the body has them.
    fn endpoint_error(&self, what: &str, url: &Uri, response: &Response<Bytes>) -> Error {
        let status = response.status();
        let message = format!(
            "{what} refused by {} with status {}",
            redact_uri(url),
            status.as_u16()
        );
        let error = Error::new(ErrorKind::Auth, message, false);
        match serde_json::from_slice::<ErrorResponse>(response.body()) {
            // Server text: escaped (controls, bidi overrides) and cut before it goes anywhere.
            Ok(body) => error.with_oauth(OAuthError {
                status: status.as_u16(),
                error: escape_untrusted_max(&body.error, 128).into_owned(),
                description: body
                    .error_description
                    .map(|d| escape_untrusted(&d).into_owned()),
            }),
            Err(_) => error.with_status(status),
        }
    }

    async fn fetch_token(&self, deadline: Option<CallDeadline>) -> Result<CachedToken, Error> {
        tracing::debug!(client_id = %self.client_id, "requesting a service-account token");
        let issued = SystemTime::now();
        let response = self
            .post_form(
                &self.token_url,
                "grant_type=client_credentials".to_owned(),
                deadline,
            )
            .await?;
        if response.status() != StatusCode::OK {
            return Err(self.endpoint_error("token request", &self.token_url, &response));
        }
        let body: TokenResponse = serde_json::from_slice(response.body()).map_err(|e| {
            // serde_json's message names a position and a type, never the input text.
            Error::new(
                ErrorKind::Decode,
                "token endpoint answered an unreadable body",
                false,
            )
            .with_source(e)
        })?;
        // Checked before anything keeps it: a poisoned answer is an error, never cached.
        let poisoned = |why: &str| {
            Error::new(
                ErrorKind::Decode,
                format!(
                    "token endpoint {} answered an unusable token: {why}",
                    redact_uri(&self.token_url)
                ),
                false,
            )
        };
        let access_token = SecretString::from(body.access_token);
        if !token_is_usable(access_token.expose_secret()) {
            // The token is not quoted: it may be a real secret with one bad byte.
            return Err(poisoned(&format!(
                "access_token must be 1 to {MAX_TOKEN_LEN} visible ASCII characters"
            )));
        }
        let ttl = lifetime_of(body.expires_in.as_ref()).map_err(poisoned)?;
        let token_type = match body.token_type {
            None => "Bearer".to_owned(),
            Some(t) if t.eq_ignore_ascii_case("bearer") => t,
            Some(_) => return Err(poisoned("token_type is not Bearer")),
        };
        Ok(CachedToken {
            access_token,
            token_type,
            expires_at: issued.checked_add(ttl).unwrap_or(issued),
        })
    }
}

#[async_trait]
impl<T: Transport> Transport for ServiceAccountAuth<T> {
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
        let state = &self.state;
        state.plain_http.check(request.uri(), "bearer token")?;
        let deadline = CallDeadline::of(&request);
        let held = state.token(None, deadline).await?;
        let mut first = clone_request(&request);
        first.headers_mut().insert(
            header::AUTHORIZATION,
            bearer_value(&held.token.access_token)?,
        );
        let response = state.inner.send(first).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        // A token we believed valid was refused (revoked, or the server restarted): refresh once
        // and retry once; a second 401 goes back to the caller as it is.
        tracing::debug!("bearer token refused; refreshing once");
        let fresh = state.token(Some(held.generation), deadline).await?;
        let mut second = request;
        second.headers_mut().insert(
            header::AUTHORIZATION,
            bearer_value(&fresh.token.access_token)?,
        );
        state.inner.send(second).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> serde_json::Number {
        serde_json::from_str(text).expect("a JSON number")
    }

    #[test]
    fn expires_in_is_clamped_to_the_hour_and_nonsense_is_refused() {
        assert_eq!(lifetime_of(None), Ok(MAX_TOKEN_LIFETIME));
        assert_eq!(lifetime_of(Some(&number("1"))), Ok(Duration::from_secs(1)));
        assert_eq!(
            lifetime_of(Some(&number("3599"))),
            Ok(Duration::from_secs(3599))
        );
        for huge in [
            "3601",
            "18446744073709551615",
            "1e300",
            "99999999999999999999999",
        ] {
            assert_eq!(
                lifetime_of(Some(&number(huge))),
                Ok(MAX_TOKEN_LIFETIME),
                "{huge}"
            );
        }
        for bad in ["0", "-1", "-9223372036854775808", "0.5", "-1e300"] {
            assert!(lifetime_of(Some(&number(bad))).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_visible_ascii_tokens_of_sane_length_are_usable() {
        assert!(token_is_usable("eyJhbGciOi.JIUzI1NiJ9-_~+/="));
        assert!(token_is_usable(&"a".repeat(MAX_TOKEN_LEN)));
        for bad in [
            "",
            "a b",
            "a\tb",
            "a\u{1b}]0;x\u{7}",
            "tök",
            "a\r\nX-Evil: 1",
        ] {
            assert!(!token_is_usable(bad), "{bad:?}");
        }
        assert!(!token_is_usable(&"a".repeat(MAX_TOKEN_LEN + 1)));
    }
}
