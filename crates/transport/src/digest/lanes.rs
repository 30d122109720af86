//! The per-origin pools of digest nonce "lanes".
//!
//! What it is for: one round trip per request in steady state without ever sharing a nonce
//! between two requests in flight. A lane is one challenge (nonce, opaque, realm, algorithm)
//! with its own nonce count, used by at most one request at a time, so the `nc` values a
//! server sees for one nonce (or one opaque) arrive in order, as Apache's `AuthDigestNcCheck`
//! demands. A request checks out an idle lane, or, when none is idle, the right to make a new
//! one from a fresh challenge; a semaphore bounds the lanes (and so the requests in flight) per
//! origin. A pool therefore grows to the concurrency actually in use and no further.
//!
//! What it must NOT do: hold its `std` lock across an `.await` (every lock here is taken and
//! released inside a synchronous method), hand one lane to two requests, or keep more than
//! `max_lanes` idle lanes per origin.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::Prompt;

/// The default bound on lanes per origin (see [`DigestAuth::max_lanes`](super::DigestAuth::max_lanes)).
pub(crate) const DEFAULT_MAX_LANES: usize = 64;

/// One challenge, owned by one request at a time, with the last nonce count used on it.
#[derive(Debug)]
pub(crate) struct Lane {
    /// The parsed challenge, with `nc == 0`. Cloned per request; never mutated.
    pub(crate) prompt: Prompt,
    nc: u32,
}

impl Lane {
    pub(crate) fn new(prompt: Prompt) -> Self {
        Lane { prompt, nc: 0 }
    }

