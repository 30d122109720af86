//! Retries: Retry-After, bounds on attempts and time, and never re-sending a POST that may have
//! reached the server.

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use atlas_keys_transport::test_util::ScriptedTransport;
use atlas_keys_transport::{Attempt, Attempts, Error, ErrorKind, Retry, RetryPolicy, Transport};
use bytes::Bytes;
use http::{Response, StatusCode};
use support::raw::{Misbehaviour, start_raw};
use support::{Handler, backends, get, post, start, text};

fn fast() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(4)
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20))
        .budget(Duration::from_secs(5))
}

fn status(code: u16) -> Response<Bytes> {
    let mut r = Response::new(Bytes::from_static(b"{\"error\":\"x\"}"));
    *r.status_mut() = StatusCode::from_u16(code).unwrap();
    r
}

fn with_retry_after(code: u16, secs: &str) -> Response<Bytes> {
    let mut r = status(code);
    r.headers_mut()
        .insert(http::header::RETRY_AFTER, secs.parse().unwrap());
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limited_post_with_retry_after_is_retried_over_the_wire() {
    let calls = Arc::new(AtomicU64::new(0));
    let c = calls.clone();
    let handler: Handler = Arc::new(move |_req| {
        if c.fetch_add(1, Ordering::Relaxed).is_multiple_of(2) {
            let mut r = text(429, r#"{"error":429,"errorCode":"RATE_LIMITED"}"#);
            r.headers_mut()
                .insert(http::header::RETRY_AFTER, "1".parse().unwrap());
            r
        } else {
            text(200, "{}")
        }
    });
    let srv = start(handler, false).await;
    for (name, backend) in backends(None) {
        let retry = Retry::new(backend, fast());
        // A POST may be retried on 429: the service refused it before processing.
        let r = retry
            .send(post(&srv.url("/orgs/o/apiKeys"), "{}"))
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{name}");
        assert_eq!(r.extensions().get::<Attempts>(), Some(&Attempts(2)));
    }
}

// The wait itself is checked on tokio's paused clock, which moves only by the sleeps the code
// asks for, so the assertion is exact rather than a wall-clock race.
#[tokio::test(start_paused = true)]
async fn retry_after_sets_the_wait_before_the_next_attempt() {
    let t = ScriptedTransport::new();
    t.push_response(with_retry_after(429, "1"));
    t.push_response(status(200));
    let started = Instant::now();
    let r = Retry::new(t.clone(), fast())
        .send(post("http://h/orgs/o/apiKeys", "{}"))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After not honoured"
    );
    assert_eq!(r.extensions().get::<Attempts>(), Some(&Attempts(2)));
}

#[tokio::test(start_paused = true)]
async fn an_absurd_retry_after_returns_the_429_instead_of_overflowing() {
    let t = ScriptedTransport::new();
    t.push_response(with_retry_after(429, &u64::MAX.to_string()));
    let r = Retry::new(t.clone(), fast())
        .send(get("http://h/x"))
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(Attempts::of(&r), 1);
}

#[tokio::test]
async fn the_last_attempt_sends_the_request_unchanged() {
    let t = ScriptedTransport::new();
    t.push_response(status(503));
    t.push_response(status(200));
    let request = http::Request::get("http://h/x?q=1")
        .header("x-probe", "1")
        .body(Bytes::from_static(b"body"))
        .unwrap();
    let r = Retry::new(t.clone(), fast().max_attempts(2))
        .send(request)
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let sent = t.requests();
    assert_eq!(sent.len(), 2);
    for (attempt, request) in (1u32..).zip(&sent) {
        assert_eq!(request.uri(), "http://h/x?q=1");
        assert_eq!(request.headers()["x-probe"], "1");
        assert_eq!(request.body().as_ref(), b"body");
        // The first attempt carries no marker (absent means 1); later ones are numbered.
        let expected = (attempt > 1).then_some(Attempt(attempt));
        assert_eq!(request.extensions().get::<Attempt>(), expected.as_ref());
    }
}

#[tokio::test(start_paused = true)]
async fn retry_after_beyond_the_budget_returns_the_429_at_once() {
    let t = ScriptedTransport::new();
    t.push_response(with_retry_after(429, "120"));
    let retry = Retry::new(t.clone(), fast().budget(Duration::from_secs(2)));
    let started = Instant::now();
    let r = retry.send(get("http://h/x")).await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(Attempts::of(&r), 1);
    assert!(started.elapsed() < Duration::from_millis(500));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_is_not_resent_after_a_reset_after_send() {
    let srv = start_raw(Misbehaviour::CloseAfterRequest).await;
    for (name, backend) in backends(None) {
        let before = srv.requests();
        let retry = Retry::new(backend, fast());
        let err = retry
            .send(post(&srv.url("/orgs/o/apiKeys"), "{\"desc\":\"k\"}"))
            .await
            .unwrap_err();
        assert!(err.request_may_have_reached_server(), "{name}: {err:?}");
        assert!(!err.is_connect(), "{name}");
        assert_eq!(err.attempts(), 1, "{name}");
        assert_eq!(srv.requests() - before, 1, "{name}: the POST was re-sent");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_get_is_retried_after_a_reset_and_reports_its_attempts() {
    let srv = start_raw(Misbehaviour::CloseAfterRequest).await;
    for (name, backend) in backends(None) {
        let before = srv.requests();
        let retry = Retry::new(backend, fast().max_attempts(3));
        let err = retry
            .send(get(&srv.url("/orgs/o/apiKeys")))
            .await
            .unwrap_err();
        assert_eq!(err.attempts(), 3, "{name}");
        assert_eq!(srv.requests() - before, 3, "{name}");
        assert!(err.to_string().contains("after 3 attempts"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_that_could_not_connect_is_retried() {
    // A port with nothing listening.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    for (name, backend) in backends(None) {
        let retry = Retry::new(backend, fast().max_attempts(3));
        let err = retry
            .send(post(&format!("http://127.0.0.1:{port}/x"), "{}"))
            .await
            .unwrap_err();
        assert!(err.is_connect(), "{name}: {err:?}");
        assert!(!err.request_may_have_reached_server(), "{name}");
        assert_eq!(err.attempts(), 3, "{name}");
    }
}

#[tokio::test]
async fn a_503_to_a_post_is_not_retried_by_default_but_a_get_is() {
    let t = ScriptedTransport::new();
    for _ in 0..10 {
        t.push_response(status(503));
    }
    let retry = Retry::new(t.clone(), fast());
    let r = retry.send(post("http://h/x", "{}")).await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(Attempts::of(&r), 1);
    assert_eq!(t.requests().len(), 1);

    let r = retry.send(get("http://h/x")).await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.extensions().get::<Attempts>(), Some(&Attempts(4)));
    assert_eq!(t.requests().len(), 5);
    let attempts: Vec<u32> = t.requests()[1..]
        .iter()
        .map(|r| r.extensions().get::<Attempt>().map_or(1, |a| a.0))
        .collect();
    assert_eq!(attempts, [1, 2, 3, 4]);

    // Unless the policy says so.
    let retry = Retry::new(
        t.clone(),
        fast().non_idempotent_statuses([StatusCode::SERVICE_UNAVAILABLE]),
    );
    let _ = retry.send(post("http://h/x", "{}")).await.unwrap();
    assert_eq!(t.requests().len(), 9);
}

#[tokio::test]
async fn patch_is_retried_on_429_and_succeeds() {
    let t = ScriptedTransport::new();
    t.push_response(status(429));
    t.push_response(status(429));
    t.push_response(status(200));
    let retry = Retry::new(t.clone(), fast());
    let req = http::Request::patch("http://h/x")
        .body(Bytes::from_static(b"{}"))
        .unwrap();
    let r = retry.send(req).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.extensions().get::<Attempts>(), Some(&Attempts(3)));
    assert!(t.requests().iter().all(|r| r.body().as_ref() == b"{}"));
}

#[tokio::test]
async fn errors_after_sending_are_retried_only_for_idempotent_methods() {
    let t = ScriptedTransport::new();
    for _ in 0..3 {
        t.push_error(Error::new(ErrorKind::Timeout, "timed out", true));
    }
    t.push_response(status(200));
    let retry = Retry::new(t.clone(), fast());
    assert_eq!(retry.send(get("http://h/x")).await.unwrap().status(), 200);

    t.push_error(Error::new(ErrorKind::Timeout, "timed out", true));
    let err = Retry::new(t.clone(), fast())
        .send(
            http::Request::delete("http://h/x")
                .body(Bytes::new())
                .unwrap(),
        )
        .await;
    // DELETE is idempotent: retried; the script then runs out (an error that was never sent).
    assert!(err.is_err());
    assert_eq!(t.requests().len(), 4 + 4);

    let t = ScriptedTransport::new();
    t.push_error(Error::new(ErrorKind::Request, "connection reset", true));
    let err = Retry::new(t.clone(), fast())
        .send(post("http://h/x", "{}"))
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 1);
    assert_eq!(t.requests().len(), 1);
}

#[tokio::test]
async fn auth_errors_are_never_retried() {
    let t = ScriptedTransport::new();
    t.push_error(Error::new(ErrorKind::Auth, "refused", false));
    let err = Retry::new(t.clone(), fast())
        .send(get("http://h/x"))
        .await
        .unwrap_err();
    assert!(err.is_auth());
    assert_eq!(t.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_time_budget_bounds_retries() {
    let t = ScriptedTransport::new();
    for _ in 0..100 {
        t.push_response(status(503));
    }
    let policy = RetryPolicy::default()
        .max_attempts(100)
        .base_delay(Duration::from_millis(40))
        .max_delay(Duration::from_millis(40))
        .jitter(false)
        .budget(Duration::from_millis(200));
    let started = Instant::now();
    let r = Retry::new(t.clone(), policy)
        .send(get("http://h/x"))
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert!(started.elapsed() < Duration::from_millis(400));
    let attempts = r.extensions().get::<Attempts>().unwrap().0;
    assert!((4..=6).contains(&attempts), "{attempts}");
}

#[tokio::test]
async fn never_policy_makes_one_attempt() {
    let t = ScriptedTransport::new();
    t.push_response(status(429));
    let r = Retry::new(t.clone(), RetryPolicy::never())
        .send(get("http://h/x"))
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(t.requests().len(), 1);
}
