//! Turning an `http::Response<Bytes>` into a typed result: the status check, envelope
//! unwrapping, API-error decoding, and [`ResponseBody`], the one trait that says how an
//! operation's output is read (JSON, or nothing).
//!
//! What it is for: one place that decides "success or API error", so that every
//! operation treats envelopes, deprecation headers and odd bodies the same way.
//!
//! What it must NOT do: build requests or know paths, or put a secret into an error: body
//! excerpts go through [`excerpt`], which caps them and blanks secret-looking fields.

use atlas_keys_model::{AccessListEntry, ApiErrorBody, ApiKey, Page};
use atlas_keys_transport::sanitize::escape_untrusted_max;
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, Error};
use crate::metadata::{Response, ResponseMetadata, metadata};
use crate::operations::{Operation, OperationSpec};

/// How an operation's success body becomes its output: JSON for keys, entries and pages,
/// nothing for `()`. Implemented by this crate only.
pub trait ResponseBody: Sized + Send + 'static + sealed::Sealed {
    /// Checks the status and decodes the body.
    #[doc(hidden)]
    fn decode(
        info: &CallInfo<'_>,
        response: http::Response<Bytes>,
    ) -> Result<Response<Self>, Error>;
}

pub(crate) mod sealed {
    pub trait Sealed {}
    impl Sealed for () {}
    impl Sealed for atlas_keys_model::ApiKey {}
    impl Sealed for atlas_keys_model::AccessListEntry {}
    impl Sealed for atlas_keys_model::IpInfo {}
    impl<T> Sealed for atlas_keys_model::Page<T> {}
}

impl ResponseBody for () {
    fn decode(info: &CallInfo<'_>, response: http::Response<Bytes>) -> Result<Response<()>, Error> {
        decode_empty(info, response)
    }
}

impl ResponseBody for ApiKey {
    fn decode(
        info: &CallInfo<'_>,
        response: http::Response<Bytes>,
    ) -> Result<Response<Self>, Error> {
        decode_json(info, response)
    }
}

impl ResponseBody for AccessListEntry {
    fn decode(
        info: &CallInfo<'_>,
        response: http::Response<Bytes>,
    ) -> Result<Response<Self>, Error> {
        decode_json(info, response)
    }
}

impl ResponseBody for atlas_keys_model::IpInfo {
    fn decode(
        info: &CallInfo<'_>,
        response: http::Response<Bytes>,
    ) -> Result<Response<Self>, Error> {
        decode_json(info, response)
    }
}

impl<T: DeserializeOwned + Send + 'static> ResponseBody for Page<T> {
    fn decode(
        info: &CallInfo<'_>,
        response: http::Response<Bytes>,
    ) -> Result<Response<Self>, Error> {
        decode_json(info, response)
    }
}

/// What the decoder needs to know about the call that produced a response.
#[derive(Debug)]
pub struct CallInfo<'a> {
    pub(crate) spec: &'static OperationSpec,
    pub(crate) envelope: bool,
    /// The media type we sent in `Accept`, named in version errors.
    pub(crate) accept: &'a http::HeaderValue,
    /// The path and query of the request: only `.path()` may be quoted (log lines, errors).
    pub(crate) path: http::uri::PathAndQuery,
    /// Whether the success body may hold a secret (a create returns the private key).
    pub(crate) secret_body: bool,
    /// Whether the caller keeps a success's metadata (`send_with_metadata`, pages); without
    /// it only the status and the deprecation headers are read.
    pub(crate) keep_metadata: bool,
}

impl CallInfo<'_> {
    fn operation(&self) -> Operation {
        self.spec.operation
    }
}

