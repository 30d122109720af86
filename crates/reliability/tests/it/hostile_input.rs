//! Hostile input to the emulator: every request here must be refused with the right status and
//! `errorCode`, leave the state unchanged (the state summary and the key list compared before
//! and after), never get a 500 for a client mistake, and never panic the server.
//!
//! Requests go through the raw client in `atlas_keys_reliability::raw_http` and the independent
//! digest signer, so each test forges exactly one thing. Each test starts its own in-process
//! emulator on 127.0.0.1:0 and drops it at the end. This file must NOT use the atlas-keys
//! client (it would refuse to send most of this), nor assert on timing.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use atlas_keys_emulator::{Emulator, EmulatorBuilder, EmulatorHandle, RateLimitConfig, Seed};
use atlas_keys_reliability::raw_http::{self, Exchange, RawResponse};
use atlas_keys_reliability::session::{DigestUser, RawSession, state_summary};
use atlas_keys_reliability::{figure, random_hex, random_u64, scale};
use serde_json::Value;

const ORG_A: &str = "5f1a2b3c4d5e6f7a8b9c0d1e";
const ORG_B: &str = "5f1a2b3c4d5e6f7a8b9c0d1f";
const PROJECT_A: &str = "6a1b2c3d4e5f6a7b8c9d0e1f";
const PROJECT_B: &str = "6a1b2c3d4e5f6a7b8c9d0e20";
const OWNER_ID: &str = "7b1c2d3e4f5a6b7c8d9e0f1a";
const MEMBER_ID: &str = "7b1c2d3e4f5a6b7c8d9e0f1b";
const READER_ID: &str = "7b1c2d3e4f5a6b7c8d9e0f1c";
const OTHER_ID: &str = "7b1c2d3e4f5a6b7c8d9e0f1d";
const FENCED_ID: &str = "7b1c2d3e4f5a6b7c8d9e0f1e";
const V2: &str = "/api/atlas/v2";

/// Panics seen on the emulator's worker threads (the test threads' own assertion panics run
/// on threads named after the test, not `tokio-runtime-worker`).
static SERVER_PANICS: AtomicU64 = AtomicU64::new(0);

fn count_server_panics() {
    static HOOK: OnceLock<()> = OnceLock::new();
    HOOK.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current()
                .name()
                .is_some_and(|n| n.starts_with("tokio-runtime-worker"))
            {
                SERVER_PANICS.fetch_add(1, Ordering::SeqCst);
            }
            previous(info);
        }));
    });
}

fn key(id: &str, public: &str, roles: Value, access_list: &[&str]) -> Value {
    let org = if id == OTHER_ID { ORG_B } else { ORG_A };
    serde_json::json!({
        "id": id,
        "orgId": org,
        "desc": format!("hostile fixture {public}"),
        "publicKey": public,
        "privateKey": format!("00000000-0000-4000-8000-{}", &id[12..]),
        "roles": roles,
        "accessList": access_list,
    })
}

/// Two orgs with one project each; in org A an owner, a member, a project reader and an owner
/// fenced to 10.0.0.0/8; in org B an owner.
fn seed() -> Seed {
    let org = |org: &str, role: &str| serde_json::json!({"orgId": org, "roleName": role});
    let group = |group: &str, role: &str| serde_json::json!({"groupId": group, "roleName": role});
    let json = serde_json::json!({
        "orgs": [{"id": ORG_A, "name": "A"}, {"id": ORG_B, "name": "B"}],
        "projects": [{"id": PROJECT_A, "orgId": ORG_A}, {"id": PROJECT_B, "orgId": ORG_B}],
        "apiKeys": [
            key(OWNER_ID, "ownerkey", serde_json::json!([org(ORG_A, "ORG_OWNER")]), &[]),
            key(MEMBER_ID, "memberky", serde_json::json!([org(ORG_A, "ORG_MEMBER")]), &[]),
            key(READER_ID, "readerky", serde_json::json!([org(ORG_A, "ORG_MEMBER"), group(PROJECT_A, "GROUP_READ_ONLY")]), &[]),
            key(OTHER_ID, "otherkey", serde_json::json!([org(ORG_B, "ORG_OWNER")]), &[]),
            key(FENCED_ID, "fencedky", serde_json::json!([org(ORG_A, "ORG_OWNER")]), &["10.0.0.0/8"]),
        ],
        "serviceAccounts": [{
            "clientId": "mdb_sa_id_hostile", "clientSecret": "mdb_sa_sk_hostile",
            "roles": [{"orgId": ORG_A, "roleName": "ORG_OWNER"}]
        }]
    });
    Seed::from_json(&json.to_string()).expect("the hostile seed is valid")
}

fn user(id: &str, public: &str) -> DigestUser {
    DigestUser {
        public_key: public.to_owned(),
        private_key: format!("00000000-0000-4000-8000-{}", &id[12..]),
    }
}

struct Fixture {
    emulator: EmulatorHandle,
    owner: RawSession,
}

impl Fixture {
    async fn start() -> Fixture {
        Fixture::start_with(|b| b).await
    }

