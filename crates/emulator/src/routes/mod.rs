//! The 14 operations and the org settings: routing derived from the model's operation table
//! (`atlas_keys_model::operations::OPERATIONS`), the typed path ids, shared request
//! helpers and the rendering of keys, then dispatch to `org_keys`, `access_list` and
//! `project_keys`.
//!
//! There is no second route table here: a request path is matched against the templates
//! of the table's rows for the served flavour, and the 405 and its `Allow` header come
//! from the same rows. This module must NOT authenticate, rate-limit or negotiate
//! versions (the server does that before dispatch) and must NOT hold the state lock
//! across an `.await`.

pub(crate) mod access_list;
pub(crate) mod body;
pub(crate) mod org_keys;
pub(crate) mod org_settings;
pub(crate) mod project_keys;

use atlas_keys_model::operations::{BodyShape, HttpMethod, OPERATIONS, Operation, OperationSpec};
use atlas_keys_model::{
    AccessListAddress, ApiKey, ApiKeyId, ErrorCode, Flavour, Link, OrgId, Page, PrivateKey,
    ProjectId, RoleAssignment,
};
use http::{Method, StatusCode};

use crate::app::App;
use crate::auth::Caller;
use crate::envelope::Reply;
use crate::errors::{ApiError, ApiResult};
use crate::query::QueryOpts;
use crate::rate_limit::Scope;
use crate::state::{KeyList, KeyRecord, PersistError};

/// The path parameters a template captured, as raw (still percent-encoded) text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RawParams<'a> {
    pub(crate) org: Option<&'a str>,
    pub(crate) group: Option<&'a str>,
    pub(crate) key: Option<&'a str>,
    pub(crate) address: Option<&'a str>,
}

/// Matches `rest` (the path after the flavour prefix) against one template, capturing
/// its `{placeholders}`; every placeholder needs a non-empty segment.
fn match_template<'a>(template: &str, rest: &'a str) -> Option<RawParams<'a>> {
    let mut params = RawParams::default();
    let mut want = template.strip_prefix('/')?.split('/');
    let mut got = rest.strip_prefix('/')?.split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(g)) => match w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                Some(_) if g.is_empty() => return None,
                Some("orgId") => params.org = Some(g),
                Some("groupId") => params.group = Some(g),
                Some("apiUserId") => params.key = Some(g),
                Some("ipAddress") => params.address = Some(g),
                Some(_) => return None,
                None if w == g => {}
                None => return None,
            },
            _ => return None,
        }
    }
}

fn method_of(m: HttpMethod) -> Method {
    match m {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Delete => Method::DELETE,
    }
}

/// What a row runs: an operation of the model's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowKind {
    Table(&'static OperationSpec),
}

/// One routable row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) method: HttpMethod,
    pub(crate) path: &'static str,
    pub(crate) body: BodyShape,
    flavours: &'static [Flavour],
    pub(crate) kind: RowKind,
}

/// The org settings path (its own rate-limit scope).
const SETTINGS_PATH: &str = "/orgs/{orgId}/settings";

/// A path that names a resource of the table: its template, the
/// flavour it was matched for and the captured parameters. Which row serves it depends
/// on the method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Route<'a> {
    template: &'static str,
    flavour: Flavour,
    pub(crate) params: RawParams<'a>,
}

impl<'a> Route<'a> {
    /// The rows of this flavour, in table order.
    fn flavour_rows(flavour: Flavour) -> impl Iterator<Item = Row> {
        OPERATIONS
            .iter()
            .map(|spec| Row {
                method: spec.method,
                path: spec.path,
                body: spec.body,
                flavours: spec.flavours,
                kind: RowKind::Table(spec),
            })
            .filter(move |row| row.flavours.contains(&flavour))
    }

    /// Matches the path after the flavour prefix (it starts with `/`) against the
    /// templates of `flavour`'s rows.
    pub(crate) fn parse(rest: &'a str, flavour: Flavour) -> Option<Route<'a>> {
        Self::flavour_rows(flavour).find_map(|row| {
            match_template(row.path, rest).map(|params| Route {
                template: row.path,
                flavour,
                params,
            })
        })
    }

    /// The rows on this path, in table order.
    fn rows(&self) -> impl Iterator<Item = Row> + use<'a> {
        let template = self.template;
        Self::flavour_rows(self.flavour).filter(move |row| row.path == template)
    }

