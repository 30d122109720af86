//! `cargo xtask demo`: a whole `atlas-keys` session against a local emulator, shown the way
//! a user would see it, with every step checked.
//!
//! It builds the two binaries, starts `atlas-keys-emulator` on a free loopback port, runs
//! the real `atlas-keys` binary as a child process for each step (printing `$ atlas-keys …`
//! and its output), checks that each step did what it shows, and stops the emulator by its
//! handle. Credentials travel in environment variables, so no command line shown here holds
//! a secret. It must NOT link our crates, and must NOT hide a failed check: any surprise
//! ends the demo with a non-zero status and says which step broke.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::cmd::{cargo, run_step, target_dir};
use crate::emulator_line::EmulatorLine;
use crate::process::{Captured, Server, run_captured};

/// The emulator starts in well under a second; the margin is for a loaded CI machine.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// One CLI command against a local server.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// Project keys the demo makes, enough for three pages of five.
const PROJECT_KEYS: usize = 11;
const PAGE_SIZE: usize = 5;

pub(crate) fn run() -> Result<(), String> {
    // The same package and feature selection as `cargo xtask ci`, so that after it only the
    // two binaries link: `-p atlas-keys-cli` alone resolves dependency features differently
    // and compiles hyper, reqwest and friends a second time (time, and disk CI may not have).
    run_step(
        "build",
        cargo().args([
            "build",
            "--quiet",
            "--workspace",
            "--all-features",
            "--bin",
            "atlas-keys",
            "--bin",
            "atlas-keys-emulator",
        ]),
    )?;
    let bin = target_dir().join("debug");
    let cli = binary(&bin, "atlas-keys")?;
    let emulator = binary(&bin, "atlas-keys-emulator")?;

    let work = std::env::temp_dir().join(format!("atlas-keys-demo-{}", std::process::id()));
    std::fs::create_dir_all(&work)
        .map_err(|e| format!("could not create {}: {e}", work.display()))?;
    let outcome = session(&cli, &emulator, &work);
    // The emulator is stopped by then (the guard lives in `session`); only files remain.
    let _ = std::fs::remove_dir_all(&work);
    let summary = outcome?;
    println!("\n== summary ==");
    for line in summary {
        println!("  {line}");
    }
    println!("\ndemo passed: every step did what it showed.");
    Ok(())
}

fn binary(dir: &Path, name: &str) -> Result<PathBuf, String> {
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("built binary not found at {}", path.display()))
    }
}

fn session(cli: &Path, emulator: &Path, work: &Path) -> Result<Vec<String>, String> {
    let mut command = Command::new(emulator);
    command.args(["--listen", "127.0.0.1:0"]);
    let (server, line) = Server::start(
        "atlas-keys-emulator",
        &mut command,
        &work.join("emulator.log"),
        START_TIMEOUT,
    )?;
    let emulated = EmulatorLine::parse(&line).map_err(|e| format!("emulator: {e}"))?;
    let mut demo = Demo {
        cli: cli.to_owned(),
        work: work.to_owned(),
        env: &emulated,
        commands: 0,
        service_account: false,
    };
    let result = demo
        .steps()
        .map_err(|e| format!("{e}{}", server.log_tail()));
    drop(server);
    result
}

struct Demo<'a> {
    cli: PathBuf,
    work: PathBuf,
    env: &'a EmulatorLine,
    commands: usize,
    /// Authenticate as the emulator's service account instead of its API key.
    service_account: bool,
}

