//! `EmulatorHandle`: the running server's address, default credentials and counters;
//! dropping it stops the server.
//!
//! This module must NOT print or log secrets; `startup_line()` returns them to the
//! caller, who decides where they go (the binary prints them to stdout by design).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::seed::Defaults;
use crate::stats::Stats;

/// A running emulator. Dropping it stops the server (connections are closed).
#[derive(Debug)]
pub struct EmulatorHandle {
    pub(crate) app: Arc<App>,
    pub(crate) local_addr: SocketAddr,
    pub(crate) defaults: Defaults,
    pub(crate) ca_pem: Option<String>,
    pub(crate) shutdown: watch::Sender<bool>,
    pub(crate) task: Option<JoinHandle<()>>,
}

impl EmulatorHandle {
    /// `http://127.0.0.1:PORT` (or `https://…` with TLS), without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.app.base_url
    }

    /// The bound socket address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The default organization's id.
    pub fn org_id(&self) -> &str {
        self.defaults.org_id.as_str()
    }

    /// The default project's id.
    pub fn project_id(&self) -> &str {
        self.defaults.project_id.as_str()
    }

    /// The public key (digest username) of the default organization-owner key.
    pub fn public_key(&self) -> &str {
        self.defaults.public_key.as_str()
    }

    /// The private key (digest password) of the default organization-owner key.
    pub fn private_key(&self) -> &str {
        &self.defaults.private_key
    }

    /// The client id of the default organization-owner service account.
    pub fn client_id(&self) -> &str {
        &self.defaults.client_id
    }

    /// The client secret of the default organization-owner service account.
    pub fn client_secret(&self) -> &str {
        &self.defaults.client_secret
    }

    /// The CA certificate (PEM) to trust, when serving TLS.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// A snapshot of the request counters (same as `GET /__emulator/stats`).
    pub fn stats(&self) -> Stats {
        self.app.stats.snapshot(self.app.limiter.bucket_count())
    }

    /// The one-line JSON the binary prints on start: `baseUrl`, `orgId`, `projectId`,
    /// `publicKey`, `privateKey`, `clientId`, `clientSecret`.
    pub fn startup_line(&self) -> String {
        serde_json::json!({
            "baseUrl": self.base_url(),
            "orgId": self.org_id(),
            "projectId": self.project_id(),
            "publicKey": self.public_key(),
            "privateKey": self.private_key(),
            "clientId": self.client_id(),
            "clientSecret": self.client_secret(),
        })
        .to_string()
    }

    /// Stops accepting, closes connections, waits for the accept loop to end and closes
    /// the state file (its lock is released when this returns, so another emulator may
    /// open it at once).
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.app.store.close().await;
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
        self.app.store.try_close();
    }
}
