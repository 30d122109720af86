//! The audit's output: [`AuditReport`], per key a [`KeyReport`], and [`Finding`]s.
//!
//! Every type here serializes with stable camelCase field names (the JSON renderer is
//! `serde_json` over these types, and `schemaVersion` changes when a field changes meaning).
//! This module must NOT compute findings (`analyze.rs` does) nor format text (`render`).

use atlas_keys_model::{ApiKeyId, OrgId, OrgRole, ProjectId, ProjectRole};

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
struct FindingOf<'a>(&'a Finding, Option<&'a str>);

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

/// One access-list entry as reported: a view into its [`KeyReport`], which keeps the texts of
/// all its entries in one allocation (an audit holds every entry of every key at once).
/// Serialized with the fields `address`, `count`, `created`, `lastUsed` and `lastUsedAddress`
/// (`null` when absent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EntryReport<'a> {
    address: &'a str,
    count: Option<u64>,
    created: Option<&'a str>,
    last_used: Option<&'a str>,
    last_used_address: Option<&'a str>,
}

impl<'a> EntryReport<'a> {
    /// The address or block, canonical CIDR text when it parses (`192.0.2.7/32`), else the
    /// server's text.
    pub fn address(&self) -> &'a str {
        self.address
    }

    /// Requests counted from this entry.
    pub fn count(&self) -> Option<u64> {
        self.count
    }

    /// When the entry was created, as the server wrote it.
    pub fn created(&self) -> Option<&'a str> {
        self.created
    }

    /// When it was last used, as the server wrote it.
    pub fn last_used(&self) -> Option<&'a str> {
        self.last_used
    }

    /// The address of that last use.
    pub fn last_used_address(&self) -> Option<&'a str> {
        self.last_used_address
    }
}

impl serde::Serialize for EntryReport<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("EntryReport", 5)?;
        s.serialize_field("address", self.address)?;
        s.serialize_field("count", &self.count)?;
        s.serialize_field("created", &self.created)?;
        s.serialize_field("lastUsed", &self.last_used)?;
        s.serialize_field("lastUsedAddress", &self.last_used_address)?;
        s.end()
    }
}

/// The entries of a key's access list, sorted by address: [`len`](Entries::len),
/// [`iter`](Entries::iter), [`get`](Entries::get).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entries<'a> {
    key: &'a KeyReport,
}

impl<'a> Entries<'a> {
    /// How many entries.
    pub fn len(&self) -> usize {
        self.key.entries.len()
    }

    /// No entry: the key has no access list.
    pub fn is_empty(&self) -> bool {
        self.key.entries.is_empty()
    }

    /// The entry at `index`.
    pub fn get(&self, index: usize) -> Option<EntryReport<'a>> {
        let key = self.key;
        let meta = key.entries.get(index)?;
        let start = match index.checked_sub(1) {
            Some(before) => key.entries[before].ends[3],
            None => key.description_end,
        };
        let part = |from: u32, to: u32| key.text.get(from as usize..to as usize).unwrap_or("");
        let optional =
            |bit: u8, from: u32, to: u32| (meta.present & bit != 0).then(|| part(from, to));
        let [address, created, last_used, from] = meta.ends;
        Some(EntryReport {
            address: part(start, address),
            count: (meta.present & HAS_COUNT != 0).then_some(meta.count),
            created: optional(HAS_CREATED, address, created),
            last_used: optional(HAS_LAST_USED, created, last_used),
            last_used_address: optional(HAS_LAST_USED_ADDRESS, last_used, from),
        })
    }

    /// Every entry, in order.
    pub fn iter(&self) -> impl Iterator<Item = EntryReport<'a>> + 'a {
        let entries = *self;
        (0..entries.len()).filter_map(move |i| entries.get(i))
    }
}

impl serde::Serialize for Entries<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// A key's access list as reported: its entries, or unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "camelCase")]
#[non_exhaustive]
pub enum AccessListReport<'a> {
    /// Read in full; empty means no access list.
    Known {
        /// The entries, sorted by address.
        entries: Entries<'a>,
    },
    /// Could not be read.
    Unknown {
        /// Why (e.g. `401 API_KEY_ACCESS_LIST_ACCESS_DENIED`).
        reason: &'a str,
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

/// Where one entry's four texts end in its key's text (absolute offsets; the entry starts
/// where the one before it ends), which of them are present, and its count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EntryMeta {
    /// Ends of the address, `created`, `lastUsed` and `lastUsedAddress`.
    pub(crate) ends: [u32; 4],
    pub(crate) count: u64,
    /// `HAS_*` bits: flags rather than `Option`s keep an entry at 32 bytes.
    pub(crate) present: u8,
}

pub(crate) const HAS_CREATED: u8 = 1;
pub(crate) const HAS_LAST_USED: u8 = 1 << 1;
pub(crate) const HAS_LAST_USED_ADDRESS: u8 = 1 << 2;
pub(crate) const HAS_COUNT: u8 = 1 << 3;

