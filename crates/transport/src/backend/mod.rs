//! The real network backends and the settings they share.
//!
//! What it is for: turning a [`Transport`](crate::Transport) call into bytes on a pooled HTTP/1.1
//! connection over plain TCP or rustls. What it must NOT do: authenticate, retry, or know any
//! Atlas path; those are the wrappers' jobs.

use std::time::Duration;

use bytes::Bytes;
use http::HeaderValue;
use rustls_pki_types::CertificateDer;

use crate::Error;

#[cfg(feature = "hyper")]
pub(crate) mod hyper;
pub(crate) mod proxy;
#[cfg(feature = "reqwest")]
pub(crate) mod reqwest;

/// The User-Agent sent when the caller sets none.
pub(crate) const DEFAULT_USER_AGENT: &str =
    concat!("atlas-keys-transport/", env!("CARGO_PKG_VERSION"));

/// The default cap on one response body: 16 MiB.
///
/// Why 16 MiB: the largest answer the service sends is a 500-item page, about 250 KB for API
/// keys with their roles and access lists; 16 MiB is 64 times that, so no real answer comes near
/// it, while a hostile or broken server that streams without end costs at most 16 MiB (plus one
/// read buffer) before the call fails. Raise it with `max_response_body` for other services.
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 16 * 1024 * 1024;

/// The cap on the bytes hyper buffers for a response's status line and headers (hyper's own
/// default is about 400 KiB). Real answers carry a few KiB of headers; this bounds a server that
/// sends headers without end (hyper fails the exchange past it).
#[cfg(feature = "hyper")]
pub(crate) const MAX_HEADER_BUFFER: usize = 64 * 1024;

/// The most response header fields accepted (hyper's default is 100); more fail the exchange.
/// The hyper backend leaves hyper's default, which is the same number.
#[cfg(feature = "reqwest")]
pub(crate) const MAX_HEADERS: usize = 100;

/// Settings common to both backends' builders. Builder errors (a bad PEM, a bad User-Agent) are
/// kept and reported by `build()`, so the builder methods stay chainable.
#[derive(Debug, Clone)]
pub(crate) struct BackendConfig {
    pub(crate) user_agent: HeaderValue,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) pool_max_idle_per_host: usize,
    pub(crate) pool_idle_timeout: Duration,
    pub(crate) extra_roots: Vec<CertificateDer<'static>>,
    pub(crate) ca_files: Vec<std::path::PathBuf>,
    pub(crate) system_roots: bool,
    /// `None`: read the environment at `build()` ([`proxy::Proxy::from_env`]).
    pub(crate) proxy: Option<proxy::Proxy>,
    pub(crate) max_response_body: usize,
    pub(crate) deferred_error: Option<String>,
}

impl Default for BackendConfig {
    fn default() -> Self {
        BackendConfig {
            user_agent: HeaderValue::from_static(DEFAULT_USER_AGENT),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            // As many idle connections as DigestAuth keeps nonce lanes (64): with fewer, a burst
            // at full lane width keeps opening connections that a server like Apache then
            // closes under load (measured: 200-250 opens per 1,000 GETs at 32, 64-105 at 64).
            pool_max_idle_per_host: 64,
            pool_idle_timeout: Duration::from_secs(90),
            extra_roots: Vec::new(),
            ca_files: Vec::new(),
            system_roots: true,
            proxy: None,
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            deferred_error: None,
        }
    }
}

impl BackendConfig {
    pub(crate) fn set_user_agent(&mut self, user_agent: &str) {
        match HeaderValue::from_str(user_agent) {
            Ok(v) => self.user_agent = v,
            Err(_) => self.defer("User-Agent is not a valid header value"),
        }
    }

    pub(crate) fn add_root_certificate_pem(&mut self, pem: &[u8]) {
        match crate::tls::parse_pem_certificates(pem) {
            Ok(certs) => self.extra_roots.extend(certs),
            Err(e) => self.defer(&e.to_string()),
        }
    }

