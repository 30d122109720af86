//! The `atlas-keys` binary: parse the command line, load the configuration, run one
//! command, map the outcome to an exit status.
//!
//! Kept thin on purpose: parsing lives in `args`, configuration in `config`, behaviour in
//! `commands`, printing in `output`, and failures in `exit`. This file must NOT print
//! results or errors itself.

mod args;
mod commands;
mod config;
mod exit;
mod hints;
mod output;
mod progress;
mod token_cache;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::config::{NoKeyring, OsKeyring, ProcessEnv};

fn main() -> ExitCode {
    init_tracing();
    let argv: Vec<_> = std::env::args_os().collect();
    // First a lenient look at the global flags (profile, output, server), so the
    // configuration can supply `--orgId` / `--projectId` defaults to the real parse.
    let first = args::defaults::first_look(args::Cli::command(), &argv);
    let resolved = if first.needs_credentials {
        config::load(&first.flags, &ProcessEnv, &OsKeyring::default())
    } else {
        config::load(&first.flags, &ProcessEnv, &NoKeyring)
    };
    // Errors are JSON when -o (or MONGODB_ATLAS_OUTPUT, or the profile) asks for JSON.
    let json_errors = first.json_errors
        || matches!(
            resolved.output_as(output::format::Format::parse),
            Ok(Some(
                output::format::Format::Json | output::format::Format::JsonPath(_)
            ))
        );
    let command = args::defaults::with_defaults(args::Cli::command(), &resolved);
    let cli = match command
        .try_get_matches_from(&argv)
        .and_then(|m| args::Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(error) => {
            // A missing --orgId/--projectId: say where a default could have come from, or
            // which variable holds a malformed one.
            if let Some(config_error) = args::defaults::missing_id_error(&error, &resolved) {
                return exit::Failure::from(config_error).report(json_errors);
            }
            return exit::command_line(error, json_errors);
        }
    };
    commands::run(cli, resolved)
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
