//! A release emulator in its own process, and `atlas-keys-bench` scenarios run against it.
//!
//! It stops the emulator only through its `Child` handle (when dropped), never by name.

use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use super::paths::Paths;
use crate::cmd::describe;
use crate::emulator_line::EmulatorLine;
use crate::process::{Server, run_captured};

const SERVER_START: Duration = Duration::from_secs(120);
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(300);

/// A running release emulator and what its startup line said.
pub(super) struct Emulator {
    /// Kept for its `Drop`, which stops the emulator by its handle.
    _server: Server,
    env: Vec<(&'static str, String)>,
}

impl Emulator {
    pub(super) fn start(paths: &Paths, name: &str, extra: &[String]) -> Result<Emulator, String> {
        let mut command = Command::new(paths.release("atlas-keys-emulator"));
        command.args(["--listen", "127.0.0.1:0"]);
        // Limits off unless the scenario names its own (the paced audit).
        if !extra.iter().any(|arg| arg == "--rate-limit") {
            command.args(["--rate-limit", "off"]);
        }
        command.args(extra).current_dir(&paths.work);
        eprintln!("\n==> emulator {name}: {}", describe(&command));
        let log = paths.work.join(format!("emulator-{name}.log"));
        let (server, line) = Server::start(
            &format!("emulator {name}"),
            &mut command,
            &log,
            SERVER_START,
        )?;
        let startup = EmulatorLine::parse(&line).map_err(|error| format!("emulator {error}"))?;
        let env = startup
            .env()
            .map(|(var, value)| (var, value.to_owned()))
            .to_vec();
        Ok(Emulator {
            _server: server,
            env,
        })
    }

    /// Runs one `atlas-keys-bench` scenario against this emulator; returns its JSON line.
    pub(super) fn scenario(&self, paths: &Paths, args: &[String]) -> Result<Value, String> {
        let mut command = Command::new(paths.release("atlas-keys-bench"));
        command.args(args).current_dir(&paths.work);
        for (var, value) in &self.env {
            command.env(var, value);
        }
        let name = format!("atlas-keys-bench {}", args.join(" "));
        eprintln!("    $ {name}");
        let out = run_captured(&name, &mut command, SCENARIO_TIMEOUT)?;
        if !out.status.success() {
            return Err(format!(
                "{name} failed ({}): {}",
                out.status,
                out.stderr.trim()
            ));
        }
        let line = out.stdout.lines().last().unwrap_or_default();
        serde_json::from_str(line)
            .map_err(|error| format!("{name} printed no JSON line ({error}): {line}"))
    }
}
