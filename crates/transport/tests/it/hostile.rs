//! The client against hostile servers (#15): an endless or huge body is cut at the cap, a slow
//! drip ends at the call's deadline, a digest server that re-challenges forever is bounded, a
//! bearer token or client secret never goes over plain http to a remote host without an
//! opt-in, poisoned token answers are refused and never cached, and a token cached for the
//! right client secret is never used with a wrong one.

use crate::support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use atlas_keys_transport::test_util::ScriptedTransport;
use atlas_keys_transport::{
    BearerAuth, CachedToken, CallDeadline, Deadline, DigestAuth, ErrorKind, HyperTransport,
    MemoryTokenStore, ReqwestTransport, Retry, RetryPolicy, SecretString, ServiceAccountAuth,
    TokenStore, Transport, token_store_key,
};
use bytes::Bytes;
use support::hostile::{Hostile, start_hostile};
use support::oauth_server::{CLIENT_ID, CLIENT_SECRET, start_oauth};
use support::{Handler, get, start};

/// Both backends with a small body cap and a per-attempt timeout far above the deadlines used
/// here, so that what ends a drip is the deadline.
fn capped_backends(cap: usize) -> Vec<(&'static str, Arc<dyn Transport>)> {
    let hyper = HyperTransport::builder()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(30))
        .max_response_body(cap)
        .build()
        .unwrap();
    let reqwest = ReqwestTransport::builder()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(30))
        .max_response_body(cap)
        .build()
        .unwrap();
    vec![
        ("hyper", Arc::new(hyper) as Arc<dyn Transport>),
        ("reqwest", Arc::new(reqwest) as Arc<dyn Transport>),
    ]
}

