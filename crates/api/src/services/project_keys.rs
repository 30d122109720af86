//! Project assignments of keys (operations #10–#14): the [`ProjectKeysApi`] trait over
//! typed requests, and the fluent [`ProjectKeys`] handler that builds them.
//!
//! Flavour differences hidden here: assign is one call with one request type whatever
//! the flavour (Atlas sends `POST [{"roles": [...]}]`, Cloud/Ops Manager `PATCH {"roles":
//! [...]}`), and unassign succeeds on 204 (Atlas) and 200 (Cloud/Ops Manager) alike.
//! "Create in project" needs a description *and* roles in Atlas but only one of them in
//! Cloud/Ops Manager; the client's flavour decides.
//!
//! What it must NOT do: know paths or HTTP.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use atlas_keys_model::{
    ApiKey, ApiKeyId, AssignProjectApiKey, CreateProjectApiKey, Description, Flavour, Page,
    PageRequest, ProjectId, ProjectRole, UpdateProjectApiKeyRoles,
};

use crate::error::Result;
use crate::operations::Operation;
use crate::paginate::ListBuilder;
use crate::response::Response;
use crate::services::{RequestOptions, request_options};

/// List the keys assigned to a project (#10), one page.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListProjectKeysRequest {
    /// The project.
    pub project_id: ProjectId,
    /// Which page.
    pub page: PageRequest,
    /// `envelope` / `pretty`.
    pub options: RequestOptions,
}

impl ListProjectKeysRequest {
    /// The first page of 100, with a count.
    pub fn new(project_id: ProjectId) -> Self {
        ListProjectKeysRequest {
            project_id,
            page: PageRequest::default(),
            options: RequestOptions::default(),
        }
    }
}

/// Create an organization key and assign it to a project (#11).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateProjectKeyRequest {
    /// The project.
    pub project_id: ProjectId,
    /// Description and project roles.
    pub body: CreateProjectApiKey,
    /// `envelope` / `pretty`.
    pub options: RequestOptions,
}

impl CreateProjectKeyRequest {
    /// A request with default options.
    pub fn new(project_id: ProjectId, body: CreateProjectApiKey) -> Self {
        CreateProjectKeyRequest {
            project_id,
            body,
            options: RequestOptions::default(),
        }
    }
}

/// Assign an existing organization key to a project with roles (#12).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssignProjectKeyRequest {
    /// The project.
    pub project_id: ProjectId,
    /// The key.
    pub key_id: ApiKeyId,
    /// The roles in the project (at least one).
    pub body: AssignProjectApiKey,
    /// `envelope` / `pretty`.
    pub options: RequestOptions,
}

impl AssignProjectKeyRequest {
    /// A request with default options.
    pub fn new(project_id: ProjectId, key_id: ApiKeyId, body: AssignProjectApiKey) -> Self {
        AssignProjectKeyRequest {
            project_id,
            key_id,
            body,
            options: RequestOptions::default(),
        }
    }
}

/// Replace a key's roles in a project (#13); roles left out are removed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpdateProjectKeyRolesRequest {
    /// The project.
    pub project_id: ProjectId,
    /// The key.
    pub key_id: ApiKeyId,
    /// The new roles (and optionally a description).
    pub body: UpdateProjectApiKeyRoles,
    /// `envelope` / `pretty`.
    pub options: RequestOptions,
}

impl UpdateProjectKeyRolesRequest {
    /// A request with default options.
    pub fn new(project_id: ProjectId, key_id: ApiKeyId, body: UpdateProjectApiKeyRoles) -> Self {
        UpdateProjectKeyRolesRequest {
            project_id,
            key_id,
            body,
            options: RequestOptions::default(),
        }
    }
}

/// Unassign a key from a project (#14); the key stays in the organization.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnassignProjectKeyRequest {
    /// The project.
    pub project_id: ProjectId,
    /// The key.
    pub key_id: ApiKeyId,
    /// `envelope` / `pretty`.
    pub options: RequestOptions,
}

impl UnassignProjectKeyRequest {
    /// A request with default options.
    pub fn new(project_id: ProjectId, key_id: ApiKeyId) -> Self {
        UnassignProjectKeyRequest {
            project_id,
            key_id,
            options: RequestOptions::default(),
        }
    }
}

