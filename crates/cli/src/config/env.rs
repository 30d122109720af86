//! The environment as the Atlas CLI reads it: the `MONGODB_ATLAS_*` variables (and their
//! legacy `MCLI_*` names), and the directory of its `config.toml`.
//!
//! What it is for: one [`EnvSource`] seam so resolution is pure and tests pass variables
//! without touching the process environment (`std::env::set_var` is unsafe in parallel
//! tests, and this workspace forbids `unsafe`). What it must NOT do: log or return a value
//! in an error, since several of these variables hold secrets.

use std::path::PathBuf;

/// Where variables come from: the process ([`ProcessEnv`]) or, in tests, a closure.
pub(crate) trait EnvSource {
    /// The value of `name`, or `None` when it is unset or not valid UTF-8.
    fn var(&self, name: &str) -> Option<String>;
}

/// The real process environment.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ProcessEnv;

impl EnvSource for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl<F: Fn(&str) -> Option<String>> EnvSource for F {
    fn var(&self, name: &str) -> Option<String> {
        self(name)
    }
}

/// One setting's variable: the Atlas CLI's name and the MongoDB CLI's legacy name.
///
/// The Atlas CLI (viper's `AutomaticEnv` with prefix `MONGODB_ATLAS`) reads
/// `MONGODB_ATLAS_<PROPERTY>` for every profile property; when ANY variable starting with
/// `MCLI` exists it rewrites the prefix and reads `MCLI_<PROPERTY>` instead. We read the
/// modern name first and fall back to the legacy one, so a stray `MCLI_*` never hides a
/// `MONGODB_ATLAS_*` variable (a deliberate difference).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Var {
    /// `MONGODB_ATLAS_<PROPERTY>`.
    pub(crate) name: &'static str,
    /// `MCLI_<PROPERTY>`.
    pub(crate) legacy: &'static str,
}

impl Var {
    /// The value and the name it was found under. Empty or blank values count as unset,
    /// as in the Atlas CLI (`envVal != ""`) and the api crate.
    pub(crate) fn get(self, env: &dyn EnvSource) -> Option<(String, &'static str)> {
        [self.name, self.legacy].into_iter().find_map(|name| {
            env.var(name)
                .filter(|v| !v.trim().is_empty())
                .map(|v| (v, name))
        })
    }
}

/// The variables, named as the Atlas CLI names them.
pub(crate) mod vars {
    use super::Var;

