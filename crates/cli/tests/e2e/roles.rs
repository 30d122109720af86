//! `--role` and `--role-unchecked`: a typo fails before any request with the roles each
//! flavour accepts; an unchecked role is sent as given; the 26 Atlas project roles work.

use crate::harness::{Emu, text};

#[test]
fn a_role_typo_fails_before_io_listing_the_valid_roles() {
    let emu = Emu::start();
    let out = emu.fails(
        &[
            "projects",
            "apiKeys",
            "create",
            "--projectId",
            emu.project(),
            "--desc",
            "typo",
            "--role",
            "GROUP_READ_ONLYY",
        ],
        2,
    );
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("GROUP_READ_ONLYY"), "{stderr}");
    for role in [
        "GROUP_ACCESS_MANAGER",
        "GROUP_MODEL_OWNER",
        "GROUP_USER_ADMIN",
    ] {
        assert!(stderr.contains(role), "{role} listed: {stderr}");
    }
    assert!(stderr.contains("atlas, atlas-v1:"), "{stderr}");
    assert!(stderr.contains("--role-unchecked"), "{stderr}");

    let out = emu.fails(
        &[
            "organizations",
            "apiKeys",
            "create",
            "--orgId",
            emu.org(),
            "--desc",
            "typo",
            "--role",
            "ORG_OWNR",
        ],
        2,
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("ORG_STREAM_PROCESSING_ADMIN"), "{stderr}");
    assert_eq!(emu.stats().requests, 0, "nothing was sent");
}

#[test]
fn a_known_role_the_flavour_lacks_fails_listing_that_flavours_roles() {
    let emu = Emu::start();
    let out = emu.fails(
        &[
            "projects",
            "apiKeys",
            "create",
            "--projectId",
            emu.project(),
            "--desc",
            "cm role",
            "--role",
            "GROUP_USER_ADMIN",
        ],
        2,
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("GROUP_ACCESS_MANAGER"), "{stderr}");
    assert!(!stderr.contains("GROUP_AUTOMATION_ADMIN"), "{stderr}");
    assert_eq!(emu.stats().requests, 0);
}

#[test]
fn an_unchecked_role_is_sent_and_the_server_judges_it() {
    let emu = Emu::start();
    // Malformed: refused before any request.
    emu.fails(
        &[
            "projects",
            "apiKeys",
            "create",
            "--projectId",
            emu.project(),
            "--desc",
            "x",
            "--role-unchecked",
            "group_new_thing",
        ],
        2,
    );
    assert_eq!(emu.stats().requests, 0);
    // Well-shaped but unknown to the emulator too: it reaches the server, which refuses it.
    let out = emu.fails(
        &[
            "projects",
            "apiKeys",
            "create",
            "--projectId",
            emu.project(),
            "--desc",
            "x",
            "--role",
            "GROUP_READ_ONLY",
            "--role-unchecked",
            "GROUP_NEW_THING",
        ],
        1,
    );
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("error: 400 "), "{stderr}");
    assert!(emu.stats().requests > 0);
}

#[test]
fn the_new_atlas_project_roles_are_accepted_end_to_end() {
    let emu = Emu::start();
    let key = emu.json(&[
        "projects",
        "apiKeys",
        "create",
        "--projectId",
        emu.project(),
        "--desc",
        "access manager",
        "--role",
        "GROUP_ACCESS_MANAGER,GROUP_MODEL_OWNER",
        "--role-unchecked",
        "GROUP_ALERTS_MANAGER",
    ]);
    let roles = key["roles"].to_string();
    for role in [
        "GROUP_ACCESS_MANAGER",
        "GROUP_MODEL_OWNER",
        "GROUP_ALERTS_MANAGER",
    ] {
        assert!(roles.contains(role), "{role}: {roles}");
    }
}

#[test]
fn a_project_access_manager_manages_the_projects_keys_and_a_reader_does_not() {
    let emu = Emu::start();
    let project = emu.project().to_owned();
    let key_with = |role: &str| {
        let key = emu.json(&[
            "projects",
            "apiKeys",
            "create",
            "--projectId",
            &project,
            "--desc",
            role,
            "--role",
            role,
        ]);
        (
            crate::harness::str_field(&key, "publicKey"),
            crate::harness::str_field(&key, "privateKey"),
        )
    };
    let create_with = |(public, private): &(String, String)| {
        emu.cli()
            .env("MONGODB_ATLAS_PUBLIC_API_KEY", public)
            .env("MONGODB_ATLAS_PRIVATE_API_KEY", private)
            .args([
                "projects",
                "apiKeys",
                "create",
                "--projectId",
                &project,
                "--desc",
                "made by a project key",
                "--role",
                "GROUP_READ_ONLY",
            ])
            .output()
            .unwrap()
    };
    let manager = create_with(&key_with("GROUP_ACCESS_MANAGER"));
    assert_eq!(manager.status.code(), Some(0), "{}", text(&manager.stderr));
    let reader = create_with(&key_with("GROUP_READ_ONLY"));
    assert_eq!(reader.status.code(), Some(1), "{}", text(&reader.stderr));
}