/// The project-key operations, over typed requests (mock: `mock::MockProjectKeysApi`).
#[async_trait]
pub trait ProjectKeysApi: Send + Sync {
    /// #10: one page of the project's keys.
    async fn list(&self, request: ListProjectKeysRequest) -> Result<Response<Page<ApiKey>>>;
    /// #11: creates a key in the organization and assigns it to the project; the result
    /// holds the full private key, shown this once.
    async fn create(&self, request: CreateProjectKeyRequest) -> Result<Response<ApiKey>>;
    /// #12: assigns an existing key to the project.
    async fn assign(&self, request: AssignProjectKeyRequest) -> Result<Response<()>>;
    /// #13: replaces the key's roles in the project.
    async fn update_roles(&self, request: UpdateProjectKeyRolesRequest)
    -> Result<Response<ApiKey>>;
    /// #14: unassigns the key from the project.
    async fn unassign(&self, request: UnassignProjectKeyRequest) -> Result<Response<()>>;
}

/// The fluent handler for project keys: `client.project_keys()`.
#[derive(Clone)]
pub struct ProjectKeys {
    api: Arc<dyn ProjectKeysApi>,
    flavour: Flavour,
}

impl fmt::Debug for ProjectKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProjectKeys")
            .field("flavour", &self.flavour)
            .finish()
    }
}

impl ProjectKeys {
    pub(crate) fn new(api: Arc<dyn ProjectKeysApi>, flavour: Flavour) -> Self {
        ProjectKeys { api, flavour }
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
    ///     println!("{}", key?.id);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self, project_id: &ProjectId) -> ListBuilder<ApiKey> {
        let api = Arc::clone(&self.api);
        let project_id = *project_id;
        ListBuilder::new(
            Operation::ListProjectApiKeys,
            Arc::new(move |page, options| {
                let api = Arc::clone(&api);
                let request = ListProjectKeysRequest {
                    project_id,
                    page,
                    options,
                };
                Box::pin(async move { api.list(request).await })
            }),
        )
    }

    /// #11: creates an organization key and assigns it to the project.
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
    pub fn create(&self, project_id: &ProjectId) -> CreateProjectKeyBuilder {
        CreateProjectKeyBuilder {
            api: Arc::clone(&self.api),
            flavour: self.flavour,
            project_id: *project_id,
            desc: None,
            roles: Vec::new(),
            options: RequestOptions::default(),
        }
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
    pub fn assign(&self, project_id: &ProjectId, key_id: &ApiKeyId) -> AssignProjectKeyBuilder {
        AssignProjectKeyBuilder {
            api: Arc::clone(&self.api),
            flavour: self.flavour,
            project_id: *project_id,
            key_id: *key_id,
            roles: Vec::new(),
            options: RequestOptions::default(),
        }
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
    ) -> UpdateProjectKeyRolesBuilder {
        UpdateProjectKeyRolesBuilder {
            api: Arc::clone(&self.api),
            flavour: self.flavour,
            project_id: *project_id,
            key_id: *key_id,
            desc: None,
            roles: Vec::new(),
            options: RequestOptions::default(),
        }
    }

    /// #14: unassigns the key from the project.
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, project: atlas_keys::model::ProjectId, key: atlas_keys::model::ApiKeyId) -> atlas_keys::Result<()> {
    /// client.project_keys().unassign(&project, &key).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn unassign(&self, project_id: &ProjectId, key_id: &ApiKeyId) -> UnassignProjectKeyBuilder {
        UnassignProjectKeyBuilder {
            api: Arc::clone(&self.api),
            request: UnassignProjectKeyRequest::new(*project_id, *key_id),
            options: RequestOptions::default(),
        }
    }
}

/// Fluent builder of [`ProjectKeys::create`].
#[derive(Clone)]
pub struct CreateProjectKeyBuilder {
    api: Arc<dyn ProjectKeysApi>,
    flavour: Flavour,
    project_id: ProjectId,
    desc: Option<String>,
    roles: Vec<ProjectRole>,
    options: RequestOptions,
}

impl fmt::Debug for CreateProjectKeyBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateProjectKeyBuilder")
            .field("project_id", &self.project_id)
            .field("desc", &self.desc)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl CreateProjectKeyBuilder {
    /// The description (1 to 250 characters; required in Atlas).
    pub fn desc(mut self, desc: impl Into<String>) -> Self {
        self.desc = Some(desc.into());
        self
    }

    /// Adds a project role (at least one is required in Atlas).
    pub fn role(mut self, role: ProjectRole) -> Self {
        self.roles.push(role);
        self
    }

    /// Adds project roles.
    pub fn roles(mut self, roles: impl IntoIterator<Item = ProjectRole>) -> Self {
        self.roles.extend(roles);
        self
    }

    request_options!();

    fn into_request(self) -> Result<CreateProjectKeyRequest> {
        let desc = self.desc.map(Description::new).transpose()?;
        let body =
            CreateProjectApiKey::new(self.flavour.create_project_key_rule(), desc, self.roles)?;
        body.validate_for(self.flavour)?;
        Ok(CreateProjectKeyRequest {
            project_id: self.project_id,
            body,
            options: self.options,
        })
    }

    /// Sends the request; the key's private key is in the result, shown this once.
    pub async fn send(self) -> Result<ApiKey> {
        self.send_with_metadata().await.map(Response::into_value)
    }

    /// Sends the request and returns the response metadata too.
    pub async fn send_with_metadata(self) -> Result<Response<ApiKey>> {
        let api = Arc::clone(&self.api);
        let request = self.into_request()?;
        api.create(request).await
    }
}

