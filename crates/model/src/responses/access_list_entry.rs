//! One access-list entry as the service describes it (`UserAccessListResponse`).
//!
//! Dates stay strings (no date library in this crate). This module must NOT reject an
//! entry whose address it cannot parse; [`AccessListEntry::address`] is best-effort.

use crate::{AccessListAddress, Link};

/// An access-list entry of an API key.
///
/// Fields are read through accessors, so a field the service adds is not a breaking change.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AccessListEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cidr_block: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ip_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_used: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_used_address: Option<String>,
    #[serde(default, deserialize_with = "crate::lenient::null_as_empty")]
    links: Vec<Link>,
}

impl AccessListEntry {
    /// An entry for `address`, written as the service writes it: `cidrBlock` always, and
    /// `ipAddress` too when the block is a single address. For servers and test fakes.
    pub fn new(address: &AccessListAddress) -> Self {
        AccessListEntry {
            cidr_block: Some(address.to_cidr_string()),
            ip_address: address
                .is_single_address()
                .then(|| address.addr().to_string()),
            ..AccessListEntry::default()
        }
    }

    /// Sets the usage counter.
    pub fn with_count(mut self, count: u64) -> Self {
        self.count = Some(count);
        self
    }

    /// Sets the creation date (ISO 8601).
    pub fn with_created(mut self, created: impl Into<String>) -> Self {
        self.created = Some(created.into());
        self
    }

    /// Sets the last use: when, and from which address.
    pub fn with_last_used(mut self, when: impl Into<String>, from: impl Into<String>) -> Self {
        self.last_used = Some(when.into());
        self.last_used_address = Some(from.into());
        self
    }

    /// Sets the hypermedia links.
    pub fn with_links(mut self, links: Vec<Link>) -> Self {
        self.links = links;
        self
    }

    /// The CIDR block, as the server wrote it.
    pub fn cidr_block(&self) -> Option<&str> {
        self.cidr_block.as_deref()
    }

    /// The single address, as the server wrote it.
    pub fn ip_address(&self) -> Option<&str> {
        self.ip_address.as_deref()
    }

    /// How many requests came from this entry.
    pub fn count(&self) -> Option<u64> {
        self.count
    }

    /// When the entry was created (ISO 8601, verbatim).
    pub fn created(&self) -> Option<&str> {
        self.created.as_deref()
    }

    /// When the entry was last used (ISO 8601, verbatim).
    pub fn last_used(&self) -> Option<&str> {
        self.last_used.as_deref()
    }

    /// The address last used from this entry.
    pub fn last_used_address(&self) -> Option<&str> {
        self.last_used_address.as_deref()
    }

    /// The hypermedia links.
    pub fn links(&self) -> &[Link] {
        &self.links
    }

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
