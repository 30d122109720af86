//! A resolved value and where it came from, and the error of a value that did not parse.
//!
//! What it is for: `auth whoami` shows each [`Source`], and every [`SettingError`] names
//! the variable, flag or profile key it came from, so a user knows what to fix. What it
//! must NOT do: hold or print a secret's value (a [`SettingError`] built for a secret
//! carries no value at all).

use std::fmt;

/// Where a setting's value came from, highest precedence first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// A command-line flag, e.g. `--orgId`.
    Flag(&'static str),
    /// An environment variable, e.g. `MONGODB_ATLAS_ORG_ID`.
    Env(&'static str),
    /// The OS keyring item the Atlas CLI wrote for a profile (service `atlascli_<profile>`,
    /// user = the property name).
    Keyring {
        /// The profile name.
        profile: String,
        /// The property, e.g. `private_api_key`.
        key: &'static str,
    },
    /// A property of a profile's table in `config.toml`.
    Profile {
        /// The profile name.
        profile: String,
        /// The property, e.g. `org_id`.
        key: &'static str,
    },
    /// A top-level property of `config.toml`, which the Atlas CLI applies to every profile
    /// (and before the profile's own value: `GetHierarchicalValue`).
    ConfigTopLevel {
        /// The property.
        key: &'static str,
    },
    /// Not configured anywhere: a built-in default, with the reason.
    Default(&'static str),
}

impl Source {
    /// The keyring service name of a profile, as the Atlas CLI forms it
    /// (atlas-cli-core `config/secure/go_keyring.go`: `"atlascli_" + profileName`).
    pub(crate) fn keyring_service(profile: &str) -> String {
        format!("atlascli_{profile}")
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) => f.write_str(flag),
            Source::Env(var) => f.write_str(var),
            Source::Keyring { profile, key } => write!(
                f,
                "OS keyring (service {}, user {key})",
                Source::keyring_service(profile)
            ),
            Source::Profile { profile, key } => write!(f, "{key} in profile {profile:?}"),
            Source::ConfigTopLevel { key } => write!(f, "top-level {key} in config.toml"),
            Source::Default(why) => write!(f, "default ({why})"),
        }
    }
}

/// A value and its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Setting<T> {
    /// The parsed value.
    pub(crate) value: T,
    /// Where it came from.
    pub(crate) source: Source,
}

impl<T> Setting<T> {
    pub(crate) fn new(value: T, source: Source) -> Self {
        Self { value, source }
    }
}

/// A configured value that did not parse. Only a command that USES the setting reports it.
///
/// `Display`: `<source>: <rule>, got "<value>"`, e.g.
/// `MONGODB_ATLAS_PROJECT_ID: must be exactly 24 lowercase hex characters, got "nope"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {rule}{}", value.as_ref().map(|v| format!(", got {v:?}")).unwrap_or_default())]
pub(crate) struct SettingError {
    /// Where the bad value is.
    pub(crate) origin: Source,
    /// The rule it broke.
    pub(crate) rule: String,
    /// The value, shown to the user; `None` for secrets.
    pub(crate) value: Option<String>,
}

impl SettingError {
    /// An invalid non-secret value, shown in the message.
    pub(crate) fn shown(source: Source, rule: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            origin: source,
            rule: rule.into(),
            value: Some(value.into()),
        }
    }

    /// An invalid value that is not shown (a secret, or a TOML value of the wrong type).
    pub(crate) fn hidden(source: Source, rule: impl Into<String>) -> Self {
        Self {
            origin: source,
            rule: rule.into(),
            value: None,
        }
    }

    /// From a model validation error: its rule and value, our source.
    pub(crate) fn from_validation(
        source: Source,
        error: &atlas_keys_model::ValidationError,
    ) -> Self {
        Self::shown(source, error.rule(), error.value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_error_names_the_variable_and_the_value() {
        let err = "nope".parse::<atlas_keys_model::ProjectId>().unwrap_err();
        let e = SettingError::from_validation(Source::Env("MONGODB_ATLAS_PROJECT_ID"), &err);
        assert_eq!(
            e.to_string(),
            r#"MONGODB_ATLAS_PROJECT_ID: must be exactly 24 lowercase hex characters, got "nope""#
        );
        let hidden = SettingError::hidden(
            Source::Profile {
                profile: "default".into(),
                key: "private_api_key",
            },
            "must be a string",
        );
        assert_eq!(
            hidden.to_string(),
            r#"private_api_key in profile "default": must be a string"#
        );
    }
}
