//! `atlas-keys completion SHELL` and the hidden `__man DIR`, checked by the real consumer
//! where one is installed here: bash loads the script and registers the completion.

use std::process::Command;

use crate::harness::{Emu, assert_status, text};

#[test]
fn the_bash_script_loads_in_bash_and_registers_atlas_keys() {
    let emu = Emu::start();
    let bin = assert_cmd::cargo::cargo_bin("atlas-keys");
    let dir = bin.parent().expect("bin dir").to_owned();
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args([
            "--norc",
            "--noprofile",
            "-c",
            "source <(atlas-keys completion bash) && complete -p atlas-keys",
        ])
        .env("PATH", path)
        .env("ATLAS_KEYS_CACHE_DIR", emu.cache.path())
        .env("XDG_CONFIG_HOME", emu.cache.path().join("config"))
        .output()
        .expect("bash runs");
    assert_status(&out, 0, &["bash -c source <(atlas-keys completion bash)"]);
    assert!(
        text(&out.stdout).contains("atlas-keys"),
        "complete -p: {}",
        text(&out.stdout)
    );
}

#[test]
fn every_shell_gets_a_script() {
    let emu = Emu::start();
    for (shell, marker) in [
        ("bash", "complete"),
        ("zsh", "#compdef atlas-keys"),
        ("fish", "complete -c atlas-keys"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = emu
            .bare()
            .args(["completion", shell])
            .output()
            .expect("runs");
        assert_status(&out, 0, &["completion", shell]);
        assert!(text(&out.stdout).contains(marker), "{shell}");
    }
}

#[test]
fn man_pages_are_written_one_per_command() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("tmp");
    let out = emu
        .bare()
        .arg("__man")
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_status(&out, 0, &["__man"]);
    for page in [
        "atlas-keys.1",
        "atlas-keys-organizations-apiKeys-assign.1",
        "atlas-keys-organizations-apiKeys-accessLists-list.1",
        "atlas-keys-projects-apiKeys-delete.1",
        "atlas-keys-completion.1",
    ] {
        let body = std::fs::read_to_string(dir.path().join(page))
            .unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(body.contains(".TH"), "{page} is roff");
    }
    let assign =
        std::fs::read_to_string(dir.path().join("atlas-keys-organizations-apiKeys-assign.1"))
            .expect("page");
    assert!(
        assign.contains("Examples:"),
        "the examples reach the man page"
    );
}

#[test]
fn logout_forgets_cached_tokens() {
    let emu = Emu::start();
    let org = emu.org().to_owned();
    // A service-account run caches a token.
    let out = emu
        .cli_service_account()
        .args(["organizations", "apiKeys", "list", "--orgId", &org])
        .output()
        .expect("runs");
    assert_status(&out, 0, &["list as service account"]);
    let cached = |emu: &Emu| {
        std::fs::read_dir(emu.cache.path())
            .map(|d| {
                d.flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with("token-"))
                    .count()
            })
            .unwrap_or(0)
    };
    assert_eq!(cached(&emu), 1);
    let out = emu
        .bare()
        .args(["auth", "logout", "-o", "json"])
        .output()
        .expect("runs");
    assert_status(&out, 0, &["auth logout"]);
    let done: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(done["removed"], 1);
    assert_eq!(done["action"], "logout");
    assert_eq!(cached(&emu), 0);
}
