//! `cargo xtask fuzz`: runs every cargo-fuzz target in `fuzz/` for a bounded time and reports
//! how many inputs each one executed.
//!
//! Usage: `cargo xtask fuzz [--seconds N] [--jobs 1|2] [TARGET...]` (default 60 s each, one at
//! a time, all targets). It needs the nightly toolchain and cargo-fuzz
//! (`cargo install cargo-fuzz`). Targets run with `-max_total_time=N` and
//! `-print_final_stats=1`; the run count comes from libFuzzer's `stat::number_of_executed_units`
//! (or the last `#N` status line). A crash fails the command and names the artifact.
//!
//! What it must NOT do: run more than two fuzzers at once (the machine is shared), run without a
//! time bound, or write anywhere but `fuzz/` (corpus, artifacts and target are git-ignored).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;

use crate::cmd::{describe, workspace_root};

/// The targets in `fuzz/fuzz_targets/`, in the order they run.
const TARGETS: [&str; 4] = [
    "www_authenticate",
    "authorization_header",
    "model_json",
    "access_list_address",
];

/// What one fuzzer run produced.
#[derive(Debug, Clone)]
struct Outcome {
    target: String,
    seconds: u64,
    runs: Option<u64>,
    corpus: Option<u64>,
    ok: bool,
    note: String,
}

pub(crate) fn run(args: &Args) -> Result<(), String> {
    let targets = args.targets();
    let fuzz_dir = workspace_root().join("fuzz");
    if !fuzz_dir.join("Cargo.toml").is_file() {
        return Err(format!("no fuzz crate at {}", fuzz_dir.display()));
    }
    check_cargo_fuzz(&fuzz_dir)?;
    // Build first, one target at a time, so the timed runs measure fuzzing and not compiling.
    for target in &targets {
        let mut build = nightly_cargo(&fuzz_dir);
        build.args(["fuzz", "build", "--release", target]);
        eprintln!("\n==> fuzz build: {}", describe(&build));
        let status = build
            .status()
            .map_err(|error| format!("could not start `{}`: {error}", describe(&build)))?;
        if !status.success() {
            return Err(format!("building fuzz target {target} failed ({status})"));
        }
    }
    let mut outcomes = Vec::new();
    for batch in targets.chunks(usize::from(args.jobs)) {
        let handles: Vec<_> = batch
            .iter()
            .map(|target| {
                let target = target.clone();
                let dir = fuzz_dir.clone();
                let seconds = args.seconds;
                thread::spawn(move || run_target(&dir, &target, seconds))
            })
            .collect();
        for handle in handles {
            outcomes.push(
                handle
                    .join()
                    .map_err(|_| "a fuzz runner thread panicked".to_owned())??,
            );
        }
    }
    println!(
        "\n{:<22} {:>8} {:>14} {:>8}  result",
        "target", "seconds", "runs", "corpus"
    );
    for o in &outcomes {
        println!(
            "{:<22} {:>8} {:>14} {:>8}  {}",
            o.target,
            o.seconds,
            o.runs.map_or("?".to_owned(), |n| n.to_string()),
            o.corpus.map_or("?".to_owned(), |n| n.to_string()),
            if o.ok {
                "ok".to_owned()
            } else {
                format!("FAILED: {}", o.note)
            },
        );
    }
    let failed = outcomes.iter().filter(|o| !o.ok).count();
    if failed == 0 {
        Ok(())
    } else {
        Err(format!("{failed} fuzz target(s) failed"))
    }
}

/// `cargo xtask fuzz [--seconds N] [--jobs 1|2] [TARGET...]`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// How long each target runs
    #[arg(long, value_name = "N", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    seconds: u64,
    /// How many targets run at once (at most two: the machine is shared)
    #[arg(long, value_name = "1|2", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    jobs: u8,
    /// The targets to run (default: all of them)
    #[arg(value_name = "TARGET", value_parser = TARGETS)]
    targets: Vec<String>,
}

impl Args {
    /// The targets to run, in the order given; all of them when none is named.
    fn targets(&self) -> Vec<String> {
        if self.targets.is_empty() {
            TARGETS.iter().map(|t| (*t).to_owned()).collect()
        } else {
            self.targets.clone()
        }
    }
}

/// `cargo +nightly` in `dir`. It goes through the rustup proxy on PATH, not `$CARGO` (which is
/// the pinned stable cargo and does not understand `+nightly`).
fn nightly_cargo(dir: &Path) -> Command {
    let mut command = Command::new("cargo");
    command
        .arg("+nightly")
        .current_dir(dir)
        // The pinned toolchain of the workspace must not override the explicit `+nightly`.
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .env_remove("CARGO_TARGET_DIR");
    command
}

fn check_cargo_fuzz(dir: &Path) -> Result<(), String> {
    let output = nightly_cargo(dir)
        .args(["fuzz", "--version"])
        .output()
        .map_err(|error| format!("could not run `cargo +nightly fuzz`: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(
            "`cargo +nightly fuzz` is not available: install the nightly toolchain \
             (`rustup toolchain install nightly`) and cargo-fuzz (`cargo install cargo-fuzz`)"
                .to_owned(),
        )
    }
}

