//! The words of a finding: its one-line message and its fix command, written on demand from
//! the compact [`Finding`] (the rule, the org and key ids, the entry and a few numbers).
//!
//! A report holds every key of an org at once; keeping the sentences as text would cost
//! about 200 bytes per finding, most of it the same words and ids again (issue #17). The
//! renderers ask for the text once per line they write. This module must NOT decide whether
//! a finding applies (`analyze.rs` does) nor read anything but the finding.

use super::report::{Detail, Finding};
use super::rules::RuleId;
use super::timestamp::format_timestamp;

/// What was found, in one line.
pub(crate) fn message(f: &Finding) -> String {
    match (f.rule, &f.detail) {
        (RuleId::KeyLimitReached | RuleId::KeyLimitNear, Detail::KeyCount { count, limit }) => {
            format!("the organization holds {count} API keys; the limit is {limit}")
        }
        (RuleId::OrgAccessListNotRequired, _) => {
            "apiAccessListRequired is false: keys without an access list work from any address"
                .to_owned()
        }
        (RuleId::OrgSettingUnknown, _) => {
            "the organization settings could not be read: whether access lists are required is unknown"
                .to_owned()
        }
        (RuleId::OrgOwner, _) => "the key holds ORG_OWNER".to_owned(),
        (RuleId::Orphan, _) => "the key holds only ORG_MEMBER and no project role".to_owned(),
        (RuleId::AccessListUnknown, Detail::Text(reason)) => format!(
            "the access list could not be read ({reason}): where the key works from and whether it is used are unknown"
        ),
        (RuleId::AnyAddress, _) => {
            "no access-list entry and the organization does not require one: the key works from any address"
                .to_owned()
        }
        (RuleId::AnyAddressSettingUnknown, _) => {
            "no access-list entry, and whether the organization requires one is unknown (its settings could not be read): the key may work from any address"
                .to_owned()
        }
        (RuleId::UsageUnknown, _) => {
            "the key has no access-list entry, so the API records no use of it: usage unknown, not unused"
                .to_owned()
        }
        (RuleId::NeverUsed, Detail::Entries(n)) => {
            format!("none of the key's {n} access-list entries records a use")
        }
        (
            RuleId::Stale,
            Detail::Stale {
                last,
                age_days,
                threshold_days,
            },
        ) => format!(
            "last used {}, {age_days} days before the audit (threshold {threshold_days} days)",
            format_timestamp(*last)
        ),
        (RuleId::WideBlock, Detail::Wide { prefix, threshold }) => format!(
            "the entry {} is a /{prefix} block, at least as wide as /{threshold}",
            f.entry().unwrap_or_default()
        ),
        (_, Detail::Text(text)) => text.to_string(),
        // Every finding is built with its rule's detail (analyze.rs); a mismatch would be a
        // bug there, shown as the rule's title rather than a panic.
        _ => f.title().to_owned(),
    }
}

/// A one-line fix, a concrete `atlas-keys …` command where there is one.
pub(crate) fn fix(f: &Finding) -> String {
    let org = f.org_id().as_str();
    let id = f.key_id().map(|k| k.as_str()).unwrap_or("KEY_ID");
    let add_entry = || {
        format!(
            "atlas-keys organizations apiKeys accessLists create --orgId {org} --apiKey {id} --cidr CIDR"
        )
    };
    let replace_entry = |entry: &str| {
        format!(
            "atlas-keys organizations apiKeys accessLists create --orgId {org} --apiKey {id} --cidr CIDR (the addresses really used), then atlas-keys organizations apiKeys accessLists delete {entry} --orgId {org} --apiKey {id} --force"
        )
    };
    match f.rule {
        RuleId::KeyLimitReached | RuleId::KeyLimitNear => format!(
            "delete keys nobody uses (AK006, AK007, AK008): atlas-keys organizations apiKeys delete KEY_ID --orgId {org}"
        ),
        RuleId::OrgAccessListNotRequired => format!(
            "give every key in use an access list, then set apiAccessListRequired: PATCH /api/atlas/v2/orgs/{org}/settings {{\"apiAccessListRequired\": true}}"
        ),
        RuleId::OrgSettingUnknown => {
            "audit with a key that may read the organization settings (Organization Owner)"
                .to_owned()
        }
        RuleId::OrgOwner => format!(
            "atlas-keys organizations apiKeys update {id} --orgId {org} --role ORG_MEMBER (then assign only the project roles it needs)"
        ),
        RuleId::Orphan => format!("atlas-keys organizations apiKeys delete {id} --orgId {org}"),
        RuleId::AccessListUnknown => {
            "audit with an Organization Owner key, or ask an owner to run the audit".to_owned()
        }
        RuleId::AnyAddress | RuleId::AnyAddressSettingUnknown | RuleId::UsageUnknown => add_entry(),
        RuleId::OpenToInternet | RuleId::WideBlock => {
            f.entry().map(replace_entry).unwrap_or_default()
        }
        RuleId::NeverUsed => {
            format!(
                "atlas-keys organizations apiKeys delete {id} --orgId {org} (if nothing needs it)"
            )
        }
        RuleId::Stale => format!(
            "atlas-keys organizations apiKeys delete {id} --orgId {org} (or rotate it: atlas-keys rotate {id} --orgId {org})"
        ),
    }
}
