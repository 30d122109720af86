//! Hostile servers against the built `atlas-keys` CLI (issue #15, the client side): an endless
//! chunked body, huge bodies, listings that never end, escape sequences in every field a server
//! chooses, a create without `privateKey`, a poisoned token answer and a slow drip.
//!
//! Each server is written for its test with raw bytes on a std `TcpListener` at 127.0.0.1
//! port 0 (one request per connection, `Connection: close`), so it can break HTTP and JSON
//! in ways a real server library would not. Each case runs the CLI as a child with a short
//! call deadline (`ATLAS_KEYS_TIMEOUT`) and checks: it exited by itself with the expected
//! status (never a signal, never killed by our limit), its peak RSS (`VmHWM`, polled from
//! `/proc/<pid>/status` while it runs) stayed under 300 MB, the error is one `error:` line that
//! names what went wrong, and no byte the server chose reached stdout or stderr raw. Elapsed
//! times and peak RSS are printed as figures (RELIABILITY.md, "Hostile servers: the CLI").
//!
//! What it must NOT do: talk to anything but the servers it starts, assert a duration (the only
//! time checks are "ended by itself" and, for the drip, "not before the deadline"), or stop a
//! process other than the children it spawned.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use atlas_keys_reliability::figure;
use atlas_keys_reliability::procs::{CLI_BIN, binary};
use atlas_keys_transport::sanitize::is_unsafe_char;

/// The call deadline given to the CLI (`ATLAS_KEYS_TIMEOUT`, seconds).
const DEADLINE_SECS: u64 = 3;

/// A child still running after this is killed and the case fails: far above what any case
/// needs, so it is a hang detector, not a timing assertion.
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// The bound on the CLI's peak memory in every hostile case.
const MAX_RSS_KB: u64 = 300 * 1024;

const ORG: &str = "5f1a0c0e2b3d4e5f6a7b8c9d";

/// One request as the server saw it: the request line's method and target.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    target: String,
}

type Handler = dyn Fn(&Seen, &mut TcpStream) -> std::io::Result<()> + Send + Sync;

/// A server on 127.0.0.1:0 that answers each connection's first request with `handler`.
struct HostileServer {
    port: u16,
    stop: Arc<AtomicBool>,
    requests: Arc<AtomicUsize>,
    thread: Option<thread::JoinHandle<()>>,
}

impl HostileServer {
    fn start(
        handler: impl Fn(&Seen, &mut TcpStream) -> std::io::Result<()> + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicUsize::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        let (flag, count) = (Arc::clone(&stop), Arc::clone(&requests));
        let thread = thread::spawn(move || {
            for stream in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let (handler, count, flag) =
                    (Arc::clone(&handler), Arc::clone(&count), Arc::clone(&flag));
                // Detached: each ends when its client goes away (a write fails) or on `stop`.
                thread::spawn(move || {
                    if let Some(seen) = read_request(&mut stream) {
                        count.fetch_add(1, Ordering::SeqCst);
                        if !flag.load(Ordering::SeqCst) {
                            let _ = handler(&seen, &mut stream);
                        }
                    }
                });
            }
        });
        HostileServer {
            port,
            stop,
            requests,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so the thread sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads a request head (at most 64 KiB) and its `Content-Length` body, which is discarded.
fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 64 * 1024 || stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<u64>().ok())?
        })
        .unwrap_or(0);
    std::io::copy(&mut (&mut *stream).take(length), &mut std::io::sink()).ok()?;
    let mut parts = head.split_whitespace();
    Some(Seen {
        method: parts.next()?.to_owned(),
        target: parts.next()?.to_owned(),
    })
}

/// A complete answer with a JSON (or any) body.
fn answer(stream: &mut TcpStream, status: &str, body: &[u8]) -> std::io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    stream.flush()
}

