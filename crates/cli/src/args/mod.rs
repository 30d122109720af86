//! The command tree as clap sees it: global options, the top-level commands, and the value
//! parsers that turn flags into validated model types.
//!
//! Every id, role, description and address is parsed here with the model's own types, so
//! a bad value is a clap usage error (exit 2) that names the flag, the rule and the value,
//! and nothing invalid ever reaches the network. This module must NOT do I/O or talk to
//! the API: it only describes and parses the command line.

mod access_lists;
pub(crate) mod audit;
mod ci_access;
pub(crate) mod defaults;
pub(crate) mod examples;
mod orgs;
mod projects;
mod rotate;
pub(crate) mod settings;

pub(crate) use access_lists::AccessListCommand;
pub(crate) use ci_access::{CiAccessArgs, CiAccessCommand};
pub(crate) use orgs::{OrgApiKeysCommand, OrgCommand, OrgSubcommand};
pub(crate) use projects::{ProjectApiKeysCommand, ProjectCommand, ProjectSubcommand};
pub(crate) use rotate::{
    JournalArg, RotateArgs, RotateCommand, RotateFinish, RotateResume, RotateStart,
};

use atlas_keys_model::{AccessListAddress, Flavour, OrgId, ProjectId};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Manage MongoDB Atlas, Cloud Manager and Ops Manager Programmatic API Keys.
///
/// Settings come, in this order, from flags, MONGODB_ATLAS_* variables, then the Atlas CLI
/// profile (-P, else `default`) in its config.toml. Credentials: MONGODB_ATLAS_PUBLIC_API_KEY
/// and MONGODB_ATLAS_PRIVATE_API_KEY (HTTP Digest), or MONGODB_ATLAS_CLIENT_ID and
/// MONGODB_ATLAS_CLIENT_SECRET (service account), or the profile's keys.
/// MONGODB_ATLAS_BASE_URL or MONGODB_ATLAS_OPS_MANAGER_URL choose the server.
#[derive(Debug, Parser)]
#[command(
    name = "atlas-keys",
    version = VERSION,
    propagate_version = true,
    max_term_width = 100,
    after_help = examples::ROOT
)]
pub(crate) struct Cli {
    /// Output format: table, json, or json-path=EXPR (default table; also
    /// MONGODB_ATLAS_OUTPUT or the profile's `output`). go-template is not supported.
    #[arg(short = 'o', long, value_name = "FORMAT", global = true, help_heading = GLOBAL)]
    pub(crate) output: Option<String>,

    /// With -o json: one line instead of pretty-printed.
    #[arg(short = 'c', long, global = true, help_heading = GLOBAL)]
    pub(crate) compact: bool,

    /// The Atlas CLI profile to read from its config.toml (default: MONGODB_ATLAS_PROFILE,
    /// the only profile, or `default`).
    #[arg(short = 'P', long, value_name = "NAME", global = true, help_heading = GLOBAL)]
    pub(crate) profile: Option<String>,

    /// The server's base URL, e.g. https://cloud.mongodb.com (overrides MONGODB_ATLAS_BASE_URL).
    #[arg(long = "base-url", value_name = "URL", global = true, value_parser = parse_base_url, help_heading = GLOBAL)]
    pub(crate) base_url: Option<String>,

    /// Which API the server speaks: atlas (v2), atlas-v1, cloud-manager or ops-manager.
    #[arg(long, alias = "flavour", value_name = "FLAVOR", global = true, help_heading = GLOBAL)]
    pub(crate) flavor: Option<Flavour>,

    /// A PEM bundle of extra root certificates, for an Ops Manager with a private CA (also the
    /// profile's `ca_file`; SSL_CERT_FILE replaces the system store).
    #[arg(long = "ca-file", value_name = "PATH", global = true, help_heading = GLOBAL)]
    pub(crate) ca_file: Option<String>,

    /// The deadline of one call, every retry and challenge included, in seconds (default 60;
    /// also ATLAS_KEYS_TIMEOUT).
    #[arg(long, value_name = "SECONDS", global = true, env = "ATLAS_KEYS_TIMEOUT", value_parser = parse_timeout, help_heading = GLOBAL)]
    pub(crate) timeout: Option<std::time::Duration>,

    /// Send a bearer token or client secret over plain http:// to a host other than loopback.
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub(crate) allow_insecure_http: bool,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The heading of the flags every command takes, kept apart from each command's own.
pub(crate) const GLOBAL: &str = "Global options";

/// `--version`: the crate version and the commit it was built from (build.rs).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("ATLAS_KEYS_GIT_COMMIT"),
    ")"
);

