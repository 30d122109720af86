//! Criterion micro benchmarks of digest signing: what one `Authorization: Digest …` costs.
//!
//! The transport exposes no function that computes a header without I/O (signing is private to
//! `DigestAuth`), so this measures a digest-signed request through the middleware: `DigestAuth`
//! over an in-process no-op `Transport` that answers 401 with a challenge when a request has no
//! `Authorization` and 200 otherwise. One warm-up request caches the challenge, so every measured
//! request is the steady state: sign once, send once. The bare no-op transport is measured too,
//! so the difference is the middleware's own cost. For comparison, the raw `digest_auth` crate's
//! `respond()` (what the middleware calls underneath) is measured with the same inputs.
//!
//! What it must NOT do: open a socket, or assert on a timing (a benchmark is not a test).

use std::hint::black_box;
use std::sync::Arc;

use async_trait::async_trait;
use atlas_keys_transport::{DigestAuth, Error, SecretString, Transport, clone_request};
use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use digest_auth::{AuthContext, HttpMethod, WwwAuthenticateHeader};
use http::{Request, Response, StatusCode, header};

const MD5_CHALLENGE: &str = r#"Digest realm="MMS Public API", domain="", nonce="MTczMjI4NDAwMDAwMDAwMDpGa2VOb25jZUZvckJlbmNobWFya3M", algorithm=MD5, qop="auth", stale=false"#;
const SHA256_CHALLENGE: &str = r#"Digest realm="MMS Public API", domain="", nonce="MTczMjI4NDAwMDAwMDAwMDpGa2VOb25jZUZvckJlbmNobWFya3M", algorithm=SHA-256, qop="auth", stale=false"#;
const URL: &str = "http://127.0.0.1:9/api/atlas/v2/orgs/4888442a3354817a7320eb61/apiKeys/6579a1b2c3d4e5f601234568";
const PUBLIC_KEY: &str = "abcdefgh";
const PRIVATE_KEY: &str = "7f1c2b3a-1111-4222-8333-444455556666";

/// Answers like a digest server that accepts anything signed: no I/O, no verification, so the
/// measurement is the client side alone.
#[derive(Debug)]
struct NoopServer {
    challenge: &'static str,
}

#[async_trait]
impl Transport for NoopServer {
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
        let mut response = Response::new(Bytes::new());
        if request.headers().contains_key(header::AUTHORIZATION) {
            black_box(request.headers().get(header::AUTHORIZATION));
        } else {
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static(self.challenge),
            );
        }
        Ok(response)
    }
}

fn template() -> Request<Bytes> {
    Request::get(URL)
        .header(header::ACCEPT, "application/vnd.atlas.2023-01-01+json")
        .body(Bytes::new())
        .expect("static request")
}

fn through_middleware(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");
    let request = template();
    let mut group = c.benchmark_group("digest_signed_request_through_middleware");

    let bare = Arc::new(NoopServer {
        challenge: MD5_CHALLENGE,
    });
    group.bench_function("noop_transport_alone", |b| {
        b.to_async(&runtime)
            .iter(|| bare.send(clone_request(&request)))
    });

    for (name, challenge) in [("md5", MD5_CHALLENGE), ("sha256", SHA256_CHALLENGE)] {
        let auth = DigestAuth::new(
            NoopServer { challenge },
            PUBLIC_KEY,
            SecretString::from(PRIVATE_KEY),
        );
        // The warm-up 401: from here on the challenge is cached and every request is signed once.
        let warm = runtime
            .block_on(auth.send(clone_request(&request)))
            .expect("the warm-up request succeeds");
        assert_eq!(warm.status(), StatusCode::OK);
        group.bench_function(name, |b| {
            b.to_async(&runtime)
                .iter(|| auth.send(clone_request(&request)))
        });
    }
    group.finish();
}

fn raw_digest_auth(c: &mut Criterion) {
    let mut group = c.benchmark_group("digest_auth_crate_respond");
    for (name, challenge) in [("md5", MD5_CHALLENGE), ("sha256", SHA256_CHALLENGE)] {
        let prompt = WwwAuthenticateHeader::parse(challenge).expect("a valid challenge");
        let uri = "/api/atlas/v2/orgs/4888442a3354817a7320eb61/apiKeys/6579a1b2c3d4e5f601234568";
        let mut nc = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut prompt = prompt.clone();
                nc += 1;
                prompt.nc = nc;
                let mut context = AuthContext::new_with_method(
                    PUBLIC_KEY,
                    PRIVATE_KEY,
                    uri,
                    None::<&[u8]>,
                    HttpMethod::GET,
                );
                // A fixed cnonce: the middleware draws one from the OS RNG, which is its own cost.
                context.set_custom_cnonce("0a4f113b0a4f113b0a4f113b0a4f113b");
                prompt
                    .respond(&context)
                    .expect("answers")
                    .to_header_string()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, through_middleware, raw_digest_auth);
criterion_main!(benches);
