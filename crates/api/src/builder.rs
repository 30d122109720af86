//! [`ClientBuilder`]: every setting of a [`Client`], applied in `build()` so that the order
//! of the calls never matters, and the transport stack assembled from them:
//! `pace → auth (digest | service account | bearer) → backend (hyper | reqwest | yours)`, which
//! every call runs under its retry policy and, outermost, its deadline (applied by `Core`), so
//! that one limit covers every attempt, backoff, digest challenge, token request and paced wait
//! of a call.
//! `Client::builder()` is written here too, so that `client.rs` never imports this module.
//!
//! What it must NOT do: I/O (building connects nowhere and fetches no token), accept a
//! base URL that carries credentials or a query, or print a secret in `Debug`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use atlas_keys_model::{ApiVersion, Flavour, OrgId, ProjectId};
use atlas_keys_transport::{
    BearerAuth, DEFAULT_DEADLINE, DigestAuth, RetryPolicy, ServiceAccountAuth, TokenStore,
    Transport,
};
use http::HeaderValue;
use secrecy::SecretString;

use crate::call::Core;
use crate::client::Client;
use crate::config::{Config, UrlBase};
use crate::error::{Error, Result};
#[cfg(any(feature = "hyper", feature = "reqwest"))]
use atlas_keys_transport::DEFAULT_MAX_RESPONSE_BODY;

/// The base URL of Atlas and Cloud Manager.
pub const DEFAULT_BASE_URL: &str = "https://cloud.mongodb.com";

/// The default User-Agent: `atlas-keys/<version>`.
const DEFAULT_USER_AGENT: &str = concat!("atlas-keys/", env!("CARGO_PKG_VERSION"));

/// How the client proves who it is. Secrets are [`SecretString`]s; `Debug` never shows them.
#[derive(Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// A programmatic API key: HTTP Digest with the public key as user name.
    Digest {
        /// The public key (not secret).
        public_key: String,
        /// The private key.
        private_key: SecretString,
    },
    /// A service account: OAuth 2.0 client credentials against `{base_url}/api/oauth/token`.
    ServiceAccount {
        /// The client id (not secret).
        client_id: String,
        /// The client secret.
        client_secret: SecretString,
    },
    /// A bearer token obtained elsewhere.
    BearerToken(SecretString),
}

impl Credentials {
    fn kind(&self) -> &'static str {
        match self {
            Credentials::Digest { .. } => "digest",
            Credentials::ServiceAccount { .. } => "service account",
            Credentials::BearerToken(_) => "bearer token",
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Digest { public_key, .. } => f
                .debug_struct("Digest")
                .field("public_key", public_key)
                .field("private_key", &"[REDACTED]")
                .finish(),
            Credentials::ServiceAccount { client_id, .. } => f
                .debug_struct("ServiceAccount")
                .field("client_id", client_id)
                .field("client_secret", &"[REDACTED]")
                .finish(),
            Credentials::BearerToken(_) => f.write_str("BearerToken([REDACTED])"),
        }
    }
}

/// Which built-in HTTP backend to use when no transport is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// hyper 1 (cargo feature `hyper`, the default).
    Hyper,
    /// reqwest (cargo feature `reqwest`).
    Reqwest,
}

