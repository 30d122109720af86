//! `atlas-keys audit [--orgId ID] [--stale 90d] [--fail-on high|medium|low|never]`: the
//! flags of the read-only key audit, and the duration parser behind `--stale`.
//!
//! This module must NOT run anything; `commands::audit` does.

use std::time::Duration;

use atlas_keys::audit::FailOn;
use clap::Args;

use super::OrgIdArg;

/// `atlas-keys audit`.
#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    #[command(flatten)]
    pub(crate) org: OrgIdArg,
    /// A key whose latest use is older than this is stale: a number and a unit,
    /// s, m, h, d or w (e.g. 90d, 12h, 0s).
    #[arg(long, value_name = "DURATION", default_value = "90d", value_parser = parse_duration)]
    pub(crate) stale: Duration,
    /// Exit 4 when a finding is at or above this severity: high, medium, low or never.
    #[arg(
        long = "fail-on",
        alias = "failOn",
        value_name = "SEVERITY",
        default_value = "never"
    )]
    pub(crate) fail_on: FailOn,
    /// IPv4 blocks with a prefix length at most this are "wide" (0 to 32).
    #[arg(long = "wide-v4", value_name = "PREFIX", default_value_t = 8,
          value_parser = clap::value_parser!(u8).range(0..=32))]
    pub(crate) wide_v4: u8,
    /// IPv6 blocks with a prefix length at most this are "wide" (0 to 128).
    #[arg(long = "wide-v6", value_name = "PREFIX", default_value_t = 32,
          value_parser = clap::value_parser!(u8).range(0..=128))]
    pub(crate) wide_v6: u8,
}

/// `90d`, `12h`, `30m`, `45s`, `2w`. Hand-written rather than the `humantime` crate: five
/// units of one number are all `--stale` needs, and a dependency (with its own grammar of
/// `1year 2months`, months of 30.44 days) would be a second notion of a day in the report.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("`{s}` has no unit: add s, m, h, d or w (e.g. 90d)"))?;
    let (number, unit) = s.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{s}` does not start with a whole number (e.g. 90d)"))?;
    let seconds_per = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => {
            return Err(format!(
                "`{unit}` is not a unit: use s, m, h, d or w (e.g. 90d)"
            ));
        }
    };
    n.checked_mul(seconds_per)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("`{s}` is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90d"), Ok(Duration::from_secs(90 * 86_400)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("2w"), Ok(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(43_200)));
        for bad in ["90", "d", "9 0d", "90y", "-1d", "", "99999999999999999999w"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
