//! Global flags and environment defaults: `--base-url`, `--flavor`, `MONGODB_ATLAS_ORG_ID`,
//! `MONGODB_ATLAS_PROJECT_ID`, help, and the `emulator` subcommand.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::harness::{Emu, ids, text};

#[test]
fn org_and_project_ids_default_to_the_environment() {
    let emu = Emu::start();
    let (id, _) = emu.create_org_key("env default");
    let out = emu
        .cli()
        .env("MONGODB_ATLAS_ORG_ID", emu.org())
        .args(["organizations", "apiKeys", "describe", &id])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = emu
        .cli()
        .env("MONGODB_ATLAS_PROJECT_ID", emu.project())
        .args(["projects", "apiKeys", "list", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn base_url_flag_wins_over_the_environment() {
    let emu = Emu::start();
    let real = emu
        .cli()
        .get_envs()
        .find(|(k, _)| *k == "MONGODB_ATLAS_BASE_URL")
        .and_then(|(_, v)| v)
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let out = emu
        .cli()
        .env("MONGODB_ATLAS_BASE_URL", "http://127.0.0.1:9")
        .args([
            "organizations",
            "apiKeys",
            "list",
            "--orgId",
            emu.org(),
            "--base-url",
            &real,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    emu.fails(
        &[
            "organizations",
            "apiKeys",
            "list",
            "--orgId",
            emu.org(),
            "--base-url",
            "ftp://x",
        ],
        2,
    );
}

#[test]
fn every_flavour_lists_the_same_keys() {
    let emu = Emu::start();
    let (id, _) = emu.create_org_key("all flavours");
    for flavour in ["atlas", "atlas-v1", "cloud-manager", "ops-manager"] {
        let list = emu.json(&[
            "organizations",
            "apiKeys",
            "list",
            "--orgId",
            emu.org(),
            "--flavor",
            flavour,
        ]);
        assert!(ids(&list).contains(&id), "{flavour}: {list}");
    }
}

#[test]
fn help_names_the_atlas_cli_commands() {
    let emu = Emu::start();
    let out = emu.ok(&["--help"]);
    let help = text(&out.stdout);
    for word in [
        "organizations",
        "projects",
        "rotate",
        "emulator",
        "--output",
        "--base-url",
        "--flavor",
    ] {
        assert!(help.contains(word), "{word} missing from:\n{help}");
    }
    let out = emu.ok(&[
        "organizations",
        "apiKeys",
        "accessLists",
        "create",
        "--help",
    ]);
    let help = text(&out.stdout);
    for word in ["--orgId", "--apiKey", "--ip", "--cidr"] {
        assert!(help.contains(word), "{word} missing from:\n{help}");
    }
}

#[test]
fn the_emulator_subcommand_announces_itself_and_serves() {
    let emu = Emu::start();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("atlas-keys"))
        .args(["emulator", "--listen", "127.0.0.1:0"])
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("first line");
    let info: serde_json::Value = serde_json::from_str(&line).expect("JSON line");
    let base_url = info["baseUrl"].as_str().unwrap().to_owned();
    let out = emu
        .bare()
        .env("MONGODB_ATLAS_BASE_URL", &base_url)
        .env(
            "MONGODB_ATLAS_PUBLIC_API_KEY",
            info["publicKey"].as_str().unwrap(),
        )
        .env(
            "MONGODB_ATLAS_PRIVATE_API_KEY",
            info["privateKey"].as_str().unwrap(),
        )
        .args([
            "organizations",
            "apiKeys",
            "list",
            "--orgId",
            info["orgId"].as_str().unwrap(),
        ])
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(out.status.success(), "{}", text(&out.stderr));
}
