//! `atlas-keys ci-access`: the caller's address on a key's access list only while the
//! command runs (also after SIGTERM), a pre-existing entry never removed, an ephemeral
//! project key only in the command's environment and deleted afterwards, and `reap` after
//! the process was killed after each step (hook steps: 1 ledger entry, 2 access granted,
//! 3 run ended, 4 access removed).

use crate::harness::{Emu, str_field, text};
use crate::rotate::{State, keys};

/// The addresses on `key`'s access list.
fn entries(emu: &Emu, key: &str) -> Vec<String> {
    let list = emu.json(&[
        "organizations",
        "apiKeys",
        "accessLists",
        "list",
        "--orgId",
        emu.org(),
        "--apiKey",
        key,
    ]);
    list["results"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            e["ipAddress"]
                .as_str()
                .or(e["cidrBlock"].as_str())
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("atlas-keys")
}

#[test]
fn the_address_is_on_the_list_only_while_the_command_runs() {
    let emu = Emu::start();
    let state = State::new();
    let (key, _) = emu.create_org_key("ci");
    let seen = state.path("seen.json");
    // The command looks at the access list itself, with the owner's credentials it inherits.
    let script = format!(
        "{} organizations apiKeys accessLists list --orgId {} --apiKey {key} -o json > {}",
        bin().display(),
        emu.org(),
        seen.display()
    );
    let out = state.run(
        &emu,
        &[
            "ci-access",
            "--apiKey",
            &key,
            "--orgId",
            emu.org(),
            "--",
            "sh",
            "-c",
            &script,
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let during = std::fs::read_to_string(&seen).unwrap();
    assert!(
        during.contains("127.0.0.1"),
        "the caller's address was added: {during}"
    );
    assert!(entries(&emu, &key).is_empty(), "and removed afterwards");
}

#[test]
fn an_entry_that_existed_before_stays() {
    let emu = Emu::start();
    let state = State::new();
    let (key, _) = emu.create_org_key("ci");
    emu.ok(&[
        "organizations",
        "apiKeys",
        "accessLists",
        "create",
        "--orgId",
        emu.org(),
        "--apiKey",
        &key,
        "--ip",
        "127.0.0.1",
    ]);
    let out = state.run(
        &emu,
        &[
            "ci-access",
            "--apiKey",
            &key,
            "--orgId",
            emu.org(),
            "--",
            "true",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(entries(&emu, &key), vec!["127.0.0.1".to_owned()]);
    // A failing command is reported, and the entry still stays.
    let out = state.run(
        &emu,
        &[
            "ci-access",
            "--apiKey",
            &key,
            "--orgId",
            emu.org(),
            "--",
            "false",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(entries(&emu, &key), vec!["127.0.0.1".to_owned()]);
}

#[test]
fn sigterm_and_sigint_during_the_command_still_remove_the_entry() {
    for signal in ["TERM", "INT"] {
        let emu = Emu::start();
        let state = State::new();
        let (key, _) = emu.create_org_key("ci");
        // The command signals its parent (atlas-keys), then would run on.
        let script = format!("kill -{signal} $PPID; exec sleep 30");
        let out = state.run(
            &emu,
            &[
                "ci-access",
                "--apiKey",
                &key,
                "--orgId",
                emu.org(),
                "--ip",
                "192.0.2.7",
                "--",
                "sh",
                "-c",
                &script,
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains(&format!("SIG{signal}")),
            "{}",
            text(&out.stderr)
        );
        assert!(entries(&emu, &key).is_empty(), "SIG{signal}: removed");
    }
}

#[test]
fn an_ephemeral_key_lives_only_in_the_commands_environment() {
    let emu = Emu::start();
    let state = State::new();
    let before = keys(&emu).len();
    let seen = state.path("public");
    let script = format!(
        "test -n \"$MONGODB_ATLAS_PRIVATE_API_KEY\" && printf %s \"$MONGODB_ATLAS_PUBLIC_API_KEY\" > {}",
        seen.display()
    );
    let out = state.run(
        &emu,
        &[
            "ci-access",
            "--ephemeral-key",
            "--projectId",
            emu.project(),
            "--orgId",
            emu.org(),
            "--role",
            "GROUP_READ_ONLY",
            "--ttl",
            "10m",
            "--",
            "sh",
            "-c",
            &script,
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let public = std::fs::read_to_string(&seen).unwrap();
    assert_eq!(public.len(), 8, "the child got a public key: {public:?}");
    assert!(!text(&out.stdout).contains(&public) || text(&out.stdout).is_empty());
    assert_eq!(keys(&emu).len(), before, "the ephemeral key is deleted");
}

/// Kill after each step, wait out the TTL, reap: nothing this run added is left, and a
/// pre-existing entry is still there.
#[test]
fn killed_or_interrupted_after_every_step_then_reaped() {
    for (fault, n) in ["kill", "sigint"]
        .into_iter()
        .flat_map(|f| (1..=4).map(move |n| (f, n)))
    {
        // --apiKey, with one address added by the run and one that existed before.
        let emu = Emu::start();
        let state = State::new();
        let (key, _) = emu.create_org_key("ci");
        emu.ok(&[
            "organizations",
            "apiKeys",
            "accessLists",
            "create",
            "--orgId",
            emu.org(),
            "--apiKey",
            &key,
            "--ip",
            "198.51.100.1",
        ]);
        let out = state
            .cli(&emu)
            .env("ATLAS_KEYS_FAULT_AFTER_STEP", n.to_string())
            .env("ATLAS_KEYS_FAULT", fault)
            .args([
                "ci-access",
                "--apiKey",
                &key,
                "--orgId",
                emu.org(),
                "--ttl",
                "1s",
                "--",
                "true",
            ])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{fault} after step {n}");
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let reap = state.run(&emu, &["ci-access", "reap", "--orgId", emu.org()]);
        assert!(reap.status.success(), "{}", text(&reap.stderr));
        assert_eq!(
            entries(&emu, &key),
            vec!["198.51.100.1".to_owned()],
            "{fault} after step {n}: only the pre-existing entry is left"
        );

        // --ephemeral-key.
        let before = keys(&emu).len();
        let out = state
            .cli(&emu)
            .env("ATLAS_KEYS_FAULT_AFTER_STEP", n.to_string())
            .env("ATLAS_KEYS_FAULT", fault)
            .args([
                "ci-access",
                "--ephemeral-key",
                "--projectId",
                emu.project(),
                "--orgId",
                emu.org(),
                "--role",
                "GROUP_READ_ONLY",
                "--ttl",
                "1s",
                "--",
                "true",
            ])
            .output()
            .unwrap();
        assert!(!out.status.success(), "ephemeral: {fault} after step {n}");
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let reap = state.run(&emu, &["ci-access", "reap", "--orgId", emu.org()]);
        assert!(reap.status.success(), "{}", text(&reap.stderr));
        assert_eq!(
            keys(&emu).len(),
            before,
            "ephemeral: {fault} after step {n}: the key is gone"
        );
        assert!(keys(&emu).iter().all(|(_, d)| !d.contains("atlas-keys-ci")));
    }
}

#[test]
fn reap_finds_an_expired_ephemeral_key_by_its_description_alone() {
    let emu = Emu::start();
    let state = State::new();
    // As if the process died between the create and the ledger: only the marker knows.
    let key = emu.json(&[
        "projects",
        "apiKeys",
        "create",
        "--projectId",
        emu.project(),
        "--desc",
        "atlas-keys ci-access atlas-keys-ci expires=2020-01-01T00:00:00Z",
        "--role",
        "GROUP_READ_ONLY",
    ]);
    let id = str_field(&key, "id");
    let live = emu.json(&[
        "projects",
        "apiKeys",
        "create",
        "--projectId",
        emu.project(),
        "--desc",
        "atlas-keys-ci expires=2999-01-01T00:00:00Z",
        "--role",
        "GROUP_READ_ONLY",
    ]);
    let out = state.run(&emu, &["ci-access", "reap", "--orgId", emu.org()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ids: Vec<String> = keys(&emu).into_iter().map(|(k, _)| k).collect();
    assert!(!ids.contains(&id), "expired key reaped");
    assert!(ids.contains(&str_field(&live, "id")), "unexpired key kept");
}
