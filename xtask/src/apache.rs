//! Apache httpd (Debian's `apache2` package) as a strict HTTP Digest server for
//! `cargo xtask interop`: installed with apt-get when missing, configured from scratch in a temp
//! directory, started on 127.0.0.1, and its logs read back to count what the server saw.
//!
//! Apache daemonises (`apache2 -k start`), so it is not our `Child`: it is stopped by the PID its
//! own PidFile names, with SIGTERM, and waited for until that process is gone. It must never be
//! stopped by name (no `pkill`, `killall`, `apache2ctl stop` on the system instance), must not
//! touch the system's `/etc/apache2` configuration or service, and listens on 127.0.0.1 only.

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::cmd::describe;
use crate::process::{log_tail, run_captured};
use crate::python_env::apt_install;

/// Debian's build keeps its modules here; `log_config` is built in and must not be loaded again.
const MODULE_DIR: &str = "/usr/lib/apache2/modules";
const MODULES: [(&str, &str); 8] = [
    ("mpm_event_module", "mod_mpm_event.so"),
    ("authn_core_module", "mod_authn_core.so"),
    ("authn_file_module", "mod_authn_file.so"),
    ("authz_core_module", "mod_authz_core.so"),
    ("authz_user_module", "mod_authz_user.so"),
    ("auth_digest_module", "mod_auth_digest.so"),
    ("mime_module", "mod_mime.so"),
    ("rewrite_module", "mod_rewrite.so"),
];
/// A port taken between our probe bind and Apache's own bind is retried with another one.
const PORT_ATTEMPTS: u32 = 5;
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// A graceful stop waits for the requests in flight; ours are all finished by then.
const STOP_TIMEOUT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(50);
/// The access log line: client, request line, final status (`127.0.0.1 GET /p?q HTTP/1.1 401`).
const ACCESS_FORMAT: &str = "%h %r %>s";

/// Returns Apache's version line, installing `apache2` and `apache2-utils` with apt-get first
/// when `apache2` does not run.
pub(crate) fn ensure_installed() -> Result<String, String> {
    if let Ok(version) = version() {
        return Ok(version);
    }
    eprintln!("    apache2 is missing; installing it with apt-get");
    apt_install(&["apache2", "apache2-utils"])?;
    version().map_err(|error| format!("apache2 still does not run after apt-get install: {error}"))
}

fn version() -> Result<String, String> {
    let out = run_captured("apache2 -v", apache2().arg("-v"), COMMAND_TIMEOUT)?;
    if !out.status.success() {
        return Err(format!("`apache2 -v` failed ({})", out.status));
    }
    Ok(out
        .stdout
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned())
}

/// `apache2`, found on PATH or where Debian puts it (`/usr/sbin` is not on every PATH).
fn apache2() -> Command {
    let sbin = Path::new("/usr/sbin/apache2");
    Command::new(if sbin.is_file() {
        sbin
    } else {
        Path::new("apache2")
    })
}

/// What a request count run saw on the server, read from Apache's logs.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ServerCounts {
    /// Requests logged (every one, 2xx or not).
    pub(crate) requests: u64,
    /// Requests answered 401: each carries a fresh challenge.
    pub(crate) challenges: u64,
    /// `AH01774 ... nonce-count check failed`: an `nc` not above the last one seen.
    pub(crate) nc_failures: u64,
    /// `AH01778 ... nonce expired`: a stale nonce answered with a new one.
    pub(crate) expired: u64,
    /// `AH10618 client ... is no longer known`: Apache forgot an opaque (its table was full).
    pub(crate) forgotten: u64,
}

/// Byte offsets into the logs, so counts can be taken for one run at a time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LogMark {
    access: u64,
    error: u64,
}

/// A running Apache. Dropping it stops it (by its PID) and removes its directory.
#[derive(Debug)]
pub(crate) struct Apache {
    dir: PathBuf,
    port: u16,
    pid: u32,
}

