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

/// One finding: which rule, about what, and how to fix it.
///
/// Compact on purpose: a finding holds the rule, the ids it is about, the entry and the few
/// numbers its sentence needs, and writes its [`message`](Finding::message) and
/// [`fix`](Finding::fix) when asked. An audit of thousands of keys then holds numbers, not
/// thousands of copies of the same sentences (issue #17's memory target).
///
/// Serialized (`serde`) with the fields `id`, `severity`, `title`, `message`, `fix` and,
/// when set, `keyId`, `publicKey` and `entry`. A finding serialized on its own has no
/// `publicKey` (it does not hold one); inside a [`KeyReport`] it has its key's.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    pub(crate) rule: RuleId,
    pub(crate) org_id: OrgId,
    pub(crate) key_id: Option<ApiKeyId>,
    /// Whether the key has a public key: findings of keys without one come first among the
    /// key findings of a severity (as `None` sorts before any public key).
    pub(crate) key_has_public_key: bool,
    /// The key's position in [`AuditReport::keys`], set when the report is assembled; 0
    /// for organization findings (`key_id` says which kind a finding is).
    pub(crate) key_index: u32,
    pub(crate) entry: Option<Box<str>>,
    pub(crate) detail: Detail,
}

/// The numbers and words a finding's sentence needs beyond its ids and entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Detail {
    /// The sentence needs nothing more.
    None,
    /// AK011, AK012: the org's key count and the limit.
    KeyCount {
        /// Keys in the organization.
        count: u64,
        /// The limit.
        limit: u32,
    },
    /// AK007: how many entries the key has.
    Entries(u64),
    /// AK008: the last use (Unix seconds), its age and the threshold, in days.
    Stale {
        /// Unix seconds.
        last: i64,
        /// Days between the last use and the audit.
        age_days: i64,
        /// The stale threshold in days.
        threshold_days: i64,
    },
    /// AK005: the entry's prefix length and the threshold it reaches.
    Wide {
        /// The entry's prefix length.
        prefix: u8,
        /// The configured widest prefix.
        threshold: u8,
    },
    /// AK004's measured sentence, AK010's reason: rare, so kept as text.
    Text(Box<str>),
}

impl Finding {
    /// The rule's stable id (`AK001`…).
    pub fn rule(&self) -> RuleId {
        self.rule
    }

    /// The severity (the rule's default).
    pub fn severity(&self) -> Severity {
        self.rule.rule().severity
    }

    /// The rule's title.
    pub fn title(&self) -> &'static str {
        self.rule.rule().title
    }

    /// What was found, in one line (names the entry or the numbers).
    pub fn message(&self) -> String {
        super::text::message(self)
    }

    /// A one-line fix, a concrete `atlas-keys …` command where there is one.
    pub fn fix(&self) -> String {
        super::text::fix(self)
    }

    /// The organization the finding is in.
    pub fn org_id(&self) -> &OrgId {
        &self.org_id
    }

    /// The key's id; `None` for an organization finding.
    pub fn key_id(&self) -> Option<&ApiKeyId> {
        self.key_id.as_ref()
    }

    /// The access-list entry concerned, for entry findings (canonical CIDR text).
    pub fn entry(&self) -> Option<&str> {
        self.entry.as_deref()
    }

    /// The sort order of reports: severity (high first), then organization findings before
    /// key findings, then public key (keys without one first) and key id, rule id and entry.
    /// The key's place in the report stands for its public key and id: keys are sorted by
    /// both (those without a public key last, hence the flag first).
    pub(crate) fn sort_key(&self) -> FindingOrder<'_> {
        (
            std::cmp::Reverse(self.severity()),
            self.key_id.is_some(),
            self.key_has_public_key,
            self.key_index,
            self.rule,
            self.entry.as_deref(),
        )
    }
}

/// The sort key of a finding (see [`Finding::sort_key`]).
pub(crate) type FindingOrder<'a> = (
    std::cmp::Reverse<Severity>,
    bool,
    bool,
    u32,
    RuleId,
    Option<&'a str>,
);

