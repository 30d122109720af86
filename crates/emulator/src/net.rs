//! IP addresses and CIDR blocks for access lists: parse, normalise, test membership.
//!
//! The model's `AccessListAddress` owns the wire forms; this module only answers "is this
//! caller's address inside that block". It must NOT accept a block with host bits set.

use std::fmt;
use std::net::IpAddr;

/// An address block; a single address is a full-length prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `a.b.c.d`, `a.b.c.d/n`, IPv6 likewise, and the `%2F` path form.
    pub(crate) fn parse(text: &str) -> Option<Cidr> {
        let (addr, prefix) = Self::split(text)?;
        let c = Cidr { addr, prefix };
        (c.network_bits() == c.bits()).then_some(c)
    }

    fn split(text: &str) -> Option<(IpAddr, u8)> {
        let text = text.trim();
        let (ip, prefix) = match text.find('/').map(|i| (i, 1)).or_else(|| {
            let lower = text.to_ascii_lowercase();
            lower.find("%2f").map(|i| (i, 3))
        }) {
            Some((i, skip)) => (&text[..i], Some(text.get(i + skip..)?)),
            None => (text, None),
        };
        let addr: IpAddr = ip.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok().filter(|n| *n <= max)?
            }
            Some(_) => return None,
            None => max,
        };
        Some((addr, prefix))
    }

    fn bits(&self) -> u128 {
        match self.addr {
            IpAddr::V4(a) => u128::from(u32::from(a)),
            IpAddr::V6(a) => u128::from(a),
        }
    }

    fn mask(&self) -> u128 {
        let width = if self.addr.is_ipv4() { 32 } else { 128 };
        if self.prefix == 0 {
            0
        } else {
            let ones = u128::MAX << (128 - u32::from(self.prefix));
            ones >> (128 - width)
        }
    }

    fn network_bits(&self) -> u128 {
        self.bits() & self.mask()
    }

    /// Whether `ip` is inside this block (IPv4-mapped IPv6 callers count as IPv4).
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        if ip.is_ipv4() != self.addr.is_ipv4() {
            return false;
        }
        let other = Cidr {
            addr: ip,
            prefix: self.prefix,
        };
        other.bits() & self.mask() == self.network_bits()
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches() {
        let c = Cidr::parse("192.0.2.0%2F24").unwrap();
        assert_eq!(c.to_string(), "192.0.2.0/24");
        assert!(c.contains("192.0.2.9".parse().unwrap()));
        assert!(!c.contains("192.0.3.9".parse().unwrap()));
        assert_eq!(Cidr::parse("1.2.3.4/32"), Cidr::parse("1.2.3.4"));
        assert!(Cidr::parse("192.0.2.1/24").is_none());
        assert!(Cidr::parse("1.2.3.4/33").is_none());
        assert!(Cidr::parse("nope").is_none());
        assert!(
            Cidr::parse("::1/128")
                .unwrap()
                .contains("::1".parse().unwrap())
        );
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(
            Cidr::parse("127.0.0.1")
                .unwrap()
                .contains("::ffff:127.0.0.1".parse().unwrap())
        );
    }
}
