//! The conversions shared by every validated string newtype (the ids, [`crate::Description`],
//! [`crate::PublicKey`]).
//!
//! Each such type is `struct T(String)` with a validating `T::new(impl Into<String>)`. One
//! macro gives all of them the same `FromStr`, `TryFrom<String>`, `From<T> for String` and
//! `Display`, so parsing, deserializing and printing cannot drift apart between them. This
//! module must NOT hold validation rules (they live next to each type) and must NOT be used
//! for a secret: `Display` prints the value.

/// Implements `FromStr`, `TryFrom<String>` (both through `new`), `From<T> for String` and
/// `Display` for a validated string newtype. See the module documentation.
macro_rules! validated_string_impls {
    ($name:ident) => {
        impl std::str::FromStr for $name {
            type Err = $crate::ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::ValidationError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
