//! Precedence: flags, then environment, then profile, for every setting, recording where
//! each value came from.
//!
//! What it is for: [`resolve`] is pure (no I/O, no process environment), so the whole
//! precedence matrix is unit-tested. A malformed value never fails resolution: it becomes
//! that setting's error, which only a command using the setting reports. What it must NOT
//! do: read files or the keyring (see `config::load`), or put a secret into an error,
//! `Debug` or whoami output.

use std::path::PathBuf;

use atlas_keys_model::{Flavour, OrgId, ProjectId};
use secrecy::SecretString;

use super::env::{EnvSource, Var, vars};
use super::file::{Field, Found, Profile, ProfileError};
use super::keyring::KeyringStatus;
use super::setting::{Setting, SettingError, Source};

/// The Atlas for Government base URL, used when `service = "cloudgov"` and no URL is set
/// (atlas-cli-core `transport/oauth.go` `cloudGovServiceURL`).
pub(crate) const CLOUDGOV_BASE_URL: &str = "https://cloud.mongodbgov.com";

/// What the command line said. Every field is optional: `None` means "not given", so the
/// environment and the profile can supply it. (Clap defaults must therefore not be set on
/// these flags, e.g. `-o` must be `Option`, or the flag always wins.)
#[derive(Debug, Clone, Default)]
pub(crate) struct FlagInputs {
    /// `-P/--profile`.
    pub(crate) profile: Option<String>,
    /// `--orgId`.
    pub(crate) org_id: Option<OrgId>,
    /// `--projectId`.
    pub(crate) project_id: Option<ProjectId>,
    /// `--base-url` (already checked by the flag's parser).
    pub(crate) base_url: Option<String>,
    /// `--flavor`.
    pub(crate) flavour: Option<Flavour>,
    /// `-o/--output`, raw (the output module parses it: [`Resolved::output_as`]).
    pub(crate) output: Option<String>,
    /// `--ca-file`.
    pub(crate) ca_file: Option<PathBuf>,
}

/// How the profile name was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProfileChoice {
    /// `-P/--profile`.
    Flag,
    /// `MONGODB_ATLAS_PROFILE` (or `MCLI_PROFILE`).
    Env(&'static str),
    /// Not named, and the file has exactly one profile (Atlas CLI `InitProfile`).
    OnlyProfile,
    /// Not named: `default`.
    Default,
}

impl ProfileChoice {
    /// Whether the user named the profile; a named profile that is missing is an error.
    pub(crate) fn is_explicit(&self) -> bool {
        matches!(self, ProfileChoice::Flag | ProfileChoice::Env(_))
    }
}

/// The profile in use and what became of it.
#[derive(Debug, Clone)]
pub(crate) struct ProfileInfo {
    /// The profile name (lowercased).
    pub(crate) name: String,
    /// How it was chosen.
    pub(crate) chosen_by: ProfileChoice,
    /// The config file, when its location could be worked out.
    pub(crate) path: Option<PathBuf>,
    /// Whether the file exists.
    pub(crate) file_exists: bool,
    /// Whether the file has this profile.
    pub(crate) found: bool,
    /// A problem with the file or the named profile; see [`Resolved::profile_error`].
    pub(crate) error: Option<ProfileError>,
    /// What the keyring said.
    pub(crate) keyring: KeyringStatus,
}

/// A credential, with where each half came from. `Debug` redacts the secret.
#[derive(Debug, Clone)]
pub(crate) enum Credentials {
    /// A programmatic API key: HTTP Digest.
    ApiKey {
        /// The public key (digest user name); not a secret.
        public_key: String,
        /// The private key.
        private_key: SecretString,
        /// Where the public key came from.
        public_source: Source,
        /// Where the private key came from.
        private_source: Source,
    },
    /// A service account: OAuth client credentials.
    ServiceAccount {
        /// The client id; not a secret.
        client_id: String,
        /// The client secret.
        client_secret: SecretString,
        /// Where the client id came from.
        id_source: Source,
        /// Where the secret came from.
        secret_source: Source,
    },
}

