//! `atlas-keys audit`: reads every key of an organization (GETs only), prints the report in
//! the `-o` format, and turns `--fail-on` into the exit status.
//!
//! Exit status: 0 when no finding is at or above `--fail-on` (always with `never`, the
//! default); 4 when one is (the report is printed first); 1 or 2 as for every command
//! when the audit could not run. A progress line (`keys 120/500, access lists 87/500`) is
//! drawn on stderr only when stderr is a terminal. This module must NOT write anything to
//! the server, whatever the findings, nor print progress on stdout.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use atlas_keys::Client;
use atlas_keys::audit::render::{csv, json, sarif, table};
use atlas_keys::audit::{AuditReport, FailOn};

use crate::args::OutputFormat;
use crate::args::audit::AuditArgs;
use crate::exit::Failure;

/// Redraws are throttled so a fast server does not flood the terminal.
const REDRAW_EVERY: Duration = Duration::from_millis(100);

pub(crate) async fn run(
    client: &Client,
    output: OutputFormat,
    args: AuditArgs,
) -> Result<(), Failure> {
    let mut audit = client
        .audit(&args.org.org_id)
        .stale_after(args.stale)
        .wide_prefixes(args.wide_v4, args.wide_v6);
    let terminal = std::io::stderr().is_terminal();
    if terminal {
        let last: Mutex<Option<Instant>> = Mutex::new(None);
        audit = audit.progress(move |p| {
            let Ok(mut last) = last.lock() else { return };
            if last.is_some_and(|t| t.elapsed() < REDRAW_EVERY) {
                return;
            }
            *last = Some(Instant::now());
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{p}");
            let _ = err.flush();
        });
    }
    let result = audit.send().await;
    if terminal {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
    }
    let report = result?;
    print(&report, output)?;
    verdict(&report, args.fail_on)
}

/// Writes the report to stdout as the renderers produce it, through one buffer: no rendering
/// of the whole report is held in memory (issue #17), and stdout's line buffering does not
/// turn a pretty-printed report into a write per line.
fn print(report: &AuditReport, output: OutputFormat) -> Result<(), Failure> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match output {
        OutputFormat::Table => table::write_table(report, &mut out)?,
        OutputFormat::Json => json::write_json(report, &mut out)?,
        OutputFormat::Csv => csv::write_csv(report, &mut out)?,
        OutputFormat::Sarif => sarif::write_sarif(report, &mut out)?,
    }
    out.flush()?;
    Ok(())
}

/// The exit status of `--fail-on`.
fn verdict(report: &AuditReport, fail_on: FailOn) -> Result<(), Failure> {
    if !report.fails(fail_on) {
        return Ok(());
    }
    let at_or_above = report
        .all_findings()
        .iter()
        .filter(|f| fail_on.threshold().is_some_and(|t| f.severity() >= t))
        .count();
    Err(Failure::Findings(format!(
        "{at_or_above} finding(s) at or above --fail-on {}",
        match fail_on {
            FailOn::High => "high",
            FailOn::Medium => "medium",
            _ => "low",
        }
    )))
}
