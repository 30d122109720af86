//! The one request path of the crate: [`ApiCall`] (what an operation value must say: its
//! row of the table, its typed path, its validated body, its output), [`RequestBuilder`]
//! (the fluent call with `envelope()`, `pretty()`, `send()` and `send_with_metadata()`,
//! written once for all 14 operations) and `Core`, which turns an operation value into
//! an `http::Request`, sends it through the transport and decodes the answer.
//!
//! What it is for: writing URL building, query options, "outcome unknown", logging and
//! decoding once. Operations live in `org_keys.rs`, `access_list.rs` and
//! `project_keys.rs`, one struct each.
//!
//! What it must NOT do: add credentials (the transport's auth middleware does that, and
//! never in the URL), retry (the transport does), know a particular operation, or send a
//! request whose [`ApiCall::body`] failed.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use atlas_keys_model::{Flavour, OrgId, PageRequest, ProjectId};
use atlas_keys_transport::{
    CallDeadline, Error as TransportError, ErrorKind as TransportErrorKind, RetryPolicy, Transport,
};
use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use http::uri::PathAndQuery;

use crate::config::Config;
use crate::decode::CallInfo;
pub use crate::decode::ResponseBody;
use crate::error::{Error, Result};
use crate::metadata::Response;
use crate::operations::{Operation, OperationSpec, http_method};

/// The `envelope` and `pretty` query options every operation takes.
///
/// `envelope=true` asks the server to wrap the body with its status; the client unwraps
/// it, so the typed result is the same. `pretty=true` asks for indented JSON, which only
/// matters to someone reading raw traffic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RequestOptions {
    /// Send `envelope=true`.
    pub envelope: bool,
    /// Send `pretty=true`.
    pub pretty: bool,
}

impl RequestOptions {
    /// Sets `envelope`.
    pub fn with_envelope(mut self, envelope: bool) -> Self {
        self.envelope = envelope;
        self
    }

    /// Sets `pretty`.
    pub fn with_pretty(mut self, pretty: bool) -> Self {
        self.pretty = pretty;
        self
    }
}

/// One operation as a value: its typed ids and inputs. Implemented by the operation
/// structs of [`org_keys`](crate::org_keys), [`access_list`](crate::access_list) and
/// [`project_keys`](crate::project_keys); sealed.
pub trait ApiCall: sealed::Sealed + fmt::Debug + Send + Sync + 'static {
    /// The operation's row in [`operations`](crate::operations).
    const OPERATION: Operation;
    /// Whether a success body carries a full private key (the two creates): a decode
    /// error then quotes none of it.
    const SECRET_RESPONSE: bool = false;
    /// What a success returns.
    type Output: ResponseBody;

    /// Appends the path after the flavour prefix, from typed ids, e.g.
    /// `/orgs/{orgId}/apiKeys`. A unit test checks it against the table's template.
    fn write_path(&self, out: &mut String);

    /// Checks the input against the model's rules and `flavour`'s, and serializes the
    /// body. The one place input is validated; it runs once per call, before any I/O.
    fn body(&self, _flavour: Flavour) -> Result<Option<Vec<u8>>> {
        Ok(None)
    }
}

pub(crate) mod sealed {
    /// Keeps [`ApiCall`](super::ApiCall) implemented by this crate only.
    pub trait Sealed {}
}

/// Serializes a request body; our bodies are plain data, so this cannot fail in practice.
pub(crate) fn to_json(body: &impl serde::Serialize) -> Result<Option<Vec<u8>>> {
    serde_json::to_vec(body)
        .map(Some)
        .map_err(|e| Error::config(format!("cannot serialize the request body: {e}")))
}

/// Appends `/orgs/{orgId}`.
pub(crate) fn org_path(out: &mut String, org_id: &OrgId) {
    out.push_str("/orgs/");
    out.push_str(org_id.as_str());
}

/// Appends `/groups/{groupId}`.
pub(crate) fn project_path(out: &mut String, project_id: &ProjectId) {
    out.push_str("/groups/");
    out.push_str(project_id.as_str());
}

