//! `Emulator::builder()`: every knob (listen address, seed, state file, latency, faults,
//! TLS, token TTL, rate limits, bulk keys) and `start()`, which binds, loads or seeds the
//! state and spawns the server.
//!
//! This module must NOT print anything; the binary prints the startup line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use atlas_keys_model::Flavour;
use tokio::sync::watch;

use crate::app::App;
use crate::auth::digest::{DigestAlgorithm, DigestConfig, DigestVerifier};
use crate::faults::FaultSpec;
use crate::handle::EmulatorHandle;
use crate::ids::FastRng;
use crate::rate_limit::{RateLimitConfig, RateLimiter};
use crate::seed::{self, Seed, SeedError};
use crate::state::{Store, persist};
use crate::stats::Counters;

/// The entry point: `Emulator::builder()…start().await`.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// A builder with test-friendly defaults: `127.0.0.1:0`, in-memory state, no
    /// latency, no faults, plain HTTP, 3600 s tokens, the documented rate limits.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

/// Configures and starts an emulator.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    listen: SocketAddr,
    seed: Seed,
    state_file: Option<PathBuf>,
    latency: Duration,
    faults: FaultSpec,
    tls: bool,
    token_ttl: Duration,
    rate_limit: RateLimitConfig,
    bulk_project_keys: Option<u64>,
    digest: DigestConfig,
    public_flavour: Flavour,
    max_body_bytes: usize,
    body_read_timeout: Duration,
    rate_limit_headers: bool,
    max_live_tokens: usize,
    max_connections: usize,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        EmulatorBuilder {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: Seed::default(),
            state_file: None,
            latency: Duration::ZERO,
            faults: FaultSpec::none(),
            tls: false,
            token_ttl: Duration::from_secs(3600),
            rate_limit: RateLimitConfig::default(),
            bulk_project_keys: None,
            digest: DigestConfig::default(),
            public_flavour: Flavour::CloudManager,
            max_body_bytes: 64 * 1024,
            // The same bound hyper puts on reading the request head.
            body_read_timeout: Duration::from_secs(30),
            rate_limit_headers: true,
            max_live_tokens: 100,
            max_connections: 1024,
        }
    }
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Binding the listen address failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The seed is inconsistent.
    #[error(transparent)]
    Seed(#[from] SeedError),
    /// The state file could not be read or written.
    #[error("state file {path}: {source}")]
    State {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// TLS setup failed.
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
}

impl EmulatorBuilder {
    /// The address to bind (`127.0.0.1:0` picks a free port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// The initial orgs, projects, keys and service accounts (ignored when a state file
    /// already holds data).
    pub fn seed(mut self, seed: Seed) -> Self {
        self.seed = seed;
        self
    }

    /// Makes every acknowledged write durable in `path`, and reloads it on start.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Delays every response (except `/__emulator/*`).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Injects faults (see the crate docs for the syntax).
    pub fn faults(mut self, faults: FaultSpec) -> Self {
        self.faults = faults;
        self
    }

    /// Serves HTTPS with a fresh self-signed CA (see `EmulatorHandle::ca_pem`).
    pub fn tls(mut self, on: bool) -> Self {
        self.tls = on;
        self
    }

    /// Lifetime of issued OAuth access tokens.
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// Token-bucket limits, or `RateLimitConfig::Off`.
    pub fn rate_limit(mut self, config: RateLimitConfig) -> Self {
        self.rate_limit = config;
        self
    }

    /// Creates `n` extra keys in the default project at start (overrides the seed's
    /// `bulkProjectKeys`; only for a fresh state).
    pub fn bulk_project_keys(mut self, n: u64) -> Self {
        self.bulk_project_keys = Some(n);
        self
    }

    /// How long a digest nonce stays fresh (default 300 s; Ops Manager uses 60 s); a
    /// request on an older nonce gets a 401 with `stale=true`.
    pub fn nonce_ttl(mut self, ttl: Duration) -> Self {
        self.digest.nonce_ttl = ttl;
        self
    }

    /// The same as [`Self::nonce_ttl`] (the older name).
    pub fn nonce_lifetime(self, lifetime: Duration) -> Self {
        self.nonce_ttl(lifetime)
    }

    /// The digest algorithms challenges offer, in order (default: MD5 only, as the
    /// service). An empty list means the default. Only offered algorithms are accepted.
    pub fn digest_algorithms(mut self, algorithms: &[DigestAlgorithm]) -> Self {
        self.digest.algorithms = if algorithms.is_empty() {
            vec![DigestAlgorithm::Md5]
        } else {
            algorithms.to_vec()
        };
        self
    }

    /// Strict nonce counting, like Apache's `AuthDigestNcCheck On` (default off): each
    /// request on a nonce must carry exactly the previous `nc` plus one, else it gets a
    /// new challenge.
    pub fn strict_nonce_count(mut self, on: bool) -> Self {
        self.digest.strict_nonce_count = on;
        self
    }

    /// Whether responses carry `RateLimit-Limit` and `RateLimit-Remaining` (default on).
    /// The service may leave them out; turning them off tests a client that copes.
    pub fn rate_limit_headers(mut self, on: bool) -> Self {
        self.rate_limit_headers = on;
        self
    }

    /// How many live access tokens one service account may hold (default 100, as the
    /// service); the next token request gets 403 `access_denied`.
    pub fn max_live_tokens(mut self, n: usize) -> Self {
        self.max_live_tokens = n;
        self
    }

    /// How many connections are served at once (default 1024, at least 1). Beyond it the
    /// server stops accepting until one closes: new clients wait in the listen backlog,
    /// so no client can exhaust the process's file descriptors.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// The flavour served under `/api/public/v1.0` (Cloud Manager by default).
    pub fn public_flavour(mut self, flavour: Flavour) -> Self {
        self.public_flavour = flavour;
        self
    }

    /// The largest request body accepted (default 64 KiB); larger ones get 413.
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// How long a request body may take to arrive (default 30 s). A client that announces a
    /// body and never sends it gets 408 `REQUEST_TIMEOUT` instead of holding the connection.
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout;
        self
    }

    /// Binds, builds or loads the state, and starts serving in the background.
    pub async fn start(self) -> Result<EmulatorHandle, StartError> {
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .map_err(|source| StartError::Bind {
                addr: self.listen,
                source,
            })?;
        let local_addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: self.listen,
            source,
        })?;

        let store = match &self.state_file {
            None => Store::in_memory(self.seed.build(self.bulk_project_keys)?),
            Some(path) => {
                let state_err = |source| StartError::State {
                    path: path.clone(),
                    source,
                };
                // One writer per file: the lock comes first, before anything is read.
                let lock = persist::lock(path).map_err(state_err)?;
                let mut state = match persist::load(&lock).map_err(state_err)? {
                    Some(mut st) => {
                        seed::ensure_defaults(&mut st);
                        st
                    }
                    None => self.seed.build(self.bulk_project_keys)?,
                };
                seed::ensure_defaults(&mut state);
                let log = persist::create(lock, &state).map_err(state_err)?;
                Store::durable(state, log)
            }
        };
        let defaults = seed::defaults(&store.read()).ok_or_else(|| {
            StartError::Seed(SeedError::from_message(
                "the state has no default org, project, key or service account",
            ))
        })?;

        let (tls, ca_pem) = if self.tls {
            let (acceptor, pem) = crate::tls::self_signed()?;
            (Some(acceptor), Some(pem))
        } else {
            (None, None)
        };
        let scheme = if self.tls { "https" } else { "http" };
        let base_url = format!("{scheme}://{local_addr}");
        let rng = match self.faults.seed() {
            Some(s) => FastRng::new(s),
            None => FastRng::from_os(),
        };
        let app = Arc::new(App {
            store,
            digest: DigestVerifier::new(self.digest),
            limiter: RateLimiter::new(self.rate_limit),
            stats: Counters::default(),
            faults: self.faults,
            rng,
            latency: self.latency,
            token_ttl: self.token_ttl,
            base_url,
            public_flavour: self.public_flavour,
            body_limit: self.max_body_bytes,
            body_read_timeout: self.body_read_timeout,
            rate_limit_headers: self.rate_limit_headers,
            max_live_tokens: self.max_live_tokens,
            max_connections: self.max_connections,
        });
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(crate::server::serve(listener, app.clone(), tls, rx));
        tracing::info!(base_url = %app.base_url, org_id = %defaults.org_id, public_key = %defaults.public_key, "emulator listening");
        Ok(EmulatorHandle {
            app,
            local_addr,
            defaults,
            ca_pem,
            shutdown: tx,
            task: Some(task),
        })
    }
}
