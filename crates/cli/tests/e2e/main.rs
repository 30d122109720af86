//! End-to-end tests of the `atlas-keys` binary against an in-process emulator.
//!
//! One test binary (so the emulator is linked once), one module per concern. Every test
//! starts its own emulator on 127.0.0.1 port 0 and passes its URL and credentials to the
//! binary through environment variables, exactly as a user would. Nothing here may touch
//! the network beyond loopback, or assert on timing.

mod harness;

mod access_lists;
mod audit;
mod errors;
mod flags;
mod org_keys;
mod paging;
mod project_keys;
mod rotate;
mod secrets;
mod token_cache;
