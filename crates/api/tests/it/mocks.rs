//! The service traits' mocks (feature `test-util`): code written against the fluent calls
//! can be tested with no server, and the mocks see validated, typed requests.

use std::sync::Arc;

use atlas_keys::mock::{MockAccessListApi, MockOrgKeysApi, MockProjectKeysApi};
use atlas_keys::model::{ApiKey, OrgRole, Page, ProjectRole};
use atlas_keys::rotate::{RotateStep, rotate_key};
use atlas_keys::{ApiError, Client, Response};

fn api_key(json: &str) -> ApiKey {
    serde_json::from_str(json).unwrap()
}

const ORG: &str = "4888442a3354817a7320eb61";
const PROJECT: &str = "32b6e34b3d91647abb20e7b8";
const OLD: &str = "5d1113b25a115342acc2d1aa";
const NEW: &str = "6e2224c36b226453bdd3e2bb";

#[tokio::test]
async fn fluent_calls_reach_the_mock_with_typed_requests() {
    let mut org_keys = MockOrgKeysApi::new();
    org_keys
        .expect_create()
        .withf(|r| {
            r.org_id.as_str() == ORG
                && r.body.desc().as_str() == "ci"
                && r.body.roles() == [OrgRole::Member]
                && r.options.envelope
        })
        .times(1)
        .returning(|_| {
            Ok(Response::new(api_key(&format!(
                r#"{{"id":"{NEW}","privateKey":"c8150efd-c7a0-4afd-8c4f-01bdd56c8977"}}"#
            ))))
        });
    let mut projects = MockProjectKeysApi::new();
    projects
        .expect_assign()
        .withf(|r| r.project_id.as_str() == PROJECT && r.body.roles() == [ProjectRole::ReadOnly])
        .times(1)
        .returning(|_| Ok(Response::new(())));
    let client = Client::builder()
        .org_keys_api(Arc::new(org_keys))
        .project_keys_api(Arc::new(projects))
        .access_list_api(Arc::new(MockAccessListApi::new()))
        .build()
        .unwrap();
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
    assert_eq!(key.id.as_str(), NEW);
    client
        .project_keys()
        .assign(&PROJECT.parse().unwrap(), &key.id)
        .role(ProjectRole::ReadOnly)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_rotation_that_fails_after_the_create_names_both_keys_and_keeps_the_new_one() {
    let mut org_keys = MockOrgKeysApi::new();
    org_keys.expect_get().returning(|_| {
        Ok(Response::new(api_key(&format!(
            r#"{{"id":"{OLD}","desc":"deploy","roles":[{{"orgId":"{ORG}","roleName":"ORG_MEMBER"}},{{"groupId":"{PROJECT}","roleName":"GROUP_OWNER"}}]}}"#
        ))))
    });
    org_keys
        .expect_create()
        .withf(|r| r.body.desc().as_str() == "deploy" && r.body.roles() == [OrgRole::Member])
        .times(1)
        .returning(|_| {
            Ok(Response::new(api_key(&format!(
                r#"{{"id":"{NEW}","privateKey":"c8150efd-c7a0-4afd-8c4f-01bdd56c8977"}}"#
            ))))
        });
    // The old key must survive a failed rotation.
    org_keys.expect_delete().never();
    let mut access = MockAccessListApi::new();
    access.expect_list().returning(|_| {
        Ok(Response::new(Page {
            results: vec![],
            total_count: Some(0),
            links: vec![],
        }))
    });
    let mut projects = MockProjectKeysApi::new();
    projects
        .expect_assign()
        .withf(|r| r.key_id.as_str() == NEW && r.body.roles() == [ProjectRole::Owner])
        .returning(|_| Err(ApiError::new(403).with_code("ACCESS_FORBIDDEN").into()));
    let client = Client::builder()
        .org_keys_api(Arc::new(org_keys))
        .access_list_api(Arc::new(access))
        .project_keys_api(Arc::new(projects))
        .build()
        .unwrap();

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
        new_key.private_key.is_some(),
        "the new key's secret is not lost"
    );
}
