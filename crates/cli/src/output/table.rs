//! Plain-text layouts for people: aligned columns for lists, label/value lines for one item.
//!
//! Column widths count characters, not bytes, so a description with accents stays aligned,
//! and every character of server text that could drive a terminal (C0 and C1 controls, DEL,
//! bidi overrides and isolates, line separators: `sanitize::is_unsafe_char`) is shown escaped
//! as `\u{…}` rather than sent to it.
//! This module must NOT know about API types or secrets: it lays out strings it is given,
//! and the caller decides what may be shown.

use std::io::{self, Write};

use atlas_keys_transport::sanitize::is_unsafe_char;

/// Columns of text, each as wide as its widest cell; the last column is not padded.
#[derive(Debug)]
pub(crate) struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn new(headers: Vec<&'static str>) -> Self {
        Self {
            headers,
            rows: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, row: Vec<String>) {
        self.rows
            .push(row.iter().map(|cell| printable(cell)).collect());
    }

    /// Writes the header and rows; an empty table writes nothing, since a header over no
    /// rows reads like a glitch and the caller's footer already says "0".
    pub(crate) fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let header: Vec<String> = self.headers.iter().map(|h| (*h).to_owned()).collect();
        write_row(out, &widths, &header)?;
        for row in &self.rows {
            write_row(out, &widths, row)?;
        }
        Ok(())
    }
}

fn write_row(out: &mut impl Write, widths: &[usize], row: &[String]) -> io::Result<()> {
    let mut line = String::new();
    let last = row.len().saturating_sub(1);
    for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
        line.push_str(cell);
        if i < last {
            let pad = width.saturating_sub(cell.chars().count()) + 3;
            line.extend(std::iter::repeat_n(' ', pad));
        }
    }
    writeln!(out, "{}", line.trim_end())
}

/// `Label   value` lines for a single item; a multi-line value continues under itself.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    lines: Vec<(&'static str, Vec<String>)>,
}

impl Fields {
    pub(crate) fn push(&mut self, label: &'static str, value: impl Into<String>) {
        self.lines.push((label, vec![printable(&value.into())]));
    }

    pub(crate) fn push_many(&mut self, label: &'static str, values: Vec<String>) {
        let values = if values.is_empty() {
            vec!["-".to_owned()]
        } else {
            values.iter().map(|value| printable(value)).collect()
        };
        self.lines.push((label, values));
    }

    pub(crate) fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        let width = self
            .lines
            .iter()
            .map(|(label, _)| label.chars().count())
            .max()
            .unwrap_or(0);
        for (label, values) in &self.lines {
            for (i, value) in values.iter().enumerate() {
                let shown = if i == 0 { *label } else { "" };
                writeln!(out, "{shown:<width$}   {value}")?;
            }
        }
        Ok(())
    }
}

/// Server text (a description, an address) with unsafe characters shown as `\u{…}`, so it
/// can neither move the cursor, recolour or retitle the terminal, write the clipboard (OSC 52)
/// nor reorder what the reader sees (bidi overrides), nor break a row in two. Not cut to a
/// length, unlike `escape_untrusted`: a table shows the whole value the API holds.
pub(crate) fn printable(text: &str) -> String {
    let unsafe_char = |c: char| c.is_control() || is_unsafe_char(c);
    if !text.chars().any(unsafe_char) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if unsafe_char(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Fields, Table};

    #[test]
    fn control_characters_from_the_server_are_shown_escaped() {
        let mut table = Table::new(vec!["DESCRIPTION"]);
        table.push(vec!["a\x1b[31mred\nb".into()]);
        let mut fields = Fields::default();
        fields.push("Description", "x\ry");
        let text = render(|out| table.write_to(out)) + &render(|out| fields.write_to(out));
        assert_eq!(
            text,
            "DESCRIPTION\na\\u{1b}[31mred\\u{a}b\nDescription   x\\u{d}y\n"
        );
    }

    fn render(write: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
        let mut out = Vec::new();
        write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn bidi_overrides_c1_and_osc_sequences_are_shown_escaped() {
        let mut table = Table::new(vec!["DESCRIPTION"]);
        table.push(vec![
            "a\u{202e}b\u{2066}c\u{9b}31m\u{1b}]52;c;eA==\u{7}\u{7f}".into(),
        ]);
        let text = render(|out| table.write_to(out));
        assert_eq!(
            text,
            "DESCRIPTION\na\\u{202e}b\\u{2066}c\\u{9b}31m\\u{1b}]52;c;eA==\\u{7}\\u{7f}\n"
        );
    }

    #[test]
    fn columns_align_on_the_widest_cell_counting_characters() {
        let mut table = Table::new(vec!["ID", "DESCRIPTION", "ROLES"]);
        table.push(vec!["a".into(), "é é".into(), "X".into()]);
        table.push(vec!["bbbb".into(), "d".into(), "Y, Z".into()]);
        let text = render(|out| table.write_to(out));
        assert_eq!(
            text,
            "ID     DESCRIPTION   ROLES\na      é é           X\nbbbb   d             Y, Z\n"
        );
    }

    #[test]
    fn an_empty_table_prints_nothing() {
        let table = Table::new(vec!["ID"]);
        assert_eq!(render(|out| table.write_to(out)), "");
    }

    #[test]
    fn fields_continue_multi_line_values_under_themselves() {
        let mut fields = Fields::default();
        fields.push("ID", "1");
        fields.push_many("Roles", vec!["A".into(), "B".into()]);
        fields.push_many("Empty", vec![]);
        let text = render(|out| fields.write_to(out));
        assert_eq!(text, "ID      1\nRoles   A\n        B\nEmpty   -\n");
    }
}
