//! Builds the api client from the environment (the Atlas CLI's variables) and the global
//! flags, with service-account tokens cached on disk across runs.
//!
//! This module must NOT read or print a secret itself (`ClientBuilder::from_env` reads the
//! credentials), and does no I/O: nothing connects until the first request.

use std::sync::Arc;

use atlas_keys::{Client, ClientBuilder};
use atlas_keys_model::Flavour;

use crate::exit::Failure;
use crate::token_cache::{FileTokenCache, FileTokenStore};

/// The User-Agent of every request, so server logs can tell the CLI from the library.
const USER_AGENT: &str = concat!("atlas-keys-cli/", env!("CARGO_PKG_VERSION"));

/// The client for this run: environment first, then `--base-url` and `--flavor` on top.
pub(crate) fn build(base_url: Option<&str>, flavor: Option<Flavour>) -> Result<Client, Failure> {
    let mut builder = ClientBuilder::from_env()?.user_agent(USER_AGENT);
    if let Some(url) = base_url {
        builder = builder.base_url(url);
    }
    if let Some(flavor) = flavor {
        builder = builder.flavour(flavor);
    }
    if let Some(cache) = FileTokenCache::from_env() {
        // Tokens are per server as well as per client id; building is free of I/O, and
        // this settles the base URL exactly as the real client will.
        let server = builder.clone().build()?.base_url().to_owned();
        builder = builder.token_store(Arc::new(FileTokenStore::new(cache, server)));
    }
    Ok(builder.build()?)
}
