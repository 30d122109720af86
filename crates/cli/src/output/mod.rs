//! What each command prints on stdout, in the chosen format (table or JSON).
//!
//! The one rule here: a private key is printed in full only by [`Printer::created_key`],
//! the single create response. Every other view goes through [`redacted`] first, even if a
//! server wrongly sent a full key. This module must NOT print errors or progress (stderr
//! belongs to `exit.rs` and `progress.rs`) and must NOT call the API.

mod json;
mod table;

use std::io::{self, Write};

use atlas_keys::rotate::RotatedKey;
use atlas_keys_model::{AccessListEntry, ApiKey, Page, ProjectId, RoleAssignment};
use serde::Serialize;
use serde_json::json;

use crate::args::OutputFormat;
use json::{AllResults, write_value};
use table::{Fields, Table};

/// Whose keys a list shows: the roles column differs.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope<'a> {
    /// An organization's keys: show the org roles and how many projects each key is in.
    Org,
    /// A project's keys: show each key's roles in that project.
    Project(&'a ProjectId),
}

/// Prints command results on stdout.
#[derive(Debug)]
pub(crate) struct Printer {
    format: OutputFormat,
}

impl Printer {
    pub(crate) fn new(format: OutputFormat) -> Self {
        Self { format }
    }

    fn out() -> io::StdoutLock<'static> {
        io::stdout().lock()
    }

    /// The one place a full private key is printed: the response of a create (or rotate).
    pub(crate) fn created_key(&self, key: &ApiKey) -> io::Result<()> {
        let mut out = Self::out();
        match self.format {
            // Asked for explicitly: serializing a key otherwise writes the redacted form.
            OutputFormat::Json => write_value(&mut out, &key.revealing())?,
            OutputFormat::Table | OutputFormat::Csv | OutputFormat::Sarif => {
                key_fields(key).write_to(&mut out)?
            }
        }
        shown_once(out, key)
    }

    /// The outcome of a rotation: the new key (its private key shown once, as for a
    /// create) and what was carried over from the old one.
    pub(crate) fn rotated(&self, rotated: &RotatedKey) -> io::Result<()> {
        let key = &rotated.new_key;
        let mut out = Self::out();
        match self.format {
            OutputFormat::Json => {
                let projects: Vec<_> = rotated
                    .projects
                    .iter()
                    .map(|(project_id, roles)| {
                        json!({ "projectId": project_id, "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>() })
                    })
                    .collect();
                let access_list: Vec<String> =
                    rotated.access_list.iter().map(|a| a.to_string()).collect();
                write_value(
                    &mut out,
                    &json!({
                        "oldKeyId": rotated.old_key_id,
                        "oldKeyDeleted": rotated.old_key_deleted,
                        // Shown once, as for a create: asked for explicitly.
                        "newKey": key.revealing(),
                        "projects": projects,
                        "accessList": access_list,
                    }),
                )?;
            }
            OutputFormat::Table | OutputFormat::Csv | OutputFormat::Sarif => {
                // The create response predates the project assignments; show them too.
                let mut all_roles = key.roles().to_vec();
                for (project_id, roles) in &rotated.projects {
                    for role in roles {
                        let assignment = RoleAssignment::Project {
                            project_id: *project_id,
                            role: role.clone(),
                        };
                        if !all_roles.contains(&assignment) {
                            all_roles.push(assignment);
                        }
                    }
                }
                let shown = key.clone().with_roles(all_roles);
                let mut fields = key_fields(&shown);
                let access: Vec<String> =
                    rotated.access_list.iter().map(|a| a.to_string()).collect();
                fields.push_many("Access list", access);
                let state = if rotated.old_key_deleted {
                    "deleted"
                } else {
                    "kept"
                };
                fields.push("Replaces", format!("{} ({state})", rotated.old_key_id));
                fields.write_to(&mut out)?;
            }
        }
        shown_once(out, key)
    }

    /// One key, private key redacted.
    pub(crate) fn key(&self, key: &ApiKey) -> io::Result<()> {
        let key = redacted(key);
        let mut out = Self::out();
        match self.format {
            OutputFormat::Json => write_value(&mut out, &key),
            OutputFormat::Table | OutputFormat::Csv | OutputFormat::Sarif => {
                key_fields(&key).write_to(&mut out)
            }
        }
    }

    /// One page of keys, with a footer that says where the rest is.
    pub(crate) fn keys_page(
        &self,
        page: &Page<ApiKey>,
        page_num: u32,
        scope: Scope<'_>,
    ) -> io::Result<()> {
        let page = Page::new(
            page.results().iter().map(redacted).collect(),
            page.total_count(),
            page.links().to_vec(),
        );
        self.page(&page, page_num, "keys", |keys| keys_table(keys, scope))
    }

    /// Every key, as fetched by `--all`.
    pub(crate) fn keys_all(&self, keys: &[ApiKey], scope: Scope<'_>) -> io::Result<()> {
        let keys: Vec<ApiKey> = keys.iter().map(redacted).collect();
        self.all(&keys, ("key", "keys"), |keys| keys_table(keys, scope))
    }

    /// One page of access-list entries.
    pub(crate) fn entries_page(
        &self,
        page: &Page<AccessListEntry>,
        page_num: u32,
    ) -> io::Result<()> {
        self.page(page, page_num, "entries", entries_table)
    }

    /// Every access-list entry, as fetched by `--all`.
    pub(crate) fn entries_all(&self, entries: &[AccessListEntry]) -> io::Result<()> {
        self.all(entries, ("entry", "entries"), entries_table)
    }

    /// One page of any list: the API's page shape in JSON, or a table and a footer.
    fn page<T: Serialize>(
        &self,
        page: &Page<T>,
        page_num: u32,
        noun: &str,
        table: impl FnOnce(&[T]) -> Table,
    ) -> io::Result<()> {
        let mut out = Self::out();
        match self.format {
            OutputFormat::Json => write_value(&mut out, page),
            OutputFormat::Table | OutputFormat::Csv | OutputFormat::Sarif => {
                table(page.results()).write_to(&mut out)?;
                let footer = page_footer(
                    page_num,
                    page.results().len(),
                    page.total_count(),
                    !page.is_last_page(),
                    noun,
                );
                writeln!(out, "{footer}")
            }
        }
    }

    /// A whole list: the page shape with every item in JSON, or a table and a count.
    fn all<T: Serialize>(
        &self,
        items: &[T],
        (one, many): (&str, &str),
        table: impl FnOnce(&[T]) -> Table,
    ) -> io::Result<()> {
        let mut out = Self::out();
        match self.format {
            OutputFormat::Json => write_value(
                &mut out,
                &AllResults {
                    results: items,
                    total_count: items.len(),
                },
            ),
            OutputFormat::Table | OutputFormat::Csv | OutputFormat::Sarif => {
                table(items).write_to(&mut out)?;
                let noun = if items.len() == 1 { one } else { many };
                writeln!(out, "{} {noun} in total.", items.len())
            }
        }
    }

    /// One access-list entry.
    pub(crate) fn entry(&self, entry: &AccessListEntry) -> io::Result<()> {
        let mut out = Self::out();
        match self.format {
            OutputFormat::Json => write_value(&mut out, entry),
            OutputFormat::Table | OutputFormat::Csv | OutputFormat::Sarif => {
                let mut fields = Fields::default();
                fields.push("Address", entry_address(entry));
                fields.push(
                    "Created",
                    entry
                        .created()
                        .map(str::to_owned)
                        .unwrap_or_else(|| "-".into()),
                );
                fields.push(
                    "Last used",
                    entry
                        .last_used()
                        .map(str::to_owned)
                        .unwrap_or_else(|| "-".into()),
                );
                fields.push("Last used from", entry.last_used_address().unwrap_or("-"));
                fields.push(
                    "Requests",
                    entry.count().map_or_else(|| "-".into(), |c| c.to_string()),
                );
                fields.write_to(&mut out)
            }
        }
    }

    /// A command without a response body (delete, assign): a sentence for people, and a
    /// small object for scripts.
    pub(crate) fn done(&self, sentence: &str, json: &impl Serialize) -> io::Result<()> {
        let mut out = Self::out();
        match self.format {
            OutputFormat::Json => write_value(&mut out, json),
            OutputFormat::Table | OutputFormat::Csv | OutputFormat::Sarif => {
                writeln!(out, "{sentence}")
            }
        }
    }
}

/// A copy of `key` whose private key is in the redacted form, whatever the server sent.
pub(crate) fn redacted(key: &ApiKey) -> ApiKey {
    key.clone().into_redacted()
}

fn key_fields(key: &ApiKey) -> Fields {
    let mut fields = Fields::default();
    fields.push("ID", key.id().as_str());
    fields.push(
        "Public key",
        key.public_key()
            .as_ref()
            .map_or("-", |k| k.as_str())
            .to_owned(),
    );
    fields.push(
        "Description",
        key.desc().map(str::to_owned).unwrap_or_else(|| "-".into()),
    );
    let roles = key
        .roles()
        .iter()
        .map(|assignment| match assignment {
            RoleAssignment::Org { org_id, role } => {
                format!("{} (organization {org_id})", role.as_str())
            }
            RoleAssignment::Project { project_id, role } => {
                format!("{} (project {project_id})", role.as_str())
            }
        })
        .collect();
    fields.push_many("Roles", roles);
    // Full only in a create or rotate response: every other caller redacts the key first.
    if let Some(private) = &key.private_key() {
        fields.push("Private key", private.expose_private_key());
    }
    fields
}

/// Ends the output of a create or rotate: flushes stdout, then, if a private key was in it,
/// says on stderr that it will not be shown again (stderr in both formats, so JSON on
/// stdout stays one clean document).
fn shown_once(mut out: io::StdoutLock<'static>, key: &ApiKey) -> io::Result<()> {
    out.flush()?;
    drop(out);
    if key.private_key().is_some() {
        eprintln!("note: save the private key now; it will not be shown again.");
    }
    Ok(())
}

fn keys_table(keys: &[ApiKey], scope: Scope<'_>) -> Table {
    let mut table = match scope {
        Scope::Org => Table::new(vec!["ID", "PUBLIC KEY", "DESCRIPTION", "PROJECTS", "ROLES"]),
        Scope::Project(_) => Table::new(vec!["ID", "PUBLIC KEY", "DESCRIPTION", "ROLES"]),
    };
    for key in keys {
        let mut row = vec![
            key.id().to_string(),
            key.public_key()
                .as_ref()
                .map_or("-", |k| k.as_str())
                .to_owned(),
            key.desc().map(str::to_owned).unwrap_or_else(|| "-".into()),
        ];
        match scope {
            Scope::Org => {
                row.push(key.project_ids().len().to_string());
                row.push(join(key.org_roles().iter().map(|r| r.as_str())));
            }
            Scope::Project(project) => {
                row.push(join(key.project_roles(project).iter().map(|r| r.as_str())))
            }
        }
        table.push(row);
    }
    table
}

fn entries_table(entries: &[AccessListEntry]) -> Table {
    let mut table = Table::new(vec!["ADDRESS", "CREATED", "LAST USED", "REQUESTS"]);
    for entry in entries {
        table.push(vec![
            entry_address(entry),
            entry
                .created()
                .map(str::to_owned)
                .unwrap_or_else(|| "-".into()),
            entry
                .last_used()
                .map(str::to_owned)
                .unwrap_or_else(|| "-".into()),
            entry.count().map_or_else(|| "-".into(), |c| c.to_string()),
        ]);
    }
    table
}

/// The canonical address when it parses, else the server's text as sent.
fn entry_address(entry: &AccessListEntry) -> String {
    entry
        .address()
        .map(|a| a.to_string())
        .or_else(|| entry.cidr_block().map(str::to_owned))
        .or_else(|| entry.ip_address().map(str::to_owned))
        .unwrap_or_else(|| "-".into())
}

fn join<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let joined = items.collect::<Vec<_>>().join(", ");
    if joined.is_empty() {
        "-".into()
    } else {
        joined
    }
}

