//! The emulator behaves like the live service as recorded in 2026 (NOTES (j)): error
//! codes and texts, list order, access-list usage and enforcement, org settings, the
//! address endpoint, headers, digest challenges and nonces, and rate limits. Each test
//! here fails against the emulator as it was before issue #13.

use std::borrow::Cow;
use std::time::Duration;

use crate::common::*;
use atlas_keys_emulator::cli::EmulatorArgs;
use atlas_keys_emulator::{DigestAlgorithm, Emulator, EmulatorBuilder, RateLimitConfig, Seed};
use clap::Parser as _;
use digest_auth::{AuthContext, HttpMethod};
use http::Method;
use serde_json::{Value, json};

const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaa";
const P: &str = "cccccccccccccccccccccccc";
const FENCED: &str = "eeeeeeeeeeeeeeeeeeeeeeee";
const LOCAL: &str = "ffffffffffffffffffffffff";

/// Org A with project P. Keys are seeded out of public-key order on purpose, so that
/// creation order and list order differ.
fn seed() -> Seed {
    Seed::from_json(&format!(
        r#"{{
  "orgs": [{{"id": "{A}"}}],
  "projects": [{{"id": "{P}", "orgId": "{A}"}}],
  "apiKeys": [
    {{"publicKey": "zzzowner", "privateKey": "owner-secret", "roles": [{{"orgId": "{A}", "roleName": "ORG_OWNER"}}]}},
    {{"desc": "e", "publicKey": "eaaaaaaa", "privateKey": "e-secret", "roles": [{{"orgId": "{A}", "roleName": "ORG_MEMBER"}}, {{"groupId": "{P}", "roleName": "GROUP_READ_ONLY"}}]}},
    {{"desc": "c", "publicKey": "caaaaaaa", "privateKey": "c-secret", "roles": [{{"orgId": "{A}", "roleName": "ORG_MEMBER"}}, {{"groupId": "{P}", "roleName": "GROUP_READ_ONLY"}}]}},
    {{"desc": "b", "publicKey": "baaaaaaa", "privateKey": "b-secret", "roles": [{{"orgId": "{A}", "roleName": "ORG_MEMBER"}}, {{"groupId": "{P}", "roleName": "GROUP_READ_ONLY"}}]}},
    {{"desc": "d", "publicKey": "daaaaaaa", "privateKey": "d-secret", "roles": [{{"orgId": "{A}", "roleName": "ORG_MEMBER"}}, {{"groupId": "{P}", "roleName": "GROUP_READ_ONLY"}}]}},
    {{"desc": "a", "publicKey": "aaaaaaaa", "privateKey": "a-secret", "roles": [{{"orgId": "{A}", "roleName": "ORG_MEMBER"}}]}},
    {{"id": "{FENCED}", "desc": "fenced", "publicKey": "fencedaa", "privateKey": "f-secret", "roles": [{{"orgId": "{A}", "roleName": "ORG_OWNER"}}], "accessList": ["10.0.0.0/8"]}},
    {{"id": "{LOCAL}", "desc": "local", "publicKey": "locallyy", "privateKey": "l-secret", "roles": [{{"orgId": "{A}", "roleName": "ORG_OWNER"}}], "accessList": ["127.0.0.0/8", "127.0.0.1", "192.0.2.0/24"]}}
  ]
}}"#
    ))
    .unwrap()
}

fn builder() -> EmulatorBuilder {
    Emulator::builder()
        .seed(seed())
        .rate_limit(RateLimitConfig::Off)
}

async fn seeded() -> Env {
    start_with(builder()).await
}

fn org_keys() -> String {
    format!("{V2}/orgs/{A}/apiKeys")
}

fn access_list(key: &str) -> String {
    format!("{V2}/orgs/{A}/apiKeys/{key}/accessList")
}

/// Sends as one key, with a fresh challenge (the shared prompt belongs to no identity).
async fn as_key(env: &Env, user: &str, pass: &str, req: Req) -> Res {
    *env.prompt.lock().unwrap() = None;
    env.send(req.digest(user, pass)).await
}

