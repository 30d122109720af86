//! Usage watching for `rotate finish --wait-unused WINDOW`: from successive snapshots of the
//! old key's access list, decide whether the key has been quiet for the window.
//!
//! The service's only usage data is on access-list entries: each authenticated request from
//! a listed address increments that entry's `count` and sets its `lastUsed` (NOTES (j)). The
//! key object has no `lastUsed`, so a key with an empty access list has NO usage signal: the
//! verdict says so ([`Verdict::NoSignal`]) rather than calling it quiet, and the caller must
//! then require `--force`.
//!
//! When the counters changed between two snapshots, the use happened in between; the quiet
//! period starts at the newest `lastUsed` clamped into that interval (the service's clock and
//! ours may differ), or at the later snapshot when no `lastUsed` is given. When nothing
//! changed across all snapshots, it starts at the newest `lastUsed`, or at the first snapshot.
//!
//! Caution for the caller: the snapshots must be taken with credentials OTHER than the old
//! key, or the polls themselves move the counters and the key never looks quiet.
//!
//! What this module must NOT do: I/O or read a clock; every time comes from the caller.

use std::collections::BTreeMap;

use atlas_keys_model::AccessListEntry;
use time::{Duration, OffsetDateTime};

/// One access-list entry's usage, as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryUsage {
    /// The entry's address or CIDR block, as the service spells it.
    pub address: String,
    /// Its `count` (absent in some service versions).
    pub count: Option<u64>,
    /// Its `lastUsed` (absent until first use).
    pub last_used: Option<OffsetDateTime>,
}

impl EntryUsage {
    /// Builds an entry from the service's fields; a `lastUsed` that is not RFC 3339 is
    /// treated as absent (the count still moves when the key is used).
    pub fn from_wire(
        address: impl Into<String>,
        count: Option<u64>,
        last_used: Option<&str>,
    ) -> Self {
        Self {
            address: address.into(),
            count,
            last_used: last_used.and_then(parse_time),
        }
    }
}

/// The service writes ISO 8601 with an offset (RFC 3339 in practice); both are accepted.
fn parse_time(s: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::{Iso8601, Rfc3339};
    OffsetDateTime::parse(s, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(s, &Iso8601::DEFAULT))
        .ok()
}

impl From<&AccessListEntry> for EntryUsage {
    /// The usage fields of a listed entry; the address in its canonical form when it parses.
    fn from(entry: &AccessListEntry) -> Self {
        let address = entry.address().map_or_else(
            || {
                entry
                    .cidr_block()
                    .or(entry.ip_address())
                    .unwrap_or_default()
                    .to_owned()
            },
            |a| a.to_string(),
        );
        Self::from_wire(address, entry.count(), entry.last_used())
    }
}

/// The old key's access list at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// When we listed it (our clock).
    pub observed_at: OffsetDateTime,
    /// Every entry.
    pub entries: Vec<EntryUsage>,
}

impl Snapshot {
    /// What must stay the same for the key to be unused: each address's count and lastUsed.
    fn usage(&self) -> BTreeMap<&str, (Option<u64>, Option<OffsetDateTime>)> {
        self.entries
            .iter()
            .map(|e| (e.address.as_str(), (e.count, e.last_used)))
            .collect()
    }

    fn newest_last_used(&self) -> Option<OffsetDateTime> {
        self.entries.iter().filter_map(|e| e.last_used).max()
    }
}

/// Why there is no usage signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoSignalReason {
    /// No snapshot was taken yet.
    NoSnapshot,
    /// The key has no access-list entries: the service records no usage for it.
    NoAccessList,
}

/// The answer for `--wait-unused`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// No use since `since`, for at least the window: the old key may be deleted.
    Quiet {
        /// Start of the quiet period.
        since: OffsetDateTime,
    },
    /// Used too recently: keep watching. If nothing changes, it is quiet at `quiet_at`.
    Moving {
        /// Start of the current quiet period (the latest use we can place).
        last_activity: OffsetDateTime,
        /// `last_activity + window`: the earliest time the verdict can become quiet.
        quiet_at: OffsetDateTime,
    },
    /// There is nothing to watch; only `--force` can delete the key.
    NoSignal(NoSignalReason),
}

