//! Organization API keys (operations #1–#5): the [`OrgKeys`] handler
//! (`client.org_keys()`), one struct per operation, and the operations' own setters on
//! [`RequestBuilder`].
//!
//! What it must NOT do: build a request (the call path in `call.rs` does), or validate
//! anywhere but in [`ApiCall::body`].

use std::sync::Arc;

use atlas_keys_model::{
    ApiKey, ApiKeyId, CreateOrgApiKey, Description, Flavour, OrgId, OrgRole, Page, UpdateOrgApiKey,
};

use crate::call::{ApiCall, Core, RequestBuilder, org_path, sealed, to_json};
use crate::error::Result;
use crate::operations::Operation;
use crate::paginate::ListBuilder;

/// The handler for organization keys: `client.org_keys()`.
#[derive(Clone, Debug)]
pub struct OrgKeys {
    core: Arc<Core>,
}

impl OrgKeys {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        OrgKeys { core }
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
        ListBuilder::new(&self.core, ListOrgKeys { org_id: *org_id })
    }

    /// #2: creates an organization key with a description and at least one role; the
    /// result holds the full private key, shown this once.
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, org: atlas_keys::model::OrgId) -> atlas_keys::Result<()> {
    /// use atlas_keys::model::OrgRole;
    ///
    /// let key = client.org_keys().create(&org).desc("ci").role(OrgRole::Member).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn create(&self, org_id: &OrgId) -> RequestBuilder<CreateOrgKey> {
        let op = CreateOrgKey {
            org_id: *org_id,
            desc: None,
            roles: Vec::new(),
            body: None,
        };
        RequestBuilder::new(&self.core, op)
    }

    /// #3: gets one key (private key redacted).
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, org: atlas_keys::model::OrgId, key: atlas_keys::model::ApiKeyId) -> atlas_keys::Result<()> {
    /// let key = client.org_keys().get(&org, &key).send().await?;
    /// println!("{:?}", key.desc());
    /// # Ok(()) }
    /// ```
    pub fn get(&self, org_id: &OrgId, key_id: &ApiKeyId) -> RequestBuilder<GetOrgKey> {
        let op = GetOrgKey {
            org_id: *org_id,
            key_id: *key_id,
        };
        RequestBuilder::new(&self.core, op)
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
    pub fn update(&self, org_id: &OrgId, key_id: &ApiKeyId) -> RequestBuilder<UpdateOrgKey> {
        let op = UpdateOrgKey {
            org_id: *org_id,
            key_id: *key_id,
            desc: None,
            roles: None,
        };
        RequestBuilder::new(&self.core, op)
    }

    /// #5: deletes a key (and removes it from every project).
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, org: atlas_keys::model::OrgId, key: atlas_keys::model::ApiKeyId) -> atlas_keys::Result<()> {
    /// client.org_keys().delete(&org, &key).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn delete(&self, org_id: &OrgId, key_id: &ApiKeyId) -> RequestBuilder<DeleteOrgKey> {
        let op = DeleteOrgKey {
            org_id: *org_id,
            key_id: *key_id,
        };
        RequestBuilder::new(&self.core, op)
    }

    /// Rotates a key without losing its secret: see [`crate::rotate::Rotate`].
    pub fn rotate(&self, org_id: &OrgId, key_id: &ApiKeyId) -> crate::rotate::Rotate {
        crate::rotate::Rotate::new(Arc::clone(&self.core), *org_id, *key_id)
    }
}

/// #1 `listOrgApiKeys`: one page of an organization's keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListOrgKeys {
    org_id: OrgId,
}

impl sealed::Sealed for ListOrgKeys {}
impl ApiCall for ListOrgKeys {
    const OPERATION: Operation = Operation::ListOrgApiKeys;
    type Output = Page<ApiKey>;

    fn write_path(&self, out: &mut String) {
        org_path(out, &self.org_id);
        out.push_str("/apiKeys");
    }
}

/// #2 `createOrgApiKey`: a new organization key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateOrgKey {
    org_id: OrgId,
    desc: Option<String>,
    roles: Vec<OrgRole>,
    body: Option<CreateOrgApiKey>,
}

impl sealed::Sealed for CreateOrgKey {}
impl ApiCall for CreateOrgKey {
    const OPERATION: Operation = Operation::CreateOrgApiKey;
    const SECRET_RESPONSE: bool = true;
    type Output = ApiKey;

    fn write_path(&self, out: &mut String) {
        org_path(out, &self.org_id);
        out.push_str("/apiKeys");
    }

