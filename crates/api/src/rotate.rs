//! Key rotation that cannot lose a secret or leave a key behind (issue #18), put together
//! from the building blocks of [`crate::rotation`].
//!
//! [`Rotate`] (from `client.org_keys().rotate(&org, &id)`) runs, with each step recorded in a
//! [`Journal`] (a trait users implement; [`FileJournal`] by default in the CLI):
//! 1. pre-checks, reads only: the old key, its access list, room under the 500-key limit,
//!    and with [`Rotate::self_rotation`] that the new key will be usable from here;
//! 2. `createRequested` (before the create, with a marker in the new key's description so a
//!    create whose answer was lost is still found), the create, `created`;
//! 3. the delivery of the secret ([`Delivery`]) before anything else can fail, `delivered`;
//!    a failed delivery deletes the new key and leaves the old one untouched;
//! 4. the project roles (`assigned` per project) and the access list (`accessListCopied`);
//! 5. a call with the new credentials (`verified`: a 200, or a 403 access-list denial);
//! 6. one-shot: the old key's delete (after [`Rotate::confirm`]), `oldKeyDeleted`;
//!    two-phase: stop; [`Rotations::finish`] deletes later, optionally once the old key's
//!    access-list counters stopped moving ([`crate::rotation::usage::verdict`]).
//!
//! A failure or a crash at any point leaves a journal that [`Rotations::resume`] completes
//! or undoes with [`crate::rotation::plan::plan`]: every key this code created either had its
//! secret delivered or is deleted; the old key is deleted only after the new key was
//! delivered and verified.
//!
//! This is the one way to rotate a key, for the CLI and for library callers alike. A program
//! that keeps the secret itself delivers it in process ([`Delivery::in_process`] to its own
//! secret store, [`Delivery::in_memory`] to take it from a slot afterwards), and may keep the
//! default in-memory journal; the steps and their order are the same.
//!
//! What it must NOT do: hold the new secret anywhere but the [`DeliveredKey`] handed to the
//! delivery (and the verification client), put it in a journal, error or `Debug`, or
//! delete the old key on any path that did not record `delivered` and `verified` first.

use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use atlas_keys_model::{
    AccessListAddress, AccessListEntryRequest, ApiKey, ApiKeyId, Description, OrgId, OrgRole,
    PrivateKey, ProjectId, ProjectRole, PublicKey, RoleAssignment,
};
use futures::future::BoxFuture;

use crate::builder::ClientBuilder;
use crate::call::Core;
use crate::client::Client;
use crate::error::Error;
use crate::rotation::ci_ledger::append_marker;
use crate::rotation::deliver::{DeliveredKey, Delivery, DeliveryError, DeliveryReceipt};
use crate::rotation::ipinfo::{self, Probe};
use crate::rotation::journal::{
    FileJournal, Journal, JournalEntry, JournalError, MemoryJournal, Mode, RotationId,
    RotationLock, RotationState, Step,
};
use crate::rotation::plan::{self, NextStep, Outcome, Resume};
use crate::rotation::usage::{self, EntryUsage, Snapshot, Verdict};
use crate::{AccessList, OrgKeys, ProjectKeys};

/// The service's limit of API keys per organization (NOTES (j)).
pub const MAX_KEYS_PER_ORG: u64 = 500;

/// Called after each journal entry is durable, with its 1-based number in this run and the
/// step; the run goes on when the future completes. The CLI's fault-injection hook
/// (`ATLAS_KEYS_FAULT_AFTER_STEP`) is one; a progress display is another.
pub type StepObserver = Arc<dyn Fn(usize, &Step) -> BoxFuture<'static, ()> + Send + Sync>;

/// Asked before the old key is deleted in a one-shot rotation or a resume; `false` keeps it
/// (the rotation then waits for [`Rotations::finish`]).
pub type ConfirmDelete = Arc<dyn Fn(&ApiKeyId) -> bool + Send + Sync>;

