//! Build script: the commit `atlas-keys --version` reports.
//!
//! `GIT_COMMIT` wins when set (release builds from a tarball have no .git); else
//! `git rev-parse --short HEAD`; else "unknown". It must NOT fail the build: a missing git
//! is not a reason to refuse compiling.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=GIT_COMMIT");
    let commit = std::env::var("GIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| {
            let out = Command::new("git")
                .args(["rev-parse", "--short", "HEAD"])
                .output()
                .ok()?;
            let text = String::from_utf8(out.stdout).ok()?;
            out.status.success().then(|| text.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    // Rebuild when HEAD moves (a commit or a checkout), so the version stays true.
    let git_dir = Command::new("git")
        .args(["rev-parse", "--git-dir"])
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|dir| dir.trim().to_owned())
        .filter(|dir| !dir.is_empty());
    if let Some(dir) = git_dir {
        println!("cargo:rerun-if-changed={dir}/HEAD");
        println!("cargo:rerun-if-changed={dir}/refs/heads");
    }
    println!("cargo:rustc-env=ATLAS_KEYS_GIT_COMMIT={commit}");
}
