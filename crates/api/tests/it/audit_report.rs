//! The audit as an SDK user sees it: only the public `atlas_keys::audit` API, from model
//! values to each rendering. The fetching half (`client.audit(&org)`) is tested where it is
//! wired; this module must NOT reach into the audit's internals.

use atlas_keys::audit::render::{csv, json, sarif, table};
use atlas_keys::audit::{
    AccessListReport, AccessListView, AuditInput, AuditOptions, AuditReport, FailOn, RULES, RuleId,
    Severity, Usage, audit, parse_timestamp,
};
use atlas_keys::model::{
    AccessListAddress, AccessListEntry, ApiKey, ApiKeyId, OrgId, OrgRole, ProjectId, ProjectRole,
    PublicKey, RoleAssignment,
};

const ORG: &str = "4888442a3354817a7320eb61";

fn org() -> OrgId {
    OrgId::new(ORG).unwrap()
}

fn key(n: char, roles: Vec<RoleAssignment>) -> ApiKey {
    ApiKey::new(ApiKeyId::new(n.to_string().repeat(24)).unwrap())
        .with_public_key(PublicKey::new(n.to_string().repeat(8)).unwrap())
        .with_desc(format!("key {n}"))
        .with_roles(roles)
}

fn org_role(role: OrgRole) -> RoleAssignment {
    RoleAssignment::Org {
        org_id: org(),
        role,
    }
}

fn project_role(role: ProjectRole) -> RoleAssignment {
    RoleAssignment::Project {
        project_id: ProjectId::new("5e2211c17a3e5a48f5497de3").unwrap(),
        role,
    }
}

/// Entries as they come off the wire (JSON), to exercise the model's decoding too.
fn entries(json: &str) -> Vec<AccessListEntry> {
    serde_json::from_str(json).unwrap()
}

fn input() -> AuditInput {
    AuditInput::new(org(), parse_timestamp("2026-08-24T00:00:00Z").unwrap())
        .api_access_list_required(Some(false))
        .options(AuditOptions::default().stale_after(std::time::Duration::from_secs(30 * 86_400)))
        .key(
            key(
                'b',
                vec![
                    org_role(OrgRole::Member),
                    project_role(ProjectRole::ReadOnly),
                ],
            ),
            AccessListView::Known(entries(
                r#"[{"cidrBlock":"0.0.0.0/1","count":3,"created":"2026-01-01T00:00:00Z",
                     "lastUsed":"2026-08-01T00:00:00Z","lastUsedAddress":"198.51.100.1"},
                    {"cidrBlock":"128.0.0.0/1","count":0,"created":"2026-01-01T00:00:00Z"}]"#,
            )),
        )
        .key(
            key('a', vec![org_role(OrgRole::Owner)]),
            AccessListView::Known(Vec::new()),
        )
        .key(
            key('c', vec![org_role(OrgRole::Member)]),
            AccessListView::unknown("401 API_KEY_ACCESS_LIST_ACCESS_DENIED"),
        )
        .key(
            key(
                'd',
                vec![org_role(OrgRole::Member), project_role(ProjectRole::Owner)],
            ),
            AccessListView::Known(vec![
                AccessListEntry::new(&AccessListAddress::parse("192.0.2.7").unwrap())
                    .with_count(9)
                    .with_last_used("2026-05-01T00:00:00Z", "192.0.2.7"),
            ]),
        )
}

fn ids(report: &AuditReport, public: &str) -> Vec<RuleId> {
    let key = report
        .keys
        .iter()
        .find(|k| k.public_key() == Some(public))
        .unwrap();
    key.findings().iter().map(|f| f.rule()).collect()
}

#[test]
fn findings_per_key_through_the_public_api() {
    let report = audit(&input());
    assert_eq!(
        ids(&report, "aaaaaaaa"),
        [RuleId::OrgOwner, RuleId::AnyAddress, RuleId::UsageUnknown]
    );
    assert_eq!(ids(&report, "bbbbbbbb"), [RuleId::OpenToInternet]);
    assert_eq!(
        ids(&report, "cccccccc"),
        // Both medium: then by rule id.
        [RuleId::Orphan, RuleId::AccessListUnknown]
    );
    assert_eq!(ids(&report, "dddddddd"), [RuleId::Stale]);
    let org_ids: Vec<RuleId> = report.findings.iter().map(|f| f.rule()).collect();
    assert_eq!(org_ids, [RuleId::OrgAccessListNotRequired]);
    let unknown = &report.keys[2];
    assert!(matches!(
        unknown.access_list(),
        AccessListReport::Unknown { .. }
    ));
    assert!(matches!(unknown.usage(), Usage::Unknown { .. }));
    assert!(unknown.entries().is_empty());
    assert!(report.fails(FailOn::High) && !report.fails(FailOn::Never));
}

#[test]
fn every_rendering_is_deterministic_and_complete() {
    let a = audit(&input());
    let mut reversed = input();
    reversed.keys.reverse();
    let b = audit(&reversed);
    assert_eq!(json::to_json_string(&a), json::to_json_string(&b));
    assert_eq!(csv::to_csv_string(&a), csv::to_csv_string(&b));
    assert_eq!(sarif::to_sarif_string(&a), sarif::to_sarif_string(&b));
    assert_eq!(table::to_table_string(&a), table::to_table_string(&b));

    // The JSON says what the report says: every key in order, every finding with its
    // words and its key's public key.
    let value: serde_json::Value = serde_json::from_str(&json::to_json_string(&a)).unwrap();
    let keys = value["keys"].as_array().unwrap();
    assert_eq!(keys.len(), a.keys.len());
    for (json_key, key) in keys.iter().zip(&a.keys) {
        assert_eq!(json_key["id"], key.id().as_str());
        let findings = json_key["findings"].as_array().unwrap();
        assert_eq!(findings.len(), key.findings().len());
        for (json_finding, finding) in findings.iter().zip(key.findings()) {
            assert_eq!(json_finding["id"], finding.rule().as_str());
            assert_eq!(json_finding["message"], finding.message());
            assert_eq!(json_finding["fix"], finding.fix());
            assert_eq!(json_finding["title"], finding.title());
            assert_eq!(json_finding["keyId"], key.id().as_str());
            assert_eq!(json_finding["publicKey"], key.public_key().unwrap());
            assert_eq!(a.key_of(finding), Some(key));
        }
    }

    let csv_text = csv::to_csv_string(&a);
    assert!(csv_text.starts_with(&csv::CSV_HEADER.join(",")));
    assert_eq!(csv_text.lines().count(), 1 + a.all_findings().len());

    let log: serde_json::Value = serde_json::from_str(&sarif::to_sarif_string(&a)).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), a.all_findings().len());
    assert_eq!(results[0]["level"], "error");
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        RULES.len()
    );

    let mut out = Vec::new();
    table::write_table(&a, &mut out).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), table::to_table_string(&a));
}

#[test]
fn severities_order_and_map_to_sarif_levels() {
    assert!(Severity::High > Severity::Medium && Severity::Medium > Severity::Low);
    assert_eq!(Severity::High.sarif_level(), "error");
    assert_eq!(Severity::Medium.sarif_level(), "warning");
    assert_eq!(Severity::Low.sarif_level(), "note");
    for rule in RULES {
        assert_eq!(rule.rule_id.as_str(), rule.id);
    }
}