/// Why a rotation (or a finish or resume) stopped. No variant holds a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RotationError {
    /// A pre-check failed: nothing was written.
    #[error("not rotated (nothing was changed): {0}")]
    Refused(String),
    /// A call failed. `rotation` names the journal to resume, when one was started, and
    /// `new_key` the key it created, when it is known (so that both keys are named).
    #[error("{what} failed: {source}{}{}", new_key_note(new_key.as_ref()), resume_hint(rotation.as_ref()))]
    Api {
        /// What was being done.
        what: &'static str,
        /// The rotation, if it was started.
        rotation: Option<RotationId>,
        /// The new key, once the create answered (it exists unless `resume` deletes it).
        new_key: Option<ApiKeyId>,
        /// The API error.
        #[source]
        source: Error,
    },
    /// The secret could not be delivered; the new key was deleted (unless `rolled_back` is
    /// false, then `rotate resume` deletes it) and the old key is untouched.
    #[error("the new key's secret could not be delivered: {source}; {}", if *rolled_back { "the new key was deleted and the old key is untouched".to_owned() } else { format!("the new key could not be deleted yet{}", resume_hint(Some(rotation))) })]
    Delivery {
        /// The rotation.
        rotation: RotationId,
        /// Whether the new key is already deleted.
        rolled_back: bool,
        /// Why.
        #[source]
        source: DeliveryError,
    },
    /// The new credentials did not work (or, with `--self`, are not admitted from here).
    #[error("the new key failed verification ({detail}); {}", if *rolled_back { "it was deleted and the old key is untouched".to_owned() } else { format!("the old key is untouched{}", resume_hint(Some(rotation))) })]
    Verification {
        /// The rotation.
        rotation: RotationId,
        /// What the probe saw.
        detail: String,
        /// Whether the new key is already deleted.
        rolled_back: bool,
    },
    /// `resume` must verify the new key but its secret is gone with the process that
    /// delivered it: pass it back ([`Rotations::secret`]) or abort.
    #[error(
        "rotation {rotation}: the new key must be verified but its secret is not at hand; pass the delivered key document (--verify-from FILE) or abort (rotate resume --abort)"
    )]
    NeedsSecret {
        /// The rotation.
        rotation: RotationId,
    },
    /// `finish --wait-unused` on a key with no usage signal, without `force`.
    #[error(
        "the old key {0} has no access-list entries, so the service records no usage for it; use --force to delete it anyway"
    )]
    NoUsageSignal(ApiKeyId),
    /// No rotation in progress matches.
    #[error("no rotation in progress {0}")]
    NotFound(String),
    /// The journal failed.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

fn new_key_note(new_key: Option<&ApiKeyId>) -> String {
    new_key.map_or_else(String::new, |key| format!("; new key {key}"))
}

fn resume_hint(rotation: Option<&RotationId>) -> String {
    match rotation {
        Some(id) => format!(
            "; the journal keeps rotation {id}: `rotate resume {id}` completes or undoes it"
        ),
        None => String::new(),
    }
}

impl RotationError {
    /// The rotation the error leaves in progress, if any.
    pub fn rotation(&self) -> Option<&RotationId> {
        match self {
            Self::Api { rotation, .. } => rotation.as_ref(),
            Self::Delivery { rotation, .. }
            | Self::Verification { rotation, .. }
            | Self::NeedsSecret { rotation } => Some(rotation),
            _ => None,
        }
    }

    /// Names the new key in an [`RotationError::Api`] that does not name it yet.
    fn with_new_key(mut self, key: Option<ApiKeyId>) -> Self {
        if let Self::Api { new_key, .. } = &mut self
            && new_key.is_none()
        {
            *new_key = key;
        }
        self
    }
}

/// What a rotation (or a resume or finish) achieved.
#[derive(Debug)]
#[non_exhaustive]
pub struct RotationReport {
    /// The rotation.
    pub id: RotationId,
    /// The old key.
    pub old_key: ApiKeyId,
    /// The new key and its public half (the secret went to the delivery target).
    pub new_key: Option<(ApiKeyId, PublicKey)>,
    /// What the delivery did, in this run.
    pub receipt: Option<DeliveryReceipt>,
    /// Whether the old key is deleted.
    pub old_key_deleted: bool,
    /// How it ended, if it ended; `None` while two-phase and waiting for `finish`, or when
    /// the delete was declined.
    pub outcome: Option<Outcome>,
    /// With `self_rotation`: a client logged in with the new key (the old one is gone).
    pub new_client: Option<Client>,
}

/// The shared machinery of a rotation, a finish and a resume.
#[derive(Clone)]
struct Engine {
    core: Arc<Core>,
    journal: Arc<dyn Journal>,
    verify_with: Option<ClientBuilder>,
    observer: Option<StepObserver>,
    confirm: Option<ConfirmDelete>,
    recorded: Arc<AtomicUsize>,
    poll_every: Duration,
}

impl Engine {
    fn new(core: Arc<Core>) -> Self {
        Self {
            core,
            journal: Arc::new(MemoryJournal::new()),
            verify_with: None,
            observer: None,
            confirm: None,
            recorded: Arc::new(AtomicUsize::new(0)),
            poll_every: Duration::from_secs(60),
        }
    }

    fn org_keys(&self) -> OrgKeys {
        OrgKeys::new(Arc::clone(&self.core))
    }
    fn access_list(&self) -> AccessList {
        AccessList::new(Arc::clone(&self.core))
    }
    fn project_keys(&self) -> ProjectKeys {
        ProjectKeys::new(Arc::clone(&self.core))
    }

    /// Records `step` durably, then lets the observer run.
    async fn record(&self, id: &RotationId, step: Step) -> Result<(), RotationError> {
        self.journal
            .record(&JournalEntry::now(id, step.clone()))
            .await?;
        let n = self.recorded.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(observer) = &self.observer {
            observer(n, &step).await;
        }
        Ok(())
    }

    /// A client with the new key's credentials, otherwise configured like ours.
    fn client_for(&self, key: &DeliveredKey, private: &PrivateKey) -> Result<Client, Error> {
        let template = self.verify_with.clone().unwrap_or_else(|| {
            let c = &self.core.config;
            Client::builder()
                .base_url(c.base_url.clone())
                .flavour(c.flavour)
                .api_version(c.api_version)
        });
        template
            .digest(
                key.public_key().as_str(),
                secrecy::SecretString::from(private.expose_private_key().to_owned()),
            )
            .build()
    }