    /// The row serving `method` here; the first in table order when two rows share a
    /// method (Cloud/Ops Manager's assign and update are both `PATCH`, and one handler).
    pub(crate) fn operation(&self, method: &Method) -> Option<Row> {
        self.rows().find(|row| method_of(row.method) == method)
    }

    /// The `Allow` header value: the methods of the rows on this path, in table order.
    pub(crate) fn allow_header(&self) -> String {
        let mut methods: Vec<&str> = Vec::with_capacity(4);
        for row in self.rows() {
            let m = row.method.as_str();
            if !methods.contains(&m) {
                methods.push(m);
            }
        }
        methods.join(", ")
    }

    /// The token bucket this route draws from, keyed by the path's org or project id.
    pub(crate) fn scope(&self) -> (Scope, &'a str) {
        match (self.params.group, self.params.org) {
            (Some(group), _) => (Scope::Group, group),
            (None, org) if self.template == SETTINGS_PATH => {
                (Scope::OrgSettings, org.unwrap_or_default())
            }
            (None, org) => (Scope::Org, org.unwrap_or_default()),
        }
    }
}

/// The handler functions; one per operation, except that Cloud/Ops Manager's `PATCH`
/// assign is the update handler (which assigns a key not yet in the project).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Handler {
    ListOrgKeys,
    CreateOrgKey,
    GetOrgKey,
    UpdateOrgKey,
    DeleteOrgKey,
    ListAccessList,
    CreateAccessList,
    GetAccessEntry,
    DeleteAccessEntry,
    ListProjectKeys,
    CreateProjectKey,
    AssignProjectKey,
    UpdateProjectRoles,
    UnassignProjectKey,
}

impl Handler {
    /// The handler of a table row; `None` for an operation this emulator does not know
    /// (the table may grow before the emulator does).
    pub(crate) fn of(row: &OperationSpec) -> Option<Handler> {
        Some(match (row.operation, row.method) {
            (Operation::ListOrgApiKeys, _) => Handler::ListOrgKeys,
            (Operation::CreateOrgApiKey, _) => Handler::CreateOrgKey,
            (Operation::GetOrgApiKey, _) => Handler::GetOrgKey,
            (Operation::UpdateOrgApiKey, _) => Handler::UpdateOrgKey,
            (Operation::DeleteOrgApiKey, _) => Handler::DeleteOrgKey,
            (Operation::ListAccessListEntries, _) => Handler::ListAccessList,
            (Operation::CreateAccessListEntries, _) => Handler::CreateAccessList,
            (Operation::GetAccessListEntry, _) => Handler::GetAccessEntry,
            (Operation::DeleteAccessListEntry, _) => Handler::DeleteAccessEntry,
            (Operation::ListProjectApiKeys, _) => Handler::ListProjectKeys,
            (Operation::CreateProjectApiKey, _) => Handler::CreateProjectKey,
            (Operation::AssignProjectApiKey, HttpMethod::Post) => Handler::AssignProjectKey,
            (Operation::AssignProjectApiKey | Operation::UpdateProjectApiKeyRoles, _) => {
                Handler::UpdateProjectRoles
            }
            (Operation::UnassignProjectApiKey, _) => Handler::UnassignProjectKey,
            _ => return None,
        })
    }
}

/// The path ids, parsed once into the model's types.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PathIds {
    pub(crate) org: Option<OrgId>,
    pub(crate) group: Option<ProjectId>,
    pub(crate) key: Option<ApiKeyId>,
    pub(crate) address: Option<AccessListAddress>,
}

impl PathIds {
    /// Parses every captured parameter. A malformed id is the service's 400
    /// `PATH_PARAM_PARSE_ERROR` naming the request path `uri`; a malformed address is
    /// `INVALID_IP_ADDRESS_OR_CIDR_NOTATION`.
    pub(crate) fn parse(raw: &RawParams<'_>, uri: &str) -> ApiResult<PathIds> {
        let org = raw
            .org
            .map(|s| OrgId::new(s).map_err(|_| malformed_path(uri)))
            .transpose()?;
        let group = raw
            .group
            .map(|s| ProjectId::new(s).map_err(|_| malformed_path(uri)))
            .transpose()?;
        let key = raw
            .key
            .map(|s| ApiKeyId::new(s).map_err(|_| malformed_path(uri)))
            .transpose()?;
        let address = raw.address.map(path_address).transpose()?;
        Ok(PathIds {
            org,
            group,
            key,
            address,
        })
    }
}

