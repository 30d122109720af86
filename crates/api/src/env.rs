//! Configuring a client from the environment variables Atlas CLI users already have.
//!
//! What it is for: `Client::from_env()`, and `ClientBuilder::from_env_with(lookup)` so
//! tests can supply variables without touching the process environment (tests run in
//! parallel, and `std::env::set_var` is unsafe there).
//!
//! What it must NOT do: log or echo a secret variable's value, or do any I/O besides
//! reading variables.

use atlas_keys_model::{Flavour, OrgId, ProjectId};
use secrecy::SecretString;

use crate::builder::ClientBuilder;
use crate::client::Client;
use crate::error::{Error, Result};

/// The names of the variables read by [`ClientBuilder::from_env`].
pub mod vars {
    /// The public key of a programmatic API key (digest user name).
    pub const PUBLIC_API_KEY: &str = "MONGODB_ATLAS_PUBLIC_API_KEY";
    /// The private key of a programmatic API key.
    pub const PRIVATE_API_KEY: &str = "MONGODB_ATLAS_PRIVATE_API_KEY";
    /// A service account's client id; with [`CLIENT_SECRET`], wins over an API key.
    pub const CLIENT_ID: &str = "MONGODB_ATLAS_CLIENT_ID";
    /// A service account's client secret.
    pub const CLIENT_SECRET: &str = "MONGODB_ATLAS_CLIENT_SECRET";
    /// The base URL of Atlas or Cloud Manager (default `https://cloud.mongodb.com`).
    pub const BASE_URL: &str = "MONGODB_ATLAS_BASE_URL";
    /// The base URL of an Ops Manager; setting it selects the Ops Manager flavour unless
    /// [`FLAVOUR`] says otherwise.
    pub const OPS_MANAGER_URL: &str = "MONGODB_ATLAS_OPS_MANAGER_URL";
    /// The default organization id.
    pub const ORG_ID: &str = "MONGODB_ATLAS_ORG_ID";
    /// The default project id.
    pub const PROJECT_ID: &str = "MONGODB_ATLAS_PROJECT_ID";
    /// This crate's own (optional) variable: `atlas`, `atlas-v1`, `cloud-manager` or
    /// `ops-manager`.
    pub const FLAVOUR: &str = "ATLAS_KEYS_FLAVOUR";
    /// This crate's own (optional) variable: the overall deadline of one call, in seconds
    /// (a positive number, fractions allowed), e.g. `30`. See
    /// [`ClientBuilder::deadline`](crate::ClientBuilder::deadline).
    pub const TIMEOUT: &str = "ATLAS_KEYS_TIMEOUT";
}

impl Client {
    /// A client configured from the Atlas CLI's environment variables (see
    /// [`ClientBuilder::from_env`]).
    pub fn from_env() -> Result<Client> {
        ClientBuilder::from_env()?.build()
    }
}

