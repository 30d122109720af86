//! Identifiers of organizations, projects and API keys.
//!
//! All three are 24 lowercase hex characters on the wire (`^([a-f0-9]{24})$`), but they
//! are distinct types so that a project id can never be passed where an org id is
//! expected. This module must NOT know URL paths or how ids are embedded in them.

use crate::ValidationError;

const ID_RULE: &str = "must be exactly 24 lowercase hex characters";

/// The shared check for all three id types: exactly 24 of `[0-9a-f]`, kept inline.
fn parse_hex24(field: &'static str, value: &str) -> Result<[u8; 24], ValidationError> {
    match <[u8; 24]>::try_from(value.as_bytes()) {
        // `fold` with `&`, not `all`: without the early exit the check is branch-free and
        // vectorises (every response carries two or more ids).
        Ok(bytes)
            if bytes
                .iter()
                .fold(true, |ok, b| ok & matches!(b, b'0'..=b'9' | b'a'..=b'f')) =>
        {
            Ok(bytes)
        }
        _ => Err(ValidationError::new(field, ID_RULE, value)),
    }
}

/// The text of an inline id. Ids are built only by [`parse_hex24`], so the bytes are always
/// ASCII and the empty fallback is unreachable; it exists because this crate forbids both
/// `unsafe` and panics.
fn hex24_str(bytes: &[u8; 24]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// Defines one validated 24-hex id newtype; one macro so the three ids cannot drift apart.
///
/// An id is stored inline (`[u8; 24]`), not as a `String`: ids are copied into every request
/// and parsed out of every response, and an inline id costs neither an allocation. Serde reads
/// it from a borrowed string when the format allows, for the same reason.
macro_rules! hex_id {
    ($(#[$meta:meta])* $name:ident, $field:literal, $example:literal) => {
        $(#[$meta])*
        ///
        /// Valid by construction: exactly 24 lowercase hex characters. Deserializing
        /// validates too.
        ///
        /// ```
        #[doc = concat!("use atlas_keys_model::", stringify!($name), ";")]
        ///
        #[doc = concat!("let id: ", stringify!($name), " = \"", $example, "\".parse().unwrap();")]
        #[doc = concat!("assert_eq!(id.as_str(), \"", $example, "\");")]
        #[doc = concat!("let err = \"", $example, "0\".parse::<", stringify!($name), ">().unwrap_err();")]
        #[doc = concat!("assert_eq!(err.field(), \"", $field, "\");")]
        /// ```
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; 24]);

        impl $name {
            /// The wire name of this id, used in validation errors.
            pub const FIELD: &'static str = $field;

            /// Validates and wraps an id.
            pub fn new(value: impl AsRef<str>) -> Result<Self, ValidationError> {
                parse_hex24($field, value.as_ref()).map(Self)
            }

            /// The id as it appears on the wire.
            pub fn as_str(&self) -> &str {
                hex24_str(&self.0)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.as_str()).finish()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ValidationError;
            fn try_from(value: &str) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.as_str().to_owned()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str(HexIdVisitor($field)).map(Self)
            }
        }
    };
}

/// Reads any string form (borrowed, transient or owned) into a validated inline id.
struct HexIdVisitor(&'static str);

impl serde::de::Visitor<'_> for HexIdVisitor {
    type Value = [u8; 24];

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: 24 lowercase hex characters", self.0)
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Self::Value, E> {
        parse_hex24(self.0, value).map_err(E::custom)
    }
}

hex_id!(
    /// An organization id (`orgId`).
    OrgId,
    "orgId",
    "4888442a3354817a7320eb61"
);
hex_id!(
    /// A project id; the API calls projects "groups" (`groupId`).
    ProjectId,
    "groupId",
    "32b6e34b3d91647abb20e7b8"
);
hex_id!(
    /// A programmatic API key id (`apiUserId` in paths, `id` in responses).
    ApiKeyId,
    "apiUserId",
    "5d1113b25a115342acc2d1aa"
);
