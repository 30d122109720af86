//! [`HyperTransport`]: hyper 1 with hyper-util's pooled legacy client, HTTP/1.1, rustls (ring).
//!
//! What it is for: the default backend, with the smallest dependency tree. What it must NOT do:
//! authenticate, retry, or leak a hyper type in its public API.

use std::fmt;
use std::future::Future;

use async_trait::async_trait;
use bytes::Bytes;
use http::{Request, Response, header};
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use std::sync::Arc;

use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::proxy::{ProxyConnector, Resolved, chain_proxy_failure};
use super::{
    BackendConfig, MAX_HEADER_BUFFER, ReadError, backend_builder_methods, certificate_error,
    chain_has_timeout, chain_has_tls_error, read_capped, too_large,
};
use crate::deadline::CallDeadline;
use crate::error::redact_uri;
use crate::{Error, ErrorKind, Transport, trace};

/// A [`Transport`] over hyper 1 (hyper-util's pooled client): HTTP/1.1 over TCP or rustls with
/// the ring provider, keep-alive connection pooling, connect and request timeouts.
///
/// ```no_run
/// # async fn f() -> Result<(), atlas_keys_transport::Error> {
/// use std::time::Duration;
/// use atlas_keys_transport::HyperTransport;
///
/// let transport = HyperTransport::builder()
///     .user_agent("atlas-keys/0.1.0")
///     .connect_timeout(Duration::from_secs(5))
///     .timeout(Duration::from_secs(30))
///     .build()?;
/// # let _ = transport; Ok(()) }
/// ```
#[derive(Clone)]
pub struct HyperTransport {
    client: Client<HttpsConnector<ProxyConnector>, Full<Bytes>>,
    config: BackendConfig,
    /// The proxy settings in effect, for the `Proxy-Authorization` of plain `http://` requests
    /// and for messages; `None` (no proxy) costs nothing per request.
    proxy: Option<Arc<Resolved>>,
}

impl fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.config.debug_as("HyperTransport", f)
    }
}

/// Builder of [`HyperTransport`].
#[derive(Debug, Clone, Default)]
pub struct HyperTransportBuilder {
    config: BackendConfig,
}

impl HyperTransport {
    /// A builder with the defaults (10 s connect timeout, 60 s request timeout, webpki roots).
    pub fn builder() -> HyperTransportBuilder {
        HyperTransportBuilder::default()
    }

    /// A transport with the default settings.
    pub fn new() -> Result<Self, Error> {
        Self::builder().build()
    }
}

impl HyperTransportBuilder {
    backend_builder_methods!();

    /// Builds the transport. Fails on a bad PEM root certificate or CA file, an unreadable
    /// `SSL_CERT_FILE`, a bad proxy URL or a bad User-Agent.
    pub fn build(self) -> Result<HyperTransport, Error> {
        let (tls, proxy) = self.config.prepare(false)?;
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(self.config.connect_timeout));
        http.set_nodelay(true);
        http.set_keepalive(Some(std::time::Duration::from_secs(60)));
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(ProxyConnector {
                http,
                proxy: proxy.clone(),
            });
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(self.config.pool_idle_timeout)
            .pool_max_idle_per_host(self.config.pool_max_idle_per_host)
            // Bound what a server can make us buffer before the body: the status line and
            // headers (an endless header block fails here instead of growing).
            .http1_max_buf_size(MAX_HEADER_BUFFER)
            // No `.http1_max_headers(MAX_HEADERS)`: hyper's own limit is the same 100 (pinned by
            // `a_response_of_more_than_100_header_fields_fails_on_both_backends`), and naming it makes hyper initialise a 100-entry buffer for every
            // response (about 1,000 instructions a call, measured with callgrind).
            .build(connector);
        Ok(HyperTransport {
            client,
            config: self.config,
            proxy: proxy.map(Arc::new),
        })
    }
}

