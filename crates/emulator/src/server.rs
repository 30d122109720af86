//! The HTTP server: accepts connections (plain or TLS), runs each request through fault
//! injection, authentication, rate limiting, version negotiation and dispatch, and adds
//! the headers every response carries.
//!
//! A reset is a service error, which makes hyper close the connection without
//! answering. This module must NOT implement operations (see `routes`) and must NOT log
//! request headers (they carry credentials).

use std::error::Error as StdError;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use atlas_keys_model::operations::BodyShape;
use atlas_keys_model::{ErrorCode, Flavour};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

use crate::app::App;
use crate::auth::{self, AuthError};
use crate::envelope::to_json;
use crate::errors::ApiError;
use crate::faults::Fault;
use crate::flavour_prefix;
use crate::http_util::{Resp, json};
use crate::query::QueryOpts;
use crate::rate_limit::{Decision, Scope};
use crate::routes::{self, Ctx, PathIds, Route};
use crate::state::Op;
use crate::stats::Counter;
use crate::version_negotiation;

/// The service error that drops a connection without a response.
#[derive(Debug)]
pub(crate) struct Reset;

impl fmt::Display for Reset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection reset by the emulator")
    }
}

impl StdError for Reset {}

/// Accepts connections until `shutdown` turns true (or its sender is dropped).
///
/// At most `app.max_connections` are open at once: beyond that the loop stops accepting
/// until one closes, so further clients wait in the kernel's listen backlog and hold no
/// file descriptor of ours.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(app.max_connections.max(1)));
    loop {
        let permit = tokio::select! {
            _ = shutdown.wait_for(|s| *s) => break,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let accepted = tokio::select! {
            _ = shutdown.wait_for(|s| *s) => break,
            a = listener.accept() => a,
        };
        let (stream, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let tls = tls.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            let _slot = Slot::new(permit, app.clone());
            match tls {
                None => serve_connection(TokioIo::new(stream), app, peer, shutdown).await,
                Some(acceptor) => {
                    match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream))
                        .await
                    {
                        Ok(Ok(s)) => serve_connection(TokioIo::new(s), app, peer, shutdown).await,
                        _ => tracing::debug!(%peer, "TLS handshake failed"),
                    }
                }
            }
        });
    }
}

/// One open connection: holds its place under the cap and is counted in the stats.
struct Slot {
    _permit: OwnedSemaphorePermit,
    app: Arc<App>,
}

impl Slot {
    fn new(permit: OwnedSemaphorePermit, app: Arc<App>) -> Slot {
        app.stats.connection_opened();
        Slot {
            _permit: permit,
            app,
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.app.stats.connection_closed();
    }
}

async fn serve_connection<I>(
    io: I,
    app: Arc<App>,
    peer: SocketAddr,
    mut shutdown: watch::Receiver<bool>,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let svc = service_fn(move |req| {
        let app = app.clone();
        async move { handle(&app, req, peer).await }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .serve_connection(io, svc);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = shutdown.wait_for(|s| *s) => {}
    }
}

/// One request, from fault draw to the final headers.
async fn handle(app: &App, req: Request<Incoming>, peer: SocketAddr) -> Result<Resp, Reset> {
    if let Some(rest) = req.uri().path().strip_prefix("/__emulator/") {
        return Ok(emulator_endpoint(app, req.method(), rest));
    }
    app.stats.bump(Counter::Requests);
    app.stats.method(req.method());
    let fault = app.faults.draw(&app.rng);
    if fault.is_some() {
        app.stats.bump(Counter::FaultsInjected);
    }
    let mut resp = match fault {
        Some(Fault::ResetBefore) => {
            app.stats.bump(Counter::Resets);
            return Err(Reset);
        }
        Some(Fault::Status500) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::UnexpectedError,
            "Unexpected error (injected fault).",
        )
        .into_response(None),
        Some(Fault::Status503) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::from("SERVICE_UNAVAILABLE"),
            "Service unavailable (injected fault).",
        )
        .into_response(None),
        Some(Fault::Status429) => {
            let secs = app.faults.retry_after_secs();
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                "Rate limited (injected fault).",
            )
            .header(header::RETRY_AFTER, HeaderValue::from(secs))
            .into_response(None)
        }
        Some(Fault::ResetAfter) | None => process(app, req, peer.ip()).await?,
    };
    if !resp.headers().contains_key("ratelimit-limit") {
        rate_headers(
            app,
            resp.headers_mut(),
            app.limiter.check(Scope::Org, "", false),
        );
    }
    if !app.latency.is_zero() {
        tokio::time::sleep(app.latency).await;
    }
    if fault == Some(Fault::ResetAfter) {
        app.stats.bump(Counter::Resets);
        return Err(Reset);
    }
    app.stats.status(resp.status().as_u16());
    Ok(resp)
}

