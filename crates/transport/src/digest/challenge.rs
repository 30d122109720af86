//! Parsing `WWW-Authenticate` challenges (RFC 7235 §2.1, RFC 7616 §3.3).
//!
//! What it is for: a total, never-panicking parser that a fuzz target can hit. We wrote it
//! ourselves instead of using `digest_auth::parse` because that one expects a single Digest
//! challenge: it cannot split `Basic realm="x", Digest realm="y", ...` nor several headers, and it
//! is case-sensitive about `algorithm`. `digest_auth` is still used for the hash computation.
//!
//! The `http-auth` crate's parser (0.1.10) was evaluated as a replacement and not taken: it is
//! strict where servers are not, and it stops at the first syntax error, so it loses the Digest
//! challenge that follows the error. Measured: `Negotiate abc==, Digest realm="r", nonce="1"`
//! yields nothing (it rejects `token68` challenges); an unquoted base64 nonce
//! (`nonce=abc/def==`) or a non-ASCII realm is an error; an unterminated quote loses the whole
//! challenge. Its challenges borrow the input and its error type would need wrapping, and our
//! public [`Challenge`] exposes `token68`, which it drops. This parser resynchronises after
//! garbage and is fuzzed (`fuzz/fuzz_targets/www_authenticate.rs`).
//!
//! What it must NOT do: allocate without bound relative to its input, index out of bounds, or
//! decide which challenge to answer (that is [`super::DigestAuth`]'s business).

use std::fmt;

/// One challenge: an auth scheme with either a `token68` or a list of `name=value` parameters.
///
/// Parameter names are lower-cased (they are case-insensitive); values are unquoted and
/// unescaped. The scheme keeps its spelling; compare it with [`Challenge::is_scheme`].
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Challenge {
    scheme: String,
    token68: Option<String>,
    params: Vec<(String, String)>,
}

impl fmt::Debug for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Challenges carry no client secret (a nonce is public), so all fields are shown.
        f.debug_struct("Challenge")
            .field("scheme", &self.scheme)
            .field("token68", &self.token68)
            .field("params", &self.params)
            .finish()
    }
}

impl Challenge {
    /// The auth scheme as sent, e.g. `Digest`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// Whether the scheme is `scheme`, ignoring ASCII case.
    pub fn is_scheme(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }

    /// The `token68` form's value (e.g. `Negotiate abc==`), if the challenge has one.
    pub fn token68(&self) -> Option<&str> {
        self.token68.as_deref()
    }

    /// The first parameter called `name` (case-insensitive), unquoted.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// All parameters in order, names lower-cased.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

/// `tchar` of RFC 9110 §5.6.2.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Characters of `token68` (RFC 9110 §11.2), `=` padding excluded.
fn is_token68_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)
}

fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t' || b == b'\r' || b == b'\n'
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(is_ws) {
            self.pos += 1;
        }
    }

    fn take_while(&mut self, pred: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(&pred) {
            self.pos += 1;
        }
        self.bytes.get(start..self.pos).unwrap_or_default()
    }

    /// A quoted-string after its opening quote: up to the closing quote (or the end, for an
    /// unterminated one), with `\x` meaning `x`.
    fn quoted(&mut self) -> String {
        let mut out = Vec::new();
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    if let Some(escaped) = self.peek() {
                        out.push(escaped);
                        self.pos += 1;
                    }
                }
                _ => out.push(b),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Whether what follows (after whitespace) is a `token68`: its characters, optional `=`
    /// padding, then a comma or the end. Does not move the cursor.
    fn at_token68(&self) -> bool {
        let mut i = self.pos;
        let start = i;
        while self.bytes.get(i).copied().is_some_and(is_token68_char) {
            i += 1;
        }
        if i == start {
            return false;
        }
        while self.bytes.get(i) == Some(&b'=') {
            i += 1;
        }
        while self.bytes.get(i).copied().is_some_and(is_ws) {
            i += 1;
        }
        matches!(self.bytes.get(i), None | Some(b','))
    }
}

