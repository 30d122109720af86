//! Rendering a successful reply: `envelope=true` wrapping, `pretty=true` indentation,
//! and the served media type.
//!
//! A single entity becomes `{"status", "content"}`; a page gains `status` beside
//! `results`; with an envelope the HTTP status is 200. This module must NOT decide what
//! a reply contains.

use atlas_keys_model::{AccessListEntry, ApiKey, Envelope, EnvelopedPage, OrgSettings, Page};
use http::StatusCode;
use serde::Serialize;

/// What a successful operation answers.
#[derive(Debug)]
pub(crate) enum Reply {
    /// One API key.
    Key(StatusCode, Box<ApiKey>),
    /// A page of API keys.
    Keys(Page<ApiKey>),
    /// One access-list entry.
    Entry(AccessListEntry),
    /// A page of access-list entries.
    Entries(Page<AccessListEntry>),
    /// An organization's settings.
    Settings(OrgSettings),
    /// No body (204, or 200 for Cloud Manager's unassign).
    Empty(StatusCode),
}

/// Serialises `v`, compact or pretty.
pub(crate) fn to_json<T: Serialize + ?Sized>(v: &T, pretty: bool) -> Vec<u8> {
    let r = if pretty {
        serde_json::to_vec_pretty(v)
    } else {
        serde_json::to_vec(v)
    };
    r.unwrap_or_else(|_| b"{}".to_vec())
}

impl Reply {
    /// The HTTP status and body for these options. `None` body means no content.
    pub(crate) fn render(self, envelope: bool, pretty: bool) -> (StatusCode, Option<Vec<u8>>) {
        fn single<T: Serialize>(
            status: StatusCode,
            v: T,
            env: bool,
            pretty: bool,
        ) -> (StatusCode, Option<Vec<u8>>) {
            if env {
                let e = Envelope {
                    status: status.as_u16(),
                    content: v,
                };
                (StatusCode::OK, Some(to_json(&e, pretty)))
            } else {
                (status, Some(to_json(&v, pretty)))
            }
        }
        fn page<T: Serialize>(
            p: Page<T>,
            env: bool,
            pretty: bool,
        ) -> (StatusCode, Option<Vec<u8>>) {
            if env {
                let e = EnvelopedPage {
                    status: 200,
                    page: p,
                };
                (StatusCode::OK, Some(to_json(&e, pretty)))
            } else {
                (StatusCode::OK, Some(to_json(&p, pretty)))
            }
        }
        match self {
            // The key was built redacted unless it is a create's answer, which must carry
            // the full private key: so write the key as it holds it.
            Reply::Key(status, k) => single(status, k.revealing(), envelope, pretty),
            Reply::Keys(p) => page(p, envelope, pretty),
            Reply::Entry(e) => single(StatusCode::OK, e, envelope, pretty),
            Reply::Entries(p) => page(p, envelope, pretty),
            Reply::Settings(s) => single(StatusCode::OK, s, envelope, pretty),
            Reply::Empty(status) => {
                if envelope {
                    let e = Envelope {
                        status: status.as_u16(),
                        content: serde_json::json!({}),
                    };
                    (StatusCode::OK, Some(to_json(&e, pretty)))
                } else {
                    (status, None)
                }
            }
        }
    }
}
