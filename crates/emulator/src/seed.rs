//! The seed file: organizations, projects, API keys and service accounts to start with,
//! plus the defaults (owner key, owner service account) the startup line reports.
//!
//! Anything the seed leaves out is created with random ids and secrets. This module must
//! NOT do I/O beyond what its caller reads; `Seed` is plain data (`serde_json`).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::net::Cidr;
use crate::state::{
    AccessEntryRecord, KeyRecord, Op, OrgRecord, ProjectRecord, ProjectRoles, ServiceAccountRecord,
    State,
};

/// A seed file. All fields are optional; see the crate docs for an example.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Seed {
    /// Organizations. The first is the default organization.
    #[serde(default)]
    pub orgs: Vec<SeedOrg>,
    /// Projects. The first project of the default organization is the default project.
    #[serde(default)]
    pub projects: Vec<SeedProject>,
    /// API keys. The first with `ORG_OWNER` in the default org is the default key.
    #[serde(default)]
    pub api_keys: Vec<SeedApiKey>,
    /// Service accounts. The first with `ORG_OWNER` in the default org is the default.
    #[serde(default)]
    pub service_accounts: Vec<SeedServiceAccount>,
    /// Extra keys to create in the default project (for list benchmarks).
    #[serde(default)]
    pub bulk_project_keys: u64,
}

/// An organization in a seed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedOrg {
    /// 24 lowercase hex characters.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
}

/// A project in a seed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedProject {
    /// 24 lowercase hex characters.
    pub id: String,
    /// The owning organization (must be listed in `orgs`).
    pub org_id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
}

/// A role grant, in the API's `{orgId|groupId, roleName}` shape.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedRole {
    /// Set for an organization role.
    #[serde(default)]
    pub org_id: Option<String>,
    /// Set for a project role.
    #[serde(default)]
    pub group_id: Option<String>,
    /// The role, e.g. `ORG_OWNER` or `GROUP_READ_ONLY`.
    pub role_name: String,
}

/// An API key in a seed. `Debug` leaves the private key out.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedApiKey {
    /// 24 hex characters; random when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// The key's organization; the default organization when absent.
    #[serde(default)]
    pub org_id: Option<String>,
    /// Description.
    #[serde(default)]
    pub desc: Option<String>,
    /// 8 lowercase letters; random when absent.
    #[serde(default)]
    pub public_key: Option<String>,
    /// The secret (digest password); a random UUID when absent.
    #[serde(default)]
    pub private_key: Option<String>,
    /// Organization and project roles.
    #[serde(default)]
    pub roles: Vec<SeedRole>,
    /// Access-list entries (`1.2.3.4` or `10.0.0.0/8`).
    #[serde(default)]
    pub access_list: Vec<String>,
}

/// A service account in a seed. `Debug` leaves the secret out.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedServiceAccount {
    /// Random `mdb_sa_id_…` when absent.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Random `mdb_sa_sk_…` when absent.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// The account's organization; the default organization when absent.
    #[serde(default)]
    pub org_id: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Organization and project roles.
    #[serde(default)]
    pub roles: Vec<SeedRole>,
}

/// A seed that does not describe a consistent state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid seed: {0}")]
pub struct SeedError(String);

impl std::fmt::Debug for SeedApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeedApiKey")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("public_key", &self.public_key)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for SeedServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeedServiceAccount")
            .field("client_id", &self.client_id)
            .field("org_id", &self.org_id)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

/// The credentials the startup line reports. `Debug` leaves the secrets out.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Defaults {
    pub(crate) org_id: String,
    pub(crate) project_id: String,
    pub(crate) public_key: String,
    pub(crate) private_key: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
}

impl std::fmt::Debug for Defaults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Defaults")
            .field("org_id", &self.org_id)
            .field("project_id", &self.project_id)
            .field("public_key", &self.public_key)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

