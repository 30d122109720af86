//! The emulator's data: organizations, projects, API keys (with their roles and access
//! lists), service accounts and OAuth tokens, plus the indexes that keep listing in
//! creation order cheap.
//!
//! Every change is an [`Op`], applied the same way live and on replay, so the durable
//! log and memory cannot disagree. This module must NOT know HTTP, JSON wire shapes or
//! authorization rules; `Store::write` never holds the std lock across an `.await`.

mod order;
pub(crate) mod persist;

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock, RwLockReadGuard};

use atlas_keys_model::{
    AccessListAddress, ApiKeyId, OrgId, OrgRole, OrgSettings, ProjectId, ProjectRole, PublicKey,
};
use serde::{Deserialize, Serialize};

use order::OrderIndex;

/// An organization.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrgRecord {
    pub(crate) id: OrgId,
    pub(crate) name: String,
    /// Absent in older state files: nothing set, so no access list is required.
    #[serde(default)]
    pub(crate) settings: OrgSettings,
}

impl OrgRecord {
    /// An organization with default settings.
    pub(crate) fn new(id: OrgId, name: String) -> OrgRecord {
        OrgRecord {
            id,
            name,
            settings: OrgSettings::default(),
        }
    }

    /// Whether its keys need a non-empty access list.
    pub(crate) fn requires_access_list(&self) -> bool {
        self.settings.api_access_list_required() == Some(true)
    }
}

/// A project (group) inside an organization.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProjectRecord {
    pub(crate) id: ProjectId,
    pub(crate) org_id: OrgId,
    pub(crate) name: String,
}

/// The roles a principal holds in one project.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProjectRoles {
    pub(crate) project_id: ProjectId,
    pub(crate) roles: Vec<ProjectRole>,
}

/// One access-list entry of a key, with its usage.
///
/// On disk the address is still named `cidr`; it is written in the model's canonical
/// form (a bare address for a /32 or /128), and the older `addr/32` form still loads.
/// `count`, `lastUsed` and `lastUsedAddress` are absent from older state files and
/// default to "never used".
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccessEntryRecord {
    #[serde(rename = "cidr")]
    pub(crate) address: AccessListAddress,
    /// RFC 3339 creation time.
    pub(crate) created: String,
    /// Authenticated requests admitted by this entry.
    #[serde(default)]
    pub(crate) count: u64,
    /// RFC 3339 time of the last admitted request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) last_used: Option<String>,
    /// The address the last admitted request came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) last_used_address: Option<String>,
}

/// A programmatic API key. `Debug` leaves the private key out.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct KeyRecord {
    /// Creation order.
    pub(crate) seq: u64,
    pub(crate) id: ApiKeyId,
    pub(crate) org_id: OrgId,
    pub(crate) desc: String,
    pub(crate) public_key: PublicKey,
    pub(crate) private_key: String,
    pub(crate) org_roles: Vec<OrgRole>,
    pub(crate) project_roles: Vec<ProjectRoles>,
    pub(crate) access_list: Vec<AccessEntryRecord>,
}

/// An OAuth service account. `Debug` leaves the secret out.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceAccountRecord {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) org_id: OrgId,
    pub(crate) name: String,
    pub(crate) org_roles: Vec<OrgRole>,
    pub(crate) project_roles: Vec<ProjectRoles>,
}

impl std::fmt::Debug for KeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRecord")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("public_key", &self.public_key)
            .field("org_roles", &self.org_roles)
            .field("project_roles", &self.project_roles)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ServiceAccountRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccountRecord")
            .field("client_id", &self.client_id)
            .field("org_id", &self.org_id)
            .field("org_roles", &self.org_roles)
            .finish_non_exhaustive()
    }
}

/// An issued access token, stored by its SHA-256 so the state file holds no bearer secret.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TokenRecord {
    pub(crate) hash: String,
    pub(crate) client_id: String,
    pub(crate) expires_at: u64,
}

