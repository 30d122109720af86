//! The one mock seam, the transport fakes (feature `test-util`): code written against the
//! fluent calls can be tested with no server, and the fake sees the validated requests
//! exactly as they would go on the wire.
//!
//! The rotation builder (`client.org_keys().rotate(..)`) over the scripted wire: which
//! requests it sends and in which order, that the old key is deleted only after the new key
//! was delivered and verified, that a failure before delivery or verification deletes the
//! new key and keeps the old one, that a failure after delivery keeps both (and `resume`
//! completes it), and that the private key shows in no request, error or journal line.

use std::path::Path;
use std::sync::Arc;

use atlas_keys::model::{OrgRole, ProjectRole};
use atlas_keys::rotate::{RotationError, RotationReport, Rotations};
use atlas_keys::rotation::deliver::{DeliveredKey, Delivery, DeliveryError, KeySlot};
use atlas_keys::rotation::journal::{FileJournal, RotationId};
use atlas_keys::rotation::plan::{NextStep, Outcome, Resume};
use atlas_keys::transport::RetryPolicy;
use atlas_keys::transport::test_util::ScriptedTransport;
use atlas_keys::{Client, ClientBuilder};
use bytes::Bytes;

const ORG: &str = "4888442a3354817a7320eb61";
const PROJECT: &str = "32b6e34b3d91647abb20e7b8";
const OLD: &str = "5d1113b25a115342acc2d1aa";
const NEW: &str = "6e2224c36b226453bdd3e2bb";
const NEW_PUBLIC: &str = "newpubky";
const SECRET: &str = "c8150efd-c7a0-4afd-8c4f-01bdd56c8977";

fn builder(wire: &ScriptedTransport) -> ClientBuilder {
    Client::builder()
        .base_url("https://example.test")
        .transport(Arc::new(wire.clone()))
        .retry_policy(RetryPolicy::never())
}

fn client(wire: &ScriptedTransport) -> Client {
    builder(wire).build().unwrap()
}

#[tokio::test]
async fn fluent_calls_reach_the_fake_transport_as_typed_requests() {
    let wire = ScriptedTransport::new();
    wire.push_json(
        200,
        &format!(r#"{{"id":"{NEW}","privateKey":"c8150efd-c7a0-4afd-8c4f-01bdd56c8977"}}"#),
    );
    wire.push_json(204, "");
    let client = client(&wire);
    let org = ORG.parse().unwrap();
    let key = client
        .org_keys()
        .create(&org)
        .desc("ci")
        .role(OrgRole::Member)
        .envelope(true)
        .send()
        .await
        .unwrap();
    assert_eq!(key.id().as_str(), NEW);
    // A created key in a user's log line carries no secret; asking for it explicitly does.
    let logged = serde_json::to_string(&key).unwrap();
    assert!(
        logged.contains("********-****-****-01bdd56c8977"),
        "{logged}"
    );
    assert!(!logged.contains("c8150efd"), "{logged}");
    assert!(!format!("{key:?}").contains("c8150efd"));
    let shown = serde_json::to_string(&key.revealing()).unwrap();
    assert!(
        shown.contains("c8150efd-c7a0-4afd-8c4f-01bdd56c8977"),
        "{shown}"
    );
    client
        .project_keys()
        .assign(&PROJECT.parse().unwrap(), key.id())
        .role(ProjectRole::ReadOnly)
        .send()
        .await
        .unwrap();

    let sent = wire.requests();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].method(), "POST");
    assert_eq!(
        sent[0].uri().path_and_query().unwrap().as_str(),
        format!("/api/atlas/v2/orgs/{ORG}/apiKeys?envelope=true")
    );
    assert_eq!(
        sent[0].body().as_ref(),
        br#"{"desc":"ci","roles":["ORG_MEMBER"]}"#
    );
    assert_eq!(sent[1].method(), "POST");
    assert_eq!(
        sent[1].uri().path(),
        format!("/api/atlas/v2/groups/{PROJECT}/apiKeys/{NEW}")
    );
    assert_eq!(
        sent[1].body().as_ref(),
        br#"[{"roles":["GROUP_READ_ONLY"]}]"#
    );
}

// --- Rotation over the scripted wire -------------------------------------------------------

