//! Interop part: the transport's proxy support (issue #16) against Debian's tinyproxy, a proxy
//! we did not write. tinyproxy is installed with apt-get when missing, started in the
//! foreground (`-d`) on 127.0.0.1 with a generated configuration (`Listen 127.0.0.1`,
//! `Allow 127.0.0.1`, `ConnectPort` for the TLS emulator only, its own log and PID file) and
//! killed through its process handle. Its log is the witness: each check counts the request
//! lines it logged (`CONNECT 127.0.0.1:PORT` for a tunnel, `GET http://...` in absolute form).
//!
//! Checks: the `digest_probe` example, both backends, through `HTTPS_PROXY` to the emulator
//! started with `--tls` (trusting its CA through `SSL_CERT_FILE`) and through lower-case
//! `http_proxy` to a plain emulator; the CLI through a tinyproxy that requires `BasicAuth`,
//! with the credentials in the proxy URL (they never appear in its output), and without them
//! (refused, the message naming the 407); and `NO_PROXY=127.0.0.1`, which goes direct.
//!
//! It must not link our crates (probe and CLI run as child processes), and it talks only to the
//! servers it starts.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{Paths, Report, build, build_command, parse_probe_line, tail};
use crate::cmd::describe_masked;
use crate::emulator_line::EmulatorLine;
use crate::process::{Server, run_captured};
use crate::python_env::apt_install;

const PROXY_USER: &str = "interop";
const PROXY_PASSWORD: &str = "pr0xy-Pa55";
const REQUESTS: u64 = 20;
const TIMEOUT: Duration = Duration::from_secs(120);
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Every proxy and certificate variable, removed from each child so that only the ones a check
/// sets apply (a developer's own proxy must not take part).
const NETWORK_VARS: [&str; 10] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
];

fn check_names() -> Vec<String> {
    let mut names = Vec::new();
    for backend in super::PROBE_BACKENDS {
        names.push(format!(
            "digest_probe {backend} via HTTPS_PROXY (CONNECT) to TLS"
        ));
        names.push(format!(
            "digest_probe {backend} via http_proxy (absolute form)"
        ));
    }
    names.push("atlas-keys via HTTPS_PROXY with credentials (BasicAuth)".to_owned());
    names.push("atlas-keys via HTTPS_PROXY without credentials is refused (407)".to_owned());
    names.push("atlas-keys with NO_PROXY=127.0.0.1 goes direct".to_owned());
    names
}

