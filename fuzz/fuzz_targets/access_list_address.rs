//! Fuzz target: the model's access-list address parser (`AccessListAddress::parse`), which
//! reads user input (CLI flags) and path segments (the emulator).
//!
//! Invariants beyond "no panic": every printed form of a parsed address (display, path
//! segment, CIDR) parses back to the same address. Mirrors `access_list_*` in
//! crates/reliability/tests/it/parsers_never_panic.rs. This target must NOT do I/O.
#![no_main]

use atlas_keys_model::{AccessListAddress, AccessListEntryRequest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(address) = AccessListAddress::parse(text) else {
        return;
    };
    for form in [
        address.to_string(),
        address.to_path_segment(),
        address.to_cidr_string(),
    ] {
        let back = AccessListAddress::parse(&form)
            .unwrap_or_else(|e| panic!("{text:?} printed as {form:?} does not parse: {e}"));
        assert_eq!(back, address, "{text:?} -> {form:?}");
    }
    assert_eq!(AccessListEntryRequest::from(address).address(), address);
});
