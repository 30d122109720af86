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

/// The 26 project roles of the current Atlas user-roles page (NOTES (j)).
const ATLAS_PROJECT_ROLES: &[ProjectRole] = &[
    ProjectRole::Owner,
    ProjectRole::ClusterManager,
    ProjectRole::ClusterCreator,
    ProjectRole::ClusterLogViewer,
    ProjectRole::ClusterResilienceTester,
    ProjectRole::ReplicaSetManager,
    ProjectRole::StreamProcessingOwner,
    ProjectRole::AccessManager,
    ProjectRole::DataAccessAdmin,
    ProjectRole::DataAccessReadWrite,
    ProjectRole::DataAccessReadOnly,
    ProjectRole::DatabaseAccessAdmin,
    ProjectRole::BackupManager,
    ProjectRole::BackupCreator,
    ProjectRole::BackupRecoveryOperator,
    ProjectRole::BackupExportOperator,
    ProjectRole::NetworkAccessManager,
    ProjectRole::ObservabilityViewer,
    ProjectRole::TriggerManager,
    ProjectRole::ReadOnly,
    ProjectRole::IndexManager,
    ProjectRole::SearchIndexEditor,
    ProjectRole::RealTimePerformanceOperator,
    ProjectRole::SupportAccessManager,
    ProjectRole::AlertsManager,
    ProjectRole::ModelOwner,
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
    /// A known role must be in [`Self::org_roles`]. A role this crate does not know
    /// (`OrgRole::unchecked`) is accepted when it is well-shaped (`ORG_[A-Z0-9_]+`): the
    /// caller asked for it on purpose, and the server is the judge.
    pub fn accepts_org_role(self, role: &OrgRole) -> bool {
        if role.is_known() {
            self.org_roles().contains(role)
        } else {
            role.is_well_shaped()
        }
    }

    /// Whether a request with this project role makes sense for this flavour.
    ///
    /// As for org roles: a known role must be in [`Self::project_roles`], an unknown one
    /// must be well-shaped (`GROUP_[A-Z0-9_]+`).
    pub fn accepts_project_role(self, role: &ProjectRole) -> bool {
        if role.is_known() {
            self.project_roles().contains(role)
        } else {
            role.is_well_shaped()
        }
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
                format!(
                    "must be an organization role accepted by {self} ({}), or a well-shaped \
                     unchecked role (ORG_[A-Z0-9_]+)",
                    list(self.org_roles())
                ),
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
                format!(
                    "must be a project role accepted by {self} ({}), or a well-shaped \
                     unchecked role (GROUP_[A-Z0-9_]+)",
                    list(self.project_roles())
                ),
                bad.as_str(),
            )),
            None => Ok(()),
        }
    }
}

/// `A, B, C`: the roles an error message offers instead.
fn list<T: std::fmt::Display>(roles: &[T]) -> String {
    roles
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
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
