//! Microsoft's SARIF Multitool (`Sarif.Multitool validate`), the SARIF SDK's own validator, as a
//! second independent consumer of the audit's SARIF (part 6, see `sarif`).
//!
//! It comes from the npm registry as `@microsoft/sarif-multitool-linux` at a pinned version,
//! fetched with the machine's `npm pack` (a self-contained .NET program inside the tarball; no
//! Node.js code of it runs) into a directory under the cargo target directory, checked against
//! the pinned npm integrity, unpacked with `tar`, and reused while it is complete. `validate`
//! checks the log against the schema and the SARIF SDK's rules (SARIF1xxx errors, SARIF2xxx
//! warnings and notes). Its rule SARIF2006 would send HTTP GETs to every URI in the log, so it
//! is disabled in a configuration file and, where `unshare` works (as root), the tool runs in a
//! network namespace of its own with no interface at all.
//!
//! It must not install anything but that package, outside the target directory, and must not
//! let the tool reach the network.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::cmd::describe;
use crate::process::run_captured;

/// The package and version `npm pack` fetches.
pub(super) const PACKAGE: &str = "@microsoft/sarif-multitool-linux@5.7.0";
/// npm's integrity of that tarball (`npm pack --json`), so a different file is refused.
const INTEGRITY: &str = "sha512-NxUbpq6ISCWoTQ/NfOYEwEDKq1Heka/rMoJ5R5LMydcAZQX/X7g5mWHcgxDub+0M07LC96tZ5LZHvF1Qy3gjTA==";
/// Written once the tool is unpacked and runs; holds [`PACKAGE`] and [`INTEGRITY`].
const MARKER: &str = ".xtask-package";
/// Turns off SARIF2006 (UrisShouldBeReachable), the one rule that goes on the network.
const CONFIG: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<Properties>
  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">
    <Property Key="RuleEnabled" Value="Disabled" />
  </Properties>
</Properties>
"#;
/// The configuration notice that says SARIF2006 is off, as asked: not a finding.
const RULE_DISABLED_NOTICE: &str = "WRN999.RuleExplicitlyDisabled";

const NPM_TIMEOUT: Duration = Duration::from_secs(600);
const TOOL_TIMEOUT: Duration = Duration::from_secs(300);

/// An unpacked, runnable Multitool.
#[derive(Debug)]
pub(super) struct Multitool {
    binary: PathBuf,
    /// Whether `unshare --net` works here, so the tool runs with no network at all.
    isolated: bool,
}

/// Returns the tool under `dir`, fetching and unpacking it first when it is missing or not the
/// pinned package.
pub(super) fn ensure(dir: &Path) -> Result<Multitool, String> {
    let binary = dir.join("package").join("Sarif.Multitool");
    let wanted = format!("{PACKAGE} {INTEGRITY}\n");
    let isolated = runs_ok(Command::new("unshare").args(["--net", "true"]));
    let tool = Multitool { binary, isolated };
    if std::fs::read_to_string(dir.join(MARKER)).ok().as_deref() == Some(wanted.as_str())
        && tool.version().is_ok()
    {
        eprintln!("    reusing {}", dir.display());
        return Ok(tool);
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .map_err(|error| format!("could not remove {}: {error}", dir.display()))?;
    }
    std::fs::create_dir_all(dir)
        .map_err(|error| format!("could not create {}: {error}", dir.display()))?;
    if !runs_ok(Command::new("npm").arg("--version")) {
        // A fresh Debian machine has no npm: Debian's own package brings it.
        crate::python_env::apt_install(&["npm"])?;
    }
    let mut pack = Command::new("npm");
    pack.args(["pack", PACKAGE, "--json", "--pack-destination"])
        .arg(dir)
        .current_dir(dir);
    eprintln!("    $ {}", describe(&pack));
    let out = run_captured("npm pack", &mut pack, NPM_TIMEOUT)
        .map_err(|error| format!("{error} (is npm installed?)"))?;
    if !out.status.success() {
        return Err(format!(
            "npm pack {PACKAGE} failed ({}): {}",
            out.status,
            out.stderr.trim()
        ));
    }
    let packed: Value = serde_json::from_str(&out.stdout)
        .map_err(|error| format!("npm pack printed no JSON ({error}): {}", out.stdout))?;
    let (Some(file), Some(integrity)) = (
        packed[0]["filename"].as_str(),
        packed[0]["integrity"].as_str(),
    ) else {
        return Err(format!(
            "npm pack's JSON names no filename and integrity: {packed}"
        ));
    };
    if integrity != INTEGRITY {
        return Err(format!(
            "{PACKAGE} has integrity {integrity}, expected {INTEGRITY}"
        ));
    }
    let tarball = dir.join(file);
    let mut untar = Command::new("tar");
    untar.arg("-xzf").arg(&tarball).arg("-C").arg(dir);
    eprintln!("    $ {}", describe(&untar));
    let status = run_captured("tar", &mut untar, NPM_TIMEOUT)?;
    if !status.status.success() {
        return Err(format!(
            "tar could not unpack {file}: {}",
            status.stderr.trim()
        ));
    }
    // The tarball is 43 MB and no longer needed once unpacked.
    let _ = std::fs::remove_file(&tarball);
    // npm tarballs carry no execute bit for a file that is not a declared `bin`.
    std::fs::set_permissions(&tool.binary, std::fs::Permissions::from_mode(0o755)).map_err(
        |error| {
            format!(
                "could not make {} executable: {error}",
                tool.binary.display()
            )
        },
    )?;
    let version = tool.version()?;
    std::fs::write(dir.join(MARKER), wanted)
        .map_err(|error| format!("could not write the marker in {}: {error}", dir.display()))?;
    eprintln!("    unpacked {version}");
    Ok(tool)
}

