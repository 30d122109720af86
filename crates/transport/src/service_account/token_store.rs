//! [`TokenStore`]: where [`ServiceAccountAuth`](crate::ServiceAccountAuth) keeps access tokens
//! beyond its own memory, so a CLI can reuse one token across processes (the token endpoint
//! allows about 10 requests a minute).
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

/// Keeps tokens per OAuth client id. Implementations must be cheap and must not fail loudly: a
/// store that cannot load simply returns `None`, and a failed save only costs a token request.
#[async_trait]
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The token last saved for `client_id`, if any (expired or not: the caller checks).
    async fn load(&self, client_id: &str) -> Option<CachedToken>;
    /// Remembers `token` for `client_id`, replacing any previous one.
    async fn save(&self, client_id: &str, token: &CachedToken);
    /// Forgets the token of `client_id` (after a revoke). The default does nothing.
    async fn remove(&self, client_id: &str) {
        let _ = client_id;
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
    async fn load(&self, client_id: &str) -> Option<CachedToken> {
        self.map().get(client_id).cloned()
    }

    async fn save(&self, client_id: &str, token: &CachedToken) {
        self.map().insert(client_id.to_owned(), token.clone());
    }

    async fn remove(&self, client_id: &str) {
        self.map().remove(client_id);
    }
}
