//! Fault injection for `rotate`: the process is killed (SIGKILL) or interrupted (SIGINT)
//! right after each journal step N, or the emulator drops answers (`reset-after`) and
//! answers 503 at random; then `rotate resume` runs. Checked against the emulator's state
//! every time: no rotation left in progress, no key left with a rotation marker, and either
//! the old key deleted and the new one delivered (its file holds working credentials), or
//! the keys exactly as before (no orphan, no duplicate).
//!
//! The hook is `ATLAS_KEYS_FAULT_AFTER_STEP=N` + `ATLAS_KEYS_FAULT=kill|sigint` (see
//! commands/rotate.rs). One-shot journal steps: 1 started, 2 createRequested, 3 created,
//! 4 delivered, 5 assigned, 6 accessListCopied, 7 verified, 8 oldKeyDeleted.

use std::collections::BTreeSet;
use std::path::Path;

use atlas_keys_emulator::FaultSpec;

use crate::harness::{Emu, str_field, text};
use crate::rotate::{State, document, old_key};

/// The last one-shot step that runs the hook.
const ONE_SHOT_STEPS: usize = 8;
/// The last step of `rotate start`.
const START_STEPS: usize = 7;

/// Runs `args` until it exits 0 (the emulator may be injecting faults); panics after 20.
fn retrying(state: &State, emu: &Emu, args: &[&str]) -> std::process::Output {
    let mut last = None;
    for _ in 0..20 {
        let out = state.run(emu, args);
        if out.status.success() {
            return out;
        }
        last = Some(out);
    }
    let out = last.expect("ran");
    panic!("{args:?} kept failing: {}", text(&out.stderr));
}

