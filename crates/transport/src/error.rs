//! The crate's one error type, [`Error`], and its [`ErrorKind`].
//!
//! What it is for: telling the caller *what* failed (connect, timeout, TLS, auth, ...) and,
//! crucially, whether the request may have reached the server, so that a non-idempotent call
//! can be reported as "outcome unknown" instead of being blindly re-sent.
//!
//! What it must NOT do: expose a hyper, reqwest or rustls type (the cause is boxed and reachable
//! only through [`std::error::Error::source`]), or carry a credential, an `Authorization` header or
//! a URL query string in any message. URLs are passed through [`redact_uri`] before they are
//! formatted.

use std::fmt;

use http::{StatusCode, Uri};

/// A boxed, thread-safe error used as the hidden cause of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong, coarsely. New kinds may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The connection could not be established (DNS, TCP connect, connect timeout).
    Connect,
    /// A timeout elapsed (connect or whole request).
    Timeout,
    /// The TLS handshake failed for a reason other than the server's certificate (a protocol
    /// error, an alert, no common cipher suite). A refused certificate is [`ErrorKind::Certificate`].
    Tls,
    /// Reading or writing a body failed, or the connection broke mid-exchange.
    Body,
    /// Authentication failed: a digest re-challenge was refused, or the OAuth token endpoint
    /// refused us (see [`Error::oauth_error`]).
    Auth,
    /// The request itself was invalid (bad URI, bad header value) or the exchange failed for a
    /// reason not covered above.
    Request,
    /// A transport could not be built (bad root certificate, bad User-Agent, ...).
    Builder,
    /// A response could not be understood (e.g. a token endpoint answer that is not JSON, or
    /// a token that is not safe to use).
    Decode,
    /// A response body (or its announced `Content-Length`) exceeded the backend's cap
    /// (see `max_response_body` on the backend builders). The rest of it was not read.
    BodyTooLarge,
    /// A credential other than a digest answer (a bearer token, a client secret) would have been
    /// sent over plain `http://` to a host that is not loopback, and no opt-in was given.
    InsecureHttp,
    /// The server's certificate was refused: see [`Error::certificate_problem`] for why (unknown
    /// issuer, expired, name mismatch, ...). Nothing was sent, and retrying cannot help: the
    /// same certificate will be refused again until the server or our trusted roots change.
    Certificate,
}

/// Why a server certificate was refused (see [`Error::certificate_problem`]). New causes may be
/// added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CertificateProblem {
    /// The certificate chain does not lead to a trusted root: a private CA (trust it with the
    /// backend builders' `ca_file`, `add_root_certificate_pem` or `SSL_CERT_FILE`), a
    /// self-signed certificate, or a proxy that intercepts TLS.
    UnknownIssuer,
    /// The certificate's validity period has ended.
    Expired,
    /// The certificate's validity period has not started yet (or the local clock is wrong).
    NotYetValid,
    /// The certificate is not valid for the host name (or IP address) in the URL.
    NameMismatch,
    /// The certificate has been revoked.
    Revoked,
    /// A signature in the chain is invalid or uses an unsupported algorithm.
    BadSignature,
    /// Any other reason (bad encoding, wrong key usage, unhandled critical extension, ...).
    Other,
}

impl fmt::Display for CertificateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CertificateProblem::UnknownIssuer => "unknown issuer",
            CertificateProblem::Expired => "expired",
            CertificateProblem::NotYetValid => "not yet valid",
            CertificateProblem::NameMismatch => "name mismatch",
            CertificateProblem::Revoked => "revoked",
            CertificateProblem::BadSignature => "bad signature",
            CertificateProblem::Other => "invalid certificate",
        })
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Connect => "connect error",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Tls => "TLS error",
            ErrorKind::Body => "body error",
            ErrorKind::Auth => "authentication error",
            ErrorKind::Request => "request error",
            ErrorKind::Builder => "builder error",
            ErrorKind::Decode => "decode error",
            ErrorKind::BodyTooLarge => "response too large",
            ErrorKind::InsecureHttp => "insecure transport refused",
            ErrorKind::Certificate => "certificate error",
        })
    }
}

