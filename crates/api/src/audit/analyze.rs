//! [`audit`]: the rules applied to an [`AuditInput`], giving an [`AuditReport`].
//!
//! Pure and deterministic: no clock, no I/O, no hash-map iteration order in the output. Built
//! in two steps so that the client can audit each key as its access list arrives and drop
//! what it read (issue #17): [`audit_key`] turns one key and its list into its compact
//! [`KeyReport`], [`assemble`] sorts the keys and adds the organization findings and counts.
//! This module must NOT report a missing signal as a negative one: no entries means "usage
//! unknown", an unreadable list means "access list unknown", an unreadable setting means
//! "setting unknown".

use atlas_keys_model::{AccessListAddress, AccessListEntry, ApiKey, OrgId, OrgRole};

use super::coverage::{IPV4, IPV6, IPV6_GLOBAL_UNICAST, coverage};
use super::input::{AccessListView, AuditInput, AuditOptions};
use super::report::{
    AuditReport, Detail, EntryMeta, Finding, HAS_COUNT, HAS_CREATED, HAS_LAST_USED,
    HAS_LAST_USED_ADDRESS, KeyReport, ProjectRoles, REPORT_SCHEMA_VERSION, Severity, State,
    Summary, Usage, UsageUnknown,
};
use super::rules::RuleId;
use super::timestamp::{format_timestamp, parse_timestamp};

/// Audits one organization. See the [module documentation](super) for an example.
pub fn audit(input: &AuditInput) -> AuditReport {
    let scope = Scope {
        org_id: input.org_id,
        now: input.now,
        api_access_list_required: input.api_access_list_required,
        options: input.options.clone(),
    };
    let keys = input
        .keys
        .iter()
        .map(|(key, list)| audit_key(&scope, key, list))
        .collect();
    assemble(&scope, keys)
}

/// What every key's audit shares: the org, the time, the org setting and the thresholds.
#[derive(Clone, Debug)]
pub(crate) struct Scope {
    pub(crate) org_id: OrgId,
    pub(crate) now: i64,
    pub(crate) api_access_list_required: Option<bool>,
    pub(crate) options: AuditOptions,
}

/// The report from every key's report, in any order: keys sorted by public key (keys without
/// one last) then id, each finding told its key's place, the organization findings and the
/// counts.
pub(crate) fn assemble(scope: &Scope, mut keys: Vec<KeyReport>) -> AuditReport {
    // Unstable (in place): a stable sort would allocate a scratch copy of every report, the
    // largest allocation of the audit. Keys with the same public key and id are the same
    // key (the client rejects a listing that repeats one), so the order is still total.
    keys.sort_unstable_by(|a, b| {
        let ka = (a.public_key().is_none(), a.public_key(), a.id.as_str());
        let kb = (b.public_key().is_none(), b.public_key(), b.id.as_str());
        ka.cmp(&kb)
    });
    for (i, key) in keys.iter_mut().enumerate() {
        let index = u32::try_from(i).unwrap_or(u32::MAX);
        for finding in &mut key.findings {
            finding.key_index = index;
        }
    }

    let mut findings = org_findings(scope, keys.len() as u64);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

    let mut summary = Summary {
        keys: keys.len() as u64,
        ..Summary::default()
    };
    for key in &keys {
        summary.keys_with_findings += u64::from(!key.findings.is_empty());
        summary.access_lists_unknown += u64::from(key.state == State::ListUnknown);
    }
    for finding in findings.iter().chain(keys.iter().flat_map(|k| &k.findings)) {
        match finding.severity() {
            Severity::High => summary.high += 1,
            Severity::Medium => summary.medium += 1,
            Severity::Low => summary.low += 1,
        }
    }

    AuditReport {
        schema_version: REPORT_SCHEMA_VERSION,
        org_id: scope.org_id,
        generated_at: format_timestamp(scope.now),
        api_access_list_required: scope.api_access_list_required,
        stale_after_seconds: scope.options.stale_after.as_secs(),
        summary,
        findings,
        keys,
    }
}

