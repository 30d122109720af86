//! `atlas-keys ci-access …`: run a command with temporary access, and `ci-access reap`.
//!
//! - `--apiKey ID`: this machine's address goes on the key's access list for the run and
//!   comes off when the command ends (also on SIGINT/SIGTERM); an entry that was already
//!   there is never removed.
//! - `--ephemeral-key`: a project key restricted to this machine's address, its credentials
//!   only in the command's environment, deleted when the command ends.
//! - `reap`: what killed runs left behind, from the local ledger and the expiry marker in
//!   ephemeral keys' descriptions.
//!
//! Every change is written to the ledger ([`CiLedger`]) BEFORE it is made on the service
//! (so a crash in between leaves something `reap` finds), except the ephemeral key's
//! create, whose description carries the expiry marker instead. Fault-injection steps (see
//! commands/rotate.rs): 1 ledger entry recorded, 2 access granted on the service, 3 command
//! ended, 4 access removed.
//!
//! This module must NOT print the ephemeral key's secret or pass it anywhere but the child's
//! environment, nor remove an entry that existed before the run.

use std::process::Stdio;

use atlas_keys::Client;
use atlas_keys::rotation::ci_ledger::{CiExpiry, CiLedger, LedgerRecord, Reapable};
use atlas_keys::rotation::deliver::{PRIVATE_KEY_VAR, PUBLIC_KEY_VAR};
use atlas_keys::rotation::time::{Duration as TimeDuration, OffsetDateTime};
use atlas_keys_model::{AccessListAddress, ApiKeyId, OrgId};

use crate::args::{CiAccessArgs, CiAccessCommand};
use crate::exit::Failure;
use crate::output::Printer;

use super::rotate::{FAULT_AFTER_STEP_VAR, FAULT_VAR, Interrupts, fire};

/// The ledger's path: `ATLAS_KEYS_CI_LEDGER`, else [`CiLedger::default_path`].
fn ledger() -> Result<CiLedger, Failure> {
    let path = std::env::var_os("ATLAS_KEYS_CI_LEDGER")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(CiLedger::default_path)
        .ok_or_else(|| {
            Failure::Usage(
                "neither XDG_STATE_HOME nor HOME is set: no place for the ci-access ledger".into(),
            )
        })?;
    CiLedger::open(path).map_err(|e| Failure::Usage(e.to_string()))
}

fn record(ledger: &CiLedger, r: &LedgerRecord) -> Result<(), Failure> {
    ledger.record(r).map_err(|e| Failure::Api(e.to_string()))
}

