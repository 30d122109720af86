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
    /// A key with only its id; the `with_*` methods fill the rest. For servers (the
    /// emulator) and test fakes: clients get keys from responses.
    pub fn new(id: ApiKeyId) -> Self {
        ApiKey {
            id,
            desc: None,
            public_key: None,
            private_key: None,
            roles: Vec::new(),
            links: Vec::new(),
        }
    }

    /// Sets the description.
    pub fn with_desc(mut self, desc: impl Into<String>) -> Self {
        self.desc = Some(desc.into());
        self
    }

    /// Sets the public key.
    pub fn with_public_key(mut self, public_key: PublicKey) -> Self {
        self.public_key = Some(public_key);
        self
    }

    /// Sets the private key (full or redacted).
    pub fn with_private_key(mut self, private_key: PrivateKey) -> Self {
        self.private_key = Some(private_key);
        self
    }

    /// Sets every role assignment.
    pub fn with_roles(mut self, roles: Vec<RoleAssignment>) -> Self {
        self.roles = roles;
        self
    }

    /// Sets the hypermedia links.
    pub fn with_links(mut self, links: Vec<Link>) -> Self {
        self.links = links;
        self
    }

    /// The key id.
    pub fn id(&self) -> &ApiKeyId {
        &self.id
    }

    /// The description, verbatim.
    pub fn desc(&self) -> Option<&str> {
        self.desc.as_deref()
    }

    /// The public key (digest user name).
    pub fn public_key(&self) -> Option<&PublicKey> {
        self.public_key.as_ref()
    }

    /// The private key: full only right after creation, redacted elsewhere.
    pub fn private_key(&self) -> Option<&PrivateKey> {
        self.private_key.as_ref()
    }

    /// Every org and project role of the key.
    pub fn roles(&self) -> &[RoleAssignment] {
        &self.roles
    }

    /// The hypermedia links.
    pub fn links(&self) -> &[Link] {
        &self.links
    }

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
