//! The report: the tables `cargo xtask bench` prints, and `BENCHMARKS.md` (a header about the
//! run, the tables, then the hand-written analysis kept from the previous file).
//!
//! It only formats what the run collected; it runs nothing.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use super::Options;
use super::figures::{cell, cell4, num, spread, time, verdict};
use super::machine::Machine;
use super::micro::Micro;
use super::results::{Results, Sample};
use super::scenarios::{GET_CONFIGS, PAIRED, STRICT_DIGEST, Sizes, list_name, paired_names};

/// The line that separates the generated part of BENCHMARKS.md from the hand-written analysis,
/// which a run keeps as it is.
const ANALYSIS_MARKER: &str = "<!-- cargo xtask bench keeps everything below this line. -->";

pub(super) struct Report<'a> {
    pub(super) options: &'a Options,
    pub(super) sizes: Sizes,
    pub(super) machine: &'a Machine,
    pub(super) micro: &'a [Micro],
    pub(super) results: &'a Results,
    pub(super) profile: Option<&'a str>,
    pub(super) elapsed: Duration,
}

impl Report<'_> {
    fn ops(&self, name: &str) -> Vec<f64> {
        self.results.get(name).iter().map(|s| s.ops).collect()
    }

    pub(super) fn tables(&self) -> String {
        let r = self.results;
        let reps = self.options.reps;
        let mut out = String::new();

        // Targets first: what the issue asks, measured.
        let _ = writeln!(out, "### Targets\n");
        let _ = writeln!(
            out,
            "| # | target | measured (median, min–max over {reps} runs) | verdict |"
        );
        let _ = writeln!(out, "| --- | --- | --- | --- |");
        for (name, label) in [
            ("sdk hyper digest seq", "1. digest, hyper, sequential"),
            ("sdk hyper digest 64", "1. digest, hyper, 64 in flight"),
            ("sdk reqwest digest seq", "1. digest, reqwest, sequential"),
            ("sdk reqwest digest 64", "1. digest, reqwest, 64 in flight"),
        ] {
            // Steady state: digest keeps one nonce lane per request in flight, so a run at
            // 64 in flight draws 64 challenges while it warms up, then none (issue #14).
            let per_call: Vec<f64> = r.get(name).iter().map(|s| s.steady_per_call).collect();
            let worst = per_call
                .iter()
                .copied()
                .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
            let challenges: Vec<f64> = r.get(name).iter().map(|s| s.challenges as f64).collect();
            let steady: Vec<f64> = r
                .get(name)
                .iter()
                .map(|s| s.steady_challenges as f64)
                .collect();
            let timed = r.get(name).first().map_or(0, |s| s.timed_calls);
            let (median, range) = cell4(&per_call);
            let (ch, _) = cell(&challenges);
            let (st, _) = cell(&steady);
            let _ = writeln!(
                out,
                "| {label} | ≤ 1.001 requests per call in steady state ({} timed calls after the warm-up) | {median} ({range}); {ch} challenge(s) in the run, {st} after the warm-up | {} |",
                num(timed as f64),
                verdict(worst.map(|w| w <= 1.001))
            );
        }
        for (sdk, floor, label) in [
            (
                "sdk hyper bearer seq",
                "floor bearer seq",
                "2. SDK/floor, hyper, sequential",
            ),
            (
                "sdk hyper bearer 64",
                "floor bearer 64",
                "2. SDK/floor, hyper, 64 in flight",
            ),
            (
                "sdk reqwest bearer seq",
                "floor bearer seq",
                "2. SDK/floor, reqwest, sequential",
            ),
            (
                "sdk reqwest bearer 64",
                "floor bearer 64",
                "2. SDK/floor, reqwest, 64 in flight",
            ),
        ] {
            // Judged on the adjacent (ABBA) runs: in the round-robin, where a run sits moves
            // a 64-in-flight figure by more than the margin being judged.
            let ratios = adjacent(r, sdk, floor, |s| s.ops);
            let (median, range) = cell(&ratios);
            let _ = writeln!(
                out,
                "| {label} | ≥ 0.85 of the floor's throughput (adjacent runs, ABBA) | {median} ({range}) | {} |",
                verdict(spread(&ratios).map(|(m, _, _)| m >= 0.85))
            );
        }
        let small = self.sizes.list_small;
        for (stream, label) in [
            (
                list_name(small, "stream", None),
                "3. listing, SDK default concurrency".to_owned(),
            ),
            (
                list_name(small, "stream", Some(4)),
                "3. listing, `.concurrency(4)` (the default until eda10a8)".to_owned(),
            ),
        ] {
            let ratios = r.ratios(&list_name(small, "pages", None), &stream, |s| s.seconds);
            let (median, range) = cell(&ratios);
            let _ = writeln!(
                out,
                "| {label} | ≥ 4× faster than page by page ({} keys, 500 per page, {} ms latency) | {median}× ({range}) | {} |",
                num(small as f64),
                self.sizes.latency_ms,
                verdict(spread(&ratios).map(|(m, _, _)| m >= 4.0))
            );
        }
        let rss = |keys: u64| -> Vec<f64> {
            r.get(&list_name(keys, "stream", None))
                .iter()
                .map(|s| s.rss_kib as f64 / 1024.0)
                .collect()
        };
        let (small_rss, large_rss) = (rss(small), rss(self.sizes.list_large));
        let growth = match (spread(&small_rss), spread(&large_rss)) {
            (Some((a, _, _)), Some((b, _, _))) => Some(b / a),
            _ => None,
        };
        let _ = writeln!(
            out,
            "| 3. listing memory | peak RSS flat from {} to {} keys (≤ 1.25×) | {} MiB → {} MiB ({}×) | {} |",
            num(small as f64),
            num(self.sizes.list_large as f64),
            cell(&small_rss).0,
            cell(&large_rss).0,
            growth.map_or("—".to_owned(), num),
            verdict(growth.map(|g| g <= 1.25))
        );
        let tokens: Vec<f64> = r
            .get("sdk service-account cold 64")
            .iter()
            .map(|s| s.tokens as f64)
            .collect();
        let (median, range) = cell(&tokens);
        let _ = writeln!(
            out,
            "| 4. service account | {} calls (64 in flight, cold client) cost exactly 1 token request | {median} ({range}) | {} |",
            num(self.sizes.token_calls as f64),
            verdict((!tokens.is_empty()).then(|| tokens.iter().all(|&t| t == 1.0)))
        );

        // The figures behind them.
        let _ = writeln!(out, "\n### Get one key: throughput and wire\n");
        let _ = writeln!(
            out,
            "{} timed calls per run after {} warm-up calls; wire counters (from `/__emulator/stats`) cover every call of the run.\n",
            num(self.sizes.calls as f64),
            self.sizes.warmup
        );
        let _ = writeln!(
            out,
            "| client | calls/s (median) | min–max | client CPU µs per call | requests per call | challenges | tokens issued |"
        );
        let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | --- |");
        let mut names: Vec<&str> = GET_CONFIGS.iter().map(|c| c.name).collect();
        names.extend([
            "sdk service-account cold 64",
            "curl --digest",
            "python requests seq",
        ]);
        for name in names {
            let samples = r.get(name);
            if samples.is_empty() {
                let why = r.skipped.get(name).map_or("not run", String::as_str);
                let _ = writeln!(out, "| {name} | — | {why} | | | | |");
                continue;
            }
            let (ops, range) = cell(&self.ops(name));
            let per_call: Vec<f64> = samples.iter().map(|s| s.per_call).collect();
            let challenges: Vec<f64> = samples.iter().map(|s| s.challenges as f64).collect();
            let tokens: Vec<f64> = samples.iter().map(|s| s.tokens as f64).collect();
            let cpu: Vec<f64> = samples.iter().map(|s| s.cpu_us).collect();
            let cpu = if cpu.iter().all(|&c| c > 0.0) {
                cell(&cpu).0
            } else {
                "—".to_owned()
            };
            let _ = writeln!(
                out,
                "| {name} ({} calls) | {ops} | {range} | {cpu} | {} | {} | {} |",
                num(samples[0].calls as f64),
                cell4(&per_call).0,
                cell(&challenges).0,
                cell(&tokens).0
            );
        }

        let _ = writeln!(
            out,
            "\n### Digest against a lenient and a strict server\n\nThe same runs against an emulator that only refuses a reused `nc` and one started with `--strict-nonce-count` (each request on a nonce must carry the previous `nc` plus one, as Apache's `AuthDigestNcCheck On`). Requests per call and challenges are over the timed calls, after the warm-up.\n"
        );
        let _ = writeln!(
            out,
            "| run | lenient calls/s | strict calls/s | lenient requests per call | strict requests per call | strict challenges (run / after warm-up) |"
        );
        let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- |");
        for &(strict, lenient) in STRICT_DIGEST {
            let (l, s) = (r.get(lenient), r.get(strict));
            if l.is_empty() || s.is_empty() {
                let why = r
                    .skipped
                    .get(strict)
                    .or_else(|| r.skipped.get(lenient))
                    .map_or("not run", String::as_str);
                let _ = writeln!(out, "| {lenient} | — | {why} | | | |");
                continue;
            }
            let steady =
                |v: &[Sample]| cell4(&v.iter().map(|x| x.steady_per_call).collect::<Vec<_>>()).0;
            let run_ch: Vec<f64> = s.iter().map(|x| x.challenges as f64).collect();
            let steady_ch: Vec<f64> = s.iter().map(|x| x.steady_challenges as f64).collect();
            let _ = writeln!(
                out,
                "| {lenient} | {} | {} | {} | {} | {} / {} |",
                cell(&self.ops(lenient)).0,
                cell(&self.ops(strict)).0,
                steady(l),
                steady(s),
                cell(&run_ch).0,
                cell(&steady_ch).0,
            );
        }

        let _ = writeln!(
            out,
            "\n### Ratios, side by side (per repetition, then median and min–max)\n"
        );
        let _ = writeln!(
            out,
            "Throughput is A's calls/s ÷ B's. Client CPU is B's CPU per call ÷ A's (1 = A costs the client as little CPU as B; less is more CPU): it barely moves when other processes load the machine.\n"
        );
        let _ = writeln!(
            out,
            "| A / B | throughput (median) | min–max | client CPU (median) | min–max |"
        );
        let _ = writeln!(out, "| --- | --- | --- | --- | --- |");
        for (a, b, label) in [
            (
                "sdk hyper bearer seq",
                "floor bearer seq",
                "SDK hyper bearer / floor, sequential",
            ),
            (
                "sdk hyper bearer 64",
                "floor bearer 64",
                "SDK hyper bearer / floor, 64",
            ),
            (
                "sdk reqwest bearer seq",
                "floor bearer seq",
                "SDK reqwest bearer / floor, sequential",
            ),
            (
                "sdk reqwest bearer 64",
                "floor bearer 64",
                "SDK reqwest bearer / floor, 64",
            ),
            (
                "sdk hyper digest seq",
                "floor bearer seq",
                "SDK hyper digest / floor (bearer), sequential",
            ),
            (
                "sdk hyper digest 64",
                "floor bearer 64",
                "SDK hyper digest / floor (bearer), 64",
            ),
            (
                "sdk reqwest digest seq",
                "floor bearer seq",
                "SDK reqwest digest / floor (bearer), sequential",
            ),
            (
                "sdk reqwest digest 64",
                "floor bearer 64",
                "SDK reqwest digest / floor (bearer), 64",
            ),
            (
                "sdk hyper bearer 64, pool 64",
                "floor bearer 64",
                "SDK hyper bearer with `pool_max_idle_per_host(64)` / floor, 64",
            ),
            (
                "wire hyper bearer seq",
                "floor bearer seq",
                "our hyper backend alone (precomputed request) / floor, sequential",
            ),
            (
                "wire hyper bearer 64",
                "floor bearer 64",
                "our hyper backend alone (precomputed request) / floor, 64",
            ),
            (
                "wire reqwest bearer seq",
                "floor bearer seq",
                "our reqwest backend alone (precomputed request) / floor, sequential: the ceiling of any client on reqwest",
            ),
            (
                "wire reqwest bearer 64",
                "floor bearer 64",
                "our reqwest backend alone (precomputed request) / floor, 64: the ceiling of any client on reqwest",
            ),
            (
                "sdk reqwest bearer seq",
                "wire reqwest bearer seq",
                "SDK reqwest bearer / reqwest backend alone, sequential",
            ),
            (
                "sdk reqwest bearer 64",
                "wire reqwest bearer 64",
                "SDK reqwest bearer / reqwest backend alone, 64",
            ),
            (
                "transport hyper bearer seq",
                "floor bearer seq",
                "transport only (no api crate) / floor, sequential",
            ),
            (
                "transport hyper bearer 64",
                "floor bearer 64",
                "transport only (no api crate) / floor, 64",
            ),
            (
                "sdk hyper service-account seq",
                "sdk hyper digest seq",
                "service account / digest (SDK hyper), sequential",
            ),
            (
                "sdk hyper service-account 64",
                "sdk hyper digest 64",
                "service account / digest (SDK hyper), 64",
            ),
            (
                "python requests seq",
                "sdk hyper digest seq",
                "Python requests / SDK hyper digest, sequential",
            ),
            (
                "curl --digest",
                "sdk hyper digest seq",
                "curl --digest (process per call) / SDK hyper digest, sequential",
            ),
        ] {
            let (median, range) = cell(&r.ratios(a, b, |s| s.ops));
            let (cpu, cpu_range) = cell(&r.ratios(b, a, |s| s.cpu_us));
            let _ = writeln!(
                out,
                "| {label} | {median} | {range} | {cpu} | {cpu_range} |"
            );
        }
        for &(sdk, floor) in PAIRED {
            let (median, range) = cell(&adjacent(r, sdk, floor, |s| s.ops));
            let (cpu, cpu_range) = cell(&adjacent(r, floor, sdk, |s| s.cpu_us));
            let _ = writeln!(
                out,
                "| {sdk} / {floor}, adjacent runs (floor, SDK, SDK, floor) | {median} | {range} | {cpu} | {cpu_range} |"
            );
        }

        let _ = writeln!(
            out,
            "\n### Listing a project's keys (500 per page, emulator `--latency {}`)\n",
            self.sizes.latency_ms
        );
        let _ = writeln!(
            out,
            "Each listing runs in its own process; peak RSS is that process's VmHWM.\n"
        );
        let _ = writeln!(
            out,
            "| listing | keys seen | pages | seconds (median) | min–max | peak RSS MiB (median) | min–max |"
        );
        let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | --- |");
        for name in [
            list_name(small, "pages", None),
            list_name(small, "stream", None),
            list_name(small, "stream", Some(4)),
            list_name(self.sizes.list_large, "stream", None),
        ] {
            let samples = r.get(&name);
            let seconds: Vec<f64> = samples.iter().map(|s| s.seconds).collect();
            let rss: Vec<f64> = samples.iter().map(|s| s.rss_kib as f64 / 1024.0).collect();
            let (sec, sec_range) = cell(&seconds);
            let (mib, mib_range) = cell(&rss);
            let items = samples.first().map_or(0, |s| s.items);
            let pages = samples.first().map_or(0, |s| s.calls);
            let _ = writeln!(
                out,
                "| {name} | {} | {pages} | {sec} | {sec_range} | {mib} | {mib_range} |",
                num(items as f64)
            );
        }

        let _ = writeln!(out, "\n### The emulator itself\n");
        let (floor64, floor64_range) = cell(&self.ops("floor bearer 64"));
        let (digest64, digest64_range) = cell(&self.ops("sdk hyper digest 64"));
        let _ = writeln!(
            out,
            "| load | authenticated get-one-key requests/s | min–max |"
        );
        let _ = writeln!(out, "| --- | --- | --- |");
        let _ = writeln!(
            out,
            "| 64 concurrent bearer clients (floor) | {floor64} | {floor64_range} |"
        );
        let _ = writeln!(
            out,
            "| 64 concurrent digest clients (SDK hyper) | {digest64} | {digest64_range} |"
        );
        let _ = writeln!(
            out,
            "\nClient and emulator share the machine's {} cores, so these are lower bounds of what the emulator alone can serve.",
            self.machine.cores
        );
        if let Some(profile) = self.profile {
            let _ = writeln!(
                out,
                "\nperf (cpu-clock, the emulator process, self time):\n\n```text\n{profile}\n```"
            );
        }

        if !self.micro.is_empty() {
            let _ = writeln!(
                out,
                "\n### Micro benchmarks (criterion: median, [95% interval of the median])\n"
            );
            let _ = writeln!(out, "| benchmark | median | interval |");
            let _ = writeln!(out, "| --- | --- | --- |");
            for m in self.micro {
                let _ = writeln!(
                    out,
                    "| {} | {} | [{} – {}] |",
                    m.id,
                    time(m.median_ns),
                    time(m.low_ns),
                    time(m.high_ns)
                );
            }
        }
        if !r.skipped.is_empty() {
            let _ = writeln!(out, "\n### Runs that did not produce a figure\n");
            for (name, why) in &r.skipped {
                let why: String = why
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .chars()
                    .take(300)
                    .collect();
                let _ = writeln!(out, "- {name}: {why}");
            }
        }
        out.push_str(&super::audit_suite::table(r, self.options.quick));
        out
    }

    pub(super) fn markdown(&self, tables: &str) -> String {
        let m = self.machine;
        let mut out = String::new();
        let _ = writeln!(out, "# Benchmarks\n");
        let _ = writeln!(
            out,
            "Written by `cargo xtask bench` (see `xtask/src/bench.rs`); the analysis at the end is hand-written."
        );
        let _ = writeln!(
            out,
            "Every end-to-end figure is the median of {} repetitions with its min–max; every ratio is taken per",
            self.options.reps
        );
        let _ = writeln!(
            out,
            "repetition between runs made side by side (round-robin) against the same emulator, then summarised the same way;"
        );
        let _ = writeln!(
            out,
            "the SDK/floor targets are judged on adjacent runs (floor, SDK, SDK, floor, back to back), where a run's place in the round-robin cannot favour either side."
        );
        let _ = writeln!(
            out,
            "The emulator is a release build in its own process on 127.0.0.1; each scenario is its own `atlas-keys-bench` process."
        );
        let _ = writeln!(
            out,
            "Benchmarks are not tests: nothing here is asserted anywhere.\n"
        );
        let _ = writeln!(out, "| | |");
        let _ = writeln!(out, "| --- | --- |");
        let _ = writeln!(out, "| command | `{}` |", self.options.command);
        let _ = writeln!(out, "| date | {} |", m.date);
        let _ = writeln!(
            out,
            "| commit | `{}`{} |",
            m.commit,
            if m.dirty.is_empty() {
                String::new()
            } else {
                format!(" (work tree differs in: {})", m.dirty)
            }
        );
        let _ = writeln!(
            out,
            "| machine | {} cores, {}; {} |",
            m.cores, m.cpu, m.kernel
        );
        let _ = writeln!(out, "| toolchain | {} |", m.rustc);
        let _ = writeln!(out, "| load average at start | {} |", m.load);
        let _ = writeln!(
            out,
            "| wall time of the run | {:.0} s (builds included) |\n",
            self.elapsed.as_secs_f64()
        );
        out.push_str(tables);
        out.push('\n');
        out
    }
}

