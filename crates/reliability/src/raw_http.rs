//! A deliberately dumb HTTP/1.1 client over a raw `TcpStream`, so tests can send exactly the
//! bytes they mean: forged digest headers, garbage headers, broken request lines.
//!
//! One request per connection (`Connection: close` is added by [`request_bytes`]); the
//! response is read to EOF and parsed leniently. This module must NOT follow redirects, retry,
//! add headers the caller did not ask for (beyond `Host`, `Content-Length` and
//! `Connection: close` in [`request_bytes`]), or talk to anything but a local test server.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long any single exchange may take before the test calls it hung. Generous: it only
/// turns a deadlock into a failure, it is not a timing assertion.
const EXCHANGE_LIMIT: Duration = Duration::from_secs(30);

/// A parsed response.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The status code.
    pub status: u16,
    /// Header names (lower-cased) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every header called `name` (case-insensitive).
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, or `Null` when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The `errorCode` of an API error body, if any.
    pub fn error_code(&self) -> Option<String> {
        self.json()
            .get("errorCode")
            .and_then(|c| c.as_str())
            .map(str::to_owned)
    }

    /// The body as (lossy) text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// What came back from a raw exchange.
#[derive(Debug)]
pub enum Exchange {
    /// A complete response.
    Response(RawResponse),
    /// The server closed the connection without a (parsable) response; the bytes it sent.
    Closed(Vec<u8>),
}

/// Builds a request with `Host`, `Content-Length` (when there is a body or the method sends
/// one) and `Connection: close`, plus `headers` verbatim.
pub fn request_bytes(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !body.is_empty() || matches!(method, "POST" | "PATCH" | "PUT") {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out.extend_from_slice(body);
    out
}

/// Sends `bytes` on a fresh connection and reads until the server closes it (the request
/// should say `Connection: close`).
pub async fn exchange(addr: SocketAddr, bytes: &[u8]) -> std::io::Result<Exchange> {
    exchange_with(addr, bytes, false).await
}

/// Like [`exchange`], but shuts down the write side after sending, so a server still waiting
/// for the rest of an incomplete request sees the end of the stream instead of waiting.
/// (hyper then closes the connection; it may not answer a half-closed request at all.)
pub async fn exchange_half_closed(addr: SocketAddr, bytes: &[u8]) -> std::io::Result<Exchange> {
    exchange_with(addr, bytes, true).await
}

async fn exchange_with(
    addr: SocketAddr,
    bytes: &[u8],
    half_close: bool,
) -> std::io::Result<Exchange> {
    let run = async {
        let mut stream = TcpStream::connect(addr).await?;
        // The server may answer (and close) before reading everything, e.g. a 413: a write
        // error then is not the test's failure, the response is what matters.
        let _ = stream.write_all(bytes).await;
        if half_close {
            let _ = stream.shutdown().await;
        }
        let mut received = Vec::new();
        // A reset after a partial answer still leaves what was received.
        let _ = stream.read_to_end(&mut received).await;
        Ok(match parse_response(&received) {
            Some(response) => Exchange::Response(response),
            None => Exchange::Closed(received),
        })
    };
    match tokio::time::timeout(EXCHANGE_LIMIT, run).await {
        Ok(result) => result,
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the server neither answered nor closed the connection",
        )),
    }
}

/// Sends a well-formed request (see [`request_bytes`]) and expects a response.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> RawResponse {
    match exchange(addr, &request_bytes(method, target, headers, body)).await {
        Ok(Exchange::Response(response)) => response,
        Ok(Exchange::Closed(bytes)) => panic!(
            "{method} {target}: connection closed without a response ({} bytes: {:?})",
            bytes.len(),
            String::from_utf8_lossy(&bytes)
        ),
        Err(error) => panic!("{method} {target}: {error}"),
    }
}

/// Parses a complete HTTP/1.x response (status line, headers, body by Content-Length, chunked
/// or to EOF). `None` when the bytes are not one.
pub fn parse_response(bytes: &[u8]) -> Option<RawResponse> {
    let split = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(bytes.get(..split)?).ok()?;
    let rest = bytes.get(split + 4..)?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let mut parts = status_line.splitn(3, ' ');
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let status: u16 = parts.next()?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let find = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    let body = if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        dechunk(rest)?
    } else if let Some(length) = find("content-length").and_then(|v| v.parse::<usize>().ok()) {
        rest.get(..length)?.to_vec()
    } else {
        rest.to_vec()
    };
    Some(RawResponse {
        status,
        headers,
        body,
    })
}

fn dechunk(mut bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = bytes.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(bytes.get(..line_end)?).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        bytes = bytes.get(line_end + 2..)?;
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(bytes.get(..size)?);
        bytes = bytes.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::parse_response;

    #[test]
    fn parses_fixed_and_chunked_bodies() {
        let fixed =
            parse_response(b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nX-A: b\r\n\r\n{}")
                .expect("a response");
        assert_eq!((fixed.status, fixed.body.as_slice()), (404, &b"{}"[..]));
        assert_eq!(fixed.header("x-a"), Some("b"));
        let chunked = parse_response(
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        )
        .expect("a response");
        assert_eq!(chunked.body, b"abcde");
        assert!(parse_response(b"garbage").is_none());
    }
}
