//! The `envelope=true` response shapes (NOTES (c)).
//!
//! A single entity comes as `{"status", "content"}` ([`Envelope`]); a list keeps its
//! page shape and gains `status` beside `results` ([`EnvelopedPage`]). Two types rather
//! than one generic, because the two shapes differ on the wire. This module must NOT
//! decide whether to ask for an envelope.

use crate::Page;

/// A single entity wrapped by `envelope=true`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Envelope<T> {
    /// The HTTP status the server would have sent.
    pub status: u16,
    /// The body the server would have sent.
    pub content: T,
}

/// A list wrapped by `envelope=true`: the page plus `status`.
///
/// ```
/// use atlas_keys_model::EnvelopedPage;
///
/// let p: EnvelopedPage<u8> =
///     serde_json::from_str(r#"{"status":200,"results":[],"totalCount":0}"#).unwrap();
/// assert_eq!(p.status, 200);
/// assert_eq!(p.page.total_count(), Some(0));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EnvelopedPage<T> {
    /// The HTTP status the server would have sent.
    pub status: u16,
    /// The page itself, flattened beside `status`.
    #[serde(flatten)]
    pub page: Page<T>,
}
