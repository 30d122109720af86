//! Integration tests of the `atlas-keys` client, against the in-process emulator and
//! against the transport fakes (scripted or mocked). One test binary (fast to link); one module per
//! concern. The flavour × backend × auth × envelope matrix lives in `common`.

mod audit_fetch;
mod audit_report;
mod common;
mod digest_strict;
mod errors;
mod ipinfo;
mod mocks;
mod operations;
mod pacing;
mod pagination;
mod rotate;
