//! The security audit of an organization's API keys (issue #17): what each key can do, where it
//! can be used from, whether it is used, and what to fix.
//!
//! `client.audit(&org)…send().await` ([`AuditBuilder`], in `fetch.rs`) reads the org (GETs
//! only) and returns the report, auditing each key as its access list arrives so that it
//! holds the compact report and not the responses. Everything else here is **pure**:
//! [`audit`] turns an [`AuditInput`] (the keys, their access lists and the org setting) into
//! an [`AuditReport`], and the [`render`] functions turn a report into JSON, CSV, SARIF 2.1.0 or
//! a text table. The pure part must NOT do I/O, read the clock (the caller passes `now`) or
//! decide an exit status on its own (the caller asks [`AuditReport::fails`]). Its one rule
//! about missing data: what the API does not say is reported as *unknown*, never as empty or
//! unused.
//!
//! ```
//! use atlas_keys::audit::{AccessListView, AuditInput, FailOn, RuleId, audit};
//! use atlas_keys::model::{ApiKey, ApiKeyId, OrgId, OrgRole, PublicKey, RoleAssignment};
//!
//! let org = OrgId::new("4888442a3354817a7320eb61").unwrap();
//! let key = ApiKey::new(ApiKeyId::new("5d1113b25a115342acc2d1aa").unwrap())
//!     .with_public_key(PublicKey::new("zmmrboas").unwrap())
//!     .with_roles(vec![RoleAssignment::Org { org_id: org.clone(), role: OrgRole::Owner }]);
//! let input = AuditInput::new(org, 1_780_000_000)
//!     .api_access_list_required(Some(false))
//!     .key(key, AccessListView::Known(Vec::new()));
//! let report = audit(&input);
//! let ids: Vec<RuleId> = report.keys[0].findings().iter().map(|f| f.rule()).collect();
//! assert!(ids.contains(&RuleId::OrgOwner));
//! assert!(ids.contains(&RuleId::AnyAddress));
//! assert!(report.fails(FailOn::High));
//! ```

mod analyze;
mod coverage;
mod fetch;
mod input;
pub mod render;
mod report;
mod rules;
mod sanitize;
mod text;
mod timestamp;

pub use crate::pacing as limits;
pub use analyze::audit;
pub use fetch::{AuditBuilder, DEFAULT_AUDIT_CONCURRENCY, Progress};
pub use input::{AccessListView, AuditInput, AuditOptions};
pub use report::{
    AccessListReport, AuditReport, Entries, EntryReport, FailOn, Finding, KeyReport, ProjectRoles,
    REPORT_SCHEMA_VERSION, Severity, Summary, Usage, UsageUnknown,
};
pub use rules::{RULES, Rule, RuleId};
pub use sanitize::sanitize;
pub use timestamp::{format_timestamp, parse_timestamp};
