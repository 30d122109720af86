//! `--profile`: the emulator sampled with perf while 64 clients load it.
//!
//! perf attaches to the emulator this run started (found among our own children by pid), never
//! to a process found by name elsewhere.

use std::process::Command;
use std::time::Duration;

use super::emulator::Emulator;
use super::paths::Paths;
use crate::cmd::{describe, run_step};
use crate::process::run_captured;

/// Samples the emulator with perf while 64 floor clients hammer it, and returns its hottest
/// symbols (perf report, self time).
pub(super) fn profile_emulator(paths: &Paths) -> Result<String, String> {
    if !Command::new("perf")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success())
    {
        let mut install = Command::new("apt-get");
        install
            .args(["install", "-y", "--no-install-recommends", "linux-perf"])
            .env("DEBIAN_FRONTEND", "noninteractive");
        run_step("apt-get install linux-perf", &mut install)?;
    }
    let emulator = Emulator::start(paths, "profile", &[])?;
    let setup = emulator.scenario(paths, &["setup".to_owned()])?;
    let key_id = setup["keyId"].as_str().ok_or("setup printed no keyId")?;
    let pid = own_child_named("atlas-keys-emul")
        .ok_or("could not find the emulator among xtask's child processes")?;
    let data = paths.work.join("emulator.perf.data");
    // Sampling by time (cpu-clock) works where hardware counters are not exposed (VMs).
    let mut perf = Command::new("perf");
    perf.args(["record", "-e", "cpu-clock", "-F", "999", "-g", "-p"])
        .arg(pid.to_string())
        .arg("-o")
        .arg(&data)
        .args(["--", "sleep", "8"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    eprintln!("    $ {}", describe(&perf));
    let mut recorder = perf
        .spawn()
        .map_err(|error| format!("could not start perf: {error}"))?;
    let args: Vec<String> = [
        "get",
        "--client",
        "floor",
        "--auth",
        "bearer",
        "--key-id",
        key_id,
        "--calls",
        "150000",
        "--concurrency",
        "64",
    ]
    .map(str::to_owned)
    .to_vec();
    // perf needs a moment to attach; the load (a few seconds) must run inside its window.
    std::thread::sleep(Duration::from_secs(1));
    let load = emulator.scenario(paths, &args);
    let recorded = recorder.wait().map_err(|error| error.to_string())?;
    load?;
    if !recorded.success() {
        return Err(format!("perf record failed ({recorded})"));
    }
    let mut report = Command::new("perf");
    report
        .args([
            "report",
            "--stdio",
            "--no-children",
            "-g",
            "none",
            "--percent-limit",
            "1.5",
        ])
        .args(["--sort", "dso,symbol", "-i"])
        .arg(&data);
    let out = run_captured("perf report", &mut report, Duration::from_secs(300))?;
    Ok(out
        .stdout
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        // perf pads every line and ends it with empty IPC columns (`-      -`).
        .map(|line| line.trim_end_matches([' ', '-']))
        .take(25)
        .collect::<Vec<_>>()
        .join("\n"))
}

/// The pid of this process's child whose command name (`comm`, 15 characters at most) is
/// `comm`: read from /proc, so that perf attaches to the emulator we started and to nothing else.
fn own_child_named(comm: &str) -> Option<u32> {
    let me = std::process::id();
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // `pid (comm) state ppid …`; comm may hold spaces, so split around the parentheses.
            let (head, rest) = stat.rsplit_once(')')?;
            let name = head.split_once('(')?.1;
            let ppid: u32 = rest.split_whitespace().nth(1)?.parse().ok()?;
            (ppid == me && name == comm).then_some(pid)
        })
}
