//! `atlas-keys auth whoami`: which credential and profile are in use and where each
//! setting came from, as text or JSON.
//!
//! What it must NOT do: print a secret (a private key or client secret) in any form, even
//! partly; only the public key or client id identify the credential. It does no I/O: the
//! caller prints the returned text.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::keyring::KeyringStatus;
use super::resolve::{ConfigError, Credentials, ProfileChoice, Resolved};
use super::setting::{Setting, Source};

/// The text form: one `label: value (source)` line per setting.
pub(crate) fn render_text(resolved: &Resolved) -> String {
    let mut out = String::new();
    let line = |out: &mut String, label: &str, value: &str| {
        let _ = writeln!(out, "{label:<16}{value}");
    };
    match resolved.credentials() {
        Ok(Credentials::ApiKey {
            public_key,
            public_source,
            private_source,
            ..
        }) => {
            line(
                &mut out,
                "Credential:",
                &format!("API key {public_key} (HTTP Digest)"),
            );
            line(&mut out, "  public key:", &format!("from {public_source}"));
            line(
                &mut out,
                "  private key:",
                &format!("from {private_source}"),
            );
        }
        Ok(Credentials::ServiceAccount {
            client_id,
            id_source,
            secret_source,
            ..
        }) => {
            line(
                &mut out,
                "Credential:",
                &format!("service account {client_id} (OAuth)"),
            );
            line(&mut out, "  client id:", &format!("from {id_source}"));
            line(&mut out, "  secret:", &format!("from {secret_source}"));
        }
        Err(e) => line(&mut out, "Credential:", &format!("none: {e}")),
    }
    let p = resolved.profile();
    let path = p
        .path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "(unknown location)".to_owned());
    let state = match (p.file_exists, p.found) {
        (false, _) => ", no such file",
        (true, false) => ", not in the file",
        (true, true) => "",
    };
    line(
        &mut out,
        "Profile:",
        &format!("{} ({}) in {path}{state}", p.name, choice(&p.chosen_by)),
    );
    if let Some(e) = resolved.profile_error() {
        line(&mut out, "  problem:", &e.to_string());
    }
    line(&mut out, "  keyring:", &keyring(&p.keyring));
    line(&mut out, "Organization:", &setting(resolved.org_id()));
    line(&mut out, "Project:", &setting(resolved.project_id()));
    line(&mut out, "Flavour:", &setting(resolved.flavour().map(Some)));
    line(&mut out, "Base URL:", &setting(resolved.base_url()));
    line(&mut out, "Output:", &setting(resolved.output()));
    line(
        &mut out,
        "CA file:",
        &setting(
            path_setting(resolved)
                .as_ref()
                .map(Option::as_ref)
                .map_err(Clone::clone),
        ),
    );
    out
}

/// The JSON form, for `-o json`.
pub(crate) fn render_json(resolved: &Resolved) -> Value {
    let credential = match resolved.credentials() {
        Ok(Credentials::ApiKey {
            public_key,
            public_source,
            private_source,
            ..
        }) => json!({
            "type": "apiKey",
            "publicKey": public_key,
            "publicKeySource": public_source.to_string(),
            "privateKeySource": private_source.to_string(),
        }),
        Ok(Credentials::ServiceAccount {
            client_id,
            id_source,
            secret_source,
            ..
        }) => json!({
            "type": "serviceAccount",
            "clientId": client_id,
            "clientIdSource": id_source.to_string(),
            "clientSecretSource": secret_source.to_string(),
        }),
        Err(e) => json!({ "type": null, "error": e.to_string() }),
    };
    let p = resolved.profile();
    json!({
        "credential": credential,
        "profile": {
            "name": p.name,
            "chosenBy": choice(&p.chosen_by),
            "file": p.path.as_ref().map(|p| p.display().to_string()),
            "fileExists": p.file_exists,
            "found": p.found,
            "error": resolved.profile_error().map(|e| e.to_string()),
            "keyring": keyring(&p.keyring),
        },
        "orgId": setting_json(resolved.org_id()),
        "projectId": setting_json(resolved.project_id()),
        "flavor": setting_json(resolved.flavour().map(Some)),
        "baseUrl": setting_json(resolved.base_url()),
        "output": setting_json(resolved.output()),
        "caFile": setting_json(path_setting(resolved).as_ref().map(Option::as_ref).map_err(Clone::clone)),
    })
}

/// The CA file as a displayable setting (paths have no `Display`).
fn path_setting(resolved: &Resolved) -> Result<Option<Setting<String>>, ConfigError> {
    Ok(resolved
        .ca_file()?
        .map(|s| Setting::new(s.value.display().to_string(), s.source.clone())))
}

fn choice(c: &ProfileChoice) -> String {
    match c {
        ProfileChoice::Flag => "from --profile".to_owned(),
        ProfileChoice::Env(var) => format!("from {var}"),
        ProfileChoice::OnlyProfile => "the only profile".to_owned(),
        ProfileChoice::Default => "default".to_owned(),
    }
}

fn keyring(k: &KeyringStatus) -> String {
    match k {
        KeyringStatus::NotConsulted(why) => format!("not consulted ({why})"),
        KeyringStatus::Consulted { service, found } if found.is_empty() => {
            format!("service {service}: nothing stored")
        }
        KeyringStatus::Consulted { service, found } => {
            format!("service {service}: {}", found.join(", "))
        }
        KeyringStatus::Unavailable(reason) => format!("not available: {reason}"),
    }
}

fn setting<T: std::fmt::Display>(s: Result<Option<&Setting<T>>, ConfigError>) -> String {
    match s {
        Ok(Some(s)) => format!("{} (from {})", s.value, s.source),
        Ok(None) => "not set".to_owned(),
        Err(e) => format!("invalid: {e}"),
    }
}

fn setting_json<T: std::fmt::Display>(s: Result<Option<&Setting<T>>, ConfigError>) -> Value {
    match s {
        Ok(Some(s)) => json!({ "value": s.value.to_string(), "source": source(&s.source) }),
        Ok(None) => Value::Null,
        Err(e) => json!({ "error": e.to_string() }),
    }
}

fn source(s: &Source) -> String {
    s.to_string()
}
