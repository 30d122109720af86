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
    /// The repetition the run belonged to (`Results::begin_repetition`): ratios pair runs of
    /// the same repetition, so a failed run drops its own repetition instead of shifting the
    /// pairs after it.
    pub(super) repetition: usize,
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
            repetition: 0,
        }
    }
}

/// Every run's sample, by scenario name, in run order.
#[derive(Debug, Default)]
pub(super) struct Results {
    pub(super) runs: BTreeMap<String, Vec<Sample>>,
    /// Scenarios that could not run, with the reason.
    pub(super) skipped: BTreeMap<String, String>,
    /// The repetition runs are being recorded for.
    repetition: usize,
}

impl Results {
    /// Runs recorded from now on belong to repetition `repetition`.
    pub(super) fn begin_repetition(&mut self, repetition: usize) {
        self.repetition = repetition;
    }

    pub(super) fn push(&mut self, name: &str, sample: Sample) {
        let sample = Sample {
            repetition: self.repetition,
            ..sample
        };
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

    /// `f` of each run of `name`, by repetition (the first run where a repetition has two).
    fn by_repetition(&self, name: &str, f: &impl Fn(&Sample) -> f64) -> BTreeMap<usize, f64> {
        let mut out = BTreeMap::new();
        for sample in self.get(name) {
            out.entry(sample.repetition).or_insert_with(|| f(sample));
        }
        out
    }

    /// Per-repetition ratios of an ABBA measurement: `(f(a1_i) + f(a2_i)) / (f(b1_i) + f(b2_i))`
    /// over the repetitions in which all four ran.
    pub(super) fn adjacent_ratios(
        &self,
        (a1, a2): (&str, &str),
        (b1, b2): (&str, &str),
        f: impl Fn(&Sample) -> f64,
    ) -> Vec<f64> {
        let [a1, a2, b1, b2] = [a1, a2, b1, b2].map(|name| self.by_repetition(name, &f));
        a1.iter()
            .filter_map(|(rep, x)| Some((x + a2.get(rep)?) / (b1.get(rep)? + b2.get(rep)?)))
            .filter(|ratio| ratio.is_finite())
            .collect()
    }

    /// Per-repetition ratios `f(a_i) / f(b_i)` of two scenarios run in the same repetition.
    pub(super) fn ratios(&self, a: &str, b: &str, f: impl Fn(&Sample) -> f64) -> Vec<f64> {
        let (a, b) = (self.by_repetition(a, &f), self.by_repetition(b, &f));
        a.iter()
            .filter_map(|(rep, x)| Some(x / b.get(rep)?))
            .filter(|ratio| ratio.is_finite())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(value: f64) -> Sample {
        Sample {
            ops: value,
            ..Sample::default()
        }
    }

    #[test]
    fn a_failed_run_drops_its_repetition_from_the_ratios_and_shifts_nothing() {
        let mut results = Results::default();
        for rep in 1..=3 {
            results.begin_repetition(rep);
            results.push("a", ops(rep as f64 * 10.0));
            if rep == 2 {
                results.record("b", Err("the token endpoint answered 403".to_owned()));
            } else {
                results.push("b", ops(rep as f64));
            }
            for (name, value) in [("f1", 4.0), ("s1", 3.0), ("s2", 3.0), ("f2", 4.0)] {
                if !(rep == 3 && name == "s2") {
                    results.push(name, ops(value * rep as f64));
                }
            }
        }
        // Repetitions 1 and 3 only, each a / b of its own repetition: 10/1 and 30/3.
        assert_eq!(results.ratios("a", "b", |s| s.ops), [10.0, 10.0]);
        assert!(results.skipped.contains_key("b"));
        // Repetition 3 lacks one of its four adjacent runs.
        assert_eq!(
            results.adjacent_ratios(("s1", "s2"), ("f1", "f2"), |s| s.ops),
            [0.75, 0.75]
        );
    }
}
