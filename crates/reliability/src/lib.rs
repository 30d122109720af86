//! Test support for the cross-crate reliability suites of atlas-keys (issue #8).
//!
//! The suites themselves are the integration tests in `tests/`; this library holds what
//! several of them share: run sizes ([`scale`]), a raw HTTP client ([`raw_http`]), an
//! independent digest signer ([`digest`]), signed raw sessions ([`session`]), SDK clients and outcome bookkeeping
//! ([`clients`]) and the workspace binaries as child processes ([`procs`]). It is a test-only crate
//! (`publish = false`).
//!
//! What it must NOT do: be depended on by any shipping crate, talk to anything but servers the
//! tests start on 127.0.0.1, or stop a process it did not start (no kill by name).

pub mod clients;
pub mod digest;
pub mod procs;
pub mod raw_http;
pub mod scale;
pub mod session;

use std::sync::atomic::{AtomicU64, Ordering};

/// `n` random bytes as lowercase hex, for cnonces and unique descriptions. Not cryptographic:
/// a xorshift seeded from the clock, the process id and a counter.
pub fn random_hex(n: usize) -> String {
    (0..n)
        .map(|_| format!("{:02x}", random_u64() as u8))
        .collect()
}

/// A pseudo-random `u64` (see [`random_hex`]): splitmix64 over an atomic counter, so
/// concurrent callers never get the same value.
pub fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let seed = *SEED.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        nanos ^ (u64::from(std::process::id()) << 32)
    });
    let mut z = seed.wrapping_add(
        COUNTER
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15),
    );
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Prints a figure for `cargo xtask soak` to collect (`figure: <suite>: <text>`).
pub fn figure(suite: &str, text: impl std::fmt::Display) {
    println!("figure: {suite}: {text}");
}
