//! Tracing for the wire: one span per request sent by a backend, with method, path, attempt,
//! status and duration.
//!
//! What it is for: observability that is safe to leave on at TRACE. What it must NOT do: record
//! a header, a body, a query string (its values may be secrets) or a host's user info.

use std::time::Instant;

use bytes::Bytes;
use http::{Request, Response};
use tracing::Span;
use tracing::field::Empty;

use crate::Error;
use crate::retry::Attempt;

/// Sends `request` through `exchange` inside its request span, timed, with its outcome
/// recorded. When no subscriber wants the span or the outcome event, the exchange runs bare:
/// the clock and the instrumented polls cost ~700 instructions a call for nothing.
pub(crate) async fn traced<F>(
    request: Request<Bytes>,
    backend: &'static str,
    exchange: impl FnOnce(Request<Bytes>) -> F,
) -> Result<Response<Bytes>, Error>
where
    F: std::future::Future<Output = Result<Response<Bytes>, Error>>,
{
    use tracing::Instrument as _;
    let span = request_span(&request, backend);
    if span.is_disabled() && !tracing::enabled!(tracing::Level::DEBUG) {
        return exchange(request).await;
    }
    let started = Instant::now();
    let result = exchange(request).instrument(span.clone()).await;
    record_outcome(&span, started, &result);
    result
}

/// Opens the span for one request on the wire. Only the path is recorded, never the query.
fn request_span(request: &Request<Bytes>, backend: &'static str) -> Span {
    let attempt = request.extensions().get::<Attempt>().map_or(1, |a| a.0);
    tracing::debug_span!(
        "http_request",
        backend,
        method = %request.method(),
        path = %request.uri().path(),
        attempt,
        status = Empty,
        duration_ms = Empty,
    )
}

/// Records the outcome of the request on its span and emits one DEBUG event.
fn record_outcome(span: &Span, started: Instant, result: &Result<Response<Bytes>, Error>) {
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    span.record("duration_ms", elapsed);
    match result {
        Ok(response) => {
            span.record("status", response.status().as_u16());
            tracing::debug!(parent: span, status = response.status().as_u16(), duration_ms = elapsed, "response");
        }
        Err(e) => {
            tracing::debug!(parent: span, error = %e, duration_ms = elapsed, "request failed");
        }
    }
}