    fn defer(&mut self, message: &str) {
        if self.deferred_error.is_none() {
            self.deferred_error = Some(message.to_owned());
        }
    }

    /// The `Debug` of a backend: its settings, and how many extra roots rather than their bytes.
    pub(crate) fn debug_as(&self, name: &str, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct(name)
            .field("user_agent", &self.user_agent)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("pool_max_idle_per_host", &self.pool_max_idle_per_host)
            .field("extra_roots", &self.extra_roots.len())
            .field("ca_files", &self.ca_files)
            .field("system_roots", &self.system_roots)
            .field("proxy", &self.proxy)
            .field("max_response_body", &self.max_response_body)
            .finish_non_exhaustive()
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        match &self.deferred_error {
            Some(message) => Err(Error::builder(message.clone())),
            None => Ok(()),
        }
    }

    /// What `build()` needs from the settings: the TLS configuration (roots from every source)
    /// and the checked proxy (from the environment unless one was given).
    pub(crate) fn prepare(
        &self,
        set_alpn: bool,
    ) -> Result<(rustls::ClientConfig, Option<proxy::Resolved>), Error> {
        self.check()?;
        let mut roots = self.extra_roots.clone();
        for path in &self.ca_files {
            roots.extend(crate::tls::read_ca_file(path)?);
        }
        let tls = crate::tls::client_config(&roots, self.system_roots, set_alpn)?;
        let proxy = match &self.proxy {
            Some(proxy) => proxy.resolve()?,
            None => proxy::Proxy::from_env().resolve()?,
        };
        Ok((tls, proxy))
    }
}

/// Generates the builder methods shared by both backends, so that their builders cannot drift.
macro_rules! backend_builder_methods {
    () => {
        /// Sets the `User-Agent` sent with every request that has none of its own
        /// (default `atlas-keys-transport/<version>`).
        pub fn user_agent(mut self, user_agent: impl AsRef<str>) -> Self {
            self.config.set_user_agent(user_agent.as_ref());
            self
        }

        /// Bounds TCP connection establishment (default 10 s).
        pub fn connect_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.config.connect_timeout = timeout;
            self
        }

        /// Caps each response body at `bytes` (default
        /// [`DEFAULT_MAX_RESPONSE_BODY`](crate::DEFAULT_MAX_RESPONSE_BODY), 16 MiB). A larger
        /// body, or a `Content-Length` above the cap, fails the call with an
        /// [`ErrorKind::BodyTooLarge`](crate::ErrorKind::BodyTooLarge) error naming the cap,
        /// having read no more than the cap plus one read buffer.
        pub fn max_response_body(mut self, bytes: usize) -> Self {
            self.config.max_response_body = bytes;
            self
        }

        /// Bounds one attempt, from sending to the last body byte (default 60 s). A
        /// [`Deadline`](crate::Deadline) around the stack bounds the whole call; each attempt
        /// then gets the smaller of this and the time left.
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.config.timeout = timeout;
            self
        }

        /// Trusts the certificates in a PEM bundle in addition to the bundled and system roots,
        /// e.g. for a local Ops Manager or test server with its own CA. A bad PEM is reported by
        /// `build()`.
        pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Self {
            self.config.add_root_certificate_pem(pem);
            self
        }

        /// Trusts the certificates of a PEM file (one or more CA certificates) in addition to the
        /// bundled and system roots: for an Ops Manager behind a private CA. The file is read by
        /// `build()`, whose error names it if it cannot be read or holds no certificate.
        pub fn ca_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
            self.config.ca_files.push(path.into());
            self
        }

        /// Whether to trust the system's root certificates (default true) besides the bundled
        /// webpki roots. The system store is read by `build()`; when `SSL_CERT_FILE` (or
        /// `SSL_CERT_DIR`) is set, that bundle is read instead of it, and an unreadable one is
        /// a `build()` error naming the variable.
        pub fn system_roots(mut self, enabled: bool) -> Self {
            self.config.system_roots = enabled;
            self
        }

        /// Which proxy to use (default: [`Proxy::from_env`](crate::Proxy::from_env), read by
        /// `build()`); [`Proxy::none()`](crate::Proxy::none) goes direct whatever the
        /// environment says. A bad proxy URL is a `build()` error naming its variable.
        pub fn proxy(mut self, proxy: crate::Proxy) -> Self {
            self.config.proxy = Some(proxy);
            self
        }

        /// How many idle keep-alive connections to keep per host (default 64, the number of digest nonce lanes).
        pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
            self.config.pool_max_idle_per_host = max;
            self
        }

        /// How long an idle pooled connection is kept (default 90 s).
        pub fn pool_idle_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.config.pool_idle_timeout = timeout;
            self
        }
    };
}
pub(crate) use backend_builder_methods;

