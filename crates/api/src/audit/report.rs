//! The audit's output: [`AuditReport`], per key a [`KeyReport`], and [`Finding`]s.
//!
//! Every type here serializes with stable camelCase field names (the JSON renderer is
//! `serde_json` over these types, and `schemaVersion` changes when a field changes meaning).
//! This module must NOT compute findings (`analyze.rs` does) nor format text (`render`).

use atlas_keys_model::{ApiKeyId, OrgId, OrgRole, ProjectId, ProjectRole, PublicKey};

use super::rules::RuleId;

/// The version of the report's JSON shape, written as `schemaVersion`.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// How bad a finding is. Ordered: `Low < Medium < High`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Hygiene, or something to look at.
    Low,
    /// A weakness.
    Medium,
    /// Exposure: fix first.
    High,
}

impl Severity {
    /// `high`, `medium` or `low`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }

    /// The SARIF 2.1.0 `level`: `error`, `warning` or `note`.
    pub fn sarif_level(self) -> &'static str {
        match self {
            Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low => "note",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The exit-status policy of `--fail-on`: the lowest severity that fails the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailOn {
    /// Fail on a high finding.
    High,
    /// Fail on a medium or high finding.
    Medium,
    /// Fail on any finding.
    Low,
    /// Never fail because of findings.
    Never,
}

impl std::str::FromStr for FailOn {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "high" => Ok(FailOn::High),
            "medium" => Ok(FailOn::Medium),
            "low" => Ok(FailOn::Low),
            "never" | "none" => Ok(FailOn::Never),
            _ => Err(format!(
                "`{s}` is not a threshold: use high, medium, low or never"
            )),
        }
    }
}

impl FailOn {
    /// The lowest failing severity, `None` for [`FailOn::Never`].
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::Never => None,
        }
    }
}

/// One finding: which rule, how bad, about what, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Finding {
    /// The rule's stable id (`AK001`…), serialized as `id`.
    #[serde(rename = "id")]
    pub rule: RuleId,
    /// The severity (the rule's default).
    pub severity: Severity,
    /// The rule's title.
    pub title: String,
    /// What was found, in one line (names the entry or the numbers).
    pub message: String,
    /// A one-line fix, a concrete `atlas-keys …` command where there is one.
    pub fix: String,
    /// The key's id; `None` for an organization finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<ApiKeyId>,
    /// The key's public key, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<PublicKey>,
    /// The access-list entry concerned, for entry findings (canonical CIDR text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
}

impl Finding {
    /// The sort order of reports: severity (high first), then organization findings before
    /// key findings, then public key, key id, rule id and entry.
    pub(crate) fn sort_key(&self) -> FindingOrder<'_> {
        (
            std::cmp::Reverse(self.severity),
            self.key_id.is_some(),
            self.public_key.as_ref().map(PublicKey::as_str),
            self.key_id.as_ref().map(ApiKeyId::as_str),
            self.rule,
            self.entry.as_deref(),
        )
    }
}

/// The sort key of a finding (see [`Finding::sort_key`]).
pub(crate) type FindingOrder<'a> = (
    std::cmp::Reverse<Severity>,
    bool,
    Option<&'a str>,
    Option<&'a str>,
    RuleId,
    Option<&'a str>,
);

/// A key's roles in one project.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProjectRoles {
    /// The project (`groupId`).
    pub project_id: ProjectId,
    /// The roles there, sorted.
    pub roles: Vec<ProjectRole>,
}

/// One access-list entry as reported.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EntryReport {
    /// The address or block, canonical CIDR text when it parses (`192.0.2.7/32`), else the
    /// server's text.
    pub address: String,
    /// Requests counted from this entry.
    #[serde(default)]
    pub count: Option<u64>,
    /// When the entry was created, as the server wrote it.
    #[serde(default)]
    pub created: Option<String>,
    /// When it was last used, as the server wrote it.
    #[serde(default)]
    pub last_used: Option<String>,
    /// The address of that last use.
    #[serde(default)]
    pub last_used_address: Option<String>,
}