    /// Deletes a key; a key already gone counts as deleted (a retried delete whose first
    /// answer was lost finds it gone).
    async fn delete_key(&self, core: &Arc<Core>, org: &OrgId, key: &ApiKeyId) -> Result<(), Error> {
        let keys = OrgKeys::new(Arc::clone(core));
        match idempotent(|| keys.delete(org, key).send()).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The undo moves of the planner (delete what nobody holds the secret of), until the
    /// plan asks for something else.
    async fn undo(&self, id: &RotationId, org: &OrgId) -> Result<Resume, RotationError> {
        loop {
            let entries = self.journal.load(id).await?;
            let next = plan::plan(entries.iter().map(|e| &e.step));
            match next {
                Resume::DeleteUnrecordedKey { marker } => {
                    let found = self
                        .find_marked(org, &marker)
                        .await
                        .map_err(|source| api("finding the new key by its marker", id, source))?;
                    for key in &found {
                        self.delete_key(&self.core, org, key)
                            .await
                            .map_err(|source| api("deleting the unrecorded new key", id, source))?;
                    }
                    self.record(
                        id,
                        Step::NewKeyDeleted {
                            key: found.first().copied(),
                        },
                    )
                    .await?;
                }
                Resume::DeleteNewKey { key } => {
                    self.delete_key(&self.core, org, &key)
                        .await
                        .map_err(|source| api("deleting the new key", id, source))?;
                    self.record(id, Step::NewKeyDeleted { key: Some(key) })
                        .await?;
                }
                Resume::Close(_) => {
                    self.journal.finish(id).await?;
                    return Ok(next);
                }
                other => return Ok(other),
            }
        }
    }

    async fn find_marked(&self, org: &OrgId, marker: &str) -> Result<Vec<ApiKeyId>, Error> {
        let keys = idempotent(|| {
            self.org_keys()
                .list(org)
                .items_per_page(500)
                .items()
                .try_collect_vec()
        })
        .await?;
        Ok(keys
            .iter()
            .filter(|k| k.desc().is_some_and(|d| d.contains(marker)))
            .map(|k| *k.id())
            .collect())
    }

    /// Steps 4: the old key's projects and access list onto the new key; also drops the
    /// create marker from the new key's description.
    async fn copy(
        &self,
        id: &RotationId,
        org: &OrgId,
        old: &ApiKey,
        new_key: &ApiKeyId,
        clean_desc: &Description,
        assigned: &[ProjectId],
    ) -> Result<(), RotationError> {
        let addresses = self
            .old_access_list(org, old.id())
            .await
            .map_err(|source| api("reading the old key's access list", id, source))?;
        idempotent(|| {
            self.org_keys()
                .update(org, new_key)
                .desc(clean_desc.as_str())
                .send()
        })
        .await
        .map_err(|source| api("setting the new key's description", id, source))?;
        for (project, roles) in project_roles_of(old) {
            if assigned.contains(&project) {
                continue;
            }
            idempotent(|| {
                self.project_keys()
                    .assign(&project, new_key)
                    .roles(roles.iter().cloned())
                    .send()
            })
            .await
            .map_err(|source| api("assigning the new key to a project", id, source))?;
            self.record(id, Step::Assigned { project }).await?;
        }
        if !addresses.is_empty() {
            // The service answers 409 for an address already listed (NOTES (j)), so a copy
            // repeated after a lost answer or a crash sends only what is missing.
            let present = self
                .old_access_list(org, new_key)
                .await
                .map_err(|source| api("reading the new key's access list", id, source))?;
            let missing: Vec<AccessListAddress> = addresses
                .iter()
                .filter(|a| !present.contains(a))
                .copied()
                .collect();
            if !missing.is_empty() {
                let copied = idempotent(|| {
                    self.access_list()
                        .create(org, new_key)
                        .entries(missing.iter().copied().map(AccessListEntryRequest::from))
                        .send()
                })
                .await;
                match copied {
                    Ok(_) => {}
                    // A retry of a create whose first answer was lost.
                    Err(e) if e.is_conflict() => {}
                    Err(source) => return Err(api("copying the access list", id, source)),
                }
            }
        }
        self.record(id, Step::AccessListCopied).await
    }

    async fn old_access_list(
        &self,
        org: &OrgId,
        key: &ApiKeyId,
    ) -> Result<Vec<AccessListAddress>, Error> {
        let entries = idempotent(|| {
            self.access_list()
                .list(org, key)
                .items_per_page(500)
                .items()
                .try_collect_vec()
        })
        .await?;
        Ok(entries.iter().filter_map(|e| e.address()).collect())
    }

    /// Step 5. `Ok(client)` when the new credentials are valid (and, with `strict`, admitted
    /// from here); `Err(detail)` when the service says they are not.
    async fn verify(
        &self,
        id: &RotationId,
        key: &DeliveredKey,
        private: &PrivateKey,
        strict: bool,
    ) -> Result<Result<Client, String>, RotationError> {
        let client = self
            .client_for(key, private)
            .map_err(|source| api("building the verification client", id, source))?;
        for attempt in 1..=5u64 {
            match ipinfo::probe(client.core()).await {
                Ok(Probe::Admitted(_)) => return Ok(Ok(client)),
                Ok(Probe::Denied) if !strict => return Ok(Ok(client)),
                Ok(Probe::Denied) => {
                    return Ok(Err(
                        "its access list does not admit this address, and --self would lock you out"
                            .into(),
                    ));
                }
                Ok(Probe::Unauthorized) => return Ok(Err("401: credentials refused".into())),
                Ok(Probe::Other(_)) | Err(_) if attempt < 5 => {
                    tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
                }
                Ok(Probe::Other(status)) => {
                    return Err(RotationError::Api {
                        what: "verifying the new key",
                        rotation: Some(id.clone()),
                        new_key: None,
                        source: Error::config(format!("the probe answered {status}")),
                    });
                }
                Err(e) => {
                    return Err(RotationError::Api {
                        what: "verifying the new key",
                        rotation: Some(id.clone()),
                        new_key: None,
                        source: Error::config(e.to_string()),
                    });
                }
            }
        }
        unreachable!("the last attempt returns")
    }

    /// Step 6: deletes the old key (with `via`, the new key's client after `--self`).
    async fn delete_old(
        &self,
        id: &RotationId,
        org: &OrgId,
        old: &ApiKeyId,
        via: Option<&Client>,
    ) -> Result<(), RotationError> {
        let core = via.map_or(&self.core, |c| c.core());
        self.delete_key(core, org, old)
            .await
            .map_err(|source| api("deleting the old key", id, source))?;
        self.record(id, Step::OldKeyDeleted).await?;
        self.journal.finish(id).await?;
        Ok(())
    }

    fn confirmed(&self, old: &ApiKeyId) -> bool {
        self.confirm.as_ref().is_none_or(|c| c(old))
    }
}

fn api(what: &'static str, id: &RotationId, source: Error) -> RotationError {
    RotationError::Api {
        what,
        rotation: Some(id.clone()),
        new_key: None,
        source,
    }
}

/// Retries an idempotent call a few times on a lost answer, a 5xx or a 429 (the transport's
/// own retries do not repeat writes whose answer was lost; these calls may be repeated).
async fn idempotent<T, F, Fut>(mut call: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let mut attempt = 0u64;
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(e) if attempt < 4 && retryable(&e) => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(150 * attempt)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

fn retryable(e: &Error) -> bool {
    e.is_outcome_unknown()
        || e.is_transport()
        || e.is_rate_limited()
        || e.status().is_some_and(|s| s >= 500)
}

/// A rotation to run: `client.org_keys().rotate(&org, &key)`, configured, then [`Rotate::send`].
///
/// ```no_run
/// # async fn run(client: atlas_keys::Client, org: atlas_keys::model::OrgId, old: atlas_keys::model::ApiKeyId) -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use atlas_keys::rotation::journal::FileJournal;
///
/// let report = client
///     .org_keys()
///     .rotate(&org, &old)
///     .deliver("file:/run/keys/atlas.json".parse()?)
///     .journal(Arc::new(FileJournal::open("/var/lib/atlas-keys/rotations")?))
///     .send()
///     .await?;
/// assert!(report.old_key_deleted);
/// # Ok(()) }
/// ```
#[must_use = "a rotation does nothing until it is sent"]
pub struct Rotate {
    engine: Engine,
    org: OrgId,
    key: ApiKeyId,
    delivery: Option<Delivery>,
    desc: Option<Description>,
    mode: Mode,
    self_rotation: bool,
    caller_ip: Option<IpAddr>,
}

impl fmt::Debug for Rotate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rotate")
            .field("org", &self.org)
            .field("key", &self.key)
            .field("delivery", &self.delivery.as_ref().map(Delivery::summary))
            .field("mode", &self.mode)
            .field("self_rotation", &self.self_rotation)
            .finish_non_exhaustive()
    }
}

