//! The Atlas CLI's documented examples for API keys, run as written with our binary name
//! and the emulator's ids, each checked against what its page says it does.
//!
//! Source: mongodb/mongodb-atlas-cli `docs/command/atlas-organizations-apiKeys-*.txt` and
//! `atlas-projects-apiKeys-*.txt` (the `Examples` blocks). Rewrites, besides `atlas` ->
//! `atlas-keys` and the ids: the describe page's `-output json` (a typo: one dash) is
//! `--output json`; deletes get `--force`, because without a terminal nobody can answer the
//! confirmation both CLIs ask for.

use serde_json::Value;

use crate::harness::{Emu, assert_status, str_field};

/// The ids in the Atlas CLI's examples.
const DOC_ORG: &str = "5a1b39eec902201990f12345";
const DOC_KEY: &str = "5f24084d8dbffa3ad3f21234";
const DOC_PROJECT_KEY: &str = "5f46ae53d58b421fe3edc115";
const DOC_PROJECT: &str = "5e1234c17a3e5a48f5497de3";

/// Splits a documented command line like a shell would for these examples (words and
/// double-quoted strings; no escapes or variables occur in them).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(word);
    }
    out
}

/// Runs one documented example: `atlas …` with the doc ids replaced, returns stdout JSON
/// (or Null for an example without `--output json`).
fn run(emu: &Emu, example: &str, key: &str) -> Value {
    let line = example
        .replace(DOC_ORG, emu.org())
        .replace(DOC_PROJECT, emu.project())
        .replace(DOC_KEY, key)
        .replace(DOC_PROJECT_KEY, key);
    let mut args = words(&line);
    assert_eq!(args.remove(0), "atlas", "{example}");
    let out = emu.cli().args(&args).output().expect("runs");
    let shown: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_status(&out, 0, &shown);
    if args.iter().any(|a| a == "json") {
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{example}: {e}"))
    } else {
        Value::Null
    }
}