/// Builds a [`Client`]. Every method can be called in any order; `build()` does no I/O.
///
/// ```
/// use std::time::Duration;
/// use atlas_keys::{Client, model::Flavour, transport::{RetryPolicy, SecretString}};
///
/// let client = Client::builder()
///     .base_url("https://opsmanager.example.com:8443")
///     .flavour(Flavour::OpsManager)
///     .digest("abcdefgh", SecretString::from("private-key"))
///     .retry_policy(RetryPolicy::default().max_attempts(3))
///     .timeout(Duration::from_secs(30))
///     .build()?;
/// assert!(!format!("{client:?}").contains("private-key"));
/// # Ok::<(), atlas_keys::Error>(())
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    base_url: Option<String>,
    flavour: Flavour,
    credentials: Option<Credentials>,
    token_store: Option<Arc<dyn TokenStore>>,
    transport: Option<Arc<dyn Transport>>,
    backend: Option<Backend>,
    retry: RetryPolicy,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    root_certificates: Vec<Vec<u8>>,
    ca_files: Vec<std::path::PathBuf>,
    #[cfg(any(feature = "hyper", feature = "reqwest"))]
    proxy: Option<atlas_keys_transport::Proxy>,
    pool_max_idle_per_host: Option<usize>,
    user_agent: Option<String>,
    api_version: Option<ApiVersion>,
    default_org_id: Option<OrgId>,
    default_project_id: Option<ProjectId>,
    deadline: Duration,
    #[cfg(any(feature = "hyper", feature = "reqwest"))]
    max_response_body: usize,
    allow_insecure_http: bool,
    pacing: bool,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ClientBuilder");
        d.field("base_url", &self.base_url)
            .field("flavour", &self.flavour)
            .field("credentials", &self.credentials)
            .field("token_store", &self.token_store.is_some())
            .field("custom_transport", &self.transport.is_some())
            .field("backend", &self.backend)
            .field("retry", &self.retry)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("pool_max_idle_per_host", &self.pool_max_idle_per_host)
            .field("ca_files", &self.ca_files)
            .field("user_agent", &self.user_agent)
            .field("api_version", &self.api_version)
            .field("default_org_id", &self.default_org_id)
            .field("default_project_id", &self.default_project_id)
            .field("deadline", &self.deadline)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("pacing", &self.pacing);
        #[cfg(any(feature = "hyper", feature = "reqwest"))]
        d.field("max_response_body", &self.max_response_body);
        d.finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl Client {
    /// A builder with the defaults: Atlas v2 at `https://cloud.mongodb.com`, the default
    /// backend, default retries, no credentials.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }
}

/// Applies the client's connection options to a backend builder. A macro rather than a
/// function: the two backends' builders are distinct types with the same methods (the
/// transport generates them), and the transport exposes no shared trait for them.
#[cfg(any(feature = "hyper", feature = "reqwest"))]
macro_rules! backend_options {
    ($client:expr, $builder:expr, $user_agent:expr) => {{
        let client = $client;
        let mut b = $builder
            .user_agent($user_agent)
            .max_response_body(client.max_response_body);
        if let Some(t) = client.connect_timeout {
            b = b.connect_timeout(t);
        }
        if let Some(t) = client.timeout {
            b = b.timeout(t);
        }
        for pem in &client.root_certificates {
            b = b.add_root_certificate_pem(pem);
        }
        for path in &client.ca_files {
            b = b.ca_file(path.clone());
        }
        if let Some(proxy) = &client.proxy {
            b = b.proxy(proxy.clone());
        }
        if let Some(max) = client.pool_max_idle_per_host {
            b = b.pool_max_idle_per_host(max);
        }
        b
    }};
}

impl ClientBuilder {
    /// The defaults: Atlas v2 at [`DEFAULT_BASE_URL`], the default backend, the default
    /// [`RetryPolicy`], no credentials.
    pub fn new() -> Self {
        ClientBuilder {
            base_url: None,
            flavour: Flavour::AtlasV2,
            credentials: None,
            token_store: None,
            transport: None,
            backend: None,
            retry: RetryPolicy::default(),
            connect_timeout: None,
            timeout: None,
            root_certificates: Vec::new(),
            ca_files: Vec::new(),
            #[cfg(any(feature = "hyper", feature = "reqwest"))]
            proxy: None,
            pool_max_idle_per_host: None,
            user_agent: None,
            api_version: None,
            default_org_id: None,
            default_project_id: None,
            deadline: DEFAULT_DEADLINE,
            #[cfg(any(feature = "hyper", feature = "reqwest"))]
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            allow_insecure_http: false,
            pacing: true,
        }
    }

