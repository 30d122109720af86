//! The key-audit scenarios (issue #17): a seeded org of N keys × 3 access-list entries, audited
//! by `atlas-keys-bench audit` against release emulators with `--latency 50`:
//!
//! - `audit {n} paced`: real rate limits, the client's pacer on: wall time against the
//!   minimum the org bucket allows (500 capacity, 250 a minute: N requests need
//!   max(0, N - 500) / 250 minutes), and the 429 count;
//! - `audit {n} unpaced c16` and `c1`: no rate limits, pacer off, 16 access lists in flight
//!   against one at a time;
//! - `audit {big} unpaced c16`: the peak RSS at ten times the keys.
//!
//! What it must NOT do: stop an emulator but by its handle, or fail the run when a scenario
//! fails (it is recorded, as every scenario is).

use std::fmt::Write as _;

use super::Options;
use super::emulator::Emulator;
use super::paths::Paths;
use super::results::Results;

/// The seeded org's id (the default org of the seed).
const ORG: &str = "a0d17a0d17a0d17a0d17a0d1";
const PROJECT: &str = "b0d17b0d17b0d17b0d17b0d1";

/// Keys audited: (under the rate limits, memory comparison).
pub(super) fn sizes(quick: bool) -> (u64, u64) {
    if quick { (100, 1_000) } else { (500, 5_000) }
}

/// The scenario names the report looks up.
pub(super) fn name(keys: u64, mode: &str) -> String {
    format!("audit {keys} {mode}")
}

/// A seed file: an owner key (the caller, no access list) and `keys - 1` read-only keys with
/// three entries each, in one org.
fn write_seed(paths: &Paths, keys: u64) -> Result<std::path::PathBuf, String> {
    let mut text = String::with_capacity(keys as usize * 260);
    let _ = write!(
        text,
        r#"{{"orgs":[{{"id":"{ORG}","name":"audit bench"}}],"projects":[{{"id":"{PROJECT}","orgId":"{ORG}"}}],"apiKeys":[{{"orgId":"{ORG}","desc":"owner","roles":[{{"orgId":"{ORG}","roleName":"ORG_OWNER"}}]}}"#
    );
    for i in 1..keys {
        // Eight lowercase letters from the index: unique public keys without randomness.
        let public: String = format!("{i:08}")
            .bytes()
            .map(|d| char::from(b'a' + (d - b'0')))
            .collect();
        let (a, b) = (i / 256, i % 256);
        let _ = write!(
            text,
            r#",{{"orgId":"{ORG}","desc":"key {i}","publicKey":"{public}","roles":[{{"orgId":"{ORG}","roleName":"ORG_READ_ONLY"}},{{"groupId":"{PROJECT}","roleName":"GROUP_READ_ONLY"}}],"accessList":["10.{a}.{b}.1","10.{a}.{b}.2","10.{a}.{b}.0/24"]}}"#
        );
    }
    text.push_str("]}");
    let path = paths.work.join(format!("audit-seed-{keys}.json"));
    std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(path)
}

pub(super) fn audit_suite(
    paths: &Paths,
    options: &Options,
    results: &mut Results,
) -> Result<(), String> {
    let (small, big) = sizes(options.quick);
    let latency = "50".to_owned();
    let runs: [(u64, &[(&str, usize)]); 2] = [
        (small, &[("unpaced c16", 16), ("unpaced c1", 1)]),
        (big, &[("unpaced c16", 16)]),
    ];
    // Paced first, on its own emulator per repetition: a fresh org bucket each time, as a
    // real audit that starts with a full bucket.
    let seed = write_seed(paths, small)?;
    for rep in 1..=options.reps {
        results.begin_repetition(rep);
        eprintln!(
            "\n==> audit {small} keys paced, repetition {rep} of {}",
            options.reps
        );
        let emulator = Emulator::start(
            paths,
            &format!("audit-{small}-paced"),
            &[
                "--rate-limit".to_owned(),
                "500/250,1200/500".to_owned(),
                "--latency".to_owned(),
                latency.clone(),
                "--seed".to_owned(),
                seed.display().to_string(),
            ],
        )?;
        let args = ["audit", "--mode", "paced"].map(str::to_owned);
        results.record(&name(small, "paced"), emulator.scenario(paths, &args));
    }
    for (keys, modes) in runs {
        let seed = write_seed(paths, keys)?;
        let emulator = Emulator::start(
            paths,
            &format!("audit-{keys}"),
            &[
                "--latency".to_owned(),
                latency.clone(),
                "--seed".to_owned(),
                seed.display().to_string(),
            ],
        )?;
        for rep in 1..=options.reps {
            results.begin_repetition(rep);
            eprintln!(
                "\n==> audit {keys} keys unpaced, repetition {rep} of {}",
                options.reps
            );
            for &(mode, concurrency) in modes {
                let args = vec![
                    "audit".to_owned(),
                    "--mode".to_owned(),
                    "unpaced".to_owned(),
                    "--concurrency".to_owned(),
                    concurrency.to_string(),
                ];
                results.record(&name(keys, mode), emulator.scenario(paths, &args));
            }
        }
    }
    Ok(())
}

