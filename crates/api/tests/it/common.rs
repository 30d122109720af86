//! The test matrix (flavour × backend × auth × envelope) and emulator helpers.

use std::sync::Arc;

use atlas_keys::model::{ApiKeyId, Flavour, OrgId, ProjectId};
use atlas_keys::transport::{RetryPolicy, SecretString, Transport};
use atlas_keys::{Backend, Client, ClientBuilder};
use atlas_keys_emulator::{Emulator, EmulatorHandle, RateLimitConfig};

/// How a test client authenticates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Auth {
    Digest,
    ServiceAccount,
}

/// One cell of the matrix.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Case {
    pub(crate) flavour: Flavour,
    pub(crate) backend: Backend,
    pub(crate) auth: Auth,
    pub(crate) envelope: bool,
}

/// The backends compiled in.
pub(crate) fn backends() -> Vec<Backend> {
    let mut out = Vec::new();
    if cfg!(feature = "hyper") {
        out.push(Backend::Hyper);
    }
    if cfg!(feature = "reqwest") {
        out.push(Backend::Reqwest);
    }
    out
}

/// A bare transport (no auth, no retries) of the first backend compiled in, for tests that
/// wrap the wire to watch it.
pub(crate) fn wire() -> Arc<dyn Transport> {
    #[cfg(feature = "hyper")]
    let wire = atlas_keys::transport::HyperTransport::new();
    #[cfg(not(feature = "hyper"))]
    let wire = atlas_keys::transport::ReqwestTransport::new();
    Arc::new(wire.expect("the backend builds"))
}

/// Every backend × auth × envelope combination for one flavour.
pub(crate) fn cases(flavour: Flavour) -> Vec<Case> {
    let mut out = Vec::new();
    for backend in backends() {
        for auth in [Auth::Digest, Auth::ServiceAccount] {
            for envelope in [false, true] {
                out.push(Case {
                    flavour,
                    backend,
                    auth,
                    envelope,
                });
            }
        }
    }
    out
}

/// An emulator without rate limits, serving `flavour` under `/api/public/v1.0` when it
/// is a manager flavour.
pub(crate) async fn emulator(flavour: Flavour) -> EmulatorHandle {
    let public = match flavour {
        Flavour::OpsManager => Flavour::OpsManager,
        _ => Flavour::CloudManager,
    };
    Emulator::builder()
        .rate_limit(RateLimitConfig::Off)
        .public_flavour(public)
        .start()
        .await
        .expect("emulator starts")
}

/// A builder pointed at `emu` in `flavour` with the owner key, no retries.
pub(crate) fn builder(emu: &EmulatorHandle, flavour: Flavour) -> ClientBuilder {
    Client::builder()
        .base_url(emu.base_url())
        .flavour(flavour)
        .digest(emu.public_key(), SecretString::from(emu.private_key()))
        .retry_policy(RetryPolicy::never())
}

/// The client of a matrix cell.
pub(crate) fn client(emu: &EmulatorHandle, case: Case) -> Client {
    let b = builder(emu, case.flavour).backend(case.backend);
    let b = match case.auth {
        Auth::Digest => b,
        Auth::ServiceAccount => {
            b.service_account(emu.client_id(), SecretString::from(emu.client_secret()))
        }
    };
    b.build().expect("client builds")
}

pub(crate) fn org(emu: &EmulatorHandle) -> OrgId {
    emu.org_id().parse().expect("emulator org id")
}

pub(crate) fn project(emu: &EmulatorHandle) -> ProjectId {
    emu.project_id().parse().expect("emulator project id")
}

/// An id nothing has.
pub(crate) fn missing_key() -> ApiKeyId {
    "0123456789abcdef01234567".parse().expect("valid id")
}
