//! [`Proxy`]: which HTTP proxy the backends go through. By default the one the environment
//! names (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, upper or lower case), as curl,
//! Go's `net/http` (so the Atlas CLI) and reqwest read them; or one given explicitly; or none.
//!
//! What it is for: one resolution of the proxy settings that both backends then apply with
//! hyper-util's matcher (reqwest uses the same matcher inside), so they pick the same proxy for
//! the same URL. For hyper, [`ProxyConnector`] opens the connection: an HTTP `CONNECT` tunnel
//! (hyper-util's `Tunnel`) for an `https://` target, the proxy itself for an `http://` one
//! (hyper then writes the request in absolute form). What it must NOT do: let the credentials of
//! a proxy URL (`http://user:pass@proxy:3128`) reach a message, a log line or `Debug`; they only
//! ever travel as a `Proxy-Authorization` header, marked sensitive.

use std::fmt;
#[cfg(feature = "hyper")]
use std::future::Future;
#[cfg(feature = "hyper")]
use std::pin::Pin;
use std::sync::Arc;

use http::Uri;
use hyper_util::client::proxy::matcher::Matcher;

use crate::Error;

/// The proxy settings of a backend (set with the builders' `proxy`). The default,
/// [`Proxy::from_env`], reads the environment when the transport is built.
///
/// Only `http://` proxies are supported (a `CONNECT` tunnel carries `https://` traffic, so TLS
/// stays end to end); a URL without a scheme means `http://`. Credentials in the URL are sent as
/// `Proxy-Authorization: Basic` and never shown: `Debug` prints the proxy's host and port only.
///
/// ```
/// use atlas_keys_transport::Proxy;
///
/// let proxy = Proxy::all("http://user:secret@proxy.example:3128").no_proxy("localhost,.corp");
/// assert!(!format!("{proxy:?}").contains("secret"));
/// ```
#[derive(Clone)]
pub struct Proxy {
    http: Option<Setting>,
    https: Option<Setting>,
    no_proxy: String,
}

/// One proxy URL and where it came from (the variable's name, for messages).
#[derive(Clone)]
struct Setting {
    url: String,
    origin: &'static str,
}

impl Proxy {
    /// No proxy: every request goes direct, whatever the environment says.
    pub fn none() -> Proxy {
        Proxy {
            http: None,
            https: None,
            no_proxy: String::new(),
        }
    }

    /// The proxies named by the environment, read now: `HTTPS_PROXY` for `https://` URLs,
    /// `HTTP_PROXY` for `http://` ones, `ALL_PROXY` for either when its own is unset (each also
    /// in lower case; the upper-case one wins, as in Go), and `NO_PROXY`: comma-separated
    /// hosts, domains (`.corp` or `corp` match it and its subdomains), IP addresses and CIDR
    /// blocks that go direct, or `*` for all. An empty variable counts as unset.
    ///
    /// Unlike Go, loopback addresses are not exempt unless `NO_PROXY` names them. When
    /// `REQUEST_METHOD` is set (a CGI script, where `HTTP_PROXY` may come from a request's
    /// `Proxy:` header: "httpoxy"), `HTTP_PROXY` is ignored, as in Go.
    pub fn from_env() -> Proxy {
        let cgi = std::env::var_os("REQUEST_METHOD").is_some();
        let all = env_setting(&["ALL_PROXY", "all_proxy"]);
        let http = if cgi {
            env_setting(&["http_proxy"])
        } else {
            env_setting(&["HTTP_PROXY", "http_proxy"])
        };
        Proxy {
            http: http.or_else(|| all.clone()),
            https: env_setting(&["HTTPS_PROXY", "https_proxy"]).or(all),
            no_proxy: first_env(&["NO_PROXY", "no_proxy"])
                .map(|(value, _)| value)
                .unwrap_or_default(),
        }
    }

    /// `url` for both `http://` and `https://` targets.
    pub fn all(url: impl Into<String>) -> Proxy {
        let url = url.into();
        Proxy {
            http: Some(Setting {
                url: url.clone(),
                origin: "proxy",
            }),
            https: Some(Setting {
                url,
                origin: "proxy",
            }),
            no_proxy: String::new(),
        }
    }

