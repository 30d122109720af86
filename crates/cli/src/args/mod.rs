//! The command tree as clap sees it: global options, the top-level commands, and the value
//! parsers that turn flags into validated model types.
//!
//! Every id, role, description and address is parsed here with the model's own types, so
//! a bad value is a clap usage error (exit 2) that names the flag, the rule and the value,
//! and nothing invalid ever reaches the network. This module must NOT do I/O or talk to
//! the API: it only describes and parses the command line.

mod access_lists;
pub(crate) mod audit;
mod orgs;
mod projects;
pub(crate) mod settings;

pub(crate) use access_lists::AccessListCommand;
pub(crate) use orgs::{OrgApiKeysCommand, OrgCommand, OrgSubcommand};
pub(crate) use projects::{ProjectApiKeysCommand, ProjectCommand, ProjectSubcommand};

use atlas_keys_model::{AccessListAddress, ApiKeyId, Flavour, OrgId, ProjectId};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Manage MongoDB Atlas, Cloud Manager and Ops Manager Programmatic API Keys.
///
/// Credentials come from the environment: MONGODB_ATLAS_PUBLIC_API_KEY and
/// MONGODB_ATLAS_PRIVATE_API_KEY (HTTP Digest), or MONGODB_ATLAS_CLIENT_ID and
/// MONGODB_ATLAS_CLIENT_SECRET (service account). MONGODB_ATLAS_BASE_URL or
/// MONGODB_ATLAS_OPS_MANAGER_URL choose the server.
#[derive(Debug, Parser)]
#[command(
    name = "atlas-keys",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Table, global = true)]
    pub(crate) output: OutputFormat,

    /// The server's base URL, e.g. https://cloud.mongodb.com (overrides MONGODB_ATLAS_BASE_URL).
    #[arg(long = "base-url", value_name = "URL", global = true, value_parser = parse_base_url)]
    pub(crate) base_url: Option<String>,

    /// Which API the server speaks: atlas (v2), atlas-v1, cloud-manager or ops-manager.
    #[arg(long, alias = "flavour", value_name = "FLAVOR", global = true)]
    pub(crate) flavor: Option<Flavour>,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// How results are printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// Aligned columns for people.
    Table,
    /// The API's JSON, pretty-printed, for scripts.
    Json,
    /// Comma-separated values (`audit` only).
    Csv,
    /// SARIF 2.1.0 for code-scanning tools (`audit` only).
    Sarif,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Organization API keys and their access lists.
    #[command(visible_alias = "orgs", alias = "organization", alias = "org")]
    Organizations(OrgCommand),
    /// Project API keys: create, list, assign, change roles, unassign.
    #[command(alias = "project", alias = "groups")]
    Projects(ProjectCommand),
    /// Replace a key with a new one (same roles, assignments and access list), print the new
    /// secret once, then delete the old key.
    Rotate(RotateArgs),
    /// Report every key of an organization: roles, access list, use, findings. Read-only.
    Audit(audit::AuditArgs),
    /// Run the local emulator of the API (same flags as atlas-keys-emulator).
    Emulator(atlas_keys_emulator::cli::EmulatorArgs),
}

/// `atlas-keys rotate KEY_ID --orgId ID`.
#[derive(Debug, Args)]
pub(crate) struct RotateArgs {
    /// The key to replace.
    #[arg(value_name = "KEY_ID")]
    pub(crate) key_id: ApiKeyId,
    #[command(flatten)]
    pub(crate) org: OrgIdArg,
}

/// `--orgId`, defaulting to MONGODB_ATLAS_ORG_ID.
#[derive(Debug, Args)]
pub(crate) struct OrgIdArg {
    /// The organization (defaults to MONGODB_ATLAS_ORG_ID).
    #[arg(
        long = "orgId",
        alias = "org-id",
        value_name = "ID",
        env = "MONGODB_ATLAS_ORG_ID"
    )]
    pub(crate) org_id: OrgId,
}

