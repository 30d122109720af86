//! The durable state file: a checksummed, append-only log with one writer.
//!
//! Format `atlas-keys-emulator-state/2`, one record per line: `<sum> <json>\n`, where
//! `<json>` is the snapshot head (`{"format", "snapshot"}`) on line 1 and one request's
//! `[Op, …]` on every later line, and `<sum>` is the first 8 bytes (16 hex digits) of
//! SHA-256 over the previous record's sum, a newline and `<json>`. Chaining the sums
//! means a damaged, missing, repeated or reordered record is caught on the record where
//! it happens, not only a flipped byte.
//!
//! On start the file is locked (`<file>.lock`, an exclusive `flock`-style lock held for
//! the process's life, so a second emulator refuses to start), read without following
//! symlinks, and checked record by record: any complete record that fails is a refusal to
//! start naming the line and the reason, and the file is left untouched. Only a final line
//! without its newline — an append cut off by a crash, never acknowledged since
//! acknowledgement waits for `fsync` — is dropped, with a warning. Then the state is
//! compacted into a fresh file (a 0600 temp file in the same directory, fsync, atomic
//! rename, fsync of the directory), so compaction only ever rewrites what was loaded.
//!
//! Files of format `/1` (no checksums) still load once, strictly (any unreadable complete
//! line is a refusal, where `/1` readers silently dropped everything after it), and are
//! rewritten as `/2`: refusing them would strand every existing state file.
//!
//! After a failed append the file is cut back to its last good length; if even that fails
//! (or an `fsync` failed, after which Linux may have dropped the dirty pages) the log
//! refuses every later write until a restart re-reads and checks the file. This module
//! must NOT decide what to write; it only stores `Op`s.

use std::fs::File;
use std::io::{self, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::{Op, Snapshot, State};

/// The format written.
const FORMAT: &str = "atlas-keys-emulator-state/2";
/// The older, unchecksummed format, still read (then rewritten).
const FORMAT_V1: &str = "atlas-keys-emulator-state/1";
/// Hex digits of the per-record checksum.
const SUM_HEX: usize = 16;

#[derive(Serialize, Deserialize)]
struct Head {
    format: String,
    snapshot: Snapshot,
}

/// The exclusive lock on a state file: while it lives, no other emulator opens the file.
#[derive(Debug)]
pub(crate) struct Lock {
    path: PathBuf,
    /// Held open for the lock; closing it releases the lock.
    _file: File,
}

/// The open state file, positioned at its end.
#[derive(Debug)]
pub(crate) struct Log {
    /// `None` once an append failed in a way that leaves the file's tail unknown.
    file: Option<File>,
    /// Bytes of complete, acknowledged records.
    len: u64,
    /// The checksum of the last record (the chain's head).
    last_sum: String,
    lock: Lock,
}

/// The lock file beside `path`. A separate file because compaction replaces the state
/// file's inode by a rename, and a lock held on the old inode would not stop a second
/// emulator that opens the new one.
fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".lock");
    path.with_file_name(name)
}

/// Opens `path` with `opts` without following a symlink in its last component.
fn open_nofollow(opts: &mut std::fs::OpenOptions, path: &Path) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.custom_flags(libc::O_NOFOLLOW).mode(0o600);
    }
    opts.open(path).map_err(|e| {
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} is a symbolic link; the emulator does not follow links for its state",
                    path.display()
                ),
            )
        } else {
            e
        }
    })
}