    /// Sets the proxy for `http://` targets.
    pub fn http(mut self, url: impl Into<String>) -> Proxy {
        self.http = Some(Setting {
            url: url.into(),
            origin: "http proxy",
        });
        self
    }

    /// Sets the proxy for `https://` targets.
    pub fn https(mut self, url: impl Into<String>) -> Proxy {
        self.https = Some(Setting {
            url: url.into(),
            origin: "https proxy",
        });
        self
    }

    /// Sets the hosts that go direct, in `NO_PROXY` syntax (see [`Proxy::from_env`]).
    pub fn no_proxy(mut self, list: impl Into<String>) -> Proxy {
        self.no_proxy = list.into();
        self
    }

    /// Whether any proxy is set.
    pub fn is_none(&self) -> bool {
        self.http.is_none() && self.https.is_none()
    }

    /// Checks the URLs (an error names the variable or option and shows no credential) and
    /// builds the matcher, or `None` when no proxy is set.
    pub(crate) fn resolve(&self) -> Result<Option<Resolved>, Error> {
        if self.is_none() {
            return Ok(None);
        }
        let http = self.http.as_ref().map(Setting::normalized).transpose()?;
        let https = self.https.as_ref().map(Setting::normalized).transpose()?;
        let mut builder = Matcher::builder().no(self.no_proxy.clone());
        if let Some(url) = &http {
            builder = builder.http(url.clone());
        }
        if let Some(url) = &https {
            builder = builder.https(url.clone());
        }
        Ok(Some(Resolved {
            matcher: Arc::new(builder.build()),
            http,
            https,
            no_proxy: self.no_proxy.clone(),
        }))
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |s: &Option<Setting>| s.as_ref().map(|s| redact_proxy_url(&s.url));
        f.debug_struct("Proxy")
            .field("http", &shown(&self.http))
            .field("https", &shown(&self.https))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl Setting {
    /// The URL with `http://` added when it has no scheme, after checking that it is an
    /// `http://` URL with a host. Errors name `origin` and show no credential.
    fn normalized(&self) -> Result<String, Error> {
        let url = if self.url.contains("://") {
            self.url.clone()
        } else {
            format!("http://{}", self.url)
        };
        let shown = redact_proxy_url(&url);
        let uri: Uri = url.parse().map_err(|_| {
            Error::builder(format!("{}: not a valid proxy URL ({shown})", self.origin))
        })?;
        if uri.scheme_str() != Some("http") {
            return Err(Error::builder(format!(
                "{}: only http:// proxies are supported ({shown}); https:// targets are tunnelled \
                 through them with CONNECT",
                self.origin
            )));
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(Error::builder(format!(
                "{}: the proxy URL has no host ({shown})",
                self.origin
            )));
        }
        Ok(url)
    }
}

/// A proxy URL for a message: scheme, host and port; user info, path and query dropped.
pub(crate) fn redact_proxy_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // The last '@' ends the user info (a password may itself contain '@').
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    format!("{scheme}://{host}")
}

fn first_env(names: &[&'static str]) -> Option<(String, &'static str)> {
    names.iter().find_map(|name| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| (v.trim().to_owned(), *name))
    })
}

fn env_setting(names: &[&'static str]) -> Option<Setting> {
    first_env(names).map(|(url, origin)| Setting { url, origin })
}

/// A checked [`Proxy`]: hyper-util's matcher (which applies `NO_PROXY`) and the URLs for
/// reqwest.
#[derive(Clone)]
// The URLs are what reqwest is given; the hyper backend uses the matcher alone.
#[cfg_attr(not(feature = "reqwest"), allow(dead_code))]
pub(crate) struct Resolved {
    pub(crate) matcher: Arc<Matcher>,
    pub(crate) http: Option<String>,
    pub(crate) https: Option<String>,
    pub(crate) no_proxy: String,
}

impl Resolved {
    /// The proxy `uri` goes through (host and port, for messages), if any.
    pub(crate) fn describe_for(&self, uri: &Uri) -> Option<String> {
        self.matcher.intercept(uri).map(|i| {
            crate::error::redact_uri(i.uri())
                .trim_end_matches('/')
                .to_owned()
        })
    }
}

impl fmt::Debug for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // hyper-util's `Matcher` Debug shows the proxy URIs without their credentials.
        f.debug_struct("Resolved")
            .field("matcher", &self.matcher)
            .finish_non_exhaustive()
    }
}

