//! `organizations apiKeys …`: create, list, describe, update and delete organization keys.
//!
//! This module must NOT print a private key except through `Printer::created_key` on a
//! create response.
//!
//! A create whose answer lacks the full private key (absent, or masked like a listed key's)
//! is not a success: the key exists on the server but nobody holds its secret. The key is
//! printed as it came, a loud `error:` on stderr says the secret is missing and what to do,
//! and the run exits 3 ([`Failure::SecretMissing`]).

use atlas_keys::Client;
use atlas_keys_model::ApiKey;
use serde_json::json;

use super::confirm::confirm_delete;
use super::list::{Fetched, fetch};
use crate::args::{OrgApiKeysCommand, OrgCommand, OrgSubcommand};
use crate::exit::Failure;
use crate::output::{Printer, Scope};

pub(crate) async fn run(
    client: &Client,
    printer: &Printer,
    org: OrgCommand,
) -> Result<(), Failure> {
    // `organizations settings` is dispatched to `settings.rs` by `commands::run`.
    let OrgSubcommand::ApiKeys(keys) = org.command else {
        return Err(Failure::Usage("not an apiKeys command".to_owned()));
    };
    let keys_api = client.org_keys();
    match keys.command {
        OrgApiKeysCommand::Create(args) => {
            let key = keys_api
                .create(&args.org.org_id)
                .desc(args.desc.as_str())
                .roles(args.all_roles())
                .send()
                .await?;
            printer.created_key(&key)?;
            require_private_key(&key)?;
        }
        OrgApiKeysCommand::List(args) => {
            match fetch(keys_api.list(&args.org.org_id), &args.paging, "keys").await? {
                Fetched::Page { page, page_num } => {
                    printer.keys_page(&page, page_num, Scope::Org)?
                }
                Fetched::All(keys) => printer.keys_all(&keys, Scope::Org)?,
            }
        }
        OrgApiKeysCommand::Describe(args) => {
            let key = keys_api.get(&args.org.org_id, &args.key_id).send().await?;
            printer.key(&key)?;
        }
        OrgApiKeysCommand::Update(args) => {
            let mut update = keys_api.update(&args.target.org.org_id, &args.target.key_id);
            if let Some(desc) = &args.desc {
                update = update.desc(desc.as_str());
            }
            let roles = args.all_roles();
            if !roles.is_empty() {
                update = update.roles(roles);
            }
            let key = update.send().await?;
            printer.key(&key)?;
        }
        OrgApiKeysCommand::Delete(args) => {
            let (org_id, key_id) = (&args.target.org.org_id, &args.target.key_id);
            confirm_delete(args.force.force, &format!("API key {key_id}"))?;
            keys_api.delete(org_id, key_id).send().await?;
            printer.done(
                &format!(
                    "API key {key_id} deleted from organization {org_id} and all its projects."
                ),
                &json!({ "action": "deleted", "id": key_id, "orgId": org_id, "deleted": true }),
            )?;
        }
        OrgApiKeysCommand::Rotate(args) => super::rotate::run(client, printer, *args).await?,
        OrgApiKeysCommand::AccessLists(access) => {
            super::access_lists::run(client, printer, access.command).await?;
        }
    }
    Ok(())
}

/// Fails a create whose answer has no usable private key (see the module docs); the key has
/// been printed already, so its id is on stdout for the clean-up.
pub(crate) fn require_private_key(key: &ApiKey) -> Result<(), Failure> {
    if key.private_key().is_some_and(|k| !k.is_redacted()) {
        return Ok(());
    }
    Err(Failure::SecretMissing(format!(
        "the server created API key {} but its answer holds no full private key: the key is \
         unusable. Delete it (organizations apiKeys delete {}) and create another",
        key.id(),
        key.id()
    )))
}
