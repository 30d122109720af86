//! Key rotation (`client.org_keys().rotate(..)`) against the emulator, journaled in a temp
//! directory and delivered in memory: same org roles, projects and access list; the new key
//! is verified and the old key deleted last; the journal on disk holds no secret.
//!
//! The wire-level properties (which requests, in which order, rollback on failure) are in
//! `mocks`, over the scripted transport.

use std::sync::{Arc, Mutex};

use atlas_keys::model::{AccessListAddress, Flavour, OrgRole, ProjectRole};
use atlas_keys::rotate::{Rotations, StepObserver};
use atlas_keys::rotation::deliver::Delivery;
use atlas_keys::rotation::journal::{FileJournal, Step};
use atlas_keys::rotation::plan::Outcome;
use atlas_keys::transport::SecretString;
use futures::FutureExt;

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

        // After each recorded step: its name, and whether the old key still exists then.
        let seen: Arc<Mutex<Vec<(&'static str, bool)>>> = Arc::default();
        let observer: StepObserver = {
            let (seen, client, org, old) = (Arc::clone(&seen), client.clone(), org, *old.id());
            Arc::new(move |_, step: &Step| {
                let (seen, client, name) = (Arc::clone(&seen), client.clone(), step.name());
                async move {
                    let exists = client.org_keys().get(&org, &old).send().await.is_ok();
                    seen.lock().unwrap().push((name, exists));
                }
                .boxed()
            })
        };
        let dir = tempfile::tempdir().unwrap();
        let journal = Arc::new(FileJournal::open(dir.path().join("rotations")).unwrap());
        let (delivery, slot) = Delivery::in_memory();
        let report = client
            .org_keys()
            .rotate(&org, old.id())
            .deliver(delivery)
            .journal(journal.clone())
            .on_step(observer)
            .send()
            .await
            .unwrap();
        assert!(report.old_key_deleted, "{flavour}");
        assert_eq!(report.outcome, Some(Outcome::Rotated));
        assert!(report.new_client.is_none(), "not a self rotation");
        let delivered = slot.take().expect("the secret was delivered in memory");
        let (new_id, new_public) = report.new_key.clone().unwrap();
        assert_eq!(delivered.id(), &new_id);
        assert_eq!(delivered.public_key(), &new_public);
        assert_ne!(&new_id, old.id());
        let secret = delivered.private_key().expose_private_key().to_owned();
        assert!(!delivered.private_key().is_redacted() && !secret.is_empty());

        // Every step in order; the old key existed until its delete was recorded.
        let steps = seen.lock().unwrap().clone();
        assert_eq!(
            steps,
            vec![
                ("started", true),
                ("createRequested", true),
                ("created", true),
                ("delivered", true),
                ("assigned", true),
                ("accessListCopied", true),
                ("verified", true),
                ("oldKeyDeleted", false),
            ],
            "{flavour}"
        );

        let fetched = client.org_keys().get(&org, &new_id).send().await.unwrap();
        assert_eq!(
            fetched.desc(),
            Some("to rotate"),
            "the create marker is gone"
        );
        assert_eq!(fetched.org_roles(), vec![&OrgRole::ReadOnly], "{flavour}");
        assert_eq!(
            fetched.project_roles(&project),
            vec![&ProjectRole::DataAccessReadOnly],
            "{flavour}"
        );
        let mut copied: Vec<_> = client
            .access_list()
            .list(&org, &new_id)
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

        // The delivered secret is the new key's: a login with it is not refused (a 403 is
        // the copied access list, which does not admit 127.0.0.1).
        let new_login = common::builder(&emu, flavour)
            .digest(new_public.as_str(), SecretString::from(secret.clone()))
            .build()
            .unwrap();
        if let Err(e) = new_login.current_ip().send().await {
            assert_eq!(e.status(), Some(403), "{e}");
        }

        let rotations = Rotations::new(&client, journal);
        assert!(rotations.status().await.unwrap().is_empty(), "finished");
        let mut files = 0;
        for file in std::fs::read_dir(dir.path().join("rotations")).unwrap() {
            let text = std::fs::read_to_string(file.unwrap().path()).unwrap_or_default();
            assert!(!text.contains(&secret), "a journal file holds the secret");
            files += 1;
        }
        assert!(files > 0, "the journal was written to disk");
    }
}