    async fn start_with(adjust: impl FnOnce(EmulatorBuilder) -> EmulatorBuilder) -> Fixture {
        count_server_panics();
        let builder = Emulator::builder()
            .seed(seed())
            .rate_limit(RateLimitConfig::Off);
        let emulator = adjust(builder).start().await.expect("the emulator starts");
        let owner = RawSession::new(emulator.local_addr(), user(OWNER_ID, "ownerkey"));
        Fixture { emulator, owner }
    }

    fn addr(&self) -> SocketAddr {
        self.emulator.local_addr()
    }

    fn session(&self, id: &str, public: &str) -> RawSession {
        RawSession::new(self.addr(), user(id, public))
    }

    /// The state as seen from outside: the summary plus the owner's view of every key and
    /// the fenced key's access list.
    async fn snapshot(&self) -> Value {
        let keys = self
            .owner
            .signed(
                "GET",
                &format!("{V2}/orgs/{ORG_A}/apiKeys?itemsPerPage=500"),
                b"",
            )
            .await;
        assert_eq!(keys.status, 200, "listing keys: {}", keys.text());
        let project = self
            .owner
            .signed(
                "GET",
                &format!("{V2}/groups/{PROJECT_A}/apiKeys?itemsPerPage=500"),
                b"",
            )
            .await;
        assert_eq!(
            project.status,
            200,
            "listing project keys: {}",
            project.text()
        );
        let access = self
            .owner
            .signed(
                "GET",
                &format!("{V2}/orgs/{ORG_A}/apiKeys/{FENCED_ID}/accessList"),
                b"",
            )
            .await;
        assert_eq!(
            access.status,
            200,
            "listing the access list: {}",
            access.text()
        );
        let mut summary = state_summary(self.addr()).await;
        // Tokens come and go with OAuth tests; the keys and their access lists must not.
        if let Some(object) = summary.as_object_mut() {
            object.remove("tokens");
        }
        serde_json::json!({
            "summary": summary,
            "orgKeys": strip_volatile(keys.json()),
            "projectKeys": strip_volatile(project.json()),
            "accessList": strip_volatile(access.json()),
        })
    }

    /// Fails the test if the server panicked on any worker thread so far.
    fn assert_no_server_panic(&self) {
        assert_eq!(
            SERVER_PANICS.load(Ordering::SeqCst),
            0,
            "the emulator panicked"
        );
    }
}

/// Drops fields that change on reads (access-list `lastUsed`, `count`).
fn strip_volatile(mut value: Value) -> Value {
    if let Some(results) = value.get_mut("results").and_then(Value::as_array_mut) {
        for item in results {
            if let Some(object) = item.as_object_mut() {
                object.remove("lastUsed");
                object.remove("lastUsedAddress");
                object.remove("count");
            }
        }
    }
    value
}

#[track_caller]
fn assert_refused(response: &RawResponse, status: u16, code: &str) {
    assert_eq!(
        (response.status, response.error_code().as_deref()),
        (status, Some(code)),
        "body: {}",
        response.text()
    );
}

