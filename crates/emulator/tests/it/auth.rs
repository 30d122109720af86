//! Digest and OAuth authentication, role rules and access lists.

use std::borrow::Cow;
use std::time::Duration;

use crate::common::*;
use atlas_keys_emulator::{DigestAlgorithm, Emulator, RateLimitConfig, Seed};
use digest_auth::{AlgorithmType, AuthContext, HttpMethod};
use http::Method;
use serde_json::json;

const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaa";
const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbb";
const P: &str = "cccccccccccccccccccccccc";
const Q: &str = "dddddddddddddddddddddddd";

fn seed() -> Seed {
    Seed::from_json(&format!(
        r#"{{
  "orgs": [{{"id": "{A}"}}, {{"id": "{B}"}}],
  "projects": [{{"id": "{P}", "orgId": "{A}"}}, {{"id": "{Q}", "orgId": "{A}"}}],
  "apiKeys": [
    {{"publicKey": "owneraaa", "privateKey": "owner-secret", "roles": [{{"orgId": "{A}", "roleName": "ORG_OWNER"}}]}},
    {{"publicKey": "memberaa", "privateKey": "member-secret", "roles": [{{"orgId": "{A}", "roleName": "ORG_MEMBER"}}]}},
    {{"publicKey": "readonly", "privateKey": "ro-secret", "roles": [{{"orgId": "{A}", "roleName": "ORG_MEMBER"}}, {{"groupId": "{P}", "roleName": "GROUP_READ_ONLY"}}]}},
    {{"publicKey": "projownr", "privateKey": "po-secret", "roles": [{{"orgId": "{A}", "roleName": "ORG_MEMBER"}}, {{"groupId": "{P}", "roleName": "GROUP_OWNER"}}]}},
    {{"orgId": "{B}", "publicKey": "ownerbbb", "privateKey": "b-secret", "roles": [{{"orgId": "{B}", "roleName": "ORG_OWNER"}}]}},
    {{"publicKey": "fencedaa", "privateKey": "f-secret", "roles": [{{"orgId": "{A}", "roleName": "ORG_OWNER"}}], "accessList": ["10.0.0.0/8"]}},
    {{"id": "eeeeeeeeeeeeeeeeeeeeeeee", "publicKey": "locallyy", "privateKey": "l-secret", "roles": [{{"orgId": "{A}", "roleName": "ORG_OWNER"}}], "accessList": ["127.0.0.1", "192.0.2.0/24"]}}
  ],
  "serviceAccounts": [
    {{"clientId": "sa_member", "clientSecret": "sa-secret", "roles": [{{"orgId": "{A}", "roleName": "ORG_MEMBER"}}, {{"groupId": "{Q}", "roleName": "GROUP_OWNER"}}]}}
  ]
}}"#
    ))
    .unwrap()
}

async fn seeded() -> Env {
    start_with(
        Emulator::builder()
            .seed(seed())
            .rate_limit(RateLimitConfig::Off),
    )
    .await
}

/// Like `seeded`, with challenges that offer SHA-256 beside MD5 (an opt-in since the
/// service offers MD5 only).
async fn seeded_with_sha256() -> Env {
    start_with(
        Emulator::builder()
            .seed(seed())
            .rate_limit(RateLimitConfig::Off)
            .digest_algorithms(&[DigestAlgorithm::Md5, DigestAlgorithm::Sha256]),
    )
    .await
}

fn org_keys(org: &str) -> String {
    format!("{V2}/orgs/{org}/apiKeys")
}

async fn as_key(env: &Env, user: &str, pass: &str, req: Req) -> Res {
    // A fresh Env-level prompt per identity would be nicer; clearing it keeps it simple.
    *env.prompt.lock().unwrap() = None;
    env.send(req.digest(user, pass)).await
}

