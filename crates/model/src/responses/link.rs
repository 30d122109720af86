//! A hypermedia link in a response body (`{href, rel}`).
//!
//! This module must NOT interpret or build URLs; links are opaque strings from the server.

use std::borrow::Cow;

/// A link relation, e.g. `{"href": "…", "rel": "next"}`.
///
/// ```
/// use atlas_keys_model::Link;
///
/// let link: Link = serde_json::from_str(r#"{"href":"https://h/x?pageNum=2","rel":"next"}"#).unwrap();
/// assert_eq!((link.href(), link.rel()), ("https://h/x?pageNum=2", "next"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Link {
    href: String,
    /// The three relations the service sends are kept as static text: every key of every
    /// response carries a link, and a relation is then not an allocation.
    rel: Cow<'static, str>,
}

/// The wire shape; missing fields read as empty, as the service's links are opaque.
#[derive(serde::Serialize, serde::Deserialize)]
struct LinkWire<'a> {
    #[serde(default, borrow)]
    href: Cow<'a, str>,
    #[serde(default, borrow)]
    rel: Cow<'a, str>,
}

impl Link {
    /// Builds a link.
    pub fn new(href: impl Into<String>, rel: impl AsRef<str>) -> Self {
        Self {
            href: href.into(),
            rel: relation(rel.as_ref()),
        }
    }

    /// The target URL, verbatim.
    pub fn href(&self) -> &str {
        &self.href
    }

    /// The relation: `self`, `next`, `previous`, or anything else the server sends.
    pub fn rel(&self) -> &str {
        &self.rel
    }

    /// Finds the first link with relation `rel`.
    pub(crate) fn find<'a>(links: &'a [Link], rel: &str) -> Option<&'a Link> {
        links.iter().find(|l| l.rel == rel)
    }
}

fn relation(rel: &str) -> Cow<'static, str> {
    match rel {
        "self" => Cow::Borrowed("self"),
        "next" => Cow::Borrowed("next"),
        "previous" => Cow::Borrowed("previous"),
        other => Cow::Owned(other.to_owned()),
    }
}

impl<'de> serde::Deserialize<'de> for Link {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = LinkWire::deserialize(deserializer)?;
        Ok(Link {
            href: wire.href.into_owned(),
            rel: relation(&wire.rel),
        })
    }
}

impl serde::Serialize for Link {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        LinkWire {
            href: Cow::Borrowed(&self.href),
            rel: Cow::Borrowed(&self.rel),
        }
        .serialize(serializer)
    }
}
