//! The crate's one error type, [`Error`], and the API error it may carry, [`ApiError`].
//!
//! What it is for: telling a caller which of five things went wrong — the input was
//! invalid (nothing was sent), the API answered with an error, the transport failed, a
//! success response could not be decoded, or a non-idempotent call failed after it may
//! have reached the server (outcome unknown) — plus configuration errors from the builder.
//!
//! What it must NOT do: expose a foreign error type (transport and serde errors are
//! reachable through [`std::error::Error::source`] only), or carry a secret, a request
//! header or a query string in any message. Body excerpts are capped and redacted, and every
//! string a server chose (`errorCode`, `detail`, `reason`, excerpts, transport messages) goes
//! through [`escape_untrusted`] in `Display`, so printing an error can never drive a terminal
//! (escape sequences, bidi overrides, C1 controls).

use std::fmt;
use std::time::Duration;

use atlas_keys_model::{BadRequestDetail, ErrorCode, ErrorParameter, ValidationError};
use atlas_keys_transport::sanitize::escape_untrusted;

use crate::metadata::RateLimit;
use crate::operations::Operation;

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which class of failure an [`Error`] is. New classes may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input broke a rule of the API; nothing was sent.
    Validation,
    /// The API answered with an error status (see [`Error::api_error`]).
    Api,
    /// The request failed in the transport and certainly had no effect, or was a read.
    Transport,
    /// A success response could not be decoded. For a create, the key *was* created.
    Decode,
    /// A POST, PATCH or DELETE failed after it may have reached the server: it may or may
    /// not have been applied. Check (for example, list the keys) before retrying a create.
    OutcomeUnknown,
    /// The client could not be built (bad base URL, missing credentials, ...). No I/O.
    Config,
    /// The server's answers broke a bound of the client: a listing that does not end (a page
    /// beyond its `totalCount`, a repeated page or `next` link) or that passed
    /// [`max_items`](crate::ListBuilder::max_items). The message names the rule and figures.
    LimitExceeded,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Validation => "validation error",
            ErrorKind::Api => "API error",
            ErrorKind::Transport => "transport error",
            ErrorKind::Decode => "decode error",
            ErrorKind::OutcomeUnknown => "outcome unknown",
            ErrorKind::Config => "configuration error",
            ErrorKind::LimitExceeded => "limit exceeded",
        })
    }
}

/// An error answered by the API: the HTTP status, the `errorCode` and its details, and
/// the rate-limit headers that came with it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status (for an enveloped response, the status inside the envelope).
    pub status: u16,
    /// The `errorCode`, when the body was an API error body.
    pub code: Option<ErrorCode>,
    /// The `detail` text; for a body that was not an API error, a short redacted excerpt.
    pub detail: Option<String>,
    /// The HTTP reason phrase the server gave, if any.
    pub reason: Option<String>,
    /// Values substituted into `detail`.
    pub parameters: Vec<ErrorParameter>,
    /// Per-field problems of a 400.
    pub bad_request_detail: Option<BadRequestDetail>,
    /// `Retry-After`, in seconds, when present (usually on a 429).
    pub retry_after: Option<Duration>,
    /// `RateLimit-Limit` and `RateLimit-Remaining`, when present.
    pub rate_limit: Option<RateLimit>,
    /// The media type we asked for, when the error is about the API version (406, or
    /// 410 `VERSION_GONE`).
    pub requested_version: Option<String>,
    /// How many attempts the retry layer made before giving up on this answer.
    pub attempts: u32,
}

impl ApiError {
    /// A bare API error with only a status, for tests and mocks.
    pub fn new(status: u16) -> Self {
        ApiError {
            status,
            code: None,
            detail: None,
            reason: None,
            parameters: Vec::new(),
            bad_request_detail: None,
            retry_after: None,
            rate_limit: None,
            requested_version: None,
            attempts: 1,
        }
    }

    /// Sets the error code (builder style, for tests and mocks).
    pub fn with_code(mut self, code: impl Into<ErrorCode>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the detail text (builder style, for tests and mocks).
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// True when the server rejected the API version we asked for.
    pub fn is_version_unsupported(&self) -> bool {
        self.status == 406 || self.code.as_ref().is_some_and(ErrorCode::is_version_gone)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status)?;
        match &self.code {
            Some(code) => write!(f, " {}", one_line(code.as_str()))?,
            None => {
                if let Some(reason) = &self.reason {
                    write!(f, " {}", one_line(reason))?;
                }
            }
        }
        if self.is_version_unsupported() {
            match &self.requested_version {
                Some(v) => write!(f, ": the server does not serve API version {v}")?,
                None => f.write_str(": the server does not serve the requested API version")?,
            }
            if let Some(detail) = &self.detail {
                write!(f, " ({})", one_line(detail))?;
            }
            return Ok(());
        }
        if let Some(detail) = &self.detail {
            write!(f, ": {}", one_line(detail))?;
        }
        Ok(())
    }
}

