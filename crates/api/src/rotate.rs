//! Key rotation: replace an organization key by a new one with the same organization
//! roles, project assignments and access list, then delete the old one.
//!
//! The order is fixed so a failure never loses a key:
//! 1. read the old key and its whole access list (nothing is created yet);
//! 2. create the new key with the old key's organization roles;
//! 3. assign the new key to each of the old key's projects, with the same roles;
//! 4. copy the access list;
//! 5. delete the old key.
//!
//! If a step after 2 fails, [`RotateError`] names both key ids and still holds the new key
//! (with its private key, shown once by the server), so nothing is lost.
//!
//! What it must NOT do: print a private key (the error's `Display` names ids only), or
//! delete the old key before every copy step has succeeded.

use std::fmt;

use atlas_keys_model::{
    AccessListAddress, AccessListEntryRequest, ApiKey, ApiKeyId, Description, OrgId, OrgRole,
    ProjectId, ProjectRole, RoleAssignment,
};

use crate::client::Client;
use crate::error::Error;

/// What to do besides copying.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RotateOptions {
    /// The new key's description (default: the old key's).
    pub desc: Option<Description>,
    /// Keep the old key instead of deleting it (default: delete).
    pub keep_old_key: bool,
}

impl RotateOptions {
    /// Sets the new key's description.
    pub fn with_desc(mut self, desc: Description) -> Self {
        self.desc = Some(desc);
        self
    }

    /// Keeps the old key.
    pub fn keep_old_key(mut self, keep: bool) -> Self {
        self.keep_old_key = keep;
        self
    }
}

/// The outcome of a rotation.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RotatedKey {
    /// The old key's id.
    pub old_key_id: ApiKeyId,
    /// The new key, as the create call returned it: its private key is in full.
    pub new_key: ApiKey,
    /// The projects the new key was assigned to, with their roles.
    pub projects: Vec<(ProjectId, Vec<ProjectRole>)>,
    /// The access-list entries copied to the new key.
    pub access_list: Vec<AccessListAddress>,
    /// Whether the old key was deleted.
    pub old_key_deleted: bool,
}

/// The step a rotation was at.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RotateStep {
    /// Reading the old key.
    ReadOldKey,
    /// Reading the old key's access list.
    ReadAccessList,
    /// Creating the new key.
    CreateNewKey,
    /// Assigning the new key to a project.
    AssignProject(ProjectId),
    /// Copying the access list.
    CopyAccessList,
    /// Deleting the old key.
    DeleteOldKey,
}

impl fmt::Display for RotateStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RotateStep::ReadOldKey => f.write_str("reading the old key"),
            RotateStep::ReadAccessList => f.write_str("reading the old key's access list"),
            RotateStep::CreateNewKey => f.write_str("creating the new key"),
            RotateStep::AssignProject(p) => write!(f, "assigning the new key to project {p}"),
            RotateStep::CopyAccessList => f.write_str("copying the access list"),
            RotateStep::DeleteOldKey => f.write_str("deleting the old key"),
        }
    }
}

/// A rotation that stopped part-way. Says which keys exist, and keeps the new key.
#[derive(Debug)]
#[non_exhaustive]
pub struct RotateError {
    /// Where it stopped.
    pub step: RotateStep,
    /// The old key (it still exists: it is deleted last).
    pub old_key_id: ApiKeyId,
    /// The new key, if it was created (with its full private key: keep it or delete it).
    pub new_key: Option<ApiKey>,
    /// What failed.
    pub source: Error,
}

impl RotateError {
    /// The ids of the keys that exist now.
    pub fn existing_key_ids(&self) -> Vec<&ApiKeyId> {
        let mut ids = vec![&self.old_key_id];
        if let Some(new) = &self.new_key {
            ids.push(new.id());
        }
        ids
    }
}

impl fmt::Display for RotateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "key rotation failed while {}: {}; ",
            self.step, self.source
        )?;
        match (&self.new_key, &self.step) {
            (Some(new), RotateStep::DeleteOldKey) => write!(
                f,
                "new key {} is complete; old key {} may still exist",
                new.id(),
                self.old_key_id
            ),
            (Some(new), _) => write!(
                f,
                "both keys exist: old key {} (unchanged) and new key {} (partly configured)",
                self.old_key_id,
                new.id()
            ),
            (None, RotateStep::CreateNewKey) => write!(
                f,
                "old key {} is unchanged; a new key may have been created if the outcome is unknown",
                self.old_key_id
            ),
            (None, _) => write!(
                f,
                "nothing was changed; old key {} is unchanged",
                self.old_key_id
            ),
        }
    }
}