impl serde::Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        FindingOf(self, None).serialize(serializer)
    }
}

/// A finding with its key's public key, as written inside a key.
struct FindingOf<'a>(&'a Finding, Option<&'a PublicKey>);

impl serde::Serialize for FindingOf<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let FindingOf(f, public_key) = *self;
        let fields = 5
            + usize::from(f.key_id.is_some())
            + usize::from(public_key.is_some())
            + usize::from(f.entry.is_some());
        let mut s = serializer.serialize_struct("Finding", fields)?;
        s.serialize_field("id", &f.rule)?;
        s.serialize_field("severity", &f.severity())?;
        s.serialize_field("title", f.title())?;
        s.serialize_field("message", &f.message())?;
        s.serialize_field("fix", &f.fix())?;
        if let Some(id) = &f.key_id {
            s.serialize_field("keyId", id)?;
        }
        if let Some(public_key) = public_key {
            s.serialize_field("publicKey", public_key)?;
        }
        if let Some(entry) = &f.entry {
            s.serialize_field("entry", entry)?;
        }
        s.end()
    }
}

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
///
/// Its four texts live in one allocation (an audit holds every entry of every key at once):
/// read them with the accessors. Serialized with the fields `address`, `count`, `created`,
/// `lastUsed` and `lastUsedAddress` (`null` when absent).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EntryReport {
    /// `address`, then `created`, `last_used` and `last_used_address` when present.
    text: Box<str>,
    /// Where each of `address`, `created` and `last_used` ends in `text` (the last part
    /// ends with it).
    ends: [u32; 3],
    /// Which of `created`, `last_used`, `last_used_address` and `count` (bits 0 to 3) are
    /// present: a flag rather than `Option`s keeps an entry at 40 bytes, not 56.
    present: u8,
    count: u64,
}

/// The `present` bit of `count`.
const HAS_COUNT: u8 = 1 << 3;

impl EntryReport {
    /// An entry from its address text and the server's other fields.
    pub(crate) fn new(
        address: &str,
        count: Option<u64>,
        created: Option<&str>,
        last_used: Option<&str>,
        last_used_address: Option<&str>,
    ) -> Self {
        let parts = [Some(address), created, last_used, last_used_address];
        let mut text = String::with_capacity(parts.iter().flatten().map(|p| p.len()).sum());
        let mut ends = [0u32; 3];
        let mut present = if count.is_some() { HAS_COUNT } else { 0 };
        for (i, part) in parts.iter().enumerate() {
            if let Some(part) = part {
                text.push_str(part);
                if i > 0 {
                    present |= 1 << (i - 1);
                }
            }
            if let Some(end) = ends.get_mut(i) {
                // Server text longer than 4 GiB cannot reach here (the body cap is far lower).
                *end = u32::try_from(text.len()).unwrap_or(u32::MAX);
            }
        }
        EntryReport {
            text: text.into_boxed_str(),
            ends,
            present,
            count: count.unwrap_or(0),
        }
    }

    fn part(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let end = self.ends.get(i).map_or(self.text.len(), |&e| e as usize);
        self.text.get(start..end).unwrap_or_default()
    }

    fn optional(&self, i: usize) -> Option<&str> {
        (self.present & (1 << (i - 1)) != 0).then(|| self.part(i))
    }

    /// The address or block, canonical CIDR text when it parses (`192.0.2.7/32`), else the
    /// server's text.
    pub fn address(&self) -> &str {
        self.part(0)
    }

    /// Requests counted from this entry.
    pub fn count(&self) -> Option<u64> {
        (self.present & HAS_COUNT != 0).then_some(self.count)
    }

    /// When the entry was created, as the server wrote it.
    pub fn created(&self) -> Option<&str> {
        self.optional(1)
    }

