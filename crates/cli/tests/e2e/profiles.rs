//! Profiles as the Atlas CLI writes them: a real `config.toml` under a temporary
//! `XDG_CONFIG_HOME` (its `atlascli/config.toml`), driving the binary. Precedence is
//! flags, then environment, then profile; a malformed default fails only the commands that
//! use it; with no credentials nothing is sent.

use std::path::Path;

use serde_json::Value;

use crate::harness::{Emu, assert_status, str_field, text};

/// Writes `atlascli/config.toml` under `dir`, Atlas CLI style.
fn write_config(dir: &Path, body: &str) {
    let atlascli = dir.join("atlascli");
    std::fs::create_dir_all(&atlascli).expect("mkdir");
    std::fs::write(atlascli.join("config.toml"), body).expect("write config");
}

/// `atlas-keys` with no MONGODB_ATLAS_* variables and `dir` as the config home.
fn with_config(emu: &Emu, dir: &Path) -> assert_cmd::Command {
    let mut cmd = emu.bare();
    cmd.env("XDG_CONFIG_HOME", dir);
    cmd
}

fn profile_file(emu: &Emu, org: &str) -> String {
    let (public, private) = emu.api_key();
    format!(
        r#"# written by the Atlas CLI
version = 2
telemetry_enabled = false

[default]
  org_id = "{org}"
  output = "json"
  ops_manager_url = "{url}"
  public_api_key = "{public}"
  private_api_key = "{private}"
  service = "cloud"

[broken]
  org_id = "not-an-id"
  ops_manager_url = "{url}"
  public_api_key = "{public}"
  private_api_key = "{private}"

[empty]
  output = "json"
"#,
        url = emu.base_url()
    )
}

#[test]
fn the_default_profile_supplies_credentials_server_org_and_output() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("tmp");
    write_config(dir.path(), &profile_file(&emu, emu.org()));
    let out = with_config(&emu, dir.path())
        .args(["organizations", "apiKeys", "list"])
        .output()
        .expect("runs");
    assert_status(&out, 0, &["list (profile default)"]);
    // `output = "json"` in the profile: the API's page shape.
    let page: Value = serde_json::from_slice(&out.stdout).expect("json from the profile's output");
    assert!(page["results"].is_array(), "{page}");
}

#[test]
fn flags_beat_environment_beat_profile() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("tmp");
    write_config(dir.path(), &profile_file(&emu, emu.org()));
    // Environment beats the profile's `output = "json"`.
    let out = with_config(&emu, dir.path())
        .env("MONGODB_ATLAS_OUTPUT", "table")
        .args(["organizations", "apiKeys", "list"])
        .output()
        .expect("runs");
    assert_status(&out, 0, &["list (env table)"]);
    assert!(
        text(&out.stdout).starts_with("ID "),
        "{}",
        text(&out.stdout)
    );
    // And the flag beats the environment.
    let out = with_config(&emu, dir.path())
        .env("MONGODB_ATLAS_OUTPUT", "table")
        .args([
            "organizations",
            "apiKeys",
            "list",
            "-o",
            "json-path=$.totalCount",
        ])
        .output()
        .expect("runs");
    assert_status(&out, 0, &["list (flag json-path)"]);
    assert!(
        text(&out.stdout).trim().parse::<u64>().is_ok(),
        "{}",
        text(&out.stdout)
    );
    // A wrong org in the environment beats the profile's right one: the API says so.
    let out = with_config(&emu, dir.path())
        .env("MONGODB_ATLAS_ORG_ID", "aaaaaaaaaaaaaaaaaaaaaaaa")
        .args(["organizations", "apiKeys", "list"])
        .output()
        .expect("runs");
    assert_status(&out, 1, &["list (env org)"]);
}

#[test]
fn a_named_profile_is_used_and_a_missing_one_is_an_error() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("tmp");
    // The good settings only under a non-default name.
    let body = profile_file(&emu, emu.org()).replace("[default]", "[work]");
    write_config(dir.path(), &body);
    let out = with_config(&emu, dir.path())
        .args(["-P", "work", "organizations", "apiKeys", "list"])
        .output()
        .expect("runs");
    assert_status(&out, 0, &["-P work"]);
    // Also after the subcommand, and through MONGODB_ATLAS_PROFILE.
    let out = with_config(&emu, dir.path())
        .args(["organizations", "apiKeys", "list", "--profile", "work"])
        .output()
        .expect("runs");
    assert_status(&out, 0, &["--profile work (late)"]);
    let out = with_config(&emu, dir.path())
        .env("MONGODB_ATLAS_PROFILE", "work")
        .args(["organizations", "apiKeys", "list"])
        .output()
        .expect("runs");
    assert_status(&out, 0, &["MONGODB_ATLAS_PROFILE=work"]);
    let before = emu.stats().requests;
    let out = with_config(&emu, dir.path())
        .args(["-P", "nope", "organizations", "apiKeys", "list"])
        .output()
        .expect("runs");
    assert_status(&out, 2, &["-P nope"]);
    assert!(text(&out.stderr).contains("nope"), "{}", text(&out.stderr));
    assert_eq!(emu.stats().requests, before, "the failed run sent nothing");
}