/// The org bucket's minimum for `n` requests: max(0, n - 500) / 250 minutes, in seconds.
fn bucket_minimum(n: u64) -> f64 {
    n.saturating_sub(500) as f64 / 250.0 * 60.0
}

/// The audit section of the report; empty when no audit ran.
pub(super) fn table(results: &Results, quick: bool) -> String {
    use super::figures::cell;
    let (small, big) = sizes(quick);
    let mut out = String::new();
    if [name(small, "paced"), name(small, "unpaced c16")]
        .iter()
        .all(|n| results.get(n).is_empty())
    {
        return out;
    }
    let _ = writeln!(
        out,
        "\n### Key audit (`client.audit`, N keys × 3 entries, emulator `--latency 50`)\n"
    );
    let _ = writeln!(
        out,
        "Requests are the emulator's count (settings, key pages, access lists, digest challenges). \
         The org-bucket minimum is max(0, N - 500) / 250 minutes for the N org-scope requests \
         (requests less the settings call and the challenges); the latency floor is 50 ms per \
         round of 16 access lists in flight plus the settings and key-page calls.\n"
    );
    let _ = writeln!(
        out,
        "| run | keys | requests | seconds (median) | min–max | 429s (max) | peak RSS MiB (median) |"
    );
    let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | --- |");
    let runs = [
        name(small, "paced"),
        name(small, "unpaced c16"),
        name(small, "unpaced c1"),
        name(big, "unpaced c16"),
    ];
    for run in &runs {
        let samples = results.get(run);
        if samples.is_empty() {
            continue;
        }
        let seconds: Vec<f64> = samples.iter().map(|s| s.seconds).collect();
        let rss: Vec<f64> = samples.iter().map(|s| s.rss_kib as f64 / 1024.0).collect();
        let (sec, range) = cell(&seconds);
        let (mib, _) = cell(&rss);
        let first = samples[0];
        let worst_429 = samples.iter().map(|s| s.rate_limited).max().unwrap_or(0);
        let _ = writeln!(
            out,
            "| {run} | {} | {} | {sec} | {range} | {worst_429} | {mib} |",
            first.items, first.calls
        );
    }
    let _ = writeln!(out, "\n| target | measured (median) |\n| --- | --- |");
    let paced = results.get(&runs[0]);
    if let Some(first) = paced.first() {
        let org_requests = first.calls.saturating_sub(first.challenges + 1);
        let minimum = bucket_minimum(org_requests);
        let rounds = first.items.div_ceil(16) + 1 + first.items.div_ceil(500);
        let latency_floor = rounds as f64 * 0.05;
        let (sec, _) = cell(&paced.iter().map(|s| s.seconds).collect::<Vec<_>>());
        let ratios: Vec<f64> = paced
            .iter()
            .map(|s| s.seconds / minimum.max(latency_floor))
            .collect();
        let (ratio, ratio_range) = cell(&ratios);
        let _ = writeln!(
            out,
            "| paced, within 1.15× of the minimum, zero 429s | {sec} s for {org_requests} org requests; bucket minimum {minimum:.2} s, latency floor {latency_floor:.2} s: {ratio}× the larger ({ratio_range}); 429s: {} |",
            paced.iter().map(|s| s.rate_limited).sum::<u64>()
        );
    }
    let (speedup, range) = cell(&results.ratios(&runs[2], &runs[1], |s| s.seconds));
    let _ = writeln!(
        out,
        "| limits off: ≥ 8× faster than one call at a time | {speedup}× ({range}) |"
    );
    let (memory, range) = cell(&results.ratios(&runs[3], &runs[1], |s| s.rss_kib as f64));
    let _ = writeln!(
        out,
        "| peak RSS at {big} keys ≤ 1.5× that at {small} | {memory}× ({range}) |"
    );
    out
}
