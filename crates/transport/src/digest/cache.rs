//! The per-origin digest challenge cache, with an atomic nonce count and a single-flight guard
//! for the first challenge of an origin.
//!
//! What it is for: making steady-state digest auth one round trip per request. The cache is
//! keyed by origin (scheme, host, port) and holds the latest challenge of that origin, realm
//! included; a new challenge (another realm, a fresh nonce) replaces it.
//!
//! What it must NOT do: hold its `std` lock across an `.await` (every method here is
//! synchronous), or hand out the same `nc` twice for one nonce.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::Prompt;
use tokio::sync::watch;

/// A digest challenge accepted for use, with its nonce count.
#[derive(Debug)]
pub(crate) struct CachedChallenge {
    /// The parsed challenge, with `nc == 0`. Cloned per request; never mutated.
    pub(crate) prompt: Prompt,
    nc: AtomicU32,
}

impl CachedChallenge {
    pub(crate) fn new(prompt: Prompt) -> Self {
        CachedChallenge {
            prompt,
            nc: AtomicU32::new(0),
        }
    }

    /// The next nonce count, unique for this nonce across concurrent requests; `None` once the
    /// counter is exhausted (then a fresh challenge must be fetched).
    pub(crate) fn next_nc(&self) -> Option<u32> {
        self.nc
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_add(1))
            .ok()
            .map(|previous| previous + 1)
    }
}

#[derive(Debug, Default)]
struct OriginState {
    challenge: Option<Arc<CachedChallenge>>,
    /// Set while one request fetches the origin's first challenge; the others wait for its
    /// sender to be dropped instead of each drawing a challenge of their own.
    priming: Option<watch::Receiver<()>>,
    /// The origin answered a request without challenging it: don't serialise requests to it.
    open: bool,
}

/// What a request should do, given the cache.
#[derive(Debug)]
pub(crate) enum Lookup {
    /// Authorize with this challenge.
    Cached(Arc<CachedChallenge>),
    /// You fetch the first challenge; the others wait until the guard is dropped.
    Prime(PrimeGuard),
    /// Someone else is fetching it: wait, then look again.
    Wait(watch::Receiver<()>),
    /// No challenge is known and the origin did not ask for one last time: just send.
    Open,
}

/// Held by the request that fetches an origin's first challenge. Dropping it (on success,
/// failure or cancellation) wakes the waiters.
#[derive(Debug)]
pub(crate) struct PrimeGuard {
    cache: Arc<Mutex<HashMap<String, OriginState>>>,
    origin: String,
    _sender: watch::Sender<()>,
}

impl Drop for PrimeGuard {
    fn drop(&mut self) {
        let mut map = lock(&self.cache);
        if let Some(state) = map.get_mut(&self.origin) {
            state.priming = None;
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves a map that is still consistent (every
    // update is a single assignment), so poisoning is ignored rather than propagated.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The cache shared by all clones of one [`DigestAuth`](super::DigestAuth).
#[derive(Debug, Default, Clone)]
pub(crate) struct ChallengeCache {
    map: Arc<Mutex<HashMap<String, OriginState>>>,
}

impl ChallengeCache {
    pub(crate) fn lookup(&self, origin: &str) -> Lookup {
        let mut map = lock(&self.map);
        // Steady state: a cached challenge, found without allocating a key.
        if let Some(challenge) = map.get(origin).and_then(|state| state.challenge.as_ref()) {
            return Lookup::Cached(challenge.clone());
        }
        let state = map.entry(origin.to_owned()).or_default();
        if let Some(rx) = &state.priming {
            return Lookup::Wait(rx.clone());
        }
        if state.open {
            return Lookup::Open;
        }
        let (tx, rx) = watch::channel(());
        state.priming = Some(rx);
        Lookup::Prime(PrimeGuard {
            cache: self.map.clone(),
            origin: origin.to_owned(),
            _sender: tx,
        })
    }

    /// Makes `challenge` the origin's current challenge.
    pub(crate) fn install(&self, origin: &str, challenge: Arc<CachedChallenge>) {
        let mut map = lock(&self.map);
        let state = map.entry(origin.to_owned()).or_default();
        state.challenge = Some(challenge);
        state.open = false;
    }

    /// Forgets `challenge` if it is still the origin's current one (e.g. its nc ran out).
    pub(crate) fn forget(&self, origin: &str, challenge: &Arc<CachedChallenge>) {
        let mut map = lock(&self.map);
        if let Some(state) = map.get_mut(origin)
            && state
                .challenge
                .as_ref()
                .is_some_and(|c| Arc::ptr_eq(c, challenge))
        {
            state.challenge = None;
        }
    }

    /// Records that the origin answered without challenging.
    pub(crate) fn mark_open(&self, origin: &str) {
        let mut map = lock(&self.map);
        let state = map.entry(origin.to_owned()).or_default();
        if state.challenge.is_none() {
            state.open = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nc_counts_up_from_one_and_stops_at_max() {
        let header = digest_auth::WwwAuthenticateHeader {
            domain: None,
            realm: "r".into(),
            nonce: "n".into(),
            opaque: None,
            stale: false,
            algorithm: Default::default(),
            qop: None,
            userhash: false,
            charset: digest_auth::Charset::ASCII,
            nc: 0,
        };
        let c = CachedChallenge::new(Prompt { header });
        assert_eq!(c.next_nc(), Some(1));
        assert_eq!(c.next_nc(), Some(2));
        c.nc.store(u32::MAX, Ordering::Relaxed);
        assert_eq!(c.next_nc(), None);
    }

    #[test]
    fn second_lookup_waits_while_first_primes() {
        let cache = ChallengeCache::default();
        let first = cache.lookup("http://a:80");
        assert!(matches!(first, Lookup::Prime(_)));
        assert!(matches!(cache.lookup("http://a:80"), Lookup::Wait(_)));
        drop(first);
        assert!(matches!(cache.lookup("http://a:80"), Lookup::Prime(_)));
    }
}
