//! The machine a bench run ran on, as the report's header records it.
//!
//! It only reads (`/proc`, `uname`, `git`, `rustc`); a value it cannot read is `unknown`, never
//! an error.

use std::process::Command;

use crate::cmd::workspace_root;

#[derive(Debug)]
pub(super) struct Machine {
    pub(super) cores: usize,
    pub(super) cpu: String,
    pub(super) kernel: String,
    pub(super) load: String,
    pub(super) date: String,
    pub(super) commit: String,
    /// Tracked files that differ from the commit, comma-separated (empty: none).
    pub(super) dirty: String,
    pub(super) rustc: String,
}

impl Machine {
    pub(super) fn read() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|line| line.strip_prefix("model name"))
            .and_then(|rest| rest.split_once(':'))
            .map_or_else(|| "unknown".to_owned(), |(_, name)| name.trim().to_owned());
        let cores = cpuinfo
            .lines()
            .filter(|line| line.starts_with("processor"))
            .count()
            .max(std::thread::available_parallelism().map_or(0, usize::from));
        let output = |program: &str, args: &[&str]| {
            Command::new(program)
                .args(args)
                .current_dir(workspace_root())
                .output()
                .ok()
                .filter(|out| out.status.success())
                .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
                .unwrap_or_else(|| "unknown".to_owned())
        };
        let dirty = output("git", &["status", "--porcelain", "--untracked-files=no"]);
        Machine {
            cores,
            cpu,
            kernel: output("uname", &["-sr"]),
            load: std::fs::read_to_string("/proc/loadavg")
                .map(|text| {
                    text.split_whitespace()
                        .take(3)
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_else(|_| "unknown".to_owned()),
            date: output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            commit: output("git", &["rev-parse", "HEAD"]),
            dirty: if dirty == "unknown" {
                String::new()
            } else {
                dirty
                    .lines()
                    .filter_map(|line| line.get(3..))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            rustc: output("rustc", &["--version"]),
        }
    }
}
