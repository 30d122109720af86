//! OAuth 2.0 service accounts against an in-process token endpoint, through both backends.

use crate::support;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use atlas_keys_transport::{
    ErrorKind, MemoryTokenStore, SecretString, ServiceAccountAuth, TokenStore, Transport,
    token_store_key,
};
use futures::StreamExt;
use support::oauth_server::{CLIENT_ID, CLIENT_SECRET, OAuthServer, start_oauth};
use support::{backends, get, post};

fn auth(srv: &OAuthServer, inner: Arc<dyn Transport>) -> ServiceAccountAuth<Arc<dyn Transport>> {
    ServiceAccountAuth::builder(inner, CLIENT_ID, SecretString::from(CLIENT_SECRET))
        .base_url(srv.server.base.clone())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_token_serves_a_thousand_requests() {
    for tls in [false, true] {
        let srv = start_oauth(3600, tls).await;
        for (name, backend) in backends(srv.server.ca_pem.as_deref()) {
            let before = srv.stats.token_requests();
            let sa = auth(&srv, backend);
            let results: Vec<_> = futures::stream::iter(0..1000)
                .map(|i| {
                    let sa = &sa;
                    let url = srv
                        .server
                        .url(&format!("/api/atlas/v2/orgs/o/apiKeys?pageNum={i}"));
                    async move { sa.send(get(&url)).await }
                })
                .buffer_unordered(64)
                .collect()
                .await;
            assert!(
                results
                    .iter()
                    .all(|r| r.as_ref().is_ok_and(|r| r.status() == 200)),
                "{name}"
            );
            assert_eq!(srv.stats.token_requests() - before, 1, "{name} tls={tls}");
        }
        assert_eq!(srv.stats.get_malformed(), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_requests_finding_the_token_expired_cause_one_refresh() {
    let srv = start_oauth(1, false).await;
    for (name, backend) in backends(None) {
        let sa = ServiceAccountAuth::builder(backend, CLIENT_ID, SecretString::from(CLIENT_SECRET))
            .base_url(srv.server.base.clone())
            .refresh_margin(Duration::ZERO)
            .build()
            .unwrap();
        srv.stats.expires_in.store(1, Ordering::Relaxed);
        let before = srv.stats.token_requests();
        assert_eq!(
            sa.send(get(&srv.server.url("/r"))).await.unwrap().status(),
            200
        );
        tokio::time::sleep(Duration::from_millis(1100)).await;
        srv.stats.expires_in.store(3600, Ordering::Relaxed);
        let results =
            futures::future::join_all((0..64).map(|_| sa.send(get(&srv.server.url("/r"))))).await;
        assert!(
            results
                .iter()
                .all(|r| r.as_ref().is_ok_and(|r| r.status() == 200)),
            "{name}"
        );
        assert_eq!(
            srv.stats.token_requests() - before,
            2,
            "{name}: one initial token, one refresh"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_is_refreshed_a_margin_before_it_expires() {
    let srv = start_oauth(100, false).await;
    let (_, backend) = backends(None).remove(0);
    // 100 s tokens, refreshed 99.7 s early: usable for 300 ms.
    let sa = ServiceAccountAuth::builder(backend, CLIENT_ID, SecretString::from(CLIENT_SECRET))
        .base_url(srv.server.base.clone())
        .refresh_margin(Duration::from_millis(99_700))
        .build()
        .unwrap();
    assert_eq!(
        sa.send(get(&srv.server.url("/r"))).await.unwrap().status(),
        200
    );
    assert_eq!(
        sa.send(get(&srv.server.url("/r"))).await.unwrap().status(),
        200
    );
    assert_eq!(srv.stats.token_requests(), 1);
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(
        sa.send(get(&srv.server.url("/r"))).await.unwrap().status(),
        200
    );
    assert_eq!(srv.stats.token_requests(), 2);
    assert_eq!(srv.stats.resource_unauthorized.load(Ordering::Relaxed), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_recovers_with_one_refresh() {
    let srv = start_oauth(3600, false).await;
    for (name, backend) in backends(None) {
        let sa = auth(&srv, backend);
        assert_eq!(
            sa.send(get(&srv.server.url("/r"))).await.unwrap().status(),
            200
        );
        let before = srv.stats.token_requests();
        let unauthorized_before = srv.stats.resource_unauthorized.load(Ordering::Relaxed);
        srv.stats.revoke_all();
        // Sequential: one 401, one refresh, one resend.
        let body = "{\"desc\":\"x\"}";
        assert_eq!(
            sa.send(post(&srv.server.url("/r"), body))
                .await
                .unwrap()
                .status(),
            200,
            "{name}"
        );
        assert_eq!(srv.stats.token_requests() - before, 1, "{name}");
        assert_eq!(
            srv.stats.resource_unauthorized.load(Ordering::Relaxed) - unauthorized_before,
            1
        );
        // Concurrent: 16 requests all refused at once still cause a single refresh.
        srv.stats.revoke_all();
        let results =
            futures::future::join_all((0..16).map(|_| sa.send(get(&srv.server.url("/r"))))).await;
        assert!(
            results
                .iter()
                .all(|r| r.as_ref().is_ok_and(|r| r.status() == 200)),
            "{name}"
        );
        assert_eq!(srv.stats.token_requests() - before, 2, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_401_is_returned_not_retried_again() {
    let srv = start_oauth(3600, false).await;
    let (_, backend) = backends(None).remove(0);
    let sa = auth(&srv, backend);
    // The server refuses every token. (An `expires_in` of 0 is no longer a way to get this:
    // such an answer is refused as unusable before any token is sent.)
    srv.stats.refuse_all_tokens.store(true, Ordering::Relaxed);
    let r = sa.send(get(&srv.server.url("/r"))).await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(srv.stats.resource_unauthorized.load(Ordering::Relaxed), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoint_429_is_a_clear_auth_error() {
    let srv = start_oauth(3600, false).await;
    srv.stats.rate_limited.store(true, Ordering::Relaxed);
    for (name, backend) in backends(None) {
        let sa = auth(&srv, backend);
        let err = sa
            .send(post(&srv.server.url("/r"), "{}"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Auth, "{name}");
        assert!(err.is_auth());
        // The caller's own request never left: safe to retry even for a POST.
        assert!(!err.request_may_have_reached_server());
        assert_eq!(err.status(), Some(http::StatusCode::TOO_MANY_REQUESTS));
        let oauth = err.oauth_error().unwrap();
        assert_eq!(oauth.error, "rate_limited");
        assert_eq!(oauth.status, 429);
        assert!(
            oauth
                .description
                .as_deref()
                .unwrap()
                .contains("limited to 10 requests")
        );
        let shown = err.to_string();
        assert!(
            shown.contains("rate_limited") && shown.contains("429"),
            "{shown}"
        );
        assert!(!shown.contains(CLIENT_SECRET));
    }
    assert_eq!(srv.stats.resource_ok.load(Ordering::Relaxed), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_client_secret_is_invalid_client() {
    let srv = start_oauth(3600, false).await;
    let (_, backend) = backends(None).remove(0);
    let sa = ServiceAccountAuth::builder(backend, CLIENT_ID, SecretString::from("nope"))
        .base_url(srv.server.base.clone())
        .build()
        .unwrap();
    let err = sa.send(get(&srv.server.url("/r"))).await.unwrap_err();
    assert_eq!(err.oauth_error().unwrap().error, "invalid_client");
    assert_eq!(err.status(), Some(http::StatusCode::UNAUTHORIZED));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_posts_the_token_and_forgets_it() {
    let srv = start_oauth(3600, false).await;
    let (_, backend) = backends(None).remove(0);
    let store = Arc::new(MemoryTokenStore::new());
    let sa = ServiceAccountAuth::builder(backend, CLIENT_ID, SecretString::from(CLIENT_SECRET))
        .base_url(srv.server.base.clone())
        .token_store(store.clone())
        .build()
        .unwrap();
    assert_eq!(
        sa.send(get(&srv.server.url("/r"))).await.unwrap().status(),
        200
    );
    let token = srv.stats.issued.lock().unwrap()[0].clone();
    assert!(
        store
            .load(&token_store_key(
                CLIENT_ID,
                &SecretString::from(CLIENT_SECRET)
            ))
            .await
            .is_some()
    );
    sa.revoke().await.unwrap();
    assert_eq!(srv.stats.revoke_requests.load(Ordering::Relaxed), 1);
    assert!(srv.stats.revoked(&token));
    assert!(
        store
            .load(&token_store_key(
                CLIENT_ID,
                &SecretString::from(CLIENT_SECRET)
            ))
            .await
            .is_none()
    );
    assert_eq!(
        sa.send(get(&srv.server.url("/r"))).await.unwrap().status(),
        200
    );
    assert_eq!(srv.stats.token_requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_token_store_lets_another_instance_reuse_the_token() {
    let srv = start_oauth(3600, false).await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    let build = |backend| {
        ServiceAccountAuth::builder(backend, CLIENT_ID, SecretString::from(CLIENT_SECRET))
            .base_url(srv.server.base.clone())
            .token_store(store.clone())
            .build()
            .unwrap()
    };
    let (_, backend) = backends(None).remove(0);
    let first = build(backend.clone());
    assert_eq!(
        first
            .send(get(&srv.server.url("/r")))
            .await
            .unwrap()
            .status(),
        200
    );
    // A second process, say: it finds the token in the store.
    let second = build(backend);
    assert_eq!(
        second
            .send(get(&srv.server.url("/r")))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(srv.stats.token_requests(), 1);
}
