//! How big each suite runs: small in `cargo test` (CI), full size under `cargo xtask soak`.
//!
//! `ATLAS_KEYS_SOAK=1` switches every size to its full value; a single size can be overridden
//! with its own variable (e.g. `ATLAS_KEYS_FAULT_GETS=500`) to reproduce a figure cheaply.
//! This module must NOT change behaviour, only counts: a test asserts the same things at every
//! size.

/// True under `cargo xtask soak` (`ATLAS_KEYS_SOAK=1`).
pub fn is_soak() -> bool {
    std::env::var("ATLAS_KEYS_SOAK").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// The size named `var`: the variable's value if set and numeric, else `soak` under soak,
/// else `ci`.
pub fn size(var: &str, ci: usize, soak: usize) -> usize {
    if let Some(n) = std::env::var(var).ok().and_then(|v| v.trim().parse().ok()) {
        return n;
    }
    if is_soak() { soak } else { ci }
}
