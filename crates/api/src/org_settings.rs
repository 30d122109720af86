//! An organization's settings (`GET`/`PATCH /orgs/{orgId}/settings`, Atlas v2 and v1.0
//! only): the [`OrgSettingsHandler`] (`client.org_settings()`), its two operations and
//! [`OrgSettingsDocument`], the settings as read.
//!
//! What it is for: the audit reads `apiAccessListRequired`, and operators turn it on. The
//! model's [`OrgSettings`] knows only that field; the document read here keeps every other
//! field as JSON, so a tool that shows or echoes the settings loses nothing.
//!
//! What it must NOT do: send any field but the ones set on an update (a `PATCH` of the
//! whole document would write back fields this client does not understand).

use std::sync::Arc;

use atlas_keys_model::{OrgId, OrgSettings};
use bytes::Bytes;
use serde::Deserialize;

use crate::call::{ApiCall, Core, RequestBuilder, org_path, sealed, to_json};
use crate::decode::{CallInfo, ResponseBody, decode_json};
use crate::error::{Error, Result};
use crate::metadata::Response;
use crate::operations::Operation;

/// The handler for organization settings: `client.org_settings()`.
#[derive(Clone, Debug)]
pub struct OrgSettingsHandler {
    core: Arc<Core>,
}

impl OrgSettingsHandler {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        OrgSettingsHandler { core }
    }

    /// Reads the organization's settings.
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, org: atlas_keys::model::OrgId) -> atlas_keys::Result<()> {
    /// let settings = client.org_settings().get(&org).send().await?;
    /// println!("{:?}", settings.settings().api_access_list_required());
    /// # Ok(()) }
    /// ```
    pub fn get(&self, org_id: &OrgId) -> RequestBuilder<GetOrgSettings> {
        RequestBuilder::new(&self.core, GetOrgSettings { org_id: *org_id })
    }

    /// Changes the settings named with the builder's setters (at least one), and returns
    /// the settings as they are afterwards.
    ///
    /// ```no_run
    /// # async fn run(client: atlas_keys::Client, org: atlas_keys::model::OrgId) -> atlas_keys::Result<()> {
    /// client.org_settings().update(&org).api_access_list_required(true).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn update(&self, org_id: &OrgId) -> RequestBuilder<UpdateOrgSettings> {
        let op = UpdateOrgSettings {
            org_id: *org_id,
            patch: OrgSettings::new(),
        };
        RequestBuilder::new(&self.core, op)
    }
}

/// An organization's settings as the service returned them: the fields this client knows,
/// typed, and every field as JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct OrgSettingsDocument {
    settings: OrgSettings,
    fields: serde_json::Map<String, serde_json::Value>,
}

impl OrgSettingsDocument {
    /// The typed fields (`apiAccessListRequired`).
    pub fn settings(&self) -> &OrgSettings {
        &self.settings
    }

    /// Every field of the response, known or not, as the service sent it.
    pub fn fields(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.fields
    }
}

impl<'de> Deserialize<'de> for OrgSettingsDocument {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let fields = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
        let settings = OrgSettings::deserialize(serde_json::Value::Object(fields.clone()))
            .map_err(serde::de::Error::custom)?;
        Ok(OrgSettingsDocument { settings, fields })
    }
}

impl crate::decode::sealed::Sealed for OrgSettingsDocument {}
impl ResponseBody for OrgSettingsDocument {
    fn decode(
        info: &CallInfo<'_>,
        response: http::Response<Bytes>,
    ) -> std::result::Result<Response<Self>, Error> {
        decode_json(info, response)
    }
}

/// `getOrganizationSettings`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetOrgSettings {
    org_id: OrgId,
}

impl sealed::Sealed for GetOrgSettings {}
impl ApiCall for GetOrgSettings {
    const OPERATION: Operation = Operation::GetOrgSettings;
    type Output = OrgSettingsDocument;

    fn write_path(&self, out: &mut String) {
        org_path(out, &self.org_id);
        out.push_str("/settings");
    }
}

/// `updateOrganizationSettings`: a `PATCH` with only the fields set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateOrgSettings {
    org_id: OrgId,
    patch: OrgSettings,
}

impl sealed::Sealed for UpdateOrgSettings {}
impl ApiCall for UpdateOrgSettings {
    const OPERATION: Operation = Operation::UpdateOrgSettings;
    type Output = OrgSettingsDocument;

    fn write_path(&self, out: &mut String) {
        org_path(out, &self.org_id);
        out.push_str("/settings");
    }

    fn body(&self, _flavour: atlas_keys_model::Flavour) -> Result<Option<Vec<u8>>> {
        if self.patch == OrgSettings::new() {
            return Err(Error::local_validation(
                "apiAccessListRequired",
                "an update must change at least one setting",
            ));
        }
        to_json(&self.patch)
    }
}

impl RequestBuilder<UpdateOrgSettings> {
    /// Sets `apiAccessListRequired`: whether every API request must come from an address
    /// on the key's access list.
    pub fn api_access_list_required(mut self, required: bool) -> Self {
        self.op.patch = self.op.patch.with_api_access_list_required(required);
        self
    }
}

#[cfg(test)]
pub(crate) fn path_samples() -> Vec<(Operation, String)> {
    use crate::call::tests::{ORG, path_of};
    let org_id = OrgId::new(ORG).unwrap();
    vec![
        path_of(&GetOrgSettings { org_id }),
        path_of(&UpdateOrgSettings {
            org_id,
            patch: OrgSettings::new(),
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_kept_on_read() {
        let doc: OrgSettingsDocument = serde_json::from_str(
            r#"{"apiAccessListRequired":true,"multiFactorAuthRequired":false}"#,
        )
        .unwrap();
        assert_eq!(doc.settings().api_access_list_required(), Some(true));
        assert_eq!(
            doc.fields().get("multiFactorAuthRequired"),
            Some(&serde_json::Value::Bool(false))
        );
    }

    #[test]
    fn an_update_sends_only_what_was_set() {
        let op = UpdateOrgSettings {
            org_id: OrgId::new(crate::call::tests::ORG).unwrap(),
            patch: OrgSettings::new(),
        };
        assert!(op.body(atlas_keys_model::Flavour::AtlasV2).is_err());
        let op = UpdateOrgSettings {
            patch: OrgSettings::new().with_api_access_list_required(false),
            ..op
        };
        assert_eq!(
            op.body(atlas_keys_model::Flavour::AtlasV2)
                .unwrap()
                .unwrap(),
            br#"{"apiAccessListRequired":false}"#
        );
    }
}
