//! One `hint: …` line after the `error: …` line, for the failures whose fix the CLI can
//! name: an access-list denial (which address the service saw, and the exact command that
//! adds it) and refused credentials (where the credentials came from).
//!
//! The failing command records its error with [`note`] (when the api error becomes a
//! `Failure`) and `exit` prints the hint with [`print_pending`]. A CLI run is one command,
//! so one process-wide slot is enough and keeps the wiring to a line in each place.
//!
//! This module must NOT print a secret: it names variables and profiles, never their
//! values; the public key (the digest user name, not a secret) is the only credential part
//! it shows. It must NOT send requests (a denied key cannot ask the service anything).

use std::net::IpAddr;
use std::sync::{Mutex, OnceLock};

use atlas_keys::model::{ErrorParameter, OrgId};

/// Where the credentials of this run came from, for the 401 hint. The CLI sets it when it
/// builds the client; without it, the hint is worked out from the variables that are set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CredentialSource {
    /// What they are: `API key` or `service account`.
    pub(crate) kind: &'static str,
    /// Where they came from, e.g. `the variables MONGODB_ATLAS_PUBLIC_API_KEY and
    /// MONGODB_ATLAS_PRIVATE_API_KEY` or `the profile "ci" of ~/.config/atlascli/config.toml`.
    pub(crate) origin: String,
    /// The public key of an API key (the digest user name; not a secret), if known.
    pub(crate) public_key: Option<String>,
}

impl CredentialSource {
    /// Credentials read from the Atlas CLI's variables, as `ClientBuilder::from_env` reads
    /// them: a service account wins when both kinds are set. Only names are kept.
    pub(crate) fn from_env() -> Option<Self> {
        use atlas_keys::vars;
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        if set(vars::CLIENT_ID) || set(vars::CLIENT_SECRET) {
            return Some(CredentialSource {
                kind: "service account",
                origin: format!(
                    "the variables {} and {}",
                    vars::CLIENT_ID,
                    vars::CLIENT_SECRET
                ),
                public_key: None,
            });
        }
        if set(vars::PUBLIC_API_KEY) || set(vars::PRIVATE_API_KEY) {
            return Some(CredentialSource {
                kind: "API key",
                origin: format!(
                    "the variables {} and {}",
                    vars::PUBLIC_API_KEY,
                    vars::PRIVATE_API_KEY
                ),
                public_key: std::env::var(vars::PUBLIC_API_KEY).ok(),
            });
        }
        None
    }

    /// Credentials from a named profile of a config file (for the profile wiring).
    #[allow(dead_code)] // Used once profiles are wired into the client (another change).
    pub(crate) fn profile(
        kind: &'static str,
        name: &str,
        file: &std::path::Path,
        public_key: Option<String>,
    ) -> Self {
        CredentialSource {
            kind,
            origin: format!("the profile {name:?} of {}", file.display()),
            public_key,
        }
    }
}

/// What a hint needs to know besides the error: where the credentials came from and which
/// organization the command named.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct HintContext {
    pub(crate) credentials: Option<CredentialSource>,
    pub(crate) org_id: Option<OrgId>,
}

impl HintContext {
    /// The context of this run: the recorded credential source (or the variables), and the
    /// `--orgId` of the command line (or MONGODB_ATLAS_ORG_ID, its default).
    fn current() -> Self {
        let credentials = SOURCE.get().cloned().or_else(CredentialSource::from_env);
        HintContext {
            credentials,
            org_id: org_from_args(std::env::args().skip(1))
                .or_else(|| std::env::var(atlas_keys::vars::ORG_ID).ok())
                .and_then(|s| s.parse().ok()),
        }
    }
}

static SOURCE: OnceLock<CredentialSource> = OnceLock::new();
static PENDING: Mutex<Option<String>> = Mutex::new(None);

/// Records where the credentials of this run came from (first call wins).
#[allow(dead_code)] // Called by the profile wiring; until then `from_env` stands in.
pub(crate) fn set_credentials(source: CredentialSource) {
    let _ = SOURCE.set(source);
}

