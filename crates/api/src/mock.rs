//! mockall mocks of the three service traits (feature `test-util`): [`MockOrgKeysApi`],
//! [`MockAccessListApi`] and [`MockProjectKeysApi`].
//!
//! What it is for: unit tests of code that calls this crate. Plug a mock into a client
//! with [`ClientBuilder::org_keys_api`](crate::ClientBuilder::org_keys_api) (and friends),
//! and the fluent calls reach the mock after validation, with no server.
//!
//! What it must NOT do: be compiled without `test-util`, or open a socket.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> atlas_keys::Result<()> {
//! use std::sync::Arc;
//! use atlas_keys::{Client, Response, mock::MockOrgKeysApi, model::{ApiKey, OrgRole}};
//!
//! let mut mock = MockOrgKeysApi::new();
//! mock.expect_create()
//!     .withf(|req| req.body.desc().as_str() == "ci")
//!     .returning(|_| {
//!         let key: ApiKey = serde_json::from_str(r#"{"id":"5d1113b25a115342acc2d1aa"}"#).unwrap();
//!         Ok(Response::new(key))
//!     });
//! let client = Client::builder().org_keys_api(Arc::new(mock)).build()?;
//! let org = "4888442a3354817a7320eb61".parse()?;
//! let key = client.org_keys().create(&org).desc("ci").role(OrgRole::Member).send().await?;
//! assert_eq!(key.id.as_str(), "5d1113b25a115342acc2d1aa");
//! # Ok(()) }
//! ```

#![allow(missing_docs)] // mockall generates undocumented items.

use async_trait::async_trait;
use atlas_keys_model::{AccessListEntry, ApiKey, Page};

use crate::error::Result;
use crate::response::Response;
use crate::services::access_list::{
    AccessListApi, CreateAccessListRequest, DeleteAccessListEntryRequest,
    GetAccessListEntryRequest, ListAccessListRequest,
};
use crate::services::org_keys::{
    CreateOrgKeyRequest, DeleteOrgKeyRequest, GetOrgKeyRequest, ListOrgKeysRequest, OrgKeysApi,
    UpdateOrgKeyRequest,
};
use crate::services::project_keys::{
    AssignProjectKeyRequest, CreateProjectKeyRequest, ListProjectKeysRequest, ProjectKeysApi,
    UnassignProjectKeyRequest, UpdateProjectKeyRolesRequest,
};

mockall::mock! {
    /// A mock of [`OrgKeysApi`].
    pub OrgKeysApi {}

    #[async_trait]
    impl OrgKeysApi for OrgKeysApi {
        async fn list(&self, request: ListOrgKeysRequest) -> Result<Response<Page<ApiKey>>>;
        async fn create(&self, request: CreateOrgKeyRequest) -> Result<Response<ApiKey>>;
        async fn get(&self, request: GetOrgKeyRequest) -> Result<Response<ApiKey>>;
        async fn update(&self, request: UpdateOrgKeyRequest) -> Result<Response<ApiKey>>;
        async fn delete(&self, request: DeleteOrgKeyRequest) -> Result<Response<()>>;
    }
}

mockall::mock! {
    /// A mock of [`AccessListApi`].
    pub AccessListApi {}

    #[async_trait]
    impl AccessListApi for AccessListApi {
        async fn list(&self, request: ListAccessListRequest) -> Result<Response<Page<AccessListEntry>>>;
        async fn create(&self, request: CreateAccessListRequest) -> Result<Response<Page<AccessListEntry>>>;
        async fn get(&self, request: GetAccessListEntryRequest) -> Result<Response<AccessListEntry>>;
        async fn delete(&self, request: DeleteAccessListEntryRequest) -> Result<Response<()>>;
    }
}

mockall::mock! {
    /// A mock of [`ProjectKeysApi`].
    pub ProjectKeysApi {}

    #[async_trait]
    impl ProjectKeysApi for ProjectKeysApi {
        async fn list(&self, request: ListProjectKeysRequest) -> Result<Response<Page<ApiKey>>>;
        async fn create(&self, request: CreateProjectKeyRequest) -> Result<Response<ApiKey>>;
        async fn assign(&self, request: AssignProjectKeyRequest) -> Result<Response<()>>;
        async fn update_roles(&self, request: UpdateProjectKeyRolesRequest) -> Result<Response<ApiKey>>;
        async fn unassign(&self, request: UnassignProjectKeyRequest) -> Result<Response<()>>;
    }
}
