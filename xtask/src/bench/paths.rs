//! Where `cargo xtask bench` finds the binaries it built and keeps its scratch files.
//!
//! It must not write outside the target directory.

use std::path::PathBuf;

use crate::cmd::workspace_root;

#[derive(Debug)]
pub(super) struct Paths {
    pub(super) root: PathBuf,
    pub(super) target: PathBuf,
    /// Logs and scratch files; recreated on every run.
    pub(super) work: PathBuf,
}

impl Paths {
    pub(super) fn new() -> Result<Paths, String> {
        let root = workspace_root();
        let target = crate::cmd::target_dir();
        let work = target.join("bench");
        if work.exists() {
            std::fs::remove_dir_all(&work)
                .map_err(|error| format!("could not clear {}: {error}", work.display()))?;
        }
        std::fs::create_dir_all(&work)
            .map_err(|error| format!("could not create {}: {error}", work.display()))?;
        Ok(Paths { root, target, work })
    }

    pub(super) fn release(&self, binary: &str) -> PathBuf {
        self.target.join("release").join(binary)
    }

    pub(super) fn criterion(&self) -> PathBuf {
        self.target.join("criterion")
    }
}
