//! Integration tests of the `atlas-keys` client, against the in-process emulator and
//! against the transport fakes (scripted or mocked). One test binary (fast to link); one module per
//! concern. The flavour × backend × auth × envelope matrix lives in `common`.
//!
//! The modules that talk to the emulator need an HTTP backend (feature `hyper` or `reqwest`;
//! they run over whichever is compiled in); the fakes' modules run without one.

#[cfg(any(feature = "hyper", feature = "reqwest"))]
mod audit_fetch;
mod audit_report;
#[cfg(any(feature = "hyper", feature = "reqwest"))]
mod common;
#[cfg(any(feature = "hyper", feature = "reqwest"))]
mod digest_strict;
#[cfg(any(feature = "hyper", feature = "reqwest"))]
mod errors;
#[cfg(any(feature = "hyper", feature = "reqwest"))]
mod ipinfo;
mod mocks;
#[cfg(any(feature = "hyper", feature = "reqwest"))]
mod operations;
mod pacing;
#[cfg(any(feature = "hyper", feature = "reqwest"))]
mod pagination;
#[cfg(any(feature = "hyper", feature = "reqwest"))]
mod rotate;
