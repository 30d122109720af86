//! Child processes with a bounded life: servers that announce themselves on their first stdout
//! line, and commands that must finish within a deadline.
//!
//! Every process started here is stopped through its own `Child` handle (kill, then wait), on
//! success and on every failure path, by a guard's `Drop`. It must never stop a process by name
//! (no `pkill`, no `killall`) and never touch a process it did not start.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How often a deadline wait looks at the child; short enough not to add visible latency.
const POLL: Duration = Duration::from_millis(25);

/// A running server child. Dropping it kills the child and reaps it.
#[derive(Debug)]
pub(crate) struct Server {
    name: String,
    child: Child,
    log: PathBuf,
}

impl Server {
    /// Starts `command` with stdout piped and stderr sent to `log`, and waits up to `timeout` for
    /// its first stdout line, which it returns. Later stdout lines are appended to the log by a
    /// thread, so a chatty child never blocks on a full pipe.
    pub(crate) fn start(
        name: &str,
        command: &mut Command,
        log: &Path,
        timeout: Duration,
    ) -> Result<(Server, String), String> {
        let stderr = File::create(log)
            .map_err(|error| format!("{name}: could not create log {}: {error}", log.display()))?;
        let stdout_log = stderr
            .try_clone()
            .map_err(|error| format!("{name}: could not share log {}: {error}", log.display()))?;
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr);
        let mut child = command.spawn().map_err(|error| {
            format!(
                "{name}: could not start `{}`: {error}",
                crate::cmd::describe(command)
            )
        })?;
        let stdout = child.stdout.take().expect("stdout was piped");
        // From here on the guard owns the child, so every early return below stops it.
        let mut server = Server {
            name: name.to_owned(),
            child,
            log: log.to_owned(),
        };
        let (sender, receiver) = mpsc::channel();
        thread::spawn(move || forward_after_first_line(stdout, stdout_log, sender));
        let first = match receiver.recv_timeout(timeout) {
            Ok(line) => line,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(format!(
                    "{name}: printed no line within {}s{}",
                    timeout.as_secs(),
                    server.log_tail()
                ));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = server.stop();
                return Err(format!(
                    "{name}: exited ({status}) before printing its first line{}",
                    server.log_tail()
                ));
            }
        };
        Ok((server, first))
    }

    /// The last lines of the server's log, formatted to follow an error message.
    pub(crate) fn log_tail(&self) -> String {
        log_tail(&self.log)
    }

    pub(crate) fn log_path(&self) -> &Path {
        &self.log
    }

    /// Kills the child if it still runs and reaps it; returns how it ended, for messages.
    fn stop(&mut self) -> String {
        if let Ok(Some(status)) = self.child.try_wait() {
            return status.to_string();
        }
        let _ = self.child.kill();
        match self.child.wait() {
            Ok(status) => status.to_string(),
            Err(error) => format!("could not be reaped: {error}"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let status = self.stop();
        eprintln!(
            "    stopped {} (pid {}): {status}",
            self.name,
            self.child.id()
        );
    }
}

/// Sends the first line through `first`, then copies the rest of `stdout` to `log`.
fn forward_after_first_line(stdout: impl Read, mut log: File, first: mpsc::Sender<String>) {
    let mut lines = BufReader::new(stdout).lines();
    match lines.next() {
        Some(Ok(line)) => {
            let _ = first.send(line);
        }
        // End of output or a read error: dropping the sender tells the waiter.
        _ => return,
    }
    drop(first);
    for line in lines.map_while(Result::ok) {
        let _ = writeln!(log, "{line}");
    }
}

/// The last lines of a log file, as a block to append to an error message (empty if none).
pub(crate) fn log_tail(log: &Path) -> String {
    const LINES: usize = 30;
    let Ok(text) = std::fs::read_to_string(log) else {
        return String::new();
    };
    let lines: Vec<&str> = text.lines().collect();
    if lines.is_empty() {
        return String::new();
    }
    let start = lines.len().saturating_sub(LINES);
    let mut tail = format!("\n    --- last lines of {} ---", log.display());
    for line in &lines[start..] {
        tail.push_str("\n    | ");
        tail.push_str(line);
    }
    tail
}

/// What a finished command printed.
#[derive(Debug)]
pub(crate) struct Captured {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs `command` to completion with stdout and stderr captured, killing it after `timeout`.
pub(crate) fn run_captured(
    name: &str,
    command: &mut Command,
    timeout: Duration,
) -> Result<Captured, String> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = spawn(name, command)?;
    let stdout = read_in_background(child.stdout.take().expect("stdout was piped"));
    let stderr = read_in_background(child.stderr.take().expect("stderr was piped"));
    let status = wait_with_deadline(name, &mut child, timeout);
    // The readers end once the child (and anything holding its pipes) is gone.
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    Ok(Captured {
        status: status?,
        stdout,
        stderr,
    })
}

/// Runs `command` with inherited stdout/stderr, killing it after `timeout`.
pub(crate) fn run_inherited(
    name: &str,
    command: &mut Command,
    timeout: Duration,
) -> Result<ExitStatus, String> {
    command.stdin(Stdio::null());
    let mut child = spawn(name, command)?;
    wait_with_deadline(name, &mut child, timeout)
}

fn spawn(name: &str, command: &mut Command) -> Result<Child, String> {
    command.spawn().map_err(|error| {
        format!(
            "{name}: could not start `{}`: {error}",
            crate::cmd::describe(command)
        )
    })
}

fn read_in_background(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Waits for `child`; past `timeout` it kills and reaps it and reports the timeout as an error.
fn wait_with_deadline(
    name: &str,
    child: &mut Child,
    timeout: Duration,
) -> Result<ExitStatus, String> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{name}: did not finish within {}s and was killed",
                    timeout.as_secs()
                ));
            }
            Ok(None) => thread::sleep(POLL),
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{name}: could not wait for the process: {error}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::process::Command;
    use std::time::{Duration, Instant};

    use super::{Server, run_captured};

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    fn temp_log(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!(
            "xtask-process-test-{}-{name}.log",
            std::process::id()
        ))
    }

    #[test]
    fn server_returns_its_first_line_and_logs_the_rest() {
        let log = temp_log("first-line");
        let (server, first) = Server::start(
            "echo server",
            &mut shell("echo ready; echo more; echo oops >&2; exec sleep 30"),
            &log,
            Duration::from_secs(10),
        )
        .expect("server starts");
        assert_eq!(first, "ready");
        // The first line can arrive before the shell has run its next two commands, and the
        // forwarding thread writes on its own schedule: wait (bounded) for both in the log,
        // rather than kill the shell before it wrote them.
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut text = String::new();
        while Instant::now() < deadline {
            text = std::fs::read_to_string(&log).expect("log exists");
            if text.contains("more") && text.contains("oops") {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(text.contains("more"), "later stdout is logged: {text:?}");
        assert!(text.contains("oops"), "stderr is logged: {text:?}");
        assert!(
            !text.contains("ready"),
            "the first line is returned, not logged"
        );
        let started = Instant::now();
        drop(server);
        // Dropping kills `sleep 30` rather than waiting for it.
        assert!(started.elapsed() < Duration::from_secs(10));
        let _ = std::fs::remove_file(log);
    }

    #[test]
    fn server_that_exits_silently_is_an_error() {
        let log = temp_log("silent");
        let error = Server::start(
            "quiet",
            &mut shell("echo bye >&2; exit 3"),
            &log,
            Duration::from_secs(10),
        )
        .expect_err("no first line");
        assert!(error.contains("exited"), "{error}");
        assert!(error.contains("bye"), "the log tail is shown: {error}");
        let _ = std::fs::remove_file(log);
    }

    #[test]
    fn server_that_stays_silent_times_out() {
        let log = temp_log("slow");
        let error = Server::start(
            "slow",
            &mut shell("exec sleep 30"),
            &log,
            Duration::from_millis(200),
        )
        .expect_err("no first line in time");
        assert!(error.contains("printed no line"), "{error}");
        let _ = std::fs::remove_file(log);
    }

    #[test]
    fn captured_commands_report_output_and_status() {
        let out = run_captured(
            "sh",
            &mut shell("echo out; echo err >&2; exit 4"),
            Duration::from_secs(10),
        )
        .expect("runs");
        assert_eq!(
            (out.stdout.as_str(), out.stderr.as_str()),
            ("out\n", "err\n")
        );
        assert_eq!(out.status.code(), Some(4));
    }

    #[test]
    fn captured_commands_are_killed_at_the_deadline() {
        let started = Instant::now();
        let error = run_captured(
            "sleeper",
            &mut shell("exec sleep 30"),
            Duration::from_millis(200),
        )
        .expect_err("times out");
        assert!(error.contains("did not finish"), "{error}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
