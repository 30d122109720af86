//! The on-disk cache of service-account access tokens, so that repeated commands reuse one
//! token instead of asking the token endpoint each time (it allows about 10 a minute).
//!
//! Where: `$ATLAS_KEYS_CACHE_DIR`, else `$XDG_CACHE_HOME/atlas-keys`, else
//! `~/.cache/atlas-keys`. One file per client id, named by a SHA-256 of the client id (and
//! the token URL), so the id itself is not written in a file name. Files are mode 0600 in
//! a 0700 directory and are replaced atomically (write a temporary file, then rename), so a
//! concurrent reader sees the old token or the new one, never half a file.
//!
//! This module must NOT log or print a token, and must NOT fail a command: a cache that
//! cannot be read or written is simply a cache miss.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use atlas_keys_transport::{CachedToken, ExposeSecret, SecretString, TokenStore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Tokens this close to expiry are treated as expired, so a request never starts with a
/// token that dies in flight.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

/// The env var that moves the cache (tests point it at a temporary directory).
pub(crate) const CACHE_DIR_ENV: &str = "ATLAS_KEYS_CACHE_DIR";

/// The file format: the token and its expiry in Unix seconds.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenFile {
    access_token: String,
    #[serde(default = "bearer")]
    token_type: String,
    expires_at: u64,
}

fn bearer() -> String {
    "Bearer".to_owned()
}

/// A directory of cached tokens.
#[derive(Debug, Clone)]
pub(crate) struct FileTokenCache {
    dir: PathBuf,
}

impl FileTokenCache {
    /// The cache in its usual place, or `None` when no home or cache directory is known.
    pub(crate) fn from_env() -> Option<Self> {
        let dir = match std::env::var_os(CACHE_DIR_ENV).filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
                Some(cache) => PathBuf::from(cache).join("atlas-keys"),
                None => PathBuf::from(std::env::var_os("HOME").filter(|v| !v.is_empty())?)
                    .join(".cache")
                    .join("atlas-keys"),
            },
        };
        Some(Self::in_dir(dir))
    }

    pub(crate) fn in_dir(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The file for one client: `token-<32 hex digits of a SHA-256>.json`.
    pub(crate) fn path_for(&self, scope: &str, client_id: &str) -> PathBuf {
        let mut hasher = Sha256::new();
        // The scope (the token URL) keeps two servers that reuse a client id apart.
        hasher.update(scope.as_bytes());
        hasher.update([0]);
        hasher.update(client_id.as_bytes());
        // The first 16 bytes (32 hex digits) are plenty to keep clients apart.
        let hex: String = hasher
            .finalize()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect();
        self.dir.join(format!("token-{hex}.json"))
    }

    /// A token that is still valid for a while, if one is cached.
    pub(crate) fn load(&self, scope: &str, client_id: &str) -> Option<CachedToken> {
        let text = fs::read_to_string(self.path_for(scope, client_id)).ok()?;
        let file: TokenFile = serde_json::from_str(&text).ok()?;
        // checked: the file is outside our control, and `SystemTime + Duration` panics on
        // overflow; an expiry beyond what the clock can hold is a miss like any bad file.
        let expires_at = UNIX_EPOCH.checked_add(Duration::from_secs(file.expires_at))?;
        let fresh = SystemTime::now()
            .checked_add(EXPIRY_MARGIN)
            .is_some_and(|soon| soon < expires_at);
        let mut token = CachedToken::new(SecretString::from(file.access_token), expires_at);
        token.token_type = file.token_type;
        fresh.then_some(token)
    }

    /// Saves a token; failures are logged at debug level and otherwise ignored.
    pub(crate) fn store(&self, scope: &str, client_id: &str, token: &CachedToken) {
        if let Err(error) = self.try_store(scope, client_id, token) {
            tracing::debug!(%error, dir = %self.dir.display(), "could not cache the access token");
        }
    }

    /// Forgets a token (the server rejected it).
    pub(crate) fn remove(&self, scope: &str, client_id: &str) {
        let _ = fs::remove_file(self.path_for(scope, client_id));
    }

    fn try_store(&self, scope: &str, client_id: &str, token: &CachedToken) -> std::io::Result<()> {
        create_private_dir(&self.dir)?;
        let expires_at = token
            .expires_at
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let file = TokenFile {
            access_token: token.access_token.expose_secret().to_owned(),
            token_type: token.token_type.clone(),
            expires_at,
        };
        let body = serde_json::to_vec(&file).map_err(std::io::Error::other)?;
        let target = self.path_for(scope, client_id);
        // Unique per process and call, so concurrent writers never share a temporary file.
        let temp = self.dir.join(format!(
            ".token-{}-{}.tmp",
            std::process::id(),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos()
        ));
        let result = write_private_file(&temp, &body).and_then(|()| fs::rename(&temp, &target));
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        }
        result
    }
}