async fn as_owner(env: &Env, req: Req) -> Res {
    as_key(env, "zzzowner", "owner-secret", req).await
}

fn field<'v>(v: &'v Value, name: &str) -> Vec<&'v str> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k[name].as_str().unwrap())
        .collect()
}

/// Unknown key id: 400 API_KEY_NOT_FOUND; a public key (or a short or upper-case id)
/// where the id belongs: 400 PATH_PARAM_PARSE_ERROR with the service's text.
#[tokio::test]
async fn unknown_and_malformed_key_ids() {
    let env = seeded().await;
    let unknown = "0123456789abcdef01234567";
    let v = as_owner(
        &env,
        Req::new(Method::GET, format!("{}/{unknown}", org_keys())),
    )
    .await
    .expect_error(400, "API_KEY_NOT_FOUND");
    assert_eq!(v["detail"], format!("No API key with ID {unknown} exists."));
    for bad in ["caaaaaaa", "CCCCCCCCCCCCCCCCCCCCCCCC", "cccc"] {
        let path = format!("{}/{bad}", org_keys());
        let v = as_owner(&env, Req::new(Method::GET, &path))
            .await
            .expect_error(400, "PATH_PARAM_PARSE_ERROR");
        assert_eq!(
            v["detail"],
            format!("One or more path parameter in the request URI {path} is malformed.")
        );
        assert_eq!(v["parameters"], json!([path]));
    }
}

/// Org and project lists are sorted by publicKey, ascending, whatever the creation order.
/// Paging is by offset over the list as it is at each request, as on the service, so a
/// client paging while keys come and go sees this: a key inserted before its position
/// pushes the list down (the last key of the previous page shows up again at the top of
/// the next one), and a key removed before its position pulls it up (the first key of
/// the next page is skipped). Nothing else is lost or repeated, and `totalCount` follows.
#[tokio::test]
async fn lists_are_sorted_by_public_key_and_paging_follows_writes() {
    let env = seeded().await;
    let org = as_owner(&env, Req::new(Method::GET, org_keys()))
        .await
        .json();
    assert_eq!(
        field(&org, "publicKey"),
        [
            "aaaaaaaa", "baaaaaaa", "caaaaaaa", "daaaaaaa", "eaaaaaaa", "fencedaa", "locallyy",
            "zzzowner"
        ]
    );
    let project = format!("{V2}/groups/{P}/apiKeys");
    let page = |n: u32| Req::new(Method::GET, format!("{project}?itemsPerPage=2&pageNum={n}"));
    let p1 = as_owner(&env, page(1)).await.json();
    assert_eq!(field(&p1, "desc"), ["b", "c"]);

    // Key "a" is assigned between pages 1 and 2: it sorts first, so "c" comes again.
    let a_id = org["results"][0]["id"].as_str().unwrap().to_owned();
    as_owner(
        &env,
        Req::new(Method::POST, format!("{project}/{a_id}"))
            .json(json!([{"roles": ["GROUP_READ_ONLY"]}])),
    )
    .await
    .expect(204);
    let p2 = as_owner(&env, page(2)).await.json();
    assert_eq!(field(&p2, "desc"), ["c", "d"]);
    assert_eq!(p2["totalCount"], 5);

    // Key "b" is deleted between pages 2 and 3: "e" moves to page 2 and is skipped.
    let b_id = org["results"][1]["id"].as_str().unwrap().to_owned();
    as_owner(
        &env,
        Req::new(Method::DELETE, format!("{}/{b_id}", org_keys())),
    )
    .await
    .expect(204);
    let p3 = as_owner(&env, page(3)).await.json();
    assert_eq!(field(&p3, "desc"), Vec::<&str>::new());
    assert_eq!(p3["totalCount"], 4);
    let fresh = as_owner(&env, page(2)).await.json();
    assert_eq!(field(&fresh, "desc"), ["d", "e"]);

    // A created key takes its place in the order, not the end of the list.
    let r = as_owner(
        &env,
        Req::new(Method::POST, org_keys()).json(json!({"desc": "new", "roles": ["ORG_MEMBER"]})),
    )
    .await;
    r.expect(200);
    let org = as_owner(&env, Req::new(Method::GET, org_keys()))
        .await
        .json();
    let publics = field(&org, "publicKey");
    assert!(publics.windows(2).all(|w| w[0] < w[1]), "{publics:?}");
    assert!(publics.contains(&r.json()["publicKey"].as_str().unwrap()));
}