impl Rotate {
    pub(crate) fn new(core: Arc<Core>, org: OrgId, key: ApiKeyId) -> Self {
        Self {
            engine: Engine::new(core),
            org,
            key,
            delivery: None,
            desc: None,
            mode: Mode::OneShot,
            self_rotation: false,
            caller_ip: None,
        }
    }

    /// Where the new secret goes (required).
    pub fn deliver(mut self, delivery: Delivery) -> Self {
        self.delivery = Some(delivery);
        self
    }

    /// The new key's description (default: the old key's).
    pub fn desc(mut self, desc: Description) -> Self {
        self.desc = Some(desc);
        self
    }

    /// Where the steps are recorded (default: in memory, which survives no crash).
    pub fn journal(mut self, journal: Arc<dyn Journal>) -> Self {
        self.engine.journal = journal;
        self
    }

    /// Stop after verification; [`Rotations::finish`] deletes the old key.
    pub fn two_phase(mut self, two_phase: bool) -> Self {
        self.mode = if two_phase {
            Mode::TwoPhase
        } else {
            Mode::OneShot
        };
        self
    }

    /// The client is logged in with the old key: check first that the new key will be
    /// usable from here, and delete the old key with the new one (the report carries the
    /// new client).
    pub fn self_rotation(mut self, self_rotation: bool) -> Self {
        self.self_rotation = self_rotation;
        self
    }

