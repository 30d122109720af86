//! Interop probe: sends N GETs through [`DigestAuth`] over the chosen backend and prints one JSON
//! line `{"backend":..,"requests":N,"ok":N,"wire":W}`, where `wire` counts the requests that went
//! on the wire (so a steady-state one-round-trip client shows `wire == N + 1`).
//!
//! ```text
//! DIGEST_PROBE_PASSWORD=passwd cargo run -p atlas-keys-transport --features hyper,reqwest \
//!     --example digest_probe -- --backend hyper --url http://127.0.0.1:8080/digest-auth/auth/user/passwd/MD5 \
//!     --user user --requests 10
//! ```
//!
//! Exits 0 only if every request got a 2xx. Argument parsing is plain std: no clap for four flags.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use atlas_keys_transport::{
    DigestAuth, Error, HyperTransport, ReqwestTransport, SecretString, Transport,
};
use bytes::Bytes;
use http::{Request, Response};

/// Counts the requests that reach the wire under DigestAuth.
#[derive(Debug)]
struct Counting {
    inner: Arc<dyn Transport>,
    sent: AtomicU64,
}

#[async_trait]
impl Transport for Counting {
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        self.inner.send(request).await
    }
}

struct Args {
    backend: String,
    url: String,
    user: String,
    requests: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut backend = None;
    let mut url = None;
    let mut user = None;
    let mut requests = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--backend" => backend = Some(value()?),
            "--url" => url = Some(value()?),
            "--user" => user = Some(value()?),
            "--requests" => {
                requests = Some(
                    value()?
                        .parse::<u64>()
                        .map_err(|e| format!("--requests: {e}"))?,
                );
            }
            "-h" | "--help" => {
                return Err("usage: digest_probe --backend hyper|reqwest --url URL --user USER --requests N \
                            (password in DIGEST_PROBE_PASSWORD)"
                    .into());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        backend: backend.ok_or("--backend is required")?,
        url: url.ok_or("--url is required")?,
        user: user.ok_or("--user is required")?,
        requests: requests.unwrap_or(1),
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let Ok(password) = std::env::var("DIGEST_PROBE_PASSWORD") else {
        eprintln!("DIGEST_PROBE_PASSWORD is not set");
        return ExitCode::from(2);
    };
    let inner: Arc<dyn Transport> = match args.backend.as_str() {
        "hyper" => match HyperTransport::builder()
            .user_agent("atlas-keys-digest-probe")
            .build()
        {
            Ok(t) => Arc::new(t),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        },
        "reqwest" => match ReqwestTransport::builder()
            .user_agent("atlas-keys-digest-probe")
            .build()
        {
            Ok(t) => Arc::new(t),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        },
        other => {
            eprintln!("unknown backend {other} (hyper or reqwest)");
            return ExitCode::from(2);
        }
    };
    let counting = Arc::new(Counting {
        inner,
        sent: AtomicU64::new(0),
    });
    let auth = DigestAuth::new(counting.clone(), args.user, SecretString::from(password));
    let mut ok = 0u64;
    for _ in 0..args.requests {
        let request = match Request::get(args.url.as_str()).body(Bytes::new()) {
            Ok(r) => r,
            Err(_) => {
                eprintln!("invalid --url");
                return ExitCode::from(2);
            }
        };
        match auth.send(request).await {
            Ok(r) if r.status().is_success() => ok += 1,
            Ok(r) => eprintln!("status {}", r.status()),
            Err(e) => eprintln!("error: {e}"),
        }
    }
    println!(
        "{{\"backend\":\"{}\",\"requests\":{},\"ok\":{ok},\"wire\":{}}}",
        args.backend,
        args.requests,
        counting.sent.load(Ordering::Relaxed)
    );
    if ok == args.requests {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