fn org_findings(scope: &Scope, count: u64) -> Vec<Finding> {
    let opts = &scope.options;
    let mut out = Vec::new();
    let org_finding = |rule: RuleId, detail: Detail| Finding {
        rule,
        org_id: scope.org_id,
        key_id: None,
        key_has_public_key: false,
        key_index: 0,
        entry: None,
        detail,
    };
    let key_count = Detail::KeyCount {
        count,
        limit: opts.key_limit,
    };
    if count >= u64::from(opts.key_limit) {
        out.push(org_finding(RuleId::KeyLimitReached, key_count));
    } else if count >= u64::from(opts.near_limit) {
        out.push(org_finding(RuleId::KeyLimitNear, key_count));
    }
    match scope.api_access_list_required {
        Some(true) => {}
        Some(false) => out.push(org_finding(RuleId::OrgAccessListNotRequired, Detail::None)),
        None => out.push(org_finding(RuleId::OrgSettingUnknown, Detail::None)),
    }
    out
}

/// One key's report: its roles, its access list, its usage and its findings. Keeps nothing
/// of `key` or `list` but what the report shows (no links, no private key).
pub(crate) fn audit_key(scope: &Scope, key: &ApiKey, list: &AccessListView) -> KeyReport {
    let opts = &scope.options;
    let mut org_roles: Vec<OrgRole> = key.org_roles().into_iter().cloned().collect();
    org_roles.sort();
    org_roles.dedup();
    let mut projects: Vec<ProjectRoles> = key
        .project_ids()
        .into_iter()
        .map(|p| {
            let mut roles: Vec<_> = key.project_roles(p).into_iter().cloned().collect();
            roles.sort();
            roles.dedup();
            // Exact: the report keeps it.
            roles.shrink_to_fit();
            ProjectRoles {
                project_id: *p,
                roles,
            }
        })
        .collect();
    projects.sort_by(|a, b| a.project_id.as_str().cmp(b.project_id.as_str()));

    let mut findings = Vec::new();
    let mut find = |rule: RuleId, detail: Detail, entry: Option<String>| {
        findings.push(Finding {
            rule,
            org_id: scope.org_id,
            key_id: Some(*key.id()),
            key_has_public_key: key.public_key().is_some(),
            key_index: 0,
            entry: entry.map(String::into_boxed_str),
            detail,
        });
    };

    if org_roles.contains(&OrgRole::Owner) {
        find(RuleId::OrgOwner, Detail::None, None);
    }
    if projects.is_empty() && org_roles.len() == 1 && org_roles[0] == OrgRole::Member {
        find(RuleId::Orphan, Detail::None, None);
    }

    // The key's texts, in one allocation: public key, description, the entries' texts,
    // then the unknown reason or the last use's address (see `KeyReport`).
    let public_key = key.public_key().map(|p| p.as_str());
    let description = key.desc();
    let mut text = String::new();
    text.push_str(public_key.unwrap_or(""));
    let public_key_end = offset(&text);
    text.push_str(description.unwrap_or(""));
    let description_end = offset(&text);
    let mut metas: Vec<EntryMeta> = Vec::new();
    let mut last = 0;
    let state = match list {
        AccessListView::Unknown { reason } => {
            find(
                RuleId::AccessListUnknown,
                Detail::Text(reason.as_str().into()),
                None,
            );
            text.push_str(reason);
            State::ListUnknown
        }
        AccessListView::Known(entries) if entries.is_empty() => {
            match scope.api_access_list_required {
                Some(true) => {}
                Some(false) => find(RuleId::AnyAddress, Detail::None, None),
                None => find(RuleId::AnyAddressSettingUnknown, Detail::None, None),
            }
            find(RuleId::UsageUnknown, Detail::None, None);
            State::UsageUnknown(UsageUnknown::NoEntries)
        }
        AccessListView::Known(entries) => {
            let parsed: Vec<AccessListAddress> = entries
                .iter()
                .filter_map(AccessListEntry::address)
                .collect();
            address_findings(opts, &parsed, &mut find);
            let usage = usage_of(entries);
            let state = match &usage {
                Usage::NeverUsed => {
                    find(
                        RuleId::NeverUsed,
                        Detail::Entries(entries.len() as u64),
                        None,
                    );
                    State::NeverUsed
                }
                Usage::Used {
                    last: at,
                    last_used_address,
                    ..
                } => {
                    let stale = i128::from(opts.stale_after.as_secs());
                    let age = i128::from(scope.now) - i128::from(*at);
                    if age > stale {
                        let days = |d: i128| i64::try_from(d / 86_400).unwrap_or(i64::MAX);
                        find(
                            RuleId::Stale,
                            Detail::Stale {
                                last: *at,
                                age_days: days(age),
                                threshold_days: days(stale),
                            },
                            None,
                        );
                    }
                    last = *at;
                    State::Used {
                        has_address: last_used_address.is_some(),
                    }
                }
                Usage::Unknown { reason } => State::UsageUnknown(*reason),
            };
            let mut sorted: Vec<(String, &AccessListEntry)> =
                entries.iter().map(|e| (entry_address(e), e)).collect();
            sorted.sort_by(|a, b| entry_order(a).cmp(&entry_order(b)));
            // Exactly as many as the list: `with_capacity`, not `push` growth.
            metas.reserve_exact(sorted.len());
            for (address, entry) in &sorted {
                metas.push(append_entry(&mut text, address, entry));
            }
            if let Usage::Used {
                last_used_address: Some(from),
                ..
            } = &usage
            {
                text.push_str(from);
            }
            state
        }
    };

    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    KeyReport {
        id: *key.id(),
        text: text.into_boxed_str(),
        entries: metas.into_boxed_slice(),
        org_roles: org_roles.into_boxed_slice(),
        projects: projects.into_boxed_slice(),
        // `into_boxed_slice` drops the spare room `push` left (room for four per key).
        findings: findings.into_boxed_slice(),
        last,
        public_key_end,
        description_end,
        has_public_key: public_key.is_some(),
        has_description: description.is_some(),
        state,
    }
}

