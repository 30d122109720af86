//! A small JSON reader for the few documents xtask inspects: the emulator's startup line, the
//! `digest_probe` result line and the API responses of the interop curl cycle.
//!
//! It exists so xtask keeps depending on no crate at all. It only reads (there is no writer), it
//! keeps numbers as their source text, and it must not grow into a general JSON library: anything
//! beyond looking up fields in small, trusted documents belongs in a real crate elsewhere.

use std::fmt;

/// A parsed JSON value. Objects keep their members in source order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    /// The number exactly as written; see [`Json::as_u64`].
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// Why a document is not JSON, with the byte offset where reading stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    offset: usize,
    message: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

impl Json {
    /// Parses one complete JSON document; surrounding whitespace is allowed, trailing text is not.
    pub(crate) fn parse(text: &str) -> Result<Json, ParseError> {
        let mut parser = Parser {
            bytes: text.as_bytes(),
            pos: 0,
            depth: 0,
        };
        parser.skip_whitespace();
        let value = parser.value()?;
        parser.skip_whitespace();
        if parser.pos != parser.bytes.len() {
            return Err(parser.error("unexpected text after the JSON value"));
        }
        Ok(value)
    }

    /// The member `key` of an object; `None` for a missing key or a value that is not an object.
    pub(crate) fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(name, _)| name == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(text) => Some(text),
            _ => None,
        }
    }

    /// A non-negative integer; `None` for anything else, including `1.0` and `-1`.
    pub(crate) fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(text) => text.parse().ok(),
            _ => None,
        }
    }

    pub(crate) fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    /// Shorthand for the common case: the string member `key` of an object.
    pub(crate) fn str_field(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Json::as_str)
    }
}