fn create_body(desc: &str) -> Vec<u8> {
    serde_json::json!({"desc": desc, "roles": ["ORG_MEMBER"]})
        .to_string()
        .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_refused_with_401_and_changes_nothing() {
    let fx = Fixture::start().await;
    let before = fx.snapshot().await;
    let mut wrong = fx.owner.clone();
    wrong.user.private_key = "00000000-0000-4000-8000-000000000000".into();
    let target = format!("{V2}/orgs/{ORG_A}/apiKeys");
    let response = wrong
        .signed("POST", &target, &create_body("wrong password"))
        .await;
    assert_refused(&response, 401, "USER_UNAUTHORIZED");
    assert!(
        response.header("www-authenticate").is_some(),
        "a 401 challenges again"
    );
    // An unknown user is refused the same way (no user enumeration).
    let mut nobody = fx.owner.clone();
    nobody.user.public_key = "nobodyxx".into();
    assert_refused(
        &nobody.signed("GET", &target, b"").await,
        401,
        "USER_UNAUTHORIZED",
    );
    assert_eq!(fx.snapshot().await, before);
    fx.assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_nonce_and_nc_is_refused_and_creates_no_second_key() {
    let fx = Fixture::start().await;
    let target = format!("{V2}/orgs/{ORG_A}/apiKeys");
    let challenge = fx.owner.challenge(&target).await;
    let authorization = fx
        .owner
        .authorization(&challenge, "POST", &target, 1, &random_hex(8));
    let body = create_body("replayed create");
    let first = fx
        .owner
        .send_with("POST", &target, &authorization, &body)
        .await;
    assert_eq!(
        first.status,
        200,
        "the original request succeeds: {}",
        first.text()
    );
    let after_first = fx.snapshot().await;
    let replay = fx
        .owner
        .send_with("POST", &target, &authorization, &body)
        .await;
    assert_refused(&replay, 401, "USER_UNAUTHORIZED");
    // Replaying the same header on a GET is refused too (the method is hashed, so it fails
    // either as a replay or as a bad response).
    let replay_get = fx
        .owner
        .send_with("GET", &target, &authorization, b"")
        .await;
    assert_refused(&replay_get, 401, "USER_UNAUTHORIZED");
    assert_eq!(fx.snapshot().await, after_first);
    assert_eq!(
        after_first["summary"]["distinctDescriptions"],
        after_first["summary"]["apiKeys"]
    );
    fx.assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_uri_or_method_is_refused() {
    let fx = Fixture::start().await;
    let before = fx.snapshot().await;
    let signed_for = format!("{V2}/orgs/{ORG_A}/apiKeys");
    let cases = [
        // The header says one uri, the request line another.
        (
            "GET",
            format!("{V2}/orgs/{ORG_A}/apiKeys?pageNum=2"),
            signed_for.clone(),
            "GET",
        ),
        (
            "DELETE",
            format!("{V2}/orgs/{ORG_A}/apiKeys/{MEMBER_ID}"),
            signed_for.clone(),
            "DELETE",
        ),
        // The uri matches but the signature was made for another method.
        (
            "DELETE",
            format!("{V2}/orgs/{ORG_A}/apiKeys/{MEMBER_ID}"),
            format!("{V2}/orgs/{ORG_A}/apiKeys/{MEMBER_ID}"),
            "GET",
        ),
        // A uri that differs only in case or encoding.
        (
            "GET",
            format!("{V2}/orgs/{ORG_A}/apiKeys"),
            format!("{V2}/orgs/{ORG_A}/APIKEYS"),
            "GET",
        ),
        (
            "GET",
            format!("{V2}/orgs/{ORG_A}/apiKeys"),
            format!("{V2}/orgs/{ORG_A}/api%4Beys"),
            "GET",
        ),
    ];
    for (method, target, uri, signed_method) in cases {
        let challenge = fx.owner.challenge(&target).await;
        let authorization =
            fx.owner
                .authorization(&challenge, signed_method, &uri, 1, &random_hex(8));
        let response = fx
            .owner
            .send_with(method, &target, &authorization, b"")
            .await;
        assert_refused(&response, 401, "USER_UNAUTHORIZED");
    }
    assert_eq!(fx.snapshot().await, before);
    fx.assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_nonce_is_refused_as_stale() {
    let fx = Fixture::start_with(|b| b.nonce_lifetime(Duration::ZERO)).await;
    let target = format!("{V2}/orgs/{ORG_A}/apiKeys");
    let challenge = fx.owner.challenge(&target).await;
    // Nonce times have one-second resolution: wait past the next second boundary. This
    // waits for expiry; it asserts nothing about time.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let authorization = fx
        .owner
        .authorization(&challenge, "POST", &target, 1, &random_hex(8));
    let summary = state_summary(fx.addr()).await;
    let response = fx
        .owner
        .send_with("POST", &target, &authorization, &create_body("stale nonce"))
        .await;
    assert_refused(&response, 401, "USER_UNAUTHORIZED");
    let challenge = response
        .headers_named("www-authenticate")
        .collect::<Vec<_>>()
        .join(", ");
    assert!(challenge.contains("stale=true"), "{challenge}");
    assert_eq!(state_summary(fx.addr()).await, summary);
    fx.assert_no_server_panic();
}

async fn token(addr: SocketAddr, id: &str, secret: &str) -> RawResponse {
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    raw_http::send(
        addr,
        "POST",
        "/api/oauth/token",
        &[
            ("Authorization", &format!("Basic {basic}")),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "application/json"),
        ],
        b"grant_type=client_credentials",
    )
    .await
}

async fn bearer_get(addr: SocketAddr, token: &str, target: &str) -> RawResponse {
    raw_http::send(
        addr,
        "GET",
        target,
        &[
            ("Authorization", &format!("Bearer {token}")),
            ("Accept", atlas_keys_reliability::session::V2_MEDIA_TYPE),
        ],
        b"",
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_revoked_and_expired_bearer_tokens_are_refused() {
    let fx = Fixture::start_with(|b| b.token_ttl(Duration::from_secs(1))).await;
    let before = fx.snapshot().await;
    let target = format!("{V2}/orgs/{ORG_A}/apiKeys");
    for forged in ["forged", "", "a.b.c", &"x".repeat(8000), "\u{7f}", "Bearer"] {
        let response = bearer_get(fx.addr(), forged, &target).await;
        assert!(
            matches!(response.status, 400 | 401),
            "forged {forged:?}: {} {}",
            response.status,
            response.text()
        );
        if response.status == 401 {
            assert_eq!(response.error_code().as_deref(), Some("USER_UNAUTHORIZED"));
        }
    }
    // A wrong client secret gets no token.
    let refused = token(fx.addr(), "mdb_sa_id_hostile", "wrong").await;
    assert_eq!(refused.status, 401, "{}", refused.text());
    // A real token works, then is revoked, then is refused.
    let granted = token(fx.addr(), "mdb_sa_id_hostile", "mdb_sa_sk_hostile").await;
    assert_eq!(granted.status, 200, "{}", granted.text());
    let access = granted.json()["access_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    assert_eq!(bearer_get(fx.addr(), &access, &target).await.status, 200);
    use base64::Engine as _;
    let basic =
        base64::engine::general_purpose::STANDARD.encode("mdb_sa_id_hostile:mdb_sa_sk_hostile");
    let revoked = raw_http::send(
        fx.addr(),
        "POST",
        "/api/oauth/revoke",
        &[
            ("Authorization", &format!("Basic {basic}")),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        format!("token={access}&token_type_hint=access_token").as_bytes(),
    )
    .await;
    assert_eq!(revoked.status, 200, "{}", revoked.text());
    assert_refused(
        &bearer_get(fx.addr(), &access, &target).await,
        401,
        "USER_UNAUTHORIZED",
    );
    // A token past its lifetime (1 s here) is refused.
    let granted = token(fx.addr(), "mdb_sa_id_hostile", "mdb_sa_sk_hostile").await;
    let access = granted.json()["access_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_refused(
        &bearer_get(fx.addr(), &access, &target).await,
        401,
        "USER_UNAUTHORIZED",
    );
    assert_eq!(fx.snapshot().await, before);
    fx.assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_of_another_organization_can_neither_read_nor_write() {
    let fx = Fixture::start().await;
    let before = fx.snapshot().await;
    let other = fx.session(OTHER_ID, "otherkey");
    let org_keys = format!("{V2}/orgs/{ORG_A}/apiKeys");
    assert_refused(
        &other.signed("GET", &org_keys, b"").await,
        401,
        "USER_CANNOT_ACCESS_ORG",
    );
    assert_refused(
        &other
            .signed("POST", &org_keys, &create_body("from org B"))
            .await,
        401,
        "USER_CANNOT_ACCESS_ORG",
    );
    assert_refused(
        &other
            .signed("DELETE", &format!("{org_keys}/{MEMBER_ID}"), b"")
            .await,
        401,
        "USER_CANNOT_ACCESS_ORG",
    );
    let project = format!("{V2}/groups/{PROJECT_A}/apiKeys");
    assert_refused(
        &other.signed("GET", &project, b"").await,
        401,
        "USER_CANNOT_ACCESS_GROUP",
    );
    assert_refused(
        &other
            .signed(
                "POST",
                &project,
                br#"{"desc":"x","roles":["GROUP_READ_ONLY"]}"#,
            )
            .await,
        401,
        "USER_CANNOT_ACCESS_GROUP",
    );
    // Org A's owner cannot reach into org B either.
    assert_refused(
        &fx.owner
            .signed("GET", &format!("{V2}/orgs/{ORG_B}/apiKeys"), b"")
            .await,
        401,
        "USER_CANNOT_ACCESS_ORG",
    );
    assert_refused(
        &fx.owner
            .signed("GET", &format!("{V2}/groups/{PROJECT_B}/apiKeys"), b"")
            .await,
        401,
        "USER_CANNOT_ACCESS_GROUP",
    );
    assert_eq!(fx.snapshot().await, before);
    fx.assert_no_server_panic();
}

/// Every write of the API, as (method, target, body).
fn every_write() -> Vec<(&'static str, String, Vec<u8>)> {
    vec![
        (
            "POST",
            format!("{V2}/orgs/{ORG_A}/apiKeys"),
            create_body("not allowed"),
        ),
        (
            "PATCH",
            format!("{V2}/orgs/{ORG_A}/apiKeys/{OWNER_ID}"),
            br#"{"desc":"renamed"}"#.to_vec(),
        ),
        (
            "DELETE",
            format!("{V2}/orgs/{ORG_A}/apiKeys/{OWNER_ID}"),
            Vec::new(),
        ),
        (
            "POST",
            format!("{V2}/orgs/{ORG_A}/apiKeys/{FENCED_ID}/accessList"),
            br#"[{"ipAddress":"192.0.2.1"}]"#.to_vec(),
        ),
        (
            "DELETE",
            format!("{V2}/orgs/{ORG_A}/apiKeys/{FENCED_ID}/accessList/10.0.0.0%2F8"),
            Vec::new(),
        ),
        (
            "POST",
            format!("{V2}/groups/{PROJECT_A}/apiKeys"),
            br#"{"desc":"x","roles":["GROUP_READ_ONLY"]}"#.to_vec(),
        ),
        (
            "POST",
            format!("{V2}/groups/{PROJECT_A}/apiKeys/{MEMBER_ID}"),
            br#"[{"roles":["GROUP_READ_ONLY"]}]"#.to_vec(),
        ),
        (
            "PATCH",
            format!("{V2}/groups/{PROJECT_A}/apiKeys/{READER_ID}"),
            br#"{"roles":["GROUP_OWNER"]}"#.to_vec(),
        ),
        (
            "DELETE",
            format!("{V2}/groups/{PROJECT_A}/apiKeys/{READER_ID}"),
            Vec::new(),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_key_and_a_project_reader_are_refused_every_write() {
    let fx = Fixture::start().await;
    let before = fx.snapshot().await;
    for (id, public) in [(MEMBER_ID, "memberky"), (READER_ID, "readerky")] {
        let session = fx.session(id, public);
        for (method, target, body) in every_write() {
            let response = session.signed(method, &target, &body).await;
            assert_eq!(
                response.status,
                401,
                "{public} {method} {target}: {}",
                response.text()
            );
            let code = response.error_code().unwrap_or_default();
            let expected: &[&str] = if target.contains("/groups/") {
                &[
                    "NOT_IN_GROUP",
                    "USER_CANNOT_ACCESS_GROUP",
                    "USER_UNAUTHORIZED",
                ]
            } else {
                &["NOT_ORG_OWNER"]
            };
            assert!(
                expected.contains(&code.as_str()),
                "{public} {method} {target}: {code}"
            );
        }
        // Reads the role allows still work: the refusals above were about the role.
        let list = session
            .signed("GET", &format!("{V2}/orgs/{ORG_A}/apiKeys"), b"")
            .await;
        assert_eq!(
            list.status,
            200,
            "{public} may list org keys: {}",
            list.text()
        );
    }
    let reader = fx.session(READER_ID, "readerky");
    let list = reader
        .signed("GET", &format!("{V2}/groups/{PROJECT_A}/apiKeys"), b"")
        .await;
    assert_eq!(
        list.status,
        200,
        "a project reader may list the project: {}",
        list.text()
    );
    assert_eq!(fx.snapshot().await, before);
    fx.assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_outside_the_keys_access_list_is_refused_with_403() {
    let fx = Fixture::start().await;
    let before = fx.snapshot().await;
    let fenced = fx.session(FENCED_ID, "fencedky");
    let target = format!("{V2}/orgs/{ORG_A}/apiKeys");
    assert_refused(
        &fenced.signed("GET", &target, b"").await,
        403,
        "IP_ADDRESS_NOT_ON_ACCESS_LIST",
    );
    assert_refused(
        &fenced.signed("POST", &target, &create_body("fenced")).await,
        403,
        "IP_ADDRESS_NOT_ON_ACCESS_LIST",
    );
    // Nor can it widen its own access list from outside it.
    assert_refused(
        &fenced
            .signed(
                "POST",
                &format!("{target}/{FENCED_ID}/accessList"),
                br#"[{"ipAddress":"127.0.0.1"}]"#,
            )
            .await,
        403,
        "IP_ADDRESS_NOT_ON_ACCESS_LIST",
    );
    assert_eq!(fx.snapshot().await, before);
    fx.assert_no_server_panic();
}

/// (method, target, body, expected status, accepted error codes).
type BodyCase<'a> = (&'a str, &'a str, Vec<u8>, u16, &'a [&'a str]);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_deeply_nested_and_malformed_json_is_refused_with_4xx() {
    let fx = Fixture::start().await;
    let before = fx.snapshot().await;
    let create = format!("{V2}/orgs/{ORG_A}/apiKeys");
    let patch = format!("{V2}/orgs/{ORG_A}/apiKeys/{MEMBER_ID}");
    let access = format!("{V2}/orgs/{ORG_A}/apiKeys/{MEMBER_ID}/accessList");
    let huge_desc = format!(
        r#"{{"desc":"{}","roles":["ORG_MEMBER"]}}"#,
        "x".repeat(70_000)
    );
    let cases: Vec<BodyCase> = vec![
        (
            "POST",
            &create,
            huge_desc.into_bytes(),
            413,
            &["REQUEST_TOO_LARGE"],
        ),
        (
            "POST",
            &create,
            vec![b' '; 1 << 20],
            413,
            &["REQUEST_TOO_LARGE"],
        ),
        (
            "POST",
            &create,
            "[".repeat(50_000).into_bytes(),
            400,
            &["MALFORMED_JSON"],
        ),
        (
            "POST",
            &create,
            format!("{}1{}", "[".repeat(129), "]".repeat(129)).into_bytes(),
            400,
            &["MALFORMED_JSON", "INVALID_JSON"],
        ),
        (
            "POST",
            &create,
            format!(
                r#"{{"desc":"x","roles":["ORG_MEMBER"],"extra":{}0{}}}"#,
                r#"{"a":"#.repeat(200),
                "}".repeat(200)
            )
            .into_bytes(),
            400,
            &["MALFORMED_JSON", "INVALID_ATTRIBUTE"],
        ),
        ("POST", &create, b"{".to_vec(), 400, &["MALFORMED_JSON"]),
        (
            "POST",
            &create,
            b"{\"desc\":\"x\",}".to_vec(),
            400,
            &["MALFORMED_JSON"],
        ),
        (
            "POST",
            &create,
            b"\xff\xfe\x00garbage".to_vec(),
            400,
            &["MALFORMED_JSON"],
        ),
        (
            "POST",
            &create,
            b"{\"desc\":\"\xff\",\"roles\":[\"ORG_MEMBER\"]}".to_vec(),
            400,
            &["MALFORMED_JSON"],
        ),
        ("POST", &create, b"null".to_vec(), 400, &["INVALID_JSON"]),
        ("POST", &create, b"[]".to_vec(), 400, &["INVALID_JSON"]),
        ("POST", &create, b"{}".to_vec(), 400, &["MISSING_ATTRIBUTE"]),
        (
            "POST",
            &create,
            br#"{"desc":7,"roles":["ORG_MEMBER"]}"#.to_vec(),
            400,
            &["INVALID_JSON_ATTRIBUTE"],
        ),
        (
            "POST",
            &create,
            br#"{"desc":"x","roles":"ORG_MEMBER"}"#.to_vec(),
            400,
            &["INVALID_JSON_ATTRIBUTE"],
        ),
        (
            "POST",
            &create,
            br#"{"desc":"x","roles":[]}"#.to_vec(),
            400,
            &["MISSING_API_KEY_ROLES"],
        ),
        (
            "POST",
            &create,
            br#"{"desc":"x","roles":["GROUP_OWNER"]}"#.to_vec(),
            400,
            &["INVALID_ROLE_FOR_ORG"],
        ),
        (
            "POST",
            &create,
            br#"{"desc":"","roles":["ORG_MEMBER"]}"#.to_vec(),
            400,
            &["INVALID_API_KEY_DESC"],
        ),
        (
            "POST",
            &create,
            format!(r#"{{"desc":"{}","roles":["ORG_MEMBER"]}}"#, "é".repeat(251)).into_bytes(),
            400,
            &["INVALID_API_KEY_DESC"],
        ),
        (
            "POST",
            &create,
            br#"{"desc":"x","roles":["ORG_MEMBER"],"privateKey":"mine"}"#.to_vec(),
            400,
            &["INVALID_ATTRIBUTE"],
        ),
        ("PATCH", &patch, b"".to_vec(), 400, &["INVALID_JSON"]),
        (
            "PATCH",
            &patch,
            br#"{"roles":[1,2,3]}"#.to_vec(),
            400,
            &["INVALID_JSON_ATTRIBUTE"],
        ),
        (
            "POST",
            &access,
            br#"[{"ipAddress":"999.1.1.1"}]"#.to_vec(),
            400,
            &["INVALID_IP_ADDRESS_OR_CIDR_NOTATION"],
        ),
        (
            "POST",
            &access,
            br#"[{"cidrBlock":"10.0.0.1/8"}]"#.to_vec(),
            400,
            &["INVALID_IP_ADDRESS_OR_CIDR_NOTATION"],
        ),
        (
            "POST",
            &access,
            br#"[{"ipAddress":"10.0.0.1","cidrBlock":"10.0.0.0/8"}]"#.to_vec(),
            400,
            &[
                "INVALID_IP_ADDRESS_OR_CIDR_NOTATION",
                "INVALID_JSON_ATTRIBUTE",
                "INVALID_ATTRIBUTE",
            ],
        ),
        (
            "POST",
            &access,
            br#"[{"ipAddress":"10.0.0.1"},{"ipAddress":"10.0.0.1"}]"#.to_vec(),
            400,
            &["DUPLICATE_ADDRESSES_IN_INPUT"],
        ),
        (
            "POST",
            &access,
            br#"{"ipAddress":"10.0.0.1"}"#.to_vec(),
            400,
            &["INVALID_JSON"],
        ),
    ];
    for (method, target, body, status, codes) in cases {
        let response = fx.owner.signed(method, target, &body).await;
        let code = response.error_code().unwrap_or_default();
        assert!(
            response.status == status && codes.contains(&code.as_str()),
            "{method} {target} with {} bytes ({:?}…): got {} {code}, want {status} {codes:?}",
            body.len(),
            String::from_utf8_lossy(&body[..body.len().min(40)]),
            response.status
        );
    }
    // A wrong Content-Type is refused before the body is read.
    let challenge = fx.owner.challenge(&create).await;
    let authorization = fx
        .owner
        .authorization(&challenge, "POST", &create, 1, &random_hex(8));
    let response = raw_http::send(
        fx.addr(),
        "POST",
        &create,
        &[
            ("Authorization", &authorization),
            ("Accept", atlas_keys_reliability::session::V2_MEDIA_TYPE),
            ("Content-Type", "text/plain"),
        ],
        &create_body("wrong type"),
    )
    .await;
    assert_refused(&response, 415, "UNSUPPORTED_MEDIA_TYPE");
    assert_eq!(fx.snapshot().await, before);
    fx.assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_ids_with_traversal_or_encoding_tricks_are_refused_with_400_or_404() {
    let fx = Fixture::start().await;
    let before = fx.snapshot().await;
    let long = "a".repeat(5000);
    let tricks = [
        "..%2F..%2Fadmin",
        "..%2f",
        "%2e%2e",
        "..",
        ".",
        "%00",
        "5f1a2b3c4d5e6f7a8b9c0d1e%00",
        "5F1A2B3C4D5E6F7A8B9C0D1E",
        "5f1a2b3c4d5e6f7a8b9c0d1e0",
        "5f1a2b3c4d5e6f7a8b9c0d1",
        "5f1a2b3c4d5e6f7a8b9c0d1g",
        "%35f1a2b3c4d5e6f7a8b9c0d1e",
        "5f1a2b3c4d5e6f7a8b9c0d1e%20",
        "%C0%AE%C0%AE",
        "%E2%80%AE",
        "%ZZ",
        long.as_str(),
    ];
    let mut checked = 0;
    for trick in tricks {
        let cases = [
            (
                "GET",
                format!("{V2}/orgs/{trick}/apiKeys"),
                &["PATH_PARAM_PARSE_ERROR", "RESOURCE_NOT_FOUND"][..],
            ),
            (
                "GET",
                format!("{V2}/orgs/{ORG_A}/apiKeys/{trick}"),
                &[
                    "PATH_PARAM_PARSE_ERROR",
                    "API_KEY_NOT_FOUND",
                    "RESOURCE_NOT_FOUND",
                ][..],
            ),
            (
                "DELETE",
                format!("{V2}/orgs/{ORG_A}/apiKeys/{trick}"),
                &[
                    "PATH_PARAM_PARSE_ERROR",
                    "API_KEY_NOT_FOUND",
                    "RESOURCE_NOT_FOUND",
                ][..],
            ),
            (
                "GET",
                format!("{V2}/groups/{trick}/apiKeys"),
                &["PATH_PARAM_PARSE_ERROR", "RESOURCE_NOT_FOUND"][..],
            ),
            (
                "DELETE",
                format!("{V2}/groups/{PROJECT_A}/apiKeys/{trick}"),
                &[
                    "PATH_PARAM_PARSE_ERROR",
                    "API_KEY_NOT_FOUND",
                    "RESOURCE_NOT_FOUND",
                ][..],
            ),
            (
                "DELETE",
                format!("{V2}/orgs/{ORG_A}/apiKeys/{FENCED_ID}/accessList/{trick}"),
                &[
                    "INVALID_IP_ADDRESS_OR_CIDR_NOTATION",
                    "API_KEY_ACCESS_LIST_ENTRY_NOT_FOUND",
                    "RESOURCE_NOT_FOUND",
                ][..],
            ),
        ];
        for (method, target, codes) in cases {
            let response = fx.owner.signed(method, &target, b"").await;
            let code = response.error_code().unwrap_or_default();
            assert!(
                matches!(response.status, 400 | 404) && codes.contains(&code.as_str()),
                "{method} {}: got {} {code}, want 400/404 {codes:?}",
                &target[..target.len().min(120)],
                response.status
            );
            checked += 1;
        }
    }
    // A key id of the wrong org (the other org's key through org A's path) is not found:
    // 400 API_KEY_NOT_FOUND, as live Atlas answers an unknown key id (NOTES (j)).
    let response = fx
        .owner
        .signed(
            "DELETE",
            &format!("{V2}/orgs/{ORG_A}/apiKeys/{OTHER_ID}"),
            b"",
        )
        .await;
    assert_refused(&response, 400, "API_KEY_NOT_FOUND");
    figure(
        "hostile",
        format!("{checked} path-id tricks refused with 400/404"),
    );
    assert_eq!(fx.snapshot().await, before);
    fx.assert_no_server_panic();
}

const TOKEN_CHARS: &[u8] =
    b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// One request with random garbage headers, some valid-looking, some not; `Authorization`
/// is garbage too, so nothing may be authorized.
fn garbage_request(target: &str) -> Vec<u8> {
    let mut out = format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n").into_bytes();
    let headers = 1 + random_u64() % 12;
    // A body the framing headers announce, so the server never waits for bytes that will not
    // come (that would be a client hanging itself, not hostile input).
    let mut body: Vec<u8> = Vec::new();
    for _ in 0..headers {
        let name: Vec<u8> = match random_u64() % 6 {
            0 => b"Authorization".to_vec(),
            1 => b"Accept".to_vec(),
            2 => b"Content-Length".to_vec(),
            3 => b"Transfer-Encoding".to_vec(),
            _ => (0..1 + random_u64() % 24)
                .map(|_| TOKEN_CHARS[(random_u64() % TOKEN_CHARS.len() as u64) as usize])
                .collect(),
        };
        let value: Vec<u8> = match random_u64() % 5 {
            0 => format!(
                "Digest username=\"{}\", nonce=\"{}\", nc={}",
                random_hex(4),
                random_hex(20),
                random_hex(4)
            )
            .into_bytes(),
            1 => format!("Bearer {}", random_hex(16)).into_bytes(),
            2 => (random_u64() % 100_000).to_string().into_bytes(),
            // Any byte but CR and LF (they would end the header; those cases are below).
            3 => (0..random_u64() % 64)
                .map(|_| (random_u64() % 256) as u8)
                .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b })
                .collect(),
            _ => (0..random_u64() % 200)
                .map(|_| (32 + random_u64() % 95) as u8)
                .collect(),
        };
        let value = if name.eq_ignore_ascii_case(b"content-length") {
            match std::str::from_utf8(&value)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
            {
                // A number: send that many (bounded) bytes, once.
                Some(n) if body.is_empty() => {
                    let n = n % 2048;
                    body = (0..n).map(|_| (random_u64() % 256) as u8).collect();
                    n.to_string().into_bytes()
                }
                Some(_) => b"0".to_vec(),
                None => value,
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            // Never `chunked` (whose body would be missing); anything else is refused.
            let mut value = value;
            value.retain(|b| !b.is_ascii_alphabetic());
            value
        } else {
            value
        };
        out.extend_from_slice(&name);
        out.extend_from_slice(b": ");
        out.extend_from_slice(&value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out.extend_from_slice(&body);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_garbage_headers_never_get_a_500_nor_authorize_anything() {
    let fx = Fixture::start().await;
    let before = fx.snapshot().await;
    let total = scale::size("ATLAS_KEYS_GARBAGE_REQUESTS", 10_000, 10_000);
    let targets = [
        format!("{V2}/orgs/{ORG_A}/apiKeys"),
        format!("{V2}/orgs/{ORG_A}/apiKeys/{MEMBER_ID}"),
        format!("{V2}/groups/{PROJECT_A}/apiKeys"),
        "/api/oauth/token".to_owned(),
        "/".to_owned(),
    ];
    let addr = fx.addr();
    let mut by_status = std::collections::BTreeMap::<String, u64>::new();
    // Bounded concurrency: 16 requests in flight at a time.
    let mut pending = tokio::task::JoinSet::new();
    for i in 0..total {
        let request = garbage_request(&targets[i % targets.len()]);
        pending.spawn(async move { raw_http::exchange(addr, &request).await });
        if pending.len() >= 16 {
            let outcome = pending
                .join_next()
                .await
                .expect("a task")
                .expect("no task panic");
            tally(&mut by_status, outcome);
        }
    }
    while let Some(outcome) = pending.join_next().await {
        tally(&mut by_status, outcome.expect("no task panic"));
    }
    figure(
        "hostile",
        format!("{total} garbage-header requests: {by_status:?}"),
    );
    for (status, count) in &by_status {
        assert!(
            status.starts_with('4') || status == "closed",
            "{count} garbage requests got {status}"
        );
    }
    assert_eq!(fx.snapshot().await, before);
    fx.assert_no_server_panic();
}

fn tally(
    by_status: &mut std::collections::BTreeMap<String, u64>,
    outcome: std::io::Result<Exchange>,
) {
    let key = match outcome {
        Ok(Exchange::Response(response)) => response.status.to_string(),
        Ok(Exchange::Closed(bytes)) if bytes.is_empty() => "closed".to_owned(),
        Ok(Exchange::Closed(bytes)) => format!("unparsable: {:?}", String::from_utf8_lossy(&bytes)),
        Err(error) => format!("error: {error}"),
    };
    *by_status.entry(key).or_default() += 1;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truly_malformed_requests_get_a_4xx_or_a_closed_connection_never_a_500() {
    let fx = Fixture::start().await;
    let before = fx.snapshot().await;
    let org = format!("{V2}/orgs/{ORG_A}/apiKeys");
    let big_header = format!(
        "GET {org} HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(200_000)
    );
    let many_headers = format!(
        "GET {org} HTTP/1.1\r\nHost: x\r\n{}\r\n",
        (0..500)
            .map(|i| format!("X-{i}: v\r\n"))
            .collect::<String>()
    );
    let long_target = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(100_000));
    let requests: Vec<Vec<u8>> = vec![
        b"GARBAGE\r\n\r\n".to_vec(),
        b"\r\n\r\n".to_vec(),
        b"\x00\x01\x02\x03\r\n\r\n".to_vec(),
        b"GET\r\n\r\n".to_vec(),
        b"GET / HTTP/9.9\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n".to_vec(),
        [format!("GET {org} HTTP/1.1\r\nHost: x\r\nAuthorization: Digest ").as_bytes(), b"\xff\xfe\r\n\r\n"].concat(),
        format!("GET {org}\x00 HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes(),
        format!("GET {org} HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n").into_bytes(),
        format!("POST {org} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!").into_bytes(),
        format!("POST {org} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n").into_bytes(),
        format!("POST {org} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n").into_bytes(),
        format!("POST {org} HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n").into_bytes(),
        format!("BREW {org} HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes(),
        format!("GET http://evil.example{org} HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes(),
        b"GET * HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        b"CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        big_header.into_bytes(),
        many_headers.into_bytes(),
        long_target.into_bytes(),
    ];
    for request in &requests {
        // Half-closed: some of these are incomplete and would otherwise wait for more bytes.
        let outcome = raw_http::exchange_half_closed(fx.addr(), request)
            .await
            .expect("no hang");
        if let Exchange::Response(response) = &outcome {
            assert!(
                (400..500).contains(&response.status),
                "{:?}: got {}",
                String::from_utf8_lossy(&request[..request.len().min(80)]),
                response.status
            );
        }
    }
    assert_eq!(fx.snapshot().await, before);
    fx.assert_no_server_panic();
}
