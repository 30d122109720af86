//! The [`Client`]: a cheap-to-clone handle holding the configuration and the transport
//! stack, and handing out the three handlers.
//!
//! `Client::builder()` and `Client::from_env()` are written in `builder.rs`, which
//! imports this module (never the reverse).
//!
//! What it must NOT do: I/O when built, or show a secret in `Debug` (it holds none: the
//! credentials live inside the transport's auth middleware).

use std::fmt;
use std::sync::Arc;

use atlas_keys_model::{ApiVersion, Flavour, OrgId, ProjectId};

use crate::access_list::AccessList;
use crate::call::Core;
use crate::org_keys::OrgKeys;
use crate::org_settings::OrgSettingsHandler;
use crate::project_keys::ProjectKeys;

/// A client of the Programmatic API Keys API. Cheap to clone; clones share connections
/// and tokens.
///
/// ```no_run
/// # async fn run() -> atlas_keys::Result<()> {
/// use atlas_keys::Client;
/// use atlas_keys::model::{Flavour, OrgRole};
/// use atlas_keys::transport::SecretString;
///
/// let client = Client::builder()
///     .flavour(Flavour::AtlasV2)
///     .digest("abcdefgh", SecretString::from("private-key"))
///     .build()?;
/// let org = "4888442a3354817a7320eb61".parse()?;
/// let key = client.org_keys().create(&org).desc("ci").role(OrgRole::Member).send().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    /// Configuration and transport, shared with every handler and call.
    core: Arc<Core>,
    credentials: &'static str,
    default_org_id: Option<OrgId>,
    default_project_id: Option<ProjectId>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only non-secret settings; the kind of credentials, never their values.
        f.debug_struct("Client")
            .field("base_url", &self.inner.core.config.base_url)
            .field("flavour", &self.inner.core.config.flavour)
            .field("api_version", &self.inner.core.config.api_version)
            .field("user_agent", &self.inner.core.config.user_agent)
            .field("credentials", &self.inner.credentials)
            .field("default_org_id", &self.inner.default_org_id)
            .field("default_project_id", &self.inner.default_project_id)
            .finish()
    }
}

impl Client {
    pub(crate) fn from_parts(
        core: Core,
        credentials: &'static str,
        default_org_id: Option<OrgId>,
        default_project_id: Option<ProjectId>,
    ) -> Self {
        Client {
            inner: Arc::new(Inner {
                core: Arc::new(core),
                credentials,
                default_org_id,
                default_project_id,
            }),
        }
    }

    /// The configuration and transport, for the rotation module's raw calls (ipinfo).
    pub(crate) fn core(&self) -> &Arc<Core> {
        &self.inner.core
    }

    /// Organization keys: list, create, get, update, delete.
    pub fn org_keys(&self) -> OrgKeys {
        OrgKeys::new(Arc::clone(&self.inner.core))
    }

    /// Access lists of organization keys: list, create, get, delete.
    pub fn access_list(&self) -> AccessList {
        AccessList::new(Arc::clone(&self.inner.core))
    }

    /// Project keys: list, create-and-assign, assign, update roles, unassign.
    pub fn project_keys(&self) -> ProjectKeys {
        ProjectKeys::new(Arc::clone(&self.inner.core))
    }

    /// The caller's public address as the service sees it (`GET /api/private/ipinfo`),
    /// e.g. to put it on a key's access list. See [`crate::ipinfo`].
    pub fn current_ip(&self) -> crate::RequestBuilder<crate::ipinfo::CurrentIp> {
        crate::ipinfo::current_ip(&self.inner.core)
    }

    /// Organization settings (Atlas only): get, update.
    pub fn org_settings(&self) -> OrgSettingsHandler {
        OrgSettingsHandler::new(Arc::clone(&self.inner.core))
    }

    /// The flavour of API this client speaks.
    pub fn flavour(&self) -> Flavour {
        self.inner.core.config.flavour
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.inner.core.config.base_url
    }

    /// The v2 resource version requested (ignored outside Atlas v2).
    pub fn api_version(&self) -> ApiVersion {
        self.inner.core.config.api_version
    }

    /// The default organization (`MONGODB_ATLAS_ORG_ID`), if configured.
    pub fn default_org_id(&self) -> Option<&OrgId> {
        self.inner.default_org_id.as_ref()
    }

    /// The default project (`MONGODB_ATLAS_PROJECT_ID`), if configured.
    pub fn default_project_id(&self) -> Option<&ProjectId> {
        self.inner.default_project_id.as_ref()
    }
}