/// Remembers the hint for `error`, if it has one, for [`print_pending`].
pub(crate) fn note(error: &atlas_keys::Error) {
    if let Some(hint) = hint_for(error, &HintContext::current())
        && let Ok(mut slot) = PENDING.lock()
    {
        *slot = Some(hint);
    }
}

/// Prints the remembered hint, if any, as one `hint: …` line on stderr.
pub(crate) fn take_pending() -> Option<String> {
    PENDING.lock().ok().and_then(|mut slot| slot.take())
}

/// The hint for an error, as one line without the `hint: ` prefix.
pub(crate) fn hint_for(error: &atlas_keys::Error, context: &HintContext) -> Option<String> {
    if let Some(code) = error.code()
        && (code.is_ip_not_on_access_list() || code.is_access_list_required())
    {
        let seen = error
            .api_error()
            .and_then(|api| api.parameters.first())
            .and_then(|p| match p {
                ErrorParameter::String(s) => s.parse::<IpAddr>().ok(),
                _ => None,
            });
        return Some(access_list_hint(seen, context));
    }
    if credentials_refused(error) {
        return Some(credentials_hint(context));
    }
    None
}

/// True for a 401 answer, and for credentials the transport gave up on (a digest
/// re-challenge refused, or the token endpoint saying no).
fn credentials_refused(error: &atlas_keys::Error) -> bool {
    if error.status() == Some(401) {
        // Reading another key's access list without rights is a 401 too, but the
        // credentials are fine: their owner lacks a role.
        return !error
            .code()
            .is_some_and(|c| c.is_access_list_denied() && !c.is_access_list_required());
    }
    std::error::Error::source(error)
        .and_then(|s| s.downcast_ref::<atlas_keys::transport::Error>())
        .is_some_and(atlas_keys::transport::Error::is_auth)
}

fn access_list_hint(seen: Option<IpAddr>, context: &HintContext) -> String {
    let address = seen.map_or_else(|| "<ADDRESS>".to_owned(), |ip| ip.to_string());
    let org = context
        .org_id
        .as_ref()
        .map_or_else(|| "<ORG_ID>".to_owned(), |o| o.to_string());
    let said = match seen {
        Some(ip) => format!("the service saw this request come from {ip}"),
        None => "the service did not say which address it saw".to_owned(),
    };
    let credentials = context.credentials.as_ref();
    if credentials.is_some_and(|c| c.kind == "service account") {
        return format!(
            "{said}; add it to the service account's access list (the access lists of API \
             keys do not apply to it)"
        );
    }
    // The CLI knows the key's public key, not its 24-hex id, which the command needs.
    let whose = credentials
        .and_then(|c| c.public_key.as_deref())
        .map_or_else(String::new, |p| {
            format!(" (KEY_ID: the id of public key {p})")
        });
    format!(
        "{said}; to allow it, run: atlas-keys organizations apiKeys accessLists create \
         --apiKey <KEY_ID> --ip {address} --orgId {org}{whose}"
    )
}

fn credentials_hint(context: &HintContext) -> String {
    match &context.credentials {
        Some(c) => {
            let key = c
                .public_key
                .as_deref()
                .map_or_else(String::new, |p| format!(" (public key {p})"));
            format!(
                "the {} credentials{key} came from {}; check them there",
                c.kind, c.origin
            )
        }
        None => "no credentials were found in the environment".to_owned(),
    }
}