    /// The caller's address for the `self_rotation` pre-check (default: asked of the
    /// service's ipinfo endpoint).
    pub fn caller_ip(mut self, ip: IpAddr) -> Self {
        self.caller_ip = Some(ip);
        self
    }

    /// How the verification client is configured (base URL, TLS roots, ...); its
    /// credentials are replaced by the new key's. Default: this client's URL and flavour.
    pub fn verify_with(mut self, builder: ClientBuilder) -> Self {
        self.engine.verify_with = Some(builder);
        self
    }

    /// Asked before the old key's delete (default: delete).
    pub fn confirm(mut self, confirm: ConfirmDelete) -> Self {
        self.engine.confirm = Some(confirm);
        self
    }

    /// Called after each recorded step.
    pub fn on_step(mut self, observer: StepObserver) -> Self {
        self.engine.observer = Some(observer);
        self
    }

    /// Runs the rotation. See the [module docs](self).
    pub async fn send(self) -> Result<RotationReport, RotationError> {
        let Self {
            engine,
            org,
            key,
            delivery,
            desc,
            mode,
            self_rotation,
            caller_ip,
        } = self;
        let delivery = delivery.ok_or_else(|| {
            RotationError::Refused("no delivery target for the new secret".into())
        })?;
        let refused = |what: &str, e: Error| RotationError::Refused(format!("{what}: {e}"));

        // 1. Pre-checks: reads only.
        let old = idempotent(|| engine.org_keys().get(&org, &key).send())
            .await
            .map_err(|e| refused("reading the old key", e))?;
        let addresses = engine
            .old_access_list(&org, &key)
            .await
            .map_err(|e| refused("reading the old key's access list", e))?;
        let count = idempotent(|| {
            engine
                .org_keys()
                .list(&org)
                .items_per_page(1)
                .include_count(true)
                .send()
        })
        .await
        .map_err(|e| refused("counting the organization's keys", e))?
        .total_count();
        if count.is_some_and(|n| n >= MAX_KEYS_PER_ORG) {
            return Err(RotationError::Refused(format!(
                "the organization has {} keys, the most the service allows; delete one first",
                count.unwrap_or_default()
            )));
        }
        if self_rotation && addresses.is_empty() {
            // No access list: the new key works from anywhere, unless the organization
            // requires one; then it works from nowhere, and --self is about to delete the key
            // it is logged in with. Cloud and Ops Manager have no such setting to read.
            let required = crate::org_settings::OrgSettingsHandler::new(Arc::clone(&engine.core))
                .get(&org)
                .send()
                .await
                .ok()
                .and_then(|doc| doc.settings().api_access_list_required());
            if required == Some(true) {
                return Err(RotationError::Refused(
                    "--self: the key has no access list and the organization requires one (apiAccessListRequired), so the new key would not work from anywhere".into(),
                ));
            }
        }
        if self_rotation && !addresses.is_empty() {
            let ip = match caller_ip {
                Some(ip) => ip,
                None => ipinfo::probe(&engine.core)
                    .await
                    .ok()
                    .and_then(|p| match p {
                        Probe::Admitted(ip) => ip,
                        _ => None,
                    })
                    .ok_or_else(|| {
                        RotationError::Refused(
                            "could not learn this machine's address from the service (needed by --self)".into(),
                        )
                    })?,
            };
            if !addresses.iter().any(|a| a.contains(ip)) {
                return Err(RotationError::Refused(format!(
                    "--self: the copied access list does not admit this address ({ip}), so the new key would not work from here"
                )));
            }
        }
        let clean_desc = match &desc {
            Some(d) => d.clone(),
            None => description_of(&old).map_err(|e| refused("the description", e))?,
        };

        // 2. Journal, then create.
        let id = RotationId::new(&key, time::OffsetDateTime::now_utc());
        let _lock: RotationLock = engine.journal.lock(&id).await?;
        engine
            .record(
                &id,
                Step::Started {
                    org,
                    old_key: key,
                    desc: desc.as_ref().map(|d| d.as_str().to_owned()),
                    mode,
                    self_rotation,
                    delivery: delivery.summary(),
                },
            )
            .await?;
        let marker = id.description_marker();
        let marked = append_marker(clean_desc.as_str(), &marker)
            .map_err(|e| RotationError::Refused(format!("the description: {e}")))?;
        engine
            .record(
                &id,
                Step::CreateRequested {
                    marker: marker.clone(),
                },
            )
            .await?;
        let created = engine
            .org_keys()
            .create(&org)
            .desc(marked.as_str())
            .roles(org_roles_of(&old, &org))
            .send()
            .await;
        let new = match created {
            Ok(new) => new,
            Err(source) => {
                // A lost answer may hide a created key: the undo finds it by its marker.
                let _ = engine.undo(&id, &org).await;
                return Err(api("creating the new key", &id, source));
            }
        };
        let (Some(public), Some(private)) = (new.public_key().cloned(), new.private_key().cloned())
        else {
            let _ = engine.undo(&id, &org).await;
            return Err(api(
                "creating the new key",
                &id,
                Error::config("the create answer holds no key pair"),
            ));
        };
        engine
            .record(
                &id,
                Step::Created {
                    new_key_id: *new.id(),
                    new_public_key: public.clone(),
                },
            )
            .await?;

        // 3. Deliver before anything else can fail.
        let delivered = DeliveredKey::new(*new.id(), public.clone(), private.clone());
        let receipt = match delivery.deliver(&delivered).await {
            Ok(receipt) => receipt,
            Err(source) => {
                engine
                    .record(
                        &id,
                        Step::Abandoned {
                            reason: format!("delivery failed: {source}"),
                        },
                    )
                    .await?;
                let rolled_back = engine.undo(&id, &org).await.is_ok();
                return Err(RotationError::Delivery {
                    rotation: id,
                    rolled_back,
                    source,
                });
            }
        };
        engine
            .record(
                &id,
                Step::Delivered {
                    receipt: receipt.clone(),
                },
            )
            .await?;

        // From here on, an error names the new key too: it exists, its secret delivered.
        let named = |e: RotationError| e.with_new_key(Some(*new.id()));

        // 4. Roles and access list.
        engine
            .copy(&id, &org, &old, new.id(), &clean_desc, &[])
            .await
            .map_err(named)?;

        // 5. Verify.
        let client = match engine
            .verify(&id, &delivered, &private, self_rotation)
            .await
            .map_err(named)?
        {
            Ok(client) => client,
            Err(detail) => {
                engine
                    .record(
                        &id,
                        Step::Abandoned {
                            reason: format!("verification failed: {detail}"),
                        },
                    )
                    .await?;
                let rolled_back = engine.undo(&id, &org).await.is_ok();
                return Err(RotationError::Verification {
                    rotation: id,
                    detail,
                    rolled_back,
                });
            }
        };
        engine.record(&id, Step::Verified).await?;
        let new_client = self_rotation.then_some(client);

        // 6. The old key.
        let mut report = RotationReport {
            id: id.clone(),
            old_key: key,
            new_key: Some((*new.id(), public)),
            receipt: Some(receipt),
            old_key_deleted: false,
            outcome: None,
            new_client,
        };
        if mode == Mode::TwoPhase || !engine.confirmed(&key) {
            return Ok(report);
        }
        engine
            .delete_old(&id, &org, &key, report.new_client.as_ref())
            .await
            .map_err(named)?;
        report.old_key_deleted = true;
        report.outcome = Some(Outcome::Rotated);
        Ok(report)
    }
}