/// Adds `RateLimit-Limit` / `RateLimit-Remaining`, unless they are switched off (the
/// service may leave them out, NOTES (j)).
fn rate_headers(app: &App, h: &mut HeaderMap, d: Decision) {
    if !app.rate_limit_headers {
        return;
    }
    h.insert("ratelimit-limit", HeaderValue::from(d.limit));
    h.insert("ratelimit-remaining", HeaderValue::from(d.remaining));
}

impl ApiError {
    /// The error as a response; enveloped (HTTP 200) and/or pretty when asked. Every
    /// error carries `X-Error-Code: <errorCode>`, as the service's do (NOTES (j)).
    pub(crate) fn into_response(self, query: Option<&QueryOpts>) -> Resp {
        let body = self.body_value();
        let pretty = query.is_some_and(|q| q.pretty);
        let envelope = query.is_some_and(|q| q.envelope) && self.status != StatusCode::UNAUTHORIZED;
        let mut r = if envelope {
            let wrapped = serde_json::json!({ "status": self.status.as_u16(), "content": body });
            json(StatusCode::OK, to_json(&wrapped, pretty))
        } else {
            json(self.status, to_json(&body, pretty))
        };
        if let Ok(v) = HeaderValue::from_str(self.code.as_str()) {
            r.headers_mut().insert("x-error-code", v);
        }
        for (k, v) in self.headers {
            r.headers_mut().append(k, v);
        }
        r
    }
}