/// The hyper backend's connector: direct, through a `CONNECT` tunnel, or to the proxy itself,
/// per target, as the matcher decides. TLS (hyper-rustls) wraps it, so TLS runs end to end
/// with the target inside the tunnel.
#[cfg(feature = "hyper")]
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    pub(crate) http: hyper_util::client::legacy::connect::HttpConnector,
    pub(crate) proxy: Option<Resolved>,
}

#[cfg(feature = "hyper")]
impl fmt::Debug for ProxyConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyConnector")
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

/// Why a proxy did not give us a connection: its message names the proxy (host and port only)
/// and what it answered; the cause (hyper-util's tunnel error) stays as the source.
#[cfg(feature = "hyper")]
#[derive(Debug)]
pub(crate) struct ProxyFailure {
    pub(crate) message: String,
    /// The proxy answered 407: our credentials (or their absence) were refused.
    pub(crate) auth_required: bool,
    source: crate::BoxError,
}

#[cfg(feature = "hyper")]
impl fmt::Display for ProxyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(feature = "hyper")]
impl std::error::Error for ProxyFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// The first [`ProxyFailure`] in the chain of `error`.
#[cfg(feature = "hyper")]
pub(crate) fn chain_proxy_failure<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a ProxyFailure> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(failure) = e.downcast_ref::<ProxyFailure>() {
            return Some(failure);
        }
        current = e.source();
    }
    None
}

/// A connection made by [`ProxyConnector`]; `proxied` tells hyper to write requests in absolute
/// form (`GET http://host/path`), which a proxy needs for a plain `http://` target. Tunnelled
/// and direct connections are not "proxied" in that sense: the target itself reads them.
#[cfg(feature = "hyper")]
#[derive(Debug)]
pub(crate) struct ProxyStream {
    io: hyper_util::rt::TokioIo<tokio::net::TcpStream>,
    proxied: bool,
}

#[cfg(feature = "hyper")]
mod stream_impls {
    use std::io;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use hyper::rt::{Read, ReadBufCursor, Write};
    use hyper_util::client::legacy::connect::{Connected, Connection};

    use super::ProxyStream;

    impl Connection for ProxyStream {
        fn connected(&self) -> Connected {
            self.io.connected().proxy(self.proxied)
        }
    }

    impl Read for ProxyStream {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: ReadBufCursor<'_>,
        ) -> Poll<io::Result<()>> {
            Pin::new(&mut self.io).poll_read(cx, buf)
        }
    }

    impl Write for ProxyStream {
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut self.io).poll_write(cx, buf)
        }

        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.io).poll_flush(cx)
        }

        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.io).poll_shutdown(cx)
        }

        fn is_write_vectored(&self) -> bool {
            self.io.is_write_vectored()
        }

        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[io::IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
        }
    }
}

#[cfg(feature = "hyper")]
type Connecting = Pin<Box<dyn Future<Output = Result<ProxyStream, crate::BoxError>> + Send>>;

#[cfg(feature = "hyper")]
impl tower_service::Service<Uri> for ProxyConnector {
    type Response = ProxyStream;
    type Error = crate::BoxError;
    type Future = Connecting;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.http.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        use hyper_util::client::legacy::connect::proxy::Tunnel;