fn is_id(s: &str) -> bool {
    s.len() == 24
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn check_id(s: &str, what: &str) -> Result<(), SeedError> {
    if is_id(s) {
        Ok(())
    } else {
        Err(SeedError(format!(
            "{what} `{s}` is not 24 lowercase hex characters"
        )))
    }
}

type Grants = (Vec<String>, Vec<ProjectRoles>);

fn split_roles(st: &State, org: &str, roles: &[SeedRole], who: &str) -> Result<Grants, SeedError> {
    let mut org_roles = Vec::new();
    let mut project_roles: Vec<ProjectRoles> = Vec::new();
    for r in roles {
        match (&r.org_id, &r.group_id) {
            (Some(o), None) if o == org => {
                if !org_roles.contains(&r.role_name) {
                    org_roles.push(r.role_name.clone());
                }
            }
            (None, Some(g)) => {
                let p = st
                    .project(g)
                    .ok_or_else(|| SeedError(format!("{who}: unknown project {g}")))?;
                if p.org_id != org {
                    return Err(SeedError(format!("{who}: project {g} is not in org {org}")));
                }
                match project_roles.iter_mut().find(|x| x.project_id == *g) {
                    Some(x) if !x.roles.contains(&r.role_name) => x.roles.push(r.role_name.clone()),
                    Some(_) => {}
                    None => project_roles.push(ProjectRoles {
                        project_id: g.clone(),
                        roles: vec![r.role_name.clone()],
                    }),
                }
            }
            _ => {
                return Err(SeedError(format!(
                    "{who}: each role needs orgId (of its own org) or groupId, not both"
                )));
            }
        }
    }
    if org_roles.is_empty() {
        org_roles.push("ORG_MEMBER".to_owned());
    }
    Ok((org_roles, project_roles))
}

impl SeedError {
    pub(crate) fn from_message(msg: &str) -> SeedError {
        SeedError(msg.to_owned())
    }
}

impl Seed {
    /// Parses a seed from JSON text.
    pub fn from_json(text: &str) -> Result<Seed, SeedError> {
        serde_json::from_str(text).map_err(|e| SeedError(e.to_string()))
    }

    /// Builds the initial state: the seed, then any missing defaults, then bulk keys.
    pub(crate) fn build(&self, bulk_override: Option<u64>) -> Result<State, SeedError> {
        let mut st = State::default();
        for o in &self.orgs {
            check_id(&o.id, "org id")?;
            if st.org(&o.id).is_some() {
                return Err(SeedError(format!("org {} is listed twice", o.id)));
            }
            st.apply(Op::PutOrg(OrgRecord {
                id: o.id.clone(),
                name: o
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("org-{}", &o.id[..6])),
            }));
        }
        let first = st.orgs().next().map(|o| o.id.clone());
        let default_org = match first {
            Some(o) => o,
            None => {
                let id = crate::ids::object_id();
                st.apply(Op::PutOrg(OrgRecord {
                    id: id.clone(),
                    name: "Emulated Org".to_owned(),
                }));
                id
            }
        };
        for p in &self.projects {
            check_id(&p.id, "project id")?;
            if st.org(&p.org_id).is_none() {
                return Err(SeedError(format!(
                    "project {} names unknown org {}",
                    p.id, p.org_id
                )));
            }
            if st.project(&p.id).is_some() {
                return Err(SeedError(format!("project {} is listed twice", p.id)));
            }
            st.apply(Op::PutProject(ProjectRecord {
                id: p.id.clone(),
                org_id: p.org_id.clone(),
                name: p
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("project-{}", &p.id[..6])),
            }));
        }
        let mut seen_public = HashSet::new();
        for (i, k) in self.api_keys.iter().enumerate() {
            let who = format!("apiKeys[{i}]");
            let org = k.org_id.clone().unwrap_or_else(|| default_org.clone());
            if st.org(&org).is_none() {
                return Err(SeedError(format!("{who}: unknown org {org}")));
            }
            let id = k.id.clone().unwrap_or_else(crate::ids::object_id);
            check_id(&id, "api key id")?;
            if st.key(&id).is_some() {
                return Err(SeedError(format!("{who}: id {id} is listed twice")));
            }
            let public_key = k.public_key.clone().unwrap_or_else(crate::ids::public_key);
            if public_key.len() != 8 || !public_key.bytes().all(|b| b.is_ascii_lowercase()) {
                return Err(SeedError(format!(
                    "{who}: publicKey must be 8 lowercase letters"
                )));
            }
            if !seen_public.insert(public_key.clone()) {
                return Err(SeedError(format!(
                    "{who}: publicKey {public_key} is listed twice"
                )));
            }
            let (org_roles, project_roles) = split_roles(&st, &org, &k.roles, &who)?;
            let mut access_list = Vec::new();
            for a in &k.access_list {
                let c = Cidr::parse(a)
                    .ok_or_else(|| SeedError(format!("{who}: bad access-list entry {a}")))?;
                access_list.push(AccessEntryRecord {
                    cidr: c.to_string(),
                    created: crate::clock::rfc3339(crate::clock::now_secs()),
                });
            }
            st.apply(Op::PutKey(KeyRecord {
                seq: st.next_seq(),
                id,
                org_id: org,
                desc: k.desc.clone().unwrap_or_else(|| format!("seeded key {i}")),
                public_key,
                private_key: k
                    .private_key
                    .clone()
                    .unwrap_or_else(crate::ids::private_key),
                org_roles,
                project_roles,
                access_list,
            }));
        }
        for (i, a) in self.service_accounts.iter().enumerate() {
            let who = format!("serviceAccounts[{i}]");
            let org = a.org_id.clone().unwrap_or_else(|| default_org.clone());
            if st.org(&org).is_none() {
                return Err(SeedError(format!("{who}: unknown org {org}")));
            }
            let client_id = a.client_id.clone().unwrap_or_else(crate::ids::client_id);
            if st.service_account(&client_id).is_some() {
                return Err(SeedError(format!(
                    "{who}: clientId {client_id} is listed twice"
                )));
            }
            let (org_roles, project_roles) = split_roles(&st, &org, &a.roles, &who)?;
            st.apply(Op::PutServiceAccount(ServiceAccountRecord {
                client_id,
                client_secret: a
                    .client_secret
                    .clone()
                    .unwrap_or_else(crate::ids::client_secret),
                org_id: org,
                name: a
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("seeded service account {i}")),
                org_roles,
                project_roles,
            }));
        }
        ensure_defaults(&mut st);
        let bulk = bulk_override.unwrap_or(self.bulk_project_keys);
        add_bulk_keys(&mut st, bulk);
        Ok(st)
    }
}

