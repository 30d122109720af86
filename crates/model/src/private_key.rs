//! The secret half of a programmatic API key (`privateKey`).
//!
//! The service returns the full key (a UUID) only in a create response and the redacted
//! form `********-****-****-` + last 12 hex characters everywhere else. This module must
//! NOT offer any implicit way to print or serialize the full value: no `Display`, a
//! redacting `Debug`, a `Serialize` that writes the redacted form, and no validation (a
//! validation error would carry the value). The only reader is
//! [`PrivateKey::expose_private_key`] (and `ApiKey::revealing`, built on it), so every use
//! of the secret is greppable.

/// The literal prefix of a redacted private key.
const REDACTED_PREFIX: &str = "********-****-****-";
/// How many trailing characters of the key the redacted form keeps.
const KEPT_CHARS: usize = 12;

/// A private API key, full or redacted.
///
/// `Debug` prints `PrivateKey(<redacted>)` whatever the value. There is deliberately no
/// `Display`: printing the key must be spelled [`PrivateKey::expose_private_key`].
/// `Serialize` writes the [redacted](PrivateKey::redacted) form, so logging a response
/// never leaks the secret; to write the full key (a server's create response, a CLI
/// showing a new key once) serialize [`ApiKey::revealing`](crate::ApiKey::revealing).
/// `Deserialize` accepts any string.
///
/// ```
/// use atlas_keys_model::PrivateKey;
///
/// let key = PrivateKey::new("c8150efd-c7a0-4afd-8c4f-01bdd56c8977".to_owned());
/// assert_eq!(format!("{key:?}"), "PrivateKey(<redacted>)");
/// assert!(!key.is_redacted());
/// let shown = key.redacted();
/// assert!(shown.is_redacted());
/// assert_eq!(shown.expose_private_key(), "********-****-****-01bdd56c8977");
/// assert_eq!(serde_json::to_string(&key).unwrap(), r#""********-****-****-01bdd56c8977""#);
/// ```
#[derive(Clone, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(transparent)]
pub struct PrivateKey(String);

impl serde::Serialize for PrivateKey {
    /// Writes the redacted form; see the type's docs for the explicit way to the secret.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.is_redacted() {
            serializer.serialize_str(&self.0)
        } else {
            serializer.serialize_str(self.redacted().expose_private_key())
        }
    }
}

impl PrivateKey {
    /// Wraps a private key. Any string is accepted: the format is the server's business.
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The full held value. This is the one explicit way to read the secret.
    pub fn expose_private_key(&self) -> &str {
        &self.0
    }

    /// True for the redacted form: `********-****-****-` then 12 hex digits (31 chars).
    pub fn is_redacted(&self) -> bool {
        self.0.strip_prefix(REDACTED_PREFIX).is_some_and(|tail| {
            tail.len() == KEPT_CHARS && tail.bytes().all(|b| b.is_ascii_hexdigit())
        })
    }

    /// The redacted form of this key, as the service shows it after creation.
    ///
    /// Keeps the last 12 characters (the last UUID group). An already redacted key is
    /// returned unchanged. A value of 12 characters or fewer is not a UUID and keeping
    /// its tail would reveal all of it, so it is masked entirely with `*`.
    pub fn redacted(&self) -> PrivateKey {
        if self.is_redacted() {
            return self.clone();
        }
        let count = self.0.chars().count();
        let tail: String = if count > KEPT_CHARS {
            self.0.chars().skip(count - KEPT_CHARS).collect()
        } else {
            "*".repeat(KEPT_CHARS)
        };
        PrivateKey(format!("{REDACTED_PREFIX}{tail}"))
    }
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacting_multibyte_text_does_not_split_a_char() {
        let key = PrivateKey::new("ééééééééééééééé".to_owned());
        assert_eq!(
            key.redacted().expose_private_key(),
            "********-****-****-éééééééééééé"
        );
    }

    #[test]
    fn serializing_writes_the_redacted_form() {
        let key = PrivateKey::new("c8150efd-c7a0-4afd-8c4f-01bdd56c8977".to_owned());
        let text = serde_json::to_string(&key).unwrap();
        assert_eq!(text, r#""********-****-****-01bdd56c8977""#);
        let short = serde_json::to_string(&PrivateKey::new("abc".to_owned())).unwrap();
        assert!(!short.contains("abc"), "{short}");
    }

    #[test]
    fn uppercase_hex_tail_counts_as_redacted() {
        assert!(PrivateKey::new("********-****-****-01BDD56C8977".to_owned()).is_redacted());
    }
}
