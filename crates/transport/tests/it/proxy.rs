//! Both backends through a real proxy, Debian's tinyproxy (see `support::tinyproxy`), started
//! on 127.0.0.1 for each test: an `https://` target through a `CONNECT` tunnel (TLS end to end
//! with the in-process server's CA), an `http://` target in absolute form, proxy credentials
//! from the URL (tinyproxy `BasicAuth`), and `no_proxy` going direct. tinyproxy's own log says
//! what went through it. Each test prints why it skipped when tinyproxy is not installed
//! (`cargo xtask interop` installs it and runs the same paths through the CLI's stack).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use atlas_keys_transport::{HyperTransport, Proxy, ReqwestTransport, Transport};
use http::StatusCode;

use crate::support::tinyproxy::Tinyproxy;
use crate::support::{Handler, Server, get, start};

const USER: &str = "proxyuser";
const PASSWORD: &str = "pr0xy-hunter2";

fn ok() -> Handler {
    Arc::new(|_| http::Response::new(bytes::Bytes::from_static(b"ok")))
}

fn skip_reason() -> Option<&'static str> {
    crate::support::tinyproxy::binary()
        .is_none()
        .then_some("tinyproxy is not installed (apt-get install tinyproxy)")
}

fn backends(proxy: &Proxy, srv: &Server) -> Vec<(&'static str, Arc<dyn Transport>)> {
    let mut hyper = HyperTransport::builder()
        .timeout(Duration::from_secs(20))
        .proxy(proxy.clone());
    let mut reqwest = ReqwestTransport::builder()
        .timeout(Duration::from_secs(20))
        .proxy(proxy.clone());
    if let Some(pem) = &srv.ca_pem {
        hyper = hyper.add_root_certificate_pem(pem.as_bytes());
        reqwest = reqwest.add_root_certificate_pem(pem.as_bytes());
    }
    vec![
        ("hyper", Arc::new(hyper.build().unwrap())),
        ("reqwest", Arc::new(reqwest.build().unwrap())),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_and_http_targets_go_through_tinyproxy() {
    if let Some(reason) = skip_reason() {
        eprintln!("skipped: {reason}");
        return;
    }
    let tls = start(ok(), true).await;
    let plain = start(ok(), false).await;
    let proxy = Tinyproxy::start(&[tls.addr.port()], None).unwrap();
    let settings = Proxy::all(proxy.url(None));
    for srv in [&tls, &plain] {
        for (name, backend) in backends(&settings, srv) {
            for i in 0..3 {
                let r = backend
                    .send(get(&srv.url(&format!("/{name}/{i}"))))
                    .await
                    .unwrap_or_else(|e| panic!("{name} {}: {e:?}\n{}", srv.base, proxy.log()));
                assert_eq!(r.status(), StatusCode::OK, "{name}");
            }
        }
    }
    let requests = proxy.requests();
    let connects = requests
        .iter()
        .filter(|r| r.starts_with(&format!("CONNECT 127.0.0.1:{}", tls.addr.port())))
        .count();
    let absolute = requests
        .iter()
        .filter(|r| r.starts_with(&format!("GET http://127.0.0.1:{}/", plain.addr.port())))
        .count();
    eprintln!(
        "tinyproxy saw {} requests: {connects} CONNECT tunnels, {absolute} absolute-form GETs",
        requests.len()
    );
    // Pooled tunnels carry several requests each; every plain GET passes the proxy itself.
    assert!(connects >= 2, "{requests:?}");
    assert_eq!(absolute, 6, "{requests:?}");
    assert!(tls.connections.load(Ordering::Relaxed) >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_credentials_come_from_the_url_and_are_never_shown() {
    if let Some(reason) = skip_reason() {
        eprintln!("skipped: {reason}");
        return;
    }
    let tls = start(ok(), true).await;
    let plain = start(ok(), false).await;
    let proxy = Tinyproxy::start(&[tls.addr.port()], Some((USER, PASSWORD))).unwrap();
    let with_auth = Proxy::all(proxy.url(Some((USER, PASSWORD))));
    assert!(!format!("{with_auth:?}").contains(PASSWORD));
    for srv in [&tls, &plain] {
        for (name, backend) in backends(&with_auth, srv) {
            assert!(!format!("{backend:?}").contains(PASSWORD), "{name}");
            let r = backend
                .send(get(&srv.url("/authed")))
                .await
                .unwrap_or_else(|e| panic!("{name} {}: {e:?}\n{}", srv.base, proxy.log()));
            assert_eq!(r.status(), StatusCode::OK, "{name} {}", srv.base);
        }
    }
    // Without credentials: the tunnel is refused with a 407 (an error naming the cause), and a
    // plain request gets the proxy's 407 answer.
    let without = Proxy::all(proxy.url(None));
    for (name, backend) in backends(&without, &tls) {
        // Through a default `Retry`: a 407 is not retried.
        let backend = atlas_keys_transport::Retry::new(
            backend,
            atlas_keys_transport::RetryPolicy::default().jitter(false),
        );
        let err = backend.send(get(&tls.url("/x"))).await.unwrap_err();
        assert_eq!(err.attempts(), 1, "{name}");
        let shown = format!("{err} {err:?}");
        assert!(err.is_auth(), "{name}: {shown}");
        assert!(!err.request_may_have_reached_server(), "{name}");
        assert!(
            shown.contains("407") || shown.contains("auth"),
            "{name}: {shown}"
        );
        assert!(
            shown.contains("via proxy http://127.0.0.1:"),
            "{name}: {shown}"
        );
    }
    for (name, backend) in backends(&without, &plain) {
        let r = backend.send(get(&plain.url("/x"))).await.unwrap();
        assert_eq!(
            r.status(),
            StatusCode::PROXY_AUTHENTICATION_REQUIRED,
            "{name}"
        );
    }
    assert!(!proxy.log().contains(PASSWORD));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_proxy_hosts_go_direct() {
    if let Some(reason) = skip_reason() {
        eprintln!("skipped: {reason}");
        return;
    }
    let tls = start(ok(), true).await;
    let plain = start(ok(), false).await;
    let proxy = Tinyproxy::start(&[tls.addr.port()], None).unwrap();
    let settings = Proxy::all(proxy.url(None)).no_proxy("localhost, 127.0.0.0/8");
    for srv in [&tls, &plain] {
        for (name, backend) in backends(&settings, srv) {
            let r = backend.send(get(&srv.url("/direct"))).await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{name}");
        }
    }
    assert_eq!(proxy.requests(), Vec::<String>::new());
}
