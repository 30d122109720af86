//! Bodies for assigning an existing organization key to a project.
//!
//! Cloud/Ops Manager (and legacy Atlas v1.0) assign with `PATCH {"roles": [...]}`
//! ([`AssignProjectApiKey`]); Atlas v2 with `POST [{"roles": [...], "userId"?}]`
//! ([`UserAccessRoleAssignment`]). This module must NOT choose between them: the api
//! crate knows the flavour and the operation.

use super::check_role_list;
use crate::{ApiKeyId, Flavour, ProjectRole, ValidationError};

/// Body `{"roles": [...]}` that assigns a key to a project: at least one role.
///
/// ```
/// use atlas_keys_model::{AssignProjectApiKey, ProjectRole};
///
/// let body = AssignProjectApiKey::new(vec![ProjectRole::ReadOnly])?;
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"roles":["GROUP_READ_ONLY"]}"#);
/// # Ok::<(), atlas_keys_model::ValidationError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "AssignWire")]
pub struct AssignProjectApiKey {
    roles: Vec<ProjectRole>,
}

impl AssignProjectApiKey {
    /// Validates the body: at least one role, no duplicates.
    pub fn new(roles: Vec<ProjectRole>) -> Result<Self, ValidationError> {
        check_role_list(&roles, ProjectRole::as_str)?;
        Ok(Self { roles })
    }

    /// The roles (non-empty).
    pub fn roles(&self) -> &[ProjectRole] {
        &self.roles
    }

    /// Checks every role is one `flavour` documents (custom `Other` roles pass).
    pub fn validate_for(&self, flavour: Flavour) -> Result<(), ValidationError> {
        flavour.check_project_roles(&self.roles)
    }
}

#[derive(serde::Deserialize)]
struct AssignWire {
    roles: Vec<ProjectRole>,
}

impl TryFrom<AssignWire> for AssignProjectApiKey {
    type Error = ValidationError;
    fn try_from(w: AssignWire) -> Result<Self, Self::Error> {
        Self::new(w.roles)
    }
}

/// One element of the Atlas v2 assign body (an array of these).
///
/// `userId` is readOnly in the spec, so it is normally left out.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", try_from = "UserAccessWire")]
pub struct UserAccessRoleAssignment {
    roles: Vec<ProjectRole>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<ApiKeyId>,
}

impl UserAccessRoleAssignment {
    /// Validates the element: at least one role, no duplicates.
    pub fn new(
        roles: Vec<ProjectRole>,
        user_id: Option<ApiKeyId>,
    ) -> Result<Self, ValidationError> {
        check_role_list(&roles, ProjectRole::as_str)?;
        Ok(Self { roles, user_id })
    }

    /// The roles (non-empty).
    pub fn roles(&self) -> &[ProjectRole] {
        &self.roles
    }

    /// The key id, if given.
    pub fn user_id(&self) -> Option<&ApiKeyId> {
        self.user_id.as_ref()
    }

    /// Checks every role is one `flavour` documents (custom `Other` roles pass).
    pub fn validate_for(&self, flavour: Flavour) -> Result<(), ValidationError> {
        flavour.check_project_roles(&self.roles)
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserAccessWire {
    roles: Vec<ProjectRole>,
    #[serde(default)]
    user_id: Option<ApiKeyId>,
}

impl TryFrom<UserAccessWire> for UserAccessRoleAssignment {
    type Error = ValidationError;
    fn try_from(w: UserAccessWire) -> Result<Self, Self::Error> {
        Self::new(w.roles, w.user_id)
    }
}
