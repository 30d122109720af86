//! [`ScriptedTransport`]: records every request and answers from a FIFO script.
//!
//! What it is for: deterministic tests of request building and response handling. What it must
//! NOT do: panic when the script runs out (it returns an error instead).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use bytes::Bytes;
use http::{Request, Response, StatusCode};

use crate::{Error, ErrorKind, Transport, clone_request};

#[derive(Debug, Default)]
struct Script {
    responses: VecDeque<Result<Response<Bytes>, Error>>,
    requests: Vec<Request<Bytes>>,
}

/// An in-memory [`Transport`]: each `send` records the request and pops the next scripted
/// answer. Clones share the script and the record.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use atlas_keys_transport::{Transport, test_util::ScriptedTransport};
///
/// let t = ScriptedTransport::new();
/// t.push_json(200, r#"{"ok":true}"#);
/// let response = t
///     .send(http::Request::get("http://x/a").body(bytes::Bytes::new()).unwrap())
///     .await
///     .unwrap();
/// assert_eq!(response.status(), 200);
/// assert_eq!(t.requests()[0].uri().path(), "/a");
/// # }
/// ```
#[derive(Debug, Default, Clone)]
pub struct ScriptedTransport {
    script: Arc<Mutex<Script>>,
}

impl ScriptedTransport {
    /// An empty script.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Script> {
        self.script.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a response.
    pub fn push_response(&self, response: Response<Bytes>) {
        self.lock().responses.push_back(Ok(response));
    }

    /// Queues a response with `status` and a JSON body.
    pub fn push_json(&self, status: u16, body: &str) {
        let mut response = Response::new(Bytes::copy_from_slice(body.as_bytes()));
        *response.status_mut() =
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        self.push_response(response);
    }

    /// Queues an error.
    pub fn push_error(&self, error: Error) {
        self.lock().responses.push_back(Err(error));
    }

    /// Copies of every request received so far, in order.
    pub fn requests(&self) -> Vec<Request<Bytes>> {
        self.lock().requests.iter().map(clone_request).collect()
    }

    /// How many scripted answers are left.
    pub fn remaining(&self) -> usize {
        self.lock().responses.len()
    }
}

#[async_trait]
impl Transport for ScriptedTransport {
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
        let mut script = self.lock();
        script.requests.push(request);
        script.responses.pop_front().unwrap_or_else(|| {
            Err(Error::new(
                ErrorKind::Request,
                "ScriptedTransport: no scripted response left",
                false,
            ))
        })
    }
}
