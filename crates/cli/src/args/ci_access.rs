//! `atlas-keys ci-access …`: temporary access for a CI job, and `ci-access reap`.
//!
//! This module must NOT run anything (commands/ci_access.rs does).

use std::time::Duration;

use atlas_keys_model::{AccessListAddress, ApiKeyId, ProjectId, ProjectRole};
use clap::{Args, Subcommand};

use super::rotate::parse_duration;

/// `ci-access --apiKey ID … -- COMMAND…`, `ci-access --ephemeral-key … -- COMMAND…`, or
/// `ci-access reap`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct CiAccessArgs {
    #[command(subcommand)]
    pub(crate) command: Option<CiAccessCommand>,
    #[command(flatten)]
    pub(crate) run: CiAccessRun,
}

/// `ci-access reap`.
#[derive(Debug, Subcommand)]
pub(crate) enum CiAccessCommand {
    /// Remove the entries and ephemeral keys of runs that ended or whose TTL passed.
    #[command(after_help = super::examples::CI_REAP)]
    Reap(CiReap),
}

/// `reap [--orgId ID]`.
#[derive(Debug, Args)]
pub(crate) struct CiReap {
    /// Also list this organization's keys and delete expired ephemeral keys found by the
    /// marker in their description (default: MONGODB_ATLAS_ORG_ID or the profile's org_id).
    #[arg(long = "orgId", alias = "org-id", value_name = "ID")]
    pub(crate) org_id: Option<atlas_keys_model::OrgId>,
}

/// The flags of one run.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("mode").required(true).args(["api_key", "ephemeral_key"]))]
pub(crate) struct CiAccessRun {
    /// Add this machine's address to this organization key's access list for the run.
    #[arg(long = "apiKey", alias = "api-key", value_name = "ID")]
    pub(crate) api_key: Option<ApiKeyId>,
    /// Create a project key for the run, restricted to this machine's address; its
    /// credentials go only to the command's environment.
    #[arg(long = "ephemeral-key", requires_all = ["project_id", "roles"])]
    pub(crate) ephemeral_key: bool,
    /// The project of the ephemeral key.
    #[arg(long = "projectId", alias = "project-id", value_name = "ID")]
    pub(crate) project_id: Option<ProjectId>,
    /// The ephemeral key's project roles.
    #[arg(long = "role", value_name = "ROLE", value_delimiter = ',')]
    pub(crate) roles: Vec<ProjectRole>,
    /// The organization of the key (default: MONGODB_ATLAS_ORG_ID or the profile's org_id).
    #[arg(long = "orgId", alias = "org-id", value_name = "ID")]
    pub(crate) org_id: Option<atlas_keys_model::OrgId>,
    /// How long the access may live if this process is killed (`ci-access reap` removes
    /// it after that).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "30m")]
    pub(crate) ttl: Duration,
    /// The address to admit (default: as the service sees this machine).
    #[arg(long, value_name = "ADDR", value_parser = super::parse_single_ip)]
    pub(crate) ip: Option<AccessListAddress>,
    /// The command to run.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub(crate) command: Vec<String>,
}
