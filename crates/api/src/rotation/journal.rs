//! The rotation journal: each step of a rotation as data, recorded before the command goes
//! on, so that `rotate resume` can finish or undo a rotation after SIGINT, SIGTERM, kill -9
//! or a network failure at any point (see [`super::plan`] for what resume does).
//!
//! A step is recorded right AFTER its effect is certain (the create answered, the secret was
//! delivered, ...), except [`Step::CreateRequested`], which is recorded BEFORE the create is
//! sent: a create that lands while the process dies must still be findable, by the marker in
//! the new key's description.
//!
//! [`FileJournal`] keeps one JSON-lines file per rotation (`<id>.jsonl`) in a directory
//! created 0700; files are 0600, opened with `O_NOFOLLOW`, appended one whole line at a time
//! and fsynced after each append; a torn last line (a crash in the middle of an append) is
//! ignored with a warning. [`MemoryJournal`] is the same in memory, for tests and for callers
//! that keep state elsewhere.
//!
//! What this module must NOT do: hold a private key (no step has a field for one, and a
//! [`DeliveryReceipt`] has none), or follow a symlink.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use atlas_keys_model::{ApiKeyId, OrgId, ProjectId, PublicKey};
use time::OffsetDateTime;

use super::deliver::DeliveryReceipt;
use super::files::{self, ReadLinesError};
use super::plan::{self, Resume};

/// The most characters a [`RotationId`] may have.
const MAX_ID_CHARS: usize = 100;

/// A rotation's name: also its journal file's name, so only `[A-Za-z0-9_-]`, 1 to 100 chars.
///
/// [`RotationId::new`] makes `<old key id>-<UTC start time>`, e.g.
/// `5f1b2c3d4e5f6a7b8c9d0e1f-20261206T041500Z`, so a listing sorts by key then time.
///
/// ```
/// use atlas_keys::rotation::journal::RotationId;
///
/// let started = time::OffsetDateTime::from_unix_timestamp(1_796_530_500).unwrap();
/// let id = RotationId::new(&"5f1b2c3d4e5f6a7b8c9d0e1f".parse()?, started);
/// assert_eq!(id.as_str(), "5f1b2c3d4e5f6a7b8c9d0e1f-20261206T041500Z");
/// # Ok::<(), atlas_keys::model::ValidationError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct RotationId(String);

