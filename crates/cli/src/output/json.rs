//! JSON output for scripts: one pretty-printed document per command on stdout.
//!
//! Lists print the API's page shape (`results`, `totalCount`), and `--all` prints the same
//! shape with every item, so one `jq '.results[]'` works for both. This module must NOT
//! decide what is secret: callers hand it values already redacted where they must be.

use std::io::{self, Write};

use serde::Serialize;

/// Writes `value` pretty-printed, followed by a newline. Rendered first and written with
/// one `write_all`, so a closed pipe surfaces as `BrokenPipe` (serde_json's writer would
/// wrap it in its own error, and the kind would be lost).
pub(crate) fn write_value(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    let mut text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    text.push('\n');
    out.write_all(text.as_bytes())
}

/// The page shape for a whole list: `{"results": [...], "totalCount": N}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AllResults<'a, T> {
    pub(crate) results: &'a [T],
    pub(crate) total_count: usize,
}

#[cfg(test)]
mod tests {
    use super::{AllResults, write_value};

    #[test]
    fn all_results_keep_the_page_shape() {
        let mut out = Vec::new();
        write_value(
            &mut out,
            &AllResults {
                results: &[1, 2],
                total_count: 2,
            },
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            back,
            serde_json::json!({"results": [1, 2], "totalCount": 2})
        );
        assert!(text.ends_with("}\n"));
    }
}
