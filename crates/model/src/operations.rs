//! THE operation table: for each of the 14 operations and each flavour, its method, path
//! template, request-body shape, success status and v2 resource version.
//!
//! What it is for: being the one table of the workspace's URL paths, read by both the
//! client (`atlas-keys`, which fills the templates through typed path functions checked
//! against this table) and the emulator (which routes, answers 405 and writes `Allow` from
//! it). It lives here, in the model, so the emulator can read it without depending on the
//! client. Adding an operation is one [`Operation`] variant and one row of [`OPERATIONS`];
//! where flavours differ (assign, unassign), the difference is a second row.
//!
//! What it must NOT do: any I/O, build requests, encode ids, or decode responses. The
//! templates are data; this module fills none of them.

use std::fmt;

use crate::{ApiVersion, Flavour};

/// One of the 14 operations of the Programmatic API Keys resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// #1: list the organization's keys (paginated).
    ListOrgApiKeys,
    /// #2: create an organization key.
    CreateOrgApiKey,
    /// #3: get one organization key.
    GetOrgApiKey,
    /// #4: update an organization key's description and roles.
    UpdateOrgApiKey,
    /// #5: delete an organization key (also removes it from every project).
    DeleteOrgApiKey,
    /// #6: list a key's access-list entries (paginated).
    ListAccessListEntries,
    /// #7: add entries to a key's access list.
    CreateAccessListEntries,
    /// #8: get one access-list entry.
    GetAccessListEntry,
    /// #9: delete one access-list entry.
    DeleteAccessListEntry,
    /// #10: list the keys assigned to a project (paginated).
    ListProjectApiKeys,
    /// #11: create an organization key and assign it to a project.
    CreateProjectApiKey,
    /// #12: assign an existing organization key to a project.
    AssignProjectApiKey,
    /// #13: replace a key's roles in a project.
    UpdateProjectApiKeyRoles,
    /// #14: unassign a key from a project.
    UnassignProjectApiKey,
    /// The caller's public address as the service sees it (`GET /api/private/ipinfo`, what
    /// the Atlas CLI's `--currentIp` asks). Not one of the 14: it lives outside the flavour
    /// prefix, in [`ROOTED_OPERATIONS`].
    CurrentIpInfo,
    /// Read an organization's settings (Atlas only; not one of the 14, see [`Operation::ORG_SETTINGS`]).
    GetOrgSettings,
    /// Change an organization's settings (Atlas only).
    UpdateOrgSettings,
}

impl Operation {
    /// The 14 operations of the Programmatic API Keys resource, in the spec's order
    /// ([`Operation::CurrentIpInfo`] is not among them: see [`ROOTED_OPERATIONS`]).
    pub const ALL: [Operation; 14] = [
        Operation::ListOrgApiKeys,
        Operation::CreateOrgApiKey,
        Operation::GetOrgApiKey,
        Operation::UpdateOrgApiKey,
        Operation::DeleteOrgApiKey,
        Operation::ListAccessListEntries,
        Operation::CreateAccessListEntries,
        Operation::GetAccessListEntry,
        Operation::DeleteAccessListEntry,
        Operation::ListProjectApiKeys,
        Operation::CreateProjectApiKey,
        Operation::AssignProjectApiKey,
        Operation::UpdateProjectApiKeyRoles,
        Operation::UnassignProjectApiKey,
    ];

    /// The organization settings operations the audit needs (Atlas v2 and v1.0 only), kept
    /// out of [`Operation::ALL`], which is the API keys resource's 14.
    pub const ORG_SETTINGS: [Operation; 2] =
        [Operation::GetOrgSettings, Operation::UpdateOrgSettings];

