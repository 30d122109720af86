//! The Atlas CLI's `config.toml`: which profiles it has, and one profile's properties parsed
//! into typed values.
//!
//! The format (atlas-cli-core `config/viper_store.go`, `config/profile.go`): one TOML table
//! per profile (`[default]`, `[work]`), string properties inside; top-level non-table keys
//! are global properties (`version`, `telemetry_enabled`, …). Table and key names are
//! matched case-insensitively because viper lowercases them. This module must NOT write
//! the file, touch the keyring, or put a secret (or a TOML snippet that might hold one)
//! into an error.

use std::path::{Path, PathBuf};

use atlas_keys_model::{OrgId, ProjectId};
use secrecy::SecretString;

use super::setting::{SettingError, Source};

/// The profile used when none is named.
pub(crate) const DEFAULT_PROFILE: &str = "default";

/// A profile's value: parsed, or the error a command using it will report.
pub(crate) type Field<T> = Option<Result<Found<T>, SettingError>>;

/// A value read from the file (or, after [`Profile::merge_keyring`], the keyring).
#[derive(Debug, Clone)]
pub(crate) struct Found<T> {
    /// The parsed value.
    pub(crate) value: T,
    /// Where in the file (or keyring) it was.
    pub(crate) source: Source,
}

/// Why the config file could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ProfileError {
    /// The file exists but could not be read.
    #[error("cannot read {}: {reason}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The I/O error, in words.
        reason: String,
    },
    /// The file is not valid TOML. Only the parser's message and the line are kept: the
    /// offending line itself might hold a secret.
    #[error("{} is not valid TOML (line {line}): {message}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// The parser's message, without the source snippet.
        message: String,
    },
    /// A profile was asked for by name (flag or variable) and the file has no such table.
    #[error(
        "no profile {name:?} in {}{}", path.display(),
        if available.is_empty() { String::from(" (it has no profiles)") }
        else { format!(" (it has: {})", available.join(", ")) }
    )]
    NotFound {
        /// The profile asked for.
        name: String,
        /// The file looked in.
        path: PathBuf,
        /// The profiles it does have.
        available: Vec<String>,
    },
    /// The Atlas CLI refuses profile names with a dot (`ErrProfileNameHasDots`).
    #[error("profile name {name:?} must not contain '.'")]
    BadName {
        /// The name given.
        name: String,
    },
    /// The config directory could not be worked out (no `$HOME`).
    #[error("cannot locate the Atlas CLI config file: {0}")]
    NoConfigDir(String),
}

/// A parsed `config.toml`, or the fact that there is none.
#[derive(Debug, Clone)]
pub(crate) struct ConfigFile {
    path: PathBuf,
    table: Option<toml::Table>,
}

impl ConfigFile {
    /// Reads `path`; a missing file is an empty config (as for the Atlas CLI).
    pub(crate) fn read(path: &Path) -> Result<ConfigFile, ProfileError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile {
                path: path.to_owned(),
                table: None,
            }),
            Err(e) => Err(ProfileError::Unreadable {
                path: path.to_owned(),
                reason: e.to_string(),
            }),
        }
    }

    /// Parses `text` as the file at `path`.
    pub(crate) fn parse(path: &Path, text: &str) -> Result<ConfigFile, ProfileError> {
        match text.parse::<toml::Table>() {
            Ok(table) => Ok(ConfigFile {
                path: path.to_owned(),
                table: Some(table),
            }),
            Err(e) => {
                let line = e
                    .span()
                    .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1)
                    .unwrap_or(0);
                Err(ProfileError::Malformed {
                    path: path.to_owned(),
                    line,
                    // `message()` is the short message; `Display` would quote the line.
                    message: e.message().to_owned(),
                })
            }
        }
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file exists.
    pub(crate) fn exists(&self) -> bool {
        self.table.is_some()
    }

    /// The profile names (tables), lowercased and sorted as the Atlas CLI lists them.
    pub(crate) fn profile_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .table
            .iter()
            .flat_map(|t| t.iter())
            .filter(|(_, v)| v.is_table())
            .map(|(k, _)| k.to_lowercase())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The profile `name` (case-insensitive), or `None` when the file has no such table.
    pub(crate) fn profile(&self, name: &str) -> Option<Profile> {
        let root = self.table.as_ref()?;
        let table = root
            .iter()
            .find(|(k, v)| v.is_table() && k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_table())?;
        Some(Profile::from_tables(name, root, table))
    }
}

