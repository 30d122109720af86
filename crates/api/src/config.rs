//! [`Config`]: what every request needs to know about the client (base URL split once,
//! flavour, version, the `Accept`/`User-Agent` header values), computed once in
//! `ClientBuilder::build`.
//!
//! It sits at the bottom of the crate, below the request path and the client, so that
//! neither imports the other through it. What it must NOT do: hold a transport or a
//! credential, or know an operation.

use std::fmt;

use atlas_keys_model::{ApiVersion, Flavour};
use http::HeaderValue;
use http::uri::{Authority, PathAndQuery, Scheme};

use crate::error::Error;
use crate::operations::path_prefix;

/// What every request needs to know about the client.
#[derive(Clone)]
pub(crate) struct Config {
    /// Scheme, host, port and optional path, without a trailing `/`.
    pub(crate) base_url: String,
    pub(crate) flavour: Flavour,
    pub(crate) api_version: ApiVersion,
    pub(crate) user_agent: HeaderValue,
    /// `Accept` / `Content-Type`, computed once from the flavour and version.
    pub(crate) media_type: HeaderValue,
    /// `base_url` and the flavour's prefix, split once for the request builder.
    pub(crate) url_base: UrlBase,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &self.base_url)
            .field("flavour", &self.flavour)
            .field("api_version", &self.api_version)
            .field("user_agent", &self.user_agent)
            .field("media_type", &self.media_type)
            .finish()
    }
}

/// The parts of every URL that do not change between calls, parsed once when the client is
/// built: a call then only renders its own path and query (no re-parse of a whole URL string).
#[derive(Debug, Clone)]
pub(crate) struct UrlBase {
    pub(crate) scheme: Scheme,
    pub(crate) authority: Authority,
    /// The base URL's own path (often empty) followed by the flavour's prefix.
    pub(crate) path_prefix: String,
    /// The base URL's own path alone, for rows outside the flavour prefix (`rooted`).
    pub(crate) root_path: String,
}

impl UrlBase {
    /// Splits an already-checked base URL (see the builder) and appends the flavour prefix.
    pub(crate) fn new(base_url: &str, flavour: Flavour) -> Result<Self, Error> {
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
            root_path: base_path.to_owned(),
        })
    }
}
