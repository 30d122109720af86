//! Operations 6–9: list, add to, read and remove from an API key's access list.
//!
//! Addresses are normalised (`/32` equals the bare address, `%2F` equals `/`). A key may
//! not remove the address it is calling from. This module must NOT enforce access lists
//! on requests; `auth` does.

use atlas_keys_model::{
    AccessListAddress, AccessListEntry, AccessListEntryRequest, ErrorCode, Link, Page,
};
use http::StatusCode;

use super::org_keys::{key_in_org, org_exists};
use super::{Ctx, PathId, body, path_id};
use crate::auth::Principal;
use crate::auth::roles::{Need, check_org};
use crate::envelope::Reply;
use crate::errors::{ApiError, ApiResult};
use crate::state::{AccessEntryRecord, KeyRecord, Op};

fn authorize(ctx: &Ctx<'_>, org: &str, key: &str, need: Need) -> ApiResult<(String, String)> {
    let org = path_id(org, PathId::Org)?;
    let key = path_id(key, PathId::Key)?;
    let st = ctx.app.store.read();
    org_exists(&st, &org)?;
    check_org(&st, ctx.caller, &org, need)?;
    key_in_org(&st, &org, &key)?;
    Ok((org, key))
}

fn invalid_address(shown: &str) -> ApiError {
    let shown: String = shown.chars().take(64).collect();
    ApiError::bad_request(
        ErrorCode::InvalidIpAddressOrCidrNotation,
        format!("IP address or CIDR notation {shown} is invalid."),
    )
    .param(shown)
}

/// Parses the `{ipAddress}` path segment (percent-encoded, `%2F` for `/`).
fn path_address(raw: &str) -> ApiResult<AccessListAddress> {
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    AccessListAddress::parse(&decoded).map_err(|_| invalid_address(&decoded))
}

fn entry(ctx: &Ctx<'_>, k: &KeyRecord, e: &AccessEntryRecord) -> AccessListEntry {
    let addr = AccessListAddress::parse(&e.cidr).ok();
    let segment = addr
        .map(|a| a.to_path_segment())
        .unwrap_or_else(|| e.cidr.clone());
    // Stored entries were validated on write, so the address always parses.
    addr.as_ref()
        .map_or_else(AccessListEntry::default, AccessListEntry::new)
        .with_created(e.created.clone())
        .with_links(vec![Link::new(
            format!(
                "{}{}/orgs/{}/apiKeys/{}/accessList/{segment}",
                ctx.app.base_url, ctx.prefix, k.org_id, k.id
            ),
            "self",
        )])
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
pub(crate) fn list(ctx: &Ctx<'_>, org: &str, key: &str) -> ApiResult<Reply> {
    let (org, key) = authorize(ctx, org, key, Need::OrgMember)?;
    let st = ctx.app.store.read();
    let k = key_in_org(&st, &org, &key)?;
    Ok(Reply::Entries(page(ctx, k, &ctx.self_url())))
}

/// Operation 7: `POST …/apiKeys/{apiUserId}/accessList` (adds; answers the list).
pub(crate) async fn create(ctx: &Ctx<'_>, org: &str, key: &str) -> ApiResult<Reply> {
    let (org, key) = authorize(ctx, org, key, Need::OrgOwner)?;
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
    let now = crate::clock::rfc3339(crate::clock::now_secs());
    let self_url = ctx.self_url();
    let written = ctx
        .app
        .store
        .write(|tx| {
            let mut k = key_in_org(tx.state(), &org, &key)?.clone();
            for addr in &wanted {
                let cidr = addr.to_cidr_string();
                if k.access_list.iter().any(|e| e.cidr == cidr) {
                    return Err(ApiError::new(
                        StatusCode::CONFLICT,
                        ErrorCode::AddressAlreadyInWhitelist,
                        format!("Address {addr} is already on the access list of API key {key}."),
                    )
                    .param(addr.to_string())
                    .param(key.clone()));
                }
            }
            k.access_list
                .extend(wanted.iter().map(|a| AccessEntryRecord {
                    cidr: a.to_cidr_string(),
                    created: now.clone(),
                }));
            let reply = page(ctx, &k, &self_url);
            tx.apply(Op::PutKey(k));
            Ok(reply)
        })
        .await;
    Ctx::persisted(written).map(Reply::Entries)
}

/// Operation 8: `GET …/accessList/{ipAddress}`.
pub(crate) fn get(ctx: &Ctx<'_>, org: &str, key: &str, address: &str) -> ApiResult<Reply> {
    let (org, key) = authorize(ctx, org, key, Need::OrgMember)?;
    let addr = path_address(address)?;
    let st = ctx.app.store.read();
    let k = key_in_org(&st, &org, &key)?;
    let cidr = addr.to_cidr_string();
    let e = k
        .access_list
        .iter()
        .find(|e| e.cidr == cidr)
        .ok_or_else(|| not_on_list(&addr, &key))?;
    Ok(Reply::Entry(entry(ctx, k, e)))
}

fn not_on_list(addr: &AccessListAddress, key: &str) -> ApiError {
    ApiError::not_found(
        ErrorCode::ApiKeyWhitelistNotFound,
        format!("IP address {addr} not on whitelist for API key {key}."),
    )
    .param(addr.to_string())
    .param(key.to_owned())
}

/// Operation 9: `DELETE …/accessList/{ipAddress}`.
pub(crate) async fn delete(ctx: &Ctx<'_>, org: &str, key: &str, address: &str) -> ApiResult<Reply> {
    let (org, key) = authorize(ctx, org, key, Need::OrgOwner)?;
    let addr = path_address(address)?;
    let cidr = addr.to_cidr_string();
    let caller_is_key = ctx.caller.principal == Principal::Key(key.clone());
    let written = ctx
        .app
        .store
        .write(|tx| {
            let mut k = key_in_org(tx.state(), &org, &key)?.clone();
            let pos = k
                .access_list
                .iter()
                .position(|e| e.cidr == cidr)
                .ok_or_else(|| not_on_list(&addr, &key))?;
            let covers_caller =
                crate::net::Cidr::parse(&cidr).is_some_and(|c| c.contains(ctx.caller.ip));
            if caller_is_key && covers_caller {
                return Err(ApiError::bad_request(
                    ErrorCode::CannotRemoveCallerFromWhitelist,
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
