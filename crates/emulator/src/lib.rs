//! A stateful local server of the Programmatic API Keys API, with real digest and OAuth auth, for tests and benchmarks.
//!
//! Work in progress: see ARCHITECTURE.md.
#![deny(missing_docs)]
