//! Exit statuses (0 / 1 / 2) and the one-line `error: …` on stderr.

use crate::harness::{Emu, text};

fn one_line(stderr: &[u8]) -> String {
    let stderr = text(stderr);
    assert_eq!(stderr.lines().count(), 1, "exactly one line: {stderr:?}");
    stderr
}

#[test]
fn a_bad_org_id_is_a_usage_error_naming_flag_rule_and_value_with_nothing_sent() {
    let emu = Emu::start();
    let out = emu
        .cli()
        .args(["organizations", "apiKeys", "list", "--orgId", "ABC123"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("--orgId"), "{stderr}");
    assert!(stderr.contains("24 lowercase hex characters"), "{stderr}");
    assert!(stderr.contains("ABC123"), "{stderr}");
    assert_eq!(emu.stats().requests, 0, "validation happens before any I/O");
}

#[test]
fn bad_roles_descriptions_and_key_ids_are_usage_errors() {
    let emu = Emu::start();
    let org = emu.org();
    for args in [
        vec![
            "organizations",
            "apiKeys",
            "create",
            "--orgId",
            org,
            "--desc",
            "x",
            "--role",
            "GROUP_OWNER",
        ],
        vec![
            "organizations",
            "apiKeys",
            "create",
            "--orgId",
            org,
            "--desc",
            "",
            "--role",
            "ORG_MEMBER",
        ],
        vec![
            "organizations",
            "apiKeys",
            "create",
            "--orgId",
            org,
            "--desc",
            "no role",
        ],
        vec![
            "organizations",
            "apiKeys",
            "describe",
            "nope",
            "--orgId",
            org,
        ],
        vec![
            "projects",
            "apiKeys",
            "assign",
            "5d1113b25a115342acc2d1aa",
            "--projectId",
            "xyz",
            "--role",
            "GROUP_OWNER",
        ],
        vec![
            "organizations",
            "apiKeys",
            "list",
            "--orgId",
            org,
            "--flavor",
            "mongo",
        ],
        vec![
            "organizations",
            "apiKeys",
            "list",
            "--orgId",
            org,
            "--bogus-flag",
        ],
        vec![
            "organizations",
            "apiKeys",
            "list",
            "--orgId",
            org,
            "-o",
            "yaml",
        ],
        vec!["organizations", "apiKeys", "list"],
        vec![],
    ] {
        emu.fails(&args, 2);
    }
    assert_eq!(emu.stats().requests, 0);
}

#[test]
fn a_role_the_flavour_does_not_accept_is_a_validation_error() {
    let emu = Emu::start();
    // ORG_STREAM_PROCESSING_ADMIN does not exist in Cloud Manager: caught by the api crate.
    let out = emu.fails(
        &[
            "organizations",
            "apiKeys",
            "create",
            "--orgId",
            emu.org(),
            "--desc",
            "x",
            "--role",
            "ORG_STREAM_PROCESSING_ADMIN",
            "--flavor",
            "cloud-manager",
        ],
        2,
    );
    assert!(one_line(&out.stderr).starts_with("error: "));
    assert_eq!(emu.stats().requests, 0);
}

#[test]
fn an_unknown_key_is_an_api_error_with_status_and_error_code() {
    let emu = Emu::start();
    let out = emu.fails(
        &[
            "organizations",
            "apiKeys",
            "describe",
            "5d1113b25a115342acc2d1aa",
            "--orgId",
            emu.org(),
        ],
        1,
    );
    let stderr = one_line(&out.stderr);
    // Live Atlas: an unknown key id is 400 API_KEY_NOT_FOUND (NOTES (j)).
    assert!(stderr.starts_with("error: 400 "), "{stderr}");
    assert!(stderr.contains("NOT_FOUND"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn wrong_credentials_are_an_api_error() {
    let emu = Emu::start();
    let out = emu
        .cli()
        .env(
            "MONGODB_ATLAS_PRIVATE_API_KEY",
            "00000000-0000-0000-0000-000000000000",
        )
        .args(["organizations", "apiKeys", "list", "--orgId", emu.org()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // The error line, then one hint line naming where the credentials came from (hints.rs).
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr:?}");
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains("refused"),
        "{stderr}"
    );
    assert!(lines[1].starts_with("hint: "), "{stderr}");
}

#[test]
fn half_a_credential_pair_is_a_usage_error() {
    let emu = Emu::start();
    let out = emu
        .cli()
        .env_remove("MONGODB_ATLAS_PRIVATE_API_KEY")
        .args(["organizations", "apiKeys", "list", "--orgId", emu.org()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(one_line(&out.stderr).contains("MONGODB_ATLAS_PRIVATE_API_KEY"));
}

#[test]
fn an_unreachable_server_is_a_transport_error() {
    let emu = Emu::start();
    // A loopback port nobody listens on: bind one, note it, free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = emu
        .cli()
        .args([
            "organizations",
            "apiKeys",
            "list",
            "--orgId",
            emu.org(),
            "--base-url",
            &format!("http://127.0.0.1:{port}"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(one_line(&out.stderr).starts_with("error: "));
}
