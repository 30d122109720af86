//! Criterion micro benchmarks of the model: a 500-key page through serde_json both ways, and
//! the validating constructors (ids, descriptions, roles) that guard every request.
//!
//! What it is for: the figures in BENCHMARKS.md's "micro" table, run by `cargo bench -p
//! atlas-keys-model` (and by `cargo xtask bench`). What it must NOT do: assert on timings (a
//! benchmark is not a test) or read fixtures from disk at run time (the page is generated, so
//! its size is exactly 500 keys and the bench builds anywhere).

use std::hint::black_box;

use atlas_keys_model::{
    ApiKey, ApiKeyId, CreateOrgApiKey, Description, Flavour, OrgId, OrgRole, Page, ProjectId,
    ProjectRole,
};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

/// The largest page the API serves (`itemsPerPage` ≤ 500, NOTES (d)).
const PAGE_SIZE: usize = 500;

/// A page shaped like the service's: every key with a redacted private key, one org role and
/// two project roles, and the three link relations of a middle page.
fn page_json(keys: usize) -> String {
    let org = "4888442a3354817a7320eb61";
    let link = |page: usize, rel: &str| {
        format!(
            r#"{{"href":"https://cloud.mongodb.com/api/atlas/v2/orgs/{org}/apiKeys?pageNum={page}&itemsPerPage={keys}","rel":"{rel}"}}"#
        )
    };
    let results: Vec<String> = (0..keys)
        .map(|i| {
            format!(
                r#"{{"desc":"service key number {i} for the deploy pipeline","id":"6579a1b2c3d4e5f6{i:08x}","links":[{{"href":"https://cloud.mongodb.com/api/atlas/v2/orgs/{org}/apiKeys/6579a1b2c3d4e5f6{i:08x}","rel":"self"}}],"privateKey":"********-****-****-{i:012x}","publicKey":"k{i:07x}","roles":[{{"orgId":"{org}","roleName":"ORG_MEMBER"}},{{"groupId":"5e2211c17a3e5a48f5497de3","roleName":"GROUP_READ_ONLY"}},{{"groupId":"5e2211c17a3e5a48f5497de4","roleName":"GROUP_DATA_ACCESS_READ_WRITE"}}]}}"#
            )
        })
        .collect();
    format!(
        r#"{{"links":[{},{},{}],"results":[{}],"totalCount":{}}}"#,
        link(1, "previous"),
        link(2, "self"),
        link(3, "next"),
        results.join(","),
        keys * 20
    )
}

fn page(c: &mut Criterion) {
    let json = page_json(PAGE_SIZE);
    let parsed: Page<ApiKey> = serde_json::from_str(&json).expect("the generated page parses");
    assert_eq!(parsed.results().len(), PAGE_SIZE);

    let mut group = c.benchmark_group("page_500_keys");
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| serde_json::from_str::<Page<ApiKey>>(black_box(&json)).expect("parses"))
    });
    group.bench_function("serialize", |b| {
        b.iter(|| serde_json::to_vec(black_box(&parsed)).expect("serializes"))
    });
    group.finish();
}

fn validate(c: &mut Criterion) {
    let mut group = c.benchmark_group("validate");
    group.bench_function("org_id", |b| {
        b.iter(|| OrgId::new(black_box("4888442a3354817a7320eb61")).expect("valid"))
    });
    group.bench_function("project_id", |b| {
        b.iter(|| ProjectId::new(black_box("5e2211c17a3e5a48f5497de3")).expect("valid"))
    });
    group.bench_function("api_key_id", |b| {
        b.iter(|| ApiKeyId::new(black_box("6579a1b2c3d4e5f601234568")).expect("valid"))
    });
    group.bench_function("id_rejected", |b| {
        b.iter(|| OrgId::new(black_box("4888442a3354817a7320eb6Z")).expect_err("invalid"))
    });
    group.bench_function("description", |b| {
        b.iter(|| {
            Description::new(black_box("deploy bot for the nightly pipeline")).expect("valid")
        })
    });
    group.bench_function("description_rejected_too_long", |b| {
        let long = "x".repeat(300);
        b.iter(|| Description::new(black_box(long.as_str())).expect_err("too long"))
    });
    group.bench_function("org_role", |b| {
        b.iter(|| {
            black_box("ORG_BILLING_READ_ONLY")
                .parse::<OrgRole>()
                .expect("known")
        })
    });
    group.bench_function("project_role", |b| {
        b.iter(|| {
            black_box("GROUP_DATA_ACCESS_READ_WRITE")
                .parse::<ProjectRole>()
                .expect("known")
        })
    });
    group.bench_function("create_org_key_body_for_cloud_manager", |b| {
        b.iter_batched(
            || {
                (
                    Description::new("deploy bot").expect("valid"),
                    vec![
                        OrgRole::from_wire("ORG_MEMBER"),
                        OrgRole::from_wire("ORG_READ_ONLY"),
                    ],
                )
            },
            |(desc, roles)| {
                let body = CreateOrgApiKey::new(desc, roles).expect("valid");
                body.validate_for(Flavour::CloudManager).expect("accepted");
                body
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, page, validate);
criterion_main!(benches);
