//! The CSV rendering: **one row per key × finding**, so a spreadsheet can filter by severity
//! or rule and still see which key each row is about. A key without findings gets one row with
//! empty finding columns (the CSV is a complete inventory), and organization findings come
//! first with empty key columns. Rows follow the report's order.
//!
//! Lists inside a cell are joined with `; ` (roles, projects as `PROJECT_ID:ROLE|ROLE`,
//! entries as `ADDRESS (count N, last used T from A)`). The `csv` crate does the quoting.
//! A cell that starts with `=`, `+`, `-`, `@`, tab or CR gets a leading `'` (OWASP's advice
//! against formula injection): descriptions are free text chosen by whoever created a key,
//! and this file is meant to be opened in spreadsheets. None of our own cells starts so.
//! This module must NOT drop a key or a finding.

use std::io::{self, Write};

use crate::audit::{AccessListReport, AuditReport, Finding, KeyReport, Usage, UsageUnknown};

/// The header row.
pub const CSV_HEADER: [&str; 15] = [
    "orgId",
    "keyId",
    "publicKey",
    "description",
    "orgRoles",
    "projectRoles",
    "accessList",
    "usage",
    "lastUsed",
    "findingId",
    "severity",
    "title",
    "message",
    "fix",
    "entry",
];

/// Writes `report` as CSV (header first, `\n` line ends).
pub fn write_csv(report: &AuditReport, out: impl Write) -> io::Result<()> {
    let mut writer = ::csv::Writer::from_writer(out);
    writer.write_record(CSV_HEADER)?;
    let org = report.org_id.as_str();
    let empty_key: [String; 8] = Default::default();
    for finding in &report.findings {
        write_row(&mut writer, org, &empty_key, Some(finding))?;
    }
    for key in &report.keys {
        let cells = key_cells(key);
        if key.findings().is_empty() {
            write_row(&mut writer, org, &cells, None)?;
        }
        for finding in key.findings() {
            write_row(&mut writer, org, &cells, Some(finding))?;
        }
    }
    writer.flush()
}

