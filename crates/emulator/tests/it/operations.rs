//! Every operation under every prefix, with the wire details the service has.

use crate::common::*;
use http::Method;
use serde_json::{Value, json};

fn is_hex24(s: &str) -> bool {
    s.len() == 24
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn has_role(key: &Value, scope: &str, id: &str, role: &str) -> bool {
    key["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r[scope] == id && r["roleName"] == role)
}

async fn scenario(env: &Env, prefix: &str) {
    let org = env.emu.org_id().to_owned();
    let group = env.emu.project_id().to_owned();
    let base = env.emu.base_url().to_owned();
    let atlas = prefix != PUBLIC;

    // 2: create an org key.
    let r = env
        .post(
            &format!("{prefix}/orgs/{org}/apiKeys"),
            json!({"desc": "ops", "roles": ["ORG_MEMBER"]}),
        )
        .await;
    r.expect(200);
    // JSON names its charset, as the service's does (NOTES (j)).
    if prefix == V2 {
        assert_eq!(r.header("content-type"), Some(JSON_V2));
    } else {
        assert_eq!(r.header("content-type"), Some(JSON_V1));
    }
    let created = r.json();
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(is_hex24(&id));
    let public = created["publicKey"].as_str().unwrap();
    assert!(public.len() == 8 && public.bytes().all(|b| b.is_ascii_lowercase()));
    let private = created["privateKey"].as_str().unwrap().to_owned();
    assert_eq!(private.len(), 36);
    assert_eq!(&private[14..15], "4", "UUID v4: {private}");
    assert_eq!(created["links"][0]["rel"], "self");
    assert_eq!(
        created["links"][0]["href"],
        format!("{base}{prefix}/orgs/{org}/apiKeys/{id}")
    );
    assert!(has_role(&created, "orgId", &org, "ORG_MEMBER"));
    let redacted = format!("********-****-****-{}", &private[24..]);

    // 3: get (redacted).
    let r = env.get(&format!("{prefix}/orgs/{org}/apiKeys/{id}")).await;
    r.expect(200);
    assert_eq!(r.json()["privateKey"], redacted);
    assert_eq!(r.json()["desc"], "ops");

    // 1: list contains it, redacted, sorted by public key (as the service sorts).
    let r = env.get(&format!("{prefix}/orgs/{org}/apiKeys")).await;
    r.expect(200);
    let list = r.json();
    let ids: Vec<&str> = list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&id.as_str()));
    let publics: Vec<&str> = list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["publicKey"].as_str().unwrap())
        .collect();
    assert!(publics.windows(2).all(|w| w[0] < w[1]), "{publics:?}");
    assert!(list["results"].as_array().unwrap().iter().all(|k| {
        k["privateKey"]
            .as_str()
            .unwrap()
            .starts_with("********-****-****-")
    }));
    assert_eq!(list["totalCount"], ids.len());

    // 4: update desc and roles.
    let r = env
        .patch(
            &format!("{prefix}/orgs/{org}/apiKeys/{id}"),
            json!({"desc": "ops2", "roles": ["ORG_READ_ONLY"]}),
        )
        .await;
    r.expect(200);
    let updated = r.json();
    assert_eq!(updated["desc"], "ops2");
    assert_eq!(updated["privateKey"], redacted);
    assert!(
        has_role(&updated, "orgId", &org, "ORG_READ_ONLY")
            && !has_role(&updated, "orgId", &org, "ORG_MEMBER")
    );

    // 7, 6, 8, 9: access list.
    let al = format!("{prefix}/orgs/{org}/apiKeys/{id}/accessList");
    let r = env
        .post(
            &al,
            json!([{"ipAddress": "192.0.2.10"}, {"cidrBlock": "198.51.100.0/24"}]),
        )
        .await;
    r.expect(200);
    assert_eq!(r.json()["totalCount"], 2);
    let r = env.get(&al).await;
    r.expect(200);
    let entries = r.json();
    assert_eq!(entries["results"][0]["ipAddress"], "192.0.2.10");
    assert_eq!(entries["results"][1]["cidrBlock"], "198.51.100.0/24");
    let r = env.get(&format!("{al}/198.51.100.0%2F24")).await;
    r.expect(200);
    assert_eq!(r.json()["cidrBlock"], "198.51.100.0/24");
    env.get(&format!("{al}/192.0.2.10%2F32")).await.expect(200);
    env.delete(&format!("{al}/192.0.2.10")).await.expect(204);
    env.get(&format!("{al}/192.0.2.10"))
        .await
        .expect_error(404, "API_KEY_ACCESS_LIST_ENTRY_NOT_FOUND");
    env.delete(&format!("{al}/198.51.100.0%2F24"))
        .await
        .expect(204);
    let r = env.get(&al).await;
    assert_eq!(r.json()["results"], json!([]));

    // 11: create in project: ORG_MEMBER + the project role, full private key.
    let r = env
        .post(
            &format!("{prefix}/groups/{group}/apiKeys"),
            json!({"desc": "proj", "roles": ["GROUP_READ_ONLY"]}),
        )
        .await;
    r.expect(200);
    let pkey = r.json();
    let pid = pkey["id"].as_str().unwrap().to_owned();
    assert_eq!(pkey["privateKey"].as_str().unwrap().len(), 36);
    assert!(has_role(&pkey, "orgId", &org, "ORG_MEMBER"));
    assert!(has_role(&pkey, "groupId", &group, "GROUP_READ_ONLY"));

    // 10: list project keys.
    let r = env.get(&format!("{prefix}/groups/{group}/apiKeys")).await;
    r.expect(200);
    let ids: Vec<String> = r.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(ids.contains(&pid) && !ids.contains(&id));

    // 12 (Atlas: POST) or PATCH (Cloud Manager): assign the org key.
    let one = format!("{prefix}/groups/{group}/apiKeys/{id}");
    if atlas {
        env.post(&one, json!([{"roles": ["GROUP_OWNER"]}]))
            .await
            .expect(204);
    } else {
        env.owner(Req::new(Method::POST, &one).json(json!([{"roles": ["GROUP_OWNER"]}])))
            .await
            .expect(405);
        env.patch(&one, json!({"roles": ["GROUP_OWNER"]}))
            .await
            .expect(200);
    }
    let r = env.get(&format!("{prefix}/orgs/{org}/apiKeys/{id}")).await;
    assert!(has_role(&r.json(), "groupId", &group, "GROUP_OWNER"));

    // 13: replace the roles in the project.
    let r = env
        .patch(
            &one,
            json!({"roles": ["GROUP_DATA_ACCESS_READ_ONLY", "GROUP_READ_ONLY"]}),
        )
        .await;
    r.expect(200);
    let k = r.json();
    assert!(!has_role(&k, "groupId", &group, "GROUP_OWNER"));
    assert!(has_role(&k, "groupId", &group, "GROUP_READ_ONLY"));
    assert!(k["privateKey"].as_str().unwrap().starts_with("********"));

    // 14: unassign; the key stays in the org.
    let r = env.delete(&one).await;
    if atlas {
        r.expect(204);
    } else {
        r.expect(200);
    }
    assert!(r.body.is_empty());
    let r = env.get(&format!("{prefix}/orgs/{org}/apiKeys/{id}")).await;
    r.expect(200);
    assert!(
        !r.json()["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["groupId"] == group.as_str())
    );
    env.delete(&one)
        .await
        .expect_error(404, "API_KEY_NOT_FOUND");

    // 5: deleting an org key removes it from every project.
    env.delete(&format!("{prefix}/orgs/{org}/apiKeys/{pid}"))
        .await
        .expect(204);
    let r = env.get(&format!("{prefix}/groups/{group}/apiKeys")).await;
    assert!(
        !r.json()["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["id"] == pid.as_str())
    );
    // A key that no longer exists is an unknown key id: 400 on the service.
    env.get(&format!("{prefix}/orgs/{org}/apiKeys/{pid}"))
        .await
        .expect_error(400, "API_KEY_NOT_FOUND");
    env.delete(&format!("{prefix}/orgs/{org}/apiKeys/{id}"))
        .await
        .expect(204);
}

#[tokio::test]
async fn all_operations_on_atlas_v2() {
    let env = start().await;
    scenario(&env, V2).await;
}

#[tokio::test]
async fn all_operations_on_atlas_v1() {
    let env = start().await;
    scenario(&env, V1).await;
}

#[tokio::test]
async fn all_operations_on_cloud_manager() {
    let env = start().await;
    scenario(&env, PUBLIC).await;
}

#[tokio::test]
async fn cloud_manager_create_in_project_accepts_desc_or_roles() {
    let env = start().await;
    let g = env.emu.project_id().to_owned();
    env.post(
        &format!("{PUBLIC}/groups/{g}/apiKeys"),
        json!({"desc": "only desc"}),
    )
    .await
    .expect(200);
    env.post(
        &format!("{PUBLIC}/groups/{g}/apiKeys"),
        json!({"roles": ["GROUP_AUTOMATION_ADMIN"]}),
    )
    .await
    .expect(200);
    env.post(&format!("{PUBLIC}/groups/{g}/apiKeys"), json!({}))
        .await
        .expect_error(400, "MISSING_ONE_OF_ATTRIBUTES");
    // Atlas requires both.
    env.post(
        &format!("{V2}/groups/{g}/apiKeys"),
        json!({"desc": "only desc"}),
    )
    .await
    .expect_error(400, "MISSING_ATTRIBUTE");
    env.post(
        &format!("{V1}/groups/{g}/apiKeys"),
        json!({"roles": ["GROUP_OWNER"]}),
    )
    .await
    .expect_error(400, "MISSING_ATTRIBUTE");
}

#[tokio::test]
async fn role_sets_follow_the_flavour() {
    let env = start().await;
    let (o, g) = (env.emu.org_id().to_owned(), env.emu.project_id().to_owned());
    env.post(
        &format!("{V2}/groups/{g}/apiKeys"),
        json!({"desc": "d", "roles": ["GROUP_AUTOMATION_ADMIN"]}),
    )
    .await
    .expect_error(400, "INVALID_ROLE_FOR_GROUP");
    env.post(
        &format!("{V2}/groups/{g}/apiKeys"),
        json!({"desc": "d", "roles": ["GROUP_SEARCH_INDEX_EDITOR"]}),
    )
    .await
    .expect(200);
    env.post(
        &format!("{PUBLIC}/groups/{g}/apiKeys"),
        json!({"desc": "d", "roles": ["GROUP_SEARCH_INDEX_EDITOR"]}),
    )
    .await
    .expect_error(400, "INVALID_ROLE_FOR_GROUP");
    env.post(
        &format!("{V2}/orgs/{o}/apiKeys"),
        json!({"desc": "d", "roles": ["ORG_STREAM_PROCESSING_ADMIN"]}),
    )
    .await
    .expect(200);
    env.post(
        &format!("{PUBLIC}/orgs/{o}/apiKeys"),
        json!({"desc": "d", "roles": ["ORG_STREAM_PROCESSING_ADMIN"]}),
    )
    .await
    .expect_error(400, "INVALID_ROLE_FOR_ORG");
    env.post(
        &format!("{V2}/orgs/{o}/apiKeys"),
        json!({"desc": "d", "roles": ["GROUP_OWNER"]}),
    )
    .await
    .expect_error(400, "INVALID_ROLE_FOR_ORG");
    env.post(
        &format!("{V2}/groups/{g}/apiKeys"),
        json!({"desc": "d", "roles": ["ORG_OWNER"]}),
    )
    .await
    .expect_error(400, "INVALID_ROLE_FOR_GROUP");
}

#[tokio::test]
async fn docs_curl_versions_are_served() {
    let env = start().await;
    let (o, g) = (env.emu.org_id().to_owned(), env.emu.project_id().to_owned());
    let r = env
        .owner(
            Req::new(Method::GET, format!("{V2}/groups/{g}/apiKeys"))
                .header("accept", "application/vnd.atlas.2024-10-23+json"),
        )
        .await;
    r.expect(200);
    assert_eq!(r.header("content-type"), Some(JSON_V2));
    let r = env
        .owner(
            Req::new(Method::POST, format!("{V2}/orgs/{o}/apiKeys"))
                .raw_body(
                    br#"{"desc":"x","roles":["ORG_MEMBER"]}"#.to_vec(),
                    "application/json",
                )
                .header("accept", "application/vnd.atlas.2023-01-01+json"),
        )
        .await;
    r.expect(200);
}

#[tokio::test]
async fn keys_are_shared_across_prefixes() {
    let env = start().await;
    let o = env.emu.org_id().to_owned();
    let (id, _, _) = env.create_org_key(V2, "shared", &["ORG_MEMBER"]).await;
    env.get(&format!("{V1}/orgs/{o}/apiKeys/{id}"))
        .await
        .expect(200);
    let r = env.get(&format!("{PUBLIC}/orgs/{o}/apiKeys/{id}")).await;
    r.expect(200);
    assert!(
        r.json()["links"][0]["href"]
            .as_str()
            .unwrap()
            .contains("/api/public/v1.0/orgs/")
    );
}

#[tokio::test]
async fn debug_output_holds_no_secrets() {
    let env = start().await;
    env.create_org_key(V2, "dbg", &["ORG_MEMBER"]).await;
    let text = format!("{:?}", env.emu);
    assert!(
        !text.contains(env.emu.private_key()),
        "private key in Debug"
    );
    assert!(
        !text.contains(env.emu.client_secret()),
        "client secret in Debug"
    );
    assert!(text.contains(env.emu.public_key()));
}

#[tokio::test]
async fn ops_manager_flavour_and_user_admin() {
    use atlas_keys_emulator::{Emulator, RateLimitConfig};
    let env = start_with(
        Emulator::builder()
            .rate_limit(RateLimitConfig::Off)
            .public_flavour(atlas_keys_model::Flavour::OpsManager),
    )
    .await;
    let g = env.emu.project_id().to_owned();
    let r = env
        .post(
            &format!("{PUBLIC}/groups/{g}/apiKeys"),
            json!({"desc": "ua", "roles": ["GROUP_USER_ADMIN"]}),
        )
        .await;
    r.expect(200);
    let (user, pass) = (
        r.json()["publicKey"].as_str().unwrap().to_owned(),
        r.json()["privateKey"].as_str().unwrap().to_owned(),
    );
    *env.prompt.lock().unwrap() = None;
    let body = json!({"desc": "made by user admin", "roles": ["GROUP_READ_ONLY"]});
    env.send(
        Req::new(Method::POST, format!("{PUBLIC}/groups/{g}/apiKeys"))
            .json(body.clone())
            .digest(&user, &pass),
    )
    .await
    .expect(200);
    // On Atlas the same role is not a project role at all, and grants nothing.
    *env.prompt.lock().unwrap() = None;
    env.send(
        Req::new(Method::POST, format!("{V2}/groups/{g}/apiKeys"))
            .json(body)
            .digest(&user, &pass),
    )
    .await
    .expect_error(401, "USER_UNAUTHORIZED");
}

#[tokio::test]
async fn example_seed_file_starts() {
    use atlas_keys_emulator::{Emulator, Seed};
    let seed =
        Seed::from_json(include_str!("../../seed.example.json")).expect("example seed parses");
    let emu = Emulator::builder()
        .seed(seed)
        .start()
        .await
        .expect("example seed starts");
    assert_eq!(emu.org_id(), "5f1a2b3c4d5e6f7a8b9c0d1e");
    assert_eq!(emu.project_id(), "6a1b2c3d4e5f6a7b8c9d0e1f");
    assert_eq!(emu.public_key(), "ciownera");
    assert_eq!(emu.client_id(), "mdb_sa_id_ci");
}
