//! A pure parser of the `Authorization` request header (Digest, Bearer, Basic).
//!
//! It is a total function: any byte sequence gives `Ok` or `Err`, never a panic, so a
//! fuzz target can hammer it. It must NOT verify anything (nonces, hashes, users): that
//! is `auth::digest`'s job.

use std::borrow::Cow;

/// The credentials a request presents.
#[derive(Debug, PartialEq, Eq)]
pub enum Credentials<'a> {
    /// `Digest k=v, …`.
    Digest(Box<DigestParams<'a>>),
    /// `Bearer <token>`.
    Bearer(&'a str),
    /// `Basic <base64>` (still encoded).
    Basic(&'a str),
}

/// The parameters of a `Digest` authorization header (RFC 7616 §3.4).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DigestParams<'a> {
    /// `username`.
    pub username: Option<Cow<'a, str>>,
    /// `realm`.
    pub realm: Option<Cow<'a, str>>,
    /// `nonce`.
    pub nonce: Option<Cow<'a, str>>,
    /// `uri` (the request target the client hashed).
    pub uri: Option<Cow<'a, str>>,
    /// `response` (hex digest).
    pub response: Option<Cow<'a, str>>,
    /// `algorithm` (quoted or not).
    pub algorithm: Option<Cow<'a, str>>,
    /// `qop` (quoted or not).
    pub qop: Option<Cow<'a, str>>,
    /// `nc` (8 hex digits).
    pub nc: Option<Cow<'a, str>>,
    /// `cnonce`.
    pub cnonce: Option<Cow<'a, str>>,
    /// `opaque`.
    pub opaque: Option<Cow<'a, str>>,
}

/// Why a header could not be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Empty header or an unknown scheme.
    #[error("unsupported authorization scheme")]
    UnknownScheme,
    /// The parameter list is not `name=value, …`.
    #[error("malformed authorization parameters")]
    Malformed,
    /// A parameter appears twice.
    #[error("duplicate authorization parameter")]
    Duplicate,
    /// Bearer/Basic without a credential.
    #[error("missing credential")]
    MissingCredential,
}

/// Parses an `Authorization` header value.
pub fn parse_authorization(header: &str) -> Result<Credentials<'_>, ParseError> {
    let header = header.trim_matches(|c| c == ' ' || c == '\t');
    let (scheme, rest) = match header.find([' ', '\t']) {
        Some(i) => (&header[..i], header[i..].trim_start_matches([' ', '\t'])),
        None => (header, ""),
    };
    if scheme.eq_ignore_ascii_case("digest") {
        parse_digest_params(rest).map(|p| Credentials::Digest(Box::new(p)))
    } else if scheme.eq_ignore_ascii_case("bearer") {
        single_credential(rest).map(Credentials::Bearer)
    } else if scheme.eq_ignore_ascii_case("basic") {
        single_credential(rest).map(Credentials::Basic)
    } else {
        Err(ParseError::UnknownScheme)
    }
}

fn single_credential(rest: &str) -> Result<&str, ParseError> {
    let cred = rest.trim_end_matches([' ', '\t']);
    if cred.is_empty() {
        Err(ParseError::MissingCredential)
    } else if cred.contains([' ', '\t', ',']) {
        Err(ParseError::Malformed)
    } else {
        Ok(cred)
    }
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Parses `name=value` pairs separated by commas; values are tokens or quoted strings.
fn parse_digest_params(input: &str) -> Result<DigestParams<'_>, ParseError> {
    let bytes = input.as_bytes();
    let mut out = DigestParams::default();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < bytes.len() && matches!(bytes[*i], b' ' | b'\t') {
            *i += 1;
        }
    };
    let mut seen_any = false;
    loop {
        // Tolerate empty list elements (RFC 7230 §7), e.g. ", ,".
        loop {
            skip_ws(&mut i);
            if i < bytes.len() && bytes[i] == b',' {
                i += 1;
            } else {
                break;
            }
        }
        if i >= bytes.len() {
            break;
        }
        let name_start = i;
        while i < bytes.len() && is_token_byte(bytes[i]) {
            i += 1;
        }
        if i == name_start {
            return Err(ParseError::Malformed);
        }
        let name = &input[name_start..i];
        skip_ws(&mut i);
        if i >= bytes.len() || bytes[i] != b'=' {
            return Err(ParseError::Malformed);
        }
        i += 1;
        skip_ws(&mut i);
        let value: Cow<'_, str> = if i < bytes.len() && bytes[i] == b'"' {
            i += 1;
            let start = i;
            let mut escaped = false;
            loop {
                match bytes.get(i) {
                    None => return Err(ParseError::Malformed),
                    Some(b'\\') => {
                        escaped = true;
                        i += 2;
                    }
                    Some(b'"') => break,
                    Some(_) => i += 1,
                }
            }
            let raw = input.get(start..i).ok_or(ParseError::Malformed)?;
            i += 1;
            if escaped {
                Cow::Owned(unescape(raw))
            } else {
                Cow::Borrowed(raw)
            }
        } else {
            let start = i;
            while i < bytes.len() && is_token_byte(bytes[i]) {
                i += 1;
            }
            Cow::Borrowed(&input[start..i])
        };
        skip_ws(&mut i);
        if i < bytes.len() && bytes[i] != b',' {
            return Err(ParseError::Malformed);
        }
        seen_any = true;
        let slot = match name.to_ascii_lowercase().as_str() {
            "username" => &mut out.username,
            "realm" => &mut out.realm,
            "nonce" => &mut out.nonce,
            "uri" => &mut out.uri,
            "response" => &mut out.response,
            "algorithm" => &mut out.algorithm,
            "qop" => &mut out.qop,
            "nc" => &mut out.nc,
            "cnonce" => &mut out.cnonce,
            "opaque" => &mut out.opaque,
            _ => continue,
        };
        if slot.is_some() {
            return Err(ParseError::Duplicate);
        }
        *slot = Some(value);
    }
    if seen_any {
        Ok(out)
    } else {
        Err(ParseError::Malformed)
    }
}

