//! `organizations apiKeys create | list | describe | update | delete`, in both formats.

use crate::harness::{Emu, ids, str_field, text};

#[test]
fn create_in_table_form_labels_the_private_key_and_warns_once() {
    let emu = Emu::start();
    let out = emu.ok(&[
        "organizations",
        "apiKeys",
        "create",
        "--orgId",
        emu.org(),
        "--desc",
        "ci deployer",
        "--role",
        "ORG_MEMBER",
        "--role",
        "ORG_READ_ONLY",
    ]);
    let stdout = text(&out.stdout);
    assert!(stdout.lines().any(|l| l.starts_with("ID ")), "{stdout}");
    assert!(stdout.contains("ci deployer"), "{stdout}");
    assert!(
        stdout.contains("ORG_MEMBER") && stdout.contains("ORG_READ_ONLY"),
        "{stdout}"
    );
    let private = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Private key"))
        .expect("labelled private key")
        .trim();
    assert!(
        !private.starts_with('*'),
        "the full key is shown at creation: {private}"
    );
    assert!(text(&out.stderr).contains("will not be shown again"));
}

#[test]
fn create_list_describe_update_delete_round_trip_in_json() {
    let emu = Emu::start();
    let org = emu.org();
    let created = emu.json(&[
        "orgs",
        "apikeys",
        "create",
        "--orgId",
        org,
        "--desc",
        "round trip",
        "--role",
        "ORG_MEMBER",
    ]);
    let id = str_field(&created, "id");
    assert_eq!(created["desc"], "round trip");

    let list = emu.json(&["organizations", "apiKeys", "list", "--orgId", org]);
    assert!(ids(&list).contains(&id));
    assert!(list["totalCount"].as_u64().is_some());

    let described = emu.json(&["organizations", "apiKeys", "describe", &id, "--orgId", org]);
    assert_eq!(described["id"], id.as_str());
    assert!(str_field(&described, "privateKey").starts_with("********-****-****-"));

    let updated = emu.json(&[
        "organizations",
        "apiKeys",
        "update",
        &id,
        "--orgId",
        org,
        "--desc",
        "renamed",
        "--role",
        "ORG_BILLING_ADMIN",
    ]);
    assert_eq!(updated["desc"], "renamed");
    let roles: Vec<&str> = updated["roles"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["roleName"].as_str())
        .collect();
    assert_eq!(roles, ["ORG_BILLING_ADMIN"]);

    let deleted = emu.json(&[
        "organizations",
        "apiKeys",
        "delete",
        &id,
        "--orgId",
        org,
        "--force",
    ]);
    assert_eq!(deleted["deleted"], true);
    let out = emu.fails(
        &["organizations", "apiKeys", "describe", &id, "--orgId", org],
        1,
    );
    assert!(
        text(&out.stderr).starts_with("error: 400 API_KEY_NOT_FOUND"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn list_and_describe_in_table_form() {
    let emu = Emu::start();
    let (id, _) = emu.create_org_key("table view");
    let out = emu.ok(&["organizations", "apiKeys", "list", "--orgId", emu.org()]);
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("ID "), "{stdout}");
    assert!(
        stdout.contains(&id) && stdout.contains("table view"),
        "{stdout}"
    );
    assert!(
        stdout.lines().last().unwrap().starts_with("Page 1: "),
        "{stdout}"
    );

    let out = emu.ok(&[
        "organizations",
        "apiKeys",
        "describe",
        &id,
        "--orgId",
        emu.org(),
    ]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Private key") && stdout.contains("********-****-****-"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("ORG_MEMBER (organization {})", emu.org())),
        "{stdout}"
    );
}

#[test]
fn update_needs_something_to_change() {
    let emu = Emu::start();
    let (id, _) = emu.create_org_key("unchanged");
    let out = emu.fails(
        &[
            "organizations",
            "apiKeys",
            "update",
            &id,
            "--orgId",
            emu.org(),
        ],
        2,
    );
    assert!(
        text(&out.stderr).contains("--desc"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn delete_without_force_refuses_when_nobody_can_confirm() {
    let emu = Emu::start();
    let (id, _) = emu.create_org_key("keep me");
    let out = emu.fails(
        &[
            "organizations",
            "apiKeys",
            "delete",
            &id,
            "--orgId",
            emu.org(),
        ],
        2,
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("--force") && stderr.lines().count() == 1,
        "{stderr}"
    );
    // The key is still there.
    emu.ok(&[
        "organizations",
        "apiKeys",
        "describe",
        &id,
        "--orgId",
        emu.org(),
    ]);
    let out = emu.ok(&[
        "organizations",
        "apiKeys",
        "delete",
        &id,
        "--orgId",
        emu.org(),
        "--force",
    ]);
    assert!(text(&out.stdout).contains("deleted"));
}