/// `target`, plus the proxy it goes through when one applies ("https://x/ via proxy http://p:3128").
pub(crate) fn with_proxy(
    target: String,
    proxy: Option<&proxy::Resolved>,
    uri: &http::Uri,
) -> String {
    match proxy.and_then(|p| p.describe_for(uri)) {
        Some(via) => format!("{target} via proxy {via}"),
        None => target,
    }
}

/// Why reading a body stopped: the cap, or the body's own error.
pub(crate) enum ReadError<E> {
    /// The body (or its `Content-Length`) is larger than the cap.
    TooLarge,
    /// The body failed (connection reset, timeout, bad chunk).
    Body(E),
}

/// Reads `body` whole, but never more than `limit` bytes: frame by frame, failing as soon as
/// the total passes the limit, so memory stays within the limit plus one frame whatever the
/// server sends. A `Content-Length` above the limit fails before any byte of the body is read.
///
/// Hand-written rather than `http_body_util::Limited`: `Limited` reports the overflow as a boxed
/// `LengthLimitError` mixed with the body's own errors, which we would then have to downcast to
/// tell "too large" from "reset"; the loop is as short as the downcasting.
pub(crate) async fn read_capped<B>(
    headers: &http::HeaderMap,
    mut body: B,
    limit: usize,
) -> Result<Bytes, ReadError<B::Error>>
where
    B: http_body::Body<Data = Bytes> + Unpin,
{
    use http_body_util::BodyExt as _;

    let announced = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return Err(ReadError::TooLarge);
    }
    // Pre-size for an announced length (already known to be within the limit); otherwise grow.
    let mut first: Option<Bytes> = None;
    let mut out: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(ReadError::Body)?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers carry nothing we use
        };
        let total = first.as_ref().map_or(0, Bytes::len) + out.len() + data.len();
        if total > limit {
            return Err(ReadError::TooLarge);
        }
        // The common one-frame body is returned as it came, without a copy.
        match first.take() {
            None if out.is_empty() => first = Some(data),
            None => out.extend_from_slice(&data),
            Some(previous) => {
                let want = announced.map_or(0, |n| n as usize).max(total);
                out.reserve(want.saturating_sub(out.len()));
                out.extend_from_slice(&previous);
                out.extend_from_slice(&data);
            }
        }
    }
    Ok(match first {
        Some(only) => only,
        None => Bytes::from(out),
    })
}

/// The error for a body over the cap.
pub(crate) fn too_large(limit: usize, target: &str) -> Error {
    Error::new(
        crate::ErrorKind::BodyTooLarge,
        format!(
            "the response body from {target} exceeds the limit of {limit} bytes (max_response_body)"
        ),
        true,
    )
}

/// The rustls error in the chain of `error`, looking inside `io::Error`s too (whose `source()`
/// skips the wrapped error itself).
pub(crate) fn chain_tls_error<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
        {
            if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
                return Some(tls);
            }
            if let Some(tls) = chain_tls_error(inner) {
                return Some(tls);
            }
        }
        current = e.source();
    }
    None
}

