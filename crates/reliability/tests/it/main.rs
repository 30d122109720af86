//! The reliability suites: hostile input, faults, kills, concurrency and parsers, each a module
//! of one test binary to keep link time and disk low. `secrets` is a binary of its own because
//! it installs the process-wide tracing subscriber. Sizes come from `atlas_keys_reliability::scale`
//! (CI by default, `cargo xtask soak` for the full runs).

mod cli_input;
mod concurrency;
mod durability;
mod durability_state_file;
mod faults;
mod hostile_input;
mod hostile_servers;
mod parsers_never_panic;
