//! `projects apiKeys …`: create-and-assign, list, assign, change roles, unassign.
//!
//! This module must NOT print a private key except through `Printer::created_key` on a
//! create response. A create without the full private key exits 3, as in `org_keys`.

use atlas_keys::Client;
use serde_json::json;

use super::confirm::confirm_delete;
use super::list::{Fetched, fetch};
use crate::args::{ProjectApiKeysCommand, ProjectCommand, ProjectSubcommand};
use crate::exit::Failure;
use crate::output::{Printer, Scope};

pub(crate) async fn run(
    client: &Client,
    printer: &Printer,
    project: ProjectCommand,
) -> Result<(), Failure> {
    let ProjectSubcommand::ApiKeys(keys) = project.command;
    let keys_api = client.project_keys();
    match keys.command {
        ProjectApiKeysCommand::Create(args) => {
            let key = keys_api
                .create(&args.project.project_id)
                .desc(args.desc.as_str())
                .roles(args.all_roles())
                .send()
                .await?;
            printer.created_key(&key)?;
            super::org_keys::require_private_key(&key)?;
        }
        ProjectApiKeysCommand::List(args) => {
            let project_id = &args.project.project_id;
            let scope = Scope::Project(project_id);
            match fetch(keys_api.list(project_id), &args.paging, "keys").await? {
                Fetched::Page { page, page_num } => printer.keys_page(&page, page_num, scope)?,
                Fetched::All(keys) => printer.keys_all(&keys, scope)?,
            }
        }
        ProjectApiKeysCommand::Assign(args) => {
            let (project_id, key_id) = (&args.target.project.project_id, &args.target.key_id);
            let all_roles = args.all_roles();
            let roles: Vec<&str> = all_roles.iter().map(|r| r.as_str()).collect();
            let sentence = format!(
                "API key {key_id} assigned to project {project_id} as {}.",
                roles.join(", ")
            );
            let summary = json!({ "action": "assigned", "id": key_id, "projectId": project_id, "roles": roles });
            keys_api
                .assign(project_id, key_id)
                .roles(all_roles.clone())
                .send()
                .await?;
            printer.done(&sentence, &summary)?;
        }
        ProjectApiKeysCommand::Update(args) => {
            let (project_id, key_id) = (&args.target.project.project_id, &args.target.key_id);
            let key = keys_api
                .update_roles(project_id, key_id)
                .roles(args.all_roles())
                .send()
                .await?;
            printer.key(&key)?;
        }
        ProjectApiKeysCommand::Delete(args) => {
            let (project_id, key_id) = (&args.target.project.project_id, &args.target.key_id);
            confirm_delete(
                args.force.force,
                &format!("API key {key_id} from project {project_id}"),
            )?;
            keys_api.unassign(project_id, key_id).send().await?;
            printer.done(
                &format!("API key {key_id} removed from project {project_id}; it stays in the organization."),
                &json!({ "action": "unassigned", "id": key_id, "projectId": project_id, "removed": true }),
            )?;
        }
    }
    Ok(())
}