#[test]
fn a_malformed_default_breaks_only_commands_that_use_it_and_names_its_source() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("tmp");
    write_config(dir.path(), &profile_file(&emu, emu.org()));
    // The variable is malformed; a project command does not need the org.
    let out = with_config(&emu, dir.path())
        .env("MONGODB_ATLAS_ORG_ID", "nope")
        .args(["projects", "apiKeys", "list", "--projectId", emu.project()])
        .output()
        .expect("runs");
    assert_status(&out, 0, &["projects list with a bad org default"]);
    let out = with_config(&emu, dir.path())
        .env("MONGODB_ATLAS_ORG_ID", "nope")
        .args(["organizations", "apiKeys", "list", "-o", "table"])
        .output()
        .expect("runs");
    assert_status(&out, 2, &["org list with a bad org default"]);
    assert!(
        text(&out.stderr).contains("MONGODB_ATLAS_ORG_ID"),
        "{}",
        text(&out.stderr)
    );
    // A flag makes the bad default irrelevant.
    let out = with_config(&emu, dir.path())
        .env("MONGODB_ATLAS_ORG_ID", "nope")
        .args(["organizations", "apiKeys", "list", "--orgId", emu.org()])
        .output()
        .expect("runs");
    assert_status(&out, 0, &["org list with --orgId"]);
    // The same from a profile: the error names the profile's key.
    let out = with_config(&emu, dir.path())
        .args(["-P", "broken", "organizations", "apiKeys", "list"])
        .output()
        .expect("runs");
    assert_status(&out, 2, &["-P broken"]);
    let err = text(&out.stderr);
    assert!(err.contains("org_id") && err.contains("broken"), "{err}");
}

#[test]
fn no_credentials_means_no_request_and_exit_2_naming_variables_and_profile() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("tmp");
    write_config(dir.path(), &profile_file(&emu, emu.org()));
    let out = with_config(&emu, dir.path())
        .env("MONGODB_ATLAS_BASE_URL", emu.base_url())
        .args([
            "-P",
            "empty",
            "organizations",
            "apiKeys",
            "list",
            "--orgId",
            emu.org(),
        ])
        .output()
        .expect("runs");
    assert_status(&out, 2, &["-P empty"]);
    let err = text(&out.stderr);
    assert!(
        err.contains("MONGODB_ATLAS_PUBLIC_API_KEY")
            && err.contains("MONGODB_ATLAS_CLIENT_ID")
            && err.contains("empty"),
        "{err}"
    );
    // `output = "json"` in that profile: the error is the JSON object.
    let error: Value =
        serde_json::from_str(err.trim()).expect("a JSON error under the profile's json output");
    assert_eq!(error["errorCode"], "INVALID_INPUT");
    assert_eq!(emu.stats().requests, 0, "nothing was sent");
}

#[test]
fn whoami_names_the_profile_and_key_but_never_the_secret() {
    let emu = Emu::start();
    let dir = tempfile::tempdir().expect("tmp");
    write_config(dir.path(), &profile_file(&emu, emu.org()));
    let (public, private) = emu.api_key();
    let out = with_config(&emu, dir.path())
        .args(["auth", "whoami", "-o", "table"])
        .output()
        .expect("runs");
    assert_status(&out, 0, &["auth whoami"]);
    let shown = text(&out.stdout);
    assert!(
        shown.contains(&public) && shown.contains("default"),
        "{shown}"
    );
    assert!(!shown.contains(&private), "the private key leaked: {shown}");
    let out = with_config(&emu, dir.path())
        .args(["auth", "whoami"])
        .output()
        .expect("runs");
    let who: Value = serde_json::from_slice(&out.stdout).expect("json (profile output)");
    assert_eq!(str_field(&who["credential"], "publicKey"), public);
    assert!(!text(&out.stdout).contains(&private));
    assert_eq!(emu.stats().requests, 0, "whoami sends nothing");
}