/// Everything a command can fail on before sending a request. All are usage errors
/// (exit 2). None holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ConfigError {
    /// A configured value did not parse.
    #[error(transparent)]
    Setting(#[from] SettingError),
    /// The config file or the named profile is unusable.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// No credentials anywhere.
    #[error(
        "no credentials: set {} and {} (API key) or {} and {} (service account), \
         or add them to {}",
        vars::PUBLIC_API_KEY.name, vars::PRIVATE_API_KEY.name,
        vars::CLIENT_ID.name, vars::CLIENT_SECRET.name, where_profile
    )]
    NoCredentials {
        /// `profile "x" in <path>` plus what was found there (and the keyring's state).
        where_profile: String,
    },
    /// One half of a credential pair.
    #[error("{present} is set but {missing} is not")]
    HalfPair {
        /// The half that is there.
        present: Source,
        /// What is missing, e.g. `MONGODB_ATLAS_PRIVATE_API_KEY`.
        missing: String,
    },
    /// The profile uses a login this CLI cannot use (`atlas auth login`'s user tokens).
    #[error(
        "profile {profile:?} uses auth_type {auth_type:?}, which atlas-keys cannot use; \
         configure an API key or a service account instead"
    )]
    UnsupportedAuth {
        /// The profile.
        profile: String,
        /// Its `auth_type`.
        auth_type: String,
    },
    /// A required setting is not configured anywhere.
    #[error("no {what}: pass {flag}, set {var}, or set {key} in profile {profile:?}")]
    Missing {
        /// e.g. `organization`.
        what: &'static str,
        /// e.g. `--orgId`.
        flag: &'static str,
        /// e.g. `MONGODB_ATLAS_ORG_ID`.
        var: &'static str,
        /// e.g. `org_id`.
        key: &'static str,
        /// The profile looked in.
        profile: String,
    },
}

type Slot<T> = Option<Result<Setting<T>, SettingError>>;

/// The configuration of one run. Built by [`resolve`]; read by the commands.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub(crate) profile: ProfileInfo,
    credentials: Result<Credentials, ConfigError>,
    org_id: Slot<OrgId>,
    project_id: Slot<ProjectId>,
    base_url: Slot<String>,
    flavour: Result<Setting<Flavour>, SettingError>,
    output: Slot<String>,
    ca_file: Slot<PathBuf>,
}

impl Resolved {
    /// The profile in use (name, file, how chosen, keyring state).
    pub(crate) fn profile(&self) -> &ProfileInfo {
        &self.profile
    }

    /// A problem with the config file or an explicitly named profile. Commands that talk
    /// to the API should fail on it (exit 2) before anything else; `auth whoami` shows it.
    pub(crate) fn profile_error(&self) -> Option<ConfigError> {
        self.profile.error.clone().map(ConfigError::Profile)
    }

    /// The credentials, or why there are none (exit 2 before any request).
    pub(crate) fn credentials(&self) -> Result<&Credentials, ConfigError> {
        self.credentials.as_ref().map_err(Clone::clone)
    }

    /// The default organization, if configured; an error if configured but malformed.
    pub(crate) fn org_id(&self) -> Result<Option<&Setting<OrgId>>, ConfigError> {
        get(&self.org_id)
    }

    /// The default project, if configured; an error if configured but malformed.
    pub(crate) fn project_id(&self) -> Result<Option<&Setting<ProjectId>>, ConfigError> {
        get(&self.project_id)
    }

    /// The organization a command needs: an error naming flag, variable and profile key
    /// when none is configured.
    pub(crate) fn require_org_id(&self) -> Result<OrgId, ConfigError> {
        self.org_id()?
            .map(|s| s.value)
            .ok_or_else(|| ConfigError::Missing {
                what: "organization",
                flag: "--orgId",
                var: vars::ORG_ID.name,
                key: "org_id",
                profile: self.profile.name.clone(),
            })
    }

    /// The project a command needs, like [`require_org_id`](Self::require_org_id).
    pub(crate) fn require_project_id(&self) -> Result<ProjectId, ConfigError> {
        self.project_id()?
            .map(|s| s.value)
            .ok_or_else(|| ConfigError::Missing {
                what: "project",
                flag: "--projectId",
                var: vars::PROJECT_ID.name,
                key: "project_id",
                profile: self.profile.name.clone(),
            })
    }

    /// The base URL override, if any (`None`: the client's default for the flavour).
    pub(crate) fn base_url(&self) -> Result<Option<&Setting<String>>, ConfigError> {
        get(&self.base_url)
    }

    /// The API flavour (default Atlas v2).
    pub(crate) fn flavour(&self) -> Result<&Setting<Flavour>, ConfigError> {
        self.flavour.as_ref().map_err(|e| e.clone().into())
    }

