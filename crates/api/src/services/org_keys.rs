//! Organization API keys (operations #1–#5): the [`OrgKeysApi`] trait over typed
//! requests, and the fluent [`OrgKeys`] handler that builds them.
//!
//! What it must NOT do: know paths or HTTP; a request value that reaches the trait has
//! passed the model's constructors and the client flavour's rules.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use atlas_keys_model::{
    ApiKey, ApiKeyId, CreateOrgApiKey, Description, Flavour, OrgId, OrgRole, Page, PageRequest,
    UpdateOrgApiKey,
};

use crate::error::Result;
use crate::operations::Operation;
use crate::paginate::ListBuilder;
use crate::response::Response;
use crate::services::{RequestOptions, request_options};

/// List an organization's keys (#1), one page.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListOrgKeysRequest {
    /// The organization.
    pub org_id: OrgId,
    /// Which page.
    pub page: PageRequest,
    /// `envelope` / `pretty`.
    pub options: RequestOptions,
}

impl ListOrgKeysRequest {
    /// The first page of 100, with a count.
    pub fn new(org_id: OrgId) -> Self {
        ListOrgKeysRequest {
            org_id,
            page: PageRequest::default(),
            options: RequestOptions::default(),
        }
    }
}

/// Create an organization key (#2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateOrgKeyRequest {
    /// The organization.
    pub org_id: OrgId,
    /// Description and roles.
    pub body: CreateOrgApiKey,
    /// `envelope` / `pretty`.
    pub options: RequestOptions,
}

impl CreateOrgKeyRequest {
    /// A request with default options.
    pub fn new(org_id: OrgId, body: CreateOrgApiKey) -> Self {
        CreateOrgKeyRequest {
            org_id,
            body,
            options: RequestOptions::default(),
        }
    }
}

/// Get one organization key (#3).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetOrgKeyRequest {
    /// The organization.
    pub org_id: OrgId,
    /// The key.
    pub key_id: ApiKeyId,
    /// `envelope` / `pretty`.
    pub options: RequestOptions,
}

impl GetOrgKeyRequest {
    /// A request with default options.
    pub fn new(org_id: OrgId, key_id: ApiKeyId) -> Self {
        GetOrgKeyRequest {
            org_id,
            key_id,
            options: RequestOptions::default(),
        }
    }
}

/// Update an organization key's description and/or roles (#4).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpdateOrgKeyRequest {
    /// The organization.
    pub org_id: OrgId,
    /// The key.
    pub key_id: ApiKeyId,
    /// The new description and/or roles.
    pub body: UpdateOrgApiKey,
    /// `envelope` / `pretty`.
    pub options: RequestOptions,
}

impl UpdateOrgKeyRequest {
    /// A request with default options.
    pub fn new(org_id: OrgId, key_id: ApiKeyId, body: UpdateOrgApiKey) -> Self {
        UpdateOrgKeyRequest {
            org_id,
            key_id,
            body,
            options: RequestOptions::default(),
        }
    }
}

/// Delete an organization key (#5); this also removes it from every project.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteOrgKeyRequest {
    /// The organization.
    pub org_id: OrgId,
    /// The key.
    pub key_id: ApiKeyId,
    /// `envelope` / `pretty`.
    pub options: RequestOptions,
}

impl DeleteOrgKeyRequest {
    /// A request with default options.
    pub fn new(org_id: OrgId, key_id: ApiKeyId) -> Self {
        DeleteOrgKeyRequest {
            org_id,
            key_id,
            options: RequestOptions::default(),
        }
    }
}

/// The organization-key operations, over typed requests.
///
/// The client's implementation sends HTTP requests; with the `test-util` feature,
/// `atlas_keys::mock::MockOrgKeysApi` is a mockall mock, which
/// [`ClientBuilder::org_keys_api`](crate::ClientBuilder::org_keys_api) plugs into a
/// client so code that uses the fluent calls can be tested without a server.
#[async_trait]
pub trait OrgKeysApi: Send + Sync {
    /// #1: one page of the organization's keys.
    async fn list(&self, request: ListOrgKeysRequest) -> Result<Response<Page<ApiKey>>>;
    /// #2: creates a key; the result holds the full private key, shown this once.
    async fn create(&self, request: CreateOrgKeyRequest) -> Result<Response<ApiKey>>;
    /// #3: one key (private key redacted).
    async fn get(&self, request: GetOrgKeyRequest) -> Result<Response<ApiKey>>;
    /// #4: updates a key's description and/or roles.
    async fn update(&self, request: UpdateOrgKeyRequest) -> Result<Response<ApiKey>>;
    /// #5: deletes a key.
    async fn delete(&self, request: DeleteOrgKeyRequest) -> Result<Response<()>>;
}