/// The organization's keys as (id, description), tolerating injected faults.
fn keys(state: &State, emu: &Emu) -> BTreeSet<(String, String)> {
    let out = retrying(
        state,
        emu,
        &[
            "organizations",
            "apiKeys",
            "list",
            "--orgId",
            emu.org(),
            "--all",
            "-o",
            "json",
        ],
    );
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let items = list["results"]
        .as_array()
        .or(list.as_array())
        .cloned()
        .unwrap_or_default();
    items
        .iter()
        .map(|k| {
            (
                str_field(k, "id"),
                k["desc"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn ids(keys: &BTreeSet<(String, String)>) -> BTreeSet<String> {
    keys.iter().map(|(id, _)| id.clone()).collect()
}

/// Resumes until nothing is in progress (a resume may itself meet a fault).
fn resume_until_done(state: &State, emu: &Emu, extra: &[&str]) {
    let mut last = String::new();
    for _ in 0..20 {
        let mut args = vec!["rotate", "resume", "--force"];
        args.extend_from_slice(extra);
        last = text(&state.run(emu, &args).stderr);
        let status = state.run(emu, &["rotate", "status"]);
        if status.status.success() && text(&status.stdout).contains("no rotation in progress") {
            return;
        }
    }
    panic!(
        "rotations still in progress: {} (last resume: {last})",
        text(&state.run(emu, &["rotate", "status"]).stdout)
    );
}

/// The invariant after resume. Returns whether the rotation completed.
fn check(
    state: &State,
    emu: &Emu,
    before: &BTreeSet<String>,
    old: &str,
    file: &Path,
    case: &str,
) -> bool {
    let after = keys(state, emu);
    assert!(
        after
            .iter()
            .all(|(_, d)| !d.contains("atlas-keys-rotation=")),
        "{case}: a key still carries a rotation marker: {after:?}"
    );
    let after = ids(&after);
    if after.contains(old) {
        assert_eq!(
            &after, before,
            "{case}: rolled back, so the keys are exactly as before (no orphan, no duplicate)"
        );
        false
    } else {
        let doc = document(file);
        let new = str_field(&doc, "id");
        let mut expected = before.clone();
        expected.remove(old);
        expected.insert(new.clone());
        assert_eq!(
            after, expected,
            "{case}: rotated, so exactly the old key was replaced by the delivered one"
        );
        let login = state
            .cli(emu)
            .env("MONGODB_ATLAS_PUBLIC_API_KEY", str_field(&doc, "publicKey"))
            .env(
                "MONGODB_ATLAS_PRIVATE_API_KEY",
                str_field(&doc, "privateKey"),
            )
            .args([
                "organizations",
                "apiKeys",
                "describe",
                &new,
                "--orgId",
                emu.org(),
            ])
            .output()
            .expect("runs");
        // An ORG_MEMBER key may be refused the read (403) but must not be refused as a login (401).
        assert!(
            !text(&login.stderr).contains("401"),
            "{case}: the delivered credentials work: {}",
            text(&login.stderr)
        );
        true
    }
}

#[test]
fn one_shot_killed_or_interrupted_after_every_step_then_resumed() {
    for fault in ["kill", "sigint"] {
        for n in 1..=ONE_SHOT_STEPS + 1 {
            let case = format!("one shot, {fault} after step {n}");
            let emu = Emu::start();
            let state = State::new();
            let (old, _) = old_key(&emu, "faulted");
            let before = ids(&keys(&state, &emu));
            let file = state.path("new.json");
            let target = format!("file:{}", file.display());
            let out = state
                .cli(&emu)
                .env("ATLAS_KEYS_FAULT_AFTER_STEP", n.to_string())
                .env("ATLAS_KEYS_FAULT", fault)
                .args([
                    "rotate",
                    &old,
                    "--orgId",
                    emu.org(),
                    "--deliver",
                    &target,
                    "--force",
                ])
                .output()
                .expect("runs");
            assert_eq!(
                out.status.success(),
                n > ONE_SHOT_STEPS,
                "{case}: {}",
                text(&out.stderr)
            );
            resume_until_done(&state, &emu, &[]);
            let rotated = check(&state, &emu, &before, &old, &file, &case);
            // Before the delivery the secret died with the process: undone. After it: completed.
            assert_eq!(rotated, n >= 4, "{case}");
        }
    }
}

#[test]
fn two_phase_start_killed_after_every_step_then_resumed_and_finished() {
    for n in 1..=START_STEPS {
        let case = format!("rotate start, kill after step {n}");
        let emu = Emu::start();
        let state = State::new();
        let (old, _) = old_key(&emu, "two-phase faulted");
        let before = ids(&keys(&state, &emu));
        let file = state.path("new.json");
        let target = format!("file:{}", file.display());
        let out = state
            .cli(&emu)
            .env("ATLAS_KEYS_FAULT_AFTER_STEP", n.to_string())
            .args([
                "rotate",
                "start",
                &old,
                "--orgId",
                emu.org(),
                "--deliver",
                &target,
            ])
            .output()
            .expect("runs");
        assert!(!out.status.success(), "{case}");
        // A resume of a two-phase rotation stops before the delete: the old key stays.
        let _ = state.run(&emu, &["rotate", "resume"]);
        assert!(
            ids(&keys(&state, &emu)).contains(&old),
            "{case}: resume never deletes before finish"
        );
        let finished = state.run(&emu, &["rotate", "finish", &old, "--force"]);
        assert_eq!(
            finished.status.success(),
            n >= 4,
            "{case}: {}",
            text(&finished.stderr)
        );
        resume_until_done(&state, &emu, &[]);
        assert_eq!(
            check(&state, &emu, &before, &old, &file, &case),
            n >= 4,
            "{case}"
        );
    }
}

#[test]
fn finish_killed_after_every_step_then_resumed() {
    for n in 1..=2 {
        let case = format!("rotate finish, kill after step {n}");
        let emu = Emu::start();
        let state = State::new();
        let (old, _) = old_key(&emu, "finish faulted");
        let before = ids(&keys(&state, &emu));
        let file = state.path("new.json");
        let target = format!("file:{}", file.display());
        assert!(
            state
                .run(
                    &emu,
                    &[
                        "rotate",
                        "start",
                        &old,
                        "--orgId",
                        emu.org(),
                        "--deliver",
                        &target
                    ]
                )
                .status
                .success()
        );
        let out = state
            .cli(&emu)
            .env("ATLAS_KEYS_FAULT_AFTER_STEP", n.to_string())
            .args(["rotate", "finish", &old, "--force"])
            .output()
            .expect("runs");
        assert!(!out.status.success(), "{case}");
        resume_until_done(&state, &emu, &[]);
        assert!(
            check(&state, &emu, &before, &old, &file, &case),
            "{case}: finish was asked, so resume completes"
        );
    }
}

#[test]
fn emulator_resets_and_503s_during_every_step_leave_no_orphan_and_no_undelivered_secret() {
    let mut rotated = 0;
    for seed in 1..=4u64 {
        for spec in ["reset-after=0.25", "503=0.3", "reset-after=0.15,503=0.15"] {
            let case = format!("faults {spec}, seed {seed}");
            let faults: FaultSpec = format!("{spec},seed={seed}").parse().expect("fault spec");
            let emu = Emu::start_with(|b| b.faults(faults));
            let state = State::new();
            // Set-up under faults: retried until it succeeds (a lost create answer leaves
            // an extra key, which is then simply part of the "before" set).
            let created = retrying(
                &state,
                &emu,
                &[
                    "organizations",
                    "apiKeys",
                    "create",
                    "--orgId",
                    emu.org(),
                    "--desc",
                    "under faults",
                    "--role",
                    "ORG_MEMBER",
                    "-o",
                    "json",
                ],
            );
            let old = str_field(
                &serde_json::from_slice(&created.stdout).expect("JSON"),
                "id",
            );
            retrying(
                &state,
                &emu,
                &[
                    "projects",
                    "apiKeys",
                    "assign",
                    &old,
                    "--projectId",
                    emu.project(),
                    "--role",
                    "GROUP_READ_ONLY",
                ],
            );
            let _ = state.run(
                &emu,
                &[
                    "organizations",
                    "apiKeys",
                    "accessLists",
                    "create",
                    "--orgId",
                    emu.org(),
                    "--apiKey",
                    &old,
                    "--ip",
                    "127.0.0.1",
                ],
            );
            let before = ids(&keys(&state, &emu));
            let file = state.path("new.json");
            let target = format!("file:{}", file.display());
            let _ = state.run(
                &emu,
                &[
                    "rotate",
                    &old,
                    "--orgId",
                    emu.org(),
                    "--deliver",
                    &target,
                    "--force",
                ],
            );
            resume_until_done(&state, &emu, &[]);
            if check(&state, &emu, &before, &old, &file, &case) {
                rotated += 1;
            } else {
                assert!(
                    !file.exists()
                        || !ids(&keys(&state, &emu)).contains(&str_field(&document(&file), "id")),
                    "{case}"
                );
            }
        }
    }
    assert!(rotated > 0, "some rotations get through the faults");
}
