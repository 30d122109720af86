//! Every one of the 14 operations against the emulator, in every flavour, on every
//! backend, with digest and service-account auth, with and without `envelope=true`.
//! Each call's status is checked against the operation table.

use atlas_keys::model::{AccessListAddress, Flavour, OrgRole, ProjectRole};
use atlas_keys::operations::Operation;
use atlas_keys::{Client, ResponseMetadata};

use crate::common::{self, Case};

/// The table's documented success status for `op` in `case`'s flavour.
fn check_status(case: Case, op: Operation, metadata: &ResponseMetadata) {
    let spec = op
        .spec(case.flavour)
        .expect("every flavour has every operation");
    assert_eq!(metadata.status, spec.success, "{op} in {case:?}");
}

/// Runs all 14 operations and cleans up after itself.
async fn all_operations(client: &Client, case: Case, emu: &atlas_keys_emulator::EmulatorHandle) {
    let org = common::org(emu);
    let project = common::project(emu);
    let env = case.envelope;
    let tag = format!("{:?}", case);

    // #2 create an org key: the private key is shown in full, once.
    let created = client
        .org_keys()
        .create(&org)
        .desc(
            format!("matrix {tag}")
                .chars()
                .take(250)
                .collect::<String>(),
        )
        .role(OrgRole::Member)
        .envelope(env)
        .send_with_metadata()
        .await
        .unwrap_or_else(|e| panic!("create org key in {case:?}: {e}"));
    check_status(case, Operation::CreateOrgApiKey, &created.metadata);
    let key = created.value;
    let private = key.private_key().expect("create returns the private key");
    assert!(!private.is_redacted(), "{case:?}");

    // #3 get: redacted now.
    let got = client
        .org_keys()
        .get(&org, key.id())
        .envelope(env)
        .send_with_metadata()
        .await
        .unwrap();
    check_status(case, Operation::GetOrgApiKey, &got.metadata);
    assert_eq!(got.value.id(), key.id());
    assert!(got.value.private_key().is_none_or(|k| k.is_redacted()));

    // #4 update.
    let updated = client
        .org_keys()
        .update(&org, key.id())
        .desc("renamed")
        .role(OrgRole::ReadOnly)
        .envelope(env)
        .send_with_metadata()
        .await
        .unwrap();
    check_status(case, Operation::UpdateOrgApiKey, &updated.metadata);
    assert_eq!(updated.value.desc(), Some("renamed"));
    assert_eq!(updated.value.org_roles(), vec![&OrgRole::ReadOnly]);

    // #1 list (one page) contains it.
    let listed = client
        .org_keys()
        .list(&org)
        .items_per_page(500)
        .envelope(env)
        .send_with_metadata()
        .await
        .unwrap();
    check_status(case, Operation::ListOrgApiKeys, &listed.metadata);
    assert!(
        listed.value.results().iter().any(|k| k.id() == key.id()),
        "{case:?}"
    );

    // #7 access list: an address and a block (the block's `/` is `%2F` in paths).
    let block: AccessListAddress = "192.0.2.0/24".parse().unwrap();
    let host: AccessListAddress = "198.51.100.7".parse().unwrap();
    let added = client
        .access_list()
        .create(&org, key.id())
        .address(block)
        .address(host)
        .envelope(env)
        .send_with_metadata()
        .await
        .unwrap();
    check_status(case, Operation::CreateAccessListEntries, &added.metadata);
    assert_eq!(added.value.results().len(), 2, "{case:?}");

    // #6 list, #8 get, #9 delete.
    let entries = client
        .access_list()
        .list(&org, key.id())
        .envelope(env)
        .send_with_metadata()
        .await
        .unwrap();
    check_status(case, Operation::ListAccessListEntries, &entries.metadata);
    let mut addresses: Vec<_> = entries
        .value
        .results()
        .iter()
        .filter_map(|e| e.address())
        .collect();
    addresses.sort();
    assert_eq!(addresses, vec![block, host], "{case:?}");
    let entry = client
        .access_list()
        .get(&org, key.id(), &block)
        .envelope(env)
        .send_with_metadata()
        .await
        .unwrap();
    check_status(case, Operation::GetAccessListEntry, &entry.metadata);
    assert_eq!(entry.value.address(), Some(block));
    let deleted = client
        .access_list()
        .delete(&org, key.id(), &host)
        .envelope(env)
        .send_with_metadata()
        .await
        .unwrap();
    check_status(case, Operation::DeleteAccessListEntry, &deleted.metadata);
    let left = client
        .access_list()
        .list(&org, key.id())
        .items()
        .try_collect_vec()
        .await
        .unwrap();
    assert_eq!(left.len(), 1);

    // #11 create and assign in the project.
    let in_project = client
        .project_keys()
        .create(&project)
        .desc("project key")
        .role(ProjectRole::ReadOnly)
        .envelope(env)
        .send_with_metadata()
        .await
        .unwrap();
    check_status(case, Operation::CreateProjectApiKey, &in_project.metadata);
    let project_key = in_project.value;
    assert!(project_key.private_key().is_some_and(|k| !k.is_redacted()));
    assert_eq!(
        project_key.project_roles(&project),
        vec![&ProjectRole::ReadOnly]
    );

    // #12 assign the org key (POST array in Atlas, PATCH object in Cloud/Ops Manager).
    let assigned = client
        .project_keys()
        .assign(&project, key.id())
        .role(ProjectRole::DataAccessReadOnly)
        .envelope(env)
        .send_with_metadata()
        .await
        .unwrap();
    check_status(case, Operation::AssignProjectApiKey, &assigned.metadata);

    // #13 replace its roles.
    let roles = client
        .project_keys()
        .update_roles(&project, key.id())
        .role(ProjectRole::Owner)
        .envelope(env)
        .send_with_metadata()
        .await
        .unwrap();
    check_status(case, Operation::UpdateProjectApiKeyRoles, &roles.metadata);
    assert_eq!(
        roles.value.project_roles(&project),
        vec![&ProjectRole::Owner],
        "{case:?}"
    );

    // #10 list the project: both keys.
    let keys = client
        .project_keys()
        .list(&project)
        .envelope(env)
        .send_with_metadata()
        .await
        .unwrap();
    check_status(case, Operation::ListProjectApiKeys, &keys.metadata);
    assert!(keys.value.results().iter().any(|k| k.id() == key.id()));
    assert!(
        keys.value
            .results()
            .iter()
            .any(|k| k.id() == project_key.id())
    );

    // #14 unassign (204 in Atlas, 200 in Cloud/Ops Manager).
    let unassigned = client
        .project_keys()
        .unassign(&project, key.id())
        .envelope(env)
        .send_with_metadata()
        .await
        .unwrap();
    check_status(case, Operation::UnassignProjectApiKey, &unassigned.metadata);
    let after = client.org_keys().get(&org, key.id()).send().await.unwrap();
    assert!(after.project_ids().is_empty(), "{case:?}");

    // #5 delete both keys.
    for id in [&key.id(), &project_key.id()] {
        let gone = client
            .org_keys()
            .delete(&org, id)
            .envelope(env)
            .send_with_metadata()
            .await
            .unwrap();
        check_status(case, Operation::DeleteOrgApiKey, &gone.metadata);
    }
    let err = client
        .org_keys()
        .get(&org, key.id())
        .send()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{case:?}: {err}");
}

