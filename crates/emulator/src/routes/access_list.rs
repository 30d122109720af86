//! Operations 6–9: list, add to, read and remove from an API key's access list.
//!
//! Addresses are normalised (`/32` equals the bare address, `%2F` equals `/`). A key may
//! not remove the address it is calling from. This module must NOT enforce access lists
//! on requests; `auth` does.

use atlas_keys_model::{
    AccessListAddress, AccessListEntry, AccessListEntryRequest, ApiKeyId, ErrorCode, Link, OrgId,
    Page,
};
use http::StatusCode;

use super::org_keys::{key_in_org, org_exists};
use super::{Ctx, body, invalid_address};
use crate::auth::Principal;
use crate::auth::roles::{Need, check_org};
use crate::envelope::Reply;
use crate::errors::{ApiError, ApiResult};
use crate::state::{AccessEntryRecord, KeyRecord, Op};

fn authorize(ctx: &Ctx<'_>, org: OrgId, key: ApiKeyId, need: Need) -> ApiResult<()> {
    let st = ctx.app.store.read();
    org_exists(&st, org)?;
    check_org(&st, ctx.caller, org, need)?;
    key_in_org(&st, org, key)?;
    Ok(())
}

/// Reading a key's access list: an organization owner may read any key's, anyone else
/// only its own (401 `API_KEY_ACCESS_LIST_ACCESS_DENIED`, NOTES (j)).
fn authorize_read(ctx: &Ctx<'_>, org: OrgId, key: ApiKeyId) -> ApiResult<()> {
    authorize(ctx, org, key, Need::OrgMember)?;
    if ctx.caller.principal == Principal::Key(key) {
        return Ok(());
    }
    let st = ctx.app.store.read();
    check_org(&st, ctx.caller, org, Need::OrgOwner).map_err(|_| {
        ApiError::unauthorized(
            ErrorCode::ApiKeyAccessListAccessDenied,
            format!("The current user cannot access the access list of API key {key}."),
        )
        .param(key.to_string())
    })
}

fn entry(ctx: &Ctx<'_>, k: &KeyRecord, e: &AccessEntryRecord) -> AccessListEntry {
    let href = format!(
        "{}{}/orgs/{}/apiKeys/{}/accessList/{}",
        ctx.app.base_url,
        ctx.prefix,
        k.org_id,
        k.id,
        e.address.to_path_segment()
    );
    // The service writes `count` on every entry, 0 for a new one (NOTES (j)).
    let mut out = AccessListEntry::new(&e.address)
        .with_count(e.count)
        .with_created(e.created.clone())
        .with_links(vec![Link::new(href, "self")]);
    if let (Some(when), Some(from)) = (&e.last_used, &e.last_used_address) {
        out = out.with_last_used(when.clone(), from.clone());
    }
    out
}

fn page(ctx: &Ctx<'_>, k: &KeyRecord, self_url: &str) -> Page<AccessListEntry> {
    let total = k.access_list.len();
    let (start, end) = ctx.query.window(total);
    Page::new(
        k.access_list[start..end]
            .iter()
            .map(|e| entry(ctx, k, e))
            .collect(),
        ctx.query.page.include_count().then_some(total as u64),
        ctx.query.page_links(self_url, total),
    )
}

/// Operation 6: `GET …/apiKeys/{apiUserId}/accessList`.
pub(crate) fn list(ctx: &Ctx<'_>, org: OrgId, key: ApiKeyId) -> ApiResult<Reply> {
    authorize_read(ctx, org, key)?;
    let st = ctx.app.store.read();
    let k = key_in_org(&st, org, key)?;
    Ok(Reply::Entries(page(ctx, k, &ctx.self_url())))
}

