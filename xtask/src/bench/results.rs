//! What the scenario runs measured: one sample per run, by scenario name, and the runs that
//! failed.
//!
//! It only collects; turning samples into tables is `report`'s job.

use std::collections::BTreeMap;

use serde_json::Value;

/// The figures of one run that the report uses.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Sample {
    pub(super) seconds: f64,
    pub(super) ops: f64,
    pub(super) calls: u64,
    pub(super) challenges: u64,
    pub(super) tokens: u64,
    pub(super) per_call: f64,
    /// Requests per call over the timed calls only (after the warm-up); `per_call` when the
    /// scenario does not say.
    pub(super) steady_per_call: f64,
    /// Challenges during the timed calls only.
    pub(super) steady_challenges: u64,
    /// The calls after the warm-up; `calls` when the scenario does not say.
    pub(super) timed_calls: u64,
    pub(super) rss_kib: u64,
    pub(super) items: u64,
    /// The client process's CPU per timed call, microseconds.
    pub(super) cpu_us: f64,
    /// 429s the emulator's buckets answered during the run (the audit scenarios).
    pub(super) rate_limited: u64,
}

impl Sample {
    /// Reads a scenario's JSON line. Each scenario prints only some of these fields, and a
    /// figure it could not measure may be `null`: a missing or unreadable field reads as 0, so
    /// the line is read field by field rather than into a typed struct.
    pub(super) fn from_json(json: &Value) -> Sample {
        let float = |key: &str| json[key].as_f64().unwrap_or(0.0);
        let int = |key: &str| json[key].as_u64().unwrap_or(0);
        Sample {
            seconds: float("seconds"),
            ops: float("opsPerSec"),
            calls: int("calls"),
            challenges: int("challenges"),
            tokens: int("tokensIssued"),
            per_call: float("requestsPerCall"),
            steady_per_call: json["steadyRequestsPerCall"]
                .as_f64()
                .unwrap_or_else(|| float("requestsPerCall")),
            timed_calls: json["timedCalls"].as_u64().unwrap_or_else(|| int("calls")),
            steady_challenges: json["steadyChallenges"]
                .as_u64()
                .unwrap_or_else(|| int("challenges")),
            rss_kib: int("peakRssKib"),
            items: int("items"),
            cpu_us: float("cpuUsPerCall"),
            rate_limited: int("rateLimited"),
        }
    }
}

/// Every run's sample, by scenario name, in run order.
#[derive(Debug, Default)]
pub(super) struct Results {
    pub(super) runs: BTreeMap<String, Vec<Sample>>,
    /// Scenarios that could not run, with the reason.
    pub(super) skipped: BTreeMap<String, String>,
}

impl Results {
    pub(super) fn push(&mut self, name: &str, sample: Sample) {
        self.runs.entry(name.to_owned()).or_default().push(sample);
    }

    /// Keeps a run's sample, or its failure: one failed scenario must not cost the whole report,
    /// and the report names what failed.
    pub(super) fn record(&mut self, name: &str, run: Result<Value, String>) {
        match run {
            Ok(line) => self.push(name, Sample::from_json(&line)),
            Err(error) => {
                eprintln!("    {name} FAILED: {error}");
                self.skipped
                    .insert(name.to_owned(), format!("failed: {error}"));
            }
        }
    }

    pub(super) fn get(&self, name: &str) -> &[Sample] {
        self.runs.get(name).map_or(&[], Vec::as_slice)
    }

    /// Per-repetition ratios of an ABBA measurement: `(f(a1_i) + f(a2_i)) / (f(b1_i) + f(b2_i))`.
    pub(super) fn adjacent_ratios(
        &self,
        (a1, a2): (&str, &str),
        (b1, b2): (&str, &str),
        f: impl Fn(&Sample) -> f64,
    ) -> Vec<f64> {
        let sum = |x: &str, y: &str| -> Vec<f64> {
            self.get(x)
                .iter()
                .zip(self.get(y))
                .map(|(p, q)| f(p) + f(q))
                .collect()
        };
        sum(a1, a2)
            .into_iter()
            .zip(sum(b1, b2))
            .map(|(a, b)| a / b)
            .filter(|ratio| ratio.is_finite())
            .collect()
    }

    /// Per-repetition ratios `f(a_i) / f(b_i)` of two scenarios run side by side.
    pub(super) fn ratios(&self, a: &str, b: &str, f: impl Fn(&Sample) -> f64) -> Vec<f64> {
        self.get(a)
            .iter()
            .zip(self.get(b))
            .map(|(x, y)| f(x) / f(y))
            .filter(|ratio| ratio.is_finite())
            .collect()
    }
}
