//! `cargo xtask interop`: our transport and our emulator against independent implementations.
//!
//! 1. A throwaway Python virtualenv with httpbin, requests and schemathesis (see `python_env`).
//! 2. The transport's `digest_probe` example, both backends, MD5 and SHA-256, against httpbin's
//!    digest endpoint: an HTTP Digest server we did not write.
//! 3. The same probe, and the CLI's `list --all`, against Apache httpd with
//!    `AuthDigestNcCheck On`, a server that refuses any out-of-order nonce count (see
//!    `strict_digest`; Apache is installed with apt-get when missing).
//! 4. The emulator binary, driven by clients we did not write: curl, Python `requests`, and
//!    schemathesis generating requests from the official OpenAPI spec.
//! 5. The probe and the CLI through tinyproxy: `HTTPS_PROXY` (CONNECT, to the emulator with
//!    `--tls`), `http_proxy` (absolute form), proxy credentials, `NO_PROXY` (see `proxy`;
//!    tinyproxy is installed with apt-get when missing). `INTEROP_PART=proxy` runs this part
//!    alone.
//! 6. `atlas-keys audit -o sarif` against a seeded emulator, validated against the OASIS SARIF
//!    2.1.0 JSON schema and by Microsoft's SARIF Multitool (from npm, see `multitool`), and read
//!    by Microsoft's sarif-tools, whose counts must equal our JSON report's (see `sarif`).
//!    `INTEROP_PART=sarif` runs part 1 and this part alone.
//!
//! Every part prints what it runs, one `PASS`/`FAIL` line per check and how long it took; the last
//! line is the plain `N passed, N failed` CI reads, and any failure makes the command fail. A check
//! whose prerequisite failed is counted as failed ("not run"), so the total is the same every run.
//!
//! It talks only to servers it starts itself, on 127.0.0.1 with an OS-chosen port, and stops them
//! through their own process handles (Apache, which daemonises, by the PID it wrote). It must not link our crates (they are built and run as
//! child processes) and must not copy the spec into the repository: it reads it from
//! `<repo>/../shared/spec/` at run time.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;

use crate::cmd::{cargo, describe, describe_masked, target_dir, workspace_root};
use crate::emulator_line::EmulatorLine as Emulator;
use crate::process::{Server, run_captured, run_inherited};
use crate::python_env::{self, PythonEnv};

mod multitool;
mod proxy;
mod sarif;
mod strict_digest;

/// The only media type of every v2 Programmatic API Keys operation, for requests and 2xx bodies.
const ATLAS_MEDIA_TYPE: &str = "application/vnd.atlas.2023-01-01+json";
const SPEC_FILE: &str = "atlas-admin-v2-programmatic-api-keys.openapi.yaml";
/// Requests per digest probe run; the probe reports how many went over the wire.
const PROBE_REQUESTS: u64 = 50;
/// Credentials httpbin checks: its digest endpoint takes them from the URL path.
const PROBE_USER: &str = "interop-user";
const PROBE_PASSWORD: &str = "interop-Pa55word";
const PROBE_BACKENDS: [&str; 2] = ["hyper", "reqwest"];
const PROBE_ALGORITHMS: [&str; 2] = ["MD5", "SHA-256"];
/// The key lifecycle both the curl and the requests cycle walk through, one check per step.
const CYCLE_STEPS: [&str; 5] = ["create", "get", "list", "delete", "get after delete"];
/// Bounded so the whole schemathesis run (about 1000 requests) takes well under a minute.
const SCHEMATHESIS_MAX_EXAMPLES: &str = "20";
/// A fixed seed makes a failure reproducible from the CI log.
const SCHEMATHESIS_SEED: &str = "20261122";
/// schemathesis checks left out of `--checks all`, each with the reason, printed on every run.
/// None is: where the official spec contradicts the API's documented behaviour, the hooks file
/// (`xtask/py/schemathesis_hooks.py`, SPEC_DEVIATIONS) patches that one schema node instead, and
/// prints each patch on every run.
const SCHEMATHESIS_EXCLUDED: &[(&str, &str)] = &[];

const SERVER_START_TIMEOUT: Duration = Duration::from_secs(60);
const PROBE_TIMEOUT: Duration = Duration::from_secs(180);
const CURL_TIMEOUT: Duration = Duration::from_secs(30);
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);
const SCHEMATHESIS_TIMEOUT: Duration = Duration::from_secs(360);

pub(crate) fn run() -> Result<(), String> {
    let started = Instant::now();
    let paths = Paths::new()?;
    let mut report = Report::default();
    let only = std::env::var("INTEROP_PART").unwrap_or_default();
    let (all, proxy, sarif) = match only.as_str() {
        "" => (true, true, true),
        "proxy" => (false, true, false),
        "sarif" => (false, false, true),
        other => {
            return Err(format!(
                "INTEROP_PART={other:?}: use proxy or sarif, or leave it unset for every part"
            ));
        }
    };

    let python = if all {
        parts_1_to_4(&mut report, &paths)
    } else if sarif {
        report
            .part("1. python environment and curl", |report| {
                python_part(report, &paths)
            })
            .0
    } else {
        None
    };
    if proxy {
        report.part("5. transport and CLI through tinyproxy", |report| {
            proxy::part(report, &paths)
        });
    }
    if sarif {
        report.part(
            "6. audit SARIF vs the SARIF 2.1.0 schema and sarif-tools",
            |report| sarif::part(report, &paths, python.as_ref()),
        );
    }
    finish(report, started)
}

