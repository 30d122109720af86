//! One access-list entry as the service describes it (`UserAccessListResponse`).
//!
//! Dates stay strings (no date library in this crate). This module must NOT reject an
//! entry whose address it cannot parse; [`AccessListEntry::address`] is best-effort.

use crate::{AccessListAddress, Link};

/// An access-list entry of an API key.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessListEntry {
    /// The CIDR block, when the entry is a block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<String>,
    /// The address, when the entry is an address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// How many requests came from this entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// When the entry was created (ISO 8601, verbatim).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// When the entry was last used (ISO 8601, verbatim).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
    /// The address last used from this entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_address: Option<String>,
    /// Hypermedia links.
    #[serde(default)]
    pub links: Vec<Link>,
}

impl AccessListEntry {
    /// The entry's address in canonical form, if the server text parses.
    ///
    /// `cidrBlock` wins over `ipAddress`, since the server may fill both.
    pub fn address(&self) -> Option<AccessListAddress> {
        self.cidr_block
            .as_deref()
            .or(self.ip_address.as_deref())
            .and_then(|s| AccessListAddress::parse(s).ok())
    }
}
