//! `cargo xtask`: the project's automation, one binary with subcommands.
//!
//! It depends on nothing of ours and on no crate at all, so it compiles in a second and can
//! drive the workspace even when a library crate does not build. It drives cargo and the
//! built binaries as child processes; it must never link our crates.

mod ci;
mod cmd;
mod demo;
mod interop;
mod json;
mod process;
mod python_env;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  ci        fmt, clippy, the whole test suite, docs, the model's wasm32 build;
            ends with one line `N passed, N failed`
  demo      a whole atlas-keys session against the emulator, every step checked
  interop   our transport vs httpbin's digest auth, and our emulator vs curl, Python
            requests and schemathesis (installs a throwaway Python virtualenv);
            ends with one line `N passed, N failed`
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest = &args[1..];
    let result = match command.as_str() {
        "ci" => ci::run(rest),
        "demo" => demo::run(rest),
        "interop" => interop::run(rest),
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
