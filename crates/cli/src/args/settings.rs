//! `atlas-keys organizations settings describe|update`: the organization settings the key
//! audit cares about (`apiAccessListRequired`, Atlas only).
//!
//! This module must NOT run anything; `commands::settings` does.

use clap::{Args, Subcommand};

use super::OrgIdArg;

/// `atlas-keys organizations settings …`.
#[derive(Debug, Args)]
pub(crate) struct SettingsArgs {
    #[command(subcommand)]
    pub(crate) command: SettingsCommand,
}

/// The settings commands.
#[derive(Debug, Subcommand)]
pub(crate) enum SettingsCommand {
    /// Show the organization's settings.
    #[command(visible_alias = "get", after_help = super::examples::SETTINGS_DESCRIBE)]
    Describe(OrgIdArg),
    /// Change the organization's settings.
    #[command(after_help = super::examples::SETTINGS_UPDATE)]
    Update(SettingsUpdate),
}

/// `update --orgId ID --apiAccessListRequired true|false`.
#[derive(Debug, Args)]
pub(crate) struct SettingsUpdate {
    #[command(flatten)]
    pub(crate) org: OrgIdArg,
    /// Require every API request to come from an address on the key's access list.
    #[arg(
        long = "apiAccessListRequired",
        alias = "api-access-list-required",
        value_name = "BOOL",
        required = true,
        action = clap::ArgAction::Set
    )]
    pub(crate) api_access_list_required: bool,
}