/// Checks the status and decodes a JSON body into `T`, unwrapping an envelope.
pub(crate) fn decode_json<T: DeserializeOwned>(
    info: &CallInfo<'_>,
    response: http::Response<Bytes>,
) -> Result<Response<T>, Error> {
    let checked = check(info, response)?;
    let status = checked.metadata.status;
    let decoded = match checked.unwrapped {
        // The envelope was parsed by the status check already; decode what it wrapped.
        Some(inner) => serde_json::from_value::<T>(inner),
        // One UTF-8 check of the whole body, then `from_str`: `from_slice` checks every
        // string on its own, which cost a sixth of decoding a key (~1,600 instructions).
        None => match std::str::from_utf8(&checked.body) {
            Ok(text) => serde_json::from_str::<T>(text),
            Err(_) => {
                return Err(decode_error(
                    info,
                    status,
                    "the body is not JSON (not UTF-8 text)",
                    &checked.body,
                    None,
                ));
            }
        },
    };
    let value = decoded.map_err(|e| {
        let message = if e.is_syntax() || e.is_eof() {
            String::from("the body is not JSON")
        } else {
            format!("unexpected JSON shape: {e}")
        };
        decode_error(info, status, message, &checked.body, Some(e))
    })?;
    Ok(Response {
        value,
        metadata: checked.metadata,
    })
}

/// Checks the status and ignores the body (204, or a 200 with nothing useful in it).
fn decode_empty(
    info: &CallInfo<'_>,
    response: http::Response<Bytes>,
) -> Result<Response<()>, Error> {
    let checked = check(info, response)?;
    Ok(Response {
        value: (),
        metadata: checked.metadata,
    })
}

/// A response whose status said success.
struct Checked {
    /// With the envelope's status when there was one.
    metadata: ResponseMetadata,
    body: Bytes,
    /// The envelope's content (or the enveloped page), when `envelope=true` worked.
    unwrapped: Option<serde_json::Value>,
}

