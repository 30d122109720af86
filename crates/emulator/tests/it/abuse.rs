//! The emulator bounded under abuse (issue #15): junk ids from unauthenticated callers
//! create no rate-limit buckets, open connections stay under the cap, failed token
//! attempts are throttled, and the generated CA lands in a private directory.
//!
//! This file must NOT wait on timing: the connection cap is shown by the server's own
//! counts (`openConnections`, `peakConnections`), and a waiting client is released by
//! closing another connection, not by a sleep.

use std::process::Stdio;
use std::time::Duration;

use crate::common::*;
use atlas_keys_emulator::{Emulator, RateLimitConfig};
use http::Method;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_junk_ids_create_no_rate_limit_buckets() {
    let env = start_with(Emulator::builder().rate_limit(RateLimitConfig::default())).await;
    let n = 2_000;
    let mut set = tokio::task::JoinSet::new();
    for w in 0..8 {
        let client = env.client.clone();
        let base = env.emu.base_url().to_owned();
        set.spawn(async move {
            for i in (w..n).step_by(8) {
                let org = format!("{i:024x}");
                let req = Req::new(Method::GET, format!("{V2}/orgs/{org}/apiKeys"));
                let r = send_raw(&client, &base, &req, None).await.unwrap();
                assert_eq!(r.status, 401);
            }
        });
    }
    while let Some(r) = set.join_next().await {
        r.unwrap();
    }
    let stats = env.stats().await;
    let buckets = stats["rateLimitBuckets"]
        .as_u64()
        .expect("rateLimitBuckets");
    assert_eq!(buckets, 0, "{stats}");
    // An authenticated request creates its org's bucket, and only that.
    env.get(&format!("{V2}/orgs/{}/apiKeys", env.emu.org_id()))
        .await
        .expect(200);
    assert_eq!(env.stats().await["rateLimitBuckets"], 1);
    println!(
        "figure: abuse: {n} unauthenticated requests with junk org ids: {buckets} rate-limit buckets kept"
    );
}

/// A keep-alive connection that has been served once (so the server accepted it).
async fn served_connection(addr: std::net::SocketAddr) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /__emulator/stats HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    read_one_response(&mut s).await;
    s
}

/// Reads one response (headers, then a Content-Length body).
async fn read_one_response(s: &mut TcpStream) -> String {
    let mut r = BufReader::new(s);
    let mut head = String::new();
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        assert!(
            r.read_line(&mut line).await.unwrap() > 0,
            "connection closed"
        );
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).await.unwrap();
    head
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let env = start_with(Emulator::builder().max_connections(2)).await;
    let addr = env.emu.local_addr();
    let first = served_connection(addr).await;
    let _second = served_connection(addr).await;
    // A third client connects (the kernel queues it) and asks; nobody answers it yet.
    let mut third = TcpStream::connect(addr).await.unwrap();
    third
        .write_all(b"GET /__emulator/stats HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let stats = env.emu.stats();
    assert_eq!(stats.open_connections, 2, "{stats:?}");
    // Free a slot: the third is served.
    drop(first);
    let head = tokio::time::timeout(Duration::from_secs(60), read_one_response(&mut third))
        .await
        .expect("the waiting connection is served once a slot frees");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let stats = env.emu.stats();
    assert_eq!(stats.peak_connections, 2, "{stats:?}");
    println!(
        "figure: abuse: --max-connections 2 with 3 clients: peak {} open, the third waited and was served",
        stats.peak_connections
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_token_attempts_are_throttled_per_client_and_address() {
    let env = start_with(Emulator::builder().rate_limit(RateLimitConfig::default())).await;
    let id = env.emu.client_id().to_owned();
    // The bucket holds 10: the first 10 failures are answered 401, then 429 (within a
    // few more attempts even on a machine slow enough for the bucket to refill a little).
    let mut statuses = Vec::new();
    for _ in 0..30 {
        let r = env
            .oauth(
                "/api/oauth/token",
                &id,
                "wrong",
                "grant_type=client_credentials",
            )
            .await;
        statuses.push(r.status);
        if r.status == 429 {
            break;
        }
    }
    assert_eq!(&statuses[..10], &[401; 10]);
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    // Another client id from the same address is not affected.
    let r = env
        .oauth(
            "/api/oauth/token",
            "mdb_sa_id_other",
            "wrong",
            "grant_type=client_credentials",
        )
        .await;
    assert_eq!(r.status, 401);
    // Junk ids of any length cost one bounded bucket each, not their length.
    let long = "j".repeat(10_000);
    env.oauth(
        "/api/oauth/token",
        &long,
        "x",
        "grant_type=client_credentials",
    )
    .await;
    assert!(env.stats().await["rateLimitBuckets"].as_u64().unwrap() <= 3);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generated_ca_goes_to_a_private_directory() {
    use std::os::unix::fs::PermissionsExt as _;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_atlas-keys-emulator"))
        .args(["--listen", "127.0.0.1:0", "--tls"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn emulator");
    let stdout = child.stdout.take().unwrap();
    let line = tokio::time::timeout(
        Duration::from_secs(60),
        BufReader::new(stdout).lines().next_line(),
    )
    .await
    .expect("startup line in time")
    .unwrap()
    .expect("a line");
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    let ca = std::path::PathBuf::from(v["caFile"].as_str().unwrap());
    let dir = ca.parent().unwrap().to_owned();
    let dir_mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    let file_mode = std::fs::metadata(&ca).unwrap().permissions().mode() & 0o777;
    child.kill().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(dir_mode, 0o700, "{}", dir.display());
    assert_eq!(file_mode, 0o600, "{}", ca.display());
}
