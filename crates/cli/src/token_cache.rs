//! The on-disk cache of service-account access tokens, so that repeated commands reuse one
//! token instead of asking the token endpoint each time (it allows about 10 a minute).
//!
//! Where: `$ATLAS_KEYS_CACHE_DIR`, else `$XDG_CACHE_HOME/atlas-keys`, else
//! `~/.cache/atlas-keys`. To clear it, delete that directory (or its `token-*.json` files):
//! the next command fetches a fresh token. One file per server and credential, named by a
//! SHA-256 of the token URL and the transport's `token_store_key` (the client id and a hash
//! of the client secret), so neither the id nor anything about the secret is in a file name,
//! and a wrong or rotated secret never finds a token cached for the right one.
//!
//! Defences, because the cache holds bearer tokens: the directory is created 0700 and every
//! file 0600 from its first byte (a `tempfile` in the directory, then renamed over the old
//! file, so a concurrent reader sees the old token or the new one, never half a file). A file
//! that group or others may read or write, a directory they may write, a symlink (file or
//! directory), or anything but a plain file/directory is refused: nothing is read from or
//! written to it (a cache miss; the reason is logged at debug level). A directory others may
//! only *read* is accepted: its files are 0600 and named by hashes, so a listing shows nothing,
//! and `ATLAS_KEYS_CACHE_DIR` often names a 0755 directory (a CI workspace, a `mktemp -d`);
//! a directory others may write is refused because they could plant or swap files in it. Files are opened with `O_NOFOLLOW`, and read up to
//! 64 KiB. A cached token that could not be sent (not 1 to 8 KiB of visible ASCII, or
//! expiring within a minute) is discarded; the transport checks again and fetches anew.
//!
//! This module must NOT log or print a token, and must NOT fail a command: a cache that
//! cannot be read or written is simply a cache miss.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use atlas_keys_transport::{CachedToken, ExposeSecret, SecretString, TokenStore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Tokens this close to expiry are treated as expired, so a request never starts with a
/// token that dies in flight.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

/// The most bytes read from a cache file: a token file is a few hundred bytes to a few KiB.
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// The longest token kept (the transport's own limit: Atlas's tokens are JWTs of about 1 KiB).
const MAX_TOKEN_LEN: usize = 8 * 1024;

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

    /// The file for one client: `token-<32 hex digits of a SHA-256>.json`. `client_id` is
    /// the transport's store key (`token_store_key`: client id and secret hash).
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
        if let Err(why) = private_dir(&self.dir) {
            tracing::debug!(dir = %self.dir.display(), why, "token cache directory refused");
            return None;
        }
        let path = self.path_for(scope, client_id);
        let text = match read_private_file(&path) {
            Ok(text) => text,
            Err(why) => {
                tracing::debug!(file = %path.display(), why, "no usable cached token file");
                return None;
            }
        };
        let Ok(file) = serde_json::from_str::<TokenFile>(&text) else {
            let _ = fs::remove_file(&path);
            return None;
        };
        if !token_is_usable(&file.access_token) {
            // Never a permanent local failure: drop it, the next call fetches a fresh one.
            let _ = fs::remove_file(&path);
            return None;
        }
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
        if !token_is_usable(token.access_token.expose_secret()) {
            return Err(std::io::Error::other(
                "the token is not one that can be sent",
            ));
        }
        create_private_dir(&self.dir)?;
        private_dir(&self.dir).map_err(std::io::Error::other)?;
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
        // `tempfile` creates the file 0600 with O_EXCL (so never through a planted symlink)
        // under a random name; `persist` renames it over the target, which replaces a symlink
        // there rather than following it. Dropped unpersisted, it deletes itself.
        let mut temp = tempfile::Builder::new()
            .prefix(".token-")
            .suffix(".tmp")
            .tempfile_in(&self.dir)?;
        temp.write_all(&body)?;
        temp.as_file().sync_all()?;
        temp.persist(&target).map_err(|e| e.error)?;
        Ok(())
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

/// What the transport would send: 1 to 8 KiB of visible ASCII (see the module docs).
fn token_is_usable(token: &str) -> bool {
    (1..=MAX_TOKEN_LEN).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_graphic())
}

/// Checks that `dir` is a real directory (not a symlink) that only its owner can write.
fn private_dir(dir: &Path) -> Result<(), &'static str> {
    let meta = fs::symlink_metadata(dir).map_err(|_| "missing")?;
    if meta.file_type().is_symlink() {
        return Err("is a symlink");
    }
    if !meta.is_dir() {
        return Err("is not a directory");
    }
    mode_clear(&meta, 0o022, "group or others may write it")
}

