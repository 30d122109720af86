//! Token buckets per organization and per project, like the Admin API's (NOTES (h)),
//! and the `--rate-limit` syntax: `off` or `ORG_CAP/ORG_REFILL_PER_MIN,GROUP_CAP/GROUP_REFILL_PER_MIN`.
//!
//! Buckets refill continuously. Memory is bounded whatever ids callers send: looking at a
//! bucket (`consume = false`, e.g. for an unauthenticated request's headers) never
//! creates one, and each shard holds at most [`MAX_BUCKETS_PER_SHARD`] — when full, buckets
//! that have refilled to capacity (indistinguishable from absent ones) are dropped first,
//! then the least recently used. This module must NOT build responses or know paths: the
//! server tells it which scope a request belongs to.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Instant;

use sha2::Digest as _;

/// Capacity and refill of one bucket kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BucketConfig {
    /// Tokens a full bucket holds.
    pub capacity: u32,
    /// Tokens added per 60 seconds.
    pub refill_per_minute: u32,
}

/// Rate limiting for the emulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateLimitConfig {
    /// No limiting (benchmarks). Headers still report a full bucket.
    Off,
    /// Buckets per organization (the 9 `/orgs/…` operations) and per project (the 5
    /// `/groups/…` operations).
    On {
        /// Organization scope.
        org: BucketConfig,
        /// Project (group) scope.
        group: BucketConfig,
    },
}

impl Default for RateLimitConfig {
    /// The documented defaults: org 500 / 250 per minute, project 1200 / 500 per minute.
    fn default() -> Self {
        RateLimitConfig::On {
            org: BucketConfig {
                capacity: 500,
                refill_per_minute: 250,
            },
            group: BucketConfig {
                capacity: 1200,
                refill_per_minute: 500,
            },
        }
    }
}

/// A `--rate-limit` value that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid rate limit `{0}`: expected `off` or `ORG_CAP/ORG_REFILL,GROUP_CAP/GROUP_REFILL`")]
pub struct RateLimitParseError(String);

impl FromStr for RateLimitConfig {
    type Err = RateLimitParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || RateLimitParseError(s.to_owned());
        let t = s.trim();
        if t.eq_ignore_ascii_case("off") {
            return Ok(RateLimitConfig::Off);
        }
        let bucket = |part: &str| -> Result<BucketConfig, RateLimitParseError> {
            let (c, r) = part.trim().split_once('/').ok_or_else(err)?;
            let capacity: u32 = c.trim().parse().map_err(|_| err())?;
            let refill_per_minute: u32 = r.trim().parse().map_err(|_| err())?;
            if capacity == 0 {
                return Err(err());
            }
            Ok(BucketConfig {
                capacity,
                refill_per_minute,
            })
        };
        let (o, g) = t.split_once(',').ok_or_else(err)?;
        Ok(RateLimitConfig::On {
            org: bucket(o)?,
            group: bucket(g)?,
        })
    }
}

impl fmt::Display for RateLimitConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RateLimitConfig::Off => f.write_str("off"),
            RateLimitConfig::On { org, group } => write!(
                f,
                "{}/{},{}/{}",
                org.capacity, org.refill_per_minute, group.capacity, group.refill_per_minute
            ),
        }
    }
}

/// Which bucket family a request draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Scope {
    Org,
    Group,
    /// `/orgs/{orgId}/settings`, per org.
    OrgSettings,
    /// The OAuth token endpoint, per client id and address.
    Token,
    /// Failed client authentications at the token endpoint, per client id and address.
    TokenFailure,
}

/// The org settings endpoints' documented limit: 10, refill 5 per 60 s (NOTES (j)).
const ORG_SETTINGS: BucketConfig = BucketConfig {
    capacity: 10,
    refill_per_minute: 5,
};

/// The token endpoint's documented limit: 10 requests per minute per client and address.
pub(crate) const TOKEN_ENDPOINT: BucketConfig = BucketConfig {
    capacity: 10,
    refill_per_minute: 10,
};

/// The outcome of taking (or peeking at) a bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Decision {
    pub(crate) limit: u32,
    pub(crate) remaining: u32,
    /// Set when the request is refused; seconds until one token is back.
    pub(crate) retry_after: Option<u64>,
    pub(crate) refill_per_minute: u32,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

const SHARDS: usize = 16;

/// Buckets one shard keeps (so at most 16 × 4096 = 65,536 in all, a few MB).
pub(crate) const MAX_BUCKETS_PER_SHARD: usize = 4096;

/// All buckets, sharded so projects do not contend.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    config: RateLimitConfig,
    hasher: RandomState,
    shards: Vec<Mutex<HashMap<(Scope, String), Bucket>>>,
}

