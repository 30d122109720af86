//! [`MockTransport`]: a mockall mock of [`Transport`](crate::Transport).
//!
//! What it is for: tests that set expectations on requests. What it must NOT do: be used for
//! recording traffic (use [`ScriptedTransport`](super::ScriptedTransport)).
//!
//! `mock!` (not `#[automock]` on the trait) keeps the mock in this module; inside it,
//! `#[async_trait]` comes after mockall's parsing, as mockall requires.

#![allow(missing_docs)] // mockall generates undocumented items.

use async_trait::async_trait;
use bytes::Bytes;
use http::{Request, Response};

use crate::{Error, Transport};

mockall::mock! {
    /// A mock [`Transport`]: `MockTransport::new()`, then `expect_send()`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use atlas_keys_transport::{Transport, test_util::MockTransport};
    ///
    /// let mut mock = MockTransport::new();
    /// mock.expect_send()
    ///     .times(1)
    ///     .returning(|_| Ok(http::Response::new(bytes::Bytes::from_static(b"{}"))));
    /// let r = mock.send(http::Request::get("http://x/").body(bytes::Bytes::new()).unwrap()).await;
    /// assert!(r.is_ok());
    /// # }
    /// ```
    pub Transport {}

    #[async_trait]
    impl Transport for Transport {
        async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Error>;
    }
}

// mockall 0.13 does not derive `Debug`, which `Transport` requires.
impl std::fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MockTransport")
    }
}
