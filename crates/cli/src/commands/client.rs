//! Builds the api client from the resolved configuration (flags, then the Atlas CLI's
//! variables, then its profile), with service-account tokens cached on disk across runs.
//!
//! No credentials, no request: a missing or half-configured credential, or a broken
//! profile, is a usage error (exit 2) here, before anything connects. This module must
//! NOT print a secret; it hands the secrets to the builder, whose types redact them. It
//! does no I/O: nothing connects until the first request.

use std::sync::Arc;

use atlas_keys::{Client, ClientBuilder};
use atlas_keys_model::Flavour;
use secrecy::{ExposeSecret, SecretString};

use crate::config::{Credentials, Resolved};
use crate::exit::Failure;
use crate::token_cache::{FileTokenCache, FileTokenStore};

/// The User-Agent of every request, so server logs can tell the CLI from the library.
const USER_AGENT: &str = concat!("atlas-keys-cli/", env!("CARGO_PKG_VERSION"));

/// The global flags that shape the connection rather than the command.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Network {
    /// `--timeout`: the deadline of one call (the builder's default, or ATLAS_KEYS_TIMEOUT,
    /// otherwise).
    pub(crate) timeout: Option<std::time::Duration>,
    /// `--allow-insecure-http`.
    pub(crate) allow_insecure_http: bool,
}

/// The client for this run. `base_url` and `flavor` are the flags, which win over what
/// the configuration says (the configuration saw them too, unless the first lenient parse
/// missed them).
pub(crate) fn build(
    resolved: &Resolved,
    base_url: Option<&str>,
    flavor: Option<Flavour>,
    network: Network,
) -> Result<Client, Failure> {
    if let Some(error) = resolved.profile_error() {
        return Err(error.into());
    }
    let mut builder = ClientBuilder::new().user_agent(USER_AGENT);
    builder = match resolved.credentials()? {
        Credentials::ApiKey {
            public_key,
            private_key,
            ..
        } => builder.digest(public_key.clone(), copy(private_key)),
        Credentials::ServiceAccount {
            client_id,
            client_secret,
            ..
        } => builder.service_account(client_id.clone(), copy(client_secret)),
    };
    match base_url {
        Some(url) => builder = builder.base_url(url),
        None => {
            if let Some(url) = resolved.base_url()? {
                builder = builder.base_url(url.value.clone());
            }
        }
    }
    builder = builder.flavour(match flavor {
        Some(flavor) => flavor,
        None => resolved.flavour()?.value,
    });
    if let Some(ca_file) = resolved.ca_file()? {
        builder = builder.ca_file(ca_file.value.clone());
    }
    if let Some(timeout) = network.timeout {
        builder = builder.deadline(timeout);
    }
    if network.allow_insecure_http {
        builder = builder.allow_insecure_http(true);
    }
    if let Some(cache) = FileTokenCache::from_env() {
        // Tokens are per server as well as per client id; building is free of I/O, and
        // this settles the base URL exactly as the real client will.
        let server = builder.clone().build()?.base_url().to_owned();
        builder = builder.token_store(Arc::new(FileTokenStore::new(cache, server)));
    }
    Ok(builder.build()?)
}

/// The builder takes its own `SecretString`; the copy is redacting too.
fn copy(secret: &SecretString) -> SecretString {
    SecretString::from(secret.expose_secret().to_owned())
}
