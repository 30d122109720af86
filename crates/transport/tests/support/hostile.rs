//! Hostile HTTP/1.1 servers written with raw bytes on a tokio `TcpListener` (127.0.0.1, port
//! 0): an endless chunked body, a huge `Content-Length`, slow drips of headers or body, and a
//! digest server that re-challenges forever. Each counts the requests it read and the bytes it
//! wrote, so tests can prove a client stopped reading.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use super::raw::read_request;

#[derive(Clone, Copy, Debug)]
pub enum Hostile {
    /// `200` with a chunked body of 64 KiB chunks that never ends.
    EndlessChunked,
    /// A status line, then one header whose value never ends, as fast as the client reads.
    EndlessHeaders,
    /// `200` announcing `Content-Length: 1 TiB`, then 1 KiB and silence.
    HugeContentLength,
    /// `200` with this many header fields in all (`Content-Length: 2` among them) and `{}`.
    ManyHeaders(usize),
    /// The status line, then one byte of a header every `interval`, forever.
    DripHeaders(Duration),
    /// `200` chunked, then a one-byte chunk every `interval`, forever.
    DripBody(Duration),
    /// Every request (on a kept-alive connection) draws a `401` with a fresh digest challenge
    /// saying `stale=true`, after `delay`.
    Rechallenge(Duration),
}

#[derive(Default, Debug)]
pub struct HostileStats {
    pub requests: AtomicU64,
    pub bytes_written: AtomicU64,
    /// Connections whose handler has ended (the client went away, or it was done).
    pub connections_closed: AtomicU64,
}

pub struct HostileServer {
    pub addr: SocketAddr,
    pub stats: Arc<HostileStats>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl HostileServer {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
    pub fn requests(&self) -> u64 {
        self.stats.requests.load(Ordering::Relaxed)
    }
    pub fn bytes_written(&self) -> u64 {
        self.stats.bytes_written.load(Ordering::Relaxed)
    }
    /// Waits (bounded, as a guard against a hang, not a timing assertion) until `n`
    /// connections have ended.
    pub async fn wait_closed(&self, n: u64) {
        tokio::time::timeout(Duration::from_secs(60), async {
            while self.stats.connections_closed.load(Ordering::Relaxed) < n {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("the client closed the connection");
    }
}

pub async fn start_hostile(how: Hostile) -> HostileServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stats = Arc::new(HostileStats::default());
    let shared = stats.clone();
    let task = tokio::spawn(async move {
        let mut conns = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((tcp, _)) = accepted else { continue };
                    let stats = shared.clone();
                    conns.spawn(async move {
                        serve(tcp, how, &stats).await;
                        stats.connections_closed.fetch_add(1, Ordering::Relaxed);
                    });
                }
                Some(_) = conns.join_next(), if !conns.is_empty() => {}
            }
        }
    });
    HostileServer { addr, stats, task }
}

async fn write(tcp: &mut TcpStream, stats: &HostileStats, bytes: &[u8]) -> bool {
    if tcp.write_all(bytes).await.is_err() {
        return false;
    }
    stats
        .bytes_written
        .fetch_add(bytes.len() as u64, Ordering::Relaxed);
    true
}

async fn serve(mut tcp: TcpStream, how: Hostile, stats: &HostileStats) {
    let mut nonce = 0u64;
    loop {
        if !read_request(&mut tcp).await {
            return;
        }
        stats.requests.fetch_add(1, Ordering::Relaxed);
        match how {
            Hostile::EndlessChunked => {
                if !write(
                    &mut tcp,
                    stats,
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                )
                .await
                {
                    return;
                }
                let mut chunk = b"10000\r\n".to_vec();
                chunk.extend(std::iter::repeat_n(b'x', 0x10000));
                chunk.extend_from_slice(b"\r\n");
                while write(&mut tcp, stats, &chunk).await {}
                return;
            }
            Hostile::ManyHeaders(n) => {
                let mut head = String::from("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n");
                for i in 1..n {
                    head.push_str(&format!("X-H{i}: v\r\n"));
                }
                head.push_str("\r\n{}");
                write(&mut tcp, stats, head.as_bytes()).await;
                return;
            }
            Hostile::EndlessHeaders => {
                if !write(&mut tcp, stats, b"HTTP/1.1 200 OK\r\nX-Endless: ").await {
                    return;
                }
                let chunk = [b'a'; 16 * 1024];
                while write(&mut tcp, stats, &chunk).await {}
                return;
            }
            Hostile::HugeContentLength => {
                let head = b"HTTP/1.1 200 OK\r\nContent-Length: 1099511627776\r\n\r\n";
                if write(&mut tcp, stats, head).await && write(&mut tcp, stats, &[b'x'; 1024]).await
                {
                    // Silence until the client goes away (a read returns 0 or fails).
                    let mut sink = [0u8; 64];
                    let _ = tokio::io::AsyncReadExt::read(&mut tcp, &mut sink).await;
                }
                return;
            }
            Hostile::DripHeaders(interval) => {
                if !write(&mut tcp, stats, b"HTTP/1.1 200 OK\r\nX-Drip: ").await {
                    return;
                }
                loop {
                    tokio::time::sleep(interval).await;
                    if !write(&mut tcp, stats, b"a").await {
                        return;
                    }
                }
            }
            Hostile::DripBody(interval) => {
                if !write(
                    &mut tcp,
                    stats,
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                )
                .await
                {
                    return;
                }
                loop {
                    tokio::time::sleep(interval).await;
                    if !write(&mut tcp, stats, b"1\r\na\r\n").await {
                        return;
                    }
                }
            }
            Hostile::Rechallenge(delay) => {
                tokio::time::sleep(delay).await;
                nonce += 1;
                let response = format!(
                    "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"r\", \
                     nonce=\"n{nonce}\", qop=\"auth\", algorithm=MD5, stale=true\r\n\
                     Content-Length: 0\r\n\r\n"
                );
                if !write(&mut tcp, stats, response.as_bytes()).await {
                    return;
                }
            }
        }
    }
}