fn entry<'v>(list: &'v Value, cidr: &str) -> &'v Value {
    list["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["cidrBlock"] == cidr)
        .unwrap_or_else(|| panic!("{cidr} in {list}"))
}

/// New entries count 0; each authenticated request admitted by an entry counts on the
/// narrowest one and sets lastUsed / lastUsedAddress; the counts survive a restart with
/// `--state`.
#[tokio::test]
async fn access_list_usage_is_counted_and_durable() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let env = start_with(builder().state_file(&state)).await;
    let list = access_list(LOCAL);
    let before = as_owner(&env, Req::new(Method::GET, &list)).await.json();
    for cidr in ["127.0.0.0/8", "127.0.0.1/32", "192.0.2.0/24"] {
        let e = entry(&before, cidr);
        assert_eq!(e["count"], 0, "{e}");
        assert!(e.get("lastUsed").is_none() && e.get("lastUsedAddress").is_none());
    }
    let created = as_owner(
        &env,
        Req::new(Method::POST, &list).json(json!([{"ipAddress": "198.51.100.7"}])),
    )
    .await
    .json();
    assert_eq!(entry(&created, "198.51.100.7/32")["count"], 0);

    for _ in 0..3 {
        as_key(
            &env,
            "locallyy",
            "l-secret",
            Req::new(Method::GET, org_keys()),
        )
        .await
        .expect(200);
    }
    // A request refused later (404) was still authenticated from a listed address.
    as_key(
        &env,
        "locallyy",
        "l-secret",
        Req::new(Method::GET, format!("{V2}/orgs/{A}/nothing")),
    )
    .await
    .expect(404);
    let after = as_owner(&env, Req::new(Method::GET, &list)).await.json();
    let host = entry(&after, "127.0.0.1/32");
    assert_eq!(host["count"], 4);
    assert_eq!(host["lastUsedAddress"], "127.0.0.1");
    assert!(host["lastUsed"].as_str().unwrap().ends_with('Z'));
    assert_eq!(entry(&after, "127.0.0.0/8")["count"], 0);
    assert_eq!(entry(&after, "192.0.2.0/24")["count"], 0);
    env.emu.shutdown().await;

    let env = start_with(builder().state_file(&state)).await;
    let reloaded = as_owner(&env, Req::new(Method::GET, &list)).await.json();
    let again = entry(&reloaded, "127.0.0.1/32");
    for k in ["count", "lastUsed", "lastUsedAddress", "created"] {
        assert_eq!(again[k], host[k], "{k}");
    }
}

/// Access lists apply after authentication, with the service's codes and texts.
#[tokio::test]
async fn access_lists_are_enforced_as_the_service_does() {
    let env = seeded().await;
    // Wrong credentials are a 401 from any address, fenced key or not.
    as_key(&env, "fencedaa", "wrong", Req::new(Method::GET, org_keys()))
        .await
        .expect_error(401, "USER_UNAUTHORIZED");
    let r = as_key(
        &env,
        "fencedaa",
        "f-secret",
        Req::new(Method::GET, org_keys()),
    )
    .await;
    let v = r.expect_error(403, "IP_ADDRESS_NOT_ON_ACCESS_LIST");
    assert_eq!(
        v["detail"],
        "IP address 127.0.0.1 is not allowed to access this resource."
    );
    assert_eq!(v["parameters"], json!(["127.0.0.1"]));

    // Another key's access list: only an org owner or the key itself may read it.
    let v = as_key(
        &env,
        "caaaaaaa",
        "c-secret",
        Req::new(Method::GET, access_list(LOCAL)),
    )
    .await
    .expect_error(401, "API_KEY_ACCESS_LIST_ACCESS_DENIED");
    assert_eq!(v["parameters"], json!([LOCAL]));
    as_key(
        &env,
        "caaaaaaa",
        "c-secret",
        Req::new(Method::GET, format!("{}/127.0.0.1", access_list(LOCAL))),
    )
    .await
    .expect_error(401, "API_KEY_ACCESS_LIST_ACCESS_DENIED");
    as_key(
        &env,
        "locallyy",
        "l-secret",
        Req::new(Method::GET, access_list(LOCAL)),
    )
    .await
    .expect(200);
    as_owner(&env, Req::new(Method::GET, access_list(LOCAL)))
        .await
        .expect(200);

    // The caller cannot remove an entry that admits it (the address or a block).
    for entry in ["127.0.0.1", "127.0.0.0%2F8"] {
        as_key(
            &env,
            "locallyy",
            "l-secret",
            Req::new(Method::DELETE, format!("{}/{entry}", access_list(LOCAL))),
        )
        .await
        .expect_error(400, "CANNOT_REMOVE_CALLER_FROM_ACCESS_LIST");
    }
}