fn header_str(h: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Reads the body (capped), then runs the API pipeline.
async fn process(app: &App, req: Request<Incoming>, ip: IpAddr) -> Result<Resp, Reset> {
    let (parts, body) = req.into_parts();
    // Bounded in time as well as size: before auth, anyone can open a body and stall it.
    let collected = tokio::time::timeout(
        app.body_read_timeout,
        Limited::new(body, app.body_limit).collect(),
    )
    .await;
    let Ok(collected) = collected else {
        return Ok(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            ErrorCode::from("REQUEST_TIMEOUT"),
            "The request body did not arrive in time.",
        )
        .header(
            header::CONNECTION,
            header::HeaderValue::from_static("close"),
        )
        .into_response(None));
    };
    let body: Bytes = match collected {
        Ok(c) => c.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return Ok(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::from("REQUEST_TOO_LARGE"),
                format!("The request body is larger than {} bytes.", app.body_limit),
            )
            .into_response(None));
        }
        // The client went away mid-body: nobody to answer.
        Err(_) => return Err(Reset),
    };
    let path = parts.uri.path();
    if path == "/api/oauth/token" || path == "/api/oauth/revoke" {
        return Ok(auth::oauth::handle(app, &parts.method, path, &parts.headers, &body, ip).await);
    }
    let split = flavour_prefix::split(path, app.public_flavour);
    let ipinfo = path == IPINFO;
    if split.is_none() && !ipinfo {
        return Ok(not_found(path).into_response(None));
    }
    let route = split.and_then(|(flavour, _, rest)| Route::parse(rest, flavour));
    let scope = route.map(|r| r.scope()).unwrap_or((Scope::Org, ""));
    let query = QueryOpts::parse(parts.uri.query());
    let target = parts.uri.path_and_query().map_or(path, |pq| pq.as_str());

    let caller = match auth::authenticate(
        app,
        header_str(&parts.headers, header::AUTHORIZATION),
        parts.method.as_str(),
        target,
        ip,
    ) {
        Ok(c) => c,
        Err(AuthError::Challenge { stale, error }) => {
            app.stats.bump(Counter::Challenges);
            let mut r = error.into_response(query.as_ref().ok());
            for c in app.digest.challenges(stale) {
                if let Ok(v) = HeaderValue::from_str(&c) {
                    r.headers_mut().append(header::WWW_AUTHENTICATE, v);
                }
            }
            rate_headers(
                app,
                r.headers_mut(),
                app.limiter.check(scope.0, scope.1, false),
            );
            return Ok(r);
        }
        Err(AuthError::Other(e)) => {
            let mut r = e.into_response(query.as_ref().ok());
            rate_headers(
                app,
                r.headers_mut(),
                app.limiter.check(scope.0, scope.1, false),
            );
            return Ok(r);
        }
    };
    record_access_list_use(app, &caller).await;
    let Some((flavour, prefix, _)) = split else {
        return Ok(ip_info(&parts.method, ip));
    };

    let decision = app.limiter.check(scope.0, scope.1, route.is_some());
    let exchange = Exchange {
        app,
        method: &parts.method,
        headers: &parts.headers,
        path,
        flavour,
        prefix,
        route,
        caller: &caller,
        query: &query,
        body: &body,
        decision,
    };
    let mut r = match api(&exchange).await {
        Ok(r) => r,
        Err(e) => e.into_response(query.as_ref().ok()),
    };
    rate_headers(app, r.headers_mut(), decision);
    Ok(r)
}

/// The Atlas CLI's "what is my public address" endpoint (NOTES (j)).
const IPINFO: &str = atlas_keys_model::operations::CURRENT_IP_PATH;

/// `GET /api/private/ipinfo`: the address the request came from (an IPv4-mapped IPv6
/// peer is shown as IPv4).
fn ip_info(method: &Method, ip: IpAddr) -> Resp {
    if method != Method::GET {
        return ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::from("METHOD_NOT_ALLOWED"),
            format!("Method {method} is not allowed on {IPINFO}."),
        )
        .header(header::ALLOW, HeaderValue::from_static("GET"))
        .into_response(None);
    }
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    json(
        StatusCode::OK,
        to_json(
            &serde_json::json!({ "currentIpv4Address": ip.to_string() }),
            false,
        ),
    )
}

/// Counts an authenticated request against the access-list entry that admitted it
/// (`count`, `lastUsed`, `lastUsedAddress`), durably with `--state`. A failed write is
/// logged and the request still served: usage data is not worth refusing a call.
async fn record_access_list_use(app: &App, caller: &auth::Caller) {
    let (auth::Principal::Key(id), Some(address)) = (&caller.principal, caller.admitted_by) else {
        return;
    };
    let op = Op::UseAccessEntry {
        id: *id,
        address,
        when: crate::clock::now_rfc3339(),
        from: caller.ip.to_string(),
    };
    if let Err(e) = app.store.write(|tx| tx.apply(op)).await {
        tracing::warn!(error = %e, "could not record an access-list use");
    }
}

fn not_found(path: &str) -> ApiError {
    let shown: String = path.chars().take(200).collect();
    ApiError::not_found(
        ErrorCode::ResourceNotFound,
        format!("Cannot find resource {shown}."),
    )
    .param(shown)
}