/// The error of every operation of this crate.
///
/// `Display` is one line, e.g. `404 RESOURCE_NOT_FOUND: Cannot find resource …`. The
/// underlying cause, if any, is available through [`std::error::Error::source`].
///
/// ```
/// use atlas_keys::{ApiError, Error};
///
/// let err = Error::from(ApiError::new(404).with_code("RESOURCE_NOT_FOUND").with_detail("gone"));
/// assert!(err.is_not_found());
/// assert_eq!(err.to_string(), "404 RESOURCE_NOT_FOUND: gone");
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    repr: Repr,
    operation: Option<Operation>,
}

enum Repr {
    Validation(ValidationError),
    /// Our own rule for a value the model has no type for (e.g. an empty entry list).
    LocalValidation {
        field: &'static str,
        rule: &'static str,
    },
    Api(ApiError),
    Transport(atlas_keys_transport::Error),
    Decode {
        status: u16,
        message: String,
        excerpt: String,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    OutcomeUnknown {
        method: &'static str,
        path: String,
        source: atlas_keys_transport::Error,
    },
    Config(String),
    LimitExceeded(String),
}

impl Error {
    fn from_repr(repr: Repr) -> Self {
        Error {
            inner: Box::new(Inner {
                repr,
                operation: None,
            }),
        }
    }

    pub(crate) fn local_validation(field: &'static str, rule: &'static str) -> Self {
        Self::from_repr(Repr::LocalValidation { field, rule })
    }

    pub(crate) fn transport(source: atlas_keys_transport::Error) -> Self {
        Self::from_repr(Repr::Transport(source))
    }

    pub(crate) fn outcome_unknown(
        method: &'static str,
        path: String,
        source: atlas_keys_transport::Error,
    ) -> Self {
        Self::from_repr(Repr::OutcomeUnknown {
            method,
            path,
            source,
        })
    }

    pub(crate) fn decode(
        status: u16,
        message: impl Into<String>,
        excerpt: String,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::from_repr(Repr::Decode {
            status,
            message: message.into(),
            excerpt,
            source,
        })
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::from_repr(Repr::Config(message.into()))
    }

    pub(crate) fn limit_exceeded(message: impl Into<String>) -> Self {
        Self::from_repr(Repr::LimitExceeded(message.into()))
    }

    pub(crate) fn with_operation(mut self, operation: Operation) -> Self {
        self.inner.operation = Some(operation);
        self
    }

