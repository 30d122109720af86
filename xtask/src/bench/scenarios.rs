//! What a bench run measures: the problem sizes and the get-one-key configurations, by the
//! names under which the runner records them and the report looks them up.
//!
//! It holds data only; it must not run anything.

/// Problem sizes; `--quick` shrinks the ones that cost time, never the listing sizes the
/// memory comparison needs.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sizes {
    /// Timed get-one-key calls per run.
    pub(super) calls: u64,
    /// Calls before the clock starts (they count on the wire).
    pub(super) warmup: u64,
    pub(super) curl_calls: u64,
    pub(super) requests_calls: u64,
    /// Calls of the service-account run that must cost exactly one token.
    pub(super) token_calls: u64,
    pub(super) list_small: u64,
    pub(super) list_large: u64,
    pub(super) latency_ms: u64,
    /// criterion `--warm-up-time` and `--measurement-time`, seconds.
    pub(super) criterion: (&'static str, &'static str),
}

impl Sizes {
    pub(super) fn new(quick: bool) -> Sizes {
        Sizes {
            // 30,000: at ~80,000 calls/s a run of 10,000 lasted ~0.13 s, short enough for one
            // scheduler hiccup on the shared cores to move a 64-in-flight figure by 10 %.
            calls: if quick { 2_000 } else { 30_000 },
            warmup: 200,
            curl_calls: if quick { 50 } else { 200 },
            requests_calls: if quick { 500 } else { 2_000 },
            token_calls: 1_000,
            list_small: 10_000,
            list_large: 100_000,
            latency_ms: 50,
            criterion: if quick { ("0.5", "1") } else { ("1", "3") },
        }
    }
}

/// A get-one-key configuration.
pub(super) struct GetConfig {
    pub(super) name: &'static str,
    pub(super) client: &'static str,
    pub(super) backend: &'static str,
    pub(super) auth: &'static str,
    pub(super) concurrency: usize,
    /// Idle connections per host (`--pool`); `None` is the client's default.
    pub(super) pool: Option<usize>,
}

const fn get(
    name: &'static str,
    client: &'static str,
    backend: &'static str,
    auth: &'static str,
    concurrency: usize,
) -> GetConfig {
    GetConfig {
        name,
        client,
        backend,
        auth,
        concurrency,
        pool: None,
    }
}

/// Every get-one-key run of a repetition, in the order they run.
pub(super) const GET_CONFIGS: &[GetConfig] = &[
    get("floor bearer seq", "floor", "hyper", "bearer", 1),
    get("wire hyper bearer seq", "wire", "hyper", "bearer", 1),
    get("wire reqwest bearer seq", "wire", "reqwest", "bearer", 1),
    get("sdk hyper bearer seq", "sdk", "hyper", "bearer", 1),
    get("sdk reqwest bearer seq", "sdk", "reqwest", "bearer", 1),
    get("sdk hyper digest seq", "sdk", "hyper", "digest", 1),
    get("sdk reqwest digest seq", "sdk", "reqwest", "digest", 1),
    get(
        "sdk hyper service-account seq",
        "sdk",
        "hyper",
        "service-account",
        1,
    ),
    get(
        "transport hyper bearer seq",
        "transport",
        "hyper",
        "bearer",
        1,
    ),
    get("floor bearer 64", "floor", "hyper", "bearer", 64),
    get("wire hyper bearer 64", "wire", "hyper", "bearer", 64),
    get("wire reqwest bearer 64", "wire", "reqwest", "bearer", 64),
    get("sdk hyper bearer 64", "sdk", "hyper", "bearer", 64),
    get("sdk reqwest bearer 64", "sdk", "reqwest", "bearer", 64),
    get("sdk hyper digest 64", "sdk", "hyper", "digest", 64),
    get("sdk reqwest digest 64", "sdk", "reqwest", "digest", 64),
    get(
        "sdk hyper service-account 64",
        "sdk",
        "hyper",
        "service-account",
        64,
    ),
    get(
        "transport hyper bearer 64",
        "transport",
        "hyper",
        "bearer",
        64,
    ),
    // The SDK with `pool_max_idle_per_host(64)` set explicitly: as many idle connections as
    // calls in flight, which is also the backends' default now (it was 32), so this row
    // should read as the default's; a gap between the two is the run's noise.
    GetConfig {
        pool: Some(64),
        ..get("sdk hyper bearer 64, pool 64", "sdk", "hyper", "bearer", 64)
    },
];

/// The digest runs repeated against an emulator with `--strict-nonce-count` (each request on a
/// nonce must carry the previous `nc` plus one, as Apache's `AuthDigestNcCheck On`), beside the
/// same runs against the lenient one: (name against the strict server, lenient twin).
pub(super) const STRICT_DIGEST: &[(&str, &str)] = &[
    ("strict sdk hyper digest seq", "sdk hyper digest seq"),
    ("strict sdk hyper digest 64", "sdk hyper digest 64"),
    ("strict sdk reqwest digest seq", "sdk reqwest digest seq"),
    ("strict sdk reqwest digest 64", "sdk reqwest digest 64"),
];

pub(super) fn list_name(keys: u64, mode: &str, concurrency: Option<usize>) -> String {
    match concurrency {
        Some(n) => format!("list {keys} {mode} c={n}"),
        None => format!("list {keys} {mode}"),
    }
}

/// The SDK/floor targets, each also measured adjacent: per repetition the floor, the SDK, the
/// SDK again and the floor again (ABBA) back to back against the same emulator, so that neither
/// side gains from where it sits in the round-robin. (SDK config, floor config), by name.
pub(super) const PAIRED: &[(&str, &str)] = &[
    ("sdk hyper bearer seq", "floor bearer seq"),
    ("sdk hyper bearer 64", "floor bearer 64"),
    ("sdk reqwest bearer seq", "floor bearer seq"),
    ("sdk reqwest bearer 64", "floor bearer 64"),
];

/// The names under which the adjacent runs of a `PAIRED` entry are recorded: the `(first,
/// second)` run of `config`, paired with `sdk`.
pub(super) fn paired_names(config: &str, sdk: &str) -> (String, String) {
    (
        format!("{config}, adjacent to {sdk}, first"),
        format!("{config}, adjacent to {sdk}, second"),
    )
}