/// The fluent handler for organization keys: `client.org_keys()`.
#[derive(Clone)]
pub struct OrgKeys {
    api: Arc<dyn OrgKeysApi>,
    flavour: Flavour,
}

impl fmt::Debug for OrgKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrgKeys")
            .field("flavour", &self.flavour)
            .finish()
    }
}

impl OrgKeys {
    pub(crate) fn new(api: Arc<dyn OrgKeysApi>, flavour: Flavour) -> Self {
        OrgKeys { api, flavour }
    }

    /// #1: lists the organization's keys: `.send()` for one page, `.items()` for all.
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, org: atlas_keys::model::OrgId) -> atlas_keys::Result<()> {
    /// use futures::TryStreamExt;
    ///
    /// let page = client.org_keys().list(&org).items_per_page(500).send().await?;
    /// let all: Vec<_> = client.org_keys().list(&org).items().try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn list(&self, org_id: &OrgId) -> ListBuilder<ApiKey> {
        let api = Arc::clone(&self.api);
        let org_id = *org_id;
        ListBuilder::new(
            Operation::ListOrgApiKeys,
            Arc::new(move |page, options| {
                let api = Arc::clone(&api);
                let request = ListOrgKeysRequest {
                    org_id,
                    page,
                    options,
                };
                Box::pin(async move { api.list(request).await })
            }),
        )
    }

    /// #2: creates an organization key with a description and at least one role.
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, org: atlas_keys::model::OrgId) -> atlas_keys::Result<()> {
    /// use atlas_keys::model::OrgRole;
    ///
    /// let key = client.org_keys().create(&org).desc("ci").role(OrgRole::Member).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn create(&self, org_id: &OrgId) -> CreateOrgKeyBuilder {
        CreateOrgKeyBuilder {
            api: Arc::clone(&self.api),
            flavour: self.flavour,
            org_id: *org_id,
            desc: None,
            roles: Vec::new(),
            body: None,
            options: RequestOptions::default(),
        }
    }

    /// #3: gets one key.
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, org: atlas_keys::model::OrgId, key: atlas_keys::model::ApiKeyId) -> atlas_keys::Result<()> {
    /// let key = client.org_keys().get(&org, &key).send().await?;
    /// println!("{:?}", key.desc);
    /// # Ok(()) }
    /// ```
    pub fn get(&self, org_id: &OrgId, key_id: &ApiKeyId) -> GetOrgKeyBuilder {
        GetOrgKeyBuilder {
            api: Arc::clone(&self.api),
            request: GetOrgKeyRequest::new(*org_id, *key_id),
            options: RequestOptions::default(),
        }
    }

    /// #4: updates a key's description and/or roles (at least one of them). The roles,
    /// when given, replace the key's organization roles.
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, org: atlas_keys::model::OrgId, key: atlas_keys::model::ApiKeyId) -> atlas_keys::Result<()> {
    /// use atlas_keys::model::OrgRole;
    ///
    /// client.org_keys().update(&org, &key).desc("renamed").role(OrgRole::ReadOnly).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn update(&self, org_id: &OrgId, key_id: &ApiKeyId) -> UpdateOrgKeyBuilder {
        UpdateOrgKeyBuilder {
            api: Arc::clone(&self.api),
            flavour: self.flavour,
            org_id: *org_id,
            key_id: *key_id,
            desc: None,
            roles: None,
            options: RequestOptions::default(),
        }
    }

    /// #5: deletes a key (and removes it from every project).
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, org: atlas_keys::model::OrgId, key: atlas_keys::model::ApiKeyId) -> atlas_keys::Result<()> {
    /// client.org_keys().delete(&org, &key).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn delete(&self, org_id: &OrgId, key_id: &ApiKeyId) -> DeleteOrgKeyBuilder {
        DeleteOrgKeyBuilder {
            api: Arc::clone(&self.api),
            request: DeleteOrgKeyRequest::new(*org_id, *key_id),
            options: RequestOptions::default(),
        }
    }
}

/// Fluent builder of [`OrgKeys::create`].
#[derive(Clone)]
pub struct CreateOrgKeyBuilder {
    api: Arc<dyn OrgKeysApi>,
    flavour: Flavour,
    org_id: OrgId,
    desc: Option<String>,
    roles: Vec<OrgRole>,
    body: Option<CreateOrgApiKey>,
    options: RequestOptions,
}

