//! Random identifiers and secrets in the service's formats (24-hex ids, 8-letter public
//! keys, UUID v4 private keys, service-account client ids and secrets, bearer tokens).
//!
//! This module must NOT log anything it generates: secrets pass through here.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Fills `buf` from the OS; falls back to a time-seeded generator if the OS refuses
/// (it never does on supported platforms, and the emulator is a test server).
pub(crate) fn fill_random(buf: &mut [u8]) {
    if getrandom::fill(buf).is_err() {
        let fallback = FastRng::from_time();
        for chunk in buf.chunks_mut(8) {
            let v = fallback.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    fill_random(&mut b);
    b
}

/// A 24-character lowercase hex id (like a MongoDB ObjectId).
pub(crate) fn object_id() -> String {
    hex::encode(random_bytes::<12>())
}

/// A fresh API key id.
pub(crate) fn key_id() -> atlas_keys_model::ApiKeyId {
    hex_id(atlas_keys_model::ApiKeyId::new)
}

/// A fresh organization id.
pub(crate) fn org_id() -> atlas_keys_model::OrgId {
    hex_id(atlas_keys_model::OrgId::new)
}

/// A fresh project id.
pub(crate) fn project_id() -> atlas_keys_model::ProjectId {
    hex_id(atlas_keys_model::ProjectId::new)
}

/// A random 24-hex id of one of the model's id types. `object_id` always has that form,
/// so the loop never runs twice; it exists because the crate neither panics nor unwraps.
fn hex_id<T, E>(new: impl Fn(String) -> Result<T, E>) -> T {
    loop {
        if let Ok(id) = new(object_id()) {
            return id;
        }
    }
}

/// An 8-letter lowercase public key.
pub(crate) fn public_key() -> atlas_keys_model::PublicKey {
    loop {
        let b: [u8; 8] = random_bytes();
        let text: String = b.iter().map(|x| char::from(b'a' + x % 26)).collect();
        // Eight letters are always a valid public key; see `hex_id` for the loop.
        if let Ok(k) = atlas_keys_model::PublicKey::new(text) {
            return k;
        }
    }
}

/// A UUID v4 private key.
pub(crate) fn private_key() -> String {
    uuid::Builder::from_random_bytes(random_bytes())
        .into_uuid()
        .to_string()
}

/// A service-account client id in Atlas's `mdb_sa_id_` form.
pub(crate) fn client_id() -> String {
    format!("mdb_sa_id_{}", object_id())
}

/// A service-account client secret in Atlas's `mdb_sa_sk_` form.
pub(crate) fn client_secret() -> String {
    format!("mdb_sa_sk_{}", hex::encode(random_bytes::<24>()))
}

/// An opaque bearer token.
pub(crate) fn token() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// A small lock-free splitmix64 generator for fault draws (not for secrets).
#[derive(Debug)]
pub(crate) struct FastRng(AtomicU64);

impl FastRng {
    /// Seeded with `seed`, so fault sequences can be reproduced.
    pub(crate) fn new(seed: u64) -> Self {
        FastRng(AtomicU64::new(seed))
    }

    /// Seeded from the OS.
    pub(crate) fn from_os() -> Self {
        let mut b = [0u8; 8];
        if getrandom::fill(&mut b).is_err() {
            return Self::from_time();
        }
        FastRng::new(u64::from_le_bytes(b))
    }

    fn from_time() -> Self {
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(7);
        FastRng::new(t as u64)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&self) -> u64 {
        let mut z = self.0.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform draw in `[0, 1)`.
    pub(crate) fn next_f64(&self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(object_id().len(), 24);
        assert!(
            public_key()
                .as_str()
                .chars()
                .all(|c| c.is_ascii_lowercase())
        );
        assert_eq!(key_id().as_str().len(), 24);
        assert_eq!(private_key().len(), 36);
        assert_eq!(private_key().as_bytes()[14], b'4');
        let r = FastRng::new(1);
        assert!(
            (0..1000)
                .map(|_| r.next_f64())
                .all(|x| (0.0..1.0).contains(&x))
        );
    }
}