    /// The output format as configured, raw.
    pub(crate) fn output(&self) -> Result<Option<&Setting<String>>, ConfigError> {
        get(&self.output)
    }

    /// The output format parsed by `parse`; its error (a rule in words) is reported with
    /// the flag, variable or profile key the value came from.
    pub(crate) fn output_as<T>(
        &self,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        let Some(setting) = self.output()? else {
            return Ok(None);
        };
        parse(&setting.value).map(Some).map_err(|rule| {
            SettingError::shown(setting.source.clone(), rule, setting.value.clone()).into()
        })
    }

    /// A CA bundle to trust besides the usual roots.
    pub(crate) fn ca_file(&self) -> Result<Option<&Setting<PathBuf>>, ConfigError> {
        get(&self.ca_file)
    }
}

fn get<T>(slot: &Slot<T>) -> Result<Option<&Setting<T>>, ConfigError> {
    match slot {
        None => Ok(None),
        Some(Ok(s)) => Ok(Some(s)),
        Some(Err(e)) => Err(e.clone().into()),
    }
}

/// Applies precedence (flag > environment > profile) to every setting. Pure.
///
/// `profile` is the profile as loaded (keyring secrets merged) and `info` what is known
/// about it; `config::load` does both. Tests pass them directly.
pub(crate) fn resolve(
    flags: &FlagInputs,
    env: &dyn EnvSource,
    profile: Option<&Profile>,
    info: ProfileInfo,
) -> Resolved {
    let credentials = credentials(env, profile, &info);
    let org_id = pick(
        flags
            .org_id
            .map(|v| Setting::new(v, Source::Flag("--orgId"))),
        env_parsed(env, vars::ORG_ID),
        profile.and_then(|p| from_profile(&p.org_id)),
    );
    let project_id = pick(
        flags
            .project_id
            .map(|v| Setting::new(v, Source::Flag("--projectId"))),
        env_parsed(env, vars::PROJECT_ID),
        profile.and_then(|p| from_profile(&p.project_id)),
    );
    let service =
        env_text(env, vars::SERVICE).or_else(|| profile.and_then(|p| from_profile(&p.service)));
    let flavour = flavour(flags, env, service.as_ref());
    let base_url = pick(
        flags
            .base_url
            .clone()
            .map(|v| Setting::new(v, Source::Flag("--base-url"))),
        env_url(env, vars::OPS_MANAGER_URL).or_else(|| env_url(env, vars::BASE_URL)),
        profile.and_then(|p| from_profile(&p.ops_manager_url).map(|r| r.and_then(check_url))),
    )
    .or_else(|| gov_default(service.as_ref()));
    let output = pick(
        flags
            .output
            .clone()
            .map(|v| Setting::new(v, Source::Flag("--output"))),
        env_text(env, vars::OUTPUT),
        profile.and_then(|p| from_profile(&p.output)),
    );
    let ca_file = pick(
        flags
            .ca_file
            .clone()
            .map(|v| Setting::new(v, Source::Flag("--ca-file"))),
        env_text(env, vars::OPS_MANAGER_CA_CERTIFICATE)
            .map(|r| r.map(|s| Setting::new(PathBuf::from(s.value), s.source))),
        profile.and_then(|p| from_profile(&p.ca_certificate)),
    );
    Resolved {
        profile: info,
        credentials,
        org_id,
        project_id,
        base_url,
        flavour,
        output,
        ca_file,
    }
}

/// The first layer that has the setting, even if its value is malformed: a bad value is
/// reported rather than silently replaced by a lower layer's.
fn pick<T>(flag: Option<Setting<T>>, env: Slot<T>, profile: Slot<T>) -> Slot<T> {
    flag.map(Ok).or(env).or(profile)
}

fn from_profile<T: Clone>(field: &Field<T>) -> Slot<T> {
    field.as_ref().map(|r| {
        r.as_ref()
            .map(|Found { value, source }| Setting::new(value.clone(), source.clone()))
            .map_err(Clone::clone)
    })
}

fn env_text(env: &dyn EnvSource, var: Var) -> Slot<String> {
    var.get(env)
        .map(|(value, name)| Ok(Setting::new(value.trim().to_owned(), Source::Env(name))))
}

