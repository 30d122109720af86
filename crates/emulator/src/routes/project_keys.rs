//! Operations 10–14: list a project's keys, create a key in a project, assign an
//! existing org key, replace its project roles, and unassign it.
//!
//! A key created through a project also gets `ORG_MEMBER` in the org; unassigning keeps
//! the key in the org. Cloud/Ops Manager assign with the roles `PATCH` and answer 200
//! to unassign. This module must NOT serve org-level key operations.

use atlas_keys_model::{
    ApiKeyId, CreateProjectApiKey, ErrorCode, OrgRole, ProjectId, ProjectRole,
    UpdateProjectApiKeyRoles, UserAccessRoleAssignment,
};
use http::StatusCode;
use serde_json::Value;

use super::Ctx;
use super::body::{self, RoleScope};
use super::org_keys::new_key;
use crate::auth::roles::{Need, check_project};
use crate::envelope::Reply;
use crate::errors::{ApiError, ApiResult};
use crate::state::{KeyRecord, Op, ProjectRecord, ProjectRoles, State};

fn project(st: &State, group: ProjectId) -> ApiResult<&ProjectRecord> {
    st.project(&group).ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::GroupNotFound,
            format!("No group with ID {group} exists."),
        )
        .param(group.to_string())
    })
}

fn authorize(ctx: &Ctx<'_>, group: ProjectId, need: Need) -> ApiResult<()> {
    let st = ctx.app.store.read();
    let p = project(&st, group)?;
    check_project(&st, ctx.caller, p, need, ctx.flavour)
}

/// The key `key` of the project's organization, or 404.
fn key_in_project_org(st: &State, group: ProjectId, key: ApiKeyId) -> ApiResult<&KeyRecord> {
    let org = project(st, group)?.org_id;
    super::org_keys::key_in_org(st, org, key)
}

fn set_project_roles(k: &mut KeyRecord, group: ProjectId, roles: Vec<ProjectRole>) {
    match k.project_roles.iter_mut().find(|p| p.project_id == group) {
        Some(p) => p.roles = roles,
        None => k.project_roles.push(ProjectRoles {
            project_id: group,
            roles,
        }),
    }
}

/// Operation 10: `GET /groups/{groupId}/apiKeys`.
pub(crate) fn list(ctx: &Ctx<'_>, group: ProjectId) -> ApiResult<Reply> {
    authorize(ctx, group, Need::ProjectRead)?;
    let st = ctx.app.store.read();
    Ok(ctx.key_page(st.project_key_list(&group)))
}

/// Operation 11: `POST /groups/{groupId}/apiKeys` (create an org key in the project).
pub(crate) async fn create(ctx: &Ctx<'_>, group: ProjectId) -> ApiResult<Reply> {
    authorize(ctx, group, Need::ProjectOwner)?;
    let v = body::json(ctx.body)?;
    let obj = body::object(&v, &["desc", "roles"])?;
    let both = ctx.flavour.is_atlas();
    body::check_desc(obj, both)?;
    let roles = body::check_roles(obj, RoleScope::Project, ctx.flavour, both)?;
    if both && roles == Some(0) {
        return Err(ApiError::bad_request(
            ErrorCode::MissingApiKeyRoles,
            "At least one role is required.",
        ));
    }
    let has_desc = obj.get("desc").is_some_and(|d| !d.is_null());
    if !both && !has_desc && roles.unwrap_or(0) == 0 {
        return Err(ApiError::bad_request(
            ErrorCode::MissingOneOfAttributes,
            "At least one of desc and roles is required.",
        ));
    }
    let req: CreateProjectApiKey = body::decode(v)?;
    req.validate_for(ctx.flavour)
        .map_err(|e| ApiError::bad_request(ErrorCode::ValidationError, e.to_string()))?;
    let written = ctx
        .app
        .store
        .write(|tx| {
            let org = project(tx.state(), group)?.org_id;
            let desc = req.desc().map(|d| d.as_str().to_owned()).unwrap_or_default();
            let mut key = new_key(tx.state(), org, desc, vec![OrgRole::Member]);
            set_project_roles(&mut key, group, req.roles().to_vec());
            let reply = ctx.api_key(&key, true);
            tracing::info!(key_id = %key.id, public_key = %key.public_key, project_id = %group, "created project API key");
            tx.apply(Op::PutKey(key));
            Ok(reply)
        })
        .await;
    Ctx::persisted(written).map(|k| Reply::Key(StatusCode::OK, Box::new(k)))
}