const CAP: usize = 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_chunked_body_is_cut_at_the_cap_naming_it() {
    for (name, backend) in capped_backends(CAP) {
        let srv = start_hostile(Hostile::EndlessChunked).await;
        let stack = Deadline::new(
            Retry::new(backend, RetryPolicy::default()),
            Duration::from_secs(60),
        );
        let err = stack.send(get(&srv.url("/page"))).await.unwrap_err();
        assert!(err.is_body_too_large(), "{name}: {err:?}");
        assert_eq!(err.kind(), ErrorKind::BodyTooLarge);
        assert!(err.to_string().contains(&CAP.to_string()), "{name}: {err}");
        // Not retried: a body too large will be too large again.
        assert_eq!(srv.requests(), 1, "{name}");
        drop(stack);
        srv.wait_closed(1).await;
        // The server wrote until the client stopped reading and closed: the cap, one read
        // buffer, and what the loopback socket buffers held (a few MiB), not an endless stream.
        let written = srv.bytes_written();
        assert!(written >= CAP as u64, "{name}: {written}");
        assert!(
            written < (CAP + 32 * 1024 * 1024) as u64,
            "{name}: {written}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_header_block_fails_with_bounded_reading() {
    for (name, backend) in capped_backends(CAP) {
        let srv = start_hostile(Hostile::EndlessHeaders).await;
        let err = backend.send(get(&srv.url("/h"))).await.unwrap_err();
        // hyper's header buffer (64 KiB here, about 400 KiB inside reqwest) ends it.
        assert!(err.request_may_have_reached_server(), "{name}: {err:?}");
        drop(backend);
        srv.wait_closed(1).await;
        let written = srv.bytes_written();
        assert!(written < 32 * 1024 * 1024, "{name}: {written}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_of_more_than_100_header_fields_fails_on_both_backends() {
    for (name, backend) in capped_backends(CAP) {
        let srv = start_hostile(Hostile::ManyHeaders(100)).await;
        let ok = backend.send(get(&srv.url("/h"))).await;
        assert!(ok.is_ok(), "{name}: 100 fields pass: {ok:?}");
        let srv = start_hostile(Hostile::ManyHeaders(101)).await;
        let err = backend.send(get(&srv.url("/h"))).await.unwrap_err();
        assert!(err.request_may_have_reached_server(), "{name}: {err:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_of_a_few_mib_pass_both_ways_under_the_default_cap() {
    let handler: Handler =
        Arc::new(|req: http::Request<Bytes>| http::Response::new(req.into_body()));
    let srv = start(handler, false).await;
    let body = Bytes::from(vec![b'k'; 3 * 1024 * 1024]);
    for (name, backend) in capped_backends(atlas_keys_transport::DEFAULT_MAX_RESPONSE_BODY) {
        let response = backend
            .send(support::post(&srv.url("/echo"), body.clone()))
            .await
            .unwrap();
        assert_eq!(response.body(), &body, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_content_length_fails_before_reading_the_body() {
    for (name, backend) in capped_backends(CAP) {
        let srv = start_hostile(Hostile::HugeContentLength).await;
        // No deadline: the early refusal, not a timeout, must end this call.
        let err = backend.send(get(&srv.url("/big"))).await.unwrap_err();
        assert!(err.is_body_too_large(), "{name}: {err:?}");
        assert!(err.to_string().contains("1048576 bytes"), "{name}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_drips_of_headers_or_body_end_at_the_call_deadline() {
    for how in [
        Hostile::DripHeaders(Duration::from_millis(50)),
        Hostile::DripBody(Duration::from_millis(50)),
    ] {
        for (name, backend) in capped_backends(CAP) {
            let srv = start_hostile(how).await;
            let stack = Deadline::new(
                Retry::new(backend, RetryPolicy::default()),
                Duration::from_millis(700),
            );
            let err = stack.send(get(&srv.url("/drip"))).await.unwrap_err();
            assert!(err.is_timeout(), "{name} {how:?}: {err:?}");
            assert!(
                err.to_string().contains("call deadline of 700ms"),
                "{name} {how:?}: {err}"
            );
            assert!(err.request_may_have_reached_server());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callers_own_tighter_deadline_wins() {
    let (_, backend) = capped_backends(CAP).remove(0);
    let srv = start_hostile(Hostile::DripBody(Duration::from_millis(50))).await;
    let stack = Deadline::new(backend, Duration::from_secs(60));
    let mut request = get(&srv.url("/drip"));
    request
        .extensions_mut()
        .insert(CallDeadline::after(Duration::from_millis(300)));
    let err = stack.send(request).await.unwrap_err();
    assert!(err.to_string().contains("call deadline of 300ms"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_digest_server_that_rechallenges_forever_is_bounded() {
    for (name, backend) in capped_backends(CAP) {
        let srv = start_hostile(Hostile::Rechallenge(Duration::ZERO)).await;
        let stack = Deadline::new(
            Retry::new(
                DigestAuth::new(backend.clone(), "pub", SecretString::from("priv")),
                RetryPolicy::default(),
            ),
            Duration::from_secs(60),
        );
        let err = stack.send(get(&srv.url("/x"))).await.unwrap_err();
        assert!(err.is_auth(), "{name}: {err:?}");
        // One challenge drawn, one answer, two stale retries: never a loop.
        assert!(srv.requests() <= 4, "{name}: {} requests", srv.requests());

        // The same, each answer slow: the deadline ends it.
        let slow = start_hostile(Hostile::Rechallenge(Duration::from_millis(300))).await;
        let stack = Deadline::new(
            Retry::new(
                DigestAuth::new(backend, "pub", SecretString::from("priv")),
                RetryPolicy::default(),
            ),
            Duration::from_millis(500),
        );
        let err = stack.send(get(&slow.url("/x"))).await.unwrap_err();
        assert!(err.is_timeout(), "{name}: {err:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bearer_token_is_not_sent_over_plain_http_to_a_remote_host() {
    let inner = ScriptedTransport::new();
    let auth = BearerAuth::new(inner.clone(), SecretString::from("tok"));
    let err = auth
        .send(get("http://cloud.example.com/api"))
        .await
        .unwrap_err();
    assert!(err.is_insecure_http(), "{err:?}");
    assert!(!err.request_may_have_reached_server());
    let text = err.to_string();
    assert!(text.contains("cloud.example.com") && text.contains("allow_insecure_http(true)"));
    assert!(inner.requests().is_empty(), "nothing was sent");
    // https is fine, and so is the opt-in (the scripted transport does no I/O).
    inner.push_json(200, "{}");
    auth.send(get("https://cloud.example.com/api"))
        .await
        .unwrap();
    let auth = auth.allow_insecure_http(true);
    inner.push_json(200, "{}");
    auth.send(get("http://cloud.example.com/api"))
        .await
        .unwrap();
    assert_eq!(inner.requests().len(), 2);

    // Loopback needs no opt-in, over a real backend.
    let handler: Handler = Arc::new(|_req| support::text(200, "ok"));
    let srv = start(handler, false).await;
    let (_, backend) = capped_backends(CAP).remove(0);
    let auth = BearerAuth::new(backend, SecretString::from("tok"));
    let localhost = srv.url("/x").replace("127.0.0.1", "localhost");
    for url in [srv.url("/x"), localhost] {
        assert_eq!(auth.send(get(&url)).await.unwrap().status(), 200, "{url}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_secret_is_not_sent_over_plain_http_to_a_remote_host() {
    let inner = ScriptedTransport::new();
    let sa = ServiceAccountAuth::builder(inner.clone(), "id", SecretString::from("secret"))
        .base_url("http://cloud.example.com")
        .build()
        .unwrap();
    let err = sa
        .send(get("https://cloud.example.com/api"))
        .await
        .unwrap_err();
    assert!(err.is_insecure_http(), "{err:?}");
    assert!(err.to_string().contains("client secret"), "{err}");
    assert!(inner.requests().is_empty());
    let sa = ServiceAccountAuth::builder(inner.clone(), "id", SecretString::from("secret"))
        .base_url("http://cloud.example.com")
        .allow_insecure_http(true)
        .build()
        .unwrap();
    inner.push_json(200, r#"{"access_token":"tok","expires_in":3600}"#);
    inner.push_json(200, "{}");
    sa.send(get("http://cloud.example.com/api")).await.unwrap();
    assert_eq!(inner.requests().len(), 2);
}

/// A token endpoint that answers whatever the test puts in `answer`, counting its requests.
struct PoisonServer {
    server: support::Server,
    answer: Arc<Mutex<(u16, Bytes)>>,
    token_requests: Arc<AtomicU64>,
}

async fn start_poison() -> PoisonServer {
    let answer = Arc::new(Mutex::new((200u16, Bytes::new())));
    let token_requests = Arc::new(AtomicU64::new(0));
    let (a, n) = (answer.clone(), token_requests.clone());
    let handler: Handler = Arc::new(move |req: http::Request<Bytes>| {
        if req.uri().path() == "/api/oauth/token" {
            n.fetch_add(1, Ordering::Relaxed);
            let (status, body) = a.lock().unwrap().clone();
            http::Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(body)
                .unwrap()
        } else {
            support::text(200, "{}")
        }
    });
    PoisonServer {
        server: start(handler, false).await,
        answer,
        token_requests,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poisoned_token_answers_are_refused_and_never_cached() {
    let srv = start_poison().await;
    let key = token_store_key("id", &SecretString::from("secret"));
    let huge = format!(
        r#"{{"access_token":"{}","expires_in":3600}}"#,
        "a".repeat(10_000_000)
    );
    let cases: Vec<(&str, u16, String)> = vec![
        ("escape", 200, r#"{"access_token":"ab\u001b]0;pwned\u0007","expires_in":3600}"#.into()),
        ("newline", 200, r#"{"access_token":"ab\r\nX-Evil: 1","expires_in":3600}"#.into()),
        ("space", 200, r#"{"access_token":"a b","expires_in":3600}"#.into()),
        ("empty", 200, r#"{"access_token":"","expires_in":3600}"#.into()),
        ("10 MB", 200, huge),
        ("negative", 200, r#"{"access_token":"tok","expires_in":-5}"#.into()),
        ("zero", 200, r#"{"access_token":"tok","expires_in":0}"#.into()),
        ("type", 200, r#"{"access_token":"tok","token_type":"mac"}"#.into()),
        (
            "description",
            400,
            r#"{"error":"bad\u001b[2J","error_description":"x\u001b]52;c;ZXZpbA==\u0007\u202eevil\u009b"}"#
                .into(),
        ),
    ];
    for (name, status, body) in cases {
        let store = Arc::new(MemoryTokenStore::new());
        let (_, backend) = capped_backends(16 * 1024 * 1024).remove(0);
        let sa = ServiceAccountAuth::builder(backend, "id", SecretString::from("secret"))
            .base_url(srv.server.base.clone())
            .token_store(store.clone())
            .build()
            .unwrap();
        *srv.answer.lock().unwrap() = (status, Bytes::from(body));
        let before = srv.token_requests.load(Ordering::Relaxed);
        for _ in 0..2 {
            let err = sa.send(get(&srv.server.url("/r"))).await.unwrap_err();
            let text = err.to_string();
            assert!(
                matches!(err.kind(), ErrorKind::Decode | ErrorKind::Auth),
                "{name}: {err:?}"
            );
            assert!(
                !text
                    .chars()
                    .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
                "{name}: raw control in {text:?}"
            );
            assert!(text.len() < 4096, "{name}: {} bytes of error", text.len());
            assert!(
                !text.contains("pwned") || name != "escape",
                "{name}: token quoted"
            );
            assert!(store.load(&key).await.is_none(), "{name}: cached");
        }
        // Nothing was cached: the second call asked again.
        assert_eq!(
            srv.token_requests.load(Ordering::Relaxed) - before,
            2,
            "{name}"
        );
    }
    // A huge expires_in is clamped to the service's hour, not refused.
    let store = Arc::new(MemoryTokenStore::new());
    let (_, backend) = capped_backends(CAP).remove(0);
    let sa = ServiceAccountAuth::builder(backend, "id", SecretString::from("secret"))
        .base_url(srv.server.base.clone())
        .token_store(store.clone())
        .build()
        .unwrap();
    *srv.answer.lock().unwrap() = (
        200,
        Bytes::from_static(br#"{"access_token":"tok","expires_in":1e300}"#),
    );
    sa.send(get(&srv.server.url("/r"))).await.unwrap();
    let cached = store.load(&key).await.unwrap();
    let hour = SystemTime::now() + Duration::from_secs(3600);
    assert!(cached.expires_at <= hour);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_stored_token_is_discarded_and_fetched_again() {
    let srv = start_oauth(3600, false).await;
    let key = token_store_key(CLIENT_ID, &SecretString::from(CLIENT_SECRET));
    let far = SystemTime::now() + Duration::from_secs(3000);
    let past = SystemTime::now() - Duration::from_secs(10);
    for bad in [
        CachedToken::new(SecretString::from("bad\u{1b}token"), far),
        CachedToken::new(SecretString::from("x".repeat(9000)), far),
        CachedToken::new(SecretString::from("expired"), past),
    ] {
        let store = Arc::new(MemoryTokenStore::new());
        store.save(&key, &bad).await;
        let (_, backend) = capped_backends(CAP).remove(0);
        let sa = ServiceAccountAuth::builder(backend, CLIENT_ID, SecretString::from(CLIENT_SECRET))
            .base_url(srv.server.base.clone())
            .token_store(store.clone())
            .build()
            .unwrap();
        let before = srv.stats.token_requests();
        assert_eq!(
            sa.send(get(&srv.server.url("/r"))).await.unwrap().status(),
            200
        );
        assert_eq!(srv.stats.token_requests() - before, 1);
        let now_stored = store.load(&key).await.unwrap();
        use atlas_keys_transport::ExposeSecret as _;
        assert!(
            now_stored
                .access_token
                .expose_secret()
                .starts_with("eyTOKEN")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_cached_for_the_right_secret_is_not_used_with_a_wrong_one() {
    let srv = start_oauth(3600, false).await;
    let store = Arc::new(MemoryTokenStore::new());
    let build = |secret: &str| {
        let (_, backend) = capped_backends(CAP).remove(0);
        ServiceAccountAuth::builder(backend, CLIENT_ID, SecretString::from(secret.to_owned()))
            .base_url(srv.server.base.clone())
            .token_store(store.clone() as Arc<dyn TokenStore>)
            .build()
            .unwrap()
    };
    let right = build(CLIENT_SECRET);
    assert_eq!(
        right
            .send(get(&srv.server.url("/r")))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(srv.stats.token_requests(), 1);
    // Another process (same store) with a wrong secret: the cached token is not reused, the
    // endpoint is asked, and it refuses.
    let wrong = build("not-the-secret");
    let err = wrong.send(get(&srv.server.url("/r"))).await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(
        err.oauth_error().map(|o| o.error.as_str()),
        Some("invalid_client")
    );
    assert_eq!(srv.stats.token_requests(), 2);
    // The right secret still finds its token in the store.
    let again = build(CLIENT_SECRET);
    assert_eq!(
        again
            .send(get(&srv.server.url("/r")))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(srv.stats.token_requests(), 2);
}

#[tokio::test(start_paused = true)]
async fn retry_does_not_back_off_past_the_call_deadline() {
    // A 503 asking for 10 s under a 5 s deadline: the answer comes back at once, with one
    // attempt, rather than a sleep that the deadline would cut into a timeout.
    let inner = ScriptedTransport::new();
    let mut busy = http::Response::new(Bytes::new());
    *busy.status_mut() = http::StatusCode::SERVICE_UNAVAILABLE;
    busy.headers_mut().insert(
        http::header::RETRY_AFTER,
        http::HeaderValue::from_static("10"),
    );
    inner.push_response(busy);
    let stack = Deadline::new(
        Retry::new(
            inner.clone(),
            RetryPolicy::default().budget(Duration::from_secs(60)),
        ),
        Duration::from_secs(5),
    );
    let response = stack.send(get("https://h/x")).await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(atlas_keys_transport::Attempts::of(&response), 1);
    assert_eq!(inner.requests().len(), 1);
}
