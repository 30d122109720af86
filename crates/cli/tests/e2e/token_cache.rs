//! Service-account tokens are cached on disk (0600) and reused by the next run.

use crate::harness::{Emu, text};

#[test]
fn a_second_run_reuses_the_cached_token() {
    let emu = Emu::start();
    let args = ["organizations", "apiKeys", "list", "--orgId", emu.org()];
    let out = emu.cli_service_account().args(args).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(emu.stats().tokens_issued, 1);

    let files: Vec<_> = std::fs::read_dir(emu.cache.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "one file per client: {files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("token-") && !name.contains("mdb_sa"),
        "hashed name: {name}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    for _ in 0..3 {
        let out = emu.cli_service_account().args(args).output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    assert_eq!(
        emu.stats().tokens_issued,
        1,
        "later runs used the cached token"
    );
}

#[test]
fn a_cache_directory_that_cannot_be_written_only_costs_a_token() {
    let emu = Emu::start();
    let blocker = emu.cache.path().join("not-a-dir");
    std::fs::write(&blocker, "file").unwrap();
    let args = ["organizations", "apiKeys", "list", "--orgId", emu.org()];
    for _ in 0..2 {
        let out = emu
            .cli_service_account()
            .env("ATLAS_KEYS_CACHE_DIR", blocker.join("cache"))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    assert_eq!(emu.stats().tokens_issued, 2);
}