    /// Which class of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match &self.inner.repr {
            Repr::Validation(_) | Repr::LocalValidation { .. } => ErrorKind::Validation,
            Repr::Api(_) => ErrorKind::Api,
            Repr::Transport(_) => ErrorKind::Transport,
            Repr::Decode { .. } => ErrorKind::Decode,
            Repr::OutcomeUnknown { .. } => ErrorKind::OutcomeUnknown,
            Repr::Config(_) => ErrorKind::Config,
            Repr::LimitExceeded(_) => ErrorKind::LimitExceeded,
        }
    }

    /// The operation that failed, when the error came from one.
    pub fn operation(&self) -> Option<Operation> {
        self.inner.operation
    }

    /// The API error, when the API answered with one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match &self.inner.repr {
            Repr::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The model's validation error, when a model rule was broken.
    pub fn validation_error(&self) -> Option<&ValidationError> {
        match &self.inner.repr {
            Repr::Validation(e) => Some(e),
            _ => None,
        }
    }

    /// The wire name of the invalid field, for any validation error.
    pub fn invalid_field(&self) -> Option<&str> {
        match &self.inner.repr {
            Repr::Validation(e) => Some(e.field()),
            Repr::LocalValidation { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The API `errorCode`, when there is one.
    pub fn code(&self) -> Option<&ErrorCode> {
        self.api_error().and_then(|e| e.code.as_ref())
    }

    /// The HTTP status of an API or decode error.
    pub fn status(&self) -> Option<u16> {
        match &self.inner.repr {
            Repr::Api(e) => Some(e.status),
            Repr::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How long the server asked us to wait (`Retry-After`), when it said so.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api_error().and_then(|e| e.retry_after)
    }

    /// True when the input was invalid and nothing was sent.
    pub fn is_validation(&self) -> bool {
        self.kind() == ErrorKind::Validation
    }

    /// True for an API error that says something named does not exist (404, or a
    /// not-found `errorCode` such as `API_KEY_NOT_FOUND`).
    pub fn is_not_found(&self) -> bool {
        self.api_error().is_some_and(|e| {
            e.status == 404 || e.code.as_ref().is_some_and(ErrorCode::is_not_found)
        })
    }

    /// True when the API throttled the request (429 or a rate-limit `errorCode`).
    pub fn is_rate_limited(&self) -> bool {
        self.api_error().is_some_and(|e| {
            e.status == 429 || e.code.as_ref().is_some_and(ErrorCode::is_rate_limited)
        })
    }

    /// True for a 409 conflict (e.g. `ADDRESS_ALREADY_IN_WHITELIST`).
    pub fn is_conflict(&self) -> bool {
        self.api_error()
            .is_some_and(|e| e.status == 409 || e.code.as_ref().is_some_and(ErrorCode::is_conflict))
    }

    /// True when the server's answers broke a bound of the client (a listing that does not
    /// end, or passed its item cap).
    pub fn is_limit_exceeded(&self) -> bool {
        self.kind() == ErrorKind::LimitExceeded
    }

    /// True when a non-idempotent call may or may not have been applied.
    pub fn is_outcome_unknown(&self) -> bool {
        self.kind() == ErrorKind::OutcomeUnknown
    }

    /// True for a transport failure (no answer from the server).
    pub fn is_transport(&self) -> bool {
        self.kind() == ErrorKind::Transport
    }

    /// True when a success response could not be decoded.
    pub fn is_decode(&self) -> bool {
        self.kind() == ErrorKind::Decode
    }

    /// True when the server refused the API version (406, or 410 `VERSION_GONE`).
    pub fn is_version_unsupported(&self) -> bool {
        self.api_error()
            .is_some_and(ApiError::is_version_unsupported)
    }

    /// True for a transport or outcome-unknown failure caused by a timeout.
    pub fn is_timeout(&self) -> bool {
        match &self.inner.repr {
            Repr::Transport(e) | Repr::OutcomeUnknown { source: e, .. } => e.is_timeout(),
            _ => false,
        }
    }

    /// True when a response body was larger than the client's limit
    /// ([`ClientBuilder::max_response_body`](crate::ClientBuilder::max_response_body)).
    pub fn is_body_too_large(&self) -> bool {
        match &self.inner.repr {
            Repr::Transport(e) | Repr::OutcomeUnknown { source: e, .. } => e.is_body_too_large(),
            _ => false,
        }
    }

    /// True when a client secret or bearer token was not sent because the base URL is plain
    /// `http://` to a remote host (see
    /// [`ClientBuilder::allow_insecure_http`](crate::ClientBuilder::allow_insecure_http)).
    pub fn is_insecure_http(&self) -> bool {
        match &self.inner.repr {
            Repr::Transport(e) | Repr::OutcomeUnknown { source: e, .. } => e.is_insecure_http(),
            _ => false,
        }
    }

    /// True for a transport failure where no connection could be made.
    pub fn is_connect(&self) -> bool {
        match &self.inner.repr {
            Repr::Transport(e) => e.is_connect(),
            _ => false,
        }
    }

    /// True when the credentials were refused: an API 401, or the transport giving up on
    /// digest or token credentials (a refused digest never reaches the API as a 401).
    pub fn is_auth(&self) -> bool {
        match &self.inner.repr {
            Repr::Transport(e) => e.is_auth(),
            Repr::Api(e) => e.status == 401,
            _ => false,
        }
    }
}

impl From<ValidationError> for Error {
    fn from(e: ValidationError) -> Self {
        Error::from_repr(Repr::Validation(e))
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::from_repr(Repr::Api(e))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.repr {
            Repr::Validation(e) => write!(f, "{e}"),
            Repr::LocalValidation { field, rule } => write!(f, "invalid {field}: {rule}"),
            Repr::Api(e) => write!(f, "{e}"),
            Repr::Transport(e) => {
                write!(f, "transport error")?;
                if let Some(op) = self.inner.operation {
                    write!(f, " in {op}")?;
                }
                write!(f, ": {}", one_line(&e.to_string()))
            }
            Repr::Decode {
                status,
                message,
                excerpt,
                ..
            } => {
                write!(f, "cannot decode {status} response")?;
                if let Some(op) = self.inner.operation {
                    write!(f, " of {op}")?;
                }
                write!(f, ": {}", one_line(message))?;
                if !excerpt.is_empty() {
                    // `excerpt` is escaped already (see `decode::excerpt`); quoting shows where
                    // the server's text starts and ends.
                    write!(f, "; body starts \"{}\"", one_line(excerpt))?;
                }
                Ok(())
            }
            Repr::OutcomeUnknown {
                method,
                path,
                source,
            } => write!(
                f,
                "outcome unknown: {method} {path} may have been applied ({})",
                one_line(&source.to_string())
            ),
            Repr::Config(message) => write!(f, "configuration error: {message}"),
            Repr::LimitExceeded(message) => {
                write!(f, "stopped")?;
                if let Some(op) = self.inner.operation {
                    write!(f, " {op}")?;
                }
                write!(f, ": {message}")
            }
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every part is already secret-free (see the module docs), so Debug may show it.
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind());
        if let Some(op) = self.inner.operation {
            d.field("operation", &op);
        }
        match &self.inner.repr {
            Repr::Validation(e) => d.field("validation", e),
            Repr::LocalValidation { field, rule } => d.field("field", field).field("rule", rule),
            Repr::Api(e) => d.field("api", e),
            Repr::Transport(e) => d.field("source", e),
            Repr::Decode {
                status,
                message,
                excerpt,
                ..
            } => d
                .field("status", status)
                .field("message", message)
                .field("excerpt", excerpt),
            Repr::OutcomeUnknown {
                method,
                path,
                source,
            } => d
                .field("method", method)
                .field("path", path)
                .field("source", source),
            Repr::Config(message) | Repr::LimitExceeded(message) => d.field("message", message),
        };
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.inner.repr {
            Repr::Validation(e) => Some(e),
            Repr::Transport(e) | Repr::OutcomeUnknown { source: e, .. } => Some(e),
            Repr::Decode {
                source: Some(s), ..
            } => Some(&**s as &(dyn std::error::Error + 'static)),
            _ => None,
        }
    }
}

/// Keeps a message on one line, so `Display` stays one line whatever the server says, and
/// escapes what could drive a terminal ([`escape_untrusted`]: C0/C1 controls, DEL, bidi
/// overrides and isolates; at most 1024 characters). Escaping is idempotent on its own output,
/// so text a lower layer escaped already is left as it is.
fn one_line(s: &str) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    escape_untrusted(&joined).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_display_is_one_line_with_code() {
        let e = Error::from(
            ApiError::new(404)
                .with_code("RESOURCE_NOT_FOUND")
                .with_detail("Cannot find resource\n/x."),
        );
        assert_eq!(
            e.to_string(),
            "404 RESOURCE_NOT_FOUND: Cannot find resource /x."
        );
        assert!(e.is_not_found());
        assert!(!e.is_rate_limited());
        assert_eq!(e.code().map(ErrorCode::as_str), Some("RESOURCE_NOT_FOUND"));
    }

    #[test]
    fn server_strings_cannot_drive_a_terminal() {
        let mut api = ApiError::new(400)
            .with_code("BAD\u{1b}]0;pwned\u{7}")
            .with_detail("a\u{1b}[2J\u{202e}b\u{9b}c\u{2066}");
        api.reason = Some("x\u{1b}]52;c;SGVsbG8=\u{7}".into());
        let shown = Error::from(api.clone()).to_string();
        assert_eq!(
            shown,
            "400 BAD\\u{1b}]0;pwned\\u{7}: a\\u{1b}[2J\\u{202e}b\\u{9b}c\\u{2066}"
        );
        api.code = None;
        let shown = Error::from(api).to_string();
        assert!(shown.starts_with("400 x\\u{1b}]52;"), "{shown}");
        let decode = Error::decode(200, "bad \u{1b}[31m", "q\u{85}r".into(), None);
        let shown = decode.to_string();
        assert!(
            !shown
                .chars()
                .any(atlas_keys_transport::sanitize::is_unsafe_char),
            "{shown}"
        );
    }

    #[test]
    fn version_errors_name_the_version() {
        let mut api = ApiError::new(406);
        api.requested_version = Some("application/vnd.atlas.2023-01-01+json".into());
        let e = Error::from(api);
        assert!(e.is_version_unsupported());
        assert!(e.to_string().contains("2023-01-01"), "{e}");
        let gone = Error::from(ApiError::new(410).with_code("VERSION_GONE"));
        assert!(gone.is_version_unsupported());
    }

    #[test]
    fn rate_limit_and_conflict_predicates() {
        assert!(Error::from(ApiError::new(429)).is_rate_limited());
        assert!(Error::from(ApiError::new(400).with_code("RATE_LIMITED")).is_rate_limited());
        assert!(Error::from(ApiError::new(409)).is_conflict());
        assert!(!Error::from(ApiError::new(409)).is_validation());
    }

    #[test]
    fn validation_errors_name_the_field() {
        let e = Error::from("x".parse::<atlas_keys_model::OrgId>().unwrap_err());
        assert!(e.is_validation());
        assert_eq!(e.invalid_field(), Some("orgId"));
        let local = Error::local_validation("entries", "must contain at least one entry");
        assert!(local.is_validation());
        assert_eq!(
            local.to_string(),
            "invalid entries: must contain at least one entry"
        );
    }
}
