//! Access-list addresses (an IP address or a CIDR block) and the add-entry request body.
//!
//! A bare address and its /32 (IPv4) or /128 (IPv6) block are the SAME entry: one
//! canonical form (the bare address) makes equality, display and path segments agree.
//! A CIDR with host bits set (`192.0.2.1/24`) is REJECTED rather than silently masked:
//! Atlas answers `INVALID_CIDR_BLOCK`, and failing early tells the user what they
//! typed was ambiguous. This module must NOT know URL paths; it only knows that the
//! path segment escapes `/` as `%2F` (NOTES (a), `ipAddress` parameter).

use core::net::IpAddr;

use crate::ValidationError;

const ADDRESS_RULE: &str = "must be an IPv4/IPv6 address or a CIDR block without host bits";

/// An IP address or CIDR block on an API key's access list.
///
/// ```
/// use atlas_keys_model::AccessListAddress;
///
/// let block: AccessListAddress = "192.0.2.0%2F24".parse()?;
/// assert_eq!(block.to_string(), "192.0.2.0/24");
/// assert_eq!(block.to_path_segment(), "192.0.2.0%2F24");
/// let host: AccessListAddress = "192.0.2.7/32".parse()?;
/// assert_eq!(host, "192.0.2.7".parse()?);
/// assert!("192.0.2.1/24".parse::<AccessListAddress>().is_err());
/// # Ok::<(), atlas_keys_model::ValidationError>(())
/// ```
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct AccessListAddress {
    addr: IpAddr,
    /// Always set; 32/128 means a single address.
    prefix: u8,
}

impl AccessListAddress {
    /// Parses an address, `addr/prefix`, or the path-escaped `addr%2Fprefix`.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        Self::parse_field(s, "ipAddress")
    }

    /// Parses, naming `field` in the error.
    pub(crate) fn parse_field(s: &str, field: &'static str) -> Result<Self, ValidationError> {
        let err = || ValidationError::new(field, ADDRESS_RULE, s);
        let (addr, prefix) = match s
            .split_once('/')
            .or_else(|| s.split_once("%2F"))
            .or_else(|| s.split_once("%2f"))
        {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| err())?;
        let max = max_prefix(addr);
        let prefix = match prefix {
            None => max,
            Some(p) => {
                // u8::from_str accepts "+24"; the API does not, so digits only.
                if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(err());
                }
                p.parse::<u8>().map_err(|_| err())?
            }
        };
        if prefix > max || has_host_bits(addr, prefix) {
            return Err(err());
        }
        Ok(Self { addr, prefix })
    }

    /// The network address (or the single address).
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length; 32 or 128 for a single address.
    pub fn prefix_len(&self) -> u8 {
        self.prefix
    }

    /// True when this is one address (a bare address or a /32 or /128 block).
    pub fn is_single_address(&self) -> bool {
        self.prefix == max_prefix(self.addr)
    }

    /// The form used as a path segment: canonical, with `/` escaped as `%2F`.
    pub fn to_path_segment(&self) -> String {
        // The canonical form, whose only `/` is the prefix separator (IP text has none).
        self.to_string().replacen('/', "%2F", 1)
    }

    /// The form with an explicit prefix, even for a single address (`192.0.2.7/32`).
    pub fn to_cidr_string(&self) -> String {
        format!("{}/{}", self.addr, self.prefix)
    }

    /// True when `ip` lies inside this block (or is this address).
    ///
    /// An IPv4-mapped IPv6 address (`::ffff:192.0.2.7`, what a dual-stack socket reports
    /// for an IPv4 peer) counts as its IPv4 address; otherwise IPv4 and IPv6 never match.
    ///
    /// ```
    /// use atlas_keys_model::AccessListAddress;
    ///
    /// let block: AccessListAddress = "192.0.2.0/24".parse()?;
    /// assert!(block.contains("192.0.2.9".parse().unwrap()));
    /// assert!(block.contains("::ffff:192.0.2.9".parse().unwrap()));
    /// assert!(!block.contains("192.0.3.9".parse().unwrap()));
    /// # Ok::<(), atlas_keys_model::ValidationError>(())
    /// ```
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let host_bits = u32::from(max_prefix(self.addr) - self.prefix);
        // The network address has no host bits (parse refuses them), so masking the
        // caller's host bits off and comparing is the whole test.
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(host_bits).unwrap_or(0);
                u32::from(ip) & mask == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(host_bits).unwrap_or(0);
                u128::from(ip) & mask == u128::from(net)
            }
            _ => false,
        }
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn has_host_bits(addr: IpAddr, prefix: u8) -> bool {
    match addr {
        IpAddr::V4(v4) => {
            let host_mask = u32::MAX.checked_shr(u32::from(prefix)).unwrap_or(0);
            u32::from(v4) & host_mask != 0
        }
        IpAddr::V6(v6) => {
            let host_mask = u128::MAX.checked_shr(u32::from(prefix)).unwrap_or(0);
            u128::from(v6) & host_mask != 0
        }
    }
}

impl From<IpAddr> for AccessListAddress {
    fn from(addr: IpAddr) -> Self {
        Self {
            addr,
            prefix: max_prefix(addr),
        }
    }
}

