//! Temporary CI access bookkeeping: the expiry marker in an ephemeral key's description, and
//! the local ledger of what `ci-access` added, so that `ci-access reap` can remove what a
//! killed runner left behind.
//!
//! The marker, `atlas-keys-ci expires=2026-12-06T05:00:00Z`, is appended to the user's
//! description; when the two do not fit in the service's 250 characters the user's part is
//! cut, never the marker, so a key found by listing always says when it may be reaped.
//!
//! The ledger is a JSON-lines file (0600, `O_NOFOLLOW`, fsynced per line) of events: an
//! access-list entry added (and whether it existed before: an entry that already existed is
//! never removed), a key created, either removed, a run ended. [`reapable`] folds it into
//! what may be removed now: what a run added, once that run ended or its TTL passed, and no
//! other live run still relies on the same entry.
//!
//! What this module must NOT do: touch the service (the caller removes what [`reapable`]
//! returns and records it), hold a secret, or follow a symlink.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use atlas_keys_model::{
    AccessListAddress, ApiKeyId, Description, OrgId, ProjectId, ValidationError,
};
use time::OffsetDateTime;

use super::files::{self, ReadLinesError};
use super::format_utc_seconds;

/// The words that start the expiry marker.
pub const CI_MARKER_PREFIX: &str = "atlas-keys-ci expires=";

/// The service's description limit, in characters.
const DESC_LIMIT: usize = 250;

/// Appends `marker` to `user_desc` (after one space), cutting the user's text so the result
/// fits the 250-character limit; the marker is never cut. An empty user text gives the
/// marker alone. Fails only when the marker itself is empty or too long.
///
/// ```
/// use atlas_keys::rotation::ci_ledger::append_marker;
///
/// let d = append_marker(&"x".repeat(300), "atlas-keys-ci expires=2026-12-06T05:00:00Z")?;
/// assert_eq!(d.as_str().chars().count(), 250);
/// assert!(d.as_str().ends_with(" atlas-keys-ci expires=2026-12-06T05:00:00Z"));
/// # Ok::<(), atlas_keys::model::ValidationError>(())
/// ```
pub fn append_marker(user_desc: &str, marker: &str) -> Result<Description, ValidationError> {
    let user = user_desc.trim_end();
    if user.is_empty() {
        return Description::new(marker);
    }
    let room = DESC_LIMIT.saturating_sub(marker.chars().count() + 1);
    let cut: String = user.chars().take(room).collect();
    let cut = cut.trim_end();
    if cut.is_empty() {
        Description::new(marker)
    } else {
        Description::new(format!("{cut} {marker}"))
    }
}

/// The expiry of an ephemeral CI key, as carried in its description.
///
/// ```
/// use atlas_keys::rotation::ci_ledger::CiExpiry;
/// use time::OffsetDateTime;
///
/// let at = OffsetDateTime::from_unix_timestamp(1_796_533_200).unwrap();
/// let desc = CiExpiry::new(at).describe("deploy from runner 7")?;
/// assert_eq!(desc.as_str(), "deploy from runner 7 atlas-keys-ci expires=2026-12-06T05:00:00Z");
/// assert_eq!(CiExpiry::parse(desc.as_str()), Some(CiExpiry::new(at)));
/// assert!(CiExpiry::parse(desc.as_str()).unwrap().is_expired(at));
/// # Ok::<(), atlas_keys::model::ValidationError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CiExpiry {
    expires_at: OffsetDateTime,
}

impl CiExpiry {
    /// An expiry at `expires_at`, kept to the second (the marker's precision).
    pub fn new(expires_at: OffsetDateTime) -> Self {
        let expires_at = expires_at
            .to_offset(time::UtcOffset::UTC)
            .replace_nanosecond(0)
            .unwrap_or(expires_at);
        Self { expires_at }
    }

    /// When it expires.
    pub fn expires_at(&self) -> OffsetDateTime {
        self.expires_at
    }

    /// True once `now` has reached the expiry.
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        now >= self.expires_at
    }

    /// The marker text, `atlas-keys-ci expires=<RFC 3339 UTC>`.
    pub fn marker(&self) -> String {
        format!("{CI_MARKER_PREFIX}{}", format_utc_seconds(self.expires_at))
    }

    /// `user_desc` with this marker appended (an older marker in it is dropped first).
    pub fn describe(&self, user_desc: &str) -> Result<Description, ValidationError> {
        append_marker(strip_marker(user_desc), &self.marker())
    }

    /// Reads the marker at the end of a key's description; `None` when there is none (the
    /// key is not an ephemeral CI key, or its marker was edited away).
    pub fn parse(desc: &str) -> Option<Self> {
        let start = desc.rfind(CI_MARKER_PREFIX)?;
        // The marker stands alone: at the start or after a space.
        if start > 0 && !desc[..start].ends_with(' ') {
            return None;
        }
        let when = &desc[start + CI_MARKER_PREFIX.len()..];
        OffsetDateTime::parse(when, &time::format_description::well_known::Rfc3339)
            .ok()
            .map(Self::new)
    }
}

