//! The real network backends and the settings they share.
//!
//! What it is for: turning a [`Transport`](crate::Transport) call into bytes on a pooled HTTP/1.1
//! connection over plain TCP or rustls. What it must NOT do: authenticate, retry, or know any
//! Atlas path; those are the wrappers' jobs.

use std::time::Duration;

use http::HeaderValue;
use rustls_pki_types::CertificateDer;

use crate::Error;

#[cfg(feature = "hyper")]
pub(crate) mod hyper;
#[cfg(feature = "reqwest")]
pub(crate) mod reqwest;

/// The User-Agent sent when the caller sets none.
pub(crate) const DEFAULT_USER_AGENT: &str =
    concat!("atlas-keys-transport/", env!("CARGO_PKG_VERSION"));

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
    pub(crate) deferred_error: Option<String>,
}

impl Default for BackendConfig {
    fn default() -> Self {
        BackendConfig {
            user_agent: HeaderValue::from_static(DEFAULT_USER_AGENT),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            pool_max_idle_per_host: 32,
            pool_idle_timeout: Duration::from_secs(90),
            extra_roots: Vec::new(),
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
            .finish_non_exhaustive()
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        match &self.deferred_error {
            Some(message) => Err(Error::builder(message.clone())),
            None => Ok(()),
        }
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

        /// Bounds one whole exchange, from sending to the last body byte (default 60 s).
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.config.timeout = timeout;
            self
        }

        /// Trusts the certificates in a PEM bundle in addition to the webpki roots, e.g. for a
        /// local Ops Manager or test server with its own CA. A bad PEM is reported by `build()`.
        pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Self {
            self.config.add_root_certificate_pem(pem);
            self
        }

        /// How many idle keep-alive connections to keep per host (default 32).
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

/// Whether the chain of `error` holds a rustls error, looking inside `io::Error`s too (whose
/// `source()` skips the wrapped error itself).
pub(crate) fn chain_has_tls_error(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if e.is::<rustls::Error>() {
            return true;
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && (inner.is::<rustls::Error>() || chain_has_tls_error(inner))
        {
            return true;
        }
        current = e.source();
    }
    false
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