impl RotationId {
    /// The id of a rotation of `old_key` started at `started_at`.
    pub fn new(old_key: &ApiKeyId, started_at: OffsetDateTime) -> Self {
        let at = started_at.to_offset(time::UtcOffset::UTC);
        Self(format!(
            "{old_key}-{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        ))
    }

    /// Checks a rotation id read from the user or a file name.
    pub fn parse(value: &str) -> Result<Self, InvalidRotationId> {
        let ok = (1..=MAX_ID_CHARS).contains(&value.chars().count())
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(InvalidRotationId(value.to_owned()))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The marker a rotation puts in its new key's description until the create is
    /// journaled, so that `resume` can find a key whose create landed unrecorded:
    /// `atlas-keys-rotation=<id>`. See [`super::ci_ledger::append_marker`].
    pub fn description_marker(&self) -> String {
        format!("atlas-keys-rotation={}", self.0)
    }
}

impl fmt::Display for RotationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for RotationId {
    type Err = InvalidRotationId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl<'de> serde::Deserialize<'de> for RotationId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A rotation id that is not 1 to 100 characters of `[A-Za-z0-9_-]`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid rotation id: must be 1 to 100 characters of [A-Za-z0-9_-], got {0:?}")]
pub struct InvalidRotationId(String);

/// One-shot (`rotate KEY`) or two-phase (`rotate start` … `rotate finish`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Mode {
    /// Delete the old key as soon as the new one is verified.
    OneShot,
    /// Stop after verification; `rotate finish` deletes the old key.
    TwoPhase,
}

/// One step of a rotation. No step carries a secret.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(
    tag = "step",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[non_exhaustive]
pub enum Step {
    /// The rotation began; nothing was written to the service yet.
    Started {
        /// The organization of both keys.
        org: OrgId,
        /// The key being replaced.
        old_key: ApiKeyId,
        /// The new key's description, when not the old key's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        desc: Option<String>,
        /// One-shot or two-phase.
        mode: Mode,
        /// `--self`: the caller is logged in with the old key.
        #[serde(default)]
        self_rotation: bool,
        /// Where the secret goes: [`super::deliver::Delivery::summary`] (no arguments).
        delivery: String,
    },
    /// Recorded just BEFORE the create is sent. Until [`Step::Created`] follows, a key whose
    /// description holds `marker` may exist that nobody has the secret of.
    CreateRequested {
        /// The text the new key's description carries (e.g.
        /// [`RotationId::description_marker`]).
        marker: String,
    },
    /// The create answered: the new key exists. Its secret is in memory only.
    Created {
        /// The new key's id.
        new_key_id: ApiKeyId,
        /// The new key's public half.
        new_public_key: PublicKey,
    },
    /// The secret reached its target.
    Delivered {
        /// What the delivery did.
        receipt: DeliveryReceipt,
    },
    /// The new key was given the old key's roles in one project.
    Assigned {
        /// The project.
        project: ProjectId,
    },
    /// Every project is assigned and the access list is copied.
    AccessListCopied,
    /// A call with the new key's credentials proved them valid.
    Verified,
    /// `rotate finish` was run (two-phase): the old key may now be deleted.
    FinishRequested,
    /// The old key is deleted: the rotation succeeded.
    OldKeyDeleted,
    /// The rotation is to be undone (a failed verification, or `resume --abort`).
    Abandoned {
        /// Why, in words.
        reason: String,
    },
    /// The new key is deleted (or, after an unrecorded create, no key with the marker was
    /// left): the rotation was undone and the old key is untouched.
    NewKeyDeleted {
        /// The key deleted, when one was known or found.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<ApiKeyId>,
    },
    /// Nothing is left to do.
    Finished,
}

impl Step {
    /// The step's name as the journal spells it (`created`, `oldKeyDeleted`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Started { .. } => "started",
            Self::CreateRequested { .. } => "createRequested",
            Self::Created { .. } => "created",
            Self::Delivered { .. } => "delivered",
            Self::Assigned { .. } => "assigned",
            Self::AccessListCopied => "accessListCopied",
            Self::Verified => "verified",
            Self::FinishRequested => "finishRequested",
            Self::OldKeyDeleted => "oldKeyDeleted",
            Self::Abandoned { .. } => "abandoned",
            Self::NewKeyDeleted { .. } => "newKeyDeleted",
            Self::Finished => "finished",
        }
    }
}

/// A journal line: which rotation, when, and the step.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// The rotation.
    pub rotation: RotationId,
    /// When the step was recorded (UTC, to the second on disk).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The step.
    #[serde(flatten)]
    pub step: Step,
}

impl JournalEntry {
    /// An entry for `step` of `rotation`, stamped now.
    pub fn now(rotation: &RotationId, step: Step) -> Self {
        Self {
            rotation: rotation.clone(),
            at: OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .unwrap_or_else(|_| OffsetDateTime::now_utc()),
            step,
        }
    }
}

/// A rotation in progress, summarised from its journal for `rotate status` and `resume`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RotationState {
    /// The rotation.
    pub id: RotationId,
    /// The organization.
    pub org: OrgId,
    /// The key being replaced.
    pub old_key: ApiKeyId,
    /// One-shot or two-phase.
    pub mode: Mode,
    /// `--self`.
    pub self_rotation: bool,
    /// When it started.
    pub started_at: OffsetDateTime,
    /// The new key, once created.
    pub new_key: Option<(ApiKeyId, PublicKey)>,
    /// The last step recorded, and when.
    pub last_step: (&'static str, OffsetDateTime),
    /// What `rotate resume` would do next.
    pub next: Resume,
}

impl RotationState {
    /// Summarises a rotation's entries; `None` without a [`Step::Started`] entry.
    pub fn from_entries(entries: &[JournalEntry]) -> Option<Self> {
        let first = entries.first()?;
        let Step::Started {
            org,
            old_key,
            mode,
            self_rotation,
            ..
        } = &first.step
        else {
            return None;
        };
        let new_key = entries.iter().find_map(|e| match &e.step {
            Step::Created {
                new_key_id,
                new_public_key,
            } => Some((*new_key_id, new_public_key.clone())),
            _ => None,
        });
        let last = entries.last().unwrap_or(first);
        Some(Self {
            id: first.rotation.clone(),
            org: *org,
            old_key: *old_key,
            mode: *mode,
            self_rotation: *self_rotation,
            started_at: first.at,
            new_key,
            last_step: (last.step.name(), last.at),
            next: plan::plan(entries.iter().map(|e| &e.step)),
        })
    }
}

