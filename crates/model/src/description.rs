//! The human-readable description of an API key (`desc`).
//!
//! Requests carry a validated [`Description`]; responses keep the server's text as a
//! plain string so that a server-side change never breaks a parse. This module must NOT
//! trim, normalize or otherwise rewrite what the user typed.

use crate::ValidationError;

/// The maximum length of a description, in Unicode scalar values.
pub(crate) const MAX_DESC_CHARS: usize = 250;

/// A key description: 1 to 250 characters.
///
/// Characters are Unicode scalar values (`char`s), not bytes, so `"é"` counts once.
///
/// ```
/// use atlas_keys_model::Description;
///
/// assert!(Description::new("ci deploy key").is_ok());
/// assert!(Description::new("é".repeat(250)).is_ok());
/// assert_eq!(Description::new("").unwrap_err().field(), "desc");
/// ```
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Description(String);

impl Description {
    /// Validates a description.
    pub fn new(value: impl Into<String>) -> Result<Self, ValidationError> {
        let value = value.into();
        let chars = value.chars().count();
        if (1..=MAX_DESC_CHARS).contains(&chars) {
            Ok(Self(value))
        } else {
            Err(ValidationError::new(
                "desc",
                "must be 1 to 250 characters",
                value,
            ))
        }
    }

    /// The description text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

validated_string_impls!(Description);