    /// The row of [`OPERATIONS`] for this operation in `flavour`, if the flavour has it.
    ///
    /// ```
    /// use atlas_keys_model::Flavour;
    /// use atlas_keys_model::operations::{HttpMethod, Operation};
    ///
    /// let atlas = Operation::AssignProjectApiKey.spec(Flavour::AtlasV2).unwrap();
    /// let cm = Operation::AssignProjectApiKey.spec(Flavour::CloudManager).unwrap();
    /// assert_eq!((atlas.method, atlas.success), (HttpMethod::Post, 204));
    /// assert_eq!((cm.method, cm.success), (HttpMethod::Patch, 200));
    /// assert_eq!(atlas.path, cm.path);
    /// ```
    pub fn spec(self, flavour: Flavour) -> Option<&'static OperationSpec> {
        OPERATIONS
            .iter()
            .chain(ROOTED_OPERATIONS)
            .find(|row| row.operation == self && row.flavours.contains(&flavour))
    }

    /// The spec's current operationId, e.g. `createOrgApiKey`.
    pub fn operation_id(self) -> &'static str {
        match self {
            Operation::ListOrgApiKeys => "listOrgApiKeys",
            Operation::CreateOrgApiKey => "createOrgApiKey",
            Operation::GetOrgApiKey => "getOrgApiKey",
            Operation::UpdateOrgApiKey => "updateOrgApiKey",
            Operation::DeleteOrgApiKey => "deleteOrgApiKey",
            Operation::ListAccessListEntries => "listOrgApiKeyAccessListEntries",
            Operation::CreateAccessListEntries => "createOrgApiKeyAccessListEntry",
            Operation::GetAccessListEntry => "getOrgApiKeyAccessListEntry",
            Operation::DeleteAccessListEntry => "deleteOrgApiKeyAccessListEntry",
            Operation::ListProjectApiKeys => "listGroupApiKeys",
            Operation::CreateProjectApiKey => "createGroupApiKey",
            Operation::AssignProjectApiKey => "addGroupApiKey",
            Operation::UpdateProjectApiKeyRoles => "updateGroupApiKeyRoles",
            Operation::UnassignProjectApiKey => "removeGroupApiKey",
            // A private endpoint: the spec has no operationId for it.
            Operation::CurrentIpInfo => "currentIpInfo",
            Operation::GetOrgSettings => "getOrganizationSettings",
            Operation::UpdateOrgSettings => "updateOrganizationSettings",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.operation_id())
    }
}

/// The HTTP methods the table uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl HttpMethod {
    /// The method name.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// True for a method whose effect a failed call may have had (everything but GET).
    pub fn changes_state(self) -> bool {
        !matches!(self, HttpMethod::Get)
    }
}

/// The shape of a request body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BodyShape {
    /// No body.
    None,
    /// A JSON object.
    Object,
    /// A JSON array (access-list entries; the Atlas assign body).
    Array,
}

/// One row of the operation table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OperationSpec {
    /// Which operation.
    pub operation: Operation,
    /// The HTTP method.
    pub method: HttpMethod,
    /// The path template after the flavour's prefix (see [`path_prefix`]), with
    /// `{orgId}`, `{groupId}`, `{apiUserId}` and `{ipAddress}` placeholders; for a
    /// [`rooted`](Self::rooted) row, the whole path from the server's root.
    pub path: &'static str,
    /// True when [`path`](Self::path) is NOT under the flavour's prefix (only the rows of
    /// [`ROOTED_OPERATIONS`]); a client then puts only its base URL's own path before it.
    pub rooted: bool,
    /// The request body's shape.
    pub body: BodyShape,
    /// The documented success status. Any 2xx is accepted; a different one is logged.
    pub success: u16,
    /// Whether the operation takes `pageNum`, `itemsPerPage` and `includeCount`.
    pub paginated: bool,
    /// The v2 resource version (the dated media type). Other flavours use JSON.
    pub version: ApiVersion,
    /// The flavours this row applies to.
    pub flavours: &'static [Flavour],
}

const ALL: &[Flavour] = &Flavour::ALL;
const ATLAS: &[Flavour] = &[Flavour::AtlasV2, Flavour::AtlasV1];
const MANAGER: &[Flavour] = &[Flavour::CloudManager, Flavour::OpsManager];
const V1: ApiVersion = ApiVersion::V2023_01_01;

