//! Fuzz target: the transport's `WWW-Authenticate` parser (`parse_challenges`), which reads
//! whatever a server (or a man in the middle) sends in a 401.
//!
//! Invariants beyond "no panic": at most one challenge per input byte, and every accessor is
//! total. Mirrors `www_authenticate_parser_*` in
//! crates/reliability/tests/it/parsers_never_panic.rs. This target must NOT do I/O or keep
//! state between runs.
#![no_main]

use atlas_keys_transport::parse_challenges;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Header values are bytes; the transport hands the parser a lossy UTF-8 view.
    let text = String::from_utf8_lossy(data);
    let challenges = parse_challenges(&text);
    assert!(challenges.len() <= text.len());
    for challenge in &challenges {
        let _ = challenge.param("nonce");
        let _ = challenge.is_scheme("digest");
        let _ = challenge.token68();
        let _ = challenge.params().count();
        let _ = format!("{challenge:?}");
    }
});