/// Takes the exclusive lock for the state file `path`, or says who holds it.
pub(crate) fn lock(path: &Path) -> io::Result<Lock> {
    let lp = lock_path(path);
    let file = open_nofollow(
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false),
        &lp,
    )?;
    match file.try_lock() {
        Ok(()) => Ok(Lock {
            path: path.to_owned(),
            _file: file,
        }),
        Err(std::fs::TryLockError::WouldBlock) => Err(io::Error::new(
            io::ErrorKind::WouldBlock,
            format!(
                "another process (another emulator?) holds its lock {}; one state file has one writer",
                lp.display()
            ),
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// Loads the locked file; `None` when it does not exist or is empty. A damaged record is
/// an `InvalidData` error naming the line; the file is not modified.
pub(crate) fn load(lock: &Lock) -> io::Result<Option<State>> {
    let path = &lock.path;
    let mut file = match open_nofollow(std::fs::OpenOptions::new().read(true), path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    if bytes.is_empty() {
        return Ok(None);
    }
    parse(&bytes, path).map(Some)
}

/// Writes `state` as a fresh, compacted file and opens it for appending.
pub(crate) fn create(lock: Lock, state: &State) -> io::Result<Log> {
    let (file, len, last_sum) = compact(&lock.path, state)?;
    Ok(Log {
        file: Some(file),
        len,
        last_sum,
        lock,
    })
}

/// The chained checksum of a record.
fn checksum(prev: &str, payload: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(payload);
    hex::encode(&h.finalize()[..SUM_HEX / 2])
}

/// The error for a damaged record: which line, why, and what to do.
fn damaged(line: usize, reason: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "line {line}: {reason}; refusing to start so that no acknowledged write is lost \
             (the file is left as it was: restore it from a copy, or move it away to start afresh)"
        ),
    )
}

fn parse(bytes: &[u8], path: &Path) -> io::Result<State> {
    // Complete lines end with '\n'; whatever follows the last one is a torn append.
    let (complete, torn) = match bytes.iter().rposition(|b| *b == b'\n') {
        Some(i) => bytes.split_at(i + 1),
        None => (&[][..], bytes),
    };
    let lines: Vec<&[u8]> = complete
        .split_inclusive(|b| *b == b'\n')
        .map(|l| &l[..l.len() - 1])
        .collect();
    if lines.is_empty() {
        // Compaction writes the head through a rename, so it is never torn by a crash.
        return Err(damaged(1, "the snapshot line is incomplete"));
    }
    let state = if lines[0].starts_with(b"{") {
        parse_v1(&lines)?
    } else {
        parse_v2(&lines)?
    };
    if !torn.is_empty() {
        tracing::warn!(
            path = %path.display(),
            line = lines.len() + 1,
            bytes = torn.len(),
            "dropped a torn final record (an append cut off by a crash, never acknowledged)"
        );
    }
    Ok(state)
}

fn parse_v2(lines: &[&[u8]]) -> io::Result<State> {
    let mut prev = String::new();
    let mut state = State::default();
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        let (sum, payload) = match line.iter().position(|b| *b == b' ') {
            Some(at) if at == SUM_HEX => (&line[..at], &line[at + 1..]),
            _ => return Err(damaged(n, "not a checksummed record")),
        };
        let want = checksum(&prev, payload);
        if sum != want.as_bytes() {
            return Err(damaged(
                n,
                "checksum mismatch (the record is damaged, or a record before it is missing or out of order)",
            ));
        }
        prev = want;
        if n == 1 {
            let head: Head = serde_json::from_slice(payload)
                .map_err(|e| damaged(n, format_args!("unreadable snapshot: {e}")))?;
            if head.format != FORMAT {
                return Err(damaged(n, format_args!("unknown format `{}`", head.format)));
            }
            state = State::from_snapshot(head.snapshot);
        } else {
            let ops: Vec<Op> = serde_json::from_slice(payload)
                .map_err(|e| damaged(n, format_args!("unreadable record: {e}")))?;
            ops.into_iter().for_each(|op| state.apply(op));
        }
    }
    Ok(state)
}

/// Format `/1`: no checksums, so only what does not parse can be caught — but that is
/// now a refusal, not a silent cut.
fn parse_v1(lines: &[&[u8]]) -> io::Result<State> {
    let head: Head = serde_json::from_slice(lines[0])
        .map_err(|e| damaged(1, format_args!("unreadable snapshot: {e}")))?;
    if head.format != FORMAT_V1 {
        return Err(damaged(1, format_args!("unknown format `{}`", head.format)));
    }
    let mut state = State::from_snapshot(head.snapshot);
    for (i, line) in lines.iter().enumerate().skip(1) {
        let ops: Vec<Op> = serde_json::from_slice(line)
            .map_err(|e| damaged(i + 1, format_args!("unreadable record: {e}")))?;
        ops.into_iter().for_each(|op| state.apply(op));
    }
    tracing::info!("state file is format /1; rewriting it as {FORMAT} (checksummed)");
    Ok(state)
}

/// Rewrites the file as one snapshot record, atomically. Returns the open file, its
/// length and the record's checksum.
fn compact(path: &Path, state: &State) -> io::Result<(File, u64, String)> {
    let head = Head {
        format: FORMAT.to_owned(),
        snapshot: state.snapshot(),
    };
    let payload = serde_json::to_vec(&head).map_err(io::Error::other)?;
    let sum = checksum("", &payload);
    let mut data = Vec::with_capacity(payload.len() + SUM_HEX + 2);
    data.extend_from_slice(sum.as_bytes());
    data.push(b' ');
    data.extend_from_slice(&payload);
    data.push(b'\n');
    // Same directory, so the rename is atomic. `tempfile` creates the file with
    // O_CREAT|O_EXCL (never through a symlink) and mode 0600; a crash before the rename
    // leaves the old file whole and the temp file as litter.
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(".");
    let mut tmp = tempfile::Builder::new()
        .prefix(&name)
        .suffix(".tmp")
        .tempfile_in(dir_of(path))?;
    tmp.write_all(&data)?;
    tmp.as_file().sync_all()?;
    // `rename` replaces a symlink at `path` rather than following it.
    let file = tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(path)?;
    Ok((file, data.len() as u64, sum))
}

fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

fn sync_dir(path: &Path) -> io::Result<()> {
    File::open(dir_of(path))?.sync_all()
}

/// Writes `line` at `at` and makes it durable; on failure tries to cut the file back to
/// `at`. Returns whether the file is still usable beside the result.
fn append_at(file: &mut File, at: u64, line: &[u8]) -> (bool, io::Result<()>) {
    let result = (|| {
        file.seek(SeekFrom::Start(at))?;
        file.write_all(line)?;
        file.sync_data()
    })();
    match result {
        Ok(()) => (true, Ok(())),
        Err(e) => {
            // A failed fsync may have dropped dirty pages while clearing the error, so a
            // later fsync proves nothing: stop writing (the restart re-checks the file).
            // A full disk is the one failure known to leave the page cache alone.
            let full = matches!(
                e.kind(),
                io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
            );
            let cut = file.set_len(at).and_then(|()| file.sync_data());
            (cut.is_ok() && full, Err(e))
        }
    }
}

impl Log {
    /// Appends one request's ops as one record and waits for `fsync`. On error nothing
    /// of the record counts (the file is cut back), and the caller must not apply it.
    pub(crate) async fn append(&mut self, ops: &[Op]) -> io::Result<()> {
        let Some(mut file) = self.file.take() else {
            return Err(io::Error::other(
                "the state file is not writable after an earlier write error; restart the emulator",
            ));
        };
        let payload = serde_json::to_vec(ops).map_err(io::Error::other)?;
        let sum = checksum(&self.last_sum, &payload);
        let mut line = Vec::with_capacity(payload.len() + SUM_HEX + 2);
        line.extend_from_slice(sum.as_bytes());
        line.push(b' ');
        line.extend_from_slice(&payload);
        line.push(b'\n');
        let at = self.len;
        let len = line.len() as u64;
        // Blocking file I/O off the async workers; the file comes back with the result.
        let joined = tokio::task::spawn_blocking(move || {
            let (usable, result) = append_at(&mut file, at, &line);
            (file, usable, result)
        })
        .await;
        let (file, usable, result) = match joined {
            Ok(x) => x,
            Err(e) => return Err(io::Error::other(format!("state append task failed: {e}"))),
        };
        match result {
            Ok(()) => {
                self.file = Some(file);
                self.len += len;
                self.last_sum = sum;
                Ok(())
            }
            Err(e) => {
                if usable {
                    self.file = Some(file);
                }
                tracing::error!(
                    path = %self.lock.path.display(),
                    error = %e,
                    usable,
                    "state append failed; the write is refused"
                );
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::OrgRecord;

    fn org(c: char) -> Op {
        Op::PutOrg(OrgRecord::new(
            atlas_keys_model::OrgId::new(c.to_string().repeat(24)).unwrap(),
            c.into(),
        ))
    }

    #[tokio::test]
    async fn round_trips_and_drops_only_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let lk = lock(&path).unwrap();
        assert!(load(&lk).unwrap().is_none());
        let mut log = create(lk, &State::default()).unwrap();
        log.append(&[org('a')]).await.unwrap();
        log.append(&[org('b')]).await.unwrap();
        drop(log);
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"0123456789abcdef [{\"op\":\"putOrg\",\"id\":\"c")
            .unwrap();
        let lk = lock(&path).unwrap();
        let state = load(&lk).unwrap().unwrap();
        assert_eq!(state.orgs().count(), 2);
        drop(create(lk, &state).unwrap());
        // Compacted: the torn bytes are gone and the file loads cleanly.
        let again = load(&lock(&path).unwrap()).unwrap().unwrap();
        assert_eq!(again.orgs().count(), 2);
        assert!(std::fs::read(&path).unwrap().ends_with(b"\n"));
    }

    /// A write that cannot reach the disk changes nothing in memory, and the file still
    /// loads with exactly what was acknowledged.
    #[tokio::test]
    async fn a_failed_append_leaves_memory_and_file_as_acknowledged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let store = crate::state::Store::durable(
            State::default(),
            create(lock(&path).unwrap(), &State::default()).unwrap(),
        );
        store.write(|tx| tx.apply(org('a'))).await.unwrap();
        // Swap the file for a read-only handle: every write now fails (EBADF).
        {
            let mut w = store.writer.lock().await;
            let log = w.as_mut().unwrap();
            log.file = Some(File::open(&path).unwrap());
        }
        let e = store.write(|tx| tx.apply(org('b'))).await.unwrap_err();
        assert!(e.to_string().contains("could not persist"), "{e}");
        assert_eq!(
            store.read().orgs().count(),
            1,
            "memory changed on a failed write"
        );
        // Not a full disk: the log refuses further writes rather than guess.
        let e = store.write(|tx| tx.apply(org('c'))).await.unwrap_err();
        assert!(e.to_string().contains("restart"), "{e}");
        assert_eq!(store.read().orgs().count(), 1);
        store.close().await;
        let loaded = load(&lock(&path).unwrap()).unwrap().unwrap();
        assert_eq!(loaded.orgs().count(), 1);
    }

    #[test]
    fn a_second_lock_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let _first = lock(&path).unwrap();
        let e = lock(&path).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
        assert!(e.to_string().contains("state.json.lock"), "{e}");
    }

    #[tokio::test]
    async fn a_damaged_or_missing_record_is_refused_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let mut log = create(lock(&path).unwrap(), &State::default()).unwrap();
        for c in ['a', 'b', 'c', 'd'] {
            log.append(&[org(c)]).await.unwrap();
        }
        drop(log);
        let good = std::fs::read(&path).unwrap();
        let lines: Vec<&[u8]> = good.split_inclusive(|b| *b == b'\n').collect();
        // Drop line 3 entirely: the chain breaks on the line after it.
        let missing: Vec<u8> = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 2)
            .flat_map(|(_, l)| l.iter().copied())
            .collect();
        let e = parse(&missing, &path).err().unwrap();
        assert!(
            e.to_string().starts_with("line 3: checksum mismatch"),
            "{e}"
        );
        // A flipped byte inside line 2's JSON.
        let mut flipped = good.clone();
        let at = lines[0].len() + 30;
        flipped[at] ^= 0x01;
        let e = parse(&flipped, &path).err().unwrap();
        assert!(
            e.to_string().starts_with("line 2: checksum mismatch"),
            "{e}"
        );
    }

    #[test]
    fn format_1_loads_strictly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let head = serde_json::json!({"format": FORMAT_V1, "snapshot": Snapshot::default()});
        let line = serde_json::to_string(&[org('a')]).unwrap();
        let good = format!("{head}\n{line}\n{line}\n");
        assert_eq!(parse(good.as_bytes(), &path).unwrap().orgs().count(), 1);
        let bad = format!("{head}\n{line}\n[{{\"op\":\"nope\"}}]\n{line}\n");
        let e = parse(bad.as_bytes(), &path).err().unwrap();
        assert!(
            e.to_string().starts_with("line 3: unreadable record"),
            "{e}"
        );
    }
}
