//! No secret leaks: private keys, client secrets, access tokens and digest passwords never show
//! in logs (TRACE), stdout, stderr, `Debug` or `Display` — except the one line where a create
//! (or a rotate, which creates) hands the new key's private key to the user.
//!
//! Two sessions:
//! - in-process: the SDK against the in-process emulator (and a faulty one), with a capturing
//!   tracing subscriber at TRACE; every public value and error is Debug- and Display-printed
//!   into the same capture;
//! - binaries: the `atlas-keys` CLI against the `atlas-keys-emulator` binary, both with
//!   `RUST_LOG=trace`, every command's stdout and stderr and the emulator's log captured.
//!
//! The emulator binary's startup line is its documented hand-over of its own test credentials
//! and is excluded (only that one line). This file must NOT print a secret itself: failures
//! name the secret's kind and where it appeared, never its value.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use atlas_keys::model::{AccessListAddress, ApiKeyId, OrgId, OrgRole, ProjectId, ProjectRole};
use atlas_keys::rotation::deliver::{DeliveredKey, Delivery};
use atlas_keys::transport::{ExposeSecret, MemoryTokenStore, SecretString, TokenStore};
use atlas_keys::{Client, Credentials};
use atlas_keys_emulator::{Emulator, FaultSpec, RateLimitConfig};
use atlas_keys_reliability::procs::{CLI_BIN, EmulatorProcess, binary};
use atlas_keys_reliability::session::stats;
use atlas_keys_reliability::{figure, raw_http};
use base64::Engine as _;

/// Everything the in-process tracing subscriber wrote.
fn captured() -> Arc<Mutex<Vec<u8>>> {
    static BUFFER: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUFFER
        .get_or_init(|| {
            let buffer = Arc::new(Mutex::new(Vec::new()));
            let writer = Arc::clone(&buffer);
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .with_writer(move || CaptureWriter(Arc::clone(&writer)))
                .init();
            buffer
        })
        .clone()
}

struct CaptureWriter(Arc<Mutex<Vec<u8>>>);

impl Write for CaptureWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A named secret and the forms it could leak in.
struct Secret {
    kind: &'static str,
    forms: Vec<String>,
}

impl Secret {
    fn new(kind: &'static str, value: &str) -> Secret {
        Secret {
            kind,
            forms: vec![value.to_owned()],
        }
    }
}

/// The secrets found in `text`, as "kind (where)" — never the values.
fn leaks(secrets: &[Secret], text: &str, place: &str) -> Vec<String> {
    secrets
        .iter()
        .filter(|s| {
            s.forms
                .iter()
                .any(|f| !f.is_empty() && text.contains(f.as_str()))
        })
        .map(|s| format!("{} ({place})", s.kind))
        .collect()
}

/// Debug and Display of an error and its whole source chain.
fn describe_error(error: &atlas_keys::Error) -> String {
    describe_any(error)
}

