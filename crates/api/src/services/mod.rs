//! The three services — organization keys, access lists, project keys — each as a trait
//! over typed requests (mockable) plus a fluent handler that builds those requests.
//!
//! What it is for: the public call style, `client.org_keys().create(&org).desc("ci")
//! .role(OrgRole::Member).send().await`, over traits that tests can replace.
//!
//! What it must NOT do: know URL paths or HTTP (the HTTP implementation of the traits is
//! `dispatch.rs`), or send anything that failed validation.

pub(crate) mod access_list;
pub(crate) mod org_keys;
pub(crate) mod project_keys;

/// The `envelope` and `pretty` query options every operation takes.
///
/// `envelope=true` asks the server to wrap the body with its status; the client unwraps
/// it, so the typed result is the same. `pretty=true` asks for indented JSON, which only
/// matters to someone reading raw traffic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RequestOptions {
    /// Send `envelope=true`.
    pub envelope: bool,
    /// Send `pretty=true`.
    pub pretty: bool,
}

impl RequestOptions {
    /// Sets `envelope`.
    pub fn with_envelope(mut self, envelope: bool) -> Self {
        self.envelope = envelope;
        self
    }

    /// Sets `pretty`.
    pub fn with_pretty(mut self, pretty: bool) -> Self {
        self.pretty = pretty;
        self
    }
}

/// Adds `envelope(bool)`, `pretty(bool)` and `options(RequestOptions)` to a fluent builder
/// with an `options: RequestOptions` field.
macro_rules! request_options {
    () => {
        /// Asks the server to wrap the response in an envelope; the result is unwrapped, so
        /// it is the same either way.
        pub fn envelope(mut self, envelope: bool) -> Self {
            self.options.envelope = envelope;
            self
        }

        /// Asks the server for pretty-printed JSON.
        pub fn pretty(mut self, pretty: bool) -> Self {
            self.options.pretty = pretty;
            self
        }

        /// Sets both query options at once.
        pub fn options(mut self, options: $crate::services::RequestOptions) -> Self {
            self.options = options;
            self
        }
    };
}
pub(crate) use request_options;
