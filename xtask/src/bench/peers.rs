//! The peers the SDK is compared with: curl and Python `requests`.
//!
//! It installs nothing but curl (apt, when missing) and a throwaway virtualenv under the target
//! directory; a peer that cannot be prepared is reported as skipped, not as a failure.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::paths::Paths;
use crate::cmd::describe;
use crate::process::run_inherited;
use crate::python_env;

/// Pinned like xtask/py/requirements.txt (the same versions), for a venv with requests only.
const REQUESTS_PINS: &str = "requests==2.34.2\nurllib3==2.8.0\nidna==3.20\ncertifi==2026.10.18\ncharset-normalizer==3.5.2\n";

#[derive(Debug)]
pub(super) struct Peers {
    pub(super) curl: Result<(), String>,
    pub(super) python: Result<PathBuf, String>,
}

impl Peers {
    pub(super) fn none(why: &str) -> Peers {
        Peers {
            curl: Err(why.to_owned()),
            python: Err(why.to_owned()),
        }
    }

    /// curl (apt if missing) and a Python with requests: the interop virtualenv when it is there
    /// and complete, otherwise a small one of our own with requests only.
    pub(super) fn prepare(paths: &Paths) -> Peers {
        eprintln!("\n==> peers: curl and Python requests");
        Peers {
            curl: python_env::ensure_curl(),
            python: requests_python(paths),
        }
    }
}

fn requests_python(paths: &Paths) -> Result<PathBuf, String> {
    let imports = |python: &Path| {
        Command::new(python)
            .args(["-c", "import requests"])
            .output()
            .is_ok_and(|out| out.status.success())
    };
    let interop = paths.target.join("interop-venv").join("bin").join("python");
    if imports(&interop) {
        eprintln!("    reusing {}", interop.display());
        return Ok(interop);
    }
    let venv = paths.target.join("bench-venv");
    let python = venv.join("bin").join("python");
    if imports(&python) {
        eprintln!("    reusing {}", python.display());
        return Ok(python);
    }
    let _ = std::fs::remove_dir_all(&venv);
    let mut create = Command::new("python3");
    create.args(["-m", "venv"]).arg(&venv);
    eprintln!("    {}", describe(&create));
    let status = run_inherited("python3 -m venv", &mut create, Duration::from_secs(120))?;
    if !status.success() {
        return Err(format!(
            "`python3 -m venv` failed ({status}); `cargo xtask interop` installs python3-venv"
        ));
    }
    let pins = venv.join("requirements.txt");
    std::fs::write(&pins, REQUESTS_PINS)
        .map_err(|error| format!("could not write {}: {error}", pins.display()))?;
    let mut pip = Command::new(&python);
    pip.args([
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
    ])
    .arg("--requirement")
    .arg(&pins);
    eprintln!("    {}", describe(&pip));
    let status = run_inherited("pip install requests", &mut pip, Duration::from_secs(600))?;
    if status.success() && imports(&python) {
        Ok(python)
    } else {
        Err(format!("pip could not install requests ({status})"))
    }
}