/// Fluent builder of [`ProjectKeys::assign`].
#[derive(Clone)]
pub struct AssignProjectKeyBuilder {
    api: Arc<dyn ProjectKeysApi>,
    flavour: Flavour,
    project_id: ProjectId,
    key_id: ApiKeyId,
    roles: Vec<ProjectRole>,
    options: RequestOptions,
}

impl fmt::Debug for AssignProjectKeyBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssignProjectKeyBuilder")
            .field("project_id", &self.project_id)
            .field("key_id", &self.key_id)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl AssignProjectKeyBuilder {
    /// Adds a project role (at least one is required).
    pub fn role(mut self, role: ProjectRole) -> Self {
        self.roles.push(role);
        self
    }

    /// Adds project roles.
    pub fn roles(mut self, roles: impl IntoIterator<Item = ProjectRole>) -> Self {
        self.roles.extend(roles);
        self
    }

    request_options!();

    fn into_request(self) -> Result<AssignProjectKeyRequest> {
        let body = AssignProjectApiKey::new(self.roles)?;
        body.validate_for(self.flavour)?;
        Ok(AssignProjectKeyRequest {
            project_id: self.project_id,
            key_id: self.key_id,
            body,
            options: self.options,
        })
    }

    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        self.send_with_metadata().await.map(Response::into_value)
    }

    /// Sends the request and returns the response metadata too.
    pub async fn send_with_metadata(self) -> Result<Response<()>> {
        let api = Arc::clone(&self.api);
        let request = self.into_request()?;
        api.assign(request).await
    }
}

/// Fluent builder of [`ProjectKeys::update_roles`].
#[derive(Clone)]
pub struct UpdateProjectKeyRolesBuilder {
    api: Arc<dyn ProjectKeysApi>,
    flavour: Flavour,
    project_id: ProjectId,
    key_id: ApiKeyId,
    desc: Option<String>,
    roles: Vec<ProjectRole>,
    options: RequestOptions,
}

impl fmt::Debug for UpdateProjectKeyRolesBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpdateProjectKeyRolesBuilder")
            .field("project_id", &self.project_id)
            .field("key_id", &self.key_id)
            .field("desc", &self.desc)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl UpdateProjectKeyRolesBuilder {
    /// Also sets the key's description.
    pub fn desc(mut self, desc: impl Into<String>) -> Self {
        self.desc = Some(desc.into());
        self
    }

    /// Adds a role to the new role set (at least one is required).
    pub fn role(mut self, role: ProjectRole) -> Self {
        self.roles.push(role);
        self
    }

    /// Adds roles to the new role set.
    pub fn roles(mut self, roles: impl IntoIterator<Item = ProjectRole>) -> Self {
        self.roles.extend(roles);
        self
    }

    request_options!();

    fn into_request(self) -> Result<UpdateProjectKeyRolesRequest> {
        let desc = self.desc.map(Description::new).transpose()?;
        let body = UpdateProjectApiKeyRoles::new(desc, self.roles)?;
        body.validate_for(self.flavour)?;
        Ok(UpdateProjectKeyRolesRequest {
            project_id: self.project_id,
            key_id: self.key_id,
            body,
            options: self.options,
        })
    }

    /// Sends the request.
    pub async fn send(self) -> Result<ApiKey> {
        self.send_with_metadata().await.map(Response::into_value)
    }

    /// Sends the request and returns the response metadata too.
    pub async fn send_with_metadata(self) -> Result<Response<ApiKey>> {
        let api = Arc::clone(&self.api);
        let request = self.into_request()?;
        api.update_roles(request).await
    }
}

/// Fluent builder of [`ProjectKeys::unassign`].
#[derive(Clone)]
pub struct UnassignProjectKeyBuilder {
    api: Arc<dyn ProjectKeysApi>,
    request: UnassignProjectKeyRequest,
    options: RequestOptions,
}

impl fmt::Debug for UnassignProjectKeyBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnassignProjectKeyBuilder")
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

impl UnassignProjectKeyBuilder {
    request_options!();

    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        self.send_with_metadata().await.map(Response::into_value)
    }

    /// Sends the request and returns the response metadata too.
    pub async fn send_with_metadata(self) -> Result<Response<()>> {
        let mut request = self.request;
        request.options = self.options;
        self.api.unassign(request).await
    }
}