/// The shared status check: an error status becomes an [`ApiError`]; a success yields
/// the metadata, the raw body and, for an envelope, what it wrapped.
fn check(info: &CallInfo<'_>, response: http::Response<Bytes>) -> Result<Checked, Error> {
    // An error or an envelope (whose status is in the body) always gets the whole of it.
    let whole = info.keep_metadata || info.envelope || !response.status().is_success();
    let mut metadata = metadata(&response, whole);
    warn_if_deprecated(info, &metadata);
    let body = response.into_body();
    // With `envelope=true` the real status travels in the body; the HTTP status may be 200.
    let mut unwrapped: Option<serde_json::Value> = None;
    if info.envelope
        && let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(&body)
        && let Some(status) = map
            .get("status")
            .and_then(serde_json::Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
    {
        metadata.status = status;
        unwrapped = Some(unwrap_envelope(serde_json::Value::Object(map)));
    }
    if (200..300).contains(&metadata.status) {
        if metadata.status != info.spec.success {
            tracing::debug!(
                operation = %info.operation(),
                status = metadata.status,
                documented = info.spec.success,
                "success status differs from the documented one"
            );
        }
        return Ok(Checked {
            metadata,
            body,
            unwrapped,
        });
    }
    Err(api_error(info, &metadata, &body, unwrapped).with_operation(info.operation()))
}

/// Builds the [`ApiError`] of an error response.
fn api_error(
    info: &CallInfo<'_>,
    metadata: &ResponseMetadata,
    body: &Bytes,
    enveloped: Option<serde_json::Value>,
) -> Error {
    let parsed: Option<ApiErrorBody> = match enveloped {
        Some(v) => serde_json::from_value(v).ok(),
        None => serde_json::from_slice(body).ok(),
    };
    let mut api = ApiError::new(metadata.status);
    api.retry_after = metadata.retry_after;
    api.rate_limit = metadata.rate_limit;
    api.attempts = metadata.attempts;
    match parsed {
        Some(b) => {
            api.code = Some(b.error_code);
            api.detail = b.detail;
            api.reason = b.reason;
            api.parameters = b.parameters;
            api.bad_request_detail = b.bad_request_detail;
        }
        None => {
            // Not an API error body (a proxy page, an empty 406): keep a short excerpt.
            let text = excerpt(body);
            api.detail = (!text.is_empty()).then_some(text);
            api.reason = http::StatusCode::from_u16(metadata.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .map(str::to_owned);
        }
    }
    if api.is_version_unsupported() {
        api.requested_version = info.accept.to_str().ok().map(str::to_owned);
    }
    Error::from(api)
}

/// `{"status", "content"}` becomes `content`; a list (`{"status", "results", ...}`) stays
/// as it is, since the page type ignores `status`.
fn unwrap_envelope(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(mut map) if map.contains_key("status") => {
            match map.remove("content") {
                Some(content) => content,
                None => serde_json::Value::Object(map),
            }
        }
        other => other,
    }
}

fn warn_if_deprecated(info: &CallInfo<'_>, metadata: &ResponseMetadata) {
    if metadata.is_deprecated() {
        tracing::warn!(
            operation = %info.operation(),
            path = info.path.path(),
            api_version = info.accept.to_str().unwrap_or(""),
            deprecation = metadata.deprecation.as_deref().unwrap_or(""),
            sunset = metadata.sunset.as_deref().unwrap_or(""),
            "the server marked this API version as deprecated"
        );
    }
}

fn decode_error(
    info: &CallInfo<'_>,
    status: u16,
    message: impl Into<String>,
    body: &Bytes,
    source: Option<serde_json::Error>,
) -> Error {
    // The server said 2xx: a write did happen, and the caller must know that.
    let mut message = message.into();
    if info.spec.method.changes_state() {
        message.push_str(" (the request succeeded on the server)");
    }
    // A create's body holds the new private key: never quote it, even redacted.
    let excerpt = if info.secret_body {
        String::from("<withheld: the body may contain a private key>")
    } else {
        excerpt(body)
    };
    let source = source.map(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>);
    Error::decode(status, message, excerpt, source).with_operation(info.operation())
}

/// The most characters of a body an error may quote.
pub(crate) const EXCERPT_CHARS: usize = 200;

/// The most bytes of a body [`excerpt`] looks at. A body may be as large as the transport's
/// cap (16 MiB by default); converting and scanning all of it to quote 200 characters cost
/// 3 GB and 58 s on a 1 GiB body before the cap existed. 4 KiB holds 200 characters of any
/// UTF-8 text, with room for the redaction of a secret field cut by the prefix.
pub(crate) const EXCERPT_SCAN_BYTES: usize = 4096;

/// A short, one-line, secret-free excerpt of a body: only its first [`EXCERPT_SCAN_BYTES`]
/// bytes are read; fields whose name suggests a secret (`privateKey`, `*secret*`, `*token*`,
/// `*password*`) have their string value blanked; whitespace controls become spaces and every
/// other character that could drive a terminal is escaped (`escape_untrusted`); the result is
/// capped at [`EXCERPT_CHARS`] characters.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let cut = body.len() > EXCERPT_SCAN_BYTES;
    // Cut before converting: the lossy conversion turns a character split by the cut into
    // U+FFFD, which is harmless in a diagnostic.
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_SCAN_BYTES)]);
    let redacted = redact_secret_fields(&text);
    let one_line: String = redacted
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut out = escape_untrusted_max(&one_line, EXCERPT_CHARS).into_owned();
    if cut && !out.ends_with('…') {
        out.push('…');
    }
    out
}

