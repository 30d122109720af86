//! The `atlas-keys-emulator` binary: parses flags, logs to stderr, runs the server.
//!
//! It must NOT print anything to stdout except the startup line `cli::run` writes.

use std::io::IsTerminal as _;

use clap::Parser as _;

fn main() -> std::process::ExitCode {
    let args = atlas_keys_emulator::cli::EmulatorArgs::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("atlas-keys-emulator: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(atlas_keys_emulator::cli::run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("atlas-keys-emulator: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