/// `apiAccessListRequired` on: a key with an empty list is refused everywhere; keys
/// with a list containing the caller, and service accounts, still work.
#[tokio::test]
async fn org_settings_require_an_access_list() {
    let env = seeded().await;
    let settings = format!("{V2}/orgs/{A}/settings");
    let r = as_owner(&env, Req::new(Method::GET, &settings)).await;
    r.expect(200);
    assert_eq!(r.json(), json!({"apiAccessListRequired": false}));
    assert_eq!(r.header("content-type"), Some(JSON_V2));
    as_key(
        &env,
        "caaaaaaa",
        "c-secret",
        Req::new(Method::PATCH, &settings).json(json!({"apiAccessListRequired": true})),
    )
    .await
    .expect_error(401, "NOT_ORG_OWNER");
    as_owner(
        &env,
        Req::new(Method::PATCH, &settings).json(json!({"apiAccessListRequired": "yes"})),
    )
    .await
    .expect_error(400, "INVALID_JSON_ATTRIBUTE");
    let r = as_owner(
        &env,
        Req::new(Method::PATCH, &settings).json(json!({"apiAccessListRequired": true})),
    )
    .await;
    r.expect(200);
    assert_eq!(r.json(), json!({"apiAccessListRequired": true}));

    // Now the owner's own key, with an empty list, is refused after authentication.
    let v = as_owner(&env, Req::new(Method::GET, org_keys()))
        .await
        .expect_error(403, "ORG_REQUIRES_ACCESS_LIST");
    assert_eq!(
        v["detail"],
        "This organization requires access through an access list of ip ranges."
    );
    assert_eq!(v["parameters"], json!(["127.0.0.1"]));
    as_key(&env, "zzzowner", "wrong", Req::new(Method::GET, org_keys()))
        .await
        .expect_error(401, "USER_UNAUTHORIZED");
    // A listed key and a service account still work; the v1.0 path serves the same.
    as_key(
        &env,
        "locallyy",
        "l-secret",
        Req::new(Method::GET, format!("{V1}/orgs/{A}/settings")),
    )
    .await
    .expect(200);
    let sa = env.token().await;
    let r = env
        .send(
            Req::new(Method::PATCH, &settings)
                .json(json!({"apiAccessListRequired": false}))
                .bearer(&sa),
        )
        .await;
    // The default service account belongs to the default org, which is A here.
    r.expect(200);
    as_owner(&env, Req::new(Method::GET, org_keys()))
        .await
        .expect(200);
    // Settings are an Atlas resource only; other methods are 405 with the rows' Allow.
    as_owner(
        &env,
        Req::new(Method::GET, format!("{PUBLIC}/orgs/{A}/settings")),
    )
    .await
    .expect_error(404, "RESOURCE_NOT_FOUND");
    let r = as_owner(&env, Req::new(Method::DELETE, &settings)).await;
    r.expect_error(405, "METHOD_NOT_ALLOWED");
    assert_eq!(r.header("allow"), Some("GET, PATCH"));
}