/// A parameter the matched template guarantees; its absence is the server's own bug.
fn need<T>(v: Option<T>) -> ApiResult<T> {
    v.ok_or_else(|| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::UnexpectedError,
            "The route is missing a path parameter.",
        )
    })
}

/// The 400 for an address that is neither an IP address nor a CIDR block.
pub(crate) fn invalid_address(shown: &str) -> ApiError {
    let shown: String = shown.chars().take(64).collect();
    ApiError::bad_request(
        ErrorCode::InvalidIpAddressOrCidrNotation,
        format!("IP address or CIDR notation {shown} is invalid."),
    )
    .param(shown)
}

/// Parses the `{ipAddress}` path segment (percent-encoded, `%2F` for `/`).
fn path_address(raw: &str) -> ApiResult<AccessListAddress> {
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    AccessListAddress::parse(&decoded).map_err(|_| invalid_address(&decoded))
}

/// Everything an operation handler needs.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    pub(crate) app: &'a App,
    pub(crate) flavour: Flavour,
    pub(crate) prefix: &'static str,
    pub(crate) caller: &'a Caller,
    pub(crate) query: &'a QueryOpts,
    /// The request path, for page links.
    pub(crate) path: &'a str,
    pub(crate) body: &'a [u8],
}

impl Ctx<'_> {
    /// The absolute URL of the request path.
    pub(crate) fn self_url(&self) -> String {
        format!("{}{}", self.app.base_url, self.path)
    }

    /// The `self` link of a key.
    pub(crate) fn key_href(&self, org_id: &OrgId, key_id: &ApiKeyId) -> String {
        format!(
            "{}{}/orgs/{org_id}/apiKeys/{key_id}",
            self.app.base_url, self.prefix
        )
    }

    /// The page of `keys` that the query asks for, with its links. Only the keys on the
    /// page are visited, so a page costs the same at any offset.
    pub(crate) fn key_page(&self, keys: KeyList<'_>) -> Reply {
        let total = keys.len();
        let (start, end) = self.query.window(total);
        let results = keys
            .window(start, end)
            .map(|k| self.api_key(k, false))
            .collect();
        Reply::Keys(Page::new(
            results,
            self.query.page.include_count().then_some(total as u64),
            self.query.page_links(&self.self_url(), total),
        ))
    }

    /// A key as the API shows it; the private key in full only when `reveal`.
    pub(crate) fn api_key(&self, k: &KeyRecord, reveal: bool) -> ApiKey {
        let mut roles = Vec::with_capacity(k.org_roles.len() + k.project_roles.len());
        for role in &k.org_roles {
            roles.push(RoleAssignment::Org {
                org_id: k.org_id,
                role: role.clone(),
            });
        }
        for pr in &k.project_roles {
            for role in &pr.roles {
                roles.push(RoleAssignment::Project {
                    project_id: pr.project_id,
                    role: role.clone(),
                });
            }
        }
        let private = PrivateKey::new(k.private_key.clone());
        let mut key = ApiKey::new(k.id)
            .with_public_key(k.public_key.clone())
            .with_private_key(if reveal { private } else { private.redacted() })
            .with_roles(roles)
            .with_links(vec![Link::new(self.key_href(&k.org_id, &k.id), "self")]);
        if !k.desc.is_empty() {
            key = key.with_desc(k.desc.clone());
        }
        key
    }

    /// Persists a write, mapping a storage failure to a 500 (the server's own fault).
    pub(crate) fn persisted<T>(r: Result<ApiResult<T>, PersistError>) -> ApiResult<T> {
        r.unwrap_or_else(|e| {
            Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::UnexpectedError,
                e.to_string(),
            ))
        })
    }
}

/// The service's answer to a malformed path id (a public key where the 24-hex id
/// belongs, a short or upper-case id), NOTES (j).
fn malformed_path(uri: &str) -> ApiError {
    let shown: String = uri.chars().take(200).collect();
    ApiError::bad_request(
        ErrorCode::PathParamParseError,
        format!("One or more path parameter in the request URI {shown} is malformed."),
    )
    .param(shown)
}

