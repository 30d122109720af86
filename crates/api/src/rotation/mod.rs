//! Building blocks of crash-safe key rotation and temporary CI access (issue #18), with no
//! Atlas call in them: the commands in [`crate::rotate`] and the CLI's `rotate` / `ci-access`
//! put them together.
//!
//! - [`deliver`]: where a new key's secret goes (`--deliver file:PATH | exec:'COMMAND' | env`,
//!   or stdout with `--reveal`), written before anything else can fail.
//! - [`journal`]: the steps of a rotation as data, the [`journal::Journal`] trait and the
//!   append-only [`journal::FileJournal`] (0600, no secret in it).
//! - [`plan`]: what `rotate resume` must do next, given a rotation's journal; it keeps the
//!   invariant "every key we created was delivered or is deleted; the old key is deleted only
//!   after the new one was delivered and verified".
//! - [`usage`]: whether an old key's access-list counters have stopped moving
//!   (`rotate finish --wait-unused`).
//! - [`ipinfo`]: the caller's address (`GET /api/private/ipinfo`), also the probe that
//!   verifies a new key's credentials.
//! - [`ci_ledger`]: the expiry marker in an ephemeral key's description and the local ledger
//!   of what `ci-access` added, for `ci-access reap`.
//!
//! What this module must NOT do: hold a private key anywhere but in a
//! [`deliver::DeliveredKey`], write one to a journal or ledger, print one in a `Debug`,
//! `Display` or error, or follow a symlink when it writes a file.

pub mod ci_ledger;
pub mod deliver;
mod files;
pub mod ipinfo;
pub mod journal;
pub mod plan;
pub mod usage;

/// The `time` crate, whose `OffsetDateTime` and `Duration` appear in this module's signatures
/// (journal stamps, TTLs, usage windows): re-exported so callers name the same version.
pub use time;

/// RFC 3339 in UTC to the second (`2026-12-06T05:00:00Z`): the one form this module writes,
/// so journal lines, ledger lines and description markers compare and read alike.
pub(crate) fn format_utc_seconds(at: time::OffsetDateTime) -> String {
    let at = at
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(at);
    at.format(&time::format_description::well_known::Rfc3339)
        // Rfc3339 formatting fails only for years outside 0..=9999, which a clock never gives;
        // the fallback keeps this function infallible without a panic.
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}