/// Deep enough for any document we read; the limit keeps a hostile input from overflowing the stack.
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, message: &'static str) -> ParseError {
        ParseError {
            offset: self.pos,
            message,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, message: &'static str) -> Result<(), ParseError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(message))
        }
    }

    fn value(&mut self) -> Result<Json, ParseError> {
        match self.peek() {
            Some(b'{') => self.nested(Parser::object),
            Some(b'[') => self.nested(Parser::array),
            Some(b'"') => self.string().map(Json::String),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected a JSON value")),
            None => Err(self.error("unexpected end of input")),
        }
    }

    fn nested(
        &mut self,
        read: fn(&mut Self) -> Result<Json, ParseError>,
    ) -> Result<Json, ParseError> {
        if self.depth == MAX_DEPTH {
            return Err(self.error("JSON nested too deeply"));
        }
        self.depth += 1;
        let value = read(self);
        self.depth -= 1;
        value
    }

    fn literal(&mut self, word: &str, value: Json) -> Result<Json, ParseError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("invalid literal"))
        }
    }

    fn number(&mut self) -> Result<Json, ParseError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = |parser: &mut Self| {
            let from = parser.pos;
            while matches!(parser.peek(), Some(b'0'..=b'9')) {
                parser.pos += 1;
            }
            parser.pos > from
        };
        if !digits(self) {
            return Err(self.error("expected digits"));
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !digits(self) {
                return Err(self.error("expected digits after the decimal point"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.error("expected exponent digits"));
            }
        }
        // The slice is ASCII digits and signs, so it is valid UTF-8.
        let text = String::from_utf8_lossy(&self.bytes[start..self.pos]).into_owned();
        Ok(Json::Number(text))
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.expect(b'"', "expected a string")?;
        let mut out = Vec::new();
        loop {
            let Some(byte) = self.peek() else {
                return Err(self.error("unterminated string"));
            };
            self.pos += 1;
            match byte {
                b'"' => break,
                b'\\' => {
                    let Some(escape) = self.peek() else {
                        return Err(self.error("unterminated escape"));
                    };
                    self.pos += 1;
                    match escape {
                        b'"' | b'\\' | b'/' => out.push(escape),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0c),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let c = self.unicode_escape()?;
                            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                        }
                        _ => return Err(self.error("invalid escape")),
                    }
                }
                0x00..=0x1f => return Err(self.error("control character in string")),
                _ => out.push(byte),
            }
        }
        // The input is a &str and escapes are pushed as UTF-8, so this only fails on a bug.
        String::from_utf8(out).map_err(|_| self.error("invalid UTF-8 in string"))
    }

    /// Reads the `XXXX` after `\u`, and a following low surrogate when the first is a high one.
    fn unicode_escape(&mut self) -> Result<char, ParseError> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if !self.bytes[self.pos..].starts_with(b"\\u") {
                return Err(self.error("unpaired surrogate"));
            }
            self.pos += 2;
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(self.error("unpaired surrogate"));
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid unicode escape"))
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let digits = self
            .bytes
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("short unicode escape"))?;
        let text = std::str::from_utf8(digits).map_err(|_| self.error("bad unicode escape"))?;
        let code = u32::from_str_radix(text, 16).map_err(|_| self.error("bad unicode escape"))?;
        self.pos += 4;
        Ok(code)
    }

    fn array(&mut self) -> Result<Json, ParseError> {
        self.expect(b'[', "expected `[`")?;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_whitespace();
            items.push(self.value()?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self) -> Result<Json, ParseError> {
        self.expect(b'{', "expected `{`")?;
        let mut members = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_whitespace();
            let key = self.string()?;
            self.skip_whitespace();
            self.expect(b':', "expected `:`")?;
            self.skip_whitespace();
            let value = self.value()?;
            members.push((key, value));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(self.error("expected `,` or `}`")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Json;

    #[test]
    fn reads_the_emulator_startup_line() {
        let line = r#"{"baseUrl":"http://127.0.0.1:41234","orgId":"0123456789abcdef01234567","projectId":"abcdefabcdefabcdefabcdef","publicKey":"abcdefgh","privateKey":"7f1c2b3a-1111-4222-8333-444455556666","clientId":"mdb_sa_id_1","clientSecret":"mdb_sa_sk_x"}"#;
        let json = Json::parse(line).expect("valid JSON");
        assert_eq!(json.str_field("baseUrl"), Some("http://127.0.0.1:41234"));
        assert_eq!(json.str_field("publicKey"), Some("abcdefgh"));
        assert_eq!(json.str_field("clientSecret"), Some("mdb_sa_sk_x"));
        assert_eq!(json.str_field("missing"), None);
    }

    #[test]
    fn reads_the_probe_result_line() {
        let json = Json::parse(r#" {"backend":"hyper","requests":50,"ok":50,"wire":51}"#)
            .expect("valid JSON");
        assert_eq!(json.str_field("backend"), Some("hyper"));
        assert_eq!(json.get("requests").and_then(Json::as_u64), Some(50));
        assert_eq!(json.get("wire").and_then(Json::as_u64), Some(51));
        // A number is not a string, and a string is not a number.
        assert_eq!(json.str_field("ok"), None);
        assert_eq!(json.get("backend").and_then(Json::as_u64), None);
    }

    #[test]
    fn reads_nested_api_responses() {
        let body = r#"{
            "desc": "interop curl",
            "id": "5f0c1e2d3c4b5a6978877665",
            "links": [{"href": "http://127.0.0.1:1/api/atlas/v2/orgs/x/apiKeys/y", "rel": "self"}],
            "privateKey": "********-****-****-db2c132ca78d",
            "publicKey": "zmmrboas",
            "roles": [{"orgId": "4888442a3354817a7320eb61", "roleName": "ORG_MEMBER"}],
            "totalCount": 1.5e3, "flag": true, "none": null, "neg": -0.25
        }"#;
        let json = Json::parse(body).expect("valid JSON");
        assert_eq!(json.str_field("id"), Some("5f0c1e2d3c4b5a6978877665"));
        let roles = json
            .get("roles")
            .and_then(Json::as_array)
            .expect("roles array");
        assert_eq!(roles[0].str_field("roleName"), Some("ORG_MEMBER"));
        assert_eq!(json.get("flag"), Some(&Json::Bool(true)));
        assert_eq!(json.get("none"), Some(&Json::Null));
        assert_eq!(json.get("totalCount").and_then(Json::as_u64), None);
    }

    #[test]
    fn decodes_escapes() {
        let json = Json::parse(r#"{"a":"q\"b\\s\/n\n\u00e9\ud83d\ude00"}"#).expect("valid JSON");
        assert_eq!(json.str_field("a"), Some("q\"b\\s/n\né😀"));
        assert_eq!(Json::parse(r#""é""#), Ok(Json::String("é".into())));
    }

    #[test]
    fn rejects_malformed_documents() {
        for bad in [
            "",
            "{",
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{"a":1} trailing"#,
            "[1 2]",
            r#""unterminated"#,
            r#""\x""#,
            r#""\ud83d""#,
            "01x",
            "-",
            "tru",
            "1.",
            "\"tab\there\"",
        ] {
            assert!(Json::parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn limits_nesting_depth() {
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(Json::parse(&deep).is_err());
        let fine = format!("{}{}", "[".repeat(10), "]".repeat(10));
        assert!(Json::parse(&fine).is_ok());
    }

    #[test]
    fn error_messages_name_the_offset() {
        let error = Json::parse(r#"{"a":}"#).expect_err("invalid");
        assert_eq!(error.to_string(), "expected a JSON value at byte 5");
    }
}