/// Operation 12 (Atlas only): `POST /groups/{groupId}/apiKeys/{apiUserId}` with
/// `[{"roles": [...]}]`; answers 204.
pub(crate) async fn assign(ctx: &Ctx<'_>, group: ProjectId, key: ApiKeyId) -> ApiResult<Reply> {
    authorize(ctx, group, Need::ProjectOwner)?;
    key_in_project_org(&ctx.app.store.read(), group, key)?;
    let v = body::json(ctx.body)?;
    let items = body::array(&v)?;
    if items.is_empty() {
        return Err(ApiError::bad_request(
            ErrorCode::MissingApiKeyRoles,
            "At least one role assignment is required.",
        ));
    }
    for item in items {
        let obj = body::object(item, &["roles", "userId"])?;
        if body::check_roles(obj, RoleScope::Project, ctx.flavour, true)? == Some(0) {
            return Err(ApiError::bad_request(
                ErrorCode::MissingApiKeyRoles,
                "At least one role is required.",
            ));
        }
        match obj.get("userId") {
            None | Some(Value::Null) => {}
            Some(Value::String(u)) if *u == key.as_str() => {}
            Some(_) => {
                return Err(ApiError::bad_request(
                    ErrorCode::InvalidAttribute,
                    "userId must be absent or equal to the key in the path.",
                )
                .param("userId"));
            }
        }
    }
    let req: Vec<UserAccessRoleAssignment> = body::decode(v)?;
    let mut roles: Vec<ProjectRole> = Vec::new();
    for r in req.iter().flat_map(|a| a.roles()) {
        if !roles.contains(r) {
            roles.push(r.clone());
        }
    }
    let written = ctx
        .app
        .store
        .write(|tx| {
            let mut k = key_in_project_org(tx.state(), group, key)?.clone();
            set_project_roles(&mut k, group, roles);
            tx.apply(Op::PutKey(k));
            Ok(())
        })
        .await;
    Ctx::persisted(written).map(|()| Reply::Empty(StatusCode::NO_CONTENT))
}

/// Operation 13: `PATCH /groups/{groupId}/apiKeys/{apiUserId}` with `{"roles": [...]}`:
/// replaces the key's roles in the project, assigning it when it was not (the Cloud/Ops
/// Manager assign).
pub(crate) async fn update_roles(
    ctx: &Ctx<'_>,
    group: ProjectId,
    key: ApiKeyId,
) -> ApiResult<Reply> {
    authorize(ctx, group, Need::ProjectOwner)?;
    key_in_project_org(&ctx.app.store.read(), group, key)?;
    let v = body::json(ctx.body)?;
    let obj = body::object(&v, &["desc", "roles"])?;
    body::check_desc(obj, false)?;
    if body::check_roles(obj, RoleScope::Project, ctx.flavour, true)? == Some(0) {
        return Err(ApiError::bad_request(
            ErrorCode::MissingApiKeyRoles,
            "At least one role is required.",
        ));
    }
    let req: UpdateProjectApiKeyRoles = body::decode(v)?;
    let written = ctx
        .app
        .store
        .write(|tx| {
            let mut k = key_in_project_org(tx.state(), group, key)?.clone();
            if let Some(d) = req.desc() {
                k.desc = d.as_str().to_owned();
            }
            set_project_roles(&mut k, group, req.roles().to_vec());
            let reply = ctx.api_key(&k, false);
            tx.apply(Op::PutKey(k));
            Ok(reply)
        })
        .await;
    Ctx::persisted(written).map(|k| Reply::Key(StatusCode::OK, Box::new(k)))
}

/// Operation 14: `DELETE /groups/{groupId}/apiKeys/{apiUserId}`; the key stays in the org.
pub(crate) async fn unassign(ctx: &Ctx<'_>, group: ProjectId, key: ApiKeyId) -> ApiResult<Reply> {
    authorize(ctx, group, Need::ProjectOwner)?;
    let written = ctx
        .app
        .store
        .write(|tx| {
            let mut k = key_in_project_org(tx.state(), group, key)?.clone();
            let before = k.project_roles.len();
            k.project_roles.retain(|p| p.project_id != group);
            if k.project_roles.len() == before {
                return Err(ApiError::not_found(
                    ErrorCode::ApiKeyNotFound,
                    format!("API key {key} is not assigned to project {group}."),
                )
                .param(key.to_string()));
            }
            tx.apply(Op::PutKey(k));
            Ok(())
        })
        .await;
    let status = if ctx.flavour.is_atlas() {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::OK
    };
    Ctx::persisted(written).map(|()| Reply::Empty(status))
}