/// Runs the handler of `row` with the path's typed ids.
pub(crate) async fn dispatch(ctx: &Ctx<'_>, row: Row, ids: PathIds) -> ApiResult<Reply> {
    let org = || need(ids.org);
    let RowKind::Table(row) = row.kind;
    match row.operation {
        Operation::GetOrgSettings => return org_settings::get(ctx, org()?),
        Operation::UpdateOrgSettings => return org_settings::update(ctx, org()?).await,
        _ => {}
    }
    let Some(handler) = Handler::of(row) else {
        return Err(ApiError::not_found(
            ErrorCode::ResourceNotFound,
            format!("Operation {} is not emulated.", row.operation),
        ));
    };
    let key = || need(ids.key);
    let group = || need(ids.group);
    let address = || need(ids.address);
    match handler {
        Handler::ListOrgKeys => org_keys::list(ctx, org()?),
        Handler::CreateOrgKey => org_keys::create(ctx, org()?).await,
        Handler::GetOrgKey => org_keys::get(ctx, org()?, key()?),
        Handler::UpdateOrgKey => org_keys::update(ctx, org()?, key()?).await,
        Handler::DeleteOrgKey => org_keys::delete(ctx, org()?, key()?).await,
        Handler::ListAccessList => access_list::list(ctx, org()?, key()?),
        Handler::CreateAccessList => access_list::create(ctx, org()?, key()?).await,
        Handler::GetAccessEntry => access_list::get(ctx, org()?, key()?, address()?),
        Handler::DeleteAccessEntry => access_list::delete(ctx, org()?, key()?, address()?).await,
        Handler::ListProjectKeys => project_keys::list(ctx, group()?),
        Handler::CreateProjectKey => project_keys::create(ctx, group()?).await,
        Handler::AssignProjectKey => project_keys::assign(ctx, group()?, key()?).await,
        Handler::UpdateProjectRoles => project_keys::update_roles(ctx, group()?, key()?).await,
        Handler::UnassignProjectKey => project_keys::unassign(ctx, group()?, key()?).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = "4888442a3354817a7320eb61";
    const GROUP: &str = "32b6e34b3d91647abb20e7b8";
    const KEY: &str = "5f1a2b3c4d5e6f7a8b9c0d1e";
    const ADDR: &str = "192.0.2.0%2F24";

    fn fill(template: &str) -> String {
        template
            .replace("{orgId}", ORG)
            .replace("{groupId}", GROUP)
            .replace("{apiUserId}", KEY)
            .replace("{ipAddress}", ADDR)
    }

    /// The handler each operation must reach, written out by hand so the test does not
    /// just repeat `Handler::of`.
    fn expected(op: Operation, method: HttpMethod) -> Handler {
        match (op, method) {
            (Operation::ListOrgApiKeys, _) => Handler::ListOrgKeys,
            (Operation::CreateOrgApiKey, _) => Handler::CreateOrgKey,
            (Operation::GetOrgApiKey, _) => Handler::GetOrgKey,
            (Operation::UpdateOrgApiKey, _) => Handler::UpdateOrgKey,
            (Operation::DeleteOrgApiKey, _) => Handler::DeleteOrgKey,
            (Operation::ListAccessListEntries, _) => Handler::ListAccessList,
            (Operation::CreateAccessListEntries, _) => Handler::CreateAccessList,
            (Operation::GetAccessListEntry, _) => Handler::GetAccessEntry,
            (Operation::DeleteAccessListEntry, _) => Handler::DeleteAccessEntry,
            (Operation::ListProjectApiKeys, _) => Handler::ListProjectKeys,
            (Operation::CreateProjectApiKey, _) => Handler::CreateProjectKey,
            (Operation::AssignProjectApiKey, HttpMethod::Post) => Handler::AssignProjectKey,
            (Operation::AssignProjectApiKey, _) => Handler::UpdateProjectRoles,
            (Operation::UpdateProjectApiKeyRoles, _) => Handler::UpdateProjectRoles,
            (Operation::UnassignProjectApiKey, _) => Handler::UnassignProjectKey,
            (other, _) => panic!("no expected handler for {other}"),
        }
    }

    /// Every row of the table, in every flavour it names, reaches its handler with the
    /// path's parameters captured.
    #[test]
    fn every_row_is_routed_to_its_handler_in_every_flavour() {
        let mut checked = 0;
        for row in OPERATIONS {
            for &flavour in row.flavours {
                let path = fill(row.path);
                let route = Route::parse(&path, flavour).expect(&path);
                let served = route
                    .operation(&method_of(row.method))
                    .unwrap_or_else(|| panic!("{} {path} in {flavour}", row.method.as_str()));
                let RowKind::Table(served) = served.kind;
                if Operation::ORG_SETTINGS.contains(&row.operation) {
                    // Served by `org_settings`, not by a key handler.
                    assert_eq!(served.operation, row.operation);
                    continue;
                }
                assert_eq!(
                    Handler::of(served),
                    Some(expected(row.operation, row.method)),
                    "{} in {flavour}",
                    row.operation
                );
                let p = route.params;
                assert_eq!(p.org, row.path.contains("{orgId}").then_some(ORG));
                assert_eq!(p.group, row.path.contains("{groupId}").then_some(GROUP));
                assert_eq!(p.key, row.path.contains("{apiUserId}").then_some(KEY));
                assert_eq!(p.address, row.path.contains("{ipAddress}").then_some(ADDR));
                checked += 1;
            }
        }
        assert!(checked >= 14 * 4, "{checked}");
    }

    /// On every path of the table, a method no row of the flavour has is refused, and
    /// `Allow` lists exactly the methods the rows have, in table order.
    #[test]
    fn method_not_allowed_and_allow_follow_the_table() {
        let all = [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ];
        for flavour in Flavour::ALL {
            for row in OPERATIONS.iter().filter(|r| r.flavours.contains(&flavour)) {
                let path = fill(row.path);
                let route = Route::parse(&path, flavour).expect(&path);
                let mut methods: Vec<&str> = Vec::new();
                for r in OPERATIONS
                    .iter()
                    .filter(|r| r.flavours.contains(&flavour) && r.path == row.path)
                {
                    if !methods.contains(&r.method.as_str()) {
                        methods.push(r.method.as_str());
                    }
                }
                assert_eq!(route.allow_header(), methods.join(", "), "{path} {flavour}");
                for m in &all {
                    assert_eq!(
                        route.operation(m).is_some(),
                        methods.contains(&m.as_str()),
                        "{m} {path} {flavour}"
                    );
                }
            }
        }
        // The values clients see, spelled out.
        let allow = |path: &str, f| Route::parse(&fill(path), f).unwrap().allow_header();
        assert_eq!(
            allow("/orgs/{orgId}/apiKeys", Flavour::AtlasV2),
            "GET, POST"
        );
        assert_eq!(
            allow("/orgs/{orgId}/apiKeys/{apiUserId}", Flavour::AtlasV1),
            "GET, PATCH, DELETE"
        );
        assert_eq!(
            allow(
                "/orgs/{orgId}/apiKeys/{apiUserId}/accessList/{ipAddress}",
                Flavour::OpsManager
            ),
            "GET, DELETE"
        );
        assert_eq!(
            allow("/groups/{groupId}/apiKeys/{apiUserId}", Flavour::AtlasV2),
            "POST, PATCH, DELETE"
        );
        assert_eq!(
            allow(
                "/groups/{groupId}/apiKeys/{apiUserId}",
                Flavour::CloudManager
            ),
            "PATCH, DELETE"
        );
    }

    #[test]
    fn paths_outside_the_table_do_not_match() {
        for bad in [
            "/orgs",
            "/orgs//apiKeys",
            "/orgs/a/apiKeys/",
            "/orgs/a/keys",
            "/groups/g/apiKeys/k/x",
            "/orgs/a/apiKeys/k/accessList/",
            "",
        ] {
            assert_eq!(Route::parse(bad, Flavour::AtlasV2), None, "{bad}");
        }
        let r = Route::parse("/groups/g/apiKeys/k", Flavour::AtlasV2).unwrap();
        assert_eq!(r.scope(), (Scope::Group, "g"));
        let r = Route::parse("/orgs/a/apiKeys/k/accessList/x", Flavour::AtlasV2).unwrap();
        assert_eq!(r.scope(), (Scope::Org, "a"));
    }

    /// The org settings rows of the table: Atlas only, GET and PATCH, with
    /// their own rate-limit scope.
    #[test]
    fn org_settings_are_routed_from_the_table() {
        for flavour in [Flavour::AtlasV2, Flavour::AtlasV1] {
            let r = Route::parse("/orgs/a/settings", flavour).unwrap();
            assert_eq!(r.scope(), (Scope::OrgSettings, "a"));
            assert_eq!(r.allow_header(), "GET, PATCH");
            assert_eq!(
                r.operation(&Method::GET).map(|row| match row.kind {
                    RowKind::Table(spec) => spec.operation,
                }),
                Some(Operation::GetOrgSettings)
            );
            assert_eq!(
                r.operation(&Method::PATCH).map(|row| row.body),
                Some(BodyShape::Object)
            );
            assert!(r.operation(&Method::DELETE).is_none());
        }
        for flavour in [Flavour::CloudManager, Flavour::OpsManager] {
            assert_eq!(Route::parse("/orgs/a/settings", flavour), None);
        }
    }
}
