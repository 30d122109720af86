//! Access lists of organization keys (operations #6–#9): the [`AccessListApi`] trait over
//! typed requests, and the fluent [`AccessList`] handler that builds them.
//!
//! What it must NOT do: know paths or HTTP, or turn an address into a path segment (the
//! request builder does that, with `AccessListAddress::to_path_segment`).

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use async_trait::async_trait;
use atlas_keys_model::{
    AccessListAddress, AccessListEntry, AccessListEntryRequest, ApiKeyId, OrgId, Page, PageRequest,
};

use crate::error::{Error, Result};
use crate::operations::Operation;
use crate::paginate::ListBuilder;
use crate::response::Response;
use crate::services::{RequestOptions, request_options};

/// List a key's access-list entries (#6), one page.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListAccessListRequest {
    /// The organization.
    pub org_id: OrgId,
    /// The key.
    pub key_id: ApiKeyId,
    /// Which page.
    pub page: PageRequest,
    /// `envelope` / `pretty`.
    pub options: RequestOptions,
}

impl ListAccessListRequest {
    /// The first page of 100, with a count.
    pub fn new(org_id: OrgId, key_id: ApiKeyId) -> Self {
        ListAccessListRequest {
            org_id,
            key_id,
            page: PageRequest::default(),
            options: RequestOptions::default(),
        }
    }
}

/// Add entries to a key's access list (#7). The entries are added to the existing list.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateAccessListRequest {
    /// The organization.
    pub org_id: OrgId,
    /// The key.
    pub key_id: ApiKeyId,
    /// The entries to add (at least one).
    pub entries: Vec<AccessListEntryRequest>,
    /// `envelope` / `pretty`.
    pub options: RequestOptions,
}

impl CreateAccessListRequest {
    /// Validates the request: at least one entry.
    pub fn new(
        org_id: OrgId,
        key_id: ApiKeyId,
        entries: Vec<AccessListEntryRequest>,
    ) -> Result<Self> {
        let request = CreateAccessListRequest {
            org_id,
            key_id,
            entries,
            options: RequestOptions::default(),
        };
        request.validate()?;
        Ok(request)
    }

    /// The rule the model has no type for: the body is a non-empty array.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.entries.is_empty() {
            return Err(Error::local_validation(
                "entries",
                "must contain at least one access-list entry",
            ));
        }
        Ok(())
    }
}

/// Get one access-list entry (#8).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetAccessListEntryRequest {
    /// The organization.
    pub org_id: OrgId,
    /// The key.
    pub key_id: ApiKeyId,
    /// The address or CIDR block of the entry.
    pub address: AccessListAddress,
    /// `envelope` / `pretty`.
    pub options: RequestOptions,
}

impl GetAccessListEntryRequest {
    /// A request with default options.
    pub fn new(org_id: OrgId, key_id: ApiKeyId, address: AccessListAddress) -> Self {
        GetAccessListEntryRequest {
            org_id,
            key_id,
            address,
            options: RequestOptions::default(),
        }
    }
}

/// Delete one access-list entry (#9).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteAccessListEntryRequest {
    /// The organization.
    pub org_id: OrgId,
    /// The key.
    pub key_id: ApiKeyId,
    /// The address or CIDR block of the entry.
    pub address: AccessListAddress,
    /// `envelope` / `pretty`.
    pub options: RequestOptions,
}

impl DeleteAccessListEntryRequest {
    /// A request with default options.
    pub fn new(org_id: OrgId, key_id: ApiKeyId, address: AccessListAddress) -> Self {
        DeleteAccessListEntryRequest {
            org_id,
            key_id,
            address,
            options: RequestOptions::default(),
        }
    }
}

/// The access-list operations, over typed requests (mock: `mock::MockAccessListApi`).
#[async_trait]
pub trait AccessListApi: Send + Sync {
    /// #6: one page of a key's entries.
    async fn list(&self, request: ListAccessListRequest)
    -> Result<Response<Page<AccessListEntry>>>;
    /// #7: adds entries; returns the first page of the resulting list.
    async fn create(
        &self,
        request: CreateAccessListRequest,
    ) -> Result<Response<Page<AccessListEntry>>>;
    /// #8: one entry.
    async fn get(&self, request: GetAccessListEntryRequest) -> Result<Response<AccessListEntry>>;
    /// #9: deletes one entry. The server refuses to remove the caller's own address.
    async fn delete(&self, request: DeleteAccessListEntryRequest) -> Result<Response<()>>;
}

/// The fluent handler for access lists: `client.access_list()`.
#[derive(Clone)]
pub struct AccessList {
    api: Arc<dyn AccessListApi>,
}

impl fmt::Debug for AccessList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessList").finish_non_exhaustive()
    }
}

impl AccessList {
    pub(crate) fn new(api: Arc<dyn AccessListApi>) -> Self {
        AccessList { api }
    }