/// Why the journal could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// A file operation failed.
    #[error("journal {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The system error.
        #[source]
        source: std::io::Error,
    },
    /// A line other than a torn last one does not parse.
    #[error("journal {} line {line} is not a journal entry: {message}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What the parser said.
        message: String,
    },
    /// An entry's rotation id does not match the file it is recorded in.
    #[error("journal entry for {entry} found in the journal of {file}")]
    WrongRotation {
        /// The rotation the file belongs to.
        file: RotationId,
        /// The rotation the entry names.
        entry: RotationId,
    },
    /// Another process holds the rotation's lock (a rotation still running, or a
    /// concurrent `resume`).
    #[error("rotation {0} is in use by another process")]
    Busy(RotationId),
    /// A user-implemented journal failed.
    #[error("journal: {0}")]
    Other(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Where rotations are recorded. Implement it to keep the journal elsewhere (a database, a
/// cloud bucket); [`FileJournal`] is the default.
///
/// Contract: `record` returns only once the entry is durable (a crash after it returns must
/// not lose it); entries of a rotation come back from `load` in the order recorded; an entry
/// never holds a secret, so an implementation needs no secret storage.
#[async_trait]
pub trait Journal: Send + Sync + fmt::Debug {
    /// Appends `entry` to its rotation's journal, durably.
    async fn record(&self, entry: &JournalEntry) -> Result<(), JournalError>;

    /// Every entry of `rotation`, oldest first (empty if unknown).
    async fn load(&self, rotation: &RotationId) -> Result<Vec<JournalEntry>, JournalError>;

    /// The rotations not yet finished, oldest first.
    async fn in_progress(&self) -> Result<Vec<RotationState>, JournalError>;

    /// Closes `rotation`: records [`Step::Finished`] unless it is already the last entry,
    /// then stops listing it in [`Journal::in_progress`] (its entries may be kept).
    async fn finish(&self, rotation: &RotationId) -> Result<(), JournalError>;

    /// Takes the rotation's exclusive lock without waiting, so that `resume` never races the
    /// process still running it; [`JournalError::Busy`] when another holder has it. The
    /// default takes no lock (for journals whose store cannot lock).
    async fn lock(&self, rotation: &RotationId) -> Result<RotationLock, JournalError> {
        let _ = rotation;
        Ok(RotationLock::unlocked())
    }
}

/// A rotation's lock; dropping it releases the lock (so does the death of the process).
#[derive(Debug)]
pub struct RotationLock {
    /// The locked file, when the journal locks.
    _file: Option<std::fs::File>,
}

impl RotationLock {
    /// A lock that locks nothing, for journals that cannot lock.
    pub fn unlocked() -> Self {
        Self { _file: None }
    }
}

/// The file suffix of a rotation in progress.
const LIVE_SUFFIX: &str = ".jsonl";
/// The file suffix of a rotation's lock file.
const LOCK_SUFFIX: &str = ".lock";
/// The file suffix of a finished rotation (kept for the record, not listed).
const DONE_SUFFIX: &str = ".jsonl.finished";

/// One JSON-lines file per rotation in a private directory.
#[derive(Clone, Debug)]
pub struct FileJournal {
    dir: PathBuf,
}

impl FileJournal {
    /// Opens (creating with mode 0700) the journal directory `dir`. A symlink in its place
    /// is refused.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, JournalError> {
        let dir = dir.into();
        files::ensure_private_dir(&dir).map_err(|source| JournalError::Io {
            path: dir.clone(),
            source,
        })?;
        Ok(Self { dir })
    }

    /// The default directory: `$XDG_STATE_HOME/atlas-keys/rotations`, else
    /// `$HOME/.local/state/atlas-keys/rotations`; `None` when neither variable is set.
    pub fn default_dir() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_STATE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .map(|home| PathBuf::from(home).join(".local/state"))
            })?;
        Some(base.join("atlas-keys").join("rotations"))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn live_path(&self, rotation: &RotationId) -> PathBuf {
        self.dir.join(format!("{rotation}{LIVE_SUFFIX}"))
    }

    fn load_blocking(&self, rotation: &RotationId) -> Result<Vec<JournalEntry>, JournalError> {
        let path = self.live_path(rotation);
        let mut entries = read(&path)?;
        if entries.is_empty() {
            entries = read(&self.dir.join(format!("{rotation}{DONE_SUFFIX}")))?;
        }
        if let Some(wrong) = entries.iter().find(|e| &e.rotation != rotation) {
            return Err(JournalError::WrongRotation {
                file: rotation.clone(),
                entry: wrong.rotation.clone(),
            });
        }
        Ok(entries)
    }

    fn in_progress_blocking(&self) -> Result<Vec<RotationState>, JournalError> {
        let io = |source| JournalError::Io {
            path: self.dir.clone(),
            source,
        };
        let mut states = Vec::new();
        for dirent in std::fs::read_dir(&self.dir).map_err(io)? {
            let dirent = dirent.map_err(io)?;
            let name = dirent.file_name();
            let Some(id) = name
                .to_str()
                .and_then(|n| n.strip_suffix(LIVE_SUFFIX))
                .and_then(|stem| RotationId::parse(stem).ok())
            else {
                continue;
            };
            let entries = self.load_blocking(&id)?;
            if let Some(state) = RotationState::from_entries(&entries)
                && !matches!(entries.last().map(|e| &e.step), Some(Step::Finished))
            {
                states.push(state);
            }
        }
        states.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
        Ok(states)
    }

    fn finish_blocking(&self, rotation: &RotationId) -> Result<(), JournalError> {
        let entries = self.load_blocking(rotation)?;
        let live = self.live_path(rotation);
        if !matches!(entries.last().map(|e| &e.step), Some(Step::Finished)) {
            append(&live, &JournalEntry::now(rotation, Step::Finished))?;
        }
        let done = self.dir.join(format!("{rotation}{DONE_SUFFIX}"));
        match std::fs::rename(&live, &done) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(JournalError::Io {
                    path: live,
                    source: e,
                });
            }
            _ => {}
        }
        // The lock file has served its purpose; a finished rotation is never resumed.
        let _ = std::fs::remove_file(self.dir.join(format!("{rotation}{LOCK_SUFFIX}")));
        Ok(())
    }

    fn lock_blocking(&self, rotation: &RotationId) -> Result<RotationLock, JournalError> {
        let path = self.dir.join(format!("{rotation}{LOCK_SUFFIX}"));
        let file = files::open_lock_file(&path).map_err(|source| JournalError::Io {
            path: path.clone(),
            source,
        })?;
        match file.try_lock() {
            Ok(()) => Ok(RotationLock { _file: Some(file) }),
            Err(std::fs::TryLockError::WouldBlock) => Err(JournalError::Busy(rotation.clone())),
            Err(std::fs::TryLockError::Error(source)) => Err(JournalError::Io { path, source }),
        }
    }
}

