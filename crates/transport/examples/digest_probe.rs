//! Interop probe: sends GETs through [`DigestAuth`] over the chosen backend, `--concurrency` of
//! them in flight at once, and prints one JSON line `{"backend":..,"requests":N,"ok":N,
//! "errors":E,"wire":W,"challenges":C,"transport_errors":T,"seconds":S}`, where `wire` counts
//! the requests that went on the wire, `challenges` the 401s among their answers and
//! `transport_errors` the exchanges that failed below HTTP (a connection closed under a
//! request); so a sequential steady-state one-round-trip client shows `wire == N + 1` and
//! `challenges == 1`.
//!
//! ```text
//! DIGEST_PROBE_PASSWORD=passwd cargo run -p atlas-keys-transport --features hyper,reqwest \
//!     --example digest_probe -- --backend hyper --url http://127.0.0.1:8080/digest-auth/auth/user/passwd/MD5 \
//!     --user user --requests 10 [--concurrency 8] [--pages 15] [--duration 20] [--retry]
//! ```
//!
//! `--pages P` sends request `i` to `URL?pageNum=(i mod P)+1&itemsPerPage=100`, the shape of a
//! paginated `list --all`; `--duration S` keeps starting requests until S seconds have passed
//! (then `--requests` is ignored); `--retry` puts the transport's [`Retry`] (default policy) over
//! `DigestAuth`, the stack the SDK builds, so what is counted as an error is what an SDK call
//! would return. Exits 0 only if every request got a 2xx. It must not retry on its own: every
//! error the stack returns is counted.
//! Argument parsing is plain std: clap is not a dependency of this crate, and seven flags do not
//! justify adding it.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use atlas_keys_transport::{
    DigestAuth, Error, HyperTransport, ReqwestTransport, Retry, RetryPolicy, SecretString,
    Transport,
};
use bytes::Bytes;
use futures::stream::{self, StreamExt};
use http::{Request, Response, StatusCode};

/// Error messages printed to stderr at most; the rest are only counted.
const SHOWN_ERRORS: u64 = 5;

/// Counts the requests that reach the wire under DigestAuth, the challenges among them, and
/// the exchanges that failed below HTTP.
#[derive(Debug)]
struct Counting {
    inner: Arc<dyn Transport>,
    sent: AtomicU64,
    challenges: AtomicU64,
    failed: AtomicU64,
}

#[async_trait]
impl Transport for Counting {
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let response = self.inner.send(request).await.inspect_err(|_| {
            self.failed.fetch_add(1, Ordering::Relaxed);
        })?;
        if response.status() == StatusCode::UNAUTHORIZED {
            self.challenges.fetch_add(1, Ordering::Relaxed);
        }
        Ok(response)
    }
}

struct Args {
    backend: String,
    url: String,
    user: String,
    requests: u64,
    concurrency: usize,
    pages: u64,
    duration: Option<Duration>,
    retry: bool,
    accept: Option<String>,
}

const USAGE: &str = "usage: digest_probe --backend hyper|reqwest --url URL --user USER \
                     [--requests N] [--concurrency N] [--pages N] [--duration SECONDS] [--retry] [--accept TYPE] \
                     (password in DIGEST_PROBE_PASSWORD)";

fn parse_args() -> Result<Args, String> {
    let mut backend = None;
    let mut url = None;
    let mut user = None;
    let mut requests = 1;
    let mut concurrency = 1;
    let mut pages = 0;
    let mut duration = None;
    let mut retry = false;
    let mut accept = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |text: String| {
            text.parse::<u64>()
                .map_err(|e| format!("{flag}: {e} ({text:?})"))
        };
        match flag.as_str() {
            "--backend" => backend = Some(value()?),
            "--url" => url = Some(value()?),
            "--user" => user = Some(value()?),
            "--requests" => requests = number(value()?)?,
            "--concurrency" => {
                concurrency = usize::try_from(number(value()?)?.max(1))
                    .map_err(|e| format!("--concurrency: {e}"))?;
            }
            "--pages" => pages = number(value()?)?,
            "--duration" => duration = Some(Duration::from_secs(number(value()?)?)),
            "--retry" => retry = true,
            "--accept" => accept = Some(value()?),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(Args {
        backend: backend.ok_or("--backend is required")?,
        url: url.ok_or("--url is required")?,
        user: user.ok_or("--user is required")?,
        requests,
        concurrency,
        pages,
        duration,
        retry,
        accept,
    })
}

impl Args {
    /// The URL of request `index`.
    fn url_of(&self, index: u64) -> String {
        if self.pages == 0 {
            return self.url.clone();
        }
        let page = index % self.pages + 1;
        let separator = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{separator}pageNum={page}&itemsPerPage=100", self.url)
    }
}

/// The error and its sources, `: `-separated: the transport's message names the exchange,
/// its sources say what went wrong on the connection.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
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
    if Request::get(args.url_of(0)).body(Bytes::new()).is_err() {
        eprintln!("invalid --url");
        return ExitCode::from(2);
    }
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
        challenges: AtomicU64::new(0),
        failed: AtomicU64::new(0),
    });
    let digest = DigestAuth::new(
        counting.clone(),
        args.user.clone(),
        SecretString::from(password),
    );
    let auth: Arc<dyn Transport> = if args.retry {
        Arc::new(Retry::new(digest, RetryPolicy::default()))
    } else {
        Arc::new(digest)
    };

    let started = Instant::now();
    let deadline = args.duration.map(|duration| started + duration);
    let limit = if deadline.is_some() {
        u64::MAX
    } else {
        args.requests
    };
    let (requests, ok, errors) = (AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0));
    // `take_while` is polled just before each request is started, so `--duration` stops
    // starting new requests at the deadline and lets the ones in flight finish.
    stream::iter(0..limit)
        .take_while(|_| std::future::ready(deadline.is_none_or(|end| Instant::now() < end)))
        .map(|index| {
            let (auth, url) = (auth.clone(), args.url_of(index));
            let accept = args.accept.clone();
            async move {
                let mut request = Request::get(url.as_str());
                if let Some(accept) = accept {
                    request = request.header(http::header::ACCEPT, accept);
                }
                let request = request
                    .body(Bytes::new())
                    .expect("checked above: the same URL shape parses");
                auth.send(request).await
            }
        })
        .buffer_unordered(args.concurrency)
        .for_each(|outcome| {
            requests.fetch_add(1, Ordering::Relaxed);
            let failure = match outcome {
                Ok(r) if r.status().is_success() => {
                    ok.fetch_add(1, Ordering::Relaxed);
                    None
                }
                Ok(r) => Some(format!("status {}", r.status())),
                Err(e) => Some(format!("error: {}", chain(&e))),
            };
            if let Some(failure) = failure
                && errors.fetch_add(1, Ordering::Relaxed) < SHOWN_ERRORS
            {
                eprintln!("{failure}");
            }
            std::future::ready(())
        })
        .await;

    let (requests, ok, errors) = (requests.into_inner(), ok.into_inner(), errors.into_inner());
    if errors > SHOWN_ERRORS {
        eprintln!("... and {} more failures", errors - SHOWN_ERRORS);
    }
    let line = serde_json::json!({
        "backend": args.backend,
        "requests": requests,
        "ok": ok,
        "errors": errors,
        "wire": counting.sent.load(Ordering::Relaxed),
        "challenges": counting.challenges.load(Ordering::Relaxed),
        "transport_errors": counting.failed.load(Ordering::Relaxed),
        "seconds": (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
    });
    println!("{line}");
    if ok == requests {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