/// `Page 2: 5 keys of 12. Next: --page 3.` — tells a person how to get the rest.
fn page_footer(
    page_num: u32,
    shown: usize,
    total: Option<u64>,
    has_next: bool,
    noun: &str,
) -> String {
    let mut footer = match total {
        Some(total) => format!("Page {page_num}: {shown} of {total} {noun}."),
        None => format!("Page {page_num}: {shown} {noun}."),
    };
    if has_next {
        footer.push_str(&format!(
            " Next: --page {}, or --all.",
            page_num.saturating_add(1)
        ));
    }
    footer
}

#[cfg(test)]
mod tests {
    use super::{page_footer, redacted};
    use atlas_keys_model::{ApiKey, PrivateKey};

    #[test]
    fn a_full_private_key_is_redacted_outside_create() {
        let key = ApiKey::new("5d1113b25a115342acc2d1aa".parse().unwrap()).with_private_key(
            PrivateKey::new("c8150efd-c7a0-4afd-8c4f-01bdd56c8977".into()),
        );
        // Even the explicit reveal of a redacted copy shows no secret.
        let shown = serde_json::to_string(&redacted(&key).revealing()).unwrap();
        assert!(!shown.contains("c8150efd"), "{shown}");
        assert!(shown.contains("********-****-****-01bdd56c8977"), "{shown}");
    }

    #[test]
    fn the_footer_points_to_the_next_page() {
        assert_eq!(
            page_footer(1, 5, Some(12), true, "keys"),
            "Page 1: 5 of 12 keys. Next: --page 2, or --all."
        );
        assert_eq!(page_footer(3, 2, None, false, "keys"), "Page 3: 2 keys.");
    }
}
