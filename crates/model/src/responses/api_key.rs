//! An API key as the service describes it (`ApiKeyUserDetails`).
//!
//! This module must NOT print or serialize the full private key implicitly: `Debug` goes
//! through `PrivateKey`'s redacting `Debug`, `Serialize` writes the redacted form, and
//! only [`ApiKey::revealing`] writes the secret.

use crate::{
    ApiKeyId, Link, OrgRole, PrivateKey, ProjectId, ProjectRole, PublicKey, RoleAssignment,
};

/// A programmatic API key with its roles across the organization and its projects.
///
/// `desc` is kept as the server's text (not a [`crate::Description`]) so a response is
/// never rejected. `private_key` is full only in a create response, redacted elsewhere.
/// Fields are read through accessors, so a field the service adds is not a breaking change.
///
/// Serializing a key writes its private key in the redacted form, even when it holds the
/// full one; [`ApiKey::revealing`] is the one explicit way to write the secret.
///
/// ```
/// use atlas_keys_model::{ApiKey, PrivateKey};
///
/// let key: ApiKey = serde_json::from_str(
///     r#"{"id":"5d1113b25a115342acc2d1aa","privateKey":"c8150efd-c7a0-4afd-8c4f-01bdd56c8977"}"#,
/// ).unwrap();
/// assert!(key.roles().is_empty());
/// let logged = serde_json::to_string(&key).unwrap();
/// assert!(logged.contains("********-****-****-01bdd56c8977") && !logged.contains("c8150efd"));
/// let shown_once = serde_json::to_string(&key.revealing()).unwrap();
/// assert!(shown_once.contains("c8150efd-c7a0-4afd-8c4f-01bdd56c8977"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiKey {
    id: ApiKeyId,
    #[serde(default)]
    desc: Option<String>,
    #[serde(default)]
    public_key: Option<PublicKey>,
    #[serde(default)]
    private_key: Option<PrivateKey>,
    #[serde(default, deserialize_with = "crate::lenient::null_as_empty")]
    roles: Vec<RoleAssignment>,
    #[serde(default, deserialize_with = "crate::lenient::null_as_empty")]
    links: Vec<Link>,
}

/// An [`ApiKey`] that serializes with its full private key: see [`ApiKey::revealing`].
#[derive(Clone, Copy, Debug)]
pub struct RevealPrivateKey<'a>(&'a ApiKey);

/// The wire shape of a key, shared by the redacting and the revealing serializations so
/// that they differ only in the private key.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    id: &'a ApiKeyId,
    #[serde(skip_serializing_if = "Option::is_none")]
    desc: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    public_key: Option<&'a PublicKey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    private_key: Option<Secret<'a>>,
    roles: &'a [RoleAssignment],
    links: &'a [Link],
}

/// A private key written redacted (`PrivateKey`'s own `Serialize`) or, when asked, in full.
struct Secret<'a> {
    key: &'a PrivateKey,
    reveal: bool,
}

impl serde::Serialize for Secret<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.reveal {
            serializer.serialize_str(self.key.expose_private_key())
        } else {
            self.key.serialize(serializer)
        }
    }
}

impl ApiKey {
    fn wire(&self, reveal: bool) -> Wire<'_> {
        Wire {
            id: &self.id,
            desc: self.desc.as_deref(),
            public_key: self.public_key.as_ref(),
            private_key: self.private_key.as_ref().map(|key| Secret { key, reveal }),
            roles: &self.roles,
            links: &self.links,
        }
    }

    /// This key, serializing with its full private key: the one explicit way to write the
    /// secret (a server's create response; a CLI showing a new key once).
    pub fn revealing(&self) -> RevealPrivateKey<'_> {
        RevealPrivateKey(self)
    }
}

impl serde::Serialize for ApiKey {
    /// Writes the key with its private key redacted.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.wire(false).serialize(serializer)
    }
}

impl serde::Serialize for RevealPrivateKey<'_> {
    /// Writes the key with its private key as held (full right after creation).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.wire(true).serialize(serializer)
    }
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

    /// This key with its private key in the redacted form (dropped from memory), e.g.
    /// before keeping a created key around.
    pub fn into_redacted(mut self) -> ApiKey {
        self.private_key = self.private_key.map(|k| k.redacted());
        self
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
