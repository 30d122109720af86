//! Access lists of organization keys (operations #6–#9): the [`AccessList`] handler
//! (`client.access_list()`), one struct per operation, and the create's setters on
//! [`RequestBuilder`].
//!
//! An address in a path is written by `AccessListAddress::to_path_segment` (a block's
//! `/` becomes `%2F`). What it must NOT do: build a request, or validate anywhere but
//! in [`ApiCall::body`].

use std::net::IpAddr;
use std::sync::Arc;

use atlas_keys_model::{
    AccessListAddress, AccessListEntry, AccessListEntryRequest, ApiKeyId, Flavour, OrgId, Page,
};

use crate::call::{ApiCall, Core, RequestBuilder, sealed, to_json};
use crate::error::{Error, Result};
use crate::operations::Operation;
use crate::org_keys::key_path;
use crate::paginate::ListBuilder;

/// The handler for access lists: `client.access_list()`.
#[derive(Clone, Debug)]
pub struct AccessList {
    core: Arc<Core>,
}

impl AccessList {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        AccessList { core }
    }

    /// #6: lists a key's entries: `.send()` for one page, `.items()` for all.
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, org: atlas_keys::model::OrgId, key: atlas_keys::model::ApiKeyId) -> atlas_keys::Result<()> {
    /// let entries = client.access_list().list(&org, &key).items().try_collect_vec().await?;
    /// # Ok(()) }
    /// ```
    pub fn list(&self, org_id: &OrgId, key_id: &ApiKeyId) -> ListBuilder<AccessListEntry> {
        let op = ListAccessList {
            org_id: *org_id,
            key_id: *key_id,
        };
        ListBuilder::new(&self.core, op)
    }

    /// #7: adds entries (addresses or CIDR blocks) to a key's access list; returns the
    /// first page of the resulting list.
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
    pub fn create(&self, org_id: &OrgId, key_id: &ApiKeyId) -> RequestBuilder<CreateAccessList> {
        let op = CreateAccessList {
            org_id: *org_id,
            key_id: *key_id,
            entries: Vec::new(),
        };
        RequestBuilder::new(&self.core, op)
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
    ) -> RequestBuilder<GetAccessListEntry> {
        let op = GetAccessListEntry {
            org_id: *org_id,
            key_id: *key_id,
            address: *address,
        };
        RequestBuilder::new(&self.core, op)
    }

    /// #9: deletes one entry. The server refuses to remove the caller's own address.
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
    ) -> RequestBuilder<DeleteAccessListEntry> {
        let op = DeleteAccessListEntry {
            org_id: *org_id,
            key_id: *key_id,
            address: *address,
        };
        RequestBuilder::new(&self.core, op)
    }
}

/// #6 `listOrgApiKeyAccessListEntries`: one page of a key's entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListAccessList {
    org_id: OrgId,
    key_id: ApiKeyId,
}

impl sealed::Sealed for ListAccessList {}
impl ApiCall for ListAccessList {
    const OPERATION: Operation = Operation::ListAccessListEntries;
    type Output = Page<AccessListEntry>;

    fn write_path(&self, out: &mut String) {
        key_path(out, &self.org_id, &self.key_id);
        out.push_str("/accessList");
    }
}

/// #7 `createOrgApiKeyAccessListEntry`: entries added to a key's access list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateAccessList {
    org_id: OrgId,
    key_id: ApiKeyId,
    entries: Vec<AccessListEntryRequest>,
}

impl sealed::Sealed for CreateAccessList {}
impl ApiCall for CreateAccessList {
    const OPERATION: Operation = Operation::CreateAccessListEntries;
    type Output = Page<AccessListEntry>;

    fn write_path(&self, out: &mut String) {
        key_path(out, &self.org_id, &self.key_id);
        out.push_str("/accessList");
    }

    /// The rule the model has no type for: the body is a non-empty array.
    fn body(&self, _flavour: Flavour) -> Result<Option<Vec<u8>>> {
        if self.entries.is_empty() {
            return Err(Error::local_validation(
                "entries",
                "must contain at least one access-list entry",
            ));
        }
        to_json(&self.entries)
    }
}

impl RequestBuilder<CreateAccessList> {
    /// Adds an address or block: a single address is sent as `ipAddress`, a wider block
    /// as `cidrBlock`.
    pub fn address(mut self, address: AccessListAddress) -> Self {
        self.op.entries.push(AccessListEntryRequest::from(address));
        self
    }

    /// Adds one IP address.
    pub fn ip(mut self, ip: IpAddr) -> Self {
        self.op.entries.push(AccessListEntryRequest::IpAddress(ip));
        self
    }

    /// Adds an entry exactly as given.
    pub fn entry(mut self, entry: AccessListEntryRequest) -> Self {
        self.op.entries.push(entry);
        self
    }

    /// Adds entries exactly as given.
    pub fn entries(mut self, entries: impl IntoIterator<Item = AccessListEntryRequest>) -> Self {
        self.op.entries.extend(entries);
        self
    }
}

/// #8 `getOrgApiKeyAccessListEntry`: one entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetAccessListEntry {
    org_id: OrgId,
    key_id: ApiKeyId,
    address: AccessListAddress,
}

impl sealed::Sealed for GetAccessListEntry {}
impl ApiCall for GetAccessListEntry {
    const OPERATION: Operation = Operation::GetAccessListEntry;
    type Output = AccessListEntry;

    fn write_path(&self, out: &mut String) {
        entry_path(out, &self.org_id, &self.key_id, &self.address);
    }
}

/// #9 `deleteOrgApiKeyAccessListEntry`: deletes one entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteAccessListEntry {
    org_id: OrgId,
    key_id: ApiKeyId,
    address: AccessListAddress,
}

impl sealed::Sealed for DeleteAccessListEntry {}
impl ApiCall for DeleteAccessListEntry {
    const OPERATION: Operation = Operation::DeleteAccessListEntry;
    type Output = ();

    fn write_path(&self, out: &mut String) {
        entry_path(out, &self.org_id, &self.key_id, &self.address);
    }
}

/// Appends `/orgs/{orgId}/apiKeys/{apiUserId}/accessList/{ipAddress}`.
fn entry_path(out: &mut String, org_id: &OrgId, key_id: &ApiKeyId, address: &AccessListAddress) {
    key_path(out, org_id, key_id);
    out.push_str("/accessList/");
    out.push_str(&address.to_path_segment());
}

/// Each operation's typed path with the sample ids (see `call::tests`).
#[cfg(test)]
pub(crate) fn path_samples() -> Vec<(Operation, String)> {
    use crate::call::tests::{ADDRESS, KEY, ORG, path_of};
    let (org_id, key_id) = (ORG.parse().unwrap(), KEY.parse().unwrap());
    let address = AccessListAddress::parse(ADDRESS).unwrap();
    vec![
        path_of(&ListAccessList { org_id, key_id }),
        path_of(&CreateAccessList {
            org_id,
            key_id,
            entries: Vec::new(),
        }),
        path_of(&GetAccessListEntry {
            org_id,
            key_id,
            address,
        }),
        path_of(&DeleteAccessListEntry {
            org_id,
            key_id,
            address,
        }),
    ]
}
