//! Secret delivery: the one place a new key's private key goes, named by the user with
//! `--deliver file:PATH | exec:'COMMAND' | env -- COMMAND…`, or stdout with `--reveal`.
//!
//! # What is delivered
//!
//! Every target receives the same document, one line of JSON with a trailing newline:
//!
//! ```text
//! {"id":"5f1b…","publicKey":"abcdefgh","privateKey":"c815…"}
//! ```
//!
//! JSON rather than two bare lines because digest authentication needs both halves and a
//! later `rotate` or `delete` needs the id, and a self-describing document cannot be read in
//! the wrong order; every consumer worth naming reads it (`jq -r .privateKey`, `vault kv put
//! path @-`-style tools, `kubectl create secret generic --from-file=key.json=/dev/stdin`).
//! `env` is the exception: the child gets `MONGODB_ATLAS_PUBLIC_API_KEY` and
//! `MONGODB_ATLAS_PRIVATE_API_KEY`, the names the Atlas CLI and our CLI read.
//!
//! # Targets
//!
//! - `file:PATH`: a new file of mode 0600, written atomically (a temporary file in the same
//!   directory, fsynced, then renamed), refused if `PATH` exists unless overwriting was asked
//!   for; a symlink (or anything but a regular file) at `PATH` is refused even then.
//! - `exec:'COMMAND'`: COMMAND is split into an argv with POSIX shell quoting rules but run
//!   WITHOUT a shell (a pipeline is spelt `exec:'sh -c "…"'`); the document is written to its
//!   standard input, which is then closed; its standard output is discarded (a consumer that
//!   echoes its input, like `cat` or `tee`, would otherwise print the secret into a terminal
//!   or a CI log); a non-zero exit is a failed delivery reporting the status and the first
//!   lines of its standard error, control characters escaped and the secret cut out.
//! - `env`: runs the command given after `--` with the two variables added to its
//!   environment, standard streams inherited; the receipt carries its exit status, and what
//!   a non-zero status means is the caller's decision (for `ci-access` it is the command's
//!   own failure, not a delivery failure).
//! - stdout: the document on our standard output (the explicit `--reveal` path; it is not
//!   a `--deliver` value so that it cannot be chosen by accident).
//! - in process ([`Delivery::in_process`], [`Delivery::in_memory`]): the calling program's
//!   own code receives the [`DeliveredKey`] (to put it in its secret store, or to keep it in
//!   memory); an error it returns is a failed delivery like any other (the new key is deleted,
//!   the old one kept), its text sanitised like a command's standard error. Library only: no
//!   `--deliver` value names it.
//!
//! What this module must NOT do: put the secret in an argv, in the environment of an `exec`
//! child, in a `Debug`/`Display`, in an error or receipt, or in a log line; follow a symlink;
//! or leave a partly written secret file under the user's path.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use atlas_keys_model::{ApiKeyId, PrivateKey, PublicKey};
use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The variable that carries the public key to an `env` child.
pub const PUBLIC_KEY_VAR: &str = "MONGODB_ATLAS_PUBLIC_API_KEY";
/// The variable that carries the private key to an `env` child.
pub const PRIVATE_KEY_VAR: &str = "MONGODB_ATLAS_PRIVATE_API_KEY";

/// How many lines of a failed command's standard error an error keeps.
const STDERR_LINES: usize = 5;
/// How many characters of each such line it keeps.
const STDERR_LINE_CHARS: usize = 300;
/// How much of a failed command's standard error is read at all; the rest is drained.
const STDERR_READ_LIMIT: u64 = 64 * 1024;

/// A new key as delivered: its id, public key and private key.
///
/// `Debug` shows the id and the public key; the private key prints as `<redacted>` (its own
/// `Debug`). This crate reads the private key at one place only, where the document is built;
/// an in-process target reads it with [`DeliveredKey::private_key`] and an explicit
/// `expose_private_key()`.
///
/// ```
/// use atlas_keys::rotation::deliver::DeliveredKey;
/// use atlas_keys::model::{PrivateKey, PublicKey};
///
/// let key = DeliveredKey::new(
///     "5f1b2c3d4e5f6a7b8c9d0e1f".parse()?,
///     PublicKey::new("abcdefgh")?,
///     PrivateKey::new("c8150efd-c7a0-4afd-8c4f-01bdd56c8977".to_owned()),
/// );
/// assert!(!format!("{key:?}").contains("c8150efd"));
/// # Ok::<(), atlas_keys::model::ValidationError>(())
/// ```
#[derive(Clone, Debug)]
pub struct DeliveredKey {
    id: ApiKeyId,
    public_key: PublicKey,
    private_key: PrivateKey,
}

impl DeliveredKey {
    /// Wraps a key's three parts.
    pub fn new(id: ApiKeyId, public_key: PublicKey, private_key: PrivateKey) -> Self {
        Self {
            id,
            public_key,
            private_key,
        }
    }

    /// The key's id.
    pub fn id(&self) -> &ApiKeyId {
        &self.id
    }