/// Returns the virtualenv, for part 6.
fn parts_1_to_4(report: &mut Report, paths: &Paths) -> Option<PythonEnv> {
    let (python, curl_ok) = report.part("1. python environment and curl", |report| {
        python_part(report, paths)
    });
    let probe_built = report.part("2. transport digest vs httpbin", |report| {
        digest_part(report, paths, python.as_ref())
    });
    report.part(
        "3. transport digest vs Apache httpd (AuthDigestNcCheck On)",
        |report| strict_digest::part(report, paths, probe_built),
    );
    report.part("4. emulator vs curl, requests, schemathesis", |report| {
        emulator_part(report, paths, python.as_ref(), curl_ok)
    });
    python
}

fn finish(report: Report, started: Instant) -> Result<(), String> {
    eprintln!("\n==> interop summary");
    for (part, took) in &report.timings {
        eprintln!("    {:>6.1}s  {part}", took.as_secs_f64());
    }
    eprintln!("    {:>6.1}s  total", started.elapsed().as_secs_f64());
    for line in &report.notes {
        eprintln!("    {line}");
    }
    println!("{} passed, {} failed", report.passed, report.failed);
    if report.failed == 0 {
        Ok(())
    } else {
        Err(format!("{} check(s) failed", report.failed))
    }
}

/// Where things are: our scripts, the spec, and scratch space under the target directory.
#[derive(Debug)]
struct Paths {
    target: PathBuf,
    py: PathBuf,
    spec: PathBuf,
    /// Logs, schemathesis' cwd and reports; recreated empty on every run.
    work: PathBuf,
    venv: PathBuf,
}

impl Paths {
    fn new() -> Result<Paths, String> {
        let root = workspace_root();
        let target = target_dir();
        let work = target.join("interop");
        if work.exists() {
            std::fs::remove_dir_all(&work)
                .map_err(|error| format!("could not clear {}: {error}", work.display()))?;
        }
        std::fs::create_dir_all(&work)
            .map_err(|error| format!("could not create {}: {error}", work.display()))?;
        // shared/ sits beside the repository, on CI's fresh clone as on the developers' machines.
        let spec = root.join("..").join("shared").join("spec").join(SPEC_FILE);
        Ok(Paths {
            py: root.join("xtask").join("py"),
            venv: target.join("interop-venv"),
            target,
            spec,
            work,
        })
    }
}

/// Counts checks and remembers how long each part took.
#[derive(Debug, Default)]
struct Report {
    passed: u64,
    failed: u64,
    timings: Vec<(String, Duration)>,
    /// Observations for the summary (wire counts), printed before the totals.
    notes: Vec<String>,
}

impl Report {
    fn part<T>(&mut self, name: &str, body: impl FnOnce(&mut Report) -> T) -> T {
        eprintln!("\n==> {name}");
        let started = Instant::now();
        let value = body(self);
        let took = started.elapsed();
        eprintln!("    ({name}: {:.1}s)", took.as_secs_f64());
        self.timings.push((name.to_owned(), took));
        value
    }

    fn check(&mut self, name: &str, outcome: Result<String, String>) -> bool {
        match outcome {
            Ok(detail) => {
                self.passed += 1;
                eprintln!("PASS {name}: {detail}");
                true
            }
            Err(message) => {
                self.failed += 1;
                eprintln!("FAIL {name}: {message}");
                false
            }
        }
    }