/// Rotations already started: status, finish, resume. Built from a client and a journal.
///
/// ```no_run
/// # async fn run(client: atlas_keys::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use atlas_keys::rotate::Rotations;
/// use atlas_keys::rotation::journal::FileJournal;
///
/// let rotations = Rotations::new(&client, Arc::new(FileJournal::open("/tmp/rotations")?));
/// for state in rotations.status().await? {
///     println!("{} next: {:?}", state.id, state.next);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Rotations {
    engine: Engine,
    secret: Option<(DeliveredKey, PrivateKey)>,
}

impl fmt::Debug for Rotations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rotations")
            .field("journal", &self.engine.journal)
            .field("has_secret", &self.secret.is_some())
            .finish_non_exhaustive()
    }
}

impl Rotations {
    /// Rotations recorded in `journal`, acted on with `client`.
    pub fn new(client: &Client, journal: Arc<dyn Journal>) -> Self {
        let mut engine = Engine::new(Arc::clone(client.core()));
        engine.journal = journal;
        Self {
            engine,
            secret: None,
        }
    }

    /// See [`Rotate::verify_with`].
    pub fn verify_with(mut self, builder: ClientBuilder) -> Self {
        self.engine.verify_with = Some(builder);
        self
    }

    /// See [`Rotate::confirm`].
    pub fn confirm(mut self, confirm: ConfirmDelete) -> Self {
        self.engine.confirm = Some(confirm);
        self
    }

    /// See [`Rotate::on_step`].
    pub fn on_step(mut self, observer: StepObserver) -> Self {
        self.engine.observer = Some(observer);
        self
    }

    /// How often `finish` polls the old key's access list while waiting (default 60 s).
    pub fn poll_every(mut self, every: Duration) -> Self {
        self.engine.poll_every = every;
        self
    }

    /// The new key's delivered document, for a resume that must still verify it.
    pub fn secret(mut self, key: DeliveredKey, private: PrivateKey) -> Self {
        self.secret = Some((key, private));
        self
    }

    /// The rotations in progress.
    pub async fn status(&self) -> Result<Vec<RotationState>, RotationError> {
        Ok(self.engine.journal.in_progress().await?)
    }

    /// The rotation in progress named `what`: its id, or the old key's id.
    pub async fn find(&self, what: &str) -> Result<RotationState, RotationError> {
        let all = self.status().await?;
        all.into_iter()
            .rev()
            .find(|s| s.id.as_str() == what || s.old_key.as_str() == what)
            .ok_or_else(|| RotationError::NotFound(format!("for {what}")))
    }

