//! The shared server context: state store, digest verifier, rate limiter, counters and
//! configuration, built once at start and shared by every connection through an `Arc`.
//!
//! This module must NOT handle requests; it only holds what handlers need.

use std::time::Duration;

use atlas_keys_model::Flavour;

use crate::auth::digest::DigestVerifier;
use crate::faults::FaultSpec;
use crate::ids::FastRng;
use crate::rate_limit::RateLimiter;
use crate::state::Store;
use crate::stats::Counters;

/// Everything a request handler can reach.
#[derive(Debug)]
pub(crate) struct App {
    pub(crate) store: Store,
    pub(crate) digest: DigestVerifier,
    pub(crate) limiter: RateLimiter,
    pub(crate) stats: Counters,
    pub(crate) faults: FaultSpec,
    pub(crate) rng: FastRng,
    pub(crate) latency: Duration,
    pub(crate) token_ttl: Duration,
    /// `http(s)://host:port`, without a trailing slash; used in `links`.
    pub(crate) base_url: String,
    /// The flavour served under `/api/public/v1.0`.
    pub(crate) public_flavour: Flavour,
    /// Largest accepted request body.
    pub(crate) body_limit: usize,
    /// How long the body may take to arrive; see `EmulatorBuilder::body_read_timeout`.
    pub(crate) body_read_timeout: std::time::Duration,
    /// Whether responses carry `RateLimit-Limit` / `RateLimit-Remaining`.
    pub(crate) rate_limit_headers: bool,
    /// Live (unexpired) tokens a service account may hold; more is 403 `access_denied`.
    pub(crate) max_live_tokens: usize,
    /// Connections served at once; see `EmulatorBuilder::max_connections`.
    pub(crate) max_connections: usize,
}
