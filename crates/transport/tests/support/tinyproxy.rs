//! A real HTTP proxy for tests: Debian's `tinyproxy`, started in the foreground (`-d`) on
//! 127.0.0.1 with a generated configuration, and killed by its own process handle when dropped.
//!
//! When the binary is absent, [`Tinyproxy::start`] returns `None` and the caller prints why it
//! skipped (`cargo xtask interop` installs tinyproxy and always runs the proxy checks).

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A running tinyproxy. Dropping it kills it and removes its directory.
pub struct Tinyproxy {
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

/// Where tinyproxy is, if installed.
pub fn binary() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .map(|d| d.join("tinyproxy"))
                .collect()
        })
        .unwrap_or_default();
    candidates.push("/usr/bin/tinyproxy".into());
    candidates.push("/usr/sbin/tinyproxy".into());
    candidates.into_iter().find(|p| p.is_file())
}

static SEQ: AtomicU64 = AtomicU64::new(0);

impl Tinyproxy {
    /// Starts tinyproxy allowing `CONNECT` to `connect_ports` only, requiring
    /// `basic_auth = (user, password)` when given. `None` when tinyproxy is not installed.
    pub fn start(connect_ports: &[u16], basic_auth: Option<(&str, &str)>) -> Option<Tinyproxy> {
        let binary = binary()?;
        let dir = std::env::temp_dir().join(format!(
            "atlas-keys-tinyproxy-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // A port that was free a moment ago: tinyproxy cannot be told to take port 0 and say
        // which one it got. Another process taking it in between fails the start below.
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut conf = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile \"{log}\"\nLogLevel Info\n\
             PidFile \"{pid}\"\nMaxClients 50\nAllow 127.0.0.1\nDisableViaHeader Yes\n",
            log = dir.join("tinyproxy.log").display(),
            pid = dir.join("tinyproxy.pid").display(),
        );
        for p in connect_ports {
            conf.push_str(&format!("ConnectPort {p}\n"));
        }
        if let Some((user, password)) = basic_auth {
            conf.push_str(&format!("BasicAuth {user} {password}\n"));
        }
        let conf_path = dir.join("tinyproxy.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new(&binary)
            .arg("-d")
            .arg("-c")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let proxy = Tinyproxy { port, dir, child };
        let started = Instant::now();
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "tinyproxy did not listen on 127.0.0.1:{port}; log:\n{}",
                proxy.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(proxy)
    }

    /// `http://127.0.0.1:PORT`, with `user:password@` when given.
    pub fn url(&self, auth: Option<(&str, &str)>) -> String {
        match auth {
            Some((user, password)) => format!("http://{user}:{password}@127.0.0.1:{}", self.port),
            None => format!("http://127.0.0.1:{}", self.port),
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("tinyproxy.log")).unwrap_or_default()
    }

    /// The request lines tinyproxy logged (`GET http://...` or `CONNECT host:port ...`).
    pub fn requests(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter_map(|l| l.split_once("): ").filter(|_| l.contains("Request (")))
            .map(|(_, request)| request.to_owned())
            .collect()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
