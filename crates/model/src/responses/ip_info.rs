//! The answer of `GET /api/private/ipinfo`: the caller's public address as the service
//! sees it (NOTES (j)), which is what belongs on a key's access list.
//!
//! This module must NOT guess an address locally; it only reads what the service said.

use std::net::IpAddr;

/// `{"currentIpv4Address": "203.0.113.7"}`. Despite the name, an IPv6 address parses too.
///
/// ```
/// use atlas_keys_model::IpInfo;
///
/// let info: IpInfo = serde_json::from_str(r#"{"currentIpv4Address":"203.0.113.7"}"#).unwrap();
/// assert_eq!(info.address().to_string(), "203.0.113.7");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct IpInfo {
    #[serde(rename = "currentIpv4Address")]
    current_ip_address: IpAddr,
}

impl IpInfo {
    /// An answer naming `address` (for servers and test fakes).
    pub fn new(address: IpAddr) -> Self {
        IpInfo {
            current_ip_address: address,
        }
    }

    /// The address the service saw the request come from.
    pub fn address(&self) -> IpAddr {
        self.current_ip_address
    }
}