#[tokio::test]
async fn challenge_shape() {
    let env = seeded().await;
    let r = env
        .send_raw(&Req::new(Method::GET, org_keys(A)), None)
        .await
        .unwrap();
    r.expect_error(401, "USER_UNAUTHORIZED");
    let challenges: Vec<&str> = r
        .headers
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    // MD5 only, as the service offers (NOTES (j)).
    assert_eq!(challenges.len(), 1);
    assert!(
        challenges[0].starts_with("Digest realm=\"MMS Public API\", domain=\"\", nonce=\""),
        "{}",
        challenges[0]
    );
    assert!(
        challenges[0].ends_with("algorithm=MD5, qop=\"auth\", stale=false"),
        "{}",
        challenges[0]
    );
    assert!(r.header("ratelimit-limit").is_some() && r.header("ratelimit-remaining").is_some());
    assert_eq!(env.stats().await["challenges"], 1);

    // SHA-256 is offered second when asked for.
    let env = seeded_with_sha256().await;
    let r = env
        .send_raw(&Req::new(Method::GET, org_keys(A)), None)
        .await
        .unwrap();
    let challenges: Vec<&str> = r
        .headers
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(challenges.len(), 2);
    assert!(challenges[0].contains("algorithm=MD5"));
    assert!(challenges[1].contains("algorithm=SHA-256"));
}

async fn challenge(env: &Env, path: &str) -> digest_auth::WwwAuthenticateHeader {
    let r = env
        .send_raw(&Req::new(Method::GET, path), None)
        .await
        .unwrap();
    digest_auth::parse(r.header("www-authenticate").unwrap()).unwrap()
}

fn ctx<'a>(user: &'a str, pass: &'a str, uri: &'a str) -> AuthContext<'a> {
    AuthContext {
        username: Cow::Borrowed(user),
        password: Cow::Borrowed(pass),
        uri: Cow::Borrowed(uri),
        body: None,
        method: HttpMethod::GET,
        cnonce: None,
    }
}

#[tokio::test]
async fn digest_algorithms_and_nonce_reuse() {
    // SHA-256 answers need the opt-in; by default they are refused (see below).
    let env = seeded_with_sha256().await;
    let path = format!("{}?pageNum=1", org_keys(A));
    for (algo, sess) in [
        (AlgorithmType::MD5, false),
        (AlgorithmType::MD5, true),
        (AlgorithmType::SHA2_256, false),
        (AlgorithmType::SHA2_256, true),
    ] {
        let mut p = challenge(&env, &path).await;
        p.algorithm = digest_auth::Algorithm::new(algo, sess);
        // nc above 1 on a fresh nonce is fine.
        p.nc = 6;
        for _ in 0..3 {
            let h = p
                .respond(&ctx("owneraaa", "owner-secret", &path))
                .unwrap()
                .to_header_string();
            env.send_raw(&Req::new(Method::GET, &path), Some(&h))
                .await
                .unwrap()
                .expect(200);
        }
    }
    // Unquoted algorithm and quoted qop variants are both accepted.
    let mut p = challenge(&env, &path).await;
    let h = p
        .respond(&ctx("owneraaa", "owner-secret", &path))
        .unwrap()
        .to_header_string();
    let variant = h
        .replace("algorithm=MD5", "algorithm=\"MD5\"")
        .replace("qop=auth", "qop=\"auth\"");
    env.send_raw(&Req::new(Method::GET, &path), Some(&variant))
        .await
        .unwrap()
        .expect(200);

    // Without the opt-in, a SHA-256 answer (even to an MD5 challenge) is refused.
    let env = seeded().await;
    for sess in [false, true] {
        let mut p = challenge(&env, &path).await;
        p.algorithm = digest_auth::Algorithm::new(AlgorithmType::SHA2_256, sess);
        let h = p
            .respond(&ctx("owneraaa", "owner-secret", &path))
            .unwrap()
            .to_header_string();
        env.send_raw(&Req::new(Method::GET, &path), Some(&h))
            .await
            .unwrap()
            .expect_error(401, "USER_UNAUTHORIZED");
    }
}