/// What the key's access list and usage are, without their texts (those are in the key's
/// text: the unknown reason or the last use's address, after the entries).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// The list could not be read; the text after the entries is the reason.
    ListUnknown,
    /// Used at `KeyReport::last`; the text after the entries is the last address, if any.
    Used {
        /// Whether the last use names its address.
        has_address: bool,
    },
    /// Entries, none used.
    NeverUsed,
    /// The list is known and usage is not (no entries, or no date parses).
    UsageUnknown(UsageUnknown),
}

/// Everything reported about one key, read through its accessors.
///
/// Compact on purpose (issue #17: an audit holds every key of the org at once): the public
/// key, the description and every entry's texts share one allocation, the lists are exact
/// boxed slices, and the access list and usage are rebuilt from a few numbers when asked.
/// Serialized with the fields `id`, `publicKey`, `description`, `orgRoles`, `projects`,
/// `accessList`, `usage` and `findings` (each finding with the key's `publicKey`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyReport {
    pub(crate) id: ApiKeyId,
    /// The public key, the description, each entry's texts, then the unknown reason or the
    /// last use's address.
    pub(crate) text: Box<str>,
    pub(crate) entries: Box<[EntryMeta]>,
    pub(crate) org_roles: Box<[OrgRole]>,
    pub(crate) projects: Box<[ProjectRoles]>,
    pub(crate) findings: Box<[Finding]>,
    /// The last use, Unix seconds (with `State::Used`).
    pub(crate) last: i64,
    /// Ends of the public key and the description in `text` (an absent one is empty).
    pub(crate) public_key_end: u32,
    pub(crate) description_end: u32,
    pub(crate) has_public_key: bool,
    pub(crate) has_description: bool,
    pub(crate) state: State,
}

impl KeyReport {
    /// The key id.
    pub fn id(&self) -> &ApiKeyId {
        &self.id
    }

    /// The public key.
    pub fn public_key(&self) -> Option<&str> {
        self.has_public_key
            .then(|| self.text.get(..self.public_key_end as usize).unwrap_or(""))
    }

    /// The description, verbatim (may hold anything: renderers for terminals escape it).
    pub fn description(&self) -> Option<&str> {
        let (from, to) = (self.public_key_end as usize, self.description_end as usize);
        self.has_description
            .then(|| self.text.get(from..to).unwrap_or(""))
    }

    /// The organization roles, sorted.
    pub fn org_roles(&self) -> &[OrgRole] {
        &self.org_roles
    }

    /// The project roles, by project id.
    pub fn projects(&self) -> &[ProjectRoles] {
        &self.projects
    }

    /// The text after the entries: the unknown reason or the last use's address.
    fn tail(&self) -> &str {
        let from = self
            .entries
            .last()
            .map_or(self.description_end, |e| e.ends[3]);
        self.text.get(from as usize..).unwrap_or("")
    }

    /// The access list, or unknown.
    pub fn access_list(&self) -> AccessListReport<'_> {
        match self.state {
            State::ListUnknown => AccessListReport::Unknown {
                reason: self.tail(),
            },
            _ => AccessListReport::Known {
                entries: Entries { key: self },
            },
        }
    }

    /// The entries of the access list; empty when it is unknown or has none.
    pub fn entries(&self) -> Entries<'_> {
        Entries { key: self }
    }

    /// Whether and when the key was used.
    pub fn usage(&self) -> Usage {
        match self.state {
            State::ListUnknown => Usage::Unknown {
                reason: UsageUnknown::AccessListUnknown,
            },
            State::Used { has_address } => Usage::Used {
                last: self.last,
                last_used: super::timestamp::format_timestamp(self.last),
                last_used_address: has_address.then(|| self.tail().to_owned()),
            },
            State::NeverUsed => Usage::NeverUsed,
            State::UsageUnknown(reason) => Usage::Unknown { reason },
        }
    }

    /// The key's findings: severity (high first), then rule id, then entry.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }
}

impl serde::Serialize for KeyReport {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        /// The findings, each written with this key's public key.
        struct Findings<'a>(&'a KeyReport);
        impl serde::Serialize for Findings<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let key = self.0;
                serializer.collect_seq(key.findings.iter().map(|f| FindingOf(f, key.public_key())))
            }
        }
        let mut s = serializer.serialize_struct("KeyReport", 8)?;
        s.serialize_field("id", &self.id)?;
        s.serialize_field("publicKey", &self.public_key())?;
        s.serialize_field("description", &self.description())?;
        s.serialize_field("orgRoles", &self.org_roles)?;
        s.serialize_field("projects", &self.projects)?;
        s.serialize_field("accessList", &self.access_list())?;
        s.serialize_field("usage", &self.usage())?;
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
    #[test]
    fn the_per_key_types_stay_small() {
        // An audit holds one of each per key, entry or finding: these sizes are what issue
        // #17's memory target is made of (see ARCHITECTURE.md, the audit).
        assert!(size_of::<super::EntryMeta>() <= 32);
        assert!(size_of::<super::Finding>() <= 104);
        assert!(size_of::<super::KeyReport>() <= 136);
    }
}