/// Adds whatever default (org, project, owner key, owner service account) is missing.
pub(crate) fn ensure_defaults(st: &mut State) {
    let first = st.orgs().next().map(|o| o.id.clone());
    let org = match first {
        Some(o) => o,
        None => {
            let id = crate::ids::object_id();
            st.apply(Op::PutOrg(OrgRecord {
                id: id.clone(),
                name: "Emulated Org".to_owned(),
            }));
            id
        }
    };
    if !st.projects().any(|p| p.org_id == org) {
        st.apply(Op::PutProject(ProjectRecord {
            id: crate::ids::object_id(),
            org_id: org.clone(),
            name: "Emulated Project".to_owned(),
        }));
    }
    if !st
        .org_keys(&org)
        .any(|k| k.org_roles.iter().any(|r| r == "ORG_OWNER"))
    {
        let mut key = KeyRecord {
            seq: st.next_seq(),
            id: crate::ids::object_id(),
            org_id: org.clone(),
            desc: "Emulator organization owner".to_owned(),
            public_key: crate::ids::public_key(),
            private_key: crate::ids::private_key(),
            org_roles: vec!["ORG_OWNER".to_owned()],
            project_roles: Vec::new(),
            access_list: Vec::new(),
        };
        while st.key_by_public(&key.public_key).is_some() {
            key.public_key = crate::ids::public_key();
        }
        st.apply(Op::PutKey(key));
    }
    if !st
        .service_accounts()
        .any(|a| a.org_id == org && a.org_roles.iter().any(|r| r == "ORG_OWNER"))
    {
        st.apply(Op::PutServiceAccount(ServiceAccountRecord {
            client_id: crate::ids::client_id(),
            client_secret: crate::ids::client_secret(),
            org_id: org,
            name: "Emulator organization owner".to_owned(),
            org_roles: vec!["ORG_OWNER".to_owned()],
            project_roles: Vec::new(),
        }));
    }
}

