//! The `hint: …` line after `error: …`: an access-list denial names the address the
//! service saw and the command that adds it; refused credentials name where they came from.

use crate::harness::{Emu, str_field, text};

/// stderr as `(error line, hint line)`; exactly two lines.
fn error_and_hint(stderr: &[u8]) -> (String, String) {
    let stderr = text(stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "an error line and a hint line: {stderr:?}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(lines[1].starts_with("hint: "), "{stderr}");
    (lines[0].to_owned(), lines[1].to_owned())
}

#[test]
fn a_key_used_from_an_unlisted_address_gets_the_command_that_lists_it() {
    let emu = Emu::start();
    let org = emu.org().to_owned();
    let key = emu.json(&[
        "organizations",
        "apiKeys",
        "create",
        "--orgId",
        &org,
        "--desc",
        "listed elsewhere",
        "--role",
        "ORG_OWNER",
    ]);
    let (id, public, private) = (
        str_field(&key, "id"),
        str_field(&key, "publicKey"),
        str_field(&key, "privateKey"),
    );
    // An access list that excludes 127.0.0.1, where the test's requests come from.
    emu.ok(&[
        "organizations",
        "apiKeys",
        "accessLists",
        "create",
        "--orgId",
        &org,
        "--apiKey",
        &id,
        "--ip",
        "203.0.113.7",
    ]);
    let out = emu
        .cli()
        .env("MONGODB_ATLAS_PUBLIC_API_KEY", &public)
        .env("MONGODB_ATLAS_PRIVATE_API_KEY", &private)
        .args(["organizations", "apiKeys", "list", "--orgId", &org])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let (error, hint) = error_and_hint(&out.stderr);
    assert!(
        error.contains("403 IP_ADDRESS_NOT_ON_ACCESS_LIST"),
        "{error}"
    );
    assert!(hint.contains("from 127.0.0.1"), "{hint}");
    assert!(
        hint.contains(&format!(
            "atlas-keys organizations apiKeys accessLists create --apiKey <KEY_ID> --ip 127.0.0.1 --orgId {org}"
        )),
        "{hint}"
    );
    assert!(
        hint.contains(&public),
        "names the key by its public key: {hint}"
    );
    assert!(!text(&out.stderr).contains(&private));
}

#[test]
fn refused_digest_credentials_name_the_variables_they_came_from() {
    let emu = Emu::start();
    let private = "00000000-0000-0000-0000-000000000000";
    let out = emu
        .cli()
        .env("MONGODB_ATLAS_PRIVATE_API_KEY", private)
        .args(["organizations", "apiKeys", "list", "--orgId", emu.org()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let (_, hint) = error_and_hint(&out.stderr);
    assert!(
        hint.contains("MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY"),
        "{hint}"
    );
    assert!(hint.contains("API key"), "{hint}");
    assert!(!text(&out.stderr).contains(private));
}

#[test]
fn a_refused_service_account_names_its_variables() {
    let emu = Emu::start();
    let out = emu
        .cli_service_account()
        .env("MONGODB_ATLAS_CLIENT_SECRET", "mdb_sa_sk_wrong")
        .args(["organizations", "apiKeys", "list", "--orgId", emu.org()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let (_, hint) = error_and_hint(&out.stderr);
    assert!(
        hint.contains("service account") && hint.contains("MONGODB_ATLAS_CLIENT_SECRET"),
        "{hint}"
    );
    assert!(!text(&out.stderr).contains("mdb_sa_sk_wrong"));
}

#[test]
fn an_error_without_a_known_fix_has_no_hint() {
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
    assert_eq!(text(&out.stderr).lines().count(), 1);
}
