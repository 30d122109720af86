//! Escaping of server-supplied text before it is put in an error, a log line or a terminal.
//!
//! What it is for: a server (or anything at the base URL) chooses the text of an OAuth
//! `error_description`, an API `detail`, a header; printed raw, it could drive the user's
//! terminal (ESC sequences that set the window title, clear the screen, write the clipboard
//! through OSC 52), or reorder what the user reads with bidi overrides. [`escape_untrusted`]
//! turns every such character into a visible `\u{..}` escape and bounds the length. It is public
//! so that the api and cli crates use the same rule on their own output paths.
//!
//! What it must NOT do: allocate when there is nothing to change (the common case), or alter
//! printable text (quotes and backslashes stay as they are: they cannot drive a terminal).
//! Hand-written rather than a crate: the rule is a dozen lines, and the crates that strip ANSI
//! sequences (e.g. `strip-ansi-escapes`) drop them silently and leave C1 and bidi characters.

use std::borrow::Cow;
use std::fmt::Write as _;

/// The most characters [`escape_untrusted`] keeps (after escaping); longer text is cut and ends
/// with `…`. 1024 is enough for any diagnostic a real service sends, and keeps a hostile one
/// from filling a screen or a log.
pub const MAX_UNTRUSTED_CHARS: usize = 1024;

/// Whether `c` must not reach a terminal raw: C0 controls (tab and newline included, so that
/// one error stays one line), DEL, C1 controls, the bidi embeddings, overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069) and the bidi marks (U+200E, U+200F, U+061C), and the line and
/// paragraph separators (U+2028, U+2029).
pub fn is_unsafe_char(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200e}' | '\u{200f}' | '\u{061c}'
        | '\u{2028}' | '\u{2029}')
}

/// `text` with every [unsafe character](is_unsafe_char) replaced by its `\u{..}` escape and cut
/// to [`MAX_UNTRUSTED_CHARS`] characters (ending with `…` when cut). Borrows when nothing changes.
///
/// ```
/// use atlas_keys_transport::sanitize::escape_untrusted;
///
/// assert_eq!(escape_untrusted("rate limited"), "rate limited");
/// assert_eq!(escape_untrusted("\u{1b}]0;pwned\u{7}"), "\\u{1b}]0;pwned\\u{7}");
/// assert_eq!(escape_untrusted("a\u{202e}b"), "a\\u{202e}b");
/// ```
pub fn escape_untrusted(text: &str) -> Cow<'_, str> {
    escape_untrusted_max(text, MAX_UNTRUSTED_CHARS)
}

/// [`escape_untrusted`] with a caller-chosen bound on the characters kept (at least 1).
pub fn escape_untrusted_max(text: &str, max_chars: usize) -> Cow<'_, str> {
    let max_chars = max_chars.max(1);
    // The fast path reads at most `max_chars + 1` characters: a 1 GiB text costs no more than
    // a short one to decide that it must be cut.
    let mut needs_work = false;
    for (count, c) in text.chars().enumerate() {
        if count >= max_chars || is_unsafe_char(c) {
            needs_work = true;
            break;
        }
    }
    if !needs_work {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().min(max_chars * 2));
    let mut kept = 0usize;
    for c in text.chars() {
        if is_unsafe_char(c) {
            let before = out.len();
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            // An escape counts as as many characters as it prints (all ASCII).
            kept += out.len() - before;
        } else {
            out.push(c);
            kept += 1;
        }
        if kept > max_chars {
            // Cut back to the bound on a character boundary, then mark the cut.
            let mut end = out.len();
            while kept > max_chars.saturating_sub(1) && end > 0 {
                end -= 1;
                while !out.is_char_boundary(end) {
                    end -= 1;
                }
                kept -= 1;
            }
            out.truncate(end);
            out.push('…');
            return Cow::Owned(out);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_text_is_borrowed_and_unchanged() {
        for text in [
            "",
            "rate_limited",
            "ünïcödé \"quoted\" back\\slash",
            "日本語",
        ] {
            assert!(matches!(escape_untrusted(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn controls_c1_and_bidi_are_escaped() {
        assert_eq!(escape_untrusted("a\r\nb\tc"), "a\\u{d}\\u{a}b\\u{9}c");
        assert_eq!(escape_untrusted("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(escape_untrusted("\u{7f}"), "\\u{7f}");
        for c in ['\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}', '\u{200f}'] {
            let out = escape_untrusted_max(&format!("x{c}y"), 100).into_owned();
            assert!(!out.contains(c), "{out}");
            assert!(out.starts_with("x\\u{") && out.ends_with('y'), "{out}");
        }
        // Escaping is idempotent: the escapes are printable.
        let once = escape_untrusted("\u{1b}[2J").into_owned();
        assert_eq!(escape_untrusted(&once), once);
    }

    #[test]
    fn long_text_is_cut_to_the_bound() {
        let long = "é".repeat(10_000);
        let out = escape_untrusted(&long);
        assert_eq!(out.chars().count(), MAX_UNTRUSTED_CHARS);
        assert!(out.ends_with('…'));
        let escapes = "\u{1b}".repeat(10_000);
        let out = escape_untrusted_max(&escapes, 20);
        assert_eq!(out.chars().count(), 20);
        assert!(!out.contains('\u{1b}'));
        assert_eq!(escape_untrusted_max("abc", 3), "abc");
        assert_eq!(escape_untrusted_max("abcd", 3), "ab…");
    }
}