/// A key's access list as reported: its entries, or unknown.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
#[non_exhaustive]
pub enum AccessListReport {
    /// Read in full; empty means no access list.
    Known {
        /// The entries, sorted by address.
        entries: Vec<EntryReport>,
    },
    /// Could not be read.
    Unknown {
        /// Why (e.g. `401 API_KEY_ACCESS_LIST_ACCESS_DENIED`).
        reason: String,
    },
}

/// Why a key's usage is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum UsageUnknown {
    /// The key has no access-list entry, and the API records use only there.
    NoEntries,
    /// The access list could not be read.
    AccessListUnknown,
    /// Entries show use (`count` > 0 or a `lastUsed`) but no `lastUsed` date could be parsed.
    UnparsableDate,
}

/// Whether and when a key was used, as far as the API tells.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
#[non_exhaustive]
pub enum Usage {
    /// Used; `last` is the latest `lastUsed` of its entries.
    #[serde(rename_all = "camelCase")]
    Used {
        /// Unix seconds.
        last: i64,
        /// The same instant, RFC 3339 in UTC.
        last_used: String,
        /// The `lastUsedAddress` of that entry.
        #[serde(default)]
        last_used_address: Option<String>,
    },
    /// The key has entries and none records a use.
    NeverUsed,
    /// The API gives no answer.
    Unknown {
        /// Why.
        reason: UsageUnknown,
    },
}

/// Everything reported about one key.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct KeyReport {
    /// The key id.
    pub id: ApiKeyId,
    /// The public key.
    #[serde(default)]
    pub public_key: Option<PublicKey>,
    /// The description, verbatim (may hold anything: renderers for terminals escape it).
    #[serde(default)]
    pub description: Option<String>,
    /// The organization roles, sorted.
    pub org_roles: Vec<OrgRole>,
    /// The project roles, by project id.
    pub projects: Vec<ProjectRoles>,
    /// The access list, or unknown.
    pub access_list: AccessListReport,
    /// Whether and when the key was used.
    pub usage: Usage,
    /// The key's findings: severity (high first), then rule id, then entry.
    pub findings: Vec<Finding>,
}

/// Counts over the report.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Summary {
    /// Keys audited.
    pub keys: u64,
    /// Keys with at least one finding.
    pub keys_with_findings: u64,
    /// Keys whose access list could not be read.
    pub access_lists_unknown: u64,
    /// Findings of severity high (organization and keys).
    pub high: u64,
    /// Findings of severity medium.
    pub medium: u64,
    /// Findings of severity low.
    pub low: u64,
}

/// The audit of one organization. Keys are sorted by public key; findings by severity (high
/// first), then key. The same input always gives the same report, byte for byte once rendered.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuditReport {
    /// [`REPORT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The organization.
    pub org_id: OrgId,
    /// The audit's `now`, RFC 3339 in UTC.
    pub generated_at: String,
    /// The org setting `apiAccessListRequired`; `null` when unknown.
    pub api_access_list_required: Option<bool>,
    /// The stale threshold used, in seconds.
    pub stale_after_seconds: u64,
    /// Counts.
    pub summary: Summary,
    /// Organization findings (key limit, settings).
    pub findings: Vec<Finding>,
    /// Every key.
    pub keys: Vec<KeyReport>,
}

impl AuditReport {
    /// Every finding, organization and keys, sorted by severity (high first), then
    /// organization before keys, then public key.
    pub fn all_findings(&self) -> Vec<&Finding> {
        let mut all: Vec<&Finding> = self
            .findings
            .iter()
            .chain(self.keys.iter().flat_map(|k| k.findings.iter()))
            .collect();
        all.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        all
    }

    /// The highest severity found, `None` when there is no finding.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings
            .iter()
            .chain(self.keys.iter().flat_map(|k| k.findings.iter()))
            .map(|f| f.severity)
            .max()
    }

    /// True when a finding is at least as severe as `fail_on` asks: the CLI exits non-zero.
    pub fn fails(&self, fail_on: FailOn) -> bool {
        match (fail_on.threshold(), self.max_severity()) {
            (Some(threshold), Some(worst)) => worst >= threshold,
            _ => false,
        }
    }
}