    /// Whether to pace requests under the service's documented rate limits (default on):
    /// a client-side token bucket per org/project scope ([`crate::pacing`]), shared by all
    /// calls of the client and corrected by `RateLimit-*` headers, so a long pass waits
    /// instead of drawing 429s. Off for a server without limits (e.g. a local emulator).
    pub fn pacing(mut self, on: bool) -> Self {
        self.pacing = on;
        self
    }

    /// The base URL: scheme, host, optional port and path prefix (default
    /// `https://cloud.mongodb.com`; Ops Manager has no default and needs one). It must not
    /// carry credentials, a query or a fragment.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// The API flavour (default [`Flavour::AtlasV2`]). It picks the path prefix, the media
    /// type, the role sets and the request shapes.
    pub fn flavour(mut self, flavour: Flavour) -> Self {
        self.flavour = flavour;
        self
    }

    /// Authenticate with a programmatic API key (HTTP Digest).
    pub fn digest(mut self, public_key: impl Into<String>, private_key: SecretString) -> Self {
        self.credentials = Some(Credentials::Digest {
            public_key: public_key.into(),
            private_key,
        });
        self
    }

    /// Authenticate with a service account (OAuth 2.0 client credentials). The token is
    /// fetched on the first request, not here.
    pub fn service_account(
        mut self,
        client_id: impl Into<String>,
        client_secret: SecretString,
    ) -> Self {
        self.credentials = Some(Credentials::ServiceAccount {
            client_id: client_id.into(),
            client_secret,
        });
        self
    }

    /// Authenticate with a bearer token obtained elsewhere.
    pub fn bearer_token(mut self, token: SecretString) -> Self {
        self.credentials = Some(Credentials::BearerToken(token));
        self
    }

