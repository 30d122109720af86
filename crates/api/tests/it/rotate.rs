//! Key rotation against the emulator: same org roles, projects and access list; the old
//! key is gone.

use atlas_keys::model::{AccessListAddress, Flavour, OrgRole, ProjectRole};
use atlas_keys::rotate::rotate_key;

use crate::common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_copies_roles_projects_and_access_list_then_deletes_the_old_key() {
    for flavour in [Flavour::AtlasV2, Flavour::CloudManager] {
        let emu = common::emulator(flavour).await;
        let client = common::builder(&emu, flavour).build().unwrap();
        let (org, project) = (common::org(&emu), common::project(&emu));

        let old = client
            .org_keys()
            .create(&org)
            .desc("to rotate")
            .role(OrgRole::ReadOnly)
            .send()
            .await
            .unwrap();
        client
            .project_keys()
            .assign(&project, old.id())
            .role(ProjectRole::DataAccessReadOnly)
            .send()
            .await
            .unwrap();
        let block: AccessListAddress = "10.0.0.0/8".parse().unwrap();
        let host: AccessListAddress = "192.0.2.10".parse().unwrap();
        client
            .access_list()
            .create(&org, old.id())
            .address(block)
            .address(host)
            .send()
            .await
            .unwrap();

        let rotated = rotate_key(&client, &org, old.id()).await.unwrap();
        assert!(rotated.old_key_deleted);
        let new = &rotated.new_key;
        assert_ne!(new.id(), old.id());
        assert!(new.private_key().is_some_and(|k| !k.is_redacted()));

        let fetched = client.org_keys().get(&org, new.id()).send().await.unwrap();
        assert_eq!(fetched.desc(), Some("to rotate"));
        assert_eq!(fetched.org_roles(), vec![&OrgRole::ReadOnly], "{flavour}");
        assert_eq!(
            fetched.project_roles(&project),
            vec![&ProjectRole::DataAccessReadOnly],
            "{flavour}"
        );
        let mut copied: Vec<_> = client
            .access_list()
            .list(&org, new.id())
            .items()
            .try_collect_vec()
            .await
            .unwrap()
            .iter()
            .filter_map(|e| e.address())
            .collect();
        copied.sort();
        assert_eq!(copied, vec![block, host]);
        let err = client
            .org_keys()
            .get(&org, old.id())
            .send()
            .await
            .unwrap_err();
        assert!(err.is_not_found(), "{err}");
    }
}
