//! How much of an address space a set of CIDR blocks admits, exactly (integer arithmetic).
//!
//! Used by the "open to the internet" finding, which must catch not only `0.0.0.0/0` but any
//! set of entries that together admit most addresses (`0.0.0.0/1` + `128.0.0.0/1`, or
//! 256 `/8`s). This module must NOT know keys or findings.

use core::net::IpAddr;

use atlas_keys_model::AccessListAddress;

/// An inclusive range of addresses, as integers (IPv4 in the low 32 bits).
type Range = (u128, u128);

/// A part of one family's address space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Space {
    /// First address.
    first: u128,
    /// log2 of the number of addresses (32 for IPv4, 128 for IPv6, 125 for 2000::/3).
    bits: u32,
    /// IPv6?
    v6: bool,
}

/// All of IPv4.
pub(crate) const IPV4: Space = Space {
    first: 0,
    bits: 32,
    v6: false,
};
/// All of IPv6.
pub(crate) const IPV6: Space = Space {
    first: 0,
    bits: 128,
    v6: true,
};
/// IPv6 global unicast, 2000::/3: the whole routed IPv6 internet today. A list that admits
/// `2000::/3` admits every IPv6 client while covering only 1/8 of IPv6.
pub(crate) const IPV6_GLOBAL_UNICAST: Space = Space {
    first: 0x2000_u128 << 112,
    bits: 125,
    v6: true,
};

impl Space {
    fn last(self) -> u128 {
        if self.bits == 128 {
            u128::MAX
        } else {
            self.first + ((1u128 << self.bits) - 1)
        }
    }
}

/// The part of `space` the blocks admit, in percent (rounded down), and whether that is at
/// least half.
pub(crate) fn coverage(blocks: &[AccessListAddress], space: Space) -> (u8, bool) {
    let (lo, hi) = (space.first, space.last());
    let mut ranges: Vec<Range> = blocks
        .iter()
        .filter_map(|b| range_of(b, space.v6))
        .filter_map(|(a, b)| {
            let (a, b) = (a.max(lo), b.min(hi));
            (a <= b).then_some((a, b))
        })
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<Range> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        match merged.last_mut() {
            // Overlapping or adjacent: extend. `saturating_add` keeps u128::MAX from wrapping.
            Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    if merged.first() == Some(&(lo, hi)) {
        return (100, true);
    }
    // Not the whole space, so every range is smaller than 2^bits and, being disjoint, they
    // add up to less than 2^bits <= 2^128: no overflow.
    let covered: u128 = merged.iter().map(|(a, b)| b - a + 1).sum();
    let half = 1u128 << (space.bits - 1);
    let percent = if space.bits > 64 {
        ((covered >> (space.bits - 64)) * 100) >> 64
    } else {
        (covered * 100) >> space.bits
    };
    (u8::try_from(percent).unwrap_or(100), covered >= half)
}

/// The block as an inclusive integer range, if it belongs to the family.
fn range_of(block: &AccessListAddress, v6: bool) -> Option<Range> {
    let (first, max) = match (block.addr(), v6) {
        (IpAddr::V4(a), false) => (u128::from(u32::from(a)), 32u32),
        (IpAddr::V6(a), true) => (u128::from(a), 128u32),
        _ => return None,
    };
    let host_bits = max - u32::from(block.prefix_len());
    let size_minus_one = if host_bits == 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    Some((first, first + size_minus_one))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(list: &[&str]) -> Vec<AccessListAddress> {
        list.iter()
            .map(|s| AccessListAddress::parse(s).unwrap())
            .collect()
    }

    #[test]
    fn whole_spaces() {
        assert_eq!(coverage(&blocks(&["0.0.0.0/0"]), IPV4), (100, true));
        assert_eq!(coverage(&blocks(&["::/0"]), IPV6), (100, true));
        assert_eq!(
            coverage(&blocks(&["::/0"]), IPV6_GLOBAL_UNICAST),
            (100, true)
        );
        assert_eq!(
            coverage(&blocks(&["2000::/3"]), IPV6_GLOBAL_UNICAST),
            (100, true)
        );
        assert_eq!(coverage(&blocks(&["2000::/3"]), IPV6), (12, false));
    }

    #[test]
    fn halves_and_their_union() {
        assert_eq!(coverage(&blocks(&["0.0.0.0/1"]), IPV4), (50, true));
        assert_eq!(
            coverage(&blocks(&["128.0.0.0/1", "0.0.0.0/1"]), IPV4),
            (100, true)
        );
        assert_eq!(coverage(&blocks(&["::/1", "8000::/1"]), IPV6), (100, true));
        assert_eq!(coverage(&blocks(&["8000::/1"]), IPV6), (50, true));
        assert_eq!(coverage(&blocks(&["0.0.0.0/2"]), IPV4), (25, false));
        // 0.0.0.0/2 + 64.0.0.0/3 + 96.0.0.0/3 = half, in three pieces out of order.
        assert_eq!(
            coverage(&blocks(&["96.0.0.0/3", "0.0.0.0/2", "64.0.0.0/3"]), IPV4),
            (50, true)
        );
    }

    #[test]
    fn overlaps_count_once_and_families_do_not_mix() {
        let list = blocks(&["0.0.0.0/2", "0.0.0.0/3", "10.0.0.0/8", "::/0"]);
        assert_eq!(coverage(&list, IPV4), (25, false));
        assert_eq!(coverage(&blocks(&["::/0"]), IPV4), (0, false));
        assert_eq!(coverage(&blocks(&["0.0.0.0/0"]), IPV6), (0, false));
    }

    #[test]
    fn single_addresses_and_small_blocks() {
        assert_eq!(
            coverage(&blocks(&["192.0.2.7", "255.255.255.255"]), IPV4),
            (0, false)
        );
        assert_eq!(
            coverage(&blocks(&["2001:db8::1", "ffff::/16"]), IPV6),
            (0, false)
        );
        assert_eq!(coverage(&[], IPV4), (0, false));
    }
}
