//! Fuzz target: the emulator's `Authorization` header parser, which reads whatever any client
//! on the network sends.
//!
//! Invariant: it is total (Ok or Err, never a panic) and its result prints. Mirrors
//! `authorization_parser_*` in crates/reliability/tests/it/parsers_never_panic.rs. This target
//! must NOT do I/O.
#![no_main]

use atlas_keys_emulator::auth::authorization_parser::parse_authorization;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // hyper hands the server header values as bytes; the emulator parses their UTF-8 view.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = format!("{:?}", parse_authorization(text));
});