pub(super) fn part(report: &mut Report, paths: &Paths) {
    let names = check_names();
    let installed = report.check("tinyproxy installed", ensure_installed());
    let built = build(
        report,
        "digest_probe, emulator and CLI build",
        build_command("--example", "digest_probe").args([
            "--bin",
            "atlas-keys-emulator",
            "--bin",
            "atlas-keys",
        ]),
    );
    if !(installed && built) {
        for name in &names {
            report.not_run(name, "tinyproxy or our binaries are not available");
        }
        return;
    }
    let dir = paths.work.join("proxy");
    let ca = dir.join("emulator-ca.pem");
    let setup = std::fs::create_dir_all(&dir)
        .map_err(|e| format!("could not create {}: {e}", dir.display()))
        .and_then(|()| {
            let tls = start_emulator(paths, &dir, Some(&ca))?;
            let plain = start_emulator(paths, &dir, None)?;
            let port = tls.1.base_url.rsplit(':').next().unwrap_or("").to_owned();
            let open = Tinyproxy::start(&dir.join("open"), &port, None)?;
            let authed =
                Tinyproxy::start(&dir.join("auth"), &port, Some((PROXY_USER, PROXY_PASSWORD)))?;
            Ok((tls, plain, open, authed))
        });
    let detail = setup.as_ref().map(|(tls, plain, open, authed)| {
        format!(
            "emulators {} and {}, tinyproxy on ports {} and {} (BasicAuth)",
            tls.1.base_url, plain.1.base_url, open.port, authed.port
        )
    });
    report.check(
        "emulators and tinyproxy start",
        detail.map_err(Clone::clone),
    );
    let Ok(((_tls_server, tls), (_plain_server, plain), open, authed)) = setup else {
        for name in &names {
            report.not_run(name, "the emulators or tinyproxy did not start");
        }
        return;
    };
    let ca = ca.to_string_lossy().into_owned();
    let mut names = names.iter();
    for backend in super::PROBE_BACKENDS {
        let before = open.requests().len();
        let outcome = probe(paths, backend, &tls, &[
            ("HTTPS_PROXY", &open.url(None)),
            ("NO_PROXY", ""),
            ("SSL_CERT_FILE", &ca),
        ])
        .and_then(|wire| {
            let seen = open.requests()[before..].to_vec();
            let port = tls.base_url.rsplit(':').next().unwrap_or("");
            let tunnels = seen.iter().filter(|r| r.starts_with(&format!("CONNECT 127.0.0.1:{port} "))).count();
            if tunnels == 0 {
                return Err(format!("tinyproxy logged no CONNECT to the emulator: {seen:?}"));
            }
            report_note(format!("tinyproxy: {backend}: {tunnels} CONNECT tunnel(s) carried {wire} requests ({REQUESTS} calls)"))
        });
        report.check(names.next().expect("name"), outcome);
        let before = open.requests().len();
        let outcome = probe(paths, backend, &plain, &[
            ("http_proxy", &open.url(None)),
            ("no_proxy", ""),
        ])
        .and_then(|wire| {
            let seen = open.requests()[before..].to_vec();
            let absolute = seen.iter().filter(|r| r.starts_with(&format!("GET {}/", plain.base_url))).count() as u64;
            if absolute != wire {
                return Err(format!("tinyproxy logged {absolute} absolute-form GETs for {wire} requests on the wire: {seen:?}"));
            }
            report_note(format!("tinyproxy: {backend}: {absolute} absolute-form GETs = {wire} requests on the wire"))
        });
        report.check(names.next().expect("name"), outcome);
    }

    let with_auth = authed.url(Some((PROXY_USER, PROXY_PASSWORD)));
    let before = authed.requests().len();
    let outcome = cli(paths, &tls, &[("HTTPS_PROXY", &with_auth), ("NO_PROXY", ""), ("SSL_CERT_FILE", &ca)])
        .and_then(|out| {
            if !out.0 {
                return Err(format!("atlas-keys failed: {}", tail(&out.2)));
            }
            if format!("{}{}", out.1, out.2).contains(PROXY_PASSWORD) {
                return Err("the proxy password appears in the CLI's output".to_owned());
            }
            let seen = authed.requests()[before..].len();
            if seen == 0 {
                return Err("tinyproxy logged no request".to_owned());
            }
            Ok(format!("listed through the proxy; tinyproxy logged {seen} request(s); no password in the output"))
        });
    report.check(names.next().expect("name"), outcome);

    let outcome = cli(
        paths,
        &tls,
        &[
            ("HTTPS_PROXY", &authed.url(None)),
            ("NO_PROXY", ""),
            ("SSL_CERT_FILE", &ca),
        ],
    )
    .and_then(|out| {
        if out.0 {
            return Err("atlas-keys succeeded without proxy credentials".to_owned());
        }
        if !(out.2.contains("407") || out.2.contains("authentication")) {
            return Err(format!("the error does not name the 407: {}", tail(&out.2)));
        }
        Ok(format!(
            "refused: {}",
            out.2
                .lines()
                .find(|l| l.contains("407"))
                .unwrap_or("")
                .trim()
        ))
    });
    report.check(names.next().expect("name"), outcome);

    let before = open.requests().len();
    let outcome = cli(
        paths,
        &tls,
        &[
            ("HTTPS_PROXY", &open.url(None)),
            ("NO_PROXY", "localhost,127.0.0.1"),
            ("SSL_CERT_FILE", &ca),
        ],
    )
    .and_then(|out| {
        if !out.0 {
            return Err(format!("atlas-keys failed: {}", tail(&out.2)));
        }
        let seen = open.requests()[before..].to_vec();
        if !seen.is_empty() {
            return Err(format!(
                "tinyproxy saw requests it should not have: {seen:?}"
            ));
        }
        Ok("listed directly; tinyproxy logged nothing".to_owned())
    });
    report.check(names.next().expect("name"), outcome);
    // Servers and proxies drop here: killed and reaped.
}

