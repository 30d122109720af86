//! `atlas-keys auth whoami` and `atlas-keys auth logout`.
//!
//! whoami prints what the configuration resolved to (which credential, which profile,
//! where each setting came from) and sends no request. logout forgets the cached
//! service-account tokens. This module must NOT print a secret (whoami's renderers show
//! only the public key or client id) and must NOT touch the Atlas CLI's config file or the
//! keyring: those belong to the Atlas CLI.

use std::io::Write;

use serde_json::json;

use crate::args::{AuthArgs, AuthCommand};
use crate::config::{Resolved, whoami};
use crate::exit::Failure;
use crate::output::Printer;
use crate::token_cache::FileTokenCache;

pub(crate) fn run(args: &AuthArgs, resolved: &Resolved, printer: &Printer) -> Result<(), Failure> {
    match args.command {
        AuthCommand::Whoami => {
            if printer.is_json() {
                printer.value(&whoami::render_json(resolved))?;
            } else {
                let mut out = std::io::stdout().lock();
                out.write_all(whoami::render_text(resolved).as_bytes())?;
                out.flush()?;
            }
        }
        AuthCommand::Logout => {
            let Some(cache) = FileTokenCache::from_env() else {
                return Err(Failure::Usage(
                    "no token cache directory: neither ATLAS_KEYS_CACHE_DIR, XDG_CACHE_HOME nor HOME is set".into(),
                ));
            };
            let (dir, removed) = clear(&cache)?;
            printer.done(
                &format!(
                    "{removed} cached token{} removed from {}.",
                    if removed == 1 { "" } else { "s" },
                    dir.display()
                ),
                &json!({ "action": "logout", "removed": removed, "dir": dir.display().to_string() }),
            )?;
        }
    }
    Ok(())
}

/// Removes every cached token file (and a temporary file a crashed writer left). The
/// cache module names its files `token-<hash>.json` and `.token-*.tmp`; only those are
/// removed, so a cache directory pointed at a shared place loses nothing else.
fn clear(cache: &FileTokenCache) -> Result<(std::path::PathBuf, usize), Failure> {
    // The cache exposes its files' paths, not its directory; any file's parent is it.
    let dir = cache
        .path_for("", "")
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((dir, 0)),
        Err(e) => {
            return Err(Failure::Api(format!(
                "could not read the token cache {}: {e}",
                dir.display()
            )));
        }
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = (name.starts_with("token-") && name.ends_with(".json"))
            || (name.starts_with(".token-") && name.ends_with(".tmp"));
        if ours {
            std::fs::remove_file(entry.path()).map_err(|e| {
                Failure::Api(format!("could not remove {}: {e}", entry.path().display()))
            })?;
            if name.ends_with(".json") {
                removed += 1;
            }
        }
    }
    Ok((dir, removed))
}
