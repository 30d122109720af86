//! Project (group) roles of an API key (`GROUP_*`), the union over Atlas and CM/OM.
//!
//! Which flavour accepts which role is data in `flavour.rs`; this module must NOT decide
//! per-flavour rules. Deserialize is lenient (unknown → `Other`), `parse`/`FromStr` strict,
//! `unchecked` the deliberate way to send a role this crate does not know yet.

string_enum! {
    /// A project role, e.g. `GROUP_READ_ONLY`. The API calls projects "groups".
    ///
    /// ```
    /// use atlas_keys_model::ProjectRole;
    ///
    /// assert_eq!(ProjectRole::parse("GROUP_OWNER").unwrap(), ProjectRole::Owner);
    /// assert!(ProjectRole::parse("ORG_OWNER").is_err());
    /// // A role Atlas added after this release: sent on purpose, checked only for shape.
    /// let new = ProjectRole::unchecked("GROUP_NEW_THING");
    /// assert!(new.is_well_shaped() && !new.is_known());
    /// ```
    #[non_exhaustive]
    ProjectRole {
        // The 26 Atlas project roles of the current user-roles page (NOTES (j)).
        Owner => "GROUP_OWNER",
        ClusterManager => "GROUP_CLUSTER_MANAGER",
        ClusterCreator => "GROUP_CLUSTER_CREATOR",
        ClusterLogViewer => "GROUP_CLUSTER_LOG_VIEWER",
        ClusterResilienceTester => "GROUP_CLUSTER_RESILIENCE_TESTER",
        ReplicaSetManager => "GROUP_REPLICA_SET_MANAGER",
        StreamProcessingOwner => "GROUP_STREAM_PROCESSING_OWNER",
        /// "Project Access Manager": enough to create, assign, re-role and unassign keys.
        AccessManager => "GROUP_ACCESS_MANAGER",
        DataAccessAdmin => "GROUP_DATA_ACCESS_ADMIN",
        DataAccessReadWrite => "GROUP_DATA_ACCESS_READ_WRITE",
        DataAccessReadOnly => "GROUP_DATA_ACCESS_READ_ONLY",
        DatabaseAccessAdmin => "GROUP_DATABASE_ACCESS_ADMIN",
        BackupManager => "GROUP_BACKUP_MANAGER",
        BackupCreator => "GROUP_BACKUP_CREATOR",
        BackupRecoveryOperator => "GROUP_BACKUP_RECOVERY_OPERATOR",
        BackupExportOperator => "GROUP_BACKUP_EXPORT_OPERATOR",
        NetworkAccessManager => "GROUP_NETWORK_ACCESS_MANAGER",
        ObservabilityViewer => "GROUP_OBSERVABILITY_VIEWER",
        TriggerManager => "GROUP_TRIGGER_MANAGER",
        ReadOnly => "GROUP_READ_ONLY",
        IndexManager => "GROUP_INDEX_MANAGER",
        SearchIndexEditor => "GROUP_SEARCH_INDEX_EDITOR",
        RealTimePerformanceOperator => "GROUP_REAL_TIME_PERFORMANCE_OPERATOR",
        SupportAccessManager => "GROUP_SUPPORT_ACCESS_MANAGER",
        AlertsManager => "GROUP_ALERTS_MANAGER",
        ModelOwner => "GROUP_MODEL_OWNER",
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

role_parsing!(
    ProjectRole,
    "GROUP_",
    "must be a known project role (GROUP_*)"
);