/// Writes the generated part and keeps the hand-written analysis below the marker.
pub(super) fn write_report(path: &Path, generated: &str) -> Result<(), String> {
    let kept = std::fs::read_to_string(path)
        .ok()
        .and_then(|old| {
            old.split_once(ANALYSIS_MARKER)
                .map(|(_, rest)| rest.to_owned())
        })
        .unwrap_or_else(|| "\n\n## Analysis\n\n(To be written after a full run.)\n".to_owned());
    let text = format!("{generated}\n{ANALYSIS_MARKER}{kept}");
    std::fs::write(path, text)
        .map_err(|error| format!("could not write {}: {error}", path.display()))
}

/// The per-repetition ratios of `a` to `b` from their adjacent runs (see `PAIRED`), where `a`
/// and `b` are the SDK and the floor configuration of one pair, either way round.
fn adjacent(r: &Results, a: &str, b: &str, f: impl Fn(&Sample) -> f64) -> Vec<f64> {
    let sdk = PAIRED
        .iter()
        .find(|(sdk, floor)| (*sdk, *floor) == (a, b) || (*sdk, *floor) == (b, a))
        .map_or(a, |(sdk, _)| *sdk);
    let (a1, a2) = paired_names(a, sdk);
    let (b1, b2) = paired_names(b, sdk);
    r.adjacent_ratios((&a1, &a2), (&b1, &b2), f)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use serde_json::Value;

    use super::super::Options;
    use super::super::machine::Machine;
    use super::super::micro::Micro;
    use super::super::results::{Results, Sample};
    use super::super::scenarios::{GET_CONFIGS, PAIRED, Sizes, list_name, paired_names};
    use super::{ANALYSIS_MARKER, Report, write_report};

    fn parse(line: &str) -> Result<Value, String> {
        serde_json::from_str(line).map_err(|error| error.to_string())
    }

    /// Two repetitions of every scenario, as `atlas-keys-bench` prints them, with one peer
    /// skipped and one scenario failed.
    fn recorded() -> Results {
        let mut results = Results::default();
        let mut k = 0u64;
        for rep in 0..2u64 {
            results.begin_repetition(rep as usize + 1);
            for (i, config) in GET_CONFIGS.iter().enumerate() {
                k += 1;
                let i = i as u64;
                let line = format!(
                    r#"{{"scenario":"get","calls":2000,"concurrency":{c},"seconds":{s},"opsPerSec":{o},"requests":{rq},"challenges":{ch},"authorized":2000,"tokensIssued":{t},"requestsPerCall":{pc},"peakRssKib":{rss},"cpuUsPerCall":{cpu},"client":"x"}}"#,
                    c = config.concurrency,
                    s = 0.1 + (k as f64) / 1000.0,
                    o = 10_000.0 + (i * 1234 + rep * 777) as f64 + 0.25,
                    rq = 2000 + i,
                    ch = i % 3,
                    t = i % 2,
                    pc = 1.0 + (i as f64) / 10_000.0,
                    rss = 10_240 + i,
                    cpu = if i == 3 { 0.0 } else { 10.5 + i as f64 },
                );
                results.record(config.name, parse(&line));
            }
            for (p, &(sdk, floor)) in PAIRED.iter().enumerate() {
                let (floor_a, floor_b) = paired_names(floor, sdk);
                let (sdk_a, sdk_b) = paired_names(sdk, sdk);
                for (j, name) in [floor_a, sdk_a, sdk_b, floor_b].iter().enumerate() {
                    // The SDK's runs (the middle two) a little slower than the floor's.
                    let sdk_cost = if j == 1 || j == 2 {
                        900.0 + 300.0 * p as f64
                    } else {
                        0.0
                    };
                    let ops = 9_000.0 + (p * 500 + j * 10) as f64 + (rep * 50) as f64 - sdk_cost;
                    let line = format!(
                        r#"{{"scenario":"get","calls":2000,"seconds":0.2,"opsPerSec":{ops},"requestsPerCall":1,"cpuUsPerCall":{cpu}}}"#,
                        cpu = 11.0 + j as f64
                    );
                    results.record(name, parse(&line));
                }
            }
            results.record(
                "sdk service-account cold 64",
                parse(
                    r#"{"calls":1000,"seconds":0.5,"opsPerSec":2000,"tokensIssued":1,"requestsPerCall":1.001,"challenges":0,"peakRssKib":9000,"cpuUsPerCall":20}"#,
                ),
            );
            let curl = r#"{"calls":50,"opsPerSec":123.456,"requestsPerCall":2,"challenges":50,"seconds":0.4}"#;
            results.push(
                "curl --digest",
                Sample::from_json(&parse(curl).expect("valid line")),
            );
            results.skipped.insert(
                "python requests seq".to_owned(),
                "skipped (--no-peers)\nsecond line".to_owned(),
            );
            for (keys, mode, concurrency, seconds, rss) in [
                (10_000u64, "pages", None, 4.5 + rep as f64, 20_000u64),
                (10_000, "stream", None, 0.9, 21_000),
                (10_000, "stream", Some(4), 1.2, 21_500),
                (
                    100_000,
                    "stream",
                    None,
                    9.0 + rep as f64,
                    22_000 + rep * 100,
                ),
            ] {
                let line = format!(
                    r#"{{"scenario":"list","calls":{p},"seconds":{seconds},"items":{keys},"pages":{p},"peakRssKib":{rss},"mode":"{mode}"}}"#,
                    p = keys / 500
                );
                results.record(&list_name(keys, mode, concurrency), parse(&line));
            }
        }
        results.record(
            "broken scenario",
            Err("atlas-keys-bench get failed (exit status: 1): boom\nmore".to_owned()),
        );
        results
    }

    fn micro(id: &str, median_ns: f64, low_ns: f64, high_ns: f64) -> Micro {
        Micro {
            id: id.to_owned(),
            median_ns,
            low_ns,
            high_ns,
        }
    }

    /// The whole generated part of BENCHMARKS.md for recorded runs, compared with
    /// `testdata/report.md`, which the single-file `bench.rs` wrote for the same input before
    /// it was split: the format must not change by accident.
    #[test]
    fn writes_the_same_report_for_recorded_runs() {
        let options = Options {
            quick: true,
            reps: 2,
            micro: true,
            peers: true,
            profile: true,
            only_audit: false,
            out: PathBuf::from("BENCHMARKS.md"),
            command: "cargo xtask bench --quick --reps 2 --profile".to_owned(),
        };
        let machine = Machine {
            cores: 2,
            cpu: "Test CPU @ 2.0GHz".to_owned(),
            kernel: "Linux 6.1.0".to_owned(),
            load: "0.10 0.20 0.30".to_owned(),
            date: "2026-12-06 04:00 UTC".to_owned(),
            commit: "0123456789abcdef0123456789abcdef01234567".to_owned(),
            dirty: "xtask/src/main.rs".to_owned(),
            rustc: "rustc 1.95.0 (test)".to_owned(),
        };
        let micro = [
            micro("page_500_keys/parse", 123_456.7, 120_000.0, 130_000.5),
            micro("validate/org_id", 12.34, 12.0, 13.0),
            micro("digest/md5", 2_345_678.0, 2_000_000.0, 3_000_000.0),
        ];
        let results = recorded();
        let report = Report {
            options: &options,
            sizes: Sizes::new(true),
            machine: &machine,
            micro: &micro,
            results: &results,
            profile: Some(
                "  40.00%  atlas-keys-emul  [.] hyper::proto\n  10.00%  [kernel]  [k] tcp",
            ),
            elapsed: Duration::from_secs(369),
        };
        let markdown = report.markdown(&report.tables());
        let expected = include_str!("testdata/report.md");
        if std::env::var_os("XTASK_BLESS").is_some() {
            // Rewrites the snapshot after an intended change of the report's wording.
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/bench/testdata/report.md");
            std::fs::write(path, &markdown).expect("write the snapshot");
            return;
        }
        for (n, (got, want)) in markdown.lines().zip(expected.lines()).enumerate() {
            assert_eq!(got, want, "line {} differs", n + 1);
        }
        assert_eq!(markdown, expected);
    }

    #[test]
    fn keeps_the_hand_written_analysis() {
        let dir = std::env::temp_dir().join(format!("xtask-bench-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("BENCHMARKS.md");
        write_report(&path, "# new figures\n").expect("first write");
        let first = std::fs::read_to_string(&path).expect("written");
        assert!(first.starts_with("# new figures\n\n"));
        assert!(first.contains(ANALYSIS_MARKER) && first.contains("## Analysis"));

        let analysis = "\n\n## Analysis\n\nHand-written, kept.\n";
        std::fs::write(&path, format!("# old\n{ANALYSIS_MARKER}{analysis}")).expect("seed");
        write_report(&path, "# newer\n").expect("second write");
        let second = std::fs::read_to_string(&path).expect("written");
        assert_eq!(second, format!("# newer\n\n{ANALYSIS_MARKER}{analysis}"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
