//! Test support for the cross-crate reliability suites of atlas-keys (issue #8).
//!
//! The suites themselves are the integration tests in `tests/`; this library holds what
//! several of them share: the run sizes ([`scale`]), and later raw HTTP, a digest signer and
//! child-process handling. It is a test-only crate (`publish = false`).
//!
//! What it must NOT do: be depended on by any shipping crate, talk to anything but servers the
//! tests start on 127.0.0.1, or stop a process it did not start (no kill by name).

pub mod scale;
