//! Configuration shared with the Atlas CLI: its `config.toml` profiles, the OS keyring where
//! it keeps a profile's secrets, and its environment variables, resolved with the Atlas
//! CLI's precedence (flags, then environment, then profile) into one [`Resolved`] that
//! records where every value came from.
//!
//! What it must NOT do: write the config file or the keyring, send requests, print, or put
//! a secret into a `Debug`, an error, a log line or whoami output. Malformed values never
//! fail [`load`]: each becomes the error of its own setting, reported only by a command that
//! uses it.
//!
//! # Entry points (for wiring)
//! - [`load`]`(&FlagInputs, &ProcessEnv, &OsKeyring::default())` -> [`Resolved`]: reads the
//!   file and (only when needed) the keyring, then [`resolve`]s. Never fails.
//! - [`Resolved::profile_error`]: a broken file or a missing `-P` profile; fail with exit 2.
//! - [`Resolved::credentials`]: the credential, or an error listing the variables, the
//!   profile and the file looked at (exit 2 before any request).
//! - [`Resolved::org_id`] / [`Resolved::require_org_id`], `project_id`, `base_url`,
//!   `flavour`, `output` / [`Resolved::output_as`], `ca_file`: each `Result<…, ConfigError>`.
//! - [`whoami::render_text`] / [`whoami::render_json`]: `auth whoami`, secrets never shown.
//! - Commands that need no credentials (`emulator`, `completion`) pass [`NoKeyring`].
//!
//! # What the Atlas CLI does (its sources, read for this module)
//! Repositories `mongodb/mongodb-atlas-cli` (`internal/config/…`) and `mongodb/atlas-cli-core`
//! (`config/…`, the same code factored out for plugins):
//! - **File**: `os.UserConfigDir()/atlascli/config.toml` (`config/config.go` `CLIConfigHome`,
//!   `config/viper_store.go` `ViperConfigStoreFilename`): Linux `$XDG_CONFIG_HOME` or
//!   `~/.config`, macOS `~/Library/Application Support`, Windows `%AppData%`. Older releases
//!   (`internal/config/home.go`) used `$XDG_CONFIG_HOME` or `~/.config` on every OS.
//! - **Format**: TOML via viper; one table per profile (`[default]`), string properties;
//!   top-level keys are globals (`version = 2`, `telemetry_enabled`, `skip_update_check`,
//!   `mongosh_path`, …). Viper lowercases names. A top-level property is read BEFORE the
//!   profile's (`GetHierarchicalValue`). `base_url` is an alias of `ops_manager_url`.
//! - **Properties** (`config/profile.go` `ProfileProperties`): `public_api_key`,
//!   `private_api_key`, `client_id`, `client_secret`, `access_token`, `refresh_token`,
//!   `auth_type` (`api_keys`, `service_account`, `user_account`, `no_auth`; written by
//!   migration v2, `internal/config/migrations/v2.go`), `org_id`, `project_id`,
//!   `ops_manager_url`/`base_url`, `api_version`, `output`, `service` (`cloud`, `cloudgov`;
//!   MongoCLI also `cloud-manager`, `ops-manager`). MongoCLI had `ops_manager_ca_certificate`.
//! - **Profile choice** (`config/profile.go` `InitProfile`): `-P/--profile`, else the
//!   `profile` key (so `MONGODB_ATLAS_PROFILE` through viper's automatic env), else the only
//!   profile when the file has exactly one, else `default`. Names are lowercased; a `.` is
//!   rejected (`ErrProfileNameHasDots`).
//! - **Environment** (`config/viper_store.go`: `SetEnvPrefix("MONGODB_ATLAS")` +
//!   `AutomaticEnv`): `MONGODB_ATLAS_<PROPERTY>` for every property, e.g.
//!   `MONGODB_ATLAS_PUBLIC_API_KEY`, `…_PRIVATE_API_KEY`, `…_CLIENT_ID`, `…_CLIENT_SECRET`,
//!   `…_ORG_ID`, `…_PROJECT_ID`, `…_OUTPUT`, `…_SERVICE`; `…_OPS_MANAGER_URL` and
//!   `…_BASE_URL` are both bound to `ops_manager_url`, the former first. When any variable
//!   starting with `MCLI` exists, the prefix is rewritten and `MCLI_<PROPERTY>` is read
//!   instead (`hasMongoCLIEnvVars`).
//! - **Precedence** (`config/proxy_store.go`): environment, then keyring, then file, per
//!   property; there are no credential flags.
//! - **Keyring** (`config/secure/go_keyring.go`, zalando/go-keyring): service
//!   `atlascli_<profile>`, user = the property name (NOT the public key, whatever the file's
//!   header comment says: `keyringClient.Get(createServiceName(profileName), propertyName)`),
//!   for the `SecureProperties` `public_api_key`, `private_api_key`, `access_token`,
//!   `refresh_token`, `client_id`, `client_secret`. When the keyring is available the
//!   migration moves them out of the file; when it is not, they stay in the file.
//! - **Base URL** (`transport` `GetBaseURL`): `ops_manager_url` if set, else
//!   `https://cloud.mongodbgov.com/` for `service = "cloudgov"`, else Atlas.
//!
//! # Where we differ, on purpose
//! - `MONGODB_ATLAS_*` is read first and `MCLI_*` is only a fallback, so a stray `MCLI_*`
//!   variable never hides the modern ones.
//! - A credential pair comes whole from one layer; half a pair is an error naming the
//!   missing half (the Atlas CLI would combine halves from different layers).
//! - The keyring is asked only when neither the environment nor the file already holds a
//!   complete credential (fewer D-Bus round trips; the Atlas CLI reads it on every start),
//!   with a timeout so a locked keyring's unlock prompt cannot hang a command.
//! - The flavour comes from `--flavor`, `ATLAS_KEYS_FLAVOUR`, then `service`; an Ops Manager
//!   URL alone does not select the Ops Manager flavour.
//! - `user_account` profiles (`atlas auth login` tokens) are refused with a clear error.