/// Builds one row; a function so that each row of the table fits on one line.
const fn row(
    operation: Operation,
    method: HttpMethod,
    path: &'static str,
    body: BodyShape,
    success: u16,
    paginated: bool,
    flavours: &'static [Flavour],
) -> OperationSpec {
    OperationSpec {
        operation,
        method,
        path,
        body,
        success,
        paginated,
        rooted: false,
        version: V1,
        flavours,
    }
}

use BodyShape::{Array, None as NoBody, Object};
use HttpMethod::{Delete, Get, Patch, Post};
use Operation as Op;

/// The operation table (NOTES (a) and (i)).
///
/// Columns: operation, method, path template, body, success status, paginated, flavours.
/// Every row's v2 resource version is 2023-01-01, the only one this resource has.
#[rustfmt::skip]
pub const OPERATIONS: &[OperationSpec] = &[
    row(Op::ListOrgApiKeys,           Get,    "/orgs/{orgId}/apiKeys",                                  NoBody, 200, true,  ALL),
    row(Op::CreateOrgApiKey,          Post,   "/orgs/{orgId}/apiKeys",                                  Object, 200, false, ALL),
    row(Op::GetOrgApiKey,             Get,    "/orgs/{orgId}/apiKeys/{apiUserId}",                      NoBody, 200, false, ALL),
    row(Op::UpdateOrgApiKey,          Patch,  "/orgs/{orgId}/apiKeys/{apiUserId}",                      Object, 200, false, ALL),
    row(Op::DeleteOrgApiKey,          Delete, "/orgs/{orgId}/apiKeys/{apiUserId}",                      NoBody, 204, false, ALL),
    row(Op::ListAccessListEntries,    Get,    "/orgs/{orgId}/apiKeys/{apiUserId}/accessList",           NoBody, 200, true,  ALL),
    row(Op::CreateAccessListEntries,  Post,   "/orgs/{orgId}/apiKeys/{apiUserId}/accessList",           Array,  200, false, ALL),
    row(Op::GetAccessListEntry,       Get,    "/orgs/{orgId}/apiKeys/{apiUserId}/accessList/{ipAddress}", NoBody, 200, false, ALL),
    row(Op::DeleteAccessListEntry,    Delete, "/orgs/{orgId}/apiKeys/{apiUserId}/accessList/{ipAddress}", NoBody, 204, false, ALL),
    row(Op::ListProjectApiKeys,       Get,    "/groups/{groupId}/apiKeys",                              NoBody, 200, true,  ALL),
    row(Op::CreateProjectApiKey,      Post,   "/groups/{groupId}/apiKeys",                              Object, 200, false, ALL),
    // Atlas assigns with POST [{"roles": [...]}]; Cloud/Ops Manager with PATCH {"roles": [...]}.
    row(Op::AssignProjectApiKey,      Post,   "/groups/{groupId}/apiKeys/{apiUserId}",                  Array,  204, false, ATLAS),
    row(Op::AssignProjectApiKey,      Patch,  "/groups/{groupId}/apiKeys/{apiUserId}",                  Object, 200, false, MANAGER),
    row(Op::UpdateProjectApiKeyRoles, Patch,  "/groups/{groupId}/apiKeys/{apiUserId}",                  Object, 200, false, ALL),
    // Unassign answers 204 in Atlas and 200 (no body) in Cloud/Ops Manager.
    row(Op::UnassignProjectApiKey,    Delete, "/groups/{groupId}/apiKeys/{apiUserId}",                  NoBody, 204, false, ATLAS),
    row(Op::UnassignProjectApiKey,    Delete, "/groups/{groupId}/apiKeys/{apiUserId}",                  NoBody, 200, false, MANAGER),
    // Organization settings (NOTES (j)): Atlas only; their own rate-limit bucket.
    row(Op::GetOrgSettings,           Get,    "/orgs/{orgId}/settings",                                 NoBody, 200, false, ATLAS),
    row(Op::UpdateOrgSettings,        Patch,  "/orgs/{orgId}/settings",                                 Object, 200, false, ATLAS),
];

