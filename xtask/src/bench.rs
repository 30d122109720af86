//! `cargo xtask bench`: every benchmark in one go, a table on stdout and `BENCHMARKS.md`.
//!
//! 1. Builds the emulator, `atlas-keys-bench` and the criterion benches in one release build.
//! 2. Runs the criterion micro benchmarks (the model's page and validation benches, the
//!    digest-signing benches; the same executables `cargo bench` runs) and reads their medians
//!    from criterion's JSON.
//! 3. Starts release emulators (`--listen 127.0.0.1:0 --rate-limit off`, plus `--latency` and
//!    `--bulk-project-keys` for the listings) as separate processes, and runs each end-to-end
//!    scenario as its own `atlas-keys-bench` process, several times, round-robin, so that every
//!    ratio compares runs taken side by side under the same conditions. Each figure is the
//!    median of the repetitions with their min–max.
//! 4. Prints the table and writes `BENCHMARKS.md` (machine, date, commit, command), keeping the
//!    hand-written analysis below the marker line as it is.
//!
//! What it must NOT do: link any crate of ours (it drives binaries), stop a process by name
//! (servers are stopped by their `Child` handle), treat a missed target as a failure (these are
//! measurements; the verdicts are reported, never asserted), or install anything but the
//! throwaway Python virtualenv, curl and, with `--profile`, perf.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::cmd::{cargo, describe, run_step, workspace_root};
use crate::json::Json;
use crate::process::{Server, run_captured, run_inherited};
use crate::python_env;

/// The line that separates the generated part of BENCHMARKS.md from the hand-written analysis,
/// which a run keeps as it is.
const ANALYSIS_MARKER: &str = "<!-- cargo xtask bench keeps everything below this line. -->";

/// Pinned like xtask/py/requirements.txt (the same versions), for a venv with requests only.
const REQUESTS_PINS: &str = "requests==2.34.2\nurllib3==2.8.0\nidna==3.20\ncertifi==2026.10.18\ncharset-normalizer==3.5.2\n";

const SERVER_START: Duration = Duration::from_secs(120);
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(300);
const BUILD_TIMEOUT: Duration = Duration::from_secs(1800);

const USAGE: &str = "\
usage: cargo xtask bench [--quick] [--reps N] [--no-micro] [--no-peers] [--profile] [--out FILE]

  --quick      small sizes (2,000 calls, 3 repetitions, short criterion runs): about 5 minutes
  --reps N     repetitions of every end-to-end scenario (default 5, quick 3)
  --no-micro   skip the criterion micro benchmarks
  --no-peers   skip curl and Python requests
  --profile    also sample the emulator with perf under 64 concurrent clients (installs
               linux-perf with apt-get if perf is missing)
  --out FILE   where to write the report (default BENCHMARKS.md at the repository root)
";

/// What to run, from the command line.
#[derive(Debug, Clone)]
struct Options {
    quick: bool,
    reps: usize,
    micro: bool,
    peers: bool,
    profile: bool,
    out: PathBuf,
    /// The command as typed, for the report.
    command: String,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options {
            quick: false,
            reps: 0,
            micro: true,
            peers: true,
            profile: false,
            out: workspace_root().join("BENCHMARKS.md"),
            command: ["cargo xtask bench"]
                .into_iter()
                .map(str::to_owned)
                .chain(args.iter().cloned())
                .collect::<Vec<_>>()
                .join(" "),
        };
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "--quick" => options.quick = true,
                "--no-micro" => options.micro = false,
                "--no-peers" => options.peers = false,
                "--profile" => options.profile = true,
                "--reps" => {
                    options.reps = rest
                        .next()
                        .and_then(|n| n.parse().ok())
                        .filter(|&n: &usize| n >= 1)
                        .ok_or_else(|| format!("--reps needs a positive number\n\n{USAGE}"))?;
                }
                "--out" => {
                    let path = rest
                        .next()
                        .ok_or_else(|| format!("--out needs a file\n\n{USAGE}"))?;
                    options.out = workspace_root().join(path);
                }
                "-h" | "--help" => return Err(USAGE.to_owned()),
                other => return Err(format!("unknown option `{other}`\n\n{USAGE}")),
            }
        }
        if options.reps == 0 {
            options.reps = if options.quick { 3 } else { 5 };
        }
        Ok(options)
    }
}

/// Problem sizes; `--quick` shrinks the ones that cost time, never the listing sizes the
/// memory comparison needs.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    /// Timed get-one-key calls per run.
    calls: u64,
    /// Calls before the clock starts (they count on the wire).
    warmup: u64,
    curl_calls: u64,
    requests_calls: u64,
    /// Calls of the service-account run that must cost exactly one token.
    token_calls: u64,
    list_small: u64,
    list_large: u64,
    latency_ms: u64,
    /// criterion `--warm-up-time` and `--measurement-time`, seconds.
    criterion: (&'static str, &'static str),
}