/// `GET /api/private/ipinfo` answers the caller's address, after authentication.
#[tokio::test]
async fn ip_info_answers_the_peer_address() {
    let env = seeded().await;
    let r = as_owner(&env, Req::new(Method::GET, "/api/private/ipinfo")).await;
    r.expect(200);
    assert_eq!(r.json(), json!({"currentIpv4Address": "127.0.0.1"}));
    assert_eq!(r.header("content-type"), Some(JSON_V1));
    env.send_raw(&Req::new(Method::GET, "/api/private/ipinfo"), None)
        .await
        .unwrap()
        .expect_error(401, "USER_UNAUTHORIZED");
    as_owner(&env, Req::new(Method::POST, "/api/private/ipinfo"))
        .await
        .expect_error(405, "METHOD_NOT_ALLOWED");
}

/// JSON carries `;charset=utf-8`; a 204 still names the media type; every error carries
/// `X-Error-Code`.
#[tokio::test]
async fn headers_as_the_service_sends_them() {
    let env = seeded().await;
    let r = as_owner(&env, Req::new(Method::GET, org_keys())).await;
    assert_eq!(r.header("content-type"), Some(JSON_V2));
    let r = as_owner(
        &env,
        Req::new(Method::GET, format!("{V1}/orgs/{A}/apiKeys")),
    )
    .await;
    assert_eq!(r.header("content-type"), Some(JSON_V1));
    for (prefix, media) in [(V2, ACCEPT_V2), (V1, "application/json")] {
        let path = format!("{prefix}/orgs/{A}/apiKeys/{LOCAL}/accessList/192.0.2.0%2F24");
        let r = as_owner(&env, Req::new(Method::DELETE, &path)).await;
        r.expect(204);
        assert!(r.body.is_empty());
        assert_eq!(r.header("content-type"), Some(media));
        as_owner(
            &env,
            Req::new(
                Method::POST,
                format!("{prefix}/orgs/{A}/apiKeys/{LOCAL}/accessList"),
            )
            .json(json!([{"cidrBlock": "192.0.2.0/24"}])),
        )
        .await
        .expect(200);
    }
    // Errors of every kind: 400, 401 (with the challenge), 403, 404, 405, 406.
    let cases = [
        as_owner(&env, Req::new(Method::GET, format!("{}/x", org_keys()))).await,
        env.send_raw(&Req::new(Method::GET, org_keys()), None)
            .await
            .unwrap(),
        as_key(
            &env,
            "fencedaa",
            "f-secret",
            Req::new(Method::GET, org_keys()),
        )
        .await,
        as_owner(&env, Req::new(Method::GET, format!("{V2}/nowhere"))).await,
        as_owner(&env, Req::new(Method::PUT, org_keys())).await,
        as_owner(&env, Req::new(Method::GET, org_keys()).no_header("accept")).await,
    ];
    for r in cases {
        assert!(r.status >= 400, "{}", r.status);
        assert_eq!(
            r.header("x-error-code"),
            Some(r.code().as_str()),
            "{}",
            r.status
        );
        assert_eq!(r.header("content-type"), Some(JSON_V1));
    }
}

/// One digest answer for `path` with nonce count `nc`.
fn answer_nc(p: &mut digest_auth::WwwAuthenticateHeader, path: &str, nc: u32) -> String {
    // `respond` counts up from the header's nc before hashing.
    p.nc = nc - 1;
    p.respond(&AuthContext {
        username: Cow::Borrowed("zzzowner"),
        password: Cow::Borrowed("owner-secret"),
        uri: Cow::Borrowed(path),
        body: None,
        method: HttpMethod::GET,
        cnonce: Some(Cow::Borrowed("fixed-cnonce")),
    })
    .unwrap()
    .to_header_string()
}

