//! Bodies for creating a key in a project and for replacing a key's project roles.
//!
//! This module must NOT know which flavour is in use except through the rule passed to
//! the constructor and `validate_for`.

use super::check_role_list;
use crate::{CreateProjectKeyRule, Description, Flavour, ProjectRole, ValidationError};

/// Body of "create one API key in one project" (`CreateAtlasProjectApiKey`).
///
/// Atlas requires `desc` and roles; Cloud/Ops Manager at least one of them
/// ([`CreateProjectKeyRule`]). Deserializing checks the weaker rule
/// ([`CreateProjectKeyRule::DescOrRoles`]) because the body alone does not say which
/// flavour it is for; call [`CreateProjectApiKey::validate_for`] to apply the right one.
///
/// ```
/// use atlas_keys_model::{CreateProjectApiKey, CreateProjectKeyRule, Flavour, ProjectRole};
///
/// let rule = Flavour::CloudManager.create_project_key_rule();
/// let body = CreateProjectApiKey::new(rule, None, vec![ProjectRole::ReadOnly])?;
/// assert!(body.validate_for(Flavour::AtlasV2).is_err()); // Atlas needs a desc too
/// # Ok::<(), atlas_keys_model::ValidationError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", try_from = "ProjectKeyWire")]
pub struct CreateProjectApiKey {
    #[serde(skip_serializing_if = "Option::is_none")]
    desc: Option<Description>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    roles: Vec<ProjectRole>,
}

impl CreateProjectApiKey {
    /// Validates the body against `rule`; roles, if any, must not repeat.
    pub fn new(
        rule: CreateProjectKeyRule,
        desc: Option<Description>,
        roles: Vec<ProjectRole>,
    ) -> Result<Self, ValidationError> {
        let body = Self { desc, roles };
        body.check_rule(rule)?;
        Ok(body)
    }

    fn check_rule(&self, rule: CreateProjectKeyRule) -> Result<(), ValidationError> {
        match rule {
            CreateProjectKeyRule::DescAndRoles => {
                if self.desc.is_none() {
                    return Err(ValidationError::new("desc", "is required", ""));
                }
                check_role_list(&self.roles, ProjectRole::as_str)
            }
            CreateProjectKeyRule::DescOrRoles => {
                if self.roles.is_empty() {
                    if self.desc.is_none() {
                        return Err(ValidationError::new(
                            "desc",
                            "at least one of desc and roles is required",
                            "",
                        ));
                    }
                    Ok(())
                } else {
                    check_role_list(&self.roles, ProjectRole::as_str)
                }
            }
        }
    }

    /// The description, if any.
    pub fn desc(&self) -> Option<&Description> {
        self.desc.as_ref()
    }

    /// The roles (may be empty under [`CreateProjectKeyRule::DescOrRoles`]).
    pub fn roles(&self) -> &[ProjectRole] {
        &self.roles
    }

    /// Checks the flavour's body rule and that every role is one it documents.
    pub fn validate_for(&self, flavour: Flavour) -> Result<(), ValidationError> {
        self.check_rule(flavour.create_project_key_rule())?;
        flavour.check_project_roles(&self.roles)
    }
}

/// Shared wire shape of the two project bodies (`desc` and `roles`, both optional).
#[derive(serde::Deserialize)]
struct ProjectKeyWire {
    #[serde(default)]
    desc: Option<Description>,
    #[serde(default)]
    roles: Vec<ProjectRole>,
}

impl TryFrom<ProjectKeyWire> for CreateProjectApiKey {
    type Error = ValidationError;
    fn try_from(w: ProjectKeyWire) -> Result<Self, Self::Error> {
        Self::new(CreateProjectKeyRule::DescOrRoles, w.desc, w.roles)
    }
}

/// Body of "update roles of one API key in one project" (`UpdateAtlasProjectApiKey`).
///
/// The roles replace the key's roles in the project, so at least one is required
/// (NOTES (a) #13: "You must specify at least one valid role").
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", try_from = "ProjectKeyWire")]
pub struct UpdateProjectApiKeyRoles {
    #[serde(skip_serializing_if = "Option::is_none")]
    desc: Option<Description>,
    roles: Vec<ProjectRole>,
}

impl UpdateProjectApiKeyRoles {
    /// Validates the body: at least one role, no duplicates.
    pub fn new(
        desc: Option<Description>,
        roles: Vec<ProjectRole>,
    ) -> Result<Self, ValidationError> {
        check_role_list(&roles, ProjectRole::as_str)?;
        Ok(Self { desc, roles })
    }

    /// The new description, if any.
    pub fn desc(&self) -> Option<&Description> {
        self.desc.as_ref()
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

impl TryFrom<ProjectKeyWire> for UpdateProjectApiKeyRoles {
    type Error = ValidationError;
    fn try_from(w: ProjectKeyWire) -> Result<Self, Self::Error> {
        Self::new(w.desc, w.roles)
    }
}
