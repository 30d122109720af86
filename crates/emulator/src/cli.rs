//! The command line of `atlas-keys-emulator` (and of `atlas-keys emulator`, which reuses
//! [`EmulatorArgs`] and [`run`]).
//!
//! `run` prints exactly one JSON line to stdout once listening, then serves until Ctrl-C
//! or SIGTERM. This module must NOT log secrets; the stdout line is the only place they
//! appear, by design.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use atlas_keys_model::Flavour;

use crate::auth::digest::DigestAlgorithm;
use crate::builder::{Emulator, StartError};
use crate::faults::FaultSpec;
use crate::rate_limit::RateLimitConfig;
use crate::seed::{Seed, SeedError};

/// Flags of the emulator binary.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "atlas-keys-emulator",
    version,
    about = "A local Programmatic API Keys server for tests and benchmarks"
)]
pub struct EmulatorArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Seed file (JSON) with orgs, projects, keys and service accounts.
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// Durable state file: every acknowledged write is fsynced; reloaded on start.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Delay every response by this many milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency: u64,
    /// Fault injection, e.g. `500=0.1,503=0.1,429=0.1,reset-before=0.05,reset-after=0.05,seed=1`.
    #[arg(long, value_name = "SPEC")]
    pub faults: Option<FaultSpec>,
    /// Serve HTTPS with a fresh self-signed CA.
    #[arg(long)]
    pub tls: bool,
    /// Where to write the CA certificate (PEM) when `--tls` is on (default: `ca.pem` in a
    /// fresh private temp directory); written 0600, never through a symlink. The startup
    /// line names it as `caFile`.
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub tls_ca_out: Option<PathBuf>,
    /// Lifetime of OAuth access tokens, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    pub token_ttl: u64,
    /// `off`, or `ORG_CAP/ORG_REFILL_PER_MIN,GROUP_CAP/GROUP_REFILL_PER_MIN`.
    #[arg(long, value_name = "SPEC", default_value = "500/250,1200/500")]
    pub rate_limit: RateLimitConfig,
    /// Create N extra keys in the default project at start (fresh state only).
    #[arg(long, value_name = "N")]
    pub bulk_project_keys: Option<u64>,
    /// Digest nonce lifetime, in seconds; older nonces get a 401 with `stale=true`
    /// (Ops Manager uses 60).
    #[arg(
        long,
        alias = "nonce-lifetime",
        value_name = "SECS",
        default_value_t = 300
    )]
    pub nonce_ttl: u64,
    /// Digest algorithms the challenges offer, e.g. `md5,sha-256` (the service: md5).
    #[arg(
        long,
        value_name = "LIST",
        default_value = "md5",
        value_delimiter = ','
    )]
    pub digest_algorithms: Vec<DigestAlgorithm>,
    /// Strict nonce counting, like Apache's `AuthDigestNcCheck On`.
    #[arg(long)]
    pub strict_nonce_count: bool,
    /// Leave `RateLimit-Limit` / `RateLimit-Remaining` out of responses.
    #[arg(long)]
    pub no_rate_limit_headers: bool,
    /// Live access tokens per service account (the service: 100).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_live_tokens: usize,
    /// Connections served at once; beyond it new connections wait until one closes.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_connections: usize,
    /// What `/api/public/v1.0` emulates: `cloud-manager` or `ops-manager`.
    #[arg(long, value_name = "FLAVOUR", default_value = "cloud-manager", value_parser = parse_public_flavour)]
    pub public_flavour: Flavour,
}

fn parse_public_flavour(s: &str) -> Result<Flavour, String> {
    match s {
        "cloud-manager" => Ok(Flavour::CloudManager),
        "ops-manager" => Ok(Flavour::OpsManager),
        _ => Err("expected cloud-manager or ops-manager".to_owned()),
    }
}

/// Why `run` failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The seed file could not be read.
    #[error("cannot read seed file {path}: {source}")]
    ReadSeed {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The seed file is invalid.
    #[error(transparent)]
    Seed(#[from] SeedError),
    /// The server did not start.
    #[error(transparent)]
    Start(#[from] StartError),
    /// Writing the CA file or the startup line failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Starts the emulator, prints the startup JSON line, and serves until interrupted.
pub async fn run(args: EmulatorArgs) -> Result<(), RunError> {
    let mut builder = Emulator::builder()
        .listen(args.listen)
        .latency(Duration::from_millis(args.latency))
        .tls(args.tls)
        .token_ttl(Duration::from_secs(args.token_ttl))
        .rate_limit(args.rate_limit)
        .nonce_ttl(Duration::from_secs(args.nonce_ttl))
        .digest_algorithms(&args.digest_algorithms)
        .strict_nonce_count(args.strict_nonce_count)
        .rate_limit_headers(!args.no_rate_limit_headers)
        .max_live_tokens(args.max_live_tokens)
        .max_connections(args.max_connections)
        .public_flavour(args.public_flavour);
    if let Some(path) = &args.seed {
        let text = std::fs::read_to_string(path).map_err(|source| RunError::ReadSeed {
            path: path.clone(),
            source,
        })?;
        builder = builder.seed(Seed::from_json(&text)?);
    }
    if let Some(path) = &args.state {
        builder = builder.state_file(path);
    }
    if let Some(f) = args.faults {
        builder = builder.faults(f);
    }
    if let Some(n) = args.bulk_project_keys {
        builder = builder.bulk_project_keys(n);
    }
    let handle = builder.start().await?;
    let mut line = handle.startup_line();
    if let Some(pem) = handle.ca_pem() {
        // The CA goes to the file named by --tls-ca-out, or to a temp file; either way
        // the startup line names it as `caFile`.
        let path = match args.tls_ca_out.clone() {
            Some(path) => {
                write_private(&path, pem.as_bytes())?;
                path
            }
            None => {
                // A fresh private directory (0700 from the start, created exclusively by
                // `tempfile`, not chmod-ed after) that
                // outlives this process: clients read the file after the startup line, and
                // nobody else can swap it for their own CA in between.
                let mut builder = tempfile::Builder::new();
                builder.prefix("atlas-keys-emulator-");
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt as _;
                    builder.permissions(std::fs::Permissions::from_mode(0o700));
                }
                let dir = builder.tempdir()?.keep();
                let path = dir.join("ca.pem");
                write_private(&path, pem.as_bytes())?;
                path
            }
        };
        if let Ok(serde_json::Value::Object(mut obj)) =
            serde_json::from_str::<serde_json::Value>(&line)
        {
            obj.insert(
                "caFile".to_owned(),
                serde_json::Value::String(path.display().to_string()),
            );
            line = serde_json::Value::Object(obj).to_string();
        }
    }
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    wait_for_signal().await;
    tracing::info!("shutting down");
    handle.shutdown().await;
    Ok(())
}

/// Writes a new file (or replaces a regular one) with mode 0600, never through a symlink.
fn write_private(path: &std::path::Path, data: &[u8]) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let mut file = opts.open(path)?;
    file.write_all(data)?;
    file.sync_all()
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