impl std::str::FromStr for AccessListAddress {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for AccessListAddress {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<AccessListAddress> for String {
    fn from(a: AccessListAddress) -> String {
        a.to_string()
    }
}

/// Canonical form: the bare address for a single address, `addr/prefix` otherwise.
impl std::fmt::Display for AccessListAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_single_address() {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

/// One element of the "add access-list entries" body (`UserAccessListRequest`).
///
/// On the wire `{"ipAddress": "…"}` or `{"cidrBlock": "…"}`, never both; both or
/// neither is a decode error.
///
/// ```
/// use atlas_keys_model::{AccessListAddress, AccessListEntryRequest};
///
/// let e = AccessListEntryRequest::from("192.0.2.0/24".parse::<AccessListAddress>()?);
/// assert_eq!(serde_json::to_string(&e).unwrap(), r#"{"cidrBlock":"192.0.2.0/24"}"#);
/// # Ok::<(), atlas_keys_model::ValidationError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "EntryWire", into = "EntryWire")]
pub enum AccessListEntryRequest {
    /// A single address, sent as `ipAddress`.
    IpAddress(IpAddr),
    /// A block, sent as `cidrBlock` (a /32 or /128 block is allowed and kept as given).
    CidrBlock(AccessListAddress),
}

impl AccessListEntryRequest {
    /// The address this entry denotes, in canonical form (so `1.2.3.4` and
    /// `1.2.3.4/32` compare equal here).
    pub fn address(&self) -> AccessListAddress {
        match *self {
            AccessListEntryRequest::IpAddress(ip) => AccessListAddress::from(ip),
            AccessListEntryRequest::CidrBlock(block) => block,
        }
    }
}

/// A single address becomes `IpAddress`, a wider block `CidrBlock`.
impl From<AccessListAddress> for AccessListEntryRequest {
    fn from(a: AccessListAddress) -> Self {
        if a.is_single_address() {
            AccessListEntryRequest::IpAddress(a.addr())
        } else {
            AccessListEntryRequest::CidrBlock(a)
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntryWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ip_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cidr_block: Option<String>,
}

impl TryFrom<EntryWire> for AccessListEntryRequest {
    type Error = ValidationError;
    fn try_from(w: EntryWire) -> Result<Self, Self::Error> {
        match (w.ip_address, w.cidr_block) {
            (Some(ip), None) => ip
                .parse::<IpAddr>()
                .map(AccessListEntryRequest::IpAddress)
                .map_err(|_| {
                    ValidationError::new("ipAddress", "must be an IPv4 or IPv6 address", ip)
                }),
            (None, Some(block)) => AccessListAddress::parse_field(&block, "cidrBlock")
                .map(AccessListEntryRequest::CidrBlock),
            (Some(ip), Some(_)) => Err(ValidationError::new(
                "ipAddress",
                "must not be given together with cidrBlock",
                ip,
            )),
            (None, None) => Err(ValidationError::new(
                "ipAddress",
                "one of ipAddress and cidrBlock is required",
                "",
            )),
        }
    }
}

impl From<AccessListEntryRequest> for EntryWire {
    fn from(e: AccessListEntryRequest) -> Self {
        match e {
            AccessListEntryRequest::IpAddress(ip) => EntryWire {
                ip_address: Some(ip.to_string()),
                cidr_block: None,
            },
            AccessListEntryRequest::CidrBlock(block) => EntryWire {
                ip_address: None,
                cidr_block: Some(block.to_cidr_string()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_bits_are_detected_at_the_prefix_edges() {
        let v4 = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(!has_host_bits(v4("0.0.0.0"), 0));
        assert!(has_host_bits(v4("0.0.0.1"), 0));
        assert!(!has_host_bits(v4("255.255.255.255"), 32));
        assert!(has_host_bits(v4("192.0.2.128"), 24));
        assert!(!has_host_bits(v4("192.0.2.128"), 25));
        assert!(!has_host_bits(v4("::"), 0));
        assert!(has_host_bits(v4("::1"), 127));
        assert!(!has_host_bits(v4("::1"), 128));
    }

    #[test]
    fn containment_at_the_prefix_edges_and_across_families() {
        let a = |s: &str| s.parse::<AccessListAddress>().unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(a("192.0.2.0%2F24").contains(ip("192.0.2.9")));
        assert!(a("192.0.2.0/24").contains(ip("192.0.2.255")));
        assert!(!a("192.0.2.0/24").contains(ip("192.0.3.0")));
        assert!(a("192.0.2.128/25").contains(ip("192.0.2.200")));
        assert!(!a("192.0.2.128/25").contains(ip("192.0.2.127")));
        assert!(a("0.0.0.0/0").contains(ip("8.8.8.8")));
        assert!(!a("0.0.0.0/0").contains(ip("::1")));
        assert!(a("1.2.3.4").contains(ip("1.2.3.4")));
        assert!(!a("1.2.3.4/32").contains(ip("1.2.3.5")));
        assert!(a("127.0.0.1").contains(ip("::ffff:127.0.0.1")));
        assert!(a("::1/128").contains(ip("::1")));
        assert!(a("::/0").contains(ip("2001:db8::1")));
        assert!(a("2001:db8::/32").contains(ip("2001:db8:ffff::1")));
        assert!(!a("2001:db8::/32").contains(ip("2001:db9::1")));
        assert!(!a("::1").contains(ip("127.0.0.1")));
    }

    #[test]
    fn prefix_digits_only_and_at_most_three() {
        assert!(AccessListAddress::parse("10.0.0.0/008").is_ok());
        assert!(AccessListAddress::parse("10.0.0.0/0008").is_err());
        assert!(AccessListAddress::parse("10.0.0.0/-8").is_err());
    }
}
