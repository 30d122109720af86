//! The fetching half of the audit: `client.audit(&org)…send().await`. It reads the org's
//! settings, every org key (all pages, one page at a time, checked against `totalCount`) and
//! each key's access list (all pages, a bounded number of keys at a time), and audits each key
//! as its list arrives (the pure `audit_key`), so that only the compact report grows with
//! the org; the pure `assemble` then sorts and counts.
//!
//! What it must NOT do: send anything but GETs, or return a partial report: a list that
//! ends short of its `totalCount` and any error other than "you may not read this" fail
//! the whole audit. What the caller may not read is *unknown* in the report: the settings
//! on 401/403 (or in a flavour without them), an access list on 401
//! `API_KEY_ACCESS_LIST_ACCESS_DENIED`. Pacing is the client's (every client shares one
//! pacer across its calls), so this module does not wait on its own.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use atlas_keys_model::{ApiKey, ErrorCode, OrgId};
use futures::{TryStreamExt, stream};

use super::analyze::{Scope, assemble, audit_key};
use super::{AccessListView, AuditOptions, AuditReport, KeyReport};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::operations::Operation;

/// How many keys' access lists are read at once by default. With the pacer in front this
/// only matters while the bucket has tokens (or without limits): 16 round trips in flight
/// hide the latency without opening more connections than a pool keeps warm.
pub const DEFAULT_AUDIT_CONCURRENCY: usize = 16;

/// Keys per page when listing (the service's maximum).
const PAGE_SIZE: u32 = 500;

/// Where a running audit is: keys listed so far (of `keys_total` once the first page
/// said) and access lists read. `Display` is the progress line:
/// `keys 120/500, access lists 87/500`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Keys listed so far.
    pub keys: usize,
    /// The org's key count from `totalCount`, once known.
    pub keys_total: Option<u64>,
    /// Access lists read so far (unknown ones included).
    pub access_lists: usize,
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.keys_total {
            Some(total) => write!(
                f,
                "keys {}/{total}, access lists {}/{total}",
                self.keys, self.access_lists
            ),
            None => write!(f, "keys {}, access lists {}", self.keys, self.access_lists),
        }
    }
}

type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// The fluent audit of one organization: `client.audit(&org)`, the setters, `send()`.
///
/// ```no_run
/// # async fn run(client: atlas_keys::Client, org: atlas_keys::model::OrgId) -> atlas_keys::Result<()> {
/// use std::time::Duration;
/// use atlas_keys::audit::FailOn;
///
/// let report = client
///     .audit(&org)
///     .stale_after(Duration::from_secs(30 * 86_400))
///     .progress(|p| eprintln!("{p}"))
///     .send()
///     .await?;
/// if report.fails(FailOn::High) {
///     println!("{}", atlas_keys::audit::render::table::to_table_string(&report));
/// }
/// # Ok(()) }
/// ```
#[must_use = "an audit does nothing until it is sent"]
pub struct AuditBuilder {
    client: Client,
    org_id: OrgId,
    options: AuditOptions,
    concurrency: usize,
    now: Option<i64>,
    progress: Option<ProgressFn>,
}

impl fmt::Debug for AuditBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditBuilder")
            .field("org_id", &self.org_id)
            .field("options", &self.options)
            .field("concurrency", &self.concurrency)
            .field("now", &self.now)
            .field("progress", &self.progress.is_some())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Audits every key of `org_id`: see [`AuditBuilder`]. Only GETs are sent.
    pub fn audit(&self, org_id: &OrgId) -> AuditBuilder {
        AuditBuilder {
            client: self.clone(),
            org_id: *org_id,
            options: AuditOptions::default(),
            concurrency: DEFAULT_AUDIT_CONCURRENCY,
            now: None,
            progress: None,
        }
    }
}

impl AuditBuilder {
    /// Replaces every threshold at once.
    pub fn options(mut self, options: AuditOptions) -> Self {
        self.options = options;
        self
    }

    /// A key whose latest use is older than this is stale (default 90 days).
    pub fn stale_after(mut self, after: Duration) -> Self {
        self.options = self.options.stale_after(after);
        self
    }

    /// IPv4 and IPv6 blocks with a prefix length at most these are "wide" (default 8, 32).
    pub fn wide_prefixes(mut self, v4: u8, v6: u8) -> Self {
        self.options = self.options.wide_prefix_v4(v4).wide_prefix_v6(v6);
        self
    }

    /// How many keys' access lists are read at once (default
    /// [`DEFAULT_AUDIT_CONCURRENCY`], at least 1).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// The time of the audit in Unix seconds (default: the system clock when sent).
    pub fn now(mut self, unix_seconds: i64) -> Self {
        self.now = Some(unix_seconds);
        self
    }

