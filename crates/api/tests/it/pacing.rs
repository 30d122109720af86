//! The client's pacer in its place in the stack (`Retry → Pace → auth → wire`), against a
//! fake server in virtual time (`start_paused`): a call takes one token of its bucket however
//! many digest challenges its auth answers, and when a server does count challenges its
//! `RateLimit-Remaining` brings the pacer down to the server's count.
//!
//! Must NOT measure wall time: the clock is tokio's paused clock, so "no wait" is exact.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use atlas_keys::Client;
use atlas_keys::model::{ApiKeyId, OrgId};
use atlas_keys::transport::test_util::MockTransport;
use atlas_keys::transport::{RetryPolicy, SecretString};
use bytes::Bytes;
use http::{Request, Response, header};
use tokio::time::Instant;

const ORG: &str = "a0000000000000000000000a";
const KEY: &str = "c0000000000000000000000c";

/// The fake service's state: the nonce its next authorised request must carry, how often a
/// nonce goes stale, and (when it counts challenges) a token bucket of 500, 250 a minute.
struct Server {
    nonce: u64,
    /// A nonce serves this many requests, then the next request is challenged (`stale=true`).
    nonce_uses: u64,
    used: u64,
    counts_challenges: bool,
    level: f64,
    updated: Instant,
    challenges: u64,
    rate_limited: u64,
    ok: u64,
}

impl Server {
    fn new(nonce_uses: u64, counts_challenges: bool) -> Self {
        Server {
            nonce: 1,
            nonce_uses,
            used: 0,
            counts_challenges,
            level: 500.0,
            updated: Instant::now(),
            challenges: 0,
            rate_limited: 0,
            ok: 0,
        }
    }

    /// Takes a token when the server counts requests; `false` when the bucket is empty.
    fn take(&mut self) -> bool {
        if !self.counts_challenges {
            return true;
        }
        let now = Instant::now();
        self.level =
            (self.level + now.duration_since(self.updated).as_secs_f64() * 250.0 / 60.0).min(500.0);
        self.updated = now;
        if self.level >= 1.0 {
            self.level -= 1.0;
            true
        } else {
            false
        }
    }

    fn with_headers(&self, mut response: Response<Bytes>) -> Response<Bytes> {
        if self.counts_challenges {
            let h = response.headers_mut();
            h.insert("ratelimit-limit", 500.into());
            h.insert("ratelimit-remaining", (self.level.floor() as u64).into());
        }
        response
    }

    fn answer(&mut self, request: &Request<Bytes>) -> Response<Bytes> {
        let authorization = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let current = format!("nonce=\"n{}\"", self.nonce);
        let fresh = authorization.contains(&current) && self.used < self.nonce_uses;
        if !self.take() {
            self.rate_limited += 1;
            let r = Response::builder()
                .status(429)
                .header("retry-after", "1")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Bytes::from_static(
                    br#"{"error":429,"errorCode":"RATE_LIMITED_TOKEN_BUCKET","detail":"slow down","reason":"Too Many Requests"}"#,
                ))
                .unwrap();
            return self.with_headers(r);
        }
        if !fresh {
            let stale = !authorization.is_empty();
            if stale {
                self.nonce += 1;
                self.used = 0;
            }
            self.challenges += 1;
            let r = Response::builder()
                .status(401)
                .header(
                    header::WWW_AUTHENTICATE,
                    format!(
                        "Digest realm=\"MMS Public API\", domain=\"\", nonce=\"n{}\", algorithm=MD5, qop=\"auth\", stale={stale}",
                        self.nonce
                    ),
                )
                .header(header::CONTENT_TYPE, "application/json")
                .body(Bytes::from_static(
                    br#"{"error":401,"errorCode":"NOT_AUTHORIZED","detail":"challenge","reason":"Unauthorized"}"#,
                ))
                .unwrap();
            return self.with_headers(r);
        }
        self.used += 1;
        self.ok += 1;
        let body = format!(
            r#"{{"id":"{KEY}","desc":"k","publicKey":"abcdefgh","privateKey":"********-****-****-bbbbbbbbbbbb","roles":[{{"orgId":"{ORG}","roleName":"ORG_MEMBER"}}],"links":[]}}"#
        );
        let r = Response::builder()
            .status(200)
            .header(
                header::CONTENT_TYPE,
                "application/vnd.atlas.2023-01-01+json;charset=utf-8",
            )
            .body(Bytes::from(body))
            .unwrap();
        self.with_headers(r)
    }
}

/// A pacing client (the default) over the fake server.
fn client(server: &Arc<Mutex<Server>>) -> Client {
    let mut mock = MockTransport::new();
    let state = Arc::clone(server);
    mock.expect_send()
        .returning(move |request| Ok(state.lock().unwrap().answer(&request)));
    Client::builder()
        .base_url("https://cloud.mongodb.com")
        .transport(Arc::new(mock))
        .digest("abcdefgh", SecretString::from("secret".to_owned()))
        .retry_policy(RetryPolicy::default().jitter(false))
        .build()
        .unwrap()
}

async fn get_n(client: &Client, n: u64) {
    let org: OrgId = ORG.parse().unwrap();
    let key: ApiKeyId = KEY.parse().unwrap();
    for i in 0..n {
        let got = client.org_keys().get(&org, &key).send().await;
        assert!(got.is_ok(), "call {i}: {got:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_call_takes_one_token_however_many_challenges_its_auth_answers() {
    // Every nonce serves one request: each of the 400 calls is challenged first, so 800
    // requests reach the wire. The service counts only the 400 it processes (the emulator's
    // behaviour, pinned in its tests): 400 tokens of the 500 burst, so no call waits.
    let server = Arc::new(Mutex::new(Server::new(1, false)));
    let client = client(&server);
    let start = Instant::now();
    get_n(&client, 400).await;
    let s = server.lock().unwrap();
    assert_eq!((s.ok, s.challenges), (400, 400));
    assert_eq!(
        start.elapsed(),
        Duration::ZERO,
        "the pacer waited, so it counted the challenges"
    );
}

#[tokio::test(start_paused = true)]
async fn a_server_that_counts_challenges_corrects_the_pacer_through_its_headers() {
    // A server that does count challenges, and says so in `RateLimit-Remaining`: a nonce
    // lasts 100 requests, so 700 calls draw 8 challenges; 708 tokens of a 500 burst. The
    // pacer follows the headers down and waits for the refill; the only 429s possible are a
    // stale nonce's challenge taking the last token just before its call, and `Retry` waits
    // those out. Every call succeeds.
    let server = Arc::new(Mutex::new(Server::new(100, true)));
    let client = client(&server);
    let start = Instant::now();
    get_n(&client, 700).await;
    let s = server.lock().unwrap();
    assert_eq!(s.ok, 700);
    assert!(
        s.rate_limited <= s.challenges,
        "{} 429s for {} challenges",
        s.rate_limited,
        s.challenges
    );
    // 208 tokens over the burst at 250 a minute: the pacer did wait for the refill.
    assert!(
        start.elapsed() >= Duration::from_secs(49),
        "{:?}",
        start.elapsed()
    );
}
