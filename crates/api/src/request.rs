//! Building an `http::Request<Bytes>` from one row of the operation table: the URL (base
//! URL, flavour prefix, path template with percent-encoded segments, query), the media
//! type headers, the User-Agent and the JSON body.
//!
//! What it is for: one builder for all 14 operations, so encoding rules are written once.
//!
//! What it must NOT do: add credentials (the transport's auth middleware does that, and
//! never in the URL), choose the row (see `dispatch.rs`), or interpret responses.

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use http::uri::{Authority, PathAndQuery, Scheme};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::client::Config;
use crate::error::Error;
use crate::operations::{OperationSpec, path_prefix};

/// Characters left as they are in a path segment: RFC 3986 unreserved characters.
/// Everything else, `/` included, is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The parts of every URL that do not change between calls, parsed once when the client is
/// built: a call then only renders its own path and query (no re-parse of a whole URL string).
#[derive(Debug, Clone)]
pub(crate) struct UrlBase {
    scheme: Scheme,
    authority: Authority,
    /// The base URL's own path (often empty) followed by the flavour's prefix.
    path_prefix: String,
}

impl UrlBase {
    /// Splits an already-checked base URL (see the builder) and appends the flavour prefix.
    pub(crate) fn new(base_url: &str, flavour: atlas_keys_model::Flavour) -> Result<Self, Error> {
        let bad = || Error::config(format!("base URL {base_url:?} is not a valid URL"));
        let parts = base_url
            .parse::<http::Uri>()
            .map_err(|_| bad())?
            .into_parts();
        let (Some(scheme), Some(authority)) = (parts.scheme, parts.authority) else {
            return Err(bad());
        };
        let base_path = parts
            .path_and_query
            .as_ref()
            .map_or("", PathAndQuery::path)
            .trim_end_matches('/');
        Ok(UrlBase {
            scheme,
            authority,
            path_prefix: format!("{base_path}{}", path_prefix(flavour)),
        })
    }
}

/// One value for a path placeholder.
#[derive(Debug, Clone)]
pub(crate) enum Segment<'a> {
    /// Text to percent-encode (ids), borrowed from the typed request.
    Text(&'a str),
    /// A value that is already a valid path segment (an access-list address from
    /// `AccessListAddress::to_path_segment`, whose `/` is already `%2F`).
    Encoded(String),
}

impl Segment<'_> {
    fn render_into(&self, out: &mut String) {
        match self {
            Segment::Text(text) => out.extend(utf8_percent_encode(text, SEGMENT)),
            Segment::Encoded(encoded) => out.push_str(encoded),
        }
    }
}

/// Everything a request needs besides the table row.
#[derive(Debug, Default)]
pub(crate) struct RequestArgs<'a> {
    /// Values for the placeholders, by name (`orgId`, `groupId`, `apiUserId`, `ipAddress`).
    pub(crate) path: Vec<(&'static str, Segment<'a>)>,
    /// Query parameters (name, value), in order.
    pub(crate) query: Vec<(&'static str, String)>,
    /// The serialized JSON body, if any.
    pub(crate) body: Option<Vec<u8>>,
}

/// Fills the path template into `out`. A placeholder without a value is a bug in this crate,
/// reported as an error rather than a panic.
pub(crate) fn render_path(
    out: &mut String,
    template: &str,
    args: &[(&'static str, Segment<'_>)],
) -> Result<(), Error> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| Error::config(format!("bad path template {template}")))?;
        let name = &after[..close];
        let value = args
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| Error::config(format!("no value for {{{name}}} in {template}")))?;
        value.render_into(out);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(())
}

/// Builds the request, and returns it with its path and query (for messages, use only
/// `.path()`: the query is never quoted).
///
/// Written for the hot path: one `String` for path and query, handed to `http` without a
/// copy; scheme, authority and header values are shared with the client's [`Config`].
pub(crate) fn build(
    config: &Config,
    spec: &OperationSpec,
    args: RequestArgs<'_>,
) -> Result<(http::Request<Bytes>, PathAndQuery), Error> {
    let base = &config.url_base;
    let mut target = String::with_capacity(base.path_prefix.len() + spec.path.len() + 96);
    target.push_str(&base.path_prefix);
    render_path(&mut target, spec.path, &args.path)?;
    for (i, (name, value)) in args.query.iter().enumerate() {
        target.push(if i == 0 { '?' } else { '&' });
        target.push_str(name);
        target.push('=');
        target.extend(utf8_percent_encode(value, SEGMENT));
    }
    let path_and_query = PathAndQuery::from_maybe_shared(Bytes::from(target)).map_err(|e| {
        Error::config(format!(
            "cannot build a request for {} {}: {e}",
            spec.method.as_str(),
            spec.path
        ))
    })?;
    let mut uri = http::uri::Parts::default();
    uri.scheme = Some(base.scheme.clone());
    uri.authority = Some(base.authority.clone());
    uri.path_and_query = Some(path_and_query.clone());
    let uri = http::Uri::from_parts(uri).map_err(|e| {
        Error::config(format!(
            "cannot build a request for {}: {e}",
            path_and_query.path()
        ))
    })?;
    let has_body = args.body.is_some();
    let mut request = http::Request::new(args.body.map_or_else(Bytes::new, Bytes::from));
    *request.method_mut() = crate::operations::http_method(spec.method);
    *request.uri_mut() = uri;
    // Room for what the transport adds too (Authorization), so the map never grows.
    let headers = request.headers_mut();
    headers.reserve(4);
    headers.insert(ACCEPT, config.media_type.clone());
    headers.insert(USER_AGENT, config.user_agent.clone());
    if has_body {
        headers.insert(CONTENT_TYPE, config.media_type.clone());
    }
    Ok((request, path_and_query))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_path_encodes_text_and_keeps_encoded() {
        let mut path = String::new();
        render_path(
            &mut path,
            "/orgs/{orgId}/apiKeys/{apiUserId}/accessList/{ipAddress}",
            &[
                ("orgId", Segment::Text("a/b c")),
                ("apiUserId", Segment::Text("5d1113b25a115342acc2d1aa")),
                ("ipAddress", Segment::Encoded("192.0.2.0%2F24".into())),
            ],
        )
        .unwrap();
        assert_eq!(
            path,
            "/orgs/a%2Fb%20c/apiKeys/5d1113b25a115342acc2d1aa/accessList/192.0.2.0%2F24"
        );
    }

    #[test]
    fn render_path_reports_missing_values() {
        let err = render_path(&mut String::new(), "/orgs/{orgId}", &[]).unwrap_err();
        assert!(err.to_string().contains("orgId"));
        assert!(render_path(&mut String::new(), "/orgs/{orgId", &[]).is_err());
    }
}
