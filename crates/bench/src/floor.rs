//! The floor: a bare hyper client (hyper-util's pooled legacy client over plain HTTP/1.1 on
//! loopback) that sends precomputed, already-authorized requests. It is the fastest any Rust
//! client on this stack can go, so the SDK's throughput is reported as a fraction of it.
//!
//! It also does the harness's own plumbing, all outside any timed section: reading
//! `/__emulator/stats` and fetching the bearer token the floor sends.
//!
//! What it must NOT do: parse response bodies on the timed path (the floor checks the status
//! and drains the body, nothing more), or use anything of ours but the model's ids.

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, StatusCode, Uri, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use crate::BoxError;
use crate::target::{ACCEPT_V2, Target};

/// A pooled hyper client for plain HTTP on loopback.
#[derive(Clone, Debug)]
pub(crate) struct Floor {
    client: Client<HttpConnector, Full<Bytes>>,
}

/// A request prepared once and copied for every call: the copy is a URI and a header map,
/// which is all a client must do per call at minimum.
#[derive(Clone, Debug)]
pub(crate) struct Prepared {
    uri: Uri,
    headers: http::HeaderMap,
}

impl Floor {
    /// `max_idle` idle connections are kept per host: with at least as many as requests in
    /// flight, every call reuses a keep-alive connection.
    pub(crate) fn new(max_idle: usize) -> Floor {
        let mut http = HttpConnector::new();
        // The same socket options as the SDK's hyper backend.
        http.set_nodelay(true);
        http.set_keepalive(Some(std::time::Duration::from_secs(60)));
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(max_idle)
            .build(http);
        Floor { client }
    }

    /// Sends one request and returns its status and whole body.
    pub(crate) async fn send(
        &self,
        request: Request<Full<Bytes>>,
    ) -> Result<(StatusCode, Bytes), BoxError> {
        let response = self.client.request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }

    /// One precomputed call: copy, send, check 200, drain.
    pub(crate) async fn call(&self, prepared: &Prepared) -> Result<(), BoxError> {
        let (status, _body) = self.send(prepared.request(Full::new(Bytes::new()))).await?;
        if status != StatusCode::OK {
            return Err(format!("floor GET answered {status}").into());
        }
        Ok(())
    }

    /// The emulator's counters (`GET /__emulator/stats`, which it does not count itself).
    pub(crate) async fn stats(&self, target: &Target) -> Result<Value, BoxError> {
        let uri: Uri = format!("{}/__emulator/stats", target.base_url).parse()?;
        let request = Request::get(uri).body(Full::new(Bytes::new()))?;
        let (status, body) = self.send(request).await?;
        if status != StatusCode::OK {
            return Err(format!("GET /__emulator/stats answered {status}").into());
        }
        Ok(serde_json::from_slice(&body)?)
    }

    /// An OAuth access token for the target's service account (client credentials grant).
    pub(crate) async fn token(&self, target: &Target) -> Result<String, BoxError> {
        let uri: Uri = format!("{}/api/oauth/token", target.base_url).parse()?;
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", target.client_id, target.client_secret));
        let request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Basic {basic}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(Full::new(Bytes::from_static(
                b"grant_type=client_credentials",
            )))?;
        let (status, body) = self.send(request).await?;
        if status != StatusCode::OK {
            return Err(format!("the token endpoint answered {status}").into());
        }
        let json: Value = serde_json::from_slice(&body)?;
        json.get("access_token")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| "the token response has no access_token".into())
    }
}

impl Prepared {
    /// The per-call copy: a GET with the prepared URI and headers around `body`.
    pub(crate) fn request<B>(&self, body: B) -> Request<B> {
        let mut request = Request::new(body);
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        request
    }

    /// A GET of `url` with `Accept` (v2) and an already-computed `Authorization` value.
    pub(crate) fn get(url: &str, authorization: &str) -> Result<Prepared, BoxError> {
        let mut headers = http::HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(ACCEPT_V2));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(authorization)?);
        headers.insert(header::USER_AGENT, HeaderValue::from_static("floor/0"));
        Ok(Prepared {
            uri: url.parse()?,
            headers,
        })
    }
}
