//! No secret in any log line, Debug or Display: authenticated traffic through every auth wrapper
//! and both backends with a TRACE subscriber (and the `log` bridge) capturing into a buffer.

mod support;

use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use atlas_keys_transport::{
    BearerAuth, CachedToken, DigestAuth, HyperTransport, MemoryTokenStore, ReqwestTransport, Retry,
    RetryPolicy, SecretString, ServiceAccountAuth, TokenStore, Transport, token_store_key,
};
use base64::Engine as _;
use support::digest_server::{DigestConfig, start_digest};
use support::oauth_server::{CLIENT_ID, CLIENT_SECRET, start_oauth};
use support::{backends, get, post};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_logs_debug_or_errors() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .try_init()
        .expect("this test binary installs the only subscriber");
    let mut seen = Buffer::default();

    let password = "digest-PRIVATE-key-4a7f";
    let bearer = "static-BEARER-token-93e1";
    let digest = start_digest(
        DigestConfig {
            password: password.into(),
            ..DigestConfig::default()
        },
        true,
    )
    .await;
    let oauth = start_oauth(3600, true).await;

    for (name, backend) in backends(digest.server.ca_pem.as_deref()) {
        // Digest: success, POST, then a wrong password and its error.
        let auth = Retry::new(
            DigestAuth::new(
                backend.clone(),
                digest.config.user.clone(),
                SecretString::from(password),
            ),
            RetryPolicy::default(),
        );
        for i in 0..5 {
            let r = auth
                .send(get(&digest.server.url(&format!("/p?token={bearer}&i={i}"))))
                .await
                .unwrap();
            writeln!(seen, "{name} {r:?}").unwrap();
        }
        auth.send(post(&digest.server.url("/p"), "{}"))
            .await
            .unwrap();
        writeln!(seen, "{auth:?}").unwrap();
        let wrong = DigestAuth::new(
            backend.clone(),
            "pubkey",
            SecretString::from(format!("{password}-wrong")),
        );
        let err = wrong.send(get(&digest.server.url("/p"))).await.unwrap_err();
        writeln!(seen, "{err:?} {err} {:?}", std::error::Error::source(&err)).unwrap();
        writeln!(seen, "{wrong:?}").unwrap();
    }

    for (name, backend) in backends(oauth.server.ca_pem.as_deref()) {
        let store = Arc::new(MemoryTokenStore::new());
        let sa = ServiceAccountAuth::builder(
            backend.clone(),
            CLIENT_ID,
            SecretString::from(CLIENT_SECRET),
        )
        .base_url(oauth.server.base.clone())
        .token_store(store.clone())
        .build()
        .unwrap();
        let r = sa.send(get(&oauth.server.url("/r"))).await.unwrap();
        writeln!(seen, "{name} {r:?} {sa:?} {store:?}").unwrap();
        let token: CachedToken = store
            .load(&token_store_key(
                CLIENT_ID,
                &SecretString::from(CLIENT_SECRET),
            ))
            .await
            .unwrap();
        writeln!(seen, "{token:?} {:?}", sa.access_token().await.unwrap()).unwrap();
        oauth.stats.revoke_all();
        sa.send(get(&oauth.server.url("/r"))).await.unwrap();
        sa.revoke().await.unwrap();
        oauth.stats.rate_limited.store(true, Ordering::Relaxed);
        let err = sa.send(get(&oauth.server.url("/r"))).await.unwrap_err();
        writeln!(seen, "{err:?} {err}").unwrap();
        oauth.stats.rate_limited.store(false, Ordering::Relaxed);

        let b = BearerAuth::new(backend.clone(), SecretString::from(bearer));
        let r = b.send(get(&oauth.server.url("/r"))).await.unwrap();
        writeln!(seen, "{b:?} {r:?}").unwrap();
    }

    // A connect error on a URL whose query holds a secret.
    let (_, backend) = backends(None).remove(0);
    let err = backend
        .send(get(&format!("http://127.0.0.1:1/x?api_key={bearer}")))
        .await
        .unwrap_err();
    writeln!(seen, "{err:?} {err}").unwrap();

    // Proxy credentials in the proxy URL: a proxy that is not there (port 1), both backends,
    // an https target (CONNECT) and an http one (Proxy-Authorization on the request).
    let proxy_password = "PROXY-pass-77c1";
    let proxy =
        atlas_keys_transport::Proxy::all(format!("http://puser:{proxy_password}@127.0.0.1:1"));
    writeln!(seen, "{proxy:?}").unwrap();
    let proxied: [(&str, Arc<dyn Transport>); 2] = [
        (
            "hyper",
            Arc::new(
                HyperTransport::builder()
                    .proxy(proxy.clone())
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "reqwest",
            Arc::new(
                ReqwestTransport::builder()
                    .proxy(proxy.clone())
                    .build()
                    .unwrap(),
            ),
        ),
    ];
    for (name, backend) in proxied {
        writeln!(seen, "{name} {backend:?}").unwrap();
        for url in ["https://127.0.0.1:9/x", "http://127.0.0.1:9/x"] {
            let err = backend.send(get(url)).await.unwrap_err();
            writeln!(seen, "{err:?} {err} {:?}", std::error::Error::source(&err)).unwrap();
        }
    }

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    let printed = String::from_utf8(seen.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("http_request"),
        "no span was captured:\n{logs}"
    );
    assert!(logs.contains("TRACE") || logs.contains("DEBUG"));

    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    let proxy_basic =
        base64::engine::general_purpose::STANDARD.encode(format!("puser:{proxy_password}"));
    let mut secrets: Vec<String> = vec![
        password.into(),
        CLIENT_SECRET.into(),
        bearer.into(),
        basic,
        proxy_password.into(),
        proxy_basic,
    ];
    secrets.extend(oauth.stats.issued.lock().unwrap().iter().cloned());
    assert!(secrets.len() > 8, "tokens were issued");
    for secret in &secrets {
        assert!(!logs.contains(secret.as_str()), "a secret is in the logs");
        assert!(
            !printed.contains(secret.as_str()),
            "a secret is in a Debug or Display"
        );
    }
    assert!(!logs.to_ascii_lowercase().contains("authorization:"));
}
