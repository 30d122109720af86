//! Test helpers: an HTTP client, a digest client built on the independent `digest_auth`
//! crate, and shorthands for the emulator's default credentials.
#![allow(dead_code, unreachable_pub)]

use std::borrow::Cow;
use std::sync::Mutex;

use atlas_keys_emulator::{Emulator, EmulatorBuilder, EmulatorHandle, RateLimitConfig};
use bytes::Bytes;
use digest_auth::{AuthContext, HttpMethod, WwwAuthenticateHeader};
use http::{HeaderMap, Method, Request};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

pub const V2: &str = "/api/atlas/v2";
pub const V1: &str = "/api/atlas/v1.0";
pub const PUBLIC: &str = "/api/public/v1.0";
pub const ACCEPT_V2: &str = "application/vnd.atlas.2023-01-01+json";
/// The `Content-Type` of a v2 JSON answer: the media type with its charset.
pub const JSON_V2: &str = "application/vnd.atlas.2023-01-01+json;charset=utf-8";
/// The `Content-Type` of a v1.0 / Cloud Manager JSON answer, and of every error.
pub const JSON_V1: &str = "application/json;charset=utf-8";

/// A response, fully read.
#[derive(Debug)]
pub struct Res {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Res {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn code(&self) -> String {
        self.json()["errorCode"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            String::from_utf8_lossy(&self.body)
        );
        self
    }

    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) -> Value {
        self.expect(status);
        let v = self.json();
        assert_eq!(v["errorCode"], code, "body: {v}");
        assert_eq!(v["error"], status);
        assert!(
            v["detail"].is_string() && v["reason"].is_string() && v["parameters"].is_array(),
            "{v}"
        );
        v
    }
}

/// Credentials for a request.
#[derive(Debug, Clone)]
pub enum Auth {
    None,
    Digest { user: String, pass: String },
    Bearer(String),
}

/// One request.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: Method,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub auth: Auth,
}

impl Req {
    pub fn new(method: Method, path: impl Into<String>) -> Req {
        let path = path.into();
        let mut headers = Vec::new();
        if path.starts_with(V2) {
            headers.push(("accept".to_owned(), ACCEPT_V2.to_owned()));
        }
        Req {
            method,
            path,
            headers,
            body: None,
            auth: Auth::None,
        }
    }

    pub fn header(mut self, k: &str, v: &str) -> Req {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(k));
        self.headers.push((k.to_ascii_lowercase(), v.to_owned()));
        self
    }

    pub fn no_header(mut self, k: &str) -> Req {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(k));
        self
    }

    pub fn json(self, v: Value) -> Req {
        let ct = if self.path.starts_with(V2) {
            ACCEPT_V2
        } else {
            "application/json"
        };
        self.raw_body(serde_json::to_vec(&v).unwrap(), ct)
    }

    pub fn raw_body(mut self, body: impl Into<Vec<u8>>, content_type: &str) -> Req {
        self.body = Some(body.into());
        self.header("content-type", content_type)
    }

    pub fn digest(mut self, user: &str, pass: &str) -> Req {
        self.auth = Auth::Digest {
            user: user.to_owned(),
            pass: pass.to_owned(),
        };
        self
    }

    pub fn bearer(mut self, token: &str) -> Req {
        self.auth = Auth::Bearer(token.to_owned());
        self
    }
}

/// An emulator plus a client.
pub struct Env {
    pub emu: EmulatorHandle,
    pub client: Client<HttpConnector, Full<Bytes>>,
    /// The last digest challenge, reused with increasing nc like real clients.
    pub prompt: Mutex<Option<WwwAuthenticateHeader>>,
}

pub fn client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new()).build_http()
}

pub async fn start_with(b: EmulatorBuilder) -> Env {
    let emu = b.start().await.expect("emulator starts");
    Env {
        emu,
        client: client(),
        prompt: Mutex::new(None),
    }
}

/// An emulator without rate limits.
pub async fn start() -> Env {
    start_with(Emulator::builder().rate_limit(RateLimitConfig::Off)).await
}

