//! One role held by a key in one organization or project (the spec's
//! `CloudAccessRoleAssignment`).
//!
//! On the wire it is `{"orgId", "roleName"}` or `{"groupId", "roleName"}`; both ids or
//! neither is a decode error. This module must NOT check roles against a flavour: a
//! response lists whatever the server granted, so role names decode leniently.

use std::borrow::Cow;

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
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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
/// The role name is borrowed from the input when it can be: a known role then costs no
/// allocation (every key of every response has one or more).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleAssignmentWire<'a> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    org_id: Option<OrgId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    group_id: Option<ProjectId>,
    #[serde(borrow)]
    role_name: Cow<'a, str>,
}

impl<'de> serde::Deserialize<'de> for RoleAssignment {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = RoleAssignmentWire::deserialize(deserializer)?;
        RoleAssignment::from_wire(wire).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for RoleAssignment {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (org_id, group_id) = match self {
            RoleAssignment::Org { org_id, .. } => (Some(*org_id), None),
            RoleAssignment::Project { project_id, .. } => (None, Some(*project_id)),
        };
        RoleAssignmentWire {
            org_id,
            group_id,
            role_name: Cow::Borrowed(self.role_name()),
        }
        .serialize(serializer)
    }
}

impl RoleAssignment {
    fn from_wire(w: RoleAssignmentWire<'_>) -> Result<Self, crate::ValidationError> {
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