impl HyperTransport {
    /// Starts the exchange at once and returns the rest as a future that holds only what it
    /// still needs (hyper's boxed response future, the URI for messages, the timer). Keeping
    /// the `Request` out of the future's state keeps the per-call allocation small enough for
    /// the allocator's thread cache; a nested `async` block that captured it measured 2 KiB.
    fn exchange(
        &self,
        request: Request<Bytes>,
    ) -> impl Future<Output = Result<Response<Bytes>, Error>> + Send + 'static {
        // Only failures quote the target, so it is redacted (formatted) only then: a `Uri`
        // clone is a few reference counts, `redact_uri` several allocations on every request.
        let uri = request.uri().clone();
        let deadline = CallDeadline::of(&request);
        let armed_above = deadline.is_some() && deadline == CallDeadline::armed();
        let (mut parts, body) = request.into_parts();
        parts
            .headers
            .entry(header::USER_AGENT)
            .or_insert_with(|| self.config.user_agent.clone());
        let proxy = self.proxy.clone();
        if let Some(proxy) = &proxy
            && parts.uri.scheme() == Some(&http::uri::Scheme::HTTP)
            && let Some(intercept) = proxy.matcher.intercept(&parts.uri)
        {
            // A plain `http://` request through a proxy carries the proxy's credentials itself
            // (an `https://` one sends them in the CONNECT, see `ProxyConnector`). The value
            // is marked sensitive by hyper-util, so no log or Debug shows it.
            if let Some(auth) = intercept.basic_auth() {
                parts
                    .headers
                    .insert(header::PROXY_AUTHORIZATION, auth.clone());
            }
            super::proxy::close_after(&mut parts.headers);
        }
        let pending = self
            .client
            .request(Request::from_parts(parts, Full::new(body)));
        let own_timeout = self.config.timeout;
        let limit = self.config.max_response_body;
        async move {
            // The call's deadline, if a `Deadline` set one, bounds this attempt too.
            let (timeout, by_deadline) = CallDeadline::bound(deadline.as_ref(), own_timeout);
            let target = || super::with_proxy(redact_uri(&uri), proxy.as_deref(), &uri);
            let work = async {
                let response = pending
                    .await
                    .map_err(|e| classify_send_error(e, &target()))?;
                let (parts, body) = response.into_parts();
                let body = read_capped(&parts.headers, body, limit)
                    .await
                    .map_err(|e| match e {
                        ReadError::TooLarge => too_large(limit, &target()),
                        ReadError::Body(e) => Error::new(
                            ErrorKind::Body,
                            format!("reading the response body from {}", target()),
                            true,
                        )
                        .with_source(e),
                    })?;
                Ok(Response::from_parts(parts, body))
            };
            // `work` is boxed on its own: with it inline, this future outgrew the
            // allocator's small-size fast path (two small allocations are cheaper).
            if by_deadline && armed_above {
                // The `Deadline` layer above ends the call at this same instant with the same
                // error: a second timer would only cost (~1,000 instructions a call).
                return work.await;
            }
            match tokio::time::timeout(timeout, Box::pin(work)).await {
                Ok(result) => result,
                // The request may already be on the wire: an elapsed whole-exchange timeout
                // cannot tell, so it says "may have reached".
                Err(elapsed) => Err(match deadline.filter(|_| by_deadline) {
                    Some(deadline) => deadline.exceeded(&target()),
                    None => Error::new(
                        ErrorKind::Timeout,
                        format!("no complete response from {} within {timeout:?}", target()),
                        true,
                    ),
                }
                .with_source(elapsed)),
            }
        }
    }
}

fn classify_send_error(e: hyper_util::client::legacy::Error, target: &str) -> Error {
    if let Some(refused) = certificate_error(&e, target) {
        return refused.with_source(e);
    }
    if let Some(failure) = chain_proxy_failure(&e) {
        // Nothing reached the target: the proxy did not connect us. A 407 is an auth error
        // (never retried: the same credentials are refused again).
        let kind = if failure.auth_required {
            ErrorKind::Auth
        } else {
            ErrorKind::Connect
        };
        let message = format!("cannot connect to {target}: {failure}");
        return Error::new(kind, message, false).with_source(e);
    }
    if e.is_connect() {
        // Nothing of the request was written: DNS, TCP connect, connect timeout or TLS handshake.
        let (kind, what) = if chain_has_tls_error(&e) {
            (ErrorKind::Tls, "TLS handshake with")
        } else if chain_has_timeout(&e) {
            (ErrorKind::Timeout, "connect timeout to")
        } else {
            (ErrorKind::Connect, "cannot connect to")
        };
        return Error::new(kind, format!("{what} {target}"), false).with_source(e);
    }
    // hyper-util itself re-sends a request that was cancelled before any byte was written on a
    // reused connection, so what reaches us here happened after (or while) writing.
    let kind = if chain_has_tls_error(&e) {
        ErrorKind::Tls
    } else {
        ErrorKind::Request
    };
    Error::new(kind, format!("exchange with {target} failed"), true).with_source(e)
}

#[async_trait]
impl Transport for HyperTransport {
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
        trace::traced(request, "hyper", |request| self.exchange(request)).await
    }
}