    /// The key's public half.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// The key's private half, for an in-process target ([`Delivery::in_process`]). It stays
    /// wrapped: its `Debug` and `Serialize` show no secret; `expose_private_key()` reads it.
    pub fn private_key(&self) -> &PrivateKey {
        &self.private_key
    }

    /// The JSON document every target but `env` receives, in a buffer zeroed on drop.
    fn document(&self) -> SecretString {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Document<'a> {
            id: &'a ApiKeyId,
            public_key: &'a PublicKey,
            private_key: &'a str,
        }
        let mut text = serde_json::to_string(&Document {
            id: &self.id,
            public_key: &self.public_key,
            private_key: self.private_key.expose_private_key(),
        })
        // Serializing three strings cannot fail; an empty document would fail delivery
        // visibly (a consumer gets no key) rather than panic.
        .unwrap_or_default();
        text.push('\n');
        SecretString::from(text)
    }

    /// Replaces every occurrence of the private key in `text` (a child's stderr) by a marker.
    fn redact(&self, text: &str) -> String {
        let secret = self.private_key.expose_private_key();
        if secret.is_empty() {
            text.to_owned()
        } else {
            text.replace(secret, "<redacted>")
        }
    }
}

/// Where a new key's secret goes. Parse one from the CLI's `--deliver` value with
/// [`FromStr`]; [`Delivery::Stdout`] is built only by `--reveal`.
///
/// ```
/// use atlas_keys::rotation::deliver::Delivery;
///
/// let d: Delivery = "exec:vault kv put secret/atlas value=-".parse()?;
/// assert_eq!(d, Delivery::Exec { argv: vec!["vault".into(), "kv".into(), "put".into(),
///     "secret/atlas".into(), "value=-".into()] });
/// let f: Delivery = "file:/run/keys/atlas.json".parse()?;
/// assert_eq!(f.to_string(), "file:/run/keys/atlas.json");
/// let e = "exec:".parse::<Delivery>().unwrap_err();
/// assert_eq!(e.field(), "deliver");
/// # Ok::<(), atlas_keys::rotation::deliver::ParseDeliveryError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivery {
    /// A new file of mode 0600 at `path`, written atomically.
    File {
        /// Where the file goes.
        path: PathBuf,
        /// Replace an existing regular file (never a symlink) instead of refusing.
        overwrite: bool,
    },
    /// A command, run without a shell, that reads the document on its standard input.
    Exec {
        /// The program and its arguments.
        argv: Vec<String>,
    },
    /// A command that gets the key in two environment variables.
    Env {
        /// The variable for the public key (default [`PUBLIC_KEY_VAR`]).
        public_var: String,
        /// The variable for the private key (default [`PRIVATE_KEY_VAR`]).
        private_var: String,
        /// The program and its arguments (the CLI's words after `--`).
        argv: Vec<String>,
    },
    /// Our standard output (`--reveal`).
    Stdout,
    /// The calling program's own code ([`Delivery::in_process`], [`Delivery::in_memory`]).
    InProcess(InProcess),
}

/// The code an in-process delivery hands the key to; it answers why it could not keep it.
type Sink = dyn Fn(DeliveredKey) -> BoxFuture<'static, Result<(), String>> + Send + Sync;

/// An in-process delivery target: a name (what the journal and messages show) and the
/// caller's code that takes the key. Built by [`Delivery::in_process`].
///
/// Two targets are equal when they share the same code (clones of one target).
#[derive(Clone)]
pub struct InProcess {
    name: String,
    sink: Arc<Sink>,
}

impl InProcess {
    /// The name given to [`Delivery::in_process`].
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Debug for InProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InProcess")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl PartialEq for InProcess {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && Arc::ptr_eq(&self.sink, &other.sink)
    }
}

impl Eq for InProcess {}

/// Where [`Delivery::in_memory`] keeps the delivered key until the caller takes it.
///
/// Its `Debug` shows whether it holds a key (the key's own `Debug` hides the secret).
#[derive(Clone, Debug, Default)]
pub struct KeySlot(Arc<Mutex<Option<DeliveredKey>>>);

impl KeySlot {
    /// Takes the delivered key out (once); `None` before the delivery or after a take.
    pub fn take(&self) -> Option<DeliveredKey> {
        self.lock().take()
    }

