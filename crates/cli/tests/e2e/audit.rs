//! `atlas-keys audit` and `organizations settings`: an org built through the CLI (an
//! ORG_OWNER key, a key usable from anywhere, keys open to the internet, an orphan), the
//! report in each output format, `--fail-on` exit statuses, GETs only, and no 429 with the
//! emulator's real rate limits on.

use atlas_keys_emulator::RateLimitConfig;
use serde_json::Value;

use crate::harness::{Emu, assert_status, str_field, text};

/// The emulator with its documented rate limits, and three more keys: `anywhere` (no access
/// list, no project: also an orphan), `open-v4` (0.0.0.0/0) and `open-v6` (::/0).
fn org() -> Emu {
    let emu = Emu::start_with(|b| b.rate_limit(RateLimitConfig::default()));
    emu.create_org_key("anywhere");
    for (desc, cidr) in [("open-v4", "0.0.0.0/0"), ("open-v6", "::/0")] {
        let (id, _) = emu.create_org_key(desc);
        emu.ok(&[
            "organizations",
            "apiKeys",
            "accessLists",
            "create",
            "--orgId",
            emu.org(),
            "--apiKey",
            &id,
            "--cidr",
            cidr,
        ]);
    }
    emu
}

fn rules(report: &Value, desc: &str) -> Vec<String> {
    let key = report["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["description"] == desc)
        .unwrap_or_else(|| panic!("{desc} in {report}"));
    key["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| str_field(f, "id"))
        .collect()
}

#[test]
fn the_report_in_every_format_with_gets_only_and_no_429() {
    let emu = org();
    let before = emu.stats();
    let report = emu.json(&["audit", "--orgId", emu.org()]);
    assert!(
        rules(&report, "anywhere").contains(&"AK002".to_owned()),
        "{report}"
    );
    assert!(
        rules(&report, "anywhere").contains(&"AK006".to_owned()),
        "{report}"
    );
    assert!(
        rules(&report, "open-v4").contains(&"AK004".to_owned()),
        "{report}"
    );
    assert!(
        rules(&report, "open-v6").contains(&"AK004".to_owned()),
        "{report}"
    );
    assert_eq!(report["apiAccessListRequired"], false);
    let owners = report["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| {
            k["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["id"] == "AK001")
        })
        .count();
    assert_eq!(owners, 1, "the emulator's owner key");

    let sarif: Value = serde_json::from_slice(
        &emu.ok(&["audit", "--orgId", emu.org(), "-o", "sarif"])
            .stdout,
    )
    .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"].as_str().unwrap().contains("sarif"));
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "atlas-keys");
    for result in run["results"].as_array().unwrap() {
        assert!(
            result["ruleId"].as_str().unwrap().starts_with("AK"),
            "{result}"
        );
        assert!(result["message"]["text"].is_string(), "{result}");
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
    }

    let csv = text(&emu.ok(&["audit", "--orgId", emu.org(), "-o", "csv"]).stdout);
    assert!(csv.lines().count() > 4, "{csv}");
    assert!(csv.contains("AK004"), "{csv}");

    let table = text(&emu.ok(&["audit", "--orgId", emu.org()]).stdout);
    assert!(
        table.contains("AK002") && table.contains("anywhere"),
        "{table}"
    );

    let after = emu.stats();
    for (method, n) in &after.by_method {
        if method != "GET" {
            assert_eq!(
                before.by_method.get(method),
                Some(n),
                "the audit sent a {method}"
            );
        }
    }
    assert_eq!(after.rate_limited, 0);
}

#[test]
fn fail_on_sets_the_exit_status_and_never_writes() {
    let emu = org();
    let before = emu.stats();
    let args = ["audit", "--orgId", emu.org(), "-o", "json", "--fail-on"];
    for (threshold, code) in [("high", 4), ("medium", 4), ("low", 4), ("never", 0)] {
        let mut all = args.to_vec();
        all.push(threshold);
        let output = emu.cli().args(&all).output().unwrap();
        assert_status(&output, code, &all);
        // The report is printed before the verdict, and stderr stays one line.
        let _: Value = serde_json::from_slice(&output.stdout).unwrap();
        if code == 4 {
            assert!(
                text(&output.stderr).contains("at or above --fail-on"),
                "{}",
                text(&output.stderr)
            );
        }
    }
    let after = emu.stats();
    assert_eq!(before.by_method.get("POST"), after.by_method.get("POST"));
    assert_eq!(before.by_method.get("PATCH"), after.by_method.get("PATCH"));
    assert_eq!(
        before.by_method.get("DELETE"),
        after.by_method.get("DELETE")
    );
    emu.fails(
        &["audit", "--orgId", emu.org(), "--fail-on", "sometimes"],
        2,
    );
    emu.fails(&["audit", "--orgId", emu.org(), "--stale", "90"], 2);
}

#[test]
fn csv_and_sarif_are_for_audit_only() {
    let emu = Emu::start();
    for format in ["csv", "sarif"] {
        let output = emu.fails(
            &[
                "organizations",
                "apiKeys",
                "list",
                "--orgId",
                emu.org(),
                "-o",
                format,
            ],
            2,
        );
        assert!(
            text(&output.stderr).contains("audit"),
            "{}",
            text(&output.stderr)
        );
    }
}

#[test]
fn settings_describe_and_update_change_the_audit() {
    let emu = org();
    // The caller (the seed's owner key) needs an access list once the org requires one.
    let report = emu.json(&["audit", "--orgId", emu.org()]);
    let owner = report["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| rules(&report, k["description"].as_str().unwrap()).contains(&"AK001".to_owned()))
        .map(|k| str_field(k, "id"))
        .unwrap();
    emu.ok(&[
        "organizations",
        "apiKeys",
        "accessLists",
        "create",
        "--orgId",
        emu.org(),
        "--apiKey",
        &owner,
        "--ip",
        "127.0.0.1",
    ]);
    let settings = emu.json(&[
        "organizations",
        "settings",
        "describe",
        "--orgId",
        emu.org(),
    ]);
    assert_eq!(settings["apiAccessListRequired"], false);
    let settings = emu.json(&[
        "organizations",
        "settings",
        "update",
        "--orgId",
        emu.org(),
        "--apiAccessListRequired",
        "true",
    ]);
    assert_eq!(settings["apiAccessListRequired"], true);
    let table = text(
        &emu.ok(&["organizations", "settings", "get", "--orgId", emu.org()])
            .stdout,
    );
    assert!(
        table.contains("apiAccessListRequired") && table.contains("true"),
        "{table}"
    );
    let report = emu.json(&["audit", "--orgId", emu.org()]);
    assert_eq!(report["apiAccessListRequired"], true);
    assert!(
        !rules(&report, "anywhere").contains(&"AK002".to_owned()),
        "{report}"
    );
    // The owner key has been used from 127.0.0.1 since its entry was added.
    let used = report["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == owner.as_str())
        .unwrap();
    assert_eq!(used["usage"]["state"], "used", "{used}");
    emu.fails(
        &["organizations", "settings", "update", "--orgId", emu.org()],
        2,
    );
}
