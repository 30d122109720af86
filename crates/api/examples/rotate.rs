//! Rotate an organization key with `client.org_keys().rotate(..)`, the one rotation of this
//! crate (the CLI's `atlas-keys rotate` runs the same builder): a replacement with the same
//! organization roles, project assignments and access list is created, its secret delivered,
//! its credentials verified, and only then is the old key deleted. Every step is journaled
//! in the CLI's journal directory, so `atlas-keys rotate resume` completes or undoes a
//! rotation this example left half done.
//!
//! ```sh
//! # same variables as the quickstart; the key to rotate, then where its secret goes
//! # (a `--deliver` value: file:PATH or exec:'COMMAND'; default file:new-atlas-key.json):
//! cargo run -p atlas-keys --example rotate -- 5d1113b25a115342acc2d1aa file:/run/keys/atlas.json
//! ```
//!
//! Without a key id it first creates a demo key (assigned to the default project, with an
//! access list) and rotates that. A program that keeps secrets itself delivers in process
//! instead: `Delivery::in_process("my-store", |key| async move { ... })`.
//!
//! What it must NOT do: print the new private key (it goes to the delivery target only).

use std::sync::Arc;

use atlas_keys::Client;
use atlas_keys::model::{ApiKeyId, OrgRole, ProjectRole};
use atlas_keys::rotation::deliver::Delivery;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    let org = client
        .default_org_id()
        .cloned()
        .ok_or("set MONGODB_ATLAS_ORG_ID")?;
    let delivery: Delivery = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "file:new-atlas-key.json".to_owned())
        .parse()?;

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

    let report = client
        .org_keys()
        .rotate(&org, &old)
        .deliver(delivery)
        .journal(Arc::new(atlas_keys::rotate::default_journal()?))
        .send()
        .await;
    match report {
        Ok(report) => {
            println!("rotation {}: {} replaced", report.id, report.old_key);
            if let Some((id, public)) = &report.new_key {
                println!("  new key {id} (public key {public})");
            }
            println!("  secret delivered: {:?}", report.receipt);
            println!("  old key deleted: {}", report.old_key_deleted);
            Ok(())
        }
        Err(e) => {
            // The error names the rotation to resume when one was started.
            eprintln!("{e}");
            Err(e.into())
        }
    }
}