    /// Whether a delivered key is waiting to be taken.
    pub fn is_filled(&self) -> bool {
        self.lock().is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<DeliveredKey>> {
        // A panic while holding the lock leaves an `Option`, still consistent.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Delivery {
    /// Delivery to the calling program's own code: `sink` receives the new key (read its
    /// secret with [`DeliveredKey::private_key`]) and returns `Ok` once the key is safe
    /// wherever it keeps secrets. An `Err` is a failed delivery: the rotation deletes the new
    /// key and keeps the old one; the error's text is shown sanitised (the secret cut out,
    /// control characters escaped, a few lines kept). `name` is what the journal records
    /// (`in-process:NAME`), so it should say where the key went, e.g. `vault`.
    ///
    /// A key delivered in process survives no crash of this process: a rotation interrupted
    /// before verification is resumed with [`crate::rotate::Rotations::secret`] or aborted.
    ///
    /// ```
    /// use atlas_keys::rotation::deliver::Delivery;
    ///
    /// let delivery = Delivery::in_process("my-store", |key| async move {
    ///     let _secret = key.private_key().expose_private_key();
    ///     // ... store it ...
    ///     Ok::<(), std::io::Error>(())
    /// });
    /// assert_eq!(delivery.summary(), "in-process:my-store");
    /// ```
    pub fn in_process<F, Fut, E>(name: impl Into<String>, sink: F) -> Self
    where
        F: Fn(DeliveredKey) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: fmt::Display,
    {
        let sink: Arc<Sink> = Arc::new(move |key| {
            let stored = sink(key);
            Box::pin(async move { stored.await.map_err(|e| e.to_string()) })
        });
        Self::InProcess(InProcess {
            name: name.into(),
            sink,
        })
    }

    /// Delivery into memory: the key waits in the returned [`KeySlot`] for the caller to
    /// take it after the rotation (or after its failure: a key whose copy step failed is
    /// kept, and its secret is in the slot). The in-process target named `memory`.
    ///
    /// ```
    /// use atlas_keys::rotation::deliver::Delivery;
    ///
    /// let (delivery, slot) = Delivery::in_memory();
    /// assert_eq!(delivery.summary(), "in-process:memory");
    /// assert!(slot.take().is_none(), "nothing delivered yet");
    /// ```
    pub fn in_memory() -> (Self, KeySlot) {
        let slot = KeySlot::default();
        let keep = slot.clone();
        let delivery = Self::in_process("memory", move |key| {
            *keep.lock() = Some(key);
            std::future::ready(Ok::<(), std::convert::Infallible>(()))
        });
        (delivery, slot)
    }

    /// `env` delivery to `argv` with the default variable names.
    pub fn env(argv: Vec<String>) -> Self {
        Self::Env {
            public_var: PUBLIC_KEY_VAR.to_owned(),
            private_var: PRIVATE_KEY_VAR.to_owned(),
            argv,
        }
    }

    /// Sets whether a `file:` delivery may replace an existing file (no effect otherwise).
    pub fn with_overwrite(mut self, allow: bool) -> Self {
        if let Self::File { overwrite, .. } = &mut self {
            *overwrite = allow;
        }
        self
    }

    /// Sets the command of an `env` delivery (the CLI's words after `--`; no effect on
    /// other targets).
    pub fn with_env_command(mut self, command: Vec<String>) -> Self {
        if let Self::Env { argv, .. } = &mut self {
            *argv = command;
        }
        self
    }

    /// What the journal records about the target: `file:PATH`, `exec:PROGRAM`,
    /// `env:PROGRAM` or `stdout`. The arguments are left out: a user may pass a token on a
    /// command line, and the journal is kept on disk.
    pub fn summary(&self) -> String {
        let program = |argv: &[String]| argv.first().cloned().unwrap_or_default();
        match self {
            Self::File { path, .. } => format!("file:{}", path.display()),
            Self::Exec { argv } => format!("exec:{}", program(argv)),
            Self::Env { argv, .. } => format!("env:{}", program(argv)),
            Self::Stdout => "stdout".to_owned(),
            Self::InProcess(target) => format!("in-process:{}", target.name),
        }
    }

    /// Delivers `key`. Returns what was done, with no secret in it, for the journal.
    ///
    /// `file:` and `exec:` fail with a [`DeliveryError`] unless the secret certainly reached
    /// the target; `env` succeeds once the child ran, whatever its exit status.
    pub async fn deliver(&self, key: &DeliveredKey) -> Result<DeliveryReceipt, DeliveryError> {
        // A redacted key (from a list or get, not the create) would "deliver" a useless value
        // that the user takes for the secret.
        if key.private_key.is_redacted() || key.private_key.expose_private_key().is_empty() {
            return Err(DeliveryError::NoSecret);
        }
        match self {
            Self::File { path, overwrite } => {
                let (path, overwrite, document) = (path.clone(), *overwrite, key.document());
                tokio::task::spawn_blocking(move || write_file(&path, overwrite, &document))
                    .await
                    .map_err(|e| DeliveryError::Io {
                        what: "the file-writing task",
                        source: io::Error::other(e.to_string()),
                    })?
            }
            Self::Exec { argv } => exec(argv, key).await,
            Self::Env {
                public_var,
                private_var,
                argv,
            } => env(argv, public_var, private_var, key).await,
            Self::Stdout => {
                use std::io::Write;
                let mut out = io::stdout().lock();
                out.write_all(key.document().expose_secret().as_bytes())
                    .and_then(|()| out.flush())
                    .map_err(|source| DeliveryError::Io {
                        what: "standard output",
                        source,
                    })?;
                Ok(DeliveryReceipt::Stdout)
            }
            Self::InProcess(target) => match (target.sink)(key.clone()).await {
                Ok(()) => Ok(DeliveryReceipt::InProcess {
                    name: target.name.clone(),
                }),
                Err(reason) => Err(DeliveryError::Rejected {
                    target: target.name.clone(),
                    reason: sanitise_stderr(reason.as_bytes(), key),
                }),
            },
        }
    }
}

/// The `--deliver` syntax back, for messages to the user; an `exec` command is shown
/// re-quoted. The journal records [`Delivery::summary`] instead.
impl fmt::Display for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |argv: &[String]| {
            shlex::try_join(argv.iter().map(String::as_str)).unwrap_or_else(|_| argv.join(" "))
        };
        match self {
            Self::File { path, .. } => write!(f, "file:{}", path.display()),
            Self::Exec { argv } => write!(f, "exec:{}", join(argv)),
            Self::Env { argv, .. } => write!(f, "env -- {}", join(argv)),
            Self::Stdout => f.write_str("stdout"),
            Self::InProcess(target) => write!(f, "in-process:{}", target.name),
        }
    }
}

