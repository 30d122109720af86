//! What each command prints on stdout, in the chosen format (table, JSON, compact JSON or
//! a JSONPath selection).
//!
//! Every document is rendered in memory and written with one `write_all`, so a closed pipe
//! is a `BrokenPipe` I/O error (which `exit` turns into a quiet status 0), never a panic
//! and never a serializer error that hides the kind.
//!
//! The one rule here: a private key is printed in full only by [`Printer::created_key`],
//! the single create response. Every other view goes through [`redacted`] first, even if a
//! server wrongly sent a full key. This module must NOT print errors or progress (stderr
//! belongs to `exit.rs` and `progress.rs`) and must NOT call the API.

pub(crate) mod format;
mod json;
mod table;

use std::io::{self, Write};

use atlas_keys_model::{AccessListEntry, ApiKey, Page, ProjectId, RoleAssignment};
use serde::Serialize;

use crate::args::OutputFormat;
use crate::config::Resolved;
use crate::exit::Failure;
use format::Format;
use json::AllResults;
use table::{Fields, Table};

/// Whose keys a list shows: the roles column differs.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope<'a> {
    /// An organization's keys: show the org roles and how many projects each key is in.
    Org,
    /// A project's keys: show each key's roles in that project.
    Project(&'a ProjectId),
}

/// How JSON is written, once `-o` said JSON of some kind.
#[derive(Debug, Clone)]
enum JsonStyle {
    Pretty,
    Compact,
    Path(serde_json_path::JsonPath),
}

/// Prints command results on stdout.
#[derive(Debug)]
pub(crate) struct Printer {
    format: OutputFormat,
    style: JsonStyle,
}

impl Printer {
    /// The printer `-o` (or MONGODB_ATLAS_OUTPUT, or the profile's `output`) and `-c`
    /// ask for; a bad value is a usage error naming where it came from.
    pub(crate) fn from_config(resolved: &Resolved, compact: bool) -> Result<Self, Failure> {
        let format = resolved.output_as(Format::parse)?.unwrap_or(Format::Table);
        let (format, style) = match format {
            Format::Table => (OutputFormat::Table, JsonStyle::Pretty),
            Format::Json if compact => (OutputFormat::Json, JsonStyle::Compact),
            Format::Json => (OutputFormat::Json, JsonStyle::Pretty),
            Format::JsonPath(path) => (OutputFormat::Json, JsonStyle::Path(path)),
            Format::Csv => (OutputFormat::Csv, JsonStyle::Pretty),
            Format::Sarif => (OutputFormat::Sarif, JsonStyle::Pretty),
        };
        Ok(Self { format, style })
    }

    /// The chosen format.
    pub(crate) fn format(&self) -> OutputFormat {
        self.format
    }

    /// Whether results (and so errors) are JSON.
    pub(crate) fn is_json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    /// Any JSON document in the chosen style (for commands with no table form).
    pub(crate) fn value(&self, value: &impl Serialize) -> io::Result<()> {
        self.write_value(&mut Self::out(), value)
    }

    /// Renders `value` whole, then writes it at once (see the module doc).
    fn write_value(&self, out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
        let text = match &self.style {
            JsonStyle::Pretty => return json::write_value(out, value).and_then(|()| out.flush()),
            JsonStyle::Compact => {
                return json::write_compact(out, value).and_then(|()| out.flush());
            }
            JsonStyle::Path(path) => {
                serde_json::to_value(value).map(|v| format::render_path(path, &v))
            }
        }
        .map_err(io::Error::other)?;
        out.write_all(text.as_bytes())?;
        out.flush()
    }

    fn out() -> io::StdoutLock<'static> {
        io::stdout().lock()
    }

    /// The one place a full private key is printed: the response of a create (or rotate).
    pub(crate) fn created_key(&self, key: &ApiKey) -> io::Result<()> {
        let mut out = Self::out();
        match self.format {
            // Asked for explicitly: serializing a key otherwise writes the redacted form.
            OutputFormat::Json => self.write_value(&mut out, &key.revealing())?,
            OutputFormat::Table | OutputFormat::Csv | OutputFormat::Sarif => {
                key_fields(key).write_to(&mut out)?
            }
        }
        shown_once(out, key)
    }

    /// One key, private key redacted.
    pub(crate) fn key(&self, key: &ApiKey) -> io::Result<()> {
        let key = redacted(key);
        let mut out = Self::out();
        match self.format {
            OutputFormat::Json => self.write_value(&mut out, &key),
            OutputFormat::Table | OutputFormat::Csv | OutputFormat::Sarif => {
                key_fields(&key).write_to(&mut out)
            }
        }
    }

    /// One page of keys, with a footer that says where the rest is.
    pub(crate) fn keys_page(
        &self,
        page: &Page<ApiKey>,
        page_num: PageAt,
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
        page_num: PageAt,
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
        page_num: PageAt,
        noun: &str,
        table: impl FnOnce(&[T]) -> Table,
    ) -> io::Result<()> {
        let mut out = Self::out();
        match self.format {
            OutputFormat::Json => self.write_value(&mut out, page),
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
            OutputFormat::Json => self.write_value(
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
            OutputFormat::Json => self.write_value(&mut out, entry),
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

    /// A command without a response body (delete, unassign, assign): a sentence for
    /// people, and for scripts one object shape for all of them: `action` (what was done:
    /// `deleted`, `unassigned`, `assigned`, …), `id` (the key), and the ids that locate it
    /// (`orgId`, `projectId`, `address`).
    pub(crate) fn done(&self, sentence: &str, json: &impl Serialize) -> io::Result<()> {
        let mut out = Self::out();
        match self.format {
            OutputFormat::Json => self.write_value(&mut out, json),
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
    if key.private_key().is_some_and(|k| !k.is_redacted()) {
        // Not eprintln!: it panics when stderr is a closed pipe.
        let _ = writeln!(
            io::stderr().lock(),
            "note: save the private key now; it will not be shown again."
        );
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

/// Which page was shown, and the `--limit` that cut it (repeated in the footer's hint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageAt {
    pub(crate) num: u32,
    pub(crate) limit: Option<u32>,
}

/// `Page 2: 5 keys of 12. Next: --page 3 --limit 5, or --all.` — tells a person how to
/// get the rest, with the same page size.
fn page_footer(at: PageAt, shown: usize, total: Option<u64>, has_next: bool, noun: &str) -> String {
    let page_num = at.num;
    let mut footer = match total {
        Some(total) => format!("Page {page_num}: {shown} of {total} {noun}."),
        None => format!("Page {page_num}: {shown} {noun}."),
    };
    if has_next {
        let limit = at
            .limit
            .map(|l| format!(" --limit {l}"))
            .unwrap_or_default();
        footer.push_str(&format!(
            " Next: --page {}{limit}, or --all.",
            page_num.saturating_add(1)
        ));
    }
    footer
}

#[cfg(test)]
mod tests {
    use super::{PageAt, page_footer, redacted};
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
        let at = |num, limit| PageAt { num, limit };
        assert_eq!(
            page_footer(at(1, None), 5, Some(12), true, "keys"),
            "Page 1: 5 of 12 keys. Next: --page 2, or --all."
        );
        assert_eq!(
            page_footer(at(1, Some(5)), 5, Some(12), true, "keys"),
            "Page 1: 5 of 12 keys. Next: --page 2 --limit 5, or --all."
        );
        assert_eq!(
            page_footer(at(3, None), 2, None, false, "keys"),
            "Page 3: 2 keys."
        );
    }
}
