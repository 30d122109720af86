//! The emulator binary's `--state` file damaged between runs (issue #15): a flipped byte
//! mid-log is a refusal to start that names the file and the line and leaves the file as
//! it was; a torn final record (a crash mid-append) costs only that record; a second
//! emulator on a file in use refuses to start. Each case counts acknowledged writes lost
//! (target 0) as a `figure:` line.
//!
//! The emulators are child processes stopped through their own handles (SIGKILL, which is
//! also the crash being simulated). This file must NOT wait on timing.

use std::collections::HashSet;

use atlas_keys::model::{OrgId, OrgRole};
use atlas_keys_reliability::clients::{digest_client, list_all_keys};
use atlas_keys_reliability::figure;
use atlas_keys_reliability::procs::EmulatorProcess;

fn start(state: &str) -> Result<EmulatorProcess, String> {
    EmulatorProcess::start(
        &["--state", state, "--rate-limit", "off"],
        &[("RUST_LOG", "warn")],
    )
}

/// Creates `n` keys through the SDK; returns the acknowledged ids.
async fn create(emulator: &EmulatorProcess, tag: &str, n: usize) -> Vec<String> {
    let s = emulator.startup();
    let client = digest_client(&s.base_url, &s.public_key, &s.private_key);
    let org: OrgId = s.org_id.parse().expect("a valid org id");
    let mut ids = Vec::new();
    for i in 0..n {
        let key = client
            .org_keys()
            .create(&org)
            .desc(format!("{tag} {i}"))
            .role(OrgRole::Member)
            .send()
            .await
            .expect("a create on a healthy disk");
        ids.push(key.id().to_string());
    }
    ids
}

async fn lost(emulator: &EmulatorProcess, acked: &[String]) -> usize {
    let s = emulator.startup();
    let client = digest_client(&s.base_url, &s.public_key, &s.private_key);
    let org: OrgId = s.org_id.parse().expect("a valid org id");
    let listed: HashSet<String> = list_all_keys(&client, &org)
        .await
        .iter()
        .map(|k| k.id().to_string())
        .collect();
    acked.iter().filter(|id| !listed.contains(*id)).count()
}

/// Where each line of `bytes` starts.
fn line_starts(bytes: &[u8]) -> Vec<usize> {
    std::iter::once(0)
        .chain(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durability_a_flipped_byte_mid_log_is_a_refusal_that_names_the_line() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let state = dir.path().join("state.json");
    let arg = state.to_str().expect("a UTF-8 path").to_owned();
    let emulator = start(&arg).expect("a fresh start");
    let acked = create(&emulator, "flip", 10).await;
    drop(emulator.kill());

    let good = std::fs::read(&state).expect("the state file");
    let starts = line_starts(&good);
    let mut bad = good.clone();
    bad[(starts[2] + starts[3]) / 2] ^= 0x01;
    std::fs::write(&state, &bad).expect("damage the file");
    let refused = match start(&arg) {
        Ok(_) => panic!("the emulator started on a damaged state file"),
        Err(output) => output,
    };
    assert!(refused.contains("line 3: checksum mismatch"), "{refused}");
    assert!(refused.contains(&arg), "{refused}");
    assert_eq!(
        std::fs::read(&state).expect("the state file"),
        bad,
        "the refused start modified the file"
    );

    std::fs::write(&state, &good).expect("repair the file");
    let emulator = start(&arg).expect("a start on the repaired file");
    let lost = lost(&emulator, &acked).await;
    assert_eq!(lost, 0);
    figure(
        "durability",
        format!(
            "state file with a flipped byte on line 3: refused to start, file untouched; {lost} of {} acknowledged writes lost",
            acked.len()
        ),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durability_a_torn_final_record_is_dropped_alone() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let state = dir.path().join("state.json");
    let arg = state.to_str().expect("a UTF-8 path").to_owned();
    let emulator = start(&arg).expect("a fresh start");
    let acked = create(&emulator, "torn", 5).await;
    drop(emulator.kill());
    // The first half of a copy of the last record, as a crash mid-append leaves it.
    let mut bytes = std::fs::read(&state).expect("the state file");
    let starts = line_starts(&bytes);
    let last = starts[starts.len() - 2];
    let half: Vec<u8> = bytes[last..last + (bytes.len() - last) / 2].to_vec();
    bytes.extend_from_slice(&half);
    std::fs::write(&state, &bytes).expect("tear the tail");

    let emulator = start(&arg).expect("a start after a torn append");
    let lost = lost(&emulator, &acked).await;
    assert_eq!(lost, 0);
    let log = emulator.kill();
    assert!(log.contains("torn final record"), "{log}");
    figure(
        "durability",
        format!(
            "state file with a torn final record: started, dropped it with a warning; {lost} of {} acknowledged writes lost",
            acked.len()
        ),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durability_a_second_emulator_on_one_state_file_refuses_to_start() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let state = dir.path().join("state.json");
    let arg = state.to_str().expect("a UTF-8 path").to_owned();
    let first = start(&arg).expect("a fresh start");
    let mut acked = create(&first, "first", 3).await;
    let refused = match start(&arg) {
        Ok(_) => panic!("a second emulator started on a state file in use"),
        Err(output) => output,
    };
    assert!(refused.contains("holds its lock"), "{refused}");
    acked.extend(create(&first, "first again", 3).await);
    drop(first.kill());
    let emulator = start(&arg).expect("a restart once the first is gone");
    let lost = lost(&emulator, &acked).await;
    assert_eq!(lost, 0);
    figure(
        "durability",
        format!(
            "two emulators on one state file: the second refused to start; {lost} of {} acknowledged writes lost",
            acked.len()
        ),
    );
}