impl RateLimiter {
    pub(crate) fn new(config: RateLimitConfig) -> Self {
        RateLimiter {
            config,
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    /// The bucket of `scope`; the settings and token limits are the documented ones and
    /// apply whenever limiting is on.
    fn bucket_config(&self, scope: Scope) -> Option<BucketConfig> {
        match self.config {
            RateLimitConfig::Off => None,
            RateLimitConfig::On { org, group } => Some(match scope {
                Scope::Org => org,
                Scope::Group => group,
                Scope::OrgSettings => ORG_SETTINGS,
                Scope::Token | Scope::TokenFailure => TOKEN_ENDPOINT,
            }),
        }
    }

    /// Takes one token (`consume`) or only reports the bucket's level.
    pub(crate) fn check(&self, scope: Scope, id: &str, consume: bool) -> Decision {
        let Some(cfg) = self.bucket_config(scope) else {
            let d = RateLimitConfig::default();
            let nominal = match (d, scope) {
                (_, Scope::OrgSettings) => ORG_SETTINGS,
                (_, Scope::Token | Scope::TokenFailure) => TOKEN_ENDPOINT,
                (RateLimitConfig::On { org, .. }, Scope::Org) => org,
                (RateLimitConfig::On { group, .. }, _) => group,
                (RateLimitConfig::Off, _) => BucketConfig {
                    capacity: 1,
                    refill_per_minute: 1,
                },
            };
            return Decision {
                limit: nominal.capacity,
                remaining: nominal.capacity,
                retry_after: None,
                refill_per_minute: nominal.refill_per_minute,
            };
        };
        let shard_ix = (self.hasher.hash_one((scope, id)) as usize) % SHARDS;
        let Some(shard) = self.shards.get(shard_ix) else {
            return Decision {
                limit: cfg.capacity,
                remaining: cfg.capacity,
                retry_after: None,
                refill_per_minute: cfg.refill_per_minute,
            };
        };
        let mut map = shard
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        let cap = f64::from(cfg.capacity);
        let rate = f64::from(cfg.refill_per_minute) / 60.0;
        // Ids come from request paths: a long one is stored by its hash, so every bucket
        // costs about the same whatever a caller sends.
        let key = if id.len() <= 64 {
            (scope, id.to_owned())
        } else {
            (scope, hex::encode(sha2::Sha256::digest(id.as_bytes())))
        };
        if !consume && !map.contains_key(&key) {
            // A peek at an absent bucket: it is full, and stays absent.
            return Decision {
                limit: cfg.capacity,
                remaining: cfg.capacity,
                retry_after: None,
                refill_per_minute: cfg.refill_per_minute,
            };
        }
        if !map.contains_key(&key) && map.len() >= MAX_BUCKETS_PER_SHARD {
            evict(&mut map, now, &self.config);
        }
        let bucket = map.entry(key).or_insert(Bucket {
            tokens: cap,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(cap);
        bucket.at = now;
        let mut retry_after = None;
        if consume {
            if bucket.tokens >= 1.0 {
                bucket.tokens -= 1.0;
            } else if rate > 0.0 {
                retry_after = Some(((1.0 - bucket.tokens) / rate).ceil().max(1.0) as u64);
            } else {
                retry_after = Some(60);
            }
        }
        Decision {
            limit: cfg.capacity,
            remaining: bucket.tokens.floor().max(0.0) as u32,
            retry_after,
            refill_per_minute: cfg.refill_per_minute,
        }
    }
}

impl RateLimiter {
    /// How many buckets exist now (served as `rateLimitBuckets` by `/__emulator/stats`).
    pub(crate) fn bucket_count(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                s.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .len()
            })
            .sum()
    }
}

/// Makes room in a full shard: drops every bucket that has refilled to capacity (it
/// behaves exactly like an absent one), and if none has, the least recently used quarter.
fn evict(map: &mut HashMap<(Scope, String), Bucket>, now: Instant, config: &RateLimitConfig) {
    let full = |scope: Scope, b: &Bucket| {
        let cfg = match (config, scope) {
            (RateLimitConfig::Off, _) => return true,
            (_, Scope::OrgSettings) => ORG_SETTINGS,
            (_, Scope::Token | Scope::TokenFailure) => TOKEN_ENDPOINT,
            (RateLimitConfig::On { org, .. }, Scope::Org) => *org,
            (RateLimitConfig::On { group, .. }, Scope::Group) => *group,
        };
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens + elapsed * f64::from(cfg.refill_per_minute) / 60.0 >= f64::from(cfg.capacity)
    };
    map.retain(|(scope, _), b| !full(*scope, b));
    if map.len() >= MAX_BUCKETS_PER_SHARD {
        let mut ages: Vec<Instant> = map.values().map(|b| b.at).collect();
        ages.sort_unstable();
        if let Some(cut) = ages.get(MAX_BUCKETS_PER_SHARD / 4).copied() {
            map.retain(|_, b| b.at > cut);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert_eq!(
            "off".parse::<RateLimitConfig>().unwrap(),
            RateLimitConfig::Off
        );
        let c: RateLimitConfig = "5/1,7/2".parse().unwrap();
        assert_eq!(c.to_string(), "5/1,7/2");
        assert!("5,7".parse::<RateLimitConfig>().is_err());
        assert!("0/1,1/1".parse::<RateLimitConfig>().is_err());
    }

    #[test]
    fn empties_and_refuses() {
        let r = RateLimiter::new("2/1,2/1".parse().unwrap());
        assert_eq!(r.check(Scope::Org, "a", true).remaining, 1);
        assert_eq!(r.check(Scope::Org, "a", true).remaining, 0);
        let d = r.check(Scope::Org, "a", true);
        assert!(d.retry_after.unwrap() >= 1);
        assert_eq!(r.check(Scope::Org, "b", true).remaining, 1);
        assert_eq!(r.check(Scope::Group, "a", false).remaining, 2);
    }

    #[test]
    fn peeks_create_nothing_and_the_count_is_bounded() {
        let r = RateLimiter::new(RateLimitConfig::default());
        for i in 0..10_000 {
            r.check(Scope::Org, &format!("junk{i}"), false);
        }
        assert_eq!(r.bucket_count(), 0);
        for i in 0..100_000 {
            r.check(Scope::Group, &format!("g{i}"), true);
        }
        assert!(r.bucket_count() <= SHARDS * MAX_BUCKETS_PER_SHARD);
        // A bucket in use keeps its level.
        let d = r.check(Scope::Group, "g99999", true);
        assert_eq!(d.remaining, 1198);
    }
}