    /// The next nonce count on this lane (1, 2, …); `None` once the counter is exhausted
    /// (then a fresh challenge must be drawn).
    pub(crate) fn next_nc(&mut self) -> Option<u32> {
        self.nc = self.nc.checked_add(1)?;
        Some(self.nc)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves the data consistent (every update is a
    // single push, pop or insert), so poisoning is ignored rather than propagated.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The lanes of one origin.
#[derive(Debug)]
pub(crate) struct Pool {
    /// One permit per lane that may exist in use: a request holds one while it uses (or makes)
    /// a lane, so at most `max_lanes` lanes are in flight and the rest of the requests wait.
    permits: Arc<Semaphore>,
    /// Lanes no request is using. LIFO: the most recently used lane is reused first, so a
    /// burst's extra lanes idle at the bottom and the hot ones stay warm.
    idle: Mutex<Vec<Lane>>,
    max_lanes: usize,
    /// The origin answered a request without a challenge and has never challenged: its
    /// requests skip the pool (and its bound) entirely.
    open: AtomicBool,
    /// The origin has challenged at least once: it is never considered open again, so one
    /// public endpoint cannot turn every later request into a probe.
    challenged: AtomicBool,
}

/// What a request got from [`Pool::checkout`]: the right to use one lane, and the idle lane
/// to use if there was one (otherwise the caller makes one from a fresh challenge).
#[derive(Debug)]
pub(crate) struct Checkout {
    pub(crate) lane: Option<Lane>,
    /// Dropped after the lane is given back (or lost), which lets the next waiter in.
    pub(crate) permit: Option<OwnedSemaphorePermit>,
}

impl Pool {
    fn new(max_lanes: usize) -> Self {
        Pool {
            permits: Arc::new(Semaphore::new(max_lanes)),
            idle: Mutex::new(Vec::new()),
            max_lanes,
            open: AtomicBool::new(false),
            challenged: AtomicBool::new(false),
        }
    }

    pub(crate) fn is_open(&self) -> bool {
        self.open.load(Ordering::Relaxed)
    }

    /// Records that a request without `Authorization` was answered without a challenge.
    pub(crate) fn mark_answered_unchallenged(&self) {
        if !self.challenged.load(Ordering::Relaxed) {
            self.open.store(true, Ordering::Relaxed);
        }
    }

    /// Records that the origin challenged: requests go through the pool from now on.
    pub(crate) fn mark_challenged(&self) {
        self.challenged.store(true, Ordering::Relaxed);
        self.open.store(false, Ordering::Relaxed);
    }

    /// Waits for the right to use a lane, then takes an idle lane if there is one.
    pub(crate) async fn checkout(&self) -> Checkout {
        // The semaphore is never closed, so `acquire_owned` cannot fail; were it to, the
        // request would simply go unbounded rather than fail.
        let permit = self.permits.clone().acquire_owned().await.ok();
        let lane = lock(&self.idle).pop();
        Checkout { lane, permit }
    }

    /// Returns a lane that is still good for the next request. Call before dropping the
    /// permit, so that the waiter it lets in finds the lane instead of drawing a challenge.
    pub(crate) fn give_back(&self, lane: Lane) {
        let mut idle = lock(&self.idle);
        // Lanes made outside the bound (an open origin that started to challenge) are dropped
        // once the pool is full.
        if idle.len() < self.max_lanes {
            idle.push(lane);
        }
    }
}

/// The pools shared by all clones of one [`DigestAuth`](super::DigestAuth), by origin.
#[derive(Debug, Clone)]
pub(crate) struct LanePools {
    max_lanes: usize,
    map: Arc<Mutex<HashMap<String, Arc<Pool>>>>,
}

impl Default for LanePools {
    fn default() -> Self {
        LanePools::new(DEFAULT_MAX_LANES)
    }
}

impl LanePools {
    pub(crate) fn new(max_lanes: usize) -> Self {
        LanePools {
            max_lanes: max_lanes.max(1),
            map: Arc::default(),
        }
    }

    /// The pool of `origin` (created empty on first use).
    pub(crate) fn pool(&self, origin: &str) -> Arc<Pool> {
        let mut map = lock(&self.map);
        // Steady state: found without allocating a key.
        if let Some(pool) = map.get(origin) {
            return pool.clone();
        }
        map.entry(origin.to_owned())
            .or_insert_with(|| Arc::new(Pool::new(self.max_lanes)))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lane(nonce: &str) -> Lane {
        let header = digest_auth::WwwAuthenticateHeader {
            domain: None,
            realm: "r".into(),
            nonce: nonce.into(),
            opaque: None,
            stale: false,
            algorithm: Default::default(),
            qop: None,
            userhash: false,
            charset: digest_auth::Charset::ASCII,
            nc: 0,
        };
        Lane::new(Prompt { header })
    }

    #[test]
    fn nc_counts_up_from_one_and_stops_at_max() {
        let mut l = lane("n");
        assert_eq!(l.next_nc(), Some(1));
        assert_eq!(l.next_nc(), Some(2));
        l.nc = u32::MAX;
        assert_eq!(l.next_nc(), None);
    }

    #[test]
    fn a_lane_is_checked_out_by_one_request_at_a_time_and_the_pool_is_bounded() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let pools = LanePools::new(2);
            let pool = pools.pool("http://a:80");
            assert!(Arc::ptr_eq(&pool, &pools.pool("http://a:80")));
            let first = pool.checkout().await;
            assert!(first.lane.is_none(), "an empty pool: make a lane");
            let second = pool.checkout().await;
            assert!(second.lane.is_none());
            // At the bound, a third request waits until a lane comes back.
            let mut third = Box::pin(pool.checkout());
            assert!(futures_poll_once(&mut third).await.is_none());
            pool.give_back(lane("one"));
            drop(first);
            let third = third.await;
            assert_eq!(
                third.lane.expect("the lane given back").prompt.header.nonce,
                "one"
            );
            drop(second);
            let fourth = pool.checkout().await;
            assert!(fourth.lane.is_none(), "no lane is handed out twice");
        });
    }

    /// Polls a future once: `Some` if it was ready.
    async fn futures_poll_once<F: std::future::Future + Unpin>(f: &mut F) -> Option<F::Output> {
        std::future::poll_fn(|cx| {
            std::task::Poll::Ready(match std::pin::Pin::new(&mut *f).poll(cx) {
                std::task::Poll::Ready(v) => Some(v),
                std::task::Poll::Pending => None,
            })
        })
        .await
    }

    #[test]
    fn an_origin_that_challenged_is_never_open_again() {
        let pool = Pool::new(4);
        pool.mark_answered_unchallenged();
        assert!(pool.is_open());
        pool.mark_challenged();
        assert!(!pool.is_open());
        pool.mark_answered_unchallenged();
        assert!(!pool.is_open());
    }
}
