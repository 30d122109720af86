//! [`Deadline`]: one overall time limit per call, covering every attempt, backoff, digest
//! challenge and token request made on its behalf.
//!
//! What it is for: a per-attempt timeout does not bound a call: retries, digest challenges and
//! a token refresh multiply it (one digest GET against a slow server took 1 min 50 s under a
//! 30 s retry budget). [`Deadline`] is the outermost wrapper: it makes a [`CallDeadline`]
//! current for everything below it ([`CallDeadline::of`]), which [`Retry`](crate::Retry) (no
//! backoff past it), the service-account token request and the backends (each attempt gets
//! the smaller of its own timeout and the time left) honour, and it cancels the whole call
//! when the time is up, so a server that drips one byte a second ends in an
//! [`ErrorKind::Timeout`] error, never a hang.
//!
//! The deadline travels down as a tokio task-local rather than a request extension: a
//! request's first extension allocates its map, and `Retry` copies the map for every attempt
//! (measured at about 2,000 instructions a call, 3.5 % of the SDK's, with callgrind; see
//! BENCHMARKS.md). A caller's own tighter deadline may still ride on the request as an
//! extension; [`CallDeadline::of`] reads both. [`CallDeadline::run`] is the whole mechanism;
//! [`Deadline`] is the layer that applies it to its inner transport, and a caller that drives
//! its own stack (the API client) applies it directly.
//!
//! What it must NOT do: retry, or call a deadline error anything but "may have reached the
//! server" (an attempt may have been on the wire when time ran out).

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::{Request, Response};
use tokio::time::Instant;

use crate::error::redact_uri;
use crate::{Error, ErrorKind, Transport};

/// The default overall deadline of one call (60 s): twice the default retry budget (30 s), so
/// that the retries and their backoff fit in it, and far above any single answer of the
/// service, which comes within seconds even for a 500-key page.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);

/// The instant by which the whole call must be over, and the deadline it was computed from
/// (for messages). Made current by [`Deadline`] for the layers below it; a caller may also set
/// one on a request as an extension to give that one call a tighter limit (the earlier of the
/// two wins). Read with [`CallDeadline::of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallDeadline {
    at: Instant,
    total: Duration,
}

tokio::task_local! {
    /// The deadline of the call being polled, set by [`Deadline`] around its inner send.
    static CURRENT: CallDeadline;
}

impl CallDeadline {
    /// The deadline bounding `request`: the earlier of the one a [`Deadline`] around this send
    /// made current and one set on the request itself as an extension; `None` when neither.
    pub fn of<B>(request: &Request<B>) -> Option<CallDeadline> {
        let current = CURRENT.try_with(|deadline| *deadline).ok();
        let own = request.extensions().get::<CallDeadline>().copied();
        match (current, own) {
            (Some(a), Some(b)) => Some(if a.at <= b.at { a } else { b }),
            (a, b) => a.or(b),
        }
    }

    /// The deadline a [`Deadline`] layer above this call has armed its timer for, if any: a
    /// backend whose own timeout would end no sooner needs no timer of its own.
    #[cfg(feature = "hyper")]
    pub(crate) fn armed() -> Option<CallDeadline> {
        CURRENT.try_with(|deadline| *deadline).ok()
    }

