//! The private key appears exactly once (in the create output) and nowhere else, and no
//! credential ever appears in any output, even with debug logging on.

use crate::harness::{Emu, occurrences, str_field, text};

#[test]
fn the_private_key_appears_exactly_once_at_creation_in_either_format() {
    let emu = Emu::start();
    let out = emu.ok(&[
        "organizations",
        "apiKeys",
        "create",
        "--orgId",
        emu.org(),
        "--desc",
        "once",
        "--role",
        "ORG_MEMBER",
        "-o",
        "json",
    ]);
    let key: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (id, secret) = (str_field(&key, "id"), str_field(&key, "privateKey"));
    assert_eq!(occurrences(&out, &secret), 1);

    let out = emu.ok(&[
        "projects",
        "apiKeys",
        "create",
        "--projectId",
        emu.project(),
        "--desc",
        "once",
        "--role",
        "GROUP_READ_ONLY",
    ]);
    let stdout = text(&out.stdout);
    let project_secret = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Private key"))
        .unwrap()
        .trim()
        .to_owned();
    assert_eq!(occurrences(&out, &project_secret), 1);

    // No later view shows either secret, in either format.
    let org = emu.org();
    let views: Vec<Vec<&str>> = vec![
        vec!["organizations", "apiKeys", "describe", &id, "--orgId", org],
        vec!["organizations", "apiKeys", "list", "--orgId", org],
        vec!["organizations", "apiKeys", "list", "--orgId", org, "--all"],
        vec!["projects", "apiKeys", "list", "--projectId", emu.project()],
        vec![
            "organizations",
            "apiKeys",
            "update",
            &id,
            "--orgId",
            org,
            "--desc",
            "later",
        ],
    ];
    for view in views {
        for format in ["table", "json"] {
            let mut args = view.clone();
            args.extend(["-o", format]);
            let out = emu.ok(&args);
            for s in [&secret, &project_secret] {
                assert_eq!(occurrences(&out, s), 0, "{args:?} showed a private key");
                // Not even the distinctive middle of it.
                assert_eq!(occurrences(&out, &s[..18]), 0, "{args:?}");
            }
        }
    }
}

#[test]
fn no_credential_appears_in_any_output_even_with_trace_logging() {
    let emu = Emu::start();
    let (id, _) = emu.create_org_key("logged");
    for mut cmd in [emu.cli(), emu.cli_service_account()] {
        let out = cmd
            .env("RUST_LOG", "trace")
            .args([
                "organizations",
                "apiKeys",
                "describe",
                &id,
                "--orgId",
                emu.org(),
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(
            occurrences(&out, emu.private_key()),
            0,
            "the digest password leaked"
        );
        assert_eq!(
            occurrences(&out, emu.client_secret()),
            0,
            "the client secret leaked"
        );
    }
    // Errors too.
    let out = emu
        .cli()
        .env("RUST_LOG", "trace")
        .args([
            "organizations",
            "apiKeys",
            "describe",
            "5d1113b25a115342acc2d1aa",
            "--orgId",
            emu.org(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(occurrences(&out, emu.private_key()), 0);
}
