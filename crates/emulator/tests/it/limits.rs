//! Rate limits, latency, fault injection and the stats endpoint.

use std::time::{Duration, Instant};

use crate::common::*;
use atlas_keys_emulator::{Emulator, FaultSpec, RateLimitConfig};
use http::Method;
use serde_json::json;

#[tokio::test]
async fn token_buckets_per_org_and_project() {
    let env = start_with(Emulator::builder().rate_limit("3/1,2/1".parse().unwrap())).await;
    let o = env.emu.org_id().to_owned();
    let g = env.emu.project_id().to_owned();
    let keys = format!("{V2}/orgs/{o}/apiKeys");
    for remaining in [2, 1, 0] {
        let r = env.get(&keys).await;
        r.expect(200);
        assert_eq!(r.header("ratelimit-limit"), Some("3"));
        assert_eq!(
            r.header("ratelimit-remaining"),
            Some(remaining.to_string().as_str())
        );
    }
    let r = env.get(&keys).await;
    let v = r.expect_error(429, "RATE_LIMITED_TOKEN_BUCKET");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // The service names the full request path and points at the docs (NOTES (j)).
    assert_eq!(v["parameters"], json!([keys, retry, 3, 1, 60]));
    assert_eq!(
        v["detail"],
        format!(
            "Rate limit exceeded for {keys}. Please retry after {retry} seconds. Request capacity: 3. Refill rate: 1 per 60 seconds. For more information, see: http://dochub.mongodb.org/core/atlas-api-rate-limit."
        )
    );
    assert_eq!(r.header("ratelimit-remaining"), Some("0"));
    // The challenge round trip does not consume tokens, and still reports the headers.
    let r = env
        .send_raw(&Req::new(Method::GET, &keys), None)
        .await
        .unwrap();
    r.expect(401);
    assert_eq!(r.header("ratelimit-remaining"), Some("0"));
    // The project bucket is separate.
    let groups = format!("{V2}/groups/{g}/apiKeys");
    env.get(&groups).await.expect(200);
    let r = env.get(&groups).await;
    r.expect(200);
    assert_eq!(r.header("ratelimit-limit"), Some("2"));
    env.get(&groups)
        .await
        .expect_error(429, "RATE_LIMITED_TOKEN_BUCKET");
    // Another org has its own bucket.
    env.get(&format!("{V2}/orgs/{}/apiKeys", "a".repeat(24)))
        .await
        .expect_error(404, "ORG_NOT_FOUND");
    assert!(env.stats().await["rateLimited"].as_u64().unwrap() >= 2);
    // Every response carries the headers, even outside the API.
    let r = env
        .send_raw(&Req::new(Method::GET, "/nowhere"), None)
        .await
        .unwrap();
    assert!(r.header("ratelimit-limit").is_some() && r.header("ratelimit-remaining").is_some());
    let r = env
        .oauth(
            "/api/oauth/token",
            "x",
            "y",
            "grant_type=client_credentials",
        )
        .await;
    assert!(r.header("ratelimit-limit").is_some());
}

#[tokio::test]
async fn rate_limit_off() {
    let env = start().await;
    let keys = format!("{V2}/orgs/{}/apiKeys", env.emu.org_id());
    for _ in 0..30 {
        let r = env.get(&keys).await;
        r.expect(200);
        assert_eq!(r.header("ratelimit-remaining"), Some("500"));
    }
}

#[tokio::test]
async fn latency_delays_api_but_not_stats() {
    let env = start_with(Emulator::builder().latency(Duration::from_millis(300))).await;
    let t = Instant::now();
    env.send_raw(
        &Req::new(
            Method::GET,
            format!("{V2}/orgs/{}/apiKeys", env.emu.org_id()),
        ),
        None,
    )
    .await
    .unwrap()
    .expect(401);
    assert!(t.elapsed() >= Duration::from_millis(300));
    let t = Instant::now();
    env.stats().await;
    assert!(t.elapsed() < Duration::from_millis(250));
}

async fn faulty(spec: &str) -> Env {
    start_with(
        Emulator::builder()
            .rate_limit(RateLimitConfig::Off)
            .faults(spec.parse::<FaultSpec>().unwrap()),
    )
    .await
}

