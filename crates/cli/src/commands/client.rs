//! Builds the api client from the environment (the Atlas CLI's variables) and the global
//! flags, with service-account tokens cached on disk.
//!
//! The api's builder keeps service-account tokens in memory only, so for a service account
//! this module assembles `hyper → ServiceAccountAuth(file token store)` itself and hands it
//! to the builder as the transport (the builder still adds retries). This module must NOT
//! read or print a secret beyond passing it on as a `SecretString`, and does no I/O.

use std::sync::Arc;

use atlas_keys::transport::{HyperTransport, SecretString, ServiceAccountAuth};
use atlas_keys::{Client, ClientBuilder, vars};
use atlas_keys_model::Flavour;

use crate::exit::Failure;
use crate::token_cache::{FileTokenCache, FileTokenStore};

/// The client for this run: environment first, then `--base-url` and `--flavor` on top.
pub(crate) fn build(base_url: Option<&str>, flavor: Option<Flavour>) -> Result<Client, Failure> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let service_account = env(vars::CLIENT_ID).zip(env(vars::CLIENT_SECRET));
    // With a complete service-account pair the api builder must not add its own auth
    // (ours carries the token cache), and the service account wins over an API key, as
    // in `Client::from_env`. A half pair is left visible so the builder reports it.
    let hidden: &[&str] = if service_account.is_some() {
        &[
            vars::CLIENT_ID,
            vars::CLIENT_SECRET,
            vars::PUBLIC_API_KEY,
            vars::PRIVATE_API_KEY,
        ]
    } else {
        &[]
    };
    let mut builder = ClientBuilder::from_env_with(|name| {
        if hidden.contains(&name) {
            None
        } else {
            env(name)
        }
    })?;
    if let Some(url) = base_url {
        builder = builder.base_url(url);
    }
    if let Some(flavor) = flavor {
        builder = builder.flavour(flavor);
    }
    if let Some((client_id, client_secret)) = service_account {
        // Building is free of I/O; this settles the base URL exactly as the client will.
        let base = builder.clone().build()?.base_url().to_owned();
        let wire = HyperTransport::builder()
            .build()
            .map_err(|e| Failure::Usage(format!("could not set up HTTP: {e}")))?;
        let mut auth = ServiceAccountAuth::builder(
            Arc::new(wire),
            client_id,
            SecretString::from(client_secret),
        )
        .base_url(base.clone());
        if let Some(cache) = FileTokenCache::from_env() {
            auth = auth.token_store(Arc::new(FileTokenStore::new(cache, base)));
        }
        let auth = auth
            .build()
            .map_err(|e| Failure::Usage(format!("service account: {e}")))?;
        builder = builder.transport(Arc::new(auth));
    }
    Ok(builder.build()?)
}