fn unescape(raw: &str) -> String {
    let mut s = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                s.push(n);
            }
        } else {
            s.push(c);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_curl_style() {
        let h = r#"Digest username="abcdefgh", realm="MMS Public API", nonce="n1", uri="/api/atlas/v2/orgs?x=1", cnonce="YzE=", nc=00000001, qop=auth, response="0123", algorithm=MD5"#;
        let Ok(Credentials::Digest(p)) = parse_authorization(h) else {
            panic!("not digest")
        };
        assert_eq!(p.username.as_deref(), Some("abcdefgh"));
        assert_eq!(p.uri.as_deref(), Some("/api/atlas/v2/orgs?x=1"));
        assert_eq!(p.qop.as_deref(), Some("auth"));
        assert_eq!(p.nc.as_deref(), Some("00000001"));
        assert_eq!(p.algorithm.as_deref(), Some("MD5"));
    }

    #[test]
    fn parses_quoted_algorithm_and_escapes() {
        let h = r#"digest username="a\"b", algorithm="SHA-256", qop="auth""#;
        let Ok(Credentials::Digest(p)) = parse_authorization(h) else {
            panic!("not digest")
        };
        assert_eq!(p.username.as_deref(), Some("a\"b"));
        assert_eq!(p.algorithm.as_deref(), Some("SHA-256"));
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        for h in [
            "",
            "Digest",
            "Digest =",
            "Digest a",
            "Digest a=\"",
            "Digest a=\"\\",
            "Digest a=b c=d",
            "Digest a=b, a=c",
            "Bearer",
            "Basic a b",
            "Negotiate x",
            "Digest é=\"ü\\",
            "Digest username=\"\u{1F600}\\\"",
        ] {
            let _ = parse_authorization(h);
        }
        assert_eq!(
            parse_authorization("Digest username=a, username=b"),
            Err(ParseError::Duplicate)
        );
        assert_eq!(
            parse_authorization("Bearer abc"),
            Ok(Credentials::Bearer("abc"))
        );
    }

    proptest::proptest! {
        #[test]
        fn any_string_parses_or_errs(s in "\\PC*") {
            let _ = parse_authorization(&s);
        }

        #[test]
        fn digest_like_strings_never_panic(s in "(Digest|digest|Bearer|Basic)? ?([a-z]{0,8}=(\"[^\"]{0,12}\"?|[a-zA-Z0-9]{0,8}),? ?){0,6}") {
            let _ = parse_authorization(&s);
        }
    }

    #[test]
    fn exhaustive_short_inputs_never_panic() {
        let alphabet = ['D', ' ', '=', '"', '\\', ',', 'a', 'é'];
        let mut buf = String::new();
        fn go(buf: &mut String, alphabet: &[char], depth: usize) {
            let _ = parse_authorization(buf);
            let _ = parse_digest_params(buf);
            if depth == 0 {
                return;
            }
            for c in alphabet {
                buf.push(*c);
                go(buf, alphabet, depth - 1);
                buf.pop();
            }
        }
        go(&mut buf, &alphabet, 5);
    }
}
