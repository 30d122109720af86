//! Every flag of the `atlas-keys` binary, given nonsense, an empty value, a huge value and
//! Unicode: each is refused with a one-line error and exit status 2, nothing on stdout, and no
//! network call.
//!
//! The command tree is discovered from the binary's own `--help`, so a new subcommand or flag
//! is covered without editing this file. `--base-url` points at a listener this test owns,
//! which counts connections; a control run with valid values proves it would see a call. Each
//! run is bounded (killed through its handle if it does not exit). This file must NOT touch the
//! network beyond that listener, nor assert on timing.

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use atlas_keys_reliability::figure;
use atlas_keys_reliability::procs::{CLI_BIN, binary};

const ORG: &str = "5f1a2b3c4d5e6f7a8b9c0d1e";
const PROJECT: &str = "6a1b2c3d4e5f6a7b8c9d0e1f";
const KEY: &str = "7b1c2d3e4f5a6b7c8d9e0f1a";
/// A run that has not exited by then is killed and fails the test (liveness, not timing).
const RUN_LIMIT: Duration = Duration::from_secs(30);

/// A TCP listener on 127.0.0.1:0 that counts the connections it accepts and closes them.
struct CountingListener {
    port: u16,
    count: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl CountingListener {
    fn start() -> CountingListener {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("an address").port();
        let count = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = thread::spawn({
            let count = Arc::clone(&count);
            let stop = Arc::clone(&stop);
            move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    if stream.is_ok() {
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        });
        CountingListener {
            port,
            count,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn connections(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

impl Drop for CountingListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so the thread sees the flag.
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What one run of the binary did.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run_cli(args: &[String], home: &Path) -> Run {
    let mut child = Command::new(binary(CLI_BIN))
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("MONGODB_ATLAS_PUBLIC_API_KEY", "abcdefgh")
        .env(
            "MONGODB_ATLAS_PRIVATE_API_KEY",
            "c8150efd-c7a0-4afd-8c4f-01bdd56c8977",
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the CLI starts");
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
    let started = Instant::now();
    let status = loop {
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
    Run {
        code: status.and_then(|s| s.code()),
        stdout: String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned(),
    }
}

/// One option of a leaf command.
#[derive(Debug, Clone)]
struct Opt {
    long: String,
    /// The value name (`ID`, `TEXT`, …), or `None` for a switch.
    value: Option<String>,
}

/// A command that takes no subcommand, with its options and what its usage line requires.
#[derive(Debug, Clone)]
struct Leaf {
    path: Vec<String>,
    options: Vec<Opt>,
    /// Required `--flag VALUE` pairs, by flag.
    required: Vec<Opt>,
    /// Positional value names, in order.
    positionals: Vec<String>,
}

fn help(path: &[String], home: &Path) -> String {
    let mut args = path.to_vec();
    args.push("--help".to_owned());
    let run = run_cli(&args, home);
    assert_eq!(run.code, Some(0), "{args:?} --help: {}", run.stderr);
    run.stdout
}

/// Walks the command tree from `path` through the `Commands:` sections of `--help`.
fn discover(path: Vec<String>, home: &Path, leaves: &mut Vec<Leaf>) {
    let text = help(&path, home);
    let mut section = "";
    let mut subcommands = Vec::new();
    let mut options = Vec::new();
    for line in text.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            section = line.trim_end_matches(':');
            continue;
        }
        match section {
            "Commands" if line.starts_with("  ") && !line.starts_with("   ") => {
                if let Some(name) = line.split_whitespace().next()
                    && name != "help"
                {
                    subcommands.push(name.to_owned());
                }
            }
            "Options" => {
                let trimmed = line.trim_start();
                let indent = line.len() - trimmed.len();
                if indent > 6 || !trimmed.starts_with('-') {
                    continue;
                }
                let mut words = trimmed.split_whitespace();
                let mut first = words.next().unwrap_or_default();
                if first.starts_with("-") && !first.starts_with("--") {
                    first = words.next().unwrap_or_default();
                }
                let long = first
                    .trim_start_matches("--")
                    .trim_end_matches(',')
                    .to_owned();
                if long == "help" || long == "version" || long.is_empty() {
                    continue;
                }
                let value = words
                    .next()
                    .filter(|w| w.starts_with('<'))
                    .map(|w| w.trim_matches(|c| c == '<' || c == '>').to_owned());
                options.push(Opt { long, value });
            }
            _ => {}
        }
    }
    if !subcommands.is_empty() {
        for sub in subcommands {
            let mut next = path.clone();
            next.push(sub);
            discover(next, home, leaves);
        }
        return;
    }
    let usage = text
        .lines()
        .find(|l| l.starts_with("Usage:"))
        .expect("a usage line")
        .to_owned();
    let (required, positionals) = parse_usage(&usage);
    leaves.push(Leaf {
        path,
        options,
        required,
        positionals,
    });
}

/// Reads `--flag <V>` pairs and bare `<V>` positionals after `[OPTIONS]`; of an alternative
/// group `<--a <A>|--b <B>>` only the first member counts.
fn parse_usage(usage: &str) -> (Vec<Opt>, Vec<String>) {
    let rest = usage.split("[OPTIONS]").nth(1).unwrap_or_default();
    let mut required = Vec::new();
    let mut positionals = Vec::new();
    let mut words = rest.split_whitespace().peekable();
    let mut skip_group = false;
    while let Some(word) = words.next() {
        if skip_group {
            if word.ends_with(">>") {
                skip_group = false;
            }
            continue;
        }
        let group = word.starts_with("<--");
        let word = word.trim_start_matches('<');
        if let Some(flag) = word.strip_prefix("--") {
            let value = words.next().map(|v| {
                let alternatives = v.contains('|');
                if alternatives && !v.ends_with(">>") {
                    skip_group = true;
                }
                v.split('|')
                    .next()
                    .unwrap_or(v)
                    .trim_matches(|c| c == '<' || c == '>')
                    .to_owned()
            });
            required.push(Opt {
                long: flag.to_owned(),
                value,
            });
            let _ = group;
        } else if word.ends_with('>') {
            positionals.push(word.trim_end_matches('>').to_owned());
        }
    }
    (required, positionals)
}

/// A valid value for a value name in a command's context.
fn valid(leaf: &Leaf, long: &str, value: &str, base_url: &str) -> String {
    let projects = leaf.path.first().is_some_and(|p| p == "projects");
    match (long, value) {
        ("orgId", _) => ORG.into(),
        ("projectId", _) => PROJECT.into(),
        (_, "KEY_ID") => KEY.into(),
        (_, "TEXT") => "reliability run".into(),
        (_, "ROLE") if projects => "GROUP_READ_ONLY".into(),
        (_, "ROLE") => "ORG_MEMBER".into(),
        (_, "IP") | (_, "IP_OR_CIDR") => "192.0.2.1".into(),
        (_, "CIDR") => "192.0.2.0/24".into(),
        (_, "URL") => base_url.into(),
        (_, "FLAVOR") => "atlas".into(),
        (_, "OUTPUT") => "json".into(),
        ("listen", _) => "127.0.0.1:0".into(),
        ("faults", _) => "500=0.1".into(),
        ("rate-limit", _) => "off".into(),
        _ => "1".into(),
    }
}

/// The leaf's command line with every required flag and positional valid, `--base-url` set,
/// and `--force` when the command would otherwise ask for confirmation.
fn baseline(leaf: &Leaf, base_url: &str, replace: Option<(&str, String)>) -> Vec<String> {
    let mut args = leaf.path.clone();
    let mut replaced = false;
    for opt in &leaf.required {
        let value = opt.value.as_deref().unwrap_or_default();
        args.push(format!("--{}", opt.long));
        match &replace {
            Some((long, bad)) if *long == opt.long => {
                args.push(bad.clone());
                replaced = true;
            }
            _ => args.push(valid(leaf, &opt.long, value, base_url)),
        }
    }
    for positional in &leaf.positionals {
        args.push(valid(leaf, "", positional, base_url));
    }
    if leaf.options.iter().any(|o| o.long == "force") {
        args.push("--force".into());
    }
    // The emulator subcommand would otherwise bind its default port (8080) if a value slipped
    // through: a shared machine's port is not ours to take.
    let listen_replaced = matches!(&replace, Some((long, _)) if *long == "listen");
    if leaf.options.iter().any(|o| o.long == "listen") && !listen_replaced {
        args.push("--listen".into());
        args.push("127.0.0.1:0".into());
    }
    let base_url_replaced = matches!(&replace, Some((long, _)) if *long == "base-url");
    if !base_url_replaced {
        args.push("--base-url".into());
        args.push(base_url.into());
    }
    if let Some((long, bad)) = replace
        && !replaced
    {
        let is_switch = leaf
            .options
            .iter()
            .any(|o| o.long == long && o.value.is_none());
        if is_switch {
            // A switch given a value: `--all=nonsense`.
            args.push(format!("--{long}={bad}"));
        } else {
            args.push(format!("--{long}"));
            args.push(bad);
        }
    }
    args
}

/// The four hostile values for a flag.
fn hostile_values() -> Vec<(&'static str, String)> {
    vec![
        ("nonsense", "n0n$ense!?".to_owned()),
        ("empty", String::new()),
        ("huge", "a".repeat(100_000)),
        ("unicode", "ünïcødé-🔑-\u{202e}-日本".to_owned()),
    ]
}

/// Whether `stderr` is one `error: …` line first, and how many of clap's context lines
/// (`[possible values: …]`, `Usage: …`) follow it; its `For more information` hint is not
/// counted. Anything else (a second error, a backtrace, a log line) makes it not one line.
fn error_shape(stderr: &str) -> (bool, usize) {
    let mut lines = stderr.lines().filter(|l| !l.trim().is_empty());
    let first_is_error = lines.next().is_some_and(|l| l.starts_with("error: "));
    let mut context = 0;
    for line in lines {
        if line.starts_with("For more information, try") {
            continue;
        }
        if line.starts_with("  [possible values:")
            || line.starts_with("Usage: ")
            || line.starts_with("  tip:")
        {
            context += 1;
        } else {
            return (false, context);
        }
    }
    (first_is_error, context)
}

/// Values a flag legitimately accepts: these are not errors.
fn is_legitimate(opt: &Opt, kind: &str) -> bool {
    // A description is free text: nonsense and Unicode are valid descriptions.
    (opt.value.as_deref() == Some("TEXT") && matches!(kind, "nonsense" | "unicode"))
        // An empty fault spec is documented to mean "no faults".
        || (opt.long == "faults" && kind == "empty")
}

#[test]
fn every_flag_refuses_nonsense_empty_huge_and_unicode_with_exit_2_and_no_network_call() {
    let home = tempfile::tempdir().expect("a temp HOME");
    let listener = CountingListener::start();
    let mut leaves = Vec::new();
    discover(Vec::new(), home.path(), &mut leaves);
    assert!(
        leaves.len() >= 10,
        "the command tree was discovered: {leaves:?}"
    );

    // Control: with valid values the CLI does reach the listener, so a miss below means
    // "no call", not "wrong port".
    let control = leaves
        .iter()
        .find(|l| l.path.ends_with(&["apiKeys".to_owned(), "list".to_owned()]))
        .expect("an apiKeys list command");
    let run = run_cli(&baseline(control, &listener.url(), None), home.path());
    assert!(
        listener.connections() >= 1,
        "the control run did not connect: {}",
        run.stderr
    );
    assert_ne!(
        run.code,
        Some(2),
        "the control run is valid: {}",
        run.stderr
    );

    let before = listener.connections();
    let mut checked = 0;
    let mut with_clap_context = 0;
    let mut failures = Vec::new();
    for leaf in &leaves {
        // The emulator subcommand serves rather than calls; its file flags take any path.
        let emulator = leaf.path.first().is_some_and(|p| p == "emulator");
        for opt in &leaf.options {
            if emulator && opt.value.as_deref() == Some("FILE") {
                continue;
            }
            for (kind, bad) in hostile_values() {
                if is_legitimate(opt, kind) {
                    continue;
                }
                let args = baseline(leaf, &listener.url(), Some((&opt.long, bad)));
                let run = run_cli(&args, home.path());
                checked += 1;
                let (error_line, context) = error_shape(&run.stderr);
                if context > 0 {
                    with_clap_context += 1;
                }
                // A bad value is exactly one line: the CLI folds clap's accepted values into
                // it and leaves usage help to mistyped commands (`exit::command_line`).
                let ok = run.code == Some(2) && error_line && context == 0 && run.stdout.is_empty();
                if !ok {
                    failures.push(format!(
                        "{} --{} ({kind}): exit {:?}, stdout {:?}, stderr {:?}",
                        leaf.path.join(" "),
                        opt.long,
                        run.code,
                        &run.stdout[..run.stdout.len().min(200)],
                        &run.stderr[..run.stderr.len().min(300)],
                    ));
                }
            }
        }
        // Positionals too (key ids, addresses).
        for (index, positional) in leaf.positionals.iter().enumerate() {
            for (kind, bad) in hostile_values() {
                let mut args = baseline(leaf, &listener.url(), None);
                let position = leaf.path.len() + leaf.required.len() * 2 + index;
                args[position] = bad;
                let run = run_cli(&args, home.path());
                checked += 1;
                let (error_line, _) = error_shape(&run.stderr);
                if run.code != Some(2) || !error_line || !run.stdout.is_empty() {
                    failures.push(format!(
                        "{} <{positional}> ({kind}): exit {:?}, stderr {:?}",
                        leaf.path.join(" "),
                        run.code,
                        &run.stderr[..run.stderr.len().min(300)],
                    ));
                }
            }
        }
    }
    let calls = listener.connections() - before;
    figure(
        "cli",
        format!(
            "{} commands, {checked} hostile flag/positional values: {} not refused with exit 2 and one error line; {with_clap_context} of them with clap's context lines after it; {calls} network connections",
            leaves.len(),
            failures.len()
        ),
    );
    assert!(
        failures.is_empty(),
        "{} runs misbehaved:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(calls, 0, "hostile values caused {calls} connections");
}
