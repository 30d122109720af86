//! `atlas-keys organizations settings describe|update`: reads or changes the org settings
//! and prints them (`-o json`: every field the service sent; table: one `name value` line
//! per field).
//!
//! This module must NOT send any field the user did not name on an update.

use std::io::Write;

use atlas_keys::{Client, OrgSettingsDocument};

use crate::args::OutputFormat;
use crate::args::settings::{SettingsArgs, SettingsCommand};
use crate::exit::Failure;

pub(crate) async fn run(
    client: &Client,
    output: OutputFormat,
    args: SettingsArgs,
) -> Result<(), Failure> {
    let doc = match args.command {
        SettingsCommand::Describe(org) => client.org_settings().get(&org.org_id).send().await?,
        SettingsCommand::Update(update) => {
            client
                .org_settings()
                .update(&update.org.org_id)
                .api_access_list_required(update.api_access_list_required)
                .send()
                .await?
        }
    };
    print(&doc, output)
}

fn print(doc: &OrgSettingsDocument, output: OutputFormat) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    if output == OutputFormat::Json {
        serde_json::to_writer_pretty(&mut out, doc.fields()).map_err(std::io::Error::from)?;
        writeln!(out)?;
        return Ok(());
    }
    let width = doc.fields().keys().map(String::len).max().unwrap_or(0);
    for (name, value) in doc.fields() {
        // Values are JSON scalars from the server: escape control characters anyway.
        let raw = value.to_string();
        let shown = atlas_keys::audit::sanitize(&raw);
        let name = atlas_keys::audit::sanitize(name);
        writeln!(out, "{name:width$}  {shown}")?;
    }
    Ok(())
}
