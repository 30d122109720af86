//! The emulator under test, as `cargo xtask bench` hands it over: environment variables named
//! like the interop scripts' (`ATLAS_BASE_URL`, `ATLAS_ORG_ID`, …), filled from the emulator's
//! startup line.
//!
//! Credentials come through the environment rather than the command line so that they never show
//! in a process listing or in the command lines xtask logs. This module must NOT print them.

use atlas_keys_model::{ApiKeyId, OrgId, ProjectId};

use crate::BoxError;

/// The media type every v2 request of the benchmarks names (the SDK's default version).
pub(crate) const ACCEPT_V2: &str = "application/vnd.atlas.2023-01-01+json";

/// Where the emulator listens and who may log in.
#[derive(Clone)]
pub(crate) struct Target {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub(crate) base_url: String,
    pub(crate) org_id: OrgId,
    pub(crate) project_id: ProjectId,
    pub(crate) public_key: String,
    pub(crate) private_key: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("base_url", &self.base_url)
            .field("org_id", &self.org_id)
            .field("project_id", &self.project_id)
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

impl Target {
    /// Reads every `ATLAS_*` variable; a missing one is an error naming it.
    pub(crate) fn from_env() -> Result<Target, BoxError> {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|value| !value.is_empty())
                .ok_or_else(|| format!("{name} is not set (cargo xtask bench sets it)"))
        };
        Ok(Target {
            base_url: var("ATLAS_BASE_URL")?.trim_end_matches('/').to_owned(),
            org_id: OrgId::new(var("ATLAS_ORG_ID")?)?,
            project_id: ProjectId::new(var("ATLAS_PROJECT_ID")?)?,
            public_key: var("ATLAS_PUBLIC_KEY")?,
            private_key: var("ATLAS_PRIVATE_KEY")?,
            client_id: var("ATLAS_CLIENT_ID")?,
            client_secret: var("ATLAS_CLIENT_SECRET")?,
        })
    }

    /// The URL of "get one organization key" in Atlas v2.
    pub(crate) fn key_url(&self, key_id: &ApiKeyId) -> String {
        format!(
            "{}/api/atlas/v2/orgs/{}/apiKeys/{}",
            self.base_url,
            self.org_id.as_str(),
            key_id.as_str()
        )
    }

    /// The URL of the first page of the organization's keys, one key per page.
    pub(crate) fn first_key_url(&self) -> String {
        format!(
            "{}/api/atlas/v2/orgs/{}/apiKeys?itemsPerPage=1&includeCount=false",
            self.base_url,
            self.org_id.as_str()
        )
    }
}
