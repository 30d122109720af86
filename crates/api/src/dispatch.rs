//! The HTTP implementation of the three service traits: a typed request becomes a row of
//! the operation table, path values, query and a JSON body; it is validated against the
//! client's flavour, sent through the transport, and decoded.
//!
//! What it must NOT do: hold a path (the table does), retry or authenticate (the
//! transport does), or send a body that failed `validate_for`.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use atlas_keys_model::{
    AccessListAddress, AccessListEntry, ApiKey, ApiKeyId, OrgId, Page, PageRequest, ProjectId,
    UserAccessRoleAssignment,
};
use atlas_keys_transport::Transport;
use bytes::Bytes;
use serde::Serialize;

use crate::client::Config;
use crate::error::{Error, Result};
use crate::operations::{BodyShape, Operation};
use crate::request::{self, RequestArgs, Segment};
use crate::response::{self, CallInfo, Response};
use crate::services::RequestOptions;
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

/// The service traits over a [`Transport`].
pub(crate) struct HttpApi {
    config: Arc<Config>,
    transport: Arc<dyn Transport>,
}

impl fmt::Debug for HttpApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpApi")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// One call, before it is built.
struct Call<'a> {
    operation: Operation,
    args: RequestArgs<'a>,
    options: RequestOptions,
    /// The success body carries a full private key (the two creates).
    secret_body: bool,
}

impl<'a> Call<'a> {
    fn new(operation: Operation, options: RequestOptions) -> Self {
        Call {
            operation,
            args: RequestArgs::default(),
            options,
            secret_body: false,
        }
    }

    fn org(mut self, org_id: &'a OrgId) -> Self {
        self.args
            .path
            .push(("orgId", Segment::Text(org_id.as_str())));
        self
    }

    fn project(mut self, project_id: &'a ProjectId) -> Self {
        self.args
            .path
            .push(("groupId", Segment::Text(project_id.as_str())));
        self
    }

    fn key(mut self, key_id: &'a ApiKeyId) -> Self {
        self.args
            .path
            .push(("apiUserId", Segment::Text(key_id.as_str())));
        self
    }

    fn address(mut self, address: &AccessListAddress) -> Self {
        self.args
            .path
            .push(("ipAddress", Segment::Encoded(address.to_path_segment())));
        self
    }

    fn page(mut self, page: &PageRequest) -> Self {
        self.args.query.extend(page.query_pairs());
        self
    }

    fn body(mut self, body: &impl Serialize) -> Result<Self> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::config(format!("cannot serialize the request body: {e}")))?;
        self.args.body = Some(bytes);
        Ok(self)
    }

    fn secret_body(mut self) -> Self {
        self.secret_body = true;
        self
    }
}

impl HttpApi {
    pub(crate) fn new(config: Arc<Config>, transport: Arc<dyn Transport>) -> Self {
        HttpApi { config, transport }
    }

    fn body_shape(&self, operation: Operation) -> Result<BodyShape> {
        Ok(self.spec(operation)?.body)
    }

    fn spec(&self, operation: Operation) -> Result<&'static crate::operations::OperationSpec> {
        operation.spec(self.config.flavour).ok_or_else(|| {
            Error::config(format!(
                "{operation} is not available in {}",
                self.config.flavour
            ))
            .with_operation(operation)
        })
    }

    /// Builds and sends a call; a transport failure of a state-changing call that may
    /// have reached the server becomes "outcome unknown".
    async fn execute(&self, mut call: Call<'_>) -> Result<(CallInfo<'_>, http::Response<Bytes>)> {
        let spec = self.spec(call.operation)?;
        if call.options.envelope {
            call.args.query.push(("envelope", "true".to_owned()));
        }
        if call.options.pretty {
            call.args.query.push(("pretty", "true".to_owned()));
        }
        let (request, path) = request::build(&self.config, spec, call.args)
            .map_err(|e| e.with_operation(spec.operation))?;
        let info = CallInfo {
            spec,
            envelope: call.options.envelope,
            accept: &self.config.media_type,
            path,
            secret_body: call.secret_body,
        };
        tracing::debug!(
            operation = %spec.operation,
            method = spec.method.as_str(),
            path = info.path.path(),
            "sending"
        );
        match self.transport.send(request).await {
            Ok(response) => {
                tracing::debug!(operation = %spec.operation, status = response.status().as_u16(), "received");
                Ok((info, response))
            }
            Err(e) if spec.method.changes_state() && e.request_may_have_reached_server() => Err(
                Error::outcome_unknown(spec.method.as_str(), info.path.path().to_owned(), e)
                    .with_operation(spec.operation),
            ),
            Err(e) => Err(Error::transport(e).with_operation(spec.operation)),
        }
    }

    async fn json<T: serde::de::DeserializeOwned>(&self, call: Call<'_>) -> Result<Response<T>> {
        let (info, response) = self.execute(call).await?;
        response::decode_json(&info, response)
    }

    async fn empty(&self, call: Call<'_>) -> Result<Response<()>> {
        let (info, response) = self.execute(call).await?;
        response::decode_empty(&info, response)
    }
}