/// Where `text` ends, as a `u32` offset. Server text longer than 4 GiB cannot reach here
/// (the response body cap is far lower).
fn offset(text: &str) -> u32 {
    u32::try_from(text.len()).unwrap_or(u32::MAX)
}

/// Appends one entry's texts to its key's text; returns where they end.
fn append_entry(text: &mut String, address: &str, entry: &AccessListEntry) -> EntryMeta {
    let mut present = if entry.count().is_some() {
        HAS_COUNT
    } else {
        0
    };
    text.push_str(address);
    let mut ends = [offset(text); 4];
    for (i, (part, bit)) in [
        (entry.created(), HAS_CREATED),
        (entry.last_used(), HAS_LAST_USED),
        (entry.last_used_address(), HAS_LAST_USED_ADDRESS),
    ]
    .into_iter()
    .enumerate()
    {
        if let Some(part) = part {
            text.push_str(part);
            present |= bit;
        }
        ends[i + 1] = offset(text);
    }
    EntryMeta {
        ends,
        count: entry.count().unwrap_or(0),
        present,
    }
}

/// AK004 (the union admits half a space) and AK005 (one block at least as wide as the
/// threshold, in a family AK004 did not already flag: one finding per problem).
fn address_findings(
    opts: &AuditOptions,
    parsed: &[AccessListAddress],
    find: &mut impl FnMut(RuleId, Detail, Option<String>),
) {
    let (v4_percent, v4_open) = coverage(parsed, IPV4);
    let (v6_percent, v6_half) = coverage(parsed, IPV6);
    let (gu_percent, gu_half) = coverage(parsed, IPV6_GLOBAL_UNICAST);
    let v6_open = v6_half || gu_half;
    let mut wide_v4: Vec<&AccessListAddress> = Vec::new();
    let mut wide_v6: Vec<&AccessListAddress> = Vec::new();
    for block in parsed {
        if block.addr().is_ipv4() && block.prefix_len() <= opts.wide_prefix_v4 {
            wide_v4.push(block);
        } else if block.addr().is_ipv6() && block.prefix_len() <= opts.wide_prefix_v6 {
            wide_v6.push(block);
        }
    }
    let list = |blocks: &[&AccessListAddress]| {
        let mut names: Vec<String> = blocks.iter().map(|b| b.to_cidr_string()).collect();
        names.sort();
        names.dedup();
        names.join(", ")
    };
    if v4_open {
        // The widest block is the first to remove; name it as the finding's entry.
        let widest = parsed
            .iter()
            .filter(|b| b.addr().is_ipv4())
            .min_by_key(|b| (b.prefix_len(), **b));
        let message = format!(
            "the IPv4 entries admit {v4_percent}% of all IPv4 addresses (wide entries: {})",
            list(&wide_v4)
        );
        find(
            RuleId::OpenToInternet,
            Detail::Text(message.into_boxed_str()),
            widest.map(AccessListAddress::to_cidr_string),
        );
    }
    if v6_open {
        let widest = parsed
            .iter()
            .filter(|b| b.addr().is_ipv6())
            .min_by_key(|b| (b.prefix_len(), **b));
        let message = format!(
            "the IPv6 entries admit {v6_percent}% of all IPv6 addresses and {gu_percent}% of global unicast 2000::/3 (wide entries: {})",
            list(&wide_v6)
        );
        find(
            RuleId::OpenToInternet,
            Detail::Text(message.into_boxed_str()),
            widest.map(AccessListAddress::to_cidr_string),
        );
    }
    let mut wide: Vec<(&AccessListAddress, u8)> = Vec::new();
    if !v4_open {
        wide.extend(wide_v4.iter().map(|b| (*b, opts.wide_prefix_v4)));
    }
    if !v6_open {
        wide.extend(wide_v6.iter().map(|b| (*b, opts.wide_prefix_v6)));
    }
    wide.sort();
    wide.dedup();
    for (block, threshold) in wide {
        find(
            RuleId::WideBlock,
            Detail::Wide {
                prefix: block.prefix_len(),
                threshold,
            },
            Some(block.to_cidr_string()),
        );
    }
}