fn report_note(note: String) -> Result<String, String> {
    eprintln!("    {note}");
    Ok(note)
}

/// `tinyproxy -v`, installing the package with apt-get first when it is missing.
fn ensure_installed() -> Result<String, String> {
    let version = || -> Result<String, String> {
        let out = run_captured("tinyproxy -v", Command::new("tinyproxy").arg("-v"), TIMEOUT)?;
        if out.status.success() {
            Ok(format!("{}{}", out.stdout, out.stderr).trim().to_owned())
        } else {
            Err(format!("`tinyproxy -v` failed ({})", out.status))
        }
    };
    if let Ok(v) = version() {
        return Ok(v);
    }
    eprintln!("    tinyproxy is missing; installing it with apt-get");
    apt_install(&["tinyproxy"])?;
    version().map_err(|e| format!("tinyproxy still does not run after apt-get install: {e}"))
}

fn start_emulator(
    paths: &Paths,
    dir: &Path,
    ca_out: Option<&Path>,
) -> Result<(Server, EmulatorLine), String> {
    let mut command = Command::new(paths.target.join("debug").join("atlas-keys-emulator"));
    command.args(["--listen", "127.0.0.1:0"]).current_dir(dir);
    if let Some(ca) = ca_out {
        command.arg("--tls").arg("--tls-ca-out").arg(ca);
    }
    let name = if ca_out.is_some() {
        "emulator-tls"
    } else {
        "emulator-plain"
    };
    let log = dir.join(format!("{name}.log"));
    let (server, line) = Server::start(name, &mut command, &log, START_TIMEOUT)?;
    let mut line = EmulatorLine::parse(&line).map_err(|e| format!("{name}: {e}"))?;
    line.base_url = line.base_url.trim_end_matches('/').to_owned();
    Ok((server, line))
}

/// Runs `digest_probe` as the emulator's digest key against its key list, with `vars` set and
/// every other network variable removed; returns the requests it put on the wire.
fn probe(
    paths: &Paths,
    backend: &str,
    emulator: &EmulatorLine,
    vars: &[(&str, &str)],
) -> Result<u64, String> {
    let url = format!(
        "{}/api/atlas/v2/orgs/{}/apiKeys",
        emulator.base_url, emulator.org_id
    );
    let mut command = Command::new(
        paths
            .target
            .join("debug")
            .join("examples")
            .join("digest_probe"),
    );
    command
        .args([
            "--backend",
            backend,
            "--url",
            &url,
            "--user",
            &emulator.public_key,
        ])
        .args(["--requests", &REQUESTS.to_string()])
        .args(["--accept", super::ATLAS_MEDIA_TYPE]);
    clear_network_env(&mut command);
    command.env("DIGEST_PROBE_PASSWORD", &emulator.private_key);
    for (name, value) in vars {
        command.env(name, value);
    }
    eprintln!(
        "    $ {} DIGEST_PROBE_PASSWORD=*** {}",
        show_vars(vars),
        describe_masked(&command, &[&emulator.private_key])
    );
    let out = run_captured("digest_probe", &mut command, TIMEOUT)?;
    let line = out
        .stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .ok_or_else(|| format!("no JSON line; stderr: {}", tail(&out.stderr)))?;
    let result = parse_probe_line(line)?;
    if !out.status.success() || result.ok != REQUESTS {
        return Err(format!(
            "{} of {REQUESTS} requests succeeded; stderr: {}",
            result.ok,
            tail(&out.stderr)
        ));
    }
    Ok(result.wire)
}

