//! HTTP Digest against a real in-process server, through both backends, over HTTP and HTTPS:
//! one round trip per request in steady state, counted server-side.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use atlas_keys_transport::{DigestAuth, ErrorKind, SecretString, Transport};
use futures::StreamExt;
use support::digest_server::{DigestConfig, start_digest};
use support::{Counting, backends, get, post};

const SEQUENTIAL: usize = 1000;
const CONCURRENT: usize = 1000;
const IN_FLIGHT: usize = 64;
const POSTS: usize = 100;

fn digest(
    inner: Arc<dyn Transport>,
    config: &DigestConfig,
) -> DigestAuth<Arc<Counting<Arc<dyn Transport>>>> {
    let counting = Arc::new(Counting::new(inner));
    DigestAuth::new(
        counting,
        config.user.clone(),
        SecretString::from(config.password.clone()),
    )
}

async fn invariant(tls: bool) {
    let srv = start_digest(DigestConfig::default(), tls).await;
    let stats = &srv.stats;
    for (name, backend) in backends(srv.server.ca_pem.as_deref()) {
        // 1,000 sequential GETs from a cold cache: one challenge, then one request each.
        stats.reset();
        let auth = digest(backend.clone(), &srv.config);
        for i in 0..SEQUENTIAL {
            let url = srv.server.url(&format!(
                "/api/atlas/v2/orgs/o1/apiKeys?pageNum={i}&itemsPerPage=100"
            ));
            let r = auth.send(get(&url)).await.unwrap();
            assert_eq!(r.status(), 200, "{name}");
        }
        assert_eq!(stats.authorized(), SEQUENTIAL as u64, "{name} tls={tls}");
        assert_eq!(
            stats.challenges(),
            1,
            "{name} tls={tls}: sequential challenges"
        );
        assert_eq!(stats.requests(), SEQUENTIAL as u64 + 1, "{name} tls={tls}");
        assert_eq!(auth.inner().sent(), SEQUENTIAL as u64 + 1);
        println!(
            "{name} tls={tls}: {SEQUENTIAL} sequential GETs -> {} challenges",
            stats.challenges()
        );

        // 1,000 GETs, 64 in flight, from a cold cache (a new DigestAuth).
        stats.reset();
        let auth = digest(backend.clone(), &srv.config);
        let results: Vec<_> = futures::stream::iter(0..CONCURRENT)
            .map(|i| {
                let auth = &auth;
                let url = srv
                    .server
                    .url(&format!("/api/atlas/v2/groups/g1/apiKeys/k{i}"));
                async move { auth.send(get(&url)).await }
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        assert!(
            results
                .iter()
                .all(|r| r.as_ref().is_ok_and(|r| r.status() == 200)),
            "{name}"
        );
        assert_eq!(stats.authorized(), CONCURRENT as u64, "{name} tls={tls}");
        // Each request in flight at the cold start draws the challenge of its own nonce lane:
        // at most one per lane, and never more lanes than requests in flight.
        let challenges = stats.challenges();
        assert!(
            (1..=IN_FLIGHT as u64).contains(&challenges),
            "{name} tls={tls}: {challenges} challenges"
        );
        assert_eq!(
            stats.requests(),
            CONCURRENT as u64 + challenges,
            "{name} tls={tls}"
        );
        println!(
            "{name} tls={tls}: {CONCURRENT} GETs, {IN_FLIGHT} in flight -> {challenges} challenges"
        );

        // 100 POSTs after warm-up: each body reaches the server exactly once.
        stats.reset();
        for i in 0..POSTS {
            let body = format!("{{\"desc\":\"key {i}\",\"roles\":[\"ORG_MEMBER\"]}}");
            let r = auth
                .send(post(&srv.server.url("/api/atlas/v2/orgs/o1/apiKeys"), body))
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        }
        assert_eq!(stats.authorized(), POSTS as u64, "{name}");
        assert_eq!(
            stats.challenges(),
            0,
            "{name}: POST challenges after warm-up"
        );
        assert_eq!(stats.get(&stats.posts_received), POSTS as u64, "{name}");
        let bodies = stats.post_bodies.lock().unwrap();
        assert_eq!(bodies.len(), POSTS);
        assert!(
            bodies.values().all(|&n| n == 1),
            "{name}: a POST body was sent twice"
        );
    }
    let agents = srv.stats.user_agents.lock().unwrap();
    assert_eq!(agents.iter().collect::<Vec<_>>(), ["atlas-keys-test/1"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_round_trip_per_request_over_http_both_backends() {
    invariant(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_round_trip_per_request_over_https_both_backends() {
    invariant(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_nonce_is_rechallenged_once_and_resent_once() {
    let config = DigestConfig {
        nonce_ttl: Duration::from_millis(150),
        ..DigestConfig::default()
    };
    let srv = start_digest(config, false).await;
    for (name, backend) in backends(None) {
        srv.stats.reset();
        let auth = digest(backend, &srv.config);
        assert_eq!(
            auth.send(get(&srv.server.url("/a")))
                .await
                .unwrap()
                .status(),
            200
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        let body = "{\"desc\":\"after stale\"}";
        assert_eq!(
            auth.send(post(&srv.server.url("/b"), body))
                .await
                .unwrap()
                .status(),
            200
        );
        assert_eq!(srv.stats.authorized(), 2, "{name}");
        assert_eq!(srv.stats.get(&srv.stats.stale_challenges), 1, "{name}");
        assert_eq!(srv.stats.challenges(), 2, "{name}");
        assert_eq!(srv.stats.requests(), 4, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nonce_expiring_mid_run_costs_one_extra_round_trip_each_time() {
    let config = DigestConfig {
        nonce_ttl: Duration::from_millis(40),
        ..DigestConfig::default()
    };
    let srv = start_digest(config, false).await;
    let (_, backend) = backends(None).remove(0);
    let auth = digest(backend, &srv.config);
    let mut n = 0u64;
    // Run until the nonce has expired a few times.
    while n < 300 || srv.stats.get(&srv.stats.stale_challenges) < 3 {
        let r = auth
            .send(get(&srv.server.url(&format!("/x?i={n}"))))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        n += 1;
        if n.is_multiple_of(50) {
            tokio::time::sleep(Duration::from_millis(45)).await;
        }
        // A bound on work, not on time: every 50 requests sleep past the nonce's lifetime.
        assert!(n < 5_000, "no nonce expiry seen");
    }
    let stats = &srv.stats;
    assert_eq!(stats.authorized(), n);
    assert!(stats.get(&stats.stale_challenges) >= 3);
    assert_eq!(stats.get(&stats.rejected), 0);
    // One cold-start challenge, then exactly one extra request per stale nonce.
    assert_eq!(stats.challenges(), 1 + stats.get(&stats.stale_challenges));
    assert_eq!(stats.requests(), n + stats.challenges());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgotten_nonce_is_rechallenged_once() {
    let srv = start_digest(DigestConfig::default(), false).await;
    let (_, backend) = backends(None).remove(0);
    let auth = digest(backend, &srv.config);
    assert_eq!(
        auth.send(get(&srv.server.url("/a")))
            .await
            .unwrap()
            .status(),
        200
    );
    srv.stats.forget_nonces();
    srv.stats.reset();
    assert_eq!(
        auth.send(get(&srv.server.url("/a")))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(srv.stats.requests(), 2);
    assert_eq!(srv.stats.challenges(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_without_a_challenge_keeps_the_nonce_for_the_next_request() {
    // The server authenticated the request and refused it for another reason (Atlas's
    // `API_KEY_ACCESS_LIST_ACCESS_DENIED`): the caller gets that 401, and the nonce it
    // accepted serves the next requests without a new challenge.
    let srv = start_digest(DigestConfig::default(), false).await;
    for (name, backend) in backends(None) {
        srv.stats.reset();
        let auth = digest(backend, &srv.config);
        for path in ["/a", "/denied", "/denied", "/a", "/denied"] {
            let r = auth.send(get(&srv.server.url(path))).await.unwrap();
            let expected = if path == "/a" { 200 } else { 401 };
            assert_eq!(r.status(), expected, "{name} {path}");
        }
        assert_eq!(srv.stats.challenges(), 1, "{name}");
        assert_eq!(srv.stats.requests(), 6, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_an_auth_error_after_exactly_one_rechallenge() {
    let srv = start_digest(DigestConfig::default(), false).await;
    for (name, backend) in backends(None) {
        let counting = Arc::new(Counting::new(backend));
        let auth = DigestAuth::new(counting.clone(), "pubkey", SecretString::from("wrong"));
        for round in 0..2 {
            srv.stats.reset();
            let err = auth.send(get(&srv.server.url("/a"))).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Auth, "{name}");
            assert!(err.is_auth());
            assert_eq!(err.status(), Some(http::StatusCode::UNAUTHORIZED));
            assert!(!err.to_string().contains("wrong"));
            // Cold: no-auth + one answer. Then: the refusal's nonce (kept as a lane) + one fresh
            // challenge answer.
            assert_eq!(srv.stats.requests(), 2, "{name} round {round}");
            assert_eq!(srv.stats.challenges(), 2, "{name} round {round}");
            assert_eq!(srv.stats.authorized(), 0);
        }
        assert_eq!(counting.sent(), 4);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_refused_for_wrong_credentials_is_known_not_to_have_been_applied() {
    let srv = start_digest(DigestConfig::default(), false).await;
    for (name, backend) in backends(None) {
        let auth = DigestAuth::new(backend, "pubkey", SecretString::from("wrong"));
        let err = auth
            .send(post(&srv.server.url("/orgs/o/apiKeys"), "{\"desc\":\"k\"}"))
            .await
            .unwrap_err();
        assert!(err.is_auth(), "{name}: {err:?}");
        assert!(!err.request_may_have_reached_server(), "{name}: {err:?}");
        assert_eq!(srv.stats.authorized(), 0, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sha256_sess_variants_and_no_qop_servers_work() {
    for (algorithm, qop) in [
        ("SHA-256", Some("auth")),
        ("SHA-256-sess", Some("auth")),
        ("MD5-sess", Some("auth")),
        ("MD5", None),
        ("SHA-256", None),
    ] {
        let config = DigestConfig {
            algorithm,
            qop,
            ..DigestConfig::default()
        };
        let srv = start_digest(config, false).await;
        let (_, backend) = backends(None).remove(0);
        let auth = digest(backend, &srv.config);
        for i in 0..10 {
            let r = auth
                .send(get(&srv.server.url(&format!("/p?q={i}&r=%2F"))))
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{algorithm} {qop:?}");
        }
        assert_eq!(srv.stats.authorized(), 10, "{algorithm} {qop:?}");
        // Without qop there is no nc: the same nonce is simply reused.
        assert_eq!(srv.stats.challenges(), 1, "{algorithm} {qop:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_on_an_expired_nonce_each_resend_at_most_once() {
    let config = DigestConfig {
        nonce_ttl: Duration::from_millis(100),
        ..DigestConfig::default()
    };
    let srv = start_digest(config, false).await;
    let (_, backend) = backends(None).remove(0);
    let auth = digest(backend, &srv.config);
    assert_eq!(
        auth.send(get(&srv.server.url("/warm")))
            .await
            .unwrap()
            .status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(150)).await;
    srv.stats.reset();
    let results = futures::future::join_all(
        (0..IN_FLIGHT).map(|i| auth.send(get(&srv.server.url(&format!("/c{i}"))))),
    )
    .await;
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().is_ok_and(|r| r.status() == 200))
    );
    let stats = &srv.stats;
    assert_eq!(stats.authorized(), IN_FLIGHT as u64);
    // Each in-flight request is refused at most once, then resent once with a fresh nonce.
    assert!(
        stats.challenges() <= IN_FLIGHT as u64,
        "{}",
        stats.challenges()
    );
    assert_eq!(stats.requests(), IN_FLIGHT as u64 + stats.challenges());
    assert_eq!(stats.get(&stats.rejected), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_origin_that_never_challenges_is_not_serialised() {
    let handler: support::Handler = Arc::new(|_req| support::text(200, "{}"));
    let srv = support::start(handler, false).await;
    let (_, backend) = backends(None).remove(0);
    let counting = Arc::new(Counting::new(backend));
    let auth = DigestAuth::new(counting.clone(), "u", SecretString::from("p"));
    let results =
        futures::future::join_all((0..32).map(|_| auth.send(get(&srv.url("/open"))))).await;
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().is_ok_and(|r| r.status() == 200))
    );
    assert_eq!(counting.sent(), 32);
}
