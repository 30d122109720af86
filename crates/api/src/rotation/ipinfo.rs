//! `GET /api/private/ipinfo`: the caller's public address as the service sees it (the Atlas
//! CLI's endpoint, NOTES (j)), and the same call used as a credentials probe: it needs
//! authentication but no role, so a 200 proves a key's credentials, and a 403 (the key's
//! access list does not admit the caller) proves them too — only a 401 says they are wrong.
//!
//! The call itself is [`Client::current_ip`](crate::Client::current_ip); this module only
//! reads its outcome as a probe.
//!
//! What it must NOT do: follow anything but the client's own base URL, or quote a response
//! body longer than a line in an error.

use std::net::IpAddr;

use crate::call::Core;

/// What the probe saw.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Probe {
    /// 200: the credentials are valid and admitted from here; the address the service saw.
    Admitted(Option<IpAddr>),
    /// 403: the credentials are valid, but the access list does not admit this address.
    Denied,
    /// 401: the credentials are not valid.
    Unauthorized,
    /// Any other status (5xx, 429, ...): no conclusion.
    Other(u16),
}

/// Why the probe had no answer.
#[derive(Debug, thiserror::Error)]
#[error("GET /api/private/ipinfo failed: {0}")]
pub struct ProbeError(String);

/// Calls ipinfo through `core` (its credentials, its retries, its deadline).
pub(crate) async fn probe(core: &std::sync::Arc<Core>) -> Result<Probe, ProbeError> {
    match crate::ipinfo::current_ip(core).send().await {
        Ok(info) => Ok(Probe::Admitted(Some(info.address()))),
        Err(e) if e.is_auth() => Ok(Probe::Unauthorized),
        Err(e) => match e.status() {
            Some(403) => Ok(Probe::Denied),
            Some(status) => Ok(Probe::Other(status)),
            None => Err(ProbeError(e.to_string())),
        },
    }
}
