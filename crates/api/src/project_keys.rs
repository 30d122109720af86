//! Project assignments of keys (operations #10–#14): the [`ProjectKeys`] handler
//! (`client.project_keys()`), one struct per operation, and their setters on
//! [`RequestBuilder`].
//!
//! Flavour differences hidden here: assign is one call whatever the flavour (Atlas sends
//! `POST [{"roles": [...]}]`, Cloud/Ops Manager `PATCH {"roles": [...]}`, as the table's
//! body shape says), and unassign succeeds on 204 (Atlas) and 200 (Cloud/Ops Manager)
//! alike. "Create in project" needs a description *and* roles in Atlas but only one of
//! them in Cloud/Ops Manager; the client's flavour decides.
//!
//! What it must NOT do: build a request, or validate anywhere but in [`ApiCall::body`].

use std::sync::Arc;

use atlas_keys_model::{
    ApiKey, ApiKeyId, AssignProjectApiKey, CreateProjectApiKey, Description, Flavour, Page,
    ProjectId, ProjectRole, UpdateProjectApiKeyRoles, UserAccessRoleAssignment,
};

use crate::call::{ApiCall, Core, RequestBuilder, project_path, sealed, to_json};
use crate::error::Result;
use crate::operations::{BodyShape, Operation};
use crate::paginate::ListBuilder;

/// The handler for project keys: `client.project_keys()`.
#[derive(Clone, Debug)]
pub struct ProjectKeys {
    core: Arc<Core>,
}

impl ProjectKeys {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        ProjectKeys { core }
    }

    /// #10: lists the project's keys: `.send()` for one page, `.items()` for all.
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, project: atlas_keys::model::ProjectId) -> atlas_keys::Result<()> {
    /// use futures::StreamExt;
    ///
    /// let one_page = client.project_keys().list(&project).items_per_page(500).send().await?;
    /// let mut keys = client.project_keys().list(&project).concurrency(8).into_stream();
    /// while let Some(key) = keys.next().await {
    ///     println!("{}", key?.id());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self, project_id: &ProjectId) -> ListBuilder<ApiKey> {
        let op = ListProjectKeys {
            project_id: *project_id,
        };
        ListBuilder::new(&self.core, op)
    }

    /// #11: creates an organization key and assigns it to the project; the result holds
    /// the full private key, shown this once.
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, project: atlas_keys::model::ProjectId) -> atlas_keys::Result<()> {
    /// use atlas_keys::model::ProjectRole;
    ///
    /// let key = client
    ///     .project_keys()
    ///     .create(&project)
    ///     .desc("deploy")
    ///     .role(ProjectRole::ReadOnly)
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn create(&self, project_id: &ProjectId) -> RequestBuilder<CreateProjectKey> {
        let op = CreateProjectKey {
            project_id: *project_id,
            desc: None,
            roles: Vec::new(),
        };
        RequestBuilder::new(&self.core, op)
    }

    /// #12: assigns an existing organization key to the project with roles.
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, project: atlas_keys::model::ProjectId, key: atlas_keys::model::ApiKeyId) -> atlas_keys::Result<()> {
    /// use atlas_keys::model::ProjectRole;
    ///
    /// client.project_keys().assign(&project, &key).role(ProjectRole::ReadOnly).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn assign(
        &self,
        project_id: &ProjectId,
        key_id: &ApiKeyId,
    ) -> RequestBuilder<AssignProjectKey> {
        let op = AssignProjectKey {
            project_id: *project_id,
            key_id: *key_id,
            roles: Vec::new(),
        };
        RequestBuilder::new(&self.core, op)
    }

    /// #13: replaces the key's roles in the project (roles left out are removed).
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, project: atlas_keys::model::ProjectId, key: atlas_keys::model::ApiKeyId) -> atlas_keys::Result<()> {
    /// use atlas_keys::model::ProjectRole;
    ///
    /// client.project_keys().update_roles(&project, &key).role(ProjectRole::Owner).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn update_roles(
        &self,
        project_id: &ProjectId,
        key_id: &ApiKeyId,
    ) -> RequestBuilder<UpdateProjectKeyRoles> {
        let op = UpdateProjectKeyRoles {
            project_id: *project_id,
            key_id: *key_id,
            desc: None,
            roles: Vec::new(),
        };
        RequestBuilder::new(&self.core, op)
    }

    /// #14: unassigns the key from the project; the key stays in the organization.
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, project: atlas_keys::model::ProjectId, key: atlas_keys::model::ApiKeyId) -> atlas_keys::Result<()> {
    /// client.project_keys().unassign(&project, &key).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn unassign(
        &self,
        project_id: &ProjectId,
        key_id: &ApiKeyId,
    ) -> RequestBuilder<UnassignProjectKey> {
        let op = UnassignProjectKey {
            project_id: *project_id,
            key_id: *key_id,
        };
        RequestBuilder::new(&self.core, op)
    }
}