/// Debug and Display of any error (a rotation's too) and its whole source chain.
fn describe_any(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = format!("{error:?}\n{error}\n{error:#?}\n");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!("{cause:?}\n{cause}\n"));
        source = cause.source();
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sdk_session_at_trace_level_leaks_no_secret_in_logs_debug_or_errors() {
    let capture = captured();
    let mut printed = String::new();
    let mut secrets = Vec::new();
    let emulator = Emulator::builder()
        .rate_limit(RateLimitConfig::Off)
        .token_ttl(Duration::from_secs(3600))
        .start()
        .await
        .expect("the emulator starts");
    secrets.push(Secret::new(
        "the emulator owner's private key",
        emulator.private_key(),
    ));
    secrets.push(Secret {
        kind: "the service account's client secret",
        forms: vec![
            emulator.client_secret().to_owned(),
            base64::engine::general_purpose::STANDARD.encode(format!(
                "{}:{}",
                emulator.client_id(),
                emulator.client_secret()
            )),
        ],
    });
    let wrong_password = "d1d2d3d4-0000-4000-8000-5ec12e7b00b5";
    secrets.push(Secret::new("a wrong digest password", wrong_password));
    printed.push_str(&format!("{emulator:?}\n{:?}\n", emulator.stats()));

    let org: OrgId = emulator.org_id().parse().expect("org id");
    let project: ProjectId = emulator.project_id().parse().expect("project id");
    let builder = Client::builder().base_url(emulator.base_url()).digest(
        emulator.public_key(),
        SecretString::from(emulator.private_key().to_owned()),
    );
    printed.push_str(&format!("{builder:?}\n"));
    let client = builder.build().expect("client");
    printed.push_str(&format!("{client:?}\n"));

    // Org keys: create, get, list, update; access list; project keys; rotate; delete.
    let created = client
        .org_keys()
        .create(&org)
        .desc("secrets session")
        .role(OrgRole::Member)
        .send_with_metadata()
        .await
        .expect("create");
    let key = created.value.clone();
    let secret = key
        .private_key()
        .as_ref()
        .expect("a private key")
        .expose_private_key()
        .to_owned();
    secrets.push(Secret::new("a created key's private key", &secret));
    printed.push_str(&format!("{created:?}\n{key:#?}\n"));
    printed.push_str(&format!(
        "{:?}\n",
        client
            .org_keys()
            .get(&org, key.id())
            .send()
            .await
            .expect("get")
    ));
    printed.push_str(&format!(
        "{:?}\n",
        client
            .org_keys()
            .list(&org)
            .send_with_metadata()
            .await
            .expect("list")
    ));
    printed.push_str(&format!(
        "{:?}\n",
        client
            .org_keys()
            .update(&org, key.id())
            .desc("renamed")
            .send()
            .await
            .expect("update")
    ));
    let address: AccessListAddress = "192.0.2.0/24".parse().expect("address");
    printed.push_str(&format!(
        "{:?}\n",
        client
            .access_list()
            .create(&org, key.id())
            .address(address)
            .send()
            .await
            .expect("access list")
    ));
    printed.push_str(&format!(
        "{:?}\n",
        client
            .access_list()
            .list(&org, key.id())
            .send()
            .await
            .expect("list")
    ));
    printed.push_str(&format!(
        "{:?}\n",
        client
            .access_list()
            .get(&org, key.id(), &address)
            .send()
            .await
            .expect("get")
    ));
    let project_key = client
        .project_keys()
        .create(&project)
        .desc("secrets project key")
        .role(ProjectRole::ReadOnly)
        .send()
        .await
        .expect("project create");
    if let Some(private) = &project_key.private_key() {
        secrets.push(Secret::new(
            "a project key's private key",
            private.expose_private_key(),
        ));
    }
    printed.push_str(&format!("{project_key:?}\n"));
    printed.push_str(&format!(
        "{:?}\n",
        client
            .project_keys()
            .assign(&project, key.id())
            .role(ProjectRole::ReadOnly)
            .send()
            .await
    ));
    printed.push_str(&format!(
        "{:?}\n",
        client
            .project_keys()
            .list(&project)
            .send()
            .await
            .expect("list")
    ));
    // The rotation builder, journaled on disk and delivered in memory: the new secret must
    // show in no log, Debug, report or journal line; then a rotation whose delivery fails
    // with the secret in its message.
    let journal_dir = tempfile::tempdir().expect("a journal dir");
    let journal = Arc::new(
        atlas_keys::rotation::journal::FileJournal::open(journal_dir.path().join("rotations"))
            .expect("journal"),
    );
    let (delivery, slot) = Delivery::in_memory();
    let rotate = client
        .org_keys()
        .rotate(&org, key.id())
        .deliver(delivery)
        .journal(journal.clone());
    printed.push_str(&format!("{rotate:?}\n"));
    let report = rotate.send().await.expect("rotate");
    let delivered = slot.take().expect("the new key, delivered in memory");
    secrets.push(Secret::new(
        "a rotated key's private key",
        delivered.private_key().expose_private_key(),
    ));
    printed.push_str(&format!("{report:?}\n{delivered:?}\n{slot:?}\n"));
    let rotations = atlas_keys::rotate::Rotations::new(&client, journal);
    printed.push_str(&format!(
        "{rotations:?}\n{:?}\n",
        rotations.status().await.expect("status")
    ));
    let new_id = *delivered.id();
    let refused_secret: Arc<Mutex<Option<String>>> = Arc::default();
    let keep = Arc::clone(&refused_secret);
    let refusing = Delivery::in_process("refusing store", move |key: DeliveredKey| {
        let secret = key.private_key().expose_private_key().to_owned();
        *keep
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(secret.clone());
        async move { Err(format!("refused {secret}")) }
    });
    let error = client
        .org_keys()
        .rotate(&org, &new_id)
        .deliver(refusing)
        .send()
        .await
        .expect_err("the delivery fails");
    printed.push_str(&describe_any(&error));
    let refused = refused_secret
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
        .expect("the sink saw the refused key");
    secrets.push(Secret::new("a refused rotated key's private key", &refused));
    // The sink quoted the secret in its error: the error shows it cut out.
    assert!(
        describe_any(&error).contains("refused <redacted>"),
        "the delivery error is sanitised"
    );
    for file in std::fs::read_dir(journal_dir.path().join("rotations")).expect("journal files") {
        let path = file.expect("entry").path();
        printed.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
    }
    printed.push_str(&format!(
        "{:?}\n",
        client
            .project_keys()
            .unassign(&project, &new_id)
            .send()
            .await
    ));
    printed.push_str(&format!(
        "{:?}\n",
        client.org_keys().delete(&org, &new_id).send().await
    ));

    // Errors: not found, invalid input, wrong password, unreachable server.
    let missing: ApiKeyId = "0123456789abcdef01234567".parse().expect("id");
    let error = client
        .org_keys()
        .get(&org, &missing)
        .send()
        .await
        .expect_err("404");
    printed.push_str(&describe_error(&error));
    let error = client
        .org_keys()
        .create(&org)
        .desc("")
        .role(OrgRole::Member)
        .send()
        .await
        .expect_err("invalid");
    printed.push_str(&describe_error(&error));
    let wrong = Client::builder()
        .base_url(emulator.base_url())
        .digest(
            emulator.public_key(),
            SecretString::from(wrong_password.to_owned()),
        )
        .build()
        .expect("client");
    printed.push_str(&format!("{wrong:?}\n"));
    let error = wrong.org_keys().list(&org).send().await.expect_err("401");
    printed.push_str(&describe_error(&error));
    let error = wrong
        .org_keys()
        .create(&org)
        .desc("x")
        .role(OrgRole::Member)
        .send()
        .await
        .expect_err("401");
    printed.push_str(&describe_error(&error));

    // A service account: token fetched, used, revoked behind the client's back, refreshed.
    let store = Arc::new(MemoryTokenStore::new());
    let credentials = Credentials::ServiceAccount {
        client_id: emulator.client_id().to_owned(),
        client_secret: SecretString::from(emulator.client_secret().to_owned()),
    };
    printed.push_str(&format!("{credentials:?}\n"));
    let sa = Client::builder()
        .base_url(emulator.base_url())
        .credentials(credentials)
        .token_store(store.clone())
        .build()
        .expect("client");
    printed.push_str(&format!(
        "{:?}\n",
        sa.org_keys().list(&org).send().await.expect("sa list")
    ));
    let key = atlas_keys::transport::token_store_key(
        emulator.client_id(),
        &SecretString::from(emulator.client_secret().to_owned()),
    );
    let token = store.load(&key).await.expect("a token");
    printed.push_str(&format!("{token:?}\n{store:?}\n"));
    secrets.push(Secret::new(
        "an access token",
        token.access_token.expose_secret(),
    ));
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        emulator.client_id(),
        emulator.client_secret()
    ));
    let revoke = raw_http::send(
        emulator.local_addr(),
        "POST",
        "/api/oauth/revoke",
        &[
            ("Authorization", &format!("Basic {basic}")),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        format!("token={}", token.access_token.expose_secret()).as_bytes(),
    )
    .await;
    assert_eq!(revoke.status, 200);
    printed.push_str(&format!(
        "{:?}\n",
        sa.org_keys().list(&org).send().await.expect("after revoke")
    ));
    let refreshed = store.load(&key).await.expect("a new token");
    secrets.push(Secret::new(
        "a refreshed access token",
        refreshed.access_token.expose_secret(),
    ));
    // A bearer client with a token it does not know is revoked.
    let bearer = Client::builder()
        .base_url(emulator.base_url())
        .bearer_token(SecretString::from(
            token.access_token.expose_secret().to_owned(),
        ))
        .build()
        .expect("client");
    printed.push_str(&format!("{bearer:?}\n"));
    let error = bearer
        .org_keys()
        .list(&org)
        .send()
        .await
        .expect_err("revoked");
    printed.push_str(&describe_error(&error));
    // A wrong client secret.
    let bad_sa = Client::builder()
        .base_url(emulator.base_url())
        .service_account(
            emulator.client_id(),
            SecretString::from(wrong_password.to_owned()),
        )
        .build()
        .expect("client");
    let error = bad_sa
        .org_keys()
        .list(&org)
        .send()
        .await
        .expect_err("bad secret");
    printed.push_str(&describe_error(&error));
    printed.push_str(&format!("{:?}\n", stats(emulator.local_addr()).await));
    emulator.shutdown().await;

    // The fault runs' error paths, at TRACE too.
    let faulty = Emulator::builder()
        .rate_limit(RateLimitConfig::Off)
        .faults(
            "500=0.06,503=0.06,429=0.06,reset-before=0.06,reset-after=0.06,retry-after=0"
                .parse::<FaultSpec>()
                .expect("spec"),
        )
        .start()
        .await
        .expect("the faulty emulator starts");
    secrets.push(Secret::new(
        "the faulty emulator's private key",
        faulty.private_key(),
    ));
    let client = Client::builder()
        .base_url(faulty.base_url())
        .digest(
            faulty.public_key(),
            SecretString::from(faulty.private_key().to_owned()),
        )
        .build()
        .expect("client");
    let org: OrgId = faulty.org_id().parse().expect("org id");
    for i in 0..60 {
        match client
            .org_keys()
            .create(&org)
            .desc(format!("faulty {i}"))
            .role(OrgRole::Member)
            .send()
            .await
        {
            Ok(key) => {
                if let Some(private) = &key.private_key() {
                    secrets.push(Secret::new(
                        "a created key's private key (faults)",
                        private.expose_private_key(),
                    ));
                }
                printed.push_str(&format!("{key:?}\n"));
            }
            Err(error) => printed.push_str(&describe_error(&error)),
        }
        match client.org_keys().list(&org).send().await {
            Ok(page) => printed.push_str(&format!("{page:?}\n")),
            Err(error) => printed.push_str(&describe_error(&error)),
        }
    }
    faulty.shutdown().await;

    let logs = String::from_utf8_lossy(&capture.lock().expect("capture")).into_owned();
    assert!(
        logs.contains("TRACE") || logs.contains("DEBUG"),
        "the subscriber captured logs"
    );
    let mut found = leaks(&secrets, &logs, "TRACE logs");
    found.extend(leaks(&secrets, &printed, "Debug/Display output"));
    figure(
        "secrets",
        format!(
            "SDK session: {} secrets checked against {} bytes of TRACE logs and {} bytes of Debug/Display output: {} leaks",
            secrets.len(),
            logs.len(),
            printed.len(),
            found.len()
        ),
    );
    assert!(found.is_empty(), "secrets leaked: {found:?}");
}