    fn not_run(&mut self, name: &str, because: &str) {
        self.check(name, Err(format!("not run: {because}")));
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Python environment

fn python_part(report: &mut Report, paths: &Paths) -> (Option<PythonEnv>, bool) {
    let curl = python_env::ensure_curl();
    let curl_ok = report.check(
        "curl installed",
        curl.map(|()| "curl --version runs".to_owned()),
    );
    let env = python_env::ensure(&paths.venv, &paths.py.join("requirements.txt"));
    let detail = env.as_ref().map(|env| {
        format!(
            "{} imports httpbin, requests, schemathesis, sarif-tools, jsonschema",
            env.python().display()
        )
    });
    report.check("python virtualenv", detail.map_err(Clone::clone));
    (env.ok(), curl_ok)
}

// ---------------------------------------------------------------------------------------------
// 2. Transport digest against httpbin

fn probe_check_names() -> Vec<String> {
    let mut names = Vec::new();
    for backend in PROBE_BACKENDS {
        for algorithm in PROBE_ALGORITHMS {
            names.push(format!("digest_probe {backend} {algorithm} vs httpbin"));
        }
    }
    names
}

/// `cargo build` of one target with the same package and feature selection as `cargo xtask ci`
/// (`--workspace --all-features`), so that after `ci` nothing but that target is rebuilt: a
/// per-package feature set (`-p atlas-keys-transport --features hyper,reqwest`) resolves
/// dependency features differently and recompiles hyper, reqwest and friends (over a minute on
/// two cores). The binaries are then run straight from the target directory.
fn build_command(kind: &str, name: &str) -> Command {
    let mut command = cargo();
    command.args(["build", "--workspace", "--all-features", kind, name]);
    command
}

/// Returns whether the probe built, for the Apache part that runs it too.
fn digest_part(report: &mut Report, paths: &Paths, python: Option<&PythonEnv>) -> bool {
    let built = build(
        report,
        "digest_probe builds",
        &mut build_command("--example", "digest_probe"),
    );
    let server = match python {
        None => {
            report.not_run("httpbin starts", "no python virtualenv");
            None
        }
        Some(python) => start_httpbin(report, paths, python),
    };
    let names = probe_check_names();
    let (Some((_server, port)), true) = (server, built) else {
        for name in &names {
            report.not_run(name, "digest_probe or httpbin is not available");
        }
        return built;
    };
    let mut names = names.iter();
    for backend in PROBE_BACKENDS {
        for algorithm in PROBE_ALGORITHMS {
            let name = names.next().expect("one name per backend and algorithm");
            let outcome = run_probe(paths, port, backend, algorithm);
            if let Ok(wire) = &outcome {
                report.notes.push(format!(
                    "httpbin wire count: {backend} {algorithm}: {wire} requests on the wire for {PROBE_REQUESTS}"
                ));
            }
            let outcome =
                outcome.map(|wire| format!("{PROBE_REQUESTS}/{PROBE_REQUESTS} ok, wire {wire}"));
            report.check(name, outcome);
        }
    }
    // `_server` drops here: httpbin is killed and reaped.
    true
}

fn start_httpbin(report: &mut Report, paths: &Paths, python: &PythonEnv) -> Option<(Server, u16)> {
    let mut command = Command::new(python.python());
    command.arg(paths.py.join("httpbin_server.py"));
    eprintln!("    $ {}", describe(&command));
    let log = paths.work.join("httpbin.log");
    let started = Server::start("httpbin", &mut command, &log, SERVER_START_TIMEOUT).and_then(
        |(server, line)| match line.trim().parse::<u16>() {
            Ok(port) if port != 0 => Ok((server, port)),
            _ => Err(format!(
                "httpbin: first line {line:?} is not a port number{}",
                server.log_tail()
            )),
        },
    );
    let detail = started.as_ref().map(|(server, port)| {
        format!(
            "listening on 127.0.0.1:{port} (log {})",
            server.log_path().display()
        )
    });
    report.check("httpbin starts", detail.map_err(Clone::clone));
    started.ok()
}

/// Runs one probe against httpbin and returns its wire count after checking that every
/// request succeeded.
fn run_probe(paths: &Paths, port: u16, backend: &str, algorithm: &str) -> Result<u64, String> {
    let url = format!(
        "http://127.0.0.1:{port}/digest-auth/auth/{PROBE_USER}/{PROBE_PASSWORD}/{algorithm}"
    );
    let args = ["--requests".to_owned(), PROBE_REQUESTS.to_string()];
    let result =
        run_probe_command(paths, backend, &url, &args, PROBE_TIMEOUT).map_err(|(_, e)| e)?;
    if result.requests != PROBE_REQUESTS || result.ok != result.requests {
        return Err(format!(
            "{} of {} requests succeeded (asked for {PROBE_REQUESTS})",
            result.ok, result.requests
        ));
    }
    Ok(result.wire)
}

/// Runs the `digest_probe` example as [`PROBE_USER`] with `args` after `--backend` and `--url`,
/// and reads its JSON line. An unsuccessful exit is an error that still carries the line when
/// the probe printed one (it does whenever it ran: some requests failed).
fn run_probe_command(
    paths: &Paths,
    backend: &str,
    url: &str,
    args: &[String],
    timeout: Duration,
) -> Result<ProbeResult, (Option<ProbeResult>, String)> {
    // What `cargo run -p atlas-keys-transport --features hyper,reqwest --example digest_probe --`
    // would run, without the rebuild explained at `build_command`.
    let mut command = Command::new(
        paths
            .target
            .join("debug")
            .join("examples")
            .join("digest_probe"),
    );
    command
        .args(["--backend", backend, "--url", url, "--user", PROBE_USER])
        .args(args)
        .env("DIGEST_PROBE_PASSWORD", PROBE_PASSWORD);
    eprintln!("    $ DIGEST_PROBE_PASSWORD=*** {}", describe(&command));
    let out = run_captured("digest_probe", &mut command, timeout).map_err(|e| (None, e))?;
    let failure = |message: String| {
        format!(
            "{message}\n    stdout: {}\n    stderr: {}",
            out.stdout.trim(),
            tail(&out.stderr)
        )
    };
    let line = out
        .stdout
        .lines()
        .rev()
        .find(|line| line.trim_start().starts_with('{'))
        .ok_or_else(|| {
            (
                None,
                failure("digest_probe printed no JSON line".to_owned()),
            )
        })?;
    let result = parse_probe_line(line).map_err(|e| (None, failure(e)))?;
    if result.backend != backend {
        return Err((
            None,
            format!(
                "digest_probe reported backend {:?}, asked for {backend:?}",
                result.backend
            ),
        ));
    }
    if !out.status.success() {
        let message = failure(format!("digest_probe exited with {}", out.status));
        return Err((Some(result), message));
    }
    Ok(result)
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct ProbeResult {
    backend: String,
    requests: u64,
    ok: u64,
    errors: u64,
    wire: u64,
    /// 401 answers the probe's counting layer saw on the wire.
    challenges: u64,
    /// Exchanges that failed below HTTP (retried by `--retry` when the request was a GET).
    transport_errors: u64,
    seconds: f64,
}

/// Reads the probe's line: `{"backend":..,"requests":N,"ok":N,"errors":E,"wire":W,
/// "challenges":C,"transport_errors":T,"seconds":S}`.
fn parse_probe_line(line: &str) -> Result<ProbeResult, String> {
    serde_json::from_str(line.trim())
        .map_err(|error| format!("digest_probe line is not what it prints ({error}): {line}"))
}

// ---------------------------------------------------------------------------------------------
// 4. Emulator

/// Reads the emulator's startup line; every field must be a non-empty string.
/// Interop also insists on a loopback `baseUrl`, kept without its trailing slash.
fn parse_emulator_line(line: &str) -> Result<Emulator, String> {
    let mut emulator = Emulator::parse(line)?;
    emulator.base_url = emulator.base_url.trim_end_matches('/').to_owned();
    if !emulator.base_url.starts_with("http://127.0.0.1:") {
        return Err(format!(
            "baseUrl {:?} is not on http://127.0.0.1",
            emulator.base_url
        ));
    }
    Ok(emulator)
}

fn emulator_part(report: &mut Report, paths: &Paths, python: Option<&PythonEnv>, curl_ok: bool) {
    let built = build(
        report,
        "emulator builds",
        &mut build_command("--bin", "atlas-keys-emulator"),
    );
    let started = if built {
        start_emulator(report, paths)
    } else {
        report.not_run("emulator starts", "the emulator did not build");
        None
    };
    let Some((server, emulator)) = started else {
        for client in ["curl", "requests"] {
            for step in CYCLE_STEPS {
                report.not_run(&format!("{client} {step}"), "the emulator is not running");
            }
        }
        report.not_run("schemathesis run", "the emulator is not running");
        return;
    };
    if curl_ok {
        curl_cycle(report, &emulator);
    } else {
        for step in CYCLE_STEPS {
            report.not_run(&format!("curl {step}"), "curl is not installed");
        }
    }
    match python {
        Some(python) => {
            requests_cycle(report, paths, python, &emulator);
            schemathesis(report, paths, python, &emulator, &server);
        }
        None => {
            for step in CYCLE_STEPS {
                report.not_run(&format!("requests {step}"), "no python virtualenv");
            }
            report.not_run("schemathesis run", "no python virtualenv");
        }
    }
    eprintln!("    emulator log: {}", server.log_path().display());
}

fn start_emulator(report: &mut Report, paths: &Paths) -> Option<(Server, Emulator)> {
    let binary = paths.target.join("debug").join("atlas-keys-emulator");
    let mut command = Command::new(&binary);
    command
        .args(["--listen", "127.0.0.1:0"])
        .current_dir(&paths.work);
    eprintln!("    $ {}", describe(&command));
    let log = paths.work.join("emulator.log");
    let started = Server::start("emulator", &mut command, &log, SERVER_START_TIMEOUT).and_then(
        |(server, line)| match parse_emulator_line(&line) {
            Ok(emulator) => Ok((server, emulator)),
            Err(error) => Err(format!("emulator: {error}{}", server.log_tail())),
        },
    );
    let detail = started.as_ref().map(|(_, emulator)| {
        format!(
            "{} org {} project {}",
            emulator.base_url, emulator.org_id, emulator.project_id
        )
    });
    report.check("emulator starts", detail.map_err(Clone::clone));
    started.ok()
}

// --- 4a. curl ---------------------------------------------------------------------------------

/// One HTTP exchange as curl saw it.
#[derive(Debug)]
struct Exchange {
    status: u16,
    body: String,
}

impl Exchange {
    fn json(&self) -> Result<Value, String> {
        serde_json::from_str(&self.body)
            .map_err(|error| format!("body is not JSON ({error}): {}", self.body))
    }

    fn expect_status(&self, wanted: u16) -> Result<(), String> {
        if self.status == wanted {
            Ok(())
        } else {
            Err(format!(
                "expected HTTP {wanted}, got {}: {}",
                self.status, self.body
            ))
        }
    }
}

/// Sends one digest-authenticated request with curl; `path` is below `/api/atlas/v2`.
fn curl(
    emulator: &Emulator,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<Exchange, String> {
    let url = format!("{}/api/atlas/v2{path}", emulator.base_url);
    let mut command = Command::new("curl");
    command
        .args([
            "--silent",
            "--show-error",
            "--max-time",
            "20",
            "--digest",
            "--user",
        ])
        .arg(format!("{}:{}", emulator.public_key, emulator.private_key))
        .args([
            "--header",
            &format!("Accept: {ATLAS_MEDIA_TYPE}"),
            "--request",
            method,
        ]);
    if let Some(body) = body {
        command.args([
            "--header",
            &format!("Content-Type: {ATLAS_MEDIA_TYPE}"),
            "--data",
            body,
        ]);
    }
    // The status code goes on a line of its own after the body, so one run gives both; curl
    // turns the two characters `\n` into a newline itself.
    command
        .args(["--output", "-", "--write-out", r"\n%{http_code}"])
        .arg(&url);
    eprintln!(
        "    $ {}",
        describe_masked(&command, &[&emulator.private_key])
    );
    let out = run_captured("curl", &mut command, CURL_TIMEOUT)?;
    if !out.status.success() {
        return Err(format!(
            "curl {method} {url} failed ({}): {}",
            out.status,
            out.stderr.trim()
        ));
    }
    split_status_line(&out.stdout)
        .ok_or_else(|| format!("curl printed no status code: {:?}", out.stdout))
}

/// Splits curl's `BODY\nSTATUS` output.
fn split_status_line(output: &str) -> Option<Exchange> {
    let (body, status) = output.rsplit_once('\n')?;
    Some(Exchange {
        status: status.trim().parse().ok()?,
        body: body.to_owned(),
    })
}

fn curl_cycle(report: &mut Report, emulator: &Emulator) {
    let org = &emulator.org_id;
    let keys = format!("/orgs/{org}/apiKeys");
    let created = curl(
        emulator,
        "POST",
        &keys,
        Some(r#"{"desc":"interop curl","roles":["ORG_MEMBER"]}"#),
    )
    .and_then(|exchange| check_created(&exchange, org, "interop curl"));
    let detail = created.as_ref().map(|key| {
        format!(
            "id {} publicKey {} with a full privateKey",
            key.id, key.public_key
        )
    });
    if !report.check("curl create", detail.map_err(Clone::clone)) {
        for step in &CYCLE_STEPS[1..] {
            report.not_run(&format!("curl {step}"), "create failed");
        }
        return;
    }
    let key = created.expect("checked above");
    let one = format!("{keys}/{}", key.id);
    let redacted = redact(&key.private_key);

    let got = curl(emulator, "GET", &one, None).and_then(|exchange| {
        exchange.expect_status(200)?;
        let json = exchange.json()?;
        expect_field(&json, "id", &key.id)?;
        expect_field(&json, "privateKey", &redacted)?;
        Ok(format!("200, privateKey redacted as {redacted}"))
    });
    report.check("curl get", got);

    let listed = curl(emulator, "GET", &keys, None).and_then(|exchange| {
        exchange.expect_status(200)?;
        let json = exchange.json()?;
        let results = json["results"]
            .as_array()
            .ok_or("list has no `results` array")?;
        let item = results
            .iter()
            .find(|item| item["id"].as_str() == Some(key.id.as_str()))
            .ok_or_else(|| {
                format!(
                    "the new key {} is not in the list: {}",
                    key.id, exchange.body
                )
            })?;
        expect_field(item, "privateKey", &redacted)?;
        Ok(format!(
            "200, {} key(s) including the new one",
            results.len()
        ))
    });
    report.check("curl list", listed);

    let deleted = curl(emulator, "DELETE", &one, None).and_then(|exchange| {
        exchange.expect_status(204)?;
        Ok("204".to_owned())
    });
    report.check("curl delete", deleted);

    // The live service answers a deleted (unknown) key id with 400 API_KEY_NOT_FOUND, not
    // 404 (NOTES (j)).
    let gone = curl(emulator, "GET", &one, None).and_then(|exchange| {
        exchange.expect_status(400)?;
        let json = exchange.json()?;
        let code = json["errorCode"]
            .as_str()
            .ok_or_else(|| format!("400 body has no errorCode: {}", exchange.body))?;
        if code != "API_KEY_NOT_FOUND" {
            return Err(format!(
                "400 with errorCode {code}, expected API_KEY_NOT_FOUND"
            ));
        }
        Ok(format!("400 {code}"))
    });
    report.check("curl get after delete", gone);
}

#[derive(Debug)]
struct CreatedKey {
    id: String,
    public_key: String,
    private_key: String,
}

/// Checks a create response: 200 (not 201), a 24-hex id, an unredacted UUID private key, the
/// description sent and the ORG_MEMBER role on our organization.
fn check_created(exchange: &Exchange, org: &str, desc: &str) -> Result<CreatedKey, String> {
    exchange.expect_status(200)?;
    let json = exchange.json()?;
    let id = json["id"].as_str().unwrap_or_default();
    if !is_hex(id, 24) {
        return Err(format!("id {id:?} is not 24 hex digits: {}", exchange.body));
    }
    let private_key = json["privateKey"].as_str().unwrap_or_default();
    if !is_uuid(private_key) {
        return Err(format!(
            "privateKey {private_key:?} is not a full UUID: {}",
            exchange.body
        ));
    }
    let public_key = json["publicKey"].as_str().unwrap_or_default();
    if public_key.len() != 8 {
        return Err(format!(
            "publicKey {public_key:?} is not 8 characters: {}",
            exchange.body
        ));
    }
    expect_field(&json, "desc", desc)?;
    let has_role = json["roles"].as_array().is_some_and(|roles| {
        roles
            .iter()
            .any(|role| role["roleName"] == "ORG_MEMBER" && role["orgId"] == org)
    });
    if !has_role {
        return Err(format!(
            "roles lack ORG_MEMBER on org {org}: {}",
            exchange.body
        ));
    }
    Ok(CreatedKey {
        id: id.to_owned(),
        public_key: public_key.to_owned(),
        private_key: private_key.to_owned(),
    })
}

fn expect_field(json: &Value, key: &str, wanted: &str) -> Result<(), String> {
    match json[key].as_str() {
        Some(value) if value == wanted => Ok(()),
        other => Err(format!("`{key}` is {other:?}, expected {wanted:?}")),
    }
}

/// The redacted form the API shows after creation: `********-****-****-` and the last UUID group.
fn redact(private_key: &str) -> String {
    let last = private_key.rsplit('-').next().unwrap_or_default();
    format!("********-****-****-{last}")
}

fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|byte| byte.is_ascii_hexdigit())
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| is_hex(group, len))
}

// --- 4b. Python requests ------------------------------------------------------------------------

/// Environment every Python script gets: where the emulator is and how to log in.
fn emulator_env(command: &mut Command, emulator: &Emulator) {
    command
        .env("ATLAS_BASE_URL", &emulator.base_url)
        .env("ATLAS_ORG_ID", &emulator.org_id)
        .env("ATLAS_PROJECT_ID", &emulator.project_id)
        .env("ATLAS_PUBLIC_KEY", &emulator.public_key)
        .env("ATLAS_PRIVATE_KEY", &emulator.private_key)
        // Keep the scripts' output unbuffered so it interleaves with ours in CI logs.
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1");
}

fn requests_cycle(report: &mut Report, paths: &Paths, python: &PythonEnv, emulator: &Emulator) {
    let mut command = Command::new(python.python());
    command.arg(paths.py.join("requests_cycle.py"));
    emulator_env(&mut command, emulator);
    eprintln!("    $ ATLAS_*=... {}", describe(&command));
    let outcome = run_captured("requests_cycle.py", &mut command, SCRIPT_TIMEOUT);
    let (status, stdout, stderr) = match outcome {
        Ok(out) => (out.status.to_string(), out.stdout, out.stderr),
        Err(error) => (error, String::new(), String::new()),
    };
    let results = parse_step_lines(&stdout);
    for step in CYCLE_STEPS {
        let name = format!("requests {step}");
        match results.iter().find(|(found, _)| found == step) {
            Some((_, outcome)) => report.check(&name, outcome.clone()),
            None => report.check(
                &name,
                Err(format!(
                    "the script reported nothing ({status}): {}",
                    tail(&stderr)
                )),
            ),
        };
    }
}

/// Reads the script's `PASS step: detail` / `FAIL step: detail` lines.
fn parse_step_lines(output: &str) -> Vec<(String, Result<String, String>)> {
    output
        .lines()
        .filter_map(|line| {
            let (verdict, rest) = line.split_once(' ')?;
            let (step, detail) = rest.split_once(": ").unwrap_or((rest, ""));
            let detail = detail.to_owned();
            match verdict {
                "PASS" => Some((step.to_owned(), Ok(detail))),
                "FAIL" => Some((step.to_owned(), Err(detail))),
                _ => None,
            }
        })
        .collect()
}

// --- 4c. schemathesis ---------------------------------------------------------------------------

fn schemathesis(
    report: &mut Report,
    paths: &Paths,
    python: &PythonEnv,
    emulator: &Emulator,
    server: &Server,
) {
    if !paths.spec.is_file() {
        let missing = format!(
            "the spec is missing at {} (shared/ must sit beside the repository)",
            paths.spec.display()
        );
        report.check("schemathesis run", Err(missing));
        return;
    }
    let json_report = paths.work.join("schemathesis-report.json");
    let excluded: Vec<&str> = SCHEMATHESIS_EXCLUDED
        .iter()
        .map(|(check, _)| *check)
        .collect();
    let mut command = Command::new(python.bin("schemathesis"));
    command
        .arg("run")
        .arg(&paths.spec)
        // The spec's paths already start with /api/atlas/v2 and its server is a bare origin, so
        // the base URL is the emulator's origin: `{baseUrl}/api/atlas/v2` would double the prefix.
        .args(["--url", &emulator.base_url])
        // Every operation answers only its dated media type; the API's documented answer to an
        // Accept without it (schemathesis sends `*/*`) is 406, which the spec does not list, so
        // send what every real client of this API sends.
        .arg("--header")
        .arg(format!("Accept: {ATLAS_MEDIA_TYPE}"))
        .args(["--checks", "all"])
        .args(["--max-examples", SCHEMATHESIS_MAX_EXAMPLES])
        .args(["--seed", SCHEMATHESIS_SEED])
        // One worker: with two, schemathesis 4.32 / hypothesis sometimes fail a test with an
        // internal "AST constructor recursion depth mismatch" (a race in hypothesis' lambda
        // description cache), which is noise, not an emulator bug; one worker is fast enough.
        .args(["--workers", "1"])
        // Nothing is kept between runs: every run starts from a fresh emulator anyway.
        .args(["--generation-database", "none"])
        .args(["--report", "json", "--report-json-path"])
        .arg(&json_report)
        .arg("--no-color")
        // schemathesis writes nothing into the repository when it runs in the scratch directory.
        .current_dir(&paths.work)
        .env("SCHEMATHESIS_HOOKS", paths.py.join("schemathesis_hooks.py"));
    if !excluded.is_empty() {
        command.args(["--exclude-checks", &excluded.join(",")]);
    }
    emulator_env(&mut command, emulator);
    eprintln!(
        "    $ ATLAS_*=... SCHEMATHESIS_HOOKS=... {}",
        describe(&command)
    );
    match run_inherited("schemathesis", &mut command, SCHEMATHESIS_TIMEOUT) {
        Ok(status) => eprintln!("    schemathesis exited with {status}"),
        // A timeout still leaves the summary to report every check as not run.
        Err(error) => eprintln!("    {error}"),
    }
    for (check, why) in SCHEMATHESIS_EXCLUDED {
        eprintln!("    excluded schemathesis check {check}: {why}");
    }

    let mut summary = Command::new(python.python());
    summary
        .arg(paths.py.join("schemathesis_summary.py"))
        .arg(&json_report)
        .arg(excluded.join(","));
    let out = run_captured("schemathesis_summary.py", &mut summary, SCRIPT_TIMEOUT);
    let lines = out
        .as_ref()
        .map(|out| parse_step_lines(&out.stdout))
        .unwrap_or_default();
    if lines.is_empty() {
        let why = match &out {
            Ok(out) => format!(
                "the summary printed nothing ({}): {}",
                out.status,
                tail(&out.stderr)
            ),
            Err(error) => error.clone(),
        };
        report.check("schemathesis run", Err(why));
        return;
    }
    let mut any_failed = false;
    for (check, outcome) in lines {
        any_failed |= outcome.is_err();
        report.check(&format!("schemathesis {check}"), outcome);
    }
    if any_failed {
        eprintln!(
            "    schemathesis: failures are detailed in its output above and in {}{}",
            json_report.display(),
            server.log_tail()
        );
    }
}

// ---------------------------------------------------------------------------------------------

/// Runs a cargo build as one check.
fn build(report: &mut Report, name: &str, command: &mut Command) -> bool {
    eprintln!("    $ {}", describe(command));
    let outcome = run_inherited(name, command, Duration::from_secs(3600)).and_then(|status| {
        if status.success() {
            Ok("built".to_owned())
        } else {
            Err(format!("cargo failed ({status}); see above"))
        }
    });
    report.check(name, outcome)
}

/// The last few lines of a child's stderr, for an error message.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n    ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_emulator_line() {
        let line = r#"{"baseUrl":"http://127.0.0.1:40001/","orgId":"0123456789abcdef01234567","projectId":"abcdefabcdefabcdefabcdef","publicKey":"abcdefgh","privateKey":"7f1c2b3a-1111-4222-8333-444455556666","clientId":"mdb_sa_id_0123","clientSecret":"mdb_sa_sk_abc"}"#;
        let emulator = parse_emulator_line(line).expect("valid line");
        assert_eq!(emulator.base_url, "http://127.0.0.1:40001");
        assert_eq!(emulator.org_id, "0123456789abcdef01234567");
        assert_eq!(emulator.private_key, "7f1c2b3a-1111-4222-8333-444455556666");
        assert_eq!(emulator.client_secret, "mdb_sa_sk_abc");
    }

