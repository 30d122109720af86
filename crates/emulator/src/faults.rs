//! Fault injection: the `--faults SPEC` syntax and the per-request draw.
//!
//! SPEC is a comma-separated list of `KIND=PROBABILITY` with KIND one of `500`, `503`,
//! `429`, `reset-before`, `reset-after`; optional `seed=N` makes draws reproducible and
//! `retry-after=SECS` sets the 429's `Retry-After` (default 1). Probabilities are in
//! `[0, 1]` and add up to at most 1; one uniform draw per request picks at most one
//! fault. This module must NOT decide which paths are exempt (the server exempts
//! `/__emulator/*`) and must NOT build responses.

use std::fmt;
use std::str::FromStr;

use crate::ids::FastRng;

/// One injected fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer 500 `UNEXPECTED_ERROR` without processing.
    Status500,
    /// Answer 503 without processing.
    Status503,
    /// Answer 429 `RATE_LIMITED` with `Retry-After`, without processing.
    Status429,
    /// Close the connection without processing or answering.
    ResetBefore,
    /// Process the request (state changes happen), then close without answering.
    ResetAfter,
}

/// A parsed `--faults` specification.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultSpec {
    weights: Vec<(Fault, f64)>,
    seed: Option<u64>,
    retry_after_secs: u64,
}

/// A `--faults` string that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault spec `{spec}`: {reason}")]
pub struct FaultSpecError {
    spec: String,
    reason: String,
}

impl FaultSpec {
    /// No faults.
    pub fn none() -> Self {
        FaultSpec {
            weights: Vec::new(),
            seed: None,
            retry_after_secs: 1,
        }
    }

    /// True when no fault can ever be drawn.
    pub fn is_empty(&self) -> bool {
        self.weights.iter().all(|(_, p)| *p <= 0.0)
    }

    /// The probability given to `fault` (0 when absent).
    pub fn probability(&self, fault: Fault) -> f64 {
        self.weights
            .iter()
            .filter(|(f, _)| *f == fault)
            .map(|(_, p)| p)
            .sum()
    }

    /// The `Retry-After` seconds sent with an injected 429.
    pub fn retry_after_secs(&self) -> u64 {
        self.retry_after_secs
    }

    /// The seed, when the spec fixed one.
    pub fn seed(&self) -> Option<u64> {
        self.seed
    }

    /// Picks the fault for one request, or none.
    pub(crate) fn draw(&self, rng: &FastRng) -> Option<Fault> {
        if self.is_empty() {
            return None;
        }
        let u = rng.next_f64();
        let mut acc = 0.0;
        for (fault, p) in &self.weights {
            acc += p;
            if u < acc {
                return Some(*fault);
            }
        }
        None
    }
}

impl FromStr for FaultSpec {
    type Err = FaultSpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let err = |reason: String| FaultSpecError {
            spec: spec.to_owned(),
            reason,
        };
        let mut out = FaultSpec::none();
        let mut total = 0.0;
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (kind, value) = item
                .split_once('=')
                .ok_or_else(|| err(format!("`{item}` is not KIND=VALUE")))?;
            let kind = kind.trim();
            let value = value.trim();
            let fault = match kind {
                "500" => Fault::Status500,
                "503" => Fault::Status503,
                "429" => Fault::Status429,
                "reset-before" => Fault::ResetBefore,
                "reset-after" => Fault::ResetAfter,
                "seed" => {
                    out.seed = Some(
                        value
                            .parse()
                            .map_err(|_| err(format!("bad seed `{value}`")))?,
                    );
                    continue;
                }
                "retry-after" => {
                    out.retry_after_secs = value
                        .parse()
                        .map_err(|_| err(format!("bad retry-after `{value}`")))?;
                    continue;
                }
                other => return Err(err(format!("unknown fault kind `{other}`"))),
            };
            let p: f64 = value
                .parse()
                .map_err(|_| err(format!("bad probability `{value}`")))?;
            if !(0.0..=1.0).contains(&p) {
                return Err(err(format!("probability `{value}` is outside [0, 1]")));
            }
            if out.weights.iter().any(|(f, _)| *f == fault) {
                return Err(err(format!("`{kind}` given twice")));
            }
            total += p;
            out.weights.push((fault, p));
        }
        if total > 1.0 + 1e-9 {
            return Err(err(format!("probabilities add up to {total}, more than 1")));
        }
        Ok(out)
    }
}

impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = self
            .weights
            .iter()
            .map(|(fault, p)| {
                let k = match fault {
                    Fault::Status500 => "500",
                    Fault::Status503 => "503",
                    Fault::Status429 => "429",
                    Fault::ResetBefore => "reset-before",
                    Fault::ResetAfter => "reset-after",
                };
                format!("{k}={p}")
            })
            .collect();
        if let Some(s) = self.seed {
            parts.push(format!("seed={s}"));
        }
        parts.push(format!("retry-after={}", self.retry_after_secs));
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_draws() {
        let s: FaultSpec = "500=0.2, 503=0.2,429=0.2,reset-before=0.2,reset-after=0.2,seed=7"
            .parse()
            .unwrap();
        assert_eq!(s.seed(), Some(7));
        let rng = FastRng::new(7);
        let n = (0..1000).filter(|_| s.draw(&rng).is_some()).count();
        assert_eq!(n, 1000);
        assert!("500=0.6,503=0.6".parse::<FaultSpec>().is_err());
        assert!("teapot=0.1".parse::<FaultSpec>().is_err());
        assert!("500".parse::<FaultSpec>().is_err());
        assert!("".parse::<FaultSpec>().unwrap().is_empty());
    }
}