    /// #6: lists a key's entries: `.send()` for one page, `.items()` for all.
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, org: atlas_keys::model::OrgId, key: atlas_keys::model::ApiKeyId) -> atlas_keys::Result<()> {
    /// let entries = client.access_list().list(&org, &key).items().try_collect_vec().await?;
    /// # Ok(()) }
    /// ```
    pub fn list(&self, org_id: &OrgId, key_id: &ApiKeyId) -> ListBuilder<AccessListEntry> {
        let api = Arc::clone(&self.api);
        let (org_id, key_id) = (*org_id, *key_id);
        ListBuilder::new(
            Operation::ListAccessListEntries,
            Arc::new(move |page, options| {
                let api = Arc::clone(&api);
                let request = ListAccessListRequest {
                    org_id,
                    key_id,
                    page,
                    options,
                };
                Box::pin(async move { api.list(request).await })
            }),
        )
    }

    /// #7: adds entries (addresses or CIDR blocks) to a key's access list.
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, org: atlas_keys::model::OrgId, key: atlas_keys::model::ApiKeyId) -> atlas_keys::Result<()> {
    /// let page = client
    ///     .access_list()
    ///     .create(&org, &key)
    ///     .address("192.0.2.0/24".parse()?)
    ///     .address("198.51.100.7".parse()?)
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn create(&self, org_id: &OrgId, key_id: &ApiKeyId) -> CreateAccessListBuilder {
        CreateAccessListBuilder {
            api: Arc::clone(&self.api),
            org_id: *org_id,
            key_id: *key_id,
            entries: Vec::new(),
            options: RequestOptions::default(),
        }
    }

    /// #8: gets one entry.
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, org: atlas_keys::model::OrgId, key: atlas_keys::model::ApiKeyId) -> atlas_keys::Result<()> {
    /// let entry = client.access_list().get(&org, &key, &"192.0.2.0/24".parse()?).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn get(
        &self,
        org_id: &OrgId,
        key_id: &ApiKeyId,
        address: &AccessListAddress,
    ) -> GetAccessListEntryBuilder {
        GetAccessListEntryBuilder {
            api: Arc::clone(&self.api),
            request: GetAccessListEntryRequest::new(*org_id, *key_id, *address),
            options: RequestOptions::default(),
        }
    }

    /// #9: deletes one entry.
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, org: atlas_keys::model::OrgId, key: atlas_keys::model::ApiKeyId) -> atlas_keys::Result<()> {
    /// client.access_list().delete(&org, &key, &"198.51.100.7".parse()?).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn delete(
        &self,
        org_id: &OrgId,
        key_id: &ApiKeyId,
        address: &AccessListAddress,
    ) -> DeleteAccessListEntryBuilder {
        DeleteAccessListEntryBuilder {
            api: Arc::clone(&self.api),
            request: DeleteAccessListEntryRequest::new(*org_id, *key_id, *address),
            options: RequestOptions::default(),
        }
    }
}

/// Fluent builder of [`AccessList::create`].
#[derive(Clone)]
pub struct CreateAccessListBuilder {
    api: Arc<dyn AccessListApi>,
    org_id: OrgId,
    key_id: ApiKeyId,
    entries: Vec<AccessListEntryRequest>,
    options: RequestOptions,
}

impl fmt::Debug for CreateAccessListBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateAccessListBuilder")
            .field("org_id", &self.org_id)
            .field("key_id", &self.key_id)
            .field("entries", &self.entries)
            .finish_non_exhaustive()
    }
}

impl CreateAccessListBuilder {
    /// Adds an address or block: a single address is sent as `ipAddress`, a wider block
    /// as `cidrBlock`.
    pub fn address(mut self, address: AccessListAddress) -> Self {
        self.entries.push(AccessListEntryRequest::from(address));
        self
    }

    /// Adds one IP address.
    pub fn ip(mut self, ip: IpAddr) -> Self {
        self.entries.push(AccessListEntryRequest::IpAddress(ip));
        self
    }

    /// Adds an entry exactly as given.
    pub fn entry(mut self, entry: AccessListEntryRequest) -> Self {
        self.entries.push(entry);
        self
    }

    /// Adds entries exactly as given.
    pub fn entries(mut self, entries: impl IntoIterator<Item = AccessListEntryRequest>) -> Self {
        self.entries.extend(entries);
        self
    }

    request_options!();

    /// Sends the request; returns the first page of the key's resulting access list.
    pub async fn send(self) -> Result<Page<AccessListEntry>> {
        self.send_with_metadata().await.map(Response::into_value)
    }

    /// Sends the request and returns the response metadata too.
    pub async fn send_with_metadata(self) -> Result<Response<Page<AccessListEntry>>> {
        let mut request = CreateAccessListRequest::new(self.org_id, self.key_id, self.entries)?;
        request.options = self.options;
        self.api.create(request).await
    }
}

/// Fluent builder of [`AccessList::get`].
#[derive(Clone)]
pub struct GetAccessListEntryBuilder {
    api: Arc<dyn AccessListApi>,
    request: GetAccessListEntryRequest,
    options: RequestOptions,
}

impl fmt::Debug for GetAccessListEntryBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetAccessListEntryBuilder")
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

impl GetAccessListEntryBuilder {
    request_options!();

    /// Sends the request.
    pub async fn send(self) -> Result<AccessListEntry> {
        self.send_with_metadata().await.map(Response::into_value)
    }

    /// Sends the request and returns the response metadata too.
    pub async fn send_with_metadata(self) -> Result<Response<AccessListEntry>> {
        let mut request = self.request;
        request.options = self.options;
        self.api.get(request).await
    }
}

/// Fluent builder of [`AccessList::delete`].
#[derive(Clone)]
pub struct DeleteAccessListEntryBuilder {
    api: Arc<dyn AccessListApi>,
    request: DeleteAccessListEntryRequest,
    options: RequestOptions,
}

impl fmt::Debug for DeleteAccessListEntryBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeleteAccessListEntryBuilder")
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

impl DeleteAccessListEntryBuilder {
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
