//! An async Transport trait with reqwest and hyper backends, HTTP Digest in one round trip, OAuth 2.0 service accounts and retries. Knows no Atlas path.
//!
//! Work in progress: see ARCHITECTURE.md.
#![deny(missing_docs)]
