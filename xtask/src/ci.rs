//! `cargo xtask ci`: the gate every change passes, in a fixed order, stopping at the first failure.
//!
//! Steps: rustfmt, clippy (all targets, warnings denied), the whole test suite, rustdoc
//! (warnings denied), the model crate built for wasm32. The last line printed is always the
//! plain `N passed, N failed` summary that CI reads; a step that fails before or after the
//! tests counts as one failure in it.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::cmd::{cargo, describe, run_step};

/// Totals parsed from libtest's `test result:` lines.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    passed: u64,
    failed: u64,
}

impl Tally {
    /// Adds one line of `cargo test` output: a `test result:` line counts, any other is ignored.
    fn add_line(&mut self, line: &str) {
        if let Some(result) = parse_result_line(line) {
            self.passed += result.passed;
            self.failed += result.failed;
        }
    }

    /// The last line `cargo xtask ci` prints, the one CI reads.
    fn summary(&self) -> String {
        format!("{} passed, {} failed", self.passed, self.failed)
    }
}

pub(crate) fn run() -> Result<(), String> {
    let mut tally = Tally::default();
    let outcome = steps(&mut tally);
    if outcome.is_err() && tally.failed == 0 {
        tally.failed = 1;
    }
    if let Err(message) = &outcome {
        eprintln!("\nxtask ci: {message}");
    }
    println!("{}", tally.summary());
    outcome.map_err(|_| "failed".to_owned())
}

fn steps(tally: &mut Tally) -> Result<(), String> {
    run_step("rustfmt", cargo().args(["fmt", "--all", "--", "--check"]))?;
    run_step(
        "clippy",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    tests(tally)?;
    run_step(
        "rustdoc",
        cargo()
            .args(["doc", "--workspace", "--no-deps", "--all-features"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;
    run_step(
        "model on wasm32",
        cargo().args([
            "build",
            "--package",
            "atlas-keys-model",
            "--target",
            "wasm32-unknown-unknown",
        ]),
    )?;
    Ok(())
}

/// Runs every test in the workspace, echoing libtest's output and adding up its result lines.
fn tests(tally: &mut Tally) -> Result<(), String> {
    let mut command = cargo();
    command
        .args(["test", "--workspace", "--all-features", "--no-fail-fast"])
        .stdout(Stdio::piped());
    eprintln!("\n==> tests: {}", describe(&command));
    let mut child = command
        .spawn()
        .map_err(|error| format!("tests: could not start cargo test: {error}"))?;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            tally.add_line(&line);
        }
    }
    let status = child
        .wait()
        .map_err(|error| format!("tests: cargo test did not finish: {error}"))?;
    match (status.success(), tally.failed) {
        (true, 0) => Ok(()),
        (_, 0) => Err(format!("tests failed to build or run ({status})")),
        (_, failed) => Err(format!("{failed} test(s) failed")),
    }
}

/// Parses `test result: ok. 5 passed; 0 failed; 0 ignored; ...`.
fn parse_result_line(line: &str) -> Option<Tally> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let mut tally = Tally::default();
    for part in rest.split(';') {
        let mut words = part.split_whitespace().rev();
        let (Some(label), Some(count)) = (words.next(), words.next()) else {
            continue;
        };
        let Ok(count) = count.parse::<u64>() else {
            continue;
        };
        match label {
            "passed" => tally.passed = count,
            "failed" => tally.failed = count,
            _ => {}
        }
    }
    Some(tally)
}

#[cfg(test)]
mod tests {
    use super::{Tally, parse_result_line};

    #[test]
    fn parses_libtest_summary_lines() {
        let tally = parse_result_line(
            "test result: FAILED. 12 passed; 3 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.20s",
        )
        .expect("a result line");
        assert_eq!((tally.passed, tally.failed), (12, 3));
    }

    #[test]
    fn adds_up_every_binary_and_prints_the_ci_line() {
        let output = "\
running 2 tests
test a ... ok
test b ... ok

test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s

running 4 tests
test c ... FAILED
test result: FAILED. 3 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.02s
   Doc-tests atlas-keys
test result: ok. 7 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 1.10s
";
        let mut tally = Tally::default();
        output.lines().for_each(|line| tally.add_line(line));
        assert_eq!(tally.summary(), "12 passed, 1 failed");
        assert_eq!(Tally::default().summary(), "0 passed, 0 failed");
    }

    #[test]
    fn ignores_other_lines() {
        assert!(parse_result_line("running 3 tests").is_none());
        assert!(parse_result_line("test foo ... ok").is_none());
    }
}
