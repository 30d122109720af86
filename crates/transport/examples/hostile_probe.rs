//! Measures what a hostile server costs the client: peak RSS (`VmHWM`) and time of one call
//! against an in-process server on 127.0.0.1 that sends an endless chunked body, and the time
//! a slow drip takes to end at the call's deadline. Run one backend per process, so the peak
//! is that backend's:
//!
//! ```text
//! cargo run --release -p atlas-keys-transport --all-features --example hostile_probe -- hyper
//! cargo run --release -p atlas-keys-transport --all-features --example hostile_probe -- reqwest
//! ```
//!
//! It must NOT talk to anything but the server it starts.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use atlas_keys_transport::{
    DEFAULT_MAX_RESPONSE_BODY, Deadline, HyperTransport, ReqwestTransport, Retry, RetryPolicy,
    Transport,
};
use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// `VmHWM` of this process, in KiB (Linux only; 0 elsewhere).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// A server that answers every connection's first request with `head` and then `chunk`
/// repeated every `interval` (or as fast as possible when zero), forever. Counts bytes written.
async fn serve(
    head: &'static [u8],
    chunk: Vec<u8>,
    interval: Duration,
) -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let written = Arc::new(AtomicU64::new(0));
    let count = written.clone();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let count = count.clone();
            let chunk = chunk.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tcp.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                if tcp.write_all(head).await.is_err() {
                    return;
                }
                loop {
                    if !interval.is_zero() {
                        tokio::time::sleep(interval).await;
                    }
                    if tcp.write_all(&chunk).await.is_err() {
                        return;
                    }
                    count.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                }
            });
        }
    });
    (format!("http://{addr}/"), written)
}

fn backend(name: &str) -> Arc<dyn Transport> {
    match name {
        "reqwest" => Arc::new(ReqwestTransport::new().expect("reqwest")),
        _ => Arc::new(HyperTransport::new().expect("hyper")),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "hyper".to_owned());
    let before = peak_rss_kib();

    let mut chunk = b"10000\r\n".to_vec();
    chunk.extend(std::iter::repeat_n(b'x', 0x10000));
    chunk.extend_from_slice(b"\r\n");
    let head: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    let (url, written) = serve(head, chunk, Duration::ZERO).await;
    let stack = Deadline::new(
        Retry::new(backend(&name), RetryPolicy::default()),
        Duration::from_secs(60),
    );
    let started = Instant::now();
    let request = http::Request::get(&url)
        .body(Bytes::new())
        .expect("request");
    let err = stack
        .send(request)
        .await
        .expect_err("an endless body fails");
    println!(
        "{name}: endless chunked body (cap {DEFAULT_MAX_RESPONSE_BODY} B): {err} after {:?}; \
         server wrote {} MiB; VmHWM {} MiB (before: {} MiB)",
        started.elapsed(),
        written.load(Ordering::Relaxed) / (1024 * 1024),
        peak_rss_kib() / 1024,
        before / 1024,
    );

    let head: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    let (url, _) = serve(head, b"1\r\na\r\n".to_vec(), Duration::from_secs(1)).await;
    let stack = Deadline::new(
        Retry::new(backend(&name), RetryPolicy::default()),
        Duration::from_secs(5),
    );
    let started = Instant::now();
    let request = http::Request::get(&url)
        .body(Bytes::new())
        .expect("request");
    let err = stack
        .send(request)
        .await
        .expect_err("a drip ends at the deadline");
    println!(
        "{name}: body dripping 1 byte/s, 5 s deadline: {err} after {:?}",
        started.elapsed()
    );
}