/// The cache for one server, as the transport's [`TokenStore`]: the trait keys tokens by
/// client id only, so the server (its token URL) is fixed when the store is made.
#[derive(Debug, Clone)]
pub(crate) struct FileTokenStore {
    cache: FileTokenCache,
    scope: String,
}

impl FileTokenStore {
    pub(crate) fn new(cache: FileTokenCache, scope: impl Into<String>) -> Self {
        Self {
            cache,
            scope: scope.into(),
        }
    }
}

// The files are a few hundred bytes, so plain blocking I/O costs less than a hop to a
// blocking thread.
#[async_trait]
impl TokenStore for FileTokenStore {
    async fn load(&self, client_id: &str) -> Option<CachedToken> {
        self.cache.load(&self.scope, client_id)
    }

    async fn save(&self, client_id: &str, token: &CachedToken) {
        self.cache.store(&self.scope, client_id, token);
    }

    async fn remove(&self, client_id: &str) {
        self.cache.remove(&self.scope, client_id);
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

/// Creates `path` readable by its owner only (from the first byte: no chmod afterwards).
fn write_private_file(path: &Path, body: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(body)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::{CachedToken, FileTokenCache};
    use atlas_keys_transport::{ExposeSecret, SecretString};
    use std::time::{Duration, SystemTime};

    const SCOPE: &str = "http://127.0.0.1:1/api/oauth/token";

    fn token(valid_for: Duration) -> CachedToken {
        CachedToken::new(SecretString::from("tok-123"), SystemTime::now() + valid_for)
    }

    #[test]
    fn a_stored_token_is_loaded_back_until_it_nears_expiry() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FileTokenCache::in_dir(dir.path().join("nested"));
        assert!(cache.load(SCOPE, "client").is_none());
        cache.store(SCOPE, "client", &token(Duration::from_secs(3600)));
        let loaded = cache.load(SCOPE, "client").unwrap();
        assert_eq!(loaded.access_token.expose_secret(), "tok-123");
        assert_eq!(loaded.token_type, "Bearer");
        assert!(cache.load(SCOPE, "other").is_none(), "keyed by client id");
        assert!(
            cache.load("http://elsewhere/token", "client").is_none(),
            "keyed by server"
        );
        cache.store(SCOPE, "client", &token(Duration::from_secs(30)));
        assert!(cache.load(SCOPE, "client").is_none(), "too close to expiry");
        cache.remove(SCOPE, "client");
        assert!(!cache.path_for(SCOPE, "client").exists());
    }

    #[test]
    fn the_file_name_does_not_contain_the_client_id() {
        let cache = FileTokenCache::in_dir("/tmp/x");
        let name = cache
            .path_for(SCOPE, "mdb_sa_id_secretive")
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(!name.contains("secretive"));
        assert!(name.starts_with("token-") && name.ends_with(".json"));
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private_to_the_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let cache = FileTokenCache::in_dir(dir.path().join("c"));
        cache.store(SCOPE, "client", &token(Duration::from_secs(3600)));
        let mode = std::fs::metadata(cache.path_for(SCOPE, "client"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(dir.path().join("c"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
        let leftovers = std::fs::read_dir(dir.path().join("c")).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }

    #[test]
    fn an_expiry_beyond_the_clock_is_a_miss_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FileTokenCache::in_dir(dir.path());
        let body = format!(r#"{{"accessToken":"tok","expiresAt":{}}}"#, u64::MAX);
        std::fs::write(cache.path_for(SCOPE, "client"), body).unwrap();
        assert!(cache.load(SCOPE, "client").is_none());
    }

    #[test]
    fn a_corrupt_file_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FileTokenCache::in_dir(dir.path());
        std::fs::write(cache.path_for(SCOPE, "client"), "not json").unwrap();
        assert!(cache.load(SCOPE, "client").is_none());
    }
}