/// The key's usage from its entries (at least one). Only entries record use.
fn usage_of(entries: &[AccessListEntry]) -> Usage {
    let latest = entries
        .iter()
        .filter_map(|e| {
            let at = parse_timestamp(e.last_used()?)?;
            Some((at, e.last_used_address()))
        })
        // Ties resolve to the smallest address text, so the report does not depend on
        // the server's entry order.
        .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(&a.1)));
    if let Some((last, address)) = latest {
        return Usage::Used {
            last,
            last_used: format_timestamp(last),
            last_used_address: address.map(str::to_owned),
        };
    }
    let any_sign_of_use = entries
        .iter()
        .any(|e| e.last_used().is_some() || e.count().unwrap_or(0) > 0);
    if any_sign_of_use {
        Usage::Unknown {
            reason: UsageUnknown::UnparsableDate,
        }
    } else {
        Usage::NeverUsed
    }
}

/// An entry's address as reported: canonical CIDR text when it parses, else the server's.
fn entry_address(entry: &AccessListEntry) -> String {
    entry
        .address()
        .map(|a| a.to_cidr_string())
        .or_else(|| entry.cidr_block().map(str::to_owned))
        .or_else(|| entry.ip_address().map(str::to_owned))
        .unwrap_or_default()
}

/// Entries sort by parsed address (IPv4 before IPv6, numerically), unparsable ones last by
/// text, then by the remaining fields so that duplicates still sort deterministically.
fn entry_order<'a>(
    (address, entry): &'a (String, &AccessListEntry),
) -> (
    bool,
    Option<AccessListAddress>,
    &'a str,
    Option<u64>,
    Option<&'a str>,
) {
    let parsed = AccessListAddress::parse(address).ok();
    (
        parsed.is_none(),
        parsed,
        address.as_str(),
        entry.count(),
        entry.last_used(),
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use atlas_keys_model::{ApiKeyId, OrgRole, ProjectRole};

    use super::*;
    use crate::audit::render::fixture::{entry, input, key, now, org, used};
    use crate::audit::{AccessListReport, EntryReport};
    use crate::audit::{FailOn, RuleId as R};

    const MEMBER: &[OrgRole] = &[OrgRole::Member];

    /// One key, org setting `required`, its access list `list`: the key's rule ids.
    fn rules_of(api_key: ApiKey, list: AccessListView, required: Option<bool>) -> Vec<RuleId> {
        let report = audit(
            &AuditInput::new(org(), now())
                .api_access_list_required(required)
                .key(api_key, list),
        );
        report.keys[0].findings.iter().map(|f| f.rule()).collect()
    }

    fn project_key() -> ApiKey {
        key('1', "pppppppp", MEMBER, Some(ProjectRole::ReadOnly))
    }

    fn recent(address: &str) -> AccessListView {
        AccessListView::Known(vec![used(address, "2026-08-20T00:00:00Z", 1)])
    }

    #[test]
    fn ak001_org_owner() {
        let owner = key('1', "pppppppp", &[OrgRole::Owner], None);
        assert!(rules_of(owner, recent("192.0.2.7"), Some(true)).contains(&R::OrgOwner));
        let creator = key('1', "pppppppp", &[OrgRole::GroupCreator], None);
        assert!(!rules_of(creator, recent("192.0.2.7"), Some(true)).contains(&R::OrgOwner));
    }

    #[test]
    fn ak002_ak003_no_access_list_depends_on_the_org_setting() {
        let empty = || AccessListView::Known(Vec::new());
        assert_eq!(
            rules_of(project_key(), empty(), Some(false)),
            [R::AnyAddress, R::UsageUnknown]
        );
        assert_eq!(
            rules_of(project_key(), empty(), None),
            [R::AnyAddressSettingUnknown, R::UsageUnknown]
        );
        // Required: the key cannot be used without entries, so it is not exposed.
        assert_eq!(
            rules_of(project_key(), empty(), Some(true)),
            [R::UsageUnknown]
        );
        // An entry closes it, whatever the setting.
        assert!(rules_of(project_key(), recent("192.0.2.7"), Some(false)).is_empty());
        // An unreadable list is not an empty one.
        let denied = rules_of(project_key(), AccessListView::unknown("401"), Some(false));
        assert_eq!(denied, [R::AccessListUnknown]);
    }

    #[test]
    fn ak004_open_to_the_internet_single_blocks_and_unions() {
        for list in [
            vec!["0.0.0.0/0"],
            vec!["::/0"],
            vec!["0.0.0.0/1", "128.0.0.0/1"],
            vec!["128.0.0.0/1"],
            vec!["2000::/3"],
            vec!["2000::/4", "3000::/4"],
            // Half of global unicast is half of today's IPv6 internet.
            vec!["2000::/4"],
        ] {
            let entries = list
                .iter()
                .map(|a| used(a, "2026-08-20T00:00:00Z", 1))
                .collect();
            let rules = rules_of(project_key(), AccessListView::Known(entries), Some(true));
            assert_eq!(rules, [R::OpenToInternet], "{list:?}");
        }
        for list in [
            vec!["0.0.0.0/2"],
            vec!["192.0.2.0/24", "2001:db8::/48"],
            vec!["2000::/5"],
        ] {
            let entries = list
                .iter()
                .map(|a| used(a, "2026-08-20T00:00:00Z", 1))
                .collect();
            let rules = rules_of(project_key(), AccessListView::Known(entries), Some(true));
            assert!(!rules.contains(&R::OpenToInternet), "{list:?}");
        }
    }

    #[test]
    fn ak004_names_each_open_family_once() {
        let entries = ["0.0.0.0/0", "0.0.0.0/1", "::/0"]
            .iter()
            .map(|a| used(a, "2026-08-20T00:00:00Z", 1))
            .collect();
        let report = audit(
            &AuditInput::new(org(), now())
                .api_access_list_required(Some(true))
                .key(project_key(), AccessListView::Known(entries)),
        );
        let found: Vec<(RuleId, Option<&str>)> = report.keys[0]
            .findings
            .iter()
            .map(|f| (f.rule(), f.entry()))
            .collect();
        assert_eq!(
            found,
            [
                (R::OpenToInternet, Some("0.0.0.0/0")),
                (R::OpenToInternet, Some("::/0"))
            ]
        );
    }

    #[test]
    fn ak005_wide_block_follows_the_configured_prefixes() {
        let list = |a: &str| recent(a);
        assert_eq!(
            rules_of(project_key(), list("10.0.0.0/8"), Some(true)),
            [R::WideBlock]
        );
        assert_eq!(
            rules_of(project_key(), list("2001::/32"), Some(true)),
            [R::WideBlock]
        );
        assert!(rules_of(project_key(), list("10.0.0.0/9"), Some(true)).is_empty());
        assert!(rules_of(project_key(), list("2001:db8::/33"), Some(true)).is_empty());
        let tighter = AuditOptions::default()
            .wide_prefix_v4(16)
            .wide_prefix_v6(48);
        let report = audit(
            &AuditInput::new(org(), now())
                .api_access_list_required(Some(true))
                .options(tighter)
                .key(
                    project_key(),
                    AccessListView::Known(vec![
                        used("10.1.0.0/16", "2026-08-20T00:00:00Z", 1),
                        entry("2001:db8::/48"),
                        entry("10.2.0.0/17"),
                    ]),
                ),
        );
        let wide: Vec<_> = report.keys[0]
            .findings
            .iter()
            .map(|f| (f.rule(), f.entry().unwrap().to_owned()))
            .collect();
        assert_eq!(
            wide,
            [
                (R::WideBlock, "10.1.0.0/16".to_owned()),
                (R::WideBlock, "2001:db8::/48".to_owned())
            ]
        );
    }

    #[test]
    fn ak006_orphan_is_only_org_member_and_no_project() {
        let orphan = key('1', "pppppppp", MEMBER, None);
        assert_eq!(
            rules_of(orphan, recent("192.0.2.7"), Some(true)),
            [R::Orphan]
        );
        let assigned = key('1', "pppppppp", MEMBER, Some(ProjectRole::ReadOnly));
        assert!(rules_of(assigned, recent("192.0.2.7"), Some(true)).is_empty());
        let billing = key(
            '1',
            "pppppppp",
            &[OrgRole::Member, OrgRole::BillingAdmin],
            None,
        );
        assert!(rules_of(billing, recent("192.0.2.7"), Some(true)).is_empty());
    }

    #[test]
    fn ak007_never_used_needs_entries() {
        let never = AccessListView::Known(vec![entry("192.0.2.7"), entry("192.0.2.8")]);
        assert_eq!(rules_of(project_key(), never, Some(true)), [R::NeverUsed]);
        let once = AccessListView::Known(vec![
            entry("192.0.2.7"),
            used("192.0.2.8", "2026-08-01T00:00:00Z", 1),
        ]);
        assert!(rules_of(project_key(), once, Some(true)).is_empty());
        // No entries: usage unknown, never "never used".
        let none = rules_of(project_key(), AccessListView::Known(Vec::new()), Some(true));
        assert_eq!(none, [R::UsageUnknown]);
    }

    #[test]
    fn ak008_stale_uses_the_latest_entry_and_the_threshold() {
        let old = |when: &str| {
            AccessListView::Known(vec![
                used("192.0.2.7", "2025-01-01T00:00:00Z", 1),
                used("192.0.2.8", when, 1),
            ])
        };
        // 2026-05-01 is 115 days before the audit's now (2026-08-24): stale at 90 days.
        assert_eq!(
            rules_of(project_key(), old("2026-05-01T00:00:00Z"), Some(true)),
            [R::Stale]
        );
        assert!(rules_of(project_key(), old("2026-07-01T00:00:00Z"), Some(true)).is_empty());
        let longer = AuditOptions::default().stale_after(Duration::from_secs(200 * 86_400));
        let report = audit(
            &AuditInput::new(org(), now())
                .api_access_list_required(Some(true))
                .options(longer)
                .key(project_key(), old("2026-05-01T00:00:00Z")),
        );
        assert!(report.keys[0].findings.is_empty());
        // A date in the future (clock skew) is not stale.
        assert!(rules_of(project_key(), old("2027-01-01T00:00:00Z"), Some(true)).is_empty());
    }

    #[test]
    fn usage_states() {
        let usage = |list: AccessListView| {
            audit(&AuditInput::new(org(), now()).key(project_key(), list)).keys[0].usage()
        };
        assert_eq!(
            usage(AccessListView::Known(vec![
                used("192.0.2.8", "2026-08-01T00:00:00Z", 2),
                used("192.0.2.7", "2026-08-02T12:00:00+02:00", 1),
            ])),
            Usage::Used {
                last: parse_timestamp("2026-08-02T10:00:00Z").unwrap(),
                last_used: "2026-08-02T10:00:00Z".to_owned(),
                last_used_address: Some("203.0.113.9".to_owned()),
            }
        );
        assert_eq!(
            usage(AccessListView::Known(vec![entry("192.0.2.7")])),
            Usage::NeverUsed
        );
        assert_eq!(
            usage(AccessListView::Known(Vec::new())),
            Usage::Unknown {
                reason: UsageUnknown::NoEntries
            }
        );
        assert_eq!(
            usage(AccessListView::unknown(
                "401 API_KEY_ACCESS_LIST_ACCESS_DENIED"
            )),
            Usage::Unknown {
                reason: UsageUnknown::AccessListUnknown
            }
        );
        // A count without a parsable date is a use we cannot date, not "never used".
        assert_eq!(
            usage(AccessListView::Known(vec![
                entry("192.0.2.7").with_count(4)
            ])),
            Usage::Unknown {
                reason: UsageUnknown::UnparsableDate
            }
        );
        assert_eq!(
            usage(AccessListView::Known(vec![
                entry("192.0.2.7").with_last_used("last tuesday", "192.0.2.7")
            ])),
            Usage::Unknown {
                reason: UsageUnknown::UnparsableDate
            }
        );
    }

    #[test]
    fn ak010_unreadable_list_is_unknown_not_empty() {
        let report = audit(
            &AuditInput::new(org(), now())
                .api_access_list_required(Some(false))
                .key(
                    project_key(),
                    AccessListView::unknown("401 API_KEY_ACCESS_LIST_ACCESS_DENIED"),
                ),
        );
        let key = &report.keys[0];
        assert_eq!(
            key.access_list(),
            AccessListReport::Unknown {
                reason: "401 API_KEY_ACCESS_LIST_ACCESS_DENIED"
            }
        );
        assert!(key.entries().is_empty());
        let rules: Vec<_> = key.findings().iter().map(|f| f.rule()).collect();
        assert_eq!(rules, [R::AccessListUnknown]);
        assert_eq!(report.summary.access_lists_unknown, 1);
    }

    fn org_rules(count: usize, required: Option<bool>) -> Vec<RuleId> {
        let keys = (0..count).map(|i| {
            let api_key = ApiKey::new(ApiKeyId::new(format!("{i:024x}")).unwrap())
                .with_public_key(atlas_keys_model::PublicKey::new(format!("k{i:07}")).unwrap());
            (
                api_key,
                AccessListView::Known(vec![used("192.0.2.7", "2026-08-20T00:00:00Z", 1)]),
            )
        });
        audit(
            &AuditInput::new(org(), now())
                .api_access_list_required(required)
                .keys(keys),
        )
        .findings
        .iter()
        .map(|f| f.rule())
        .collect()
    }

    #[test]
    fn ak011_ak012_key_limit() {
        assert_eq!(org_rules(500, Some(true)), [R::KeyLimitReached]);
        assert_eq!(org_rules(450, Some(true)), [R::KeyLimitNear]);
        assert_eq!(org_rules(499, Some(true)), [R::KeyLimitNear]);
        assert!(org_rules(449, Some(true)).is_empty());
    }

    #[test]
    fn ak013_ak014_org_setting() {
        assert_eq!(org_rules(1, Some(false)), [R::OrgAccessListNotRequired]);
        assert_eq!(org_rules(1, None), [R::OrgSettingUnknown]);
        assert!(org_rules(1, Some(true)).is_empty());
    }

    #[test]
    fn keys_sorted_by_public_key_and_findings_by_severity_then_key() {
        let report = audit(&input());
        let keys: Vec<&str> = report
            .keys
            .iter()
            .map(|k| k.public_key().unwrap())
            .collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted);
        let all = report.all_findings();
        assert!(all.windows(2).all(|w| w[0].sort_key() <= w[1].sort_key()));
        assert_eq!(all[0].severity(), Severity::High);
        assert_eq!(all.last().unwrap().severity(), Severity::Low);
        for key in &report.keys {
            assert!(
                key.findings
                    .windows(2)
                    .all(|w| w[0].sort_key() <= w[1].sort_key())
            );
        }
        assert_eq!(
            report.summary.high + report.summary.medium + report.summary.low,
            all.len() as u64
        );
    }

    #[test]
    fn a_key_report_gives_back_each_text_it_was_given() {
        // A key's texts share one allocation (public key, description, every entry's four
        // texts, the last address): each must come back whole, an absent one as `None`.
        let texts = [None, Some(""), Some("2026-01-01T00:00:00Z")];
        let mut wire = Vec::new();
        for count in [None, Some(0), Some(7)] {
            for created in texts {
                for last_used in texts {
                    for from in [None, Some(""), Some("203.0.113.9")] {
                        let mut entry = serde_json::json!({
                            "cidrBlock": format!("10.0.{}.0/24", wire.len()),
                        });
                        for (field, value) in [
                            ("created", created),
                            ("lastUsed", last_used),
                            ("lastUsedAddress", from),
                        ] {
                            if let Some(value) = value {
                                entry[field] = value.into();
                            }
                        }
                        if let Some(count) = count {
                            entry["count"] = count.into();
                        }
                        wire.push((count, created, last_used, from, entry));
                    }
                }
            }
        }
        let entries: Vec<AccessListEntry> = wire
            .iter()
            .map(|w| serde_json::from_value(w.4.clone()).unwrap())
            .collect();
        for (public_key, description) in [
            (None, None),
            (Some("pppppppp"), Some("")),
            (Some("pppppppp"), Some("ci key")),
        ] {
            let mut api_key = ApiKey::new(ApiKeyId::new("1".repeat(24)).unwrap());
            if let Some(p) = public_key {
                api_key = api_key.with_public_key(atlas_keys_model::PublicKey::new(p).unwrap());
            }
            if let Some(d) = description {
                api_key = api_key.with_desc(d);
            }
            let report = audit(
                &AuditInput::new(org(), now()).key(api_key, AccessListView::Known(entries.clone())),
            );
            let key = &report.keys[0];
            assert_eq!(key.public_key(), public_key);
            assert_eq!(key.description(), description);
            let got: Vec<EntryReport<'_>> = key.entries().iter().collect();
            assert_eq!(got.len(), wire.len());
            for (i, (entry, (count, created, last_used, from, _))) in
                got.iter().zip(&wire).enumerate()
            {
                assert_eq!(entry.address(), format!("10.0.{i}.0/24"));
                assert_eq!(entry.count(), *count);
                assert_eq!(entry.created(), *created);
                assert_eq!(entry.last_used(), *last_used);
                assert_eq!(entry.last_used_address(), *from);
            }
            // Ties on the latest use resolve to the smallest address: here none.
            assert!(matches!(
                key.usage(),
                Usage::Used {
                    last_used_address: None,
                    ..
                }
            ));
        }
    }

    #[test]
    fn the_same_input_in_any_order_gives_the_same_report() {
        let forward = input();
        let mut backward = forward.clone();
        backward.keys.reverse();
        for (_, list) in &mut backward.keys {
            if let AccessListView::Known(entries) = list {
                entries.reverse();
            }
        }
        let a = crate::audit::render::json::to_json_string(&audit(&forward));
        let b = crate::audit::render::json::to_json_string(&audit(&backward));
        assert_eq!(a, b);
    }

    #[test]
    fn fail_on_thresholds() {
        let report = audit(&input());
        assert!(report.fails(FailOn::High));
        assert!(report.fails(FailOn::Low));
        assert!(!report.fails(FailOn::Never));
        let clean = crate::audit::render::fixture::clean_report();
        assert!(clean.all_findings().is_empty());
        for threshold in [FailOn::High, FailOn::Medium, FailOn::Low, FailOn::Never] {
            assert!(!clean.fails(threshold));
        }
        let low_only = audit(
            &AuditInput::new(org(), now())
                .api_access_list_required(Some(true))
                .key(
                    project_key(),
                    AccessListView::Known(vec![entry("192.0.2.7")]),
                ),
        );
        assert_eq!(low_only.max_severity(), Some(Severity::Low));
        assert!(low_only.fails(FailOn::Low));
        assert!(!low_only.fails(FailOn::Medium));
        assert_eq!("MEDIUM".parse::<FailOn>(), Ok(FailOn::Medium));
        assert!("sometimes".parse::<FailOn>().is_err());
    }

    #[test]
    fn fixes_name_the_key_and_org_in_atlas_cli_shaped_commands() {
        let report = audit(&input());
        for f in report.all_findings() {
            assert!(!f.fix().contains('\n'));
            if let Some(id) = f.key_id()
                && f.fix().starts_with("atlas-keys")
            {
                assert!(f.fix().contains(id.as_str()), "{}", f.fix());
                assert!(
                    f.fix().contains(&format!("--orgId {}", report.org_id)),
                    "{}",
                    f.fix()
                );
            }
        }
        let any = report
            .all_findings()
            .into_iter()
            .find(|f| f.rule() == R::AnyAddress)
            .unwrap();
        assert!(
            any.fix()
                .starts_with("atlas-keys organizations apiKeys accessLists create --orgId")
        );
        assert!(
            any.fix()
                .contains("--apiKey aaaaaaaaaaaaaaaaaaaaaaaa --cidr")
        );
    }
}
