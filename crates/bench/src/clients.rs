//! The clients under test for "get one key", each built once and then called many times:
//!
//! - `floor`: the bare hyper client with a precomputed bearer request ([`crate::floor`]);
//! - `wire`: our backend alone (hyper or reqwest, no auth middleware, no parsing) sending the
//!   floor's precomputed request, so that a backend's own cost (and reqwest's ceiling) shows
//!   apart from the layers above it;
//! - `transport`: our transport stack without the api crate (auth middleware over the hyper or
//!   reqwest backend; the body is parsed into an `ApiKey`), to split the SDK's overhead between
//!   the layers;
//! - `sdk`: the `atlas-keys` `Client`, built the way a user builds it.
//!
//! What it must NOT do: configure the SDK beyond what its public builder offers (the figures
//! must be what users get), or do any set-up work inside the returned call.

use std::sync::Arc;

use atlas_keys::{Backend, Client};
use atlas_keys_model::{ApiKey, ApiKeyId};
use atlas_keys_transport::{
    BearerAuth, DigestAuth, HyperTransport, ReqwestTransport, SecretString, ServiceAccountAuth,
    Transport,
};
use bytes::Bytes;
use futures::future::BoxFuture;
use http::{Request, StatusCode, header};

use crate::BoxError;
use crate::floor::{Floor, Prepared};
use crate::target::{ACCEPT_V2, Target};

/// Which client makes the calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ClientKind {
    Floor,
    Wire,
    Transport,
    Sdk,
}

/// Which HTTP backend the transport or the SDK uses (the floor is always bare hyper).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum BackendKind {
    Hyper,
    Reqwest,
}

/// How calls authenticate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum AuthKind {
    /// HTTP Digest with the API key (one challenge, then the cached nonce).
    Digest,
    /// A bearer token fetched once before the run.
    Bearer,
    /// OAuth client credentials: the middleware fetches (and caches) the token itself.
    ServiceAccount,
}

/// One call of the scenario.
pub(crate) type Call = Arc<dyn Fn() -> BoxFuture<'static, Result<(), BoxError>> + Send + Sync>;

/// What a client needs to know to be built.
#[derive(Debug)]
pub(crate) struct Setup<'a> {
    pub(crate) kind: ClientKind,
    pub(crate) backend: BackendKind,
    pub(crate) auth: AuthKind,
    pub(crate) target: &'a Target,
    pub(crate) key_id: &'a ApiKeyId,
    /// The harness's own client (stats, the bearer token), also the floor's client.
    pub(crate) floor: &'a Floor,
    /// Idle connections kept per host by the backend (`None`: the backend's default, which
    /// is what the SDK gets unless it is handed a transport).
    pub(crate) pool: Option<usize>,
}

/// Builds the client and returns the call that gets one key through it.
pub(crate) async fn get_one_key(setup: Setup<'_>) -> Result<Call, BoxError> {
    let target = setup.target;
    match setup.kind {
        ClientKind::Floor => {
            let prepared = prepared_bearer_get(&setup).await?;
            let floor = setup.floor.clone();
            Ok(Arc::new(move || {
                let floor = floor.clone();
                let prepared = Arc::clone(&prepared);
                Box::pin(async move { floor.call(&prepared).await })
            }))
        }
        ClientKind::Wire => {
            let prepared = prepared_bearer_get(&setup).await?;
            let wire = wire(&setup)?;
            Ok(Arc::new(move || {
                let wire = Arc::clone(&wire);
                let request = prepared.request(Bytes::new());
                Box::pin(async move {
                    let response = wire.send(request).await?;
                    if response.status() != StatusCode::OK {
                        return Err(format!("GET one key answered {}", response.status()).into());
                    }
                    Ok(())
                })
            }))
        }
        ClientKind::Transport => {
            let transport = transport_stack(&setup).await?;
            let url = target.key_url(setup.key_id);
            Ok(Arc::new(move || {
                let transport = Arc::clone(&transport);
                let request = Request::get(url.as_str())
                    .header(header::ACCEPT, ACCEPT_V2)
                    .body(Bytes::new());
                Box::pin(async move {
                    let response = transport.send(request?).await?;
                    if response.status() != StatusCode::OK {
                        return Err(format!("GET one key answered {}", response.status()).into());
                    }
                    let _key: ApiKey = serde_json::from_slice(response.body())?;
                    Ok(())
                })
            }))
        }
        ClientKind::Sdk => {
            let client = Arc::new(sdk_client(&setup).await?);
            // Shared, not cloned per call: the floor's call copies nothing but an `Arc` either.
            let ids = Arc::new((target.org_id, *setup.key_id));
            Ok(Arc::new(move || {
                let client = Arc::clone(&client);
                let ids = Arc::clone(&ids);
                Box::pin(async move {
                    let (org, key) = &*ids;
                    client.org_keys().get(org, key).send().await?;
                    Ok(())
                })
            }))
        }
    }
}

