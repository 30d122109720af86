//! [`ReqwestTransport`]: reqwest with a rustls (ring) configuration we build ourselves.
//!
//! What it is for: users who already have reqwest in their tree. What it must NOT do: let reqwest
//! pick a TLS provider (it would pull aws-lc), speak HTTP/2, or leak a reqwest type in its API.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use http::{Request, Response, header};

use super::proxy::Resolved;
use super::{
    BackendConfig, MAX_HEADERS, ReadError, backend_builder_methods, certificate_error,
    chain_has_tls_error, read_capped, too_large,
};
use crate::deadline::CallDeadline;
use crate::error::redact_uri;
use crate::{Error, ErrorKind, Transport, trace};

/// A [`Transport`] over reqwest: HTTP/1.1 over TCP or rustls with the ring provider, pooled,
/// with connect and request timeouts.
///
/// ```no_run
/// # fn f() -> Result<(), atlas_keys_transport::Error> {
/// let transport = atlas_keys_transport::ReqwestTransport::builder()
///     .user_agent("atlas-keys/0.1.0")
///     .build()?;
/// # let _ = transport; Ok(()) }
/// ```
#[derive(Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    config: BackendConfig,
    /// The proxy settings given to reqwest, kept for messages ("via proxy ...").
    proxy: Option<Arc<Resolved>>,
}

impl fmt::Debug for ReqwestTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.config.debug_as("ReqwestTransport", f)
    }
}

/// Builder of [`ReqwestTransport`].
#[derive(Debug, Clone, Default)]
pub struct ReqwestTransportBuilder {
    config: BackendConfig,
}

impl ReqwestTransport {
    /// A builder with the defaults (10 s connect timeout, 60 s request timeout, webpki roots).
    pub fn builder() -> ReqwestTransportBuilder {
        ReqwestTransportBuilder::default()
    }

    /// A transport with the default settings.
    pub fn new() -> Result<Self, Error> {
        Self::builder().build()
    }
}

impl ReqwestTransportBuilder {
    backend_builder_methods!();

    /// Builds the transport. Fails on a bad PEM root certificate or CA file, an unreadable
    /// `SSL_CERT_FILE`, a bad proxy URL or a bad User-Agent.
    pub fn build(self) -> Result<ReqwestTransport, Error> {
        let (tls, proxy) = self.config.prepare(true)?;
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .http1_only()
            // A transport answers with what the server said: following a redirect would re-send
            // a POST as a GET, carry credentials to another target, and differ from hyper.
            .redirect(reqwest::redirect::Policy::none())
            // reqwest's own reading of the environment is switched off: the proxies are the
            // ones `prepare` resolved (the environment's by default), given to it below, so
            // both backends use the same settings and the same errors for bad ones.
            .no_proxy()
            .connect_timeout(self.config.connect_timeout)
            .timeout(self.config.timeout)
            .pool_max_idle_per_host(self.config.pool_max_idle_per_host)
            .pool_idle_timeout(self.config.pool_idle_timeout)
            .tcp_nodelay(true)
            // reqwest offers no cap on the header buffer; hyper's own (about 400 KiB) applies.
            .http1_max_headers(MAX_HEADERS);
        if let Some(proxy) = &proxy {
            // The URLs were checked by `resolve`; reqwest's error would quote them (and their
            // credentials), so it is not kept as a source.
            let refused = |_| Error::builder("reqwest refused the proxy URL");
            let no_proxy = || reqwest::NoProxy::from_string(&proxy.no_proxy);
            if let Some(url) = &proxy.http {
                builder = builder.proxy(
                    reqwest::Proxy::http(url.as_str())
                        .map_err(refused)?
                        .no_proxy(no_proxy()),
                );
            }
            if let Some(url) = &proxy.https {
                builder = builder.proxy(
                    reqwest::Proxy::https(url.as_str())
                        .map_err(refused)?
                        .no_proxy(no_proxy()),
                );
            }
        }
        let client = builder
            .build()
            .map_err(|e| Error::builder("cannot build the reqwest client").with_source(e))?;
        Ok(ReqwestTransport {
            client,
            config: self.config,
            proxy: proxy.map(Arc::new),
        })
    }
}

