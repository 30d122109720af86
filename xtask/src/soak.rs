//! `cargo xtask soak`: the reliability suites of `crates/reliability` at full size.
//!
//! It runs `cargo test -p atlas-keys-reliability --release` with `ATLAS_KEYS_SOAK=1`, which
//! scales every suite up (10,000 GETs and 1,000 creates per fault phase, 1,000 concurrent
//! creates, 20 SIGKILL rounds, ...; see each suite's docs). The tests print their figures as
//! `figure: …` lines; this command echoes everything and repeats those
//! lines at the end, which is what RELIABILITY.md records.
//!
//! Usage: `cargo xtask soak [TEST_FILTER...]` (arguments go to libtest as filters).
//! What it must NOT do: mark tests ignored or skip any (the same tests run in CI, smaller), or
//! run the suites in parallel with each other (their figures would interfere on a shared
//! machine).

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::cmd::{cargo, describe};

/// `cargo xtask soak [TEST_FILTER...]`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// libtest filters: run only the tests whose names contain one of them
    #[arg(value_name = "TEST_FILTER")]
    filters: Vec<String>,
}

pub(crate) fn run(args: &Args) -> Result<(), String> {
    // The durability and CLI suites run the binaries as child processes: build them first, in
    // the same profile, so the tests find them fresh instead of building them themselves.
    crate::cmd::run_step(
        "soak: build the binaries",
        cargo().args([
            "build",
            "--release",
            "--package",
            "atlas-keys-emulator",
            "--package",
            "atlas-keys-cli",
            "--bins",
        ]),
    )?;
    let mut command = cargo();
    command
        .args([
            "test",
            "--package",
            "atlas-keys-reliability",
            "--release",
            "--",
            "--nocapture",
            "--test-threads=1",
        ])
        .args(&args.filters)
        .env("ATLAS_KEYS_SOAK", "1")
        // The parser properties (the fuzz targets' twins) get 16 times proptest's default.
        .env("PROPTEST_CASES", "4096")
        .stdout(Stdio::piped());
    eprintln!("\n==> soak: ATLAS_KEYS_SOAK=1 {}", describe(&command));
    let mut child = command
        .spawn()
        .map_err(|error| format!("could not start `{}`: {error}", describe(&command)))?;
    let mut figures = Vec::new();
    let mut failed = 0u64;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            // With --nocapture a figure may follow `test name ... ` on the same line.
            if let Some(at) = line.find("figure: ") {
                figures.push(line[at..].trim().to_owned());
            }
            failed += failed_count(&line);
        }
    }
    let status = child
        .wait()
        .map_err(|error| format!("cargo test did not finish: {error}"))?;
    println!("\n==> soak figures ({}):", figures.len());
    for figure in &figures {
        println!("{figure}");
    }
    if status.success() {
        Ok(())
    } else if failed > 0 {
        Err(format!("{failed} test(s) failed"))
    } else {
        Err(format!("the soak run failed ({status})"))
    }
}

/// The `N failed` count of a libtest summary line, 0 for any other line.
fn failed_count(line: &str) -> u64 {
    let Some(rest) = line.trim().strip_prefix("test result: ") else {
        return 0;
    };
    rest.split(';')
        .filter_map(|part| part.trim().strip_suffix(" failed"))
        .filter_map(|n| n.trim().parse::<u64>().ok())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::failed_count;

    #[test]
    fn counts_failures_from_libtest_summaries_only() {
        assert_eq!(
            failed_count("test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured"),
            2
        );
        assert_eq!(failed_count("figure: 2 failed creates"), 0);
    }
}