impl ClientBuilder {
    /// A builder configured from the process environment; see
    /// [`from_env_with`](ClientBuilder::from_env_with) for the variables.
    pub fn from_env() -> Result<ClientBuilder> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// A builder configured from `lookup(name)`. Empty values count as unset.
    ///
    /// | variable | effect |
    /// |---|---|
    /// | `MONGODB_ATLAS_CLIENT_ID` + `MONGODB_ATLAS_CLIENT_SECRET` | service account (wins when an API key is set too) |
    /// | `MONGODB_ATLAS_PUBLIC_API_KEY` + `MONGODB_ATLAS_PRIVATE_API_KEY` | digest |
    /// | `MONGODB_ATLAS_BASE_URL` | base URL |
    /// | `MONGODB_ATLAS_OPS_MANAGER_URL` | base URL and the Ops Manager flavour |
    /// | `ATLAS_KEYS_FLAVOUR` | `atlas`, `atlas-v1`, `cloud-manager` or `ops-manager` |
    /// | `ATLAS_KEYS_TIMEOUT` | the overall deadline of one call, in seconds ([`deadline`](ClientBuilder::deadline)) |
    /// | `MONGODB_ATLAS_ORG_ID`, `MONGODB_ATLAS_PROJECT_ID` | [`Client::default_org_id`](crate::Client::default_org_id), [`default_project_id`](crate::Client::default_project_id) |
    ///
    /// Half a pair (a public key without a private key) is an error rather than an
    /// anonymous client, since it is almost certainly a mistake.
    ///
    /// ```
    /// use atlas_keys::{ClientBuilder, model::Flavour};
    ///
    /// let env = |name: &str| match name {
    ///     "MONGODB_ATLAS_OPS_MANAGER_URL" => Some("https://om.example.com:8443/".to_owned()),
    ///     "MONGODB_ATLAS_PUBLIC_API_KEY" => Some("abcdefgh".to_owned()),
    ///     "MONGODB_ATLAS_PRIVATE_API_KEY" => Some("secret".to_owned()),
    ///     "MONGODB_ATLAS_ORG_ID" => Some("4888442a3354817a7320eb61".to_owned()),
    ///     _ => None,
    /// };
    /// let client = ClientBuilder::from_env_with(env)?.build()?;
    /// assert_eq!(client.flavour(), Flavour::OpsManager);
    /// assert_eq!(client.base_url(), "https://om.example.com:8443");
    /// assert_eq!(client.default_org_id().unwrap().as_str(), "4888442a3354817a7320eb61");
    /// # Ok::<(), atlas_keys::Error>(())
    /// ```
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mut builder = ClientBuilder::new();
        if let Some(text) = get(vars::TIMEOUT) {
            builder = builder.deadline(parse_deadline(&text)?);
        }

        let explicit_flavour = get(vars::FLAVOUR)
            .map(|v| v.trim().parse::<Flavour>())
            .transpose()?;
        let ops_manager_url = get(vars::OPS_MANAGER_URL);
        let flavour = match (explicit_flavour, &ops_manager_url) {
            (Some(f), _) => f,
            (None, Some(_)) => Flavour::OpsManager,
            (None, None) => Flavour::AtlasV2,
        };
        builder = builder.flavour(flavour);
        // The Ops Manager URL is the base URL of the manager flavours; otherwise the Atlas one.
        let base_url = match flavour {
            Flavour::OpsManager | Flavour::CloudManager => {
                ops_manager_url.or_else(|| get(vars::BASE_URL))
            }
            Flavour::AtlasV2 | Flavour::AtlasV1 => get(vars::BASE_URL),
        };
        if let Some(url) = base_url {
            builder = builder.base_url(url);
        }

        let service_account = pair(&get, vars::CLIENT_ID, vars::CLIENT_SECRET)?;
        let api_key = pair(&get, vars::PUBLIC_API_KEY, vars::PRIVATE_API_KEY)?;
        if let Some((id, secret)) = service_account {
            builder = builder.service_account(id, SecretString::from(secret));
        } else if let Some((public, private)) = api_key {
            builder = builder.digest(public, SecretString::from(private));
        }

        if let Some(org) = get(vars::ORG_ID) {
            builder = builder.default_org_id(org.trim().parse::<OrgId>()?);
        }
        if let Some(project) = get(vars::PROJECT_ID) {
            builder = builder.default_project_id(project.trim().parse::<ProjectId>()?);
        }
        Ok(builder)
    }
}

/// Both variables of a credential pair, or neither; one alone is an error naming the
/// missing variable (never a value).
fn pair(
    get: &impl Fn(&str) -> Option<String>,
    id_var: &'static str,
    secret_var: &'static str,
) -> Result<Option<(String, String)>> {
    match (get(id_var), get(secret_var)) {
        (Some(id), Some(secret)) => Ok(Some((id.trim().to_owned(), secret))),
        (None, None) => Ok(None),
        (Some(_), None) => Err(Error::config(format!(
            "{id_var} is set but {secret_var} is not"
        ))),
        (None, Some(_)) => Err(Error::config(format!(
            "{secret_var} is set but {id_var} is not"
        ))),
    }
}

