//! Organization roles of an API key (`ORG_*`).
//!
//! Which flavour accepts which role is data in `flavour.rs`; this module must NOT decide
//! per-flavour rules. Deserialize is lenient (unknown → `Other`), `parse`/`FromStr` strict,
//! `unchecked` the deliberate way to send a role this crate does not know yet.

string_enum! {
    /// An organization role, e.g. `ORG_OWNER`.
    ///
    /// ```
    /// use atlas_keys_model::OrgRole;
    ///
    /// assert_eq!(OrgRole::parse("ORG_OWNER").unwrap(), OrgRole::Owner);
    /// assert_eq!(OrgRole::parse("ORG_OWNR").unwrap_err().field(), "roles");
    /// assert_eq!(OrgRole::custom("ORG_NEW_ROLE").unwrap().as_str(), "ORG_NEW_ROLE");
    /// assert!(OrgRole::unchecked("ORG_NEW_ROLE").is_well_shaped());
    /// assert!(!OrgRole::unchecked("org_new_role").is_well_shaped());
    /// ```
    #[non_exhaustive]
    OrgRole {
        Owner => "ORG_OWNER",
        Member => "ORG_MEMBER",
        GroupCreator => "ORG_GROUP_CREATOR",
        BillingAdmin => "ORG_BILLING_ADMIN",
        BillingReadOnly => "ORG_BILLING_READ_ONLY",
        StreamProcessingAdmin => "ORG_STREAM_PROCESSING_ADMIN",
        ReadOnly => "ORG_READ_ONLY",
    }
}

role_parsing!(OrgRole, "ORG_", "must be a known organization role (ORG_*)");
