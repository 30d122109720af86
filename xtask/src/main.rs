//! `cargo xtask`: the project's automation, one binary with subcommands.
//!
//! It depends on nothing of ours and on no crate at all, so it compiles in a second and can
//! drive the workspace even when a library crate does not build. It drives cargo and the
//! built binaries as child processes; it must never link our crates.

mod bench;
mod ci;
mod cmd;
mod demo;
mod fuzz;
mod interop;
mod json;
mod process;
mod python_env;
mod soak;
mod tidy;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  bench     benchmarks: criterion micro benches and end-to-end runs against the emulator;
            prints a table and writes BENCHMARKS.md (`--quick` for small sizes)
  ci        fmt, clippy, the whole test suite, docs, the model's wasm32 build;
            ends with one line `N passed, N failed`
  demo      a whole atlas-keys session against the emulator, every step checked
  fuzz      every cargo-fuzz target for a bounded time (`--seconds N`, `--jobs 1|2`);
            needs nightly and cargo-fuzz; prints each target's run count
  interop   our transport vs httpbin's digest auth, and our emulator vs curl, Python
            requests and schemathesis (installs a throwaway Python virtualenv);
            ends with one line `N passed, N failed`
  soak      the reliability suites at full size (release, ATLAS_KEYS_SOAK=1);
            prints the figures RELIABILITY.md records
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest = &args[1..];
    let result = match command.as_str() {
        "bench" => bench::run(rest),
        "ci" => ci::run(rest),
        "demo" => demo::run(rest),
        "fuzz" => fuzz::run(rest),
        "interop" => interop::run(rest),
        "soak" => soak::run(rest),
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => {
            eprint!("xtask: unknown command `{other}`\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask {command}: {message}");
            ExitCode::FAILURE
        }
    }
}