        let intercept = self
            .proxy
            .as_ref()
            .and_then(|proxy| proxy.matcher.intercept(&dst));
        let mut http = self.http.clone();
        Box::pin(async move {
            let Some(proxy) = intercept else {
                let io = http.call(dst).await?;
                return Ok(ProxyStream { io, proxied: false });
            };
            let shown = crate::error::redact_uri(proxy.uri())
                .trim_end_matches('/')
                .to_owned();
            if dst.scheme() == Some(&http::uri::Scheme::HTTPS) {
                let mut tunnel = Tunnel::new(proxy.uri().clone(), http);
                if let Some(auth) = proxy.basic_auth() {
                    tunnel = tunnel.with_auth(auth.clone());
                }
                std::future::poll_fn(|cx| tunnel.poll_ready(cx))
                    .await
                    .map_err(|e| proxy_failure(&shown, e))?;
                let io = tunnel
                    .call(dst)
                    .await
                    .map_err(|e| proxy_failure(&shown, e))?;
                Ok(ProxyStream { io, proxied: false })
            } else {
                let io = http.call(proxy.uri().clone()).await.map_err(|e| {
                    crate::BoxError::from(ProxyFailure {
                        message: format!("cannot connect to the proxy {shown}"),
                        auth_required: false,
                        source: e.into(),
                    })
                })?;
                Ok(ProxyStream { io, proxied: true })
            }
        })
    }
}

/// Asks for the connection to be closed after a plain `http://` request sent through a proxy.
///
/// Why: proxies such as tinyproxy close the client connection after each proxied request
/// without saying so, and a pooled connection reused in that instant fails with "connection
/// closed before message completed" after the request was written (measured in the interop
/// suite: 2 of 21 GETs with reqwest) — for a POST that would be an unknown outcome. One TCP
/// connection per request to a nearby proxy is cheap, and plain `http://` through a proxy is
/// rare (Atlas and Ops Manager are reached over `https://`, tunnelled and pooled as usual).
pub(crate) fn close_after(headers: &mut http::HeaderMap) {
    headers.insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    );
}

/// hyper-util's text for a 407 answer to a CONNECT (reqwest uses the same tunnel).
pub(crate) const AUTH_REQUIRED_TEXT: &str = "proxy authorization required";

/// Says that a proxy was involved and what it answered. hyper-util's `TunnelError` is not
/// exported, so its variants cannot be matched; its fixed `Display` texts ("proxy authorization
/// required", "unsuccessful", ...) are quoted instead, with a hint for a 407.
#[cfg(feature = "hyper")]
fn proxy_failure<E>(shown: &str, e: E) -> crate::BoxError
where
    E: std::error::Error + Send + Sync + 'static,
{
    let said = e.to_string();
    let auth_required = said.contains(AUTH_REQUIRED_TEXT);
    let message = if auth_required {
        format!(
            "the proxy {shown} requires authentication (407): put the credentials in the proxy \
             URL (http://user:password@host:port)"
        )
    } else if said.contains("underlying connection") {
        format!("cannot connect to the proxy {shown}")
    } else {
        format!("the CONNECT tunnel through the proxy {shown} failed ({said})")
    };
    Box::new(ProxyFailure {
        message,
        auth_required,
        source: Box::new(e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_host_and_port_only() {
        assert_eq!(
            redact_proxy_url("http://us@er:p@ss@proxy.corp:3128/x?y"),
            "http://proxy.corp:3128"
        );
        assert_eq!(redact_proxy_url("proxy:3128"), "http://proxy:3128");
    }

    #[test]
    fn schemes_other_than_http_are_refused_without_showing_credentials() {
        let err = Proxy::all("socks5://u:hunter2@proxy:1080")
            .resolve()
            .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(text.contains("only http://"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[test]
    fn no_proxy_is_applied_by_the_matcher() {
        let resolved = Proxy::all("proxy:3128")
            .no_proxy("localhost, .corp,10.0.0.0/8")
            .resolve()
            .unwrap()
            .unwrap();
        let via = |u: &str| resolved.describe_for(&u.parse().unwrap());
        assert_eq!(
            via("https://cloud.example/x").as_deref(),
            Some("http://proxy:3128")
        );
        assert_eq!(via("https://om.corp/x"), None);
        assert_eq!(via("http://10.1.2.3/x"), None);
        assert_eq!(via("http://localhost:8080/x"), None);
    }
}
