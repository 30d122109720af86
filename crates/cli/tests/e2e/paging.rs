//! `list --page/--limit/--omitCount/--all` across several pages.

use std::collections::BTreeSet;

use crate::harness::{Emu, ids, text};

/// 12 extra keys in the default project: three pages of five.
fn emu_with_twelve_project_keys() -> Emu {
    Emu::start_with(|b| b.bulk_project_keys(12))
}

#[test]
fn pages_of_five_cover_every_key_once() {
    let emu = emu_with_twelve_project_keys();
    let project = emu.project();
    let all = emu.json(&[
        "projects",
        "apiKeys",
        "list",
        "--projectId",
        project,
        "--all",
    ]);
    let all_ids: Vec<String> = ids(&all);
    assert!(all_ids.len() >= 12, "{all}");
    assert_eq!(all["totalCount"].as_u64(), Some(all_ids.len() as u64));

    let mut seen = Vec::new();
    for page in 1..=all_ids.len().div_ceil(5) {
        let page_text = page.to_string();
        let list = emu.json(&[
            "projects",
            "apiKeys",
            "list",
            "--projectId",
            project,
            "--limit",
            "5",
            "--page",
            &page_text,
        ]);
        let page_ids = ids(&list);
        assert!(page_ids.len() <= 5);
        seen.extend(page_ids);
    }
    assert_eq!(seen.len(), all_ids.len());
    assert_eq!(
        seen.iter().collect::<BTreeSet<_>>(),
        all_ids.iter().collect::<BTreeSet<_>>()
    );
}

#[test]
fn the_table_footer_points_to_the_next_page() {
    let emu = emu_with_twelve_project_keys();
    let out = emu.ok(&[
        "projects",
        "apiKeys",
        "list",
        "--projectId",
        emu.project(),
        "--limit",
        "5",
    ]);
    let stdout = text(&out.stdout);
    let footer = stdout.lines().last().unwrap();
    assert!(
        footer.starts_with("Page 1: 5 of ") && footer.contains("Next: --page 2"),
        "{footer}"
    );
    assert_eq!(
        stdout.lines().count(),
        1 + 5 + 1,
        "header, five rows, footer:\n{stdout}"
    );
}

#[test]
fn all_in_table_form_shows_every_key_and_stays_quiet_on_a_non_terminal_stderr() {
    let emu = emu_with_twelve_project_keys();
    let out = emu.ok(&[
        "projects",
        "apiKeys",
        "list",
        "--projectId",
        emu.project(),
        "--all",
        "--limit",
        "5",
    ]);
    let rows = text(&out.stdout)
        .lines()
        .filter(|l| l.split_whitespace().next().is_some_and(|w| w.len() == 24))
        .count();
    assert!(rows >= 12, "{}", text(&out.stdout));
    assert!(
        out.stderr.is_empty(),
        "no progress on a pipe: {:?}",
        text(&out.stderr)
    );
}

#[test]
fn omit_count_leaves_out_the_total() {
    let emu = emu_with_twelve_project_keys();
    let list = emu.json(&[
        "projects",
        "apiKeys",
        "list",
        "--projectId",
        emu.project(),
        "--limit",
        "5",
        "--omitCount",
    ]);
    assert!(list.get("totalCount").is_none(), "{list}");
    assert_eq!(ids(&list).len(), 5);
    let all = emu.json(&[
        "projects",
        "apiKeys",
        "list",
        "--projectId",
        emu.project(),
        "--limit",
        "5",
        "--omitCount",
        "--all",
    ]);
    assert!(ids(&all).len() >= 12);
}

#[test]
fn page_and_all_do_not_mix() {
    let emu = Emu::start();
    emu.fails(
        &[
            "projects",
            "apiKeys",
            "list",
            "--projectId",
            emu.project(),
            "--page",
            "2",
            "--all",
        ],
        2,
    );
    emu.fails(
        &[
            "projects",
            "apiKeys",
            "list",
            "--projectId",
            emu.project(),
            "--limit",
            "0",
        ],
        2,
    );
    emu.fails(
        &[
            "projects",
            "apiKeys",
            "list",
            "--projectId",
            emu.project(),
            "--page",
            "0",
        ],
        2,
    );
}
