//! The seed file: organizations, projects, API keys and service accounts to start with,
//! plus the defaults (owner key, owner service account) the startup line reports.
//!
//! Anything the seed leaves out is created with random ids and secrets. This module must
//! NOT do I/O beyond what its caller reads; `Seed` is plain data (`serde_json`).

use std::collections::HashSet;

use atlas_keys_model::{
    AccessListAddress, ApiKeyId, OrgId, OrgRole, ProjectId, ProjectRole, PublicKey,
};
use serde::{Deserialize, Serialize};

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
    pub(crate) org_id: OrgId,
    pub(crate) project_id: ProjectId,
    pub(crate) public_key: PublicKey,
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

/// Parses a seed id into one of the model's id types (the model owns the hex-24 rule).
fn parse_id<T>(
    s: &str,
    what: &str,
    new: impl Fn(&str) -> Result<T, atlas_keys_model::ValidationError>,
) -> Result<T, SeedError> {
    new(s).map_err(|_| SeedError(format!("{what} `{s}` is not 24 lowercase hex characters")))
}

type Grants = (Vec<OrgRole>, Vec<ProjectRoles>);

/// Splits a seed's roles into org and project grants. Role names are taken as given
/// (`from_wire`): a seed may hold a role this build does not know yet.
fn split_roles(st: &State, org: OrgId, roles: &[SeedRole], who: &str) -> Result<Grants, SeedError> {
    let mut org_roles = Vec::new();
    let mut project_roles: Vec<ProjectRoles> = Vec::new();
    for r in roles {
        match (&r.org_id, &r.group_id) {
            (Some(o), None) if o == org.as_str() => {
                let role = OrgRole::from_wire(&r.role_name);
                if !org_roles.contains(&role) {
                    org_roles.push(role);
                }
            }
            (None, Some(g)) => {
                let g = parse_id(g, "project id", |s| ProjectId::new(s))?;
                let p = st
                    .project(&g)
                    .ok_or_else(|| SeedError(format!("{who}: unknown project {g}")))?;
                if p.org_id != org {
                    return Err(SeedError(format!("{who}: project {g} is not in org {org}")));
                }
                let role = ProjectRole::from_wire(&r.role_name);
                match project_roles.iter_mut().find(|x| x.project_id == g) {
                    Some(x) if !x.roles.contains(&role) => x.roles.push(role),
                    Some(_) => {}
                    None => project_roles.push(ProjectRoles {
                        project_id: g,
                        roles: vec![role],
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
        org_roles.push(OrgRole::Member);
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
            let id = parse_id(&o.id, "org id", |s| OrgId::new(s))?;
            if st.org(&id).is_some() {
                return Err(SeedError(format!("org {} is listed twice", o.id)));
            }
            let name = o
                .name
                .clone()
                .unwrap_or_else(|| format!("org-{}", &o.id[..6]));
            st.apply(Op::PutOrg(OrgRecord::new(id, name)));
        }
        let first = st.orgs().next().map(|o| o.id);
        let default_org = match first {
            Some(o) => o,
            None => {
                let id = crate::ids::org_id();
                st.apply(Op::PutOrg(OrgRecord::new(id, "Emulated Org".to_owned())));
                id
            }
        };
        for p in &self.projects {
            let id = parse_id(&p.id, "project id", |s| ProjectId::new(s))?;
            let org_id = OrgId::new(&p.org_id)
                .ok()
                .filter(|o| st.org(o).is_some())
                .ok_or_else(|| {
                    SeedError(format!("project {} names unknown org {}", p.id, p.org_id))
                })?;
            if st.project(&id).is_some() {
                return Err(SeedError(format!("project {} is listed twice", p.id)));
            }
            st.apply(Op::PutProject(ProjectRecord {
                id,
                org_id,
                name: p
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("project-{}", &p.id[..6])),
            }));
        }
        let mut seen_public = HashSet::new();
        for (i, k) in self.api_keys.iter().enumerate() {
            let who = format!("apiKeys[{i}]");
            let org = self.org_of(&st, k.org_id.as_deref(), default_org, &who)?;
            let id = match &k.id {
                Some(id) => parse_id(id, "api key id", |s| ApiKeyId::new(s))?,
                None => crate::ids::key_id(),
            };
            if st.key(&id).is_some() {
                return Err(SeedError(format!("{who}: id {id} is listed twice")));
            }
            let public_key = match &k.public_key {
                Some(p) if p.len() == 8 && p.bytes().all(|b| b.is_ascii_lowercase()) => {
                    PublicKey::new(p.as_str()).map_err(|e| SeedError(format!("{who}: {e}")))?
                }
                Some(_) => {
                    return Err(SeedError(format!(
                        "{who}: publicKey must be 8 lowercase letters"
                    )));
                }
                None => crate::ids::public_key(),
            };
            if !seen_public.insert(public_key.clone()) {
                return Err(SeedError(format!(
                    "{who}: publicKey {public_key} is listed twice"
                )));
            }
            let (org_roles, project_roles) = split_roles(&st, org, &k.roles, &who)?;
            let mut access_list = Vec::new();
            for a in &k.access_list {
                let address = AccessListAddress::parse(a)
                    .map_err(|_| SeedError(format!("{who}: bad access-list entry {a}")))?;
                access_list.push(AccessEntryRecord {
                    address,
                    created: crate::clock::now_rfc3339(),
                    count: 0,
                    last_used: None,
                    last_used_address: None,
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
            let org = self.org_of(&st, a.org_id.as_deref(), default_org, &who)?;
            let client_id = a.client_id.clone().unwrap_or_else(crate::ids::client_id);
            if st.service_account(&client_id).is_some() {
                return Err(SeedError(format!(
                    "{who}: clientId {client_id} is listed twice"
                )));
            }
            let (org_roles, project_roles) = split_roles(&st, org, &a.roles, &who)?;
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

    /// The organization a seed entry names (or the default one), which must exist.
    fn org_of(
        &self,
        st: &State,
        given: Option<&str>,
        default_org: OrgId,
        who: &str,
    ) -> Result<OrgId, SeedError> {
        match given {
            None => Ok(default_org),
            Some(o) => OrgId::new(o)
                .ok()
                .filter(|id| st.org(id).is_some())
                .ok_or_else(|| SeedError(format!("{who}: unknown org {o}"))),
        }
    }
}

/// Adds whatever default (org, project, owner key, owner service account) is missing.
pub(crate) fn ensure_defaults(st: &mut State) {
    let first = st.orgs().next().map(|o| o.id);
    let org = match first {
        Some(o) => o,
        None => {
            let id = crate::ids::org_id();
            st.apply(Op::PutOrg(OrgRecord::new(id, "Emulated Org".to_owned())));
            id
        }
    };
    if !st.projects().any(|p| p.org_id == org) {
        st.apply(Op::PutProject(ProjectRecord {
            id: crate::ids::project_id(),
            org_id: org,
            name: "Emulated Project".to_owned(),
        }));
    }
    if !st
        .org_keys(&org)
        .any(|k| k.org_roles.contains(&OrgRole::Owner))
    {
        let mut key = KeyRecord {
            seq: st.next_seq(),
            id: crate::ids::key_id(),
            org_id: org,
            desc: "Emulator organization owner".to_owned(),
            public_key: crate::ids::public_key(),
            private_key: crate::ids::private_key(),
            org_roles: vec![OrgRole::Owner],
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
        .any(|a| a.org_id == org && a.org_roles.contains(&OrgRole::Owner))
    {
        st.apply(Op::PutServiceAccount(ServiceAccountRecord {
            client_id: crate::ids::client_id(),
            client_secret: crate::ids::client_secret(),
            org_id: org,
            name: "Emulator organization owner".to_owned(),
            org_roles: vec![OrgRole::Owner],
            project_roles: Vec::new(),
        }));
    }
}

/// Creates `n` keys (`ORG_MEMBER`, `GROUP_READ_ONLY`) in the default project.
pub(crate) fn add_bulk_keys(st: &mut State, n: u64) {
    let Some(d) = defaults(st) else { return };
    let mut publics: HashSet<PublicKey> = HashSet::new();
    while (publics.len() as u64) < n {
        let public_key = crate::ids::public_key();
        if st.key_by_public(&public_key).is_none() {
            publics.insert(public_key);
        }
    }
    // Lists are sorted by public key; handing the keys out in that order makes
    // "bulk key i" the i-th of the project's list, which is what benchmarks and tests
    // page through.
    let mut publics: Vec<PublicKey> = publics.into_iter().collect();
    publics.sort();
    for (i, public_key) in publics.into_iter().enumerate() {
        let mut id = crate::ids::key_id();
        while st.key(&id).is_some() {
            id = crate::ids::key_id();
        }
        st.apply(Op::PutKey(KeyRecord {
            seq: st.next_seq(),
            id,
            org_id: d.org_id,
            desc: format!("bulk key {i}"),
            public_key,
            private_key: crate::ids::private_key(),
            org_roles: vec![OrgRole::Member],
            project_roles: vec![ProjectRoles {
                project_id: d.project_id,
                roles: vec![ProjectRole::ReadOnly],
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
        .find(|k| k.org_roles.contains(&OrgRole::Owner))?;
    let sa = st
        .service_accounts()
        .find(|a| a.org_id == org.id && a.org_roles.contains(&OrgRole::Owner))?;
    Some(Defaults {
        org_id: org.id,
        project_id: project.id,
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