/// Operation 7: `POST …/apiKeys/{apiUserId}/accessList` (adds; answers the list).
pub(crate) async fn create(ctx: &Ctx<'_>, org: OrgId, key: ApiKeyId) -> ApiResult<Reply> {
    authorize(ctx, org, key, Need::OrgOwner)?;
    let v = body::json(ctx.body)?;
    let items = body::array(&v)?;
    if items.is_empty() {
        return Err(ApiError::bad_request(
            ErrorCode::BadWhitelistAddRequest,
            "Add at least one ipAddress or cidrBlock.",
        ));
    }
    let mut wanted: Vec<AccessListAddress> = Vec::with_capacity(items.len());
    for item in items {
        let obj = body::object(item, &["ipAddress", "cidrBlock"])?;
        let shown = |k: &str| {
            obj.get(k)
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        };
        let given = shown("ipAddress").or_else(|| shown("cidrBlock"));
        let Some(given) = given else {
            return Err(ApiError::bad_request(
                ErrorCode::MissingOneOfAttributes,
                "Each entry needs ipAddress or cidrBlock.",
            ));
        };
        // The model refuses a block with host bits set (`10.0.0.1/8`), like the service's
        // INVALID_CIDR_BLOCK family, although the spec's pattern would let it through.
        let req: AccessListEntryRequest =
            serde_json::from_value(item.clone()).map_err(|_| invalid_address(&given))?;
        let addr = req.address();
        // The service refuses duplicates (`/32` equals the bare address), although the
        // spec's array has no `uniqueItems`.
        if wanted.contains(&addr) {
            return Err(ApiError::bad_request(
                ErrorCode::DuplicateAddressesInInput,
                format!("Address {addr} appears twice in the request."),
            )
            .param(addr.to_string()));
        }
        wanted.push(addr);
    }
    let now = crate::clock::now_rfc3339();
    let self_url = ctx.self_url();
    let written = ctx
        .app
        .store
        .write(|tx| {
            let mut k = key_in_org(tx.state(), org, key)?.clone();
            for addr in &wanted {
                if k.access_list.iter().any(|e| e.address == *addr) {
                    return Err(ApiError::new(
                        StatusCode::CONFLICT,
                        ErrorCode::AddressAlreadyInAccessList,
                        format!("Address {addr} is already on the access list of API key {key}."),
                    )
                    .param(addr.to_string())
                    .param(key.to_string()));
                }
            }
            k.access_list
                .extend(wanted.iter().map(|a| AccessEntryRecord {
                    address: *a,
                    created: now.clone(),
                    count: 0,
                    last_used: None,
                    last_used_address: None,
                }));
            let reply = page(ctx, &k, &self_url);
            tx.apply(Op::PutKey(k));
            Ok(reply)
        })
        .await;
    Ctx::persisted(written).map(Reply::Entries)
}

/// Operation 8: `GET …/accessList/{ipAddress}`.
pub(crate) fn get(
    ctx: &Ctx<'_>,
    org: OrgId,
    key: ApiKeyId,
    addr: AccessListAddress,
) -> ApiResult<Reply> {
    authorize_read(ctx, org, key)?;
    let st = ctx.app.store.read();
    let k = key_in_org(&st, org, key)?;
    let e = k
        .access_list
        .iter()
        .find(|e| e.address == addr)
        .ok_or_else(|| not_on_list(&addr, key))?;
    Ok(Reply::Entry(entry(ctx, k, e)))
}

fn not_on_list(addr: &AccessListAddress, key: ApiKeyId) -> ApiError {
    ApiError::not_found(
        ErrorCode::ApiKeyAccessListEntryNotFound,
        format!("IP address {addr} not on access list for API key {key}."),
    )
    .param(addr.to_string())
    .param(key.to_string())
}

/// Operation 9: `DELETE …/accessList/{ipAddress}`.
pub(crate) async fn delete(
    ctx: &Ctx<'_>,
    org: OrgId,
    key: ApiKeyId,
    addr: AccessListAddress,
) -> ApiResult<Reply> {
    authorize(ctx, org, key, Need::OrgOwner)?;
    let caller_is_key = ctx.caller.principal == Principal::Key(key);
    let written = ctx
        .app
        .store
        .write(|tx| {
            let mut k = key_in_org(tx.state(), org, key)?.clone();
            let pos = k
                .access_list
                .iter()
                .position(|e| e.address == addr)
                .ok_or_else(|| not_on_list(&addr, key))?;
            let covers_caller = addr.contains(ctx.caller.ip);
            if caller_is_key && covers_caller {
                return Err(ApiError::bad_request(
                    ErrorCode::CannotRemoveCallerFromAccessList,
                    format!(
                        "Cannot remove the caller's address {} from its own access list.",
                        ctx.caller.ip
                    ),
                )
                .param(ctx.caller.ip.to_string()));
            }
            k.access_list.remove(pos);
            tx.apply(Op::PutKey(k));
            Ok(())
        })
        .await;
    Ctx::persisted(written).map(|()| Reply::Empty(StatusCode::NO_CONTENT))
}
