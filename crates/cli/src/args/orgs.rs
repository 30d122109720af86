//! `atlas-keys organizations apiKeys …`: the organization-key commands and their flags.
//!
//! Flag names follow the Atlas CLI (`--orgId`, `--desc`, `--role`). This module must NOT
//! run anything; the commands module does.

use atlas_keys_model::{ApiKeyId, Description, OrgRole};
use clap::{Args, Subcommand};

use super::{AccessListCommand, ForceArg, OrgIdArg, PagingArgs};

/// `atlas-keys organizations …`.
#[derive(Debug, Args)]
pub(crate) struct OrgCommand {
    #[command(subcommand)]
    pub(crate) command: OrgSubcommand,
}

/// What lives under an organization; only API keys here.
#[derive(Debug, Subcommand)]
pub(crate) enum OrgSubcommand {
    /// The organization's programmatic API keys.
    #[command(
        name = "apiKeys",
        visible_alias = "apikeys",
        alias = "apikey",
        alias = "api-keys"
    )]
    ApiKeys(OrgApiKeysArgs),
    /// The organization's settings (apiAccessListRequired).
    Settings(super::settings::SettingsArgs),
}

/// `atlas-keys organizations apiKeys …`.
#[derive(Debug, Args)]
pub(crate) struct OrgApiKeysArgs {
    #[command(subcommand)]
    pub(crate) command: OrgApiKeysCommand,
}

/// The organization-key commands.
#[derive(Debug, Subcommand)]
pub(crate) enum OrgApiKeysCommand {
    /// Create an organization key. Its private key is printed once, here only.
    Create(OrgKeyCreate),
    /// List the organization's keys, one page or --all.
    #[command(visible_alias = "ls")]
    List(OrgKeyList),
    /// Show one key (the private key redacted).
    #[command(visible_alias = "get")]
    Describe(OrgKeyTarget),
    /// Change a key's description or organization roles.
    Update(OrgKeyUpdate),
    /// Delete a key from the organization and every project.
    #[command(visible_alias = "rm")]
    Delete(OrgKeyDelete),
    /// A key's IP access list.
    #[command(
        name = "accessLists",
        visible_alias = "accesslists",
        alias = "accessList",
        alias = "access-lists"
    )]
    AccessLists(AccessListArgs),
}

/// `create --orgId ID --desc TEXT --role ROLE…`.
#[derive(Debug, Args)]
pub(crate) struct OrgKeyCreate {
    #[command(flatten)]
    pub(crate) org: OrgIdArg,
    /// The key's description, 1 to 250 characters.
    #[arg(long, value_name = "TEXT")]
    pub(crate) desc: Description,
    /// An organization role (ORG_*); repeat or separate with commas.
    #[arg(
        long = "role",
        value_name = "ROLE",
        required = true,
        value_delimiter = ','
    )]
    pub(crate) roles: Vec<OrgRole>,
}

/// `list --orgId ID [paging]`.
#[derive(Debug, Args)]
pub(crate) struct OrgKeyList {
    #[command(flatten)]
    pub(crate) org: OrgIdArg,
    #[command(flatten)]
    pub(crate) paging: PagingArgs,
}

/// `KEY_ID --orgId ID`.
#[derive(Debug, Args)]
pub(crate) struct OrgKeyTarget {
    /// The key's id.
    #[arg(value_name = "KEY_ID")]
    pub(crate) key_id: ApiKeyId,
    #[command(flatten)]
    pub(crate) org: OrgIdArg,
}

/// `update KEY_ID --orgId ID [--desc TEXT] [--role ROLE…]`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("changes").required(true).multiple(true).args(["desc", "roles"]))]
pub(crate) struct OrgKeyUpdate {
    #[command(flatten)]
    pub(crate) target: OrgKeyTarget,
    /// The new description.
    #[arg(long, value_name = "TEXT")]
    pub(crate) desc: Option<Description>,
    /// The new organization roles; they replace the old ones.
    #[arg(long = "role", value_name = "ROLE", value_delimiter = ',')]
    pub(crate) roles: Vec<OrgRole>,
}

/// `delete KEY_ID --orgId ID [--force]`.
#[derive(Debug, Args)]
pub(crate) struct OrgKeyDelete {
    #[command(flatten)]
    pub(crate) target: OrgKeyTarget,
    #[command(flatten)]
    pub(crate) force: ForceArg,
}

/// `accessLists …`.
#[derive(Debug, Args)]
pub(crate) struct AccessListArgs {
    #[command(subcommand)]
    pub(crate) command: AccessListCommand,
}
