//! `atlas-keys rotate …` (and `organizations apiKeys rotate …`): the api's journaled
//! rotation ([`atlas_keys::rotate`]) shown to a person, plus the fault-injection hook the
//! reliability tests use.
//!
//! The new secret goes only to `--deliver` (or stdout with `--reveal`); what this command
//! prints itself (on stderr) names ids and the rotation, never a secret. SIGINT and SIGTERM
//! stop the run at its next step boundary; the journal keeps the rotation for
//! `rotate resume`.
//!
//! Test hook (compiled in always, inert unless set): `ATLAS_KEYS_FAULT_AFTER_STEP=N` with
//! `ATLAS_KEYS_FAULT=kill|sigint|sigterm` (default kill) sends that signal to this process
//! right after the N-th journal (or ledger) entry of the run is durable.
//!
//! This module must NOT reorder or reimplement the rotation steps: `atlas_keys::rotate`
//! owns them.

use std::io::IsTerminal;
use std::sync::Arc;

use atlas_keys::Client;
use atlas_keys::rotate::{ConfirmDelete, RotationError, RotationReport, Rotations, StepObserver};
use atlas_keys::rotation::deliver::Delivery;
use atlas_keys::rotation::journal::{FileJournal, Journal, Mode, RotationId};

use crate::args::{RotateArgs, RotateCommand};
use crate::exit::Failure;
use crate::output::Printer;

use super::confirm::confirm_delete;

/// The variable naming the step after which the fault hook fires.
pub(crate) const FAULT_AFTER_STEP_VAR: &str = "ATLAS_KEYS_FAULT_AFTER_STEP";
/// The variable naming the signal the fault hook sends.
pub(crate) const FAULT_VAR: &str = "ATLAS_KEYS_FAULT";

pub(crate) async fn run(
    client: &Client,
    _printer: &Printer,
    args: RotateArgs,
) -> Result<(), Failure> {
    let mut interrupts = Interrupts::new();
    let work = async {
        match args.command {
            None => start(client, args.one_shot, Mode::OneShot).await,
            Some(RotateCommand::Start(a)) => start(client, a, Mode::TwoPhase).await,
            Some(RotateCommand::Finish(a)) => finish(client, a).await,
            Some(RotateCommand::Status(j)) => status(client, j).await,
            Some(RotateCommand::Resume(a)) => resume(client, a).await,
        }
    };
    tokio::select! {
        r = work => r,
        signal = interrupts.recv() => Err(Failure::Api(format!(
            "interrupted by {signal}; the journal keeps the rotation: `atlas-keys rotate resume` completes or undoes it"
        ))),
    }
}

