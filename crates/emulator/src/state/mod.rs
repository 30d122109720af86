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

use serde::{Deserialize, Serialize};

use order::SeqIndex;

/// An organization.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrgRecord {
    pub(crate) id: String,
    pub(crate) name: String,
}

/// A project (group) inside an organization.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProjectRecord {
    pub(crate) id: String,
    pub(crate) org_id: String,
    pub(crate) name: String,
}

/// The roles a principal holds in one project.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProjectRoles {
    pub(crate) project_id: String,
    pub(crate) roles: Vec<String>,
}

/// One access-list entry of a key.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccessEntryRecord {
    /// Normalised `addr/prefix`.
    pub(crate) cidr: String,
    /// RFC 3339 creation time.
    pub(crate) created: String,
}

/// A programmatic API key. `Debug` leaves the private key out.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct KeyRecord {
    /// Creation order, for stable listing.
    pub(crate) seq: u64,
    pub(crate) id: String,
    pub(crate) org_id: String,
    pub(crate) desc: String,
    pub(crate) public_key: String,
    pub(crate) private_key: String,
    pub(crate) org_roles: Vec<String>,
    pub(crate) project_roles: Vec<ProjectRoles>,
    pub(crate) access_list: Vec<AccessEntryRecord>,
}

/// An OAuth service account. `Debug` leaves the secret out.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceAccountRecord {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) org_id: String,
    pub(crate) name: String,
    pub(crate) org_roles: Vec<String>,
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
    DeleteKey { id: String },
    PutServiceAccount(ServiceAccountRecord),
    PutToken(TokenRecord),
    DeleteToken { hash: String },
}

/// In-memory state with its indexes.
#[derive(Debug, Default)]
pub(crate) struct State {
    orgs: HashMap<String, OrgRecord>,
    org_order: Vec<String>,
    projects: HashMap<String, ProjectRecord>,
    project_order: Vec<String>,
    keys: HashMap<String, KeyRecord>,
    by_public_key: HashMap<String, String>,
    org_keys: HashMap<String, SeqIndex>,
    project_keys: HashMap<String, SeqIndex>,
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
                    self.org_order.push(o.id.clone());
                }
                self.orgs.insert(o.id.clone(), o);
            }
            Op::PutProject(p) => {
                if !self.projects.contains_key(&p.id) {
                    self.project_order.push(p.id.clone());
                }
                self.projects.insert(p.id.clone(), p);
            }
            Op::PutKey(k) => {
                self.unindex_key(&k.id);
                self.next_seq = self.next_seq.max(k.seq + 1);
                self.by_public_key
                    .insert(k.public_key.clone(), k.id.clone());
                self.org_keys
                    .entry(k.org_id.clone())
                    .or_default()
                    .insert(k.seq, k.id.clone());
                for pr in &k.project_roles {
                    self.project_keys
                        .entry(pr.project_id.clone())
                        .or_default()
                        .insert(k.seq, k.id.clone());
                }
                self.keys.insert(k.id.clone(), k);
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
        }
    }

    fn unindex_key(&mut self, id: &str) {
        let Some(old) = self.keys.get(id) else { return };
        self.by_public_key.remove(&old.public_key);
        if let Some(m) = self.org_keys.get_mut(&old.org_id) {
            m.remove(old.seq);
        }
        for pr in &old.project_roles {
            if let Some(m) = self.project_keys.get_mut(&pr.project_id) {
                m.remove(old.seq);
            }
        }
    }

    /// The next creation sequence number.
    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq
    }

    pub(crate) fn org(&self, id: &str) -> Option<&OrgRecord> {
        self.orgs.get(id)
    }

    pub(crate) fn orgs(&self) -> impl Iterator<Item = &OrgRecord> {
        self.org_order.iter().filter_map(|id| self.orgs.get(id))
    }

    pub(crate) fn project(&self, id: &str) -> Option<&ProjectRecord> {
        self.projects.get(id)
    }

    pub(crate) fn projects(&self) -> impl Iterator<Item = &ProjectRecord> {
        self.project_order
            .iter()
            .filter_map(|id| self.projects.get(id))
    }

    pub(crate) fn key(&self, id: &str) -> Option<&KeyRecord> {
        self.keys.get(id)
    }

    pub(crate) fn key_by_public(&self, public_key: &str) -> Option<&KeyRecord> {
        self.by_public_key
            .get(public_key)
            .and_then(|id| self.keys.get(id))
    }

    pub(crate) fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// An org's keys in creation order.
    pub(crate) fn org_keys(&self, org_id: &str) -> impl Iterator<Item = &KeyRecord> {
        self.org_key_list(org_id).iter()
    }

    /// An org's keys in creation order, for paging.
    pub(crate) fn org_key_list(&self, org_id: &str) -> KeyList<'_> {
        KeyList {
            index: self.org_keys.get(org_id),
            keys: &self.keys,
        }
    }

    pub(crate) fn org_key_count(&self, org_id: &str) -> usize {
        self.org_key_list(org_id).len()
    }

    /// A project's keys in creation order, for paging.
    pub(crate) fn project_key_list(&self, project_id: &str) -> KeyList<'_> {
        KeyList {
            index: self.project_keys.get(project_id),
            keys: &self.keys,
        }
    }

    pub(crate) fn project_key_count(&self, project_id: &str) -> usize {
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

/// One org's or project's keys in creation order: the exact count, and any page of them
/// without walking the keys before it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyList<'s> {
    index: Option<&'s SeqIndex>,
    keys: &'s HashMap<String, KeyRecord>,
}

