//! The `errorCode` values of API error bodies (NOTES (g)).
//!
//! One table drives the enum; unknown codes decode to `Other` and round-trip. The live
//! service spells access-list codes `*_ACCESS_LIST` (NOTES (j)); the retired `*_WHITELIST`
//! spellings stay as their own variants (aliases), and every predicate is true for both.
//! This module must NOT map codes to HTTP statuses or retry policy beyond the plain
//! predicates below; that is the api/transport crates' job.

string_enum! {
    /// An API `errorCode`, e.g. `RESOURCE_NOT_FOUND`.
    ///
    /// Covers the spec's shared-response examples and the Atlas error reference codes
    /// for API keys, access lists and roles. Deserialize never fails on a string.
    ///
    /// ```
    /// use atlas_keys_model::ErrorCode;
    ///
    /// let code: ErrorCode = serde_json::from_str(r#""RATE_LIMITED_TOKEN_BUCKET""#).unwrap();
    /// assert!(code.is_rate_limited());
    /// let new: ErrorCode = serde_json::from_str(r#""SOMETHING_NEW""#).unwrap();
    /// assert_eq!(new, ErrorCode::Other("SOMETHING_NEW".to_owned()));
    /// ```
    #[non_exhaustive]
    ErrorCode {
        // Shared responses of the spec (generic examples).
        ValidationError => "VALIDATION_ERROR",
        NotOrgGroupCreator => "NOT_ORG_GROUP_CREATOR",
        CannotChangeGroupName => "CANNOT_CHANGE_GROUP_NAME",
        ResourceNotFound => "RESOURCE_NOT_FOUND",
        CannotDeleteOrgActiveLiveMigrationAtlasOrgLink => "CANNOT_DELETE_ORG_ACTIVE_LIVE_MIGRATION_ATLAS_ORG_LINK",
        RateLimited => "RATE_LIMITED",
        UnexpectedError => "UNEXPECTED_ERROR",
        // 400: key identity and description.
        ApiKeyCanOnlyBelongToOneOrg => "API_KEY_CAN_ONLY_BELONG_TO_ONE_ORG",
        ApiKeyCreatedGroupsMustHaveOrg => "API_KEY_CREATED_GROUPS_MUST_HAVE_ORG",
        ApiKeyNotFound => "API_KEY_NOT_FOUND",
        ApiKeyRequiresDescription => "API_KEY_REQUIRES_DESCRIPTION",
        InvalidApiKeyDesc => "INVALID_API_KEY_DESC",
        // 400: roles.
        ApiKeyRoleAssignmentMissingId => "API_KEY_ROLE_ASSIGNMENT_MISSING_ID",
        MissingApiKeyRoles => "MISSING_API_KEY_ROLES",
        InvalidRoleForGroup => "INVALID_ROLE_FOR_GROUP",
        InvalidRoleForOrg => "INVALID_ROLE_FOR_ORG",
        InvalidRoleForGlobalKey => "INVALID_ROLE_FOR_GLOBAL_KEY",
        RoleNeedsGroupId => "ROLE_NEEDS_GROUP_ID",
        RoleNeedsNoGroupId => "ROLE_NEEDS_NO_GROUP_ID",
        RoleNeedsOrgId => "ROLE_NEEDS_ORG_ID",
        RoleNeedsNoOrgId => "ROLE_NEEDS_NO_ORG_ID",
        CannotAddGroupRole => "CANNOT_ADD_GROUP_ROLE",
        CannotAddOrgRole => "CANNOT_ADD_ORG_ROLE",
        UnsupportedRole => "UNSUPPORTED_ROLE",
        // 400: limits.
        MaxApiKeysPerOrgExceeded => "MAX_API_KEYS_PER_ORG_EXCEEDED",
        // 400: access list.
        CannotAddIpAddressToApiKeyWhitelist => "CANNOT_ADD_IP_ADDRESS_TO_API_KEY_WHITELIST",
        CannotRemoveCallerFromWhitelist => "CANNOT_REMOVE_CALLER_FROM_WHITELIST",
        /// The live spelling of `CANNOT_REMOVE_CALLER_FROM_WHITELIST`.
        CannotRemoveCallerFromAccessList => "CANNOT_REMOVE_CALLER_FROM_ACCESS_LIST",
        DuplicateAddressesInInput => "DUPLICATE_ADDRESSES_IN_INPUT",
        InvalidIpAddressOrCidrNotation => "INVALID_IP_ADDRESS_OR_CIDR_NOTATION",
        InvalidCidrBlock => "INVALID_CIDR_BLOCK",
        BadWhitelistAddRequest => "BAD_WHITELIST_ADD_REQUEST",
        // 400: request format and parameters.
        InvalidAttribute => "INVALID_ATTRIBUTE",
        InvalidJson => "INVALID_JSON",
        InvalidJsonAttribute => "INVALID_JSON_ATTRIBUTE",
        MalformedJson => "MALFORMED_JSON",
        MissingAttribute => "MISSING_ATTRIBUTE",
        MissingOneOfAttributes => "MISSING_ONE_OF_ATTRIBUTES",
        InvalidEnumValue => "INVALID_ENUM_VALUE",
        InvalidPathParameter => "INVALID_PATH_PARAMETER",
        /// A malformed path id, e.g. a public key where the 24-hex id belongs (live, 400).
        PathParamParseError => "PATH_PARAM_PARSE_ERROR",
        InvalidQueryParameter => "INVALID_QUERY_PARAMETER",
        InvalidVersionDate => "INVALID_VERSION_DATE",
        // 401.
        NotApiKeyAdmin => "NOT_API_KEY_ADMIN",
        ApiKeyWhitelistAccessDenied => "API_KEY_WHITELIST_ACCESS_DENIED",
        /// The live spelling of `API_KEY_WHITELIST_ACCESS_DENIED`.
        ApiKeyAccessListAccessDenied => "API_KEY_ACCESS_LIST_ACCESS_DENIED",
        NotOrgOwner => "NOT_ORG_OWNER",
        NotGroupUserAdmin => "NOT_GROUP_USER_ADMIN",
        NotInGroup => "NOT_IN_GROUP",
        UserCannotAccessOrg => "USER_CANNOT_ACCESS_ORG",
        UserCannotAccessGroup => "USER_CANNOT_ACCESS_GROUP",
        UserUnauthorized => "USER_UNAUTHORIZED",
        // 403.
        MaxPublicApiKeyReached => "MAX_PUBLIC_API_KEY_REACHED",
        IpAddressNotOnWhitelist => "IP_ADDRESS_NOT_ON_WHITELIST",
        /// The live spelling of `IP_ADDRESS_NOT_ON_WHITELIST`.
        IpAddressNotOnAccessList => "IP_ADDRESS_NOT_ON_ACCESS_LIST",
        OrgRequiresWhitelist => "ORG_REQUIRES_WHITELIST",
        /// The live spelling of `ORG_REQUIRES_WHITELIST`.
        OrgRequiresAccessList => "ORG_REQUIRES_ACCESS_LIST",
        ResourceRequiresWhitelist => "RESOURCE_REQUIRES_WHITELIST",
        /// The live spelling of `RESOURCE_REQUIRES_WHITELIST`.
        ResourceRequiresAccessList => "RESOURCE_REQUIRES_ACCESS_LIST",
        ApiKeyCannotCreateOrg => "API_KEY_CANNOT_CREATE_ORG",
        AccessForbidden => "ACCESS_FORBIDDEN",
        // 404.
        ApiKeyWhitelistNotFound => "API_KEY_WHITELIST_NOT_FOUND",
        /// The live spelling of `API_KEY_WHITELIST_NOT_FOUND`.
        ApiKeyAccessListEntryNotFound => "API_KEY_ACCESS_LIST_ENTRY_NOT_FOUND",
        InvalidOrgId => "INVALID_ORG_ID",
        InvalidGroupId => "INVALID_GROUP_ID",
        OrgNotFound => "ORG_NOT_FOUND",
        GroupNotFound => "GROUP_NOT_FOUND",
        InvalidKeyId => "INVALID_KEY_ID",
        NotAtlasGroup => "NOT_ATLAS_GROUP",
        AtlasGroup => "ATLAS_GROUP",
        NotAtlasOrg => "NOT_ATLAS_ORG",
        // 409.
        AddressAlreadyInWhitelist => "ADDRESS_ALREADY_IN_WHITELIST",
        /// The live spelling of `ADDRESS_ALREADY_IN_WHITELIST`.
        AddressAlreadyInAccessList => "ADDRESS_ALREADY_IN_ACCESS_LIST",
        // 410.
        PersonalApiKeysDeprecated => "PERSONAL_API_KEYS_DEPRECATED",
        VersionGone => "VERSION_GONE",
        // 429.
        RateLimitedTokenBucket => "RATE_LIMITED_TOKEN_BUCKET",
    }
}