/// Builds the `Authorization` header answering `prompt` for this request.
pub fn answer(
    prompt: &mut WwwAuthenticateHeader,
    user: &str,
    pass: &str,
    method: &Method,
    uri: &str,
) -> String {
    let ctx = AuthContext {
        username: Cow::Borrowed(user),
        password: Cow::Borrowed(pass),
        uri: Cow::Borrowed(uri),
        body: None,
        method: HttpMethod(Cow::Owned(method.as_str().to_owned())),
        cnonce: None,
    };
    prompt
        .respond(&ctx)
        .expect("digest answer")
        .to_header_string()
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.emu.base_url(), path)
    }

    /// Sends once, exactly as given (an `Authorization` header may be in `extra`).
    pub async fn send_raw(&self, req: &Req, authorization: Option<&str>) -> Result<Res, String> {
        send_raw(&self.client, self.emu.base_url(), req, authorization).await
    }

    /// Sends with the request's auth: digest answers a challenge (reusing the last one
    /// with the next nc first, like python-requests).
    pub async fn try_send(&self, req: Req) -> Result<Res, String> {
        send_via(&self.client, self.emu.base_url(), &self.prompt, req).await
    }

    pub async fn send(&self, req: Req) -> Res {
        self.try_send(req).await.expect("request")
    }

    /// As the default organization owner (digest).
    pub async fn owner(&self, req: Req) -> Res {
        let (u, p) = (
            self.emu.public_key().to_owned(),
            self.emu.private_key().to_owned(),
        );
        self.send(req.digest(&u, &p)).await
    }

    pub async fn get(&self, path: &str) -> Res {
        self.owner(Req::new(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Res {
        self.owner(Req::new(Method::POST, path).json(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Res {
        self.owner(Req::new(Method::PATCH, path).json(body)).await
    }

    pub async fn delete(&self, path: &str) -> Res {
        self.owner(Req::new(Method::DELETE, path)).await
    }

    /// Creates an org key as the owner; returns (id, publicKey, privateKey).
    pub async fn create_org_key(
        &self,
        prefix: &str,
        desc: &str,
        roles: &[&str],
    ) -> (String, String, String) {
        let r = self
            .post(
                &format!("{prefix}/orgs/{}/apiKeys", self.emu.org_id()),
                serde_json::json!({"desc": desc, "roles": roles}),
            )
            .await;
        r.expect(200);
        let v = r.json();
        (
            v["id"].as_str().unwrap().to_owned(),
            v["publicKey"].as_str().unwrap().to_owned(),
            v["privateKey"].as_str().unwrap().to_owned(),
        )
    }

    /// A bearer token for the default service account.
    pub async fn token(&self) -> String {
        let r = self
            .oauth(
                "/api/oauth/token",
                self.emu.client_id(),
                self.emu.client_secret(),
                "grant_type=client_credentials",
            )
            .await;
        r.expect(200);
        r.json()["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn oauth(&self, path: &str, id: &str, secret: &str, form: &str) -> Res {
        use base64::Engine as _;
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        let req = Req::new(Method::POST, path)
            .raw_body(
                form.as_bytes().to_vec(),
                "application/x-www-form-urlencoded",
            )
            .header("authorization", &format!("Basic {basic}"));
        self.send_raw(&req, None).await.unwrap()
    }

    pub async fn summary(&self) -> Value {
        self.send_raw(&Req::new(Method::GET, "/__emulator/state/summary"), None)
            .await
            .unwrap()
            .json()
    }

    pub async fn stats(&self) -> Value {
        self.send_raw(&Req::new(Method::GET, "/__emulator/stats"), None)
            .await
            .unwrap()
            .json()
    }
}

/// Sends once to `base`.
pub async fn send_raw(
    client: &Client<HttpConnector, Full<Bytes>>,
    base: &str,
    req: &Req,
    authorization: Option<&str>,
) -> Result<Res, String> {
    let mut b = Request::builder()
        .method(req.method.clone())
        .uri(format!("{base}{}", req.path));
    for (k, v) in &req.headers {
        b = b.header(k.as_str(), v.as_str());
    }
    if let Some(a) = authorization {
        b = b.header("authorization", a);
    }
    let body = Full::new(Bytes::from(req.body.clone().unwrap_or_default()));
    let resp = client
        .request(b.body(body).unwrap())
        .await
        .map_err(|e| format!("{e:?}"))?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("{e:?}"))?
        .to_bytes();
    Ok(Res {
        status,
        headers,
        body,
    })
}

/// Sends to `base` with the request's auth (see `Env::try_send`).
pub async fn send_via(
    client: &Client<HttpConnector, Full<Bytes>>,
    base: &str,
    prompt: &Mutex<Option<WwwAuthenticateHeader>>,
    req: Req,
) -> Result<Res, String> {
    match &req.auth {
        Auth::None => send_raw(client, base, &req, None).await,
        Auth::Bearer(t) => send_raw(client, base, &req, Some(&format!("Bearer {t}"))).await,
        Auth::Digest { user, pass } => {
            let cached = prompt.lock().unwrap().clone();
            if let Some(mut p) = cached {
                let h = answer(&mut p, user, pass, &req.method, &req.path);
                *prompt.lock().unwrap() = Some(p);
                let r = send_raw(client, base, &req, Some(&h)).await?;
                if r.status != 401 {
                    return Ok(r);
                }
            }
            let first = send_raw(client, base, &req, None).await?;
            if first.status != 401 {
                return Ok(first);
            }
            let challenge = first
                .header("www-authenticate")
                .expect("challenge")
                .to_owned();
            let mut p = digest_auth::parse(&challenge).expect("parse challenge");
            let h = answer(&mut p, user, pass, &req.method, &req.path);
            *prompt.lock().unwrap() = Some(p);
            send_raw(client, base, &req, Some(&h)).await
        }
    }
}