/// Strict nonce counting (Apache's `AuthDigestNcCheck On`): only the previous nc plus
/// one passes; anything else gets a new challenge, which a client answers to go on.
#[tokio::test]
async fn strict_nonce_count_mode() {
    let env = start_with(builder().strict_nonce_count(true)).await;
    let path = org_keys();
    let r = env
        .send_raw(&Req::new(Method::GET, &path), None)
        .await
        .unwrap();
    let mut p = digest_auth::parse(r.header("www-authenticate").unwrap()).unwrap();
    let send = |h: String| {
        let env = &env;
        let path = path.clone();
        async move {
            env.send_raw(&Req::new(Method::GET, &path), Some(&h))
                .await
                .unwrap()
        }
    };
    // Skipping ahead is refused with a fresh challenge (not stale).
    let r = send(answer_nc(&mut p, &path, 2)).await;
    r.expect_error(401, "USER_UNAUTHORIZED");
    assert!(
        r.header("www-authenticate")
            .unwrap()
            .contains("stale=false")
    );
    send(answer_nc(&mut p, &path, 1)).await.expect(200);
    send(answer_nc(&mut p, &path, 2)).await.expect(200);
    send(answer_nc(&mut p, &path, 2)).await.expect(401);
    send(answer_nc(&mut p, &path, 4)).await.expect(401);
    send(answer_nc(&mut p, &path, 3)).await.expect(200);

    // The default (RFC 7616) server only refuses reuse: a first nc of 5 is fine.
    let env = seeded().await;
    let r = env
        .send_raw(&Req::new(Method::GET, &path), None)
        .await
        .unwrap();
    let mut p = digest_auth::parse(r.header("www-authenticate").unwrap()).unwrap();
    env.send_raw(
        &Req::new(Method::GET, &path),
        Some(&answer_nc(&mut p, &path, 5)),
    )
    .await
    .unwrap()
    .expect(200);
}

/// The binary's flags for the digest and header knobs.
#[test]
fn cli_flags_for_digest_and_headers() {
    let args = EmulatorArgs::try_parse_from([
        "atlas-keys-emulator",
        "--nonce-ttl",
        "60",
        "--digest-algorithms",
        "md5,sha-256",
        "--strict-nonce-count",
        "--no-rate-limit-headers",
        "--max-live-tokens",
        "7",
    ])
    .unwrap();
    assert_eq!(args.nonce_ttl, 60);
    assert_eq!(
        args.digest_algorithms,
        [DigestAlgorithm::Md5, DigestAlgorithm::Sha256]
    );
    assert!(args.strict_nonce_count && args.no_rate_limit_headers);
    assert_eq!(args.max_live_tokens, 7);
    let defaults = EmulatorArgs::try_parse_from(["atlas-keys-emulator"]).unwrap();
    assert_eq!(defaults.digest_algorithms, [DigestAlgorithm::Md5]);
    assert_eq!(defaults.nonce_ttl, 300);
    assert!(!defaults.strict_nonce_count && !defaults.no_rate_limit_headers);
    assert_eq!(defaults.max_live_tokens, 100);
    // The older flag name still works.
    let old = EmulatorArgs::try_parse_from(["x", "--nonce-lifetime", "5"]).unwrap();
    assert_eq!(old.nonce_ttl, 5);
    assert!(EmulatorArgs::try_parse_from(["x", "--digest-algorithms", "sha-512"]).is_err());
}

/// Org settings have their own bucket (10, refill 5 per minute); a 429 names the full
/// path and the docs.
#[tokio::test]
async fn org_settings_rate_limit() {
    let env = start_with(Emulator::builder().seed(seed())).await;
    let settings = format!("{V2}/orgs/{A}/settings");
    for remaining in (0..10).rev() {
        let r = as_owner(&env, Req::new(Method::GET, &settings)).await;
        r.expect(200);
        assert_eq!(r.header("ratelimit-limit"), Some("10"));
        assert_eq!(
            r.header("ratelimit-remaining"),
            Some(remaining.to_string().as_str())
        );
    }
    let r = as_owner(&env, Req::new(Method::GET, &settings)).await;
    let v = r.expect_error(429, "RATE_LIMITED_TOKEN_BUCKET");
    assert!(r.header("retry-after").is_some());
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(&format!("Rate limit exceeded for {settings}.")),
        "{detail}"
    );
    assert!(
        detail.ends_with(
            "For more information, see: http://dochub.mongodb.org/core/atlas-api-rate-limit."
        ),
        "{detail}"
    );
    assert_eq!(v["parameters"][0], settings.as_str());
    assert_eq!(v["parameters"][2], 10);
    assert_eq!(v["parameters"][3], 5);
    // The org's key bucket is separate and has the documented size.
    let r = as_owner(&env, Req::new(Method::GET, org_keys())).await;
    r.expect(200);
    assert_eq!(r.header("ratelimit-limit"), Some("500"));
    let r = as_owner(
        &env,
        Req::new(Method::GET, format!("{V2}/groups/{P}/apiKeys")),
    )
    .await;
    assert_eq!(r.header("ratelimit-limit"), Some("1200"));
}

