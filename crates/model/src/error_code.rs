//! The `errorCode` values of API error bodies (NOTES (g)).
//!
//! One table drives the enum; unknown codes decode to `Other` and round-trip. This
//! module must NOT map codes to HTTP statuses or retry policy beyond the plain
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
        InvalidQueryParameter => "INVALID_QUERY_PARAMETER",
        InvalidVersionDate => "INVALID_VERSION_DATE",
        // 401.
        NotApiKeyAdmin => "NOT_API_KEY_ADMIN",
        ApiKeyWhitelistAccessDenied => "API_KEY_WHITELIST_ACCESS_DENIED",
        NotOrgOwner => "NOT_ORG_OWNER",
        NotGroupUserAdmin => "NOT_GROUP_USER_ADMIN",
        NotInGroup => "NOT_IN_GROUP",
        UserCannotAccessOrg => "USER_CANNOT_ACCESS_ORG",
        UserCannotAccessGroup => "USER_CANNOT_ACCESS_GROUP",
        UserUnauthorized => "USER_UNAUTHORIZED",
        // 403.
        MaxPublicApiKeyReached => "MAX_PUBLIC_API_KEY_REACHED",
        IpAddressNotOnWhitelist => "IP_ADDRESS_NOT_ON_WHITELIST",
        OrgRequiresWhitelist => "ORG_REQUIRES_WHITELIST",
        ResourceRequiresWhitelist => "RESOURCE_REQUIRES_WHITELIST",
        ApiKeyCannotCreateOrg => "API_KEY_CANNOT_CREATE_ORG",
        AccessForbidden => "ACCESS_FORBIDDEN",
        // 404.
        ApiKeyWhitelistNotFound => "API_KEY_WHITELIST_NOT_FOUND",
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
                | ErrorCode::InvalidOrgId
                | ErrorCode::InvalidGroupId
                | ErrorCode::OrgNotFound
                | ErrorCode::GroupNotFound
                | ErrorCode::InvalidKeyId
        )
    }

    /// The access-list entry already exists (`ADDRESS_ALREADY_IN_WHITELIST`, 409).
    pub fn is_conflict(&self) -> bool {
        matches!(self.canonical(), ErrorCode::AddressAlreadyInWhitelist)
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

    /// The caller's IP is not on a required access list.
    pub fn is_access_list_denied(&self) -> bool {
        matches!(
            self.canonical(),
            ErrorCode::IpAddressNotOnWhitelist
                | ErrorCode::ApiKeyWhitelistAccessDenied
                | ErrorCode::OrgRequiresWhitelist
                | ErrorCode::ResourceRequiresWhitelist
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