/// The configuration and the transport stack, shared by a client and every call it makes.
pub(crate) struct Core {
    pub(crate) config: Config,
    /// `pace → auth → wire`: the retries and the deadline are applied by [`Core::execute`].
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) retry: RetryPolicy,
    /// The overall deadline of one call, every attempt and backoff included.
    pub(crate) deadline: Duration,
}

impl fmt::Debug for Core {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Core")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Core {
    /// Validates, builds, sends and decodes one call. `page` is the paging query of a list;
    /// without `keep_metadata`, a success's metadata holds only its status and deprecation
    /// headers (the caller drops it).
    pub(crate) async fn execute<O: ApiCall>(
        &self,
        op: &O,
        options: RequestOptions,
        page: Option<PageRequest>,
        keep_metadata: bool,
    ) -> Result<Response<O::Output>> {
        let operation = O::OPERATION;
        let flavour = self.config.flavour;
        let spec = operation.spec(flavour).ok_or_else(|| {
            Error::config(format!("{operation} is not available in {flavour}"))
                .with_operation(operation)
        })?;
        let body = op.body(flavour)?;
        let (request, path) = self
            .build(spec, op, options, page, body)
            .map_err(|e| e.with_operation(operation))?;
        let info = CallInfo {
            spec,
            envelope: options.envelope,
            accept: &self.config.media_type,
            path,
            secret_body: O::SECRET_RESPONSE,
            keep_metadata,
        };
        tracing::debug!(
            operation = %operation,
            method = spec.method.as_str(),
            path = info.path.path(),
            "sending"
        );
        // Deadline outermost, then retries, then the stack, called through the trait object
        // itself: `Arc<dyn Transport>`'s own impl would box one more future around the stack's.
        let deadline = CallDeadline::for_call(&request, self.deadline);
        let stack = self.transport.as_ref();
        // A retry's request is built afresh, only when one happens: cheaper for every call than
        // a copy kept in case (~1,300 instructions; BENCHMARKS.md, session 7). It cannot fail
        // where the first build succeeded, but would end the call with that error if it did.
        let again = || {
            op.body(flavour)
                .and_then(|body| self.build(spec, op, options, page, body))
                .map(|(request, _)| request)
                .map_err(|e| TransportError::new(TransportErrorKind::Builder, e.to_string(), false))
        };
        let attempts = self.retry.run(request, again, |r| stack.send(r));
        // One box for the call's whole attempt loop, so the future a caller awaits stays small.
        let sent = Box::pin(deadline.run(attempts)).await.unwrap_or_else(|| {
            let base = &self.config.url_base;
            let target = format!("{}://{}{}", base.scheme, base.authority, info.path.path());
            Err(deadline.exceeded(&target))
        });
        match sent {
            Ok(response) => {
                tracing::debug!(operation = %operation, status = response.status().as_u16(), "received");
                O::Output::decode(&info, response)
            }
            Err(e) if spec.method.changes_state() && e.request_may_have_reached_server() => Err(
                Error::outcome_unknown(spec.method.as_str(), info.path.path().to_owned(), e)
                    .with_operation(operation),
            ),
            Err(e) => Err(Error::transport(e).with_operation(operation)),
        }
    }