impl Multitool {
    /// `Sarif.Multitool --version`, which also proves the binary runs here.
    pub(super) fn version(&self) -> Result<String, String> {
        let mut command = self.command(None);
        command.arg("--version");
        let out = run_captured("Sarif.Multitool", &mut command, TOOL_TIMEOUT)?;
        // It prints its version on stderr.
        let line = out
            .stderr
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        if out.status.success() && line.starts_with("SARIF Multitool") {
            Ok(line)
        } else {
            Err(format!(
                "`{}` did not run ({}): {} {}",
                describe(&command),
                out.status,
                out.stdout.trim(),
                out.stderr.trim()
            ))
        }
    }

    /// Whether the tool runs in a network namespace of its own.
    pub(super) fn isolated(&self) -> bool {
        self.isolated
    }

    /// The command, inside `unshare --net` when that works. The .NET runtime is told not to
    /// need ICU and to unpack its native parts under `scratch`, not in $HOME.
    fn command(&self, scratch: Option<&Path>) -> Command {
        let mut command = if self.isolated {
            let mut command = Command::new("unshare");
            command.arg("--net").arg(&self.binary);
            command
        } else {
            Command::new(&self.binary)
        };
        command
            .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
            .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1");
        if let Some(scratch) = scratch {
            command.env(
                "DOTNET_BUNDLE_EXTRACT_BASE_DIR",
                scratch.join("dotnet-bundle"),
            );
        }
        command
    }

    /// `validate` on one log: passes when the tool ran to the end and reported no error and no
    /// warning; the notes it reports are counted per rule in the detail.
    pub(super) fn validate(&self, scratch: &Path, sarif: &Path) -> Result<String, String> {
        let config = scratch.join("multitool-config.xml");
        std::fs::write(&config, CONFIG)
            .map_err(|error| format!("could not write {}: {error}", config.display()))?;
        let output = sarif.with_extension("multitool.sarif");
        let mut command = self.command(Some(scratch));
        command
            .arg("validate")
            .arg("--config")
            .arg(&config)
            .args([
                "--level",
                "Error;Warning;Note",
                "--log",
                "ForceOverwrite",
                "--output",
            ])
            .arg(&output)
            .arg(sarif)
            .current_dir(scratch);
        eprintln!("    $ {}", describe(&command));
        let out = run_captured("Sarif.Multitool validate", &mut command, TOOL_TIMEOUT)?;
        if !out.status.success() {
            return Err(format!(
                "Sarif.Multitool validate exited with {}: {} {}",
                out.status,
                out.stdout.trim(),
                out.stderr.trim()
            ));
        }
        let text = std::fs::read_to_string(&output)
            .map_err(|error| format!("could not read {}: {error}", output.display()))?;
        let log: Value = serde_json::from_str(&text)
            .map_err(|error| format!("{} is not JSON: {error}", output.display()))?;
        judge(&log)
    }
}