#[test]
fn organization_api_key_examples_work_as_documented() {
    let emu = Emu::start();
    // create: "API Key '<Id>' created. Public API Key … Private API Key …"
    let created = run(
        &emu,
        r#"atlas organizations apiKeys create --role ORG_OWNER --desc "My API Key" --orgId 5a1b39eec902201990f12345 --output json"#,
        "",
    );
    let key = str_field(&created, "id");
    assert_eq!(str_field(&created, "desc"), "My API Key");
    assert!(!str_field(&created, "publicKey").is_empty());
    assert!(
        !str_field(&created, "privateKey").contains('*'),
        "shown once, in full"
    );

    // list: the organization's keys, JSON.
    let list = run(
        &emu,
        "atlas organizations apiKeys list --orgId 5a1b39eec902201990f12345 --output json",
        &key,
    );
    assert!(
        list["results"]
            .as_array()
            .expect("results")
            .iter()
            .any(|k| k["id"] == key.as_str())
    );

    // describe (the page has `-output json`).
    let described = run(
        &emu,
        "atlas organizations apiKeys describe 5f24084d8dbffa3ad3f21234 --orgId 5a1b39eec902201990f12345 --output json",
        &key,
    );
    assert_eq!(str_field(&described, "id"), key);

    // assign: "Modify the role and description".
    let assigned = run(
        &emu,
        r#"atlas organizations apiKeys assign 5f24084d8dbffa3ad3f21234 --role ORG_MEMBER --desc "User1 Member Key" --orgId 5a1b39eec902201990f12345 --output json"#,
        &key,
    );
    assert_eq!(str_field(&assigned, "desc"), "User1 Member Key");
    let roles: Vec<&str> = assigned["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .filter_map(|r| r["roleName"].as_str())
        .collect();
    assert_eq!(roles, ["ORG_MEMBER"], "the role replaced ORG_OWNER");

    // accessLists create: two CIDR blocks.
    let created = run(
        &emu,
        "atlas organizations apiKeys accessLists create --apiKey 5f24084d8dbffa3ad3f21234 --cidr 192.0.2.0/24,198.51.100.0/24 --orgId 5a1b39eec902201990f12345 --output json",
        &key,
    );
    let blocks: Vec<&str> = created["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|e| e["cidrBlock"].as_str())
        .collect();
    assert!(
        blocks.contains(&"192.0.2.0/24") && blocks.contains(&"198.51.100.0/24"),
        "{created}"
    );

    // accessLists list (the page's `--apiKey` form).
    let listed = run(
        &emu,
        "atlas organizations apiKeys accessLists list --apiKey 5f24084d8dbffa3ad3f21234 --orgId 5a1b39eec902201990f12345 --output json",
        &key,
    );
    assert_eq!(listed["results"].as_array().expect("results").len(), 2);

    // accessLists delete of "the IP address 192.0.2.0": that entry exists first.
    run(
        &emu,
        "atlas organizations apiKeys accessLists create --apiKey 5f24084d8dbffa3ad3f21234 --ip 192.0.2.0 --orgId 5a1b39eec902201990f12345",
        &key,
    );
    run(
        &emu,
        "atlas organizations apiKeys accessLists delete 192.0.2.0 --apiKey 5f24084d8dbffa3ad3f21234 --orgId 5a1b39eec902201990f12345 --force",
        &key,
    );
    let after = run(
        &emu,
        "atlas organizations apiKeys accessLists list 5f24084d8dbffa3ad3f21234 --orgId 5a1b39eec902201990f12345 --output json",
        &key,
    );
    assert!(!after.to_string().contains("\"192.0.2.0\""), "{after}");

    // delete.
    run(
        &emu,
        "atlas organizations apiKeys delete 5f24084d8dbffa3ad3f21234 --orgId 5a1b39eec902201990f12345 --force",
        &key,
    );
    let list = run(
        &emu,
        "atlas organizations apiKeys list --orgId 5a1b39eec902201990f12345 --output json",
        &key,
    );
    assert!(!list.to_string().contains(&key), "deleted");
}

#[test]
fn project_api_key_examples_work_as_documented() {
    let emu = Emu::start();
    // create with one role, then with two: keys assigned to the project with those roles.
    let one = run(
        &emu,
        r#"atlas projects apiKeys create --desc "My API key" --projectId 5e1234c17a3e5a48f5497de3 --role GROUP_OWNER --output json"#,
        "",
    );
    let two = run(
        &emu,
        r#"atlas projects apiKeys create --desc "My API key" --projectId 5e1234c17a3e5a48f5497de3 --role GROUP_SEARCH_INDEX_EDITOR,GROUP_DATABASE_ACCESS_ADMIN --output json"#,
        "",
    );
    let roles = |key: &Value| -> Vec<String> {
        key["roles"]
            .as_array()
            .expect("roles")
            .iter()
            .filter(|r| r["groupId"] == emu.project())
            .filter_map(|r| r["roleName"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(roles(&one), ["GROUP_OWNER"]);
    let mut both = roles(&two);
    both.sort();
    assert_eq!(
        both,
        ["GROUP_DATABASE_ACCESS_ADMIN", "GROUP_SEARCH_INDEX_EDITOR"]
    );

    // list: the keys assigned to the project.
    let list = run(
        &emu,
        "atlas projects apiKeys list --projectId 5e1234c17a3e5a48f5497de3 --output json",
        "",
    );
    for key in [&one, &two] {
        assert!(list.to_string().contains(&str_field(key, "id")));
    }

    // assign an organization key to the project.
    let (org_key, _) = emu.create_org_key("to assign");
    run(
        &emu,
        "atlas projects apiKeys assign 5f46ae53d58b421fe3edc115 --projectId 5e1234c17a3e5a48f5497de3 --role GROUP_DATA_ACCESS_READ_WRITE --output json",
        &org_key,
    );
    let list = run(
        &emu,
        "atlas projects apiKeys list --projectId 5e1234c17a3e5a48f5497de3 --output json",
        "",
    );
    let assigned = list["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|k| k["id"] == org_key.as_str())
        .expect("assigned");
    assert_eq!(roles(assigned), ["GROUP_DATA_ACCESS_READ_WRITE"]);

    // delete: removed from the project, still in the organization.
    run(
        &emu,
        "atlas projects apiKeys delete 5f46ae53d58b421fe3edc115 --projectId 5e1234c17a3e5a48f5497de3 --force",
        &org_key,
    );
    let list = run(
        &emu,
        "atlas projects apiKeys list --projectId 5e1234c17a3e5a48f5497de3 --output json",
        "",
    );
    assert!(!list.to_string().contains(&org_key));
    let org = run(
        &emu,
        "atlas organizations apiKeys describe 5f24084d8dbffa3ad3f21234 --orgId 5a1b39eec902201990f12345 --output json",
        &org_key,
    );
    assert_eq!(str_field(&org, "id"), org_key);
}