fn read(path: &Path) -> Result<Vec<JournalEntry>, JournalError> {
    files::read_json_lines(path).map_err(|e| match e {
        ReadLinesError::Io(source) => JournalError::Io {
            path: path.to_owned(),
            source,
        },
        ReadLinesError::BadLine(bad) => JournalError::Corrupt {
            path: path.to_owned(),
            line: bad.line,
            message: bad.message,
        },
    })
}

fn append(path: &Path, entry: &JournalEntry) -> Result<(), JournalError> {
    files::append_json_line(path, entry).map_err(|source| JournalError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Runs blocking file work off the async threads (each call fsyncs).
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, JournalError> + Send + 'static,
) -> Result<T, JournalError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| JournalError::Other(e.to_string().into()))?
}

#[async_trait]
impl Journal for FileJournal {
    async fn record(&self, entry: &JournalEntry) -> Result<(), JournalError> {
        let (path, entry) = (self.live_path(&entry.rotation), entry.clone());
        blocking(move || append(&path, &entry)).await
    }

    async fn load(&self, rotation: &RotationId) -> Result<Vec<JournalEntry>, JournalError> {
        let (this, rotation) = (self.clone(), rotation.clone());
        blocking(move || this.load_blocking(&rotation)).await
    }

    async fn in_progress(&self) -> Result<Vec<RotationState>, JournalError> {
        let this = self.clone();
        blocking(move || this.in_progress_blocking()).await
    }