    /// A deadline `total` from now.
    pub fn after(total: Duration) -> Self {
        let now = Instant::now();
        CallDeadline {
            // checked: `Duration::MAX` must mean "practically never", not a panic.
            at: now
                .checked_add(total)
                .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400)),
            total,
        }
    }

    /// The time left before the deadline (zero once it has passed).
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// The whole deadline this was made from (e.g. 60 s), for messages.
    pub fn total(&self) -> Duration {
        self.total
    }

    /// Whether `delay` from now still ends before the deadline.
    pub fn allows(&self, delay: Duration) -> bool {
        Instant::now()
            .checked_add(delay)
            .is_some_and(|end| end < self.at)
    }

    /// The deadline of a call of `request` that may take `total`: `total` from now, or a
    /// tighter one the request or an enclosing [`CallDeadline::run`] already carries.
    pub fn for_call<B>(request: &Request<B>, total: Duration) -> CallDeadline {
        let ours = CallDeadline::after(total);
        match CallDeadline::of(request) {
            Some(theirs) if theirs.at <= ours.at => theirs,
            _ => ours,
        }
    }

    /// Runs `work` under this deadline: everything it sends reads the deadline with
    /// [`CallDeadline::of`], and `work` is dropped when the deadline passes (`None`; answer
    /// with [`CallDeadline::exceeded`]). This is what [`Deadline`] does around its inner
    /// transport, for a caller that drives its own stack (the API client does, to spare every
    /// call a layer's boxed future).
    pub fn run<F: std::future::Future>(
        self,
        work: F,
    ) -> impl std::future::Future<Output = Option<F::Output>> {
        // Not an `async fn`: its state would hold `work` and then move it into the timer's
        // future; built here, the future is moved once, by the caller's `.await`.
        let timed = tokio::time::timeout_at(self.at, CURRENT.scope(self, work));
        async move { timed.await.ok() }
    }

    /// The error of a call to `target` that ran out of time: a timeout that may have reached
    /// the server. `target` is quoted as given: pass a URL without its query or user info
    /// ([`redact_uri`](crate::redact_uri)).
    pub fn exceeded(&self, target: &str) -> Error {
        Error::new(
            ErrorKind::Timeout,
            format!(
                "no complete answer from {target} within the call deadline of {:?}",
                self.total
            ),
            true,
        )
    }

    /// The per-attempt timeout to use: the smaller of `own` and the time left, and whether the
    /// deadline is what bounds it (so a timeout can be reported as the deadline's).
    #[cfg(any(feature = "hyper", feature = "reqwest"))]
    pub(crate) fn bound(deadline: Option<&CallDeadline>, own: Duration) -> (Duration, bool) {
        match deadline.map(CallDeadline::remaining) {
            Some(left) if left <= own => (left, true),
            _ => (own, false),
        }
    }
}

/// A [`Transport`] that bounds every call of its inner transport by one overall deadline.
/// Put it outermost (`Deadline → Retry → auth → backend`) so it covers everything.
///
/// ```
/// use std::time::Duration;
/// use atlas_keys_transport::{Deadline, Retry, RetryPolicy, Transport};
/// # fn wrap(inner: impl Transport) -> impl Transport {
/// Deadline::new(Retry::new(inner, RetryPolicy::default()), Duration::from_secs(60))
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Deadline<T> {
    inner: T,
    deadline: Duration,
}

impl<T: Transport> Deadline<T> {
    /// Wraps `inner`: each call must be over within `deadline` (see [`DEFAULT_DEADLINE`]).
    pub fn new(inner: T, deadline: Duration) -> Self {
        Deadline { inner, deadline }
    }

    /// The wrapped transport.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The deadline of each call.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }
}

#[async_trait]
impl<T: Transport> Transport for Deadline<T> {
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
        let deadline = CallDeadline::for_call(&request, self.deadline);
        let uri = request.uri().clone();
        match deadline.run(self.inner.send(request)).await {
            Some(result) => result,
            None => Err(deadline.exceeded(&redact_uri(&uri))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Records the deadline each request it is sent sees, and answers 200.
    #[derive(Debug, Default)]
    struct Seen(Mutex<Vec<Option<CallDeadline>>>);

    #[async_trait]
    impl Transport for Arc<Seen> {
        async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
            self.0.lock().unwrap().push(CallDeadline::of(&request));
            Ok(Response::new(Bytes::new()))
        }
    }

    fn get() -> Request<Bytes> {
        Request::get("https://h/x").body(Bytes::new()).unwrap()
    }

    #[tokio::test]
    async fn the_layers_below_see_the_calls_deadline_and_a_callers_tighter_one_wins() {
        let seen = Arc::new(Seen::default());
        let stack = Deadline::new(Arc::clone(&seen), Duration::from_secs(60));
        stack.send(get()).await.unwrap();
        let mut tight = get();
        tight
            .extensions_mut()
            .insert(CallDeadline::after(Duration::from_millis(300)));
        stack.send(tight).await.unwrap();
        // Outside any `Deadline`, a request has none (unless it carries its own).
        assert_eq!(CallDeadline::of(&get()), None);
        let seen = seen.0.lock().unwrap();
        let totals: Vec<_> = seen.iter().map(|d| d.map(|d| d.total())).collect();
        assert_eq!(
            totals,
            [
                Some(Duration::from_secs(60)),
                Some(Duration::from_millis(300))
            ]
        );
    }
}
