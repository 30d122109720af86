//! Reading the secrets the Atlas CLI keeps in the OS keyring for a profile.
//!
//! The Atlas CLI (atlas-cli-core `config/secure/go_keyring.go`, zalando/go-keyring) stores
//! each secure property as one item: service `atlascli_<profile>`, user = the property name
//! (`public_api_key`, `private_api_key`, `client_id`, `client_secret`), password = the
//! value. On Linux that is a Secret Service item with attributes `service` and `username`
//! in the login collection; on macOS a generic Keychain password (service, account); on
//! Windows a generic credential whose target name is `<service>:<user>` and whose blob is
//! the UTF-8 value (go-keyring `keyring_windows.go`), which is why Windows entries are
//! built with an explicit `target` and read as bytes.
//!
//! What it must NOT do: fail a command because the keyring is absent, locked or slow (that
//! is a [`KeyringStatus::Unavailable`] which the caller reports at debug level and in the
//! no-credentials message), write or delete anything, or let a keyring error that carries
//! the secret's bytes (`keyring_core::Error::BadEncoding`) reach a message or a log.

use std::sync::mpsc;
use std::time::Duration;

use secrecy::SecretString;

/// What happened when the keyring was (or was not) asked, for `auth whoami` and errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyringStatus {
    /// Not asked, and why (e.g. the variables already hold credentials).
    NotConsulted(&'static str),
    /// Asked; these properties were found (possibly none).
    Consulted {
        /// The keyring service asked.
        service: String,
        /// The properties found there.
        found: Vec<&'static str>,
    },
    /// The keyring could not be used; the reason never holds a secret.
    Unavailable(String),
}

/// A store of profile secrets: the OS keyring, or a fake in tests.
pub(crate) trait SecretStore {
    /// Whether to ask this store at all; [`NoKeyring`] says no.
    fn enabled(&self) -> bool {
        true
    }

