//! Tidy checks over the repository's own sources, run as ordinary tests by `cargo xtask ci`.
//!
//! They pin down habits no compiler checks: every Rust file says what it is for in a `//!`
//! doc, no test is parked with an ignore attribute (a measurement belongs in `cargo xtask bench`,
//! a slow run in `cargo xtask soak`), and each crate links at most one integration-test binary
//! besides its `secrets` suite. This module must not change any file.

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::{Path, PathBuf};

    use crate::cmd::workspace_root;

    /// The directories holding our Rust sources; build output and the fuzz corpus are not ours.
    const SOURCE_DIRS: [&str; 3] = ["crates", "xtask", "fuzz"];

    fn rust_files() -> Vec<PathBuf> {
        let root = workspace_root();
        let mut pending: Vec<PathBuf> = SOURCE_DIRS.iter().map(|dir| root.join(dir)).collect();
        let mut files = Vec::new();
        while let Some(dir) = pending.pop() {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let name = entry.file_name();
                if path.is_dir() {
                    if !matches!(
                        name.to_str(),
                        Some("target" | "corpus" | "artifacts" | "fixtures")
                    ) {
                        pending.push(path);
                    }
                } else if path.extension().is_some_and(|ext| ext == "rs") {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
    }

    fn relative(path: &Path) -> String {
        let root = workspace_root();
        path.strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    #[test]
    fn every_rust_file_starts_with_a_module_doc() {
        let missing: Vec<String> = rust_files()
            .into_iter()
            .filter(|path| {
                let text = fs::read_to_string(path).unwrap_or_default();
                let first = text
                    .lines()
                    .map(str::trim)
                    .find(|line| !line.is_empty() && !line.starts_with("#!["));
                !first.is_some_and(|line| line.starts_with("//!"))
            })
            .map(|path| relative(&path))
            .collect();
        assert!(
            missing.is_empty(),
            "these files do not start with a `//!` module doc: {missing:#?}"
        );
    }

    #[test]
    fn no_test_is_ignored() {
        // Spelled in two pieces so this file does not match itself.
        let needle = format!("#[{}", "ignore");
        let parked: Vec<String> = rust_files()
            .into_iter()
            .filter(|path| {
                fs::read_to_string(path).is_ok_and(|text| text.contains(needle.as_str()))
            })
            .map(|path| relative(&path))
            .collect();
        assert!(
            parked.is_empty(),
            "ignored tests found (a measurement goes in `cargo xtask bench`, a long run in `cargo xtask soak`): {parked:#?}"
        );
    }

    /// Each integration-test binary links tokio, hyper and rustls again: a new top-level file
    /// in `tests/` costs link time and disk on CI's small machine. A new suite goes in as a
    /// module of `tests/it/`. `secrets.rs` stays apart because it installs the process-wide
    /// tracing subscriber, which would capture (and be disturbed by) every other test.
    #[test]
    fn each_crate_has_one_integration_test_binary_besides_secrets() {
        let root = workspace_root();
        let mut crowded = Vec::new();
        let crates = fs::read_dir(root.join("crates")).expect("crates/ is readable");
        for dir in crates.flatten().map(|entry| entry.path()) {
            let Ok(entries) = fs::read_dir(dir.join("tests")) else {
                continue;
            };
            let binaries: Vec<String> = entries
                .flatten()
                .filter(|entry| {
                    let path = entry.path();
                    let top_file = path.extension().is_some_and(|ext| ext == "rs");
                    let dir_binary = path.join("main.rs").is_file();
                    (top_file || dir_binary) && entry.file_name() != "secrets.rs"
                })
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect();
            if binaries.len() > 1 {
                crowded.push(format!("{}: {binaries:?}", relative(&dir)));
            }
        }
        assert!(
            crowded.is_empty(),
            "more than one integration-test binary (make the extra suites modules of tests/it/): {crowded:#?}"
        );
    }

    #[test]
    fn finds_the_sources_it_checks() {
        // Guards the two checks above against passing vacuously.
        let files = rust_files();
        assert!(files.iter().any(|p| p.ends_with("crates/model/src/lib.rs")));
        assert!(files.iter().any(|p| p.ends_with("xtask/src/tidy.rs")));
    }
}
