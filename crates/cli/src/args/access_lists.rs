//! `atlas-keys organizations apiKeys accessLists …`: a key's IP access list.
//!
//! Addresses are parsed with the model's `AccessListAddress`, so `--ip 192.0.2.1/24` is a
//! usage error before any request. This module must NOT run anything.

use atlas_keys_model::{AccessListAddress, ApiKeyId};
use clap::{Args, Subcommand};

use super::examples as ex;
use super::{ForceArg, OrgIdArg, PagingArgs, parse_cidr, parse_single_ip};

/// The access-list commands.
#[derive(Debug, Subcommand)]
pub(crate) enum AccessListCommand {
    /// Add addresses or CIDR blocks to a key's access list.
    #[command(after_help = ex::ACCESS_LIST_CREATE)]
    Create(AccessListCreate),
    /// List a key's access-list entries.
    #[command(visible_alias = "ls", after_help = ex::ACCESS_LIST_LIST)]
    List(AccessListList),
    /// Show one entry.
    #[command(visible_alias = "show", alias = "get", after_help = ex::ACCESS_LIST_DESCRIBE)]
    Describe(AccessListEntryArgs),
    /// Remove one entry.
    #[command(visible_alias = "rm", after_help = ex::ACCESS_LIST_DELETE)]
    Delete(AccessListDelete),
}

/// `--orgId ID --apiKey KEY_ID`: whose access list.
#[derive(Debug, Args)]
pub(crate) struct AccessListTarget {
    #[command(flatten)]
    pub(crate) org: OrgIdArg,
    /// The key whose access list this is.
    #[arg(long = "apiKey", alias = "api-key", value_name = "KEY_ID")]
    pub(crate) key_id: ApiKeyId,
}

/// `create --orgId ID --apiKey KEY_ID (--ip IP | --cidr CIDR)…`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("entries").required(true).multiple(true).args(["ips", "cidrs", "current_ip"]))]
pub(crate) struct AccessListCreate {
    #[command(flatten)]
    pub(crate) target: AccessListTarget,
    /// A single IPv4 or IPv6 address; repeat or separate with commas.
    #[arg(long = "ip", value_name = "IP", value_delimiter = ',', value_parser = parse_single_ip)]
    pub(crate) ips: Vec<AccessListAddress>,
    /// A CIDR block such as 192.0.2.0/24; repeat or separate with commas.
    #[arg(long = "cidr", value_name = "CIDR", value_delimiter = ',', value_parser = parse_cidr)]
    pub(crate) cidrs: Vec<AccessListAddress>,
    /// Add the address this command runs from, as the service sees it (its ipinfo
    /// endpoint), so a NAT or proxy in between is accounted for.
    #[arg(long = "currentIp", alias = "current-ip")]
    pub(crate) current_ip: bool,
}

/// `list KEY_ID --orgId ID [paging]` (the Atlas CLI's shape), or `--apiKey KEY_ID` as its
/// older releases and documentation examples have it.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("key").required(true).args(["key_id", "key_flag"]))]
pub(crate) struct AccessListList {
    /// The key whose access list this is.
    #[arg(value_name = "API_KEY_ID")]
    pub(crate) key_id: Option<ApiKeyId>,
    /// The same, as a flag.
    #[arg(long = "apiKey", alias = "api-key", value_name = "KEY_ID")]
    pub(crate) key_flag: Option<ApiKeyId>,
    #[command(flatten)]
    pub(crate) org: OrgIdArg,
    #[command(flatten)]
    pub(crate) paging: PagingArgs,
}

impl AccessListList {
    /// The key, whichever way it was given (the group makes exactly one required).
    pub(crate) fn key(&self) -> Option<&ApiKeyId> {
        self.key_id.as_ref().or(self.key_flag.as_ref())
    }
}

/// `IP_OR_CIDR --orgId ID --apiKey KEY_ID`.
#[derive(Debug, Args)]
pub(crate) struct AccessListEntryArgs {
    /// The address or CIDR block of the entry.
    #[arg(value_name = "IP_OR_CIDR")]
    pub(crate) address: AccessListAddress,
    #[command(flatten)]
    pub(crate) target: AccessListTarget,
}

/// `delete IP_OR_CIDR --orgId ID --apiKey KEY_ID --force`.
#[derive(Debug, Args)]
pub(crate) struct AccessListDelete {
    #[command(flatten)]
    pub(crate) entry: AccessListEntryArgs,
    #[command(flatten)]
    pub(crate) force: ForceArg,
}
