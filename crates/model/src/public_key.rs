//! The public half of a programmatic API key (`publicKey`, the digest-auth user name).
//!
//! The public key is not a secret. This module must NOT handle the private key; see
//! `private_key.rs` for that.

use crate::ValidationError;

/// The length of a public key, in characters, per the spec (`minLength = maxLength = 8`).
const PUBLIC_KEY_CHARS: usize = 8;

/// A public API key: exactly 8 characters.
///
/// The service issues 8 lowercase ASCII letters (e.g. `zmmrboas`), but the spec only
/// promises "exactly 8 characters". We accept any 8 characters that are not whitespace
/// or control characters, so a change in the service's alphabet never breaks a response
/// parse, while typos like a truncated or padded key are still caught.
///
/// ```
/// use atlas_keys_model::PublicKey;
///
/// let key: PublicKey = "zmmrboas".parse().unwrap();
/// assert_eq!(key.to_string(), "zmmrboas");
/// assert_eq!("zmmrboa".parse::<PublicKey>().unwrap_err().field(), "publicKey");
/// ```
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct PublicKey(String);

impl PublicKey {
    /// Validates a public key.
    pub fn new(value: impl Into<String>) -> Result<Self, ValidationError> {
        let value = value.into();
        let ok = value.chars().count() == PUBLIC_KEY_CHARS
            && value.chars().all(|c| !c.is_whitespace() && !c.is_control());
        if ok {
            Ok(Self(value))
        } else {
            Err(ValidationError::new(
                "publicKey",
                "must be exactly 8 non-whitespace characters",
                value,
            ))
        }
    }

    /// The public key as it appears on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

validated_string_impls!(PublicKey);