impl Apache {
    /// Starts Apache with the common configuration (modules, logs, `docs/` as the document
    /// root, digest realm user file `users`) followed by `site`, whose text may use `{dir}`
    /// for the server's directory. The caller fills `docs/` and `users` through
    /// [`Apache::prepare`] first.
    pub(crate) fn start(dir: &Path, site: &str) -> Result<Apache, String> {
        let mut last_error = String::new();
        for attempt in 1..=PORT_ATTEMPTS {
            let port = free_port()?;
            let conf = dir.join("httpd.conf");
            write_file(&conf, &config(dir, port, site))?;
            let mut command = apache2();
            command.arg("-f").arg(&conf).args(["-k", "start"]);
            eprintln!("    $ {}", describe(&command));
            let out = run_captured("apache2 -k start", &mut command, COMMAND_TIMEOUT)?;
            let said = format!("{}{}", out.stdout, out.stderr);
            if !out.status.success() {
                last_error = format!(
                    "`apache2 -k start` failed ({}): {}{}",
                    out.status,
                    said.trim(),
                    log_tail(&dir.join("error.log"))
                );
                if said.contains("Address already in use") && attempt < PORT_ATTEMPTS {
                    eprintln!("    port {port} was taken meanwhile; trying another");
                    continue;
                }
                return Err(last_error);
            }
            let pid = wait_for_pid(dir)?;
            let apache = Apache {
                dir: dir.to_owned(),
                port,
                pid,
            };
            // From here on a failure drops `apache`, which stops it.
            apache.wait_until_listening()?;
            return Ok(apache);
        }
        Err(last_error)
    }

    /// Makes `dir` afresh, world-readable (Apache's children run as www-data), with `docs/`
    /// and a user file holding `(user, realm, password)` lines as `htdigest` writes them.
    /// An Apache a killed earlier run left behind in `dir` is stopped first (see
    /// [`stop_leftover`]).
    pub(crate) fn prepare(dir: &Path, users: &[(&str, &str, &str)]) -> Result<(), String> {
        stop_leftover(dir);
        if dir.exists() {
            std::fs::remove_dir_all(dir)
                .map_err(|error| format!("could not clear {}: {error}", dir.display()))?;
        }
        make_dir(&dir.join("docs"))?;
        make_readable(dir)?;
        let mut text = String::new();
        for (user, realm, password) in users {
            let ha1 = md5_hex(&format!("{user}:{realm}:{password}"))?;
            let _ = writeln!(text, "{user}:{realm}:{ha1}");
        }
        write_file(&dir.join("users"), &text)
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    pub(crate) fn access_log(&self) -> PathBuf {
        self.dir.join("access.log")
    }

    pub(crate) fn error_log(&self) -> PathBuf {
        self.dir.join("error.log")
    }

    pub(crate) fn mark(&self) -> LogMark {
        let len = |path: PathBuf| std::fs::metadata(path).map_or(0, |meta| meta.len());
        LogMark {
            access: len(self.access_log()),
            error: len(self.error_log()),
        }
    }

    /// What the server logged since `mark` for request paths starting with `prefix`. Apache
    /// writes an access line just after the response, so a client that has its last answer
    /// may be a moment ahead of the log: it waits (bounded) until `expected_requests` lines
    /// are there, or returns what there is.
    pub(crate) fn counts_since(
        &self,
        mark: LogMark,
        prefix: &str,
        expected_requests: u64,
    ) -> ServerCounts {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let access = read_from(&self.access_log(), mark.access);
            let errors = read_from(&self.error_log(), mark.error);
            let counts = count_logs(&access, &errors, prefix);
            if counts.requests >= expected_requests || Instant::now() >= deadline {
                return counts;
            }
            thread::sleep(POLL);
        }
    }

    fn wait_until_listening(&self) -> Result<(), String> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + READY_TIMEOUT;
        while TcpStream::connect_timeout(&address, POLL).is_err() {
            if Instant::now() >= deadline {
                return Err(format!(
                    "apache2 (pid {}) does not accept connections on {address}{}",
                    self.pid,
                    log_tail(&self.error_log())
                ));
            }
            thread::sleep(POLL);
        }
        Ok(())
    }

    fn stop(&self) -> String {
        stop_pid(self.pid)
    }
}