fn classify(e: reqwest::Error, target: &str) -> Error {
    if let Some(refused) = certificate_error(&e, target) {
        return refused.with_source(e.without_url());
    }
    let tls = chain_has_tls_error(&e);
    if e.is_connect() {
        let (kind, what) = if tls {
            (ErrorKind::Tls, "TLS handshake with")
        } else if e.is_timeout() {
            (ErrorKind::Timeout, "connect timeout to")
        } else {
            (ErrorKind::Connect, "cannot connect to")
        };
        // reqwest's own text ("error sending request") hides the cause, e.g. a proxy's 407;
        // the innermost error says it (no URL or credential is in it: hyper and reqwest quote
        // neither at that depth, and `redact_text` drops any query anyway).
        let cause = crate::error::redact_text(&super::innermost_cause(&e));
        // A proxy's 407 to the CONNECT (reqwest tunnels with hyper-util's `Tunnel` too): an
        // auth error, as with hyper, and so never retried.
        let kind = if cause.contains(super::proxy::AUTH_REQUIRED_TEXT) {
            ErrorKind::Auth
        } else {
            kind
        };
        return Error::new(kind, format!("{what} {target}: {cause}"), false)
            .with_source(e.without_url());
    }
    let (kind, what) = if e.is_timeout() {
        (ErrorKind::Timeout, "no complete response in time from")
    } else if e.is_body() || e.is_decode() {
        (ErrorKind::Body, "reading the response body from")
    } else if e.is_builder() {
        return Error::new(
            ErrorKind::Request,
            format!("invalid request to {target}"),
            false,
        )
        .with_source(e.without_url());
    } else if tls {
        (ErrorKind::Tls, "TLS failure with")
    } else {
        (ErrorKind::Request, "exchange failed with")
    };
    Error::new(kind, format!("{what} {target}"), true).with_source(e.without_url())
}

impl ReqwestTransport {
    /// Converts and starts the request at once and returns the rest as a future that holds
    /// only reqwest's pending call and the URI for messages, as the hyper backend does: the
    /// `Request` never sits in the future's state.
    fn exchange(
        &self,
        request: Request<Bytes>,
    ) -> impl Future<Output = Result<Response<Bytes>, Error>> + Send + 'static {
        // Only failures quote the target, so it is redacted (formatted) only then.
        let uri = request.uri().clone();
        let deadline = CallDeadline::of(&request);
        let (timeout, by_deadline) = CallDeadline::bound(deadline.as_ref(), self.config.timeout);
        let limit = self.config.max_response_body;
        let proxy = self.proxy.clone();
        let pending = reqwest::Request::try_from(request.map(reqwest::Body::from)).map(|mut r| {
            // The client's own timeout stays as the per-attempt bound; a nearer deadline
            // replaces it for this request.
            if by_deadline {
                *r.timeout_mut() = Some(timeout);
            }
            self.client.execute(r)
        });
        async move {
            let target = || super::with_proxy(redact_uri(&uri), proxy.as_deref(), &uri);
            let deadline_error = |e: reqwest::Error| match deadline.filter(|_| by_deadline) {
                Some(d) if e.is_timeout() => d.exceeded(&target()).with_source(e.without_url()),
                _ => classify(e, &target()),
            };
            let pending = pending.map_err(|e| {
                Error::new(
                    ErrorKind::Request,
                    format!("invalid request to {}", target()),
                    false,
                )
                .with_source(e.without_url())
            })?;
            let response = pending.await.map_err(deadline_error)?;
            // Into `http` parts (moved, not copied); reqwest's body keeps its timeout.
            let (parts, body) = http::Response::from(response).into_parts();
            let body = read_capped(&parts.headers, body, limit)
                .await
                .map_err(|e| match e {
                    ReadError::TooLarge => too_large(limit, &target()),
                    ReadError::Body(e) => deadline_error(e),
                })?;
            Ok(Response::from_parts(parts, body))
        }
    }
}

#[async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, mut request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
        // The only place the default User-Agent is applied (the reqwest client has none), so a
        // caller's own header always wins.
        request
            .headers_mut()
            .entry(header::USER_AGENT)
            .or_insert_with(|| self.config.user_agent.clone());
        if let Some(proxy) = &self.proxy
            && request.uri().scheme() == Some(&http::uri::Scheme::HTTP)
            && proxy.matcher.intercept(request.uri()).is_some()
        {
            super::proxy::close_after(request.headers_mut());
        }
        trace::traced(request, "reqwest", |request| self.exchange(request)).await
    }
}