async fn run_flavour(flavour: Flavour) {
    let emu = common::emulator(flavour).await;
    for case in common::cases(flavour) {
        let client = common::client(&emu, case);
        all_operations(&client, case, &emu).await;
    }
    let stats = emu.stats();
    assert!(
        stats.tokens_issued >= 1,
        "service-account runs fetched a token"
    );
    assert!(stats.challenges >= 1, "digest runs were challenged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_in_atlas_v2() {
    run_flavour(Flavour::AtlasV2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_in_atlas_v1() {
    run_flavour(Flavour::AtlasV1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_in_cloud_manager() {
    run_flavour(Flavour::CloudManager).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_in_ops_manager() {
    run_flavour(Flavour::OpsManager).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_carry_the_flavours_media_type_and_user_agent() {
    use atlas_keys::transport::test_util::ScriptedTransport;
    use std::sync::Arc;

    for (flavour, prefix, media) in [
        (
            Flavour::AtlasV2,
            "/api/atlas/v2",
            "application/vnd.atlas.2023-01-01+json",
        ),
        (Flavour::AtlasV1, "/api/atlas/v1.0", "application/json"),
        (
            Flavour::CloudManager,
            "/api/public/v1.0",
            "application/json",
        ),
        (Flavour::OpsManager, "/api/public/v1.0", "application/json"),
    ] {
        let wire = ScriptedTransport::new();
        wire.push_json(200, r#"{"results":[],"totalCount":0}"#);
        let client = Client::builder()
            .base_url("https://example.test/prefix/")
            .flavour(flavour)
            .transport(Arc::new(wire.clone()))
            .build()
            .unwrap();
        let org = "4888442a3354817a7320eb61".parse().unwrap();
        let key = "5d1113b25a115342acc2d1aa".parse().unwrap();
        client
            .access_list()
            .list(&org, &key)
            .pretty(true)
            .send()
            .await
            .unwrap();
        let sent = &wire.requests()[0];
        assert_eq!(
            sent.uri().to_string(),
            format!(
                "https://example.test/prefix{prefix}/orgs/4888442a3354817a7320eb61/apiKeys/5d1113b25a115342acc2d1aa/accessList?pageNum=1&itemsPerPage=100&includeCount=true&pretty=true"
            )
        );
        assert_eq!(sent.headers()["accept"], media);
        assert!(
            sent.headers()["user-agent"]
                .to_str()
                .unwrap()
                .starts_with("atlas-keys/")
        );
        assert!(sent.headers().get("authorization").is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assign_body_differs_by_flavour() {
    use atlas_keys::transport::test_util::ScriptedTransport;
    use std::sync::Arc;

    for (flavour, method, body) in [
        (
            Flavour::AtlasV2,
            "POST",
            r#"[{"roles":["GROUP_READ_ONLY"]}]"#,
        ),
        (
            Flavour::AtlasV1,
            "POST",
            r#"[{"roles":["GROUP_READ_ONLY"]}]"#,
        ),
        (
            Flavour::CloudManager,
            "PATCH",
            r#"{"roles":["GROUP_READ_ONLY"]}"#,
        ),
        (
            Flavour::OpsManager,
            "PATCH",
            r#"{"roles":["GROUP_READ_ONLY"]}"#,
        ),
    ] {
        let wire = ScriptedTransport::new();
        wire.push_json(if flavour.is_atlas() { 204 } else { 200 }, "");
        let client = Client::builder()
            .base_url("https://example.test")
            .flavour(flavour)
            .transport(Arc::new(wire.clone()))
            .build()
            .unwrap();
        let project = "32b6e34b3d91647abb20e7b8".parse().unwrap();
        let key = "5d1113b25a115342acc2d1aa".parse().unwrap();
        client
            .project_keys()
            .assign(&project, &key)
            .role(ProjectRole::ReadOnly)
            .send()
            .await
            .unwrap();
        let sent = &wire.requests()[0];
        assert_eq!(sent.method().as_str(), method, "{flavour}");
        assert_eq!(sent.body().as_ref(), body.as_bytes(), "{flavour}");
        assert!(
            sent.uri()
                .path()
                .ends_with("/groups/32b6e34b3d91647abb20e7b8/apiKeys/5d1113b25a115342acc2d1aa")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_account_tokens_are_shared_through_a_token_store() {
    use atlas_keys::transport::{MemoryTokenStore, SecretString};
    use std::sync::Arc;

    let emu = common::emulator(Flavour::AtlasV2).await;
    let store = Arc::new(MemoryTokenStore::new());
    for _ in 0..2 {
        let client = Client::builder()
            .base_url(emu.base_url())
            .service_account(emu.client_id(), SecretString::from(emu.client_secret()))
            .token_store(store.clone())
            .build()
            .unwrap();
        client
            .org_keys()
            .list(&common::org(&emu))
            .send()
            .await
            .unwrap();
    }
    assert_eq!(
        emu.stats().tokens_issued,
        1,
        "the second client reused the stored token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_and_cidr_addresses_round_trip_through_paths() {
    for flavour in [Flavour::AtlasV2, Flavour::CloudManager] {
        let emu = common::emulator(flavour).await;
        let client = common::builder(&emu, flavour).build().unwrap();
        let org = common::org(&emu);
        let key = client
            .org_keys()
            .create(&org)
            .desc("v6")
            .role(OrgRole::Member)
            .send()
            .await
            .unwrap();
        let addresses: Vec<AccessListAddress> = ["2001:db8::/32", "2001:db8:1::7", "10.1.0.0/16"]
            .iter()
            .map(|a| a.parse().unwrap())
            .collect();
        let mut create = client.access_list().create(&org, key.id());
        for a in &addresses {
            create = create.address(*a);
        }
        create.send().await.unwrap();
        for a in &addresses {
            let entry = client
                .access_list()
                .get(&org, key.id(), a)
                .send()
                .await
                .unwrap();
            assert_eq!(entry.address(), Some(*a), "{flavour} {a}");
            client
                .access_list()
                .delete(&org, key.id(), a)
                .send()
                .await
                .unwrap();
            let err = client
                .access_list()
                .get(&org, key.id(), a)
                .send()
                .await
                .unwrap_err();
            assert!(err.is_not_found(), "{flavour} {a}: {err}");
        }
    }
}