/// The page number a list request asks for.
fn page_num(target: &str) -> u64 {
    target
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("pageNum="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

fn key_json(id: u64, desc: &str) -> serde_json::Value {
    serde_json::json!({
        "id": format!("{id:024x}"),
        "publicKey": "abcdefgh",
        "desc": desc,
        "roles": [{ "roleName": "ORG_MEMBER", "orgId": ORG }],
        "links": [],
    })
}

/// One page of `n` keys with ids from `first`, a `next` link unless `last`, and an optional count.
fn page_json(first: u64, n: u64, total: Option<u64>, page: u64, last: bool) -> Vec<u8> {
    let results: Vec<_> = (first..first + n).map(|i| key_json(i, "k")).collect();
    let mut links =
        vec![serde_json::json!({ "href": format!("http://x/?pageNum={page}"), "rel": "self" })];
    if !last {
        links.push(
            serde_json::json!({ "href": format!("http://x/?pageNum={}", page + 1), "rel": "next" }),
        );
    }
    let mut body = serde_json::json!({ "results": results, "links": links });
    if let Some(total) = total {
        body["totalCount"] = total.into();
    }
    serde_json::to_vec(&body).expect("json")
}

/// Credentials the CLI is run with.
enum Creds {
    Digest,
    ServiceAccount,
}

/// What one run of the CLI did.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    peak_rss_kb: u64,
}

/// The peak resident set (`VmHWM`, KiB) of a running process, if it can be read.
fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn run_cli(server: &HostileServer, creds: Creds, args: &[&str], home: &Path) -> Run {
    let mut command = Command::new(binary(CLI_BIN));
    command
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("MONGODB_ATLAS_BASE_URL", server.url())
        .env("ATLAS_KEYS_TIMEOUT", DEADLINE_SECS.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match creds {
        Creds::Digest => command.env("MONGODB_ATLAS_PUBLIC_API_KEY", "abcdefgh").env(
            "MONGODB_ATLAS_PRIVATE_API_KEY",
            "c8150efd-c7a0-4afd-8c4f-01bdd56c8977",
        ),
        Creds::ServiceAccount => command
            .env(
                "MONGODB_ATLAS_CLIENT_ID",
                "mdb_sa_id_0123456789abcdef01234567",
            )
            .env("MONGODB_ATLAS_CLIENT_SECRET", "mdb_sa_sk_not-a-real-secret"),
    };
    let started = Instant::now();
    let mut child = command.spawn().expect("the CLI starts");
    let pid = child.id();
    let mut stdout_pipe = child.stdout.take().expect("piped");
    let mut stderr_pipe = child.stderr.take().expect("piped");
    let out = thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout_pipe.read_to_end(&mut s);
        s
    });
    let err = thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut s);
        s
    });
    let mut peak = 0;
    let status = loop {
        // `VmHWM` only grows, so the last reading before the exit is within one poll of it.
        if let Some(kb) = vm_hwm_kb(pid) {
            peak = peak.max(kb);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    let status = status.unwrap_or_else(|| panic!("{args:?} was still running after {RUN_LIMIT:?}"));
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned(),
        elapsed,
        peak_rss_kb: peak,
    }
}

/// The checks every case shares; prints the figure line.
fn check(case: &str, run: &Run, code: i32, error_says: &str) {
    figure(
        "hostile_servers",
        format!(
            "{case}: exit {:?}, {:.2} s, peak RSS {:.1} MB; {}",
            run.code,
            run.elapsed.as_secs_f64(),
            run.peak_rss_kb as f64 / 1024.0,
            run.stderr
                .lines()
                .find(|l| l.starts_with("error:"))
                .unwrap_or("no error")
        ),
    );
    assert_eq!(
        run.code,
        Some(code),
        "{case}: exit status (a signal has none): {run:?}"
    );
    assert!(run.peak_rss_kb > 0, "{case}: VmHWM was read");
    assert!(
        run.peak_rss_kb < MAX_RSS_KB,
        "{case}: peak RSS {} kB",
        run.peak_rss_kb
    );
    for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        let raw: Vec<char> = text
            .chars()
            .filter(|&c| c != '\n' && is_unsafe_char(c))
            .collect();
        assert!(raw.is_empty(), "{case}: raw {raw:?} on {name}: {text:?}");
    }
    if code != 0 {
        let error_lines: Vec<_> = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .collect();
        assert_eq!(
            error_lines.len(),
            1,
            "{case}: one error line: {}",
            run.stderr
        );
        assert!(
            error_lines[0].len() < 2048,
            "{case}: a short error line: {}",
            error_lines[0]
        );
        assert!(
            error_lines[0].contains(error_says),
            "{case}: {}",
            error_lines[0]
        );
    }
}

