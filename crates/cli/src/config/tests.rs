//! Tests of the whole configuration layer: [`load`](super::load) over fixture files and a
//! fake keyring, the precedence matrix of [`resolve`](super::resolve), malformed defaults,
//! the no-credentials message, and that no secret reaches `Debug`, errors or whoami.
//!
//! The fixture `fixtures/config.toml` is in the Atlas CLI's format; ids and keys are made
//! up. Tests never touch the process environment or the real keyring (see `keyring.rs` for
//! the real Secret Service test).

use std::path::Path;

use atlas_keys_model::Flavour;
use secrecy::ExposeSecret;

use super::env::tests::env;
use super::keyring::tests::FakeKeyring;
use super::*;

const FIXTURE: &str = include_str!("fixtures/config.toml");
const ORG_A: &str = "5e2211c17a3e5a48f5497de3";
const ORG_B: &str = "6f3322d28b4f6b59a6508ef4";
const PROJECT_B: &str = "6f3322d28b4f6b59a6508ef5";
/// Every secret in the fixture and in these tests; none may ever be printed.
const SECRETS: [&str; 6] = [
    "priv-default-secret",
    "priv-work-secret",
    "sa-secret-value",
    "priv-gov-secret",
    "env-private-secret",
    "keyring-secret",
];

/// A config home holding `text` as `atlascli/config.toml`.
fn config_home(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("atlascli")).unwrap();
    std::fs::write(dir.path().join("atlascli/config.toml"), text).unwrap();
    dir
}

fn load_with(
    home: &Path,
    flags: &FlagInputs,
    vars: &[(&str, &str)],
    keyring: &dyn SecretStore,
) -> Resolved {
    let home = home.to_str().unwrap().to_owned();
    let mut pairs: Vec<(&str, &str)> = vec![("XDG_CONFIG_HOME", &home)];
    pairs.extend_from_slice(vars);
    load(flags, &env(&pairs), keyring)
}

fn profile_flag(name: &str) -> FlagInputs {
    FlagInputs {
        profile: Some(name.to_owned()),
        ..Default::default()
    }
}

fn assert_no_secret(text: &str) {
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "secret {secret:?} shown in:\n{text}"
        );
    }
}

fn public_key(r: &Resolved) -> (String, Source, Source) {
    match r.credentials().unwrap() {
        Credentials::ApiKey {
            public_key,
            public_source,
            private_source,
            ..
        } => (
            public_key.clone(),
            public_source.clone(),
            private_source.clone(),
        ),
        other => panic!("not an API key: {other:?}"),
    }
}

#[cfg(unix)]
#[test]
fn default_profile_from_the_atlas_cli_file() {
    let home = config_home(FIXTURE);
    let r = load_with(
        home.path(),
        &FlagInputs::default(),
        &[],
        &FakeKeyring::default(),
    );
    assert!(r.profile_error().is_none());
    assert_eq!(r.profile().name, "default");
    assert_eq!(r.profile().chosen_by, ProfileChoice::Default);
    assert_eq!(
        r.profile().path.as_deref(),
        Some(home.path().join("atlascli/config.toml").as_path())
    );
    let (public, public_source, _) = public_key(&r);
    assert_eq!(public, "abcdefgh");
    assert_eq!(
        public_source,
        Source::Profile {
            profile: "default".into(),
            key: "public_api_key"
        }
    );
    assert_eq!(r.org_id().unwrap().unwrap().value.as_str(), ORG_A);
    assert_eq!(r.flavour().unwrap().value, Flavour::AtlasV2);
    assert_eq!(r.output().unwrap().unwrap().value, "json");
    assert!(r.base_url().unwrap().is_none());
    assert_eq!(
        r.profile().keyring,
        KeyringStatus::NotConsulted("the file holds credentials")
    );
}