impl Demo<'_> {
    fn steps(&mut self) -> Result<Vec<String>, String> {
        let org = self.env.org_id.clone();
        let project = self.env.project_id.clone();
        heading("Setup");
        println!("# The emulator listens on {}.", self.env.base_url);
        println!("# Credentials travel in the environment, never on the command line:");
        println!("$ export MONGODB_ATLAS_BASE_URL={}", self.env.base_url);
        println!(
            "$ export MONGODB_ATLAS_PUBLIC_API_KEY={}",
            self.env.public_key
        );
        println!("$ export MONGODB_ATLAS_PRIVATE_API_KEY=…   # hidden");

        heading("1. Create an organization key (its private key is shown once, here)");
        let out = self.ok(&[
            "organizations",
            "apiKeys",
            "create",
            "--orgId",
            &org,
            "--desc",
            "demo: CI deployer",
            "--role",
            "ORG_MEMBER",
        ])?;
        let org_key = table_field(&out.stdout, "ID").ok_or("create printed no `ID` line")?;
        let secret = table_field(&out.stdout, "Private key")
            .ok_or("create printed no `Private key` line")?;
        check(
            secret.len() >= 32 && !secret.starts_with('*'),
            "create shows the full private key",
        )?;
        check(
            count_in(&out, &secret) == 1,
            "the private key appears exactly once in the output",
        )?;
        check(
            out.stderr.contains("will not be shown again"),
            "create warns the key is not shown again",
        )?;

        heading("2. Create project keys (each one is an org key assigned to the project)");
        let out = self.ok(&[
            "projects",
            "apiKeys",
            "create",
            "--projectId",
            &project,
            "--desc",
            "demo: app key 1",
            "--role",
            "GROUP_READ_ONLY",
            "-o",
            "json",
        ])?;
        let doc = json_doc(&out.stdout)?;
        let first = doc["id"]
            .as_str()
            .ok_or("create -o json has no id")?
            .to_owned();
        let first_secret = doc["privateKey"]
            .as_str()
            .ok_or("create -o json has no privateKey")?
            .to_owned();
        check(
            count_in(&out, &first_secret) == 1,
            "the JSON create shows its private key exactly once",
        )?;
        let mut project_keys = vec![first];
        println!(
            "# … and {} more the same way (outputs abbreviated):",
            PROJECT_KEYS - 1
        );
        for i in 2..=PROJECT_KEYS {
            let desc = format!("demo: app key {i}");
            let out = self.quiet(&[
                "projects",
                "apiKeys",
                "create",
                "--projectId",
                &project,
                "--desc",
                &desc,
                "--role",
                "GROUP_READ_ONLY",
                "-o",
                "json",
            ])?;
            let id = json_doc(&out.stdout)?["id"]
                .as_str()
                .ok_or("create -o json has no id")?
                .to_owned();
            println!("  → created {id}");
            project_keys.push(id);
        }

        heading("3. Assign the organization key to the project too");
        self.ok(&[
            "projects",
            "apiKeys",
            "assign",
            &org_key,
            "--projectId",
            &project,
            "--role",
            "GROUP_DATA_ACCESS_READ_ONLY",
        ])?;
        project_keys.push(org_key.clone());

        heading(&format!("4. List the project's keys, {PAGE_SIZE} per page"));
        let limit = PAGE_SIZE.to_string();
        let mut paged = String::new();
        let mut pages = 0;
        for page in 1.. {
            let page_text = page.to_string();
            let out = self.ok(&[
                "projects",
                "apiKeys",
                "list",
                "--projectId",
                &project,
                "--limit",
                &limit,
                "--page",
                &page_text,
            ])?;
            paged.push_str(&out.stdout);
            pages = page;
            if !out.stdout.contains("Next: --page") || page >= 10 {
                break;
            }
        }
        check(pages >= 3, "the list needs at least three pages of five")?;
        for id in &project_keys {
            check(
                paged.contains(id.as_str()),
                &format!("key {id} appears on one of the pages"),
            )?;
        }
        let out = self.ok(&[
            "projects",
            "apiKeys",
            "list",
            "--projectId",
            &project,
            "--all",
        ])?;
        for id in &project_keys {
            check(
                out.stdout.contains(id.as_str()),
                &format!("key {id} appears in --all"),
            )?;
        }
        let all_count = out.stdout.lines().filter(|l| is_key_row(l)).count();
        check(all_count >= project_keys.len(), "--all shows every key")?;

        heading("5. Describe one key (the private key is redacted from now on)");
        let out = self.ok(&[
            "organizations",
            "apiKeys",
            "describe",
            &org_key,
            "--orgId",
            &org,
        ])?;
        check(
            !out.stdout.contains(&secret),
            "describe does not show the private key",
        )?;
        check(
            out.stdout.contains("********-****-****-"),
            "describe shows the redacted private key",
        )?;
        check(
            out.stdout.contains("GROUP_DATA_ACCESS_READ_ONLY"),
            "describe shows the project role",
        )?;

        heading("6. Add access-list entries to the key");
        self.ok(&[
            "organizations",
            "apiKeys",
            "accessLists",
            "create",
            "--orgId",
            &org,
            "--apiKey",
            &org_key,
            "--cidr",
            "192.0.2.0/24",
            "--ip",
            "198.51.100.7",
        ])?;
        let out = self.ok(&[
            "organizations",
            "apiKeys",
            "accessLists",
            "list",
            "--orgId",
            &org,
            "--apiKey",
            &org_key,
        ])?;
        check(
            out.stdout.contains("192.0.2.0/24") && out.stdout.contains("198.51.100.7"),
            "both entries are listed",
        )?;

        heading(
            "7. Rotate the key in two phases: the new secret goes to a file, never the terminal",
        );
        let secret_file = self.work.join("rotated-key.json");
        let target = format!("file:{}", secret_file.display());
        let out = self.ok(&[
            "rotate",
            "start",
            &org_key,
            "--orgId",
            &org,
            "--deliver",
            &target,
        ])?;
        let document: Value = serde_json::from_slice(
            &std::fs::read(&secret_file).map_err(|e| format!("the delivered file: {e}"))?,
        )
        .map_err(|e| format!("the delivered file is not JSON: {e}"))?;
        let new_key = document["id"]
            .as_str()
            .ok_or("the delivered file has no id")?
            .to_owned();
        let new_secret = document["privateKey"]
            .as_str()
            .ok_or("the delivered file has no privateKey")?
            .to_owned();
        check(new_key != org_key, "rotate made a new key")?;
        check(
            count_in(&out, &new_secret) == 0,
            "the new private key is only in the file (mode 0600)",
        )?;
        println!("# Both keys work now; consumers move to the new one. Then:");
        self.ok(&["rotate", "status"])?;
        self.ok(&["rotate", "finish", &org_key, "--force"])?;
        let out = self.ok(&[
            "organizations",
            "apiKeys",
            "accessLists",
            "list",
            "--orgId",
            &org,
            "--apiKey",
            &new_key,
        ])?;
        check(
            out.stdout.contains("192.0.2.0/24") && out.stdout.contains("198.51.100.7"),
            "the access list moved to the new key",
        )?;
        let out = self.ok(&[
            "organizations",
            "apiKeys",
            "describe",
            &new_key,
            "--orgId",
            &org,
            "-o",
            "json",
        ])?;
        check(
            out.stdout.contains("GROUP_DATA_ACCESS_READ_ONLY") && out.stdout.contains(&project),
            "the project role moved to the new key",
        )?;
        check(
            out.stdout.contains("ORG_MEMBER"),
            "the organization role moved to the new key",
        )?;
        check(
            !out.stdout.contains(&new_secret),
            "describe -o json does not show the private key",
        )?;

        heading("8. A typical error: the old key is gone");
        let out = self.fails(
            &[
                "organizations",
                "apiKeys",
                "describe",
                &org_key,
                "--orgId",
                &org,
            ],
            1,
        )?;
        check(
            // Live Atlas answers an unknown key id with 400 API_KEY_NOT_FOUND (NOTES (j)).
            out.stderr.starts_with("error: 400 API_KEY_NOT_FOUND"),
            "the error names the errorCode",
        )?;
        check(
            out.stderr.trim_end().lines().count() == 1,
            "the error is one line",
        )?;
        let not_found = out.stderr.trim().to_owned();
        println!("# A bad id is a usage error, caught before any request:");
        let out = self.fails(
            &[
                "organizations",
                "apiKeys",
                "describe",
                "not-a-key-id",
                "--orgId",
                &org,
            ],
            2,
        )?;
        check(
            out.stderr.contains("apiUserId"),
            "the usage error names the rule's field",
        )?;
        println!("# Deleting needs --force when nobody can answer a prompt:");
        self.fails(
            &[
                "organizations",
                "apiKeys",
                "delete",
                &new_key,
                "--orgId",
                &org,
            ],
            2,
        )?;

        heading("8b. Temporary CI access: this machine's address only while the job runs");
        self.ok(&[
            "ci-access",
            "--apiKey",
            &new_key,
            "--orgId",
            &org,
            "--ttl",
            "10m",
            "--",
            "echo",
            "deploying with the key admitted from this address",
        ])?;
        let out = self.quiet(&[
            "organizations",
            "apiKeys",
            "accessLists",
            "list",
            "--orgId",
            &org,
            "--apiKey",
            &new_key,
        ])?;
        check(
            !out.stdout.contains("127.0.0.1"),
            "ci-access removed the address it added",
        )?;

        heading("9. A service account: one OAuth token, cached on disk, serves many runs");
        println!("$ unset MONGODB_ATLAS_PUBLIC_API_KEY MONGODB_ATLAS_PRIVATE_API_KEY");
        println!("$ export MONGODB_ATLAS_CLIENT_ID={}", self.env.client_id);
        println!("$ export MONGODB_ATLAS_CLIENT_SECRET=…   # hidden");
        let tokens_before = tokens_issued(&self.env.base_url)?;
        self.service_account = true;
        let runs = 3;
        for _ in 0..runs {
            self.ok(&[
                "organizations",
                "apiKeys",
                "list",
                "--orgId",
                &org,
                "--limit",
                "2",
            ])?;
        }
        self.service_account = false;
        let tokens = tokens_issued(&self.env.base_url)? - tokens_before;
        println!(
            "# The emulator issued {tokens} token for those {runs} runs (GET /__emulator/stats)."
        );
        check(
            tokens == 1,
            "the second and third runs reuse the cached token",
        )?;
        check(
            private_token_files(&self.work.join("cache"))?,
            "the token cache holds one file, mode 0600",
        )?;

        heading("9b. Audit the organization's keys (read-only: GETs only)");
        self.ok(&["audit", "--orgId", &org, "--stale", "30d"])?;
        println!("# In CI: SARIF for code scanning, and exit 4 when a finding is high.");
        let sarif = self.exec(
            &["audit", "--orgId", &org, "-o", "sarif", "--fail-on", "high"],
            false,
        )?;
        expect_status(&sarif, 4, &["audit", "-o", "sarif", "--fail-on", "high"])?;
        let log = json_doc(&sarif.stdout)?;
        let results = log["runs"][0]["results"].as_array().map_or(0, Vec::len);
        println!(
            "# SARIF {} with {results} results; exit status 4.",
            log["version"]
        );
        check(log["version"] == "2.1.0", "the audit writes SARIF 2.1.0")?;

        heading("10. Clean up");
        self.ok(&[
            "organizations",
            "apiKeys",
            "delete",
            &new_key,
            "--orgId",
            &org,
            "--force",
        ])?;

        Ok(vec![
            format!(
                "created 1 organization key and {PROJECT_KEYS} project keys; assigned the org key to the project"
            ),
            format!(
                "listed {} project keys in {pages} pages of {PAGE_SIZE}, and all at once with --all",
                project_keys.len()
            ),
            format!(
                "rotated {org_key} → {new_key} in two phases (secret delivered to a 0600 file): roles, project and 2 access-list entries carried over; ci-access added and removed this address"
            ),
            "each private key was shown exactly once, by its create; describe and list redact it"
                .to_owned(),
            format!("errors exit 1 (`{not_found}`) or 2 (bad input, refused delete)"),
            format!("a service account made {runs} runs on 1 OAuth token, cached on disk (0600)"),
            format!("audited the org: {results} findings in SARIF, exit 4 under --fail-on high"),
            format!(
                "{} atlas-keys commands run; the emulator was stopped",
                self.commands
            ),
        ])
    }

    /// A command as a child process, with only the demo's credentials in its environment.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.cli);
        command.args(args);
        // A developer's real Atlas credentials must never leak into the demo, nor the demo's
        // requests go anywhere but the emulator.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("MONGODB_ATLAS_") {
                command.env_remove(name);
            }
        }
        if self.service_account {
            command
                .env("MONGODB_ATLAS_CLIENT_ID", &self.env.client_id)
                .env("MONGODB_ATLAS_CLIENT_SECRET", &self.env.client_secret);
        } else {
            command
                .env("MONGODB_ATLAS_PUBLIC_API_KEY", &self.env.public_key)
                .env("MONGODB_ATLAS_PRIVATE_API_KEY", &self.env.private_key);
        }
        command
            .env("MONGODB_ATLAS_BASE_URL", &self.env.base_url)
            .env("ATLAS_KEYS_CACHE_DIR", self.work.join("cache"))
            // The rotation journal and the ci-access ledger stay in the demo's directory.
            .env("XDG_STATE_HOME", self.work.join("state"))
            .env_remove("RUST_LOG");
        command
    }

    fn exec(&mut self, args: &[&str], show_output: bool) -> Result<Captured, String> {
        println!("$ atlas-keys {}", shell_words(args));
        self.commands += 1;
        let out = run_captured("atlas-keys", &mut self.command(args), COMMAND_TIMEOUT)?;
        if show_output {
            print!("{}", out.stdout);
            // stderr is shown as the terminal would show it, after stdout.
            print!("{}", out.stderr);
        }
        Ok(out)
    }

    /// Runs a step that must succeed, showing its output.
    fn ok(&mut self, args: &[&str]) -> Result<Captured, String> {
        let out = self.exec(args, true)?;
        expect_status(&out, 0, args)?;
        Ok(out)
    }

    /// Runs a step that must succeed, without showing its output.
    fn quiet(&mut self, args: &[&str]) -> Result<Captured, String> {
        let out = self.exec(args, false)?;
        expect_status(&out, 0, args)?;
        Ok(out)
    }

    /// Runs a step that must fail with `code`, showing the error and the status.
    fn fails(&mut self, args: &[&str], code: i32) -> Result<Captured, String> {
        let out = self.exec(args, true)?;
        println!(
            "$ echo $?\n{}",
            out.status
                .code()
                .map_or_else(|| "signal".to_owned(), |c| c.to_string())
        );
        expect_status(&out, code, args)?;
        Ok(out)
    }
}