/// `atlas-keys organizations apiKeys list` against `emulator` with `vars`: (success, stdout,
/// stderr).
fn cli(
    paths: &Paths,
    emulator: &EmulatorLine,
    vars: &[(&str, &str)],
) -> Result<(bool, String, String), String> {
    let mut command = Command::new(paths.target.join("debug").join("atlas-keys"));
    command.args([
        "organizations",
        "apiKeys",
        "list",
        "--orgId",
        &emulator.org_id,
        "--output",
        "json",
        "--base-url",
        &emulator.base_url,
    ]);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MONGODB_ATLAS_") {
            command.env_remove(name);
        }
    }
    clear_network_env(&mut command);
    command
        .env("MONGODB_ATLAS_PUBLIC_API_KEY", &emulator.public_key)
        .env("MONGODB_ATLAS_PRIVATE_API_KEY", &emulator.private_key)
        .env(
            "ATLAS_KEYS_CACHE_DIR",
            paths.work.join("proxy").join("cli-cache"),
        );
    for (name, value) in vars {
        command.env(name, value);
    }
    eprintln!(
        "    $ {} MONGODB_ATLAS_PRIVATE_API_KEY=*** {}",
        show_vars(vars).replace(PROXY_PASSWORD, "***"),
        describe_masked(&command, &[&emulator.private_key])
    );
    let out = run_captured("atlas-keys", &mut command, TIMEOUT)?;
    Ok((out.status.success(), out.stdout, out.stderr))
}

fn clear_network_env(command: &mut Command) {
    for name in NETWORK_VARS {
        command.env_remove(name);
    }
}

fn show_vars(vars: &[(&str, &str)]) -> String {
    vars.iter()
        .map(|(n, v)| format!("{n}={v:?}").replace(PROXY_PASSWORD, "***"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A running tinyproxy; dropping it kills it (by its own process handle) and reaps it.
#[derive(Debug)]
struct Tinyproxy {
    port: u16,
    log: PathBuf,
    child: Child,
}

impl Tinyproxy {
    fn start(
        dir: &Path,
        connect_port: &str,
        auth: Option<(&str, &str)>,
    ) -> Result<Tinyproxy, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("could not create {}: {e}", dir.display()))?;
        // tinyproxy cannot take port 0 and report the one it got: a port free a moment ago.
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("could not find a free port: {e}"))?
            .port();
        let log = dir.join("tinyproxy.log");
        let mut conf = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile \"{}\"\nLogLevel Info\nPidFile \"{}\"\n\
             MaxClients 100\nAllow 127.0.0.1\nDisableViaHeader Yes\nConnectPort {connect_port}\n",
            log.display(),
            dir.join("tinyproxy.pid").display()
        );
        if let Some((user, password)) = auth {
            conf.push_str(&format!("BasicAuth {user} {password}\n"));
        }
        let conf_path = dir.join("tinyproxy.conf");
        std::fs::write(&conf_path, conf)
            .map_err(|e| format!("could not write {}: {e}", conf_path.display()))?;
        let mut command = Command::new("tinyproxy");
        command
            .arg("-d")
            .arg("-c")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        eprintln!("    $ tinyproxy -d -c {}", conf_path.display());
        let child = command
            .spawn()
            .map_err(|e| format!("could not start tinyproxy: {e}"))?;
        let mut proxy = Tinyproxy { port, log, child };
        let started = Instant::now();
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            if let Ok(Some(status)) = proxy.child.try_wait() {
                return Err(format!(
                    "tinyproxy exited ({status}){}",
                    crate::process::log_tail(&proxy.log)
                ));
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(format!(
                    "tinyproxy did not listen on 127.0.0.1:{port}{}",
                    crate::process::log_tail(&proxy.log)
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(proxy)
    }

    fn url(&self, auth: Option<(&str, &str)>) -> String {
        match auth {
            Some((user, password)) => format!("http://{user}:{password}@127.0.0.1:{}", self.port),
            None => format!("http://127.0.0.1:{}", self.port),
        }
    }

    /// The request lines tinyproxy logged so far, in order.
    fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("Request ("))
            .filter_map(|l| l.split_once("): ").map(|(_, r)| r.to_owned()))
            .collect()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
