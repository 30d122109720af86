//! The workspace's binaries as child processes: building them once per test process, and an
//! emulator child that can be SIGKILLed by its own handle.
//!
//! Binaries are built with a nested `cargo build` into the same target directory and profile
//! as the running test (this crate cannot name another package's binary otherwise). Every
//! child is stopped through its `Child` handle (kill, then wait), also on panic via `Drop`.
//! This module must NOT stop any process by name, or touch a process it did not start.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::Duration;

/// The emulator binary's name.
pub const EMULATOR_BIN: &str = "atlas-keys-emulator";
/// The CLI binary's name.
pub const CLI_BIN: &str = "atlas-keys";

/// The directory the running test's profile builds binaries into (`target/<profile>`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    // target/<profile>/deps/<test>-<hash>
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .expect("the test binary lives in target/<profile>/deps")
}

/// The path of the workspace binary `name` ([`EMULATOR_BIN`] or [`CLI_BIN`]), built if needed.
///
/// `ATLAS_KEYS_RELIABILITY_BIN_DIR` names a directory of prebuilt binaries to use as they are.
/// Otherwise the binaries next to this test's profile directory are used when they are newer
/// than every source file they are built from (`cargo test --workspace` has just built them);
/// when one is missing or older, both are rebuilt once per test process with a nested
/// `cargo build`, so a test never runs a stale binary.
///
/// # Panics
/// When the build fails: every test that needs a binary would fail anyway, with less help.
pub fn binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    let file = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    if let Some(dir) = std::env::var_os("ATLAS_KEYS_RELIABILITY_BIN_DIR") {
        let path = PathBuf::from(dir).join(&file);
        assert!(path.is_file(), "{} does not exist", path.display());
        return path;
    }
    let dir = profile_dir();
    let built = BUILT.get_or_init(|| {
        let fresh = [EMULATOR_BIN, CLI_BIN].iter().all(|bin| {
            let path = dir.join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
            modified(&path).is_some_and(|built| newest_source().is_some_and(|src| built > src))
        });
        if fresh { Ok(()) } else { build_binaries(&dir) }
    });
    if let Err(message) = built {
        panic!("{message}");
    }
    let path = dir.join(file);
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The newest modification time among the sources of the binaries: the manifests, the lock
/// file and every file under the `src` of the crates they are built from.
fn newest_source() -> Option<std::time::SystemTime> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?.parent()?;
    let mut newest = modified(&root.join("Cargo.toml"))?;
    if let Some(lock) = modified(&root.join("Cargo.lock")) {
        newest = newest.max(lock);
    }
    let mut stack: Vec<PathBuf> = Vec::new();
    for krate in ["model", "transport", "api", "emulator", "cli"] {
        let dir = root.join("crates").join(krate);
        newest = newest.max(modified(&dir.join("Cargo.toml"))?);
        stack.push(dir.join("src"));
    }
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Some(time) = modified(&path) {
                newest = newest.max(time);
            }
        }
    }
    Some(newest)
}

fn build_binaries(dir: &Path) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let target_dir = dir.parent().ok_or("no target directory")?;
    let profile = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or("no profile directory")?;
    let mut command = Command::new(cargo);
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "--quiet", "--package", "atlas-keys-emulator"])
        .args(["--package", "atlas-keys-cli", "--bins", "--target-dir"])
        .arg(target_dir);
    match profile {
        "debug" => {}
        "release" => {
            command.arg("--release");
        }
        other => {
            command.args(["--profile", other]);
        }
    }
    let output = command
        .output()
        .map_err(|error| format!("could not run cargo to build the binaries: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "building the emulator and CLI binaries failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// What the emulator binary prints on its first stdout line.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Startup {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The default organization.
    pub org_id: String,
    /// The default project.
    pub project_id: String,
    /// The owner key's public key.
    pub public_key: String,
    /// The owner key's private key (a secret: never print it).
    pub private_key: String,
    /// The owner service account's client id.
    pub client_id: String,
    /// The owner service account's client secret (a secret: never print it).
    pub client_secret: String,
}

/// A running `atlas-keys-emulator` child. Dropping it kills and reaps the child.
#[derive(Debug)]
pub struct EmulatorProcess {
    child: Child,
    startup: Startup,
    /// Everything the child wrote to stderr (and stdout after the first line).
    output: Arc<Mutex<Vec<u8>>>,
    readers: Vec<thread::JoinHandle<()>>,
}

impl EmulatorProcess {
    /// Starts the binary with `args` plus `--listen 127.0.0.1:0` and `extra_env`, and waits
    /// for its startup line.
    pub fn start(args: &[&str], extra_env: &[(&str, &str)]) -> Result<EmulatorProcess, String> {
        let mut command = Command::new(binary(EMULATOR_BIN));
        command
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .envs(extra_env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|error| format!("could not start the emulator: {error}"))?;
        let output = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().expect("stdout was piped");
        let stderr = child.stderr.take().expect("stderr was piped");
        let (first_tx, first_rx) = mpsc::channel();
        let mut readers = vec![spawn_stdout_reader(stdout, first_tx, Arc::clone(&output))];
        readers.push(spawn_copier(stderr, Arc::clone(&output)));
        let first = match first_rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let status = child.wait();
                let log = String::from_utf8_lossy(&output.lock().expect("log lock")).into_owned();
                return Err(format!(
                    "the emulator printed no startup line (exit: {status:?}); its output:\n{log}"
                ));
            }
        };
        let startup: Startup = serde_json::from_str(&first)
            .map_err(|error| format!("unexpected startup line ({error}): {}", first.len()))?;
        Ok(EmulatorProcess {
            child,
            startup,
            output,
            readers,
        })
    }

    /// What the emulator announced.
    pub fn startup(&self) -> &Startup {
        &self.startup
    }

    /// The socket address from the base URL.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.startup
            .base_url
            .trim_start_matches("http://")
            .parse()
            .expect("the base URL is http://IP:PORT")
    }

    /// The OS process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILLs the child (on Unix, `Child::kill` sends SIGKILL) and reaps it; returns all of
    /// its output.
    pub fn kill(mut self) -> String {
        self.stop();
        self.take_output()
    }

    fn stop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }

    fn take_output(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().expect("log lock")).into_owned()
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

fn spawn_stdout_reader(
    stdout: ChildStdout,
    first: mpsc::Sender<String>,
    log: Arc<Mutex<Vec<u8>>>,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) > 0 {
            let _ = first.send(line.trim_end().to_owned());
        }
        drop(first);
        copy_into(reader, &log);
    })
}

fn spawn_copier(
    pipe: impl Read + Send + 'static,
    log: Arc<Mutex<Vec<u8>>>,
) -> thread::JoinHandle<()> {
    thread::spawn(move || copy_into(pipe, &log))
}

fn copy_into(mut pipe: impl Read, log: &Mutex<Vec<u8>>) {
    let mut buffer = [0u8; 8192];
    loop {
        match pipe.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => log
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(&buffer[..n]),
        }
    }
}