    async fn finish(&self, rotation: &RotationId) -> Result<(), JournalError> {
        let (this, rotation) = (self.clone(), rotation.clone());
        blocking(move || this.finish_blocking(&rotation)).await
    }

    async fn lock(&self, rotation: &RotationId) -> Result<RotationLock, JournalError> {
        let (this, rotation) = (self.clone(), rotation.clone());
        blocking(move || this.lock_blocking(&rotation)).await
    }
}

/// A journal in memory: for tests, and for callers whose durability lies elsewhere.
#[derive(Debug, Default)]
pub struct MemoryJournal {
    /// Each rotation's entries, and whether it was finished.
    rotations: Mutex<BTreeMap<RotationId, (Vec<JournalEntry>, bool)>>,
}

impl MemoryJournal {
    /// An empty journal.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut BTreeMap<RotationId, (Vec<JournalEntry>, bool)>) -> T,
    ) -> T {
        // A panic while holding the lock leaves plain data that is still consistent.
        let mut guard = self
            .rotations
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }
}

#[async_trait]
impl Journal for MemoryJournal {
    async fn record(&self, entry: &JournalEntry) -> Result<(), JournalError> {
        self.with(|r| {
            r.entry(entry.rotation.clone())
                .or_default()
                .0
                .push(entry.clone())
        });
        Ok(())
    }

    async fn load(&self, rotation: &RotationId) -> Result<Vec<JournalEntry>, JournalError> {
        Ok(self.with(|r| r.get(rotation).map(|(e, _)| e.clone()).unwrap_or_default()))
    }

    async fn in_progress(&self) -> Result<Vec<RotationState>, JournalError> {
        let mut states: Vec<RotationState> = self.with(|r| {
            r.values()
                .filter(|(entries, finished)| {
                    !finished && !matches!(entries.last().map(|e| &e.step), Some(Step::Finished))
                })
                .filter_map(|(entries, _)| RotationState::from_entries(entries))
                .collect()
        });
        states.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
        Ok(states)
    }