impl ErrorCode {
    /// The request was throttled (`RATE_LIMITED`, `RATE_LIMITED_TOKEN_BUCKET`).
    pub fn is_rate_limited(&self) -> bool {
        matches!(
            self.canonical(),
            ErrorCode::RateLimited | ErrorCode::RateLimitedTokenBucket
        )
    }

    /// Something named in the request does not exist (resource, org, project, key,
    /// access-list entry). Includes the 400 `API_KEY_NOT_FOUND`.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self.canonical(),
            ErrorCode::ResourceNotFound
                | ErrorCode::ApiKeyNotFound
                | ErrorCode::ApiKeyWhitelistNotFound
                | ErrorCode::ApiKeyAccessListEntryNotFound
                | ErrorCode::InvalidOrgId
                | ErrorCode::InvalidGroupId
                | ErrorCode::OrgNotFound
                | ErrorCode::GroupNotFound
                | ErrorCode::InvalidKeyId
        )
    }

    /// The access-list entry already exists (`ADDRESS_ALREADY_IN_ACCESS_LIST`, or the
    /// retired `ADDRESS_ALREADY_IN_WHITELIST`; 409).
    pub fn is_conflict(&self) -> bool {
        matches!(
            self.canonical(),
            ErrorCode::AddressAlreadyInWhitelist | ErrorCode::AddressAlreadyInAccessList
        )
    }

    /// A path id was malformed (`PATH_PARAM_PARSE_ERROR`, or the older
    /// `INVALID_PATH_PARAMETER`; 400).
    pub fn is_path_param_error(&self) -> bool {
        matches!(
            self.canonical(),
            ErrorCode::PathParamParseError | ErrorCode::InvalidPathParameter
        )
    }

    /// The service refused to remove the caller's own address from its access list
    /// (`CANNOT_REMOVE_CALLER_FROM_ACCESS_LIST` or `..._WHITELIST`).
    pub fn is_cannot_remove_caller(&self) -> bool {
        matches!(
            self.canonical(),
            ErrorCode::CannotRemoveCallerFromWhitelist
                | ErrorCode::CannotRemoveCallerFromAccessList
        )
    }

    /// The access-list entry does not exist (`API_KEY_ACCESS_LIST_ENTRY_NOT_FOUND` or
    /// `API_KEY_WHITELIST_NOT_FOUND`; 404). [`Self::is_not_found`] is true for it too.
    pub fn is_access_list_entry_not_found(&self) -> bool {
        matches!(
            self.canonical(),
            ErrorCode::ApiKeyWhitelistNotFound | ErrorCode::ApiKeyAccessListEntryNotFound
        )
    }

    /// The requested API version has been sunset (`VERSION_GONE`, 410).
    pub fn is_version_gone(&self) -> bool {
        matches!(self.canonical(), ErrorCode::VersionGone)
    }

    /// A role was not valid where it was asked for.
    pub fn is_invalid_role(&self) -> bool {
        matches!(
            self.canonical(),
            ErrorCode::InvalidRoleForGroup
                | ErrorCode::InvalidRoleForOrg
                | ErrorCode::InvalidRoleForGlobalKey
                | ErrorCode::UnsupportedRole
        )
    }

    /// The request was refused by an access list: the caller's IP is not on the key's
    /// list, the org or resource requires a list, or the caller may not read another key's
    /// list. True for the live `*_ACCESS_LIST` codes and the retired `*_WHITELIST` ones.
    pub fn is_access_list_denied(&self) -> bool {
        matches!(
            self.canonical(),
            ErrorCode::IpAddressNotOnWhitelist
                | ErrorCode::IpAddressNotOnAccessList
                | ErrorCode::ApiKeyWhitelistAccessDenied
                | ErrorCode::ApiKeyAccessListAccessDenied
                | ErrorCode::OrgRequiresWhitelist
                | ErrorCode::OrgRequiresAccessList
                | ErrorCode::ResourceRequiresWhitelist
                | ErrorCode::ResourceRequiresAccessList
        )
    }

    /// The caller's address is not on the key's access list (`IP_ADDRESS_NOT_ON_ACCESS_LIST`
    /// or `IP_ADDRESS_NOT_ON_WHITELIST`; 403).
    pub fn is_ip_not_on_access_list(&self) -> bool {
        matches!(
            self.canonical(),
            ErrorCode::IpAddressNotOnWhitelist | ErrorCode::IpAddressNotOnAccessList
        )
    }

    /// The organization or resource requires an access list and the key has none
    /// (`ORG_REQUIRES_ACCESS_LIST`, `RESOURCE_REQUIRES_ACCESS_LIST` or their `*_WHITELIST`
    /// spellings; 403).
    pub fn is_access_list_required(&self) -> bool {
        matches!(
            self.canonical(),
            ErrorCode::OrgRequiresWhitelist
                | ErrorCode::OrgRequiresAccessList
                | ErrorCode::ResourceRequiresWhitelist
                | ErrorCode::ResourceRequiresAccessList
        )
    }

    /// The request went to the wrong API family (Atlas vs Cloud/Ops Manager).
    pub fn is_wrong_api_family(&self) -> bool {
        matches!(
            self.canonical(),
            ErrorCode::NotAtlasGroup | ErrorCode::AtlasGroup | ErrorCode::NotAtlasOrg
        )
    }

    /// A hand-built `Other("RATE_LIMITED")` behaves like `RateLimited` in predicates.
    fn canonical(&self) -> ErrorCode {
        match self {
            ErrorCode::Other(s) => ErrorCode::from_wire(s),
            known => known.clone(),
        }
    }
}

