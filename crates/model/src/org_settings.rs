//! An organization's settings (`GET`/`PATCH /orgs/{orgId}/settings`), as far as API keys
//! care: `apiAccessListRequired` (NOTES (j)).
//!
//! When `apiAccessListRequired` is on, a key whose access list is empty is refused with
//! 403 `ORG_REQUIRES_ACCESS_LIST`. Unknown fields are NOT kept: this crate depends only on
//! serde and thiserror, and serde alone has no owned "any JSON value" to hold them in (a
//! client that must echo them needs its own `serde_json::Value`). This module must NOT
//! know URL paths or send anything.

/// The settings of an organization (`OrganizationSettings`), read or to be written.
///
/// Every field is optional: a `PATCH` body carries only the fields to change, and a
/// response may leave a field out. Unknown fields are ignored on read.
///
/// ```
/// use atlas_keys_model::OrgSettings;
///
/// let s: OrgSettings = serde_json::from_str(
///     r#"{"apiAccessListRequired":true,"multiFactorAuthRequired":false}"#,
/// ).unwrap();
/// assert_eq!(s.api_access_list_required(), Some(true));
/// let patch = OrgSettings::new().with_api_access_list_required(false);
/// assert_eq!(serde_json::to_string(&patch).unwrap(), r#"{"apiAccessListRequired":false}"#);
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrgSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    api_access_list_required: Option<bool>,
}

impl OrgSettings {
    /// Settings with no field set (an empty `PATCH`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `apiAccessListRequired`.
    pub fn with_api_access_list_required(mut self, on: bool) -> Self {
        self.api_access_list_required = Some(on);
        self
    }

    /// Whether API access requires an access list; `None` when the body left it out.
    pub fn api_access_list_required(&self) -> Option<bool> {
        self.api_access_list_required
    }

    /// The fields of `patch` that are set, written over `self`.
    pub fn merged(self, patch: OrgSettings) -> OrgSettings {
        OrgSettings {
            api_access_list_required: patch
                .api_access_list_required
                .or(self.api_access_list_required),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OrgSettings;

    #[test]
    fn absent_and_null_read_as_unset_and_patches_merge() {
        let empty: OrgSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(empty.api_access_list_required(), None);
        let null: OrgSettings = serde_json::from_str(r#"{"apiAccessListRequired":null}"#).unwrap();
        assert_eq!(null, empty);
        assert_eq!(serde_json::to_string(&empty).unwrap(), "{}");
        let on = OrgSettings::new().with_api_access_list_required(true);
        assert_eq!(on.merged(empty), on);
        assert_eq!(
            on.merged(OrgSettings::new().with_api_access_list_required(false))
                .api_access_list_required(),
            Some(false)
        );
        assert!(serde_json::from_str::<OrgSettings>(r#"{"apiAccessListRequired":"yes"}"#).is_err());
    }
}
