//! The catalogue of audit findings: a stable id (`AK001`…), a default severity, a title, a
//! full description and the general fix of each. SARIF's `rules[]` is this table.
//!
//! Ids are a public contract (CI gates and SARIF consumers key on them): an id is never
//! reused or renumbered; a retired rule keeps its number. This module must NOT decide whether
//! a finding applies; `analyze.rs` does.

use super::report::Severity;

/// The id of a finding's rule.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[non_exhaustive]
pub enum RuleId {
    /// `AK001`: the key holds `ORG_OWNER`.
    #[serde(rename = "AK001")]
    OrgOwner,
    /// `AK002`: no access list and the org does not require one: usable from any address.
    #[serde(rename = "AK002")]
    AnyAddress,
    /// `AK003`: no access list, and the org setting could not be read.
    #[serde(rename = "AK003")]
    AnyAddressSettingUnknown,
    /// `AK004`: the entries admit at least half of the IPv4 or IPv6 internet.
    #[serde(rename = "AK004")]
    OpenToInternet,
    /// `AK005`: an entry wider than the configured prefix.
    #[serde(rename = "AK005")]
    WideBlock,
    /// `AK006`: no project and only `ORG_MEMBER`: an orphan.
    #[serde(rename = "AK006")]
    Orphan,
    /// `AK007`: the key has entries and none was ever used.
    #[serde(rename = "AK007")]
    NeverUsed,
    /// `AK008`: the latest use is older than the stale threshold.
    #[serde(rename = "AK008")]
    Stale,
    /// `AK009`: no usage signal (no entries).
    #[serde(rename = "AK009")]
    UsageUnknown,
    /// `AK010`: the access list could not be read.
    #[serde(rename = "AK010")]
    AccessListUnknown,
    /// `AK011`: the org holds as many keys as the service allows.
    #[serde(rename = "AK011")]
    KeyLimitReached,
    /// `AK012`: the org is near the key limit.
    #[serde(rename = "AK012")]
    KeyLimitNear,
    /// `AK013`: the org does not require API access lists.
    #[serde(rename = "AK013")]
    OrgAccessListNotRequired,
    /// `AK014`: the org setting could not be read.
    #[serde(rename = "AK014")]
    OrgSettingUnknown,
}

impl RuleId {
    /// The stable id, e.g. `AK001`.
    pub fn as_str(self) -> &'static str {
        self.rule().id
    }

    /// The rule's catalogue entry.
    pub fn rule(self) -> &'static Rule {
        // RULES is in RuleId order; the test `catalogue_is_in_id_order` pins it.
        &RULES[self as usize]
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One catalogue entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rule {
    /// Which rule.
    pub rule_id: RuleId,
    /// The stable id, e.g. `AK001`.
    pub id: &'static str,
    /// A short kebab-case name (SARIF `name`), e.g. `org-owner-key`.
    pub name: &'static str,
    /// The default severity.
    pub severity: Severity,
    /// One line, e.g. "Key holds ORG_OWNER".
    pub title: &'static str,
    /// Why it matters, in a few sentences.
    pub description: &'static str,
    /// How to fix it, in general (each finding carries its own concrete command).
    pub help: &'static str,
}

