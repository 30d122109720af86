//! A stateful local server of the MongoDB Programmatic API Keys API, with real HTTP
//! Digest and OAuth service-account auth, for tests and benchmarks.
//!
//! It serves all 14 operations under `/api/atlas/v2` (dated media types),
//! `/api/atlas/v1.0` and `/api/public/v1.0` (Cloud/Ops Manager semantics), with roles,
//! access lists, envelopes, pagination, token-bucket rate limits, fault injection,
//! latency and an optional durable state file. What it must NOT do: depend on the
//! client crates (`atlas-keys`, `atlas-keys-transport`), log secrets, or answer 500 to a
//! client's mistake.
//!
//! # Starting one in a test
//!
//! ```no_run
//! # async fn demo() -> Result<(), atlas_keys_emulator::StartError> {
//! use atlas_keys_emulator::{Emulator, RateLimitConfig};
//!
//! let emu = Emulator::builder().rate_limit(RateLimitConfig::Off).start().await?;
//! println!("{} as {}", emu.base_url(), emu.public_key());
//! // Digest user emu.public_key(), password emu.private_key(); or OAuth with
//! // emu.client_id() / emu.client_secret() at {base_url}/api/oauth/token.
//! emu.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! The binary (`atlas-keys-emulator --help`) prints one JSON line on stdout once
//! listening: `{"baseUrl", "orgId", "projectId", "publicKey", "privateKey", "clientId",
//! "clientSecret"}`, then logs to stderr only.
//!
//! # Seed file
//!
//! JSON; every field is optional. Ids are 24 lowercase hex characters; roles use the
//! API's `{orgId|groupId, roleName}` shape. The first org is the default org, its first
//! project the default project; the first `ORG_OWNER` key and service account of the
//! default org are the ones the startup line reports. Whatever is missing (org, project,
//! owner key, owner service account, a key's id/publicKey/privateKey) is created at
//! random. `crates/emulator/seed.example.json` is a complete example. `bulkProjectKeys` adds N keys (`ORG_MEMBER` + `GROUP_READ_ONLY`) to the
//! default project. With `--state`, the seed only initialises a new or empty state file.
//!
//! ```
//! use atlas_keys_emulator::Seed;
//!
//! let seed = Seed::from_json(r#"{
//!   "orgs": [{"id": "5f1a2b3c4d5e6f7a8b9c0d1e", "name": "Acme"}],
//!   "projects": [{"id": "6a1b2c3d4e5f6a7b8c9d0e1f", "orgId": "5f1a2b3c4d5e6f7a8b9c0d1e"}],
//!   "apiKeys": [{
//!     "id": "7b1c2d3e4f5a6b7c8d9e0f1a",
//!     "desc": "ci owner",
//!     "publicKey": "abcdefgh",
//!     "privateKey": "0d8a5b5c-8a4e-4c1f-9d7e-2b6f3a1c9e4d",
//!     "roles": [
//!       {"orgId": "5f1a2b3c4d5e6f7a8b9c0d1e", "roleName": "ORG_OWNER"},
//!       {"groupId": "6a1b2c3d4e5f6a7b8c9d0e1f", "roleName": "GROUP_OWNER"}
//!     ],
//!     "accessList": ["127.0.0.1", "10.0.0.0/8"]
//!   }],
//!   "serviceAccounts": [{
//!     "clientId": "mdb_sa_id_ci", "clientSecret": "mdb_sa_sk_ci",
//!     "roles": [{"orgId": "5f1a2b3c4d5e6f7a8b9c0d1e", "roleName": "ORG_OWNER"}]
//!   }],
//!   "bulkProjectKeys": 0
//! }"#)?;
//! assert_eq!(seed.api_keys[0].public_key.as_deref(), Some("abcdefgh"));
//! # Ok::<(), atlas_keys_emulator::SeedError>(())
//! ```
//!
//! # Fault syntax (`--faults SPEC`)
//!
//! Comma-separated `KIND=PROBABILITY`, KIND one of `500`, `503`, `429` (with
//! `Retry-After`), `reset-before` (connection closed, nothing processed) and
//! `reset-after` (processed, state changed, then connection closed without an answer).
//! Probabilities add up to at most 1; `seed=N` makes the draws reproducible and
//! `retry-after=SECS` sets the 429's header (default 1). Faults never touch
//! `/__emulator/*`.
//!
//! ```
//! use atlas_keys_emulator::{Fault, FaultSpec};
//!
//! let spec: FaultSpec = "500=0.1,503=0.1,429=0.1,reset-before=0.05,reset-after=0.05,seed=7".parse()?;
//! assert_eq!(spec.probability(Fault::Status503), 0.1);
//! assert!("500=0.7,503=0.7".parse::<FaultSpec>().is_err());
//! # Ok::<(), atlas_keys_emulator::FaultSpecError>(())
//! ```
//!
//! # Rate limits (`--rate-limit`)
//!
//! `off`, or `ORG_CAP/ORG_REFILL_PER_MIN,GROUP_CAP/GROUP_REFILL_PER_MIN` (default
//! `500/250,1200/500`), one bucket per org id / project id in the path. While limiting is
//! on, the org settings endpoints have their own bucket per org (10, refill 5 per minute)
//! and the token endpoint allows 10 requests per minute per client id and address (429
//! `{"error":"rate_limited",…,"errorCode":"RATE_LIMITED","parameters":["/api/oauth/token",10,1]}`),
//! as NOTES (j) documents. `--no-rate-limit-headers` leaves `RateLimit-Limit` /
//! `RateLimit-Remaining` out, as the service may. A service account holds at most
//! `--max-live-tokens` (100) live tokens; the next gets 403 `access_denied`.
//!
//! # Digest (`--digest-algorithms`, `--nonce-ttl`, `--strict-nonce-count`)
//!
//! Challenges offer MD5 only, as the service does; `--digest-algorithms md5,sha-256`
//! offers (and accepts) SHA-256 too. Nonces expire after `--nonce-ttl` seconds (300; Ops
//! Manager uses 60): a right answer on an older nonce gets 401 with `stale=true`.
//! `--strict-nonce-count` behaves like Apache's `AuthDigestNcCheck On`: each request on a
//! nonce must carry exactly the previous `nc` plus one, else it gets a new challenge.
//!
//! # The state file (`--state`)
//!
//! A checksummed log (format `atlas-keys-emulator-state/2`), locked for one emulator at a
//! time (`<file>.lock`), created 0600 and never opened through a symlink. Every write is
//! fsynced before it is answered and becomes visible only then; a write that cannot reach
//! the disk answers 500 and changes nothing. On start a damaged record is a refusal to start
//! naming the line (the file is left as it was); only a torn final line (an append cut off
//! by a crash, never acknowledged) is dropped, with a warning. Files of format `/1` are read
//! and rewritten as `/2`.
//!
//! # Limits
//!
//! `--max-connections` (1024) connections are served at once; further clients wait in the
//! listen backlog. Rate-limit buckets are created only after authentication and capped;
//! failed client authentications at the token endpoint are throttled per client id and
//! address (10 per minute) when rate limiting is on.
//!
//! # Test endpoints (no auth, no faults, no latency)
//!
//! - `GET /__emulator/stats`: `requests`, `challenges`, `authorized`, `tokensIssued`,
//!   `faultsInjected`, `rateLimited`, `resets`, `rateLimitBuckets` (held now),
//!   `openConnections`, `peakConnections`, `byStatus`, `byMethod`.
//! - `GET /__emulator/state/summary`: counts of orgs, projects, keys (per org and per
//!   project), service accounts, tokens and access-list entries.
//!
//! # Behaviour choices where the references are silent
//!
//! - Keys, projects and roles are shared by all three prefixes; links point at the
//!   prefix that was called.
//! - Key lists are sorted by `publicKey`, ascending, as the service sorts them. Paging is
//!   by offset over the list as it is at each request: a key added before a client's
//!   position repeats the previous page's last key, a key removed before it skips one.
//! - Access lists are enforced after authentication. A request admitted by an entry
//!   counts on the narrowest entry containing the caller (`count`, `lastUsed`,
//!   `lastUsedAddress`, durable with `--state`). With the org setting
//!   `apiAccessListRequired` on (`PATCH /orgs/{orgId}/settings`, Atlas prefixes only), a
//!   key with an empty list is refused. Only an organization owner or the key itself may
//!   read a key's access list.
//! - `GET /api/private/ipinfo` (authenticated) answers `{"currentIpv4Address": peer}`.
//! - JSON answers carry `Content-Type: <media type>;charset=utf-8`, a body-less answer
//!   the bare media type, and every error `X-Error-Code: <errorCode>`.
//! - `PATCH /groups/{groupId}/apiKeys/{apiUserId}` assigns the key when it was not yet in
//!   the project (the Cloud/Ops Manager assign; Atlas treats it the same way here).
//! - Repeated roles in one body collapse into one. Repeated addresses in one access-list
//!   request (`/32` equals the bare address) are a 400 `DUPLICATE_ADDRESSES_IN_INPUT`, and
//!   a CIDR block with host bits set (`10.0.0.1/8`) a 400
//!   `INVALID_IP_ADDRESS_OR_CIDR_NOTATION`, as the service's error reference suggests,
//!   although the spec's schema (no `uniqueItems`, a loose pattern) would allow both.
//! - Query parameters other than `envelope`, `pretty`, `pageNum`, `itemsPerPage` and
//!   `includeCount` are refused (the spec allows no others).
//! - Any organization role makes a member; `ORG_READ_ONLY` may also list every project's
//!   keys; on Cloud/Ops Manager `GROUP_USER_ADMIN` counts as project owner.
//! - Access lists apply to API keys; service-account access lists (and so key-bound
//!   tokens' usage counts) are not emulated.
//! - Digest needs `qop=auth` (RFC 2069 answers without `nc` could be replayed).
//!
//! # Error codes
//!
//! | case | status | `errorCode` |
//! |---|---|---|
//! | syntax error in JSON, or nested deeper than 128 | 400 | `MALFORMED_JSON` |
//! | empty body, or not an object / array as required | 400 | `INVALID_JSON` |
//! | unknown field | 400 | `INVALID_ATTRIBUTE` |
//! | field of the wrong type | 400 | `INVALID_JSON_ATTRIBUTE` |
//! | required field missing | 400 | `MISSING_ATTRIBUTE` / `MISSING_ONE_OF_ATTRIBUTES` |
//! | empty roles | 400 | `MISSING_API_KEY_ROLES` |
//! | description not 1–250 characters | 400 | `INVALID_API_KEY_DESC` |
//! | role not valid for the scope / flavour | 400 | `INVALID_ROLE_FOR_ORG` / `INVALID_ROLE_FOR_GROUP` |
//! | bad or undeclared query parameter | 400 | `INVALID_QUERY_PARAMETER` |
//! | bad IP / CIDR, or a CIDR with host bits set | 400 | `INVALID_IP_ADDRESS_OR_CIDR_NOTATION` |
//! | same address twice in one request | 400 | `DUPLICATE_ADDRESSES_IN_INPUT` |
//! | removing an entry that admits the caller | 400 | `CANNOT_REMOVE_CALLER_FROM_ACCESS_LIST` |
//! | unknown key id | 400 | `API_KEY_NOT_FOUND` ("No API key with ID … exists.") |
//! | malformed path id | 400 | `PATH_PARAM_PARSE_ERROR` (detail and parameters name the path) |
//! | no / bad credentials, replayed nc, wrong uri, forged nonce | 401 | `USER_UNAUTHORIZED` (+ challenge) |
//! | other org / not owner / not in project | 401 | `USER_CANNOT_ACCESS_ORG`, `NOT_ORG_OWNER`, `USER_CANNOT_ACCESS_GROUP`, `NOT_IN_GROUP`, `USER_UNAUTHORIZED` |
//! | reading another key's access list, not an org owner | 401 | `API_KEY_ACCESS_LIST_ACCESS_DENIED` |
//! | caller address not on its access list | 403 | `IP_ADDRESS_NOT_ON_ACCESS_LIST` |
//! | empty access list, org requires one | 403 | `ORG_REQUIRES_ACCESS_LIST` |
//! | unknown org / project / path; key not in the project | 404 | `ORG_NOT_FOUND` / `GROUP_NOT_FOUND` / `RESOURCE_NOT_FOUND` / `API_KEY_NOT_FOUND` |
//! | access-list entry not found | 404 | `API_KEY_ACCESS_LIST_ENTRY_NOT_FOUND` |
//! | method not served | 405 | `METHOD_NOT_ALLOWED` |
//! | missing / malformed / too early Accept version (v2) | 406 | `INVALID_VERSION_DATE` |
//! | address already listed | 409 | `ADDRESS_ALREADY_IN_ACCESS_LIST` |
//! | body over the cap (64 KiB) | 413 | `REQUEST_TOO_LARGE` |
//! | body announced but not sent within 30 s (`body_read_timeout`) | 408 | `REQUEST_TIMEOUT` |
//! | unsupported Content-Type | 415 | `UNSUPPORTED_MEDIA_TYPE` |
//! | empty token bucket | 429 | `RATE_LIMITED_TOKEN_BUCKET` (+ `Retry-After`) |
#![deny(missing_docs)]

mod app;
pub mod auth;
mod builder;
pub mod cli;
mod clock;
mod envelope;
mod errors;
mod faults;
pub mod flavour_prefix;
mod handle;
mod http_util;
mod ids;
mod log_safe;
mod query;
mod rate_limit;
mod routes;
mod seed;
mod server;
mod state;
mod stats;
mod summary;
mod tls;
mod version_negotiation;

pub use auth::digest::DigestAlgorithm;
pub use builder::{Emulator, EmulatorBuilder, StartError};
pub use faults::{Fault, FaultSpec, FaultSpecError};
pub use handle::EmulatorHandle;
pub use rate_limit::{BucketConfig, RateLimitConfig, RateLimitParseError};
pub use seed::{Seed, SeedApiKey, SeedError, SeedOrg, SeedProject, SeedRole, SeedServiceAccount};
pub use stats::Stats;
pub use tls::TlsError;
