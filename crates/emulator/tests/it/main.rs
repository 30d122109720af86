//! Integration tests of the emulator: the library in process, and the binary as a child
//! process (`durability`). One test binary, to keep link time and disk low; one module per
//! concern. Shared helpers live in `common`.

mod common;

mod abuse;
mod auth;
mod durability;
mod errors;
mod limits;
mod live;
mod operations;
mod paging;
mod state_log;
