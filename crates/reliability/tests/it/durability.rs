//! The emulator binary with `--state FILE`, SIGKILLed at random points during a create storm
//! and restarted on the same file, round after round: the file always loads, and every create
//! the emulator acknowledged before the kill is still there.
//!
//! Rounds: `ATLAS_KEYS_KILL_ROUNDS` (CI 3, soak 20). The emulator is a child process started
//! from the built binary and killed through its own `Child` handle (SIGKILL). This file must
//! NOT kill anything by name, nor wait on timing: the kill point is "after k acknowledged
//! creates", k random per round.

use std::collections::{HashMap, HashSet};

use atlas_keys::model::{OrgId, OrgRole};
use atlas_keys_reliability::clients::{digest_client, list_all_keys};
use atlas_keys_reliability::procs::EmulatorProcess;
use atlas_keys_reliability::{figure, random_hex, random_u64, scale};
use tokio::sync::mpsc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_create_storm_never_loses_an_acknowledged_key() {
    let rounds = scale::size("ATLAS_KEYS_KILL_ROUNDS", 3, 20);
    let dir = tempfile::tempdir().expect("a temp dir");
    let state = dir.path().join("state.json");
    let state_arg = state.to_str().expect("a UTF-8 temp path").to_owned();
    // Every acknowledged create so far: description -> key id.
    let mut acknowledged: HashMap<String, String> = HashMap::new();
    let mut killed_in_flight = 0usize;
    let mut file_sizes = Vec::new();
    for round in 0..rounds {
        // The file written by the previous round (killed mid-write, maybe) must load.
        let emulator = EmulatorProcess::start(
            &["--state", &state_arg, "--rate-limit", "off"],
            &[("RUST_LOG", "warn")],
        )
        .unwrap_or_else(|error| panic!("round {round}: the emulator did not restart: {error}"));
        let startup = emulator.startup().clone();
        let client = digest_client(&startup.base_url, &startup.public_key, &startup.private_key);
        let org: OrgId = startup.org_id.parse().expect("a valid org id");
        // Everything acknowledged in earlier rounds survived the kill and the restart.
        let listed = list_all_keys(&client, &org).await;
        let listed_ids: HashSet<String> = listed.iter().map(|k| k.id().to_string()).collect();
        let lost: Vec<_> = acknowledged
            .iter()
            .filter(|(_, id)| !listed_ids.contains(*id))
            .collect();
        assert!(
            lost.is_empty(),
            "round {round}: acknowledged keys lost: {lost:?}"
        );
        let descs: HashSet<_> = listed.iter().map(|k| k.desc().map(str::to_owned)).collect();
        assert_eq!(
            descs.len(),
            listed.len(),
            "round {round}: duplicate descriptions"
        );
        // A storm of creates, 8 in flight; kill after k acknowledgements.
        let kill_after = 1 + (random_u64() % 60) as usize;
        let (tx, mut rx) = mpsc::unbounded_channel();
        let storm = tokio::spawn({
            let client = client.clone();
            let run = random_hex(4);
            async move {
                let mut set = tokio::task::JoinSet::new();
                for i in 0.. {
                    let client = client.clone();
                    let sender = tx.clone();
                    let desc = format!("storm {run} r{round} #{i}");
                    set.spawn(async move {
                        let result = client
                            .org_keys()
                            .create(&org)
                            .desc(desc.clone())
                            .role(OrgRole::Member)
                            .send()
                            .await;
                        let _ = sender.send((desc, result.map(|k| k.id().to_string())));
                    });
                    if set.len() >= 8 && set.join_next().await.is_none() {
                        break;
                    }
                    if tx.is_closed() {
                        break;
                    }
                }
                set.shutdown().await;
            }
        });
        let mut acks_this_round = 0;
        while let Some((desc, result)) = rx.recv().await {
            if let Ok(id) = result {
                acknowledged.insert(desc, id);
                acks_this_round += 1;
                if acks_this_round >= kill_after {
                    break;
                }
            }
        }
        // SIGKILL through the child handle, with creates still in flight.
        let pid = emulator.pid();
        let _log = emulator.kill();
        // Acknowledgements that raced the kill still count: the client saw them.
        rx.close();
        while let Some((desc, result)) = rx.recv().await {
            match result {
                Ok(id) => {
                    acknowledged.insert(desc, id);
                }
                Err(_) => killed_in_flight += 1,
            }
        }
        storm.abort();
        let _ = storm.await;
        file_sizes.push(std::fs::metadata(&state).map(|m| m.len()).unwrap_or(0));
        assert!(pid > 0);
    }
    // A last restart: the final file loads and holds everything.
    let emulator = EmulatorProcess::start(&["--state", &state_arg, "--rate-limit", "off"], &[])
        .expect("the emulator restarts after the last kill");
    let startup = emulator.startup().clone();
    let client = digest_client(&startup.base_url, &startup.public_key, &startup.private_key);
    let org: OrgId = startup.org_id.parse().expect("a valid org id");
    let listed: HashSet<String> = list_all_keys(&client, &org)
        .await
        .iter()
        .map(|k| k.id().to_string())
        .collect();
    let lost = acknowledged
        .values()
        .filter(|id| !listed.contains(*id))
        .count();
    assert_eq!(lost, 0, "{lost} acknowledged keys lost after the last kill");
    figure(
        "durability",
        format!(
            "{rounds} SIGKILL rounds: {} acknowledged creates, 0 lost, {} keys on file, {killed_in_flight} creates cut off in flight; state file loaded {} times; final size {} bytes",
            acknowledged.len(),
            listed.len(),
            rounds + 1,
            file_sizes.last().copied().unwrap_or(0)
        ),
    );
    drop(emulator.kill());
}