/// One authenticated API request, as the pipeline after authentication sees it.
#[derive(Debug)]
struct Exchange<'a> {
    app: &'a App,
    method: &'a Method,
    headers: &'a HeaderMap,
    /// The request path (no query).
    path: &'a str,
    flavour: Flavour,
    prefix: &'static str,
    /// The matched table path, if any.
    route: Option<Route<'a>>,
    caller: &'a auth::Caller,
    /// The query options, or why they are invalid (reported after routing).
    query: &'a Result<QueryOpts, ApiError>,
    body: &'a [u8],
    /// The rate limiter's answer for this request.
    decision: Decision,
}

/// Rate limit, route, negotiate and dispatch one authenticated request.
async fn api(x: &Exchange<'_>) -> Result<Resp, ApiError> {
    let route = x.route.ok_or_else(|| not_found(x.path))?;
    if let Some(retry) = x.decision.retry_after {
        x.app.stats.bump(Counter::RateLimited);
        // The service names the full request path and points at the docs (NOTES (j)).
        let resource: String = x.path.chars().take(200).collect();
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimitedTokenBucket,
            format!(
                "Rate limit exceeded for {resource}. Please retry after {retry} seconds. Request capacity: {}. Refill rate: {} per 60 seconds. For more information, see: http://dochub.mongodb.org/core/atlas-api-rate-limit.",
                x.decision.limit, x.decision.refill_per_minute
            ),
        )
        .param(resource)
        .int_param(retry as i64)
        .int_param(i64::from(x.decision.limit))
        .int_param(i64::from(x.decision.refill_per_minute))
        .int_param(60)
        .header(header::RETRY_AFTER, HeaderValue::from(retry)));
    }
    let Some(row) = route.operation(x.method) else {
        let allow = route.allow_header();
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::from("METHOD_NOT_ALLOWED"),
            format!("Method {} is not allowed on {}.", x.method, x.path),
        )
        .header(
            header::ALLOW,
            HeaderValue::from_str(&allow).unwrap_or(HeaderValue::from_static("GET")),
        ));
    };
    let served = if x.flavour == Flavour::AtlasV2 {
        Some(version_negotiation::negotiate(header_str(
            x.headers,
            header::ACCEPT,
        ))?)
    } else {
        None
    };
    let query = x.query.as_ref().map_err(Clone::clone)?;
    if row.body != BodyShape::None {
        version_negotiation::check_content_type(
            header_str(x.headers, header::CONTENT_TYPE),
            x.body.is_empty(),
            x.flavour == Flavour::AtlasV2,
        )?;
    }
    let ids = PathIds::parse(&route.params, x.path)?;
    let ctx = Ctx {
        app: x.app,
        flavour: x.flavour,
        prefix: x.prefix,
        caller: x.caller,
        query,
        path: x.path,
        body: x.body,
    };
    let reply = routes::dispatch(&ctx, row, ids).await?;
    let (status, bytes) = reply.render(query.envelope, query.pretty);
    let media_type = served.map_or_else(|| "application/json".to_owned(), |v| v.media_type());
    // JSON names its charset; a body-less answer still names the media type (NOTES (j)).
    Ok(match bytes {
        Some(b) => crate::http_util::with_body(status, &format!("{media_type};charset=utf-8"), b),
        None => crate::http_util::with_body(status, &media_type, Vec::new()),
    })
}

/// `/__emulator/*`: stats and state summary, no auth, no faults, no latency.
fn emulator_endpoint(app: &App, method: &Method, rest: &str) -> Resp {
    if method != Method::GET {
        return json(
            StatusCode::METHOD_NOT_ALLOWED,
            br#"{"error":"use GET"}"#.to_vec(),
        );
    }
    match rest {
        "stats" => json(
            StatusCode::OK,
            to_json(&app.stats.snapshot(app.limiter.bucket_count()), false),
        ),
        "state/summary" => json(
            StatusCode::OK,
            to_json(&crate::summary::summarize(&app.store.read()), false),
        ),
        _ => not_found(rest).into_response(None),
    }
}