/// Every rule, in id order.
pub const RULES: &[Rule] = &[
    Rule {
        rule_id: RuleId::OrgOwner,
        id: "AK001",
        name: "org-owner-key",
        severity: Severity::High,
        title: "Key holds ORG_OWNER",
        description: "An Organization Owner key can create and delete keys, change every \
                      project and read every access list: whoever holds its private key owns \
                      the organization.",
        help: "Give the key only the roles it needs (ORG_MEMBER plus project roles) with \
               `atlas-keys organizations apiKeys update KEY_ID --orgId ORG_ID --role ORG_MEMBER`.",
    },
    Rule {
        rule_id: RuleId::AnyAddress,
        id: "AK002",
        name: "usable-from-any-address",
        severity: Severity::High,
        title: "No access list: usable from any address",
        description: "The key has no access-list entry and the organization does not require \
                      one (apiAccessListRequired is false), so its credentials work from any \
                      address on the internet.",
        help: "Add the addresses the key is used from with `atlas-keys organizations apiKeys \
               accessLists create --orgId ORG_ID --apiKey KEY_ID --cidr CIDR`, then require access \
               lists in the organization settings.",
    },
    Rule {
        rule_id: RuleId::AnyAddressSettingUnknown,
        id: "AK003",
        name: "no-access-list-setting-unknown",
        severity: Severity::Medium,
        title: "No access list; whether the org requires one is unknown",
        description: "The key has no access-list entry and the organization setting \
                      apiAccessListRequired could not be read: if it is off, the key works \
                      from any address; if it is on, the key cannot be used at all.",
        help: "Add the addresses the key is used from with `atlas-keys organizations apiKeys \
               accessLists create --orgId ORG_ID --apiKey KEY_ID --cidr CIDR`, and audit with a \
               key that may read the organization settings.",
    },
    Rule {
        rule_id: RuleId::OpenToInternet,
        id: "AK004",
        name: "open-to-the-internet",
        severity: Severity::High,
        title: "Access list admits most of the internet",
        description: "Together, the key's entries cover at least half of the IPv4 address \
                      space, of the IPv6 address space or of IPv6 global unicast (2000::/3), \
                      as 0.0.0.0/0, ::/0 or the pair 0.0.0.0/1 + 128.0.0.0/1 do. Such a list \
                      protects nothing.",
        help: "Replace the wide entries by the addresses the key is used from: `atlas-keys \
               organizations apiKeys accessLists create ... --cidr CIDR`, then `atlas-keys \
               organizations apiKeys accessLists delete ENTRY --orgId ORG_ID --apiKey KEY_ID`.",
    },
    Rule {
        rule_id: RuleId::WideBlock,
        id: "AK005",
        name: "wide-access-list-entry",
        severity: Severity::Medium,
        title: "Access-list entry wider than the allowed prefix",
        description: "An entry is a block at least as wide as the configured prefix (by \
                      default /8 for IPv4, /32 for IPv6): far more addresses than one client \
                      needs.",
        help: "Replace the block by narrower ones with `atlas-keys organizations apiKeys \
               accessLists create` and `... accessLists delete`.",
    },
    Rule {
        rule_id: RuleId::Orphan,
        id: "AK006",
        name: "orphan-key",
        severity: Severity::Medium,
        title: "Key with no project and only ORG_MEMBER",
        description: "The key holds only ORG_MEMBER and no project role: typically what is \
                      left of a project key after its project was deleted. It grants little, \
                      but it is a live credential nobody owns.",
        help: "Delete it if nothing uses it: `atlas-keys organizations apiKeys delete KEY_ID \
               --orgId ORG_ID`.",
    },
    Rule {
        rule_id: RuleId::NeverUsed,
        id: "AK007",
        name: "never-used",
        severity: Severity::Low,
        title: "Never used",
        description: "The key has access-list entries and none records a use (no lastUsed): \
                      the key has never made a request.",
        help: "Delete it if it is not needed: `atlas-keys organizations apiKeys delete KEY_ID \
               --orgId ORG_ID`.",
    },
    Rule {
        rule_id: RuleId::Stale,
        id: "AK008",
        name: "stale",
        severity: Severity::Low,
        title: "Not used recently",
        description: "The latest lastUsed of the key's entries is older than the stale \
                      threshold (90 days by default).",
        help: "Delete it if it is no longer needed, or rotate it: `atlas-keys rotate KEY_ID \
               --orgId ORG_ID`.",
    },
    Rule {
        rule_id: RuleId::UsageUnknown,
        id: "AK009",
        name: "usage-unknown",
        severity: Severity::Low,
        title: "Usage unknown: no access-list entry records it",
        description: "The API records use only on access-list entries (count, lastUsed): a \
                      key without entries has no usage signal at all. This does not mean it is \
                      unused.",
        help: "Give the key an access list (`atlas-keys organizations apiKeys accessLists \
               create`) so that its use is recorded.",
    },
    Rule {
        rule_id: RuleId::AccessListUnknown,
        id: "AK010",
        name: "access-list-unreadable",
        severity: Severity::Medium,
        title: "Access list could not be read",
        description: "The auditing key may not read this key's access list (e.g. 401 \
                      API_KEY_ACCESS_LIST_ACCESS_DENIED). Where the key can be used from and \
                      whether it is used are unknown; they are not reported as empty.",
        help: "Audit with an Organization Owner key, or ask an owner to run the audit.",
    },
    Rule {
        rule_id: RuleId::KeyLimitReached,
        id: "AK011",
        name: "key-limit-reached",
        severity: Severity::Medium,
        title: "Organization at the API-key limit",
        description: "The organization holds as many API keys as the service allows (500): \
                      creating a key, and so rotating one, fails until a key is deleted.",
        help: "Delete unused keys (see the findings AK006, AK007, AK008): `atlas-keys \
               organizations apiKeys delete KEY_ID --orgId ORG_ID`.",
    },
    Rule {
        rule_id: RuleId::KeyLimitNear,
        id: "AK012",
        name: "key-limit-near",
        severity: Severity::Low,
        title: "Organization near the API-key limit",
        description: "The organization holds nearly as many API keys as the service allows \
                      (500 by default, near from 450).",
        help: "Delete unused keys (see the findings AK006, AK007, AK008): `atlas-keys \
               organizations apiKeys delete KEY_ID --orgId ORG_ID`.",
    },
    Rule {
        rule_id: RuleId::OrgAccessListNotRequired,
        id: "AK013",
        name: "org-access-list-not-required",
        severity: Severity::Medium,
        title: "Organization does not require API access lists",
        description: "apiAccessListRequired is false: a key with an empty access list works \
                      from any address.",
        help: "Give every key in use an access list, then turn on \"Require IP Access List \
               for the Atlas Administration API\" in the organization settings \
               (PATCH /api/atlas/v2/orgs/ORG_ID/settings {\"apiAccessListRequired\": true}).",
    },
    Rule {
        rule_id: RuleId::OrgSettingUnknown,
        id: "AK014",
        name: "org-setting-unreadable",
        severity: Severity::Low,
        title: "Organization settings could not be read",
        description: "Whether the organization requires API access lists is unknown, so a \
                      key without entries may or may not be usable from any address.",
        help: "Audit with a key that may read the organization settings (Organization Owner).",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_in_id_order_with_unique_ids_and_names() {
        for (i, rule) in RULES.iter().enumerate() {
            assert_eq!(rule.rule_id as usize, i, "{}", rule.id);
            assert_eq!(rule.id, format!("AK{:03}", i + 1));
            let json = serde_json::to_string(&rule.rule_id).unwrap();
            assert_eq!(json, format!("\"{}\"", rule.id));
        }
        let mut names: Vec<_> = RULES.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), RULES.len());
    }

    #[test]
    fn every_fix_is_one_line() {
        for rule in RULES {
            assert!(!rule.help.contains('\n') && !rule.description.contains('\n'));
        }
    }
}