/// `desc` without a trailing CI marker.
fn strip_marker(desc: &str) -> &str {
    match desc.rfind(CI_MARKER_PREFIX) {
        Some(start) if CiExpiry::parse(desc).is_some() => desc[..start].trim_end(),
        _ => desc,
    }
}

/// One ledger event.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(
    tag = "event",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[non_exhaustive]
pub enum LedgerRecord {
    /// A run put `address` on `key`'s access list (or found it there).
    EntryAdded {
        /// The run (one `ci-access` invocation).
        run: String,
        /// The key's organization.
        org: OrgId,
        /// The key.
        key: ApiKeyId,
        /// The address or block.
        address: AccessListAddress,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        added_at: OffsetDateTime,
        /// When the run's TTL passes.
        #[serde(with = "time::serde::rfc3339")]
        expires_at: OffsetDateTime,
        /// The entry was on the list before: it must never be removed.
        existed_before: bool,
    },
    /// The entry was removed from the service.
    EntryRemoved {
        /// The key.
        key: ApiKeyId,
        /// The address or block.
        address: AccessListAddress,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A run created an ephemeral key (its description carries a [`CiExpiry`] marker too).
    KeyCreated {
        /// The run.
        run: String,
        /// The organization.
        org: OrgId,
        /// The project it was created in.
        project: ProjectId,
        /// The key.
        key: ApiKeyId,
        /// When its TTL passes.
        #[serde(with = "time::serde::rfc3339")]
        expires_at: OffsetDateTime,
    },
    /// The ephemeral key was deleted.
    KeyDeleted {
        /// The key.
        key: ApiKeyId,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A run's command ended (its own cleanup follows).
    RunEnded {
        /// The run.
        run: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

/// Something `ci-access reap` (or a run's own cleanup) may remove now.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Reapable {
    /// Remove `address` from `key`'s access list, then record
    /// [`LedgerRecord::EntryRemoved`].
    Entry {
        /// The key's organization.
        org: OrgId,
        /// The key.
        key: ApiKeyId,
        /// The address or block.
        address: AccessListAddress,
    },
    /// Delete the ephemeral key, then record [`LedgerRecord::KeyDeleted`].
    Key {
        /// The organization.
        org: OrgId,
        /// The key.
        key: ApiKeyId,
    },
}

/// What may be removed at `now`, given the ledger's `records` (oldest first).
///
/// An access-list entry is removable when a run added it (`existed_before: false`), it was
/// not removed since, and every run that relies on it has ended or passed its TTL. An entry
/// that existed before the first run that recorded it is never removable. An ephemeral key
/// is removable once its run ended or its TTL passed, until it is recorded deleted.
///
/// A run ending normally records [`LedgerRecord::RunEnded`] first and then removes the
/// items of its own that this returns; so two concurrent runs from one address share the
/// entry until the last one ends.
pub fn reapable(records: &[LedgerRecord], now: OffsetDateTime) -> Vec<Reapable> {
    struct Holder<'a> {
        run: &'a str,
        org: OrgId,
        existed_before: bool,
        expires_at: OffsetDateTime,
    }
    let mut entries: BTreeMap<(ApiKeyId, AccessListAddress), Vec<Holder<'_>>> = BTreeMap::new();
    let mut keys: BTreeMap<ApiKeyId, (OrgId, &str, OffsetDateTime)> = BTreeMap::new();
    let mut ended: BTreeSet<&str> = BTreeSet::new();
    for record in records {
        match record {
            LedgerRecord::EntryAdded {
                run,
                org,
                key,
                address,
                expires_at,
                existed_before,
                ..
            } => entries.entry((*key, *address)).or_default().push(Holder {
                run,
                org: *org,
                existed_before: *existed_before,
                expires_at: *expires_at,
            }),
            // Gone from the service: nobody's claim on it stands any more.
            LedgerRecord::EntryRemoved { key, address, .. } => {
                entries.remove(&(*key, *address));
            }
            LedgerRecord::KeyCreated {
                run,
                org,
                key,
                expires_at,
                ..
            } => {
                keys.insert(*key, (*org, run, *expires_at));
            }
            LedgerRecord::KeyDeleted { key, .. } => {
                keys.remove(key);
            }
            LedgerRecord::RunEnded { run, .. } => {
                ended.insert(run);
            }
        }
    }
    let over = |run: &str, expires_at: OffsetDateTime| ended.contains(run) || now >= expires_at;
    let mut out = Vec::new();
    for ((key, address), holders) in &entries {
        // Only the first claim tells whether we put the entry there.
        let Some(first) = holders.first() else {
            continue;
        };
        if first.existed_before {
            continue;
        }
        if holders.iter().all(|h| over(h.run, h.expires_at)) {
            out.push(Reapable::Entry {
                org: first.org,
                key: *key,
                address: *address,
            });
        }
    }
    for (key, (org, run, expires_at)) in &keys {
        if over(run, *expires_at) {
            out.push(Reapable::Key {
                org: *org,
                key: *key,
            });
        }
    }
    out
}

/// Why the ledger could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// A file operation failed.
    #[error("CI ledger {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The system error.
        #[source]
        source: std::io::Error,
    },
    /// A line other than a torn last one does not parse.
    #[error("CI ledger {} line {line} is not a ledger record: {message}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What the parser said.
        message: String,
    },
}

