//! A hypermedia link in a response body (`{href, rel}`).
//!
//! This module must NOT interpret or build URLs; links are opaque strings from the server.

/// A link relation, e.g. `{"href": "…", "rel": "next"}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Link {
    /// The target URL, verbatim.
    #[serde(default)]
    pub href: String,
    /// The relation: `self`, `next`, `previous`, or anything else the server sends.
    #[serde(default)]
    pub rel: String,
}

impl Link {
    /// Builds a link.
    pub fn new(href: impl Into<String>, rel: impl Into<String>) -> Self {
        Self {
            href: href.into(),
            rel: rel.into(),
        }
    }

    /// Finds the first link with relation `rel`.
    pub(crate) fn find<'a>(links: &'a [Link], rel: &str) -> Option<&'a Link> {
        links.iter().find(|l| l.rel == rel)
    }
}
