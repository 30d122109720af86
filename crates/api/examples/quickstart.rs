//! Quickstart: create an organization key, create-and-assign a project key, list the
//! project's keys through every page, and get one key.
//!
//! Configure it as you would the Atlas CLI, e.g. against the emulator:
//!
//! ```sh
//! atlas-keys-emulator &   # prints {"baseUrl", "orgId", "projectId", "publicKey", ...}
//! MONGODB_ATLAS_BASE_URL=http://127.0.0.1:PORT \
//! MONGODB_ATLAS_PUBLIC_API_KEY=... MONGODB_ATLAS_PRIVATE_API_KEY=... \
//! MONGODB_ATLAS_ORG_ID=... MONGODB_ATLAS_PROJECT_ID=... \
//! cargo run -p atlas-keys --example quickstart
//! ```
//!
//! `ATLAS_KEYS_FLAVOUR=cloud-manager` (or `atlas-v1`, `ops-manager`) picks another flavour.

use atlas_keys::Client;
use atlas_keys::model::{OrgRole, ProjectRole};
use futures::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    let org = client
        .default_org_id()
        .cloned()
        .ok_or("set MONGODB_ATLAS_ORG_ID")?;
    let project = client
        .default_project_id()
        .cloned()
        .ok_or("set MONGODB_ATLAS_PROJECT_ID")?;
    println!("client: {} ({})", client.base_url(), client.flavour());

    // 1. An organization key. The private key is in this response only: store it now.
    let org_key = client
        .org_keys()
        .create(&org)
        .desc("quickstart org key")
        .role(OrgRole::Member)
        .send()
        .await?;
    let shown = org_key.private_key().map(|k| k.redacted());
    println!(
        "created org key {} (public key {}, private key {})",
        org_key.id(),
        org_key.public_key().map_or("?", |k| k.as_str()),
        shown.as_ref().map_or("?", |k| k.expose_private_key()),
    );

    // 2. A key created in the organization and assigned to the project in one call.
    let project_key = client
        .project_keys()
        .create(&project)
        .desc("quickstart project key")
        .role(ProjectRole::ReadOnly)
        .send()
        .await?;
    println!(
        "created and assigned project key {} to project {project}",
        project_key.id()
    );

    // 3. Every key of the project, across pages (fetched a few pages at a time).
    let mut keys = client
        .project_keys()
        .list(&project)
        .items_per_page(2)
        .concurrency(4)
        .into_stream();
    let mut count = 0;
    while let Some(key) = keys.next().await {
        let key = key?;
        count += 1;
        if count <= 3 {
            println!("  project key {} {:?}", key.id(), key.desc().unwrap_or(""));
        }
    }
    println!("listed {count} project keys, 2 per page");

    // 4. One key, with the response metadata.
    let got = client
        .org_keys()
        .get(&org, project_key.id())
        .send_with_metadata()
        .await?;
    let roles: Vec<&str> = got.value.roles().iter().map(|r| r.role_name()).collect();
    println!(
        "got key {}: roles {roles:?}, status {}, rate limit {:?}",
        got.value.id(),
        got.metadata.status,
        got.metadata.rate_limit
    );

    // Tidy up, so the example can run again.
    for id in [&org_key.id(), &project_key.id()] {
        match client.org_keys().delete(&org, id).send().await {
            Ok(()) => println!("deleted key {id}"),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