    /// Where a service account's tokens are kept (default: in memory, per client), e.g.
    /// a file store shared by the runs of a CLI. Ignored by the other credentials.
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = Some(store);
        self
    }

    /// Sets the credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Uses your transport instead of a built-in backend. Authentication and retries
    /// still wrap it (set no credentials and `RetryPolicy::never()` to use it as it is);
    /// the timeouts, root certificates and backend choice then do not apply.
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Picks a built-in backend (default: hyper when its feature is on, else reqwest).
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = Some(backend);
        self
    }

    /// How requests are retried (default: [`RetryPolicy::default`]; a POST or PATCH is
    /// never re-sent once it may have reached the server). `RetryPolicy::never()` turns
    /// retries off.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The connect timeout of the built-in backend.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The whole-request timeout of the built-in backend (per attempt).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The overall deadline of one call (default [`DEFAULT_DEADLINE`], 60 s): every attempt,
    /// retry backoff, digest challenge and token request made for the call must be over by
    /// then. A read that runs out of time is a transport error ([`Error::is_timeout`]); a
    /// POST, PATCH or DELETE that may have reached the server is
    /// [outcome unknown](crate::ErrorKind::OutcomeUnknown). Unlike [`timeout`](Self::timeout)
    /// it also bounds a custom [`transport`](Self::transport).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The largest response body the built-in backend reads (default
    /// [`DEFAULT_MAX_RESPONSE_BODY`], 16 MiB, far above a 500-key page); a longer or endless
    /// body fails the call ([`Error::is_body_too_large`]) instead of growing memory.
    #[cfg(any(feature = "hyper", feature = "reqwest"))]
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = bytes;
        self
    }

    /// Allows a client secret or bearer token to be sent over plain `http://` to a host other
    /// than loopback (default false: such a call fails before any I/O,
    /// [`Error::is_insecure_http`]). Digest credentials never cross the wire and need no opt-in.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Trusts an extra root certificate (PEM), e.g. an Ops Manager's private CA.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Trusts the CA certificates of a PEM file besides the bundled and system roots (and
    /// `SSL_CERT_FILE`), e.g. an Ops Manager's private CA: the CLI's `--ca-file`. Read when
    /// the client is built; an unreadable file or one with no certificate is a config error
    /// naming it.
    pub fn ca_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.ca_files.push(path.into());
        self
    }

    /// The proxy of the built-in backend. Default: `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`
    /// (either case) read when the client is built, see
    /// [`Proxy::from_env`](atlas_keys_transport::Proxy::from_env); `Proxy::none()` goes
    /// direct.
    #[cfg(any(feature = "hyper", feature = "reqwest"))]
    pub fn proxy(mut self, proxy: atlas_keys_transport::Proxy) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// How many idle connections per host the built-in backend keeps (its default is 32);
    /// raise it when running more calls than that at once.
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = Some(max);
        self
    }

    /// The User-Agent (default `atlas-keys/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// The Atlas v2 resource version to ask for (default 2023-01-01, the only one this
    /// resource has). Ignored by the other flavours, which speak `application/json`.
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = Some(version);
        self
    }

    /// The organization returned by [`Client::default_org_id`].
    pub fn default_org_id(mut self, org_id: OrgId) -> Self {
        self.default_org_id = Some(org_id);
        self
    }

    /// The project returned by [`Client::default_project_id`].
    pub fn default_project_id(mut self, project_id: ProjectId) -> Self {
        self.default_project_id = Some(project_id);
        self
    }

    /// Builds the client. No I/O: nothing connects and no token is fetched until the first
    /// request.
    pub fn build(self) -> Result<Client> {
        let base_url = match (&self.base_url, self.flavour) {
            (Some(url), _) => normalize_base_url(url)?,
            (None, Flavour::OpsManager) => {
                return Err(Error::config(
                    "Ops Manager has no default base URL: set base_url (MONGODB_ATLAS_OPS_MANAGER_URL)",
                ));
            }
            (None, _) => DEFAULT_BASE_URL.to_owned(),
        };
        let user_agent = self.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT);
        let user_agent = header_value(user_agent, &[DEFAULT_USER_AGENT])
            .map_err(|_| Error::config("the User-Agent is not a valid header value"))?;
        let api_version = self.api_version.unwrap_or(ApiVersion::V2023_01_01);
        let media_type = crate::operations::media_type(self.flavour, api_version);
        let media_type = header_value(&media_type, KNOWN_MEDIA_TYPES)
            .map_err(|_| Error::config(format!("invalid media type {media_type}")))?;
        let url_base = UrlBase::new(&base_url, self.flavour)?;
        let config = Config {
            url_base,
            base_url,
            flavour: self.flavour,
            api_version,
            user_agent,
            media_type,
        };
        let transport = self.transport_stack(&config)?;
        Ok(Client::from_parts(
            Core {
                config,
                transport,
                retry: self.retry.clone(),
                deadline: self.deadline,
            },
            self.credentials.as_ref().map_or("none", Credentials::kind),
            self.default_org_id,
            self.default_project_id,
        ))
    }

    /// `pace → auth → wire`, under the retries and the deadline that [`Core`] applies
    /// (`deadline → retry → pace → auth → wire`), so a retried request waits for a token and
    /// is re-authenticated, a call takes one token however many digest challenges its auth
    /// answers (the emulator, like the service's token bucket as documented, counts only
    /// requests it processes; if the service counted challenges too, its `RateLimit-Remaining`
    /// would say so and the pacer lowers its level), and one deadline bounds the whole call.
    fn transport_stack(&self, config: &Config) -> Result<Arc<dyn Transport>> {
        if let Some(wire) = &self.transport {
            return self.auth_stack(config, Arc::clone(wire));
        }
        let default = if cfg!(feature = "hyper") {
            Backend::Hyper
        } else {
            Backend::Reqwest
        };
        // The built-in backend is the stack's concrete bottom, not an `Arc<dyn Transport>`:
        // that joint adds a boxed future and a poll to every call (~470 instructions a call
        // saved; BENCHMARKS.md, session 7).
        match self.backend.unwrap_or(default) {
            #[cfg(feature = "hyper")]
            Backend::Hyper => {
                let b = atlas_keys_transport::HyperTransport::builder();
                let wire = backend_options!(self, b, user_agent(config))
                    .build()
                    .map_err(|e| Error::config(format!("hyper backend: {e}")))?;
                self.auth_stack(config, wire)
            }
            #[cfg(not(feature = "hyper"))]
            Backend::Hyper => Err(Error::config(
                "the hyper backend is not compiled in: enable the `hyper` feature",
            )),
            #[cfg(feature = "reqwest")]
            Backend::Reqwest => {
                let b = atlas_keys_transport::ReqwestTransport::builder();
                let wire = backend_options!(self, b, user_agent(config))
                    .build()
                    .map_err(|e| Error::config(format!("reqwest backend: {e}")))?;
                self.auth_stack(config, wire)
            }
            #[cfg(not(feature = "reqwest"))]
            Backend::Reqwest => Err(Error::config(
                "no HTTP backend is compiled in: enable the `hyper` or `reqwest` feature, or pass a transport",
            )),
        }
    }

    /// The credentials' auth layer over `wire`, and pacing above it.
    fn auth_stack<W: Transport + 'static>(
        &self,
        config: &Config,
        wire: W,
    ) -> Result<Arc<dyn Transport>> {
        Ok(match &self.credentials {
            None => self.above_auth(wire),
            Some(Credentials::Digest {
                public_key,
                private_key,
            }) => self.above_auth(DigestAuth::new(
                wire,
                public_key.clone(),
                private_key.clone(),
            )),
            Some(Credentials::ServiceAccount {
                client_id,
                client_secret,
            }) => {
                let mut auth =
                    ServiceAccountAuth::builder(wire, client_id.clone(), client_secret.clone())
                        .base_url(config.base_url.clone())
                        .allow_insecure_http(self.allow_insecure_http);
                if let Some(store) = &self.token_store {
                    auth = auth.token_store(Arc::clone(store));
                }
                let auth = auth
                    .build()
                    .map_err(|e| Error::config(format!("service account: {e}")))?;
                self.above_auth(auth)
            }
            Some(Credentials::BearerToken(token)) => self.above_auth(
                BearerAuth::new(wire, token.clone()).allow_insecure_http(self.allow_insecure_http),
            ),
        })
    }

    /// Pacing, when on, above auth. The deadline and the retries are not layers here:
    /// [`Core`] applies them around this stack itself, through the same
    /// [`CallDeadline::run`](atlas_keys_transport::CallDeadline::run) and
    /// [`RetryPolicy::run`] that the `Deadline` and `Retry` layers use, which spares every call
    /// two boxed futures and the moves between them (BENCHMARKS.md, session 7).
    fn above_auth<A: Transport + 'static>(&self, authed: A) -> Arc<dyn Transport> {
        if self.pacing {
            Arc::new(atlas_keys_transport::pace::Pace::new(
                authed,
                crate::pacing::atlas_pacer(),
            ))
        } else {
            Arc::new(authed)
        }
    }
}