    /// The request and its path and query (only `.path()` may be quoted in messages).
    /// Path and query are written into one pre-sized `String` handed to `http` without a
    /// copy; scheme, authority and header values are shared with the [`Config`].
    fn build<O: ApiCall>(
        &self,
        spec: &OperationSpec,
        op: &O,
        options: RequestOptions,
        page: Option<PageRequest>,
        body: Option<Vec<u8>>,
    ) -> Result<(http::Request<Bytes>, PathAndQuery)> {
        let config = &self.config;
        let base = &config.url_base;
        let prefix = if spec.rooted {
            &base.root_path
        } else {
            &base.path_prefix
        };
        let mut target = String::with_capacity(prefix.len() + spec.path.len() + 96);
        target.push_str(prefix);
        op.write_path(&mut target);
        let mut separator = '?';
        let mut param = |target: &mut String, name: &str, value: &dyn fmt::Display| {
            use std::fmt::Write as _;
            // Writing into a String cannot fail.
            let _ = write!(target, "{separator}{name}={value}");
            separator = '&';
        };
        if let Some(page) = page {
            param(&mut target, "pageNum", &page.page_num());
            param(&mut target, "itemsPerPage", &page.items_per_page());
            param(&mut target, "includeCount", &page.include_count());
        }
        if options.envelope {
            param(&mut target, "envelope", &true);
        }
        if options.pretty {
            param(&mut target, "pretty", &true);
        }
        let path_and_query = PathAndQuery::from_maybe_shared(Bytes::from(target)).map_err(|e| {
            Error::config(format!(
                "cannot build a request for {} {}: {e}",
                spec.method.as_str(),
                spec.path
            ))
        })?;
        let mut uri = http::uri::Parts::default();
        uri.scheme = Some(base.scheme.clone());
        uri.authority = Some(base.authority.clone());
        uri.path_and_query = Some(path_and_query.clone());
        let uri = http::Uri::from_parts(uri).map_err(|e| {
            Error::config(format!(
                "cannot build a request for {}: {e}",
                path_and_query.path()
            ))
        })?;
        let has_body = body.is_some();
        let mut request = http::Request::new(body.map_or_else(Bytes::new, Bytes::from));
        *request.method_mut() = http_method(spec.method);
        *request.uri_mut() = uri;
        // Room for what the transport adds too (Authorization), so the map never grows.
        let headers = request.headers_mut();
        headers.reserve(4);
        headers.insert(ACCEPT, config.media_type.clone());
        headers.insert(USER_AGENT, config.user_agent.clone());
        if has_body {
            headers.insert(CONTENT_TYPE, config.media_type.clone());
        }
        Ok((request, path_and_query))
    }
}

/// The fluent call of one operation: `handler.operation(ids)`, then the operation's own
/// setters (e.g. `.desc()`, `.role()` on a create), the options below, and `send()`.
///
/// Every operation uses this one type (`RequestBuilder<CreateOrgKey>`,
/// `RequestBuilder<GetOrgKey>`, ...); lists use [`ListBuilder`](crate::ListBuilder).
#[must_use = "a request does nothing until it is sent"]
pub struct RequestBuilder<O> {
    core: Arc<Core>,
    pub(crate) op: O,
    options: RequestOptions,
}

impl<O: Clone> Clone for RequestBuilder<O> {
    fn clone(&self) -> Self {
        RequestBuilder {
            core: Arc::clone(&self.core),
            op: self.op.clone(),
            options: self.options,
        }
    }
}

impl<O: fmt::Debug> fmt::Debug for RequestBuilder<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("operation", &self.op)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<O: ApiCall> RequestBuilder<O> {
    pub(crate) fn new(core: &Arc<Core>, op: O) -> Self {
        RequestBuilder {
            core: Arc::clone(core),
            op,
            options: RequestOptions::default(),
        }
    }

    /// Asks the server to wrap the response in an envelope; the result is unwrapped, so
    /// it is the same either way.
    pub fn envelope(mut self, envelope: bool) -> Self {
        self.options.envelope = envelope;
        self
    }

    /// Asks the server for pretty-printed JSON.
    pub fn pretty(mut self, pretty: bool) -> Self {
        self.options.pretty = pretty;
        self
    }

    /// Sets both query options at once.
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// The operation value this call will send.
    pub fn operation(&self) -> &O {
        &self.op
    }

    /// Sends the request.
    pub async fn send(self) -> Result<O::Output> {
        let response = self.core.execute(&self.op, self.options, None, false).await;
        response.map(Response::into_value)
    }

    /// Sends the request and returns the response metadata too.
    pub async fn send_with_metadata(self) -> Result<Response<O::Output>> {
        self.core.execute(&self.op, self.options, None, true).await
    }
}

/// Sample ids and [`path_of`](tests::path_of), for the path test in `lib.rs`.
#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const ORG: &str = "4888442a3354817a7320eb61";
    pub(crate) const PROJECT: &str = "32b6e34b3d91647abb20e7b8";
    pub(crate) const KEY: &str = "5d1113b25a115342acc2d1aa";
    pub(crate) const ADDRESS: &str = "192.0.2.0/24";

    /// The path an operation value writes.
    pub(crate) fn path_of<O: ApiCall>(op: &O) -> (Operation, String) {
        let mut out = String::new();
        op.write_path(&mut out);
        (O::OPERATION, out)
    }
}