#[cfg(unix)]
#[test]
fn profile_from_flag_then_variable_then_the_only_profile() {
    let home = config_home(FIXTURE);
    let flag_wins = load_with(
        home.path(),
        &profile_flag("Work"),
        &[("MONGODB_ATLAS_PROFILE", "gov")],
        &FakeKeyring::default(),
    );
    assert_eq!(flag_wins.profile().name, "work");
    assert_eq!(flag_wins.profile().chosen_by, ProfileChoice::Flag);
    assert_eq!(flag_wins.flavour().unwrap().value, Flavour::OpsManager);
    assert_eq!(
        flag_wins.base_url().unwrap().unwrap().value,
        "https://om.example.com:8443/"
    );

    let by_env = load_with(
        home.path(),
        &FlagInputs::default(),
        &[("MONGODB_ATLAS_PROFILE", "gov")],
        &FakeKeyring::default(),
    );
    assert_eq!(
        by_env.profile().chosen_by,
        ProfileChoice::Env("MONGODB_ATLAS_PROFILE")
    );
    // `service = "cloudgov"` without a URL means Atlas for Government.
    let url = by_env.base_url().unwrap().unwrap();
    assert_eq!(url.value, "https://cloud.mongodbgov.com");
    assert_eq!(url.source, Source::Default("service cloudgov"));

    let single = config_home("[only]\npublic_api_key = \"onlypkey\"\nprivate_api_key = \"x\"\n");
    let r = load_with(
        single.path(),
        &FlagInputs::default(),
        &[],
        &FakeKeyring::default(),
    );
    assert_eq!(r.profile().name, "only");
    assert_eq!(r.profile().chosen_by, ProfileChoice::OnlyProfile);
    assert_eq!(public_key(&r).0, "onlypkey");
}

#[cfg(unix)]
#[test]
fn a_named_profile_that_is_missing_is_an_error_listing_the_profiles() {
    let home = config_home(FIXTURE);
    let r = load_with(
        home.path(),
        &profile_flag("prod"),
        &[],
        &FakeKeyring::default(),
    );
    let err = r.profile_error().unwrap().to_string();
    assert!(err.starts_with("no profile \"prod\" in "), "{err}");
    assert!(
        err.contains("(it has: broken, default, gov, migrated, service, work)"),
        "{err}"
    );
    // Unnamed and missing is just "no profile": not an error.
    let empty = tempfile::tempdir().unwrap();
    let r = load_with(
        empty.path(),
        &FlagInputs::default(),
        &[],
        &FakeKeyring::default(),
    );
    assert!(r.profile_error().is_none());
    assert!(!r.profile().file_exists);
    let dotted = load_with(
        home.path(),
        &profile_flag("a.b"),
        &[],
        &FakeKeyring::default(),
    );
    assert!(dotted.profile_error().unwrap().to_string().contains("'.'"));
}