/// The whole state, as written at the head of the state file.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Snapshot {
    pub(crate) orgs: Vec<OrgRecord>,
    pub(crate) projects: Vec<ProjectRecord>,
    pub(crate) keys: Vec<KeyRecord>,
    pub(crate) service_accounts: Vec<ServiceAccountRecord>,
    pub(crate) tokens: Vec<TokenRecord>,
}

/// One change. Ops of one request are written as one log line, so they apply together.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "op", rename_all = "camelCase")]
pub(crate) enum Op {
    PutOrg(OrgRecord),
    PutProject(ProjectRecord),
    PutKey(KeyRecord),
    DeleteKey {
        id: ApiKeyId,
    },
    PutServiceAccount(ServiceAccountRecord),
    PutToken(TokenRecord),
    DeleteToken {
        hash: String,
    },
    /// A request was admitted by this access-list entry: count it and note when and from
    /// where. Small on purpose, since it is logged once per admitted request.
    UseAccessEntry {
        id: ApiKeyId,
        address: AccessListAddress,
        when: String,
        from: String,
    },
}

/// Where a key sits in its org's and projects' lists: lists are sorted by public key,
/// ascending, as the service sorts them (NOTES (j)). Public keys are unique.
pub(crate) type ListKey = PublicKey;

fn list_key(k: &KeyRecord) -> ListKey {
    k.public_key.clone()
}

/// In-memory state with its indexes.
#[derive(Debug, Default)]
pub(crate) struct State {
    orgs: HashMap<OrgId, OrgRecord>,
    org_order: Vec<OrgId>,
    projects: HashMap<ProjectId, ProjectRecord>,
    project_order: Vec<ProjectId>,
    keys: HashMap<ApiKeyId, KeyRecord>,
    by_public_key: HashMap<PublicKey, ApiKeyId>,
    org_keys: HashMap<OrgId, OrderIndex<ListKey>>,
    project_keys: HashMap<ProjectId, OrderIndex<ListKey>>,
    service_accounts: HashMap<String, ServiceAccountRecord>,
    sa_order: Vec<String>,
    tokens: HashMap<String, TokenRecord>,
    next_seq: u64,
}

impl State {
    /// Builds a state from a snapshot.
    pub(crate) fn from_snapshot(s: Snapshot) -> State {
        let mut st = State::default();
        for o in s.orgs {
            st.apply(Op::PutOrg(o));
        }
        for p in s.projects {
            st.apply(Op::PutProject(p));
        }
        for k in s.keys {
            st.apply(Op::PutKey(k));
        }
        for a in s.service_accounts {
            st.apply(Op::PutServiceAccount(a));
        }
        for t in s.tokens {
            st.apply(Op::PutToken(t));
        }
        st
    }

    /// A snapshot of everything (keys in creation order).
    pub(crate) fn snapshot(&self) -> Snapshot {
        let mut keys: Vec<KeyRecord> = self.keys.values().cloned().collect();
        keys.sort_by_key(|k| k.seq);
        Snapshot {
            orgs: self
                .org_order
                .iter()
                .filter_map(|id| self.orgs.get(id))
                .cloned()
                .collect(),
            projects: self
                .project_order
                .iter()
                .filter_map(|id| self.projects.get(id))
                .cloned()
                .collect(),
            keys,
            service_accounts: self
                .sa_order
                .iter()
                .filter_map(|id| self.service_accounts.get(id))
                .cloned()
                .collect(),
            tokens: self.tokens.values().cloned().collect(),
        }
    }

