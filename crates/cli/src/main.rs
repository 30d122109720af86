//! The `atlas-keys` binary: parse the command line, run one command, map the outcome to an
//! exit status.
//!
//! Kept thin on purpose: parsing lives in `args`, behaviour in `commands`, printing in
//! `output`, and failures in `exit`. This file must NOT print results or errors itself.

mod args;
mod commands;
// Wired by the lead into commands/client.rs and args; unused until then.
#[cfg_attr(not(test), allow(dead_code))]
mod config;
mod exit;
mod hints;
mod output;
mod progress;
mod token_cache;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return exit::command_line(error),
    };
    init_tracing();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

/// Logs only when RUST_LOG asks, and only to stderr, so stdout stays the command's output.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