#[cfg(unix)]
#[test]
fn a_broken_file_is_a_profile_error_naming_it() {
    let home = config_home("[default\norg_id = 1");
    let r = load_with(
        home.path(),
        &FlagInputs::default(),
        &[],
        &FakeKeyring::default(),
    );
    let err = r.profile_error().unwrap().to_string();
    assert!(
        err.contains("config.toml is not valid TOML (line 1)"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn precedence_is_flag_then_environment_then_profile_for_every_setting() {
    let home = config_home(FIXTURE);
    let vars = [
        ("MONGODB_ATLAS_ORG_ID", ORG_B),
        ("MONGODB_ATLAS_PROJECT_ID", PROJECT_B),
        ("MONGODB_ATLAS_OUTPUT", "json-path=$.results"),
        ("MONGODB_ATLAS_BASE_URL", "http://127.0.0.1:1"),
        ("MONGODB_ATLAS_SERVICE", "cloud-manager"),
        ("MONGODB_ATLAS_OPS_MANAGER_CA_CERTIFICATE", "/env/ca.pem"),
    ];
    // Profile only.
    let p = load_with(
        home.path(),
        &FlagInputs::default(),
        &[],
        &FakeKeyring::default(),
    );
    assert_eq!(p.org_id().unwrap().unwrap().value.as_str(), ORG_A);
    assert!(matches!(
        p.org_id().unwrap().unwrap().source,
        Source::Profile { .. }
    ));
    assert!(matches!(
        p.flavour().unwrap().source,
        Source::Profile { key: "service", .. }
    ));
    // Environment over profile.
    let e = load_with(
        home.path(),
        &FlagInputs::default(),
        &vars,
        &FakeKeyring::default(),
    );
    assert_eq!(e.org_id().unwrap().unwrap().value.as_str(), ORG_B);
    assert_eq!(
        e.org_id().unwrap().unwrap().source,
        Source::Env("MONGODB_ATLAS_ORG_ID")
    );
    assert_eq!(e.project_id().unwrap().unwrap().value.as_str(), PROJECT_B);
    assert_eq!(e.output().unwrap().unwrap().value, "json-path=$.results");
    assert_eq!(e.base_url().unwrap().unwrap().value, "http://127.0.0.1:1");
    assert_eq!(e.flavour().unwrap().value, Flavour::CloudManager);
    assert_eq!(
        e.flavour().unwrap().source,
        Source::Env("MONGODB_ATLAS_SERVICE")
    );
    assert_eq!(
        e.ca_file().unwrap().unwrap().value,
        Path::new("/env/ca.pem")
    );
    // Flags over environment.
    let flags = FlagInputs {
        profile: None,
        org_id: Some(ORG_A.parse().unwrap()),
        project_id: Some("5e2211c17a3e5a48f5497de9".parse().unwrap()),
        base_url: Some("https://flag.example.com".into()),
        flavour: Some(Flavour::AtlasV1),
        output: Some("json".into()),
        ca_file: Some("/flag/ca.pem".into()),
    };
    let f = load_with(home.path(), &flags, &vars, &FakeKeyring::default());
    assert_eq!(f.org_id().unwrap().unwrap().source, Source::Flag("--orgId"));
    assert_eq!(
        f.project_id().unwrap().unwrap().source,
        Source::Flag("--projectId")
    );
    assert_eq!(
        f.base_url().unwrap().unwrap().source,
        Source::Flag("--base-url")
    );
    assert_eq!(f.flavour().unwrap().value, Flavour::AtlasV1);
    assert_eq!(
        f.output().unwrap().unwrap().source,
        Source::Flag("--output")
    );
    assert_eq!(
        f.ca_file().unwrap().unwrap().source,
        Source::Flag("--ca-file")
    );
}

#[test]
fn ops_manager_url_wins_over_base_url_and_legacy_names_are_a_fallback() {
    let e = env(&[
        ("MONGODB_ATLAS_BASE_URL", "http://base"),
        ("MONGODB_ATLAS_OPS_MANAGER_URL", "http://om"),
        ("MCLI_ORG_ID", ORG_B),
        ("ATLAS_KEYS_FLAVOUR", "ops-manager"),
        ("MONGODB_ATLAS_SERVICE", "cloud"),
    ]);
    let r = resolve(&FlagInputs::default(), &e, None, info("default"));
    let url = r.base_url().unwrap().unwrap();
    assert_eq!(url.value, "http://om");
    assert_eq!(url.source, Source::Env("MONGODB_ATLAS_OPS_MANAGER_URL"));
    assert_eq!(
        r.org_id().unwrap().unwrap().source,
        Source::Env("MCLI_ORG_ID")
    );
    // Our own flavour variable wins over the Atlas CLI's service.
    assert_eq!(r.flavour().unwrap().value, Flavour::OpsManager);
    // An Ops Manager URL alone does not change the flavour.
    let e = env(&[("MONGODB_ATLAS_OPS_MANAGER_URL", "http://om")]);
    let r = resolve(&FlagInputs::default(), &e, None, info("default"));
    assert_eq!(r.flavour().unwrap().value, Flavour::AtlasV2);
}

fn info(name: &str) -> ProfileInfo {
    ProfileInfo {
        name: name.to_owned(),
        chosen_by: ProfileChoice::Default,
        path: Some("/cfg/atlascli/config.toml".into()),
        file_exists: false,
        found: false,
        error: None,
        keyring: KeyringStatus::NotConsulted("no profile"),
    }
}

#[test]
fn a_malformed_default_fails_only_the_setting_and_names_the_variable() {
    let e = env(&[
        ("MONGODB_ATLAS_PROJECT_ID", "nope"),
        ("MONGODB_ATLAS_PUBLIC_API_KEY", "abcdefgh"),
        ("MONGODB_ATLAS_PRIVATE_API_KEY", "env-private-secret"),
        ("MONGODB_ATLAS_BASE_URL", "cloud.mongodb.com"),
        ("MONGODB_ATLAS_SERVICE", "mars"),
    ]);
    let r = resolve(&FlagInputs::default(), &e, None, info("default"));
    // Everything else still resolves.
    assert!(r.credentials().is_ok());
    assert!(r.org_id().unwrap().is_none());
    assert_eq!(
        r.project_id().unwrap_err().to_string(),
        r#"MONGODB_ATLAS_PROJECT_ID: must be exactly 24 lowercase hex characters, got "nope""#
    );
    assert_eq!(
        r.require_project_id().unwrap_err().to_string(),
        r#"MONGODB_ATLAS_PROJECT_ID: must be exactly 24 lowercase hex characters, got "nope""#
    );
    assert_eq!(
        r.base_url().unwrap_err().to_string(),
        r#"MONGODB_ATLAS_BASE_URL: must start with http:// or https://, got "cloud.mongodb.com""#
    );
    assert_eq!(
        r.flavour().unwrap_err().to_string(),
        r#"MONGODB_ATLAS_SERVICE: must be cloud, cloudgov, cloud-manager or ops-manager, got "mars""#
    );
    // A malformed higher layer is reported, not silently replaced by a lower one.
    let with_flag = resolve(
        &FlagInputs {
            project_id: Some(PROJECT_B.parse().unwrap()),
            ..Default::default()
        },
        &e,
        None,
        info("default"),
    );
    assert_eq!(with_flag.require_project_id().unwrap().as_str(), PROJECT_B);
}

#[test]
fn a_missing_required_setting_names_flag_variable_and_profile_key() {
    let r = resolve(&FlagInputs::default(), &env(&[]), None, info("work"));
    assert_eq!(
        r.require_org_id().unwrap_err().to_string(),
        r#"no organization: pass --orgId, set MONGODB_ATLAS_ORG_ID, or set org_id in profile "work""#
    );
}

#[test]
fn output_as_reports_the_parse_error_with_its_source() {
    let e = env(&[("MONGODB_ATLAS_OUTPUT", "yaml")]);
    let r = resolve(&FlagInputs::default(), &e, None, info("default"));
    let parse = |s: &str| match s {
        "json" => Ok(1),
        _ => Err("must be json".to_owned()),
    };
    assert_eq!(
        r.output_as(parse).unwrap_err().to_string(),
        r#"MONGODB_ATLAS_OUTPUT: must be json, got "yaml""#
    );
}

#[cfg(unix)]
#[test]
fn no_credentials_lists_the_variables_the_profile_and_the_file() {
    let empty = tempfile::tempdir().unwrap();
    let r = load_with(
        empty.path(),
        &FlagInputs::default(),
        &[],
        &FakeKeyring::default(),
    );
    let err = r.credentials().unwrap_err().to_string();
    let path = empty.path().join("atlascli/config.toml");
    assert_eq!(
        err,
        format!(
            "no credentials: set MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY \
             (API key) or MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET (service \
             account), or add them to profile \"default\" in {} (no such file)",
            path.display()
        )
    );
    // A migrated profile whose keyring is unavailable says so.
    let home = config_home(FIXTURE);
    let locked = FakeKeyring {
        unavailable: Some("locked or access denied".into()),
        ..Default::default()
    };
    let r = load_with(home.path(), &profile_flag("migrated"), &[], &locked);
    let err = r.credentials().unwrap_err().to_string();
    assert!(
        err.ends_with(&format!(
            "profile \"migrated\" in {}; the OS keyring, where the Atlas CLI may keep them, \
             was not available: locked or access denied",
            home.path().join("atlascli/config.toml").display()
        )),
        "{err}"
    );
    // The rest of the profile is still usable.
    assert_eq!(
        r.org_id().unwrap().unwrap().value.as_str(),
        "5e2211c17a3e5a48f5497de7"
    );
}

#[cfg(unix)]
#[test]
fn no_keyring_is_never_asked() {
    let home = config_home(FIXTURE);
    let r = load_with(home.path(), &profile_flag("migrated"), &[], &NoKeyring);
    assert_eq!(
        r.profile().keyring,
        KeyringStatus::NotConsulted("not used by this command")
    );
    assert!(r.credentials().is_err());
}

#[cfg(unix)]
#[test]
fn keyring_secrets_complete_a_migrated_profile() {
    let home = config_home(FIXTURE);
    let keyring = FakeKeyring::with(&[
        ("atlascli_migrated", "public_api_key", "keypubk1"),
        ("atlascli_migrated", "private_api_key", "keyring-secret"),
        ("atlascli_default", "private_api_key", "wrong-profile"),
    ]);
    let r = load_with(home.path(), &profile_flag("migrated"), &[], &keyring);
    let (public, public_source, private_source) = public_key(&r);
    assert_eq!(public, "keypubk1");
    assert_eq!(
        private_source,
        Source::Keyring {
            profile: "migrated".into(),
            key: "private_api_key"
        }
    );
    assert_eq!(
        public_source.to_string(),
        "OS keyring (service atlascli_migrated, user public_api_key)"
    );
    match r.credentials().unwrap() {
        Credentials::ApiKey { private_key, .. } => {
            assert_eq!(private_key.expose_secret(), "keyring-secret")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        r.profile().keyring,
        KeyringStatus::Consulted {
            service: "atlascli_migrated".into(),
            found: vec!["public_api_key", "private_api_key"],
        }
    );
    // With credentials in the environment the keyring is not asked at all.
    let r = load_with(
        home.path(),
        &profile_flag("migrated"),
        &[
            ("MONGODB_ATLAS_CLIENT_ID", "mdb_sa_id_env"),
            ("MONGODB_ATLAS_CLIENT_SECRET", "env-private-secret"),
        ],
        &keyring,
    );
    assert_eq!(
        r.profile().keyring,
        KeyringStatus::NotConsulted("the environment holds credentials")
    );
}

#[test]
fn credentials_precedence_pairs_and_kinds() {
    let cfg = ConfigFile::parse(Path::new("/c/config.toml"), FIXTURE).unwrap();
    let default = cfg.profile("default").unwrap();
    let service = cfg.profile("service").unwrap();

    // Environment pair beats the profile's.
    let e = env(&[
        ("MONGODB_ATLAS_PUBLIC_API_KEY", "envpkey1"),
        ("MONGODB_ATLAS_PRIVATE_API_KEY", "env-private-secret"),
    ]);
    let r = resolve(&FlagInputs::default(), &e, Some(&default), info("default"));
    assert_eq!(
        public_key(&r),
        (
            "envpkey1".to_owned(),
            Source::Env("MONGODB_ATLAS_PUBLIC_API_KEY"),
            Source::Env("MONGODB_ATLAS_PRIVATE_API_KEY")
        )
    );
    // A service account wins over an API key in the same layer.
    let both = env(&[
        ("MONGODB_ATLAS_PUBLIC_API_KEY", "envpkey1"),
        ("MONGODB_ATLAS_PRIVATE_API_KEY", "env-private-secret"),
        ("MONGODB_ATLAS_CLIENT_ID", "mdb_sa_id_env"),
        ("MONGODB_ATLAS_CLIENT_SECRET", "sa-secret-value"),
    ]);
    let r = resolve(&FlagInputs::default(), &both, None, info("default"));
    assert!(matches!(
        r.credentials().unwrap(),
        Credentials::ServiceAccount { .. }
    ));
    // The profile's service account.
    let r = resolve(
        &FlagInputs::default(),
        &env(&[]),
        Some(&service),
        info("service"),
    );
    match r.credentials().unwrap() {
        Credentials::ServiceAccount {
            client_id,
            id_source,
            client_secret,
            ..
        } => {
            assert_eq!(client_secret.expose_secret(), "sa-secret-value");
            assert_eq!(client_id, "mdb_sa_id_0123456789abcdef");
            assert_eq!(id_source.to_string(), "client_id in profile \"service\"");
        }
        other => panic!("{other:?}"),
    }
    // Half a pair is an error naming the missing half, never a value.
    let half = env(&[("MONGODB_ATLAS_PRIVATE_API_KEY", "env-private-secret")]);
    let r = resolve(
        &FlagInputs::default(),
        &half,
        Some(&default),
        info("default"),
    );
    let err = r.credentials().unwrap_err().to_string();
    assert_eq!(
        err,
        "MONGODB_ATLAS_PRIVATE_API_KEY is set but MONGODB_ATLAS_PUBLIC_API_KEY is not"
    );
    // ... unless the other kind is complete in the same layer.
    let stray = env(&[
        ("MONGODB_ATLAS_PUBLIC_API_KEY", "envpkey1"),
        ("MONGODB_ATLAS_CLIENT_ID", "mdb_sa_id_env"),
        ("MONGODB_ATLAS_CLIENT_SECRET", "sa-secret-value"),
    ]);
    let r = resolve(&FlagInputs::default(), &stray, None, info("default"));
    assert!(matches!(
        r.credentials().unwrap(),
        Credentials::ServiceAccount { .. }
    ));
    // A malformed secret in the profile is that profile's error, without the value.
    let broken = cfg.profile("broken").unwrap();
    let r = resolve(
        &FlagInputs::default(),
        &env(&[]),
        Some(&broken),
        info("broken"),
    );
    assert_eq!(
        r.credentials().unwrap_err().to_string(),
        r#"private_api_key in profile "broken": must be a string, got a TOML integer"#
    );
}

#[test]
fn a_user_account_profile_is_refused_with_a_reason() {
    let cfg = ConfigFile::parse(
        Path::new("/c"),
        "[me]\nauth_type = \"user_account\"\naccess_token = \"t\"\nrefresh_token = \"r\"\n",
    )
    .unwrap();
    let p = cfg.profile("me").unwrap();
    let r = resolve(&FlagInputs::default(), &env(&[]), Some(&p), info("me"));
    assert!(
        r.credentials()
            .unwrap_err()
            .to_string()
            .contains("uses auth_type \"user_account\", which atlas-keys cannot use"),
    );
}

#[cfg(unix)]
#[test]
fn whoami_shows_sources_but_never_a_secret() {
    let home = config_home(FIXTURE);
    let keyring = FakeKeyring::with(&[
        ("atlascli_migrated", "public_api_key", "keypubk1"),
        ("atlascli_migrated", "private_api_key", "keyring-secret"),
    ]);
    let cases = [
        load_with(home.path(), &FlagInputs::default(), &[], &keyring),
        load_with(home.path(), &profile_flag("service"), &[], &keyring),
        load_with(home.path(), &profile_flag("migrated"), &[], &keyring),
        load_with(
            home.path(),
            &profile_flag("broken"),
            &[("MONGODB_ATLAS_PROJECT_ID", "nope")],
            &keyring,
        ),
        load_with(
            home.path(),
            &FlagInputs::default(),
            &[
                ("MONGODB_ATLAS_PUBLIC_API_KEY", "envpkey1"),
                ("MONGODB_ATLAS_PRIVATE_API_KEY", "env-private-secret"),
            ],
            &keyring,
        ),
    ];
    for r in &cases {
        let text = whoami::render_text(r);
        assert_no_secret(&text);
        assert_no_secret(&whoami::render_json(r).to_string());
        assert_no_secret(&format!("{r:?}"));
        if let Err(e) = r.credentials() {
            assert_no_secret(&e.to_string());
            assert_no_secret(&format!("{e:?}"));
        }
    }
    let text = whoami::render_text(&cases[2]);
    assert!(text.contains("API key keypubk1 (HTTP Digest)"), "{text}");
    assert!(
        text.contains("from OS keyring (service atlascli_migrated, user private_api_key)"),
        "{text}"
    );
    assert!(text.contains("migrated (from --profile) in "), "{text}");
    assert!(
        text.contains("service atlascli_migrated: public_api_key, private_api_key"),
        "{text}"
    );
    let sa = whoami::render_json(&cases[1]);
    assert_eq!(sa["credential"]["type"], "serviceAccount");
    assert_eq!(sa["credential"]["clientId"], "mdb_sa_id_0123456789abcdef");
    assert_eq!(sa["baseUrl"]["value"], "http://127.0.0.1:9000");
    assert_eq!(sa["baseUrl"]["source"], "base_url in profile \"service\"");
    let broken = whoami::render_text(&cases[3]);
    assert!(
        broken.contains(r#"invalid: MONGODB_ATLAS_PROJECT_ID: must be exactly 24 lowercase hex characters, got "nope""#),
        "{broken}"
    );
    let from_env = whoami::render_text(&cases[4]);
    assert!(
        from_env.contains("from MONGODB_ATLAS_PRIVATE_API_KEY"),
        "{from_env}"
    );
}