#[tokio::test]
async fn digest_rejections() {
    let env = seeded().await;
    let path = org_keys(A);
    let mut p = challenge(&env, &path).await;

    // Wrong password.
    let h = p
        .respond(&ctx("owneraaa", "wrong", &path))
        .unwrap()
        .to_header_string();
    env.send_raw(&Req::new(Method::GET, &path), Some(&h))
        .await
        .unwrap()
        .expect_error(401, "USER_UNAUTHORIZED");
    // Unknown user.
    let h = p
        .respond(&ctx("nobodyxx", "owner-secret", &path))
        .unwrap()
        .to_header_string();
    env.send_raw(&Req::new(Method::GET, &path), Some(&h))
        .await
        .unwrap()
        .expect(401);

    // Replay: the same header twice.
    let h = p
        .respond(&ctx("owneraaa", "owner-secret", &path))
        .unwrap()
        .to_header_string();
    env.send_raw(&Req::new(Method::GET, &path), Some(&h))
        .await
        .unwrap()
        .expect(200);
    let r = env
        .send_raw(&Req::new(Method::GET, &path), Some(&h))
        .await
        .unwrap();
    r.expect(401);
    assert!(
        r.header("www-authenticate")
            .unwrap()
            .contains("stale=false")
    );

    // A uri that is not the request target (hashed consistently, but for another path).
    let other = format!("{path}?pageNum=2");
    let h = p
        .respond(&ctx("owneraaa", "owner-secret", &other))
        .unwrap()
        .to_header_string();
    env.send_raw(&Req::new(Method::GET, &path), Some(&h))
        .await
        .unwrap()
        .expect(401);

    // A forged nonce.
    let mut forged = p.clone();
    forged.nonce = "AAAAAGsC_F5BM8QbwJTpLBLZDk9je2XrcOqg6EUSg6U".to_owned();
    let h = forged
        .respond(&ctx("owneraaa", "owner-secret", &path))
        .unwrap()
        .to_header_string();
    env.send_raw(&Req::new(Method::GET, &path), Some(&h))
        .await
        .unwrap()
        .expect(401);

    // No qop (RFC 2069) is refused: replays could not be detected.
    let mut legacy = p.clone();
    legacy.qop = None;
    let h = legacy
        .respond(&ctx("owneraaa", "owner-secret", &path))
        .unwrap()
        .to_header_string();
    env.send_raw(&Req::new(Method::GET, &path), Some(&h))
        .await
        .unwrap()
        .expect(401);

    // Garbage headers.
    for g in [
        "Digest",
        "Digest username=",
        "Basic b3duZXJhYWE6b3duZXItc2VjcmV0",
        "Negotiate abc",
        "Digest a=\"b",
    ] {
        let r = env
            .send_raw(&Req::new(Method::GET, &path), Some(g))
            .await
            .unwrap();
        r.expect(401);
    }
}

#[tokio::test]
async fn expired_nonce_is_stale() {
    let env = start_with(
        Emulator::builder()
            .seed(seed())
            .nonce_lifetime(Duration::from_secs(1)),
    )
    .await;
    let path = org_keys(A);
    let mut p = challenge(&env, &path).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let h = p
        .respond(&ctx("owneraaa", "owner-secret", &path))
        .unwrap()
        .to_header_string();
    let r = env
        .send_raw(&Req::new(Method::GET, &path), Some(&h))
        .await
        .unwrap();
    r.expect_error(401, "USER_UNAUTHORIZED");
    assert!(r.header("www-authenticate").unwrap().contains("stale=true"));
    // A wrong password on a stale nonce is not "stale".
    let h = p
        .respond(&ctx("owneraaa", "bad", &path))
        .unwrap()
        .to_header_string();
    let r = env
        .send_raw(&Req::new(Method::GET, &path), Some(&h))
        .await
        .unwrap();
    assert!(
        r.header("www-authenticate")
            .unwrap()
            .contains("stale=false")
    );
}

#[tokio::test]
async fn oauth_tokens() {
    let env = start_with(
        Emulator::builder()
            .seed(seed())
            .token_ttl(Duration::from_secs(1)),
    )
    .await;
    let r = env
        .oauth(
            "/api/oauth/token",
            env.emu.client_id(),
            env.emu.client_secret(),
            "grant_type=client_credentials",
        )
        .await;
    r.expect(200);
    let v = r.json();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 1);
    let token = v["access_token"].as_str().unwrap().to_owned();
    env.send(Req::new(Method::GET, org_keys(A)).bearer(&token))
        .await
        .expect(200);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    env.send(Req::new(Method::GET, org_keys(A)).bearer(&token))
        .await
        .expect_error(401, "USER_UNAUTHORIZED");

    let r = env
        .oauth(
            "/api/oauth/token",
            env.emu.client_id(),
            "wrong",
            "grant_type=client_credentials",
        )
        .await;
    r.expect(401);
    assert_eq!(r.json()["error"], "invalid_client");
    let r = env
        .oauth(
            "/api/oauth/token",
            env.emu.client_id(),
            env.emu.client_secret(),
            "grant_type=password",
        )
        .await;
    r.expect(400);
    assert_eq!(r.json()["error"], "unsupported_grant_type");
    let r = env
        .oauth(
            "/api/oauth/token",
            env.emu.client_id(),
            env.emu.client_secret(),
            "",
        )
        .await;
    assert_eq!(r.json()["error"], "invalid_request");
    assert_eq!(env.stats().await["tokensIssued"], 1);
}