/// The old key: `deploy`, ORG_MEMBER, GROUP_OWNER in PROJECT.
fn push_old_key(wire: &ScriptedTransport) {
    wire.push_json(
        200,
        &format!(
            r#"{{"id":"{OLD}","desc":"deploy","publicKey":"oldpubky","roles":[{{"orgId":"{ORG}","roleName":"ORG_MEMBER"}},{{"groupId":"{PROJECT}","roleName":"GROUP_OWNER"}}]}}"#
        ),
    );
}

fn push_access_list(wire: &ScriptedTransport, cidr: Option<&str>) {
    match cidr {
        Some(cidr) => wire.push_json(
            200,
            &format!(
                r#"{{"results":[{{"cidrBlock":"{cidr}","count":0}}],"totalCount":1,"links":[]}}"#
            ),
        ),
        None => wire.push_json(200, r#"{"results":[],"totalCount":0,"links":[]}"#),
    }
}

/// The pre-checks' answers (old key, its access list, the key count) and the create's.
fn push_prechecks_and_create(wire: &ScriptedTransport, cidr: Option<&str>) {
    push_old_key(wire);
    push_access_list(wire, cidr);
    wire.push_json(200, r#"{"results":[],"totalCount":3,"links":[]}"#);
    wire.push_json(
        200,
        &format!(
            r#"{{"id":"{NEW}","desc":"deploy","publicKey":"{NEW_PUBLIC}","privateKey":"{SECRET}","roles":[{{"orgId":"{ORG}","roleName":"ORG_MEMBER"}}]}}"#
        ),
    );
}

/// The copy step's answers: the old access list again, the description update, the
/// assignment, and (with an entry) the new key's empty list and the copy.
fn push_copy(wire: &ScriptedTransport, cidr: Option<&str>) {
    push_access_list(wire, cidr);
    wire.push_json(200, &format!(r#"{{"id":"{NEW}","desc":"deploy"}}"#));
    wire.push_json(200, "");
    if cidr.is_some() {
        push_access_list(wire, None);
        wire.push_json(201, r#"{"results":[],"totalCount":1,"links":[]}"#);
    }
}

/// A digest challenge, as the service sends it to a request without credentials.
fn push_challenge(wire: &ScriptedTransport) {
    wire.push_response(
        http::Response::builder()
            .status(401)
            .header(
                "WWW-Authenticate",
                r#"Digest realm="MMS Public API", domain="", nonce="n0nce", algorithm=MD5, qop="auth", stale=false"#,
            )
            .body(Bytes::new())
            .unwrap(),
    );
}

fn calls(wire: &ScriptedTransport) -> Vec<String> {
    wire.requests()
        .iter()
        .map(|r| format!("{} {}", r.method(), r.uri().path()))
        .collect()
}

/// No request carries the private key: not in its URI, headers or body.
fn assert_secret_never_sent(wire: &ScriptedTransport) {
    for r in wire.requests() {
        let headers = format!("{:?}", r.headers());
        let body = String::from_utf8_lossy(r.body());
        assert!(
            !r.uri().to_string().contains(SECRET)
                && !headers.contains(SECRET)
                && !body.contains(SECRET),
            "the private key went on the wire: {} {}",
            r.method(),
            r.uri().path()
        );
    }
}

/// No journal file holds the private key.
fn assert_secret_not_journaled(dir: &Path) {
    for file in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap_or_default();
        assert!(!text.contains(SECRET), "a journal file holds the secret");
    }
}

/// An error, its `Debug` and its source chain, as a user's log would show them.
fn describe(error: &RotationError) -> String {
    let mut text = format!("{error}\n{error:?}\n");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!("{cause}\n{cause:?}\n"));
        source = cause.source();
    }
    text
}

fn journal(dir: &Path) -> Arc<FileJournal> {
    Arc::new(FileJournal::open(dir).unwrap())
}

/// Rotates `OLD` over `wire` as the CLI does: journaled in `dir`, the new key delivered into
/// the returned slot, its credentials verified through the same wire.
async fn rotate_in_memory(
    wire: &ScriptedTransport,
    dir: &Path,
) -> (Result<RotationReport, RotationError>, KeySlot) {
    let (delivery, slot) = Delivery::in_memory();
    let result = client(wire)
        .org_keys()
        .rotate(&ORG.parse().unwrap(), &OLD.parse().unwrap())
        .deliver(delivery)
        .journal(journal(dir))
        .verify_with(builder(wire))
        .send()
        .await;
    (result, slot)
}

fn take_delivered(slot: &KeySlot) -> DeliveredKey {
    let key = slot.take().expect("the new key was delivered");
    assert_eq!(key.id().as_str(), NEW);
    assert_eq!(key.private_key().expose_private_key(), SECRET);
    key
}

#[tokio::test]
async fn a_rotation_reads_creates_delivers_copies_verifies_and_only_then_deletes_the_old_key() {
    let wire = ScriptedTransport::new();
    push_prechecks_and_create(&wire, Some("192.0.2.0/24"));
    push_copy(&wire, Some("192.0.2.0/24"));
    // Verification with the new key: a challenge, then the signed call.
    push_challenge(&wire);
    wire.push_json(200, r#"{"currentIpv4Address":"192.0.2.10"}"#);
    wire.push_json(204, "");
    let dir = tempfile::tempdir().unwrap();
    let (report, slot) = rotate_in_memory(&wire, dir.path()).await;
    let report = report.unwrap();
    assert!(report.old_key_deleted);
    assert_eq!(report.outcome, Some(Outcome::Rotated));
    assert_eq!(report.old_key.as_str(), OLD);
    let (new_id, new_public) = report.new_key.clone().unwrap();
    assert_eq!((new_id.as_str(), new_public.as_str()), (NEW, NEW_PUBLIC));
    take_delivered(&slot);
    assert!(!format!("{report:?}").contains(SECRET));
    assert_eq!(wire.remaining(), 0, "every scripted answer was used");

    assert_eq!(
        calls(&wire),
        vec![
            // 1. Pre-checks, reads only.
            format!("GET /api/atlas/v2/orgs/{ORG}/apiKeys/{OLD}"),
            format!("GET /api/atlas/v2/orgs/{ORG}/apiKeys/{OLD}/accessList"),
            format!("GET /api/atlas/v2/orgs/{ORG}/apiKeys"),
            // 2. The create (3. the delivery is in memory: no request).
            format!("POST /api/atlas/v2/orgs/{ORG}/apiKeys"),
            // 4. The copy: description without the marker, projects, access list.
            format!("GET /api/atlas/v2/orgs/{ORG}/apiKeys/{OLD}/accessList"),
            format!("PATCH /api/atlas/v2/orgs/{ORG}/apiKeys/{NEW}"),
            format!("POST /api/atlas/v2/groups/{PROJECT}/apiKeys/{NEW}"),
            format!("GET /api/atlas/v2/orgs/{ORG}/apiKeys/{NEW}/accessList"),
            format!("POST /api/atlas/v2/orgs/{ORG}/apiKeys/{NEW}/accessList"),
            // 5. Verification with the new credentials.
            "GET /api/private/ipinfo".to_owned(),
            "GET /api/private/ipinfo".to_owned(),
            // 6. Only now the old key.
            format!("DELETE /api/atlas/v2/orgs/{ORG}/apiKeys/{OLD}"),
        ]
    );
    let sent = wire.requests();
    let create = String::from_utf8_lossy(sent[3].body()).into_owned();
    assert!(
        create.starts_with(r#"{"desc":"deploy atlas-keys-rotation="#)
            && create.ends_with(r#"","roles":["ORG_MEMBER"]}"#),
        "the create carries the old key's description, the marker and its org roles: {create}"
    );
    assert_eq!(sent[5].body().as_ref(), br#"{"desc":"deploy"}"#);
    assert_eq!(sent[6].body().as_ref(), br#"[{"roles":["GROUP_OWNER"]}]"#);
    assert_eq!(
        sent[8].body().as_ref(),
        br#"[{"cidrBlock":"192.0.2.0/24"}]"#
    );
    let signed = sent[10]
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        signed.starts_with("Digest ") && signed.contains(&format!(r#"username="{NEW_PUBLIC}""#)),
        "the verification signs with the new key: {signed}"
    );
    assert_secret_never_sent(&wire);
    assert_secret_not_journaled(dir.path());
}

#[tokio::test]
async fn a_failure_after_delivery_keeps_both_keys_names_them_and_resume_completes_it() {
    let wire = ScriptedTransport::new();
    push_prechecks_and_create(&wire, None);
    // The copy: the old access list, the description, then the assignment fails.
    push_access_list(&wire, None);
    wire.push_json(200, &format!(r#"{{"id":"{NEW}","desc":"deploy"}}"#));
    wire.push_json(
        403,
        r#"{"error":403,"errorCode":"ACCESS_FORBIDDEN","detail":"no","parameters":[],"reason":"Forbidden"}"#,
    );
    let client = client(&wire);
    let dir = tempfile::tempdir().unwrap();
    let journal = journal(dir.path());
    let (err, slot) = rotate_in_memory(&wire, dir.path()).await;
    let err = err.unwrap_err();
    let text = describe(&err);
    assert!(
        text.contains("assigning the new key to a project")
            && text.contains("ACCESS_FORBIDDEN")
            && text.contains(&format!("new key {NEW}"))
            && text.contains(&format!("rotate resume {OLD}-")),
        "both keys are named (the rotation's id starts with the old key's): {text}"
    );
    assert!(!text.contains(SECRET), "no private key in the error");
    let rotation: RotationId = err.rotation().cloned().expect("a rotation to resume");
    // The secret is not lost: it was delivered before the copy began.
    let delivered = take_delivered(&slot);
    assert_eq!(
        calls(&wire),
        vec![
            format!("GET /api/atlas/v2/orgs/{ORG}/apiKeys/{OLD}"),
            format!("GET /api/atlas/v2/orgs/{ORG}/apiKeys/{OLD}/accessList"),
            format!("GET /api/atlas/v2/orgs/{ORG}/apiKeys"),
            format!("POST /api/atlas/v2/orgs/{ORG}/apiKeys"),
            format!("GET /api/atlas/v2/orgs/{ORG}/apiKeys/{OLD}/accessList"),
            format!("PATCH /api/atlas/v2/orgs/{ORG}/apiKeys/{NEW}"),
            format!("POST /api/atlas/v2/groups/{PROJECT}/apiKeys/{NEW}"),
        ],
        "both keys must survive: no DELETE"
    );

    // The journal names both keys and what comes next.
    let rotations = Rotations::new(&client, journal.clone()).verify_with(builder(&wire));
    let state = rotations.find(OLD).await.unwrap();
    assert_eq!(state.id, rotation);
    assert_eq!(state.old_key.as_str(), OLD);
    assert_eq!(state.new_key.as_ref().map(|(id, _)| id.as_str()), Some(NEW));
    assert_eq!(
        state.next,
        Resume::ContinueFrom(NextStep::CopyRolesAndAccessList { assigned: vec![] })
    );

    // Without the secret the resume cannot verify; with it, it completes the rotation.
    push_old_key(&wire);
    push_copy(&wire, None);
    let stuck = rotations.resume(&rotation, false).await.unwrap_err();
    assert!(
        matches!(stuck, RotationError::NeedsSecret { .. }),
        "{stuck}"
    );
    wire.push_json(200, r#"{"currentIpv4Address":"192.0.2.10"}"#);
    wire.push_json(204, "");
    let private = delivered.private_key().clone();
    let report = rotations
        .secret(delivered, private)
        .resume(&rotation, false)
        .await
        .unwrap();
    assert!(report.old_key_deleted);
    assert_eq!(report.outcome, Some(Outcome::Rotated));
    let calls = calls(&wire);
    assert_eq!(
        calls[7..],
        [
            format!("GET /api/atlas/v2/orgs/{ORG}/apiKeys/{OLD}"),
            format!("GET /api/atlas/v2/orgs/{ORG}/apiKeys/{OLD}/accessList"),
            format!("PATCH /api/atlas/v2/orgs/{ORG}/apiKeys/{NEW}"),
            format!("POST /api/atlas/v2/groups/{PROJECT}/apiKeys/{NEW}"),
            "GET /api/private/ipinfo".to_owned(),
            format!("DELETE /api/atlas/v2/orgs/{ORG}/apiKeys/{OLD}"),
        ]
    );
    assert_secret_never_sent(&wire);
    assert_secret_not_journaled(dir.path());
}

#[tokio::test]
async fn a_failed_delivery_deletes_the_new_key_and_keeps_the_old_one() {
    let wire = ScriptedTransport::new();
    push_prechecks_and_create(&wire, None);
    wire.push_json(204, "");
    let client = client(&wire);
    let dir = tempfile::tempdir().unwrap();
    let journal = journal(dir.path());
    // A store that refuses, quoting what it was given.
    let delivery = Delivery::in_process("vault", |key: DeliveredKey| async move {
        Err(format!(
            "sealed; got {}",
            key.private_key().expose_private_key()
        ))
    });

    let err = client
        .org_keys()
        .rotate(&ORG.parse().unwrap(), &OLD.parse().unwrap())
        .deliver(delivery)
        .journal(journal.clone())
        .send()
        .await
        .unwrap_err();
    match &err {
        RotationError::Delivery {
            rolled_back,
            source: DeliveryError::Rejected { target, .. },
            ..
        } => {
            assert!(*rolled_back);
            assert_eq!(target, "vault");
        }
        other => panic!("not a delivery error: {other}"),
    }
    let text = describe(&err);
    assert!(!text.contains(SECRET), "{text}");
    assert!(text.contains("sealed; got <redacted>"), "{text}");
    assert_eq!(
        calls(&wire),
        vec![
            format!("GET /api/atlas/v2/orgs/{ORG}/apiKeys/{OLD}"),
            format!("GET /api/atlas/v2/orgs/{ORG}/apiKeys/{OLD}/accessList"),
            format!("GET /api/atlas/v2/orgs/{ORG}/apiKeys"),
            format!("POST /api/atlas/v2/orgs/{ORG}/apiKeys"),
            format!("DELETE /api/atlas/v2/orgs/{ORG}/apiKeys/{NEW}"),
        ],
        "the undelivered new key is deleted; the old key is untouched"
    );
    assert!(
        Rotations::new(&client, journal)
            .status()
            .await
            .unwrap()
            .is_empty(),
        "the rotation is closed"
    );
    assert_secret_not_journaled(dir.path());
}

#[tokio::test]
async fn a_new_key_that_fails_verification_is_deleted_and_the_old_one_kept() {
    let wire = ScriptedTransport::new();
    push_prechecks_and_create(&wire, None);
    push_copy(&wire, None);
    // The service refuses the new credentials.
    push_challenge(&wire);
    push_challenge(&wire);
    wire.push_json(204, "");
    let dir = tempfile::tempdir().unwrap();
    let (err, slot) = rotate_in_memory(&wire, dir.path()).await;
    let err = err.unwrap_err();
    assert!(
        matches!(
            err,
            RotationError::Verification {
                rolled_back: true,
                ..
            }
        ),
        "{err}"
    );
    assert!(!describe(&err).contains(SECRET));
    take_delivered(&slot);
    let calls = calls(&wire);
    assert_eq!(
        calls[calls.len() - 3..],
        [
            "GET /api/private/ipinfo".to_owned(),
            "GET /api/private/ipinfo".to_owned(),
            format!("DELETE /api/atlas/v2/orgs/{ORG}/apiKeys/{NEW}"),
        ]
    );
    assert!(
        !calls
            .iter()
            .any(|c| c.ends_with(OLD) && c.starts_with("DELETE")),
        "the old key is kept"
    );
    assert_secret_never_sent(&wire);
    assert_secret_not_journaled(dir.path());
}

#[tokio::test]
async fn an_organization_at_the_key_limit_is_refused_before_any_write() {
    let wire = ScriptedTransport::new();
    push_old_key(&wire);
    push_access_list(&wire, None);
    wire.push_json(200, r#"{"results":[],"totalCount":500,"links":[]}"#);
    let client = client(&wire);
    let (delivery, slot) = Delivery::in_memory();
    let err = client
        .org_keys()
        .rotate(&ORG.parse().unwrap(), &OLD.parse().unwrap())
        .deliver(delivery)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, RotationError::Refused(_)), "{err}");
    assert!(err.rotation().is_none(), "nothing to resume");
    assert!(!slot.is_filled());
    assert!(
        wire.requests().iter().all(|r| r.method() == "GET"),
        "reads only: {:?}",
        calls(&wire)
    );
}