    /// Called after each page of keys and each access list, from the task that read it.
    pub fn progress(mut self, report: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(report));
        self
    }

    /// Reads everything and builds the report.
    ///
    /// Keys are audited as their access lists arrive: what the service sent (pages of keys,
    /// links, entries) is dropped as soon as the key's compact report is built, so memory
    /// grows with the report, not with the responses (issue #17).
    pub async fn send(self) -> Result<AuditReport> {
        let AuditBuilder {
            client,
            org_id,
            options,
            concurrency,
            now,
            progress,
        } = self;
        let report = |p: Progress| {
            if let Some(f) = &progress {
                f(p);
            }
        };
        let required = access_list_required(&client, &org_id).await?;
        let scope = Scope {
            org_id,
            now: now.unwrap_or_else(unix_now),
            api_access_list_required: required,
            options,
        };
        let listed = AtomicUsize::new(0);
        let total: Mutex<Option<u64>> = Mutex::new(None);
        let done = AtomicUsize::new(0);
        let client = &client;
        let progress_now = |listed: usize, access_lists: usize| {
            let keys_total = total.lock().ok().and_then(|t| *t);
            report(Progress {
                keys: listed,
                keys_total,
                access_lists,
            });
        };
        let mut keys: Vec<KeyReport> = Vec::new();
        {
            // One page of keys at a time (the access lists are the long part, so little waits
            // on it): a page of 500 keys with their links is the largest thing read, and more
            // pages in flight would hold several at once.
            let pages = client
                .org_keys()
                .list(&org_id)
                .items_per_page(PAGE_SIZE)
                .include_count(true)
                .concurrency(1)
                .pages();
            let api_keys = pages
                .map_ok(|page| {
                    if let Ok(mut total) = total.lock()
                        && total.is_none()
                    {
                        *total = page.total_count();
                    }
                    let n = listed.fetch_add(page.len(), Ordering::Relaxed) + page.len();
                    progress_now(n, done.load(Ordering::Relaxed));
                    stream::iter(page.into_results().into_iter().map(Ok::<_, Error>))
                })
                .try_flatten();
            let mut audited = api_keys
                .map_ok(|key| {
                    let (done, listed, scope) = (&done, &listed, &scope);
                    let progress_now = &progress_now;
                    async move {
                        let view = access_list(client, &org_id, &key).await?;
                        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                        progress_now(listed.load(Ordering::Relaxed), n);
                        Ok::<_, Error>(audit_key(scope, &key, &view))
                    }
                })
                .try_buffer_unordered(concurrency);
            while let Some(key) = audited.try_next().await? {
                if keys.capacity() == 0 {
                    // Reserving untouched capacity costs address space, not memory; the cap
                    // keeps a wild `totalCount` from asking for more than that.
                    let hint = total.lock().ok().and_then(|t| *t).unwrap_or(0);
                    keys.reserve(usize::try_from(hint.min(MAX_RESERVE)).unwrap_or(0));
                }
                keys.push(key);
            }
        }
        let total = total.into_inner().ok().flatten();
        check_complete(&mut keys, total)?;
        Ok(assemble(&scope, keys))
    }
}

/// Keys reserved for up front at most, whatever `totalCount` says (the service allows 500
/// per organization).
const MAX_RESERVE: u64 = 100_000;

/// Fails when the listing is not the org's keys exactly once each: a count other than
/// `totalCount`, or a key twice (keys added or removed while the pages were read).
fn check_complete(keys: &mut [KeyReport], total: Option<u64>) -> Result<()> {
    // In place, without a set of ids: the report is the largest thing held at this point.
    keys.sort_unstable_by_key(|a| a.id);
    let repeats = keys.windows(2).filter(|w| w[0].id == w[1].id).count();
    let distinct = keys.len() - repeats;
    let complete = total.is_none_or(|t| t == keys.len() as u64);
    if repeats == 0 && complete {
        return Ok(());
    }
    let said = total.map_or_else(|| "no count".to_owned(), |t| t.to_string());
    Err(Error::decode(
        200,
        format!(
            "the key list is inconsistent (totalCount {said}, {} keys read, {distinct} distinct): \
             keys were added or removed during the audit; run it again",
            keys.len(),
        ),
        String::new(),
        None,
    )
    .with_operation(Operation::ListOrgApiKeys))
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `apiAccessListRequired`, or `None` when the caller may not read the settings (401,
/// 403) or the flavour has no settings call (Cloud/Ops Manager).
async fn access_list_required(client: &Client, org_id: &OrgId) -> Result<Option<bool>> {
    if Operation::GetOrgSettings.spec(client.flavour()).is_none() {
        return Ok(None);
    }
    match client.org_settings().get(org_id).send().await {
        Ok(doc) => Ok(doc.settings().api_access_list_required()),
        Err(e) if matches!(e.status(), Some(401 | 403)) && e.api_error().is_some() => Ok(None),
        Err(e) => Err(e),
    }
}

/// One key's access list, all pages; unknown when the caller may not read it.
async fn access_list(client: &Client, org_id: &OrgId, key: &ApiKey) -> Result<AccessListView> {
    let listed = client
        .access_list()
        .list(org_id, key.id())
        .items_per_page(PAGE_SIZE)
        .items()
        .try_collect_vec()
        .await;
    match listed {
        Ok(entries) => Ok(AccessListView::Known(entries)),
        Err(e)
            if e.status() == Some(401)
                && e.code() == Some(&ErrorCode::ApiKeyAccessListAccessDenied) =>
        {
            Ok(AccessListView::unknown(
                "401 API_KEY_ACCESS_LIST_ACCESS_DENIED",
            ))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::Progress;

    #[test]
    fn the_progress_line() {
        let p = Progress {
            keys: 120,
            keys_total: Some(500),
            access_lists: 87,
        };
        assert_eq!(p.to_string(), "keys 120/500, access lists 87/500");
        let p = Progress {
            keys_total: None,
            ..p
        };
        assert_eq!(p.to_string(), "keys 120, access lists 87");
    }
}
