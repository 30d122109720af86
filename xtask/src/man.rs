//! `cargo xtask man [DIR]`: the man pages of `atlas-keys`, one per command, in DIR
//! (default `target/man`).
//!
//! xtask must not link our crates, so it builds the binary and runs its hidden
//! `atlas-keys __man DIR`, which renders the pages with clap_mangen from the very command
//! tree the binary parses with. This module must NOT write anything outside DIR.

use std::path::PathBuf;
use std::process::Command;

use crate::cmd::{cargo, run_step, target_dir};

/// `cargo xtask man [DIR]`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Where to write the pages (default: `<target dir>/man`).
    dir: Option<PathBuf>,
}

pub(crate) fn run(args: &Args) -> Result<(), String> {
    run_step(
        "build",
        cargo().args([
            "build",
            "--quiet",
            "-p",
            "atlas-keys-cli",
            "--bin",
            "atlas-keys",
        ]),
    )?;
    let bin = target_dir()
        .join("debug")
        .join(format!("atlas-keys{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        return Err(format!("built binary not found at {}", bin.display()));
    }
    let dir = args.dir.clone().unwrap_or_else(|| target_dir().join("man"));
    run_step("man", Command::new(&bin).arg("__man").arg(&dir))?;
    println!("man -l {}", dir.join("atlas-keys.1").display());
    Ok(())
}
