//! End-to-end tests of the `atlas-keys` binary against an in-process emulator.
//!
//! One test binary (so the emulator is linked once), one module per concern. Every test
//! starts its own emulator on 127.0.0.1 port 0 and passes its URL and credentials to the
//! binary through environment variables, exactly as a user would. Nothing here may touch
//! the network beyond loopback, or assert on timing.

mod harness;

mod access_lists;
mod atlas_cli_examples;
mod audit;
mod ci_access;
mod closed_pipe;
mod completion;
mod errors;
mod flags;
mod hints;
mod org_keys;
mod paging;
mod profiles;
mod project_keys;
mod roles;
mod rotate;
mod rotate_faults;
mod secrets;
mod shapes;
mod token_cache;
