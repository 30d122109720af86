//! The "are you sure?" before a delete.
//!
//! With `--force` there is no question. Without it, a person at a terminal is asked; a
//! script (stdin not a terminal) is refused at once with exit 2, because waiting for an
//! answer nobody can give would hang it. This module must NOT delete anything.

use std::io::{BufRead, IsTerminal, Write};

use crate::exit::Failure;

/// Ok to go ahead, or the reason not to.
pub(crate) fn confirm_delete(force: bool, what: &str) -> Result<(), Failure> {
    if force {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Failure::Usage(format!(
            "refusing to delete {what} without --force: stdin is not a terminal, so nobody can confirm"
        )));
    }
    eprint!("Delete {what}? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::Usage(format!("could not read the answer: {e}")))?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(Failure::Usage(format!("not deleted: {what}")))
    }
}
