//! What the audit reads: [`AuditInput`] (the org, its `apiAccessListRequired` setting, every
//! key with its access list, and `now`) and the tunable [`AuditOptions`].
//!
//! This module must NOT fetch anything: the client fills an input from its responses, tests
//! build one by hand. An access list the caller could not read is [`AccessListView::Unknown`],
//! never an empty list.

use std::time::Duration;

use atlas_keys_model::{AccessListEntry, ApiKey, OrgId};

/// One key's access list as the auditor could see it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccessListView {
    /// Every entry of the list (all pages); empty means the key has no access list.
    Known(Vec<AccessListEntry>),
    /// The list could not be read, e.g. `401 API_KEY_ACCESS_LIST_ACCESS_DENIED`. `reason` is
    /// shown in the report (the table renderer escapes control characters in it).
    Unknown {
        /// Why, in one line: the status and error code are enough.
        reason: String,
    },
}

impl AccessListView {
    /// An unreadable list, with the reason shown in the report.
    pub fn unknown(reason: impl Into<String>) -> Self {
        AccessListView::Unknown {
            reason: reason.into(),
        }
    }
}

/// Thresholds of the audit. [`Default`] gives the documented defaults; each setter replaces one.
///
/// - `stale_after`: 90 days. A key whose latest `lastUsed` is older is stale.
/// - `wide_prefix_v4`: 8. An IPv4 block of prefix length 8 or less (16.7 million addresses or
///   more, a whole former class A) is "wide". Corporate egress ranges are /16 to /32 and the
///   widest ranges cloud providers publish per region are around /10 to /12, so /8 flags
///   blocks nobody needs for one API key without flagging real egress ranges.
/// - `wide_prefix_v6`: 32. An IPv6 block of prefix length 32 or less is "wide": /32 is the
///   usual allocation to a whole ISP, while one site gets a /48 to /56.
/// - `key_limit`: 500 keys per organization (NOTES (j)); `near_limit`: 450, the point from
///   which one bulk provisioning run may hit the limit.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditOptions {
    /// A key unused for longer than this is stale.
    pub stale_after: Duration,
    /// IPv4 blocks with a prefix length at most this are wide.
    pub wide_prefix_v4: u8,
    /// IPv6 blocks with a prefix length at most this are wide.
    pub wide_prefix_v6: u8,
    /// The service's limit on keys per organization.
    pub key_limit: u32,
    /// From this many keys on, the org is near the limit.
    pub near_limit: u32,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            stale_after: Duration::from_secs(90 * 86_400),
            wide_prefix_v4: 8,
            wide_prefix_v6: 32,
            key_limit: 500,
            near_limit: 450,
        }
    }
}

impl AuditOptions {
    /// Sets how long a key may go unused before it is stale.
    pub fn stale_after(mut self, after: Duration) -> Self {
        self.stale_after = after;
        self
    }

    /// Sets the widest IPv4 prefix length that still counts as "wide" (0..=32).
    pub fn wide_prefix_v4(mut self, prefix: u8) -> Self {
        self.wide_prefix_v4 = prefix.min(32);
        self
    }

    /// Sets the widest IPv6 prefix length that still counts as "wide" (0..=128).
    pub fn wide_prefix_v6(mut self, prefix: u8) -> Self {
        self.wide_prefix_v6 = prefix.min(128);
        self
    }

    /// Sets the key limit and the "near" threshold (clamped to at most `limit`).
    pub fn key_limit(mut self, limit: u32, near: u32) -> Self {
        self.key_limit = limit;
        self.near_limit = near.min(limit);
        self
    }
}

/// Everything [`audit`](super::audit) looks at. Built with [`AuditInput::new`] and setters.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditInput {
    /// The organization audited.
    pub org_id: OrgId,
    /// The org setting `apiAccessListRequired`; `None` when it could not be read.
    pub api_access_list_required: Option<bool>,
    /// Every key of the org, each with its access list, in any order.
    pub keys: Vec<(ApiKey, AccessListView)>,
    /// The time of the audit, in seconds since the Unix epoch (UTC).
    pub now: i64,
    /// The thresholds.
    pub options: AuditOptions,
}

impl AuditInput {
    /// An input for `org_id` at `now` (Unix seconds), with no key, the setting unknown and
    /// default options.
    pub fn new(org_id: OrgId, now: i64) -> Self {
        AuditInput {
            org_id,
            api_access_list_required: None,
            keys: Vec::new(),
            now,
            options: AuditOptions::default(),
        }
    }

    /// Sets the org's `apiAccessListRequired` (`None`: unknown).
    pub fn api_access_list_required(mut self, required: Option<bool>) -> Self {
        self.api_access_list_required = required;
        self
    }

    /// Adds one key and its access list.
    pub fn key(mut self, key: ApiKey, access_list: AccessListView) -> Self {
        self.keys.push((key, access_list));
        self
    }

    /// Adds keys and their access lists.
    pub fn keys(mut self, keys: impl IntoIterator<Item = (ApiKey, AccessListView)>) -> Self {
        self.keys.extend(keys);
        self
    }

    /// Replaces the thresholds.
    pub fn options(mut self, options: AuditOptions) -> Self {
        self.options = options;
        self
    }
}
