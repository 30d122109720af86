//! `organizations apiKeys accessLists …`: add, list, describe and remove a key's entries.
//!
//! This module must NOT validate addresses itself: args parsed them with the model type.

use atlas_keys::Client;
use serde_json::json;

use super::confirm::confirm_delete;
use super::list::{Fetched, fetch};
use crate::args::AccessListCommand;
use crate::exit::Failure;
use crate::output::{PageAt, Printer};

pub(crate) async fn run(
    client: &Client,
    printer: &Printer,
    command: AccessListCommand,
) -> Result<(), Failure> {
    let api = client.access_list();
    match command {
        AccessListCommand::Create(args) => {
            let mut create = api.create(&args.target.org.org_id, &args.target.key_id);
            if args.current_ip {
                create = create.address(current_ip(client).await?);
            }
            for address in args.ips.into_iter().chain(args.cidrs) {
                create = create.address(address);
            }
            let page = create.send().await?;
            printer.entries_page(
                &page,
                PageAt {
                    num: 1,
                    limit: None,
                },
            )?;
        }
        AccessListCommand::List(args) => {
            let key_id = args
                .key()
                .ok_or_else(|| Failure::Usage("no API key: pass API_KEY_ID or --apiKey".into()))?;
            let list = api.list(&args.org.org_id, key_id);
            match fetch(list, &args.paging, "entries").await? {
                Fetched::Page { page, page_num } => printer.entries_page(&page, page_num)?,
                Fetched::All(entries) => printer.entries_all(&entries)?,
            }
        }
        AccessListCommand::Describe(args) => {
            let entry = api
                .get(&args.target.org.org_id, &args.target.key_id, &args.address)
                .send()
                .await?;
            printer.entry(&entry)?;
        }
        AccessListCommand::Delete(args) => {
            let entry = &args.entry;
            let (org_id, key_id, address) = (
                &entry.target.org.org_id,
                &entry.target.key_id,
                &entry.address,
            );
            confirm_delete(
                args.force.force,
                &format!("{address} from the access list of API key {key_id}"),
            )?;
            api.delete(org_id, key_id, address).send().await?;
            printer.done(
                &format!("{address} removed from the access list of API key {key_id}."),
                &json!({ "action": "deleted", "id": key_id, "orgId": org_id, "address": address.to_string(), "deleted": true }),
            )?;
        }
    }
    Ok(())
}

/// The address this command runs from, as the service sees it (`GET
/// /api/private/ipinfo`, the Atlas CLI's source for `--currentIp`).
/// Never guessed from a local interface: that address is wrong behind NAT, the usual case.
async fn current_ip(client: &Client) -> Result<atlas_keys_model::AccessListAddress, Failure> {
    let ip = client.current_ip().send().await?.address();
    // A bare address is its own /32 (or /128): the parse cannot fail.
    atlas_keys_model::AccessListAddress::parse(&ip.to_string())
        .map_err(|e| Failure::Api(e.to_string()))
}
