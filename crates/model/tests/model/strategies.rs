//! Shared proptest strategies. Test-only; must not contain assertions.

use proptest::prelude::*;

/// A valid 24-lowercase-hex id.
pub(crate) fn hex24() -> impl Strategy<Value = String> {
    "[a-f0-9]{24}"
}

/// A string that is NOT a valid id, in the ways users get it wrong.
pub(crate) fn not_hex24() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-f0-9]{0,23}",
        "[a-f0-9]{25,30}",
        "[A-F]{1}[a-f0-9]{23}",
        "[a-f0-9]{23}[g-zA-Z_ \\-]",
        "[a-f0-9]{10}[^a-f0-9][a-f0-9]{13}",
    ]
}

/// A string of `n` chars for `n` in `len`, drawn from all of Unicode.
pub(crate) fn chars(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), len).prop_map(|v| v.into_iter().collect())
}

/// A full private key shaped like the service's (a lowercase UUID).
pub(crate) fn uuid() -> impl Strategy<Value = String> {
    "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
}

/// An upper-snake identifier that may or may not be a known role or code.
pub(crate) fn upper_snake() -> impl Strategy<Value = String> {
    "[A-Z][A-Z_]{0,40}"
}
