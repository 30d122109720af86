//! `atlas-keys-bench`: one benchmark scenario per run, against an emulator that is already
//! running, with ONE JSON line of results on stdout (calls, seconds, ops/s, the emulator's wire
//! counters over the run, the process's peak RSS).
//!
//! `cargo xtask bench` starts the emulator (release build, its own process), runs these
//! scenarios several times each, and turns the lines into the table of BENCHMARKS.md. The
//! scenarios:
//!
//! - `setup`: the id of one organization key, for the get-one-key scenarios;
//! - `stats`: the emulator's counters;
//! - `get`: get one key `--calls` times with `--concurrency` in flight, through the floor, our
//!   transport or the SDK, with digest, bearer or service-account auth;
//! - `list`: every key of the project, streamed by the SDK or paged one page at a time;
//! - `audit`: the key audit of the org (`client.audit`), paced or not, with its 429 count;
//! - `curl` and `requests`: the same get-one-key calls through the peers users have today.
//!
//! What it must NOT do: start or stop the emulator (xtask does, by handle), assert on timings
//! (these are measurements, not tests), or print a credential.

mod audit;
mod clients;
mod drive;
mod floor;
mod list;
mod peers;
mod target;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use atlas_keys_model::ApiKeyId;
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::{Value, json};

use crate::clients::{AuthKind, BackendKind, ClientKind, Setup};
use crate::floor::Floor;
use crate::list::ListMode;
use crate::target::Target;

/// The error type of the whole binary: every failure ends the scenario with a message.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One benchmark scenario against the emulator named by the ATLAS_* environment variables.
#[derive(Debug, Parser)]
#[command(name = "atlas-keys-bench", version)]
struct Cli {
    /// Worker threads of the client's tokio runtime (the machine has 2 cores, shared with the
    /// emulator).
    #[arg(long, global = true, default_value_t = 2)]
    threads: usize,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Debug, Subcommand)]
enum Scenario {
    /// Prints the id of one organization key (the key get-one-key scenarios fetch).
    Setup,
    /// Prints the emulator's counters.
    Stats,
    /// Gets one key, many times, and reads the wire counters over the run.
    Get(GetArgs),
    /// Lists every key of the project.
    List(ListArgs),
    /// Audits every key of the org once (only GETs).
    Audit(AuditArgs),
    /// Gets one key with `curl --digest`, one process per call.
    Curl(PeerArgs),
    /// Gets one key with Python requests (Session + HTTPDigestAuth).
    Requests(RequestsArgs),
}

#[derive(Debug, Args)]
struct GetArgs {
    #[arg(long, value_enum)]
    client: ClientKind,
    #[arg(long, value_enum, default_value = "hyper")]
    backend: BackendKind,
    #[arg(long, value_enum)]
    auth: AuthKind,
    /// The key to get (from `setup`).
    #[arg(long)]
    key_id: String,
    /// Measured calls.
    #[arg(long, default_value_t = 10_000)]
    calls: u64,
    /// Calls in flight at once.
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// Calls before the clock starts (they still count on the wire: the first challenge or
    /// token request is part of what a client costs).
    #[arg(long, default_value_t = 200)]
    warmup: u64,
    /// Idle connections per host for the floor and the transport; default: the floor keeps
    /// `--concurrency` of them and the transport its backend's default.
    #[arg(long)]
    pool: Option<usize>,
}

#[derive(Debug, Args)]
struct ListArgs {
    #[arg(long, value_enum)]
    mode: ListMode,
    #[arg(long, value_enum, default_value = "hyper")]
    backend: BackendKind,
    #[arg(long, default_value_t = 500)]
    items_per_page: u32,
    /// Pages in flight for `stream` (the SDK's default when not given).
    #[arg(long)]
    concurrency: Option<usize>,
}

#[derive(Debug, Args)]
struct AuditArgs {
    #[arg(long, value_enum)]
    mode: audit::AuditMode,
    /// Access lists in flight (1: one call at a time).
    #[arg(long, default_value_t = atlas_keys::audit::DEFAULT_AUDIT_CONCURRENCY)]
    concurrency: usize,
}

#[derive(Debug, Args)]
struct PeerArgs {
    #[arg(long)]
    key_id: String,
    #[arg(long, default_value_t = 200)]
    calls: u64,
}