mod env;
mod file;
mod keyring;
mod resolve;
mod setting;
pub(crate) mod whoami;

#[cfg(test)]
mod tests;

pub(crate) use env::{EnvSource, ProcessEnv, vars};
pub(crate) use file::{ConfigFile, DEFAULT_PROFILE, ProfileError};
pub(crate) use keyring::{KeyringStatus, NoKeyring, OsKeyring, SecretStore};
pub(crate) use resolve::{
    ConfigError, Credentials, FlagInputs, ProfileChoice, ProfileInfo, Resolved, resolve,
};
pub(crate) use setting::Source;

/// Reads the Atlas CLI's config file and, when it is needed, the keyring; then resolves.
/// Never fails: problems are kept in the [`Resolved`] for the commands that need them.
pub(crate) fn load(flags: &FlagInputs, env: &dyn EnvSource, keyring: &dyn SecretStore) -> Resolved {
    let (named, chosen_by) = match (&flags.profile, vars::PROFILE.get(env)) {
        (Some(name), _) => (Some(name.trim().to_owned()), ProfileChoice::Flag),
        (None, Some((name, var))) => (Some(name.trim().to_owned()), ProfileChoice::Env(var)),
        (None, None) => (None, ProfileChoice::Default),
    };
    let explicit = chosen_by.is_explicit();
    let path = env::config_file_path(env);
    let mut error = None;
    let file = match &path {
        Ok(path) => ConfigFile::read(path).map_err(|e| error = Some(e)).ok(),
        Err(reason) => {
            if explicit {
                error = Some(ProfileError::NoConfigDir(reason.clone()));
            }
            None
        }
    };

    let mut chosen_by = chosen_by;
    let name = match named {
        Some(name) => name.to_lowercase(),
        None => match file.as_ref().map(ConfigFile::profile_names).as_deref() {
            Some([only]) => {
                chosen_by = ProfileChoice::OnlyProfile;
                only.clone()
            }
            _ => DEFAULT_PROFILE.to_owned(),
        },
    };
    let mut profile = None;
    if name.contains('.') {
        error = error.or(Some(ProfileError::BadName { name: name.clone() }));
    } else if let Some(file) = &file {
        profile = file.profile(&name);
        if profile.is_none() && explicit && error.is_none() {
            error = Some(ProfileError::NotFound {
                name: name.clone(),
                path: file.path().to_owned(),
                available: file.profile_names(),
            });
        }
    }

    let keyring_status = match profile.as_mut() {
        None => KeyringStatus::NotConsulted("no profile"),
        Some(_) if !keyring.enabled() => KeyringStatus::NotConsulted("not used by this command"),
        Some(_) if env_has_credentials(env) => {
            KeyringStatus::NotConsulted("the environment holds credentials")
        }
        Some(p) if p.has_file_credentials() => {
            KeyringStatus::NotConsulted("the file holds credentials")
        }
        Some(p) => {
            let service = Source::keyring_service(&p.name);
            match keyring.lookup(&service, p.keyring_keys()) {
                Ok(found) => {
                    let keys = found.iter().map(|(k, _)| *k).collect();
                    tracing::debug!(%service, ?keys, "read profile secrets from the OS keyring");
                    p.merge_keyring(found);
                    KeyringStatus::Consulted {
                        service,
                        found: keys,
                    }
                }
                Err(reason) => {
                    tracing::debug!(%service, %reason, "OS keyring not available; using the file and environment");
                    KeyringStatus::Unavailable(reason)
                }
            }
        }
    };

    let info = ProfileInfo {
        name,
        chosen_by,
        path: path.ok(),
        file_exists: file.as_ref().is_some_and(ConfigFile::exists),
        found: profile.is_some(),
        error,
        keyring: keyring_status,
    };
    resolve(flags, env, profile.as_ref(), info)
}

/// Whether the variables hold a complete credential, so no profile secret is needed.
fn env_has_credentials(env: &dyn EnvSource) -> bool {
    let both = |a: env::Var, b: env::Var| a.get(env).is_some() && b.get(env).is_some();
    both(vars::CLIENT_ID, vars::CLIENT_SECRET) || both(vars::PUBLIC_API_KEY, vars::PRIVATE_API_KEY)
}
