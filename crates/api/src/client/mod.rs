//! The [`Client`]: a cheap-to-clone handle holding the configuration and the three
//! service implementations, and handing out the fluent handlers.
//!
//! What it must NOT do: I/O when built, or show a secret in `Debug` (it holds none: the
//! credentials live inside the transport's auth middleware).

mod builder;
mod env;

use std::fmt;
use std::sync::Arc;

use atlas_keys_model::{ApiVersion, Flavour, OrgId, ProjectId};
use http::HeaderValue;

pub use builder::{Backend, ClientBuilder, Credentials, DEFAULT_BASE_URL};
pub use env::vars;

use crate::services::access_list::{AccessList, AccessListApi};
use crate::services::org_keys::{OrgKeys, OrgKeysApi};
use crate::services::project_keys::{ProjectKeys, ProjectKeysApi};

/// What every request needs to know about the client.
#[derive(Clone)]
pub(crate) struct Config {
    /// Scheme, host, port and optional path, without a trailing `/`.
    pub(crate) base_url: String,
    pub(crate) flavour: Flavour,
    pub(crate) api_version: ApiVersion,
    pub(crate) user_agent: HeaderValue,
    /// `Accept` / `Content-Type`, computed once from the flavour and version.
    pub(crate) media_type: HeaderValue,
    /// `base_url` and the flavour's prefix, split once for the request builder.
    pub(crate) url_base: crate::request::UrlBase,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &self.base_url)
            .field("flavour", &self.flavour)
            .field("api_version", &self.api_version)
            .field("user_agent", &self.user_agent)
            .field("media_type", &self.media_type)
            .finish()
    }
}

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
    config: Arc<Config>,
    credentials: &'static str,
    default_org_id: Option<OrgId>,
    default_project_id: Option<ProjectId>,
    org_keys: Arc<dyn OrgKeysApi>,
    access_list: Arc<dyn AccessListApi>,
    project_keys: Arc<dyn ProjectKeysApi>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only non-secret settings; the kind of credentials, never their values.
        f.debug_struct("Client")
            .field("base_url", &self.inner.config.base_url)
            .field("flavour", &self.inner.config.flavour)
            .field("api_version", &self.inner.config.api_version)
            .field("user_agent", &self.inner.config.user_agent)
            .field("credentials", &self.inner.credentials)
            .field("default_org_id", &self.inner.default_org_id)
            .field("default_project_id", &self.inner.default_project_id)
            .finish()
    }
}

impl Client {
    /// A builder with the defaults: Atlas v2 at `https://cloud.mongodb.com`, the default
    /// backend, default retries, no credentials.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client configured from the Atlas CLI's environment variables (see
    /// [`ClientBuilder::from_env`]).
    pub fn from_env() -> crate::Result<Client> {
        ClientBuilder::from_env()?.build()
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_parts(
        config: Arc<Config>,
        credentials: &'static str,
        default_org_id: Option<OrgId>,
        default_project_id: Option<ProjectId>,
        org_keys: Arc<dyn OrgKeysApi>,
        access_list: Arc<dyn AccessListApi>,
        project_keys: Arc<dyn ProjectKeysApi>,
    ) -> Self {
        Client {
            inner: Arc::new(Inner {
                config,
                credentials,
                default_org_id,
                default_project_id,
                org_keys,
                access_list,
                project_keys,
            }),
        }
    }

    /// Organization keys: list, create, get, update, delete.
    pub fn org_keys(&self) -> OrgKeys {
        OrgKeys::new(Arc::clone(&self.inner.org_keys), self.flavour())
    }

    /// Access lists of organization keys: list, create, get, delete.
    pub fn access_list(&self) -> AccessList {
        AccessList::new(Arc::clone(&self.inner.access_list))
    }

    /// Project keys: list, create-and-assign, assign, update roles, unassign.
    pub fn project_keys(&self) -> ProjectKeys {
        ProjectKeys::new(Arc::clone(&self.inner.project_keys), self.flavour())
    }

    /// The flavour of API this client speaks.
    pub fn flavour(&self) -> Flavour {
        self.inner.config.flavour
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.inner.config.base_url
    }

    /// The v2 resource version requested (ignored outside Atlas v2).
    pub fn api_version(&self) -> ApiVersion {
        self.inner.config.api_version
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
