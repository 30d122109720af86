//! `client.audit(&org)…send()` against the emulator: an org seeded to trigger every finding,
//! a caller who may not read other keys' access lists, the key limit, and a key list that
//! ends short of its `totalCount`. Checks the requests too: only GETs, and no 429 with the
//! emulator's real rate limits on.
//!
//! Must NOT assert timings: pacing is checked by counting 429s, not by measuring waits.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use atlas_keys::Client;
use atlas_keys::audit::render::{csv, json, sarif};
use atlas_keys::audit::{AuditReport, FailOn, RuleId, Severity, Usage};
use atlas_keys::model::OrgId;
use atlas_keys::transport::test_util::ScriptedTransport;
use atlas_keys::transport::{RetryPolicy, SecretString};
use atlas_keys_emulator::{
    Emulator, EmulatorHandle, RateLimitConfig, Seed, SeedApiKey, SeedOrg, SeedProject, SeedRole,
};

const ORG: &str = "a0000000000000000000000a";
const PROJECT: &str = "b0000000000000000000000b";

fn org_role(role: &str) -> SeedRole {
    SeedRole {
        org_id: Some(ORG.to_owned()),
        group_id: None,
        role_name: role.to_owned(),
    }
}

fn project_role(role: &str) -> SeedRole {
    SeedRole {
        org_id: None,
        group_id: Some(PROJECT.to_owned()),
        role_name: role.to_owned(),
    }
}

/// A key with an 8-letter public key `pk`, the private key `secret-{pk}`.
fn seed_key(pk: &str, roles: Vec<SeedRole>, access_list: &[&str]) -> SeedApiKey {
    SeedApiKey {
        org_id: Some(ORG.to_owned()),
        desc: Some(format!("key {pk}")),
        public_key: Some(pk.to_owned()),
        private_key: Some(format!("secret-{pk}")),
        roles,
        access_list: access_list.iter().map(|s| (*s).to_owned()).collect(),
        ..SeedApiKey::default()
    }
}

/// One key per finding. `ownerkey` (the caller) and `usedkey` are used from 127.0.0.1.
fn findings_seed() -> Seed {
    let member = || vec![org_role("ORG_MEMBER"), project_role("GROUP_READ_ONLY")];
    Seed {
        orgs: vec![SeedOrg {
            id: ORG.to_owned(),
            name: Some("audit".to_owned()),
        }],
        projects: vec![SeedProject {
            id: PROJECT.to_owned(),
            org_id: ORG.to_owned(),
            name: Some("p".to_owned()),
        }],
        api_keys: vec![
            seed_key("ownerkey", vec![org_role("ORG_OWNER")], &["127.0.0.1"]),
            seed_key("anywhere", member(), &[]),
            seed_key("openvfor", member(), &["0.0.0.0/0"]),
            seed_key("openvsix", member(), &["::/0"]),
            seed_key("halvesxx", member(), &["0.0.0.0/1", "128.0.0.0/1"]),
            seed_key("wideblok", member(), &["10.0.0.0/8"]),
            seed_key("orphanxx", vec![org_role("ORG_MEMBER")], &["192.0.2.1"]),
            seed_key("usedkeyx", member(), &["127.0.0.0/8"]),
            seed_key("memberxx", member(), &["127.0.0.1"]),
        ],
        ..Seed::default()
    }
}

async fn start(seed: Seed, rate_limit: RateLimitConfig) -> EmulatorHandle {
    Emulator::builder()
        .seed(seed)
        .rate_limit(rate_limit)
        .start()
        .await
        .expect("emulator starts")
}

/// A client of `pk`, with the default retries (a 429 would be waited out) and pacing on.
fn client_of(emu: &EmulatorHandle, pk: &str) -> Client {
    Client::builder()
        .base_url(emu.base_url())
        .digest(pk, SecretString::from(format!("secret-{pk}")))
        .retry_policy(RetryPolicy::default().jitter(false))
        .build()
        .unwrap()
}

fn org() -> OrgId {
    ORG.parse().unwrap()
}

fn rules_of(report: &AuditReport, pk: &str) -> Vec<RuleId> {
    let key = report
        .keys
        .iter()
        .find(|k| k.public_key() == Some(pk))
        .unwrap_or_else(|| panic!("{pk} is in the report"));
    key.findings().iter().map(|f| f.rule()).collect()
}