/// `--projectId`, defaulting to MONGODB_ATLAS_PROJECT_ID.
#[derive(Debug, Args)]
pub(crate) struct ProjectIdArg {
    /// The project (defaults to MONGODB_ATLAS_PROJECT_ID).
    #[arg(
        long = "projectId",
        alias = "project-id",
        value_name = "ID",
        env = "MONGODB_ATLAS_PROJECT_ID"
    )]
    pub(crate) project_id: ProjectId,
}

/// `--force`: skip the confirmation prompt of a delete.
#[derive(Debug, Args)]
pub(crate) struct ForceArg {
    /// Delete without asking. Required when stdin is not a terminal.
    #[arg(long)]
    pub(crate) force: bool,
}

/// Paging flags shared by every list.
#[derive(Debug, Args)]
pub(crate) struct PagingArgs {
    /// The page to show (1-based).
    #[arg(long, value_name = "N", conflicts_with = "all", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) page: Option<u32>,
    /// Items per page, 1 to 500 (server default 100).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=500))]
    pub(crate) limit: Option<u32>,
    /// Do not ask the server to count the items.
    #[arg(long = "omitCount", alias = "omit-count")]
    pub(crate) omit_count: bool,
    /// Fetch every page and show all items.
    #[arg(long)]
    pub(crate) all: bool,
}

// Value parsers. Ids, roles, descriptions, addresses and flavours need none: clap parses
// them with the model's `FromStr`, whose `ValidationError` names the field, the rule and the
// value in one line; clap adds the flag name in front.

/// `--ip` takes one address; a block belongs in `--cidr`, so say so rather than guess.
pub(crate) fn parse_single_ip(s: &str) -> Result<AccessListAddress, String> {
    let address = AccessListAddress::parse(s).map_err(|e| e.to_string())?;
    if address.is_single_address() {
        Ok(address)
    } else {
        Err(format!(
            "invalid ipAddress: must be a single address (use --cidr for a block), got {s:?}"
        ))
    }
}

/// `--cidr` takes a block; a bare address is accepted as its /32 or /128.
pub(crate) fn parse_cidr(s: &str) -> Result<AccessListAddress, String> {
    AccessListAddress::parse(s).map_err(|e| e.to_string().replacen("ipAddress", "cidrBlock", 1))
}

/// Only the scheme is checked here; the client builder checks the rest before any I/O.
pub(crate) fn parse_base_url(s: &str) -> Result<String, String> {
    if s.starts_with("https://") || s.starts_with("http://") {
        Ok(s.to_owned())
    } else {
        Err(format!("must start with http:// or https://, got {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::{CommandFactory, Parser};

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any value in any position parses or is refused; nothing panics.
        #[test]
        fn no_input_panics_the_parser(value in "\\PC{0,40}", slot in 0usize..8) {
            let key = "5d1113b25a115342acc2d1aa";
            let org = "4888442a3354817a7320eb61";
            let mut args: Vec<String> = match slot {
                0 => vec!["organizations", "apiKeys", "create", "--orgId", org, "--desc", &value, "--role", "ORG_MEMBER"],
                1 => vec!["organizations", "apiKeys", "create", "--orgId", org, "--desc", "d", "--role", &value],
                2 => vec!["organizations", "apiKeys", "describe", &value, "--orgId", org],
                3 => vec!["organizations", "apiKeys", "list", "--orgId", &value, "--limit", "5"],
                4 => vec!["projects", "apiKeys", "assign", key, "--projectId", org, "--role", &value],
                5 => vec!["organizations", "apiKeys", "accessLists", "create", "--orgId", org, "--apiKey", key, "--cidr", &value],
                6 => vec!["organizations", "apiKeys", "accessLists", "describe", &value, "--orgId", org, "--apiKey", key],
                _ => vec!["projects", "apiKeys", "list", "--projectId", org, "--page", &value],
            }
            .into_iter()
            .map(str::to_owned)
            .collect();
            args.insert(0, "atlas-keys".to_owned());
            let _ = Cli::try_parse_from(args);
        }
    }
}
