//! Identifiers of organizations, projects and API keys.
//!
//! All three are 24 lowercase hex characters on the wire (`^([a-f0-9]{24})$`), but they
//! are distinct types so that a project id can never be passed where an org id is
//! expected. This module must NOT know URL paths or how ids are embedded in them.

use crate::ValidationError;

const ID_RULE: &str = "must be exactly 24 lowercase hex characters";

/// The shared check for all three id types: exactly 24 of `[0-9a-f]`.
fn validate_hex24(field: &'static str, value: String) -> Result<String, ValidationError> {
    let ok = value.len() == 24
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if ok {
        Ok(value)
    } else {
        Err(ValidationError::new(field, ID_RULE, value))
    }
}

/// Defines one validated 24-hex id newtype; one macro so the three ids cannot drift apart.
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
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The wire name of this id, used in validation errors.
            pub const FIELD: &'static str = $field;

            /// Validates and wraps an id.
            pub fn new(value: impl Into<String>) -> Result<Self, ValidationError> {
                validate_hex24($field, value.into()).map(Self)
            }

            /// The id as it appears on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        validated_string_impls!($name);

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
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
