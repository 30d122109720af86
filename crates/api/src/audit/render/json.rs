//! The JSON rendering: `serde_json` over the report types, pretty-printed, with a final
//! newline. Field names are the types' camelCase serde names and are a contract
//! (`schemaVersion` says which). This module must NOT add or rename fields.

use std::io::{self, Write};

use crate::audit::AuditReport;

/// Writes `report` as pretty JSON followed by a newline.
pub fn write_json(report: &AuditReport, mut out: impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, report).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// The JSON rendering as a string.
pub fn to_json_string(report: &AuditReport) -> String {
    let mut out = Vec::new();
    write_json(report, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::render::fixture;

    #[test]
    fn is_stable_json_with_stable_names() {
        let report = fixture::report();
        let text = to_json_string(&report);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        // The same report writes the same bytes (the report is serialize-only: the golden
        // comparison of the whole text is in tests/it/audit_report.rs).
        assert_eq!(to_json_string(&report.clone()), text);
        for field in [
            "schemaVersion",
            "orgId",
            "generatedAt",
            "apiAccessListRequired",
            "staleAfterSeconds",
            "summary",
            "findings",
            "keys",
        ] {
            assert!(value.get(field).is_some(), "{field}");
        }
        let key = &value["keys"][0];
        for field in [
            "id",
            "publicKey",
            "description",
            "orgRoles",
            "projects",
            "accessList",
            "usage",
            "findings",
        ] {
            assert!(key.get(field).is_some(), "{field}");
        }
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn unknown_states_are_explicit() {
        let value: serde_json::Value =
            serde_json::from_str(&to_json_string(&fixture::report())).unwrap();
        let keys = value["keys"].as_array().unwrap();
        let denied = keys
            .iter()
            .find(|k| k["accessList"]["state"] == "unknown")
            .expect("a key with an unreadable list");
        assert_eq!(
            denied["accessList"]["reason"],
            "401 API_KEY_ACCESS_LIST_ACCESS_DENIED"
        );
        assert_eq!(denied["usage"]["state"], "unknown");
        assert_eq!(denied["usage"]["reason"], "accessListUnknown");
        let empty = keys
            .iter()
            .find(|k| k["accessList"]["entries"] == serde_json::json!([]))
            .expect("a key with no entries");
        assert_eq!(empty["usage"]["reason"], "noEntries");
        assert!(keys.iter().any(|k| k["usage"]["state"] == "used"
            && k["usage"]["lastUsed"].is_string()
            && k["usage"]["last"].is_i64()));
        assert!(keys.iter().any(|k| k["usage"]["state"] == "neverUsed"));
    }
}
