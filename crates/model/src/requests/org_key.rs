//! Bodies for creating and updating an organization API key.
//!
//! This module must NOT know which flavour is in use except through `validate_for`.

use super::check_role_list;
use crate::{Description, Flavour, OrgRole, ValidationError};

/// Body of "create one organization API key" (`CreateAtlasOrganizationApiKey`).
///
/// Both `desc` and at least one role are required; roles must not repeat.
///
/// ```
/// use atlas_keys_model::{CreateOrgApiKey, Description, Flavour, OrgRole};
///
/// let body = CreateOrgApiKey::new(Description::new("ci")?, vec![OrgRole::Member])?;
/// body.validate_for(Flavour::AtlasV2)?;
/// assert!(CreateOrgApiKey::new(Description::new("ci")?, vec![]).is_err());
/// # Ok::<(), atlas_keys_model::ValidationError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", try_from = "CreateOrgApiKeyWire")]
pub struct CreateOrgApiKey {
    desc: Description,
    roles: Vec<OrgRole>,
}

impl CreateOrgApiKey {
    /// Validates the body: at least one role, no duplicates.
    pub fn new(desc: Description, roles: Vec<OrgRole>) -> Result<Self, ValidationError> {
        check_role_list(&roles, OrgRole::as_str)?;
        Ok(Self { desc, roles })
    }

    /// The description.
    pub fn desc(&self) -> &Description {
        &self.desc
    }

    /// The roles (non-empty).
    pub fn roles(&self) -> &[OrgRole] {
        &self.roles
    }

    /// Checks every role is one `flavour` documents (custom `Other` roles pass).
    pub fn validate_for(&self, flavour: Flavour) -> Result<(), ValidationError> {
        flavour.check_org_roles(&self.roles)
    }
}

#[derive(serde::Deserialize)]
struct CreateOrgApiKeyWire {
    desc: Description,
    roles: Vec<OrgRole>,
}

impl TryFrom<CreateOrgApiKeyWire> for CreateOrgApiKey {
    type Error = ValidationError;
    fn try_from(w: CreateOrgApiKeyWire) -> Result<Self, Self::Error> {
        Self::new(w.desc, w.roles)
    }
}

/// Body of "update one organization API key" (`UpdateAtlasOrganizationApiKey`).
///
/// At least one of `desc` and `roles`; `roles`, if present, is non-empty and has no
/// duplicates (an empty list would strip every role, which the API does not allow).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", try_from = "UpdateOrgApiKeyWire")]
pub struct UpdateOrgApiKey {
    #[serde(skip_serializing_if = "Option::is_none")]
    desc: Option<Description>,
    #[serde(skip_serializing_if = "Option::is_none")]
    roles: Option<Vec<OrgRole>>,
}

impl UpdateOrgApiKey {
    /// Validates the body.
    pub fn new(
        desc: Option<Description>,
        roles: Option<Vec<OrgRole>>,
    ) -> Result<Self, ValidationError> {
        match &roles {
            Some(roles) => check_role_list(roles, OrgRole::as_str)?,
            None if desc.is_none() => {
                return Err(ValidationError::new(
                    "desc",
                    "at least one of desc and roles is required",
                    "",
                ));
            }
            None => {}
        }
        Ok(Self { desc, roles })
    }

    /// The new description, if any.
    pub fn desc(&self) -> Option<&Description> {
        self.desc.as_ref()
    }

    /// The new roles, if any (replace the old ones).
    pub fn roles(&self) -> Option<&[OrgRole]> {
        self.roles.as_deref()
    }

    /// Checks every role is one `flavour` documents (custom `Other` roles pass).
    pub fn validate_for(&self, flavour: Flavour) -> Result<(), ValidationError> {
        flavour.check_org_roles(self.roles.as_deref().unwrap_or_default())
    }
}

#[derive(serde::Deserialize)]
struct UpdateOrgApiKeyWire {
    #[serde(default)]
    desc: Option<Description>,
    #[serde(default)]
    roles: Option<Vec<OrgRole>>,
}

impl TryFrom<UpdateOrgApiKeyWire> for UpdateOrgApiKey {
    type Error = ValidationError;
    fn try_from(w: UpdateOrgApiKeyWire) -> Result<Self, Self::Error> {
        Self::new(w.desc, w.roles)
    }
}
