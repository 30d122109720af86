//! Test support: an in-process hyper server on 127.0.0.1 (plain or TLS with an rcgen CA), a
//! digest-verifying handler, an OAuth token endpoint, and helpers to build both backends.
//!
//! Servers stop when their handle is dropped. Nothing here touches the internet.
#![allow(dead_code, unreachable_pub)]

pub mod digest_server;
pub mod hostile;
pub mod oauth_server;
pub mod raw;
pub mod tinyproxy;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use atlas_keys_transport::{HyperTransport, ReqwestTransport, Transport};
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

/// A synchronous request handler: the body is already collected.
pub type Handler = Arc<dyn Fn(Request<Bytes>) -> Response<Bytes> + Send + Sync>;

/// A running test server. Dropping it stops accepting and closes every connection.
pub struct Server {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`.
    pub base: String,
    /// The CA certificate (PEM) that signed the server's certificate, for TLS servers.
    pub ca_pem: Option<String>,
    /// TCP connections accepted so far.
    pub connections: Arc<AtomicU64>,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.task.abort();
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

/// A CA and a leaf certificate for 127.0.0.1 and localhost, signed by it.
pub struct TestPki {
    pub ca_pem: String,
    pub server_config: Arc<rustls::ServerConfig>,
}

pub fn test_pki() -> TestPki {
    test_pki_for(&["127.0.0.1", "localhost"], false)
}

/// A CA and a leaf certificate for `names`, already expired (valid 2000-2001) if `expired`.
pub fn test_pki_for(names: &[&str], expired: bool) -> TestPki {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "atlas-keys test CA");
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();

    let mut leaf_params =
        rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .unwrap();
    if expired {
        leaf_params.not_before = rcgen::date_time_ymd(2000, 1, 1);
        leaf_params.not_after = rcgen::date_time_ymd(2001, 1, 1);
    }
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca).unwrap();

    let key = rustls_pki_types::PrivateKeyDer::Pkcs8(rustls_pki_types::PrivatePkcs8KeyDer::from(
        leaf_key.serialize_der(),
    ));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der().clone()], key)
    .unwrap();
    TestPki {
        ca_pem: ca.pem(),
        server_config: Arc::new(config),
    }
}

/// Starts a server on 127.0.0.1, port 0, with TLS if `tls`.
pub async fn start(handler: Handler, tls: bool) -> Server {
    start_with(handler, tls.then(test_pki)).await
}

/// Starts a server on 127.0.0.1, port 0, with TLS from `pki` if given.
pub async fn start_with(handler: Handler, pki: Option<TestPki>) -> Server {
    let tls = pki.is_some();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = pki
        .as_ref()
        .map(|pki| tokio_rustls::TlsAcceptor::from(pki.server_config.clone()));
    let (tx, mut rx) = oneshot::channel::<()>();
    let connections = Arc::new(AtomicU64::new(0));
    let conn_counter = connections.clone();
    let task = tokio::spawn(async move {
        // Owning the connection tasks here means they are aborted when this task ends.
        let mut conns = JoinSet::new();
        loop {
            tokio::select! {
                _ = &mut rx => break,
                accepted = listener.accept() => {
                    let Ok((tcp, _)) = accepted else { continue };
                    conn_counter.fetch_add(1, Ordering::Relaxed);
                    let handler = handler.clone();
                    let acceptor = acceptor.clone();
                    conns.spawn(async move {
                        match acceptor {
                            Some(acceptor) => {
                                if let Ok(stream) = acceptor.accept(tcp).await {
                                    serve(TokioIo::new(stream), handler).await;
                                }
                            }
                            None => serve(TokioIo::new(tcp), handler).await,
                        }
                    });
                }
                Some(_) = conns.join_next(), if !conns.is_empty() => {}
            }
        }
    });
    let scheme = if tls { "https" } else { "http" };
    Server {
        addr,
        base: format!("{scheme}://127.0.0.1:{}", addr.port()),
        ca_pem: pki.map(|p| p.ca_pem),
        connections,
        shutdown: Some(tx),
        task,
    }
}

async fn serve<I>(io: I, handler: Handler)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = service_fn(move |req: Request<hyper::body::Incoming>| {
        let handler = handler.clone();
        async move {
            let (parts, body) = req.into_parts();
            let body = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let response = handler(Request::from_parts(parts, body));
            Ok::<_, Infallible>(response.map(Full::new))
        }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service)
        .await;
}

/// Both backends, trusting `ca_pem` if given, with short timeouts.
pub fn backends(ca_pem: Option<&str>) -> Vec<(&'static str, Arc<dyn Transport>)> {
    let mut hyper = HyperTransport::builder()
        .user_agent("atlas-keys-test/1")
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(10));
    let mut reqwest = ReqwestTransport::builder()
        .user_agent("atlas-keys-test/1")
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(10));
    if let Some(pem) = ca_pem {
        hyper = hyper.add_root_certificate_pem(pem.as_bytes());
        reqwest = reqwest.add_root_certificate_pem(pem.as_bytes());
    }
    vec![
        (
            "hyper",
            Arc::new(hyper.build().unwrap()) as Arc<dyn Transport>,
        ),
        (
            "reqwest",
            Arc::new(reqwest.build().unwrap()) as Arc<dyn Transport>,
        ),
    ]
}

pub fn get(url: &str) -> Request<Bytes> {
    Request::get(url).body(Bytes::new()).unwrap()
}

pub fn post(url: &str, body: impl Into<Bytes>) -> Request<Bytes> {
    Request::post(url)
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap()
}

pub fn text(status: u16, body: &str) -> Response<Bytes> {
    Response::builder()
        .status(status)
        .body(Bytes::copy_from_slice(body.as_bytes()))
        .unwrap()
}

/// A transport wrapper that counts the requests sent through it.
#[derive(Debug)]
pub struct Counting<T> {
    pub inner: T,
    pub sent: AtomicU64,
}

impl<T> Counting<T> {
    pub fn new(inner: T) -> Self {
        Counting {
            inner,
            sent: AtomicU64::new(0),
        }
    }
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

#[async_trait::async_trait]
impl<T: Transport> Transport for Counting<T> {
    async fn send(
        &self,
        request: Request<Bytes>,
    ) -> Result<Response<Bytes>, atlas_keys_transport::Error> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        self.inner.send(request).await
    }
}
