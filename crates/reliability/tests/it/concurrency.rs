//! Many concurrent creates through one client: every create gets its own key, and every key is
//! listed afterwards.
//!
//! Size: `ATLAS_KEYS_CONCURRENT_CREATES` (CI 200, soak 1,000), all spawned at once on one
//! `Client` (one connection pool, one digest nonce cache). This file must NOT bound the
//! concurrency itself: the point is the SDK and the emulator under a burst.

use std::collections::HashSet;

use atlas_keys::model::{OrgId, OrgRole};
use atlas_keys_emulator::{Emulator, RateLimitConfig};
use atlas_keys_reliability::clients::{digest_client, list_all_keys};
use atlas_keys_reliability::session::state_summary;
use atlas_keys_reliability::{figure, random_hex, scale};
use tokio::task::JoinSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_through_one_client_give_distinct_keys_that_are_all_listed() {
    let n = scale::size("ATLAS_KEYS_CONCURRENT_CREATES", 200, 1_000);
    let emulator = Emulator::builder()
        .rate_limit(RateLimitConfig::Off)
        .start()
        .await
        .expect("the emulator starts");
    let client = digest_client(
        emulator.base_url(),
        emulator.public_key(),
        emulator.private_key(),
    );
    let org: OrgId = emulator.org_id().parse().expect("a valid org id");
    let initial = state_summary(emulator.local_addr()).await["apiKeys"]
        .as_u64()
        .expect("a count");
    let run = random_hex(4);
    let mut creates = JoinSet::new();
    for i in 0..n {
        let client = client.clone();
        let desc = format!("burst {run} #{i}");
        creates.spawn(async move {
            client
                .org_keys()
                .create(&org)
                .desc(desc)
                .role(OrgRole::Member)
                .send()
                .await
        });
    }
    let mut ids = HashSet::new();
    let mut public_keys = HashSet::new();
    let mut descs = HashSet::new();
    while let Some(result) = creates.join_next().await {
        let key = result
            .expect("no panic")
            .unwrap_or_else(|error| panic!("a concurrent create failed: {error}"));
        assert!(
            key.private_key().is_some(),
            "a create returns the private key"
        );
        assert!(ids.insert(*key.id()), "duplicate id {:?}", key.id());
        assert!(
            public_keys.insert(key.public_key().cloned()),
            "duplicate public key"
        );
        assert!(
            descs.insert(key.desc().map(str::to_owned)),
            "duplicate description"
        );
    }
    assert_eq!(ids.len(), n);
    let listed = list_all_keys(&client, &org).await;
    let listed_ids: HashSet<_> = listed.iter().map(|k| *k.id()).collect();
    assert_eq!(listed_ids.len(), listed.len(), "the list has no duplicates");
    let missing = ids.difference(&listed_ids).count();
    assert_eq!(missing, 0, "{missing} created keys are not listed");
    let summary = state_summary(emulator.local_addr()).await;
    assert_eq!(summary["apiKeys"].as_u64(), Some(initial + n as u64));
    figure(
        "concurrency",
        format!(
            "{n} concurrent creates through one client: {} distinct ids, {} listed afterwards, emulator count {}",
            ids.len(),
            listed.len(),
            summary["apiKeys"]
        ),
    );
    emulator.shutdown().await;
}
