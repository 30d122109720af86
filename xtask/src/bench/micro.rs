//! The criterion micro benchmarks: which ones, running their executables, and reading their
//! medians from criterion's `estimates.json`.
//!
//! It runs the executables the release build made (what `cargo bench` would run) and must not
//! build anything itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use super::BUILD_TIMEOUT;
use super::paths::Paths;
use super::scenarios::Sizes;
use crate::cmd::describe;
use crate::process::run_inherited;

/// One criterion benchmark: its id and the median with criterion's 95% interval, in ns.
#[derive(Debug, Clone)]
pub(super) struct Micro {
    pub(super) id: String,
    pub(super) median_ns: f64,
    pub(super) low_ns: f64,
    pub(super) high_ns: f64,
}

/// The benches `cargo xtask bench` runs and reports, as (package, bench target, ids).
pub(super) const MICRO: &[(&str, &str, &[&str])] = &[
    (
        "atlas-keys-model",
        "model",
        &[
            "page_500_keys/parse",
            "page_500_keys/serialize",
            "validate/org_id",
            "validate/project_id",
            "validate/api_key_id",
            "validate/id_rejected",
            "validate/description",
            "validate/description_rejected_too_long",
            "validate/org_role",
            "validate/project_role",
            "validate/create_org_key_body_for_cloud_manager",
        ],
    ),
    (
        "atlas-keys-bench",
        "digest",
        &[
            "digest_signed_request_through_middleware/noop_transport_alone",
            "digest_signed_request_through_middleware/md5",
            "digest_signed_request_through_middleware/sha256",
            "digest_auth_crate_respond/md5",
            "digest_auth_crate_respond/sha256",
        ],
    ),
];

/// Runs every micro bench executable under a fresh `CRITERION_HOME`, then reads the medians.
pub(super) fn run_micro(
    paths: &Paths,
    sizes: Sizes,
    benches: &BTreeMap<String, PathBuf>,
) -> Result<Vec<Micro>, String> {
    let home = paths.criterion();
    if home.exists() {
        std::fs::remove_dir_all(&home)
            .map_err(|error| format!("could not clear {}: {error}", home.display()))?;
    }
    let (warm_up, measure) = sizes.criterion;
    for (_, bench, _) in MICRO {
        let executable = benches
            .get(*bench)
            .ok_or_else(|| format!("cargo built no bench executable `{bench}`"))?;
        // What `cargo bench` would run, without its second (bench-profile) build.
        let mut command = Command::new(executable);
        command
            .args(["--bench", "--noplot"])
            .args(["--warm-up-time", warm_up, "--measurement-time", measure])
            .current_dir(&paths.work)
            .env("CRITERION_HOME", &home);
        eprintln!("\n==> criterion {bench}: {}", describe(&command));
        let status = run_inherited(&format!("bench {bench}"), &mut command, BUILD_TIMEOUT)?;
        if !status.success() {
            return Err(format!("the criterion bench {bench} failed ({status})"));
        }
    }
    let mut out = Vec::new();
    for (_, _, ids) in MICRO {
        for id in *ids {
            out.push(read_criterion(&home, id)?);
        }
    }
    Ok(out)
}

/// Reads `<home>/<group>/<function>/new/estimates.json`.
fn read_criterion(home: &Path, id: &str) -> Result<Micro, String> {
    let file = home.join(id).join("new").join("estimates.json");
    let text = std::fs::read_to_string(&file)
        .map_err(|error| format!("no criterion estimate {}: {error}", file.display()))?;
    parse_estimates(id, &text).map_err(|error| format!("{}: {error}", file.display()))
}

/// The part of criterion's `estimates.json` the report uses: the median and its interval.
#[derive(Debug, Deserialize)]
struct Estimates {
    median: Estimate,
}

#[derive(Debug, Deserialize)]
struct Estimate {
    point_estimate: f64,
    confidence_interval: Option<Interval>,
}

#[derive(Debug, Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

/// Reads one bench's estimates; without an interval, both bounds are the median itself.
fn parse_estimates(id: &str, text: &str) -> Result<Micro, String> {
    let median = serde_json::from_str::<Estimates>(text)
        .map_err(|error| format!("not criterion's estimates ({error})"))?
        .median;
    let point = median.point_estimate;
    let (low, high) = median
        .confidence_interval
        .map_or((point, point), |i| (i.lower_bound, i.upper_bound));
    Ok(Micro {
        id: id.to_owned(),
        median_ns: point,
        low_ns: low,
        high_ns: high,
    })
}

#[cfg(test)]
mod tests {
    use super::parse_estimates;

    #[test]
    fn reads_the_median_and_its_interval() {
        let text = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":10.0,"upper_bound":12.0},"point_estimate":11.0,"standard_error":0.5},
            "median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1234.5,"upper_bound":1300},"point_estimate":1250.25,"standard_error":3.1},
            "std_dev":null}"#;
        let micro = parse_estimates("validate/org_id", text).expect("estimates");
        assert_eq!(micro.id, "validate/org_id");
        assert_eq!(
            (micro.median_ns, micro.low_ns, micro.high_ns),
            (1250.25, 1234.5, 1300.0)
        );
        let bare = parse_estimates("x", r#"{"median":{"point_estimate":5}}"#).expect("no interval");
        assert_eq!((bare.low_ns, bare.high_ns), (5.0, 5.0));
        assert!(parse_estimates("x", r#"{"mean":{"point_estimate":5}}"#).is_err());
    }
}
