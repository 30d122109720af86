//! The test harness: an emulator in this process, and `atlas-keys` commands aimed at it.
//!
//! It must NOT let the developer's own MONGODB_ATLAS_* variables or RUST_LOG reach the
//! binary: every command starts from a scrubbed environment.

use std::process::Output;

use assert_cmd::Command;
use atlas_keys_emulator::{Emulator, EmulatorBuilder, EmulatorHandle, RateLimitConfig, Stats};
use serde_json::Value;

/// A running emulator and a private token-cache directory.
pub(crate) struct Emu {
    runtime: tokio::runtime::Runtime,
    handle: Option<EmulatorHandle>,
    pub(crate) cache: tempfile::TempDir,
}

impl Emu {
    pub(crate) fn start() -> Self {
        Self::start_with(|b| b)
    }

    pub(crate) fn start_with(configure: impl FnOnce(EmulatorBuilder) -> EmulatorBuilder) -> Self {
        // The server needs its own threads: the test thread blocks on the child process.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let builder = configure(Emulator::builder().rate_limit(RateLimitConfig::Off));
        let handle = runtime.block_on(builder.start()).expect("emulator starts");
        Self {
            runtime,
            handle: Some(handle),
            cache: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn handle(&self) -> &EmulatorHandle {
        self.handle.as_ref().expect("running")
    }

    pub(crate) fn org(&self) -> &str {
        self.handle().org_id()
    }

    pub(crate) fn project(&self) -> &str {
        self.handle().project_id()
    }

    pub(crate) fn private_key(&self) -> &str {
        self.handle().private_key()
    }

    pub(crate) fn client_secret(&self) -> &str {
        self.handle().client_secret()
    }

    pub(crate) fn stats(&self) -> Stats {
        self.handle().stats()
    }

    /// `atlas-keys` with no credentials and no server configured.
    pub(crate) fn bare(&self) -> Command {
        let mut cmd = Command::cargo_bin("atlas-keys").expect("binary built");
        for (name, _) in std::env::vars_os() {
            let name_text = name.to_string_lossy();
            if name_text.starts_with("MONGODB_ATLAS_")
                || name_text.starts_with("ATLAS_KEYS_")
                || name_text.starts_with("MCLI_")
            {
                cmd.env_remove(&name);
            }
        }
        // The developer's own Atlas CLI profiles stay out too: an empty config directory.
        cmd.env_remove("RUST_LOG")
            .env("ATLAS_KEYS_CACHE_DIR", self.cache.path())
            .env("XDG_CONFIG_HOME", self.cache.path().join("config"));
        cmd
    }

    /// `atlas-keys` with the emulator's URL and its owner API key (HTTP Digest).
    pub(crate) fn cli(&self) -> Command {
        let handle = self.handle();
        let mut cmd = self.bare();
        cmd.env("MONGODB_ATLAS_BASE_URL", handle.base_url())
            .env("MONGODB_ATLAS_PUBLIC_API_KEY", handle.public_key())
            .env("MONGODB_ATLAS_PRIVATE_API_KEY", handle.private_key());
        cmd
    }

    /// `atlas-keys` with the emulator's URL and its service account (OAuth).
    pub(crate) fn cli_service_account(&self) -> Command {
        let handle = self.handle();
        let mut cmd = self.bare();
        cmd.env("MONGODB_ATLAS_BASE_URL", handle.base_url())
            .env("MONGODB_ATLAS_CLIENT_ID", handle.client_id())
            .env("MONGODB_ATLAS_CLIENT_SECRET", handle.client_secret());
        cmd
    }

    /// `cli()` as a std `Command`, for tests that wire the child's pipes themselves.
    pub(crate) fn std_cli(&self) -> std::process::Command {
        let handle = self.handle();
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("atlas-keys"));
        for (name, _) in std::env::vars_os() {
            let name_text = name.to_string_lossy();
            if name_text.starts_with("MONGODB_ATLAS_")
                || name_text.starts_with("ATLAS_KEYS_")
                || name_text.starts_with("MCLI_")
            {
                cmd.env_remove(&name);
            }
        }
        cmd.env_remove("RUST_LOG")
            .env("ATLAS_KEYS_CACHE_DIR", self.cache.path())
            .env("XDG_CONFIG_HOME", self.cache.path().join("config"))
            .env("MONGODB_ATLAS_BASE_URL", handle.base_url())
            .env("MONGODB_ATLAS_PUBLIC_API_KEY", handle.public_key())
            .env("MONGODB_ATLAS_PRIVATE_API_KEY", handle.private_key());
        cmd
    }

    /// The emulator's base URL.
    pub(crate) fn base_url(&self) -> String {
        self.handle().base_url().to_string()
    }

    /// The emulator's owner API key: (public, private).
    pub(crate) fn api_key(&self) -> (String, String) {
        let h = self.handle();
        (h.public_key().to_string(), h.private_key().to_string())
    }

    /// Runs `args` and insists on exit status 0.
    pub(crate) fn ok(&self, args: &[&str]) -> Output {
        let output = self.cli().args(args).output().expect("runs");
        assert_status(&output, 0, args);
        output
    }

    /// Runs `args` with `-o json`, insists on success, and parses stdout.
    pub(crate) fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        let output = self.ok(&all);
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?}: stdout is not JSON ({e}): {}",
                text(&output.stdout)
            )
        })
    }

    /// Runs `args` and insists on exit status `code`.
    pub(crate) fn fails(&self, args: &[&str], code: i32) -> Output {
        let output = self.cli().args(args).output().expect("runs");
        assert_status(&output, code, args);
        output
    }

    /// Creates an organization key with `ORG_MEMBER`; returns its id and private key.
    pub(crate) fn create_org_key(&self, desc: &str) -> (String, String) {
        let key = self.json(&[
            "organizations",
            "apiKeys",
            "create",
            "--orgId",
            self.org(),
            "--desc",
            desc,
            "--role",
            "ORG_MEMBER",
        ]);
        (str_field(&key, "id"), str_field(&key, "privateKey"))
    }
}

impl Drop for Emu {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.runtime.block_on(handle.shutdown());
        }
    }
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub(crate) fn assert_status(output: &Output, code: i32, args: &[&str]) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "atlas-keys {args:?}\n--- stdout ---\n{}--- stderr ---\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

pub(crate) fn str_field(value: &Value, name: &str) -> String {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("no string `{name}` in {value}"))
        .to_owned()
}

/// The ids of a JSON list (`{"results": [{"id": …}, …]}`).
pub(crate) fn ids(list: &Value) -> Vec<String> {
    list["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|k| str_field(k, "id"))
        .collect()
}

/// How often `needle` occurs in stdout and stderr together.
pub(crate) fn occurrences(output: &Output, needle: &str) -> usize {
    text(&output.stdout).matches(needle).count() + text(&output.stderr).matches(needle).count()
}