/// Decides from `snapshots` (oldest first; their `observed_at` must not decrease) whether
/// the key has been quiet for `window` as of the last snapshot.
///
/// ```
/// use atlas_keys::rotation::usage::{verdict, EntryUsage, Snapshot, Verdict};
/// use time::{Duration, OffsetDateTime};
///
/// let t0 = OffsetDateTime::from_unix_timestamp(1_796_530_500).unwrap();
/// let entry = |count| vec![EntryUsage::from_wire("192.0.2.7", Some(count), None)];
/// let snaps = [
///     Snapshot { observed_at: t0, entries: entry(5) },
///     Snapshot { observed_at: t0 + Duration::minutes(1), entries: entry(6) },
///     Snapshot { observed_at: t0 + Duration::minutes(20), entries: entry(6) },
/// ];
/// assert_eq!(verdict(&snaps, Duration::minutes(15)),
///     Verdict::Quiet { since: t0 + Duration::minutes(1) });
/// ```
pub fn verdict(snapshots: &[Snapshot], window: Duration) -> Verdict {
    let Some(latest) = snapshots.last() else {
        return Verdict::NoSignal(NoSignalReason::NoSnapshot);
    };
    if latest.entries.is_empty() {
        return Verdict::NoSignal(NoSignalReason::NoAccessList);
    }
    let current = latest.usage();
    // The first snapshot of the trailing run that shows the current usage.
    let run_start = snapshots
        .iter()
        .rposition(|s| s.usage() != current)
        .map(|changed_before| changed_before + 1);
    let since = match run_start {
        Some(first_same) => {
            // The use happened after the last differing snapshot and by the first same one.
            let after = snapshots[first_same - 1].observed_at;
            let by = snapshots[first_same].observed_at;
            latest
                .newest_last_used()
                .map_or(by, |last_used| last_used.clamp(after, by))
        }
        None => {
            let first = snapshots[0].observed_at;
            latest
                .newest_last_used()
                .map_or(first, |last_used| last_used.min(first))
        }
    };
    if latest.observed_at - since >= window {
        Verdict::Quiet { since }
    } else {
        Verdict::Moving {
            last_activity: since,
            quiet_at: since + window,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(minutes: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_796_530_500).unwrap() + Duration::minutes(minutes)
    }

    fn snap(at: i64, entries: &[(&str, u64, Option<i64>)]) -> Snapshot {
        Snapshot {
            observed_at: t(at),
            entries: entries
                .iter()
                .map(|(a, c, l)| EntryUsage {
                    address: (*a).to_owned(),
                    count: Some(*c),
                    last_used: l.map(t),
                })
                .collect(),
        }
    }

    const WINDOW: Duration = Duration::minutes(15);

    #[test]
    fn a_key_without_entries_has_no_signal_rather_than_being_quiet() {
        assert_eq!(
            verdict(&[], WINDOW),
            Verdict::NoSignal(NoSignalReason::NoSnapshot)
        );
        let snaps = [snap(0, &[]), snap(60, &[])];
        assert_eq!(
            verdict(&snaps, WINDOW),
            Verdict::NoSignal(NoSignalReason::NoAccessList)
        );
    }

    #[test]
    fn unchanged_counters_are_quiet_from_the_last_use_the_service_reports() {
        let snaps = [
            snap(0, &[("a", 3, Some(-30))]),
            snap(1, &[("a", 3, Some(-30))]),
        ];
        assert_eq!(verdict(&snaps, WINDOW), Verdict::Quiet { since: t(-30) });
    }

    #[test]
    fn never_used_entries_are_quiet_from_the_first_snapshot_only() {
        let snaps = [snap(0, &[("a", 0, None)]), snap(10, &[("a", 0, None)])];
        assert_eq!(
            verdict(&snaps, WINDOW),
            Verdict::Moving {
                last_activity: t(0),
                quiet_at: t(15)
            }
        );
        let snaps = [snap(0, &[("a", 0, None)]), snap(15, &[("a", 0, None)])];
        assert_eq!(verdict(&snaps, WINDOW), Verdict::Quiet { since: t(0) });
    }

    #[test]
    fn a_count_that_moved_restarts_the_window_at_the_use() {
        let snaps = [
            snap(0, &[("a", 3, Some(-30))]),
            snap(5, &[("a", 4, Some(4))]),
            snap(10, &[("a", 4, Some(4))]),
        ];
        assert_eq!(
            verdict(&snaps, WINDOW),
            Verdict::Moving {
                last_activity: t(4),
                quiet_at: t(19)
            }
        );
        let later = [
            snaps[0].clone(),
            snaps[1].clone(),
            snap(19, &[("a", 4, Some(4))]),
        ];
        assert_eq!(verdict(&later, WINDOW), Verdict::Quiet { since: t(4) });
    }

    #[test]
    fn a_skewed_last_used_is_clamped_into_the_interval_we_saw_the_change_in() {
        // The service's clock is ahead: lastUsed lies after our observation.
        let snaps = [snap(0, &[("a", 1, None)]), snap(5, &[("a", 2, Some(50))])];
        assert_eq!(
            verdict(&snaps, WINDOW),
            Verdict::Moving {
                last_activity: t(5),
                quiet_at: t(20)
            }
        );
        // Behind: it cannot predate the snapshot that still showed the old count.
        let snaps = [snap(0, &[("a", 1, None)]), snap(5, &[("a", 2, Some(-100))])];
        assert!(matches!(
            verdict(&snaps, WINDOW),
            Verdict::Moving { last_activity, .. } if last_activity == t(0)
        ));
        // Unchanged all along, lastUsed in our future: quiet from the first snapshot.
        let snaps = [
            snap(0, &[("a", 2, Some(50))]),
            snap(20, &[("a", 2, Some(50))]),
        ];
        assert_eq!(verdict(&snaps, WINDOW), Verdict::Quiet { since: t(0) });
    }

    #[test]
    fn an_entry_added_or_removed_counts_as_movement() {
        let snaps = [
            snap(0, &[("a", 1, None)]),
            snap(30, &[("a", 1, None), ("b", 0, None)]),
        ];
        assert!(matches!(verdict(&snaps, WINDOW), Verdict::Moving { .. }));
        let snaps = [
            snap(0, &[("a", 1, None), ("b", 0, None)]),
            snap(30, &[("a", 1, None)]),
        ];
        assert!(matches!(verdict(&snaps, WINDOW), Verdict::Moving { .. }));
    }

    #[test]
    fn a_use_between_equal_snapshots_shows_through_last_used_or_count() {
        // Entry order in a listing does not matter.
        let snaps = [
            snap(0, &[("a", 1, None), ("b", 2, None)]),
            snap(20, &[("b", 2, None), ("a", 1, None)]),
        ];
        assert_eq!(verdict(&snaps, WINDOW), Verdict::Quiet { since: t(0) });
    }

    #[test]
    fn listed_entries_convert_with_a_canonical_address() {
        let listed: AccessListEntry = serde_json::from_str(
            r#"{"cidrBlock":"192.0.2.7/32","ipAddress":"192.0.2.7","count":4,"lastUsed":"2026-12-06T04:15:00Z"}"#,
        )
        .unwrap();
        let usage = EntryUsage::from(&listed);
        assert_eq!(usage.address, "192.0.2.7");
        assert_eq!(usage.count, Some(4));
        assert_eq!(usage.last_used, Some(t(0)));
    }

    #[test]
    fn wire_times_parse_and_garbage_is_ignored() {
        let millis = EntryUsage::from_wire("a", Some(1), Some("2026-12-06T04:15:00.000+00:00"));
        assert_eq!(millis.last_used, Some(t(0)));
        let e = EntryUsage::from_wire("a", Some(1), Some("2026-12-06T04:15:00Z"));
        assert_eq!(e.last_used, Some(t(0)));
        assert_eq!(
            EntryUsage::from_wire("a", None, Some("yesterday")).last_used,
            None
        );
    }
}
