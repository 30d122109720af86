//! A client for the **Programmatic API Keys** API of MongoDB Atlas (v2 and v1.0), Cloud
//! Manager and Ops Manager: organization keys, their access lists, and project
//! assignments — all 14 operations.
//!
//! ```no_run
//! # async fn run() -> atlas_keys::Result<()> {
//! use atlas_keys::Client;
//! use atlas_keys::model::{OrgRole, ProjectRole};
//!
//! // MONGODB_ATLAS_PUBLIC_API_KEY / _PRIVATE_API_KEY (or _CLIENT_ID / _CLIENT_SECRET),
//! // MONGODB_ATLAS_ORG_ID, MONGODB_ATLAS_PROJECT_ID, as the Atlas CLI uses them.
//! let client = Client::from_env()?;
//! let org = client.default_org_id().cloned().expect("MONGODB_ATLAS_ORG_ID");
//! let project = client.default_project_id().cloned().expect("MONGODB_ATLAS_PROJECT_ID");
//!
//! let key = client.org_keys().create(&org).desc("ci").role(OrgRole::Member).send().await?;
//! // The private key is in the create response only: store it now.
//! let _secret = key.private_key.as_ref().map(|k| k.expose_private_key().to_owned());
//!
//! client.project_keys().assign(&project, &key.id).role(ProjectRole::ReadOnly).send().await?;
//! let page = client.project_keys().list(&project).items_per_page(500).send().await?;
//! let everything = client.project_keys().list(&project).items().try_collect_vec().await?;
//! # let _ = (page, everything);
//! # Ok(()) }
//! ```
//!
//! # Shape
//!
//! - [`Client`] is built by [`ClientBuilder`] (or [`Client::from_env`]); building does no
//!   I/O. It hands out three handlers, [`Client::org_keys`], [`Client::access_list`] and
//!   [`Client::project_keys`]; every call is `handler.operation(ids).options().send()`.
//!   `send_with_metadata()` adds a [`ResponseMetadata`] (status, rate limits,
//!   `Deprecation`/`Sunset`).
//! - Lists ([`ListBuilder`]) return one page with `send()`, or every item with `items()` /
//!   `into_stream()` (pages fetched with bounded concurrency, in server order).
//! - Each handler is sugar over a trait ([`OrgKeysApi`], [`AccessListApi`],
//!   [`ProjectKeysApi`]) with mockall mocks in [`mock`] (feature `test-util`).
//! - [`Error`] separates validation (nothing sent), API errors, transport failures, decode
//!   failures and "outcome unknown".
//! - [`operations`] holds the table of methods, paths and statuses; [`rotate`] replaces a
//!   key by a new one with the same roles, projects and access list.
//!
//! # Flavours
//!
//! [`model::Flavour`] picks the path prefix (`/api/atlas/v2`, `/api/atlas/v1.0`,
//! `/api/public/v1.0`), the media type (`application/vnd.atlas.2023-01-01+json` in v2,
//! `application/json` elsewhere) and the role sets. Differences the client hides: assign
//! is `POST [{"roles": [...]}]` in Atlas and `PATCH {"roles": [...]}` in Cloud/Ops
//! Manager; unassign answers 204 in Atlas and 200 in Cloud/Ops Manager. A difference it
//! names: "create in project" needs a description and roles in Atlas, one of the two in
//! Cloud/Ops Manager.
//!
//! # Features
//!
//! - `hyper` (default): the hyper backend. `reqwest`: the reqwest backend.
//! - `test-util`: [`mock`], and the transport's `ScriptedTransport` / `MockTransport`.
//!
//! What this crate must NOT do: put a secret in a URL, a log line, a `Debug` or an error;
//! send a body that failed validation; or re-send a create that may have landed.
#![deny(missing_docs)]
#![deny(missing_debug_implementations)]

pub mod audit;
mod client;
mod dispatch;
mod error;
pub mod operations;
mod paginate;
mod request;
mod response;
pub mod rotate;
pub mod rotation;
mod services;

#[cfg(feature = "test-util")]
pub mod mock;

pub use client::{Backend, Client, ClientBuilder, Credentials, DEFAULT_BASE_URL, vars};
pub use error::{ApiError, Error, ErrorKind, Result};
pub use paginate::{DEFAULT_CONCURRENCY, ItemStream, ListBuilder, PageStream};
pub use response::{RateLimit, Response, ResponseMetadata};
pub use services::RequestOptions;
pub use services::access_list::{
    AccessList, AccessListApi, CreateAccessListBuilder, CreateAccessListRequest,
    DeleteAccessListEntryBuilder, DeleteAccessListEntryRequest, GetAccessListEntryBuilder,
    GetAccessListEntryRequest, ListAccessListRequest,
};
pub use services::org_keys::{
    CreateOrgKeyBuilder, CreateOrgKeyRequest, DeleteOrgKeyBuilder, DeleteOrgKeyRequest,
    GetOrgKeyBuilder, GetOrgKeyRequest, ListOrgKeysRequest, OrgKeys, OrgKeysApi,
    UpdateOrgKeyBuilder, UpdateOrgKeyRequest,
};
pub use services::project_keys::{
    AssignProjectKeyBuilder, AssignProjectKeyRequest, CreateProjectKeyBuilder,
    CreateProjectKeyRequest, ListProjectKeysRequest, ProjectKeys, ProjectKeysApi,
    UnassignProjectKeyBuilder, UnassignProjectKeyRequest, UpdateProjectKeyRolesBuilder,
    UpdateProjectKeyRolesRequest,
};

/// The model crate: ids, roles, request bodies, responses.
pub use atlas_keys_model as model;
/// The transport crate: the `Transport` trait, backends, auth middleware, retries.
pub use atlas_keys_transport as transport;
