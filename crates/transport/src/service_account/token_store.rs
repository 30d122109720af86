//! [`TokenStore`]: where [`ServiceAccountAuth`](crate::ServiceAccountAuth) keeps access tokens
//! beyond its own memory, so a CLI can reuse one token across processes (the token endpoint
//! allows about 10 requests a minute).
//!
//! Tokens are keyed by [`token_store_key`]: the client id and a hash of the client secret.
//!
//! What it is for: a small pluggable seam, with [`MemoryTokenStore`] as the default. What it must
//! NOT do: persist anything itself (a file store belongs to the CLI) or show a token in `Debug`.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::SystemTime;

use async_trait::async_trait;
use secrecy::SecretString;

/// An access token with its expiry, as kept by a [`TokenStore`].
#[derive(Clone)]
#[non_exhaustive]
pub struct CachedToken {
    /// The bearer token itself.
    pub access_token: SecretString,
    /// The `token_type` the endpoint gave (normally `Bearer`).
    pub token_type: String,
    /// When the endpoint said the token stops working (issue time + `expires_in`).
    pub expires_at: SystemTime,
}

impl CachedToken {
    /// A bearer token valid until `expires_at`.
    pub fn new(access_token: SecretString, expires_at: SystemTime) -> Self {
        CachedToken {
            access_token,
            token_type: "Bearer".to_owned(),
            expires_at,
        }
    }
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedToken")
            .field("access_token", &"[REDACTED]")
            .field("token_type", &self.token_type)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The key under which [`ServiceAccountAuth`](crate::ServiceAccountAuth) keeps the tokens of
/// `client_id` used with `client_secret`: `<client id>#<32 hex digits>`, the digits being the
/// first 16 bytes of a SHA-256 over a domain tag, the client id and the secret.
///
/// The secret is part of the key so that a wrong secret is never hidden by a token cached for
/// the right one (a call with the wrong secret misses the cache and the token endpoint refuses
/// it), and a rotated secret starts afresh. The hash is one-way and, client secrets being long
/// random strings, tells nothing about the secret; the key is not itself a secret.
///
/// ```
/// use atlas_keys_transport::{SecretString, token_store_key};
///
/// let key = token_store_key("mdb_sa_id_1", &SecretString::from("mdb_sa_sk_2"));
/// assert!(key.starts_with("mdb_sa_id_1#"));
/// assert_ne!(key, token_store_key("mdb_sa_id_1", &SecretString::from("other")));
/// ```
pub fn token_store_key(client_id: &str, client_secret: &SecretString) -> String {
    use secrecy::ExposeSecret as _;
    use sha2::Digest as _;

    let mut hasher = sha2::Sha256::new();
    hasher.update(b"atlas-keys-transport token store key v1\0");
    hasher.update(client_id.as_bytes());
    hasher.update([0]);
    hasher.update(client_secret.expose_secret().as_bytes());
    let digest = hasher.finalize();
    format!("{client_id}#{}", hex::encode(&digest[..16]))
}

/// Keeps tokens per key. [`ServiceAccountAuth`](crate::ServiceAccountAuth) uses
/// [`token_store_key`] (the client id and a hash of the client secret) as the key; treat it as
/// opaque (hash it for a file name: it holds whatever the client id holds).
///
/// Implementations must be cheap and must not fail loudly: a store that cannot load simply
/// returns `None`, and a failed save only costs a token request. What a store returns is
/// checked before use: a token that is not a safe header value, or is expired, is removed and
/// a fresh one fetched.
#[async_trait]
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The token last saved under `key`, if any (expired or not: the caller checks).
    async fn load(&self, key: &str) -> Option<CachedToken>;
    /// Remembers `token` under `key`, replacing any previous one.
    async fn save(&self, key: &str, token: &CachedToken);
    /// Forgets the token under `key` (after a revoke, or when it proved unusable). The default
    /// does nothing.
    async fn remove(&self, key: &str) {
        let _ = key;
    }
}

/// A [`TokenStore`] in this process's memory: the default.
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<HashMap<String, CachedToken>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, CachedToken>> {
        // Every update is a single insert or remove, so a poisoned map is still consistent.
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl TokenStore for MemoryTokenStore {
    async fn load(&self, key: &str) -> Option<CachedToken> {
        self.map().get(key).cloned()
    }

    async fn save(&self, key: &str, token: &CachedToken) {
        self.map().insert(key.to_owned(), token.clone());
    }

    async fn remove(&self, key: &str) {
        self.map().remove(key);
    }
}