fn list(all: bool) -> Vec<&'static str> {
    let mut args = vec!["organizations", "apiKeys", "list", "--orgId", ORG];
    if all {
        args.push("--all");
    }
    args
}

#[test]
fn an_endless_chunked_body_is_cut_at_the_cap() {
    let home = tempfile::tempdir().unwrap();
    let server = HostileServer::start(|_, stream| {
        stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")?;
        let chunk = vec![b' '; 64 * 1024];
        loop {
            write!(stream, "{:x}\r\n", chunk.len())?;
            stream.write_all(&chunk)?;
            stream.write_all(b"\r\n")?;
        }
    });
    let run = run_cli(&server, Creds::Digest, &list(false), home.path());
    check(
        "endless chunked body",
        &run,
        1,
        "exceeds the limit of 16777216 bytes",
    );
}

#[test]
fn a_huge_content_length_fails_before_the_body() {
    let home = tempfile::tempdir().unwrap();
    let server = HostileServer::start(|_, stream| {
        stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1099511627776\r\n\r\n[")?;
        thread::sleep(Duration::from_secs(30));
        Ok(())
    });
    let run = run_cli(&server, Creds::Digest, &list(false), home.path());
    check("Content-Length 1 TiB", &run, 1, "exceeds the limit");
}

#[test]
fn a_huge_non_json_error_body_is_excerpted_cheaply() {
    let home = tempfile::tempdir().unwrap();
    // 15 MiB, just under the cap: read whole, then quoted from its first few KiB only.
    let server = HostileServer::start(|_, stream| {
        let mut body = vec![b'<'; 15 << 20];
        body[..5].copy_from_slice(b"\x1b]0;x");
        answer(stream, "500 Internal Server Error", &body)
    });
    let run = run_cli(&server, Creds::Digest, &list(false), home.path());
    check(
        "15 MiB non-JSON 500 body",
        &run,
        1,
        "500 Internal Server Error: \\u{1b}]0;x<<<",
    );
}

#[test]
fn a_listing_beyond_its_total_count_stops() {
    let home = tempfile::tempdir().unwrap();
    // Every page says "more" and counts 1,000 keys: two pages of 500, then an error.
    let server = HostileServer::start(|seen, stream| {
        let n = page_num(&seen.target);
        answer(
            stream,
            "200 OK",
            &page_json(n * 1000, 500, Some(1000), n, false),
        )
    });
    let mut args = list(true);
    args.extend(["--limit", "500"]);
    let run = run_cli(&server, Creds::Digest, &args, home.path());
    check(
        "endless pages, totalCount 1000",
        &run,
        1,
        "page 2 links a next page, but its totalCount of 1000 items is 2 page(s) of 500",
    );
    assert_eq!(
        server.requests(),
        2,
        "no page beyond the count was asked for"
    );
}

#[test]
fn an_endless_listing_of_new_keys_stops_at_the_item_cap() {
    let home = tempfile::tempdir().unwrap();
    let server = HostileServer::start(|seen, stream| {
        let n = page_num(&seen.target);
        answer(stream, "200 OK", &page_json(n * 1000, 500, None, n, false))
    });
    let mut args = list(true);
    args.extend(["--limit", "500", "--omitCount"]);
    let run = run_cli(&server, Creds::Digest, &args, home.path());
    check(
        "endless pages of new ids, no count",
        &run,
        1,
        "passed the limit of 100000 items at its page 201",
    );
}

#[test]
fn a_listing_that_repeats_a_page_stops() {
    let home = tempfile::tempdir().unwrap();
    let server = HostileServer::start(|seen, stream| {
        let n = page_num(&seen.target);
        answer(stream, "200 OK", &page_json(0, 100, None, n, false))
    });
    let mut args = list(true);
    args.push("--omitCount");
    let run = run_cli(&server, Creds::Digest, &args, home.path());
    check(
        "endless pages, the same page",
        &run,
        1,
        "page 2 holds the same 100 ids as an earlier page",
    );
}

/// Terminal controls a server might send: a window title (OSC 0), a clipboard write (OSC 52),
/// a hyperlink (OSC 8), clear screen, a C1 CSI, bidi override and isolate, DEL.
const NASTY: &str = "\u{1b}]0;pwned\u{7}\u{1b}]52;c;SGk=\u{7}\u{1b}]8;;http://evil\u{7}x\u{1b}[2J\u{9b}31m\u{202e}rev\u{2066}\u{7f}";

#[test]
fn escape_sequences_in_error_fields_are_escaped() {
    let home = tempfile::tempdir().unwrap();
    let server = HostileServer::start(|_, stream| {
        let body = serde_json::json!({
            "error": 400,
            "errorCode": format!("INVALID{NASTY}"),
            "detail": format!("detail{NASTY}"),
            "reason": format!("Bad Request{NASTY}"),
            "parameters": [],
        });
        answer(
            stream,
            "400 Bad Request",
            &serde_json::to_vec(&body).unwrap(),
        )
    });
    let run = run_cli(&server, Creds::Digest, &list(false), home.path());
    check(
        "escapes in errorCode/detail",
        &run,
        1,
        "400 INVALID\\u{1b}]0;pwned\\u{7}",
    );
    assert!(
        run.stderr.contains("detail\\u{1b}]0;pwned"),
        "{}",
        run.stderr
    );
}

#[test]
fn escape_sequences_in_listed_fields_are_escaped_in_tables_and_json() {
    let home = tempfile::tempdir().unwrap();
    let server = HostileServer::start(|_, stream| {
        let body = serde_json::json!({
            "results": [key_json(1, &format!("desc{NASTY}"))],
            "links": [{ "href": format!("http://x/{NASTY}"), "rel": "self" }],
            "totalCount": 1,
        });
        answer(stream, "200 OK", &serde_json::to_vec(&body).unwrap())
    });
    let run = run_cli(&server, Creds::Digest, &list(false), home.path());
    check("escapes in desc (table)", &run, 0, "");
    assert!(
        run.stdout.contains("desc\\u{1b}]0;pwned\\u{7}"),
        "{}",
        run.stdout
    );
    let mut args = list(false);
    args.extend(["-o", "json"]);
    let run = run_cli(&server, Creds::Digest, &args, home.path());
    check("escapes in desc and links (JSON)", &run, 0, "");
    // Still the server's exact strings once parsed.
    let value: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(value["results"][0]["desc"], format!("desc{NASTY}"));
    assert_eq!(value["links"][0]["href"], format!("http://x/{NASTY}"));
}

#[test]
fn escape_sequences_in_an_oauth_error_description_are_escaped() {
    let home = tempfile::tempdir().unwrap();
    let server = HostileServer::start(|_, stream| {
        let body = serde_json::json!({
            "error": format!("invalid_client{NASTY}"),
            "error_description": format!("no{NASTY}"),
        });
        answer(
            stream,
            "401 Unauthorized",
            &serde_json::to_vec(&body).unwrap(),
        )
    });
    let run = run_cli(&server, Creds::ServiceAccount, &list(false), home.path());
    check(
        "escapes in error/error_description",
        &run,
        1,
        "invalid_client\\u{1b}]0;pwned",
    );
}

#[test]
fn a_create_without_a_private_key_exits_3_after_showing_the_key() {
    let home = tempfile::tempdir().unwrap();
    let server = HostileServer::start(|seen, stream| {
        assert_eq!(seen.method, "POST");
        let body = key_json(0xabc, "new");
        answer(stream, "201 Created", &serde_json::to_vec(&body).unwrap())
    });
    let args = [
        "organizations",
        "apiKeys",
        "create",
        "--orgId",
        ORG,
        "--desc",
        "new",
        "--role",
        "ORG_MEMBER",
    ];
    let run = run_cli(&server, Creds::Digest, &args, home.path());
    check(
        "create without privateKey",
        &run,
        3,
        "holds no full private key",
    );
    assert!(
        run.stdout.contains(&format!("{:024x}", 0xabc)),
        "the key is shown: {}",
        run.stdout
    );
    assert!(
        !run.stderr.contains("save the private key"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_poisoned_token_answer_is_refused_and_not_cached() {
    let home = tempfile::tempdir().unwrap();
    let server = HostileServer::start(|seen, stream| {
        if seen.target.contains("/oauth/token") {
            let body = serde_json::json!({
                "access_token": format!("tok{NASTY}"),
                "token_type": "Bearer",
                "expires_in": 3600,
            });
            answer(stream, "200 OK", &serde_json::to_vec(&body).unwrap())
        } else {
            answer(stream, "500 Internal Server Error", b"{}")
        }
    });
    let run = run_cli(&server, Creds::ServiceAccount, &list(false), home.path());
    check("poisoned token answer", &run, 1, "token");
    assert_eq!(server.requests(), 1, "the poisoned token was never sent");
    let cached = std::fs::read_dir(home.path().join("atlas-keys"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(cached, 0, "nothing cached");
}

#[test]
fn a_slow_drip_ends_at_the_call_deadline() {
    let home = tempfile::tempdir().unwrap();
    let server = HostileServer::start(|_, stream| {
        stream.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
        )?;
        loop {
            stream.write_all(b" ")?;
            thread::sleep(Duration::from_millis(200));
        }
    });
    let run = run_cli(&server, Creds::Digest, &list(false), home.path());
    check(
        "slow drip, 1 byte / 200 ms",
        &run,
        1,
        &format!("within the call deadline of {DEADLINE_SECS}s"),
    );
    // A lower bound only: the deadline, not something earlier, ended it.
    assert!(run.elapsed >= Duration::from_secs(DEADLINE_SECS), "{run:?}");
}

// The SDK's side of the same bounds: the predicates a program branches on, without any
// foreign error type.

fn sdk_client(server: &HostileServer) -> atlas_keys::ClientBuilder {
    atlas_keys::Client::builder().base_url(server.url()).digest(
        "abcdefgh",
        atlas_keys::transport::SecretString::from("c8150efd-c7a0-4afd-8c4f-01bdd56c8977"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_that_times_out_is_outcome_unknown_and_a_timeout() {
    let server = HostileServer::start(|_, stream| {
        stream.write_all(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")?;
        loop {
            stream.write_all(b" ")?;
            thread::sleep(Duration::from_millis(100));
        }
    });
    let client = sdk_client(&server)
        .deadline(Duration::from_millis(800))
        .build()
        .unwrap();
    let org = ORG.parse().unwrap();
    let err = client
        .org_keys()
        .create(&org)
        .desc("d")
        .role(atlas_keys_model::OrgRole::Member)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err}");
    assert!(err.is_timeout(), "{err}");
    assert!(err.to_string().contains("may have been applied"), "{err}");
    assert_eq!(server.requests(), 1, "a create is never re-sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_body_cap_is_a_builder_setting_and_a_predicate() {
    let server = HostileServer::start(|_, stream| answer(stream, "200 OK", &vec![b' '; 2 << 20]));
    let client = sdk_client(&server)
        .max_response_body(1 << 20)
        .build()
        .unwrap();
    let org = ORG.parse().unwrap();
    let err = client.org_keys().list(&org).send().await.unwrap_err();
    assert!(err.is_body_too_large(), "{err}");
    assert!(err.to_string().contains("1048576"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bearer_token_over_plain_http_to_a_remote_host_needs_the_opt_in() {
    // 192.0.2.1 is TEST-NET-1: the call is refused before any I/O, so nothing is contacted.
    let client = atlas_keys::Client::builder()
        .base_url("http://192.0.2.1")
        .bearer_token(atlas_keys::transport::SecretString::from("tok"))
        .deadline(Duration::from_secs(2))
        .build()
        .unwrap();
    let org = ORG.parse().unwrap();
    let err = client.org_keys().list(&org).send().await.unwrap_err();
    assert!(err.is_insecure_http(), "{err}");
    assert!(!err.to_string().contains("tok\""), "{err}");
}