impl std::error::Error for RotateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Rotates `key_id` in `org_id` with the default options (same description; delete the
/// old key). See the [module docs](self) for the order of steps.
///
/// ```no_run
/// # async fn run(client: atlas_keys::Client, org: atlas_keys::model::OrgId, old: atlas_keys::model::ApiKeyId) {
/// match atlas_keys::rotate::rotate_key(&client, &org, &old).await {
///     Ok(rotated) => println!("new key {}", rotated.new_key.id()),
///     Err(e) => eprintln!("{e}; keys that exist: {:?}", e.existing_key_ids()),
/// }
/// # }
/// ```
pub async fn rotate_key(
    client: &Client,
    org_id: &OrgId,
    key_id: &ApiKeyId,
) -> Result<RotatedKey, RotateError> {
    rotate_key_with(client, org_id, key_id, RotateOptions::default()).await
}

/// Rotates `key_id` in `org_id` with `options`.
pub async fn rotate_key_with(
    client: &Client,
    org_id: &OrgId,
    key_id: &ApiKeyId,
    options: RotateOptions,
) -> Result<RotatedKey, RotateError> {
    let fail = |step: RotateStep, new_key: Option<&ApiKey>, source: Error| RotateError {
        step,
        old_key_id: *key_id,
        new_key: new_key.cloned(),
        source,
    };

    // 1. Read everything first, so that a read failure changes nothing.
    let old = client
        .org_keys()
        .get(org_id, key_id)
        .send()
        .await
        .map_err(|e| fail(RotateStep::ReadOldKey, None, e))?;
    let entries = client
        .access_list()
        .list(org_id, key_id)
        .items_per_page(500)
        .items()
        .try_collect_vec()
        .await
        .map_err(|e| fail(RotateStep::ReadAccessList, None, e))?;
    let addresses: Vec<AccessListAddress> = entries
        .iter()
        .map(|entry| {
            entry.address().ok_or_else(|| {
                Error::local_validation(
                    "accessList",
                    "an entry of the old key's access list has no usable address",
                )
            })
        })
        .collect::<Result<_, _>>()
        .map_err(|e| fail(RotateStep::ReadAccessList, None, e))?;
    let desc = match options.desc {
        Some(desc) => desc,
        None => description_of(&old).map_err(|e| fail(RotateStep::CreateNewKey, None, e))?,
    };
    let org_roles = org_roles_of(&old, org_id);
    let projects = project_roles_of(&old);

    // 2. Create the new key with the same organization roles.
    let new_key = client
        .org_keys()
        .create(org_id)
        .desc(desc.as_str())
        .roles(org_roles)
        .send()
        .await
        .map_err(|e| fail(RotateStep::CreateNewKey, None, e))?;

    // 3. Same projects, same roles.
    for (project_id, roles) in &projects {
        client
            .project_keys()
            .assign(project_id, new_key.id())
            .roles(roles.iter().cloned())
            .send()
            .await
            .map_err(|e| fail(RotateStep::AssignProject(*project_id), Some(&new_key), e))?;
    }

    // 4. Same access list.
    if !addresses.is_empty() {
        client
            .access_list()
            .create(org_id, new_key.id())
            .entries(addresses.iter().copied().map(AccessListEntryRequest::from))
            .send()
            .await
            .map_err(|e| fail(RotateStep::CopyAccessList, Some(&new_key), e))?;
    }

    // 5. Only now is the old key redundant.
    if !options.keep_old_key {
        client
            .org_keys()
            .delete(org_id, key_id)
            .send()
            .await
            .map_err(|e| fail(RotateStep::DeleteOldKey, Some(&new_key), e))?;
    }

    Ok(RotatedKey {
        old_key_id: *key_id,
        new_key,
        projects,
        access_list: addresses,
        old_key_deleted: !options.keep_old_key,
    })
}

/// The old key's description, or a generated one when it has none (or one the API
/// would no longer accept).
fn description_of(old: &ApiKey) -> Result<Description, Error> {
    match old.desc().map(Description::new) {
        Some(Ok(desc)) => Ok(desc),
        _ => Ok(Description::new(format!("rotated from {}", old.id()))?),
    }
}

/// The old key's roles in `org_id`; a key with none gets `ORG_MEMBER`, the role the
/// server itself gives a key created in a project, since a create needs one role.
fn org_roles_of(old: &ApiKey, org_id: &OrgId) -> Vec<OrgRole> {
    let mut roles: Vec<OrgRole> = Vec::new();
    for assignment in old.roles() {
        if let RoleAssignment::Org { org_id: o, role } = assignment
            && o == org_id
            && !roles.contains(role)
        {
            roles.push(role.clone());
        }
    }
    if roles.is_empty() {
        roles.push(OrgRole::Member);
    }
    roles
}

/// The old key's projects, in first-seen order, each with its roles.
fn project_roles_of(old: &ApiKey) -> Vec<(ProjectId, Vec<ProjectRole>)> {
    let mut projects: Vec<(ProjectId, Vec<ProjectRole>)> = Vec::new();
    for assignment in old.roles() {
        if let RoleAssignment::Project { project_id, role } = assignment {
            match projects.iter_mut().find(|(p, _)| p == project_id) {
                Some((_, roles)) => {
                    if !roles.contains(role) {
                        roles.push(role.clone());
                    }
                }
                None => projects.push((*project_id, vec![role.clone()])),
            }
        }
    }
    projects
}