    /// Applies one change.
    pub(crate) fn apply(&mut self, op: Op) {
        match op {
            Op::PutOrg(o) => {
                if !self.orgs.contains_key(&o.id) {
                    self.org_order.push(o.id);
                }
                self.orgs.insert(o.id, o);
            }
            Op::PutProject(p) => {
                if !self.projects.contains_key(&p.id) {
                    self.project_order.push(p.id);
                }
                self.projects.insert(p.id, p);
            }
            Op::PutKey(k) => {
                self.unindex_key(&k.id);
                self.next_seq = self.next_seq.max(k.seq + 1);
                self.by_public_key.insert(k.public_key.clone(), k.id);
                let at = list_key(&k);
                self.org_keys
                    .entry(k.org_id)
                    .or_default()
                    .insert(at.clone(), k.id);
                for pr in &k.project_roles {
                    self.project_keys
                        .entry(pr.project_id)
                        .or_default()
                        .insert(at.clone(), k.id);
                }
                self.keys.insert(k.id, k);
            }
            Op::DeleteKey { id } => {
                self.unindex_key(&id);
                self.keys.remove(&id);
            }
            Op::PutServiceAccount(a) => {
                if !self.service_accounts.contains_key(&a.client_id) {
                    self.sa_order.push(a.client_id.clone());
                }
                self.service_accounts.insert(a.client_id.clone(), a);
            }
            Op::PutToken(t) => {
                self.tokens.insert(t.hash.clone(), t);
            }
            Op::DeleteToken { hash } => {
                self.tokens.remove(&hash);
            }
            Op::UseAccessEntry {
                id,
                address,
                when,
                from,
            } => {
                // Neither the key nor the list order changes, so no index is touched.
                if let Some(e) = self
                    .keys
                    .get_mut(&id)
                    .and_then(|k| k.access_list.iter_mut().find(|e| e.address == address))
                {
                    e.count += 1;
                    e.last_used = Some(when);
                    e.last_used_address = Some(from);
                }
            }
        }
    }

    fn unindex_key(&mut self, id: &ApiKeyId) {
        let Some(old) = self.keys.get(id) else { return };
        self.by_public_key.remove(&old.public_key);
        let at = list_key(old);
        if let Some(m) = self.org_keys.get_mut(&old.org_id) {
            m.remove(&at);
        }
        for pr in &old.project_roles {
            if let Some(m) = self.project_keys.get_mut(&pr.project_id) {
                m.remove(&at);
            }
        }
    }

    /// The next creation sequence number.
    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq
    }

    pub(crate) fn org(&self, id: &OrgId) -> Option<&OrgRecord> {
        self.orgs.get(id)
    }

    pub(crate) fn orgs(&self) -> impl Iterator<Item = &OrgRecord> {
        self.org_order.iter().filter_map(|id| self.orgs.get(id))
    }

    pub(crate) fn project(&self, id: &ProjectId) -> Option<&ProjectRecord> {
        self.projects.get(id)
    }

    pub(crate) fn projects(&self) -> impl Iterator<Item = &ProjectRecord> {
        self.project_order
            .iter()
            .filter_map(|id| self.projects.get(id))
    }

    pub(crate) fn key(&self, id: &ApiKeyId) -> Option<&KeyRecord> {
        self.keys.get(id)
    }

    pub(crate) fn key_by_public(&self, public_key: &PublicKey) -> Option<&KeyRecord> {
        self.by_public_key
            .get(public_key)
            .and_then(|id| self.keys.get(id))
    }

    pub(crate) fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// An org's keys in list order.
    pub(crate) fn org_keys(&self, org_id: &OrgId) -> impl Iterator<Item = &KeyRecord> {
        self.org_key_list(org_id).iter()
    }

    /// An org's keys in list order, for paging.
    pub(crate) fn org_key_list(&self, org_id: &OrgId) -> KeyList<'_> {
        KeyList {
            index: self.org_keys.get(org_id),
            keys: &self.keys,
        }
    }

    pub(crate) fn org_key_count(&self, org_id: &OrgId) -> usize {
        self.org_key_list(org_id).len()
    }

    /// A project's keys in list order, for paging.
    pub(crate) fn project_key_list(&self, project_id: &ProjectId) -> KeyList<'_> {
        KeyList {
            index: self.project_keys.get(project_id),
            keys: &self.keys,
        }
    }

    pub(crate) fn project_key_count(&self, project_id: &ProjectId) -> usize {
        self.project_key_list(project_id).len()
    }

    pub(crate) fn service_account(&self, client_id: &str) -> Option<&ServiceAccountRecord> {
        self.service_accounts.get(client_id)
    }

    pub(crate) fn service_accounts(&self) -> impl Iterator<Item = &ServiceAccountRecord> {
        self.sa_order
            .iter()
            .filter_map(|id| self.service_accounts.get(id))
    }

    pub(crate) fn token(&self, hash: &str) -> Option<&TokenRecord> {
        self.tokens.get(hash)
    }

    pub(crate) fn tokens(&self) -> impl Iterator<Item = &TokenRecord> {
        self.tokens.values()
    }
}

