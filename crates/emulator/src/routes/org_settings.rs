//! `GET` and `PATCH /orgs/{orgId}/settings` (Atlas v2 and v1.0): the organization
//! setting `apiAccessListRequired`, which makes `auth` refuse keys with an empty access
//! list (403 `ORG_REQUIRES_ACCESS_LIST`, NOTES (j)).
//!
//! Served beside the model's operation table until the table has rows for them. This
//! module must NOT enforce the setting; `auth` does.

use atlas_keys_model::{ErrorCode, OrgId, OrgSettings};
use serde_json::Value;

use super::Ctx;
use super::body;
use super::org_keys::org_exists;
use crate::auth::roles::{Need, check_org};
use crate::envelope::Reply;
use crate::errors::{ApiError, ApiResult};
use crate::state::Op;

/// The settings as the service shows them: every known field present.
fn shown(s: OrgSettings) -> OrgSettings {
    OrgSettings::new().with_api_access_list_required(s.api_access_list_required() == Some(true))
}

/// `GET /orgs/{orgId}/settings` (organization member).
pub(crate) fn get(ctx: &Ctx<'_>, org: OrgId) -> ApiResult<Reply> {
    let st = ctx.app.store.read();
    org_exists(&st, org)?;
    check_org(&st, ctx.caller, org, Need::OrgMember)?;
    let settings = st.org(&org).map(|o| o.settings).unwrap_or_default();
    Ok(Reply::Settings(shown(settings)))
}

/// `PATCH /orgs/{orgId}/settings` (organization owner): sets the fields given.
pub(crate) async fn update(ctx: &Ctx<'_>, org: OrgId) -> ApiResult<Reply> {
    {
        let st = ctx.app.store.read();
        org_exists(&st, org)?;
        check_org(&st, ctx.caller, org, Need::OrgOwner)?;
    }
    let v = body::json(ctx.body)?;
    let obj = body::object(&v, &["apiAccessListRequired"])?;
    match obj.get("apiAccessListRequired") {
        None | Some(Value::Null | Value::Bool(_)) => {}
        Some(_) => {
            return Err(ApiError::bad_request(
                ErrorCode::InvalidJsonAttribute,
                "Received JSON for the apiAccessListRequired attribute does not match expected format: a boolean.",
            )
            .param("apiAccessListRequired"));
        }
    }
    let patch: OrgSettings = body::decode(v)?;
    let written = ctx
        .app
        .store
        .write(|tx| {
            let mut record = org_exists(tx.state(), org)?.clone();
            record.settings = record.settings.merged(patch);
            let reply = shown(record.settings);
            tx.apply(Op::PutOrg(record));
            Ok(reply)
        })
        .await;
    Ctx::persisted(written).map(Reply::Settings)
}
