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
//! let _secret = key.private_key().map(|k| k.expose_private_key().to_owned());
//!
//! client.project_keys().assign(&project, key.id()).role(ProjectRole::ReadOnly).send().await?;
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
//! - An operation is a value (e.g. [`org_keys::CreateOrgKey`]: typed ids and inputs)
//!   implementing [`call::ApiCall`]; every call is one generic [`RequestBuilder`] whose
//!   `send()` validates once, before any I/O. `send_with_metadata()` adds a
//!   [`ResponseMetadata`] (status, rate limits, `Deprecation`/`Sunset`).
//! - Lists ([`ListBuilder`]) return one page with `send()`, or every item with `items()` /
//!   `into_stream()` (pages fetched with bounded concurrency, in server order).
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
//! - `test-util`: the transport's fakes, the one mock seam: `ScriptedTransport` (records
//!   requests, replays answers) and `MockTransport` (mockall).
//!
//! # Testing code that uses this crate
//!
//! Plug a transport fake into a client; the fluent calls reach it after validation, as
//! the requests that would go on the wire.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> atlas_keys::Result<()> {
//! # #[cfg(feature = "test-util")] {
//! use std::sync::Arc;
//! use atlas_keys::{Client, model::OrgRole, transport::test_util::ScriptedTransport};
//!
//! let wire = ScriptedTransport::new();
//! wire.push_json(200, r#"{"id":"5d1113b25a115342acc2d1aa"}"#);
//! let client = Client::builder().transport(Arc::new(wire.clone())).build()?;
//! let org = "4888442a3354817a7320eb61".parse()?;
//! let key = client.org_keys().create(&org).desc("ci").role(OrgRole::Member).send().await?;
//! assert_eq!(key.id().as_str(), "5d1113b25a115342acc2d1aa");
//! assert_eq!(wire.requests()[0].body().as_ref(), br#"{"desc":"ci","roles":["ORG_MEMBER"]}"#);
//! # }
//! # Ok(()) }
//! ```
//!
//! What this crate must NOT do: put a secret in a URL, a log line, a `Debug` or an error;
//! send a body that failed validation; or re-send a create that may have landed.
#![deny(missing_docs)]
#![deny(missing_debug_implementations)]

// Layers, bottom up; a module imports only modules above it in this list:
// metadata → error → config → decode → call → paginate → org_keys / access_list /
// project_keys / org_settings → client → builder → env → rotate.
pub mod access_list;
pub mod audit;
mod builder;
pub mod call;
mod client;
mod config;
mod decode;
mod env;
mod error;
pub mod ipinfo;
mod metadata;
pub mod operations;
pub mod org_keys;
pub mod org_settings;
pub mod pacing;
mod paginate;
pub mod project_keys;
pub mod rotate;
pub mod rotation;

pub use access_list::AccessList;
pub use builder::{Backend, ClientBuilder, Credentials, DEFAULT_BASE_URL};
pub use call::{RequestBuilder, RequestOptions};
pub use client::Client;
pub use env::vars;
pub use error::{ApiError, Error, ErrorKind, Result};
pub use metadata::{RateLimit, Response, ResponseMetadata};
pub use org_keys::OrgKeys;
pub use org_settings::{OrgSettingsDocument, OrgSettingsHandler};
pub use paginate::{DEFAULT_CONCURRENCY, DEFAULT_MAX_ITEMS, ItemStream, ListBuilder, PageStream};
pub use project_keys::ProjectKeys;

/// The model crate: ids, roles, request bodies, responses.
pub use atlas_keys_model as model;
/// The transport crate: the `Transport` trait, backends, auth middleware, retries.
pub use atlas_keys_transport as transport;

#[cfg(test)]
mod tests {
    use atlas_keys_model::Flavour;

    use crate::call::tests::{ADDRESS, KEY, ORG, PROJECT};
    use crate::operations::Operation;

    /// Every operation's typed path equals its template in the model's table, filled with
    /// the same sample ids; and every operation of the table has a typed path.
    #[test]
    fn typed_paths_match_the_operation_table() {
        let mut samples = crate::org_keys::path_samples();
        samples.extend(crate::access_list::path_samples());
        samples.extend(crate::project_keys::path_samples());
        samples.extend(crate::org_settings::path_samples());
        for operation in Operation::ALL {
            assert!(
                samples.iter().any(|(o, _)| *o == operation),
                "{operation} has no typed path sample"
            );
        }
        let address = atlas_keys_model::AccessListAddress::parse(ADDRESS).unwrap();
        for (operation, typed) in samples {
            for flavour in Flavour::ALL {
                let Some(spec) = operation.spec(flavour) else {
                    assert!(Operation::ORG_SETTINGS.contains(&operation), "{operation}");
                    continue;
                };
                let template = spec.path;
                let filled = template
                    .replace("{orgId}", ORG)
                    .replace("{groupId}", PROJECT)
                    .replace("{apiUserId}", KEY)
                    .replace("{ipAddress}", &address.to_path_segment());
                assert_eq!(typed, filled, "{operation} in {flavour}");
            }
        }
    }
}