#[derive(Debug, Args)]
struct RequestsArgs {
    #[arg(long)]
    key_id: String,
    #[arg(long, default_value_t = 2_000)]
    calls: u64,
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// The virtualenv's python.
    #[arg(long)]
    python: PathBuf,
    /// `crates/bench/py/requests_get.py`.
    #[arg(long)]
    script: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cli.threads.max(1))
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("atlas-keys-bench: no tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.scenario)) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("atlas-keys-bench: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(scenario: Scenario) -> Result<Value, BoxError> {
    let target = Target::from_env()?;
    match scenario {
        Scenario::Setup => setup(&target).await,
        Scenario::Stats => Floor::new(1).stats(&target).await,
        Scenario::Get(args) => get(&target, args).await,
        Scenario::List(args) => list(&target, args).await,
        Scenario::Audit(args) => {
            let floor = Floor::new(1);
            let before = floor.stats(&target).await?;
            let audited = audit::audit_once(&target, args.mode, args.concurrency).await?;
            let after = floor.stats(&target).await?;
            let read =
                |stats: &Value, name: &str| stats.get(name).and_then(Value::as_u64).unwrap_or(0);
            let requests = read(&after, "requests").saturating_sub(read(&before, "requests"));
            let mut line = result(
                "audit",
                requests,
                args.concurrency,
                audited.elapsed,
                &before,
                &after,
            );
            line["mode"] = json!(name(args.mode));
            line["items"] = json!(audited.keys);
            line["entries"] = json!(audited.entries);
            line["rateLimited"] =
                json!(read(&after, "rateLimited").saturating_sub(read(&before, "rateLimited")));
            Ok(line)
        }
        Scenario::Curl(args) => {
            let key_id = ApiKeyId::new(args.key_id)?;
            let floor = Floor::new(1);
            let before = floor.stats(&target).await?;
            let elapsed = peers::curl(&target, &key_id, args.calls)?;
            let after = floor.stats(&target).await?;
            Ok(result("curl", args.calls, 1, elapsed, &before, &after))
        }
        Scenario::Requests(args) => {
            let key_id = ApiKeyId::new(args.key_id)?;
            let floor = Floor::new(1);
            let before = floor.stats(&target).await?;
            let elapsed = peers::requests(
                &args.python,
                &args.script,
                &target,
                &key_id,
                args.calls,
                args.concurrency,
            )?;
            let after = floor.stats(&target).await?;
            Ok(result(
                "requests",
                args.calls,
                args.concurrency,
                elapsed,
                &before,
                &after,
            ))
        }
    }
}

/// The id of the first organization key, through our digest transport (not the SDK, so that a
/// broken SDK still lets the floor and the peers run).
async fn setup(target: &Target) -> Result<Value, BoxError> {
    use atlas_keys_transport::{DigestAuth, HyperTransport, SecretString, Transport};
    let transport = DigestAuth::new(
        HyperTransport::new()?,
        target.public_key.as_str(),
        SecretString::from(target.private_key.clone()),
    );
    let request = http::Request::get(target.first_key_url())
        .header(http::header::ACCEPT, target::ACCEPT_V2)
        .body(bytes::Bytes::new())?;
    let response = transport.send(request).await?;
    if response.status() != http::StatusCode::OK {
        return Err(format!("listing the org's keys answered {}", response.status()).into());
    }
    let page: atlas_keys_model::Page<atlas_keys_model::ApiKey> =
        serde_json::from_slice(response.body())?;
    let key = page
        .results()
        .first()
        .ok_or("the organization has no API key")?;
    Ok(json!({ "keyId": key.id().as_str() }))
}

async fn get(target: &Target, args: GetArgs) -> Result<Value, BoxError> {
    let key_id = ApiKeyId::new(args.key_id.as_str())?;
    let floor = Floor::new(args.pool.unwrap_or(args.concurrency).max(1));
    // Counters first: the client's first challenge or token request is part of its cost.
    let before = floor.stats(target).await?;
    let call = clients::get_one_key(Setup {
        kind: args.client,
        backend: args.backend,
        auth: args.auth,
        target,
        key_id: &key_id,
        floor: &floor,
        pool: args.pool,
    })
    .await?;
    let warm = call.clone();
    drive::drive(args.warmup, args.concurrency, move || warm()).await?;
    // Steady state starts here: every digest lane the concurrency needs has its challenge.
    let steady = floor.stats(target).await?;
    let cpu_before = cpu_seconds();
    let elapsed = drive::drive(args.calls, args.concurrency, move || call()).await?;
    let cpu = cpu_seconds() - cpu_before;
    let after = floor.stats(target).await?;
    let mut line = result(
        "get",
        args.calls + args.warmup,
        args.concurrency,
        elapsed,
        &before,
        &after,
    );
    // Throughput is over the timed calls only; the wire counters over every call, and
    // again over the timed calls alone (the steady state, after the warm-up's challenges).
    line["opsPerSec"] = json!(args.calls as f64 / elapsed.as_secs_f64());
    let timed = result(
        "get",
        args.calls,
        args.concurrency,
        elapsed,
        &steady,
        &after,
    );
    line["steadyRequestsPerCall"] = timed["requestsPerCall"].clone();
    line["steadyChallenges"] = timed["challenges"].clone();
    line["timedCalls"] = json!(args.calls);
    // The client's own CPU per call: unlike throughput, barely moved by other processes.
    line["cpuUsPerCall"] = json!(cpu * 1e6 / args.calls.max(1) as f64);
    line["client"] = json!(name(args.client));
    line["backend"] = json!(name(args.backend));
    line["auth"] = json!(name(args.auth));
    line["pool"] = json!(args.pool);
    Ok(line)
}

async fn list(target: &Target, args: ListArgs) -> Result<Value, BoxError> {
    let floor = Floor::new(1);
    let key_id = ApiKeyId::new("000000000000000000000000")?;
    let client = clients::sdk_client(&Setup {
        kind: ClientKind::Sdk,
        backend: args.backend,
        auth: AuthKind::Digest,
        target,
        key_id: &key_id,
        floor: &floor,
        pool: None,
    })
    .await?;
    let concurrency = args.concurrency.unwrap_or(atlas_keys::DEFAULT_CONCURRENCY);
    let before = floor.stats(target).await?;
    let listed = list::list_all(
        &client,
        &target.project_id,
        args.mode,
        args.items_per_page,
        concurrency,
    )
    .await?;
    let after = floor.stats(target).await?;
    let mut line = result(
        "list",
        listed.pages,
        concurrency,
        listed.elapsed,
        &before,
        &after,
    );
    line["mode"] = json!(name(args.mode));
    line["items"] = json!(listed.items);
    line["pages"] = json!(listed.pages);
    line["itemsPerPage"] = json!(args.items_per_page);
    Ok(line)
}

/// A command-line value's name, as typed (`service-account`).
fn name(value: impl ValueEnum) -> String {
    value
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_owned())
}

