//! One role held by a key in one organization or project (the spec's
//! `CloudAccessRoleAssignment`).
//!
//! On the wire it is `{"orgId", "roleName"}` or `{"groupId", "roleName"}`; both ids or
//! neither is a decode error. This module must NOT check roles against a flavour: a
//! response lists whatever the server granted, so role names decode leniently.

use crate::{OrgId, OrgRole, ProjectId, ProjectRole};

/// A role held by an API key, scoped to an organization or a project.
///
/// ```
/// use atlas_keys_model::{OrgRole, RoleAssignment};
///
/// let a: RoleAssignment = serde_json::from_str(
///     r#"{"orgId":"4888442a3354817a7320eb61","roleName":"ORG_MEMBER"}"#,
/// ).unwrap();
/// assert!(matches!(a, RoleAssignment::Org { role: OrgRole::Member, .. }));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "RoleAssignmentWire", into = "RoleAssignmentWire")]
pub enum RoleAssignment {
    /// A role in an organization.
    Org {
        /// The organization.
        org_id: OrgId,
        /// The role there.
        role: OrgRole,
    },
    /// A role in a project.
    Project {
        /// The project (`groupId`).
        project_id: ProjectId,
        /// The role there.
        role: ProjectRole,
    },
}

impl RoleAssignment {
    /// The wire role name.
    pub fn role_name(&self) -> &str {
        match self {
            RoleAssignment::Org { role, .. } => role.as_str(),
            RoleAssignment::Project { role, .. } => role.as_str(),
        }
    }
}

/// The flat wire shape; private so that the invalid "both"/"neither" states never escape.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleAssignmentWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    org_id: Option<OrgId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    group_id: Option<ProjectId>,
    role_name: String,
}

impl TryFrom<RoleAssignmentWire> for RoleAssignment {
    type Error = crate::ValidationError;
    fn try_from(w: RoleAssignmentWire) -> Result<Self, Self::Error> {
        match (w.org_id, w.group_id) {
            (Some(org_id), None) => Ok(RoleAssignment::Org {
                org_id,
                role: OrgRole::from_wire(&w.role_name),
            }),
            (None, Some(project_id)) => Ok(RoleAssignment::Project {
                project_id,
                role: ProjectRole::from_wire(&w.role_name),
            }),
            (Some(_), Some(_)) => Err(crate::ValidationError::new(
                "roles",
                "a role assignment must have orgId or groupId, not both",
                w.role_name,
            )),
            (None, None) => Err(crate::ValidationError::new(
                "roles",
                "a role assignment must have orgId or groupId",
                w.role_name,
            )),
        }
    }
}

impl From<RoleAssignment> for RoleAssignmentWire {
    fn from(a: RoleAssignment) -> Self {
        match a {
            RoleAssignment::Org { org_id, role } => RoleAssignmentWire {
                org_id: Some(org_id),
                group_id: None,
                role_name: role.as_str().to_owned(),
            },
            RoleAssignment::Project { project_id, role } => RoleAssignmentWire {
                org_id: None,
                group_id: Some(project_id),
                role_name: role.as_str().to_owned(),
            },
        }
    }
}
