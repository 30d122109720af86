//! JSON output for scripts: one pretty-printed document per command on stdout.
//!
//! Lists print the API's page shape (`results`, `totalCount`), and `--all` prints the same
//! shape with every item, so one `jq '.results[]'` works for both. This module must NOT
//! decide what is secret: callers hand it values already redacted where they must be.
//!
//! Server text in JSON: serde_json already writes C0 controls as escapes; this module also
//! writes DEL, C1 controls, bidi overrides and isolates and the other characters of
//! `sanitize::is_unsafe_char` as `\uXXXX` escapes. The result is the same JSON value (a
//! parser reads back exactly the server's string) and the same bytes whether or not stdout is
//! a terminal, but a terminal showing it can be neither driven (a raw U+009B is CSI to some
//! terminals) nor made to show reordered text.

use std::io::{self, Write};

use atlas_keys_transport::sanitize::is_unsafe_char;
use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

/// Writes `value` pretty-printed, followed by a newline. Rendered first and written with
/// one `write_all`, so a closed pipe surfaces as `BrokenPipe` (serde_json's writer would
/// wrap it in its own error, and the kind would be lost).
pub(crate) fn write_value(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    write_with(out, value, PrettyFormatter::new())
}

/// Writes `value` as one line of compact JSON, with the same escapes as [`write_value`].
pub(crate) fn write_compact(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    write_with(out, value, CompactFormatter)
}

fn write_with(
    out: &mut impl Write,
    value: &impl Serialize,
    layout: impl Formatter,
) -> io::Result<()> {
    let mut text = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut text, SafeFormatter(layout));
    value.serialize(&mut serializer).map_err(io::Error::other)?;
    text.push(b'\n');
    out.write_all(&text)
}

/// serde_json's layout (pretty or compact), with the unsafe characters of string fragments written as
/// `\uXXXX` (serde_json has no option for this; a formatter is its documented extension
/// point). Only `write_string_fragment` differs; the layout methods delegate.
struct SafeFormatter<F>(F);

impl<F: Formatter> Formatter for SafeFormatter<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| is_unsafe_char(c)) {
            writer.write_all(&rest.as_bytes()[..at])?;
            // Every unsafe character is in the Basic Multilingual Plane: one `\uXXXX`.
            write!(writer, "\\u{:04x}", u32::from(c))?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
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

    #[test]
    fn unsafe_characters_are_json_escapes_and_read_back_unchanged() {
        let hostile = "a\u{1b}]0;t\u{7}b\u{202e}c\u{2069}d\u{9b}e\u{7f}f é ✓";
        let mut out = Vec::new();
        write_value(&mut out, &serde_json::json!({ "desc": hostile })).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text
                .chars()
                .any(|c| c != '\n' && atlas_keys_transport::sanitize::is_unsafe_char(c)),
            "{text:?}"
        );
        assert!(
            text.contains(r"b\u202ec\u2069d\u009be\u007ff é ✓"),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["desc"], hostile);
        // The layout is serde_json's pretty one.
        let mut plain = Vec::new();
        write_value(&mut plain, &serde_json::json!({"a": [1, {"b": "c"}]})).unwrap();
        let expected =
            serde_json::to_string_pretty(&serde_json::json!({"a": [1, {"b": "c"}]})).unwrap();
        assert_eq!(String::from_utf8(plain).unwrap(), expected + "\n");
    }
}