/// #10 `listGroupApiKeys`: one page of the keys assigned to a project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListProjectKeys {
    project_id: ProjectId,
}

impl sealed::Sealed for ListProjectKeys {}
impl ApiCall for ListProjectKeys {
    const OPERATION: Operation = Operation::ListProjectApiKeys;
    type Output = Page<ApiKey>;

    fn write_path(&self, out: &mut String) {
        project_path(out, &self.project_id);
        out.push_str("/apiKeys");
    }
}

/// #11 `createGroupApiKey`: a new organization key, assigned to a project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateProjectKey {
    project_id: ProjectId,
    desc: Option<String>,
    roles: Vec<ProjectRole>,
}

impl sealed::Sealed for CreateProjectKey {}
impl ApiCall for CreateProjectKey {
    const OPERATION: Operation = Operation::CreateProjectApiKey;
    const SECRET_RESPONSE: bool = true;
    type Output = ApiKey;

    fn write_path(&self, out: &mut String) {
        project_path(out, &self.project_id);
        out.push_str("/apiKeys");
    }

    fn body(&self, flavour: Flavour) -> Result<Option<Vec<u8>>> {
        let desc = self.desc.clone().map(Description::new).transpose()?;
        let rule = flavour.create_project_key_rule();
        let body = CreateProjectApiKey::new(rule, desc, self.roles.clone())?;
        body.validate_for(flavour)?;
        to_json(&body)
    }
}

impl RequestBuilder<CreateProjectKey> {
    /// The description (1 to 250 characters; required in Atlas).
    pub fn desc(mut self, desc: impl Into<String>) -> Self {
        self.op.desc = Some(desc.into());
        self
    }

    /// Adds a project role (at least one is required in Atlas).
    pub fn role(mut self, role: ProjectRole) -> Self {
        self.op.roles.push(role);
        self
    }

    /// Adds project roles.
    pub fn roles(mut self, roles: impl IntoIterator<Item = ProjectRole>) -> Self {
        self.op.roles.extend(roles);
        self
    }
}

/// #12 `addGroupApiKey`: an existing key assigned to a project with roles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssignProjectKey {
    project_id: ProjectId,
    key_id: ApiKeyId,
    roles: Vec<ProjectRole>,
}

impl sealed::Sealed for AssignProjectKey {}
impl ApiCall for AssignProjectKey {
    const OPERATION: Operation = Operation::AssignProjectApiKey;
    type Output = ();

    fn write_path(&self, out: &mut String) {
        project_key_path(out, &self.project_id, &self.key_id);
    }

