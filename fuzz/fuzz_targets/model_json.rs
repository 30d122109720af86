//! Fuzz target: the model's lenient JSON decoding of every response type (and the request
//! bodies the emulator decodes), i.e. everything a server or client sends us as JSON.
//!
//! Invariants beyond "no panic": `Debug` is total, and a decoded `ApiKey` or `AccessListEntry`
//! re-encodes and decodes back to an equal value. Mirrors `model_decoding_*` in
//! crates/reliability/tests/it/parsers_never_panic.rs. This target must NOT do I/O.
#![no_main]

use atlas_keys_model::{
    AccessListEntry, AccessListEntryRequest, ApiErrorBody, ApiKey, AssignProjectApiKey,
    CreateOrgApiKey, CreateProjectApiKey, Envelope, EnvelopedPage, Link, Page, UpdateOrgApiKey,
    UpdateProjectApiKeyRoles,
};
use libfuzzer_sys::fuzz_target;

fn one<T: serde::de::DeserializeOwned + std::fmt::Debug>(data: &[u8]) -> Option<T> {
    let value = serde_json::from_slice::<T>(data).ok()?;
    let _ = format!("{value:?}");
    Some(value)
}

fuzz_target!(|data: &[u8]| {
    if let Some(key) = one::<ApiKey>(data) {
        let again = serde_json::to_string(&key).expect("an ApiKey always encodes");
        let back: ApiKey = serde_json::from_str(&again).expect("an encoded ApiKey decodes");
        assert_eq!(back, key);
        let _ = (key.org_roles(), key.project_ids());
    }
    if let Some(entry) = one::<AccessListEntry>(data) {
        let _ = entry.address();
        let again = serde_json::to_string(&entry).expect("an entry always encodes");
        let back: AccessListEntry = serde_json::from_str(&again).expect("an entry decodes");
        assert_eq!(back, entry);
    }
    if let Some(page) = one::<Page<ApiKey>>(data) {
        let _ = (page.next_link(), page.previous_link(), page.is_last_page());
    }
    let _ = one::<Page<AccessListEntry>>(data);
    let _ = one::<EnvelopedPage<ApiKey>>(data);
    let _ = one::<EnvelopedPage<AccessListEntry>>(data);
    let _ = one::<Envelope<ApiKey>>(data);
    let _ = one::<Envelope<AccessListEntry>>(data);
    if let Some(error) = one::<ApiErrorBody>(data) {
        let _ = serde_json::to_string(&error).expect("an error body always encodes");
    }
    let _ = one::<Link>(data);
    let _ = one::<CreateOrgApiKey>(data);
    let _ = one::<UpdateOrgApiKey>(data);
    let _ = one::<CreateProjectApiKey>(data);
    let _ = one::<UpdateProjectApiKeyRoles>(data);
    let _ = one::<AssignProjectApiKey>(data);
    let _ = one::<Vec<AccessListEntryRequest>>(data);
});
