//! `projects apiKeys create | list | assign | update | delete`, in both formats.

use crate::harness::{Emu, ids, str_field, text};

fn role_names(key: &serde_json::Value, project: &str) -> Vec<String> {
    key["roles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["groupId"] == project)
        .map(|r| r["roleName"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn create_assigns_the_new_key_to_the_project() {
    let emu = Emu::start();
    let key = emu.json(&[
        "projects",
        "apiKeys",
        "create",
        "--projectId",
        emu.project(),
        "--desc",
        "app",
        "--role",
        "GROUP_READ_ONLY",
    ]);
    assert_eq!(role_names(&key, emu.project()), ["GROUP_READ_ONLY"]);
    let list = emu.json(&["projects", "apiKeys", "list", "--projectId", emu.project()]);
    assert!(ids(&list).contains(&str_field(&key, "id")));
}

#[test]
fn assign_update_and_unassign_an_org_key() {
    let emu = Emu::start();
    let project = emu.project();
    let (id, _) = emu.create_org_key("to assign");

    let out = emu.ok(&[
        "projects",
        "apiKeys",
        "assign",
        &id,
        "--projectId",
        project,
        "--role",
        "GROUP_DATA_ACCESS_READ_ONLY",
    ]);
    assert!(
        text(&out.stdout).contains("assigned"),
        "{}",
        text(&out.stdout)
    );
    let out = emu.ok(&["projects", "apiKeys", "list", "--projectId", project]);
    let row = text(&out.stdout)
        .lines()
        .find(|l| l.starts_with(&id))
        .map(str::to_owned)
        .expect("listed");
    assert!(row.contains("GROUP_DATA_ACCESS_READ_ONLY"), "{row}");

    let updated = emu.json(&[
        "projects",
        "apiKeys",
        "update",
        &id,
        "--projectId",
        project,
        "--role",
        "GROUP_OWNER,GROUP_READ_ONLY",
    ]);
    let mut roles = role_names(&updated, project);
    roles.sort();
    assert_eq!(roles, ["GROUP_OWNER", "GROUP_READ_ONLY"]);

    emu.fails(
        &["projects", "apiKeys", "delete", &id, "--projectId", project],
        2,
    );
    let removed = emu.json(&[
        "projects",
        "apiKeys",
        "delete",
        &id,
        "--projectId",
        project,
        "--force",
    ]);
    assert_eq!(removed["removed"], true);
    let list = emu.json(&["projects", "apiKeys", "list", "--projectId", project]);
    assert!(!ids(&list).contains(&id));
    // Unassigning keeps the key in the organization.
    emu.ok(&[
        "organizations",
        "apiKeys",
        "describe",
        &id,
        "--orgId",
        emu.org(),
    ]);
}

#[test]
fn assign_prints_a_summary_in_json() {
    let emu = Emu::start();
    let (id, _) = emu.create_org_key("json assign");
    let done = emu.json(&[
        "projects",
        "apiKeys",
        "assign",
        &id,
        "--projectId",
        emu.project(),
        "--role",
        "GROUP_READ_ONLY",
    ]);
    assert_eq!(done["id"], id.as_str());
    assert_eq!(done["roles"], serde_json::json!(["GROUP_READ_ONLY"]));
}