async fn new_token(env: &Env) -> Res {
    env.oauth(
        "/api/oauth/token",
        env.emu.client_id(),
        env.emu.client_secret(),
        "grant_type=client_credentials",
    )
    .await
}

/// The token endpoint allows 10 requests per minute per client and address.
#[tokio::test]
async fn token_endpoint_rate_limit() {
    let env = start_with(Emulator::builder()).await;
    for _ in 0..10 {
        new_token(&env).await.expect(200);
    }
    let r = new_token(&env).await;
    r.expect(429);
    assert!(r.header("retry-after").is_some());
    let v = r.json();
    assert_eq!(v["errorCode"], "RATE_LIMITED");
    assert_eq!(v["error"], "rate_limited");
    assert_eq!(v["parameters"], json!(["/api/oauth/token", 10, 1]));
    assert_eq!(
        v["error_description"],
        "Resource /api/oauth/token is limited to 10 requests every 1 minutes."
    );
}

/// At most `max_live_tokens` (100 by default) live tokens per service account; a revoked
/// token frees its place.
#[tokio::test]
async fn live_token_cap() {
    let env = start_with(Emulator::builder().rate_limit(RateLimitConfig::Off)).await;
    let mut tokens = Vec::new();
    for _ in 0..100 {
        let r = new_token(&env).await;
        r.expect(200);
        tokens.push(r.json()["access_token"].as_str().unwrap().to_owned());
    }
    let r = new_token(&env).await;
    r.expect(403);
    assert_eq!(
        r.json(),
        json!({"error": "access_denied", "error_description": "Access Token limit reached"})
    );
    env.oauth(
        "/api/oauth/revoke",
        env.emu.client_id(),
        env.emu.client_secret(),
        &format!("token={}&token_type_hint=access_token", tokens[0]),
    )
    .await
    .expect(200);
    new_token(&env).await.expect(200);

    let env = start_with(
        Emulator::builder()
            .rate_limit(RateLimitConfig::Off)
            .max_live_tokens(2),
    )
    .await;
    new_token(&env).await.expect(200);
    new_token(&env).await.expect(200);
    new_token(&env).await.expect(403);
}

/// `rate_limit_headers(false)` leaves RateLimit-* out, as the service may.
#[tokio::test]
async fn rate_limit_headers_can_be_left_out() {
    let env = start_with(builder().rate_limit_headers(false)).await;
    for r in [
        as_owner(&env, Req::new(Method::GET, org_keys())).await,
        env.send_raw(&Req::new(Method::GET, org_keys()), None)
            .await
            .unwrap(),
    ] {
        assert!(r.header("ratelimit-limit").is_none(), "{}", r.status);
        assert!(r.header("ratelimit-remaining").is_none());
    }
    let env = seeded().await;
    let r = as_owner(&env, Req::new(Method::GET, org_keys())).await;
    assert!(r.header("ratelimit-limit").is_some());
}

/// A short nonce TTL makes the server answer `stale=true`; the builder name matches the
/// `--nonce-ttl` flag.
#[tokio::test]
async fn nonce_ttl_marks_old_nonces_stale() {
    let env = start_with(builder().nonce_ttl(Duration::from_secs(1))).await;
    let path = org_keys();
    let r = env
        .send_raw(&Req::new(Method::GET, &path), None)
        .await
        .unwrap();
    let mut p = digest_auth::parse(r.header("www-authenticate").unwrap()).unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = env
        .send_raw(
            &Req::new(Method::GET, &path),
            Some(&answer_nc(&mut p, &path, 1)),
        )
        .await
        .unwrap();
    r.expect_error(401, "USER_UNAUTHORIZED");
    assert!(r.header("www-authenticate").unwrap().contains("stale=true"));
}