/// One org's or project's keys in list order: the exact count, and any page of them
/// without walking the keys before it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyList<'s> {
    index: Option<&'s OrderIndex<ListKey>>,
    keys: &'s HashMap<ApiKeyId, KeyRecord>,
}

impl<'s> KeyList<'s> {
    /// How many keys the list holds.
    pub(crate) fn len(&self) -> usize {
        self.index.map_or(0, OrderIndex::len)
    }

    /// Every key, in list order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &'s KeyRecord> + use<'s> {
        let keys = self.keys;
        self.index
            .into_iter()
            .flat_map(OrderIndex::iter)
            .filter_map(move |id| keys.get(id))
    }

    /// The keys of ranks `start..end` (zero-based, clamped to the length), in list
    /// order. Only these keys are looked up. `apply` indexes an id only while its key is
    /// stored, so the lookup never drops one and ranks match `iter().skip(start)`.
    pub(crate) fn window(
        &self,
        start: usize,
        end: usize,
    ) -> impl Iterator<Item = &'s KeyRecord> + use<'s> {
        let keys = self.keys;
        self.index
            .into_iter()
            .flat_map(move |ix| ix.window(start, end))
            .filter_map(move |id| keys.get(id))
    }
}

/// A write in progress: reads the state as it was before the write and records ops.
///
/// Ops take effect only at commit, after they are durable, so a write that fails to
/// reach disk leaves memory as it was and readers never see an unacknowledged change.
#[derive(Debug)]
pub(crate) struct Tx<'a> {
    state: &'a State,
    ops: Vec<Op>,
}

impl Tx<'_> {
    /// The state before this transaction (its own ops are not visible yet).
    pub(crate) fn state(&self) -> &State {
        self.state
    }

    /// Records one change, applied at commit.
    pub(crate) fn apply(&mut self, op: Op) {
        self.ops.push(op);
    }
}

