//! The four API flavours this client speaks, and the per-flavour rules kept as data.
//!
//! Role sets and the create-in-project body rule differ between Atlas and Cloud/Ops
//! Manager (NOTES (b), (i)). They live here, once, so the api crate and the emulator
//! agree. This module must NOT know base URLs, path prefixes or media types.

use crate::{OrgRole, ProjectRole, ValidationError};

/// Which MongoDB API a client talks to.
///
/// A closed set that this project owns, so it is deliberately NOT `#[non_exhaustive]`:
/// adding a flavour is a breaking change we want every `match` to notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Flavour {
    /// Atlas Administration API v2 (dated media types, see `ApiVersion`).
    AtlasV2,
    /// Legacy Atlas Administration API v1.0 (plain `application/json`).
    AtlasV1,
    /// Cloud Manager public API v1.0.
    CloudManager,
    /// Ops Manager public API v1.0 (self-hosted).
    OpsManager,
}

/// What the body of "create a key in a project" must contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CreateProjectKeyRule {
    /// Both `desc` and at least one role (Atlas spec: both required).
    DescAndRoles,
    /// At least one of `desc` and roles (Cloud/Ops Manager docs).
    DescOrRoles,
}

const ATLAS_ORG_ROLES: &[OrgRole] = &[
    OrgRole::Owner,
    OrgRole::Member,
    OrgRole::GroupCreator,
    OrgRole::BillingAdmin,
    OrgRole::BillingReadOnly,
    OrgRole::StreamProcessingAdmin,
    OrgRole::ReadOnly,
];

/// Cloud/Ops Manager: no `ORG_STREAM_PROCESSING_ADMIN`.
const MANAGER_ORG_ROLES: &[OrgRole] = &[
    OrgRole::Owner,
    OrgRole::Member,
    OrgRole::GroupCreator,
    OrgRole::BillingAdmin,
    OrgRole::ReadOnly,
    OrgRole::BillingReadOnly,
];

const ATLAS_PROJECT_ROLES: &[ProjectRole] = &[
    ProjectRole::BackupManager,
    ProjectRole::ClusterManager,
    ProjectRole::DataAccessAdmin,
    ProjectRole::DataAccessReadOnly,
    ProjectRole::DataAccessReadWrite,
    ProjectRole::DatabaseAccessAdmin,
    ProjectRole::ObservabilityViewer,
    ProjectRole::Owner,
    ProjectRole::ReadOnly,
    ProjectRole::SearchIndexEditor,
    ProjectRole::StreamProcessingOwner,
];

const MANAGER_PROJECT_ROLES: &[ProjectRole] = &[
    ProjectRole::AutomationAdmin,
    ProjectRole::BackupAdmin,
    ProjectRole::DataAccessAdmin,
    ProjectRole::DataAccessReadOnly,
    ProjectRole::DataAccessReadWrite,
    ProjectRole::MonitoringAdmin,
    ProjectRole::Owner,
    ProjectRole::ReadOnly,
    ProjectRole::UserAdmin,
];

impl Flavour {
    /// All flavours.
    pub const ALL: [Flavour; 4] = [
        Flavour::AtlasV2,
        Flavour::AtlasV1,
        Flavour::CloudManager,
        Flavour::OpsManager,
    ];

    /// The short name: `atlas`, `atlas-v1`, `cloud-manager` or `ops-manager`.
    pub fn as_str(self) -> &'static str {
        match self {
            Flavour::AtlasV2 => "atlas",
            Flavour::AtlasV1 => "atlas-v1",
            Flavour::CloudManager => "cloud-manager",
            Flavour::OpsManager => "ops-manager",
        }
    }

    /// True for the two Atlas flavours.
    pub fn is_atlas(self) -> bool {
        matches!(self, Flavour::AtlasV2 | Flavour::AtlasV1)
    }

    /// The organization roles this flavour documents.
    pub fn org_roles(self) -> &'static [OrgRole] {
        if self.is_atlas() {
            ATLAS_ORG_ROLES
        } else {
            MANAGER_ORG_ROLES
        }
    }

    /// The project roles this flavour documents.
    ///
    /// For Atlas v1.0 we use the current Atlas set, not the 6 of the archived docs,
    /// because the deprecated v1 spec maps to the same server as v2.
    pub fn project_roles(self) -> &'static [ProjectRole] {
        if self.is_atlas() {
            ATLAS_PROJECT_ROLES
        } else {
            MANAGER_PROJECT_ROLES
        }
    }

    /// Whether a request with this org role makes sense for this flavour.
    ///
    /// An explicit custom role (`OrgRole::Other`) is accepted: the caller asked for a
    /// role this crate does not know, and the server is the judge.
    pub fn accepts_org_role(self, role: &OrgRole) -> bool {
        !role.is_known() || self.org_roles().contains(role)
    }

    /// Whether a request with this project role makes sense for this flavour.
    ///
    /// An explicit custom role (`ProjectRole::Other`) is accepted, as for org roles.
    pub fn accepts_project_role(self, role: &ProjectRole) -> bool {
        !role.is_known() || self.project_roles().contains(role)
    }

    /// What "create a key in a project" requires (NOTES (a) vs (i)).
    pub fn create_project_key_rule(self) -> CreateProjectKeyRule {
        if self.is_atlas() {
            CreateProjectKeyRule::DescAndRoles
        } else {
            CreateProjectKeyRule::DescOrRoles
        }
    }

    /// Checks org roles against this flavour; the error names the role and the flavour.
    pub(crate) fn check_org_roles(self, roles: &[OrgRole]) -> Result<(), ValidationError> {
        match roles.iter().find(|r| !self.accepts_org_role(r)) {
            Some(bad) => Err(ValidationError::new(
                "roles",
                format!("must be an organization role accepted by {self}"),
                bad.as_str(),
            )),
            None => Ok(()),
        }
    }

    /// Checks project roles against this flavour; the error names the role and the flavour.
    pub(crate) fn check_project_roles(self, roles: &[ProjectRole]) -> Result<(), ValidationError> {
        match roles.iter().find(|r| !self.accepts_project_role(r)) {
            Some(bad) => Err(ValidationError::new(
                "roles",
                format!("must be a project role accepted by {self}"),
                bad.as_str(),
            )),
            None => Ok(()),
        }
    }
}

impl std::fmt::Display for Flavour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Flavour {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Flavour::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                ValidationError::new(
                    "flavour",
                    "must be one of atlas, atlas-v1, cloud-manager, ops-manager",
                    s,
                )
            })
    }
}