    fn body(&self, flavour: Flavour) -> Result<Option<Vec<u8>>> {
        let body = AssignProjectApiKey::new(self.roles.clone())?;
        body.validate_for(flavour)?;
        // The table says which body this flavour takes: Atlas an array of assignments,
        // Cloud/Ops Manager the `{"roles": [...]}` object.
        let shape = Self::OPERATION.spec(flavour).map(|spec| spec.body);
        if shape == Some(BodyShape::Array) {
            to_json(&[UserAccessRoleAssignment::new(body.roles().to_vec(), None)?])
        } else {
            to_json(&body)
        }
    }
}

impl RequestBuilder<AssignProjectKey> {
    /// Adds a project role (at least one is required).
    pub fn role(mut self, role: ProjectRole) -> Self {
        self.op.roles.push(role);
        self
    }

    /// Adds project roles.
    pub fn roles(mut self, roles: impl IntoIterator<Item = ProjectRole>) -> Self {
        self.op.roles.extend(roles);
        self
    }
}

/// #13 `updateGroupApiKeyRoles`: a key's new role set in a project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateProjectKeyRoles {
    project_id: ProjectId,
    key_id: ApiKeyId,
    desc: Option<String>,
    roles: Vec<ProjectRole>,
}

impl sealed::Sealed for UpdateProjectKeyRoles {}
impl ApiCall for UpdateProjectKeyRoles {
    const OPERATION: Operation = Operation::UpdateProjectApiKeyRoles;
    type Output = ApiKey;

    fn write_path(&self, out: &mut String) {
        project_key_path(out, &self.project_id, &self.key_id);
    }

    fn body(&self, flavour: Flavour) -> Result<Option<Vec<u8>>> {
        let desc = self.desc.clone().map(Description::new).transpose()?;
        let body = UpdateProjectApiKeyRoles::new(desc, self.roles.clone())?;
        body.validate_for(flavour)?;
        to_json(&body)
    }
}

impl RequestBuilder<UpdateProjectKeyRoles> {
    /// Also sets the key's description.
    pub fn desc(mut self, desc: impl Into<String>) -> Self {
        self.op.desc = Some(desc.into());
        self
    }

    /// Adds a role to the new role set (at least one is required).
    pub fn role(mut self, role: ProjectRole) -> Self {
        self.op.roles.push(role);
        self
    }

    /// Adds roles to the new role set.
    pub fn roles(mut self, roles: impl IntoIterator<Item = ProjectRole>) -> Self {
        self.op.roles.extend(roles);
        self
    }
}

/// #14 `removeGroupApiKey`: a key unassigned from a project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnassignProjectKey {
    project_id: ProjectId,
    key_id: ApiKeyId,
}

impl sealed::Sealed for UnassignProjectKey {}
impl ApiCall for UnassignProjectKey {
    const OPERATION: Operation = Operation::UnassignProjectApiKey;
    type Output = ();

    fn write_path(&self, out: &mut String) {
        project_key_path(out, &self.project_id, &self.key_id);
    }
}

/// Appends `/groups/{groupId}/apiKeys/{apiUserId}`.
fn project_key_path(out: &mut String, project_id: &ProjectId, key_id: &ApiKeyId) {
    project_path(out, project_id);
    out.push_str("/apiKeys/");
    out.push_str(key_id.as_str());
}

/// Each operation's typed path with the sample ids (see `call::tests`).
#[cfg(test)]
pub(crate) fn path_samples() -> Vec<(Operation, String)> {
    use crate::call::tests::{KEY, PROJECT, path_of};
    let (project_id, key_id) = (PROJECT.parse().unwrap(), KEY.parse().unwrap());
    vec![
        path_of(&ListProjectKeys { project_id }),
        path_of(&CreateProjectKey {
            project_id,
            desc: None,
            roles: Vec::new(),
        }),
        path_of(&AssignProjectKey {
            project_id,
            key_id,
            roles: Vec::new(),
        }),
        path_of(&UpdateProjectKeyRoles {
            project_id,
            key_id,
            desc: None,
            roles: Vec::new(),
        }),
        path_of(&UnassignProjectKey { project_id, key_id }),
    ]
}