/// Blanks the string value after any JSON key that looks secret. Works on text rather
/// than parsed JSON because the body is, by definition here, not valid JSON.
fn redact_secret_fields(text: &str) -> String {
    const SECRET_WORDS: [&str; 5] = ["privatekey", "secret", "token", "password", "authorization"];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('"') {
        let (before, from_quote) = rest.split_at(start);
        out.push_str(before);
        let after_quote = &from_quote[1..];
        let Some(end) = after_quote.find('"') else {
            out.push_str(from_quote);
            return out;
        };
        let key = &after_quote[..end];
        out.push('"');
        out.push_str(key);
        out.push('"');
        rest = &after_quote[end + 1..];
        let lower = key.to_ascii_lowercase();
        if !SECRET_WORDS.iter().any(|w| lower.contains(w)) {
            continue;
        }
        // A key: skip `:` and whitespace, then blank a string value up to its closing quote
        // (or to the end, when the body is cut off).
        let trimmed = rest.trim_start();
        let Some(value) = trimmed.strip_prefix(':') else {
            continue;
        };
        let value = value.trim_start();
        if let Some(inside) = value.strip_prefix('"') {
            out.push_str(":\"<redacted>\"");
            rest = match inside.find('"') {
                Some(close) => &inside[close + 1..],
                None => "",
            };
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_blanks_private_keys_and_caps_length() {
        let body = br#"{"id":"x","privateKey":"c8150efd-c7a0-4afd-8c4f-01bdd56c8977","desc":"d"#;
        let e = excerpt(body);
        assert!(!e.contains("01bdd56c8977"), "{e}");
        assert!(e.contains("<redacted>"));
        let long = "a".repeat(1000);
        assert_eq!(excerpt(long.as_bytes()).chars().count(), EXCERPT_CHARS);
    }

    #[test]
    fn excerpt_handles_cut_off_secret_and_unicode() {
        let e = excerpt(br#"{"client_secret": "abc"#);
        assert!(!e.contains("abc"), "{e}");
        let e = excerpt("é\n\"x".as_bytes());
        assert_eq!(e, "é \"x");
    }

    #[test]
    fn excerpt_reads_a_prefix_only_and_escapes_terminal_controls() {
        // 64 MiB of non-JSON: only the first few KiB are converted.
        let huge = vec![b'<'; 64 << 20];
        let e = excerpt(&huge);
        assert_eq!(e.chars().count(), EXCERPT_CHARS, "{e}");
        let e = excerpt("a\u{1b}]0;title\u{7}b\u{202e}c\u{9b}d".as_bytes());
        assert_eq!(e, "a\\u{1b}]0;title\\u{7}b\\u{202e}c\\u{9b}d");
        // A short body cut at the scan limit is marked as cut.
        let mut body = vec![b'x'; EXCERPT_SCAN_BYTES + 10];
        body[..EXCERPT_SCAN_BYTES].fill(b' ');
        assert!(excerpt(&body).ends_with('…'));
    }

    fn get_key_info(accept: &http::HeaderValue) -> CallInfo<'_> {
        CallInfo {
            spec: Operation::GetOrgApiKey
                .spec(atlas_keys_model::Flavour::AtlasV2)
                .expect("in the table"),
            envelope: false,
            accept,
            path: http::uri::PathAndQuery::from_static("/api/atlas/v2/orgs/x/apiKeys/y"),
            secret_body: false,
            keep_metadata: true,
        }
    }

    #[test]
    fn a_success_body_that_is_not_utf8_is_a_decode_error_quoting_an_excerpt() {
        let accept = http::HeaderValue::from_static("application/json");
        let info = get_key_info(&accept);
        let body = Bytes::from_static(b"{\"id\":\"\xff\xfe\",\"desc\":\"d\"}");
        let err = ApiKey::decode(&info, http::Response::new(body)).unwrap_err();
        assert!(err.is_decode(), "{err:?}");
        assert!(
            err.to_string().contains("not JSON (not UTF-8 text)"),
            "{err}"
        );
        // And a UTF-8 body still decodes, escapes and all.
        let body = Bytes::from_static(
            br#"{"id":"5d1113b25a115342acc2d1aa","desc":"caf\u00e9 \"x\"","roles":null}"#,
        );
        let key = ApiKey::decode(&info, http::Response::new(body))
            .unwrap()
            .value;
        assert_eq!(key.desc(), Some("café \"x\""));
    }

    #[test]
    fn unwrap_envelope_handles_both_shapes() {
        let single = serde_json::json!({"status": 200, "content": {"id": 1}});
        assert_eq!(unwrap_envelope(single), serde_json::json!({"id": 1}));
        let list = serde_json::json!({"status": 200, "results": []});
        assert_eq!(unwrap_envelope(list.clone()), list);
    }
}