impl fmt::Debug for CreateOrgKeyBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateOrgKeyBuilder")
            .field("org_id", &self.org_id)
            .field("desc", &self.desc)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl CreateOrgKeyBuilder {
    /// The description (1 to 250 characters; checked at `send`).
    pub fn desc(mut self, desc: impl Into<String>) -> Self {
        self.desc = Some(desc.into());
        self
    }

    /// Adds an organization role.
    pub fn role(mut self, role: OrgRole) -> Self {
        self.roles.push(role);
        self
    }

    /// Adds organization roles.
    pub fn roles(mut self, roles: impl IntoIterator<Item = OrgRole>) -> Self {
        self.roles.extend(roles);
        self
    }

    /// Uses a prebuilt body; `desc` and `role` are then ignored.
    pub fn body(mut self, body: CreateOrgApiKey) -> Self {
        self.body = Some(body);
        self
    }

    request_options!();

    fn into_request(self) -> Result<CreateOrgKeyRequest> {
        let body = match self.body {
            Some(body) => body,
            None => {
                CreateOrgApiKey::new(Description::new(self.desc.unwrap_or_default())?, self.roles)?
            }
        };
        body.validate_for(self.flavour)?;
        Ok(CreateOrgKeyRequest {
            org_id: self.org_id,
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

/// Fluent builder of [`OrgKeys::get`].
#[derive(Clone)]
pub struct GetOrgKeyBuilder {
    api: Arc<dyn OrgKeysApi>,
    request: GetOrgKeyRequest,
    options: RequestOptions,
}

impl fmt::Debug for GetOrgKeyBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetOrgKeyBuilder")
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

impl GetOrgKeyBuilder {
    request_options!();

    /// Sends the request.
    pub async fn send(self) -> Result<ApiKey> {
        self.send_with_metadata().await.map(Response::into_value)
    }

    /// Sends the request and returns the response metadata too.
    pub async fn send_with_metadata(self) -> Result<Response<ApiKey>> {
        let mut request = self.request;
        request.options = self.options;
        self.api.get(request).await
    }
}

/// Fluent builder of [`OrgKeys::update`].
#[derive(Clone)]
pub struct UpdateOrgKeyBuilder {
    api: Arc<dyn OrgKeysApi>,
    flavour: Flavour,
    org_id: OrgId,
    key_id: ApiKeyId,
    desc: Option<String>,
    roles: Option<Vec<OrgRole>>,
    options: RequestOptions,
}

impl fmt::Debug for UpdateOrgKeyBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpdateOrgKeyBuilder")
            .field("org_id", &self.org_id)
            .field("key_id", &self.key_id)
            .field("desc", &self.desc)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl UpdateOrgKeyBuilder {
    /// The new description.
    pub fn desc(mut self, desc: impl Into<String>) -> Self {
        self.desc = Some(desc.into());
        self
    }

    /// Adds a role to the new role set (which replaces the key's organization roles).
    pub fn role(mut self, role: OrgRole) -> Self {
        self.roles.get_or_insert_with(Vec::new).push(role);
        self
    }

    /// Adds roles to the new role set.
    pub fn roles(mut self, roles: impl IntoIterator<Item = OrgRole>) -> Self {
        self.roles.get_or_insert_with(Vec::new).extend(roles);
        self
    }

    request_options!();

    fn into_request(self) -> Result<UpdateOrgKeyRequest> {
        let desc = self.desc.map(Description::new).transpose()?;
        let body = UpdateOrgApiKey::new(desc, self.roles)?;
        body.validate_for(self.flavour)?;
        Ok(UpdateOrgKeyRequest {
            org_id: self.org_id,
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
        api.update(request).await
    }
}

/// Fluent builder of [`OrgKeys::delete`].
#[derive(Clone)]
pub struct DeleteOrgKeyBuilder {
    api: Arc<dyn OrgKeysApi>,
    request: DeleteOrgKeyRequest,
    options: RequestOptions,
}

impl fmt::Debug for DeleteOrgKeyBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeleteOrgKeyBuilder")
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

impl DeleteOrgKeyBuilder {
    request_options!();

    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        self.send_with_metadata().await.map(Response::into_value)
    }

    /// Sends the request and returns the response metadata too.
    pub async fn send_with_metadata(self) -> Result<Response<()>> {
        let mut request = self.request;
        request.options = self.options;
        self.api.delete(request).await
    }
}
