//! Both backends against in-process servers: plain HTTP and HTTPS with a generated CA, error
//! classification (connect, TLS, timeout), User-Agent, builder errors; and the test-util fakes.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use atlas_keys_transport::test_util::{MockTransport, ScriptedTransport};
use atlas_keys_transport::{
    BearerAuth, Deadline, ErrorKind, HyperTransport, ReqwestTransport, SecretString, Transport,
};
use bytes::Bytes;
use http::header;
use support::raw::{Misbehaviour, start_raw};
use support::{Handler, backends, get, post, start};

fn echo() -> Handler {
    Arc::new(|req: http::Request<Bytes>| {
        let ua = req.headers().get(header::USER_AGENT).cloned();
        let auth = req.headers().get(header::AUTHORIZATION).cloned();
        let mut r = http::Response::builder()
            .status(201)
            .header("x-method", req.method().as_str())
            .header(
                "x-target",
                req.uri()
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/"),
            );
        if let Some(ua) = ua {
            r = r.header("x-user-agent", ua);
        }
        if let Some(auth) = auth {
            r = r.header("x-authorization", auth);
        }
        r.body(req.into_body()).unwrap()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_round_trip_over_http_and_https() {
    for tls in [false, true] {
        let srv = start(echo(), tls).await;
        for (name, backend) in backends(srv.ca_pem.as_deref()) {
            let r = backend
                .send(post(&srv.url("/a/b?c=d&e=%2F"), "{\"hello\":1}"))
                .await
                .unwrap();
            assert_eq!(r.status(), 201, "{name} tls={tls}");
            assert_eq!(r.body().as_ref(), b"{\"hello\":1}");
            assert_eq!(r.headers()["x-method"], "POST");
            assert_eq!(r.headers()["x-target"], "/a/b?c=d&e=%2F");
            assert_eq!(r.headers()["x-user-agent"], "atlas-keys-test/1");
            // Keep-alive: many requests, few connections. (A connection goes back to the pool
            // asynchronously, so an immediate next request may still open another one.)
            for _ in 0..20 {
                assert_eq!(
                    backend.send(get(&srv.url("/k"))).await.unwrap().status(),
                    201
                );
            }
        }
        let connections = srv.connections.load(std::sync::atomic::Ordering::Relaxed);
        assert!(
            connections <= 10,
            "tls={tls}: {connections} connections for 42 sequential requests"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_returned_to_the_caller_not_followed() {
    let handler: Handler = Arc::new(|req: http::Request<Bytes>| {
        if req.uri().path() == "/moved" {
            http::Response::builder()
                .status(302)
                .header(header::LOCATION, "/elsewhere")
                .body(Bytes::new())
                .unwrap()
        } else {
            support::text(200, "followed")
        }
    });
    let srv = start(handler, false).await;
    for (name, backend) in backends(None) {
        let r = backend
            .send(post(&srv.url("/moved"), "{\"desc\":\"k\"}"))
            .await
            .unwrap();
        assert_eq!(r.status(), 302, "{name}");
        assert_eq!(r.headers()[header::LOCATION], "/elsewhere", "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_user_agent_names_the_crate_and_a_caller_one_wins() {
    let srv = start(echo(), false).await;
    let transports: Vec<Arc<dyn Transport>> = vec![
        Arc::new(HyperTransport::new().unwrap()),
        Arc::new(ReqwestTransport::new().unwrap()),
    ];
    for t in transports {
        let r = t.send(get(&srv.url("/"))).await.unwrap();
        let ua = r.headers()["x-user-agent"].to_str().unwrap();
        assert!(ua.starts_with("atlas-keys-transport/"), "{ua}");
        let req = http::Request::get(srv.url("/"))
            .header(header::USER_AGENT, "mine/2")
            .body(Bytes::new())
            .unwrap();
        assert_eq!(
            t.send(req).await.unwrap().headers()["x-user-agent"],
            "mine/2"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_is_a_certificate_error_before_sending() {
    let srv = start(echo(), true).await;
    for (name, backend) in backends(None) {
        let err = backend.send(post(&srv.url("/x"), "{}")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Certificate, "{name}: {err:?}");
        assert!(!err.request_may_have_reached_server(), "{name}");
        assert!(err.is_connect());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_is_a_connect_error_that_never_reached_the_server() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    for (name, backend) in backends(None) {
        let err = backend
            .send(post(
                &format!("http://127.0.0.1:{port}/x?secret=hunter2"),
                "{}",
            ))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Connect, "{name}: {err:?}");
        assert!(err.is_connect());
        assert!(!err.request_may_have_reached_server());
        assert!(
            !format!("{err} {err:?}").contains("hunter2"),
            "{name}: query leaked"
        );
        assert!(std::error::Error::source(&err).is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_times_out_after_the_request_was_sent() {
    let srv = start_raw(Misbehaviour::Silent).await;
    let transports: Vec<(&str, Arc<dyn Transport>)> = vec![
        (
            "hyper",
            Arc::new(
                HyperTransport::builder()
                    .timeout(Duration::from_millis(300))
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "reqwest",
            Arc::new(
                ReqwestTransport::builder()
                    .timeout(Duration::from_millis(300))
                    .build()
                    .unwrap(),
            ),
        ),
    ];
    for (name, t) in transports {
        let err = t.send(post(&srv.url("/x"), "{}")).await.unwrap_err();
        assert!(err.is_timeout(), "{name}: {err:?}");
        assert!(err.request_may_have_reached_server(), "{name}");
        // Under a call deadline further away, the backend's own timeout still ends the
        // attempt (the hyper backend skips its timer only when the deadline comes first).
        let under_deadline = Deadline::new(Arc::clone(&t), Duration::from_secs(60));
        let err = under_deadline
            .send(post(&srv.url("/x"), "{}"))
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{name}: {err:?}");
        assert!(!err.to_string().contains("call deadline"), "{name}: {err}");
    }
    assert_eq!(srv.requests(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_after_send_may_have_reached_the_server() {
    let srv = start_raw(Misbehaviour::CloseAfterRequest).await;
    for (name, backend) in backends(None) {
        let err = backend.send(post(&srv.url("/x"), "{}")).await.unwrap_err();
        assert!(err.request_may_have_reached_server(), "{name}: {err:?}");
        assert!(!err.is_connect() && !err.is_timeout() && !err.is_auth());
    }
}

#[test]
fn bad_builder_input_is_a_builder_error() {
    let e = HyperTransport::builder()
        .add_root_certificate_pem(b"not a pem")
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Builder);
    let e = ReqwestTransport::builder()
        .user_agent("bad\nagent")
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Builder);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_auth_sets_the_header() {
    let srv = start(echo(), false).await;
    let (_, backend) = backends(None).remove(0);
    let t = BearerAuth::new(backend, SecretString::from("tok123"));
    let r = t.send(get(&srv.url("/"))).await.unwrap();
    assert_eq!(r.headers()["x-authorization"], "Bearer tok123");
    assert!(!format!("{t:?}").contains("tok123"));
}

#[tokio::test]
async fn scripted_transport_records_and_replays() {
    let t = ScriptedTransport::new();
    t.push_json(200, "{\"a\":1}");
    let boxed: Box<dyn Transport> = Box::new(t.clone());
    let r = boxed.send(post("http://h/p?q=1", "body")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.body().as_ref(), b"{\"a\":1}");
    let reqs = t.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].uri(), "http://h/p?q=1");
    assert_eq!(reqs[0].body().as_ref(), b"body");
    assert_eq!(t.remaining(), 0);
    assert!(boxed.send(get("http://h/")).await.is_err());
}

#[tokio::test]
async fn mock_transport_works_behind_arc_dyn() {
    let mut mock = MockTransport::new();
    mock.expect_send()
        .withf(|r| r.uri().path() == "/x")
        .times(2)
        .returning(|_| Ok(http::Response::new(Bytes::from_static(b"ok"))));
    let t: Arc<dyn Transport> = Arc::new(mock);
    assert_eq!(
        t.send(get("http://h/x")).await.unwrap().body().as_ref(),
        b"ok"
    );
    assert_eq!(
        t.send(get("http://h/x")).await.unwrap().body().as_ref(),
        b"ok"
    );
}