impl FromStr for Delivery {
    type Err = ParseDeliveryError;

    /// Parses `file:PATH`, `exec:COMMAND` or `env`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |rule: &'static str| ParseDeliveryError {
            rule,
            value: s.to_owned(),
        };
        if s == "env" {
            return Ok(Self::env(Vec::new()));
        }
        if s == "stdout" || s == "reveal" {
            return Err(err(
                "stdout is not a delivery target: pass --reveal to print the secret",
            ));
        }
        match s.split_once(':') {
            Some(("file", "")) => Err(err("file: needs a path, as in file:PATH")),
            Some(("file", path)) => Ok(Self::File {
                path: PathBuf::from(path),
                overwrite: false,
            }),
            Some(("exec", command)) => match shlex::split(command) {
                None => Err(err(
                    "exec: has an unterminated quote or a trailing backslash",
                )),
                Some(argv) if argv.is_empty() => {
                    Err(err("exec: needs a command, as in exec:'COMMAND ARGS'"))
                }
                Some(argv) => Ok(Self::Exec { argv }),
            },
            Some(("env", _)) => Err(err(
                "env takes no value: the command follows `--`, as in --deliver env -- COMMAND",
            )),
            _ => Err(err("must be file:PATH, exec:'COMMAND' or env")),
        }
    }
}

/// A `--deliver` value that does not parse. It names the field, the rule and the value (the
/// value is a path or a command, never a secret).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid deliver: {rule}, got {value:?}")]
pub struct ParseDeliveryError {
    rule: &'static str,
    value: String,
}

impl ParseDeliveryError {
    /// Always `deliver`, the CLI option's name.
    pub fn field(&self) -> &str {
        "deliver"
    }

    /// The rule that was broken.
    pub fn rule(&self) -> &str {
        self.rule
    }

    /// The value as given.
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// How a child process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExitInfo {
    /// The exit code, when it exited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    /// The signal that ended it, when one did (Unix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
}

impl ExitInfo {
    /// True for exit code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    fn from_status(status: std::process::ExitStatus) -> Self {
        #[cfg(unix)]
        let signal = std::os::unix::process::ExitStatusExt::signal(&status);
        #[cfg(not(unix))]
        let signal = None;
        Self {
            code: status.code(),
            signal,
        }
    }
}

impl fmt::Display for ExitInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code, self.signal) {
            (Some(code), _) => write!(f, "exit code {code}"),
            (None, Some(signal)) => write!(f, "killed by signal {signal}"),
            (None, None) => f.write_str("unknown exit status"),
        }
    }
}

/// What a delivery did, with no secret in it: the journal's `Delivered` step holds one.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "target", rename_all = "camelCase")]
#[non_exhaustive]
pub enum DeliveryReceipt {
    /// The file was written.
    File {
        /// Its path.
        path: PathBuf,
        /// Whether an existing file was replaced.
        replaced: bool,
    },
    /// The command read its standard input and exited 0.
    Exec {
        /// The program (argv\[0\]; the arguments may be sensitive and are not recorded).
        program: String,
    },
    /// The command ran with the key in its environment.
    Env {
        /// The program (argv\[0\]).
        program: String,
        /// How it ended.
        exit: ExitInfo,
    },
    /// The document was written to standard output.
    Stdout,
    /// The in-process target took the key.
    InProcess {
        /// The target's name.
        name: String,
    },
}

