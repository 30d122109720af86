//! The `--state` file as a log (issue #15): a damaged record is a refusal to start that
//! leaves the file untouched, a torn tail costs only the torn record, one writer per
//! file, a full disk never "half-happens", and the files are private. Every case counts
//! the acknowledged writes it lost (target 0) and prints it as a `figure:` line.
//!
//! The full-disk case mounts a 64 KiB tmpfs, which needs root; without it the case says
//! why and returns. This file must NOT wait on timing.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::common::*;
use atlas_keys_emulator::{Emulator, RateLimitConfig, StartError};
use serde_json::json;

fn builder(state: &Path) -> atlas_keys_emulator::EmulatorBuilder {
    Emulator::builder()
        .rate_limit(RateLimitConfig::Off)
        .state_file(state)
}

/// Creates `n` org keys; returns their ids (each one acknowledged with a 200).
async fn create_keys(env: &Env, tag: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let (id, _, _) = env
            .create_org_key(V2, &format!("{tag} {i}"), &["ORG_MEMBER"])
            .await;
        ids.push(id);
    }
    ids
}

/// Every key id the default org lists.
async fn listed(env: &Env) -> BTreeSet<String> {
    let r = env
        .get(&format!(
            "{V2}/orgs/{}/apiKeys?itemsPerPage=500",
            env.emu.org_id()
        ))
        .await;
    r.expect(200);
    r.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap().to_owned())
        .collect()
}

fn count_lost(acked: &[String], now: &BTreeSet<String>) -> usize {
    acked.iter().filter(|id| !now.contains(*id)).count()
}

