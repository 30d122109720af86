//! Rotate an organization key: create a replacement with the same organization roles,
//! project assignments and access list, then delete the old key
//! (`atlas_keys::rotate::rotate_key`, in memory: no delivery, no journal; the CLI's
//! `atlas-keys rotate` uses the journaled `client.org_keys().rotate(..)` builder instead).
//!
//! ```sh
//! # same variables as the quickstart; the key to rotate as the first argument:
//! cargo run -p atlas-keys --example rotate -- 5d1113b25a115342acc2d1aa
//! ```
//!
//! Without an argument it first creates a demo key (assigned to the default project, with
//! an access list) and rotates that.

use atlas_keys::Client;
use atlas_keys::model::{ApiKeyId, OrgRole, ProjectRole};
use atlas_keys::rotate::rotate_key;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    let org = client
        .default_org_id()
        .cloned()
        .ok_or("set MONGODB_ATLAS_ORG_ID")?;

    let old: ApiKeyId = match std::env::args().nth(1) {
        Some(id) => id.parse()?,
        None => {
            let project = client
                .default_project_id()
                .cloned()
                .ok_or("set MONGODB_ATLAS_PROJECT_ID")?;
            let key = client
                .org_keys()
                .create(&org)
                .desc("rotate demo")
                .role(OrgRole::ReadOnly)
                .send()
                .await?;
            client
                .project_keys()
                .assign(&project, key.id())
                .role(ProjectRole::ReadOnly)
                .send()
                .await?;
            client
                .access_list()
                .create(&org, key.id())
                .address("192.0.2.0/24".parse()?)
                .address("198.51.100.7".parse()?)
                .send()
                .await?;
            println!(
                "created demo key {} in project {project} with 2 access-list entries",
                key.id()
            );
            *key.id()
        }
    };

    match rotate_key(&client, &org, &old).await {
        Ok(rotated) => {
            println!("rotated {} -> {}", rotated.old_key_id, rotated.new_key.id());
            println!("  org roles copied; projects: {:?}", rotated.projects);
            let list: Vec<String> = rotated.access_list.iter().map(|a| a.to_string()).collect();
            println!("  access list: {list:?}");
            println!("  old key deleted: {}", rotated.old_key_deleted);
            println!(
                "  new public key {} (store the private key now: it is shown once)",
                rotated
                    .new_key
                    .public_key()
                    .as_ref()
                    .map_or("?", |k| k.as_str())
            );
            Ok(())
        }
        Err(e) => {
            eprintln!("{e}");
            eprintln!("keys that exist now: {:?}", e.existing_key_ids());
            Err(e.into())
        }
    }
}
