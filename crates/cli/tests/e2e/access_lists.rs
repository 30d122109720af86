//! `organizations apiKeys accessLists create | list | describe | delete`.

use crate::harness::{Emu, text};

#[test]
fn add_list_describe_and_remove_entries() {
    let emu = Emu::start();
    let org = emu.org();
    let (key, _) = emu.create_org_key("with access list");
    let out = emu.ok(&[
        "organizations",
        "apiKeys",
        "accessLists",
        "create",
        "--orgId",
        org,
        "--apiKey",
        &key,
        "--ip",
        "198.51.100.7",
        "--cidr",
        "192.0.2.0/24",
    ]);
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("ADDRESS"), "{stdout}");
    assert!(
        stdout.contains("198.51.100.7") && stdout.contains("192.0.2.0/24"),
        "{stdout}"
    );

    let list = emu.json(&[
        "organizations",
        "apiKeys",
        "accessLists",
        "list",
        "--orgId",
        org,
        "--apiKey",
        &key,
    ]);
    assert_eq!(list["results"].as_array().unwrap().len(), 2);

    let entry = emu.json(&[
        "organizations",
        "apiKeys",
        "accessLists",
        "describe",
        "192.0.2.0/24",
        "--orgId",
        org,
        "--apiKey",
        &key,
    ]);
    assert_eq!(entry["cidrBlock"], "192.0.2.0/24");
    // The lowercase aliases work too.
    let out = emu.ok(&[
        "orgs",
        "apikeys",
        "accesslists",
        "describe",
        "198.51.100.7",
        "--orgId",
        org,
        "--apiKey",
        &key,
    ]);
    assert!(
        text(&out.stdout).contains("Address"),
        "{}",
        text(&out.stdout)
    );

    emu.fails(
        &[
            "organizations",
            "apiKeys",
            "accessLists",
            "delete",
            "198.51.100.7",
            "--orgId",
            org,
            "--apiKey",
            &key,
        ],
        2,
    );
    emu.ok(&[
        "organizations",
        "apiKeys",
        "accessLists",
        "delete",
        "198.51.100.7",
        "--orgId",
        org,
        "--apiKey",
        &key,
        "--force",
    ]);
    let list = emu.json(&[
        "organizations",
        "apiKeys",
        "accessLists",
        "list",
        "--orgId",
        org,
        "--apiKey",
        &key,
        "--all",
    ]);
    assert_eq!(list["results"].as_array().unwrap().len(), 1);
    assert_eq!(list["totalCount"], 1);
}

#[test]
fn a_block_given_as_ip_is_a_usage_error_before_any_request() {
    let emu = Emu::start();
    let (key, _) = emu.create_org_key("strict");
    let before = emu.stats().requests;
    let out = emu.fails(
        &[
            "organizations",
            "apiKeys",
            "accessLists",
            "create",
            "--orgId",
            emu.org(),
            "--apiKey",
            &key,
            "--ip",
            "192.0.2.0/24",
        ],
        2,
    );
    assert!(
        text(&out.stderr).contains("--cidr"),
        "{}",
        text(&out.stderr)
    );
    let out = emu.fails(
        &[
            "organizations",
            "apiKeys",
            "accessLists",
            "create",
            "--orgId",
            emu.org(),
            "--apiKey",
            &key,
            "--cidr",
            "192.0.2.1/24",
        ],
        2,
    );
    assert!(
        text(&out.stderr).contains("host bits"),
        "{}",
        text(&out.stderr)
    );
    emu.fails(
        &[
            "organizations",
            "apiKeys",
            "accessLists",
            "create",
            "--orgId",
            emu.org(),
            "--apiKey",
            &key,
        ],
        2,
    );
    assert_eq!(emu.stats().requests, before, "nothing was sent");
}