/// SIGINT and SIGTERM, caught from the moment this is built (so a signal that arrives
/// before the first `recv` is not lost to the default action).
pub(crate) struct Interrupts {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Interrupts {
    pub(crate) fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Self {
                streams: signal(SignalKind::interrupt())
                    .ok()
                    .zip(signal(SignalKind::terminate()).ok()),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Resolves on the next SIGINT or SIGTERM, naming it.
    pub(crate) async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            let Some((int, term)) = &mut self.streams else {
                return std::future::pending().await;
            };
            tokio::select! {
                _ = int.recv() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

/// The fault-injection hook, when `ATLAS_KEYS_FAULT_AFTER_STEP` is set.
pub(crate) fn fault_observer() -> Option<StepObserver> {
    let after: usize = std::env::var(FAULT_AFTER_STEP_VAR)
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let signal = match std::env::var(FAULT_VAR).as_deref() {
        Ok("sigint") => "INT",
        Ok("sigterm") => "TERM",
        _ => "KILL",
    };
    Some(Arc::new(move |n, step| {
        let name = step.name();
        Box::pin(async move {
            if n == after {
                fire(signal, n, name).await;
            }
        })
    }))
}

/// Sends `signal` to this process and waits for it to act. `kill(1)` rather than a libc
/// call keeps the crate free of unsafe code; the hook is for tests only.
pub(crate) async fn fire(signal: &str, n: usize, name: &str) {
    // Once per process: the cleanup a signal starts may pass the same step again.
    static FIRED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if FIRED.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    eprintln!("fault injection: SIG{signal} after step {n} ({name})");
    let _ = std::process::Command::new("kill")
        .args(["-s", signal, &std::process::id().to_string()])
        .status();
    // The signal is delivered asynchronously: stop here until it takes effect.
    std::future::pending::<()>().await;
}

fn journal(arg: &Option<std::path::PathBuf>) -> Result<Arc<dyn Journal>, Failure> {
    let journal = match arg {
        Some(dir) => FileJournal::open(dir.clone()).map_err(|e| Failure::Usage(e.to_string()))?,
        None => atlas_keys::rotate::default_journal().map_err(|e| Failure::Usage(e.to_string()))?,
    };
    Ok(Arc::new(journal))
}

fn failure(e: RotationError) -> Failure {
    match e {
        RotationError::Refused(_)
        | RotationError::NoUsageSignal(_)
        | RotationError::NotFound(_) => Failure::Usage(e.to_string()),
        _ => Failure::Api(e.to_string()),
    }
}

/// Asks before a delete on a terminal; `--force` skips the question.
fn confirmer(force: bool) -> ConfirmDelete {
    Arc::new(move |old| confirm_delete(force, &format!("the old key {old}")).is_ok())
}

async fn start(client: &Client, a: crate::args::RotateStart, mode: Mode) -> Result<(), Failure> {
    let key = a
        .key_id
        .ok_or_else(|| Failure::Usage("the key to rotate is required".into()))?;
    let org = a
        .org_id
        .ok_or_else(|| Failure::Usage("--orgId (or MONGODB_ATLAS_ORG_ID) is required".into()))?;
    let delivery = match (a.deliver, a.reveal) {
        (Some(_), true) => {
            return Err(Failure::Usage(
                "--deliver and --reveal exclude each other".into(),
            ));
        }
        (Some(d), false) => d
            .with_overwrite(a.overwrite)
            .with_env_command(a.command.clone()),
        (None, true) => Delivery::Stdout,
        (None, false) => {
            return Err(Failure::Usage(
                "where should the new secret go? --deliver file:PATH|exec:'CMD'|env -- CMD, or --reveal".into(),
            ));
        }
    };
    if let Delivery::Env { argv, .. } = &delivery
        && argv.is_empty()
    {
        return Err(Failure::Usage(
            "--deliver env needs the command after --".into(),
        ));
    }
    if mode == Mode::OneShot && !a.force && !std::io::stdin().is_terminal() {
        // Refuse before anything is created: nobody could confirm the delete later.
        return Err(Failure::Usage(format!(
            "refusing to rotate {key} without --force: stdin is not a terminal, so nobody can confirm deleting the old key (or use `rotate start`)"
        )));
    }
    // The key this client is logged in with may only be rotated with --self.
    if !a.self_rotation
        && let Ok(logged_in) = std::env::var("MONGODB_ATLAS_PUBLIC_API_KEY")
        && let Ok(old) = client.org_keys().get(&org, &key).send().await
        && old.public_key().is_some_and(|p| p.as_str() == logged_in)
    {
        return Err(Failure::Usage(format!(
            "refusing to rotate {key}: it is the key you are logged in with; pass --self to switch to the new key before the old one is deleted"
        )));
    }
    let mut rotate = client
        .org_keys()
        .rotate(&org, &key)
        .deliver(delivery)
        .journal(journal(&a.journal.journal)?)
        .two_phase(mode == Mode::TwoPhase)
        .self_rotation(a.self_rotation)
        .confirm(confirmer(a.force));
    if let Some(desc) = a.desc {
        rotate = rotate.desc(desc);
    }
    if let Some(observer) = fault_observer() {
        rotate = rotate.on_step(observer);
    }
    let report = rotate.send().await.map_err(failure)?;
    summary(&report, mode);
    if let Some(new_client) = &report.new_client {
        // --self: prove the new login works before saying so.
        match new_client.current_ip().send().await {
            Ok(_) => eprintln!("logged in with the new key: it works from here"),
            Err(e) => eprintln!("warning: the new key did not answer a check: {e}"),
        }
    }
    Ok(())
}

fn summary(report: &RotationReport, mode: Mode) {
    let new = report.new_key.as_ref().map_or_else(
        || "-".to_owned(),
        |(id, public)| format!("{id} (public key {public})"),
    );
    eprintln!("rotation {}", report.id);
    eprintln!("  old key: {}", report.old_key);
    eprintln!("  new key: {new}");
    if let Some(receipt) = &report.receipt {
        eprintln!("  secret delivered: {}", receipt_text(receipt));
    }
    if report.old_key_deleted {
        eprintln!("  old key deleted");
    } else if mode == Mode::TwoPhase {
        eprintln!(
            "  old key kept: `atlas-keys rotate finish {}` deletes it (--wait-unused 15m waits until it is idle)",
            report.old_key
        );
    } else {
        eprintln!(
            "  old key kept: `atlas-keys rotate finish {}` deletes it",
            report.old_key
        );
    }
}

fn receipt_text(r: &atlas_keys::rotation::deliver::DeliveryReceipt) -> String {
    use atlas_keys::rotation::deliver::DeliveryReceipt as R;
    match r {
        R::File { path, .. } => format!("file {}", path.display()),
        R::Exec { program } => format!("to {program} (stdin)"),
        R::Env { program, exit } => format!("to {program} (environment; it ended with {exit})"),
        R::Stdout => "stdout".to_owned(),
        _ => "yes".to_owned(),
    }
}

async fn rotations(
    client: &Client,
    dir: &Option<std::path::PathBuf>,
) -> Result<Rotations, Failure> {
    // status, finish and resume read rotations that exist: a --journal that names no
    // directory is a typo, not "no rotation in progress".
    if let Some(dir) = dir
        && !dir.is_dir()
    {
        return Err(Failure::Usage(format!(
            "--journal: no rotation journal at {} (not a directory)",
            dir.display()
        )));
    }
    let mut r = Rotations::new(client, journal(dir)?);
    if let Some(observer) = fault_observer() {
        r = r.on_step(observer);
    }
    Ok(r)
}

async fn status(client: &Client, j: crate::args::JournalArg) -> Result<(), Failure> {
    let r = rotations(client, &j.journal).await?;
    let states = r.status().await.map_err(failure)?;
    if states.is_empty() {
        println!("no rotation in progress");
    }
    for s in states {
        let new = s
            .new_key
            .as_ref()
            .map_or_else(|| "-".into(), |(id, _)| id.to_string());
        println!(
            "{}  old {}  new {}  {:?}  last step {}  next {:?}",
            s.id, s.old_key, new, s.mode, s.last_step.0, s.next
        );
    }
    Ok(())
}

async fn finish(client: &Client, a: crate::args::RotateFinish) -> Result<(), Failure> {
    let r = rotations(client, &a.journal.journal)
        .await?
        .poll_every(a.poll);
    let state = r.find(&a.target).await.map_err(failure)?;
    if a.wait_unused.is_some()
        && !a.force
        && let Ok(logged_in) = std::env::var("MONGODB_ATLAS_PUBLIC_API_KEY")
        && let Ok(old) = client
            .org_keys()
            .get(&state.org, &state.old_key)
            .send()
            .await
        && old.public_key().is_some_and(|p| p.as_str() == logged_in)
    {
        return Err(Failure::Usage(
            "--wait-unused must poll with credentials other than the old key (its own polls would keep it busy): log in with the new key".into(),
        ));
    }
    let window = a.wait_unused.map(|d| {
        atlas_keys::rotation::time::Duration::milliseconds(
            d.as_millis().min(i64::MAX as u128) as i64
        )
    });
    if let Some(d) = a.wait_unused {
        eprintln!(
            "waiting until the old key {} is unused for {d:?}",
            state.old_key
        );
    }
    let report = r
        .finish(&state.id, window, a.force)
        .await
        .map_err(failure)?;
    summary(&report, state.mode);
    Ok(())
}

async fn resume(client: &Client, a: crate::args::RotateResume) -> Result<(), Failure> {
    let mut r = rotations(client, &a.journal.journal)
        .await?
        .confirm(confirmer(a.force));
    if let Some(path) = &a.verify_from {
        let (key, private) = atlas_keys::rotate::read_delivered_document(path)
            .map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?;
        r = r.secret(key, private);
    }
    let ids: Vec<RotationId> = match &a.target {
        Some(t) => vec![r.find(t).await.map_err(failure)?.id],
        None => r
            .status()
            .await
            .map_err(failure)?
            .into_iter()
            .map(|s| s.id)
            .collect(),
    };
    if ids.is_empty() {
        eprintln!("no rotation in progress");
    }
    let mut first_error = None;
    for id in ids {
        match r.resume(&id, a.abort).await {
            Ok(report) => {
                let outcome = match report.outcome {
                    Some(o) => format!("{o:?}"),
                    None => "waiting (rotate finish)".into(),
                };
                eprintln!("rotation {id}: {outcome}");
            }
            Err(e) => {
                eprintln!("rotation {id}: {e}");
                first_error.get_or_insert(failure(e));
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}