impl From<&str> for ErrorCode {
    fn from(s: &str) -> Self {
        ErrorCode::from_wire(s)
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    fn both(live: &str, retired: &str) -> [ErrorCode; 2] {
        [ErrorCode::from_wire(live), ErrorCode::from_wire(retired)]
    }

    #[test]
    fn live_and_retired_access_list_spellings_are_both_known() {
        for (live, retired) in [
            (
                "IP_ADDRESS_NOT_ON_ACCESS_LIST",
                "IP_ADDRESS_NOT_ON_WHITELIST",
            ),
            ("ORG_REQUIRES_ACCESS_LIST", "ORG_REQUIRES_WHITELIST"),
            (
                "RESOURCE_REQUIRES_ACCESS_LIST",
                "RESOURCE_REQUIRES_WHITELIST",
            ),
            (
                "API_KEY_ACCESS_LIST_ACCESS_DENIED",
                "API_KEY_WHITELIST_ACCESS_DENIED",
            ),
            (
                "ADDRESS_ALREADY_IN_ACCESS_LIST",
                "ADDRESS_ALREADY_IN_WHITELIST",
            ),
            (
                "API_KEY_ACCESS_LIST_ENTRY_NOT_FOUND",
                "API_KEY_WHITELIST_NOT_FOUND",
            ),
            (
                "CANNOT_REMOVE_CALLER_FROM_ACCESS_LIST",
                "CANNOT_REMOVE_CALLER_FROM_WHITELIST",
            ),
        ] {
            for code in both(live, retired) {
                assert!(code.is_known(), "{code}");
                // Round-trips verbatim: a client echoes what the service said.
                let json = format!("\"{code}\"");
                let back: ErrorCode = serde_json::from_str(&json).unwrap();
                assert_eq!(serde_json::to_string(&back).unwrap(), json);
            }
        }
        assert!(ErrorCode::from_wire("PATH_PARAM_PARSE_ERROR").is_known());
    }

    #[test]
    fn every_predicate_holds_for_both_spellings() {
        for code in both(
            "IP_ADDRESS_NOT_ON_ACCESS_LIST",
            "IP_ADDRESS_NOT_ON_WHITELIST",
        ) {
            assert!(code.is_access_list_denied() && code.is_ip_not_on_access_list());
            assert!(!code.is_access_list_required());
        }
        for code in both("ORG_REQUIRES_ACCESS_LIST", "ORG_REQUIRES_WHITELIST")
            .into_iter()
            .chain(both(
                "RESOURCE_REQUIRES_ACCESS_LIST",
                "RESOURCE_REQUIRES_WHITELIST",
            ))
        {
            assert!(code.is_access_list_denied() && code.is_access_list_required());
            assert!(!code.is_ip_not_on_access_list());
        }
        for code in both(
            "API_KEY_ACCESS_LIST_ACCESS_DENIED",
            "API_KEY_WHITELIST_ACCESS_DENIED",
        ) {
            assert!(code.is_access_list_denied());
        }
        for code in both(
            "ADDRESS_ALREADY_IN_ACCESS_LIST",
            "ADDRESS_ALREADY_IN_WHITELIST",
        ) {
            assert!(code.is_conflict() && !code.is_access_list_denied());
        }
        for code in both(
            "API_KEY_ACCESS_LIST_ENTRY_NOT_FOUND",
            "API_KEY_WHITELIST_NOT_FOUND",
        ) {
            assert!(code.is_not_found() && code.is_access_list_entry_not_found());
        }
        for code in both(
            "CANNOT_REMOVE_CALLER_FROM_ACCESS_LIST",
            "CANNOT_REMOVE_CALLER_FROM_WHITELIST",
        ) {
            assert!(code.is_cannot_remove_caller());
        }
        for code in both("PATH_PARAM_PARSE_ERROR", "INVALID_PATH_PARAMETER") {
            assert!(code.is_path_param_error() && !code.is_not_found());
        }
        // A hand-built `Other` with a live spelling behaves like the named variant.
        assert!(ErrorCode::Other("ORG_REQUIRES_ACCESS_LIST".to_owned()).is_access_list_required());
    }
}
