//! `atlas-keys organizations apiKeys …`: the organization-key commands and their flags.
//!
//! Flag names follow the Atlas CLI (`--orgId`, `--desc`, `--role`). This module must NOT
//! run anything; the commands module does.

use atlas_keys_model::{ApiKeyId, Description, OrgRole};
use clap::{Args, Subcommand};

use super::examples as ex;
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
        alias = "api-keys",
        alias = "apiKey",
        alias = "api-key",
        after_help = ex::ORG_KEYS
    )]
    ApiKeys(OrgApiKeysArgs),
    /// The organization's settings (apiAccessListRequired).
    #[command(after_help = ex::SETTINGS)]
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
    #[command(after_help = ex::ORG_KEY_CREATE)]
    Create(OrgKeyCreate),
    /// List the organization's keys, one page or --all.
    #[command(visible_alias = "ls", after_help = ex::ORG_KEY_LIST)]
    List(OrgKeyList),
    /// Show one key (the private key redacted).
    #[command(visible_alias = "show", alias = "get", after_help = ex::ORG_KEY_DESCRIBE)]
    Describe(OrgKeyTarget),
    /// Change a key's description or organization roles (the Atlas CLI's `assign`).
    #[command(
        name = "assign",
        visible_alias = "update",
        alias = "updates",
        after_help = ex::ORG_KEY_ASSIGN
    )]
    Update(OrgKeyUpdate),
    /// Delete a key from the organization and every project.
    #[command(visible_alias = "rm", after_help = ex::ORG_KEY_DELETE)]
    Delete(OrgKeyDelete),
    /// A key's IP access list.
    #[command(
        name = "accessLists",
        visible_alias = "accesslists",
        alias = "accessList",
        alias = "access-lists",
        alias = "accesslist",
        alias = "access-list",
        alias = "whitelists",
        alias = "whitelist",
        after_help = ex::ACCESS_LISTS
    )]
    AccessLists(AccessListArgs),
    /// Replace a key without losing its secret (same as `atlas-keys rotate`).
    #[command(after_help = ex::ROTATE)]
    Rotate(Box<super::RotateArgs>),
}

/// `create --orgId ID --desc TEXT --role ROLE… [--role-unchecked ROLE…]`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("role_args").required(true).multiple(true).args(["roles", "roles_unchecked"]))]
pub(crate) struct OrgKeyCreate {
    #[command(flatten)]
    pub(crate) org: OrgIdArg,
    /// The key's description, 1 to 250 characters.
    #[arg(long, value_name = "TEXT")]
    pub(crate) desc: Description,
    /// An organization role (ORG_*); repeat or separate with commas.
    #[arg(long = "role", value_name = "ROLE", value_delimiter = ',', value_parser = parse_org_role)]
    pub(crate) roles: Vec<OrgRole>,
    /// An organization role this client does not know yet (ORG_[A-Z0-9_]+), sent as
    /// given; repeatable. The server judges it.
    #[arg(long = "role-unchecked", value_name = "ROLE", value_parser = parse_unchecked_org_role)]
    pub(crate) roles_unchecked: Vec<OrgRole>,
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
#[command(group = clap::ArgGroup::new("changes").required(true).multiple(true).args(["desc", "roles", "roles_unchecked"]))]
pub(crate) struct OrgKeyUpdate {
    #[command(flatten)]
    pub(crate) target: OrgKeyTarget,
    /// The new description.
    #[arg(long, value_name = "TEXT")]
    pub(crate) desc: Option<Description>,
    /// The new organization roles; they replace the old ones.
    #[arg(long = "role", value_name = "ROLE", value_delimiter = ',', value_parser = parse_org_role)]
    pub(crate) roles: Vec<OrgRole>,
    /// A new organization role this client does not know yet (ORG_[A-Z0-9_]+).
    #[arg(long = "role-unchecked", value_name = "ROLE", value_parser = parse_unchecked_org_role)]
    pub(crate) roles_unchecked: Vec<OrgRole>,
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

impl OrgKeyCreate {
    /// `--role` then `--role-unchecked`, in the order given.
    pub(crate) fn all_roles(&self) -> Vec<OrgRole> {
        self.roles
            .iter()
            .chain(&self.roles_unchecked)
            .cloned()
            .collect()
    }
}

impl OrgKeyUpdate {
    /// `--role` then `--role-unchecked`, in the order given.
    pub(crate) fn all_roles(&self) -> Vec<OrgRole> {
        self.roles
            .iter()
            .chain(&self.roles_unchecked)
            .cloned()
            .collect()
    }
}

/// `--role`: a role this client knows; a typo fails here, before any request, with the
/// roles each flavour accepts.
fn parse_org_role(s: &str) -> Result<OrgRole, String> {
    OrgRole::parse(s).map_err(|_| {
        super::role_choices(
            "organization role",
            |f| f.org_roles().iter().map(OrgRole::as_str).collect(),
            "--role-unchecked",
        )
    })
}

/// `--role-unchecked`: any well-shaped `ORG_*` role, sent as given.
fn parse_unchecked_org_role(s: &str) -> Result<OrgRole, String> {
    let role = OrgRole::unchecked(s);
    if role.is_well_shaped() {
        Ok(role)
    } else {
        Err("must look like ORG_[A-Z0-9_]+".to_owned())
    }
}