    macro_rules! var {
        ($(#[$m:meta])* $id:ident, $suffix:literal) => {
            $(#[$m])*
            pub(crate) const $id: Var = Var {
                name: concat!("MONGODB_ATLAS_", $suffix),
                legacy: concat!("MCLI_", $suffix),
            };
        };
    }

    var!(
        /// Which profile of `config.toml` to use (viper reads the `profile` key from the
        /// environment like any property).
        PROFILE,
        "PROFILE"
    );
    var!(
        /// The public half of a programmatic API key (the digest user name).
        PUBLIC_API_KEY,
        "PUBLIC_API_KEY"
    );
    var!(
        /// The private half of a programmatic API key. A secret.
        PRIVATE_API_KEY,
        "PRIVATE_API_KEY"
    );
    var!(
        /// A service account's client id.
        CLIENT_ID,
        "CLIENT_ID"
    );
    var!(
        /// A service account's client secret. A secret.
        CLIENT_SECRET,
        "CLIENT_SECRET"
    );
    var!(
        /// The default organization.
        ORG_ID,
        "ORG_ID"
    );
    var!(
        /// The default project.
        PROJECT_ID,
        "PROJECT_ID"
    );
    var!(
        /// A base-URL override; wins over [`BASE_URL`] when both are set (atlas-cli-core
        /// `viper_store.go` binds both to `ops_manager_url`, this one first).
        OPS_MANAGER_URL,
        "OPS_MANAGER_URL"
    );
    var!(
        /// A base-URL override (an alias of `ops_manager_url`).
        BASE_URL,
        "BASE_URL"
    );
    var!(
        /// The output format (`json`, `json-path=…`, `go-template=…`).
        OUTPUT,
        "OUTPUT"
    );
    var!(
        /// `cloud` or `cloudgov` in the Atlas CLI; MongoCLI also had `cloud-manager` and
        /// `ops-manager`, which we map to our flavours.
        SERVICE,
        "SERVICE"
    );
    var!(
        /// MongoCLI's CA bundle for an Ops Manager with a private CA (a file path).
        OPS_MANAGER_CA_CERTIFICATE,
        "OPS_MANAGER_CA_CERTIFICATE"
    );

    /// This project's own flavour variable (read by the api crate too), which has no
    /// legacy name: `atlas`, `atlas-v1`, `cloud-manager` or `ops-manager`.
    pub(crate) const FLAVOUR: &str = "ATLAS_KEYS_FLAVOUR";
}

/// The Atlas CLI's `config.toml`: `os.UserConfigDir()` + `/atlascli/config.toml`
/// (atlas-cli-core `config/config.go` `CLIConfigHome`, `viper_store.go`).
///
/// Go's `os.UserConfigDir` is re-implemented here rather than taken from the `dirs` crate
/// because it must read the variables through [`EnvSource`] (for tests) and match Go
/// exactly: on Linux and other Unix `$XDG_CONFIG_HOME` (absolute) or `$HOME/.config`; on
/// macOS `$HOME/Library/Application Support`; on Windows `%AppData%`. The error says which
/// variable is missing, and never holds a value.
pub(crate) fn config_file_path(env: &dyn EnvSource) -> Result<PathBuf, String> {
    user_config_dir(env).map(|dir| dir.join("atlascli").join("config.toml"))
}

#[cfg(all(unix, not(target_os = "macos")))]
fn user_config_dir(env: &dyn EnvSource) -> Result<PathBuf, String> {
    match env.var("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        Some(dir) if PathBuf::from(&dir).is_absolute() => Ok(PathBuf::from(dir)),
        Some(_) => Err("the path in $XDG_CONFIG_HOME is relative".to_owned()),
        None => match env.var("HOME").filter(|v| !v.is_empty()) {
            Some(home) => Ok(PathBuf::from(home).join(".config")),
            None => Err("neither $XDG_CONFIG_HOME nor $HOME is defined".to_owned()),
        },
    }
}

#[cfg(target_os = "macos")]
fn user_config_dir(env: &dyn EnvSource) -> Result<PathBuf, String> {
    match env.var("HOME").filter(|v| !v.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join("Library/Application Support")),
        None => Err("$HOME is not defined".to_owned()),
    }
}

#[cfg(windows)]
fn user_config_dir(env: &dyn EnvSource) -> Result<PathBuf, String> {
    match env.var("AppData").filter(|v| !v.is_empty()) {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => Err("%AppData% is not defined".to_owned()),
    }
}

#[cfg(not(any(unix, windows)))]
fn user_config_dir(_env: &dyn EnvSource) -> Result<PathBuf, String> {
    Err("no configuration directory on this platform".to_owned())
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::HashMap;

    use super::*;

    /// A fixed environment for tests.
    pub(crate) fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name: &str| map.get(name).cloned()
    }

    #[test]
    fn modern_name_wins_over_legacy_and_blank_is_unset() {
        let e = env(&[
            ("MONGODB_ATLAS_ORG_ID", "a"),
            ("MCLI_ORG_ID", "b"),
            ("MONGODB_ATLAS_PROJECT_ID", "  "),
            ("MCLI_PROJECT_ID", "c"),
        ]);
        assert_eq!(
            vars::ORG_ID.get(&e),
            Some(("a".to_owned(), "MONGODB_ATLAS_ORG_ID"))
        );
        assert_eq!(
            vars::PROJECT_ID.get(&e),
            Some(("c".to_owned(), "MCLI_PROJECT_ID"))
        );
        assert_eq!(vars::OUTPUT.get(&e), None);
    }

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn config_path_follows_go_user_config_dir_on_linux() {
        let xdg = env(&[("XDG_CONFIG_HOME", "/x"), ("HOME", "/home/u")]);
        assert_eq!(
            config_file_path(&xdg).unwrap(),
            PathBuf::from("/x/atlascli/config.toml")
        );
        let home = env(&[("XDG_CONFIG_HOME", ""), ("HOME", "/home/u")]);
        assert_eq!(
            config_file_path(&home).unwrap(),
            PathBuf::from("/home/u/.config/atlascli/config.toml")
        );
        let relative = env(&[("XDG_CONFIG_HOME", "rel"), ("HOME", "/home/u")]);
        assert!(
            config_file_path(&relative)
                .unwrap_err()
                .contains("relative")
        );
        assert!(config_file_path(&env(&[])).unwrap_err().contains("$HOME"));
    }
}
