//! Types and validation for the MongoDB Atlas / Cloud Manager / Ops Manager
//! "Programmatic API Keys" API.
//!
//! This crate is the shared vocabulary of the client (`atlas-keys`) and the emulator:
//!
//! - **identifiers** ([`OrgId`], [`ProjectId`], [`ApiKeyId`]) and **key material**
//!   ([`PublicKey`], [`PrivateKey`], which never prints its secret);
//! - **roles** ([`OrgRole`], [`ProjectRole`]) and the per-[`Flavour`] rules as data;
//! - **request bodies** with validating constructors ([`CreateOrgApiKey`], …) and
//!   **response bodies** that parse leniently ([`ApiKey`], [`Page`], [`ApiErrorBody`], …);
//! - paging ([`PageRequest`]), access-list addresses ([`AccessListAddress`]) and
//!   resource versions ([`ApiVersion`]).
//!
//! Parse, don't validate: a value of a validated type is valid, and deserializing a
//! validated type validates too. Every failure is a [`ValidationError`] naming the field,
//! the rule and the value.
//!
//! It also holds [`operations`], the one table of the 14 operations (method, path
//! template, success status, flavours) that the client and the emulator both read.
//!
//! What this crate must NOT do: any I/O, fill a URL or know a base URL (the path
//! templates in [`operations`] are data), or depend on anything beyond `serde` and
//! `thiserror` (it builds for `wasm32-unknown-unknown`).
//!
//! ```
//! use atlas_keys_model::{CreateOrgApiKey, Description, Flavour, OrgRole};
//!
//! let roles = vec!["ORG_MEMBER".parse::<OrgRole>()?];
//! let body = CreateOrgApiKey::new(Description::new("deploy bot")?, roles)?;
//! body.validate_for(Flavour::CloudManager)?;
//! # Ok::<(), atlas_keys_model::ValidationError>(())
//! ```
#![deny(missing_docs, missing_debug_implementations)]

#[macro_use]
mod newtype;
#[macro_use]
mod string_enum;

pub mod operations;

mod access_list;
mod api_error;
mod description;
mod envelope;
mod error_code;
mod flavour;
mod ids;
mod lenient;
mod org_role;
mod org_settings;
mod page;
mod page_request;
mod private_key;
mod project_role;
mod public_key;
mod requests;
mod responses;
mod role_assignment;
mod validation;
mod version;

pub use access_list::{AccessListAddress, AccessListEntryRequest};
pub use api_error::{ApiErrorBody, BadRequestDetail, ErrorParameter, FieldViolation};
pub use description::Description;
pub use envelope::{Envelope, EnvelopedPage};
pub use error_code::ErrorCode;
pub use flavour::{CreateProjectKeyRule, Flavour};
pub use ids::{ApiKeyId, OrgId, ProjectId};
pub use org_role::OrgRole;
pub use org_settings::OrgSettings;
pub use page::Page;
pub use page_request::PageRequest;
pub use private_key::PrivateKey;
pub use project_role::ProjectRole;
pub use public_key::PublicKey;
pub use requests::{
    AssignProjectApiKey, CreateOrgApiKey, CreateProjectApiKey, UpdateOrgApiKey,
    UpdateProjectApiKeyRoles, UserAccessRoleAssignment,
};
pub use responses::{AccessListEntry, ApiKey, IpInfo, Link, RevealPrivateKey};
pub use role_assignment::RoleAssignment;
pub use validation::ValidationError;
pub use version::ApiVersion;
