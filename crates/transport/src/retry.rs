//! [`Retry`]: re-sends a request on transient failures, with exponential backoff and jitter
//! (from `backon`), honouring `Retry-After`, bounded by attempts and by a total time budget.
//!
//! What it is for: riding out 429s, 5xx gateway errors and refused connections. What it must NOT
//! do: re-send a POST or PATCH that may have reached the server (that could create a second API
//! key), loop without bound, or hide how many attempts were made.

use std::time::Duration;

use async_trait::async_trait;
use backon::{BackoffBuilder, ExponentialBuilder};
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use tokio::time::Instant;

use crate::deadline::CallDeadline;
use crate::{Error, ErrorKind, Transport, clone_request};

/// Request extension set by [`Retry`] on each attempt after the first: the attempt number (2,
/// 3, …). Absent means the first attempt. Backends record it on their tracing span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt(pub u32);

/// Response extension set by [`Retry`] when it made more than one attempt: how many in all.
/// Absent means one (a response's first extension allocates its map, on every call); read it
/// with [`Attempts::of`]. On a response that is still a 429 or 503 after the retries ran out,
/// this tells the caller how hard we tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts(pub u32);

impl Attempts {
    /// How many attempts produced `response`: its extension, or 1 without one.
    ///
    /// ```
    /// use atlas_keys_transport::Attempts;
    /// let mut response = http::Response::new(());
    /// assert_eq!(Attempts::of(&response), 1);
    /// response.extensions_mut().insert(Attempts(3));
    /// assert_eq!(Attempts::of(&response), 3);
    /// ```
    pub fn of<B>(response: &http::Response<B>) -> u32 {
        response.extensions().get::<Attempts>().map_or(1, |a| a.0)
    }
}

/// When and how often [`Retry`] re-sends.
///
/// Defaults: 4 attempts, 200 ms base delay doubling up to 5 s with jitter, 30 s total budget;
/// idempotent requests are retried on 429, 502, 503, 504 and on transport errors; POST and PATCH
/// only on 429 (Atlas refuses a rate-limited request before processing it) and on errors where
/// the request certainly did not reach the server.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    budget: Duration,
    jitter: bool,
    statuses: Vec<StatusCode>,
    non_idempotent_statuses: Vec<StatusCode>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            budget: Duration::from_secs(30),
            jitter: true,
            statuses: vec![
                StatusCode::TOO_MANY_REQUESTS,
                StatusCode::BAD_GATEWAY,
                StatusCode::SERVICE_UNAVAILABLE,
                StatusCode::GATEWAY_TIMEOUT,
            ],
            non_idempotent_statuses: vec![StatusCode::TOO_MANY_REQUESTS],
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries (one attempt).
    pub fn never() -> Self {
        RetryPolicy::default().max_attempts(1)
    }

    /// Total attempts, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first backoff delay; each next one doubles.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The largest backoff delay.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The total time budget, from the first attempt: no retry starts (and no `Retry-After` is
    /// waited out) past it. A [`Deadline`](crate::Deadline) around the [`Retry`] also stops
    /// retries whose delay would end past the call's deadline.
    pub fn budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    /// Whether backoff delays get random jitter (default true).
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// The statuses on which an idempotent request (GET, HEAD, PUT, DELETE, OPTIONS) is retried.
    pub fn retry_statuses(mut self, statuses: impl IntoIterator<Item = StatusCode>) -> Self {
        self.statuses = statuses.into_iter().collect();
        self
    }

    /// The statuses on which a non-idempotent request (POST, PATCH) is retried: default only 429,
    /// which Atlas answers before processing anything. Add a status here only if the server
    /// guarantees it did nothing when it answered it.
    pub fn non_idempotent_statuses(
        mut self,
        statuses: impl IntoIterator<Item = StatusCode>,
    ) -> Self {
        self.non_idempotent_statuses = statuses.into_iter().collect();
        self
    }

    fn backoff(&self) -> impl Iterator<Item = Duration> + use<> {
        let builder = ExponentialBuilder::default()
            .with_min_delay(self.base_delay)
            .with_max_delay(self.max_delay)
            .with_factor(2.0)
            .with_max_times(
                usize::try_from(self.max_attempts.saturating_sub(1)).unwrap_or(usize::MAX),
            );
        let builder = if self.jitter {
            builder.with_jitter()
        } else {
            builder
        };
        builder.build()
    }

    fn status_is_retryable(&self, method: &Method, status: StatusCode) -> bool {
        if is_idempotent(method) {
            self.statuses.contains(&status)
        } else {
            self.non_idempotent_statuses.contains(&status)
        }
    }

    fn error_is_retryable(&self, method: &Method, error: &Error) -> bool {
        match error.kind() {
            // Nothing the network can fix: a refusal, our own configuration, an answer we cannot
            // use (an oversized body will be oversized again), an insecure URL, a certificate
            // we refused (the same certificate comes back on the next handshake).
            ErrorKind::Auth
            | ErrorKind::Certificate
            | ErrorKind::Builder
            | ErrorKind::Decode
            | ErrorKind::BodyTooLarge
            | ErrorKind::InsecureHttp => false,
            // Never sent: safe for every method.
            _ if !error.request_may_have_reached_server() => true,
            // May have been processed: only a request that can be repeated harmlessly.
            _ => is_idempotent(method),
        }
    }
}