/// The text of the last error in the chain of `error` (looking inside `io::Error`s).
#[cfg(feature = "reqwest")]
pub(crate) fn innermost_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut last = error;
    loop {
        let next = last.source().or_else(|| {
            last.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .map(|inner| inner as &(dyn std::error::Error + 'static))
        });
        match next {
            Some(next) => last = next,
            None => return last.to_string(),
        }
    }
}

/// Whether the chain of `error` holds a rustls error.
pub(crate) fn chain_has_tls_error(error: &(dyn std::error::Error + 'static)) -> bool {
    chain_tls_error(error).is_some()
}

/// The [`ErrorKind::Certificate`](crate::ErrorKind::Certificate) error for a handshake that
/// failed because we refused the server's certificate, or `None` for any other failure. Its
/// message names the cause, so a user reads "expired" or "unknown issuer" rather than "TLS
/// error"; the rustls error stays reachable as the source.
pub(crate) fn certificate_error(
    error: &(dyn std::error::Error + 'static),
    target: &str,
) -> Option<crate::Error> {
    use crate::CertificateProblem as P;
    use rustls::CertificateError as C;

    let rustls::Error::InvalidCertificate(cause) = chain_tls_error(error)? else {
        return None;
    };
    #[allow(deprecated)] // `UnsupportedSignatureAlgorithm` is still produced by older verifiers
    let (problem, detail) = match cause {
        C::UnknownIssuer => (
            P::UnknownIssuer,
            "is not signed by a trusted root (trust a private CA with --ca-file / ca_file or \
             SSL_CERT_FILE)"
                .to_owned(),
        ),
        C::Expired => (P::Expired, "has expired".to_owned()),
        C::ExpiredContext { time, not_after } => (
            P::Expired,
            format!(
                "expired {} ago",
                human_seconds(time.as_secs().saturating_sub(not_after.as_secs()))
            ),
        ),
        C::NotValidYet => (P::NotYetValid, "is not valid yet".to_owned()),
        C::NotValidYetContext { time, not_before } => (
            P::NotYetValid,
            format!(
                "becomes valid only in {} (check the clock)",
                human_seconds(not_before.as_secs().saturating_sub(time.as_secs()))
            ),
        ),
        C::NotValidForName => (
            P::NameMismatch,
            "is not valid for this host name".to_owned(),
        ),
        C::NotValidForNameContext { presented, .. } => (
            P::NameMismatch,
            // The presented names are the server's text: escaped before they enter a message.
            format!(
                "is not valid for this host name (it is for: {})",
                crate::sanitize::escape_untrusted(&presented.join(", "))
            ),
        ),
        C::Revoked => (P::Revoked, "has been revoked".to_owned()),
        C::BadSignature
        | C::UnsupportedSignatureAlgorithm
        | C::UnsupportedSignatureAlgorithmContext { .. }
        | C::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => (
            P::BadSignature,
            "has a bad or unsupported signature".to_owned(),
        ),
        other => (P::Other, format!("was refused ({other:?})")),
    };
    Some(crate::Error::certificate(
        problem,
        format!("{problem}: the certificate of {target} {detail}"),
    ))
}

/// "3 days", "5 hours", "12 minutes", "40 seconds": the largest whole unit, enough to tell a
/// certificate that expired yesterday from one that expired years ago.
fn human_seconds(seconds: u64) -> String {
    let (n, unit) = match seconds {
        s if s >= 86_400 => (s / 86_400, "day"),
        s if s >= 3_600 => (s / 3_600, "hour"),
        s if s >= 60 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// Whether the chain of `error` holds an `io::Error` of kind `TimedOut`.
#[cfg(feature = "hyper")]
pub(crate) fn chain_has_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return true;
        }
        current = e.source();
    }
    false
}
