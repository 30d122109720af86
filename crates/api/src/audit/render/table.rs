//! The plain-text rendering for terminals: a summary, one line per key, then the findings
//! (high first) each with its fix.
//!
//! Every cell goes through [`sanitize`], because descriptions and error reasons come from the
//! server and may hold escape sequences or bidi overrides. Column widths count `char`s, so
//! East Asian wide characters misalign a row (a width table such as `unicode-width` would fix
//! that; not worth a dependency for a description column). This module must NOT print an
//! unsanitized server string.

use std::io::{self, Write};

use crate::audit::render::csv::usage_cells;
use crate::audit::{AccessListReport, AuditReport, Finding, KeyReport, sanitize};

/// Descriptions longer than this are cut (with `…`) in the key table.
const DESCRIPTION_WIDTH: usize = 32;

/// Writes `report` as a text table, line by line.
///
/// Column widths need every row, so each table is walked twice (once to measure, once to
/// write) rather than held whole: the output of a large org is never in memory at once.
pub fn write_table(report: &AuditReport, out: impl Write) -> io::Result<()> {
    let mut out = io::BufWriter::new(out);
    let setting = match report.api_access_list_required {
        Some(true) => "true",
        Some(false) => "false",
        None => "unknown",
    };
    let sum = &report.summary;
    writeln!(
        out,
        "Organization {} audited at {}",
        report.org_id,
        sanitize(&report.generated_at)
    )?;
    writeln!(
        out,
        "apiAccessListRequired: {setting}; keys: {} ({} with findings, {} access lists unknown); findings: {} high, {} medium, {} low",
        sum.keys, sum.keys_with_findings, sum.access_lists_unknown, sum.high, sum.medium, sum.low
    )?;
    writeln!(out)?;

    let header = [
        "PUBLIC KEY",
        "DESCRIPTION",
        "ORG ROLES",
        "PROJECTS",
        "ACCESS LIST",
        "LAST USED",
        "FINDINGS",
    ];
    let widths = column_widths(&header, report.keys.iter().map(key_row));
    write_line(&mut out, &widths, &header.map(str::to_owned))?;
    for key in &report.keys {
        write_line(&mut out, &widths, &key_row(key))?;
    }

    let findings = report.all_findings();
    writeln!(out)?;
    if findings.is_empty() {
        out.write_all(b"No findings.\n")?;
        return out.flush();
    }
    out.write_all(b"FINDINGS\n")?;
    let row = |f: &Finding| {
        let subject = match (report.key_of(f).and_then(KeyReport::public_key), f.key_id()) {
            (Some(p), _) => p.to_owned(),
            (None, Some(id)) => id.to_string(),
            (None, None) => "(org)".to_owned(),
        };
        vec![
            f.severity().as_str().to_owned(),
            f.rule().as_str().to_owned(),
            sanitize(&subject).into_owned(),
            sanitize(&f.message()).into_owned(),
        ]
    };
    let widths = column_widths(
        &["SEVERITY", "ID", "KEY", ""],
        findings.iter().map(|f| row(f)),
    );
    let indent: usize = widths[..3].iter().map(|w| w + 2).sum();
    for f in &findings {
        write_line(&mut out, &widths, &row(f))?;
        writeln!(out, "{:indent$}fix: {}", "", sanitize(&f.fix()))?;
    }
    out.flush()
}

/// The text table as a string.
pub fn to_table_string(report: &AuditReport) -> String {
    let mut out = Vec::new();
    write_table(report, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("every cell is UTF-8")
}

fn key_row(key: &KeyReport) -> Vec<String> {
    // Cut before escaping, so that an escape is never cut in half (`row` escapes below).
    let description = key.description().unwrap_or("");
    let description = if description.chars().count() > DESCRIPTION_WIDTH {
        let cut: String = description.chars().take(DESCRIPTION_WIDTH - 1).collect();
        format!("{cut}…")
    } else {
        description.to_owned()
    };
    let roles: Vec<&str> = key.org_roles().iter().map(|r| r.as_str()).collect();
    let access = match key.access_list() {
        AccessListReport::Known { entries } if entries.is_empty() => "none".to_owned(),
        AccessListReport::Known { entries } => {
            let first: Vec<&str> = entries.iter().take(2).map(|e| e.address()).collect();
            let more = entries.len().saturating_sub(2);
            if more > 0 {
                format!("{} +{more}", first.join(", "))
            } else {
                first.join(", ")
            }
        }
        AccessListReport::Unknown { .. } => "unknown".to_owned(),
    };
    let (usage, last) = usage_cells(&key.usage());
    let last_used = if last.is_empty() { usage } else { last };
    let mut ids: Vec<&str> = key.findings().iter().map(|f| f.rule().as_str()).collect();
    ids.dedup();
    vec![
        key.public_key()
            .map_or_else(|| key.id().to_string(), str::to_owned),
        description,
        roles.join(","),
        key.projects().len().to_string(),
        access,
        last_used,
        if ids.is_empty() {
            "-".to_owned()
        } else {
            ids.join(" ")
        },
    ]
    .into_iter()
    .map(|cell| sanitize(&cell).into_owned())
    .collect()
}

fn column_widths(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Vec<usize> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(&row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    widths
}

fn write_line(out: &mut impl Write, widths: &[usize], cells: &[String]) -> io::Result<()> {
    let last = cells.len().saturating_sub(1);
    let mut line = String::new();
    for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
        if i == last {
            line.push_str(cell);
        } else {
            let pad = width.saturating_sub(cell.chars().count()) + 2;
            line.push_str(cell);
            line.extend(std::iter::repeat_n(' ', pad));
        }
    }
    out.write_all(line.trim_end().as_bytes())?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::render::fixture;

    #[test]
    fn no_control_character_reaches_the_terminal() {
        let text = to_table_string(&fixture::report());
        for c in text.chars() {
            assert!(
                c == '\n'
                    || !(c.is_control()
                        || ('\u{202a}'..='\u{202e}').contains(&c)
                        || ('\u{2066}'..='\u{2069}').contains(&c)),
                "{c:?} in the table"
            );
        }
        assert!(text.contains("\\u{1b}"), "the escape is shown, not dropped");
        assert!(text.contains("\\u{202e}"));
    }

    #[test]
    fn lists_every_key_and_every_finding_with_its_fix() {
        let report = fixture::report();
        let text = to_table_string(&report);
        for key in &report.keys {
            assert!(text.contains(key.public_key().unwrap()));
        }
        let fixes = text
            .lines()
            .filter(|l| l.trim_start().starts_with("fix: "))
            .count();
        assert_eq!(fixes, report.all_findings().len());
        assert!(text.lines().any(|l| l.starts_with("PUBLIC KEY")));
        let first = text
            .lines()
            .skip_while(|l| *l != "FINDINGS")
            .nth(1)
            .unwrap();
        assert!(first.starts_with("high"), "{first}");
    }

    #[test]
    fn an_org_without_findings_says_so() {
        let report = fixture::clean_report();
        assert!(to_table_string(&report).ends_with("No findings.\n"));
    }
}
