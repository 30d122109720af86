//! `cargo xtask bench`: every benchmark in one go, a table on stdout and `BENCHMARKS.md`.
//!
//! 1. Builds the emulator, `atlas-keys-bench` and the criterion benches in one release build.
//! 2. Runs the criterion micro benchmarks (the model's page and validation benches, the
//!    digest-signing benches; the same executables `cargo bench` runs) and reads their medians
//!    from criterion's JSON.
//! 3. Starts release emulators (`--listen 127.0.0.1:0 --rate-limit off`, plus `--latency` and
//!    `--bulk-project-keys` for the listings) as separate processes, and runs each end-to-end
//!    scenario as its own `atlas-keys-bench` process, several times, round-robin, so that every
//!    ratio compares runs taken side by side under the same conditions. Each figure is the
//!    median of the repetitions with their min–max.
//! 4. Prints the table and writes `BENCHMARKS.md` (machine, date, commit, command), keeping the
//!    hand-written analysis below the marker line as it is.
//!
//! This file holds the flags and the order of a run. The running side lives in `bench/`:
//! `release_build`, `micro` (criterion), `emulator` (servers and scenario processes), `running`
//! (the end-to-end suites), `peers` (curl, Python requests) and `profile` (perf); `scenarios`
//! names what is measured. The reporting side reads only what the run collected: `results`,
//! `figures` (medians, ranges, digits) and `report` (the tables and BENCHMARKS.md).
//!
//! What it must NOT do: link any crate of ours (it drives binaries), stop a process by name
//! (servers are stopped by their `Child` handle), treat a missed target as a failure (these are
//! measurements; the verdicts are reported, never asserted), or install anything but the
//! throwaway Python virtualenv, curl and, with `--profile`, perf.

mod audit_suite;
mod emulator;
mod figures;
mod machine;
mod micro;
mod paths;
mod peers;
mod profile;
mod release_build;
mod report;
mod results;
mod running;
mod scenarios;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use machine::Machine;
use paths::Paths;
use peers::Peers;
use report::Report;
use results::Results;
use scenarios::Sizes;

use crate::cmd::workspace_root;

/// How long one criterion bench executable may run.
const BUILD_TIMEOUT: Duration = Duration::from_secs(1800);

/// `cargo xtask bench [--quick] [--reps N] [--no-micro] [--no-peers] [--profile] [--out FILE]`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Small sizes (2,000 calls, 3 repetitions, short criterion runs): about 5 minutes
    #[arg(long)]
    quick: bool,
    /// Repetitions of every end-to-end scenario (default 5, quick 3)
    #[arg(long, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    reps: Option<usize>,
    /// Skip the criterion micro benchmarks
    #[arg(long)]
    no_micro: bool,
    /// Skip curl and Python requests
    #[arg(long)]
    no_peers: bool,
    /// Also sample the emulator with perf under 64 concurrent clients (installs linux-perf
    /// with apt-get if perf is missing)
    #[arg(long)]
    profile: bool,
    /// Run only the key-audit scenarios (with --quick: 100 and 1,000 keys)
    #[arg(long)]
    only_audit: bool,
    /// Where to write the report, relative to the repository root
    #[arg(long, value_name = "FILE", default_value = "BENCHMARKS.md")]
    out: PathBuf,
}

/// What to run, resolved from the command line.
#[derive(Debug, Clone)]
struct Options {
    quick: bool,
    reps: usize,
    micro: bool,
    peers: bool,
    profile: bool,
    only_audit: bool,
    out: PathBuf,
    /// The command as typed, for the report.
    command: String,
}

impl Options {
    fn new(args: &Args, command: &str) -> Options {
        let default_reps = if args.quick { 3 } else { 5 };
        Options {
            quick: args.quick,
            reps: args.reps.unwrap_or(default_reps),
            micro: !args.no_micro,
            peers: !args.no_peers,
            profile: args.profile,
            only_audit: args.only_audit,
            out: workspace_root().join(&args.out),
            command: command.to_owned(),
        }
    }
}

/// Runs everything and writes the report; `command` is the command line as typed.
pub(crate) fn run(args: &Args, command: &str) -> Result<(), String> {
    let options = Options::new(args, command);
    let sizes = Sizes::new(options.quick);
    let started = Instant::now();
    let paths = Paths::new()?;
    let machine = Machine::read();

    let benches = release_build::build()?;

    let micro = if options.micro && !options.only_audit {
        micro::run_micro(&paths, sizes, &benches)?
    } else {
        Vec::new()
    };

    let peers = if options.peers && !options.only_audit {
        Peers::prepare(&paths)
    } else {
        Peers::none("skipped (--no-peers)")
    };

    let mut results = Results::default();
    if !options.only_audit {
        running::get_suite(&paths, &options, sizes, &peers, &mut results)?;
        running::list_suite(&paths, &options, sizes, &mut results)?;
    }
    audit_suite::audit_suite(&paths, &options, &mut results)?;
    let profile = if options.profile {
        Some(profile::profile_emulator(&paths)?)
    } else {
        None
    };

    let report = Report {
        options: &options,
        sizes,
        machine: &machine,
        micro: &micro,
        results: &results,
        profile: profile.as_deref(),
        elapsed: started.elapsed(),
    };
    let tables = report.tables();
    println!("\n{tables}");
    report::write_report(&options.out, &report.markdown(&tables))?;
    eprintln!(
        "\n    wrote {} ({:.0} s in all)",
        options.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Args, Options};

    /// The subcommand's arguments on their own, as `cargo xtask bench` receives them.
    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn options(args: &[&str]) -> Result<Options, clap::Error> {
        let cli = Cli::try_parse_from(std::iter::once("bench").chain(args.iter().copied()))?;
        Ok(Options::new(&cli.args, "cargo xtask bench"))
    }

    #[test]
    fn flags_keep_their_spelling_and_defaults() {
        let full = options(&[]).expect("no flags");
        assert_eq!(
            (full.quick, full.reps, full.micro, full.peers, full.profile),
            (false, 5, true, true, false)
        );
        assert!(full.out.ends_with("BENCHMARKS.md") && full.out.is_absolute());
        let quick = options(&["--quick", "--no-micro", "--no-peers", "--profile"]).expect("flags");
        assert_eq!(
            (
                quick.quick,
                quick.reps,
                quick.micro,
                quick.peers,
                quick.profile
            ),
            (true, 3, false, false, true)
        );
        let set = options(&["--quick", "--reps", "7", "--out", "target/b.md"]).expect("values");
        assert_eq!(set.reps, 7);
        assert!(set.out.ends_with("target/b.md"));
        assert!(options(&["--reps", "0"]).is_err());
        assert!(options(&["--reps"]).is_err());
        assert!(options(&["--out"]).is_err());
        assert!(options(&["--fast"]).is_err());
    }
}
