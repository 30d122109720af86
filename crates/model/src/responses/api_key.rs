//! An API key as the service describes it (`ApiKeyUserDetails`).
//!
//! This module must NOT print the private key: `Debug` goes through `PrivateKey`'s
//! redacting `Debug`.

use crate::{
    ApiKeyId, Link, OrgRole, PrivateKey, ProjectId, ProjectRole, PublicKey, RoleAssignment,
};

/// A programmatic API key with its roles across the organization and its projects.
///
/// `desc` is kept as the server's text (not a [`crate::Description`]) so a response is
/// never rejected. `private_key` is full only in a create response, redacted elsewhere.
///
/// ```
/// use atlas_keys_model::ApiKey;
///
/// let key: ApiKey = serde_json::from_str(r#"{"id":"5d1113b25a115342acc2d1aa"}"#).unwrap();
/// assert!(key.roles.is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    /// The key id.
    pub id: ApiKeyId,
    /// The description, verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
    /// The public key (digest user name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<PublicKey>,
    /// The private key: full only right after creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<PrivateKey>,
    /// Every org and project role of the key.
    #[serde(default)]
    pub roles: Vec<RoleAssignment>,
    /// Hypermedia links.
    #[serde(default)]
    pub links: Vec<Link>,
}

impl ApiKey {
    /// The key's organization roles (in any organization; a key belongs to one).
    pub fn org_roles(&self) -> Vec<&OrgRole> {
        self.roles
            .iter()
            .filter_map(|a| match a {
                RoleAssignment::Org { role, .. } => Some(role),
                RoleAssignment::Project { .. } => None,
            })
            .collect()
    }

    /// The key's roles in one project.
    pub fn project_roles(&self, project: &ProjectId) -> Vec<&ProjectRole> {
        self.roles
            .iter()
            .filter_map(|a| match a {
                RoleAssignment::Project { project_id, role } if project_id == project => Some(role),
                _ => None,
            })
            .collect()
    }

    /// The projects the key is assigned to, each once, in first-seen order.
    pub fn project_ids(&self) -> Vec<&ProjectId> {
        let mut ids: Vec<&ProjectId> = Vec::new();
        for a in &self.roles {
            if let RoleAssignment::Project { project_id, .. } = a
                && !ids.contains(&project_id)
            {
                ids.push(project_id);
            }
        }
        ids
    }
}