/// One CLI run's captured output.
struct CliRun {
    label: String,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn cli(args: &[&str], env: &[(&str, &str)], home: &Path) -> CliRun {
    let output = Command::new(binary(CLI_BIN))
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("RUST_LOG", "trace")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("the CLI runs");
    CliRun {
        label: args.join(" "),
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn a_cli_session_at_trace_level_shows_each_new_private_key_on_exactly_one_line() {
    let home = tempfile::tempdir().expect("a temp HOME");
    let emulator = EmulatorProcess::start(&["--rate-limit", "off"], &[("RUST_LOG", "trace")])
        .expect("the emulator binary starts");
    let s = emulator.startup().clone();
    let digest = [
        ("MONGODB_ATLAS_BASE_URL", s.base_url.as_str()),
        ("MONGODB_ATLAS_PUBLIC_API_KEY", s.public_key.as_str()),
        ("MONGODB_ATLAS_PRIVATE_API_KEY", s.private_key.as_str()),
        ("MONGODB_ATLAS_ORG_ID", s.org_id.as_str()),
        ("MONGODB_ATLAS_PROJECT_ID", s.project_id.as_str()),
    ];
    let wrong_password = "d1d2d3d4-0000-4000-8000-5ec12e7b00b5";
    let mut runs = Vec::new();
    let json = |run: &CliRun| -> serde_json::Value {
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
            panic!(
                "{}: not JSON ({e}): exit {:?}, stderr {}",
                run.label,
                run.code,
                run.stderr.len()
            )
        })
    };
    let create = cli(
        &[
            "organizations",
            "apiKeys",
            "create",
            "--desc",
            "cli secrets",
            "--role",
            "ORG_MEMBER",
            "-o",
            "json",
        ],
        &digest,
        home.path(),
    );
    assert_eq!(
        create.code,
        Some(0),
        "create failed: {}",
        create.stderr.lines().last().unwrap_or_default()
    );
    let created = json(&create);
    let key_id = created["id"].as_str().expect("an id").to_owned();
    let mut handed_over = vec![
        created["privateKey"]
            .as_str()
            .expect("the private key, once")
            .to_owned(),
    ];
    runs.push(create);
    // A table-output create too: it shows the key in its own format.
    let table_create = cli(
        &[
            "organizations",
            "apiKeys",
            "create",
            "--desc",
            "cli secrets table",
            "--role",
            "ORG_MEMBER",
        ],
        &digest,
        home.path(),
    );
    assert_eq!(table_create.code, Some(0), "table create failed");
    runs.push(table_create);
    for args in [
        vec!["organizations", "apiKeys", "list", "-o", "json"],
        vec!["organizations", "apiKeys", "list"],
        vec!["organizations", "apiKeys", "describe", &key_id],
        vec![
            "organizations",
            "apiKeys",
            "describe",
            &key_id,
            "-o",
            "json",
        ],
        vec![
            "organizations",
            "apiKeys",
            "update",
            &key_id,
            "--desc",
            "renamed",
        ],
        vec![
            "organizations",
            "apiKeys",
            "accessLists",
            "create",
            "--apiKey",
            &key_id,
            "--cidr",
            "192.0.2.0/24",
        ],
        vec![
            "organizations",
            "apiKeys",
            "accessLists",
            "list",
            "--apiKey",
            &key_id,
        ],
        vec![
            "organizations",
            "apiKeys",
            "accessLists",
            "describe",
            "--apiKey",
            &key_id,
            "192.0.2.0/24",
        ],
        vec![
            "projects",
            "apiKeys",
            "assign",
            &key_id,
            "--role",
            "GROUP_READ_ONLY",
        ],
        vec!["projects", "apiKeys", "list", "-o", "json"],
        vec![
            "projects",
            "apiKeys",
            "update",
            &key_id,
            "--role",
            "GROUP_OWNER",
        ],
    ] {
        let run = cli(&args, &digest, home.path());
        assert_eq!(
            run.code,
            Some(0),
            "{} failed: {}",
            run.label,
            run.stderr.lines().last().unwrap_or_default()
        );
        runs.push(run);
    }
    let project_create = cli(
        &[
            "projects",
            "apiKeys",
            "create",
            "--desc",
            "cli project",
            "--role",
            "GROUP_READ_ONLY",
            "-o",
            "json",
        ],
        &digest,
        home.path(),
    );
    assert_eq!(project_create.code, Some(0), "project create failed");
    handed_over.push(
        json(&project_create)["privateKey"]
            .as_str()
            .expect("private key")
            .to_owned(),
    );
    runs.push(project_create);
    // The new secret goes where the user names; --reveal is the explicit stdout.
    let rotate = cli(
        &["rotate", &key_id, "--reveal", "--force", "-o", "json"],
        &digest,
        home.path(),
    );
    assert_eq!(
        rotate.code,
        Some(0),
        "rotate failed: {}",
        rotate.stderr.lines().last().unwrap_or_default()
    );
    let rotated = json(&rotate);
    let new_secret = rotated
        .pointer("/newKey/privateKey")
        .or_else(|| rotated.get("privateKey"))
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    handed_over.extend(new_secret);
    runs.push(rotate);
    // Failures print errors: none may carry a secret.
    let mut wrong = digest.to_vec();
    wrong[2] = ("MONGODB_ATLAS_PRIVATE_API_KEY", wrong_password);
    let refused = cli(&["organizations", "apiKeys", "list"], &wrong, home.path());
    assert_ne!(refused.code, Some(0), "a wrong password is refused");
    runs.push(refused);
    let refused = cli(
        &[
            "organizations",
            "apiKeys",
            "create",
            "--desc",
            "x",
            "--role",
            "ORG_MEMBER",
        ],
        &wrong,
        home.path(),
    );
    assert_ne!(refused.code, Some(0), "a wrong password is refused");
    runs.push(refused);
    // A service account, twice (the second run reuses the cached token).
    let sa = [
        ("MONGODB_ATLAS_BASE_URL", s.base_url.as_str()),
        ("MONGODB_ATLAS_CLIENT_ID", s.client_id.as_str()),
        ("MONGODB_ATLAS_CLIENT_SECRET", s.client_secret.as_str()),
        ("MONGODB_ATLAS_ORG_ID", s.org_id.as_str()),
    ];
    for _ in 0..2 {
        let run = cli(&["organizations", "apiKeys", "list"], &sa, home.path());
        assert_eq!(
            run.code,
            Some(0),
            "service-account list failed: {}",
            run.stderr.lines().last().unwrap_or_default()
        );
        runs.push(run);
    }
    let mut bad_sa = sa.to_vec();
    bad_sa[2] = ("MONGODB_ATLAS_CLIENT_SECRET", wrong_password);
    let refused = cli(&["organizations", "apiKeys", "list"], &bad_sa, home.path());
    runs.push(refused);
    let delete = cli(
        &["organizations", "apiKeys", "delete", "--force", &key_id],
        &digest,
        home.path(),
    );
    runs.push(delete);
    let emulator_log = emulator.kill();

    let mut secrets = vec![
        Secret::new("the emulator owner's private key", &s.private_key),
        Secret {
            kind: "the service account's client secret",
            forms: vec![
                s.client_secret.clone(),
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", s.client_id, s.client_secret)),
            ],
        },
        Secret::new("a wrong password", wrong_password),
    ];
    // Tokens the emulator issued are not known to this test; the emulator's log and the CLI's
    // output must not show an `access_token` value or a bearer header at all.
    let mut found = Vec::new();
    for run in &runs {
        found.extend(leaks(
            &secrets,
            &run.stdout,
            &format!("stdout of `{}`", run.label),
        ));
        found.extend(leaks(
            &secrets,
            &run.stderr,
            &format!("stderr of `{}`", run.label),
        ));
        for text in [&run.stdout, &run.stderr] {
            if text.contains("Bearer ")
                && text.lines().any(|l| l.contains("Bearer ") && l.len() > 40)
            {
                found.push(format!("a bearer header ({})", run.label));
            }
        }
    }
    found.extend(leaks(&secrets, &emulator_log, "the emulator's TRACE log"));
    if emulator_log.contains("\"access_token\"") || emulator_log.contains("Bearer ") {
        found.push("a token in the emulator's log".to_owned());
    }
    // Each handed-over private key: exactly one line in all the output, in its create's stdout.
    for (n, secret) in handed_over.iter().enumerate() {
        let mut lines = 0;
        for run in &runs {
            for text in [&run.stdout, &run.stderr] {
                lines += text.lines().filter(|l| l.contains(secret.as_str())).count();
            }
        }
        lines += emulator_log
            .lines()
            .filter(|l| l.contains(secret.as_str()))
            .count();
        if lines != 1 {
            found.push(format!(
                "new key #{n}'s private key on {lines} lines (want exactly 1)"
            ));
        }
        secrets.push(Secret::new("a handed-over private key", secret));
    }
    let bytes: usize = runs
        .iter()
        .map(|r| r.stdout.len() + r.stderr.len())
        .sum::<usize>()
        + emulator_log.len();
    figure(
        "secrets",
        format!(
            "CLI session: {} commands at RUST_LOG=trace, {} bytes of output and emulator log; {} handed-over private keys each on exactly one line: {} leaks",
            runs.len(),
            bytes,
            handed_over.len(),
            found.len()
        ),
    );
    assert!(found.is_empty(), "secrets leaked: {found:#?}");
}