/// A write that could not be made durable; memory was left unchanged.
#[derive(Debug, thiserror::Error)]
#[error("could not persist state: {0}")]
pub(crate) struct PersistError(#[from] pub(crate) std::io::Error);

/// The state behind one lock, plus the optional durable log.
#[derive(Debug)]
pub(crate) struct Store {
    state: RwLock<State>,
    /// Serialises writers (so the log order is the apply order and a transaction's view
    /// stays current until it commits), and holds the durable log when there is one.
    pub(super) writer: tokio::sync::Mutex<Option<persist::Log>>,
    /// Set once a durable store's log was closed: writes then fail instead of going to
    /// memory only.
    closed: std::sync::atomic::AtomicBool,
}

impl Store {
    /// An in-memory store.
    pub(crate) fn in_memory(state: State) -> Store {
        Store {
            state: RwLock::new(state),
            writer: tokio::sync::Mutex::new(None),
            closed: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// A store whose writes are durable in `log` before they are acknowledged.
    pub(crate) fn durable(state: State, log: persist::Log) -> Store {
        Store {
            state: RwLock::new(state),
            writer: tokio::sync::Mutex::new(Some(log)),
            closed: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Closes the durable log (releasing the state file's lock); later writes fail.
    pub(crate) async fn close(&self) {
        if let Some(log) = self.writer.lock().await.take() {
            drop(log);
            self.closed
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// As `close`, without waiting: used on drop, where a writer in flight keeps the log.
    pub(crate) fn try_close(&self) {
        if let Ok(mut w) = self.writer.try_lock()
            && w.take().is_some()
        {
            self.closed
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// A read guard; never hold it across an `.await`.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` against the current state, makes its ops durable (when a log is set),
    /// and only then applies them to memory. On a persistence error nothing is applied.
    pub(crate) async fn write<R>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> R,
    ) -> Result<R, PersistError> {
        let mut log = self.writer.lock().await;
        let (result, ops) = {
            let guard = self.read();
            let mut tx = Tx {
                state: &guard,
                ops: Vec::new(),
            };
            let r = f(&mut tx);
            (r, tx.ops)
        };
        if ops.is_empty() {
            return Ok(result);
        }
        match log.as_mut() {
            Some(log) => log.append(&ops).await?,
            None if self.closed.load(std::sync::atomic::Ordering::Relaxed) => {
                return Err(PersistError(std::io::Error::other(
                    "the emulator is shutting down",
                )));
            }
            None => {}
        }
        // No other writer ran since `f` (we hold `writer`), so these ops apply to the
        // state `f` saw.
        let mut guard = self.state.write().unwrap_or_else(PoisonError::into_inner);
        for op in ops {
            guard.apply(op);
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> OrgId {
        OrgId::new("0".repeat(24)).unwrap()
    }

    fn project(name: char) -> ProjectId {
        ProjectId::new(name.to_string().repeat(24)).unwrap()
    }

    fn key_id(seq: u64) -> ApiKeyId {
        ApiKeyId::new(format!("{seq:024}")).unwrap()
    }

    fn key(seq: u64, projects: &[ProjectId]) -> KeyRecord {
        KeyRecord {
            seq,
            id: key_id(seq),
            org_id: org(),
            desc: String::new(),
            public_key: PublicKey::new(format!("p{seq:07}")).unwrap(),
            private_key: String::new(),
            org_roles: vec![OrgRole::Member],
            project_roles: projects
                .iter()
                .map(|p| ProjectRoles {
                    project_id: *p,
                    roles: vec![ProjectRole::ReadOnly],
                })
                .collect(),
            access_list: Vec::new(),
        }
    }

    fn ids<'a>(it: impl Iterator<Item = &'a KeyRecord>) -> Vec<u64> {
        it.map(|k| k.seq).collect()
    }

    /// Windows agree with walking the whole list, after writes and after a reload from a
    /// snapshot (what `--state` does at start).
    #[test]
    fn windows_match_the_full_order_after_writes_and_reload() {
        let (g, h) = (project('a'), project('b'));
        let mut st = State::default();
        for seq in 0..3000 {
            st.apply(Op::PutKey(key(seq, &[g])));
        }
        st.apply(Op::DeleteKey { id: key_id(7) });
        st.apply(Op::PutKey(key(11, &[]))); // unassigned, still in the org
        st.apply(Op::PutKey(key(2999, &[g, h]))); // a second project
        let reloaded = State::from_snapshot(st.snapshot());
        for s in [&st, &reloaded] {
            assert_eq!(s.project_key_count(&g), 2998);
            assert_eq!(s.org_key_count(&org()), 2999);
            assert_eq!(ids(s.project_key_list(&h).iter()), [2999]);
            for (list, n) in [
                (s.project_key_list(&g), 2998),
                (s.org_key_list(&org()), 2999),
            ] {
                let all = ids(list.iter());
                assert_eq!(all.len(), n);
                assert!(all.windows(2).all(|w| w[0] < w[1]));
                for start in [0, 1, 499, 2500, n - 1, n, n + 10] {
                    let want: Vec<u64> = all.iter().copied().skip(start).take(500).collect();
                    assert_eq!(ids(list.window(start, start + 500)), want, "{start}");
                }
            }
        }
        assert_eq!(
            ids(st.project_key_list(&project('c')).window(0, 10)),
            Vec::<u64>::new()
        );
    }
}
