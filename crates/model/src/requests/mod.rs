//! Request bodies the client sends and the emulator receives.
//!
//! Each body has a validating constructor, and `Deserialize` goes through the same
//! constructor, so an emulator can never hold a body the client could not have built.
//! Flavour-specific rules (which roles, what "create in project" requires) are checked
//! by `validate_for`. This module must NOT know paths, methods or HTTP.

mod assign;
mod org_key;
mod project_key;

pub use assign::{AssignProjectApiKey, UserAccessRoleAssignment};
pub use org_key::{CreateOrgApiKey, UpdateOrgApiKey};
pub use project_key::{CreateProjectApiKey, UpdateProjectApiKeyRoles};

use crate::ValidationError;

/// Shared role-list rule: at least one role and no role twice.
fn check_role_list<T: PartialEq>(
    roles: &[T],
    name: impl Fn(&T) -> &str,
) -> Result<(), ValidationError> {
    if roles.is_empty() {
        return Err(ValidationError::new(
            "roles",
            "must contain at least one role",
            "",
        ));
    }
    for (i, role) in roles.iter().enumerate() {
        if roles.iter().skip(i + 1).any(|other| other == role) {
            return Err(ValidationError::new(
                "roles",
                "must not contain a role twice",
                name(role),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_list_reports_the_repeated_role() {
        let err = check_role_list(&["A", "B", "A"], |s| s).unwrap_err();
        assert_eq!(err.value(), "A");
        assert_eq!(err.rule(), "must not contain a role twice");
        assert!(check_role_list::<&str>(&[], |s| s).is_err());
        assert!(check_role_list(&["A", "B"], |s| s).is_ok());
    }
}
