//! Authorization: does the caller hold the role an operation needs (the spec's
//! `x-rolesRequirements`)?
//!
//! Organization member to read org keys and access lists, organization owner to write;
//! project read-only to list a project's keys, project owner to create, assign, update
//! and unassign; an org owner acts as owner of every project of its org. This module
//! must NOT authenticate or touch the request.

use atlas_keys_model::{ErrorCode, Flavour, OrgId, OrgRole, ProjectRole};

use super::{Caller, Principal};
use crate::errors::ApiError;
use crate::state::{ProjectRecord, ProjectRoles, State};

/// What an operation requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Need {
    OrgMember,
    OrgOwner,
    ProjectRead,
    ProjectOwner,
}

struct Held<'a> {
    org_id: OrgId,
    org_roles: &'a [OrgRole],
    project_roles: &'a [ProjectRoles],
}

fn held<'a>(state: &'a State, caller: &Caller) -> Result<Held<'a>, ApiError> {
    let gone = || {
        ApiError::unauthorized(
            ErrorCode::UserUnauthorized,
            "The calling credential no longer exists.",
        )
    };
    match &caller.principal {
        Principal::Key(id) => state.key(id).map(|k| Held {
            org_id: k.org_id,
            org_roles: &k.org_roles,
            project_roles: &k.project_roles,
        }),
        Principal::ServiceAccount(id) => state.service_account(id).map(|a| Held {
            org_id: a.org_id,
            org_roles: &a.org_roles,
            project_roles: &a.project_roles,
        }),
    }
    .ok_or_else(gone)
}

fn has<R: PartialEq>(roles: &[R], role: &R) -> bool {
    roles.contains(role)
}

/// Checks an organization-scoped requirement.
pub(crate) fn check_org(
    state: &State,
    caller: &Caller,
    org_id: OrgId,
    need: Need,
) -> Result<(), ApiError> {
    let h = held(state, caller)?;
    if h.org_id != org_id {
        return Err(ApiError::unauthorized(
            ErrorCode::UserCannotAccessOrg,
            format!("The current user cannot access organization {org_id}."),
        )
        .param(org_id.to_string()));
    }
    let ok = match need {
        Need::OrgOwner => has(h.org_roles, &OrgRole::Owner),
        _ => !h.org_roles.is_empty(),
    };
    if ok {
        Ok(())
    } else if need == Need::OrgOwner {
        Err(ApiError::unauthorized(
            ErrorCode::NotOrgOwner,
            format!("The current user is not an owner of organization {org_id}."),
        )
        .param(org_id.to_string()))
    } else {
        Err(ApiError::unauthorized(
            ErrorCode::UserCannotAccessOrg,
            format!("The current user is not a member of organization {org_id}."),
        )
        .param(org_id.to_string()))
    }
}

/// Checks a project-scoped requirement.
pub(crate) fn check_project(
    state: &State,
    caller: &Caller,
    project: &ProjectRecord,
    need: Need,
    flavour: Flavour,
) -> Result<(), ApiError> {
    let h = held(state, caller)?;
    let pid = project.id;
    if h.org_id != project.org_id {
        return Err(ApiError::unauthorized(
            ErrorCode::UserCannotAccessGroup,
            format!("The current user cannot access project {pid}."),
        )
        .param(pid.to_string()));
    }
    if has(h.org_roles, &OrgRole::Owner) {
        return Ok(());
    }
    let read_all = has(h.org_roles, &OrgRole::ReadOnly);
    let roles = h
        .project_roles
        .iter()
        .find(|p| p.project_id == pid)
        .map(|p| p.roles.as_slice());
    let ok = match (need, roles) {
        (Need::ProjectRead | Need::OrgMember, _) if read_all => true,
        (Need::ProjectRead | Need::OrgMember, Some(r)) => !r.is_empty(),
        (Need::ProjectOwner | Need::OrgOwner, Some(r)) => {
            // Atlas names "Project Access Manager" enough to manage a project's keys (NOTES (j)).
            has(r, &ProjectRole::Owner)
                || (flavour.is_atlas() && has(r, &ProjectRole::AccessManager))
                || (!flavour.is_atlas() && has(r, &ProjectRole::UserAdmin))
        }
        (_, None) => false,
    };
    if ok {
        Ok(())
    } else if roles.is_none() && !read_all {
        Err(ApiError::unauthorized(
            ErrorCode::NotInGroup,
            format!("The current user is not in project {pid}."),
        )
        .param(pid.to_string()))
    } else {
        Err(ApiError::unauthorized(
            ErrorCode::UserUnauthorized,
            format!(
                "The current user lacks the project role this operation needs in project {pid}."
            ),
        )
        .param(pid.to_string()))
    }
}