fn env_parsed<T>(env: &dyn EnvSource, var: Var) -> Slot<T>
where
    T: std::str::FromStr<Err = atlas_keys_model::ValidationError>,
{
    var.get(env).map(|(value, name)| {
        value
            .trim()
            .parse::<T>()
            .map(|v| Setting::new(v, Source::Env(name)))
            .map_err(|e| SettingError::from_validation(Source::Env(name), &e))
    })
}

fn env_url(env: &dyn EnvSource, var: Var) -> Slot<String> {
    env_text(env, var).map(|r| r.and_then(check_url))
}

/// The same rule as the `--base-url` flag's parser.
fn check_url(s: Setting<String>) -> Result<Setting<String>, SettingError> {
    if s.value.starts_with("https://") || s.value.starts_with("http://") {
        Ok(s)
    } else {
        Err(SettingError::shown(
            s.source,
            "must start with http:// or https://",
            s.value,
        ))
    }
}

fn gov_default(service: Option<&Result<Setting<String>, SettingError>>) -> Slot<String> {
    match service {
        Some(Ok(s)) if s.value.eq_ignore_ascii_case("cloudgov") => Some(Ok(Setting::new(
            CLOUDGOV_BASE_URL.to_owned(),
            Source::Default("service cloudgov"),
        ))),
        _ => None,
    }
}

/// `--flavor` > `ATLAS_KEYS_FLAVOUR` > `service` (environment, then profile) > Atlas v2.
/// Unlike the api crate's `from_env`, an Ops Manager URL does not imply the Ops Manager
/// flavour: in the Atlas CLI it is only a base-URL override.
fn flavour(
    flags: &FlagInputs,
    env: &dyn EnvSource,
    service: Option<&Result<Setting<String>, SettingError>>,
) -> Result<Setting<Flavour>, SettingError> {
    if let Some(f) = flags.flavour {
        return Ok(Setting::new(f, Source::Flag("--flavor")));
    }
    if let Some(value) = env.var(vars::FLAVOUR).filter(|v| !v.trim().is_empty()) {
        let source = Source::Env(vars::FLAVOUR);
        return value
            .trim()
            .parse::<Flavour>()
            .map(|f| Setting::new(f, source.clone()))
            .map_err(|e| SettingError::from_validation(source, &e));
    }
    match service {
        None => Ok(Setting::new(Flavour::AtlasV2, Source::Default("Atlas"))),
        Some(Err(e)) => Err(e.clone()),
        Some(Ok(s)) => match s.value.to_ascii_lowercase().as_str() {
            "cloud" | "cloudgov" => Ok(Setting::new(Flavour::AtlasV2, s.source.clone())),
            "cloud-manager" => Ok(Setting::new(Flavour::CloudManager, s.source.clone())),
            "ops-manager" => Ok(Setting::new(Flavour::OpsManager, s.source.clone())),
            _ => Err(SettingError::shown(
                s.source.clone(),
                "must be cloud, cloudgov, cloud-manager or ops-manager",
                s.value.clone(),
            )),
        },
    }
}

/// One half of a credential pair in one layer: the value and where it is.
type Half<T> = Option<Result<(T, Source), SettingError>>;

/// A complete pair: the id (public key or client id) and the secret, each with its source.
type Pair<S> = ((String, Source), (S, Source));