/// SIGTERM to `pid`, then waits until that process is gone (SIGKILL after [`STOP_TIMEOUT`]);
/// returns how it went, for the log.
fn stop_pid(pid: u32) -> String {
    let alive = || Path::new(&format!("/proc/{pid}")).exists();
    signal("TERM", pid);
    let deadline = Instant::now() + STOP_TIMEOUT;
    while alive() {
        if Instant::now() >= deadline {
            signal("KILL", pid);
            return format!("did not stop within {}s; killed", STOP_TIMEOUT.as_secs());
        }
        thread::sleep(POLL);
    }
    "stopped".to_owned()
}

/// An interrupted run (Ctrl-C) never reaches `Drop`, and Apache, a daemon, outlives it. The
/// next run in the same directory stops it, but only if the PID its PidFile names is still an
/// Apache started with this directory's config, so no other process is ever touched.
fn stop_leftover(dir: &Path) {
    let Some(pid) = std::fs::read_to_string(dir.join("httpd.pid"))
        .ok()
        .and_then(|text| text.trim().parse::<u32>().ok())
    else {
        return;
    };
    let conf = dir.join("httpd.conf").display().to_string();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let ours = cmdline
        .split(|byte| *byte == 0)
        .any(|arg| arg == conf.as_bytes());
    if ours {
        eprintln!(
            "    apache2 (pid {pid}) left by an interrupted run: {}",
            stop_pid(pid)
        );
    }
}

impl Drop for Apache {
    fn drop(&mut self) {
        let how = self.stop();
        eprintln!("    apache2 (pid {}): {how}", self.pid);
    }
}

/// The whole httpd.conf: nothing from /etc/apache2, so the system's configuration (and any
/// system Apache on port 80) is neither read nor touched.
fn config(dir: &Path, port: u16, site: &str) -> String {
    let dir = dir.display().to_string();
    let mut text = format!(
        "# Written by cargo xtask interop; nothing here comes from /etc/apache2.\n\
         ServerRoot {dir}\n\
         ServerName 127.0.0.1\n\
         Listen 127.0.0.1:{port}\n\
         User www-data\n\
         Group www-data\n\
         PidFile {dir}/httpd.pid\n\
         DefaultRuntimeDir {dir}\n\
         ErrorLog {dir}/error.log\n\
         # auth_digest:debug logs every nonce-count failure and expired nonce, which we count.\n\
         LogLevel warn auth_digest:debug\n\
         LogFormat \"{ACCESS_FORMAT}\" interop\n\
         CustomLog {dir}/access.log interop\n"
    );
    for (name, file) in MODULES {
        let _ = writeln!(text, "LoadModule {name} {MODULE_DIR}/{file}");
    }
    let _ = write!(
        text,
        "TypesConfig /dev/null\n\
         DocumentRoot {dir}/docs\n\
         # Apache keeps each opaque's last nc in this table; the default 1000 bytes holds a\n\
         # few dozen clients, fewer than the 64 lanes a burst opens, and a forgotten client is\n\
         # re-challenged, which would count against the client.\n\
         AuthDigestShmemSize 1048576\n\
         {}\n",
        site.replace("{dir}", &dir)
    );
    text
}

/// A port that was free a moment ago: bind 127.0.0.1:0, read the port, close. Apache needs a
/// fixed number in its config; a collision in between is retried by [`Apache::start`].
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|error| format!("could not bind 127.0.0.1:0: {error}"))?;
    listener
        .local_addr()
        .map(|address| address.port())
        .map_err(|error| format!("could not read the bound port: {error}"))
}

fn wait_for_pid(dir: &Path) -> Result<u32, String> {
    let file = dir.join("httpd.pid");
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Some(pid) = std::fs::read_to_string(&file)
            .ok()
            .and_then(|text| text.trim().parse::<u32>().ok())
        {
            return Ok(pid);
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "apache2 started but wrote no PID to {}{}",
                file.display(),
                log_tail(&dir.join("error.log"))
            ));
        }
        thread::sleep(POLL);
    }
}

