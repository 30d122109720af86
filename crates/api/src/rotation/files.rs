//! The private-file primitives shared by the journal and the CI ledger: a 0700 directory, an
//! append-only JSON-lines file (0600, `O_NOFOLLOW`, every append fsynced) and its reader, which
//! ignores a torn last line.
//!
//! What it must NOT do: follow a symlink, widen a mode, or write anything but whole lines. It
//! never sees a secret: callers pass data that has none.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A line that could not be read back, with its 1-based number.
#[derive(Debug)]
pub(crate) struct BadLine {
    pub(crate) line: usize,
    pub(crate) message: String,
}

/// Why reading a JSON-lines file failed.
#[derive(Debug)]
pub(crate) enum ReadLinesError {
    Io(io::Error),
    BadLine(BadLine),
}

/// Creates `dir` (and missing parents) with mode 0700, or checks that it is a real directory.
///
/// A symlink in place of the directory is refused rather than followed: the journal would
/// otherwise land wherever the link points.
#[cfg(unix)]
pub(crate) fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.file_type().is_dir() => Ok(()),
        Ok(_) => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "exists and is not a directory (symlinks are not followed)",
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
pub(crate) fn ensure_private_dir(_dir: &Path) -> io::Result<()> {
    Err(unsupported())
}

/// Opens `path` for reading and appending, creating it with mode 0600, never through a symlink.
#[cfg(unix)]
fn open_private(path: &Path, create: bool) -> io::Result<File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    if create {
        options.append(true).create(true).mode(0o600);
    }
    let file = options
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    // A file created by someone else (or an older version) with a wider mode is narrowed on
    // the open descriptor, never widened.
    if create && meta.permissions().mode() & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(
            meta.permissions().mode() & 0o700,
        ))?;
    }
    Ok(file)
}

#[cfg(not(unix))]
fn open_private(_path: &Path, _create: bool) -> io::Result<File> {
    Err(unsupported())
}

#[cfg(not(unix))]
fn unsupported() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "private files (mode 0600, O_NOFOLLOW) are implemented on Unix only",
    )
}

/// Opens (creating 0600, never through a symlink) a file used only for `flock`-style locking.
pub(crate) fn open_lock_file(path: &Path) -> io::Result<File> {
    open_private(path, true)
}

/// Appends `value` as one JSON line to `path` (created 0600), then fsyncs.
///
/// A torn last line (a crash in the middle of an earlier append) is cut off first, so the new
/// line never glues onto it; an unterminated line that is whole JSON is kept and terminated.
pub(crate) fn append_json_line<T: Serialize>(path: &Path, value: &T) -> io::Result<()> {
    let mut line = serde_json::to_vec(value).map_err(io::Error::other)?;
    line.push(b'\n');
    let mut file = open_private(path, true)?;
    repair_tail(&mut file, path)?;
    // One write of a whole line: with O_APPEND concurrent appenders do not interleave inside it.
    file.write_all(&line)?;
    file.sync_data()
}

fn repair_tail(file: &mut File, path: &Path) -> io::Result<()> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(());
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    if last[0] == b'\n' {
        return Ok(());
    }
    file.seek(SeekFrom::Start(0))?;
    let mut all = Vec::new();
    file.read_to_end(&mut all)?;
    let start = all.iter().rposition(|&b| b == b'\n').map_or(0, |nl| nl + 1);
    if serde_json::from_slice::<serde_json::Value>(&all[start..]).is_ok() {
        file.write_all(b"\n")?;
    } else {
        tracing::warn!(
            path = %path.display(),
            bytes = all.len() - start,
            "cutting off a torn last line before appending"
        );
        file.set_len(start as u64)?;
    }
    Ok(())
}

/// Reads every line of `path` as a `T`. A missing file reads as empty. A last line without
/// its newline that does not parse is a torn append: it is skipped with a warning. Any other
/// line that does not parse is an error naming its number.
pub(crate) fn read_json_lines<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>, ReadLinesError> {
    let mut file = match open_private(path, false) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(ReadLinesError::Io(e)),
    };
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(ReadLinesError::Io)?;
    let terminated = text.ends_with('\n');
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(line) {
            Ok(value) => out.push(value),
            Err(_) if index + 1 == lines.len() && !terminated => {
                tracing::warn!(
                    path = %path.display(),
                    line = index + 1,
                    "ignoring a torn last line (an append was interrupted)"
                );
            }
            Err(e) => {
                return Err(ReadLinesError::BadLine(BadLine {
                    line: index + 1,
                    message: e.to_string(),
                }));
            }
        }
    }
    Ok(out)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn appended_lines_read_back_and_the_file_is_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        append_json_line(&path, &1u32).unwrap();
        append_json_line(&path, &2u32).unwrap();
        assert_eq!(read_json_lines::<u32>(&path).unwrap(), vec![1, 2]);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_torn_last_line_is_ignored_then_cut_off_by_the_next_append() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        std::fs::write(&path, "1\n2\n{\"tor").unwrap();
        assert_eq!(
            read_json_lines::<serde_json::Value>(&path).unwrap().len(),
            2
        );
        append_json_line(&path, &3u32).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "1\n2\n3\n");
    }

    #[test]
    fn a_whole_unterminated_last_line_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        std::fs::write(&path, "1\n2").unwrap();
        append_json_line(&path, &3u32).unwrap();
        assert_eq!(read_json_lines::<u32>(&path).unwrap(), vec![1, 2, 3]);
    }

    #[test]
    fn a_bad_line_in_the_middle_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        std::fs::write(&path, "1\nnope\n3\n").unwrap();
        match read_json_lines::<u32>(&path) {
            Err(ReadLinesError::BadLine(bad)) => assert_eq!(bad.line, 2),
            other => panic!("expected a bad line, got {other:?}"),
        }
    }

    #[test]
    fn symlinks_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, "").unwrap();
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(append_json_line(&link, &1u32).is_err());
        assert!(read_json_lines::<u32>(&link).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "");
        let dir_link = dir.path().join("dirlink");
        std::os::unix::fs::symlink(dir.path(), &dir_link).unwrap();
        assert!(ensure_private_dir(&dir_link).is_err());
    }

    #[test]
    fn a_new_directory_is_0700() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("x/y");
        ensure_private_dir(&sub).unwrap();
        let mode = std::fs::metadata(&sub).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}