#[async_trait]
impl OrgKeysApi for HttpApi {
    async fn list(&self, r: ListOrgKeysRequest) -> Result<Response<Page<ApiKey>>> {
        let call = Call::new(Operation::ListOrgApiKeys, r.options)
            .org(&r.org_id)
            .page(&r.page);
        self.json(call).await
    }

    async fn create(&self, r: CreateOrgKeyRequest) -> Result<Response<ApiKey>> {
        r.body.validate_for(self.config.flavour)?;
        let call = Call::new(Operation::CreateOrgApiKey, r.options)
            .org(&r.org_id)
            .body(&r.body)?
            .secret_body();
        self.json(call).await
    }

    async fn get(&self, r: GetOrgKeyRequest) -> Result<Response<ApiKey>> {
        let call = Call::new(Operation::GetOrgApiKey, r.options)
            .org(&r.org_id)
            .key(&r.key_id);
        self.json(call).await
    }

    async fn update(&self, r: UpdateOrgKeyRequest) -> Result<Response<ApiKey>> {
        r.body.validate_for(self.config.flavour)?;
        let call = Call::new(Operation::UpdateOrgApiKey, r.options)
            .org(&r.org_id)
            .key(&r.key_id)
            .body(&r.body)?;
        self.json(call).await
    }

    async fn delete(&self, r: DeleteOrgKeyRequest) -> Result<Response<()>> {
        let call = Call::new(Operation::DeleteOrgApiKey, r.options)
            .org(&r.org_id)
            .key(&r.key_id);
        self.empty(call).await
    }
}

#[async_trait]
impl AccessListApi for HttpApi {
    async fn list(&self, r: ListAccessListRequest) -> Result<Response<Page<AccessListEntry>>> {
        let call = Call::new(Operation::ListAccessListEntries, r.options)
            .org(&r.org_id)
            .key(&r.key_id)
            .page(&r.page);
        self.json(call).await
    }

    async fn create(&self, r: CreateAccessListRequest) -> Result<Response<Page<AccessListEntry>>> {
        r.validate()?;
        let call = Call::new(Operation::CreateAccessListEntries, r.options)
            .org(&r.org_id)
            .key(&r.key_id)
            .body(&r.entries)?;
        self.json(call).await
    }

    async fn get(&self, r: GetAccessListEntryRequest) -> Result<Response<AccessListEntry>> {
        let call = Call::new(Operation::GetAccessListEntry, r.options)
            .org(&r.org_id)
            .key(&r.key_id)
            .address(&r.address);
        self.json(call).await
    }

    async fn delete(&self, r: DeleteAccessListEntryRequest) -> Result<Response<()>> {
        let call = Call::new(Operation::DeleteAccessListEntry, r.options)
            .org(&r.org_id)
            .key(&r.key_id)
            .address(&r.address);
        self.empty(call).await
    }
}

#[async_trait]
impl ProjectKeysApi for HttpApi {
    async fn list(&self, r: ListProjectKeysRequest) -> Result<Response<Page<ApiKey>>> {
        let call = Call::new(Operation::ListProjectApiKeys, r.options)
            .project(&r.project_id)
            .page(&r.page);
        self.json(call).await
    }

    async fn create(&self, r: CreateProjectKeyRequest) -> Result<Response<ApiKey>> {
        r.body.validate_for(self.config.flavour)?;
        let call = Call::new(Operation::CreateProjectApiKey, r.options)
            .project(&r.project_id)
            .body(&r.body)?
            .secret_body();
        self.json(call).await
    }

    async fn assign(&self, r: AssignProjectKeyRequest) -> Result<Response<()>> {
        r.body.validate_for(self.config.flavour)?;
        let call = Call::new(Operation::AssignProjectApiKey, r.options)
            .project(&r.project_id)
            .key(&r.key_id);
        // The table says which body this flavour takes: Atlas an array of assignments,
        // Cloud/Ops Manager the `{"roles": [...]}` object.
        let call = match self.body_shape(Operation::AssignProjectApiKey)? {
            BodyShape::Array => {
                let element = UserAccessRoleAssignment::new(r.body.roles().to_vec(), None)?;
                call.body(&[element])?
            }
            BodyShape::Object | BodyShape::None => call.body(&r.body)?,
        };
        self.empty(call).await
    }

    async fn update_roles(&self, r: UpdateProjectKeyRolesRequest) -> Result<Response<ApiKey>> {
        r.body.validate_for(self.config.flavour)?;
        let call = Call::new(Operation::UpdateProjectApiKeyRoles, r.options)
            .project(&r.project_id)
            .key(&r.key_id)
            .body(&r.body)?;
        self.json(call).await
    }

    async fn unassign(&self, r: UnassignProjectKeyRequest) -> Result<Response<()>> {
        let call = Call::new(Operation::UnassignProjectApiKey, r.options)
            .project(&r.project_id)
            .key(&r.key_id);
        self.empty(call).await
    }
}