    #[test]
    fn rejects_incomplete_or_foreign_emulator_lines() {
        let missing = r#"{"baseUrl":"http://127.0.0.1:1","orgId":"a"}"#;
        assert!(
            parse_emulator_line(missing)
                .expect_err("incomplete")
                .contains("projectId")
        );
        let empty = r#"{"baseUrl":"http://127.0.0.1:1","orgId":"","projectId":"p","publicKey":"k","privateKey":"s","clientId":"c","clientSecret":"x"}"#;
        assert!(
            parse_emulator_line(empty)
                .expect_err("empty orgId")
                .contains("orgId")
        );
        let remote = r#"{"baseUrl":"http://10.0.0.1:1","orgId":"o","projectId":"p","publicKey":"k","privateKey":"s","clientId":"c","clientSecret":"x"}"#;
        assert!(
            parse_emulator_line(remote)
                .expect_err("not loopback")
                .contains("127.0.0.1")
        );
        assert!(parse_emulator_line("listening on 127.0.0.1:1").is_err());
    }

    #[test]
    fn parses_probe_lines() {
        let result = parse_probe_line(
            r#"{"backend":"reqwest","requests":50,"ok":49,"errors":1,"wire":100,"challenges":2,"transport_errors":0,"seconds":0.25}"#,
        )
        .expect("valid");
        assert_eq!(
            result,
            ProbeResult {
                backend: "reqwest".into(),
                requests: 50,
                ok: 49,
                errors: 1,
                wire: 100,
                challenges: 2,
                transport_errors: 0,
                seconds: 0.25,
            }
        );
        assert!(
            parse_probe_line(r#"{"backend":"hyper","requests":50,"ok":50,"errors":0,"challenges":1,"transport_errors":0,"seconds":1.0}"#)
                .expect_err("no wire")
                .contains("wire")
        );
        assert!(
            parse_probe_line(r#"{"backend":"hyper","requests":"50","ok":50,"wire":1}"#).is_err()
        );
    }

    #[test]
    fn splits_curl_output() {
        let exchange = split_status_line("{\"a\":1}\n200").expect("body and status");
        assert_eq!(
            (exchange.status, exchange.body.as_str()),
            (200, "{\"a\":1}")
        );
        let empty = split_status_line("\n204").expect("empty body");
        assert_eq!((empty.status, empty.body.as_str()), (204, ""));
        assert!(split_status_line("no status").is_none());
        assert!(split_status_line("body\nabc").is_none());
    }

    #[test]
    fn redacts_like_the_api() {
        assert_eq!(
            redact("c8150efd-c7a0-4afd-8c4f-01bdd56c8977"),
            "********-****-****-01bdd56c8977"
        );
        assert!(is_uuid("c8150efd-c7a0-4afd-8c4f-01bdd56c8977"));
        assert!(!is_uuid("********-****-****-01bdd56c8977"));
        assert!(!is_uuid("c8150efd-c7a0-4afd-8c4f"));
        assert!(is_hex("5f0c1e2d3c4b5a6978877665", 24));
        assert!(!is_hex("5f0c1e2d3c4b5a697887766", 24));
    }

    #[test]
    fn checks_create_responses() {
        let org = "4888442a3354817a7320eb61";
        let body = format!(
            r#"{{"desc":"interop curl","id":"5f0c1e2d3c4b5a6978877665","privateKey":"c8150efd-c7a0-4afd-8c4f-01bdd56c8977","publicKey":"zmmrboas","roles":[{{"orgId":"{org}","roleName":"ORG_MEMBER"}}],"links":[]}}"#
        );
        let ok = Exchange {
            status: 200,
            body: body.clone(),
        };
        let key = check_created(&ok, org, "interop curl").expect("valid create");
        assert_eq!(key.id, "5f0c1e2d3c4b5a6978877665");
        let created_201 = Exchange {
            status: 201,
            body: body.clone(),
        };
        assert!(
            check_created(&created_201, org, "interop curl")
                .expect_err("201")
                .contains("200")
        );
        let redacted = Exchange {
            status: 200,
            body: body.replace("c8150efd-c7a0-4afd-8c4f", "********-****-****"),
        };
        assert!(
            check_created(&redacted, org, "interop curl")
                .expect_err("redacted")
                .contains("UUID")
        );
        let other_org = Exchange { status: 200, body };
        assert!(check_created(&other_org, "0000000000000000000000ff", "interop curl").is_err());
    }

    #[test]
    fn parses_script_step_lines() {
        let lines = "noise\nPASS create: 200 id x\nFAIL get: expected 200, got 500\nPASS list\n";
        let steps = parse_step_lines(lines);
        assert_eq!(
            steps,
            vec![
                ("create".to_owned(), Ok("200 id x".to_owned())),
                ("get".to_owned(), Err("expected 200, got 500".to_owned())),
                ("list".to_owned(), Ok(String::new())),
            ]
        );
        let steps = parse_step_lines("PASS get after delete: 400 API_KEY_NOT_FOUND");
        assert_eq!(steps[0].0, "get after delete");
    }

    #[test]
    fn names_one_probe_check_per_backend_and_algorithm() {
        assert_eq!(
            probe_check_names().len(),
            PROBE_BACKENDS.len() * PROBE_ALGORITHMS.len()
        );
    }
}