/// The common fields of a result line. `calls` are the calls the wire counters cover.
fn result(
    scenario: &str,
    calls: u64,
    concurrency: usize,
    elapsed: Duration,
    before: &Value,
    after: &Value,
) -> Value {
    let delta = |name: &str| {
        let read = |stats: &Value| stats.get(name).and_then(Value::as_u64).unwrap_or(0);
        read(after).saturating_sub(read(before))
    };
    let requests = delta("requests");
    json!({
        "scenario": scenario,
        "calls": calls,
        "concurrency": concurrency,
        "seconds": elapsed.as_secs_f64(),
        "opsPerSec": calls as f64 / elapsed.as_secs_f64(),
        "requests": requests,
        "challenges": delta("challenges"),
        "authorized": delta("authorized"),
        "tokensIssued": delta("tokensIssued"),
        "requestsPerCall": requests as f64 / calls.max(1) as f64,
        "peakRssKib": peak_rss_kib(),
    })
}

/// CPU time of this process so far, in seconds: the sum over its threads of
/// `/proc/self/task/*/schedstat` (nanoseconds; the runtime's threads live for the whole run),
/// else `/proc/self/stat` (1/100 s ticks, too coarse for short runs); 0 without /proc.
fn cpu_seconds() -> f64 {
    let from_tasks = std::fs::read_dir("/proc/self/task").ok().map(|tasks| {
        tasks
            .flatten()
            .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
            .filter_map(|line| line.split_whitespace().next()?.parse::<u64>().ok())
            .sum::<u64>()
    });
    if let Some(ns) = from_tasks.filter(|&ns| ns > 0) {
        return ns as f64 / 1e9;
    }
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name, which is in parentheses and may contain spaces: the
    // state is field 3, utime field 14 and stime field 15.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks(11) + ticks(12)) as f64 / 100.0
}

/// The process's peak resident set (`VmHWM`), in KiB; 0 where /proc is not there.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
