//! What the backends read from the environment when built with their defaults: `SSL_CERT_FILE`
//! (a CA bundle trusted besides the bundled roots) and `HTTPS_PROXY` / `HTTP_PROXY` /
//! `NO_PROXY` in either case (through Debian's tinyproxy when installed; the proxy scenarios
//! print why they skipped otherwise).
//!
//! The variables are process-wide and setting them is `unsafe` in a threaded test binary, so
//! each scenario runs this test binary again as a child process running only `env::child`
//! (which does nothing when run on its own) with exactly the variables it needs; the parent starts the servers and
//! reads tinyproxy's log.

use std::process::Command;
use std::sync::Arc;

use atlas_keys_transport::{HyperTransport, ReqwestTransport, Transport};

use crate::support;
use crate::support::tinyproxy::Tinyproxy;
use crate::support::{Handler, get, start, start_with, test_pki_for};

/// The child's test name in this binary.
const CHILD: &str = "env::child";
const URLS: &str = "ENV_TEST_CHILD_URLS";
const EXPECT: &str = "ENV_TEST_CHILD_EXPECT";
const PROXY_VARS: [&str; 8] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

fn ok() -> Handler {
    Arc::new(|_| http::Response::new(bytes::Bytes::from_static(b"ok")))
}

/// Runs `child` with `vars` (every proxy and certificate variable not named is removed), and
/// returns its combined output after checking it passed.
fn run_child(urls: &[String], expect: &str, vars: &[(&str, &str)]) -> String {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args([CHILD, "--exact", "--nocapture", "--test-threads=1"]);
    for name in PROXY_VARS.iter().chain(&["SSL_CERT_FILE", "SSL_CERT_DIR"]) {
        command.env_remove(name);
    }
    command.env(URLS, urls.join(",")).env(EXPECT, expect);
    for (name, value) in vars {
        command.env(name, value);
    }
    let out = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "child failed:\n{text}");
    assert!(text.contains("1 passed"), "child did not run:\n{text}");
    text
}

/// The child: both default-built backends GET each URL; `ok` expects 200 "ok", anything else
/// a certificate error whose `Display` contains it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child() {
    let Ok(urls) = std::env::var(URLS) else {
        eprintln!("runs only as the child process of the other tests in this module");
        return;
    };
    let expect = std::env::var(EXPECT).unwrap();
    let backends: [(&str, Arc<dyn Transport>); 2] = [
        ("hyper", Arc::new(HyperTransport::new().unwrap())),
        ("reqwest", Arc::new(ReqwestTransport::new().unwrap())),
    ];
    for url in urls.split(',') {
        for (name, backend) in &backends {
            let result = backend.send(get(url)).await;
            if expect == "ok" {
                let response = result.unwrap_or_else(|e| panic!("{name} {url}: {e:?}"));
                assert_eq!(response.body().as_ref(), b"ok", "{name} {url}");
            } else {
                let err = result.unwrap_err();
                assert!(err.is_certificate(), "{name} {url}: {err:?}");
                assert!(err.to_string().contains(&expect), "{name} {url}: {err}");
            }
            eprintln!("child: {name} {url}: as expected ({expect})");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssl_cert_file_is_trusted_by_default_built_backends() {
    let pki = test_pki_for(&["127.0.0.1"], false);
    let dir = std::env::temp_dir().join(format!("atlas-keys-env-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let srv = start_with(ok(), Some(pki)).await;
    let urls = [srv.url("/x")];
    let ca_str = ca.to_str().unwrap();
    run_child(&urls, "unknown issuer", &[]);
    run_child(&urls, "ok", &[("SSL_CERT_FILE", ca_str)]);
    // A variable naming nothing usable fails the build, naming the variable.
    let missing = dir.join("missing.pem");
    let out = Command::new(std::env::current_exe().unwrap())
        .args([CHILD, "--exact", "--nocapture"])
        .env(URLS, &urls[0])
        .env(EXPECT, "ok")
        .env("SSL_CERT_FILE", &missing)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(text.contains("SSL_CERT_FILE="), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_variables_are_read_in_either_case_and_no_proxy_goes_direct() {
    if support::tinyproxy::binary().is_none() {
        eprintln!("skipped: tinyproxy is not installed (apt-get install tinyproxy)");
        return;
    }
    let pki = test_pki_for(&["127.0.0.1"], false);
    let dir = std::env::temp_dir().join(format!("atlas-keys-env-proxy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let ca_str = ca.to_str().unwrap();
    let tls = start_with(ok(), Some(pki)).await;
    let plain = start(ok(), false).await;
    let urls = [tls.url("/env"), plain.url("/env")];
    let proxy = Tinyproxy::start(&[tls.addr.port()], None).unwrap();
    let url = proxy.url(None);

    // Upper case, NO_PROXY empty (loopback is proxied unless NO_PROXY names it).
    run_child(
        &urls,
        "ok",
        &[
            ("SSL_CERT_FILE", ca_str),
            ("HTTPS_PROXY", &url),
            ("HTTP_PROXY", &url),
            ("NO_PROXY", ""),
        ],
    );
    let upper = proxy.requests();
    // Lower case.
    run_child(
        &urls,
        "ok",
        &[
            ("SSL_CERT_FILE", ca_str),
            ("https_proxy", &url),
            ("http_proxy", &url),
        ],
    );
    let lower = proxy.requests();
    // NO_PROXY names the host: direct, tinyproxy sees nothing more.
    run_child(
        &urls,
        "ok",
        &[
            ("SSL_CERT_FILE", ca_str),
            ("HTTPS_PROXY", &url),
            ("http_proxy", &url),
            ("no_proxy", "localhost,127.0.0.1"),
        ],
    );
    let after_no_proxy = proxy.requests();
    eprintln!(
        "tinyproxy saw {} requests for upper-case variables, {} for lower-case, {} with no_proxy",
        upper.len(),
        lower.len() - upper.len(),
        after_no_proxy.len() - lower.len()
    );
    let connect = format!("CONNECT 127.0.0.1:{}", tls.addr.port());
    let absolute = format!("GET http://127.0.0.1:{}/env", plain.addr.port());
    for seen in [&upper[..], &lower[upper.len()..]] {
        // Per backend: one tunnel and one absolute-form GET.
        assert_eq!(
            seen.iter().filter(|r| r.starts_with(&connect)).count(),
            2,
            "{seen:?}"
        );
        assert_eq!(
            seen.iter().filter(|r| r.starts_with(&absolute)).count(),
            2,
            "{seen:?}"
        );
    }
    assert_eq!(after_no_proxy.len(), lower.len(), "{after_no_proxy:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
