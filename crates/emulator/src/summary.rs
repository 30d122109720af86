//! `GET /__emulator/state/summary`: counts of orgs, projects, keys and memberships, so
//! tests can check that no key was lost or duplicated.
//!
//! This module must NOT expose secrets (no private keys, client secrets or tokens).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::state::State;

/// The summary body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Summary {
    orgs: usize,
    projects: usize,
    api_keys: usize,
    service_accounts: usize,
    tokens: usize,
    access_list_entries: usize,
    /// Keys per organization id.
    org_api_keys: BTreeMap<String, usize>,
    /// Keys assigned per project id.
    project_api_keys: BTreeMap<String, usize>,
    /// Distinct descriptions among all keys (equal to `apiKeys` when each is unique).
    distinct_descriptions: usize,
}

pub(crate) fn summarize(st: &State) -> Summary {
    let mut descs = std::collections::HashSet::new();
    let mut access = 0;
    for o in st.orgs() {
        for k in st.org_keys(&o.id) {
            descs.insert(k.desc.as_str());
            access += k.access_list.len();
        }
    }
    Summary {
        orgs: st.orgs().count(),
        projects: st.projects().count(),
        api_keys: st.key_count(),
        service_accounts: st.service_accounts().count(),
        tokens: st.tokens().count(),
        access_list_entries: access,
        org_api_keys: st
            .orgs()
            .map(|o| (o.id.to_string(), st.org_key_count(&o.id)))
            .collect(),
        project_api_keys: st
            .projects()
            .map(|p| (p.id.to_string(), st.project_key_count(&p.id)))
            .collect(),
        distinct_descriptions: descs.len(),
    }
}