/// GET, HEAD, PUT, DELETE, OPTIONS and TRACE (RFC 9110 §9.2.2).
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// The seconds form of `Retry-After`. The HTTP-date form is not used by Atlas and falls back to
/// the backoff delay.
fn retry_after(response: &Response<Bytes>) -> Option<Duration> {
    let value = response.headers().get(header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// A [`Transport`] that retries its inner transport according to a [`RetryPolicy`].
///
/// ```
/// use atlas_keys_transport::{Retry, RetryPolicy, Transport};
/// # fn wrap(inner: impl Transport) -> impl Transport {
/// Retry::new(inner, RetryPolicy::default().max_attempts(3))
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Retry<T> {
    inner: T,
    policy: RetryPolicy,
}

impl<T: Transport> Retry<T> {
    /// Wraps `inner`.
    pub fn new(inner: T, policy: RetryPolicy) -> Self {
        Retry { inner, policy }
    }

    /// The wrapped transport.
    pub fn inner(&self) -> &T {
        &self.inner
    }
}

#[async_trait]
impl<T: Transport> Transport for Retry<T> {
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
        // The copy a retry sends; none when the policy allows no retry.
        let spare = (self.policy.max_attempts > 1).then(|| clone_request(&request));
        let again = || {
            spare.as_ref().map(clone_request).ok_or_else(|| {
                Error::new(ErrorKind::Builder, "no copy of the request to retry", false)
            })
        };
        self.policy
            .run(request, again, |r| self.inner.send(r))
            .await
    }
}

impl RetryPolicy {
    /// Sends `request` with `send`, and on a transient failure sends what `again` makes, as
    /// this policy allows: what [`Retry`] does around its inner transport (its `again` copies
    /// the request), for a caller that drives its own stack. Such a caller may make the next
    /// attempt's request however is cheapest: the API client builds it afresh from the
    /// operation, only when a retry happens, so that no call pays for a copy it will not send.
    pub async fn run<A, F, Fut>(
        &self,
        request: Request<Bytes>,
        mut again: A,
        mut send: F,
    ) -> Result<Response<Bytes>, Error>
    where
        A: FnMut() -> Result<Request<Bytes>, Error>,
        F: FnMut(Request<Bytes>) -> Fut,
        Fut: std::future::Future<Output = Result<Response<Bytes>, Error>>,
    {
        // tokio's clock, so that the budget follows a paused test clock like the sleeps do.
        let started = Instant::now();
        // Built (and boxed) at the first retry: most requests never need one, and everything
        // held across an await below is part of the future allocated for every request.
        let mut backoff: Option<Box<dyn Iterator<Item = Duration> + Send>> = None;
        let method = request.method().clone();
        // A `Deadline` around us: no backoff that would end past it.
        let deadline = CallDeadline::of(&request);
        let mut next = Some(request);
        let mut attempt: u32 = 1;
        loop {
            let mut this_try = match next.take() {
                Some(request) => request,
                None => again().map_err(|e| e.with_attempts(attempt - 1))?,
            };
            // Absent means the first attempt (readers default to 1): inserting into an empty
            // extension map would allocate on every request.
            if attempt > 1 {
                this_try.extensions_mut().insert(Attempt(attempt));
            }
            let result = send(this_try).await;
            // `Retry-After` is read only from a response that will be retried.
            let (retryable, hinted) = match &result {
                Ok(response) => {
                    let retryable = self.status_is_retryable(&method, response.status());
                    (
                        retryable,
                        retryable.then(|| retry_after(response)).flatten(),
                    )
                }
                Err(error) => (self.error_is_retryable(&method, error), None),
            };
            let delay = if retryable && attempt < self.max_attempts {
                // `backoff` yields max_attempts - 1 delays; a Retry-After replaces the delay.
                backoff
                    .get_or_insert_with(|| Box::new(self.backoff()))
                    .next()
                    .map(|d| hinted.unwrap_or(d))
            } else {
                None
            };
            // checked: a server may send any Retry-After, up to u64::MAX seconds.
            let delay = delay.filter(|d| {
                started
                    .elapsed()
                    .checked_add(*d)
                    .is_some_and(|end| end <= self.budget)
                    && deadline.is_none_or(|deadline| deadline.allows(*d))
            });
            let Some(delay) = delay else {
                return match result {
                    Ok(mut response) => {
                        if attempt > 1 {
                            response.extensions_mut().insert(Attempts(attempt));
                        }
                        Ok(response)
                    }
                    Err(error) => Err(error.with_attempts(attempt)),
                };
            };
            let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
            match &result {
                Ok(response) => tracing::debug!(
                    attempt,
                    status = response.status().as_u16(),
                    delay_ms,
                    "retrying after status"
                ),
                Err(error) => tracing::debug!(
                    attempt,
                    kind = %error.kind(),
                    delay_ms,
                    "retrying after error"
                ),
            }
            // Neither the previous outcome nor an inline timer stays in the future's state.
            drop(result);
            Box::pin(tokio::time::sleep(delay)).await;
            // A delay is only granted while attempt < max_attempts, so this cannot overflow.
            attempt += 1;
        }
    }
}