/// The CSV rendering as a string.
pub fn to_csv_string(report: &AuditReport) -> String {
    let mut out = Vec::new();
    write_csv(report, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("every cell is UTF-8")
}

fn write_row<W: Write>(
    writer: &mut ::csv::Writer<W>,
    org: &str,
    key: &[String; 8],
    finding: Option<&Finding>,
) -> io::Result<()> {
    let finding_cells: [String; 6] = match finding {
        Some(f) => [
            f.rule().as_str().to_owned(),
            f.severity().as_str().to_owned(),
            f.title().to_owned(),
            f.message(),
            f.fix(),
            f.entry().unwrap_or_default().to_owned(),
        ],
        None => Default::default(),
    };
    let cells = std::iter::once(org)
        .chain(key.iter().map(String::as_str))
        .chain(finding_cells.iter().map(String::as_str));
    for cell in cells {
        writer.write_field(defuse(cell).as_bytes())?;
    }
    // An empty record ends the row begun by `write_field`.
    writer.write_record(None::<&[u8]>).map_err(io::Error::from)
}

/// The eight key columns, from `keyId` to `lastUsed`.
fn key_cells(key: &KeyReport) -> [String; 8] {
    let roles: Vec<&str> = key.org_roles().iter().map(|r| r.as_str()).collect();
    let projects: Vec<String> = key
        .projects()
        .iter()
        .map(|p| {
            let roles: Vec<&str> = p.roles.iter().map(|r| r.as_str()).collect();
            format!("{}:{}", p.project_id, roles.join("|"))
        })
        .collect();
    let access_list = match key.access_list() {
        AccessListReport::Known { entries } if entries.is_empty() => "none".to_owned(),
        AccessListReport::Known { entries } => entries
            .iter()
            .map(|e| {
                let mut cell = e.address().to_owned();
                let count = e.count().map(|c| format!("count {c}"));
                let used = e.last_used().map(|t| match e.last_used_address() {
                    Some(a) => format!("last used {t} from {a}"),
                    None => format!("last used {t}"),
                });
                let details: Vec<String> = count.into_iter().chain(used).collect();
                if !details.is_empty() {
                    cell.push_str(&format!(" ({})", details.join(", ")));
                }
                cell
            })
            .collect::<Vec<_>>()
            .join("; "),
        AccessListReport::Unknown { reason } => format!("unknown ({reason})"),
    };
    let (usage, last_used) = usage_cells(&key.usage());
    [
        key.id().to_string(),
        key.public_key().unwrap_or_default().to_owned(),
        key.description().unwrap_or_default().to_owned(),
        roles.join("; "),
        projects.join("; "),
        access_list,
        usage,
        last_used,
    ]
}

/// `used` / `neverUsed` / `unknown (why)`, and the last use.
pub(crate) fn usage_cells(usage: &Usage) -> (String, String) {
    match usage {
        Usage::Used { last_used, .. } => ("used".to_owned(), last_used.clone()),
        Usage::NeverUsed => ("neverUsed".to_owned(), String::new()),
        Usage::Unknown { reason } => {
            let why = match reason {
                UsageUnknown::NoEntries => "no access-list entry records use",
                UsageUnknown::AccessListUnknown => "access list unreadable",
                UsageUnknown::UnparsableDate => "unparsable lastUsed",
            };
            (format!("unknown ({why})"), String::new())
        }
    }
}

fn defuse(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::render::fixture;

    fn rows(text: &str) -> Vec<Vec<String>> {
        let mut reader = ::csv::Reader::from_reader(text.as_bytes());
        assert_eq!(reader.headers().unwrap(), &CSV_HEADER[..]);
        reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn header_then_one_row_per_key_and_finding() {
        let report = fixture::report();
        let rows = rows(&to_csv_string(&report));
        let expected: usize = report.findings.len()
            + report
                .keys
                .iter()
                .map(|k| k.findings.len().max(1))
                .sum::<usize>();
        assert_eq!(rows.len(), expected);
        assert!(rows.iter().all(|r| r.len() == CSV_HEADER.len()));
        // Organization findings first, with empty key columns.
        assert_eq!(rows[0][1], "");
        assert!(rows[0][9].starts_with("AK01"));
        // Every key appears, in report order.
        let mut seen: Vec<&str> = rows
            .iter()
            .map(|r| r[2].as_str())
            .filter(|p| !p.is_empty())
            .collect();
        seen.dedup();
        let order: Vec<&str> = report
            .keys
            .iter()
            .map(|k| k.public_key().unwrap())
            .collect();
        assert_eq!(seen, order);
        let owner = rows.iter().find(|r| r[9] == "AK001").unwrap();
        assert_eq!(owner[10], "high");
        assert!(owner[4].contains("ORG_OWNER"));
        assert!(owner[13].starts_with("atlas-keys organizations apiKeys update"));
    }

    #[test]
    fn quotes_hostile_descriptions_and_defuses_formulas() {
        let report = fixture::report();
        let text = to_csv_string(&report);
        let rows = rows(&text);
        let hostile = rows.iter().find(|r| r[3].contains("HYPERLINK")).unwrap();
        assert!(hostile[3].starts_with("'="), "{}", hostile[3]);
        let multiline = rows.iter().find(|r| r[3].contains('\n')).unwrap();
        assert!(multiline[3].contains("a, \"quoted\""));
    }

    #[test]
    fn unknown_is_written_as_unknown() {
        let rows = rows(&to_csv_string(&fixture::report()));
        let denied = rows
            .iter()
            .find(|r| r[6].starts_with("unknown (401"))
            .unwrap();
        assert_eq!(denied[7], "unknown (access list unreadable)");
        let empty = rows.iter().find(|r| r[6] == "none").unwrap();
        assert_eq!(empty[7], "unknown (no access-list entry records use)");
    }
}
