//! The key audit (`client.audit(&org)`) over a seeded organization, timed in one process.
//!
//! `paced`: the client's pacer on, against an emulator with its real rate limits: the run
//! should take about the time the org bucket allows and draw no 429. `unpaced`: pacer off,
//! against an emulator without limits, with `--concurrency` access lists in flight (1 is
//! "one call at a time", what other tools do). The report is built and dropped, so peak RSS
//! is what one audit holds: the base of the process, one page of keys and the access lists
//! in flight, and the report, which is the only part that grows with the org (#17).
//!
//! What it must NOT do: write to the emulator (the audit only GETs), or run two audits in
//! one process (peak RSS is per process).

use std::time::{Duration, Instant};

use atlas_keys::Client;
use atlas_keys::transport::{RetryPolicy, SecretString};

use crate::BoxError;
use crate::target::Target;

/// Whether the client paces itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum AuditMode {
    Paced,
    Unpaced,
}

/// What one audit did.
#[derive(Debug)]
pub(crate) struct Audited {
    pub(crate) keys: u64,
    pub(crate) entries: u64,
    pub(crate) elapsed: Duration,
}

/// Audits the target's org once.
pub(crate) async fn audit_once(
    target: &Target,
    mode: AuditMode,
    concurrency: usize,
) -> Result<Audited, BoxError> {
    let client = Client::builder()
        .base_url(target.base_url.as_str())
        .digest(
            target.public_key.as_str(),
            SecretString::from(target.private_key.clone()),
        )
        // A 429 (there should be none) is waited out, as a user's audit would.
        .retry_policy(RetryPolicy::default().budget(Duration::from_secs(120)))
        .pacing(mode == AuditMode::Paced)
        .build()?;
    let started = Instant::now();
    let report = client
        .audit(&target.org_id)
        .concurrency(concurrency)
        .send()
        .await?;
    let elapsed = started.elapsed();
    let entries = report.keys.iter().map(|k| k.entries().len() as u64).sum();
    Ok(Audited {
        keys: report.keys.len() as u64,
        entries,
        elapsed,
    })
}