impl Sizes {
    fn new(quick: bool) -> Sizes {
        Sizes {
            // 30,000: at ~80,000 calls/s a run of 10,000 lasted ~0.13 s, short enough for one
            // scheduler hiccup on the shared cores to move a 64-in-flight figure by 10 %.
            calls: if quick { 2_000 } else { 30_000 },
            warmup: 200,
            curl_calls: if quick { 50 } else { 200 },
            requests_calls: if quick { 500 } else { 2_000 },
            token_calls: 1_000,
            list_small: 10_000,
            list_large: 100_000,
            latency_ms: 50,
            criterion: if quick { ("0.5", "1") } else { ("1", "3") },
        }
    }
}

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let options = Options::parse(args)?;
    let sizes = Sizes::new(options.quick);
    let started = Instant::now();
    let paths = Paths::new()?;
    let machine = Machine::read();

    let benches = build()?;

    let micro = if options.micro {
        run_micro(&paths, sizes, &benches)?
    } else {
        Vec::new()
    };

    let peers = if options.peers {
        Peers::prepare(&paths)
    } else {
        Peers::none("skipped (--no-peers)")
    };

    let mut results = Results::default();
    get_suite(&paths, &options, sizes, &peers, &mut results)?;
    list_suite(&paths, &options, sizes, &mut results)?;
    let profile = if options.profile {
        Some(profile_emulator(&paths)?)
    } else {
        None
    };

    let report = Report {
        options: &options,
        sizes,
        machine: &machine,
        micro: &micro,
        results: &results,
        profile: profile.as_deref(),
        elapsed: started.elapsed(),
    };
    let tables = report.tables();
    println!("\n{tables}");
    write_report(&options.out, &report.markdown(&tables))?;
    eprintln!(
        "\n    wrote {} ({:.0} s in all)",
        options.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Where things are

#[derive(Debug)]
struct Paths {
    root: PathBuf,
    target: PathBuf,
    /// Logs and scratch files; recreated on every run.
    work: PathBuf,
}

impl Paths {
    fn new() -> Result<Paths, String> {
        let root = workspace_root();
        let target = crate::cmd::target_dir();
        let work = target.join("bench");
        if work.exists() {
            std::fs::remove_dir_all(&work)
                .map_err(|error| format!("could not clear {}: {error}", work.display()))?;
        }
        std::fs::create_dir_all(&work)
            .map_err(|error| format!("could not create {}: {error}", work.display()))?;
        Ok(Paths { root, target, work })
    }

    fn release(&self, binary: &str) -> PathBuf {
        self.target.join("release").join(binary)
    }

    fn criterion(&self) -> PathBuf {
        self.target.join("criterion")
    }
}

// ---------------------------------------------------------------------------------------------
// The machine

#[derive(Debug)]
struct Machine {
    cores: usize,
    cpu: String,
    kernel: String,
    load: String,
    date: String,
    commit: String,
    /// Tracked files that differ from the commit, comma-separated (empty: none).
    dirty: String,
    rustc: String,
}

impl Machine {
    fn read() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|line| line.strip_prefix("model name"))
            .and_then(|rest| rest.split_once(':'))
            .map_or_else(|| "unknown".to_owned(), |(_, name)| name.trim().to_owned());
        let cores = cpuinfo
            .lines()
            .filter(|line| line.starts_with("processor"))
            .count()
            .max(std::thread::available_parallelism().map_or(0, usize::from));
        let output = |program: &str, args: &[&str]| {
            Command::new(program)
                .args(args)
                .current_dir(workspace_root())
                .output()
                .ok()
                .filter(|out| out.status.success())
                .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
                .unwrap_or_else(|| "unknown".to_owned())
        };
        let dirty = output("git", &["status", "--porcelain", "--untracked-files=no"]);
        Machine {
            cores,
            cpu,
            kernel: output("uname", &["-sr"]),
            load: std::fs::read_to_string("/proc/loadavg")
                .map(|text| {
                    text.split_whitespace()
                        .take(3)
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_else(|_| "unknown".to_owned()),
            date: output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            commit: output("git", &["rev-parse", "HEAD"]),
            dirty: if dirty == "unknown" {
                String::new()
            } else {
                dirty
                    .lines()
                    .filter_map(|line| line.get(3..))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            rustc: output("rustc", &["--version"]),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Micro benchmarks

/// One criterion benchmark: its id and the median with criterion's 95% interval, in ns.
#[derive(Debug, Clone)]
struct Micro {
    id: String,
    median_ns: f64,
    low_ns: f64,
    high_ns: f64,
}

/// The benches `cargo xtask bench` runs and reports, as (package, bench target, ids).
const MICRO: &[(&str, &str, &[&str])] = &[
    (
        "atlas-keys-model",
        "model",
        &[
            "page_500_keys/parse",
            "page_500_keys/serialize",
            "validate/org_id",
            "validate/project_id",
            "validate/api_key_id",
            "validate/id_rejected",
            "validate/description",
            "validate/description_rejected_too_long",
            "validate/org_role",
            "validate/project_role",
            "validate/create_org_key_body_for_cloud_manager",
        ],
    ),
    (
        "atlas-keys-bench",
        "digest",
        &[
            "digest_signed_request_through_middleware/noop_transport_alone",
            "digest_signed_request_through_middleware/md5",
            "digest_signed_request_through_middleware/sha256",
            "digest_auth_crate_respond/md5",
            "digest_auth_crate_respond/sha256",
        ],
    ),
];

/// One release build of everything: the emulator, the scenario binary and the criterion
/// benches (built with the release profile too, so nothing is compiled twice). Returns the
/// bench executables by target name, read from cargo's JSON messages.
fn build() -> Result<BTreeMap<String, PathBuf>, String> {
    let mut command = cargo();
    command.args([
        "build",
        "--release",
        "--message-format=json-render-diagnostics",
        "--package",
        "atlas-keys-emulator",
        "--package",
        "atlas-keys-bench",
        "--package",
        "atlas-keys-model",
        "--bins",
    ]);
    for (_, bench, _) in MICRO {
        command.args(["--bench", bench]);
    }
    command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit());
    eprintln!("\n==> release build: {}", describe(&command));
    let out = command
        .output()
        .map_err(|error| format!("could not run cargo build: {error}"))?;
    if !out.status.success() {
        return Err(format!("the release build failed ({})", out.status));
    }
    let mut benches = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(message) = Json::parse(line) else {
            continue;
        };
        let target = message.get("target");
        let is_bench = target
            .and_then(|t| t.get("kind"))
            .and_then(Json::as_array)
            .is_some_and(|kinds| kinds.iter().any(|k| k.as_str() == Some("bench")));
        if let (true, Some(name), Some(executable)) = (
            is_bench,
            target.and_then(|t| t.str_field("name")),
            message.str_field("executable"),
        ) {
            benches.insert(name.to_owned(), PathBuf::from(executable));
        }
    }
    Ok(benches)
}

fn run_micro(
    paths: &Paths,
    sizes: Sizes,
    benches: &BTreeMap<String, PathBuf>,
) -> Result<Vec<Micro>, String> {
    let home = paths.criterion();
    if home.exists() {
        std::fs::remove_dir_all(&home)
            .map_err(|error| format!("could not clear {}: {error}", home.display()))?;
    }
    let (warm_up, measure) = sizes.criterion;
    for (_, bench, _) in MICRO {
        let executable = benches
            .get(*bench)
            .ok_or_else(|| format!("cargo built no bench executable `{bench}`"))?;
        // What `cargo bench` would run, without its second (bench-profile) build.
        let mut command = Command::new(executable);
        command
            .args(["--bench", "--noplot"])
            .args(["--warm-up-time", warm_up, "--measurement-time", measure])
            .current_dir(&paths.work)
            .env("CRITERION_HOME", &home);
        eprintln!("\n==> criterion {bench}: {}", describe(&command));
        let status = run_inherited(&format!("bench {bench}"), &mut command, BUILD_TIMEOUT)?;
        if !status.success() {
            return Err(format!("the criterion bench {bench} failed ({status})"));
        }
    }
    let mut out = Vec::new();
    for (_, _, ids) in MICRO {
        for id in *ids {
            out.push(read_criterion(&home, id)?);
        }
    }
    Ok(out)
}

/// Reads `<home>/<group>/<function>/new/estimates.json`.
fn read_criterion(home: &Path, id: &str) -> Result<Micro, String> {
    let file = home.join(id).join("new").join("estimates.json");
    let text = std::fs::read_to_string(&file)
        .map_err(|error| format!("no criterion estimate {}: {error}", file.display()))?;
    let json = Json::parse(&text).map_err(|error| format!("{}: {error}", file.display()))?;
    let median = json
        .get("median")
        .ok_or_else(|| format!("{}: no median", file.display()))?;
    let number = |value: Option<&Json>| match value {
        Some(Json::Number(text)) => text.parse::<f64>().ok(),
        _ => None,
    };
    let interval = median.get("confidence_interval");
    let point = number(median.get("point_estimate"))
        .ok_or_else(|| format!("{}: no median point estimate", file.display()))?;
    Ok(Micro {
        id: (*id).to_owned(),
        median_ns: point,
        low_ns: number(interval.and_then(|i| i.get("lower_bound"))).unwrap_or(point),
        high_ns: number(interval.and_then(|i| i.get("upper_bound"))).unwrap_or(point),
    })
}

// ---------------------------------------------------------------------------------------------
// Emulators and scenario runs

/// A running release emulator and what its startup line said.
struct Emulator {
    /// Kept for its `Drop`, which stops the emulator by its handle.
    _server: Server,
    env: Vec<(&'static str, String)>,
}

impl Emulator {
    fn start(paths: &Paths, name: &str, extra: &[String]) -> Result<Emulator, String> {
        let mut command = Command::new(paths.release("atlas-keys-emulator"));
        command
            .args(["--listen", "127.0.0.1:0", "--rate-limit", "off"])
            .args(extra)
            .current_dir(&paths.work);
        eprintln!("\n==> emulator {name}: {}", describe(&command));
        let log = paths.work.join(format!("emulator-{name}.log"));
        let (server, line) = Server::start(
            &format!("emulator {name}"),
            &mut command,
            &log,
            SERVER_START,
        )?;
        let json = Json::parse(line.trim())
            .map_err(|error| format!("emulator startup line is not JSON ({error}): {line}"))?;
        let mut env = Vec::new();
        for (var, field) in [
            ("ATLAS_BASE_URL", "baseUrl"),
            ("ATLAS_ORG_ID", "orgId"),
            ("ATLAS_PROJECT_ID", "projectId"),
            ("ATLAS_PUBLIC_KEY", "publicKey"),
            ("ATLAS_PRIVATE_KEY", "privateKey"),
            ("ATLAS_CLIENT_ID", "clientId"),
            ("ATLAS_CLIENT_SECRET", "clientSecret"),
        ] {
            let value = json
                .str_field(field)
                .filter(|value| !value.is_empty())
                .ok_or_else(|| format!("emulator startup line has no `{field}`"))?;
            env.push((var, value.to_owned()));
        }
        Ok(Emulator {
            _server: server,
            env,
        })
    }

    /// Runs one `atlas-keys-bench` scenario against this emulator; returns its JSON line.
    fn scenario(&self, paths: &Paths, args: &[String]) -> Result<Json, String> {
        let mut command = Command::new(paths.release("atlas-keys-bench"));
        command.args(args).current_dir(&paths.work);
        for (var, value) in &self.env {
            command.env(var, value);
        }
        let name = format!("atlas-keys-bench {}", args.join(" "));
        eprintln!("    $ {name}");
        let out = run_captured(&name, &mut command, SCENARIO_TIMEOUT)?;
        if !out.status.success() {
            return Err(format!(
                "{name} failed ({}): {}",
                out.status,
                out.stderr.trim()
            ));
        }
        let line = out.stdout.lines().last().unwrap_or_default();
        Json::parse(line).map_err(|error| format!("{name} printed no JSON line ({error}): {line}"))
    }
}

/// The figures of one run that the report uses.
#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    seconds: f64,
    ops: f64,
    calls: u64,
    challenges: u64,
    tokens: u64,
    per_call: f64,
    rss_kib: u64,
    items: u64,
    /// The client process's CPU per timed call, microseconds.
    cpu_us: f64,
}

impl Sample {
    fn from_json(json: &Json) -> Sample {
        let float = |key: &str| match json.get(key) {
            Some(Json::Number(text)) => text.parse().unwrap_or(0.0),
            _ => 0.0,
        };
        let int = |key: &str| json.get(key).and_then(Json::as_u64).unwrap_or(0);
        Sample {
            seconds: float("seconds"),
            ops: float("opsPerSec"),
            calls: int("calls"),
            challenges: int("challenges"),
            tokens: int("tokensIssued"),
            per_call: float("requestsPerCall"),
            rss_kib: int("peakRssKib"),
            items: int("items"),
            cpu_us: float("cpuUsPerCall"),
        }
    }
}

/// Every run's sample, by scenario name, in run order.
#[derive(Debug, Default)]
struct Results {
    runs: BTreeMap<String, Vec<Sample>>,
    /// Scenarios that could not run, with the reason.
    skipped: BTreeMap<String, String>,
}

impl Results {
    fn push(&mut self, name: &str, sample: Sample) {
        self.runs.entry(name.to_owned()).or_default().push(sample);
    }

    /// Keeps a run's sample, or its failure: one failed scenario must not cost the whole report,
    /// and the report names what failed.
    fn record(&mut self, name: &str, run: Result<Json, String>) {
        match run {
            Ok(line) => self.push(name, Sample::from_json(&line)),
            Err(error) => {
                eprintln!("    {name} FAILED: {error}");
                self.skipped
                    .insert(name.to_owned(), format!("failed: {error}"));
            }
        }
    }

    fn get(&self, name: &str) -> &[Sample] {
        self.runs.get(name).map_or(&[], Vec::as_slice)
    }

    /// Per-repetition ratios `f(a_i) / f(b_i)` of two scenarios run side by side.
    fn ratios(&self, a: &str, b: &str, f: impl Fn(&Sample) -> f64) -> Vec<f64> {
        self.get(a)
            .iter()
            .zip(self.get(b))
            .map(|(x, y)| f(x) / f(y))
            .filter(|ratio| ratio.is_finite())
            .collect()
    }
}

/// A get-one-key configuration.
struct GetConfig {
    name: &'static str,
    client: &'static str,
    backend: &'static str,
    auth: &'static str,
    concurrency: usize,
    /// Idle connections per host (`--pool`); `None` is the client's default.
    pool: Option<usize>,
}

const fn get(
    name: &'static str,
    client: &'static str,
    backend: &'static str,
    auth: &'static str,
    concurrency: usize,
) -> GetConfig {
    GetConfig {
        name,
        client,
        backend,
        auth,
        concurrency,
        pool: None,
    }
}

/// Every get-one-key run of a repetition, in the order they run.
const GET_CONFIGS: &[GetConfig] = &[
    get("floor bearer seq", "floor", "hyper", "bearer", 1),
    get("wire hyper bearer seq", "wire", "hyper", "bearer", 1),
    get("wire reqwest bearer seq", "wire", "reqwest", "bearer", 1),
    get("sdk hyper bearer seq", "sdk", "hyper", "bearer", 1),
    get("sdk reqwest bearer seq", "sdk", "reqwest", "bearer", 1),
    get("sdk hyper digest seq", "sdk", "hyper", "digest", 1),
    get("sdk reqwest digest seq", "sdk", "reqwest", "digest", 1),
    get(
        "sdk hyper service-account seq",
        "sdk",
        "hyper",
        "service-account",
        1,
    ),
    get(
        "transport hyper bearer seq",
        "transport",
        "hyper",
        "bearer",
        1,
    ),
    get("floor bearer 64", "floor", "hyper", "bearer", 64),
    get("wire hyper bearer 64", "wire", "hyper", "bearer", 64),
    get("wire reqwest bearer 64", "wire", "reqwest", "bearer", 64),
    get("sdk hyper bearer 64", "sdk", "hyper", "bearer", 64),
    get("sdk reqwest bearer 64", "sdk", "reqwest", "bearer", 64),
    get("sdk hyper digest 64", "sdk", "hyper", "digest", 64),
    get("sdk reqwest digest 64", "sdk", "reqwest", "digest", 64),
    get(
        "sdk hyper service-account 64",
        "sdk",
        "hyper",
        "service-account",
        64,
    ),
    get(
        "transport hyper bearer 64",
        "transport",
        "hyper",
        "bearer",
        64,
    ),
    // The SDK keeping 64 idle connections per host (`pool_max_idle_per_host`; the backends
    // keep 32 by default), as many as calls in flight.
    GetConfig {
        pool: Some(64),
        ..get("sdk hyper bearer 64, pool 64", "sdk", "hyper", "bearer", 64)
    },
];

fn get_suite(
    paths: &Paths,
    options: &Options,
    sizes: Sizes,
    peers: &Peers,
    results: &mut Results,
) -> Result<(), String> {
    let emulator = Emulator::start(paths, "get", &[])?;
    let setup = emulator.scenario(paths, &["setup".to_owned()])?;
    let key_id = setup
        .str_field("keyId")
        .ok_or("setup printed no keyId")?
        .to_owned();
    for rep in 1..=options.reps {
        eprintln!("\n==> get-one-key, repetition {rep} of {}", options.reps);
        for config in GET_CONFIGS {
            let mut args: Vec<String> = [
                "get",
                "--client",
                config.client,
                "--backend",
                config.backend,
                "--auth",
                config.auth,
                "--key-id",
                &key_id,
                "--calls",
                &sizes.calls.to_string(),
                "--warmup",
                &sizes.warmup.to_string(),
                "--concurrency",
                &config.concurrency.to_string(),
            ]
            .map(str::to_owned)
            .to_vec();
            if let Some(pool) = config.pool {
                args.extend(["--pool".to_owned(), pool.to_string()]);
            }
            results.record(config.name, emulator.scenario(paths, &args));
        }
        // Exactly `token_calls` calls from a cold client, 64 in flight: the single-flight
        // refresh must turn them into one token request.
        let args: Vec<String> = [
            "get",
            "--client",
            "sdk",
            "--auth",
            "service-account",
            "--key-id",
            &key_id,
            "--calls",
            &sizes.token_calls.to_string(),
            "--warmup",
            "0",
            "--concurrency",
            "64",
        ]
        .map(str::to_owned)
        .to_vec();
        results.record(
            "sdk service-account cold 64",
            emulator.scenario(paths, &args),
        );

        match &peers.curl {
            Ok(()) => {
                let args = [
                    "curl".to_owned(),
                    "--key-id".to_owned(),
                    key_id.clone(),
                    "--calls".to_owned(),
                    sizes.curl_calls.to_string(),
                ];
                match emulator.scenario(paths, &args) {
                    Ok(line) => results.push("curl --digest", Sample::from_json(&line)),
                    Err(error) => {
                        results.skipped.insert("curl --digest".to_owned(), error);
                    }
                }
            }
            Err(why) => {
                results
                    .skipped
                    .insert("curl --digest".to_owned(), why.clone());
            }
        }
        match &peers.python {
            Ok(python) => {
                let args: Vec<String> = vec![
                    "requests".to_owned(),
                    "--key-id".to_owned(),
                    key_id.clone(),
                    "--calls".to_owned(),
                    sizes.requests_calls.to_string(),
                    "--python".to_owned(),
                    python.display().to_string(),
                    "--script".to_owned(),
                    paths
                        .root
                        .join("crates/bench/py/requests_get.py")
                        .display()
                        .to_string(),
                ];
                match emulator.scenario(paths, &args) {
                    Ok(line) => results.push("python requests seq", Sample::from_json(&line)),
                    Err(error) => {
                        results
                            .skipped
                            .insert("python requests seq".to_owned(), error);
                    }
                }
            }
            Err(why) => {
                results
                    .skipped
                    .insert("python requests seq".to_owned(), why.clone());
            }
        }
    }
    Ok(())
}

fn list_suite(
    paths: &Paths,
    options: &Options,
    sizes: Sizes,
    results: &mut Results,
) -> Result<(), String> {
    let latency = sizes.latency_ms.to_string();
    for (keys, modes) in [
        (
            sizes.list_small,
            &[("stream", None), ("stream", Some(4)), ("pages", None)][..],
        ),
        (sizes.list_large, &[("stream", None)][..]),
    ] {
        let emulator = Emulator::start(
            paths,
            &format!("list-{keys}"),
            &[
                "--latency".to_owned(),
                latency.clone(),
                "--bulk-project-keys".to_owned(),
                keys.to_string(),
            ],
        )?;
        for rep in 1..=options.reps {
            eprintln!(
                "\n==> listing {keys} keys, repetition {rep} of {}",
                options.reps
            );
            for &(mode, concurrency) in modes {
                let mut args = vec![
                    "list".to_owned(),
                    "--mode".to_owned(),
                    mode.to_owned(),
                    "--items-per-page".to_owned(),
                    "500".to_owned(),
                ];
                if let Some(concurrency) = concurrency {
                    args.extend(["--concurrency".to_owned(), concurrency.to_string()]);
                }
                results.record(
                    &list_name(keys, mode, concurrency),
                    emulator.scenario(paths, &args),
                );
            }
        }
    }
    Ok(())
}

fn list_name(keys: u64, mode: &str, concurrency: Option<usize>) -> String {
    match concurrency {
        Some(n) => format!("list {keys} {mode} c={n}"),
        None => format!("list {keys} {mode}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Peers

#[derive(Debug)]
struct Peers {
    curl: Result<(), String>,
    python: Result<PathBuf, String>,
}

impl Peers {
    fn none(why: &str) -> Peers {
        Peers {
            curl: Err(why.to_owned()),
            python: Err(why.to_owned()),
        }
    }

    /// curl (apt if missing) and a Python with requests: the interop virtualenv when it is there
    /// and complete, otherwise a small one of our own with requests only.
    fn prepare(paths: &Paths) -> Peers {
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

// ---------------------------------------------------------------------------------------------
// Profile

/// Samples the emulator with perf while 64 floor clients hammer it, and returns its hottest
/// symbols (perf report, self time).
fn profile_emulator(paths: &Paths) -> Result<String, String> {
    if !Command::new("perf")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success())
    {
        let mut install = Command::new("apt-get");
        install
            .args(["install", "-y", "--no-install-recommends", "linux-perf"])
            .env("DEBIAN_FRONTEND", "noninteractive");
        run_step("apt-get install linux-perf", &mut install)?;
    }
    let emulator = Emulator::start(paths, "profile", &[])?;
    let setup = emulator.scenario(paths, &["setup".to_owned()])?;
    let key_id = setup.str_field("keyId").ok_or("setup printed no keyId")?;
    let pid = own_child_named("atlas-keys-emul")
        .ok_or("could not find the emulator among xtask's child processes")?;
    let data = paths.work.join("emulator.perf.data");
    // Sampling by time (cpu-clock) works where hardware counters are not exposed (VMs).
    let mut perf = Command::new("perf");
    perf.args(["record", "-e", "cpu-clock", "-F", "999", "-g", "-p"])
        .arg(pid.to_string())
        .arg("-o")
        .arg(&data)
        .args(["--", "sleep", "8"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    eprintln!("    $ {}", describe(&perf));
    let mut recorder = perf
        .spawn()
        .map_err(|error| format!("could not start perf: {error}"))?;
    let args: Vec<String> = [
        "get",
        "--client",
        "floor",
        "--auth",
        "bearer",
        "--key-id",
        key_id,
        "--calls",
        "150000",
        "--concurrency",
        "64",
    ]
    .map(str::to_owned)
    .to_vec();
    // perf needs a moment to attach; the load (a few seconds) must run inside its window.
    std::thread::sleep(Duration::from_secs(1));
    let load = emulator.scenario(paths, &args);
    let recorded = recorder.wait().map_err(|error| error.to_string())?;
    load?;
    if !recorded.success() {
        return Err(format!("perf record failed ({recorded})"));
    }
    let mut report = Command::new("perf");
    report
        .args([
            "report",
            "--stdio",
            "--no-children",
            "-g",
            "none",
            "--percent-limit",
            "1.5",
        ])
        .args(["--sort", "dso,symbol", "-i"])
        .arg(&data);
    let out = run_captured("perf report", &mut report, Duration::from_secs(300))?;
    Ok(out
        .stdout
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        // perf pads every line and ends it with empty IPC columns (`-      -`).
        .map(|line| line.trim_end_matches([' ', '-']))
        .take(25)
        .collect::<Vec<_>>()
        .join("\n"))
}

/// The pid of this process's child whose command name (`comm`, 15 characters at most) is
/// `comm`: read from /proc, so that perf attaches to the emulator we started and to nothing else.
fn own_child_named(comm: &str) -> Option<u32> {
    let me = std::process::id();
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // `pid (comm) state ppid …`; comm may hold spaces, so split around the parentheses.
            let (head, rest) = stat.rsplit_once(')')?;
            let name = head.split_once('(')?.1;
            let ppid: u32 = rest.split_whitespace().nth(1)?.parse().ok()?;
            (ppid == me && name == comm).then_some(pid)
        })
}

// ---------------------------------------------------------------------------------------------
// The report

/// Median, min and max of a non-empty list.
fn spread(values: &[f64]) -> Option<(f64, f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if !n.is_multiple_of(2) {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    Some((median, sorted[0], sorted[n - 1]))
}

/// A number with a sensible number of digits for its size; whole numbers stay whole.
fn num(value: f64) -> String {
    if value >= 100.0 || (value.fract() == 0.0 && value.abs() < 1e15) {
        let whole = value.round() as u64;
        let digits = whole.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else if value >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.4}")
    }
}

fn cell(values: &[f64]) -> (String, String) {
    match spread(values) {
        Some((median, low, high)) => (num(median), format!("{}–{}", num(low), num(high))),
        None => ("—".to_owned(), "not run".to_owned()),
    }
}

/// Like [`cell`] with four decimals: requests per call are compared with 1.001.
fn cell4(values: &[f64]) -> (String, String) {
    match spread(values) {
        Some((median, low, high)) => (format!("{median:.4}"), format!("{low:.4}–{high:.4}")),
        None => ("—".to_owned(), "not run".to_owned()),
    }
}

struct Report<'a> {
    options: &'a Options,
    sizes: Sizes,
    machine: &'a Machine,
    micro: &'a [Micro],
    results: &'a Results,
    profile: Option<&'a str>,
    elapsed: Duration,
}

/// A target's verdict.
fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "**missed**",
        None => "not measured",
    }
}

impl Report<'_> {
    fn ops(&self, name: &str) -> Vec<f64> {
        self.results.get(name).iter().map(|s| s.ops).collect()
    }

    fn tables(&self) -> String {
        let r = self.results;
        let reps = self.options.reps;
        let mut out = String::new();

        // Targets first: what the issue asks, measured.
        let _ = writeln!(out, "### Targets\n");
        let _ = writeln!(
            out,
            "| # | target | measured (median, min–max over {reps} runs) | verdict |"
        );
        let _ = writeln!(out, "| --- | --- | --- | --- |");
        for (name, label) in [
            ("sdk hyper digest seq", "1. digest, hyper, sequential"),
            ("sdk hyper digest 64", "1. digest, hyper, 64 in flight"),
            ("sdk reqwest digest seq", "1. digest, reqwest, sequential"),
            ("sdk reqwest digest 64", "1. digest, reqwest, 64 in flight"),
        ] {
            let per_call: Vec<f64> = r.get(name).iter().map(|s| s.per_call).collect();
            let worst = per_call
                .iter()
                .copied()
                .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
            let challenges: Vec<f64> = r.get(name).iter().map(|s| s.challenges as f64).collect();
            let calls = r.get(name).first().map_or(0, |s| s.calls);
            let (median, range) = cell4(&per_call);
            let (ch, _) = cell(&challenges);
            let _ = writeln!(
                out,
                "| {label} | ≤ 1.001 requests per call over {} calls | {median} ({range}); {ch} challenge(s) | {} |",
                num(calls as f64),
                verdict(worst.map(|w| w <= 1.001))
            );
        }
        for (sdk, floor, label) in [
            (
                "sdk hyper bearer seq",
                "floor bearer seq",
                "2. SDK/floor, hyper, sequential",
            ),
            (
                "sdk hyper bearer 64",
                "floor bearer 64",
                "2. SDK/floor, hyper, 64 in flight",
            ),
            (
                "sdk reqwest bearer seq",
                "floor bearer seq",
                "2. SDK/floor, reqwest, sequential",
            ),
            (
                "sdk reqwest bearer 64",
                "floor bearer 64",
                "2. SDK/floor, reqwest, 64 in flight",
            ),
        ] {
            let ratios = r.ratios(sdk, floor, |s| s.ops);
            let (median, range) = cell(&ratios);
            let _ = writeln!(
                out,
                "| {label} | ≥ 0.85 of the floor's throughput | {median} ({range}) | {} |",
                verdict(spread(&ratios).map(|(m, _, _)| m >= 0.85))
            );
        }
        let small = self.sizes.list_small;
        for (stream, label) in [
            (
                list_name(small, "stream", None),
                "3. listing, SDK default concurrency".to_owned(),
            ),
            (
                list_name(small, "stream", Some(4)),
                "3. listing, `.concurrency(4)` (the default until eda10a8)".to_owned(),
            ),
        ] {
            let ratios = r.ratios(&list_name(small, "pages", None), &stream, |s| s.seconds);
            let (median, range) = cell(&ratios);
            let _ = writeln!(
                out,
                "| {label} | ≥ 4× faster than page by page ({} keys, 500 per page, {} ms latency) | {median}× ({range}) | {} |",
                num(small as f64),
                self.sizes.latency_ms,
                verdict(spread(&ratios).map(|(m, _, _)| m >= 4.0))
            );
        }
        let rss = |keys: u64| -> Vec<f64> {
            r.get(&list_name(keys, "stream", None))
                .iter()
                .map(|s| s.rss_kib as f64 / 1024.0)
                .collect()
        };
        let (small_rss, large_rss) = (rss(small), rss(self.sizes.list_large));
        let growth = match (spread(&small_rss), spread(&large_rss)) {
            (Some((a, _, _)), Some((b, _, _))) => Some(b / a),
            _ => None,
        };
        let _ = writeln!(
            out,
            "| 3. listing memory | peak RSS flat from {} to {} keys (≤ 1.25×) | {} MiB → {} MiB ({}×) | {} |",
            num(small as f64),
            num(self.sizes.list_large as f64),
            cell(&small_rss).0,
            cell(&large_rss).0,
            growth.map_or("—".to_owned(), num),
            verdict(growth.map(|g| g <= 1.25))
        );
        let tokens: Vec<f64> = r
            .get("sdk service-account cold 64")
            .iter()
            .map(|s| s.tokens as f64)
            .collect();
        let (median, range) = cell(&tokens);
        let _ = writeln!(
            out,
            "| 4. service account | {} calls (64 in flight, cold client) cost exactly 1 token request | {median} ({range}) | {} |",
            num(self.sizes.token_calls as f64),
            verdict((!tokens.is_empty()).then(|| tokens.iter().all(|&t| t == 1.0)))
        );

        // The figures behind them.
        let _ = writeln!(out, "\n### Get one key: throughput and wire\n");
        let _ = writeln!(
            out,
            "{} timed calls per run after {} warm-up calls; wire counters (from `/__emulator/stats`) cover every call of the run.\n",
            num(self.sizes.calls as f64),
            self.sizes.warmup
        );
        let _ = writeln!(
            out,
            "| client | calls/s (median) | min–max | client CPU µs per call | requests per call | challenges | tokens issued |"
        );
        let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | --- |");
        let mut names: Vec<&str> = GET_CONFIGS.iter().map(|c| c.name).collect();
        names.extend([
            "sdk service-account cold 64",
            "curl --digest",
            "python requests seq",
        ]);
        for name in names {
            let samples = r.get(name);
            if samples.is_empty() {
                let why = r.skipped.get(name).map_or("not run", String::as_str);
                let _ = writeln!(out, "| {name} | — | {why} | | | | |");
                continue;
            }
            let (ops, range) = cell(&self.ops(name));
            let per_call: Vec<f64> = samples.iter().map(|s| s.per_call).collect();
            let challenges: Vec<f64> = samples.iter().map(|s| s.challenges as f64).collect();
            let tokens: Vec<f64> = samples.iter().map(|s| s.tokens as f64).collect();
            let cpu: Vec<f64> = samples.iter().map(|s| s.cpu_us).collect();
            let cpu = if cpu.iter().all(|&c| c > 0.0) {
                cell(&cpu).0
            } else {
                "—".to_owned()
            };
            let _ = writeln!(
                out,
                "| {name} ({} calls) | {ops} | {range} | {cpu} | {} | {} | {} |",
                num(samples[0].calls as f64),
                cell4(&per_call).0,
                cell(&challenges).0,
                cell(&tokens).0
            );
        }

        let _ = writeln!(
            out,
            "\n### Ratios, side by side (per repetition, then median and min–max)\n"
        );
        let _ = writeln!(
            out,
            "Throughput is A's calls/s ÷ B's. Client CPU is B's CPU per call ÷ A's (1 = A costs the client as little CPU as B; less is more CPU): it barely moves when other processes load the machine.\n"
        );
        let _ = writeln!(
            out,
            "| A / B | throughput (median) | min–max | client CPU (median) | min–max |"
        );
        let _ = writeln!(out, "| --- | --- | --- | --- | --- |");
        for (a, b, label) in [
            (
                "sdk hyper bearer seq",
                "floor bearer seq",
                "SDK hyper bearer / floor, sequential",
            ),
            (
                "sdk hyper bearer 64",
                "floor bearer 64",
                "SDK hyper bearer / floor, 64",
            ),
            (
                "sdk reqwest bearer seq",
                "floor bearer seq",
                "SDK reqwest bearer / floor, sequential",
            ),
            (
                "sdk reqwest bearer 64",
                "floor bearer 64",
                "SDK reqwest bearer / floor, 64",
            ),
            (
                "sdk hyper digest seq",
                "floor bearer seq",
                "SDK hyper digest / floor (bearer), sequential",
            ),
            (
                "sdk hyper digest 64",
                "floor bearer 64",
                "SDK hyper digest / floor (bearer), 64",
            ),
            (
                "sdk reqwest digest seq",
                "floor bearer seq",
                "SDK reqwest digest / floor (bearer), sequential",
            ),
            (
                "sdk reqwest digest 64",
                "floor bearer 64",
                "SDK reqwest digest / floor (bearer), 64",
            ),
            (
                "sdk hyper bearer 64, pool 64",
                "floor bearer 64",
                "SDK hyper bearer with `pool_max_idle_per_host(64)` / floor, 64",
            ),
            (
                "wire hyper bearer seq",
                "floor bearer seq",
                "our hyper backend alone (precomputed request) / floor, sequential",
            ),
            (
                "wire hyper bearer 64",
                "floor bearer 64",
                "our hyper backend alone (precomputed request) / floor, 64",
            ),
            (
                "wire reqwest bearer seq",
                "floor bearer seq",
                "our reqwest backend alone (precomputed request) / floor, sequential: the ceiling of any client on reqwest",
            ),
            (
                "wire reqwest bearer 64",
                "floor bearer 64",
                "our reqwest backend alone (precomputed request) / floor, 64: the ceiling of any client on reqwest",
            ),
            (
                "sdk reqwest bearer seq",
                "wire reqwest bearer seq",
                "SDK reqwest bearer / reqwest backend alone, sequential",
            ),
            (
                "sdk reqwest bearer 64",
                "wire reqwest bearer 64",
                "SDK reqwest bearer / reqwest backend alone, 64",
            ),
            (
                "transport hyper bearer seq",
                "floor bearer seq",
                "transport only (no api crate) / floor, sequential",
            ),
            (
                "transport hyper bearer 64",
                "floor bearer 64",
                "transport only (no api crate) / floor, 64",
            ),
            (
                "sdk hyper service-account seq",
                "sdk hyper digest seq",
                "service account / digest (SDK hyper), sequential",
            ),
            (
                "sdk hyper service-account 64",
                "sdk hyper digest 64",
                "service account / digest (SDK hyper), 64",
            ),
            (
                "python requests seq",
                "sdk hyper digest seq",
                "Python requests / SDK hyper digest, sequential",
            ),
            (
                "curl --digest",
                "sdk hyper digest seq",
                "curl --digest (process per call) / SDK hyper digest, sequential",
            ),
        ] {
            let (median, range) = cell(&r.ratios(a, b, |s| s.ops));
            let (cpu, cpu_range) = cell(&r.ratios(b, a, |s| s.cpu_us));
            let _ = writeln!(
                out,
                "| {label} | {median} | {range} | {cpu} | {cpu_range} |"
            );
        }

        let _ = writeln!(
            out,
            "\n### Listing a project's keys (500 per page, emulator `--latency {}`)\n",
            self.sizes.latency_ms
        );
        let _ = writeln!(
            out,
            "Each listing runs in its own process; peak RSS is that process's VmHWM.\n"
        );
        let _ = writeln!(
            out,
            "| listing | keys seen | pages | seconds (median) | min–max | peak RSS MiB (median) | min–max |"
        );
        let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | --- |");
        for name in [
            list_name(small, "pages", None),
            list_name(small, "stream", None),
            list_name(small, "stream", Some(4)),
            list_name(self.sizes.list_large, "stream", None),
        ] {
            let samples = r.get(&name);
            let seconds: Vec<f64> = samples.iter().map(|s| s.seconds).collect();
            let rss: Vec<f64> = samples.iter().map(|s| s.rss_kib as f64 / 1024.0).collect();
            let (sec, sec_range) = cell(&seconds);
            let (mib, mib_range) = cell(&rss);
            let items = samples.first().map_or(0, |s| s.items);
            let pages = samples.first().map_or(0, |s| s.calls);
            let _ = writeln!(
                out,
                "| {name} | {} | {pages} | {sec} | {sec_range} | {mib} | {mib_range} |",
                num(items as f64)
            );
        }

        let _ = writeln!(out, "\n### The emulator itself\n");
        let (floor64, floor64_range) = cell(&self.ops("floor bearer 64"));
        let (digest64, digest64_range) = cell(&self.ops("sdk hyper digest 64"));
        let _ = writeln!(
            out,
            "| load | authenticated get-one-key requests/s | min–max |"
        );
        let _ = writeln!(out, "| --- | --- | --- |");
        let _ = writeln!(
            out,
            "| 64 concurrent bearer clients (floor) | {floor64} | {floor64_range} |"
        );
        let _ = writeln!(
            out,
            "| 64 concurrent digest clients (SDK hyper) | {digest64} | {digest64_range} |"
        );
        let _ = writeln!(
            out,
            "\nClient and emulator share the machine's {} cores, so these are lower bounds of what the emulator alone can serve.",
            self.machine.cores
        );
        if let Some(profile) = self.profile {
            let _ = writeln!(
                out,
                "\nperf (cpu-clock, the emulator process, self time):\n\n```text\n{profile}\n```"
            );
        }

        if !self.micro.is_empty() {
            let _ = writeln!(
                out,
                "\n### Micro benchmarks (criterion: median, [95% interval of the median])\n"
            );
            let _ = writeln!(out, "| benchmark | median | interval |");
            let _ = writeln!(out, "| --- | --- | --- |");
            for m in self.micro {
                let _ = writeln!(
                    out,
                    "| {} | {} | [{} – {}] |",
                    m.id,
                    time(m.median_ns),
                    time(m.low_ns),
                    time(m.high_ns)
                );
            }
        }
        if !r.skipped.is_empty() {
            let _ = writeln!(out, "\n### Runs that did not produce a figure\n");
            for (name, why) in &r.skipped {
                let why: String = why
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .chars()
                    .take(300)
                    .collect();
                let _ = writeln!(out, "- {name}: {why}");
            }
        }
        out
    }

    fn markdown(&self, tables: &str) -> String {
        let m = self.machine;
        let mut out = String::new();
        let _ = writeln!(out, "# Benchmarks\n");
        let _ = writeln!(
            out,
            "Written by `cargo xtask bench` (see `xtask/src/bench.rs`); the analysis at the end is hand-written."
        );
        let _ = writeln!(
            out,
            "Every end-to-end figure is the median of {} repetitions with its min–max; every ratio is taken per",
            self.options.reps
        );
        let _ = writeln!(
            out,
            "repetition between runs made side by side (round-robin) against the same emulator, then summarised the same way."
        );
        let _ = writeln!(
            out,
            "The emulator is a release build in its own process on 127.0.0.1; each scenario is its own `atlas-keys-bench` process."
        );
        let _ = writeln!(
            out,
            "Benchmarks are not tests: nothing here is asserted anywhere.\n"
        );
        let _ = writeln!(out, "| | |");
        let _ = writeln!(out, "| --- | --- |");
        let _ = writeln!(out, "| command | `{}` |", self.options.command);
        let _ = writeln!(out, "| date | {} |", m.date);
        let _ = writeln!(
            out,
            "| commit | `{}`{} |",
            m.commit,
            if m.dirty.is_empty() {
                String::new()
            } else {
                format!(" (work tree differs in: {})", m.dirty)
            }
        );
        let _ = writeln!(
            out,
            "| machine | {} cores, {}; {} |",
            m.cores, m.cpu, m.kernel
        );
        let _ = writeln!(out, "| toolchain | {} |", m.rustc);
        let _ = writeln!(out, "| load average at start | {} |", m.load);
        let _ = writeln!(
            out,
            "| wall time of the run | {:.0} s (builds included) |\n",
            self.elapsed.as_secs_f64()
        );
        out.push_str(tables);
        out.push('\n');
        out
    }
}

fn time(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else if ns >= 1_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else {
        format!("{ns:.1} ns")
    }
}

/// Writes the generated part and keeps the hand-written analysis below the marker.
fn write_report(path: &Path, generated: &str) -> Result<(), String> {
    let kept = std::fs::read_to_string(path)
        .ok()
        .and_then(|old| {
            old.split_once(ANALYSIS_MARKER)
                .map(|(_, rest)| rest.to_owned())
        })
        .unwrap_or_else(|| "\n\n## Analysis\n\n(To be written after a full run.)\n".to_owned());
    let text = format!("{generated}\n{ANALYSIS_MARKER}{kept}");
    std::fs::write(path, text)
        .map_err(|error| format!("could not write {}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::{num, spread};

    #[test]
    fn spread_is_median_min_max() {
        assert_eq!(spread(&[3.0, 1.0, 2.0]), Some((2.0, 1.0, 3.0)));
        assert_eq!(spread(&[4.0, 1.0, 2.0, 3.0]), Some((2.5, 1.0, 4.0)));
        assert_eq!(spread(&[]), None);
    }

    #[test]
    fn numbers_are_grouped_and_rounded() {
        assert_eq!(num(12_345.6), "12,346");
        assert_eq!(num(0.91234), "0.9123");
        assert_eq!(num(1.0001), "1.00");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(50.0), "50");
    }
}