/// An OAuth 2.0 error answered by a token or revoke endpoint (RFC 6749 §5.2), e.g.
/// `{"error": "rate_limited", "error_description": "Resource ... is limited to 10 requests every 1 minutes."}`.
///
/// Neither field is secret: they are server-chosen diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthError {
    /// The HTTP status of the endpoint's answer (e.g. 400, 401, 429).
    pub status: u16,
    /// The `error` code, e.g. `invalid_client` or `rate_limited`.
    pub error: String,
    /// The `error_description`, if the server gave one.
    pub description: Option<String>,
}

/// The error of every [`Transport`](crate::Transport) in this crate.
///
/// `Display` is one short line with no secret and no query string; the underlying cause (a
/// hyper, reqwest or io error) is available through [`std::error::Error::source`] only.
#[non_exhaustive]
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    source: Option<BoxError>,
    reached_server: bool,
    attempts: u32,
    status: Option<StatusCode>,
    oauth: Option<OAuthError>,
    certificate: Option<CertificateProblem>,
}

impl Error {
    /// A new error of `kind` with a short message (which must hold no secret).
    ///
    /// `reached_server` says whether the request may have reached the server; pass `true` when
    /// unsure.
    pub fn new(kind: ErrorKind, message: impl Into<String>, reached_server: bool) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                source: None,
                reached_server,
                attempts: 1,
                status: None,
                oauth: None,
                certificate: None,
            }),
        }
    }

    /// Attaches the underlying cause, reachable through [`std::error::Error::source`].
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    /// Sets how many attempts were made (used by [`Retry`](crate::Retry)).
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts;
        self
    }

    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        self.inner.status = Some(status);
        self
    }

    pub(crate) fn with_oauth(mut self, oauth: OAuthError) -> Self {
        self.inner.status = StatusCode::from_u16(oauth.status).ok();
        self.inner.oauth = Some(oauth);
        self
    }

    /// A refused server certificate: kind [`ErrorKind::Certificate`], nothing sent.
    // Only the backends build it; with neither compiled in there is no TLS to refuse.
    #[cfg_attr(not(any(feature = "hyper", feature = "reqwest")), allow(dead_code))]
    pub(crate) fn certificate(problem: CertificateProblem, message: impl Into<String>) -> Self {
        let mut error = Error::new(ErrorKind::Certificate, message, false);
        error.inner.certificate = Some(problem);
        error
    }

    pub(crate) fn builder(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Builder, message, false)
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// True when a response body was larger than the backend's cap (its `Display` names the
    /// cap). The request may have been acted on: the server answered.
    pub fn is_body_too_large(&self) -> bool {
        self.inner.kind == ErrorKind::BodyTooLarge
    }

    /// True when a bearer token or client secret was not sent because the URL is plain
    /// `http://` to a non-loopback host (nothing was sent; see `allow_insecure_http`).
    pub fn is_insecure_http(&self) -> bool {
        self.inner.kind == ErrorKind::InsecureHttp
    }

    /// True when the server's certificate was refused; [`Error::certificate_problem`] says why
    /// and `Display` names the cause. Such an error is never retried.
    pub fn is_certificate(&self) -> bool {
        self.inner.kind == ErrorKind::Certificate
    }

    /// Why the server's certificate was refused, for an [`ErrorKind::Certificate`] error.
    pub fn certificate_problem(&self) -> Option<CertificateProblem> {
        self.inner.certificate
    }

    /// True for a timeout (connect, one attempt, or the whole call's [`Deadline`](crate::Deadline)).
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }

    /// True when no connection could be established (this includes a connect timeout, a
    /// failed TLS handshake and a refused certificate).
    pub fn is_connect(&self) -> bool {
        self.inner.kind == ErrorKind::Connect
            || self.inner.kind == ErrorKind::Certificate
            || (self.inner.kind == ErrorKind::Tls && !self.inner.reached_server)
            || (self.inner.kind == ErrorKind::Timeout && !self.inner.reached_server)
    }

    /// True for an authentication failure.
    pub fn is_auth(&self) -> bool {
        self.inner.kind == ErrorKind::Auth
    }

    /// Whether the request may have reached the server and been acted on.
    ///
    /// `false` only when we know the server did nothing with it: no byte was sent (DNS, TCP
    /// connect and TLS handshake failures, builder errors, a failed token request), or the
    /// server refused it before acting on it (digest credentials refused with a 401). `true`
    /// when the failure came after the request was (or may have been) written: a reset while
    /// awaiting the response, a request timeout, a broken body. A caller must treat a
    /// non-idempotent request (POST, PATCH, DELETE) that failed with `true` here as "outcome
    /// unknown".
    pub fn request_may_have_reached_server(&self) -> bool {
        self.inner.reached_server
    }

    /// How many attempts were made before this error (1 unless a [`Retry`](crate::Retry) retried).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// The HTTP status involved, when the error came from an HTTP answer (e.g. the 401 that
    /// ended digest authentication, or a token endpoint's 429).
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.status
    }

    /// The OAuth error answered by a token or revoke endpoint, if that is what failed.
    pub fn oauth_error(&self) -> Option<&OAuthError> {
        self.inner.oauth.as_ref()
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The source is included: sources built in this crate carry no secret (we never box an
        // error that holds a header or a body), and hyper/reqwest errors hold at most a URL,
        // which we never give them with credentials in it.
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind)
            .field("message", &self.inner.message)
            .field("reached_server", &self.inner.reached_server)
            .field("attempts", &self.inner.attempts);
        if let Some(status) = self.inner.status {
            d.field("status", &status);
        }
        if let Some(oauth) = &self.inner.oauth {
            d.field("oauth", oauth);
        }
        if let Some(problem) = self.inner.certificate {
            d.field("certificate", &problem);
        }
        if let Some(source) = &self.inner.source {
            d.field("source", &redact_text(&source.to_string()));
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.inner.kind, self.inner.message)?;
        if let Some(oauth) = &self.inner.oauth {
            write!(
                f,
                " (OAuth error `{}`",
                crate::sanitize::escape_untrusted(&oauth.error)
            )?;
            if let Some(description) = &oauth.description {
                // Server text, already escaped when the error was made (`with_oauth`); escaped
                // again here in case a caller built an `OAuthError` by hand.
                write!(f, ": {}", crate::sanitize::escape_untrusted(description))?;
            }
            f.write_str(")")?;
        }
        if self.inner.attempts > 1 {
            write!(f, " after {} attempts", self.inner.attempts)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|e| &**e as &(dyn std::error::Error + 'static))
    }
}

/// Formats a URI for a message or a log line: scheme, host, port and path only. User info and
/// the query string are dropped because either may carry a secret.
pub fn redact_uri(uri: &Uri) -> String {
    let mut out = String::new();
    if let Some(scheme) = uri.scheme_str() {
        out.push_str(scheme);
        out.push_str("://");
    }
    if let Some(host) = uri.host() {
        out.push_str(host);
    }
    if let Some(port) = uri.port_u16() {
        out.push(':');
        out.push_str(&port.to_string());
    }
    out.push_str(uri.path());
    out
}

/// Drops anything after `?` up to the next whitespace in free text (e.g. a hyper or reqwest
/// error message that quotes a URL), so a query string never reaches a message.
pub(crate) fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut skipping = false;
    for c in text.chars() {
        if skipping {
            if c.is_whitespace() || c == ')' || c == '"' || c == '\'' {
                skipping = false;
                out.push(c);
            }
            continue;
        }
        if c == '?' {
            skipping = true;
            out.push_str("?<redacted>");
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_uri_drops_query_and_userinfo() {
        let uri: Uri = "https://user:pw@example.com:8443/a/b?token=secret"
            .parse()
            .unwrap();
        assert_eq!(redact_uri(&uri), "https://example.com:8443/a/b");
    }

    #[test]
    fn redact_text_drops_query_values() {
        assert_eq!(
            redact_text("error sending request for url (http://x/a?secret=1)"),
            "error sending request for url (http://x/a?<redacted>)"
        );
    }

    #[test]
    fn display_is_one_line_with_oauth_details() {
        let e =
            Error::new(ErrorKind::Auth, "token endpoint refused", false).with_oauth(OAuthError {
                status: 429,
                error: "rate_limited".into(),
                description: Some("limited to 10 requests every 1 minutes.".into()),
            });
        let s = e.to_string();
        assert!(s.contains("rate_limited"), "{s}");
        assert!(!s.contains('\n'));
        assert_eq!(e.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    }

    #[test]
    fn a_multi_line_oauth_description_is_displayed_on_one_line() {
        let e =
            Error::new(ErrorKind::Auth, "token request refused", false).with_oauth(OAuthError {
                status: 400,
                error: "invalid_client".into(),
                description: Some("bad client\r\nsee the docs".into()),
            });
        let s = e.to_string();
        assert!(!s.contains(['\r', '\n']), "{s}");
        assert!(s.contains(r"bad client\u{d}\u{a}see the docs"), "{s}");
    }
}
