//! The 14 operations: path matching, shared request helpers (JSON body checks, path
//! ids) and rendering of keys, then dispatch to `org_keys`, `access_list` and
//! `project_keys`.
//!
//! This module must NOT authenticate, rate-limit or negotiate versions (the server
//! does that before dispatch) and must NOT hold the state lock across an `.await`.

pub(crate) mod access_list;
pub(crate) mod body;
pub(crate) mod org_keys;
pub(crate) mod project_keys;

use atlas_keys_model::{
    ApiKey, ApiKeyId, ErrorCode, Flavour, Link, OrgId, OrgRole, Page, PrivateKey, ProjectId,
    ProjectRole, PublicKey, RoleAssignment,
};
use http::{Method, StatusCode};

use crate::app::App;
use crate::auth::Caller;
use crate::envelope::Reply;
use crate::errors::{ApiError, ApiResult};
use crate::query::QueryOpts;
use crate::rate_limit::Scope;
use crate::state::{KeyList, KeyRecord, PersistError};

/// A matched path (ids still raw text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route<'a> {
    OrgKeys {
        org: &'a str,
    },
    OrgKey {
        org: &'a str,
        key: &'a str,
    },
    AccessList {
        org: &'a str,
        key: &'a str,
    },
    AccessEntry {
        org: &'a str,
        key: &'a str,
        address: &'a str,
    },
    ProjectKeys {
        group: &'a str,
    },
    ProjectKey {
        group: &'a str,
        key: &'a str,
    },
}

impl<'a> Route<'a> {
    /// Matches the path after the flavour prefix (it starts with `/`).
    pub(crate) fn parse(rest: &'a str) -> Option<Route<'a>> {
        let mut segs = rest.strip_prefix('/')?.split('/');
        let kind = segs.next()?;
        let id = segs.next().filter(|s| !s.is_empty())?;
        if segs.next()? != "apiKeys" {
            return None;
        }
        let key = segs.next();
        let tail: Vec<&str> = segs.collect();
        match (kind, key, tail.as_slice()) {
            ("orgs", None, []) => Some(Route::OrgKeys { org: id }),
            ("orgs", Some(k), []) if !k.is_empty() => Some(Route::OrgKey { org: id, key: k }),
            ("orgs", Some(k), ["accessList"]) if !k.is_empty() => {
                Some(Route::AccessList { org: id, key: k })
            }
            ("orgs", Some(k), ["accessList", a]) if !k.is_empty() && !a.is_empty() => {
                Some(Route::AccessEntry {
                    org: id,
                    key: k,
                    address: a,
                })
            }
            ("groups", None, []) => Some(Route::ProjectKeys { group: id }),
            ("groups", Some(k), []) if !k.is_empty() => {
                Some(Route::ProjectKey { group: id, key: k })
            }
            _ => None,
        }
    }

    /// The token bucket this route draws from, keyed by the path's org or project id.
    pub(crate) fn scope(&self) -> (Scope, &'a str) {
        match *self {
            Route::OrgKeys { org }
            | Route::OrgKey { org, .. }
            | Route::AccessList { org, .. }
            | Route::AccessEntry { org, .. } => (Scope::Org, org),
            Route::ProjectKeys { group } | Route::ProjectKey { group, .. } => (Scope::Group, group),
        }
    }

    /// Whether `method` is served on this route for `flavour`.
    pub(crate) fn allows(&self, method: &Method, flavour: Flavour) -> bool {
        match self {
            Route::OrgKeys { .. } | Route::AccessList { .. } | Route::ProjectKeys { .. } => {
                method == Method::GET || method == Method::POST
            }
            Route::OrgKey { .. } => {
                method == Method::GET || method == Method::PATCH || method == Method::DELETE
            }
            Route::AccessEntry { .. } => method == Method::GET || method == Method::DELETE,
            Route::ProjectKey { .. } => {
                method == Method::PATCH
                    || method == Method::DELETE
                    || (method == Method::POST && flavour.is_atlas())
            }
        }
    }

    /// The `Allow` header value for this route and flavour.
    pub(crate) fn allow_header(&self, flavour: Flavour) -> &'static str {
        match self {
            Route::OrgKeys { .. } | Route::AccessList { .. } | Route::ProjectKeys { .. } => {
                "GET, POST"
            }
            Route::OrgKey { .. } => "GET, PATCH, DELETE",
            Route::AccessEntry { .. } => "GET, DELETE",
            Route::ProjectKey { .. } if flavour.is_atlas() => "POST, PATCH, DELETE",
            Route::ProjectKey { .. } => "PATCH, DELETE",
        }
    }

    /// Whether this operation takes a request body.
    pub(crate) fn takes_body(&self, method: &Method) -> bool {
        method == Method::POST || method == Method::PATCH
    }
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
    pub(crate) fn key_href(&self, org_id: &str, key_id: &str) -> String {
        format!(
            "{}{}/orgs/{org_id}/apiKeys/{key_id}",
            self.app.base_url, self.prefix
        )
    }

    /// The page of `keys` that the query asks for, with its links. Only the keys on the
    /// page are visited, so a page costs the same at any offset.
    pub(crate) fn key_page(&self, keys: KeyList<'_>) -> ApiResult<Reply> {
        let total = keys.len();
        let (start, end) = self.query.window(total);
        let results = keys
            .window(start, end)
            .map(|k| self.api_key(k, false))
            .collect::<ApiResult<Vec<_>>>()?;
        Ok(Reply::Keys(Page::new(
            results,
            self.query.page.include_count().then_some(total as u64),
            self.query.page_links(&self.self_url(), total),
        )))
    }