/// One profile's properties, typed. Secrets are [`SecretString`]s, so `Debug` shows
/// `[REDACTED]` for them.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    /// The profile's name, lowercased.
    pub(crate) name: String,
    /// `auth_type`: `api_keys`, `service_account`, `user_account` (config version 2).
    pub(crate) auth_type: Field<String>,
    /// `public_api_key`.
    pub(crate) public_api_key: Field<String>,
    /// `private_api_key`.
    pub(crate) private_api_key: Field<SecretString>,
    /// `client_id`.
    pub(crate) client_id: Field<String>,
    /// `client_secret`.
    pub(crate) client_secret: Field<SecretString>,
    /// `org_id`.
    pub(crate) org_id: Field<OrgId>,
    /// `project_id`.
    pub(crate) project_id: Field<ProjectId>,
    /// `ops_manager_url`, or its alias `base_url`.
    pub(crate) ops_manager_url: Field<String>,
    /// `service`: `cloud`, `cloudgov` (MongoCLI: `cloud-manager`, `ops-manager`).
    pub(crate) service: Field<String>,
    /// `output`.
    pub(crate) output: Field<String>,
    /// `ops_manager_ca_certificate` (MongoCLI's CA bundle path).
    pub(crate) ca_certificate: Field<PathBuf>,
}

/// The properties that the Atlas CLI keeps in the keyring when it can
/// (atlas-cli-core `config/proxy_store.go` `SecureProperties`, less the OAuth tokens that
/// this CLI cannot use).
pub(crate) const SECURE_PROPERTIES: [&str; 4] = [
    "public_api_key",
    "private_api_key",
    "client_id",
    "client_secret",
];

impl Profile {
    fn from_tables(name: &str, root: &toml::Table, table: &toml::Table) -> Profile {
        let name = name.to_lowercase();
        let get = |key: &'static str| lookup(&name, root, table, key);
        let text = |key: &'static str| get(key).map(|r| r.map(|(s, src)| found(s.trim(), src)));
        let secret = |key: &'static str| {
            get(key).map(|r| {
                r.map(|(s, source)| Found {
                    value: SecretString::from(s),
                    source,
                })
            })
        };
        let id = |key: &'static str| get(key).map(|r| r.map(|(s, src)| (s.trim().to_owned(), src)));
        Profile {
            auth_type: text("auth_type"),
            public_api_key: text("public_api_key"),
            private_api_key: secret("private_api_key"),
            client_id: text("client_id"),
            client_secret: secret("client_secret"),
            org_id: id("org_id").map(|r| r.and_then(|(s, src)| parse_id::<OrgId>(s, src))),
            project_id: id("project_id")
                .map(|r| r.and_then(|(s, src)| parse_id::<ProjectId>(s, src))),
            ops_manager_url: text("ops_manager_url").or_else(|| text("base_url")),
            service: text("service"),
            output: text("output"),
            ca_certificate: get("ops_manager_ca_certificate").map(|r| {
                r.map(|(s, source)| Found {
                    value: PathBuf::from(s.trim()),
                    source,
                })
            }),
            name,
        }
    }

    /// Whether the file alone holds a complete credential of the kind the profile uses, so
    /// the keyring need not be asked.
    pub(crate) fn has_file_credentials(&self) -> bool {
        let api = self.public_api_key.is_some() && self.private_api_key.is_some();
        let sa = self.client_id.is_some() && self.client_secret.is_some();
        match self.auth_type_str() {
            Some("api_keys") => api,
            Some("service_account") => sa,
            _ => api || sa,
        }
    }

    /// The keyring users (property names) worth asking for: those of the profile's
    /// `auth_type`, or all four when it has none.
    pub(crate) fn keyring_keys(&self) -> &'static [&'static str] {
        match self.auth_type_str() {
            Some("api_keys") => &SECURE_PROPERTIES[..2],
            Some("service_account") => &SECURE_PROPERTIES[2..],
            _ => &SECURE_PROPERTIES,
        }
    }

    /// The profile's `auth_type`, when it is a well-formed string.
    pub(crate) fn auth_type_str(&self) -> Option<&str> {
        match &self.auth_type {
            Some(Ok(found)) => Some(found.value.as_str()),
            _ => None,
        }
    }

    /// Puts secrets read from the keyring over the file's, as the Atlas CLI's proxy store
    /// does (keyring before file for secure properties).
    pub(crate) fn merge_keyring(&mut self, found: Vec<(&'static str, SecretString)>) {
        use secrecy::ExposeSecret;
        for (key, secret) in found {
            let source = Source::Keyring {
                profile: self.name.clone(),
                key,
            };
            let public = |s: &SecretString, source: Source| {
                Some(Ok(found_value(s.expose_secret().trim().to_owned(), source)))
            };
            match key {
                "public_api_key" => self.public_api_key = public(&secret, source),
                "client_id" => self.client_id = public(&secret, source),
                "private_api_key" => {
                    self.private_api_key = Some(Ok(Found {
                        value: secret,
                        source,
                    }))
                }
                "client_secret" => {
                    self.client_secret = Some(Ok(Found {
                        value: secret,
                        source,
                    }))
                }
                _ => {}
            }
        }
    }
}