    /// The values of `users` under `service` that exist. `Err` (a reason in words) when
    /// the store cannot be used at all.
    fn lookup(
        &self,
        service: &str,
        users: &[&'static str],
    ) -> Result<Vec<(&'static str, SecretString)>, String>;
}

/// Never asks anything: for commands that need no credentials, and for tests.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NoKeyring;

impl SecretStore for NoKeyring {
    fn enabled(&self) -> bool {
        false
    }

    fn lookup(
        &self,
        _service: &str,
        _users: &[&'static str],
    ) -> Result<Vec<(&'static str, SecretString)>, String> {
        Err("not used by this command".to_owned())
    }
}

/// The OS keyring through the `keyring` crate (Secret Service over zbus on Linux).
#[derive(Debug, Clone, Copy)]
pub(crate) struct OsKeyring {
    timeout: Duration,
}

/// How long to wait for the keyring. A locked Secret Service may show an unlock prompt
/// that nobody answers on a headless machine; past this the CLI goes on without it. Long
/// enough for a person to type a password into a desktop prompt.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

impl Default for OsKeyring {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl SecretStore for OsKeyring {
    fn lookup(
        &self,
        service: &str,
        users: &[&'static str],
    ) -> Result<Vec<(&'static str, SecretString)>, String> {
        // On a thread of its own: the zbus blocking API runs its own executor and must not
        // be driven from inside a tokio runtime (keyring-rs issue #132), and a lookup stuck
        // on an unlock prompt must not hang the command. A timed-out thread is left behind;
        // the process ends soon after.
        let (tx, rx) = mpsc::channel();
        let service = service.to_owned();
        let users = users.to_vec();
        std::thread::Builder::new()
            .name("keyring".to_owned())
            .spawn(move || {
                let _ = tx.send(lookup_blocking(&service, &users));
            })
            .map_err(|e| format!("cannot start the keyring thread: {e}"))?;
        match rx.recv_timeout(self.timeout) {
            Ok(result) => result,
            Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
                "no answer within {} s (locked, waiting for an unlock prompt?)",
                self.timeout.as_secs()
            )),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                Err("the keyring thread ended without an answer".to_owned())
            }
        }
    }
}

fn lookup_blocking(
    service: &str,
    users: &[&'static str],
) -> Result<Vec<(&'static str, SecretString)>, String> {
    // keyring's `v1` feature sets the platform's default store on first use; keyring-core's
    // Entry is then used directly for the Windows target-name modifier.
    if let Err(e) = keyring::Entry::store_status() {
        return Err(describe(e));
    }
    let mut found = Vec::new();
    for &user in users {
        let entry = entry(service, user).map_err(|e| describe(&e))?;
        match entry.get_secret() {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => found.push((user, SecretString::from(text))),
                Err(_) => return Err(format!("the value of {user} is not UTF-8")),
            },
            Err(keyring_core::Error::NoEntry) => {}
            // Like the Atlas CLI (`NewSecureStoreWithClient` stops at the first error):
            // one failure means the keyring is not usable now.
            Err(e) => return Err(describe(&e)),
        }
    }
    Ok(found)
}

#[cfg(windows)]
fn entry(service: &str, user: &str) -> keyring_core::Result<keyring_core::Entry> {
    let target = format!("{service}:{user}");
    let modifiers = std::collections::HashMap::from([("target", target.as_str())]);
    keyring_core::Entry::new_with_modifiers(service, user, &modifiers)
}

#[cfg(not(windows))]
fn entry(service: &str, user: &str) -> keyring_core::Result<keyring_core::Entry> {
    keyring_core::Entry::new(service, user)
}

/// A keyring error in words, never with the secret bytes some variants carry.
fn describe(e: &keyring_core::Error) -> String {
    use keyring_core::Error as E;
    match e {
        E::NoDefaultStore => "no keyring service (no D-Bus session or Secret Service)".into(),
        E::NoStorageAccess(inner) => format!("locked or access denied: {inner}"),
        E::PlatformFailure(inner) => format!("platform failure: {inner}"),
        E::Ambiguous(entries) => format!("{} items match; expected one", entries.len()),
        E::BadEncoding(_) | E::BadDataFormat(..) => "a stored value is malformed".into(),
        E::NoEntry => "no such item".into(),
        _ => "keyring error".into(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::HashMap;
    use std::path::Path;
    use std::process::Command;

    use secrecy::ExposeSecret;

    use super::*;

    /// An in-memory store keyed by (service, user), or an unavailable one.
    #[derive(Debug, Default)]
    pub(crate) struct FakeKeyring {
        pub(crate) items: HashMap<(String, String), String>,
        pub(crate) unavailable: Option<String>,
    }

    impl FakeKeyring {
        pub(crate) fn with(items: &[(&str, &str, &str)]) -> Self {
            Self {
                items: items
                    .iter()
                    .map(|(s, u, v)| (((*s).to_owned(), (*u).to_owned()), (*v).to_owned()))
                    .collect(),
                unavailable: None,
            }
        }
    }

    impl SecretStore for FakeKeyring {
        fn lookup(
            &self,
            service: &str,
            users: &[&'static str],
        ) -> Result<Vec<(&'static str, SecretString)>, String> {
            if let Some(reason) = &self.unavailable {
                return Err(reason.clone());
            }
            Ok(users
                .iter()
                .filter_map(|u| {
                    self.items
                        .get(&(service.to_owned(), (*u).to_owned()))
                        .map(|v| (*u, SecretString::from(v.clone())))
                })
                .collect())
        }
    }

    /// Set in the child process that runs inside `dbus-run-session`.
    const CHILD: &str = "ATLAS_KEYS_KEYRING_TEST_CHILD";
    /// The secret the parent stores with `secret-tool`, as go-keyring would.
    const STORED_SECRET: &str = "real-keyring-private-key";

    fn on_path(tool: &str) -> bool {
        std::env::var_os("PATH")
            .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
            .unwrap_or(false)
    }

    /// Runs this same test binary, filtered to `test`, under a fresh D-Bus session with
    /// `setup` (a shell snippet) run first. Returns the child's stdout, or `None` (after
    /// printing why) when the tools are missing.
    fn in_dbus_session(test: &str, setup: &str, home: &Path) -> Option<String> {
        for tool in [
            "timeout",
            "dbus-run-session",
            "dbus-send",
            "gnome-keyring-daemon",
            "secret-tool",
        ] {
            if !on_path(tool) {
                println!(
                    "skipped: {tool} not found (apt-get install -y gnome-keyring dbus-x11 libsecret-tools)"
                );
                return None;
            }
        }
        let exe = std::env::current_exe().unwrap();
        let script = format!("{setup}\nexec \"$0\" --exact {test} --nocapture --test-threads=1");
        // `timeout` so that a keyring that never answers fails the test instead of hanging it.
        let out = Command::new("timeout")
            .args(["300", "dbus-run-session", "--", "sh", "-c", &script])
            .arg(exe)
            .env(CHILD, "1")
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_RUNTIME_DIR", home)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "child failed: {}\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        // The child must really have run the test, not filtered it away.
        assert!(stdout.contains("1 passed"), "{stdout}");
        println!("{stdout}");
        Some(stdout)
    }

    /// An unlocked login keyring with the items the Atlas CLI would have written for
    /// profile `work`.
    const UNLOCKED_WITH_ITEMS: &str = "\
echo -n test-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 1
printf %s abcdefgh | secret-tool store --label=pub service atlascli_work username public_api_key || exit 1
printf %s real-keyring-private-key | secret-tool store --label=priv service atlascli_work username private_api_key || exit 1";

    #[test]
    fn reads_what_the_atlas_cli_stored_in_a_real_secret_service() {
        if std::env::var_os(CHILD).is_some() {
            let found = OsKeyring::default()
                .lookup(
                    "atlascli_work",
                    &["public_api_key", "private_api_key", "client_id"],
                )
                .expect("keyring available");
            let found: HashMap<_, _> = found
                .into_iter()
                .map(|(k, v)| (k, v.expose_secret().to_owned()))
                .collect();
            assert_eq!(found.get("public_api_key").unwrap(), "abcdefgh");
            assert_eq!(found.get("private_api_key").unwrap(), STORED_SECRET);
            assert!(!found.contains_key("client_id"));
            return;
        }
        let home = tempfile::tempdir().unwrap();
        let Some(out) = in_dbus_session(
            "config::keyring::tests::reads_what_the_atlas_cli_stored_in_a_real_secret_service",
            UNLOCKED_WITH_ITEMS,
            home.path(),
        ) else {
            return;
        };
        assert!(!out.contains(STORED_SECRET));
    }

    #[test]
    fn a_profile_whose_secrets_are_in_a_real_keyring_resolves_to_credentials() {
        if std::env::var_os(CHILD).is_some() {
            let home = std::env::var("HOME").unwrap();
            let dir = Path::new(&home).join("config/atlascli");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(
                dir.join("config.toml"),
                "version = 2\n[work]\nauth_type = \"api_keys\"\norg_id = \"5e2211c17a3e5a48f5497de3\"\n",
            )
            .unwrap();
            let flags = crate::config::FlagInputs {
                profile: Some("work".into()),
                ..Default::default()
            };
            let resolved =
                crate::config::load(&flags, &crate::config::ProcessEnv, &OsKeyring::default());
            let creds = resolved
                .credentials()
                .expect("credentials from the keyring");
            match creds {
                crate::config::Credentials::ApiKey {
                    public_key,
                    private_key,
                    private_source,
                    ..
                } => {
                    assert_eq!(public_key, "abcdefgh");
                    assert_eq!(private_key.expose_secret(), STORED_SECRET);
                    assert!(private_source.to_string().contains("atlascli_work"));
                }
                other => panic!("{other:?}"),
            }
            let text = crate::config::whoami::render_text(&resolved);
            assert!(!text.contains(STORED_SECRET), "{text}");
            println!("{text}");
            return;
        }
        let home = tempfile::tempdir().unwrap();
        in_dbus_session(
            "config::keyring::tests::a_profile_whose_secrets_are_in_a_real_keyring_resolves_to_credentials",
            UNLOCKED_WITH_ITEMS,
            home.path(),
        );
    }

    /// Locks the login collection. (`secret-tool lock` hangs in Debian 12's libsecret 0.20.5,
    /// so the Secret Service method is called directly.)
    const LOCK: &str = "dbus-send --session --dest=org.freedesktop.secrets --type=method_call \
--print-reply /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock \
array:objpath:/org/freedesktop/secrets/collection/login >/dev/null || exit 1";

    #[test]
    fn a_locked_keyring_is_unavailable_not_fatal() {
        if std::env::var_os(CHILD).is_some() {
            // The items exist but the collection is locked and no prompter can answer.
            let keyring = OsKeyring {
                timeout: Duration::from_secs(20),
            };
            // Headless, the unlock prompt cannot be shown (gcr-prompter has no display), so
            // the Secret Service dismisses it and the lookup fails instead of hanging.
            let reason = keyring
                .lookup("atlascli_work", &["private_api_key"])
                .map(|found| found.len())
                .unwrap_err();
            println!("unavailable: {reason}");
            assert!(!reason.contains(STORED_SECRET));
            return;
        }
        let home = tempfile::tempdir().unwrap();
        let setup = format!("{UNLOCKED_WITH_ITEMS}\n{LOCK}");
        in_dbus_session(
            "config::keyring::tests::a_locked_keyring_is_unavailable_not_fatal",
            &setup,
            home.path(),
        );
    }

    #[test]
    fn no_secret_service_is_unavailable_not_fatal() {
        if std::env::var_os(CHILD).is_some() {
            return;
        }
        // Without a session bus the keyring crate cannot connect; `OsKeyring` must say so
        // rather than fail. Run in a child so the process-wide store starts fresh with no
        // bus address.
        if !on_path("sh") {
            println!("skipped: no sh");
            return;
        }
        let exe = std::env::current_exe().unwrap();
        let home = tempfile::tempdir().unwrap();
        let out = Command::new(exe)
            .args([
                "--exact",
                "config::keyring::tests::child_without_a_bus",
                "--nocapture",
            ])
            .env("ATLAS_KEYS_KEYRING_NO_BUS_CHILD", "1")
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
            .env("XDG_RUNTIME_DIR", home.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        assert!(stdout.contains("1 passed"), "{stdout}");
        println!("{stdout}");
    }

    #[test]
    fn child_without_a_bus() {
        if std::env::var_os("ATLAS_KEYS_KEYRING_NO_BUS_CHILD").is_none() {
            return;
        }
        let reason = OsKeyring::default()
            .lookup("atlascli_default", &["private_api_key"])
            .unwrap_err();
        println!("unavailable: {reason}");
    }
}