/// Parses every challenge in a `WWW-Authenticate` value. Never panics; garbage is skipped, and
/// parameters before any scheme are dropped. Join several header lines with `, ` (or call this
/// once per line) to get all of their challenges.
///
/// ```
/// use atlas_keys_transport::parse_challenges;
///
/// let cs = parse_challenges(r#"Basic realm="x, y", Digest realm="MMS Public API", nonce="a+b/c=", algorithm=MD5, qop="auth""#);
/// assert_eq!(cs.len(), 2);
/// assert!(cs[1].is_scheme("digest"));
/// assert_eq!(cs[1].param("nonce"), Some("a+b/c="));
/// assert_eq!(cs[0].param("realm"), Some("x, y"));
/// ```
pub fn parse_challenges(input: &str) -> Vec<Challenge> {
    let mut cur = Cursor {
        bytes: input.as_bytes(),
        pos: 0,
    };
    let mut out: Vec<Challenge> = Vec::new();
    loop {
        // Separators between list elements.
        while cur.peek().is_some_and(|b| is_ws(b) || b == b',') {
            cur.pos += 1;
        }
        if cur.peek().is_none() {
            break;
        }
        let name = cur.take_while(is_tchar);
        if name.is_empty() {
            // Not a token (e.g. a stray quote or `=`): skip one byte and resynchronise.
            cur.pos += 1;
            continue;
        }
        let name = String::from_utf8_lossy(name).into_owned();
        cur.skip_ws();
        if cur.peek() == Some(b'=') {
            // `name = value`: a parameter of the current challenge.
            cur.pos += 1;
            cur.skip_ws();
            let value = if cur.peek() == Some(b'"') {
                cur.pos += 1;
                cur.quoted()
            } else {
                // Be lenient: accept any bytes up to a separator, so unquoted nonces with
                // `+`, `/` or `=` survive.
                let raw = cur.take_while(|b| b != b',' && !is_ws(b));
                String::from_utf8_lossy(raw).into_owned()
            };
            if let Some(challenge) = out.last_mut() {
                challenge.params.push((name.to_ascii_lowercase(), value));
            }
        } else {
            // A scheme starts a new challenge, maybe followed by a token68.
            let mut challenge = Challenge {
                scheme: name,
                ..Challenge::default()
            };
            if cur.at_token68() {
                let raw = cur.take_while(|b| is_token68_char(b) || b == b'=');
                challenge.token68 = Some(String::from_utf8_lossy(raw).into_owned());
            }
            out.push(challenge);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn atlas_challenge() {
        let cs = parse_challenges(
            r#"Digest realm="MMS Public API", domain="", nonce="x/Y+z=", algorithm=MD5, qop="auth", stale=false"#,
        );
        assert_eq!(cs.len(), 1);
        let c = &cs[0];
        assert!(c.is_scheme("Digest"));
        assert_eq!(c.param("realm"), Some("MMS Public API"));
        assert_eq!(c.param("domain"), Some(""));
        assert_eq!(c.param("nonce"), Some("x/Y+z="));
        assert_eq!(c.param("algorithm"), Some("MD5"));
        assert_eq!(c.param("qop"), Some("auth"));
        assert_eq!(c.param("stale"), Some("false"));
    }

    #[test]
    fn quoted_commas_and_escapes() {
        let cs = parse_challenges(r#"Digest realm="a, \"b\", c", nonce="n""#);
        assert_eq!(cs[0].param("realm"), Some(r#"a, "b", c"#));
        assert_eq!(cs[0].param("nonce"), Some("n"));
    }

    #[test]
    fn several_challenges_any_order_unknown_params() {
        let cs = parse_challenges(
            r#"Negotiate, Basic realm="b", Digest qop=auth, FOO="bar", NONCE=abc==, Realm="r", algorithm=SHA-256-sess, Bearer abc.def=="#,
        );
        let schemes: Vec<_> = cs.iter().map(Challenge::scheme).collect();
        assert_eq!(schemes, ["Negotiate", "Basic", "Digest", "Bearer"]);
        let d = &cs[2];
        assert_eq!(d.param("nonce"), Some("abc=="));
        assert_eq!(d.param("realm"), Some("r"));
        assert_eq!(d.param("qop"), Some("auth"));
        assert_eq!(d.param("algorithm"), Some("SHA-256-sess"));
        assert_eq!(cs[3].token68(), Some("abc.def=="));
    }

    #[test]
    fn garbage_is_survived() {
        for s in [
            "",
            ",,,",
            "=",
            "\"",
            "Digest =",
            "Digest realm=\"unterminated",
            "= = ,\"\\",
            "Digest realm",
        ] {
            let _ = parse_challenges(s);
        }
        assert!(parse_challenges("realm=x").is_empty());
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_strings(s in ".*") {
            let _ = parse_challenges(&s);
        }

        #[test]
        fn never_panics_on_header_like_strings(s in r#"[A-Za-z =,"\\/+\-]{0,200}"#) {
            let cs = parse_challenges(&s);
            prop_assert!(cs.len() <= s.len());
        }

        #[test]
        fn roundtrips_quoted_values(v in r#"[ -~]{0,40}"#) {
            let escaped = v.replace('\\', "\\\\").replace('"', "\\\"");
            let cs = parse_challenges(&format!("Digest nonce=\"{escaped}\", realm=\"r\""));
            prop_assert_eq!(cs.len(), 1);
            prop_assert_eq!(cs[0].param("nonce"), Some(v.as_str()));
        }
    }
}
