//! The SDK against the emulator's strict digest server (`strict_nonce_count`: each request on a
//! nonce must carry exactly the previous `nc` plus one, as Apache's `AuthDigestNcCheck On`) and
//! against nonces that expire (`nonce_ttl`): every call completes, on every backend, and the
//! challenges stay within the nonce lanes in use plus re-challenges, where a client sharing one
//! nonce across concurrent requests used to be refused (issue #14).

use std::time::Duration;

use atlas_keys::Client;
use atlas_keys_emulator::{Emulator, EmulatorHandle, RateLimitConfig};
use futures::{StreamExt, TryStreamExt};

use crate::common;

/// Keys in the project: 15 pages of 100, the list `--all` shape of the issue.
const KEYS: u64 = 1_500;
/// DigestAuth's default bound on nonce lanes per origin.
const LANES: u64 = 64;

async fn strict(ttl: Option<Duration>) -> EmulatorHandle {
    let mut builder = Emulator::builder()
        .rate_limit(RateLimitConfig::Off)
        .strict_nonce_count(true)
        .bulk_project_keys(KEYS);
    if let Some(ttl) = ttl {
        builder = builder.nonce_ttl(ttl);
    }
    builder.start().await.expect("emulator starts")
}

fn client(emu: &EmulatorHandle, backend: atlas_keys::Backend) -> Client {
    common::builder(emu, atlas_keys::model::Flavour::AtlasV2)
        .backend(backend)
        .pacing(false)
        .build()
        .expect("client builds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_all_and_a_burst_of_1000_complete_against_strict_nonce_counting() {
    for backend in common::backends() {
        let emu = strict(None).await;
        let client = client(&emu, backend);
        let project = common::project(&emu);

        // 15 pages at the default page concurrency.
        let keys: Vec<_> = client
            .project_keys()
            .list(&project)
            .items_per_page(100)
            .items()
            .try_collect()
            .await
            .expect("list --all completes against a strict server");
        assert!(
            keys.len() as u64 >= KEYS,
            "{backend:?}: {} keys",
            keys.len()
        );
        let after_list = emu.stats();

        // 1,000 GETs, 64 in flight.
        let org = common::org(&emu);
        let key = keys[0].id().to_owned();
        let errors = futures::stream::iter(0..1_000)
            .map(|_| {
                let client = client.clone();
                async move { client.org_keys().get(&org, &key).send().await }
            })
            .buffer_unordered(64)
            .filter(|r| std::future::ready(r.is_err()))
            .count()
            .await;
        let stats = emu.stats();
        println!(
            "{backend:?}: list {} requests / {} challenges; burst {} requests / {} challenges",
            after_list.requests,
            after_list.challenges,
            stats.requests - after_list.requests,
            stats.challenges - after_list.challenges
        );
        assert_eq!(errors, 0, "{backend:?}: every GET of the burst succeeds");
        // One challenge per lane the concurrency needs, plus a handful.
        assert!(
            stats.challenges <= LANES + 8,
            "{backend:?}: {} challenges",
            stats.challenges
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nonces_that_expire_mid_run_cost_a_re_challenge_not_an_error() {
    let emu = strict(Some(Duration::from_secs(1))).await;
    let client = client(&emu, common::backends()[0]);
    let org = common::org(&emu);
    let key = client
        .org_keys()
        .list(&org)
        .send()
        .await
        .expect("list")
        .results()[0]
        .id()
        .to_owned();
    // Rounds of 16 in flight until the nonces have expired at least three times; bounded by a
    // count of rounds, not by time.
    let mut rounds = 0;
    while emu.stats().challenges < 16 * 4 && rounds < 2_000 {
        rounds += 1;
        let results: Vec<_> = futures::stream::iter(0..16)
            .map(|_| {
                let client = client.clone();
                async move { client.org_keys().get(&org, &key).send().await }
            })
            .buffer_unordered(16)
            .collect()
            .await;
        for result in results {
            result.expect("a call over an expired nonce is re-challenged, not failed");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stats = emu.stats();
    println!(
        "1 s nonces: {rounds} rounds, {} requests, {} challenges",
        stats.requests, stats.challenges
    );
    assert!(stats.challenges >= 16 * 4, "the nonces expired mid-run");
}