fn found(value: &str, source: Source) -> Found<String> {
    found_value(value.to_owned(), source)
}

fn found_value<T>(value: T, source: Source) -> Found<T> {
    Found { value, source }
}

fn parse_id<T>(value: String, source: Source) -> Result<Found<T>, SettingError>
where
    T: std::str::FromStr<Err = atlas_keys_model::ValidationError>,
{
    value
        .parse::<T>()
        .map(|value| Found {
            value,
            source: source.clone(),
        })
        .map_err(|e| SettingError::from_validation(source, &e))
}

/// One property: the top-level value first (the Atlas CLI's `GetHierarchicalValue`), then
/// the profile's; keys case-insensitive; empty strings unset. A value of another TOML type
/// is an error that does not show the value.
fn lookup(
    profile: &str,
    root: &toml::Table,
    table: &toml::Table,
    key: &'static str,
) -> Option<Result<(String, Source), SettingError>> {
    let pick = |t: &toml::Table, source: Source| {
        let value = t.iter().find(|(k, _)| k.eq_ignore_ascii_case(key))?.1;
        match value {
            toml::Value::String(s) if s.trim().is_empty() => None,
            toml::Value::String(s) => Some(Ok((s.clone(), source))),
            toml::Value::Table(_) => None,
            other => Some(Err(SettingError::hidden(
                source,
                format!("must be a string, got a TOML {}", other.type_str()),
            ))),
        }
    };
    pick(root, Source::ConfigTopLevel { key }).or_else(|| {
        pick(
            table,
            Source::Profile {
                profile: profile.to_owned(),
                key,
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    const FIXTURE: &str = include_str!("fixtures/config.toml");

    fn fixture() -> ConfigFile {
        ConfigFile::parse(Path::new("/cfg/atlascli/config.toml"), FIXTURE).unwrap()
    }

    #[test]
    fn lists_profiles_lowercased_and_sorted_without_globals() {
        assert_eq!(
            fixture().profile_names(),
            ["broken", "default", "gov", "migrated", "service", "work"]
        );
    }

    #[test]
    fn reads_a_digest_profile_with_typed_ids() {
        let p = fixture().profile("default").unwrap();
        assert_eq!(p.name, "default");
        assert_eq!(p.public_api_key.unwrap().unwrap().value, "abcdefgh");
        let private = p.private_api_key.unwrap().unwrap();
        assert_eq!(private.value.expose_secret(), "priv-default-secret");
        assert_eq!(
            private.source,
            Source::Profile {
                profile: "default".into(),
                key: "private_api_key"
            }
        );
        assert_eq!(
            p.org_id.unwrap().unwrap().value.as_str(),
            "5e2211c17a3e5a48f5497de3"
        );
        assert_eq!(p.output.unwrap().unwrap().value, "json");
        assert!(p.client_id.is_none());
    }

    #[test]
    fn profile_names_match_case_insensitively() {
        let p = fixture().profile("WORK").unwrap();
        assert_eq!(p.name, "work");
        assert_eq!(
            p.ops_manager_url.unwrap().unwrap().value,
            "https://om.example.com:8443/"
        );
        assert_eq!(p.service.unwrap().unwrap().value, "ops-manager");
    }

    #[test]
    fn base_url_is_an_alias_of_ops_manager_url() {
        let p = fixture().profile("service").unwrap();
        let url = p.ops_manager_url.unwrap().unwrap();
        assert_eq!(url.value, "http://127.0.0.1:9000");
        assert_eq!(
            url.source,
            Source::Profile {
                profile: "service".into(),
                key: "base_url"
            }
        );
    }

    #[test]
    fn wrong_types_and_bad_ids_are_per_field_errors_that_hide_secrets() {
        let p = fixture().profile("broken").unwrap();
        let org = p.org_id.unwrap().unwrap_err();
        assert_eq!(
            org.to_string(),
            r#"org_id in profile "broken": must be a string, got a TOML integer"#
        );
        let project = p.project_id.unwrap().unwrap_err();
        assert_eq!(
            project.to_string(),
            r#"project_id in profile "broken": must be exactly 24 lowercase hex characters, got "nope""#
        );
        let private = p.private_api_key.unwrap().unwrap_err();
        assert!(
            private.to_string().contains("must be a string"),
            "{private}"
        );
        // Fields that are fine stay usable.
        assert_eq!(p.public_api_key.unwrap().unwrap().value, "brokenpk");
    }

    #[test]
    fn missing_fields_are_none_and_empty_strings_are_unset() {
        let p = fixture().profile("migrated").unwrap();
        assert_eq!(p.auth_type_str(), Some("api_keys"));
        assert!(p.public_api_key.is_none() && p.private_api_key.is_none());
        assert!(p.project_id.is_none(), "empty string is unset");
        assert!(!p.has_file_credentials());
        assert_eq!(p.keyring_keys(), ["public_api_key", "private_api_key"]);
    }

    #[test]
    fn keyring_values_replace_file_values() {
        let mut p = fixture().profile("migrated").unwrap();
        p.merge_keyring(vec![
            ("public_api_key", SecretString::from("kpubkey1")),
            ("private_api_key", SecretString::from("k-secret")),
        ]);
        let private = p.private_api_key.clone().unwrap().unwrap();
        assert_eq!(private.value.expose_secret(), "k-secret");
        assert!(matches!(private.source, Source::Keyring { .. }));
        assert_eq!(p.public_api_key.clone().unwrap().unwrap().value, "kpubkey1");
        assert!(p.has_file_credentials());
    }

    #[test]
    fn debug_of_a_profile_never_shows_secrets() {
        let p = fixture().profile("default").unwrap();
        let debug = format!("{p:?}");
        assert!(!debug.contains("priv-default-secret"), "{debug}");
        let sa = fixture().profile("service").unwrap();
        assert!(!format!("{sa:?}").contains("sa-secret-value"));
    }

    #[test]
    fn a_syntax_error_names_file_and_line_but_not_the_line_text() {
        let text = "[default]\norg_id = \"x\"\nprivate_api_key = \"hunter2\n";
        let err = ConfigFile::parse(Path::new("/c/config.toml"), text).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("/c/config.toml is not valid TOML (line 3)"),
            "{msg}"
        );
        assert!(!msg.contains("hunter2"), "{msg}");
    }

    #[test]
    fn a_missing_file_is_an_empty_config() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = ConfigFile::read(&dir.path().join("config.toml")).unwrap();
        assert!(!cfg.exists());
        assert!(cfg.profile_names().is_empty());
        assert!(cfg.profile("default").is_none());
    }

    #[test]
    fn top_level_properties_apply_before_the_profile_table() {
        let text = "output = \"json\"\n[default]\noutput = \"plaintext\"\n";
        let cfg = ConfigFile::parse(Path::new("/c"), text).unwrap();
        let out = cfg.profile("default").unwrap().output.unwrap().unwrap();
        assert_eq!(out.value, "json");
        assert_eq!(out.source, Source::ConfigTopLevel { key: "output" });
    }
}