    /// When it was last used, as the server wrote it.
    pub fn last_used(&self) -> Option<&str> {
        self.optional(2)
    }

    /// The address of that last use.
    pub fn last_used_address(&self) -> Option<&str> {
        self.optional(3)
    }
}

impl serde::Serialize for EntryReport {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("EntryReport", 5)?;
        s.serialize_field("address", self.address())?;
        s.serialize_field("count", &self.count())?;
        s.serialize_field("created", &self.created())?;
        s.serialize_field("lastUsed", &self.last_used())?;
        s.serialize_field("lastUsedAddress", &self.last_used_address())?;
        s.end()
    }
}

/// A key's access list as reported: its entries, or unknown.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
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
///
/// Serialized with the fields `id`, `publicKey`, `description`, `orgRoles`, `projects`,
/// `accessList`, `usage` and `findings` (each finding with the key's `publicKey`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyReport {
    /// The key id.
    pub id: ApiKeyId,
    /// The public key.
    pub public_key: Option<PublicKey>,
    /// The description, verbatim (may hold anything: renderers for terminals escape it).
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

impl serde::Serialize for KeyReport {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        /// The findings, each written with this key's public key.
        struct Findings<'a>(&'a KeyReport);
        impl serde::Serialize for Findings<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let key = self.0;
                serializer.collect_seq(
                    key.findings
                        .iter()
                        .map(|f| FindingOf(f, key.public_key.as_ref())),
                )
            }
        }
        let mut s = serializer.serialize_struct("KeyReport", 8)?;
        s.serialize_field("id", &self.id)?;
        s.serialize_field("publicKey", &self.public_key)?;
        s.serialize_field("description", &self.description)?;
        s.serialize_field("orgRoles", &self.org_roles)?;
        s.serialize_field("projects", &self.projects)?;
        s.serialize_field("accessList", &self.access_list)?;
        s.serialize_field("usage", &self.usage)?;
        s.serialize_field("findings", &Findings(self))?;
        s.end()
    }
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
///
/// Serialize-only: a report is read from an audit, not from its JSON (the JSON is the
/// contract for other tools; `schemaVersion` names its shape).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
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

    /// The key a finding is about, `None` for an organization finding (or a finding of
    /// another report).
    pub fn key_of(&self, finding: &Finding) -> Option<&KeyReport> {
        let key = self.keys.get(usize::try_from(finding.key_index).ok()?)?;
        (finding.key_id.as_ref() == Some(&key.id)).then_some(key)
    }

    /// The highest severity found, `None` when there is no finding.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings
            .iter()
            .chain(self.keys.iter().flat_map(|k| k.findings.iter()))
            .map(Finding::severity)
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

#[cfg(test)]
mod tests {
    use super::EntryReport;

    #[test]
    fn an_entry_gives_back_each_part_it_was_given() {
        let parts = [None, Some(""), Some("2026-01-01T00:00:00Z")];
        for count in [None, Some(0), Some(7)] {
            for created in parts {
                for last_used in parts {
                    for from in [None, Some("203.0.113.9"), Some("")] {
                        let e = EntryReport::new("192.0.2.0/24", count, created, last_used, from);
                        assert_eq!(e.address(), "192.0.2.0/24");
                        assert_eq!(e.count(), count);
                        assert_eq!(e.created(), created);
                        assert_eq!(e.last_used(), last_used);
                        assert_eq!(e.last_used_address(), from);
                    }
                }
            }
        }
        let empty = EntryReport::new("", None, None, None, None);
        assert_eq!(empty.address(), "");
        assert_eq!(empty.created(), None);
    }

    #[test]
    fn the_per_key_types_stay_small() {
        // An audit holds one of each per key or entry: these sizes are what issue #17's
        // memory target is made of (see ARCHITECTURE.md, the audit).
        assert!(size_of::<EntryReport>() <= 40);
        assert!(size_of::<super::Finding>() <= 104);
        assert!(size_of::<super::KeyReport>() <= 232);
    }
}