/// Refuses `meta` when any bit of `forbidden` is set in its mode.
#[cfg(unix)]
fn mode_clear(meta: &fs::Metadata, forbidden: u32, why: &'static str) -> Result<(), &'static str> {
    use std::os::unix::fs::PermissionsExt;
    if meta.permissions().mode() & forbidden == 0 {
        Ok(())
    } else {
        Err(why)
    }
}

#[cfg(not(unix))]
fn mode_clear(_: &fs::Metadata, _: u32, _: &'static str) -> Result<(), &'static str> {
    Ok(())
}

/// Reads a cache file without following a symlink, refusing one others may read or write,
/// and reading at most [`MAX_FILE_BYTES`].
fn read_private_file(path: &Path) -> Result<String, &'static str> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // The final component must not be a symlink (the open fails with ELOOP).
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let file = options
        .open(path)
        .map_err(|_| "cannot be opened (missing or a symlink)")?;
    // The metadata of what was opened, not of the path: nothing can be swapped in between.
    let meta = file.metadata().map_err(|_| "no metadata")?;
    if !meta.is_file() {
        return Err("is not a plain file");
    }
    mode_clear(&meta, 0o077, "group or others may read or write it")?;
    let mut text = String::new();
    file.take(MAX_FILE_BYTES)
        .read_to_string(&mut text)
        .map_err(|_| "unreadable or not UTF-8")?;
    Ok(text)
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
        let dir = private_tempdir();
        let cache = FileTokenCache::in_dir(dir.path());
        let body = format!(r#"{{"accessToken":"tok","expiresAt":{}}}"#, u64::MAX);
        std::fs::write(cache.path_for(SCOPE, "client"), body).unwrap();
        assert!(cache.load(SCOPE, "client").is_none());
    }

    #[test]
    fn a_corrupt_file_is_a_miss() {
        let dir = private_tempdir();
        let cache = FileTokenCache::in_dir(dir.path());
        write_0600(&cache.path_for(SCOPE, "client"), "not json");
        assert!(cache.load(SCOPE, "client").is_none());
    }

    /// `tempfile::tempdir` is 0700 already; said here because the cache depends on it.
    fn private_tempdir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        dir
    }

    fn write_0600(path: &std::path::Path, body: &str) {
        std::fs::write(path, body).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }

    #[test]
    fn an_unusable_cached_token_is_discarded() {
        let dir = private_tempdir();
        let cache = FileTokenCache::in_dir(dir.path());
        let path = cache.path_for(SCOPE, "client");
        let far = 4_000_000_000u64;
        for token in ["tok\u{1b}]0;x\u{7}", "", "a b", &"x".repeat(9000)] {
            let body = serde_json::json!({"accessToken": token, "expiresAt": far}).to_string();
            write_0600(&path, &body);
            assert!(cache.load(SCOPE, "client").is_none(), "{token:?}");
            assert!(!path.exists(), "discarded: {token:?}");
        }
        // Nor is one stored.
        let bad = CachedToken::new(
            SecretString::from("a\nb"),
            SystemTime::now() + Duration::from_secs(3600),
        );
        cache.store(SCOPE, "client", &bad);
        assert!(!path.exists());
    }

    #[cfg(unix)]
    #[test]
    fn shared_directories_files_and_symlinks_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let set = |p: &std::path::Path, mode| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
        };
        let dir = private_tempdir();
        let cache = FileTokenCache::in_dir(dir.path().join("c"));
        cache.store(SCOPE, "client", &token(Duration::from_secs(3600)));
        let path = cache.path_for(SCOPE, "client");
        assert!(cache.load(SCOPE, "client").is_some());
        // A file others may read.
        set(&path, 0o644);
        assert!(cache.load(SCOPE, "client").is_none());
        set(&path, 0o600);
        // A directory others may only read is fine; one they may write is refused.
        set(&dir.path().join("c"), 0o755);
        assert!(cache.load(SCOPE, "client").is_some());
        set(&dir.path().join("c"), 0o777);
        assert!(cache.load(SCOPE, "client").is_none());
        std::fs::remove_file(&path).unwrap();
        cache.store(SCOPE, "client", &token(Duration::from_secs(3600)));
        assert!(!path.exists(), "nothing written into a shared directory");
        set(&dir.path().join("c"), 0o700);
        // A symlinked file: not followed on read; replaced, not written through, on store.
        let elsewhere = dir.path().join("elsewhere.json");
        let far = 4_000_000_000u64;
        write_0600(
            &elsewhere,
            &serde_json::json!({"accessToken": "planted", "expiresAt": far}).to_string(),
        );
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        assert!(cache.load(SCOPE, "client").is_none());
        cache.store(SCOPE, "client", &token(Duration::from_secs(3600)));
        assert!(
            !std::fs::symlink_metadata(&path)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(
            std::fs::read_to_string(&elsewhere)
                .unwrap()
                .contains("planted")
        );
        // A symlinked directory.
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path().join("c"), &link).unwrap();
        assert!(
            FileTokenCache::in_dir(&link)
                .load(SCOPE, "client")
                .is_none()
        );
    }
}