#[tokio::test]
async fn oauth_revoke() {
    let env = seeded().await;
    let token = env.token().await;
    env.send(Req::new(Method::GET, org_keys(A)).bearer(&token))
        .await
        .expect(200);
    let r = env
        .oauth(
            "/api/oauth/revoke",
            env.emu.client_id(),
            env.emu.client_secret(),
            &format!("token={token}&token_type_hint=access_token"),
        )
        .await;
    r.expect(200);
    env.send(Req::new(Method::GET, org_keys(A)).bearer(&token))
        .await
        .expect(401);
    env.send(Req::new(Method::GET, org_keys(A)).bearer("made-up"))
        .await
        .expect(401);
    // Revoking an unknown token is fine (RFC 7009).
    env.oauth(
        "/api/oauth/revoke",
        env.emu.client_id(),
        env.emu.client_secret(),
        "token=nope",
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn org_role_rules() {
    let env = seeded().await;
    let body = json!({"desc": "x", "roles": ["ORG_MEMBER"]});
    // Member reads, cannot write.
    as_key(
        &env,
        "memberaa",
        "member-secret",
        Req::new(Method::GET, org_keys(A)),
    )
    .await
    .expect(200);
    as_key(
        &env,
        "memberaa",
        "member-secret",
        Req::new(Method::POST, org_keys(A)).json(body.clone()),
    )
    .await
    .expect_error(401, "NOT_ORG_OWNER");
    // A key of another org.
    as_key(
        &env,
        "ownerbbb",
        "b-secret",
        Req::new(Method::GET, org_keys(A)),
    )
    .await
    .expect_error(401, "USER_CANNOT_ACCESS_ORG");
    as_key(
        &env,
        "ownerbbb",
        "b-secret",
        Req::new(Method::GET, format!("{V2}/groups/{P}/apiKeys")),
    )
    .await
    .expect_error(401, "USER_CANNOT_ACCESS_GROUP");
    as_key(
        &env,
        "ownerbbb",
        "b-secret",
        Req::new(Method::POST, org_keys(B)).json(body.clone()),
    )
    .await
    .expect(200);
    // Owner writes.
    as_key(
        &env,
        "owneraaa",
        "owner-secret",
        Req::new(Method::POST, org_keys(A)).json(body),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn project_role_rules() {
    let env = seeded().await;
    let body = json!({"desc": "x", "roles": ["GROUP_READ_ONLY"]});
    let p_keys = format!("{V2}/groups/{P}/apiKeys");
    let q_keys = format!("{V2}/groups/{Q}/apiKeys");
    as_key(
        &env,
        "readonly",
        "ro-secret",
        Req::new(Method::GET, &p_keys),
    )
    .await
    .expect(200);
    as_key(
        &env,
        "readonly",
        "ro-secret",
        Req::new(Method::POST, &p_keys).json(body.clone()),
    )
    .await
    .expect_error(401, "USER_UNAUTHORIZED");
    as_key(
        &env,
        "readonly",
        "ro-secret",
        Req::new(Method::GET, &q_keys),
    )
    .await
    .expect_error(401, "NOT_IN_GROUP");
    as_key(
        &env,
        "memberaa",
        "member-secret",
        Req::new(Method::GET, &p_keys),
    )
    .await
    .expect_error(401, "NOT_IN_GROUP");
    let r = as_key(
        &env,
        "projownr",
        "po-secret",
        Req::new(Method::POST, &p_keys).json(body.clone()),
    )
    .await;
    r.expect(200);
    let new_id = r.json()["id"].as_str().unwrap().to_owned();
    as_key(
        &env,
        "projownr",
        "po-secret",
        Req::new(Method::DELETE, format!("{p_keys}/{new_id}")),
    )
    .await
    .expect(204);
    as_key(
        &env,
        "projownr",
        "po-secret",
        Req::new(Method::POST, format!("{p_keys}/{new_id}"))
            .json(json!([{"roles": ["GROUP_OWNER"]}])),
    )
    .await
    .expect(204);
    as_key(
        &env,
        "projownr",
        "po-secret",
        Req::new(Method::POST, &q_keys).json(body.clone()),
    )
    .await
    .expect_error(401, "NOT_IN_GROUP");
    // The project owner is not an org owner.
    as_key(
        &env,
        "projownr",
        "po-secret",
        Req::new(Method::DELETE, format!("{}/{new_id}", org_keys(A))),
    )
    .await
    .expect_error(401, "NOT_ORG_OWNER");
    // An org owner acts as owner of every project in the org.
    as_key(
        &env,
        "owneraaa",
        "owner-secret",
        Req::new(Method::POST, &q_keys).json(body.clone()),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn service_accounts_hold_roles() {
    let env = seeded().await;
    let r = env
        .oauth(
            "/api/oauth/token",
            "sa_member",
            "sa-secret",
            "grant_type=client_credentials",
        )
        .await;
    let token = r.json()["access_token"].as_str().unwrap().to_owned();
    let body = json!({"desc": "x", "roles": ["GROUP_READ_ONLY"]});
    env.send(Req::new(Method::GET, org_keys(A)).bearer(&token))
        .await
        .expect(200);
    env.send(
        Req::new(Method::POST, org_keys(A))
            .json(json!({"desc": "x", "roles": ["ORG_MEMBER"]}))
            .bearer(&token),
    )
    .await
    .expect_error(401, "NOT_ORG_OWNER");
    env.send(
        Req::new(Method::POST, format!("{V2}/groups/{Q}/apiKeys"))
            .json(body.clone())
            .bearer(&token),
    )
    .await
    .expect(200);
    env.send(
        Req::new(Method::POST, format!("{V2}/groups/{P}/apiKeys"))
            .json(body)
            .bearer(&token),
    )
    .await
    .expect_error(401, "NOT_IN_GROUP");
    env.send(Req::new(Method::GET, org_keys(B)).bearer(&token))
        .await
        .expect_error(401, "USER_CANNOT_ACCESS_ORG");
    // The default owner service account can write.
    let owner = env.token().await;
    env.send(
        Req::new(Method::POST, org_keys(A))
            .json(json!({"desc": "x", "roles": ["ORG_MEMBER"]}))
            .bearer(&owner),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn access_lists_are_enforced() {
    let env = seeded().await;
    as_key(
        &env,
        "fencedaa",
        "f-secret",
        Req::new(Method::GET, org_keys(A)),
    )
    .await
    .expect_error(403, "IP_ADDRESS_NOT_ON_ACCESS_LIST");
    as_key(
        &env,
        "locallyy",
        "l-secret",
        Req::new(Method::GET, org_keys(A)),
    )
    .await
    .expect(200);
    let al = format!("{}/eeeeeeeeeeeeeeeeeeeeeeee/accessList", org_keys(A));
    as_key(
        &env,
        "locallyy",
        "l-secret",
        Req::new(Method::DELETE, format!("{al}/127.0.0.1")),
    )
    .await
    .expect_error(400, "CANNOT_REMOVE_CALLER_FROM_ACCESS_LIST");
    // Another key may remove it; and the key may remove entries that do not cover it.
    as_key(
        &env,
        "locallyy",
        "l-secret",
        Req::new(Method::DELETE, format!("{al}/192.0.2.0%2F24")),
    )
    .await
    .expect(204);
    as_key(
        &env,
        "owneraaa",
        "owner-secret",
        Req::new(Method::DELETE, format!("{al}/127.0.0.1")),
    )
    .await
    .expect(204);
    // With an empty list the key works from anywhere.
    as_key(
        &env,
        "locallyy",
        "l-secret",
        Req::new(Method::GET, org_keys(A)),
    )
    .await
    .expect(200);
}
