//! `atlas-keys projects apiKeys …`: keys as seen from one project, and their roles there.
//!
//! Flag names follow the Atlas CLI (`--projectId`, `--desc`, `--role`). This module must
//! NOT run anything; the commands module does.

use atlas_keys_model::{ApiKeyId, Description, ProjectRole};
use clap::{Args, Subcommand};

use super::examples as ex;
use super::{ForceArg, PagingArgs, ProjectIdArg};

/// `atlas-keys projects …`.
#[derive(Debug, Args)]
pub(crate) struct ProjectCommand {
    #[command(subcommand)]
    pub(crate) command: ProjectSubcommand,
}

/// What lives under a project; only API keys here.
#[derive(Debug, Subcommand)]
pub(crate) enum ProjectSubcommand {
    /// The project's programmatic API keys.
    #[command(
        name = "apiKeys",
        visible_alias = "apikeys",
        alias = "apikey",
        alias = "api-keys",
        alias = "apiKey",
        alias = "api-key",
        after_help = ex::PROJECT_KEYS
    )]
    ApiKeys(ProjectApiKeysArgs),
}

/// `atlas-keys projects apiKeys …`.
#[derive(Debug, Args)]
pub(crate) struct ProjectApiKeysArgs {
    #[command(subcommand)]
    pub(crate) command: ProjectApiKeysCommand,
}

/// The project-key commands.
#[derive(Debug, Subcommand)]
pub(crate) enum ProjectApiKeysCommand {
    /// Create an organization key and assign it to the project. Its private key is printed
    /// once, here only.
    #[command(after_help = ex::PROJECT_KEY_CREATE)]
    Create(ProjectKeyCreate),
    /// List the keys assigned to the project, one page or --all.
    #[command(visible_alias = "ls", after_help = ex::PROJECT_KEY_LIST)]
    List(ProjectKeyList),
    /// Assign an existing organization key to the project.
    #[command(after_help = ex::PROJECT_KEY_ASSIGN)]
    Assign(ProjectKeyRoles),
    /// Replace a key's roles in the project.
    #[command(after_help = ex::PROJECT_KEY_UPDATE)]
    Update(ProjectKeyRoles),
    /// Remove a key from the project (the key itself stays in the organization).
    #[command(visible_alias = "rm", alias = "unassign", after_help = ex::PROJECT_KEY_DELETE)]
    Delete(ProjectKeyDelete),
}

/// `create --projectId ID --desc TEXT --role ROLE… [--role-unchecked ROLE…]`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("role_args").required(true).multiple(true).args(["roles", "roles_unchecked"]))]
pub(crate) struct ProjectKeyCreate {
    #[command(flatten)]
    pub(crate) project: super::ProjectIdArg,
    /// The key's description, 1 to 250 characters.
    #[arg(long, value_name = "TEXT")]
    pub(crate) desc: Description,
    /// A project role (GROUP_*); repeat or separate with commas.
    #[arg(long = "role", value_name = "ROLE", value_delimiter = ',', value_parser = parse_project_role)]
    pub(crate) roles: Vec<ProjectRole>,
    /// A project role this client does not know yet (GROUP_[A-Z0-9_]+), sent as given;
    /// repeatable. The server judges it.
    #[arg(long = "role-unchecked", value_name = "ROLE", value_parser = parse_unchecked_project_role)]
    pub(crate) roles_unchecked: Vec<ProjectRole>,
}

/// `list --projectId ID [paging]`.
#[derive(Debug, Args)]
pub(crate) struct ProjectKeyList {
    #[command(flatten)]
    pub(crate) project: ProjectIdArg,
    #[command(flatten)]
    pub(crate) paging: PagingArgs,
}

/// `KEY_ID --projectId ID`.
#[derive(Debug, Args)]
pub(crate) struct ProjectKeyTarget {
    /// The key's id.
    #[arg(value_name = "KEY_ID")]
    pub(crate) key_id: ApiKeyId,
    #[command(flatten)]
    pub(crate) project: ProjectIdArg,
}

/// `assign|update KEY_ID --projectId ID --role ROLE… [--role-unchecked ROLE…]`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("role_args").required(true).multiple(true).args(["roles", "roles_unchecked"]))]
pub(crate) struct ProjectKeyRoles {
    #[command(flatten)]
    pub(crate) target: ProjectKeyTarget,
    /// A project role (GROUP_*); repeat or separate with commas. Roles left out are removed.
    #[arg(long = "role", value_name = "ROLE", value_delimiter = ',', value_parser = parse_project_role)]
    pub(crate) roles: Vec<ProjectRole>,
    /// A project role this client does not know yet (GROUP_[A-Z0-9_]+), sent as given;
    /// repeatable. The server judges it.
    #[arg(long = "role-unchecked", value_name = "ROLE", value_parser = parse_unchecked_project_role)]
    pub(crate) roles_unchecked: Vec<ProjectRole>,
}

/// `delete KEY_ID --projectId ID --force`.
#[derive(Debug, Args)]
pub(crate) struct ProjectKeyDelete {
    #[command(flatten)]
    pub(crate) target: ProjectKeyTarget,
    #[command(flatten)]
    pub(crate) force: ForceArg,
}

impl ProjectKeyCreate {
    /// `--role` then `--role-unchecked`, in the order given.
    pub(crate) fn all_roles(&self) -> Vec<ProjectRole> {
        self.roles
            .iter()
            .chain(&self.roles_unchecked)
            .cloned()
            .collect()
    }
}

impl ProjectKeyRoles {
    /// `--role` then `--role-unchecked`, in the order given.
    pub(crate) fn all_roles(&self) -> Vec<ProjectRole> {
        self.roles
            .iter()
            .chain(&self.roles_unchecked)
            .cloned()
            .collect()
    }
}

/// `--role`: a role this client knows. A typo fails here, before any request, with the
/// roles each flavour accepts (the flavour may come later on the command line, so all
/// are listed) and the way to send a role this client does not know yet.
fn parse_project_role(s: &str) -> Result<ProjectRole, String> {
    ProjectRole::parse(s).map_err(|_| {
        super::role_choices(
            "project role",
            |f| f.project_roles().iter().map(ProjectRole::as_str).collect(),
            "--role-unchecked",
        )
    })
}

/// `--role-unchecked`: any well-shaped `GROUP_*` role, sent as given.
fn parse_unchecked_project_role(s: &str) -> Result<ProjectRole, String> {
    let role = ProjectRole::unchecked(s);
    if role.is_well_shaped() {
        Ok(role)
    } else {
        Err("must look like GROUP_[A-Z0-9_]+".to_owned())
    }
}