/// The value of `--orgId` (or `--org-id`) on a command line, as typed.
///
/// Read from the raw arguments because the parsed command is owned by the command code,
/// which this module must not depend on; a value that is not a valid id is dropped later.
fn org_from_args(args: impl Iterator<Item = String>) -> Option<String> {
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        for flag in ["--orgId", "--org-id"] {
            if arg == flag {
                return args.next();
            }
            if let Some(value) = arg.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
                return Some(value.to_owned());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use atlas_keys::ApiError;

    const ORG: &str = "4888442a3354817a7320eb61";

    fn env_key() -> HintContext {
        HintContext {
            credentials: Some(CredentialSource {
                kind: "API key",
                origin: "the variables MONGODB_ATLAS_PUBLIC_API_KEY and \
                         MONGODB_ATLAS_PRIVATE_API_KEY"
                    .to_owned(),
                public_key: Some("abcdefgh".to_owned()),
            }),
            org_id: Some(ORG.parse().unwrap()),
        }
    }

    fn denied(code: &str, parameter: Option<&str>) -> atlas_keys::Error {
        let mut api = ApiError::new(403).with_code(code);
        api.parameters = parameter
            .map(|p| vec![ErrorParameter::String(p.to_owned())])
            .unwrap_or_default();
        atlas_keys::Error::from(api)
    }

    #[test]
    fn every_access_list_denial_names_the_address_and_the_command() {
        for code in [
            "IP_ADDRESS_NOT_ON_ACCESS_LIST",
            "IP_ADDRESS_NOT_ON_WHITELIST",
            "ORG_REQUIRES_ACCESS_LIST",
            "ORG_REQUIRES_WHITELIST",
            "RESOURCE_REQUIRES_ACCESS_LIST",
        ] {
            let hint = hint_for(&denied(code, Some("203.0.113.7")), &env_key()).unwrap();
            assert!(hint.contains("from 203.0.113.7"), "{code}: {hint}");
            assert!(
                hint.contains(&format!(
                    "atlas-keys organizations apiKeys accessLists create --apiKey <KEY_ID> \
                     --ip 203.0.113.7 --orgId {ORG}"
                )),
                "{code}: {hint}"
            );
            assert!(hint.contains("public key abcdefgh"), "{hint}");
            assert!(!hint.contains('\n'));
        }
    }

    #[test]
    fn a_denial_without_parameters_still_names_the_command() {
        let hint = hint_for(
            &denied("IP_ADDRESS_NOT_ON_ACCESS_LIST", None),
            &HintContext::default(),
        )
        .unwrap();
        assert!(hint.contains("did not say"), "{hint}");
        assert!(hint.contains("--ip <ADDRESS> --orgId <ORG_ID>"), "{hint}");
    }

    #[test]
    fn a_401_names_where_the_credentials_came_from() {
        let err = atlas_keys::Error::from(ApiError::new(401).with_code("USER_UNAUTHORIZED"));
        let hint = hint_for(&err, &env_key()).unwrap();
        assert!(hint.contains("MONGODB_ATLAS_PRIVATE_API_KEY"), "{hint}");
        assert!(hint.contains("public key abcdefgh"), "{hint}");
        let profile = HintContext {
            credentials: Some(CredentialSource::profile(
                "service account",
                "ci",
                std::path::Path::new("/home/u/.config/atlascli/config.toml"),
                None,
            )),
            org_id: None,
        };
        let hint = hint_for(&err, &profile).unwrap();
        assert!(hint.contains(r#"the profile "ci" of /home/u/"#), "{hint}");
    }

    #[test]
    fn other_errors_have_no_hint() {
        for err in [
            atlas_keys::Error::from(ApiError::new(400).with_code("API_KEY_NOT_FOUND")),
            atlas_keys::Error::from(
                ApiError::new(401).with_code("API_KEY_ACCESS_LIST_ACCESS_DENIED"),
            ),
            atlas_keys::Error::from(ApiError::new(500)),
        ] {
            assert_eq!(hint_for(&err, &env_key()), None, "{err}");
        }
    }

    #[test]
    fn the_org_is_read_from_either_spelling_of_the_flag() {
        let args = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            org_from_args(args(&["x", "--orgId", ORG]).into_iter()).as_deref(),
            Some(ORG)
        );
        assert_eq!(
            org_from_args(args(&["--org-id=abc"]).into_iter()).as_deref(),
            Some("abc")
        );
        assert_eq!(org_from_args(args(&["--orgIdx"]).into_iter()), None);
    }
}