/// Why a delivery failed. No variant holds the secret; a command's standard error is cut to
/// a few lines, control characters escaped and the secret replaced by `<redacted>`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryError {
    /// `file:` without overwrite, and the path exists.
    #[error("{} exists; refusing to overwrite it", path.display())]
    FileExists {
        /// The path.
        path: PathBuf,
    },
    /// The path is a symlink, a directory or another non-regular file.
    #[error("{} is not a regular file (symlinks are not followed)", path.display())]
    NotARegularFile {
        /// The path.
        path: PathBuf,
    },
    /// Reading or writing failed.
    #[error("delivery to {what} failed")]
    Io {
        /// What was being written.
        what: &'static str,
        /// The system error.
        #[source]
        source: io::Error,
    },
    /// The command could not be started.
    #[error("could not start {program:?}")]
    Spawn {
        /// argv\[0\].
        program: String,
        /// The system error.
        #[source]
        source: io::Error,
    },
    /// The command did not exit 0.
    #[error("{program:?} failed ({exit}){}", stderr_suffix(stderr))]
    CommandFailed {
        /// argv\[0\].
        program: String,
        /// How it ended.
        exit: ExitInfo,
        /// The first lines of its standard error, sanitised.
        stderr: String,
    },
    /// The in-process target returned an error.
    #[error("the in-process delivery {target:?} did not keep the key: {reason}")]
    Rejected {
        /// The target's name.
        target: String,
        /// Its error's text, sanitised like a command's standard error.
        reason: String,
    },
    /// The key holds no secret to deliver: its private key is empty or the redacted form the
    /// service shows after creation.
    #[error("the key's private key is redacted or empty: only a create response has it")]
    NoSecret,
    /// `exec`/`env` without a command.
    #[error("no command to deliver the key to")]
    MissingCommand,
    /// Not implemented on this platform.
    #[error("{0}")]
    Unsupported(&'static str),
}

fn stderr_suffix(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!(": {stderr}")
    }
}

#[cfg(unix)]
fn write_file(
    path: &Path,
    overwrite: bool,
    document: &SecretString,
) -> Result<DeliveryReceipt, DeliveryError> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    let io_err = |source| DeliveryError::Io {
        what: "the file",
        source,
    };
    let replaced = match std::fs::symlink_metadata(path) {
        Ok(meta) if !meta.file_type().is_file() => {
            return Err(DeliveryError::NotARegularFile {
                path: path.to_owned(),
            });
        }
        Ok(_) if !overwrite => {
            return Err(DeliveryError::FileExists {
                path: path.to_owned(),
            });
        }
        Ok(_) => true,
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(io_err(e)),
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    // The temporary file is created 0600 (O_EXCL, so never through a symlink) in the target's
    // directory, so the final rename is atomic and never crosses a file system.
    let mut temp = tempfile::Builder::new()
        .prefix(".atlas-keys-secret-")
        .permissions(std::fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(io_err)?;
    temp.write_all(document.expose_secret().as_bytes())
        .and_then(|()| temp.as_file().sync_all())
        .map_err(io_err)?;
    // rename(2) replaces a link at `path` rather than writing through it; without overwrite,
    // persist_noclobber (link + unlink) fails if anything appeared at `path` meanwhile.
    let persisted = if overwrite {
        temp.persist(path)
    } else {
        temp.persist_noclobber(path)
    };
    if let Err(e) = persisted {
        return Err(if e.error.kind() == io::ErrorKind::AlreadyExists {
            DeliveryError::FileExists {
                path: path.to_owned(),
            }
        } else {
            io_err(e.error)
        });
    }
    // The rename is durable only once the directory is.
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err)?;
    Ok(DeliveryReceipt::File {
        path: path.to_owned(),
        replaced,
    })
}

#[cfg(not(unix))]
fn write_file(
    _path: &Path,
    _overwrite: bool,
    _document: &SecretString,
) -> Result<DeliveryReceipt, DeliveryError> {
    Err(DeliveryError::Unsupported(
        "file: delivery needs Unix file modes (0600); use exec: or env",
    ))
}

async fn exec(argv: &[String], key: &DeliveredKey) -> Result<DeliveryReceipt, DeliveryError> {
    let Some((program, args)) = argv.split_first() else {
        return Err(DeliveryError::MissingCommand);
    };
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        // A cancelled delivery must not leave a process holding the secret.
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| DeliveryError::Spawn {
            program: program.clone(),
            source,
        })?;
    let document = key.document();
    let stdin = child.stdin.take();
    let write = async move {
        let Some(mut stdin) = stdin else {
            return Ok(());
        };
        // A consumer may exit without reading (or reading all of) its input; its exit status,
        // not our EPIPE, says whether it took the key.
        match stdin.write_all(document.expose_secret().as_bytes()).await {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e),
            _ => Ok(()),
        }
        // Dropping `stdin` here closes it: the consumer sees end of input.
    };
    let stderr = child.stderr.take();
    let read = async move {
        let mut kept = Vec::new();
        if let Some(mut stderr) = stderr {
            let mut head = (&mut stderr).take(STDERR_READ_LIMIT);
            head.read_to_end(&mut kept).await?;
            // Drain the rest so a chatty child never blocks on a full pipe.
            tokio::io::copy(&mut stderr, &mut tokio::io::sink()).await?;
        }
        Ok::<_, io::Error>(kept)
    };
    let (written, stderr) = futures::join!(write, read);
    let status = child.wait().await.map_err(|source| DeliveryError::Io {
        what: "the command",
        source,
    })?;
    let exit = ExitInfo::from_status(status);
    if !exit.success() {
        return Err(DeliveryError::CommandFailed {
            program: program.clone(),
            exit,
            stderr: sanitise_stderr(&stderr.unwrap_or_default(), key),
        });
    }
    written.map_err(|source| DeliveryError::Io {
        what: "the command's standard input",
        source,
    })?;
    Ok(DeliveryReceipt::Exec {
        program: program.clone(),
    })
}

