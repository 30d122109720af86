//! A report that exercises every renderer path: each kind of access list and usage, findings
//! of each severity, and hostile descriptions. Test-only; it must NOT be used by the analysis
//! tests as their only input (those build one input per rule).

use atlas_keys_model::{
    AccessListAddress, AccessListEntry, ApiKey, ApiKeyId, OrgId, OrgRole, ProjectId, ProjectRole,
    PublicKey, RoleAssignment,
};

use crate::audit::{AccessListView, AuditInput, AuditReport, audit, parse_timestamp};

pub(crate) const ORG: &str = "4888442a3354817a7320eb61";
pub(crate) const PROJECT: &str = "5e2211c17a3e5a48f5497de3";

pub(crate) fn now() -> i64 {
    parse_timestamp("2026-08-24T00:00:00Z").unwrap()
}

pub(crate) fn org() -> OrgId {
    OrgId::new(ORG).unwrap()
}

/// A key `n` (a hex digit) with public key `public`, org roles and optional project role.
pub(crate) fn key(
    n: char,
    public: &str,
    org_roles: &[OrgRole],
    project: Option<ProjectRole>,
) -> ApiKey {
    let mut roles: Vec<RoleAssignment> = org_roles
        .iter()
        .map(|role| RoleAssignment::Org {
            org_id: org(),
            role: role.clone(),
        })
        .collect();
    if let Some(role) = project {
        roles.push(RoleAssignment::Project {
            project_id: ProjectId::new(PROJECT).unwrap(),
            role,
        });
    }
    ApiKey::new(ApiKeyId::new(n.to_string().repeat(24)).unwrap())
        .with_public_key(PublicKey::new(public).unwrap())
        .with_roles(roles)
}

pub(crate) fn entry(address: &str) -> AccessListEntry {
    AccessListEntry::new(&AccessListAddress::parse(address).unwrap())
        .with_count(0)
        .with_created("2026-01-01T00:00:00Z")
}

pub(crate) fn used(address: &str, when: &str, count: u64) -> AccessListEntry {
    entry(address)
        .with_count(count)
        .with_last_used(when, "203.0.113.9")
}

pub(crate) fn input() -> AuditInput {
    let member = [OrgRole::Member];
    AuditInput::new(org(), now())
        .api_access_list_required(Some(false))
        // Listed out of order on purpose: the report sorts by public key.
        .key(
            key('f', "ffffffff", &member, Some(ProjectRole::ReadOnly)),
            AccessListView::Known(vec![used("198.51.100.0/24", "2026-08-20T10:00:00Z", 12)]),
        )
        .key(
            key('a', "aaaaaaaa", &[OrgRole::Owner], None).with_desc("terraform"),
            AccessListView::Known(Vec::new()),
        )
        .key(
            key('c', "cccccccc", &member, Some(ProjectRole::Owner))
                .with_desc("=HYPERLINK(\"http://x\") \u{1b}[2J"),
            AccessListView::unknown("401 API_KEY_ACCESS_LIST_ACCESS_DENIED"),
        )
        .key(
            key('b', "bbbbbbbb", &member, Some(ProjectRole::ReadOnly)),
            AccessListView::Known(vec![
                used("0.0.0.0/0", "2026-08-23T10:00:00Z", 5),
                entry("2001:db8::/32"),
            ]),
        )
        .key(
            key('d', "dddddddd", &member, None)
                .with_desc("\u{202e}RENWO_GRO orphan\nof a, \"quoted\" project"),
            AccessListView::Known(vec![entry("192.0.2.7")]),
        )
        .key(
            key('e', "eeeeeeee", &member, Some(ProjectRole::ReadOnly)).with_desc("old batch"),
            AccessListView::Known(vec![used("10.0.0.0/8", "2026-01-01T00:00:00Z", 3)]),
        )
}

pub(crate) fn report() -> AuditReport {
    audit(&input())
}

/// One healthy key in an org that requires access lists: no finding at all.
pub(crate) fn clean_report() -> AuditReport {
    audit(
        &AuditInput::new(org(), now())
            .api_access_list_required(Some(true))
            .key(
                key(
                    'f',
                    "ffffffff",
                    &[OrgRole::Member],
                    Some(ProjectRole::ReadOnly),
                ),
                AccessListView::Known(vec![used("198.51.100.0/24", "2026-08-20T10:00:00Z", 12)]),
            ),
    )
}
