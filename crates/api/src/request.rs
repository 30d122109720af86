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

/// One value for a path placeholder.
#[derive(Debug, Clone)]
pub(crate) enum Segment {
    /// Text to percent-encode (ids).
    Text(String),
    /// A value that is already a valid path segment (an access-list address from
    /// `AccessListAddress::to_path_segment`, whose `/` is already `%2F`).
    Encoded(String),
}

impl Segment {
    fn render(&self) -> String {
        match self {
            Segment::Text(text) => utf8_percent_encode(text, SEGMENT).to_string(),
            Segment::Encoded(encoded) => encoded.clone(),
        }
    }
}

/// Everything a request needs besides the table row.
#[derive(Debug, Default)]
pub(crate) struct RequestArgs {
    /// Values for the placeholders, by name (`orgId`, `groupId`, `apiUserId`, `ipAddress`).
    pub(crate) path: Vec<(&'static str, Segment)>,
    /// Query parameters (name, value), in order.
    pub(crate) query: Vec<(&'static str, String)>,
    /// The serialized JSON body, if any.
    pub(crate) body: Option<Vec<u8>>,
}

/// Fills the path template. A placeholder without a value is a bug in this crate, reported
/// as an error rather than a panic.
pub(crate) fn render_path(
    template: &str,
    args: &[(&'static str, Segment)],
) -> Result<String, Error> {
    let mut out = String::with_capacity(template.len() + 64);
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
        out.push_str(&value.render());
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Builds the request, and returns it with its path (for messages: no host, no query).
pub(crate) fn build(
    config: &Config,
    spec: &OperationSpec,
    args: RequestArgs,
) -> Result<(http::Request<Bytes>, String), Error> {
    let path = format!(
        "{}{}",
        path_prefix(config.flavour),
        render_path(spec.path, &args.path)?
    );
    let mut uri = format!("{}{}", config.base_url, path);
    for (i, (name, value)) in args.query.iter().enumerate() {
        uri.push(if i == 0 { '?' } else { '&' });
        uri.push_str(name);
        uri.push('=');
        uri.extend(utf8_percent_encode(value, SEGMENT));
    }
    let media = config.media_type.clone();
    let mut builder = http::Request::builder()
        .method(spec.method.as_http())
        .uri(uri)
        .header(ACCEPT, media.clone())
        .header(USER_AGENT, config.user_agent.clone());
    let body = match args.body {
        Some(body) => {
            builder = builder.header(CONTENT_TYPE, media);
            Bytes::from(body)
        }
        None => Bytes::new(),
    };
    let request = builder
        .body(body)
        .map_err(|e| Error::config(format!("cannot build a request for {path}: {e}")))?;
    Ok((request, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_path_encodes_text_and_keeps_encoded() {
        let path = render_path(
            "/orgs/{orgId}/apiKeys/{apiUserId}/accessList/{ipAddress}",
            &[
                ("orgId", Segment::Text("a/b c".into())),
                (
                    "apiUserId",
                    Segment::Text("5d1113b25a115342acc2d1aa".into()),
                ),
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
        let err = render_path("/orgs/{orgId}", &[]).unwrap_err();
        assert!(err.to_string().contains("orgId"));
        assert!(render_path("/orgs/{orgId", &[]).is_err());
    }
}