/// How results are printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// Aligned columns for people.
    Table,
    /// The API's JSON (pretty, compact, or filtered by json-path), for scripts.
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
    #[command(visible_alias = "orgs", alias = "organization", alias = "org", after_help = examples::ORGS)]
    Organizations(OrgCommand),
    /// Project API keys: create, list, assign, change roles, unassign.
    #[command(alias = "project", alias = "groups", after_help = examples::PROJECTS)]
    Projects(ProjectCommand),
    /// Replace a key with a new one (same roles, assignments and access list) without losing
    /// its secret: deliver it, verify it, then delete the old key (one shot or two phases).
    #[command(after_help = examples::ROTATE)]
    Rotate(RotateArgs),
    /// Report every key of an organization: roles, access list, use, findings. Read-only.
    #[command(after_help = examples::AUDIT)]
    Audit(audit::AuditArgs),
    /// Run a command with temporary access: this machine's address on a key's access list,
    /// or an ephemeral project key; removed when the command ends (`reap` after a crash).
    #[command(name = "ci-access", after_help = examples::CI_ACCESS)]
    CiAccess(CiAccessArgs),
    /// Which credential, profile and settings a command would use (never a secret), and
    /// clearing cached service-account tokens.
    #[command(after_help = examples::AUTH)]
    Auth(AuthArgs),
    /// Print a shell completion script: bash, zsh, fish or powershell.
    #[command(after_help = examples::COMPLETION)]
    Completion(CompletionArgs),
    /// Run the local emulator of the API (same flags as atlas-keys-emulator).
    #[command(after_help = examples::EMULATOR)]
    Emulator(atlas_keys_emulator::cli::EmulatorArgs),
    /// Writes one man page per command into DIR (run by `cargo xtask man`).
    #[command(name = "__man", hide = true)]
    Man(ManArgs),
}

/// `atlas-keys auth …`.
#[derive(Debug, Args)]
pub(crate) struct AuthArgs {
    #[command(subcommand)]
    pub(crate) command: AuthCommand,
}

/// What `auth` does: no login here (the Atlas CLI's `auth login` is a browser flow for
/// user accounts, which this tool cannot use).
#[derive(Debug, Subcommand)]
pub(crate) enum AuthCommand {
    /// Show the credential (public key or client id only), the profile and where every
    /// setting came from. Sends no request.
    #[command(after_help = examples::WHOAMI)]
    Whoami,
    /// Forget cached service-account access tokens (all of them). Profiles, keyring
    /// entries and variables are left alone.
    #[command(after_help = examples::LOGOUT)]
    Logout,
}

/// `atlas-keys completion SHELL`.
#[derive(Debug, Args)]
pub(crate) struct CompletionArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

/// `atlas-keys __man DIR`.
#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// Where to write the pages (created if missing).
    #[arg(value_name = "DIR")]
    pub(crate) dir: std::path::PathBuf,
}

/// `--orgId`. Its default (MONGODB_ATLAS_ORG_ID, then the profile's `org_id`) is set by
/// [`defaults::with_defaults`] once the configuration is loaded, so a malformed default
/// only fails the commands that take `--orgId`.
#[derive(Debug, Args)]
pub(crate) struct OrgIdArg {
    /// The organization (default: MONGODB_ATLAS_ORG_ID or the profile's org_id).
    #[arg(long = "orgId", alias = "org-id", value_name = "ID")]
    pub(crate) org_id: OrgId,
}

/// `--projectId`, defaulted like [`OrgIdArg`].
#[derive(Debug, Args)]
pub(crate) struct ProjectIdArg {
    /// The project (default: MONGODB_ATLAS_PROJECT_ID or the profile's project_id).
    #[arg(long = "projectId", alias = "project-id", value_name = "ID")]
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

/// The message of a `--role` typo: the roles each flavour accepts, grouped where flavours
/// share a set, and the flag that sends a role this client does not know yet.
fn role_choices(
    what: &str,
    roles_of: impl Fn(Flavour) -> Vec<&'static str>,
    unchecked_flag: &str,
) -> String {
    let mut groups: Vec<(Vec<&str>, Vec<&'static str>)> = Vec::new();
    for flavour in Flavour::ALL {
        let roles = roles_of(flavour);
        match groups.iter_mut().find(|(_, r)| *r == roles) {
            Some((names, _)) => names.push(flavour.as_str()),
            None => groups.push((vec![flavour.as_str()], roles)),
        }
    }
    let listed: Vec<String> = groups
        .iter()
        .map(|(names, roles)| format!("{}: {}", names.join(", "), roles.join(", ")))
        .collect();
    format!(
        "not a known {what}; valid roles are, for {}; for a role this client does not know \
         yet, use {unchecked_flag}",
        listed.join("; for ")
    )
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
/// `--timeout`: a positive number of seconds, at most a day.
pub(crate) fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    match s.trim().parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs <= 86_400.0 => Ok(std::time::Duration::from_secs_f64(secs)),
        _ => Err(format!(
            "must be a number of seconds above 0 and at most 86400, got {s:?}"
        )),
    }
}

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
