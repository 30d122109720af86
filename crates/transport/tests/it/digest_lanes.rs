//! Digest nonce lanes against every nonce policy of the test server (issue #14): never worse
//! than two round trips per call whatever the policy, at any concurrency, and still one round
//! trip per call in steady state where the server allows it. Counts are server-side and
//! printed (`--nocapture`) for the record.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use atlas_keys_transport::{DigestAuth, ErrorKind, SecretString, Transport};
use futures::StreamExt;
use support::digest_server::{DigestConfig, DigestServer, NoncePolicy, start_digest};
use support::{Counting, backends, get, post};

const BURST: usize = 1000;
const IN_FLIGHT: usize = 64;
/// Lanes in use plus this many challenges is what a burst may cost.
const HANDFUL: u64 = 4;

type Authed = DigestAuth<Arc<Counting<Arc<dyn Transport>>>>;

fn digest(inner: Arc<dyn Transport>, config: &DigestConfig) -> Authed {
    DigestAuth::new(
        Arc::new(Counting::new(inner)),
        config.user.clone(),
        SecretString::from(config.password.clone()),
    )
}

async fn server(policy: NoncePolicy) -> DigestServer {
    start_digest(
        DigestConfig {
            policy,
            ..DigestConfig::default()
        },
        false,
    )
    .await
}

