//! Request counters served by `GET /__emulator/stats` and `EmulatorHandle::stats()`.
//!
//! Lock-free atomics so counting never contends with request handling. This module must
//! NOT count `/__emulator/*` requests (tests read stats to count their own round trips).

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Live counters, shared by every connection.
#[derive(Debug)]
pub(crate) struct Counters {
    requests: AtomicU64,
    challenges: AtomicU64,
    authorized: AtomicU64,
    tokens_issued: AtomicU64,
    faults_injected: AtomicU64,
    rate_limited: AtomicU64,
    resets: AtomicU64,
    /// Connections open now, and the most ever open at once.
    open_connections: AtomicU64,
    peak_connections: AtomicU64,
    /// Responses per HTTP status, indexed by `status - 100`.
    by_status: Box<[AtomicU64]>,
    /// Requests per method: GET, POST, PATCH, DELETE, other (the audit proves it only reads).
    by_method: [AtomicU64; 5],
}

/// The names of `by_method`'s slots, in order.
const METHODS: [&str; 5] = ["GET", "POST", "PATCH", "DELETE", "OTHER"];

impl Default for Counters {
    fn default() -> Self {
        Counters {
            requests: AtomicU64::new(0),
            challenges: AtomicU64::new(0),
            authorized: AtomicU64::new(0),
            tokens_issued: AtomicU64::new(0),
            faults_injected: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            resets: AtomicU64::new(0),
            open_connections: AtomicU64::new(0),
            peak_connections: AtomicU64::new(0),
            by_status: (100..600).map(|_| AtomicU64::new(0)).collect(),
            by_method: Default::default(),
        }
    }
}

/// What a counter tracks.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Counter {
    Requests,
    Challenges,
    Authorized,
    TokensIssued,
    FaultsInjected,
    RateLimited,
    Resets,
}

impl Counters {
    fn slot(&self, c: Counter) -> &AtomicU64 {
        match c {
            Counter::Requests => &self.requests,
            Counter::Challenges => &self.challenges,
            Counter::Authorized => &self.authorized,
            Counter::TokensIssued => &self.tokens_issued,
            Counter::FaultsInjected => &self.faults_injected,
            Counter::RateLimited => &self.rate_limited,
            Counter::Resets => &self.resets,
        }
    }

    /// Adds one to a counter.
    pub(crate) fn bump(&self, c: Counter) {
        self.slot(c).fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a connection in (until `connection_closed`).
    pub(crate) fn connection_opened(&self) {
        let now = self.open_connections.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak_connections.fetch_max(now, Ordering::Relaxed);
    }

    /// Counts a connection out.
    pub(crate) fn connection_closed(&self) {
        self.open_connections.fetch_sub(1, Ordering::Relaxed);
    }

    /// Counts one request with this method.
    pub(crate) fn method(&self, method: &http::Method) {
        let i = METHODS[..4]
            .iter()
            .position(|m| *m == method.as_str())
            .unwrap_or(4);
        self.by_method[i].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one response with this status.
    pub(crate) fn status(&self, status: u16) {
        if let Some(slot) = status
            .checked_sub(100)
            .and_then(|i| self.by_status.get(usize::from(i)))
        {
            slot.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A consistent-enough copy of every counter.
    /// `rate_limit_buckets` is the limiter's current count (not a counter of ours).
    pub(crate) fn snapshot(&self, rate_limit_buckets: usize) -> Stats {
        let by_status = self
            .by_status
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let n = v.load(Ordering::Relaxed);
                (n > 0).then(|| ((i + 100).to_string(), n))
            })
            .collect();
        let by_method = METHODS
            .iter()
            .zip(&self.by_method)
            .filter_map(|(m, v)| {
                let n = v.load(Ordering::Relaxed);
                (n > 0).then(|| ((*m).to_owned(), n))
            })
            .collect();
        let get = |c| self.slot(c).load(Ordering::Relaxed);
        Stats {
            requests: get(Counter::Requests),
            challenges: get(Counter::Challenges),
            authorized: get(Counter::Authorized),
            tokens_issued: get(Counter::TokensIssued),
            faults_injected: get(Counter::FaultsInjected),
            rate_limited: get(Counter::RateLimited),
            resets: get(Counter::Resets),
            rate_limit_buckets: rate_limit_buckets as u64,
            open_connections: self.open_connections.load(Ordering::Relaxed),
            peak_connections: self.peak_connections.load(Ordering::Relaxed),
            by_status,
            by_method,
        }
    }
}

/// A snapshot of the emulator's counters (the body of `GET /__emulator/stats`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Requests received, outside `/__emulator/*`.
    pub requests: u64,
    /// 401 answers that carried a `WWW-Authenticate` digest challenge.
    pub challenges: u64,
    /// Requests whose digest or bearer credentials were accepted.
    pub authorized: u64,
    /// OAuth access tokens issued.
    pub tokens_issued: u64,
    /// Requests answered (or dropped) by fault injection.
    pub faults_injected: u64,
    /// 429 answers from the token buckets (not from fault injection).
    pub rate_limited: u64,
    /// Connections reset by fault injection.
    pub resets: u64,
    /// Rate-limit buckets held now (bounded: peeks create none, and shards evict).
    pub rate_limit_buckets: u64,
    /// Connections open now.
    pub open_connections: u64,
    /// The most connections ever open at once (never above `max_connections`).
    pub peak_connections: u64,
    /// Responses per HTTP status code (only codes seen at least once).
    pub by_status: std::collections::BTreeMap<String, u64>,
    /// Requests per method (`GET`, `POST`, `PATCH`, `DELETE`, `OTHER`; only those seen).
    pub by_method: std::collections::BTreeMap<String, u64>,
}
