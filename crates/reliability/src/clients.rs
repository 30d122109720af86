//! atlas-keys clients pointed at a test emulator, and the bookkeeping the fault, concurrency
//! and durability suites share: classifying outcomes and listing every key despite faults.
//!
//! This module must NOT change the SDK's defaults silently: [`digest_client`] uses the default
//! retry policy, so the suites measure what users get.

use std::collections::BTreeMap;

use atlas_keys::model::{ApiKey, OrgId};
use atlas_keys::transport::SecretString;
use atlas_keys::{Client, ErrorKind};

/// A digest-authenticated client for `base_url`, with the SDK's default retry policy.
pub fn digest_client(base_url: &str, public_key: &str, private_key: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .digest(public_key, SecretString::from(private_key.to_owned()))
        .build()
        .expect("a valid client configuration")
}

/// How one call ended, for figures and for the count check.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Succeeded after this many attempts.
    Ok {
        /// Attempts the retry layer made.
        attempts: u32,
    },
    /// The API answered an error.
    Api {
        /// Its HTTP status.
        status: u16,
        /// Attempts the retry layer made.
        attempts: u32,
    },
    /// The call failed in the transport (for a read, or a write that certainly did not land).
    Transport,
    /// A write failed after it may have reached the server.
    OutcomeUnknown,
    /// Anything else (validation, decode, config): never expected here.
    Other(String),
}

impl Outcome {
    /// Classifies an error.
    pub fn of_error(error: &atlas_keys::Error) -> Outcome {
        match error.kind() {
            ErrorKind::Api => Outcome::Api {
                status: error.status().unwrap_or(0),
                attempts: error.api_error().map_or(0, |e| e.attempts),
            },
            ErrorKind::Transport => Outcome::Transport,
            ErrorKind::OutcomeUnknown => Outcome::OutcomeUnknown,
            other => Outcome::Other(format!("{other}: {error}")),
        }
    }

    /// A short label for tallies (`ok`, `api 503`, `transport`, …).
    pub fn label(&self) -> String {
        match self {
            Outcome::Ok { .. } => "ok".to_owned(),
            Outcome::Api { status, .. } => format!("api {status}"),
            Outcome::Transport => "transport".to_owned(),
            Outcome::OutcomeUnknown => "outcome unknown".to_owned(),
            Outcome::Other(what) => format!("other: {what}"),
        }
    }
}

/// Counts outcomes by label.
pub fn tally<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for outcome in outcomes {
        *counts.entry(outcome.label()).or_default() += 1;
    }
    counts
}

/// Every key of `org`, retrying the whole listing until one pass gets through (the emulator may
/// be injecting faults). Panics after 50 failed passes.
pub async fn list_all_keys(client: &Client, org: &OrgId) -> Vec<ApiKey> {
    let mut last = String::new();
    for _ in 0..50 {
        match client
            .org_keys()
            .list(org)
            .items_per_page(500)
            .items()
            .try_collect_vec()
            .await
        {
            Ok(keys) => return keys,
            Err(error) => last = error.to_string(),
        }
    }
    panic!("could not list the keys in 50 passes; last error: {last}");
}