    /// Completes or undoes rotation `id` with the planner; with `abort`, undoes it (the
    /// new key is deleted, the old one kept) unless the old key is already deleted.
    pub async fn resume(
        &self,
        id: &RotationId,
        abort: bool,
    ) -> Result<RotationReport, RotationError> {
        match self.resume_steps(id, abort).await {
            Err(e @ RotationError::Api { .. }) => {
                // Name the new key the journal knows of, as `Rotate::send` does.
                let new_key = self
                    .engine
                    .journal
                    .load(id)
                    .await
                    .ok()
                    .and_then(|entries| RotationState::from_entries(&entries))
                    .and_then(|state| state.new_key)
                    .map(|(key, _)| key);
                Err(e.with_new_key(new_key))
            }
            other => other,
        }
    }

    async fn resume_steps(
        &self,
        id: &RotationId,
        abort: bool,
    ) -> Result<RotationReport, RotationError> {
        let engine = &self.engine;
        let _lock = engine.journal.lock(id).await?;
        let entries = engine.journal.load(id).await?;
        let state = RotationState::from_entries(&entries)
            .ok_or_else(|| RotationError::NotFound(id.to_string()))?;
        let org = state.org;
        if abort && !matches!(state.next, Resume::Close(_) | Resume::Done) {
            engine
                .record(
                    id,
                    Step::Abandoned {
                        reason: "resume --abort".into(),
                    },
                )
                .await?;
        }
        let mut report = RotationReport {
            id: id.clone(),
            old_key: state.old_key,
            new_key: state.new_key.clone(),
            receipt: None,
            old_key_deleted: false,
            outcome: None,
            new_client: None,
        };
        loop {
            let next = engine.undo(id, &org).await?;
            match next {
                Resume::Close(outcome) => {
                    report.old_key_deleted = outcome == Outcome::Rotated;
                    report.outcome = Some(outcome);
                    return Ok(report);
                }
                Resume::Done => return Ok(report),
                Resume::AwaitFinish => return Ok(report),
                Resume::ContinueFrom(NextStep::CopyRolesAndAccessList { assigned }) => {
                    let new_key = state.new_key.as_ref().map(|(k, _)| *k).ok_or_else(|| {
                        RotationError::NotFound(format!("{id}: no new key recorded"))
                    })?;
                    let old = idempotent(|| engine.org_keys().get(&org, &state.old_key).send())
                        .await
                        .map_err(|source| api("reading the old key", id, source))?;
                    let desc = match journal_desc(&entries) {
                        Some(d) => Description::new(d).ok(),
                        None => None,
                    };
                    let desc = match desc {
                        Some(d) => d,
                        None => description_of(&old)
                            .map_err(|source| api("the description", id, source))?,
                    };
                    engine
                        .copy(id, &org, &old, &new_key, &desc, &assigned)
                        .await?;
                }
                Resume::ContinueFrom(NextStep::Verify) => {
                    let Some((key, private)) = self.secret.clone().or_else(|| {
                        delivered_file(&entries).and_then(|p| read_delivered_document(&p).ok())
                    }) else {
                        return Err(RotationError::NeedsSecret {
                            rotation: id.clone(),
                        });
                    };
                    match engine
                        .verify(id, &key, &private, state.self_rotation)
                        .await?
                    {
                        Ok(client) => {
                            if state.self_rotation {
                                report.new_client = Some(client);
                            }
                            engine.record(id, Step::Verified).await?;
                        }
                        Err(detail) => {
                            engine
                                .record(
                                    id,
                                    Step::Abandoned {
                                        reason: format!("verification failed: {detail}"),
                                    },
                                )
                                .await?;
                        }
                    }
                }
                Resume::DeleteOldKey { key } => {
                    if !engine.confirmed(&key) {
                        return Ok(report);
                    }
                    if state.self_rotation && report.new_client.is_none() {
                        report.new_client = self
                            .secret
                            .clone()
                            .or_else(|| {
                                delivered_file(&entries)
                                    .and_then(|p| read_delivered_document(&p).ok())
                            })
                            .and_then(|(k, p)| engine.client_for(&k, &p).ok());
                    }
                    engine
                        .delete_old(id, &org, &key, report.new_client.as_ref())
                        .await?;
                    report.old_key_deleted = true;
                    report.outcome = Some(Outcome::Rotated);
                    return Ok(report);
                }
                // The undo loop handles the delete moves; the planner has no others.
                _ => return Ok(report),
            }
        }
    }

    /// Ends a two-phase rotation: records that the old key may go, optionally waits until its
    /// access-list counters stopped moving for `wait_unused` (polled with this client's
    /// credentials, which must not be the old key's), then deletes it. `force` skips the wait
    /// and accepts a key with no usage signal.
    pub async fn finish(
        &self,
        id: &RotationId,
        wait_unused: Option<time::Duration>,
        force: bool,
    ) -> Result<RotationReport, RotationError> {
        let engine = &self.engine;
        let entries = engine.journal.load(id).await?;
        let state = RotationState::from_entries(&entries)
            .ok_or_else(|| RotationError::NotFound(id.to_string()))?;
        match state.next {
            Resume::AwaitFinish | Resume::DeleteOldKey { .. } => {}
            _ => {
                return Err(RotationError::Refused(format!(
                    "rotation {id} is not delivered and verified yet (next: {:?}); run `rotate resume {id}`",
                    state.next
                )));
            }
        }
        if let (Some(window), false) = (wait_unused, force) {
            self.wait_unused(id, &state.org, &state.old_key, window)
                .await?;
        }
        if state.next == Resume::AwaitFinish {
            engine.record(id, Step::FinishRequested).await?;
        }
        // The confirmation was the `finish` itself.
        let this = Self {
            engine: Engine {
                confirm: None,
                ..engine.clone()
            },
            secret: self.secret.clone(),
        };
        this.resume(id, false).await
    }

