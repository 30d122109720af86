//! The single validation error of the crate.
//!
//! Every validated type reports failure with [`ValidationError`], which names the
//! wire field, the rule that was broken and the offending value. This module must NOT
//! hold validation logic itself, and nothing may put a secret (a private key) into an
//! error: the value is shown to users and written to logs.

use std::borrow::Cow;

/// A value did not satisfy a rule of the API.
///
/// `Display` is one line: `invalid <field>: <rule>, got "<value>"`.
///
/// ```
/// use atlas_keys_model::OrgId;
///
/// let err = "ABC".parse::<OrgId>().unwrap_err();
/// assert_eq!(err.field(), "orgId");
/// assert_eq!(
///     err.to_string(),
///     r#"invalid orgId: must be exactly 24 lowercase hex characters, got "ABC""#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {rule}, got {value:?}")]
#[non_exhaustive]
pub struct ValidationError {
    field: Cow<'static, str>,
    rule: Cow<'static, str>,
    value: String,
}

impl ValidationError {
    /// Builds an error. Crate-internal so that every error comes from a real rule.
    pub(crate) fn new(
        field: impl Into<Cow<'static, str>>,
        rule: impl Into<Cow<'static, str>>,
        value: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            rule: rule.into(),
            value: value.into(),
        }
    }

    /// The wire name of the field that failed, e.g. `orgId`, `desc`, `roles`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The rule that was broken, in words, e.g. `must be 1 to 250 characters`.
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// The offending value as the caller gave it (empty when a value was missing).
    pub fn value(&self) -> &str {
        &self.value
    }
}
