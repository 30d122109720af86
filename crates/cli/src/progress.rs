//! A one-line "fetched N of TOTAL keys" indicator on stderr while `--all` walks the pages.
//!
//! It draws only when stderr is a terminal (std::io::IsTerminal): in pipes, logs and tests
//! stderr stays silent, so scripts see nothing but errors there. This module must NOT write
//! to stdout, where results go, nor any text a server chose: it prints a count and a noun of
//! ours, so nothing from the server can reach the terminal through it.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Redraws are throttled so a fast local server does not flood the terminal.
const REDRAW_EVERY: Duration = Duration::from_millis(80);

/// The indicator; inert when stderr is not a terminal.
#[derive(Debug)]
pub(crate) struct Progress {
    enabled: bool,
    noun: &'static str,
    count: usize,
    total: Option<u64>,
    last_draw: Option<Instant>,
}

impl Progress {
    /// An indicator that draws only if stderr is a terminal.
    pub(crate) fn on_stderr(noun: &'static str) -> Self {
        Self::new(std::io::stderr().is_terminal(), noun)
    }

    fn new(enabled: bool, noun: &'static str) -> Self {
        Self {
            enabled,
            noun,
            count: 0,
            total: None,
            last_draw: None,
        }
    }

    /// Counts one more page of `n` items (of `total`, when the server counted them) and
    /// redraws if enough time has passed.
    pub(crate) fn add(&mut self, n: usize, total: Option<u64>) {
        self.count += n;
        self.total = total.or(self.total);
        self.draw();
    }

    /// The line as drawn: `fetched 200 of 1234 keys`, or without a total.
    fn line(&self) -> String {
        match self.total {
            Some(total) => format!("fetched {} of {total} {}", self.count, self.noun),
            None => format!("fetched {} {}", self.count, self.noun),
        }
    }

    fn draw(&mut self) {
        if !self.enabled {
            return;
        }
        let due = self.last_draw.is_none_or(|at| at.elapsed() >= REDRAW_EVERY);
        if due {
            self.last_draw = Some(Instant::now());
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{}", self.line());
            let _ = err.flush();
        }
    }
}

/// Erasing on drop means the line is cleaned up on errors too, before `error: …` prints.
impl Drop for Progress {
    fn drop(&mut self) {
        if self.enabled && self.last_draw.is_some() {
            let mut err = std::io::stderr().lock();
            // \r, erase to end of line: the results that follow start on a clean line.
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Progress;

    #[test]
    fn a_disabled_indicator_only_counts() {
        let mut progress = Progress::new(false, "keys");
        progress.add(100, Some(250));
        progress.add(100, Some(250));
        assert_eq!(progress.count, 200);
        assert!(progress.last_draw.is_none());
        assert_eq!(progress.line(), "fetched 200 of 250 keys");
        assert_eq!(Progress::new(false, "keys").line(), "fetched 0 keys");
    }
}