/// The client's `User-Agent`, for a built-in backend to send with any request that carries
/// none of its own.
#[cfg(any(feature = "hyper", feature = "reqwest"))]
fn user_agent(config: &Config) -> &str {
    config.user_agent.to_str().unwrap_or(DEFAULT_USER_AGENT)
}

/// The media types of today's flavours and versions, as static strings (see [`header_value`]).
const KNOWN_MEDIA_TYPES: &[&str] = &["application/json", "application/vnd.atlas.2023-01-01+json"];

/// `value` as a header value: a static one when it equals one of `statics`. Every request
/// carries the client's `Accept` and `User-Agent`; a static value is copied by pointer, while a
/// shared one costs two atomic operations on one cache line per request, which both worker
/// threads of a multi-threaded runtime then contend for.
fn header_value(
    value: &str,
    statics: &[&'static str],
) -> std::result::Result<HeaderValue, http::header::InvalidHeaderValue> {
    match statics.iter().find(|s| **s == value) {
        Some(known) => Ok(HeaderValue::from_static(known)),
        None => HeaderValue::from_str(value),
    }
}

/// Checks a base URL and drops a trailing `/`.
fn normalize_base_url(url: &str) -> Result<String> {
    let trimmed = url.trim().trim_end_matches('/');
    let uri: http::Uri = trimmed
        .parse()
        .map_err(|_| Error::config(format!("base URL {trimmed:?} is not a valid URL")))?;
    let scheme_ok = matches!(uri.scheme_str(), Some("https" | "http"));
    let Some(authority) = uri.authority() else {
        return Err(Error::config(format!(
            "base URL {trimmed:?} must be absolute, e.g. https://cloud.mongodb.com"
        )));
    };
    if !scheme_ok {
        return Err(Error::config(format!(
            "base URL {trimmed:?} must start with https:// or http://"
        )));
    }
    // Never echo user info back: it is the one part that may be a secret.
    if authority.as_str().contains('@') {
        return Err(Error::config(
            "the base URL must not contain credentials; use digest(), service_account() or bearer_token()",
        ));
    }
    if uri.query().is_some() || trimmed.contains('#') {
        return Err(Error::config(format!(
            "base URL {} must not have a query or fragment",
            atlas_keys_transport::redact_uri(&uri)
        )));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn todays_media_types_and_user_agent_take_the_static_path() {
        for flavour in [
            Flavour::AtlasV2,
            Flavour::AtlasV1,
            Flavour::CloudManager,
            Flavour::OpsManager,
        ] {
            let media = crate::operations::media_type(flavour, ApiVersion::V2023_01_01);
            assert!(KNOWN_MEDIA_TYPES.contains(&media.as_str()), "{media}");
            assert_eq!(
                header_value(&media, KNOWN_MEDIA_TYPES).unwrap(),
                media.as_str()
            );
        }
        assert_eq!(
            header_value("mine/1", &[DEFAULT_USER_AGENT]).unwrap(),
            "mine/1"
        );
        assert!(header_value("bad\n", &[DEFAULT_USER_AGENT]).is_err());
    }

    #[test]
    fn base_urls_are_normalized_and_checked() {
        assert_eq!(
            normalize_base_url("https://cloud.mongodb.com/").unwrap(),
            "https://cloud.mongodb.com"
        );
        assert_eq!(
            normalize_base_url("http://127.0.0.1:8080/mms").unwrap(),
            "http://127.0.0.1:8080/mms"
        );
        assert!(normalize_base_url("cloud.mongodb.com").is_err());
        assert!(normalize_base_url("ftp://x").is_err());
        let err = normalize_base_url("https://user:hunter2@x.example").unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
        let err = normalize_base_url("https://x.example/?token=abc").unwrap_err();
        assert!(!err.to_string().contains("abc"));
    }

    #[test]
    fn ops_manager_needs_a_base_url() {
        let err = ClientBuilder::new()
            .flavour(Flavour::OpsManager)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Config);
    }

    #[test]
    #[cfg(any(feature = "hyper", feature = "reqwest"))]
    fn the_deadline_body_cap_and_http_opt_in_are_settings_of_the_builder() {
        let b = ClientBuilder::new();
        assert_eq!(b.deadline, DEFAULT_DEADLINE);
        assert_eq!(b.max_response_body, DEFAULT_MAX_RESPONSE_BODY);
        assert!(!b.allow_insecure_http);
        let b = b
            .deadline(Duration::from_secs(5))
            .max_response_body(1 << 20)
            .allow_insecure_http(true);
        let shown = format!("{b:?}");
        assert!(
            shown.contains("deadline: 5s") && shown.contains("1048576"),
            "{shown}"
        );
        assert!(b.build().is_ok());
    }
}