    /// A key as the API shows it; the private key in full only when `reveal`.
    pub(crate) fn api_key(&self, k: &KeyRecord, reveal: bool) -> ApiResult<ApiKey> {
        let mut roles = Vec::with_capacity(k.org_roles.len() + k.project_roles.len());
        if let Ok(org_id) = OrgId::new(&k.org_id) {
            for r in &k.org_roles {
                roles.push(RoleAssignment::Org {
                    org_id,
                    role: OrgRole::from_wire(r),
                });
            }
        }
        for pr in &k.project_roles {
            if let Ok(project_id) = ProjectId::new(&pr.project_id) {
                for r in &pr.roles {
                    roles.push(RoleAssignment::Project {
                        project_id,
                        role: ProjectRole::from_wire(r),
                    });
                }
            }
        }
        let private = PrivateKey::new(k.private_key.clone());
        // Stored ids were generated or validated, so this error is never taken.
        let id = ApiKeyId::new(k.id.clone()).map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::UnexpectedError,
                e.to_string(),
            )
        })?;
        let mut key = ApiKey::new(id)
            .with_private_key(if reveal { private } else { private.redacted() })
            .with_roles(roles)
            .with_links(vec![Link::new(self.key_href(&k.org_id, &k.id), "self")]);
        if !k.desc.is_empty() {
            key = key.with_desc(k.desc.clone());
        }
        if let Ok(public_key) = PublicKey::new(k.public_key.clone()) {
            key = key.with_public_key(public_key);
        }
        Ok(key)
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

/// Validates a path id (24 lowercase hex) and names the parameter in the error.
pub(crate) fn path_id(raw: &str, which: PathId) -> ApiResult<String> {
    let ok = raw.len() == 24
        && raw
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok {
        return Ok(raw.to_owned());
    }
    let (code, what) = match which {
        PathId::Org => (ErrorCode::InvalidOrgId, "organization ID"),
        PathId::Group => (ErrorCode::InvalidGroupId, "project ID"),
        PathId::Key => (ErrorCode::InvalidKeyId, "API key ID"),
    };
    let shown: String = raw.chars().take(64).collect();
    Err(ApiError::not_found(code, format!("An invalid {what} {shown} was specified.")).param(shown))
}

/// Which path id is being checked.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PathId {
    Org,
    Group,
    Key,
}

/// Runs the operation for `route` and `method`.
pub(crate) async fn dispatch(ctx: &Ctx<'_>, route: Route<'_>, method: &Method) -> ApiResult<Reply> {
    match (route, method.as_str()) {
        (Route::OrgKeys { org }, "GET") => org_keys::list(ctx, org),
        (Route::OrgKeys { org }, "POST") => org_keys::create(ctx, org).await,
        (Route::OrgKey { org, key }, "GET") => org_keys::get(ctx, org, key),
        (Route::OrgKey { org, key }, "PATCH") => org_keys::update(ctx, org, key).await,
        (Route::OrgKey { org, key }, "DELETE") => org_keys::delete(ctx, org, key).await,
        (Route::AccessList { org, key }, "GET") => access_list::list(ctx, org, key),
        (Route::AccessList { org, key }, "POST") => access_list::create(ctx, org, key).await,
        (Route::AccessEntry { org, key, address }, "GET") => {
            access_list::get(ctx, org, key, address)
        }
        (Route::AccessEntry { org, key, address }, "DELETE") => {
            access_list::delete(ctx, org, key, address).await
        }
        (Route::ProjectKeys { group }, "GET") => project_keys::list(ctx, group),
        (Route::ProjectKeys { group }, "POST") => project_keys::create(ctx, group).await,
        (Route::ProjectKey { group, key }, "POST") => project_keys::assign(ctx, group, key).await,
        (Route::ProjectKey { group, key }, "PATCH") => {
            project_keys::update_roles(ctx, group, key).await
        }
        (Route::ProjectKey { group, key }, "DELETE") => {
            project_keys::unassign(ctx, group, key).await
        }
        _ => Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::from("METHOD_NOT_ALLOWED"),
            format!("Method {method} is not allowed on this resource."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_paths() {
        assert_eq!(
            Route::parse("/orgs/a/apiKeys"),
            Some(Route::OrgKeys { org: "a" })
        );
        assert_eq!(
            Route::parse("/orgs/a/apiKeys/k"),
            Some(Route::OrgKey { org: "a", key: "k" })
        );
        assert_eq!(
            Route::parse("/orgs/a/apiKeys/k/accessList/1.2.3.4%2F32"),
            Some(Route::AccessEntry {
                org: "a",
                key: "k",
                address: "1.2.3.4%2F32"
            })
        );
        assert_eq!(
            Route::parse("/groups/g/apiKeys/k"),
            Some(Route::ProjectKey {
                group: "g",
                key: "k"
            })
        );
        for bad in [
            "/orgs",
            "/orgs//apiKeys",
            "/orgs/a/apiKeys/",
            "/orgs/a/keys",
            "/groups/g/apiKeys/k/x",
            "",
        ] {
            assert_eq!(Route::parse(bad), None, "{bad}");
        }
    }
}
