//! Response bodies the service sends (and the emulator produces).
//!
//! Lenient by design: everything the schema marks optional is optional here, unknown
//! fields are ignored, and enums fall back to `Other`, so a real server response never
//! fails to parse. This module must NOT validate server text against request rules
//! (a description longer than 250 chars from the server is still a description).

mod access_list_entry;
mod api_key;
mod ip_info;
mod link;

pub use access_list_entry::AccessListEntry;
pub use api_key::{ApiKey, RevealPrivateKey};
pub use ip_info::IpInfo;
pub use link::Link;