/// Creates `n` keys (`ORG_MEMBER`, `GROUP_READ_ONLY`) in the default project.
pub(crate) fn add_bulk_keys(st: &mut State, n: u64) {
    let Some(d) = defaults(st) else { return };
    let mut publics: HashSet<String> = HashSet::new();
    for i in 0..n {
        let mut public_key = crate::ids::public_key();
        while st.key_by_public(&public_key).is_some() || !publics.insert(public_key.clone()) {
            public_key = crate::ids::public_key();
        }
        let mut id = crate::ids::object_id();
        while st.key(&id).is_some() {
            id = crate::ids::object_id();
        }
        st.apply(Op::PutKey(KeyRecord {
            seq: st.next_seq(),
            id,
            org_id: d.org_id.clone(),
            desc: format!("bulk key {i}"),
            public_key,
            private_key: crate::ids::private_key(),
            org_roles: vec!["ORG_MEMBER".to_owned()],
            project_roles: vec![ProjectRoles {
                project_id: d.project_id.clone(),
                roles: vec!["GROUP_READ_ONLY".to_owned()],
            }],
            access_list: Vec::new(),
        }));
    }
}

/// The defaults of a state: first org, its first project, its first owner key and
/// owner service account.
pub(crate) fn defaults(st: &State) -> Option<Defaults> {
    let org = st.orgs().next()?;
    let project = st.projects().find(|p| p.org_id == org.id)?;
    let key = st
        .org_keys(&org.id)
        .find(|k| k.org_roles.iter().any(|r| r == "ORG_OWNER"))?;
    let sa = st
        .service_accounts()
        .find(|a| a.org_id == org.id && a.org_roles.iter().any(|r| r == "ORG_OWNER"))?;
    Some(Defaults {
        org_id: org.id.clone(),
        project_id: project.id.clone(),
        public_key: key.public_key.clone(),
        private_key: key.private_key.clone(),
        client_id: sa.client_id.clone(),
        client_secret: sa.client_secret.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_seed_gets_defaults() {
        let st = Seed::default().build(Some(3)).unwrap();
        let d = defaults(&st).unwrap();
        assert_eq!(st.project_key_count(&d.project_id), 3);
        assert_eq!(st.key_count(), 4);
    }

    #[test]
    fn fixed_seed_is_respected() {
        let seed = Seed::from_json(
            r#"{"orgs":[{"id":"aaaaaaaaaaaaaaaaaaaaaaaa"}],
                "projects":[{"id":"bbbbbbbbbbbbbbbbbbbbbbbb","orgId":"aaaaaaaaaaaaaaaaaaaaaaaa"}],
                "apiKeys":[{"publicKey":"abcdefgh","privateKey":"p","roles":[{"orgId":"aaaaaaaaaaaaaaaaaaaaaaaa","roleName":"ORG_OWNER"}]}],
                "serviceAccounts":[{"clientId":"c","clientSecret":"s","roles":[{"orgId":"aaaaaaaaaaaaaaaaaaaaaaaa","roleName":"ORG_OWNER"}]}]}"#,
        )
        .unwrap();
        let d = defaults(&seed.build(None).unwrap()).unwrap();
        assert_eq!(
            (d.public_key.as_str(), d.private_key.as_str()),
            ("abcdefgh", "p")
        );
        assert_eq!((d.client_id.as_str(), d.client_secret.as_str()), ("c", "s"));
        assert!(
            Seed::from_json(r#"{"orgs":[{"id":"x"}]}"#)
                .unwrap()
                .build(None)
                .is_err()
        );
        assert!(Seed::from_json(r#"{"nope":1}"#).is_err());
    }
}
