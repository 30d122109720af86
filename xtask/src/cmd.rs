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

/// Cargo's target directory as cargo itself resolves it for our commands: `CARGO_TARGET_DIR`
/// (relative to the workspace root, where our cargo commands run) or `<root>/target`.
pub(crate) fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => workspace_root().join(dir),
        _ => workspace_root().join("target"),
    }
}

/// A `cargo` command run from the workspace root, with the same toolchain as ours.
///
/// Incremental compilation is off unless the caller set `CARGO_INCREMENTAL` themselves: our
/// commands build each target once (CI runs on a fresh clone), and the incremental caches
/// were 1.8 GB of a 6.2 GB `.ci/run` on a machine whose disk may be nearly full. Every command
/// xtask runs gets the same setting, so one never rebuilds what another built.
pub(crate) fn cargo() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(workspace_root());
    if std::env::var_os("CARGO_INCREMENTAL").is_none() {
        command.env("CARGO_INCREMENTAL", "0");
    }
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
    describe_masked(command, &[])
}

/// Like [`describe`], with every occurrence of each non-empty `secret` replaced by `***`, so
/// logs show what ran without the passwords it ran with.
pub(crate) fn describe_masked(command: &Command, secrets: &[&str]) -> String {
    let mut line = shell_quote(&command.get_program().to_string_lossy());
    for arg in command.get_args() {
        line.push(' ');
        line.push_str(&shell_quote(&arg.to_string_lossy()));
    }
    for secret in secrets.iter().filter(|secret| !secret.is_empty()) {
        line = line.replace(secret, "***");
    }
    line
}

/// `word` as a POSIX shell reads it back: bare when that is safe, else in single quotes.
fn shell_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::{describe, describe_masked};

    #[test]
    fn describes_and_masks_command_lines() {
        let mut command = Command::new("curl");
        command.args(["--user", "abcdefgh:s3cr3t-key", "http://127.0.0.1:1/"]);
        assert_eq!(
            describe(&command),
            "curl --user abcdefgh:s3cr3t-key http://127.0.0.1:1/"
        );
        assert_eq!(
            describe_masked(&command, &["s3cr3t-key", ""]),
            "curl --user abcdefgh:*** http://127.0.0.1:1/"
        );
        let mut quoted = Command::new("curl");
        quoted.args([
            "--header",
            "Accept: a/b+json",
            "--data",
            r#"{"d":"it's"}"#,
            "",
        ]);
        assert_eq!(
            describe(&quoted),
            r#"curl --header 'Accept: a/b+json' --data '{"d":"it'\''s"}' ''"#
        );
    }
}