fn gets_only(before: &atlas_keys_emulator::Stats, after: &atlas_keys_emulator::Stats) -> bool {
    after
        .by_method
        .iter()
        .all(|(m, n)| m == "GET" || before.by_method.get(m) == Some(n))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_finding_from_a_seeded_org_with_gets_only_and_no_429() {
    let emu = start(findings_seed(), RateLimitConfig::default()).await;
    // Give `usedkeyx` a `lastUsed`: one call from 127.0.0.1.
    client_of(&emu, "usedkeyx")
        .org_keys()
        .list(&org())
        .send()
        .await
        .unwrap();
    let before = emu.stats();
    let progress = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&progress);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let report = client_of(&emu, "ownerkey")
        .audit(&org())
        .now(now + 10 * 86_400)
        .stale_after(Duration::from_secs(86_400))
        .concurrency(4)
        .progress(move |p| {
            seen.fetch_max(p.access_lists, Ordering::Relaxed);
        })
        .send()
        .await
        .unwrap();
    let after = emu.stats();

    assert_eq!(report.keys.len(), 9);
    assert_eq!(
        progress.load(Ordering::Relaxed),
        9,
        "progress reaches every list"
    );
    assert_eq!(report.api_access_list_required, Some(false));
    assert!(rules_of(&report, "ownerkey").contains(&RuleId::OrgOwner));
    assert!(rules_of(&report, "anywhere").contains(&RuleId::AnyAddress));
    assert!(rules_of(&report, "anywhere").contains(&RuleId::UsageUnknown));
    for pk in ["openvfor", "openvsix", "halvesxx"] {
        assert!(
            rules_of(&report, pk).contains(&RuleId::OpenToInternet),
            "{pk}"
        );
    }
    assert!(rules_of(&report, "wideblok").contains(&RuleId::WideBlock));
    assert!(rules_of(&report, "orphanxx").contains(&RuleId::Orphan));
    assert!(rules_of(&report, "orphanxx").contains(&RuleId::NeverUsed));
    assert!(!rules_of(&report, "memberxx").contains(&RuleId::Orphan));
    assert!(rules_of(&report, "usedkeyx").contains(&RuleId::Stale));
    let used = report
        .keys
        .iter()
        .find(|k| k.public_key() == Some("usedkeyx"));
    assert!(matches!(used.unwrap().usage(), Usage::Used { .. }));
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule() == RuleId::OrgAccessListNotRequired),
        "{:?}",
        report.findings
    );
    assert!(report.fails(FailOn::High));
    assert_eq!(report.max_severity(), Some(Severity::High));

    assert!(
        gets_only(&before, &after),
        "{:?} -> {:?}",
        before.by_method,
        after.by_method
    );
    assert!(after.by_method["GET"] > before.by_method["GET"]);
    assert_eq!(
        after.rate_limited, 0,
        "the pacer keeps the audit under the limits"
    );

    // Every rendering of the fetched report: JSON has every key, SARIF is 2.1.0, CSV has a
    // row per finding.
    let text = json::to_json_string(&report);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["keys"].as_array().unwrap().len(), report.keys.len());
    let log: serde_json::Value = serde_json::from_str(&sarif::to_sarif_string(&report)).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), report.all_findings().len());
    let rows = csv::to_csv_string(&report).lines().count();
    assert!(rows > report.all_findings().len() / 2, "{rows} csv rows");
}

/// An org member may list the keys, and read only its own access list: the others are
/// unknown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_who_is_not_org_owner_sees_unknown_access_lists() {
    let emu = start(findings_seed(), RateLimitConfig::Off).await;
    let report = client_of(&emu, "memberxx")
        .audit(&org())
        .send()
        .await
        .unwrap();
    for key in &report.keys {
        let pk = key.public_key().unwrap();
        let unknown = rules_of(&report, pk).contains(&RuleId::AccessListUnknown);
        assert_eq!(unknown, pk != "memberxx", "{pk}");
    }
}

/// An org reader that is not the owner: ORG_READ_ONLY may list keys, but not read other
/// keys' access lists (401 API_KEY_ACCESS_LIST_ACCESS_DENIED): unknown, never empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_lists_the_caller_may_not_read_are_unknown() {
    let mut seed = findings_seed();
    seed.api_keys.push(seed_key(
        "readerxx",
        vec![org_role("ORG_READ_ONLY")],
        &["127.0.0.1"],
    ));
    let emu = start(seed, RateLimitConfig::Off).await;
    let report = client_of(&emu, "readerxx")
        .audit(&org())
        .send()
        .await
        .unwrap();
    assert_eq!(report.keys.len(), 10);
    for key in &report.keys {
        let pk = key.public_key().unwrap();
        let unknown = rules_of(&report, pk).contains(&RuleId::AccessListUnknown);
        assert_eq!(unknown, pk != "readerxx", "{pk}");
        if unknown {
            assert!(!rules_of(&report, pk).contains(&RuleId::AnyAddress), "{pk}");
        }
    }
    assert!(report.summary.access_lists_unknown == 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn near_and_at_the_key_limit() {
    for (n, rule) in [(450, RuleId::KeyLimitNear), (500, RuleId::KeyLimitReached)] {
        let mut seed = findings_seed();
        seed.api_keys.truncate(1);
        for i in 1..n {
            let pk: String = format!("{i:08}")
                .chars()
                .map(|c| char::from(b'a' + c.to_digit(10).unwrap() as u8))
                .collect();
            seed.api_keys.push(seed_key(
                &pk,
                vec![org_role("ORG_READ_ONLY")],
                &["192.0.2.7"],
            ));
        }
        let emu = start(seed, RateLimitConfig::Off).await;
        let client = Client::builder()
            .base_url(emu.base_url())
            .digest("ownerkey", SecretString::from("secret-ownerkey"))
            .pacing(false)
            .build()
            .unwrap();
        let report = client.audit(&org()).send().await.unwrap();
        assert_eq!(report.keys.len(), n);
        assert!(report.findings.iter().any(|f| f.rule() == rule), "{n}");
        emu.shutdown().await;
    }
}

/// A key list whose pages hold fewer keys than its `totalCount` is an error, never a
/// partial report.
#[tokio::test]
async fn a_key_list_short_of_its_total_count_fails_the_audit() {
    let wire = ScriptedTransport::new();
    wire.push_json(200, r#"{"apiAccessListRequired":true}"#);
    wire.push_json(
        200,
        r#"{"results":[{"id":"5d1113b25a115342acc2d1aa","publicKey":"zmmrboas","roles":[]}],"totalCount":2,"links":[]}"#,
    );
    // Keys are audited while the listing goes on, so the listed key's access list is read
    // before the listing is found short: the audit still fails as a whole.
    wire.push_json(200, r#"{"results":[],"totalCount":0,"links":[]}"#);
    let client = Client::builder()
        .transport(Arc::new(wire.clone()))
        .build()
        .unwrap();
    let err = client.audit(&org()).send().await.unwrap_err();
    assert!(
        err.to_string().contains("totalCount 2, 1 keys read"),
        "{err}"
    );
    assert!(
        wire.requests()
            .iter()
            .all(|r| r.method() == http::Method::GET)
    );
}
