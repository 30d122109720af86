//! A reader that stops early (`atlas-keys … | head -1`) ends the command quietly with
//! status 0, in every output format, also when stderr is the same closed pipe (where a
//! panic message could not even be printed). The outputs are far larger than a pipe's
//! buffer, so the binary is certainly still writing when the reader goes away.

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;

use crate::harness::Emu;

/// Keys enough for every format to overflow a 64 KiB pipe buffer several times.
const KEYS: u64 = 1500;

fn emu() -> Emu {
    Emu::start_with(|b| b.bulk_project_keys(KEYS))
}

fn list_args<'a>(emu: &'a Emu, format: &'a [&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "organizations",
        "apiKeys",
        "list",
        "--orgId",
        emu.org(),
        "--all",
    ];
    args.extend_from_slice(format);
    args
}

const FORMATS: [&[&str]; 4] = [
    &["-o", "table"],
    &["-o", "json"],
    &["-o", "json", "-c"],
    &["-o", "json-path=$.results[*]"],
];

#[test]
fn stdout_closed_after_one_line_ends_with_status_0_in_every_format() {
    let emu = emu();
    for format in FORMATS {
        let args = list_args(&emu, format);
        let mut child = emu
            .std_cli()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawns");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("reads a line");
        // The reader (and with it the pipe's read end) is gone here.
        assert!(!first.is_empty(), "{args:?}: no output at all");
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut stderr)
            .expect("reads stderr");
        let status = child.wait().expect("exits");
        assert_eq!(status.code(), Some(0), "{args:?}: stderr: {stderr}");
        assert!(
            stderr.is_empty(),
            "{args:?}: stderr should stay quiet: {stderr}"
        );
    }
}

#[test]
fn stdout_and_stderr_on_one_closed_pipe_end_with_status_0() {
    let emu = emu();
    for format in FORMATS {
        let args = list_args(&emu, format);
        let (reader, writer) = std::io::pipe().expect("pipe");
        let mut command = emu.std_cli();
        command
            .args(&args)
            .stdout(writer.try_clone().expect("dup"))
            .stderr(writer);
        let mut child = command.spawn().expect("spawns");
        // The Command holds the write ends until dropped; the reader must be the last
        // holder of the pipe for the child to see it close.
        drop(command);
        let mut first = String::new();
        BufReader::new(reader)
            .read_line(&mut first)
            .expect("reads a line");
        let status = child.wait().expect("exits");
        assert_eq!(status.code(), Some(0), "{args:?}: first line {first:?}");
    }
}

#[test]
fn completion_and_help_into_a_closed_pipe_end_quietly() {
    let emu = Emu::start();
    for args in [
        &["completion", "zsh"][..],
        &["completion", "bash"],
        &["--help"],
    ] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let mut command = emu.std_cli();
        command.args(args).stdout(writer).stderr(Stdio::null());
        let status = command.status().expect("runs");
        assert_eq!(status.code(), Some(0), "{args:?}");
    }
}