/// The fault hook at step `n`.
async fn step(n: usize, name: &str) {
    let Some(after) = std::env::var(FAULT_AFTER_STEP_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
    else {
        return;
    };
    if after == n {
        let signal = match std::env::var(FAULT_VAR).as_deref() {
            Ok("sigint") => "INT",
            Ok("sigterm") => "TERM",
            _ => "KILL",
        };
        fire(signal, n, name).await;
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn ttl(d: std::time::Duration) -> TimeDuration {
    TimeDuration::milliseconds(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

pub(crate) async fn run(
    client: &Client,
    _printer: &Printer,
    args: CiAccessArgs,
) -> Result<(), Failure> {
    if let Some(CiAccessCommand::Reap(r)) = args.command {
        return reap(client, r.org_id).await;
    }
    let a = args.run;
    let org = a
        .org_id
        .ok_or_else(|| Failure::Usage("--orgId (or MONGODB_ATLAS_ORG_ID) is required".into()))?;
    let ledger = ledger()?;
    let address = match a.ip {
        Some(ip) => ip,
        None => {
            let ip = client
                .current_ip()
                .send()
                .await
                .map(|info| info.address())
                .map_err(|e| {
                    Failure::Api(format!(
                        "could not learn this machine's address: {e} (pass --ip)"
                    ))
                })?;
            AccessListAddress::parse(&ip.to_string()).map_err(|e| Failure::Api(e.to_string()))?
        }
    };
    let run_id = format!("{}-{}", std::process::id(), now().unix_timestamp_nanos());
    let expires_at = now() + ttl(a.ttl);
    let run = Run {
        client,
        ledger: &ledger,
        org,
        run_id,
    };
    // A signal outside the command's own run (which handles its own) still ends the run
    // cleanly: whatever this run recorded is removed.
    let mut interrupts = Interrupts::new();
    let work = async {
        if a.ephemeral_key {
            let project = a
                .project_id
                .ok_or_else(|| Failure::Usage("--ephemeral-key needs --projectId".into()))?;
            run.ephemeral(project, a.roles, address, expires_at, a.command)
                .await
        } else {
            let key = a
                .api_key
                .ok_or_else(|| Failure::Usage("--apiKey or --ephemeral-key is required".into()))?;
            run.with_entry(key, address, expires_at, a.command).await
        }
    };
    tokio::select! {
        r = work => r,
        signal = interrupts.recv() => {
            run.cleanup().await?;
            Err(Failure::Api(format!("interrupted by {signal}; the access this run added was removed")))
        }
    }
}

struct Run<'a> {
    client: &'a Client,
    ledger: &'a CiLedger,
    org: OrgId,
    run_id: String,
}

impl Run<'_> {
    async fn with_entry(
        &self,
        key: ApiKeyId,
        address: AccessListAddress,
        expires_at: OffsetDateTime,
        command: Vec<String>,
    ) -> Result<(), Failure> {
        let access = self.client.access_list();
        let existed = match access.get(&self.org, &key, &address).send().await {
            Ok(_) => true,
            Err(e) if e.is_not_found() => false,
            Err(e) => return Err(e.into()),
        };
        record(
            self.ledger,
            &LedgerRecord::EntryAdded {
                run: self.run_id.clone(),
                org: self.org,
                key,
                address,
                added_at: now(),
                expires_at,
                existed_before: existed,
            },
        )?;
        step(1, "entryAdded recorded").await;
        if !existed {
            let added = access.create(&self.org, &key).address(address).send().await;
            if let Err(e) = added
                && !e.is_conflict()
            {
                self.cleanup().await?;
                return Err(e.into());
            }
            eprintln!("ci-access: {address} added to {key}'s access list until the command ends");
        } else {
            eprintln!("ci-access: {address} was already on {key}'s access list; it stays");
        }
        step(2, "entry added on the service").await;
        let outcome = run_child(&command, None).await;
        self.cleanup().await?;
        outcome
    }

    /// The run ended: record it, then remove what this run added that nobody else relies
    /// on (an entry that existed before, or that a live run shares, stays).
    async fn cleanup(&self) -> Result<(), Failure> {
        record(
            self.ledger,
            &LedgerRecord::RunEnded {
                run: self.run_id.clone(),
                at: now(),
            },
        )?;
        step(3, "runEnded recorded").await;
        let records = self
            .ledger
            .records()
            .map_err(|e| Failure::Api(e.to_string()))?;
        let mine = |key: &ApiKeyId, address: Option<&AccessListAddress>| {
            records.iter().any(|r| match r {
                LedgerRecord::EntryAdded {
                    run,
                    key: k,
                    address: a,
                    ..
                } => *run == self.run_id && k == key && address.is_some_and(|x| x == a),
                LedgerRecord::KeyCreated { run, key: k, .. } => {
                    *run == self.run_id && k == key && address.is_none()
                }
                _ => false,
            })
        };
        for item in atlas_keys::rotation::ci_ledger::reapable(&records, now()) {
            match item {
                Reapable::Entry { org, key, address } if mine(&key, Some(&address)) => {
                    remove_entry(self.client, self.ledger, &org, &key, &address).await?;
                    eprintln!("ci-access: {address} removed from {key}'s access list");
                }
                Reapable::Key { org, key } if mine(&key, None) => {
                    delete_key(self.client, self.ledger, &org, &key).await?;
                    eprintln!("ci-access: ephemeral key {key} deleted");
                }
                _ => {}
            }
        }
        step(4, "access removed").await;
        Ok(())
    }
}

async fn remove_entry(
    client: &Client,
    ledger: &CiLedger,
    org: &OrgId,
    key: &ApiKeyId,
    address: &AccessListAddress,
) -> Result<(), Failure> {
    match retry(|| client.access_list().delete(org, key, address).send()).await {
        Ok(()) => {}
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(e.into()),
    }
    record(
        ledger,
        &LedgerRecord::EntryRemoved {
            key: *key,
            address: *address,
            at: now(),
        },
    )
}

async fn delete_key(
    client: &Client,
    ledger: &CiLedger,
    org: &OrgId,
    key: &ApiKeyId,
) -> Result<(), Failure> {
    match retry(|| client.org_keys().delete(org, key).send()).await {
        Ok(()) => {}
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(e.into()),
    }
    record(
        ledger,
        &LedgerRecord::KeyDeleted {
            key: *key,
            at: now(),
        },
    )
}

/// Deletes are idempotent: repeat them when the answer was lost or the service was busy.
async fn retry<T, F, Fut>(mut call: F) -> Result<T, atlas_keys::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, atlas_keys::Error>>,
{
    let mut attempt = 0u64;
    loop {
        match call().await {
            Err(e)
                if attempt < 4
                    && (e.is_outcome_unknown()
                        || e.is_transport()
                        || e.is_rate_limited()
                        || e.status().is_some_and(|s| s >= 500)) =>
            {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(150 * attempt)).await;
            }
            other => return other,
        }
    }
}

impl Run<'_> {
    /// The `--ephemeral-key` run.
    async fn ephemeral(
        &self,
        project: atlas_keys_model::ProjectId,
        roles: Vec<atlas_keys_model::ProjectRole>,
        address: AccessListAddress,
        expires_at: OffsetDateTime,
        command: Vec<String>,
    ) -> Result<(), Failure> {
        let (client, ledger, org, run_id) =
            (self.client, self.ledger, self.org, self.run_id.clone());
        let desc = CiExpiry::new(expires_at)
            .describe("atlas-keys ci-access")
            .map_err(|e| Failure::Usage(e.to_string()))?;
        // A lost answer leaves a key only the description marker finds: `reap --orgId` does.
        let key = client
            .project_keys()
            .create(&project)
            .desc(desc.as_str())
            .roles(roles)
            .send()
            .await?;
        let id = *key.id();
        record(
            ledger,
            &LedgerRecord::KeyCreated {
                run: run_id.clone(),
                org,
                project,
                key: id,
                expires_at,
            },
        )?;
        step(1, "keyCreated recorded").await;
        let granted = retry(|| {
            client
                .access_list()
                .create(&org, &id)
                .address(address)
                .send()
        })
        .await;
        if let Err(e) = granted {
            self.cleanup().await?;
            return Err(e.into());
        }
        eprintln!("ci-access: ephemeral key {id} (from {address} only) for the command");
        step(2, "access list set").await;
        let credentials = match (key.public_key(), key.private_key()) {
            // A masked key is no credential: the child would fail on every call.
            (Some(p), Some(s)) if !s.is_redacted() => {
                Some((p.as_str().to_owned(), s.expose_private_key().to_owned()))
            }
            _ => None,
        };
        let outcome = match credentials {
            Some(c) => run_child(&command, Some(c)).await,
            None => Err(Failure::Api("the create answer holds no key pair".into())),
        };
        self.cleanup().await?;
        outcome
    }
}

/// Runs the command (stdio inherited); on SIGINT/SIGTERM it is killed and waited for, so
/// the cleanup that follows always runs. `env` adds the ephemeral key's two variables.
async fn run_child(command: &[String], env: Option<(String, String)>) -> Result<(), Failure> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| Failure::Usage("the command to run is required after --".into()))?;
    // Caught before the child starts, so no signal in between kills us before the cleanup.
    let mut interrupts = Interrupts::new();
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args).stdin(Stdio::inherit()).kill_on_drop(true);
    if let Some((public, private)) = env {
        cmd.env(PUBLIC_KEY_VAR, public)
            .env(PRIVATE_KEY_VAR, private);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| Failure::Usage(format!("could not start {program:?}: {e}")))?;
    tokio::select! {
        status = child.wait() => match status {
            Ok(s) if s.success() => Ok(()),
            Ok(s) => Err(Failure::Api(format!("{program:?} failed ({s}); access removed"))),
            Err(e) => Err(Failure::Api(format!("waiting for {program:?}: {e}"))),
        },
        signal = interrupts.recv() => {
            let _ = child.start_kill();
            let _ = child.wait().await;
            Err(Failure::Api(format!("interrupted by {signal}; the command was stopped and its access removed")))
        }
    }
}

