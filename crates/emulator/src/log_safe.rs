//! Client-supplied strings made safe for the log: `Escaped(s)` displays `s` with every
//! control character (C0, DEL, C1) and every bidirectional-formatting character escaped
//! as `\u{…}`, and cut to 200 characters, so a request cannot forge log lines, drive a
//! terminal showing the log, or reorder what an operator reads.
//!
//! Hand-written because `str::escape_debug` also rewrites quotes and backslashes and is
//! not documented to cover every bidi control; this list is. This module must NOT be
//! used for secrets: they are never logged at all.

use std::fmt;

/// Characters shown at most; the rest is elided with `…`.
const MAX_CHARS: usize = 200;

/// A string from a client (or another server), for a log field.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Escaped<'a>(pub(crate) &'a str);

/// Whether `c` changes text direction (Unicode bidi controls and marks).
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.0.chars().enumerate() {
            if i == MAX_CHARS {
                return f.write_str("…");
            }
            if c.is_control() || is_bidi(c) {
                write!(f, "\\u{{{:x}}}", u32::from(c))?;
            } else {
                fmt::Write::write_char(f, c)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi_and_cuts() {
        let s = "a\u{1b}]0;pwned\u{7}\n\u{9b}b\u{202e}c\u{2066}";
        assert_eq!(
            Escaped(s).to_string(),
            "a\\u{1b}]0;pwned\\u{7}\\u{a}\\u{9b}b\\u{202e}c\\u{2066}"
        );
        let long = "x".repeat(500);
        assert_eq!(Escaped(&long).to_string().chars().count(), MAX_CHARS + 1);
        assert_eq!(Escaped("plain-id").to_string(), "plain-id");
    }
}