/// True when the token cache holds exactly one file and (on Unix) only its owner may read it.
fn private_token_files(dir: &Path) -> Result<bool, String> {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("no token cache at {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in &files {
            let mode = std::fs::metadata(file)
                .map_err(|e| e.to_string())?
                .permissions()
                .mode();
            if mode & 0o777 != 0o600 {
                return Ok(false);
            }
        }
    }
    Ok(files.len() == 1)
}

/// The emulator's `tokensIssued` counter, read with a bare HTTP/1.0 GET (xtask links no
/// HTTP client; HTTP/1.0 keeps the reply unchunked).
fn tokens_issued(base_url: &str) -> Result<u64, String> {
    use std::io::{Read, Write};
    let authority = base_url
        .strip_prefix("http://")
        .ok_or_else(|| format!("the demo expects a plain-HTTP emulator, got {base_url}"))?
        .trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(authority)
        .map_err(|e| format!("could not reach the emulator at {authority}: {e}"))?;
    stream
        .set_read_timeout(Some(COMMAND_TIMEOUT))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET /__emulator/stats HTTP/1.0\r\nHost: {authority}\r\n\r\n"
    )
    .map_err(|e| format!("could not ask for the emulator's stats: {e}"))?;
    let mut reply = String::new();
    stream
        .read_to_string(&mut reply)
        .map_err(|e| format!("could not read the emulator's stats: {e}"))?;
    let body = reply
        .split_once("\r\n\r\n")
        .map(|(_, body)| body)
        .ok_or("the emulator's stats reply has no body")?;
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|stats| stats["tokensIssued"].as_u64())
        .ok_or_else(|| format!("no tokensIssued in the emulator's stats: {body}"))
}

