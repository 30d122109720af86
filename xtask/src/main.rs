//! `cargo xtask`: the project's automation, one binary with subcommands.
//!
//! It depends on nothing of ours, only on serde_json and clap (see its Cargo.toml), so it
//! builds quickly and can drive the workspace even when a library crate does not build. It
//! drives cargo and the built binaries as child processes; it must never link our crates.

mod apache;
mod bench;
mod ci;
mod cmd;
mod demo;
mod emulator_line;
mod fuzz;
mod interop;
mod man;
mod process;
mod python_env;
mod soak;
mod tidy;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The project's automation.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Benchmarks: criterion micro benches and end-to-end runs against the emulator; prints a
    /// table and writes BENCHMARKS.md (`--quick` for small sizes)
    Bench(bench::Args),
    /// fmt, clippy, the whole test suite, docs, the model's wasm32 build; ends with one line
    /// `N passed, N failed`
    Ci,
    /// A whole atlas-keys session against the emulator, every step checked
    Demo,
    /// Every cargo-fuzz target for a bounded time; needs nightly and cargo-fuzz; prints each
    /// target's run count
    Fuzz(fuzz::Args),
    /// Our transport vs httpbin's and Apache httpd's digest auth (Apache with
    /// AuthDigestNcCheck On, also against the CLI's `list --all`), our emulator vs curl,
    /// Python requests and schemathesis, and the audit's SARIF vs the SARIF schema, sarif-tools
    /// and Microsoft's SARIF Multitool (installs a throwaway Python virtualenv, the Multitool with
    /// npm and, with apt-get, Apache when missing); ends with one line `N passed, N failed`
    Interop,
    /// The man pages of atlas-keys, one per command, written by the built binary into DIR
    /// (default target/man)
    Man(man::Args),
    /// The reliability suites at full size (release, ATLAS_KEYS_SOAK=1); prints the figures
    /// RELIABILITY.md records
    Soak(soak::Args),
}

impl Command {
    fn name(&self) -> &'static str {
        match self {
            Command::Bench(_) => "bench",
            Command::Ci => "ci",
            Command::Demo => "demo",
            Command::Fuzz(_) => "fuzz",
            Command::Interop => "interop",
            Command::Man(_) => "man",
            Command::Soak(_) => "soak",
        }
    }
}

fn main() -> ExitCode {
    // clap prints help and usage errors itself and exits 2 on a usage error, as before.
    let cli = Cli::parse();
    let name = cli.command.name();
    let result = match cli.command {
        Command::Bench(args) => bench::run(&args, &typed_command()),
        Command::Ci => ci::run(),
        Command::Demo => demo::run(),
        Command::Fuzz(args) => fuzz::run(&args),
        Command::Interop => interop::run(),
        Command::Man(args) => man::run(&args),
        Command::Soak(args) => soak::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask {name}: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The command as the user typed it (`cargo xtask bench --quick`), for reports.
fn typed_command() -> String {
    std::iter::once("cargo xtask".to_owned())
        .chain(std::env::args().skip(1))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::{Cli, Command};

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_subcommand_parses_without_arguments() {
        for (word, name) in [
            ("bench", "bench"),
            ("ci", "ci"),
            ("demo", "demo"),
            ("fuzz", "fuzz"),
            ("interop", "interop"),
            ("man", "man"),
            ("soak", "soak"),
        ] {
            let cli = Cli::try_parse_from(["xtask", word]).expect(word);
            assert_eq!(cli.command.name(), name);
        }
        assert!(Cli::try_parse_from(["xtask"]).is_err());
        assert!(Cli::try_parse_from(["xtask", "nope"]).is_err());
        assert!(Cli::try_parse_from(["xtask", "ci", "extra"]).is_err());
        assert!(Cli::try_parse_from(["xtask", "demo", "--verbose"]).is_err());
        assert!(matches!(
            Cli::try_parse_from(["xtask", "interop"]).map(|cli| cli.command),
            Ok(Command::Interop)
        ));
    }
}