/// `ATLAS_KEYS_TIMEOUT`: positive seconds, fractions allowed, at most a day (a larger value is
/// surely a mistake, and `Duration::from_secs_f64` panics on huge ones).
fn parse_deadline(text: &str) -> Result<std::time::Duration> {
    let seconds: f64 = text.trim().parse().map_err(|_| {
        Error::config(format!(
            "{} must be a number of seconds, e.g. 30",
            vars::TIMEOUT
        ))
    })?;
    if !(seconds > 0.0 && seconds <= 86_400.0) {
        return Err(Error::config(format!(
            "{} must be more than 0 and at most 86400 seconds",
            vars::TIMEOUT
        )));
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn service_account_wins_over_api_key() {
        let b = ClientBuilder::from_env_with(env(&[
            (vars::PUBLIC_API_KEY, "abcdefgh"),
            (vars::PRIVATE_API_KEY, "pk-secret"),
            (vars::CLIENT_ID, "mdb_sa_id"),
            (vars::CLIENT_SECRET, "sa-secret"),
        ]))
        .unwrap();
        let debug = format!("{b:?}");
        assert!(debug.contains("ServiceAccount"), "{debug}");
        assert!(
            !debug.contains("sa-secret") && !debug.contains("pk-secret"),
            "{debug}"
        );
        let client = b.build().unwrap();
        assert!(!format!("{client:?}").contains("secret\""));
    }

    #[test]
    fn half_a_pair_is_an_error_that_names_the_variable() {
        let err =
            ClientBuilder::from_env_with(env(&[(vars::PRIVATE_API_KEY, "hunter2")])).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(vars::PUBLIC_API_KEY), "{text}");
        assert!(!text.contains("hunter2"));
    }

    #[test]
    fn flavour_variable_and_defaults() {
        let client = ClientBuilder::from_env_with(env(&[
            (vars::FLAVOUR, "cloud-manager"),
            (vars::PROJECT_ID, "32b6e34b3d91647abb20e7b8"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(client.flavour(), Flavour::CloudManager);
        assert_eq!(client.base_url(), "https://cloud.mongodb.com");
        assert!(client.default_org_id().is_none());
        assert_eq!(
            client.default_project_id().unwrap().as_str(),
            "32b6e34b3d91647abb20e7b8"
        );
        let err = ClientBuilder::from_env_with(env(&[(vars::FLAVOUR, "mongo")])).unwrap_err();
        assert!(err.is_validation());
        let err = ClientBuilder::from_env_with(env(&[(vars::ORG_ID, "nope")])).unwrap_err();
        assert_eq!(err.invalid_field(), Some("orgId"));
    }

    #[test]
    fn empty_values_are_unset() {
        let client =
            ClientBuilder::from_env_with(env(&[(vars::BASE_URL, " "), (vars::ORG_ID, "")]))
                .unwrap()
                .build()
                .unwrap();
        assert_eq!(client.base_url(), "https://cloud.mongodb.com");
        assert!(client.default_org_id().is_none());
    }

    #[test]
    fn atlas_keys_timeout_sets_the_call_deadline() {
        let lookup = |value: &'static str| {
            move |name: &str| (name == vars::TIMEOUT).then(|| value.to_owned())
        };
        let builder = ClientBuilder::from_env_with(lookup("2.5")).unwrap();
        assert!(
            format!("{builder:?}").contains("deadline: 2.5s"),
            "{builder:?}"
        );
        for bad in ["0", "-1", "soon", "1e9", "NaN"] {
            let err = ClientBuilder::from_env_with(lookup(bad)).unwrap_err();
            assert!(
                err.to_string().contains("ATLAS_KEYS_TIMEOUT"),
                "{bad}: {err}"
            );
        }
    }
}