/// Runs one target for `seconds`, echoing libFuzzer's status lines with the target's name.
fn run_target(fuzz_dir: &Path, target: &str, seconds: u64) -> Result<Outcome, String> {
    let corpus: PathBuf = fuzz_dir.join("corpus").join(target);
    let seeds: PathBuf = fuzz_dir.join("seeds").join(target);
    std::fs::create_dir_all(&corpus)
        .map_err(|error| format!("could not create {}: {error}", corpus.display()))?;
    let mut command = nightly_cargo(fuzz_dir);
    command.args(["fuzz", "run", "--release", target]);
    command.arg(&corpus);
    if seeds.is_dir() {
        // Read-only seeds: libFuzzer writes new inputs to the first directory only.
        command.arg(&seeds);
    }
    command.args([
        "--",
        &format!("-max_total_time={seconds}"),
        "-print_final_stats=1",
        "-rss_limit_mb=2048",
        "-timeout=10",
    ]);
    eprintln!("\n==> fuzz {target}: {}", describe(&command));
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .map_err(|error| format!("could not start `{}`: {error}", describe(&command)))?;
    let stderr = child.stderr.take().expect("stderr was piped");
    let mut stats = Stats::default();
    let mut tail: Vec<String> = Vec::new();
    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
        stats.read(&line);
        // Keep the console readable: progress lines only now and then, everything else as is.
        if !line.starts_with('#') || line.contains("DONE") || line.contains("INITED") {
            eprintln!("[{target}] {line}");
        }
        tail.push(line);
        if tail.len() > 40 {
            tail.remove(0);
        }
    }
    let status = child
        .wait()
        .map_err(|error| format!("fuzz {target}: could not wait: {error}"))?;
    let note = if status.success() {
        String::new()
    } else {
        let artifact = tail
            .iter()
            .find_map(|l| l.split("Test unit written to ").nth(1))
            .unwrap_or("no artifact named");
        format!("{status}; {artifact}")
    };
    Ok(Outcome {
        target: target.to_owned(),
        seconds,
        runs: stats.runs,
        corpus: stats.corpus,
        ok: status.success(),
        note,
    })
}

/// Figures read from libFuzzer's stderr.
#[derive(Debug, Default)]
struct Stats {
    runs: Option<u64>,
    corpus: Option<u64>,
}

impl Stats {
    /// Reads `stat::number_of_executed_units: N` (final) or `#N <event> ... corp: C/...`.
    fn read(&mut self, line: &str) {
        if let Some(value) = line.strip_prefix("stat::number_of_executed_units:") {
            self.runs = value.trim().parse().ok().or(self.runs);
            return;
        }
        let Some(rest) = line.strip_prefix('#') else {
            return;
        };
        let mut words = rest.split_whitespace();
        if let Some(n) = words.next().and_then(|n| n.parse::<u64>().ok()) {
            // The final stat, once printed, wins over status lines.
            if self.runs.is_none_or(|r| r <= n) {
                self.runs = Some(n);
            }
        }
        let mut words = rest.split_whitespace();
        while let Some(word) = words.next() {
            if word == "corp:" {
                self.corpus = words
                    .next()
                    .and_then(|c| c.split('/').next())
                    .and_then(|c| c.parse().ok());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Args, Stats};

    #[test]
    fn reads_run_counts_from_libfuzzer_output() {
        let mut stats = Stats::default();
        stats.read("#2\tINITED cov: 10 ft: 11 corp: 1/1b exec/s: 0 rss: 30Mb");
        stats.read("#524288\tpulse  cov: 80 ft: 200 corp: 42/1033b lim: 4096 exec/s: 17476");
        assert_eq!((stats.runs, stats.corpus), (Some(524_288), Some(42)));
        stats.read("stat::number_of_executed_units: 600123");
        stats.read("Done 600123 runs in 31 second(s)");
        assert_eq!(stats.runs, Some(600_123));
    }

    #[test]
    fn options_default_to_every_target_one_at_a_time() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from(std::iter::once("fuzz").chain(args.iter().copied()))
                .map(|cli| cli.args)
        };
        let args = parse(&[]).expect("no arguments is fine");
        assert_eq!((args.seconds, args.jobs, args.targets().len()), (60, 1, 4));
        let args = parse(&["--seconds", "5", "model_json", "--jobs", "2"]).expect("valid");
        assert_eq!(
            (args.seconds, args.jobs, args.targets()),
            (5, 2, vec!["model_json".to_owned()])
        );
        assert!(parse(&["--jobs", "3"]).is_err());
        assert!(parse(&["--seconds", "0"]).is_err());
        assert!(parse(&["--seconds"]).is_err());
        assert!(parse(&["nope"]).is_err());
    }

    /// The subcommand's arguments on their own, as `cargo xtask fuzz` receives them.
    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }
}
