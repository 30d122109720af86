//! The `-o` value: `table`, `json`, `json-path=EXPR`, and why `go-template=…` is refused.
//!
//! `json-path` uses `serde_json_path` (RFC 9535 JSONPath), and prints like the Atlas CLI's
//! jsonpath writer for one match (a string bare, anything else as JSON), and one match per
//! line for several (the Atlas CLI prints Go's `[a b]` rendering of a slice, which no
//! script can split safely). This module must NOT write anything: it parses and renders
//! into strings.

use serde_json::Value;
use serde_json_path::JsonPath;

/// Why `go-template` is left out (also in `-o`'s help and the README).
pub(crate) const GO_TEMPLATE_REFUSED: &str = "go-template is not supported: Go's text/template has no faithful, maintained Rust \
     implementation (the ports cover a subset), and a template that half works is worse than \
     none; use -o json-path=EXPR, or -o json with jq";

/// A parsed `-o`.
#[derive(Debug, Clone)]
pub(crate) enum Format {
    Table,
    Json,
    JsonPath(JsonPath),
    /// `audit` only.
    Csv,
    /// `audit` only.
    Sarif,
}

impl Format {
    /// Parses `table`, `json`, `json-path=EXPR`, or `csv` / `sarif` (for `audit`); the error is a rule in words (the
    /// caller adds where the value came from: flag, variable or profile).
    pub(crate) fn parse(text: &str) -> Result<Format, String> {
        let text = text.trim();
        if let Some(expr) = text.strip_prefix("json-path=") {
            return JsonPath::parse(expr)
                .map(Format::JsonPath)
                .map_err(|e| format!("invalid JSONPath expression {expr:?}: {e}"));
        }
        match text {
            "table" | "" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "sarif" => Ok(Format::Sarif),
            "json-path" => Err("json-path needs an expression: json-path='$.results[*].id'".into()),
            t if t.starts_with("go-template") => Err(GO_TEMPLATE_REFUSED.into()),
            _ => Err("must be table, json, json-path=EXPR, or (audit only) csv or sarif".into()),
        }
    }
}

/// The matches of `path` in `value`, one per line: strings bare, the rest as compact JSON.
/// No match prints nothing (as `jq -r`'s empty result), which is not an error.
pub(crate) fn render_path(path: &JsonPath, value: &Value) -> String {
    let mut out = String::new();
    for found in path.query(value).all() {
        match found {
            Value::String(s) => out.push_str(s),
            other => out.push_str(&other.to_string()),
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Format, render_path};
    use serde_json::json;

    #[test]
    fn formats_parse_and_go_template_is_refused_with_the_reason() {
        assert!(matches!(Format::parse("json"), Ok(Format::Json)));
        assert!(matches!(Format::parse("table"), Ok(Format::Table)));
        assert!(matches!(
            Format::parse("json-path=$.id"),
            Ok(Format::JsonPath(_))
        ));
        let refused = Format::parse("go-template={{.ID}}").unwrap_err();
        assert!(refused.contains("not supported"), "{refused}");
        assert!(Format::parse("json-path=$[").is_err());
        assert!(Format::parse("yaml").is_err());
    }

    #[test]
    fn a_path_prints_strings_bare_and_one_match_per_line() {
        let Ok(Format::JsonPath(path)) = Format::parse("json-path=$.results[*].id") else {
            panic!("parses");
        };
        let value = json!({"results": [{"id": "a"}, {"id": "b"}]});
        assert_eq!(render_path(&path, &value), "a\nb\n");
        let Ok(Format::JsonPath(count)) = Format::parse("json-path=$.totalCount") else {
            panic!("parses");
        };
        assert_eq!(render_path(&count, &json!({"totalCount": 2})), "2\n");
    }
}
