//! Project (group) roles of an API key (`GROUP_*`), the union over Atlas and CM/OM.
//!
//! Which flavour accepts which role is data in `flavour.rs`; this module must NOT decide
//! per-flavour rules. Deserialize is lenient (unknown → `Other`), `parse`/`FromStr` strict.

string_enum! {
    /// A project role, e.g. `GROUP_READ_ONLY`. The API calls projects "groups".
    ///
    /// ```
    /// use atlas_keys_model::ProjectRole;
    ///
    /// assert_eq!(ProjectRole::parse("GROUP_OWNER").unwrap(), ProjectRole::Owner);
    /// assert!(ProjectRole::parse("ORG_OWNER").is_err());
    /// ```
    #[non_exhaustive]
    ProjectRole {
        BackupManager => "GROUP_BACKUP_MANAGER",
        ClusterManager => "GROUP_CLUSTER_MANAGER",
        DataAccessAdmin => "GROUP_DATA_ACCESS_ADMIN",
        DataAccessReadOnly => "GROUP_DATA_ACCESS_READ_ONLY",
        DataAccessReadWrite => "GROUP_DATA_ACCESS_READ_WRITE",
        DatabaseAccessAdmin => "GROUP_DATABASE_ACCESS_ADMIN",
        ObservabilityViewer => "GROUP_OBSERVABILITY_VIEWER",
        Owner => "GROUP_OWNER",
        ReadOnly => "GROUP_READ_ONLY",
        SearchIndexEditor => "GROUP_SEARCH_INDEX_EDITOR",
        StreamProcessingOwner => "GROUP_STREAM_PROCESSING_OWNER",
        /// Cloud/Ops Manager only.
        AutomationAdmin => "GROUP_AUTOMATION_ADMIN",
        /// Cloud/Ops Manager only.
        BackupAdmin => "GROUP_BACKUP_ADMIN",
        /// Cloud/Ops Manager only.
        MonitoringAdmin => "GROUP_MONITORING_ADMIN",
        /// Cloud/Ops Manager only.
        UserAdmin => "GROUP_USER_ADMIN",
    }
}

role_parsing!(ProjectRole, "must be a known project role (GROUP_*)");