/// The CLI's `-o json` output, whose fields the demo looks up one by one.
fn json_doc(stdout: &str) -> Result<Value, String> {
    serde_json::from_str(stdout).map_err(|e| format!("create -o json is not JSON: {e}"))
}

fn expect_status(out: &Captured, code: i32, args: &[&str]) -> Result<(), String> {
    if out.status.code() == Some(code) {
        Ok(())
    } else {
        Err(format!(
            "`atlas-keys {}` exited {} (expected {code})\n--- stdout ---\n{}--- stderr ---\n{}",
            shell_words(args),
            out.status,
            out.stdout,
            out.stderr
        ))
    }
}

fn check(condition: bool, what: &str) -> Result<(), String> {
    if condition {
        Ok(())
    } else {
        Err(format!("check failed: {what}"))
    }
}

fn heading(title: &str) {
    println!("\n## {title}");
}

/// How often `needle` occurs in stdout and stderr together.
fn count_in(out: &Captured, needle: &str) -> usize {
    out.stdout.matches(needle).count() + out.stderr.matches(needle).count()
}

/// The value of a `Label   value` line of the CLI's table layout for one item.
fn table_field(text: &str, label: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(label)?;
        // The label must be followed by the column gap, so `ID` does not match `IDs`.
        rest.starts_with("  ").then(|| rest.trim().to_owned())
    })
}

