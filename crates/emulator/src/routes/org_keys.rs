//! Operations 1–5: list, create, get, update and delete an organization's API keys.
//!
//! Deleting a key removes it from every project because project membership lives on the
//! key. This module must NOT serve access lists or project assignments.

use atlas_keys_model::{
    ApiKeyId, CreateOrgApiKey, ErrorCode, OrgId, OrgRole, PublicKey, UpdateOrgApiKey,
};
use http::StatusCode;

use super::Ctx;
use super::body::{self, RoleScope};
use crate::auth::roles::{Need, check_org};
use crate::envelope::Reply;
use crate::errors::{ApiError, ApiResult};
use crate::state::{KeyRecord, Op, OrgRecord, State};

/// The organization, or 404 for an unknown one.
pub(crate) fn org_exists(st: &State, org: OrgId) -> ApiResult<&OrgRecord> {
    st.org(&org).ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::OrgNotFound,
            format!("No organization with ID {org} exists."),
        )
        .param(org.to_string())
    })
}

/// The key `key` of organization `org`, or 400 `API_KEY_NOT_FOUND`: the service answers
/// an unknown key id with 400, not 404 (NOTES (j)).
pub(crate) fn key_in_org(st: &State, org: OrgId, key: ApiKeyId) -> ApiResult<&KeyRecord> {
    st.key(&key).filter(|k| k.org_id == org).ok_or_else(|| {
        ApiError::bad_request(
            ErrorCode::ApiKeyNotFound,
            format!("No API key with ID {key} exists."),
        )
        .param(key.to_string())
    })
}

/// Checks the path and the caller's role in the organization.
fn authorize(ctx: &Ctx<'_>, org: OrgId, need: Need) -> ApiResult<()> {
    let st = ctx.app.store.read();
    org_exists(&st, org)?;
    check_org(&st, ctx.caller, org, need)
}

/// A fresh key with unique id and public key.
pub(crate) fn new_key(st: &State, org: OrgId, desc: String, org_roles: Vec<OrgRole>) -> KeyRecord {
    let mut id = crate::ids::key_id();
    while st.key(&id).is_some() {
        id = crate::ids::key_id();
    }
    let mut public_key: PublicKey = crate::ids::public_key();
    while st.key_by_public(&public_key).is_some() {
        public_key = crate::ids::public_key();
    }
    KeyRecord {
        seq: st.next_seq(),
        id,
        org_id: org,
        desc,
        public_key,
        private_key: crate::ids::private_key(),
        org_roles,
        project_roles: Vec::new(),
        access_list: Vec::new(),
    }
}

/// Operation 1: `GET /orgs/{orgId}/apiKeys`.
pub(crate) fn list(ctx: &Ctx<'_>, org: OrgId) -> ApiResult<Reply> {
    authorize(ctx, org, Need::OrgMember)?;
    let st = ctx.app.store.read();
    Ok(ctx.key_page(st.org_key_list(&org)))
}

/// Operation 2: `POST /orgs/{orgId}/apiKeys` (answers 200 with the full private key).
pub(crate) async fn create(ctx: &Ctx<'_>, org: OrgId) -> ApiResult<Reply> {
    authorize(ctx, org, Need::OrgOwner)?;
    let v = body::json(ctx.body)?;
    let obj = body::object(&v, &["desc", "roles"])?;
    body::check_desc(obj, true)?;
    if body::check_roles(obj, RoleScope::Org, ctx.flavour, true)? == Some(0) {
        return Err(ApiError::bad_request(
            ErrorCode::MissingApiKeyRoles,
            "At least one role is required.",
        ));
    }
    let req: CreateOrgApiKey = body::decode(v)?;
    let written = ctx
        .app
        .store
        .write(|tx| {
            org_exists(tx.state(), org)?;
            let roles = req.roles().to_vec();
            let key = new_key(tx.state(), org, req.desc().as_str().to_owned(), roles);
            let reply = ctx.api_key(&key, true);
            tracing::info!(key_id = %key.id, public_key = %key.public_key, org_id = %org, "created org API key");
            tx.apply(Op::PutKey(key));
            Ok(reply)
        })
        .await;
    Ctx::persisted(written).map(|k| Reply::Key(StatusCode::OK, Box::new(k)))
}

/// Operation 3: `GET /orgs/{orgId}/apiKeys/{apiUserId}`.
pub(crate) fn get(ctx: &Ctx<'_>, org: OrgId, key: ApiKeyId) -> ApiResult<Reply> {
    authorize(ctx, org, Need::OrgMember)?;
    let st = ctx.app.store.read();
    let k = key_in_org(&st, org, key)?;
    Ok(Reply::Key(StatusCode::OK, Box::new(ctx.api_key(k, false))))
}

/// Operation 4: `PATCH /orgs/{orgId}/apiKeys/{apiUserId}` (desc and/or org roles).
pub(crate) async fn update(ctx: &Ctx<'_>, org: OrgId, key: ApiKeyId) -> ApiResult<Reply> {
    authorize(ctx, org, Need::OrgOwner)?;
    key_in_org(&ctx.app.store.read(), org, key)?;
    let v = body::json(ctx.body)?;
    let obj = body::object(&v, &["desc", "roles"])?;
    body::check_desc(obj, false)?;
    let roles = body::check_roles(obj, RoleScope::Org, ctx.flavour, false)?;
    if roles == Some(0) {
        return Err(ApiError::bad_request(
            ErrorCode::MissingApiKeyRoles,
            "At least one role is required.",
        ));
    }
    if roles.is_none() && obj.get("desc").is_none_or(serde_json::Value::is_null) {
        return Err(ApiError::bad_request(
            ErrorCode::MissingOneOfAttributes,
            "At least one of desc and roles is required.",
        ));
    }
    let req: UpdateOrgApiKey = body::decode(v)?;
    let written = ctx
        .app
        .store
        .write(|tx| {
            let mut k = key_in_org(tx.state(), org, key)?.clone();
            if let Some(d) = req.desc() {
                k.desc = d.as_str().to_owned();
            }
            if let Some(r) = req.roles() {
                k.org_roles = r.to_vec();
            }
            let reply = ctx.api_key(&k, false);
            tx.apply(Op::PutKey(k));
            Ok(reply)
        })
        .await;
    Ctx::persisted(written).map(|k| Reply::Key(StatusCode::OK, Box::new(k)))
}

/// Operation 5: `DELETE /orgs/{orgId}/apiKeys/{apiUserId}` (also leaves every project).
pub(crate) async fn delete(ctx: &Ctx<'_>, org: OrgId, key: ApiKeyId) -> ApiResult<Reply> {
    authorize(ctx, org, Need::OrgOwner)?;
    let written = ctx
        .app
        .store
        .write(|tx| {
            let k = key_in_org(tx.state(), org, key)?;
            tracing::info!(key_id = %k.id, public_key = %k.public_key, "deleted API key");
            tx.apply(Op::DeleteKey { id: key });
            Ok(())
        })
        .await;
    Ctx::persisted(written).map(|()| Reply::Empty(StatusCode::NO_CONTENT))
}
