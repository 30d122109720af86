//! Integration tests of the transport against in-process servers: both backends, digest,
//! service accounts and retries. One test binary, to keep link time and disk low; one module
//! per concern. `secrets` is a binary of its own because it installs the process-wide tracing
//! subscriber.

#[path = "../support/mod.rs"]
mod support;

mod backends;
mod digest;
mod digest_lanes;
mod env;
mod hostile;
mod proxy;
mod retry;
mod service_account;
mod tls_roots;