/// A row of a key table starts with a 24-hex key id.
fn is_key_row(line: &str) -> bool {
    line.split_whitespace()
        .next()
        .is_some_and(|id| id.len() == 24 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The arguments as a user would type them in a POSIX shell.
fn shell_words(args: &[&str]) -> String {
    args.iter()
        .map(|arg| {
            let plain = !arg.is_empty()
                && arg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_./:=,@%+".contains(&b));
            if plain {
                (*arg).to_owned()
            } else {
                format!("'{}'", arg.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::{is_key_row, shell_words, table_field};

    #[test]
    fn command_lines_are_quoted_like_a_shell() {
        assert_eq!(
            shell_words(&["create", "--desc", "demo: it's", "--role", "ORG_MEMBER"]),
            "create --desc 'demo: it'\\''s' --role ORG_MEMBER"
        );
    }

    #[test]
    fn table_fields_are_found_by_their_label() {
        let text = "ID            5d1113b25a115342acc2d1aa\nPrivate key   abc-def\n";
        assert_eq!(
            table_field(text, "ID").as_deref(),
            Some("5d1113b25a115342acc2d1aa")
        );
        assert_eq!(table_field(text, "Private key").as_deref(), Some("abc-def"));
        assert_eq!(table_field(text, "Public key"), None);
    }

    #[test]
    fn key_rows_start_with_an_id() {
        assert!(is_key_row("5d1113b25a115342acc2d1aa   abcdefgh   x"));
        assert!(!is_key_row("ID   PUBLIC KEY"));
        assert!(!is_key_row("Page 1: 5 of 12 keys."));
    }
}
