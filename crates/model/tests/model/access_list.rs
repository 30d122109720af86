//! Access-list addresses: parsing, canonical form, /32 equivalence, path escaping.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use atlas_keys_model::{AccessListAddress, AccessListEntry, AccessListEntryRequest};
use proptest::prelude::*;
use serde_json::json;

fn addr(s: &str) -> AccessListAddress {
    s.parse().unwrap()
}

#[test]
fn the_escaped_path_form_and_the_slash_form_are_the_same_block() {
    assert_eq!(addr("192.0.2.0%2F24"), addr("192.0.2.0/24"));
    assert_eq!(addr("192.0.2.0%2f24"), addr("192.0.2.0/24"));
    assert_eq!(addr("192.0.2.0/24").to_path_segment(), "192.0.2.0%2F24");
    assert_eq!(addr("2001:db8::/32").to_path_segment(), "2001:db8::%2F32");
}

#[test]
fn a_host_block_is_the_bare_address() {
    assert_eq!(addr("192.0.2.7/32"), addr("192.0.2.7"));
    assert_eq!(addr("192.0.2.7/32").to_string(), "192.0.2.7");
    assert_eq!(addr("2001:db8::1/128").to_path_segment(), "2001:db8::1");
    assert_eq!(addr("192.0.2.7").to_cidr_string(), "192.0.2.7/32");
}

#[test]
fn bad_addresses_are_rejected_naming_ip_address() {
    for bad in [
        "",
        "192.0.2",
        "192.0.2.256",
        "192.0.2.0/33",
        "2001:db8::/129",
        "192.0.2.1/24",
        "192.0.2.0/",
        "192.0.2.0/+24",
        "192.0.2.0/0024",
        "192.0.2.0/24/1",
        "host.example",
        " 192.0.2.1",
    ] {
        let err = AccessListAddress::parse(bad).unwrap_err();
        assert_eq!(err.field(), "ipAddress", "{bad:?}");
        assert_eq!(err.value(), bad);
    }
}

#[test]
fn entry_request_uses_ip_address_for_hosts_and_cidr_block_for_blocks() {
    let host = AccessListEntryRequest::from(addr("192.0.2.7/32"));
    assert_eq!(
        serde_json::to_value(host).unwrap(),
        json!({"ipAddress": "192.0.2.7"})
    );
    let block = AccessListEntryRequest::from(addr("192.0.2.0/24"));
    assert_eq!(
        serde_json::to_value(block).unwrap(),
        json!({"cidrBlock": "192.0.2.0/24"})
    );
}

#[test]
fn entry_request_with_both_or_neither_field_fails_to_decode() {
    let both = json!({"ipAddress": "192.0.2.7", "cidrBlock": "192.0.2.0/24"});
    assert!(serde_json::from_value::<AccessListEntryRequest>(both).is_err());
    assert!(serde_json::from_value::<AccessListEntryRequest>(json!({})).is_err());
    assert!(
        serde_json::from_value::<AccessListEntryRequest>(json!({"ipAddress": "192.0.2.0/24"}))
            .is_err()
    );
    assert!(
        serde_json::from_value::<AccessListEntryRequest>(json!({"cidrBlock": "192.0.2.1/24"}))
            .is_err()
    );
}

#[test]
fn a_host_cidr_block_request_denotes_the_same_address() {
    let e: AccessListEntryRequest =
        serde_json::from_value(json!({"cidrBlock": "192.0.2.7/32"})).unwrap();
    assert_eq!(
        serde_json::to_value(e).unwrap(),
        json!({"cidrBlock": "192.0.2.7/32"})
    );
    assert_eq!(e.address(), addr("192.0.2.7"));
}

#[test]
fn response_entry_address_prefers_cidr_block() {
    let e: AccessListEntry =
        serde_json::from_str(r#"{"cidrBlock":"192.0.2.0/24","ipAddress":"192.0.2.0"}"#).unwrap();
    assert_eq!(e.address(), Some(addr("192.0.2.0/24")));
}

/// Zeroes the host bits so the block is valid.
fn v4_network(ip: u32, prefix: u8) -> Ipv4Addr {
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    Ipv4Addr::from(ip & mask)
}

fn v6_network(ip: u128, prefix: u8) -> Ipv6Addr {
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    Ipv6Addr::from(ip & mask)
}

proptest! {
    #[test]
    fn v4_blocks_round_trip_through_display_path_segment_and_serde(ip in any::<u32>(), prefix in 0u8..=32) {
        let net = v4_network(ip, prefix);
        let a = addr(&format!("{net}/{prefix}"));
        prop_assert_eq!(a.addr(), IpAddr::V4(net));
        prop_assert_eq!(a.prefix_len(), prefix);
        prop_assert_eq!(addr(&a.to_string()), a);
        prop_assert_eq!(addr(&a.to_path_segment()), a);
        prop_assert!(!a.to_path_segment().contains('/'));
        let json = serde_json::to_string(&a).unwrap();
        prop_assert_eq!(serde_json::from_str::<AccessListAddress>(&json).unwrap(), a);
        let req = AccessListEntryRequest::from(a);
        prop_assert_eq!(serde_json::from_value::<AccessListEntryRequest>(serde_json::to_value(req).unwrap()).unwrap().address(), a);
    }

    #[test]
    fn v6_blocks_round_trip_through_display_and_path_segment(ip in any::<u128>(), prefix in 0u8..=128) {
        let net = v6_network(ip, prefix);
        let a = addr(&format!("{net}/{prefix}"));
        prop_assert_eq!(addr(&a.to_string()), a);
        prop_assert_eq!(addr(&a.to_path_segment()), a);
    }

    #[test]
    fn every_address_equals_its_host_block(ip in any::<u32>(), ip6 in any::<u128>()) {
        let v4 = Ipv4Addr::from(ip);
        prop_assert_eq!(addr(&format!("{v4}/32")), addr(&v4.to_string()));
        prop_assert_eq!(addr(&format!("{v4}%2F32")).to_string(), v4.to_string());
        let v6 = Ipv6Addr::from(ip6);
        prop_assert_eq!(addr(&format!("{v6}/128")), AccessListAddress::from(IpAddr::V6(v6)));
    }

    #[test]
    fn blocks_with_host_bits_or_long_prefixes_are_rejected(ip in any::<u32>(), prefix in 0u8..32, long in 33u8..=255) {
        let net = v4_network(ip, prefix);
        let host_bit = u32::from(net) | (1u32 << (31 - u32::from(prefix)));
        let with_host = Ipv4Addr::from(host_bit);
        let err = AccessListAddress::parse(&format!("{with_host}/{prefix}")).unwrap_err();
        prop_assert_eq!(err.field(), "ipAddress");
        let too_long = format!("{net}/{long}");
        prop_assert!(AccessListAddress::parse(&too_long).is_err());
    }
}
