//! `atlas-keys rotate …` (also `organizations apiKeys rotate …`): the flags of a one-shot
//! rotation, `start`, `finish`, `status` and `resume`.
//!
//! This module must NOT run anything (commands/rotate.rs does) or accept a secret on the
//! command line: the new secret goes out through `--deliver`, never in.

use std::path::PathBuf;

use atlas_keys::rotation::deliver::Delivery;
use atlas_keys_model::{ApiKeyId, Description};
use clap::{Args, Subcommand};

/// `rotate KEY_ID --deliver …` or `rotate start|finish|status|resume …`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct RotateArgs {
    #[command(subcommand)]
    pub(crate) command: Option<RotateCommand>,
    #[command(flatten)]
    pub(crate) one_shot: RotateStart,
}

/// The phases of a two-phase rotation, and the journal's commands.
#[derive(Debug, Subcommand)]
pub(crate) enum RotateCommand {
    /// Create, deliver and verify the new key; keep the old one until `rotate finish`.
    #[command(after_help = super::examples::ROTATE_START)]
    Start(RotateStart),
    /// Delete the old key of a started rotation (once unused for --wait-unused, or --force).
    #[command(after_help = super::examples::ROTATE_FINISH)]
    Finish(RotateFinish),
    /// Show the rotations in progress (from the journal).
    #[command(after_help = super::examples::ROTATE_STATUS)]
    Status(JournalArg),
    /// Complete or undo a rotation that stopped part-way (crash, signal, network failure).
    #[command(after_help = super::examples::ROTATE_RESUME)]
    Resume(RotateResume),
}

/// The flags of `rotate KEY_ID` and `rotate start KEY_ID`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("target").required(true).args(["deliver", "reveal"]))]
pub(crate) struct RotateStart {
    /// The key to replace.
    #[arg(value_name = "KEY_ID", required = true)]
    pub(crate) key_id: Option<ApiKeyId>,
    /// The organization (default: MONGODB_ATLAS_ORG_ID or the profile's org_id).
    #[arg(long = "orgId", alias = "org-id", value_name = "ID")]
    pub(crate) org_id: Option<atlas_keys_model::OrgId>,
    /// Where the new secret goes: file:PATH (new file, mode 0600), exec:'COMMAND' (on its
    /// stdin), or env (the command after --, in its environment).
    #[arg(long, value_name = "TARGET")]
    pub(crate) deliver: Option<Delivery>,
    /// Print the new secret on stdout instead of --deliver.
    #[arg(long)]
    pub(crate) reveal: bool,
    /// With --deliver file:, replace an existing regular file.
    #[arg(long)]
    pub(crate) overwrite: bool,
    /// The new key's description (default: the old key's).
    #[arg(long, value_name = "TEXT")]
    pub(crate) desc: Option<Description>,
    /// The key being rotated is the one you are logged in with: check the new key works
    /// from here, and delete the old key with the new one.
    #[arg(long = "self")]
    pub(crate) self_rotation: bool,
    /// Delete the old key without asking (required when stdin is not a terminal).
    #[arg(long)]
    pub(crate) force: bool,
    #[command(flatten)]
    pub(crate) journal: JournalArg,
    /// The command of --deliver env.
    #[arg(last = true, value_name = "COMMAND")]
    pub(crate) command: Vec<String>,
}

/// `--journal DIR`.
#[derive(Debug, Args)]
pub(crate) struct JournalArg {
    /// The rotation journal's directory (default $XDG_STATE_HOME/atlas-keys/rotations).
    #[arg(long, value_name = "DIR", env = "ATLAS_KEYS_JOURNAL_DIR", value_parser = parse_journal_dir)]
    pub(crate) journal: Option<PathBuf>,
}

/// `rotate finish KEY_ID|ROTATION [--wait-unused 15m] [--force]`.
#[derive(Debug, Args)]
pub(crate) struct RotateFinish {
    /// The old key's id, or the rotation's id (see `rotate status`).
    #[arg(value_name = "KEY_ID|ROTATION")]
    pub(crate) target: String,
    /// Delete only once the old key's access-list count/lastUsed have not moved for this
    /// long (e.g. 15m, 90s).
    #[arg(long = "wait-unused", value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) wait_unused: Option<std::time::Duration>,
    /// How often to poll while waiting.
    #[arg(long = "poll", value_name = "DURATION", value_parser = parse_duration, default_value = "60s")]
    pub(crate) poll: std::time::Duration,
    /// Delete at once (or without a usage signal).
    #[arg(long)]
    pub(crate) force: bool,
    #[command(flatten)]
    pub(crate) journal: JournalArg,
}

/// `rotate resume [KEY_ID|ROTATION] [--abort] [--verify-from FILE] [--force]`.
#[derive(Debug, Args)]
pub(crate) struct RotateResume {
    /// The rotation (default: every rotation in progress).
    #[arg(value_name = "KEY_ID|ROTATION")]
    pub(crate) target: Option<String>,
    /// Undo instead: delete the new key, keep the old one.
    #[arg(long)]
    pub(crate) abort: bool,
    /// The delivered key document, when the new key must still be verified and was not
    /// delivered to a file.
    #[arg(long = "verify-from", value_name = "FILE")]
    pub(crate) verify_from: Option<PathBuf>,
    /// Delete the old key of a one-shot rotation without asking.
    #[arg(long)]
    pub(crate) force: bool,
    #[command(flatten)]
    pub(crate) journal: JournalArg,
}

/// `90s`, `15m`, `2h`, `500ms`, or bare seconds. Hand-written: four units do not justify a
/// dependency.
pub(crate) fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("expected a duration like 90s, 15m or 2h, got {s:?}"))?;
    let ms = match unit {
        "ms" => n,
        "" | "s" => n.saturating_mul(1000),
        "m" => n.saturating_mul(60_000),
        "h" => n.saturating_mul(3_600_000),
        _ => {
            return Err(format!(
                "unknown unit {unit:?} in {s:?} (use ms, s, m or h)"
            ));
        }
    };
    Ok(std::time::Duration::from_millis(ms))
}

/// `--journal`: a directory that exists, or none yet under an existing parent (a first
/// `rotate start` creates it). Anything else is a typo that would otherwise read as "no
/// rotation in progress".
fn parse_journal_dir(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    if path.is_dir() {
        return Ok(path);
    }
    if path.exists() {
        return Err(format!("must be a directory, got {text:?}"));
    }
    match path.parent() {
        Some(parent) if parent.as_os_str().is_empty() || parent.is_dir() => Ok(path),
        _ => Err(format!(
            "must be a directory, or a new one under an existing directory, got {text:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("1d").is_err());
        assert!(parse_duration("m").is_err());
    }
}
