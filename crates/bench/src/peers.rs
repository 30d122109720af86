//! The peers users have today, driven from here so their figures come out in the same shape as
//! ours: curl `--digest` (one process per call, as a shell script uses it) and Python requests
//! (a `Session` with `HTTPDigestAuth`, by `py/requests_get.py`).
//!
//! What it must NOT do: put the private key on a command line (curl reads its `--user` from a
//! config on stdin; Python reads the environment), or install anything (xtask provides the
//! virtualenv and curl).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use atlas_keys_model::ApiKeyId;

use crate::BoxError;
use crate::target::{ACCEPT_V2, Target};

/// `calls` sequential `curl --digest` processes, each getting the key once.
pub(crate) fn curl(target: &Target, key_id: &ApiKeyId, calls: u64) -> Result<Duration, BoxError> {
    let url = target.key_url(key_id);
    // curl's config syntax: a double-quoted value with backslash escapes.
    let quote = |text: &str| text.replace('\\', "\\\\").replace('"', "\\\"");
    let config = format!(
        "user = \"{}:{}\"\n",
        quote(&target.public_key),
        quote(&target.private_key)
    );
    let started = Instant::now();
    for _ in 0..calls {
        let mut child = Command::new("curl")
            .args(["--silent", "--show-error", "--digest", "--config", "-"])
            .args(["--output", "/dev/null", "--write-out", "%{http_code}"])
            .args(["--header", &format!("Accept: {ACCEPT_V2}")])
            .arg(&url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|error| format!("could not start curl: {error}"))?;
        child
            .stdin
            .take()
            .ok_or("curl has no stdin")?
            .write_all(config.as_bytes())?;
        let out = child.wait_with_output()?;
        let code = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() || code != "200" {
            return Err(format!("curl --digest: status {code}, exit {}", out.status).into());
        }
    }
    Ok(started.elapsed())
}

/// Runs the Python requests script; returns the seconds it measured itself (interpreter start
/// and imports excluded, as a long-running Python program would not pay them per call).
pub(crate) fn requests(
    python: &Path,
    script: &Path,
    target: &Target,
    key_id: &ApiKeyId,
    calls: u64,
    concurrency: usize,
) -> Result<Duration, BoxError> {
    let out = Command::new(python)
        .arg(script)
        .arg(key_id.as_str())
        .arg(calls.to_string())
        .arg(concurrency.to_string())
        .env("ATLAS_BASE_URL", &target.base_url)
        .env("ATLAS_ORG_ID", target.org_id.as_str())
        .env("ATLAS_PUBLIC_KEY", &target.public_key)
        .env("ATLAS_PRIVATE_KEY", &target.private_key)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| format!("could not start {}: {error}", python.display()))?;
    if !out.status.success() {
        return Err(format!("{} failed ({})", script.display(), out.status).into());
    }
    let line: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let seconds = line
        .get("seconds")
        .and_then(serde_json::Value::as_f64)
        .ok_or("the requests script printed no seconds")?;
    Ok(Duration::from_secs_f64(seconds))
}