/// `calls` GETs with `in_flight` in flight; returns how many failed (an error or a non-200).
async fn burst(auth: &Authed, srv: &DigestServer, calls: usize, in_flight: usize) -> usize {
    futures::stream::iter(0..calls)
        .map(|i| {
            let url = srv
                .server
                .url(&format!("/api/atlas/v2/groups/g1/apiKeys/k{i}?n={i}"));
            async move { auth.send(get(&url)).await }
        })
        .buffer_unordered(in_flight)
        .filter(|r| std::future::ready(!r.as_ref().is_ok_and(|r| r.status() == 200)))
        .count()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_completes_against_every_nonce_policy_in_at_most_two_round_trips_per_call() {
    for policy in [
        NoncePolicy::Lenient,
        NoncePolicy::StrictPerNonce,
        NoncePolicy::StrictPerOpaque,
        NoncePolicy::SingleUse,
    ] {
        let srv = server(policy).await;
        let stats = &srv.stats;
        for (name, backend) in backends(None) {
            stats.reset();
            let auth = digest(backend, &srv.config);
            let failed = burst(&auth, &srv, BURST, IN_FLIGHT).await;
            let (requests, challenges) = (stats.requests(), stats.challenges());
            let refusals = stats.get(&stats.nc_refusals);
            println!(
                "{policy:?} {name}: {BURST} GETs, {IN_FLIGHT} in flight -> {requests} requests, \
                 {challenges} challenges, {refusals} nc refusals, {failed} failed"
            );
            assert_eq!(failed, 0, "{policy:?} {name}");
            assert_eq!(stats.authorized(), BURST as u64, "{policy:?} {name}");
            // Every extra request is a challenge, and no call took more than two.
            assert_eq!(requests, BURST as u64 + challenges, "{policy:?} {name}");
            assert!(requests <= 2 * BURST as u64, "{policy:?} {name}");
            match policy {
                // One nonce per request: every call draws exactly one challenge.
                NoncePolicy::SingleUse => assert_eq!(challenges, BURST as u64),
                // Lanes never share a nonce in flight: no `nc` arrives out of order, and the
                // burst costs one challenge per lane (plus a handful at most).
                _ => {
                    assert_eq!(refusals, 0, "{policy:?} {name}");
                    assert!(
                        challenges <= IN_FLIGHT as u64 + HANDFUL,
                        "{policy:?} {name}: {challenges} challenges"
                    );
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lenient_server_costs_one_round_trip_per_call_in_steady_state() {
    const CALLS: usize = 2000;
    // ≤ 1.001 requests per call: at most 2 extra requests in 2,000 calls.
    const EXTRA: u64 = (CALLS / 1000) as u64;
    let srv = server(NoncePolicy::Lenient).await;
    let stats = &srv.stats;
    let (_, backend) = backends(None).remove(0);
    for in_flight in [1, IN_FLIGHT] {
        let auth = digest(backend.clone(), &srv.config);
        // Warm-up: one challenge per lane the concurrency needs.
        stats.reset();
        assert_eq!(burst(&auth, &srv, 4 * in_flight, in_flight).await, 0);
        let warm_up = stats.challenges();
        stats.reset();
        assert_eq!(burst(&auth, &srv, CALLS, in_flight).await, 0);
        let requests = stats.requests();
        println!(
            "lenient, {in_flight} in flight: warm-up {warm_up} challenges; then {CALLS} calls -> \
             {requests} requests ({:.4} per call), {} challenges",
            requests as f64 / CALLS as f64,
            stats.challenges()
        );
        assert!(warm_up <= in_flight as u64, "{in_flight}: {warm_up}");
        assert_eq!(stats.authorized(), CALLS as u64);
        assert!(
            requests <= CALLS as u64 + EXTRA,
            "{in_flight} in flight: {requests} requests for {CALLS} calls"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_lived_nonces_under_load_never_fail_a_call() {
    let srv = start_digest(
        DigestConfig {
            policy: NoncePolicy::StrictPerNonce,
            nonce_ttl: Duration::from_secs(1),
            ..DigestConfig::default()
        },
        false,
    )
    .await;
    let stats = &srv.stats;
    let (_, backend) = backends(None).remove(0);
    let auth = digest(backend, &srv.config);
    const BATCH: usize = 256;
    let mut calls = 0u64;
    let mut batches = 0;
    // Load until every lane has gone stale about twice (a few seconds at a 1 s lifetime).
    // A bound on work, not on time.
    while stats.get(&stats.stale_challenges) < 2 * IN_FLIGHT as u64 {
        assert_eq!(
            burst(&auth, &srv, BATCH, IN_FLIGHT).await,
            0,
            "batch {batches}"
        );
        calls += BATCH as u64;
        batches += 1;
        assert!(batches < 2_000, "no nonce expiry seen");
    }
    let (requests, challenges) = (stats.requests(), stats.challenges());
    println!(
        "1 s nonces, strict nc, {IN_FLIGHT} in flight: {calls} calls -> {requests} requests, \
         {challenges} challenges ({} stale), {} nc refusals",
        stats.get(&stats.stale_challenges),
        stats.get(&stats.nc_refusals)
    );
    assert_eq!(stats.authorized(), calls);
    assert_eq!(requests, calls + challenges);
    assert_eq!(stats.get(&stats.nc_refusals), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_one_auth_error_after_one_fresh_challenge_under_every_policy() {
    for policy in [
        NoncePolicy::Lenient,
        NoncePolicy::StrictPerNonce,
        NoncePolicy::StrictPerOpaque,
        NoncePolicy::SingleUse,
    ] {
        let srv = server(policy).await;
        let (_, backend) = backends(None).remove(0);
        let auth = DigestAuth::new(backend, "pubkey", SecretString::from("wrong"));
        for round in 0..3 {
            srv.stats.reset();
            let err = auth
                .send(post(&srv.server.url("/orgs/o/apiKeys"), "{\"desc\":\"k\"}"))
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Auth, "{policy:?} {round}");
            assert!(!err.request_may_have_reached_server());
            assert!(!err.to_string().contains("wrong"));
            // One request on a nonce (drawn, or kept from the last refusal), then exactly one
            // answer to a fresh challenge.
            assert_eq!(srv.stats.requests(), 2, "{policy:?} round {round}");
            assert_eq!(srv.stats.challenges(), 2, "{policy:?} round {round}");
            assert_eq!(srv.stats.authorized(), 0);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auth_int_only_server_gets_auth_int_answers_with_and_without_a_body() {
    for policy in [NoncePolicy::Lenient, NoncePolicy::StrictPerNonce] {
        let srv = start_digest(
            DigestConfig {
                qop: Some("auth-int"),
                policy,
                ..DigestConfig::default()
            },
            false,
        )
        .await;
        let (_, backend) = backends(None).remove(0);
        let auth = digest(backend, &srv.config);
        for i in 0..5 {
            let r = auth
                .send(get(&srv.server.url(&format!("/g?i={i}"))))
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{policy:?} GET");
            let r = auth
                .send(post(&srv.server.url("/p"), format!("{{\"i\":{i}}}")))
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{policy:?} POST");
        }
        assert_eq!(srv.stats.authorized(), 10, "{policy:?}");
        assert_eq!(srv.stats.challenges(), 1, "{policy:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_lanes_bounds_the_lanes_and_the_challenges() {
    const LANES: usize = 4;
    let srv = server(NoncePolicy::StrictPerNonce).await;
    let (_, backend) = backends(None).remove(0);
    let auth = digest(backend, &srv.config).max_lanes(LANES);
    assert_eq!(burst(&auth, &srv, 500, IN_FLIGHT).await, 0);
    let stats = &srv.stats;
    println!(
        "max_lanes {LANES}, {IN_FLIGHT} in flight: 500 calls -> {} requests, {} challenges",
        stats.requests(),
        stats.challenges()
    );
    assert!(stats.challenges() <= LANES as u64, "{}", stats.challenges());
    assert_eq!(stats.requests(), 500 + stats.challenges());
    assert_eq!(stats.get(&stats.nc_refusals), 0);
}
