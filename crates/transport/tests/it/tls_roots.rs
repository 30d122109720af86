//! Custom roots and certificate errors, both backends, against in-process rustls servers with
//! rcgen CAs: a private CA fails without being trusted and works with `ca_file`; an unknown
//! issuer, an expired certificate and a name mismatch are each reported as a certificate error
//! naming its cause, and none of them is retried. (`SSL_CERT_FILE` is in the `env` test
//! binary, which runs a child process with the variable set.)

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use atlas_keys_transport::{
    CertificateProblem, ErrorKind, HyperTransport, Proxy, ReqwestTransport, Retry, RetryPolicy,
    Transport,
};

use crate::support::{Handler, get, start_with, test_pki_for};

fn ok() -> Handler {
    Arc::new(|_| http::Response::new(bytes::Bytes::from_static(b"ok")))
}

/// Both backends, trusting the CA file at `ca_file` when given (proxy off: these talk to
/// 127.0.0.1 whatever the environment says).
fn backends(ca_file: Option<&std::path::Path>) -> Vec<(&'static str, Arc<dyn Transport>)> {
    let mut hyper = HyperTransport::builder()
        .connect_timeout(Duration::from_secs(2))
        .proxy(Proxy::none());
    let mut reqwest = ReqwestTransport::builder()
        .connect_timeout(Duration::from_secs(2))
        .proxy(Proxy::none());
    if let Some(path) = ca_file {
        hyper = hyper.ca_file(path);
        reqwest = reqwest.ca_file(path);
    }
    vec![
        ("hyper", Arc::new(hyper.build().unwrap())),
        ("reqwest", Arc::new(reqwest.build().unwrap())),
    ]
}

fn write_ca(pem: &str) -> tempfile_path::TempPath {
    tempfile_path::TempPath::with(pem)
}

/// A file under the temp dir removed on drop (no `tempfile` dev-dependency for one file).
mod tempfile_path {
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicU64, Ordering};

    static SEQ: AtomicU64 = AtomicU64::new(0);

    pub(super) struct TempPath(PathBuf);

    impl TempPath {
        pub(super) fn with(text: &str) -> TempPath {
            let path = std::env::temp_dir().join(format!(
                "atlas-keys-ca-{}-{}.pem",
                std::process::id(),
                SEQ.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::write(&path, text).unwrap();
            TempPath(path)
        }
    }

    impl std::ops::Deref for TempPath {
        type Target = Path;
        fn deref(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_ca_fails_untrusted_and_works_with_ca_file() {
    let pki = test_pki_for(&["127.0.0.1"], false);
    let ca = write_ca(&pki.ca_pem);
    let srv = start_with(ok(), Some(pki)).await;
    for (name, backend) in backends(None) {
        let err = backend.send(get(&srv.url("/x"))).await.unwrap_err();
        assert!(err.is_certificate(), "{name}: {err:?}");
        assert_eq!(err.kind(), ErrorKind::Certificate, "{name}");
        assert_eq!(
            err.certificate_problem(),
            Some(CertificateProblem::UnknownIssuer),
            "{name}"
        );
        let shown = err.to_string();
        assert!(shown.contains("unknown issuer"), "{name}: {shown}");
        assert!(shown.contains("ca-file"), "{name}: a hint: {shown}");
        assert!(!err.request_may_have_reached_server() && err.is_connect());
    }
    for (name, backend) in backends(Some(&ca)) {
        let response = backend.send(get(&srv.url("/x"))).await.unwrap();
        assert_eq!(response.body().as_ref(), b"ok", "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_ca_file_is_a_builder_error_naming_it() {
    let missing = std::env::temp_dir().join("atlas-keys-no-such-ca.pem");
    let err = HyperTransport::builder()
        .ca_file(&missing)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Builder);
    assert!(
        err.to_string().contains("atlas-keys-no-such-ca.pem"),
        "{err}"
    );
    let not_pem = write_ca("hello");
    let err = ReqwestTransport::builder()
        .ca_file(&*not_pem)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("no certificate"), "{err}");
}

/// Each cause, through a default `Retry`: reported by name, after one attempt on one
/// connection (a refused certificate comes back on every handshake).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_certificate_cause_is_named_and_not_retried() {
    let cases = [
        (
            "expired",
            test_pki_for(&["127.0.0.1"], true),
            CertificateProblem::Expired,
        ),
        (
            "name mismatch",
            test_pki_for(&["other.example"], false),
            CertificateProblem::NameMismatch,
        ),
    ];
    for (cause, pki, problem) in cases {
        let ca = write_ca(&pki.ca_pem);
        let srv = start_with(ok(), Some(pki)).await;
        for (name, backend) in backends(Some(&ca)) {
            let retry = Retry::new(backend, RetryPolicy::default().jitter(false));
            let before = srv.connections.load(Ordering::Relaxed);
            let err = retry.send(get(&srv.url("/x"))).await.unwrap_err();
            assert_eq!(err.certificate_problem(), Some(problem), "{name}: {err:?}");
            let shown = err.to_string();
            assert!(shown.starts_with("certificate error: "), "{name}: {shown}");
            assert!(shown.contains(cause), "{name}: {shown}");
            assert_eq!(err.attempts(), 1, "{name}: {shown}");
            assert_eq!(
                srv.connections.load(Ordering::Relaxed) - before,
                1,
                "{name}: one handshake only"
            );
            if problem == CertificateProblem::NameMismatch {
                assert!(shown.contains("other.example"), "{name}: {shown}");
            }
        }
    }
    // And the unknown issuer through `Retry` too.
    let srv = start_with(ok(), Some(test_pki_for(&["127.0.0.1"], false))).await;
    for (name, backend) in backends(None) {
        let retry = Retry::new(backend, RetryPolicy::default().jitter(false));
        let err = retry.send(get(&srv.url("/x"))).await.unwrap_err();
        assert_eq!(
            err.certificate_problem(),
            Some(CertificateProblem::UnknownIssuer),
            "{name}"
        );
        assert_eq!(err.attempts(), 1, "{name}");
    }
}