    async fn finish(&self, rotation: &RotationId) -> Result<(), JournalError> {
        self.with(|r| {
            let (entries, finished) = r.entry(rotation.clone()).or_default();
            if !matches!(entries.last().map(|e| &e.step), Some(Step::Finished)) {
                entries.push(JournalEntry::now(rotation, Step::Finished));
            }
            *finished = true;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rotation::deliver::DeliveryReceipt;

    /// 2026-12-06T04:15:00Z plus `seconds`.
    fn t(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_796_530_500 + seconds).unwrap()
    }

    fn old_key() -> ApiKeyId {
        "5f1b2c3d4e5f6a7b8c9d0e1f".parse().unwrap()
    }

    fn id() -> RotationId {
        RotationId::new(&old_key(), t(0) + time::Duration::milliseconds(500))
    }

    fn started() -> Step {
        Step::Started {
            org: "aaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
            old_key: old_key(),
            desc: None,
            mode: Mode::TwoPhase,
            self_rotation: false,
            delivery: "file:/run/key.json".into(),
        }
    }

    fn created() -> Step {
        Step::Created {
            new_key_id: "bbbbbbbbbbbbbbbbbbbbbbbb".parse().unwrap(),
            new_public_key: PublicKey::new("newpubky").unwrap(),
        }
    }

    fn at(step: Step, second: u8) -> JournalEntry {
        JournalEntry {
            rotation: id(),
            at: t(second.into()),
            step,
        }
    }

    #[test]
    fn rotation_ids_are_file_names() {
        assert_eq!(id().as_str(), "5f1b2c3d4e5f6a7b8c9d0e1f-20261206T041500Z");
        assert_eq!(RotationId::parse(id().as_str()).unwrap(), id());
        for bad in ["", "../x", "a/b", "a.b", "a b", &"x".repeat(101)] {
            assert!(RotationId::parse(bad).is_err(), "{bad}");
            assert!(serde_json::from_str::<RotationId>(&format!("{bad:?}")).is_err());
        }
    }

    #[test]
    fn entries_serialize_flat_with_camel_case_names() {
        let entry = at(created(), 1);
        let json = serde_json::to_string(&entry).unwrap();
        assert_eq!(
            json,
            r#"{"rotation":"5f1b2c3d4e5f6a7b8c9d0e1f-20261206T041500Z","at":"2026-12-06T04:15:01Z","step":"created","newKeyId":"bbbbbbbbbbbbbbbbbbbbbbbb","newPublicKey":"newpubky"}"#
        );
        assert_eq!(serde_json::from_str::<JournalEntry>(&json).unwrap(), entry);
        let delivered = at(
            Step::Delivered {
                receipt: DeliveryReceipt::Stdout,
            },
            2,
        );
        let back: JournalEntry =
            serde_json::from_str(&serde_json::to_string(&delivered).unwrap()).unwrap();
        assert_eq!(back, delivered);
    }

    #[tokio::test]
    async fn file_journal_records_lists_and_finishes() {
        let dir = tempfile::tempdir().unwrap();
        let journal = FileJournal::open(dir.path().join("rotations")).unwrap();
        assert!(journal.in_progress().await.unwrap().is_empty());
        for entry in [at(started(), 0), at(created(), 1)] {
            journal.record(&entry).await.unwrap();
        }
        let loaded = journal.load(&id()).await.unwrap();
        assert_eq!(loaded.len(), 2);
        let states = journal.in_progress().await.unwrap();
        assert_eq!(states.len(), 1);
        assert_eq!(states[0].id, id());
        assert_eq!(states[0].last_step.0, "created");
        assert!(matches!(states[0].next, Resume::DeleteNewKey { .. }));

        journal.finish(&id()).await.unwrap();
        assert!(journal.in_progress().await.unwrap().is_empty());
        let kept = journal.load(&id()).await.unwrap();
        assert_eq!(kept.last().unwrap().step, Step::Finished);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn file_journal_files_are_private_and_a_torn_line_is_ignored() {
        use std::io::Write;
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("rotations");
        let journal = FileJournal::open(&root).unwrap();
        journal.record(&at(started(), 0)).await.unwrap();
        let file = root.join(format!("{}.jsonl", id()));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&root), 0o700);
        assert_eq!(mode(&file), 0o600);
        // A crash in the middle of the second append.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap()
            .write_all(br#"{"rotation":"5f1b"#)
            .unwrap();
        assert_eq!(journal.load(&id()).await.unwrap().len(), 1);
        journal.record(&at(created(), 1)).await.unwrap();
        assert_eq!(journal.load(&id()).await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_rotation_lock_excludes_a_second_holder_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let journal = FileJournal::open(dir.path()).unwrap();
        let held = journal.lock(&id()).await.unwrap();
        assert!(matches!(
            journal.lock(&id()).await,
            Err(JournalError::Busy(busy)) if busy == id()
        ));
        drop(held);
        let again = journal.lock(&id()).await.unwrap();
        drop(again);
        journal.record(&at(started(), 0)).await.unwrap();
        journal.finish(&id()).await.unwrap();
        assert!(!dir.path().join(format!("{}.lock", id())).exists());
    }

    #[tokio::test]
    async fn an_entry_in_the_wrong_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let journal = FileJournal::open(dir.path()).unwrap();
        let other = RotationId::parse("other").unwrap();
        let line = serde_json::to_string(&at(started(), 0)).unwrap();
        std::fs::write(dir.path().join("other.jsonl"), line + "\n").unwrap();
        assert!(matches!(
            journal.load(&other).await,
            Err(JournalError::WrongRotation { .. })
        ));
    }

    #[tokio::test]
    async fn memory_journal_behaves_like_the_file_journal() {
        let journal = MemoryJournal::new();
        journal.record(&at(started(), 0)).await.unwrap();
        assert_eq!(journal.in_progress().await.unwrap().len(), 1);
        journal.finish(&id()).await.unwrap();
        assert!(journal.in_progress().await.unwrap().is_empty());
        assert_eq!(journal.load(&id()).await.unwrap().len(), 2);
    }
}
