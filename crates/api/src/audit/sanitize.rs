//! [`sanitize`]: makes server-supplied text safe to print on a terminal.
//!
//! A key description is free text chosen by whoever created the key. Printed raw, an escape
//! sequence in it could rewrite the screen, set the window title or hide a line, and a bidi
//! override could make `ORG_OWNER` read as something else. This module must NOT be skipped
//! by a renderer for terminals; JSON, CSV and SARIF carry text verbatim (their consumers
//! escape it themselves).

use std::borrow::Cow;

/// Escapes C0 controls (U+0000–U+001F, tab and newline included), DEL, C1 controls
/// (U+0080–U+009F), the bidi embeddings and overrides U+202A–U+202E, the bidi isolates
/// U+2066–U+2069, and the invisible direction marks U+200E, U+200F and U+061C. Each becomes
/// `\u{…}` (lowercase hex), so nothing is lost and nothing acts. Other text is unchanged and
/// not copied.
///
/// ```
/// use atlas_keys::audit::sanitize;
/// assert_eq!(sanitize("ci \u{1b}[2Jkey"), "ci \\u{1b}[2Jkey");
/// assert_eq!(sanitize("plain é 鍵"), "plain é 鍵");
/// ```
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_unsafe(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{061c}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_c0_c1_del_and_bidi_controls() {
        assert_eq!(sanitize("a\u{1b}]0;pwned\u{7}b"), "a\\u{1b}]0;pwned\\u{7}b");
        assert_eq!(sanitize("x\u{9b}31my"), "x\\u{9b}31my");
        assert_eq!(sanitize("\u{7f}"), "\\u{7f}");
        assert_eq!(
            sanitize("line\nnext\ttab\r"),
            "line\\u{a}next\\u{9}tab\\u{d}"
        );
        assert_eq!(sanitize("\u{0}"), "\\u{0}");
        for c in ['\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}'] {
            assert_eq!(
                sanitize(&c.to_string()),
                format!("\\u{{{:x}}}", u32::from(c))
            );
        }
        for c in [
            '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{200e}', '\u{200f}',
        ] {
            assert!(sanitize(&format!("a{c}b")).starts_with("a\\u{"));
        }
        assert_eq!(
            sanitize("owner\u{202e}RENWO_GRO"),
            "owner\\u{202e}RENWO_GRO"
        );
    }

    #[test]
    fn leaves_ordinary_text_alone_without_copying() {
        for text in [
            "",
            "ci deploy key",
            "clé 鍵 ключ 🔑",
            "a\u{a0}b",
            "\u{2065}\u{206a}",
        ] {
            assert!(matches!(sanitize(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn output_never_contains_an_unsafe_char() {
        let all: String = (0u32..0x2100).filter_map(char::from_u32).collect();
        assert!(!sanitize(&all).chars().any(is_unsafe));
    }
}
