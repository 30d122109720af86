//! `GET /api/private/ipinfo`: the caller's public address as the service sees it (the Atlas
//! CLI's endpoint, NOTES (j)), and the same call used as a credentials probe: it needs
//! authentication but no role, so a 200 proves a key's credentials, and a 403 (the key's
//! access list does not admit the caller) proves them too — only a 401 says they are wrong.
//!
//! It is written here rather than as an operation of the table because it is not part of
//! the Programmatic API Keys API (no flavour prefix, no versioned media type).
//!
//! What it must NOT do: follow anything but the client's own base URL, or quote a response
//! body longer than a line in an error.

use std::net::IpAddr;

use bytes::Bytes;

use crate::call::Core;

/// The path, under the base URL (not under the flavour's API prefix).
const IPINFO_PATH: &str = "/api/private/ipinfo";

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
#[error("GET {IPINFO_PATH} failed: {0}")]
pub struct ProbeError(String);

/// Calls ipinfo through `core` (its credentials, its retries).
pub(crate) async fn probe(core: &Core) -> Result<Probe, ProbeError> {
    let uri: http::Uri = format!("{}{IPINFO_PATH}", core.config.base_url)
        .parse()
        .map_err(|e: http::uri::InvalidUri| ProbeError(e.to_string()))?;
    let mut request = http::Request::new(Bytes::new());
    *request.uri_mut() = uri;
    request.headers_mut().insert(
        http::header::ACCEPT,
        http::HeaderValue::from_static("application/json"),
    );
    request
        .headers_mut()
        .insert(http::header::USER_AGENT, core.config.user_agent.clone());
    let response = core
        .transport
        .send(request)
        .await
        .map_err(|e| ProbeError(e.to_string()))?;
    Ok(match response.status().as_u16() {
        200 => {
            #[derive(serde::Deserialize)]
            #[serde(rename_all = "camelCase")]
            struct IpInfo {
                current_ipv4_address: Option<String>,
            }
            let ip = serde_json::from_slice::<IpInfo>(response.body())
                .ok()
                .and_then(|i| i.current_ipv4_address)
                .and_then(|s| s.parse().ok());
            Probe::Admitted(ip)
        }
        401 => Probe::Unauthorized,
        403 => Probe::Denied,
        other => Probe::Other(other),
    })
}

/// The caller's public address as the service sees it (`GET /api/private/ipinfo`).
///
/// ```no_run
/// # async fn run(client: atlas_keys::Client) {
/// let ip = atlas_keys::rotation::ipinfo::current_ip(&client).await;
/// # }
/// ```
pub async fn current_ip(client: &crate::Client) -> Result<IpAddr, ProbeError> {
    match probe(client.core()).await? {
        Probe::Admitted(Some(ip)) => Ok(ip),
        Probe::Admitted(None) => Err(ProbeError("the answer holds no address".into())),
        Probe::Denied => Err(ProbeError(
            "403: this address is not on the key's access list".into(),
        )),
        Probe::Unauthorized => Err(ProbeError("401: the credentials were refused".into())),
        Probe::Other(status) => Err(ProbeError(format!("status {status}"))),
    }
}