async fn env(
    argv: &[String],
    public_var: &str,
    private_var: &str,
    key: &DeliveredKey,
) -> Result<DeliveryReceipt, DeliveryError> {
    let Some((program, args)) = argv.split_first() else {
        return Err(DeliveryError::MissingCommand);
    };
    let status = tokio::process::Command::new(program)
        .args(args)
        .env(public_var, key.public_key.as_str())
        .env(private_var, key.private_key.expose_private_key())
        .kill_on_drop(true)
        .status()
        .await
        .map_err(|source| DeliveryError::Spawn {
            program: program.clone(),
            source,
        })?;
    Ok(DeliveryReceipt::Env {
        program: program.clone(),
        exit: ExitInfo::from_status(status),
    })
}

/// The first lines of a child's stderr, fit for an error message: the secret cut out,
/// control characters (terminal escapes included) escaped, lines and length bounded.
fn sanitise_stderr(raw: &[u8], key: &DeliveredKey) -> String {
    let text = key.redact(&String::from_utf8_lossy(raw));
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .take(STDERR_LINES)
        .map(|line| {
            let mut out = String::new();
            for c in line.chars().take(STDERR_LINE_CHARS) {
                if c.is_control() {
                    out.extend(c.escape_default());
                } else {
                    out.push(c);
                }
            }
            out
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "c8150efd-c7a0-4afd-8c4f-01bdd56c8977";

    fn key() -> DeliveredKey {
        DeliveredKey::new(
            "5f1b2c3d4e5f6a7b8c9d0e1f".parse().unwrap(),
            PublicKey::new("abcdefgh").unwrap(),
            PrivateKey::new(SECRET.to_owned()),
        )
    }

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn parses_each_target_and_names_the_rule_on_error() {
        assert_eq!(
            "file:out/key.json".parse::<Delivery>().unwrap(),
            Delivery::File {
                path: "out/key.json".into(),
                overwrite: false
            }
        );
        assert_eq!(
            "exec:secret-tool store --label='Atlas key' service atlas"
                .parse::<Delivery>()
                .unwrap(),
            Delivery::Exec {
                argv: argv(&[
                    "secret-tool",
                    "store",
                    "--label=Atlas key",
                    "service",
                    "atlas"
                ])
            }
        );
        assert_eq!(
            "env".parse::<Delivery>().unwrap(),
            Delivery::env(Vec::new())
        );
        for (bad, rule_part) in [
            ("file:", "needs a path"),
            ("exec:", "needs a command"),
            ("exec:   ", "needs a command"),
            ("exec:echo 'x", "unterminated quote"),
            ("env:foo", "follows `--`"),
            ("stdout", "--reveal"),
            ("ftp:x", "must be file:PATH"),
            ("", "must be file:PATH"),
        ] {
            let err = bad.parse::<Delivery>().unwrap_err();
            assert_eq!(err.field(), "deliver");
            assert_eq!(err.value(), bad);
            assert!(err.rule().contains(rule_part), "{bad}: {}", err.rule());
            assert!(err.to_string().starts_with("invalid deliver: "));
        }
    }

    #[test]
    fn display_round_trips_through_parse() {
        for spec in ["file:/tmp/a b", "exec:vault kv put 'secret/a b' value=-"] {
            let d: Delivery = spec.parse().unwrap();
            assert_eq!(d.to_string().parse::<Delivery>().unwrap(), d);
        }
        assert_eq!(
            Delivery::env(argv(&["make", "deploy"])).to_string(),
            "env -- make deploy"
        );
        let with_token: Delivery = "exec:vault write -token=s.abc x".parse().unwrap();
        assert_eq!(with_token.summary(), "exec:vault");
        assert_eq!(
            Delivery::env(argv(&["make", "deploy"])).summary(),
            "env:make"
        );
    }

    #[test]
    fn no_debug_or_error_shows_the_secret() {
        let k = key();
        assert!(!format!("{k:?}").contains(SECRET));
        let err = DeliveryError::CommandFailed {
            program: "x".into(),
            exit: ExitInfo {
                code: Some(1),
                signal: None,
            },
            stderr: sanitise_stderr(format!("got {SECRET}\n").as_bytes(), &k),
        };
        assert!(!err.to_string().contains(SECRET));
        assert!(!format!("{err:?}").contains(SECRET));
        assert!(err.to_string().contains("<redacted>"));
    }

    #[test]
    fn sanitising_escapes_control_characters_and_bounds_the_text() {
        let raw = b"\x1b[31mred\x1b[0m\tand\rmore\n\n2\n3\n4\n5\n6\n7\n";
        let out = sanitise_stderr(raw, &key());
        assert!(!out.chars().any(char::is_control), "{out:?}");
        assert!(out.starts_with("\\u{1b}[31mred"), "{out:?}");
        assert_eq!(out.matches(" | ").count(), STDERR_LINES - 1);
        let long = "x".repeat(10_000);
        assert_eq!(
            sanitise_stderr(long.as_bytes(), &key()).len(),
            STDERR_LINE_CHARS
        );
    }

    #[tokio::test]
    async fn in_process_hands_over_the_key_and_its_error_is_sanitised() {
        let (delivery, slot) = Delivery::in_memory();
        assert_eq!(delivery, delivery.clone());
        assert_eq!(delivery.to_string(), "in-process:memory");
        assert!(!slot.is_filled());
        let receipt = delivery.deliver(&key()).await.unwrap();
        assert_eq!(
            receipt,
            DeliveryReceipt::InProcess {
                name: "memory".into()
            }
        );
        assert_eq!(
            serde_json::to_string(&receipt).unwrap(),
            r#"{"target":"inProcess","name":"memory"}"#
        );
        let kept = slot.take().expect("the key is in the slot");
        assert_eq!(kept.private_key().expose_private_key(), SECRET);
        assert!(slot.take().is_none(), "taken once");

        // A sink whose error quotes the secret: the error shows it cut out.
        let refusing = Delivery::in_process("vault", |key: DeliveredKey| async move {
            Err(format!(
                "\x1b[31mrefused\x1b[0m {}",
                key.private_key().expose_private_key()
            ))
        });
        assert_ne!(refusing, delivery);
        assert_eq!(refusing.summary(), "in-process:vault");
        let err = refusing.deliver(&key()).await.unwrap_err();
        let shown = format!("{err} {err:?} {refusing:?}");
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        assert!(!shown.chars().any(|c| c == '\x1b'), "{shown}");

        // A redacted key is refused before the sink sees it.
        let redacted = DeliveredKey::new(
            *key().id(),
            key().public_key().clone(),
            PrivateKey::new("********-****-****-01bdd56c8977".to_owned()),
        );
        let (delivery, slot) = Delivery::in_memory();
        assert!(matches!(
            delivery.deliver(&redacted).await,
            Err(DeliveryError::NoSecret)
        ));
        assert!(!slot.is_filled());
    }

    #[cfg(unix)]
    mod unix {
        use super::*;
        use std::os::unix::fs::PermissionsExt;

        fn document_of(text: &str) -> serde_json::Value {
            serde_json::from_str(text).unwrap()
        }

        #[tokio::test]
        async fn file_is_0600_json_and_not_overwritten_unless_asked() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("key.json");
            let d = Delivery::File {
                path: path.clone(),
                overwrite: false,
            };
            let receipt = d.deliver(&key()).await.unwrap();
            assert_eq!(
                receipt,
                DeliveryReceipt::File {
                    path: path.clone(),
                    replaced: false
                }
            );
            let meta = std::fs::metadata(&path).unwrap();
            assert_eq!(meta.permissions().mode() & 0o777, 0o600);
            let doc = document_of(&std::fs::read_to_string(&path).unwrap());
            assert_eq!(doc["privateKey"], SECRET);
            assert_eq!(doc["publicKey"], "abcdefgh");
            assert_eq!(doc["id"], "5f1b2c3d4e5f6a7b8c9d0e1f");

            let err = d.deliver(&key()).await.unwrap_err();
            assert!(matches!(err, DeliveryError::FileExists { .. }), "{err:?}");
            assert!(err.to_string().contains("refusing to overwrite"));

            let receipt = d
                .clone()
                .with_overwrite(true)
                .deliver(&key())
                .await
                .unwrap();
            assert!(matches!(
                receipt,
                DeliveryReceipt::File { replaced: true, .. }
            ));
            // No temporary file is left behind.
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        }

        #[tokio::test]
        async fn file_never_writes_through_a_symlink() {
            let dir = tempfile::tempdir().unwrap();
            let target = dir.path().join("elsewhere");
            std::fs::write(&target, "untouched").unwrap();
            let link = dir.path().join("key.json");
            std::os::unix::fs::symlink(&target, &link).unwrap();
            for overwrite in [false, true] {
                let err = Delivery::File {
                    path: link.clone(),
                    overwrite,
                }
                .deliver(&key())
                .await
                .unwrap_err();
                assert!(
                    matches!(err, DeliveryError::NotARegularFile { .. }),
                    "{err:?}"
                );
            }
            assert_eq!(std::fs::read_to_string(&target).unwrap(), "untouched");
            // A dangling link counts too.
            let dangling = dir.path().join("dangling");
            std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
            assert!(
                Delivery::File {
                    path: dangling,
                    overwrite: false
                }
                .deliver(&key())
                .await
                .is_err()
            );
            assert!(!dir.path().join("nowhere").exists());
        }

        #[tokio::test]
        async fn exec_gets_the_document_on_stdin_only() {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("got");
            let seen_env = dir.path().join("env");
            // The consumer writes its stdin, argv and environment where the test can look.
            let script = format!(
                "cat > '{}'; env > '{}'; echo \"$0 $*\" >> '{}'",
                out.display(),
                seen_env.display(),
                seen_env.display()
            );
            let d = Delivery::Exec {
                argv: argv(&["sh", "-c", &script]),
            };
            let receipt = d.deliver(&key()).await.unwrap();
            assert_eq!(
                receipt,
                DeliveryReceipt::Exec {
                    program: "sh".into()
                }
            );
            let doc = document_of(&std::fs::read_to_string(&out).unwrap());
            assert_eq!(doc["privateKey"], SECRET);
            let env = std::fs::read_to_string(&seen_env).unwrap();
            assert!(!env.contains(SECRET));
        }

        #[tokio::test]
        async fn exec_failure_reports_status_and_sanitised_stderr_without_the_secret() {
            // A hostile consumer echoes its input and a terminal escape to stderr, then fails.
            let d = Delivery::Exec {
                argv: argv(&["sh", "-c", "printf '\\033]0;x\\007' >&2; cat >&2; exit 3"]),
            };
            let err = d.deliver(&key()).await.unwrap_err();
            let DeliveryError::CommandFailed {
                ref program,
                exit,
                ref stderr,
            } = err
            else {
                panic!("expected CommandFailed, got {err:?}");
            };
            assert_eq!(program, "sh");
            assert_eq!(exit.code, Some(3));
            assert!(!stderr.contains(SECRET), "{stderr}");
            assert!(stderr.contains("<redacted>"), "{stderr}");
            assert!(!stderr.chars().any(char::is_control), "{stderr:?}");
            assert!(err.to_string().contains("exit code 3"));
        }

        #[tokio::test]
        async fn exec_that_does_not_read_its_input_is_judged_by_its_status() {
            let ok = Delivery::Exec {
                argv: argv(&["true"]),
            };
            assert!(ok.deliver(&key()).await.is_ok());
            let fail = Delivery::Exec {
                argv: argv(&["false"]),
            };
            assert!(matches!(
                fail.deliver(&key()).await,
                Err(DeliveryError::CommandFailed { .. })
            ));
        }

        #[tokio::test]
        async fn a_redacted_key_is_not_delivered() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("key.json");
            let redacted = DeliveredKey::new(
                *key().id(),
                key().public_key().clone(),
                PrivateKey::new(SECRET.to_owned()).redacted(),
            );
            let d = Delivery::File {
                path: path.clone(),
                overwrite: false,
            };
            assert!(matches!(
                d.deliver(&redacted).await,
                Err(DeliveryError::NoSecret)
            ));
            assert!(!path.exists());
        }

        #[tokio::test]
        async fn exec_of_a_missing_program_is_a_spawn_error() {
            let d = Delivery::Exec {
                argv: argv(&["/nonexistent/atlas-keys-consumer"]),
            };
            assert!(matches!(
                d.deliver(&key()).await,
                Err(DeliveryError::Spawn { .. })
            ));
            assert!(matches!(
                Delivery::Exec { argv: Vec::new() }.deliver(&key()).await,
                Err(DeliveryError::MissingCommand)
            ));
            assert!(matches!(
                Delivery::env(Vec::new()).deliver(&key()).await,
                Err(DeliveryError::MissingCommand)
            ));
        }

        #[tokio::test]
        async fn env_child_gets_both_variables_and_its_status_is_returned() {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("got");
            let script = format!(
                "printf '%s %s' \"${PUBLIC_KEY_VAR}\" \"${PRIVATE_KEY_VAR}\" > '{}'; exit 7",
                out.display()
            );
            let receipt = Delivery::env(argv(&["sh", "-c", &script]))
                .deliver(&key())
                .await
                .unwrap();
            assert_eq!(
                receipt,
                DeliveryReceipt::Env {
                    program: "sh".into(),
                    exit: ExitInfo {
                        code: Some(7),
                        signal: None
                    }
                }
            );
            assert_eq!(
                std::fs::read_to_string(&out).unwrap(),
                format!("abcdefgh {SECRET}")
            );
        }

        #[test]
        fn receipts_serialize_without_the_secret() {
            let receipt = DeliveryReceipt::Env {
                program: "make".into(),
                exit: ExitInfo {
                    code: Some(0),
                    signal: None,
                },
            };
            let json = serde_json::to_string(&receipt).unwrap();
            assert_eq!(
                json,
                r#"{"target":"env","program":"make","exit":{"code":0}}"#
            );
            assert_eq!(
                serde_json::from_str::<DeliveryReceipt>(&json).unwrap(),
                receipt
            );
        }
    }
}