/// The path of the service's "what is my address" endpoint (NOTES (j)), answering
/// `{"currentIpv4Address": "…"}`. The emulator serves it at this path too.
pub const CURRENT_IP_PATH: &str = "/api/private/ipinfo";

/// Operations outside the flavour prefix, kept apart from [`OPERATIONS`] (whose rows are
/// all under it, and which the emulator routes after stripping the prefix).
///
/// Atlas and Cloud Manager share a host (`cloud.mongodb.com`), so the row names every
/// flavour; a self-hosted Ops Manager without the endpoint answers 404.
pub const ROOTED_OPERATIONS: &[OperationSpec] = &[OperationSpec {
    operation: Op::CurrentIpInfo,
    method: Get,
    path: CURRENT_IP_PATH,
    body: NoBody,
    success: 200,
    paginated: false,
    rooted: true,
    version: V1,
    flavours: ALL,
}];

/// The path prefix of a flavour: `/api/atlas/v2`, `/api/atlas/v1.0` or `/api/public/v1.0`.
pub fn path_prefix(flavour: Flavour) -> &'static str {
    match flavour {
        Flavour::AtlasV2 => "/api/atlas/v2",
        Flavour::AtlasV1 => "/api/atlas/v1.0",
        Flavour::CloudManager | Flavour::OpsManager => "/api/public/v1.0",
    }
}

/// The media type for `Accept` and `Content-Type`: the dated vendor type in Atlas v2,
/// `application/json` elsewhere.
pub fn media_type(flavour: Flavour, version: ApiVersion) -> String {
    match flavour {
        Flavour::AtlasV2 => version.media_type(),
        Flavour::AtlasV1 | Flavour::CloudManager | Flavour::OpsManager => {
            "application/json".to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_exactly_one_row_per_flavour() {
        for op in Operation::ALL {
            for flavour in Flavour::ALL {
                let rows = OPERATIONS
                    .iter()
                    .filter(|r| r.operation == op && r.flavours.contains(&flavour))
                    .count();
                assert_eq!(rows, 1, "{op} in {flavour}");
            }
        }
    }

    #[test]
    fn rooted_rows_are_apart_and_reachable() {
        assert!(OPERATIONS.iter().all(|r| !r.rooted));
        for row in ROOTED_OPERATIONS {
            assert!(row.rooted && row.path.starts_with("/api/"));
            assert!(!Operation::ALL.contains(&row.operation));
            for &flavour in row.flavours {
                assert_eq!(row.operation.spec(flavour), Some(row));
            }
        }
    }

    #[test]
    fn org_settings_rows_are_atlas_only() {
        for op in Operation::ORG_SETTINGS {
            for flavour in Flavour::ALL {
                let rows = OPERATIONS
                    .iter()
                    .filter(|r| r.operation == op && r.flavours.contains(&flavour))
                    .count();
                assert_eq!(
                    rows,
                    usize::from(ATLAS.contains(&flavour)),
                    "{op} in {flavour}"
                );
            }
        }
    }

    #[test]
    fn bodies_match_methods() {
        for row in OPERATIONS.iter().chain(ROOTED_OPERATIONS) {
            let has_body = row.body != BodyShape::None;
            let writes = matches!(row.method, HttpMethod::Post | HttpMethod::Patch);
            assert_eq!(has_body, writes, "{:?}", row.operation);
            assert!(row.path.starts_with('/'));
        }
    }

    #[test]
    fn media_types_per_flavour() {
        assert_eq!(
            media_type(Flavour::AtlasV2, ApiVersion::V2023_01_01),
            "application/vnd.atlas.2023-01-01+json"
        );
        assert_eq!(
            media_type(Flavour::OpsManager, ApiVersion::V2023_01_01),
            "application/json"
        );
    }
}