/// The ledger file. Its methods do blocking file I/O (each append fsyncs); an async caller
/// runs them in `spawn_blocking` when that matters.
#[derive(Clone, Debug)]
pub struct CiLedger {
    path: PathBuf,
}

impl CiLedger {
    /// Opens the ledger at `path`, creating its directory (0700) if missing; the file itself
    /// is created 0600 by the first record.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, LedgerError> {
        let path = path.into();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            files::ensure_private_dir(dir).map_err(|source| LedgerError::Io {
                path: dir.to_owned(),
                source,
            })?;
        }
        Ok(Self { path })
    }

    /// The default file: `$XDG_STATE_HOME/atlas-keys/ci-ledger.jsonl`, else
    /// `$HOME/.local/state/atlas-keys/ci-ledger.jsonl`.
    pub fn default_path() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_STATE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .map(|home| PathBuf::from(home).join(".local/state"))
            })?;
        Some(base.join("atlas-keys").join("ci-ledger.jsonl"))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record, durably.
    pub fn record(&self, record: &LedgerRecord) -> Result<(), LedgerError> {
        files::append_json_line(&self.path, record).map_err(|source| LedgerError::Io {
            path: self.path.clone(),
            source,
        })
    }

    /// Every record, oldest first (empty when the file does not exist yet).
    pub fn records(&self) -> Result<Vec<LedgerRecord>, LedgerError> {
        files::read_json_lines(&self.path).map_err(|e| match e {
            ReadLinesError::Io(source) => LedgerError::Io {
                path: self.path.clone(),
                source,
            },
            ReadLinesError::BadLine(bad) => LedgerError::Corrupt {
                path: self.path.clone(),
                line: bad.line,
                message: bad.message,
            },
        })
    }

    /// [`reapable`] over this ledger's records.
    pub fn reapable(&self, now: OffsetDateTime) -> Result<Vec<Reapable>, LedgerError> {
        Ok(reapable(&self.records()?, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    fn t(minutes: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_796_530_500).unwrap() + Duration::minutes(minutes)
    }

    fn org() -> OrgId {
        "aaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap()
    }

    fn key() -> ApiKeyId {
        "bbbbbbbbbbbbbbbbbbbbbbbb".parse().unwrap()
    }

    fn addr() -> AccessListAddress {
        "192.0.2.7".parse().unwrap()
    }

    fn added(run: &str, expires: i64, existed_before: bool) -> LedgerRecord {
        LedgerRecord::EntryAdded {
            run: run.into(),
            org: org(),
            key: key(),
            address: addr(),
            added_at: t(0),
            expires_at: t(expires),
            existed_before,
        }
    }

    fn ended(run: &str) -> LedgerRecord {
        LedgerRecord::RunEnded {
            run: run.into(),
            at: t(1),
        }
    }

    fn entry() -> Reapable {
        Reapable::Entry {
            org: org(),
            key: key(),
            address: addr(),
        }
    }

    #[test]
    fn the_marker_survives_any_user_text_and_the_limit_holds() {
        let expiry = CiExpiry::new(t(45) + Duration::milliseconds(999));
        let users = [
            String::new(),
            "  ".into(),
            "ci".into(),
            "é".repeat(249),
            "x".repeat(1000),
            format!("{} ", "y".repeat(207)),
        ];
        for user in &users {
            let d = expiry.describe(user).unwrap();
            assert!(d.as_str().chars().count() <= 250, "{user:?}");
            assert!(d.as_str().ends_with(&expiry.marker()), "{user:?}");
            assert_eq!(CiExpiry::parse(d.as_str()), Some(expiry), "{user:?}");
        }
        assert_eq!(
            expiry.marker(),
            "atlas-keys-ci expires=2026-12-06T05:00:00Z"
        );
    }

    #[test]
    fn re_marking_replaces_the_old_marker() {
        let first = CiExpiry::new(t(10)).describe("deploy").unwrap();
        let second = CiExpiry::new(t(20)).describe(first.as_str()).unwrap();
        assert_eq!(
            second.as_str(),
            "deploy atlas-keys-ci expires=2026-12-06T04:35:00Z"
        );
    }

    #[test]
    fn parse_wants_a_whole_marker_at_the_end() {
        assert_eq!(CiExpiry::parse("plain key"), None);
        assert_eq!(CiExpiry::parse("atlas-keys-ci expires=soon"), None);
        assert_eq!(
            CiExpiry::parse("xatlas-keys-ci expires=2026-12-06T05:00:00Z"),
            None
        );
        assert_eq!(
            CiExpiry::parse("atlas-keys-ci expires=2026-12-06T05:00:00Z and more"),
            None
        );
        let e = CiExpiry::parse("atlas-keys-ci expires=2026-12-06T06:00:00+01:00").unwrap();
        assert_eq!(e.expires_at(), t(45));
        assert!(!e.is_expired(t(44)));
        assert!(e.is_expired(t(45)));
    }

    #[test]
    fn an_entry_that_existed_before_is_never_reapable() {
        let records = [added("a", 10, true), ended("a")];
        assert!(reapable(&records, t(100)).is_empty());
    }

    #[test]
    fn an_added_entry_is_reapable_after_its_run_ended_or_its_ttl() {
        assert!(reapable(&[added("a", 10, false)], t(5)).is_empty());
        assert_eq!(reapable(&[added("a", 10, false)], t(10)), vec![entry()]);
        assert_eq!(
            reapable(&[added("a", 10, false), ended("a")], t(2)),
            vec![entry()]
        );
        let removed = LedgerRecord::EntryRemoved {
            key: key(),
            address: addr(),
            at: t(3),
        };
        assert!(reapable(&[added("a", 10, false), ended("a"), removed], t(20)).is_empty());
    }

    #[test]
    fn a_shared_entry_waits_for_the_last_live_run() {
        // Run b found run a's entry (existed_before) and is still running.
        let records = [added("a", 10, false), added("b", 30, true), ended("a")];
        assert!(reapable(&records, t(5)).is_empty());
        assert_eq!(reapable(&records, t(30)), vec![entry()]);
        let both_ended = [
            added("a", 10, false),
            added("b", 30, true),
            ended("a"),
            ended("b"),
        ];
        assert_eq!(reapable(&both_ended, t(5)), vec![entry()]);
    }

    #[test]
    fn ephemeral_keys_are_reapable_until_recorded_deleted() {
        let created = LedgerRecord::KeyCreated {
            run: "a".into(),
            org: org(),
            project: "cccccccccccccccccccccccc".parse().unwrap(),
            key: key(),
            expires_at: t(30),
        };
        let gone = Reapable::Key {
            org: org(),
            key: key(),
        };
        assert!(reapable(std::slice::from_ref(&created), t(10)).is_empty());
        assert_eq!(
            reapable(std::slice::from_ref(&created), t(30)),
            vec![gone.clone()]
        );
        assert_eq!(reapable(&[created.clone(), ended("a")], t(10)), vec![gone]);
        let deleted = LedgerRecord::KeyDeleted {
            key: key(),
            at: t(31),
        };
        assert!(reapable(&[created, deleted], t(40)).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn the_ledger_file_round_trips_and_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let ledger = CiLedger::open(dir.path().join("state/ci-ledger.jsonl")).unwrap();
        assert!(ledger.records().unwrap().is_empty());
        ledger.record(&added("a", 10, false)).unwrap();
        ledger.record(&ended("a")).unwrap();
        assert_eq!(
            ledger.records().unwrap(),
            vec![added("a", 10, false), ended("a")]
        );
        assert_eq!(ledger.reapable(t(2)).unwrap(), vec![entry()]);
        let mode = std::fs::metadata(ledger.path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let line = std::fs::read_to_string(ledger.path()).unwrap();
        assert!(line.starts_with(r#"{"event":"entryAdded","run":"a","org":"aaaaaaaaaaaaaaaaaaaaaaaa","key":"bbbbbbbbbbbbbbbbbbbbbbbb","address":"192.0.2.7","addedAt":"2026-12-06T04:15:00Z","#), "{line}");
    }
}
