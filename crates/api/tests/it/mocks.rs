//! The one mock seam, the transport fakes (feature `test-util`): code written against the
//! fluent calls can be tested with no server, and the fake sees the validated requests
//! exactly as they would go on the wire.

use std::sync::Arc;

use atlas_keys::Client;
use atlas_keys::model::{OrgRole, ProjectRole};
use atlas_keys::rotate::{RotateStep, rotate_key};
use atlas_keys::transport::RetryPolicy;
use atlas_keys::transport::test_util::ScriptedTransport;

const ORG: &str = "4888442a3354817a7320eb61";
const PROJECT: &str = "32b6e34b3d91647abb20e7b8";
const OLD: &str = "5d1113b25a115342acc2d1aa";
const NEW: &str = "6e2224c36b226453bdd3e2bb";

fn client(wire: &ScriptedTransport) -> Client {
    Client::builder()
        .base_url("https://example.test")
        .transport(Arc::new(wire.clone()))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap()
}

#[tokio::test]
async fn fluent_calls_reach_the_fake_transport_as_typed_requests() {
    let wire = ScriptedTransport::new();
    wire.push_json(
        200,
        &format!(r#"{{"id":"{NEW}","privateKey":"c8150efd-c7a0-4afd-8c4f-01bdd56c8977"}}"#),
    );
    wire.push_json(204, "");
    let client = client(&wire);
    let org = ORG.parse().unwrap();
    let key = client
        .org_keys()
        .create(&org)
        .desc("ci")
        .role(OrgRole::Member)
        .envelope(true)
        .send()
        .await
        .unwrap();
    assert_eq!(key.id().as_str(), NEW);
    // A created key in a user's log line carries no secret; asking for it explicitly does.
    let logged = serde_json::to_string(&key).unwrap();
    assert!(
        logged.contains("********-****-****-01bdd56c8977"),
        "{logged}"
    );
    assert!(!logged.contains("c8150efd"), "{logged}");
    assert!(!format!("{key:?}").contains("c8150efd"));
    let shown = serde_json::to_string(&key.revealing()).unwrap();
    assert!(
        shown.contains("c8150efd-c7a0-4afd-8c4f-01bdd56c8977"),
        "{shown}"
    );
    client
        .project_keys()
        .assign(&PROJECT.parse().unwrap(), key.id())
        .role(ProjectRole::ReadOnly)
        .send()
        .await
        .unwrap();

    let sent = wire.requests();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].method(), "POST");
    assert_eq!(
        sent[0].uri().path_and_query().unwrap().as_str(),
        format!("/api/atlas/v2/orgs/{ORG}/apiKeys?envelope=true")
    );
    assert_eq!(
        sent[0].body().as_ref(),
        br#"{"desc":"ci","roles":["ORG_MEMBER"]}"#
    );
    assert_eq!(sent[1].method(), "POST");
    assert_eq!(
        sent[1].uri().path(),
        format!("/api/atlas/v2/groups/{PROJECT}/apiKeys/{NEW}")
    );
    assert_eq!(
        sent[1].body().as_ref(),
        br#"[{"roles":["GROUP_READ_ONLY"]}]"#
    );
}

#[tokio::test]
async fn a_rotation_that_fails_after_the_create_names_both_keys_and_keeps_the_new_one() {
    let wire = ScriptedTransport::new();
    // 1. The old key and its (empty) access list.
    wire.push_json(
        200,
        &format!(
            r#"{{"id":"{OLD}","desc":"deploy","roles":[{{"orgId":"{ORG}","roleName":"ORG_MEMBER"}},{{"groupId":"{PROJECT}","roleName":"GROUP_OWNER"}}]}}"#
        ),
    );
    wire.push_json(200, r#"{"results":[],"totalCount":0,"links":[]}"#);
    // 2. The new key, with its secret.
    wire.push_json(
        200,
        &format!(r#"{{"id":"{NEW}","privateKey":"c8150efd-c7a0-4afd-8c4f-01bdd56c8977"}}"#),
    );
    // 3. The assignment fails.
    wire.push_json(
        403,
        r#"{"error":403,"errorCode":"ACCESS_FORBIDDEN","detail":"no","parameters":[],"reason":"Forbidden"}"#,
    );
    let client = client(&wire);

    let err = rotate_key(&client, &ORG.parse().unwrap(), &OLD.parse().unwrap())
        .await
        .unwrap_err();
    assert_eq!(
        err.step,
        RotateStep::AssignProject(PROJECT.parse().unwrap())
    );
    let ids: Vec<String> = err
        .existing_key_ids()
        .iter()
        .map(|i| i.to_string())
        .collect();
    assert_eq!(ids, vec![OLD, NEW]);
    let text = err.to_string();
    assert!(
        text.contains(OLD) && text.contains(NEW) && text.contains("ACCESS_FORBIDDEN"),
        "{text}"
    );
    assert!(
        !text.contains("01bdd56c8977"),
        "no private key in the message"
    );
    let new_key = err.new_key.as_ref().unwrap();
    assert!(
        new_key.private_key().is_some(),
        "the new key's secret is not lost"
    );

    let sent = wire.requests();
    let calls: Vec<String> = sent
        .iter()
        .map(|r| format!("{} {}", r.method(), r.uri().path()))
        .collect();
    assert_eq!(
        calls,
        vec![
            format!("GET /api/atlas/v2/orgs/{ORG}/apiKeys/{OLD}"),
            format!("GET /api/atlas/v2/orgs/{ORG}/apiKeys/{OLD}/accessList"),
            format!("POST /api/atlas/v2/orgs/{ORG}/apiKeys"),
            format!("POST /api/atlas/v2/groups/{PROJECT}/apiKeys/{NEW}"),
        ],
        "the old key must survive a failed rotation: no DELETE"
    );
    assert_eq!(
        sent[2].body().as_ref(),
        br#"{"desc":"deploy","roles":["ORG_MEMBER"]}"#
    );
    assert_eq!(sent[3].body().as_ref(), br#"[{"roles":["GROUP_OWNER"]}]"#);
}