async fn reap(client: &Client, org: Option<OrgId>) -> Result<(), Failure> {
    let ledger = ledger()?;
    let mut removed = 0usize;
    for item in ledger
        .reapable(now())
        .map_err(|e| Failure::Api(e.to_string()))?
    {
        match item {
            Reapable::Entry { org, key, address } => {
                remove_entry(client, &ledger, &org, &key, &address).await?;
                eprintln!("reaped: {address} from {key}'s access list");
            }
            Reapable::Key { org, key } => {
                delete_key(client, &ledger, &org, &key).await?;
                eprintln!("reaped: ephemeral key {key}");
            }
            _ => continue,
        }
        removed += 1;
    }
    if let Some(org) = org {
        let keys = client
            .org_keys()
            .list(&org)
            .items_per_page(500)
            .items()
            .try_collect_vec()
            .await?;
        for key in keys {
            if key
                .desc()
                .and_then(CiExpiry::parse)
                .is_some_and(|e| e.is_expired(now()))
            {
                delete_key(client, &ledger, &org, key.id()).await?;
                eprintln!(
                    "reaped: expired ephemeral key {} (by its description)",
                    key.id()
                );
                removed += 1;
            }
        }
    }
    eprintln!("reaped {removed} item(s)");
    Ok(())
}
