//! Running child processes: one place that prints what runs and turns a failure into a message.
//!
//! It must not swallow a child's output: users read it to see why a step failed.

use std::path::PathBuf;
use std::process::Command;

/// The workspace root: xtask lives one level below it.
pub(crate) fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// A `cargo` command run from the workspace root, with the same toolchain as ours.
pub(crate) fn cargo() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(workspace_root());
    command
}

/// Runs `command` with inherited stdio; an unsuccessful exit becomes an error naming `step`.
pub(crate) fn run_step(step: &str, command: &mut Command) -> Result<(), String> {
    eprintln!("\n==> {step}: {}", describe(command));
    let status = command
        .status()
        .map_err(|error| format!("{step}: could not start `{}`: {error}", describe(command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{step} failed ({status})"))
    }
}

/// The command line as a user would type it, for logs.
pub(crate) fn describe(command: &Command) -> String {
    let mut line = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    line
}