/// The precomputed, already-authorized GET that the floor and the wire client copy per call.
async fn prepared_bearer_get(setup: &Setup<'_>) -> Result<Arc<Prepared>, BoxError> {
    if setup.auth != AuthKind::Bearer {
        return Err(
            "the floor and wire clients send precomputed requests: use --auth bearer".into(),
        );
    }
    let token = setup.floor.token(setup.target).await?;
    Ok(Arc::new(Prepared::get(
        &setup.target.key_url(setup.key_id),
        &format!("Bearer {token}"),
    )?))
}

/// The SDK client as a user builds it: base URL, credentials, backend; nothing else, unless
/// `--pool` is given: then `pool_max_idle_per_host` too (to show what the pool size costs).
///
/// Pacing is off: the emulator runs with `--rate-limit off`, and the client's pacer would
/// hold 30,000 calls to Atlas's documented 250 a minute, which is its job against the real
/// service but not what this measures (the per-call cost of the stack).
pub(crate) async fn sdk_client(setup: &Setup<'_>) -> Result<Client, BoxError> {
    let target = setup.target;
    let mut builder = Client::builder()
        .pacing(false)
        .base_url(target.base_url.as_str())
        .backend(match setup.backend {
            BackendKind::Hyper => Backend::Hyper,
            BackendKind::Reqwest => Backend::Reqwest,
        });
    if let Some(pool) = setup.pool {
        builder = builder.pool_max_idle_per_host(pool);
    }
    let builder = match setup.auth {
        AuthKind::Digest => builder.digest(
            target.public_key.as_str(),
            SecretString::from(target.private_key.clone()),
        ),
        AuthKind::ServiceAccount => builder.service_account(
            target.client_id.as_str(),
            SecretString::from(target.client_secret.clone()),
        ),
        AuthKind::Bearer => {
            builder.bearer_token(SecretString::from(setup.floor.token(target).await?))
        }
    };
    Ok(builder.build()?)
}

/// The backend alone, with `--pool` idle connections per host when given.
fn wire(setup: &Setup<'_>) -> Result<Arc<dyn Transport>, BoxError> {
    Ok(match setup.backend {
        BackendKind::Hyper => {
            let mut builder = HyperTransport::builder();
            if let Some(pool) = setup.pool {
                builder = builder.pool_max_idle_per_host(pool);
            }
            Arc::new(builder.build()?)
        }
        BackendKind::Reqwest => {
            let mut builder = ReqwestTransport::builder();
            if let Some(pool) = setup.pool {
                builder = builder.pool_max_idle_per_host(pool);
            }
            Arc::new(builder.build()?)
        }
    })
}

/// Auth middleware over a backend, without the api crate and without retries.
async fn transport_stack(setup: &Setup<'_>) -> Result<Arc<dyn Transport>, BoxError> {
    let target = setup.target;
    let wire = wire(setup)?;
    Ok(match setup.auth {
        AuthKind::Digest => Arc::new(DigestAuth::new(
            wire,
            target.public_key.as_str(),
            SecretString::from(target.private_key.clone()),
        )),
        AuthKind::Bearer => Arc::new(BearerAuth::new(
            wire,
            SecretString::from(setup.floor.token(target).await?),
        )),
        AuthKind::ServiceAccount => Arc::new(
            ServiceAccountAuth::builder(
                wire,
                target.client_id.as_str(),
                SecretString::from(target.client_secret.clone()),
            )
            .base_url(target.base_url.as_str())
            .build()?,
        ),
    })
}