/// Reads the tool's own SARIF log: no error or warning result, and the run completed without
/// a notification other than the one saying SARIF2006 is off.
fn judge(log: &Value) -> Result<String, String> {
    let run = &log["runs"][0];
    let invocation = &run["invocations"][0];
    let mut problems = Vec::new();
    if invocation["executionSuccessful"] != Value::Bool(true) {
        problems
            .push("the tool's run did not complete (executionSuccessful is not true)".to_owned());
    }
    for key in [
        "toolExecutionNotifications",
        "toolConfigurationNotifications",
    ] {
        for notice in invocation[key].as_array().into_iter().flatten() {
            let id = notice["descriptor"]["id"].as_str().unwrap_or_default();
            if id != RULE_DISABLED_NOTICE {
                problems.push(format!("{key}: {id} {}", notice["message"]["text"]));
            }
        }
    }
    let mut notes: BTreeMap<String, u64> = BTreeMap::new();
    for result in run["results"].as_array().into_iter().flatten() {
        let rule = result["ruleId"].as_str().unwrap_or("?").to_owned();
        // A result without `level` is a warning (SARIF 3.27.10).
        match result["level"].as_str().unwrap_or("warning") {
            "note" | "none" => *notes.entry(rule).or_default() += 1,
            level => problems.push(format!("{level} {rule}: {}", describe_message(result))),
        }
    }
    if !problems.is_empty() {
        let shown = problems.len().min(10);
        return Err(format!(
            "{} problem(s): {}",
            problems.len(),
            problems[..shown].join("; ")
        ));
    }
    let notes = notes
        .iter()
        .map(|(rule, n)| format!("{rule} x{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(format!(
        "no error, no warning; notes: {}",
        if notes.is_empty() { "none" } else { &notes }
    ))
}

/// A result's message: its text, or its id and arguments (the Multitool writes the latter).
fn describe_message(result: &Value) -> String {
    let message = &result["message"];
    match message["text"].as_str() {
        Some(text) => text.to_owned(),
        None => format!("{} {}", message["id"], message["arguments"]),
    }
}

fn runs_ok(command: &mut Command) -> bool {
    run_captured("probe", command, Duration::from_secs(30)).is_ok_and(|out| out.status.success())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::judge;

    #[test]
    fn notes_pass_and_errors_or_warnings_fail() {
        let clean = json!({"runs": [{
            "invocations": [{"executionSuccessful": true, "toolConfigurationNotifications": [
                {"descriptor": {"id": "WRN999.RuleExplicitlyDisabled"}, "message": {"text": "off"}}
            ]}],
            "results": [
                {"ruleId": "SARIF2012", "level": "note", "message": {"id": "x", "arguments": []}},
                {"ruleId": "SARIF2012", "level": "note", "message": {"id": "x", "arguments": []}},
                {"ruleId": "SARIF2002", "level": "note", "message": {"id": "y", "arguments": []}},
            ],
        }]});
        assert_eq!(
            judge(&clean).expect("notes only"),
            "no error, no warning; notes: SARIF2002 x1, SARIF2012 x2"
        );
        let mut error = clean.clone();
        error["runs"][0]["results"][0] =
            json!({"ruleId": "JSON1005", "level": "error", "message": {"text": "extra"}});
        assert!(
            judge(&error)
                .expect_err("error")
                .contains("JSON1005: extra")
        );
        let mut warning = clean.clone();
        warning["runs"][0]["results"][0] = json!({"ruleId": "SARIF1004", "message": {"text": "w"}});
        assert!(
            judge(&warning)
                .expect_err("no level is a warning")
                .contains("warning SARIF1004")
        );
        let mut failed = clean;
        failed["runs"][0]["invocations"][0]["executionSuccessful"] = json!(false);
        assert!(judge(&failed).is_err());
    }
}
