//! `atlas-keys rotate`: same roles, projects and access list; new secret once; old key gone.

use crate::harness::{Emu, occurrences, str_field, text};

#[test]
fn rotate_replaces_the_key_and_carries_everything_over() {
    let emu = Emu::start();
    let (org, project) = (emu.org(), emu.project());
    let (old, old_secret) = emu.create_org_key("to rotate");
    emu.ok(&[
        "projects",
        "apiKeys",
        "assign",
        &old,
        "--projectId",
        project,
        "--role",
        "GROUP_READ_ONLY",
    ]);
    emu.ok(&[
        "organizations",
        "apiKeys",
        "accessLists",
        "create",
        "--orgId",
        org,
        "--apiKey",
        &old,
        "--cidr",
        "10.0.0.0/8",
    ]);

    let out = emu.ok(&["rotate", &old, "--orgId", org]);
    let stdout = text(&out.stdout);
    let field = |label: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("no {label}: {stdout}"))
    };
    let new = field("ID");
    let new_secret = field("Private key");
    assert_ne!(new, old);
    assert_eq!(
        occurrences(&out, &new_secret),
        1,
        "the new secret is shown exactly once"
    );
    assert_eq!(occurrences(&out, &old_secret), 0);
    assert!(field("Replaces").contains(&old) && field("Replaces").contains("deleted"));
    assert!(text(&out.stderr).contains("will not be shown again"));

    let out = emu.fails(
        &["organizations", "apiKeys", "describe", &old, "--orgId", org],
        1,
    );
    assert!(
        text(&out.stderr).contains("NOT_FOUND"),
        "{}",
        text(&out.stderr)
    );

    let key = emu.json(&["organizations", "apiKeys", "describe", &new, "--orgId", org]);
    let roles: Vec<(String, String)> = key["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["groupId"]
                    .as_str()
                    .or(r["orgId"].as_str())
                    .unwrap()
                    .to_owned(),
                str_field(r, "roleName"),
            )
        })
        .collect();
    assert!(
        roles.contains(&(org.to_owned(), "ORG_MEMBER".to_owned())),
        "{roles:?}"
    );
    assert!(
        roles.contains(&(project.to_owned(), "GROUP_READ_ONLY".to_owned())),
        "{roles:?}"
    );
    let entries = emu.json(&[
        "organizations",
        "apiKeys",
        "accessLists",
        "list",
        "--orgId",
        org,
        "--apiKey",
        &new,
    ]);
    assert_eq!(entries["results"][0]["cidrBlock"], "10.0.0.0/8");
}

#[test]
fn rotate_in_json_holds_the_new_key_once() {
    let emu = Emu::start();
    let (old, _) = emu.create_org_key("json rotate");
    let out = emu.ok(&["rotate", &old, "--orgId", emu.org(), "-o", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(value["oldKeyId"], old.as_str());
    assert_eq!(value["oldKeyDeleted"], true);
    let secret = str_field(&value["newKey"], "privateKey");
    assert_eq!(occurrences(&out, &secret), 1);
}

#[test]
fn rotating_a_missing_key_changes_nothing_and_exits_1() {
    let emu = Emu::start();
    let out = emu.fails(
        &["rotate", "5d1113b25a115342acc2d1aa", "--orgId", emu.org()],
        1,
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: 400 API_KEY_NOT_FOUND") && stderr.lines().count() == 1,
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}
