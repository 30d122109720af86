//! The durable state file: a snapshot line followed by one JSON line per acknowledged
//! write, each appended and `fsync`ed before the response is sent.
//!
//! On start the file is replayed and compacted (a `tempfile` in the same directory +
//! fsync + atomic rename + fsync of the directory), so a `kill -9` at any moment leaves a file that loads: an append that was
//! torn can only be the tail, was never acknowledged, and is dropped on load. This
//! module must NOT decide what to write; it only stores `Op`s.

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt as _;

use super::{Op, Snapshot, State};

const FORMAT: &str = "atlas-keys-emulator-state/1";

#[derive(Serialize, Deserialize)]
struct Head {
    format: String,
    snapshot: Snapshot,
}

/// The open state file, positioned at its end.
#[derive(Debug)]
pub(crate) struct Log {
    file: tokio::fs::File,
    len: u64,
    path: PathBuf,
}

/// Loads `path`; `None` when it does not exist or is empty.
pub(crate) fn load(path: &Path) -> io::Result<Option<State>> {
    match std::fs::read(path) {
        Ok(bytes) if !bytes.is_empty() => parse(&bytes, path).map(Some),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes `state` as a fresh, compacted file and opens it for appending.
pub(crate) fn create(path: &Path, state: &State) -> io::Result<Log> {
    let len = compact(path, state)?;
    let file = std::fs::OpenOptions::new().append(true).open(path)?;
    Ok(Log {
        file: tokio::fs::File::from_std(file),
        len,
        path: path.to_owned(),
    })
}

fn parse(bytes: &[u8], path: &Path) -> io::Result<State> {
    let bad = |msg: String| io::Error::new(io::ErrorKind::InvalidData, msg);
    let mut lines = bytes.split_inclusive(|b| *b == b'\n');
    let head = lines.next().unwrap_or_default();
    let head: Head = serde_json::from_slice(head)
        .map_err(|e| bad(format!("{}: unreadable snapshot line: {e}", path.display())))?;
    if head.format != FORMAT {
        return Err(bad(format!(
            "{}: unknown format `{}`",
            path.display(),
            head.format
        )));
    }
    let mut state = State::from_snapshot(head.snapshot);
    let mut dropped = 0usize;
    for line in lines {
        // Only complete lines were acknowledged; the first bad line starts a torn tail.
        if dropped > 0 || !line.ends_with(b"\n") {
            dropped += line.len();
            continue;
        }
        match serde_json::from_slice::<Vec<Op>>(line) {
            Ok(ops) => ops.into_iter().for_each(|op| state.apply(op)),
            Err(_) => dropped += line.len(),
        }
    }
    if dropped > 0 {
        tracing::warn!(
            bytes = dropped,
            "dropped an unacknowledged torn tail from the state file"
        );
    }
    Ok(state)
}

/// Rewrites the file as one snapshot line, atomically. Returns its length.
fn compact(path: &Path, state: &State) -> io::Result<u64> {
    let head = Head {
        format: FORMAT.to_owned(),
        snapshot: state.snapshot(),
    };
    let mut data = serde_json::to_vec(&head).map_err(io::Error::other)?;
    data.push(b'\n');
    // Same directory, so the rename is atomic; a crash before it leaves the old file whole
    // and the temp file is removed on drop (or left as stray litter after a kill -9).
    let mut tmp = tempfile::NamedTempFile::new_in(dir_of(path))?;
    tmp.write_all(&data)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(path)?;
    Ok(data.len() as u64)
}

fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

fn sync_dir(path: &Path) -> io::Result<()> {
    std::fs::File::open(dir_of(path))?.sync_all()
}

impl Log {
    /// Appends one request's ops as one line and waits for `fsync`.
    pub(crate) async fn append(&mut self, ops: &[Op]) -> io::Result<()> {
        let mut line = serde_json::to_vec(ops).map_err(io::Error::other)?;
        line.push(b'\n');
        let result = async {
            self.file.write_all(&line).await?;
            self.file.flush().await?;
            self.file.sync_data().await
        }
        .await;
        match result {
            Ok(()) => {
                self.len += line.len() as u64;
                Ok(())
            }
            Err(e) => {
                // Cut a partial line off so later appends do not follow garbage.
                let _ = self.file.set_len(self.len).await;
                tracing::error!(path = %self.path.display(), error = %e, "state append failed");
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::OrgRecord;

    #[tokio::test]
    async fn round_trips_and_drops_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert!(load(&path).unwrap().is_none());
        let mut log = create(&path, &State::default()).unwrap();
        log.append(&[Op::PutOrg(OrgRecord::new(
            atlas_keys_model::OrgId::new("a".repeat(24)).unwrap(),
            "A".into(),
        ))])
        .await
        .unwrap();
        drop(log);
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"[{\"op\":\"putOrg\",\"id\":\"b\"").unwrap();
        let state = load(&path).unwrap().unwrap();
        assert_eq!(state.orgs().count(), 1);
        let _log = create(&path, &state).unwrap();
        assert_eq!(load(&path).unwrap().unwrap().orgs().count(), 1);
    }
}