/// Credentials: the environment's complete pair, else the profile's. Within a layer a
/// service account wins over an API key (as in the Atlas CLI's `AuthType` and the api
/// crate), a profile's `auth_type` picks between them, and half a pair is an error, since
/// it is almost certainly a mistake (the Atlas CLI would combine halves from different
/// layers; we do not, on purpose).
fn credentials(
    env: &dyn EnvSource,
    profile: Option<&Profile>,
    info: &ProfileInfo,
) -> Result<Credentials, ConfigError> {
    let env_half = |var: Var| var.get(env).map(|(v, name)| Ok((v, Source::Env(name))));
    let env_sa = pair(
        env_half(vars::CLIENT_ID).map(|r| r.map(|(v, s)| (v.trim().to_owned(), s))),
        env_half(vars::CLIENT_SECRET).map(|r| r.map(|(v, s)| (SecretString::from(v), s))),
        vars::CLIENT_SECRET.name,
        vars::CLIENT_ID.name,
    );
    let env_api = pair(
        env_half(vars::PUBLIC_API_KEY).map(|r| r.map(|(v, s)| (v.trim().to_owned(), s))),
        env_half(vars::PRIVATE_API_KEY).map(|r| r.map(|(v, s)| (SecretString::from(v), s))),
        vars::PRIVATE_API_KEY.name,
        vars::PUBLIC_API_KEY.name,
    );
    if let Some(c) = either(env_sa, env_api)? {
        return Ok(c);
    }

    let no_credentials = || ConfigError::NoCredentials {
        where_profile: describe_profile(info),
    };
    let Some(p) = profile else {
        return Err(no_credentials());
    };
    let half = |f: &Field<String>| {
        f.as_ref()
            .map(|r| r.clone().map(|Found { value, source }| (value, source)))
    };
    let secret_half = |f: &Field<SecretString>| {
        f.as_ref()
            .map(|r| r.clone().map(|Found { value, source }| (value, source)))
    };
    let missing = |key: &str| format!("{key} in profile {:?}", p.name);
    let sa = || {
        pair(
            half(&p.client_id),
            secret_half(&p.client_secret),
            &missing("client_secret"),
            &missing("client_id"),
        )
    };
    let api = || {
        pair(
            half(&p.public_api_key),
            secret_half(&p.private_api_key),
            &missing("private_api_key"),
            &missing("public_api_key"),
        )
    };
    let found = match p.auth_type_str() {
        Some("service_account") => sa()?.map(service_account),
        Some("api_keys") => api()?.map(api_key),
        Some("user_account") => match either(sa(), api())? {
            // A profile from `atlas auth login` may still hold an API key or service
            // account from before; only without one is the login type an error.
            Some(c) => Some(c),
            None => {
                return Err(ConfigError::UnsupportedAuth {
                    profile: p.name.clone(),
                    auth_type: "user_account".to_owned(),
                });
            }
        },
        _ => either(sa(), api())?,
    };
    found.ok_or_else(no_credentials)
}

/// The service account if complete, else the API key if complete, else the first half-pair
/// error: a stray half of one kind does not spoil a complete credential of the other.
fn either(
    service_account_pair: Result<Option<Pair<SecretString>>, ConfigError>,
    api_key_pair: Result<Option<Pair<SecretString>>, ConfigError>,
) -> Result<Option<Credentials>, ConfigError> {
    match (service_account_pair, api_key_pair) {
        (Ok(Some(sa)), _) => Ok(Some(service_account(sa))),
        (_, Ok(Some(api))) => Ok(Some(api_key(api))),
        (Err(e), _) | (_, Err(e)) => Err(e),
        (Ok(None), Ok(None)) => Ok(None),
    }
}

fn pair<S>(
    id: Half<String>,
    secret: Half<S>,
    missing_secret: &str,
    missing_id: &str,
) -> Result<Option<Pair<S>>, ConfigError> {
    match (id.transpose()?, secret.transpose()?) {
        (Some(id), Some(secret)) => Ok(Some((id, secret))),
        (None, None) => Ok(None),
        (Some((_, present)), None) => Err(ConfigError::HalfPair {
            present,
            missing: missing_secret.to_owned(),
        }),
        (None, Some((_, present))) => Err(ConfigError::HalfPair {
            present,
            missing: missing_id.to_owned(),
        }),
    }
}

fn api_key(
    ((public_key, public_source), (private_key, private_source)): Pair<SecretString>,
) -> Credentials {
    Credentials::ApiKey {
        public_key,
        private_key,
        public_source,
        private_source,
    }
}

fn service_account(
    ((client_id, id_source), (client_secret, secret_source)): Pair<SecretString>,
) -> Credentials {
    Credentials::ServiceAccount {
        client_id,
        client_secret,
        id_source,
        secret_source,
    }
}

/// `profile "x" in <path>` and what the file and keyring said, for the no-credentials
/// message.
fn describe_profile(info: &ProfileInfo) -> String {
    let path = info
        .path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "the Atlas CLI config file".to_owned());
    let state = if !info.file_exists {
        " (no such file)".to_owned()
    } else if !info.found {
        " (no such profile)".to_owned()
    } else {
        String::new()
    };
    let keyring = match &info.keyring {
        KeyringStatus::Unavailable(reason) => {
            format!(
                "; the OS keyring, where the Atlas CLI may keep them, was not available: {reason}"
            )
        }
        KeyringStatus::Consulted { service, found } if found.is_empty() => {
            format!("; the OS keyring has none under service {service}")
        }
        _ => String::new(),
    };
    format!("profile {:?} in {path}{state}{keyring}", info.name)
}