    async fn wait_unused(
        &self,
        id: &RotationId,
        org: &OrgId,
        old: &ApiKeyId,
        window: time::Duration,
    ) -> Result<(), RotationError> {
        let mut snapshots: Vec<Snapshot> = Vec::new();
        loop {
            let entries = idempotent(|| {
                self.engine
                    .access_list()
                    .list(org, old)
                    .items_per_page(500)
                    .items()
                    .try_collect_vec()
            })
            .await
            .map_err(|source| api("reading the old key's usage", id, source))?;
            snapshots.push(Snapshot {
                observed_at: time::OffsetDateTime::now_utc(),
                entries: entries
                    .iter()
                    .map(|e| {
                        EntryUsage::from_wire(
                            e.address().map(|a| a.to_string()).unwrap_or_default(),
                            e.count(),
                            e.last_used(),
                        )
                    })
                    .collect(),
            });
            match usage::verdict(&snapshots, window) {
                Verdict::Quiet { .. } => return Ok(()),
                Verdict::NoSignal(_) => return Err(RotationError::NoUsageSignal(*old)),
                _ => {
                    // Only the first and the last snapshot matter for the verdict's
                    // interval reasoning beyond the last change; keep memory bounded.
                    if snapshots.len() > 1000 {
                        snapshots.drain(1..snapshots.len() - 1);
                    }
                    tokio::time::sleep(self.engine.poll_every).await;
                }
            }
        }
    }
}

/// The user's `--desc` of a rotation, from its `started` entry.
fn journal_desc(entries: &[JournalEntry]) -> Option<String> {
    entries.iter().find_map(|e| match &e.step {
        Step::Started { desc, .. } => desc.clone(),
        _ => None,
    })
}

/// The file a rotation's secret was delivered to, if it was a `file:` delivery.
fn delivered_file(entries: &[JournalEntry]) -> Option<std::path::PathBuf> {
    entries.iter().find_map(|e| match &e.step {
        Step::Delivered {
            receipt: DeliveryReceipt::File { path, .. },
        } => Some(path.clone()),
        _ => None,
    })
}

/// Reads a delivered key document (`{"id","publicKey","privateKey"}`) back, e.g. for a
/// resume that must verify the key, or a client that logs in with it.
pub fn read_delivered_document(path: &Path) -> Result<(DeliveredKey, PrivateKey), std::io::Error> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Document {
        id: ApiKeyId,
        public_key: PublicKey,
        private_key: String,
    }
    let text = std::fs::read(path)?;
    let doc: Document = serde_json::from_slice(&text).map_err(|_| {
        // The serde message could quote the content, which holds a secret.
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not a delivered key document",
        )
    })?;
    let private = PrivateKey::new(doc.private_key);
    Ok((
        DeliveredKey::new(doc.id, doc.public_key, private.clone()),
        private,
    ))
}

/// The default journal of the CLI: [`FileJournal::default_dir`].
pub fn default_journal() -> Result<FileJournal, RotationError> {
    let dir = FileJournal::default_dir().ok_or_else(|| {
        RotationError::Refused(
            "neither XDG_STATE_HOME nor HOME is set: no place for the rotation journal".into(),
        )
    })?;
    Ok(FileJournal::open(dir)?)
}

/// The old key's description, or a generated one when it has none (or one the API
/// would no longer accept).
fn description_of(old: &ApiKey) -> Result<Description, Error> {
    match old.desc().map(Description::new) {
        Some(Ok(desc)) => Ok(desc),
        _ => Ok(Description::new(format!("rotated from {}", old.id()))?),
    }
}

/// The old key's roles in `org_id`; a key with none gets `ORG_MEMBER`, the role the
/// server itself gives a key created in a project, since a create needs one role.
fn org_roles_of(old: &ApiKey, org_id: &OrgId) -> Vec<OrgRole> {
    let mut roles: Vec<OrgRole> = Vec::new();
    for assignment in old.roles() {
        if let RoleAssignment::Org { org_id: o, role } = assignment
            && o == org_id
            && !roles.contains(role)
        {
            roles.push(role.clone());
        }
    }
    if roles.is_empty() {
        roles.push(OrgRole::Member);
    }
    roles
}

/// The old key's projects, in first-seen order, each with its roles.
fn project_roles_of(old: &ApiKey) -> Vec<(ProjectId, Vec<ProjectRole>)> {
    let mut projects: Vec<(ProjectId, Vec<ProjectRole>)> = Vec::new();
    for assignment in old.roles() {
        if let RoleAssignment::Project { project_id, role } = assignment {
            match projects.iter_mut().find(|(p, _)| p == project_id) {
                Some((_, roles)) => {
                    if !roles.contains(role) {
                        roles.push(role.clone());
                    }
                }
                None => projects.push((*project_id, vec![role.clone()])),
            }
        }
    }
    projects
}