/// `kill -SIGNAL PID`: one process, by the PID it reported itself.
fn signal(name: &str, pid: u32) {
    let _ = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// MD5 in hex through coreutils' `md5sum`, for the user file's HA1: one hash per run does not
/// justify a hash crate in xtask, which must stay quick to build.
fn md5_hex(text: &str) -> Result<String, String> {
    let mut child = Command::new("md5sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| format!("could not run md5sum: {error}"))?;
    child
        .stdin
        .take()
        .expect("stdin was piped")
        .write_all(text.as_bytes())
        .map_err(|error| format!("could not feed md5sum: {error}"))?;
    let out = child
        .wait_with_output()
        .map_err(|error| format!("md5sum failed: {error}"))?;
    let hex = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    if out.status.success() && hex.len() == 32 {
        Ok(hex)
    } else {
        Err(format!("md5sum printed no hash ({})", out.status))
    }
}

/// Creates `dir` (and parents) readable and searchable by everyone.
pub(crate) fn make_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir)
        .map_err(|error| format!("could not create {}: {error}", dir.display()))?;
    make_readable(dir)
}

fn make_readable(dir: &Path) -> Result<(), String> {
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))
        .map_err(|error| format!("could not open up {}: {error}", dir.display()))
}

/// Writes a file readable by everyone (Apache's children read it as www-data).
pub(crate) fn write_file(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text)
        .and_then(|()| std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)))
        .map_err(|error| format!("could not write {}: {error}", path.display()))
}

fn read_from(path: &Path, offset: u64) -> String {
    let bytes = std::fs::read(path).unwrap_or_default();
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    String::from_utf8_lossy(&bytes[start..]).into_owned()
}

/// Counts the access-log lines (`ACCESS_FORMAT`) whose path starts with `prefix`, and the
/// digest lines of the error log.
fn count_logs(access: &str, errors: &str, prefix: &str) -> ServerCounts {
    let mut counts = ServerCounts::default();
    for line in access.lines() {
        // `127.0.0.1 GET /path?query HTTP/1.1 401`
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (Some(path), Some(status)) = (fields.get(2), fields.last()) else {
            continue;
        };
        if !path.starts_with(prefix) {
            continue;
        }
        counts.requests += 1;
        if *status == "401" {
            counts.challenges += 1;
        }
    }
    for line in errors.lines() {
        if line.contains("AH01774") {
            counts.nc_failures += 1;
        } else if line.contains("AH01778") {
            counts.expired += 1;
        } else if line.contains("AH10618") {
            counts.forgotten += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::{ServerCounts, config, count_logs};
    use std::path::Path;

    #[test]
    fn counts_requests_challenges_and_digest_errors() {
        let access = "127.0.0.1 GET /strict/page?pageNum=1&itemsPerPage=100 HTTP/1.1 401\n\
                      127.0.0.1 GET /strict/page?pageNum=1&itemsPerPage=100 HTTP/1.1 200\n\
                      127.0.0.1 GET /short/page?pageNum=2 HTTP/1.1 401\n\
                      garbage\n";
        let errors = "[auth_digest:error] AH01774: Warning, possible replay attack: nonce-count check failed: 3 is not above 4 for nonce x\n\
                      [auth_digest:info] AH01778: user u: nonce expired (2.10 seconds old - max lifetime 2.00) - sending new nonce\n\
                      [auth_digest:debug] AH01768: allocated new client 3\n";
        assert_eq!(
            count_logs(access, errors, "/strict/"),
            ServerCounts {
                requests: 2,
                challenges: 1,
                nc_failures: 1,
                expired: 1,
                forgotten: 0,
            }
        );
        assert_eq!(count_logs(access, "", "/short/").challenges, 1);
        assert_eq!(count_logs("", "", "/").requests, 0);
    }

    #[test]
    fn config_listens_on_loopback_and_loads_no_log_config() {
        let text = config(
            Path::new("/tmp/x"),
            4321,
            "<Directory {dir}/docs/a>\n</Directory>",
        );
        assert!(text.contains("Listen 127.0.0.1:4321\n"));
        assert!(text.contains("<Directory /tmp/x/docs/a>"));
        assert!(text.contains("LoadModule auth_digest_module"));
        assert!(!text.contains("log_config_module"));
        assert!(!text.contains("Include"));
    }
}
