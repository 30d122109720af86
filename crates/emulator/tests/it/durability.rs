//! The binary: startup line, `--state` durability across `kill -9`, TLS, and no lost
//! updates under concurrency.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use http::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_atlas-keys-emulator");

/// Spawns the binary and reads its JSON line.
async fn spawn(args: &[&str]) -> (Child, Value) {
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--rate-limit", "off"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn emulator");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("startup line in time")
        .unwrap()
        .expect("a line");
    let v: Value = serde_json::from_str(&line).unwrap();
    for k in [
        "baseUrl",
        "orgId",
        "projectId",
        "publicKey",
        "privateKey",
        "clientId",
        "clientSecret",
    ] {
        assert!(v[k].is_string(), "{k} missing in {line}");
    }
    // Keep the pipe open, or a later write to stdout would fail.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, v)
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn state_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state_arg = state.to_str().unwrap().to_owned();
    let (mut child, line) = spawn(&["--state", &state_arg]).await;
    let base = s(&line, "baseUrl");
    let org = s(&line, "orgId");
    let client = client();
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();

    // Writers running while the process is killed.
    let mut tasks = Vec::new();
    for w in 0..8 {
        let (client, base, org, line, acked) = (
            client.clone(),
            base.clone(),
            org.clone(),
            line.clone(),
            acked.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let prompt = Mutex::new(None);
            for i in 0.. {
                let req = Req::new(Method::POST, format!("{V2}/orgs/{org}/apiKeys"))
                    .json(json!({"desc": format!("w{w}-{i}"), "roles": ["ORG_MEMBER"]}))
                    .digest(&s(&line, "publicKey"), &s(&line, "privateKey"));
                match send_via(&client, &base, &prompt, req).await {
                    Ok(r) if r.status == 200 => acked
                        .lock()
                        .unwrap()
                        .push(r.json()["id"].as_str().unwrap().to_owned()),
                    Ok(r) => panic!("unexpected {}", r.status),
                    Err(_) => break,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    child.start_kill().unwrap(); // SIGKILL
    child.wait().await.unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 5, "only {} writes acknowledged", acked.len());

    // Restart on the same file: same credentials, every acknowledged key present.
    let (_child, line2) = spawn(&["--state", &state_arg]).await;
    assert_eq!(s(&line2, "publicKey"), s(&line, "publicKey"));
    assert_eq!(s(&line2, "privateKey"), s(&line, "privateKey"));
    assert_eq!(s(&line2, "clientSecret"), s(&line, "clientSecret"));
    let base2 = s(&line2, "baseUrl");
    let summary: Value = send_raw(
        &client,
        &base2,
        &Req::new(Method::GET, "/__emulator/state/summary"),
        None,
    )
    .await
    .unwrap()
    .json();
    let total = summary["apiKeys"].as_u64().unwrap() as usize;
    // Acknowledged writes are all there; at most one in-flight write per writer more.
    assert!(
        total > acked.len() && total <= acked.len() + 9,
        "{total} vs {}",
        acked.len()
    );
    assert_eq!(
        summary["distinctDescriptions"].as_u64().unwrap() as usize,
        total
    );
    let prompt = Mutex::new(None);
    for id in acked.iter().step_by(7) {
        let req = Req::new(Method::GET, format!("{V2}/orgs/{org}/apiKeys/{id}"))
            .digest(&s(&line2, "publicKey"), &s(&line2, "privateKey"));
        send_via(&client, &base2, &prompt, req)
            .await
            .unwrap()
            .expect(200);
    }
}

#[tokio::test]
async fn binary_flags_seed_bulk_and_tls() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(
        &seed,
        r#"{"orgs":[{"id":"aaaaaaaaaaaaaaaaaaaaaaaa"}],
            "apiKeys":[{"publicKey":"seededaa","privateKey":"seeded-secret","roles":[{"orgId":"aaaaaaaaaaaaaaaaaaaaaaaa","roleName":"ORG_OWNER"}]}],
            "bulkProjectKeys": 2}"#,
    )
    .unwrap();
    let ca = dir.path().join("ca.pem");
    let (_child, line) = spawn(&[
        "--seed",
        seed.to_str().unwrap(),
        "--bulk-project-keys",
        "3",
        "--tls",
        "--tls-ca-out",
        ca.to_str().unwrap(),
        "--token-ttl",
        "60",
    ])
    .await;
    assert_eq!(s(&line, "orgId"), "aaaaaaaaaaaaaaaaaaaaaaaa");
    assert_eq!(s(&line, "publicKey"), "seededaa");
    assert!(s(&line, "baseUrl").starts_with("https://127.0.0.1:"));
    assert_eq!(s(&line, "caFile"), ca.to_str().unwrap());
    let pem = std::fs::read_to_string(&ca).unwrap();
    assert!(pem.contains("BEGIN CERTIFICATE"));
    let base = s(&line, "baseUrl");
    let addr = base.trim_start_matches("https://").to_owned();
    let (status, body) = tls_get(&addr, &pem, "/__emulator/state/summary").await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["projectApiKeys"][s(&line, "projectId")], 3, "{v}");
    let (status, _) = tls_get(
        &addr,
        &pem,
        &format!("{V2}/orgs/aaaaaaaaaaaaaaaaaaaaaaaa/apiKeys"),
    )
    .await;
    assert_eq!(status, 401);
    // A bad flag is refused.
    let out = std::process::Command::new(BIN)
        .args(["--faults", "500=2"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn library_tls() {
    let emu = atlas_keys_emulator::Emulator::builder()
        .tls(true)
        .start()
        .await
        .unwrap();
    let pem = emu.ca_pem().unwrap().to_owned();
    assert!(emu.base_url().starts_with("https://"));
    let (status, _) = tls_get(&emu.local_addr().to_string(), &pem, "/__emulator/stats").await;
    assert_eq!(status, 200);
}

async fn tls_get(addr: &str, ca_pem: &str, path: &str) -> (u16, bytes::Bytes) {
    use http_body_util::BodyExt as _;
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject as _;
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
            .await
            .unwrap();
    tokio::spawn(conn);
    let req = http::Request::get(path)
        .header("host", addr)
        .header("accept", ACCEPT_V2)
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    let resp = sender.send_request(req).await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.into_body().collect().await.unwrap().to_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_lose_nothing() {
    let env = Arc::new(start().await);
    let o = env.emu.org_id().to_owned();
    let (id, _, _) = env.create_org_key(V2, "target", &["ORG_MEMBER"]).await;
    let mut tasks = Vec::new();
    for i in 0..64 {
        let env = env.clone();
        let o = o.clone();
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            env.post(
                &format!("{V2}/orgs/{o}/apiKeys"),
                json!({"desc": format!("c{i}"), "roles": ["ORG_MEMBER"]}),
            )
            .await
            .expect(200);
            env.post(
                &format!("{V2}/orgs/{o}/apiKeys/{id}/accessList"),
                json!([{"ipAddress": format!("10.0.0.{i}")}]),
            )
            .await
            .expect(200);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let sum = env.summary().await;
    assert_eq!(sum["apiKeys"], 66);
    assert_eq!(sum["distinctDescriptions"], 66);
    assert_eq!(sum["accessListEntries"], 64);
}