fn start_error(r: Result<atlas_keys_emulator::EmulatorHandle, StartError>) -> String {
    match r {
        Ok(_) => panic!("the emulator started"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flipped_byte_mid_log_refuses_to_start_and_leaves_the_file_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let env = start_with(builder(&state)).await;
    let acked = create_keys(&env, "flip", 10).await;
    env.emu.shutdown().await;

    let good = std::fs::read(&state).unwrap();
    // A byte in the middle of line 3 (the second create), inside its JSON.
    let starts: Vec<usize> = std::iter::once(0)
        .chain(
            good.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect();
    let at = (starts[2] + starts[3]) / 2;
    let mut bad = good.clone();
    bad[at] ^= 0x20;
    std::fs::write(&state, &bad).unwrap();

    let message = start_error(builder(&state).start().await);
    assert!(message.contains(&state.display().to_string()), "{message}");
    assert!(message.contains("line 3: checksum mismatch"), "{message}");
    assert_eq!(std::fs::read(&state).unwrap(), bad, "the file was modified");

    // Put the byte back: everything acknowledged is there.
    std::fs::write(&state, &good).unwrap();
    let env = start_with(builder(&state)).await;
    let lost = count_lost(&acked, &listed(&env).await);
    assert_eq!(lost, 0);
    println!(
        "figure: state-log: flipped byte on line 3 of 11: refused to start, file untouched; {lost} of 10 acknowledged writes lost"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_tail_is_dropped_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let env = start_with(builder(&state)).await;
    let acked = create_keys(&env, "torn", 5).await;
    env.emu.shutdown().await;
    // An append cut off by a crash: the first half of a real record, no newline.
    let good = std::fs::read(&state).unwrap();
    let last = good[..good.len() - 1]
        .iter()
        .rposition(|b| *b == b'\n')
        .unwrap()
        + 1;
    let record = &good[last..];
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&state)
        .unwrap();
    f.write_all(&record[..record.len() / 2]).unwrap();
    drop(f);

    let env = start_with(builder(&state)).await;
    let now = listed(&env).await;
    let lost = count_lost(&acked, &now);
    assert_eq!(lost, 0);
    assert_eq!(
        now.len(),
        1 + acked.len(),
        "only the seed key and the acknowledged ones"
    );
    // Writes go on, and the compacted file loads again.
    let more = create_keys(&env, "after", 1).await;
    env.emu.shutdown().await;
    let env = start_with(builder(&state)).await;
    assert_eq!(count_lost(&more, &listed(&env).await), 0);
    println!(
        "figure: state-log: torn final record: started, dropped only the torn record; {lost} of 5 acknowledged writes lost"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_emulator_on_the_same_file_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let first = start_with(builder(&state)).await;
    let mut acked = create_keys(&first, "one", 3).await;
    let message = start_error(builder(&state).start().await);
    assert!(message.contains("holds its lock"), "{message}");
    assert!(message.contains(&state.display().to_string()), "{message}");
    // The first one goes on acknowledging into the real file.
    acked.extend(create_keys(&first, "two", 3).await);
    first.emu.shutdown().await;
    let env = start_with(builder(&state)).await;
    let lost = count_lost(&acked, &listed(&env).await);
    assert_eq!(lost, 0);
    println!(
        "figure: state-log: two emulators on one file: the second refused to start; {lost} of 6 acknowledged writes lost"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_and_lock_files_are_private_and_symlinks_are_not_followed() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let env = start_with(builder(&state)).await;
    create_keys(&env, "mode", 1).await;
    for f in [state.clone(), dir.path().join("state.json.lock")] {
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", f.display());
    }
    env.emu.shutdown().await;
    // A state path that is a symlink (say, to a file someone else reads) is refused.
    let target = dir.path().join("elsewhere.json");
    std::fs::write(&target, b"").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let message = start_error(builder(&link).start().await);
    assert!(message.contains("symbolic link"), "{message}");
    assert_eq!(std::fs::read(&target).unwrap(), b"");
}

/// A tmpfs mounted for one test, unmounted (lazily, so a straggler cannot block it) on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Result<SmallDisk, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mount -t tmpfs failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(SmallDisk { dir })
    }

    fn path(&self) -> PathBuf {
        self.dir.path().to_owned()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Fills the file system holding `dir` with one filler file; returns its path.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 4096];
    while f.write_all(&chunk).is_ok() {}
    while f.write_all(&[0]).is_ok() {}
    let _ = f.sync_all();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_and_memory_matches_disk() {
    let disk = match SmallDisk::mount("64k") {
        Ok(d) => d,
        Err(why) => {
            println!("skipped: a full disk needs a small tmpfs: {why}");
            return;
        }
    };
    let state = disk.path().join("state.json");
    let env = start_with(builder(&state)).await;
    let org = env.emu.org_id().to_owned();
    let mut acked = create_keys(&env, "before", 12).await;
    let mut deleted = Vec::new();
    let filler = fill(&disk.path());

    // The state file's last page may still have room: writes that fit are acknowledged
    // (and durable). Go on until both a create and a delete are refused.
    let mut refused_create = 0;
    let mut refused_delete = None;
    for i in 0..200 {
        let r = env
            .post(
                &format!("{V2}/orgs/{org}/apiKeys"),
                json!({"desc": format!("full {i} {}", "x".repeat(200)), "roles": ["ORG_MEMBER"]}),
            )
            .await;
        match r.status {
            200 => acked.push(r.json()["id"].as_str().unwrap().to_owned()),
            500 => refused_create += 1,
            s => panic!("create on a full disk: {s}"),
        }
        if refused_create == 0 {
            continue;
        }
        let victim = acked.first().unwrap().clone();
        let r = env
            .delete(&format!("{V2}/orgs/{org}/apiKeys/{victim}"))
            .await;
        match r.status {
            204 => deleted.push(acked.remove(0)),
            500 => {
                refused_delete = Some(victim);
                break;
            }
            s => panic!("delete on a full disk: {s}"),
        }
    }
    let victim = refused_delete.expect("a delete was refused on the full disk");
    assert!(refused_create > 0);
    // The refused delete did not happen: the key is still there, now and after a restart.
    env.get(&format!("{V2}/orgs/{org}/apiKeys/{victim}"))
        .await
        .expect(200);
    let in_memory = listed(&env).await;
    assert_eq!(
        in_memory.len(),
        1 + acked.len(),
        "memory holds exactly the acknowledged keys"
    );

    // Space again: the emulator writes again without a restart.
    std::fs::remove_file(&filler).unwrap();
    acked.extend(create_keys(&env, "after", 1).await);
    env.emu.shutdown().await;

    let env = start_with(builder(&state)).await;
    let on_disk = listed(&env).await;
    let lost = count_lost(&acked, &on_disk);
    let resurrected = deleted.iter().filter(|id| on_disk.contains(*id)).count();
    assert_eq!(lost, 0, "acknowledged keys lost");
    assert_eq!(resurrected, 0, "acknowledged deletes undone");
    assert_eq!(on_disk.len(), 1 + acked.len(), "a refused create came back");
    assert!(on_disk.contains(&victim), "the refused delete took effect");
    env.emu.shutdown().await;
    println!(
        "figure: state-log: full disk (64 KiB tmpfs): {refused_create} creates and 1 delete refused with 500, memory unchanged; {} acknowledged, {lost} lost, {resurrected} acknowledged deletes undone",
        acked.len() + deleted.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_reads_format_1_and_rewrites_it_checksummed() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let env = start_with(builder(&state)).await;
    let acked = create_keys(&env, "v1", 2).await;
    env.emu.shutdown().await;
    // Rewrite the file as format /1 would have: plain JSON lines, no checksums.
    let v2 = std::fs::read_to_string(&state).unwrap();
    let v1: String = v2
        .lines()
        .map(|l| format!("{}\n", &l[17..]))
        .collect::<String>()
        .replace("atlas-keys-emulator-state/2", "atlas-keys-emulator-state/1");
    std::fs::write(&state, v1).unwrap();
    let env = start_with(builder(&state)).await;
    assert_eq!(count_lost(&acked, &listed(&env).await), 0);
    env.emu.shutdown().await;
    let now = std::fs::read_to_string(&state).unwrap();
    assert!(now.contains("atlas-keys-emulator-state/2"), "{now}");
}