    fn body(&self, flavour: Flavour) -> Result<Option<Vec<u8>>> {
        let built;
        let body = match &self.body {
            Some(body) => body,
            None => {
                let desc = Description::new(self.desc.clone().unwrap_or_default())?;
                built = CreateOrgApiKey::new(desc, self.roles.clone())?;
                &built
            }
        };
        body.validate_for(flavour)?;
        to_json(body)
    }
}

impl RequestBuilder<CreateOrgKey> {
    /// The description (1 to 250 characters; checked at `send`).
    pub fn desc(mut self, desc: impl Into<String>) -> Self {
        self.op.desc = Some(desc.into());
        self
    }

    /// Adds an organization role.
    pub fn role(mut self, role: OrgRole) -> Self {
        self.op.roles.push(role);
        self
    }

    /// Adds organization roles.
    pub fn roles(mut self, roles: impl IntoIterator<Item = OrgRole>) -> Self {
        self.op.roles.extend(roles);
        self
    }

    /// Uses a prebuilt body; `desc` and `role` are then ignored.
    pub fn body(mut self, body: CreateOrgApiKey) -> Self {
        self.op.body = Some(body);
        self
    }
}

/// #3 `getOrgApiKey`: one organization key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetOrgKey {
    org_id: OrgId,
    key_id: ApiKeyId,
}

impl sealed::Sealed for GetOrgKey {}
impl ApiCall for GetOrgKey {
    const OPERATION: Operation = Operation::GetOrgApiKey;
    type Output = ApiKey;

    fn write_path(&self, out: &mut String) {
        key_path(out, &self.org_id, &self.key_id);
    }
}

/// #4 `updateOrgApiKey`: a key's new description and/or organization roles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateOrgKey {
    org_id: OrgId,
    key_id: ApiKeyId,
    desc: Option<String>,
    roles: Option<Vec<OrgRole>>,
}

impl sealed::Sealed for UpdateOrgKey {}
impl ApiCall for UpdateOrgKey {
    const OPERATION: Operation = Operation::UpdateOrgApiKey;
    type Output = ApiKey;

    fn write_path(&self, out: &mut String) {
        key_path(out, &self.org_id, &self.key_id);
    }

    fn body(&self, flavour: Flavour) -> Result<Option<Vec<u8>>> {
        let desc = self.desc.clone().map(Description::new).transpose()?;
        let body = UpdateOrgApiKey::new(desc, self.roles.clone())?;
        body.validate_for(flavour)?;
        to_json(&body)
    }
}

impl RequestBuilder<UpdateOrgKey> {
    /// The new description.
    pub fn desc(mut self, desc: impl Into<String>) -> Self {
        self.op.desc = Some(desc.into());
        self
    }

    /// Adds a role to the new role set (which replaces the key's organization roles).
    pub fn role(mut self, role: OrgRole) -> Self {
        self.op.roles.get_or_insert_with(Vec::new).push(role);
        self
    }

    /// Adds roles to the new role set.
    pub fn roles(mut self, roles: impl IntoIterator<Item = OrgRole>) -> Self {
        self.op.roles.get_or_insert_with(Vec::new).extend(roles);
        self
    }
}

/// #5 `deleteOrgApiKey`: deletes a key (and removes it from every project).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteOrgKey {
    org_id: OrgId,
    key_id: ApiKeyId,
}

impl sealed::Sealed for DeleteOrgKey {}
impl ApiCall for DeleteOrgKey {
    const OPERATION: Operation = Operation::DeleteOrgApiKey;
    type Output = ();

    fn write_path(&self, out: &mut String) {
        key_path(out, &self.org_id, &self.key_id);
    }
}

/// Appends `/orgs/{orgId}/apiKeys/{apiUserId}`; the access-list operations extend it.
pub(crate) fn key_path(out: &mut String, org_id: &OrgId, key_id: &ApiKeyId) {
    org_path(out, org_id);
    out.push_str("/apiKeys/");
    out.push_str(key_id.as_str());
}

/// Each operation's typed path with the sample ids (see `call::tests`).
#[cfg(test)]
pub(crate) fn path_samples() -> Vec<(Operation, String)> {
    use crate::call::tests::{KEY, ORG, path_of};
    let (org_id, key_id) = (ORG.parse().unwrap(), KEY.parse().unwrap());
    vec![
        path_of(&ListOrgKeys { org_id }),
        path_of(&CreateOrgKey {
            org_id,
            desc: None,
            roles: Vec::new(),
            body: None,
        }),
        path_of(&GetOrgKey { org_id, key_id }),
        path_of(&UpdateOrgKey {
            org_id,
            key_id,
            desc: None,
            roles: None,
        }),
        path_of(&DeleteOrgKey { org_id, key_id }),
    ]
}