#[tokio::test]
async fn status_faults() {
    let env = faulty("500=1").await;
    let keys = format!("{V2}/orgs/{}/apiKeys", env.emu.org_id());
    env.get(&keys).await.expect_error(500, "UNEXPECTED_ERROR");
    let env = faulty("503=1").await;
    env.get(&keys.replace(&keys, &format!("{V2}/orgs/{}/apiKeys", env.emu.org_id())))
        .await
        .expect(503);
    let env = faulty("429=1,retry-after=7").await;
    let r = env
        .get(&format!("{V2}/orgs/{}/apiKeys", env.emu.org_id()))
        .await;
    r.expect_error(429, "RATE_LIMITED");
    assert_eq!(r.header("retry-after"), Some("7"));
    let s = env.stats().await;
    assert_eq!(s["faultsInjected"], s["requests"]);
    assert_eq!(
        env.summary().await["apiKeys"],
        1,
        "faults do not reach the state"
    );
}

#[tokio::test]
async fn reset_before_drops_the_connection_without_processing() {
    let env = faulty("reset-before=1").await;
    let r = env
        .try_send(Req::new(
            Method::GET,
            format!("{V2}/orgs/{}/apiKeys", env.emu.org_id()),
        ))
        .await;
    assert!(r.is_err(), "{r:?}");
    let s = env.stats().await;
    assert_eq!(s["resets"], 1);
    assert_eq!(s["faultsInjected"], 1);
}

#[tokio::test]
async fn reset_after_processes_then_drops() {
    let env = faulty("reset-after=0.5,seed=42").await;
    let keys = format!("{V2}/orgs/{}/apiKeys", env.emu.org_id());
    let mut answered = 0;
    let mut dropped_after_processing = false;
    for i in 0..60 {
        let before = env.summary().await["apiKeys"].as_u64().unwrap();
        let r = env
            .try_send(
                Req::new(Method::POST, &keys)
                    .json(json!({"desc": format!("r{i}"), "roles": ["ORG_MEMBER"]}))
                    .digest(env.emu.public_key(), env.emu.private_key()),
            )
            .await;
        let after = env.summary().await["apiKeys"].as_u64().unwrap();
        match r {
            Ok(r) if r.status == 200 => {
                answered += 1;
                assert_eq!(after, before + 1);
            }
            Ok(_) => assert_eq!(after, before),
            Err(_) if after == before + 1 => dropped_after_processing = true,
            Err(_) => {}
        }
        if dropped_after_processing && answered > 0 {
            break;
        }
    }
    assert!(dropped_after_processing && answered > 0);
    // The test endpoints are never faulted.
    let env = faulty("reset-before=1").await;
    for _ in 0..5 {
        env.stats().await;
        env.summary().await;
    }
}

#[tokio::test]
async fn stats_count_round_trips() {
    let env = start().await;
    let keys = format!("{V2}/orgs/{}/apiKeys", env.emu.org_id());
    env.get(&keys).await.expect(200); // challenge + answer
    env.get(&keys).await.expect(200); // cached nonce, next nc
    let s = env.stats().await;
    assert_eq!(s["requests"], 3);
    assert_eq!(s["challenges"], 1);
    assert_eq!(s["authorized"], 2);
    assert_eq!(s["byStatus"]["200"], 2);
    assert_eq!(s["byStatus"]["401"], 1);
    assert_eq!(env.emu.stats().requests, 3);
}

#[tokio::test]
async fn dropping_or_shutting_down_the_handle_stops_the_server() {
    let emu = Emulator::builder().start().await.unwrap();
    let addr = emu.local_addr();
    let client = client();
    send_raw(
        &client,
        emu.base_url(),
        &Req::new(Method::GET, "/__emulator/stats"),
        None,
    )
    .await
    .unwrap()
    .expect(200);
    drop(emu);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still listening after drop"
    );

    let emu = Emulator::builder().start().await.unwrap();
    let addr = emu.local_addr();
    emu.shutdown().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still listening after shutdown"
    );
}

#[tokio::test]
async fn a_body_that_never_arrives_gets_408_not_a_held_connection() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let emu = Emulator::builder()
        .body_read_timeout(Duration::from_millis(200))
        .start()
        .await
        .expect("emulator starts");
    let mut stream = tokio::net::TcpStream::connect(emu.local_addr())
        .await
        .expect("connect");
    // Ten bytes announced, none sent: before auth, so any client could do this.
    stream
        .write_all(
            b"POST /api/atlas/v2/orgs/aaaaaaaaaaaaaaaaaaaaaaaa/apiKeys HTTP/1.1\r\n\
              Host: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n",
        )
        .await
        .expect("write head");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the emulator held the connection open");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "got: {text}");
    assert!(text.contains("REQUEST_TIMEOUT"), "got: {text}");
}