impl<'s> KeyList<'s> {
    /// How many keys the list holds.
    pub(crate) fn len(&self) -> usize {
        self.index.map_or(0, SeqIndex::len)
    }

    /// Every key, in creation order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &'s KeyRecord> + use<'s> {
        let keys = self.keys;
        self.index
            .into_iter()
            .flat_map(SeqIndex::iter)
            .filter_map(move |id| keys.get(id))
    }

    /// The keys of ranks `start..end` (zero-based, clamped to the length), in creation
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

/// A write in progress: applies ops to the state and records them for the log.
#[derive(Debug)]
pub(crate) struct Tx<'a> {
    state: &'a mut State,
    ops: Vec<Op>,
}

impl Tx<'_> {
    /// Reads the state as it is now (including this transaction's changes).
    pub(crate) fn state(&self) -> &State {
        self.state
    }

    /// Applies and records one change.
    pub(crate) fn apply(&mut self, op: Op) {
        self.ops.push(op.clone());
        self.state.apply(op);
    }
}

/// A write that was applied in memory but could not be made durable.
#[derive(Debug, thiserror::Error)]
#[error("could not persist state: {0}")]
pub(crate) struct PersistError(#[from] pub(crate) std::io::Error);

/// The state behind one lock, plus the optional durable log.
#[derive(Debug)]
pub(crate) struct Store {
    state: RwLock<State>,
    log: Option<tokio::sync::Mutex<persist::Log>>,
}

impl Store {
    /// An in-memory store.
    pub(crate) fn in_memory(state: State) -> Store {
        Store {
            state: RwLock::new(state),
            log: None,
        }
    }

    /// A store whose writes are durable in `log` before they are acknowledged.
    pub(crate) fn durable(state: State, log: persist::Log) -> Store {
        Store {
            state: RwLock::new(state),
            log: Some(tokio::sync::Mutex::new(log)),
        }
    }

    /// A read guard; never hold it across an `.await`.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` with exclusive access, then makes its ops durable (when a log is set)
    /// before returning. Writers are serialised by the log mutex, so the log order is the
    /// apply order.
    pub(crate) async fn write<R>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> R,
    ) -> Result<R, PersistError> {
        let mut log = match &self.log {
            Some(m) => Some(m.lock().await),
            None => None,
        };
        let (result, ops) = {
            let mut guard = self.state.write().unwrap_or_else(PoisonError::into_inner);
            let mut tx = Tx {
                state: &mut guard,
                ops: Vec::new(),
            };
            let r = f(&mut tx);
            (r, tx.ops)
        };
        if let Some(log) = log.as_mut()
            && !ops.is_empty()
        {
            log.append(&ops).await?;
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seq: u64, projects: &[&str]) -> KeyRecord {
        KeyRecord {
            seq,
            id: format!("{seq:024}"),
            org_id: "o".into(),
            desc: String::new(),
            public_key: format!("p{seq}"),
            private_key: String::new(),
            org_roles: vec!["ORG_MEMBER".into()],
            project_roles: projects
                .iter()
                .map(|p| ProjectRoles {
                    project_id: (*p).into(),
                    roles: vec!["GROUP_READ_ONLY".into()],
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
        let mut st = State::default();
        for seq in 0..3000 {
            st.apply(Op::PutKey(key(seq, &["g"])));
        }
        st.apply(Op::DeleteKey {
            id: format!("{:024}", 7),
        });
        st.apply(Op::PutKey(key(11, &[]))); // unassigned, still in the org
        st.apply(Op::PutKey(key(2999, &["g", "h"]))); // a second project
        let reloaded = State::from_snapshot(st.snapshot());
        for s in [&st, &reloaded] {
            assert_eq!(s.project_key_count("g"), 2998);
            assert_eq!(s.org_key_count("o"), 2999);
            assert_eq!(ids(s.project_key_list("h").iter()), [2999]);
            for (list, n) in [(s.project_key_list("g"), 2998), (s.org_key_list("o"), 2999)] {
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
            ids(st.project_key_list("nope").window(0, 10)),
            Vec::<u64>::new()
        );
    }
}
